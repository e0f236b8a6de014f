// The custom messages between the VS Code client and the language server, beyond standard LSP.
// Plain types only (no vscode or LSP imports) so the server can import this file too.
//
// Every request takes the document's URI as the client knows it (`TextDocument.uri.toString()`);
// the server answers from its own copy of the open document. Requests never reject for bad input:
// they answer with `ok: false` and an `error` message fit to show the user.

export type AsmSyntax = 'llvm' | 'mnemonic';

/** `bpfAsm/verifierLog`: the kernel-style verifier log of one program in the document. */
export const VERIFIER_LOG_REQUEST = 'bpfAsm/verifierLog';
export interface VerifierLogParams {
  uri: string;
  /** Which program (ELF section); the first program when omitted. */
  section?: string;
}
export interface VerifierLogResult {
  ok: boolean;
  /** The log text, in the kernel's format (highlighted by the bpf-verifier-log grammar). */
  log: string;
  verdict: Verdict;
  error?: string;
  /**
   * Zero-based source line of each instruction, indexed as the log numbers instructions (by
   * slot; the second slot of a 64-bit load repeats the first), null where unknown. Lets the
   * client link the log's instruction numbers to the source.
   */
  insnLines?: (number | null)[];
}

/** `bpfAsm/assemble`: the document assembled into an ELF relocatable object. */
export const ASSEMBLE_REQUEST = 'bpfAsm/assemble';
export interface AssembleParams {
  uri: string;
}
export interface AssembleResult {
  ok: boolean;
  /** The ELF file's bytes, base64; present when ok. The client writes the file. */
  elfBase64?: string;
  /** One line per error, `line:column: message`, when not ok. */
  errors: string[];
}

/** `bpfAsm/disassemble`: an ELF object (read by the client) as assembly text. */
export const DISASSEMBLE_REQUEST = 'bpfAsm/disassemble';
export interface DisassembleParams {
  /** The object file's URI, used only in messages and the listing's header. */
  uri: string;
  /** The object file's bytes, base64. */
  elfBase64: string;
  syntax: AsmSyntax;
}
export interface DisassembleResult {
  ok: boolean;
  /** Source text that assembles back to the same programs, maps and data. */
  text: string;
  error?: string;
}

/** `bpfAsm/convertSyntax`: the whole document rewritten in the other syntax. */
export const CONVERT_SYNTAX_REQUEST = 'bpfAsm/convertSyntax';
export interface ConvertSyntaxParams {
  uri: string;
  to: AsmSyntax;
}
export interface ConvertSyntaxResult {
  ok: boolean;
  text: string;
  /** The syntax the server read the document in. */
  from?: AsmSyntax;
  error?: string;
}

/** `bpfAsm/run`: one run of a program in the userspace VM (or the kernel's BPF_PROG_TEST_RUN). */
export const RUN_REQUEST = 'bpfAsm/run';
export interface RunParams {
  uri: string;
  section?: string;
  /** Packet or context bytes as hex (`"00 11 22"` or `"001122"`); the program type's default when omitted. */
  input?: string;
  /** Run in the kernel with BPF_PROG_TEST_RUN instead of the VM, where the machine allows it. */
  kernel?: boolean;
}
export interface RunResult {
  ok: boolean;
  /** r0 at exit, as an unsigned decimal string (64-bit values do not fit a JSON number). */
  returnValue?: string;
  /** The return value's meaning for the program type, such as `XDP_PASS`. */
  returnName?: string;
  instructionsExecuted?: number;
  /** Text the program printed (bpf_trace_printk) and other run notes, one line each. */
  output: string[];
  error?: string;
}

/** `bpfAsm/status` (notification, server to client): sent after each analysis of a document. */
export const STATUS_NOTIFICATION = 'bpfAsm/status';
export type Verdict = 'accepted' | 'rejected' | 'error' | 'pending';
export interface StatusParams {
  uri: string;
  syntax?: AsmSyntax;
  /** The program type of the program at the cursor's section, or the first one. */
  programType?: string;
  section?: string;
  /** accepted / rejected by the verifier; `error` when the file does not assemble. */
  verdict: Verdict;
  /** The first verifier error, or the first assembler error. */
  message?: string;
  /** Instructions processed by the verifier. */
  processedInsns?: number;
}
