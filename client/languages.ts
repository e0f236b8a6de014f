// The language ids package.json declares for eBPF assembly: both go to the language server and
// the debugger (bpf-conformance test files and verifier logs only get highlighting).

export const ASM_LANGUAGES: readonly string[] = ['bpf-asm', 'bpf-asm-mnemonic'];
