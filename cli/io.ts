// The CLI's output streams and exit codes, passed to each command so tests can run them in-process.

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

export const EXIT_OK = 0;
/** The input has errors (assembly errors, a rejected program, a fault). */
export const EXIT_ERROR = 1;
/** The arguments cannot be used. */
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

export type Command = (args: string[], io: CliIO) => Promise<number>;
