// Types for generate.mjs, which builds the TextMate grammars.
type GrammarBuilder = () => Record<string, unknown>;
export declare function bpfAsmGrammar(): Record<string, unknown>;
export declare function bpfAsmMnemonicGrammar(): Record<string, unknown>;
export declare function bpfVerifierLogGrammar(): Record<string, unknown>;
export declare const GRAMMARS: Record<string, GrammarBuilder>;
export declare function grammarText(build: GrammarBuilder): string;
export declare function bpfConformanceGrammar(): Record<string, unknown>;
export declare function bpfMarkdownInjection(): Record<string, unknown>;
