// The syntax tree shared by both assembly syntaxes. Every node carries exact source offsets.
import type { Instruction } from '../isa';

/** Half-open range of UTF-16 offsets into the source text. */
export interface Range {
  start: number;
  end: number;
}

export type Severity = 'error' | 'warning';

export interface AsmDiagnostic {
  range: Range;
  severity: Severity;
  message: string;
  /** A short stable code, such as 'parse' or 'undefined-label'. */
  code: string;
}

export type Syntax = 'llvm' | 'mnemonic';

export type TokenKind =
  | 'mnemonic' | 'register' | 'number' | 'label' | 'symbol' | 'helper'
  | 'directive' | 'string' | 'comment' | 'operator' | 'keyword' | 'type';

export interface Token {
  kind: TokenKind;
  range: Range;
}

/** A use of a name: a jump target, a local call, a map or function in ld_imm64, a helper. */
export interface SymbolRef {
  name: string;
  range: Range;
  /**
   * jump: goto target (sets off, or imm for gotol); call: bpf-to-bpf call (imm, src=1);
   * imm64: ld_imm64 symbol (relocated); helper: helper called by name (imm is its id).
   */
  role: 'jump' | 'call' | 'imm64' | 'helper';
}

export interface LabelStatement {
  kind: 'label';
  name: string;
  range: Range;
}

export interface DirectiveStatement {
  kind: 'directive';
  /** With its leading dot, such as '.section'. */
  name: string;
  /** Raw argument text, split at top-level commas, with ranges. */
  args: { text: string; range: Range }[];
  range: Range;
}

export interface InstructionStatement {
  kind: 'insn';
  /** The encoded fields. Symbolic parts are left 0 until the assembler resolves `ref`. */
  insn: Instruction;
  /** A symbolic operand, resolved by the assembler. */
  ref?: SymbolRef;
  range: Range;
}

export type Statement = LabelStatement | DirectiveStatement | InstructionStatement;

export interface ParsedFile {
  syntax: Syntax;
  statements: Statement[];
  /** Every token, in source order, for highlighting and navigation. */
  tokens: Token[];
  comments: Range[];
  diagnostics: AsmDiagnostic[];
}

/** Maps offsets to zero-based line and column, and back. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  position(offset: number): { line: number; character: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo]! };
  }

  offset(line: number, character: number): number {
    if (line < 0) return 0;
    if (line >= this.starts.length) return this.text.length;
    const start = this.starts[line]!;
    const end = line + 1 < this.starts.length ? this.starts[line + 1]! - 1 : this.text.length;
    return Math.min(start + Math.max(0, character), end);
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))]!;
  }
}
