// The V8 flags the server runs with: a larger young generation makes the garbage collector's
// pauses rarer, which keeps the tail of diagnostics latency down (bench/server.ts).
export const SERVER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=32'];
