// The kernel oracle: bpf(2) maps, program loads with the verifier's log, and BPF_PROG_TEST_RUN.
export * from './bpf';
export * from './loader';
export { UpdateFlag, LogLevel } from './bpf-attr';
