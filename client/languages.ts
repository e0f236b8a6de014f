// The language ids package.json declares for eBPF assembly: both go to the language server and
// the debugger. bpf_conformance test files (.data) go to the language server too (diagnostics,
// hovers, a run against their -- result); verifier logs only get highlighting.

export const ASM_LANGUAGES: readonly string[] = ['bpf-asm', 'bpf-asm-mnemonic'];

/** The languages the language server serves. */
export const SERVED_LANGUAGES: readonly string[] = [...ASM_LANGUAGES, 'bpf-conformance'];
