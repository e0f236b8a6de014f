// Parser for LLVM's BPF assembly syntax (`r0 = *(u32 *)(r1 + 4)`, `if r1 > r2 goto L`), as
// llvm-mc accepts it and clang -S writes it, plus pasted listings: the kernel verifier log and
// `bpftool prog dump xlated` (`5: (bf) r1 = r6`, `goto pc+3`, `call bpf_map_lookup_elem#1`), and
// `llvm-objdump -d -r` (whose bytes are the instructions). A hand-written scanner lexes one
// statement at a time into flat arrays; a recursive-descent matcher encodes it. Never throws:
// each problem becomes a diagnostic and parsing goes on with the next statement.
import { helperByName } from '../helpers/table';
import type { Instruction } from '../isa';
import { isMapType } from '../map-types';
import type {
  AsmDiagnostic, DirectiveStatement, InstructionStatement, ParsedFile, Range, Severity, Statement, SymbolRef, Token,
  TokenKind,
} from './ast';
import { evalExpr } from './llvm-expr';
import * as lexer from './lexer';

// Local copies: module re-exports can compile to getters, which cost a call per character.
const { isDigit, isHexDigit, isIdentChar, isIdentStart, isSpace, scanBlockComment, scanIdentifier, scanNumber, scanString } = lexer;
const CH_HASH = 35;
const CH_LF = 10;
const CH_QUOTE = 34;
const CH_SEMI = 59;
const CH_SLASH = 47;
const CH_SQUOTE = 39;
const CH_STAR = 42;

/** Lexical token kinds inside one statement. */
const enum T {
  Id = 1,
  Num = 2,
  Str = 3,
  Chr = 4,
  Op = 5,
}

const ROLE_KINDS: readonly TokenKind[] = [
  'mnemonic', 'register', 'number', 'label', 'symbol', 'helper', 'directive', 'string', 'comment', 'operator',
  'keyword', 'type',
];
const enum R {
  None = 255,
  Mnemonic = 0,
  Register = 1,
  Number = 2,
  Label = 3,
  Symbol = 4,
  Helper = 5,
  Directive = 6,
  Str = 7,
  Comment = 8,
  Operator = 9,
  Keyword = 10,
  Type = 11,
}

const ALU_OPS: Record<string, { op: number; off: number }> = {
  '+=': { op: 0x00, off: 0 }, '-=': { op: 0x10, off: 0 }, '*=': { op: 0x20, off: 0 }, '/=': { op: 0x30, off: 0 },
  '|=': { op: 0x40, off: 0 }, '&=': { op: 0x50, off: 0 }, '<<=': { op: 0x60, off: 0 }, '>>=': { op: 0x70, off: 0 },
  '%=': { op: 0x90, off: 0 }, '^=': { op: 0xa0, off: 0 }, 's>>=': { op: 0xc0, off: 0 },
  's/=': { op: 0x30, off: 1 }, 's%=': { op: 0x90, off: 1 },
};

const JMP_OPS: Record<string, number> = {
  '==': 0x10, '>': 0x20, '>=': 0x30, '&': 0x40, '!=': 0x50, 's>': 0x60, 's>=': 0x70,
  '<': 0xa0, '<=': 0xb0, 's<': 0xc0, 's<=': 0xd0,
};

const LOCK_OPS: Record<string, number> = { '+=': 0x00, '|=': 0x40, '&=': 0x50, '^=': 0xa0 };

/** Every operator the instruction forms use, keyed by its character codes, to look them up without slicing. */
const KNOWN_OPS = new Map<number, string>(
  [...Object.keys(ALU_OPS), ...Object.keys(JMP_OPS), '='].map((op) => {
    let key = 0;
    for (let k = 0; k < op.length; k++) key = key * 256 + op.charCodeAt(k);
    return [key, op];
  }),
);

/** atomic_fetch_<op> names, in LLVM's spelling and the kernel log's (`atomic64_fetch_add`). */
const FETCH_OPS: Record<string, number> = { add: 0x01, or: 0x41, and: 0x51, xor: 0xa1 };

interface MemSize {
  size: number;
  bytes: number;
  signed: boolean;
}

const MEM_SIZES: Record<string, MemSize> = {
  u8: { size: 0x10, bytes: 1, signed: false }, u16: { size: 0x08, bytes: 2, signed: false },
  u32: { size: 0x00, bytes: 4, signed: false }, u64: { size: 0x18, bytes: 8, signed: false },
  s8: { size: 0x10, bytes: 1, signed: true }, s16: { size: 0x08, bytes: 2, signed: true },
  s32: { size: 0x00, bytes: 4, signed: true },
};

const DATA_DIRECTIVES = new Set([
  '.byte', '.short', '.hword', '.2byte', '.long', '.int', '.4byte', '.word', '.quad', '.8byte', '.uleb128',
  '.sleb128',
]);
const STRING_DIRECTIVES = new Set(['.ascii', '.asciz', '.string']);
const SYMBOL_DIRECTIVES = new Set([
  '.globl', '.global', '.weak', '.local', '.hidden', '.protected', '.internal', '.extern', '.addrsig_sym',
]);
const BARE_DIRECTIVES = new Set(['.text', '.data', '.bss', '.rodata', '.addrsig', '.previous', '.popsection', '.end']);
/** Directives accepted with any arguments: debug information and other bookkeeping. */
const FREE_DIRECTIVES = new Set(['.file', '.loc', '.ident', '.loc_label', '.symver', '.reloc', '.version', '.org']);

/**
 * A line of a kernel verifier log or `bpftool prog dump xlated`: `  12: (bf) ...`, also with the
 * liveness column of newer kernels' logs (`  12: 01....6... (bf) ...`).
 */
const LOG_LINE = /^[ \t]*\d+:[ \t]*(?:[.0-9]+[ \t]+)?\([0-9a-fA-F]{2}\)/m;

/** A cheap pre-check: liveness-column lines have `... (` after the colon. */
const LOG_PREFIX_ANYWHERE = /\d:[ \t]*[.0-9]+[ \t]+\(/;

/** Thrown inside one statement's parse after its diagnostic is recorded. */
const STOP = { stop: true };

const INT32_MIN = -(1n << 31n);
const INT32_MAX = (1n << 31n) - 1n;
const UINT32_LIMIT = 1n << 32n;

interface Imm {
  value: bigint;
  start: number;
  end: number;
  /** Index of the token after the expression. */
  next: number;
  symbol?: { name: string; range: Range };
}

interface JumpTarget {
  value?: number;
  /** Source range of a numeric target. */
  range?: Range;
  ref?: SymbolRef;
  next: number;
}

interface ObjdumpLine {
  kind: 'section' | 'label' | 'reloc64' | 'reloc32';
  name: string;
  range: Range;
  whole: Range;
}

interface MemRef {
  base: number;
  off: number;
  next: number;
}

/** Parses a whole file in LLVM's BPF assembly syntax. */
export function parseLlvm(text: string): ParsedFile {
  return new LlvmParser(text).run();
}

class LlvmParser {
  private readonly len: number;
  // The current statement's tokens, as parallel arrays.
  private tk = new Uint8Array(64);
  private ts = new Int32Array(64);
  private te = new Int32Array(64);
  private role = new Uint8Array(64);
  private n = 0;
  /** Comments met while lexing the current statement. */
  private pendingComments: Range[] = [];
  /** Prefix tokens of a log line (index, colon, opcode), emitted before the statement's own. */
  private prefixTokens: Token[] = [];
  private logOpcode = -1;
  private logIndex = -1;
  private readonly logMode: boolean;
  /** An llvm-objdump listing: each line's bytes are the instruction, its text is for reading. */
  private readonly objdumpMode: boolean;
  private objdumpInsn: Instruction | undefined;
  private objdumpLine: ObjdumpLine | undefined;
  /** Lexing stops here (before an objdump `<target>` annotation). */
  private lexLimit = 0;
  private noteRange: Range | undefined;
  private readonly seenLogIndex = new Set<number>();
  /** Names given constant values by `.set` / `.equ`. */
  private readonly constants = new Map<string, bigint>();
  private readonly constantOf = (name: string): bigint | undefined => this.constants.get(name);
  private expectedLogIndex = 0;

  private readonly statements: Statement[] = [];
  /** Every token as (start, end, role) triples; Token objects are made only when asked for. */
  private tokenData = new Int32Array(4096);
  private tokenCount = 0;
  private readonly comments: Range[] = [];
  private readonly diagnostics: AsmDiagnostic[] = [];
  private stmtError = false;

  constructor(private readonly text: string) {
    this.len = text.length;
    this.logMode = looksLikeLog(text);
    this.objdumpMode = !this.logMode && looksLikeObjdump(text);
  }

  run(): ParsedFile {
    let pos = 0;
    while (pos <= this.len) {
      const lineStart = pos === 0 || this.text.charCodeAt(pos - 1) === CH_LF;
      const end = this.lexStatement(pos, lineStart);
      this.parseStatement(lineStart);
      if (end >= this.len) break;
      pos = end + 1;
    }
    const data = this.tokenData;
    const count = this.tokenCount;
    let tokens: Token[] | undefined;
    const file = {
      syntax: 'llvm' as const,
      statements: this.statements,
      comments: this.comments,
      diagnostics: this.diagnostics,
    } as ParsedFile;
    Object.defineProperty(file, 'tokens', {
      enumerable: true,
      configurable: true,
      set(value: Token[]) {
        tokens = value;
      },
      get(): Token[] {
        if (!tokens) {
          tokens = new Array<Token>(count);
          for (let k = 0; k < count; k++) {
            tokens[k] = { kind: ROLE_KINDS[data[3 * k + 2]!]!, range: { start: data[3 * k]!, end: data[3 * k + 1]! } };
          }
        }
        return tokens;
      },
    });
    return file;
  }

  // ---- lexing -------------------------------------------------------------------------------

  private push(kind: T, start: number, end: number): void {
    if (this.n === this.tk.length) {
      const grow = <A extends Uint8Array | Int32Array>(a: A, make: (n: number) => A): A => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.tk = grow(this.tk, (n) => new Uint8Array(n));
      this.ts = grow(this.ts, (n) => new Int32Array(n));
      this.te = grow(this.te, (n) => new Int32Array(n));
      this.role = grow(this.role, (n) => new Uint8Array(n));
    }
    this.tk[this.n] = kind;
    this.ts[this.n] = start;
    this.te[this.n] = end;
    this.role[this.n] = R.None;
    this.n++;
  }

  /** Lexes one statement from `pos`; returns the offset of its terminator (line break, `;` or end). */
  private lexStatement(pos: number, lineStart: boolean): number {
    const text = this.text;
    const len = this.len;
    this.n = 0;
    this.logOpcode = -1;
    this.logIndex = -1;
    if (this.prefixTokens.length > 0) this.prefixTokens.length = 0;
    this.objdumpInsn = undefined;
    this.objdumpLine = undefined;
    this.lexLimit = len;
    this.noteRange = undefined;
    if (lineStart && this.logMode) pos = this.lexLogPrefix(pos);
    if (lineStart && this.objdumpMode) {
      pos = this.lexObjdumpPrefix(pos);
      if (this.objdumpLine) return pos;
    }
    while (pos < this.lexLimit) {
      const c = text.charCodeAt(pos);
      if (c === CH_LF) return pos;
      if (isSpace(c)) {
        pos++;
        continue;
      }
      if (c === CH_SEMI) {
        if (!this.logMode) return pos;
        const e = lineEndAt(text, pos);
        this.pendingComments.push({ start: pos, end: e });
        return e;
      }
      if (c === CH_HASH) {
        // `call bpf_map_lookup_elem#1`, `call bpf_trace_printk#-61360`: a `#` glued to a name and a number
        const prev = pos > 0 ? text.charCodeAt(pos - 1) : 0;
        const next = text.charCodeAt(pos + 1);
        if (pos > 0 && isIdentChar(prev) && (isDigit(next) || (next === 45 && isDigit(text.charCodeAt(pos + 2))))) {
          this.push(T.Op, pos, pos + 1);
          pos++;
          continue;
        }
        const e = lineEndAt(text, pos);
        this.pendingComments.push({ start: pos, end: e });
        return e;
      }
      if (c === CH_SLASH) {
        const d = text.charCodeAt(pos + 1);
        if (d === CH_SLASH) {
          const e = lineEndAt(text, pos);
          this.pendingComments.push({ start: pos, end: e });
          return e;
        }
        if (d === CH_STAR) {
          const b = scanBlockComment(text, pos);
          this.pendingComments.push({ start: pos, end: b.end });
          if (!b.closed) this.diag({ start: pos, end: pos + 2 }, "unterminated comment: expected '*/'", 'parse');
          pos = b.end;
          continue;
        }
      }
      if (isIdentStart(c)) {
        const e = scanIdentifier(text, pos, len);
        // `s>>=`, `s<`, `s/=`: the signed operators start with a glued `s`
        if (e === pos + 1 && c === 115 /* s */) {
          const o = opLength(text, e);
          const d = text.charCodeAt(e);
          if (o > 0 && (d === 60 || d === 62 || d === 47 || d === 37)) {
            this.push(T.Op, pos, e + o);
            pos = e + o;
            continue;
          }
        }
        this.push(T.Id, pos, e);
        pos = e;
        continue;
      }
      if (isDigit(c)) {
        const e = scanNumber(text, pos, len).end;
        this.push(T.Num, pos, e);
        pos = e;
        continue;
      }
      if (c === CH_QUOTE) {
        const s = scanString(text, pos);
        this.push(T.Str, pos, s.end);
        pos = s.end;
        continue;
      }
      if (c === CH_SQUOTE) {
        let e = pos + 1;
        if (text.charCodeAt(e) === 92) e++;
        e++;
        if (text.charCodeAt(e) === CH_SQUOTE) e++;
        this.push(T.Chr, pos, Math.min(e, lineEndAt(text, pos)));
        pos = Math.min(e, lineEndAt(text, pos));
        continue;
      }
      const o = opLength(text, pos) || 1;
      this.push(T.Op, pos, pos + o);
      pos += o;
    }
    if (pos >= len) return len;
    // stopped at an objdump note (or a block comment ran past it)
    if (pos === this.lexLimit && this.noteRange) this.pendingComments.push(this.noteRange);
    return lineEndAt(text, pos);
  }

  /**
   * An llvm-objdump line: `Disassembly of section xdp:`, `0000000000000000 <prog>:`, a relocation
   * (`\t\t0000000000000088:  R_BPF_64_64\tmap`), or `  12:\tb7 01 00 00 05 00 00 00\tr1 = 0x5 <annotation>`.
   */
  private lexObjdumpPrefix(pos: number): number {
    const text = this.text;
    const end = lineEndAt(text, pos);
    const line = text.slice(pos, end);
    let m = /^Disassembly of section (\S+?):?\s*$/.exec(line);
    if (m) {
      const start = pos + line.indexOf(m[1]!, 22);
      this.prefixTokens.push({ kind: 'keyword', range: { start: pos, end: pos + 21 } }, { kind: 'symbol', range: { start, end: start + m[1]!.length } });
      this.objdumpLine = { kind: 'section', name: m[1]!, range: { start, end: start + m[1]!.length }, whole: { start: pos, end } };
      return end;
    }
    m = /^[0-9a-f]{8,16} <([^<>\s]+)>:\s*$/.exec(line);
    if (m) {
      const start = pos + line.indexOf('<') + 1;
      this.prefixTokens.push({ kind: 'number', range: { start: pos, end: start - 2 } }, { kind: 'label', range: { start, end: start + m[1]!.length } });
      this.objdumpLine = { kind: 'label', name: m[1]!, range: { start, end: start + m[1]!.length }, whole: { start: pos, end } };
      return end;
    }
    m = /^\s+[0-9a-f]+:\s+(R_BPF_\w+)\s+(\S+)\s*$/.exec(line);
    if (m) {
      const start = pos + line.lastIndexOf(m[2]!);
      const typeAt = pos + line.indexOf(m[1]!);
      this.prefixTokens.push({ kind: 'keyword', range: { start: typeAt, end: typeAt + m[1]!.length } }, { kind: 'symbol', range: { start, end: start + m[2]!.length } });
      this.objdumpLine = { kind: m[1] === 'R_BPF_64_64' ? 'reloc64' : 'reloc32', name: m[2]!, range: { start, end: start + m[2]!.length }, whole: { start: pos, end } };
      return end;
    }
    if (!/^\s*\d+:/.test(line)) return pos;
    // `goto +0x20 <LBB0_7>`: the target's name is a note, not code
    const note = /\s(<[^<>\n]*>)\s*$/.exec(line);
    if (note) {
      const at = pos + note.index + 1;
      this.lexLimit = at;
      this.noteRange = { start: at, end: pos + note.index + note[0].trimEnd().length };
    }
    m = /^(\s*)(\d+):(\s+)((?:[0-9a-f]{2} ){7}[0-9a-f]{2}(?: (?:[0-9a-f]{2} ){7}[0-9a-f]{2})?)(?=\s|$)/.exec(line);
    if (!m) return pos;
    const numStart = pos + m[1]!.length;
    const bytesStart = numStart + m[2]!.length + 1 + m[3]!.length;
    const hex = m[4]!.split(' ').map((h) => parseInt(h, 16));
    const word = (k: number) => hex[k]! | (hex[k + 1]! << 8) | (hex[k + 2]! << 16) | (hex[k + 3]! << 24);
    const insn: Instruction = { code: hex[0]!, dst: hex[1]! & 15, src: hex[1]! >> 4, off: ((hex[2]! | (hex[3]! << 8)) << 16) >> 16, imm: word(4) };
    if (hex.length === 16) insn.hi = word(12);
    this.objdumpInsn = insn;
    this.prefixTokens.push(
      { kind: 'number', range: { start: numStart, end: numStart + m[2]!.length } },
      { kind: 'operator', range: { start: numStart + m[2]!.length, end: numStart + m[2]!.length + 1 } },
      { kind: 'number', range: { start: bytesStart, end: bytesStart + m[4]!.length } },
    );
    return bytesStart + m[4]!.length;
  }

  /** Strips `  12: (bf) ` from a log line, remembering the index and opcode. */
  private lexLogPrefix(pos: number): number {
    const text = this.text;
    let p = pos;
    while (p < this.len && isSpace(text.charCodeAt(p))) p++;
    const numStart = p;
    while (p < this.len && isDigit(text.charCodeAt(p))) p++;
    if (p === numStart || text.charCodeAt(p) !== 58 /* : */) return pos;
    const numEnd = p;
    p++;
    while (p < this.len && isSpace(text.charCodeAt(p))) p++;
    // the liveness column: one '.' or digit per register
    let q = p;
    while (q < this.len && (text.charCodeAt(q) === 46 || isDigit(text.charCodeAt(q)))) q++;
    if (q > p && isSpace(text.charCodeAt(q))) {
      while (q < this.len && isSpace(text.charCodeAt(q))) q++;
      if (text.charCodeAt(q) === 40) p = q;
    }
    if (
      text.charCodeAt(p) !== 40 || !isHexDigit(text.charCodeAt(p + 1)) || !isHexDigit(text.charCodeAt(p + 2)) ||
      text.charCodeAt(p + 3) !== 41
    ) {
      return pos;
    }
    this.logIndex = Number(text.slice(numStart, numEnd));
    this.logOpcode = parseInt(text.slice(p + 1, p + 3), 16);
    this.prefixTokens.push(
      { kind: 'number', range: { start: numStart, end: numEnd } },
      { kind: 'operator', range: { start: numEnd, end: numEnd + 1 } },
      { kind: 'number', range: { start: p, end: p + 4 } },
    );
    return p + 4;
  }

  // ---- statements ---------------------------------------------------------------------------

  private parseStatement(lineStart: boolean): void {
    const markStatements = this.statements.length;
    const markDiagnostics = this.diagnostics.length;
    this.stmtError = false;
    let i = 0;
    try {
      if (this.objdumpMode && this.objdumpListingLine(markStatements, markDiagnostics)) return;
      // an index prefix without opcode (`5: r1 = r2`)
      if (this.n >= 2 && lineStart && this.tk[0] === T.Num && this.isOp(1, ':') && this.logIndex < 0) {
        this.role[0] = R.Number;
        this.role[1] = R.Operator;
        i = 2;
        if (this.logMode) {
          // a register-state line such as `5: R1=ctx() R10=fp0`
          this.toComment();
          return;
        }
      }
      if (this.logMode && this.logOpcode < 0 && this.n > 0 && this.text.charCodeAt(this.ts[0]!) !== 46 /* . */) {
        // in a pasted log, only numbered instruction lines (and directives) are code
        this.toComment();
        return;
      }
      while (i + 1 < this.n && this.tk[i] === T.Id && this.isOp(i + 1, ':')) {
        const name = this.str(i);
        this.role[i] = R.Label;
        this.role[i + 1] = R.Operator;
        this.statements.push({ kind: 'label', name, range: { start: this.ts[i]!, end: this.te[i]! } });
        i += 2;
      }
      if (i < this.n) {
        if (this.text.charCodeAt(this.ts[i]!) === 46 /* . */ && this.tk[i] === T.Id) this.directive(i);
        else this.instruction(i);
      } else if (this.logOpcode >= 0) {
        this.fail('expected an instruction after the opcode', this.n);
      }
    } catch (e) {
      if (e !== STOP) {
        // an internal bug must not take the editor down: report it on the statement
        this.stmtError = true;
        this.diag(this.stmtRange(0), `internal parser error: ${e instanceof Error ? e.message : String(e)}`, 'parse');
      }
    }
    if (this.logMode && this.stmtError && this.logOpcode < 0) {
      // a pasted log's prose: `processed 5 insns`, `from 3 to 5: ...`
      this.statements.length = markStatements;
      this.diagnostics.length = markDiagnostics;
      this.toComment();
      return;
    }
    this.flushTokens();
  }

  /**
   * The objdump lines that are not parsed as text. Returns true when the line is done: headers,
   * relocations, prose, and instruction lines (whose bytes are the instruction).
   */
  private objdumpListingLine(markStatements: number, markDiagnostics: number): boolean {
    const line = this.objdumpLine;
    if (line) {
      if (line.kind === 'section') {
        this.statements.push({ kind: 'directive', name: '.section', args: [{ text: line.name, range: line.range }], range: line.whole });
      } else if (line.kind === 'label') {
        this.statements.push({ kind: 'label', name: line.name, range: line.range });
      } else {
        // a relocation names the symbol of the instruction above it
        const last = this.statements[this.statements.length - 1];
        const role = line.kind === 'reloc64' ? 'imm64' : 'call';
        if (last?.kind === 'insn' && last.insn.code === (role === 'imm64' ? 0x18 : 0x85)) {
          last.ref = { name: line.name, range: line.range, role };
          if (role === 'call') last.insn.src = 1;
          // llvm relocates against a symbol only when it is global (else against its section)
          if (!line.name.startsWith('.')) {
            this.statements.push({ kind: 'directive', name: '.globl', args: [{ text: line.name, range: line.range }], range: line.range });
          }
        }
      }
      this.flushTokens();
      return true;
    }
    if (!this.objdumpInsn) {
      if (this.n > 0 && this.text.charCodeAt(this.ts[0]!) !== 46 /* . */ && !(this.tk[0] === T.Num && this.isOp(1, ':'))) {
        this.toComment(); // `xdp.o: file format elf64-bpf`
        return true;
      }
      if (this.n === 2 && this.tk[0] === T.Num && this.isOp(1, ':')) {
        const note = this.pendingComments.find((c) => this.text.startsWith('<unknown>', c.start));
        if (note) {
          this.diag(note, 'llvm-objdump could not print this instruction, and without its bytes it is lost: list with raw bytes (no --no-show-raw-insn)', 'parse');
          this.flushTokens();
          return true;
        }
      }
      return false;
    }
    // read the text for its highlighting; the bytes are the instruction
    const insn = this.objdumpInsn;
    try {
      if (this.n > 0) this.instruction(0);
    } catch (e) {
      if (e !== STOP) throw e;
    }
    this.statements.length = markStatements;
    this.diagnostics.length = markDiagnostics;
    const range = this.n > 0 ? this.stmtRange(0) : this.prefixTokens[2]!.range;
    this.statements.push({ kind: 'insn', insn, range });
    this.flushTokens();
    return true;
  }

  /** Turns the whole current statement into a comment (log prose). */
  private toComment(): void {
    if (this.n > 0) {
      // one comment over the statement, merged with the comments it overlaps
      const range = { start: this.prefixTokens[0]?.range.start ?? this.ts[0]!, end: this.te[this.n - 1]! };
      const kept: Range[] = [];
      for (const c of this.pendingComments) {
        if (c.end <= range.start || c.start >= range.end) kept.push(c);
        else {
          range.start = Math.min(range.start, c.start);
          range.end = Math.max(range.end, c.end);
        }
      }
      kept.push(range);
      kept.sort((a, b) => a.start - b.start);
      this.pendingComments = kept;
      this.prefixTokens.length = 0;
    }
    this.n = 0;
    this.flushTokens();
  }

  private flushTokens(): void {
    for (const t of this.prefixTokens) this.pushToken(t.range.start, t.range.end, t.kind === 'number' ? R.Number : R.Operator);
    const comments = this.pendingComments;
    let c = 0;
    for (let k = 0; k < this.n; k++) {
      const start = this.ts[k]!;
      while (c < comments.length && comments[c]!.start < start) this.pushComment(comments[c++]!);
      let r = this.role[k]!;
      if (r === R.None) {
        const kind = this.tk[k];
        r = kind === T.Num || kind === T.Chr ? R.Number : kind === T.Str ? R.Str : kind === T.Op ? R.Operator : R.Symbol;
      }
      this.pushToken(start, this.te[k]!, r);
    }
    while (c < comments.length) this.pushComment(comments[c++]!);
    if (comments.length > 0) comments.length = 0;
  }

  private pushComment(r: Range): void {
    this.comments.push(r);
    this.pushToken(r.start, r.end, R.Comment);
  }

  private pushToken(start: number, end: number, role: number): void {
    let data = this.tokenData;
    const at = 3 * this.tokenCount;
    if (at + 3 > data.length) {
      const bigger = new Int32Array(data.length * 2);
      bigger.set(data);
      this.tokenData = data = bigger;
    }
    data[at] = start;
    data[at + 1] = end;
    data[at + 2] = role;
    this.tokenCount++;
  }

  // ---- helpers ------------------------------------------------------------------------------

  private str(i: number): string {
    return this.text.slice(this.ts[i]!, this.te[i]!);
  }

  private isOp(i: number, s: string): boolean {
    return i < this.n && this.tk[i] === T.Op && this.te[i]! - this.ts[i]! === s.length && this.text.startsWith(s, this.ts[i]!);
  }

  /** The operator at token i as one of the known operator strings (no allocation), or ''. */
  private opAt(i: number): string {
    if (i >= this.n || this.tk[i] !== T.Op) return '';
    const start = this.ts[i]!;
    const len = this.te[i]! - start;
    if (len > 4) return '';
    let key = 0;
    for (let k = 0; k < len; k++) key = key * 256 + this.text.charCodeAt(start + k);
    return KNOWN_OPS.get(key) ?? '';
  }

  private isId(i: number, s: string): boolean {
    return i < this.n && this.tk[i] === T.Id && this.te[i]! - this.ts[i]! === s.length && this.text.startsWith(s, this.ts[i]!);
  }

  private describe(i: number): string {
    if (i >= this.n) return 'end of line';
    return `'${this.str(i)}'`;
  }

  private tokRange(i: number): Range {
    if (i >= this.n) {
      const e = this.n > 0 ? this.te[this.n - 1]! : 0;
      return { start: e, end: e };
    }
    return { start: this.ts[i]!, end: this.te[i]! };
  }

  private stmtRange(i: number): Range {
    if (this.n === 0) return { start: 0, end: 0 };
    return { start: this.ts[Math.min(i, this.n - 1)]!, end: this.te[this.n - 1]! };
  }

  private diag(range: Range, message: string, code: string, severity: Severity = 'error'): void {
    this.diagnostics.push({ range, severity, message, code });
  }

  /** Records "expected X, found Y" at token i and abandons the statement. */
  private fail(expected: string, i: number, found = this.describe(i)): never {
    this.stmtError = true;
    this.diag(this.tokRange(i), `${expected}, found ${found}`, 'parse');
    throw STOP;
  }

  private error(range: Range, message: string): never {
    this.stmtError = true;
    this.diag(range, message, 'parse');
    throw STOP;
  }

  private expectOp(i: number, s: string): number {
    if (!this.isOp(i, s)) this.fail(`expected '${s}'`, i);
    this.role[i] = R.Operator;
    return i + 1;
  }

  /** The register at token i: its number, with 32 set for a w register; -1 if none. */
  private regAt(i: number): number {
    if (i >= this.n || this.tk[i] !== T.Id) return -1;
    const s = this.ts[i]!;
    const l = this.te[i]! - s;
    const c = this.text.charCodeAt(s);
    if ((c !== 114 && c !== 119) || l < 2 || l > 3) return -1;
    const d1 = this.text.charCodeAt(s + 1) - 48;
    if (d1 < 0 || d1 > 9) return -1;
    let num = d1;
    if (l === 3) {
      const d2 = this.text.charCodeAt(s + 2) - 48;
      if (d1 !== 1 || d2 !== 0) return -1;
      num = 10;
    }
    return c === 119 ? num | 32 : num;
  }

  /** Expects a register; `width` 64 wants rN, 32 wants wN, 0 takes either. */
  private reg(i: number, width: 0 | 32 | 64, what = 'a register'): number {
    const r = this.regAt(i);
    if (r < 0) {
      if (i < this.n && this.tk[i] === T.Id && /^[rw]\d+$/.test(this.str(i))) {
        this.error(this.tokRange(i), `'${this.str(i)}' is not a register: BPF has r0-r10 (w0-w10 for 32 bits)`);
      }
      this.fail(`expected ${what}`, i);
    }
    if (width === 64 && r & 32) this.fail(`expected a 64-bit register (r0-r10)`, i);
    if (width === 32 && !(r & 32)) this.fail(`expected a 32-bit register (w0-w10)`, i);
    this.role[i] = R.Register;
    return r;
  }

  /** Scans an integer expression starting at token i (it may contain symbols). */
  private expr(i: number, what = 'a number'): Imm {
    let depth = 0;
    let operand = true;
    let j = i;
    for (; j < this.n; j++) {
      const k = this.tk[j];
      if (operand) {
        if (k === T.Num || k === T.Chr || (k === T.Id && this.regAt(j) < 0)) operand = false;
        else if (k === T.Op && (this.isOp(j, '-') || this.isOp(j, '~') || this.isOp(j, '+') || this.isOp(j, '!'))) continue;
        else if (this.isOp(j, '(')) depth++;
        else break;
      } else if (this.isOp(j, ')')) {
        if (depth === 0) break;
        depth--;
      } else if (k === T.Op && isBinaryOp(this.str(j))) operand = true;
      else break;
    }
    if (j === i || operand) this.fail(`expected ${what}`, j === i ? i : j);
    if (j - i === 1 && this.tk[i] === T.Num) {
      const small = smallDecimal(this.text, this.ts[i]!, this.te[i]!);
      if (small >= 0) {
        this.role[i] = R.Number;
        return { value: BigInt(small), start: this.ts[i]!, end: this.te[i]!, next: j };
      }
      const s = scanNumber(this.text, this.ts[i]!, this.te[i]!);
      if (s.value === undefined) this.error(this.tokRange(i), s.error ?? 'invalid number');
      if (s.value >= 1n << 64n) this.error(this.tokRange(i), 'number does not fit in 64 bits');
      this.role[i] = R.Number;
      return { value: BigInt.asIntN(64, s.value), start: this.ts[i]!, end: this.te[i]!, next: j };
    }
    const start = this.ts[i]!;
    const end = this.te[j - 1]!;
    const r = evalExpr(this.text, start, end, this.constants.size > 0 ? this.constantOf : undefined);
    if (!r.result) this.error(r.error!.range, r.error!.message);
    for (let k = i; k < j; k++) {
      if (this.tk[k] === T.Num || this.tk[k] === T.Chr) this.role[k] = R.Number;
      else if (this.tk[k] === T.Id) this.role[k] = R.Symbol;
    }
    return { value: r.result.value, start, end, next: j, ...(r.result.symbol ? { symbol: r.result.symbol } : {}) };
  }

  /** A 32-bit immediate operand; `wide` marks 64-bit operations, whose immediate is sign-extended. */
  private imm32(i: number, wide: boolean, what = 'a number'): { imm: number; next: number } {
    const quick = this.quickNumber(i);
    if (quick !== undefined) return quick;
    const v = this.expr(i, what);
    if (v.symbol) {
      this.error(v.symbol.range, `expected ${what}, found symbol '${v.symbol.name}' (only a 64-bit load '${'rN = ' + v.symbol.name + ' ll'}' takes a symbol)`);
    }
    const range = { start: v.start, end: v.end };
    let value = v.value;
    if (value >= UINT32_LIMIT || value < INT32_MIN) {
      const t = BigInt.asIntN(32, value);
      this.diag(range, `${this.text.slice(v.start, v.end)} does not fit in 32 bits and is truncated to ${t}; use 'll' for a 64-bit constant`, 'truncated', 'warning');
      value = t;
    } else if (value > INT32_MAX) {
      value = BigInt.asIntN(32, value);
      if (wide) {
        this.diag(range, `${this.text.slice(v.start, v.end)} is sign-extended to 64 bits (${value}); use 'll' for a 64-bit constant`, 'sign-extended', 'warning');
      }
    }
    return { imm: Number(value), next: v.next };
  }

  /**
   * The common case without BigInt: a short decimal number, maybe negative, that no operator
   * continues. Undefined when the slow path must decide.
   */
  private quickNumber(i: number): { imm: number; next: number } | undefined {
    let neg = false;
    let k = i;
    if (this.isOp(k, '-') || this.isOp(k, '+')) {
      neg = this.isOp(k, '-');
      this.role[k] = R.Operator;
      k++;
    }
    if (k >= this.n || this.tk[k] !== T.Num) return undefined;
    const v = smallDecimal(this.text, this.ts[k]!, this.te[k]!);
    if (v < 0 || v > 0x7fffffff) return undefined;
    const next = k + 1;
    if (next < this.n && this.tk[next] === T.Op && (isBinaryOp(this.str(next)) || this.isOp(next, '('))) return undefined;
    this.role[k] = R.Number;
    return { imm: neg ? -v : v, next };
  }

  /** `(rN + off)` or `(rN - off)`; also the log's `(rN +4)`. */
  private memRef(i: number): MemRef {
    i = this.expectOp(i, '(');
    const base = this.reg(i, 64, 'a base register (r0-r10)');
    i++;
    let off = 0;
    if (this.isOp(i, '+') || this.isOp(i, '-')) {
      const neg = this.isOp(i, '-');
      this.role[i] = R.Operator;
      i++;
      if (this.tk[i] !== T.Num) this.fail(`expected an offset after '${neg ? '-' : '+'}'`, i);
      const quick = smallDecimal(this.text, this.ts[i]!, this.te[i]!);
      if (quick >= 0 && quick <= 32767 && this.isOp(i + 1, ')')) {
        this.role[i] = R.Number;
        this.role[i + 1] = R.Operator;
        return { base, off: neg ? -quick : quick, next: i + 2 };
      }
      const v = this.expr(i, 'an offset');
      if (v.symbol) this.error(v.symbol.range, `expected a number as offset, found symbol '${v.symbol.name}'`);
      const value = neg ? -v.value : v.value;
      if (value < -32768n || value > 32767n) {
        this.error({ start: v.start, end: v.end }, `offset ${value} is out of range: it must be between -32768 and 32767`);
      }
      off = Number(value);
      i = v.next;
    } else {
      this.fail(`expected '+ offset' or '- offset' after the base register`, i);
    }
    i = this.expectOp(i, ')');
    return { base, off, next: i };
  }

  /** Token index after the last sizeCast. */
  private afterCast = 0;

  /** `(u32 *)` after a `*`: the access size; the next token index is left in afterCast. */
  private sizeCast(i: number, allowSigned: boolean): MemSize {
    i = this.expectOp(i, '(');
    const spec = i < this.n && this.tk[i] === T.Id ? MEM_SIZES[this.str(i)] : undefined;
    if (!spec || (spec.signed && !allowSigned)) {
      this.fail(allowSigned ? 'expected a size (u8, u16, u32, u64, s8, s16, s32)' : 'expected a size (u8, u16, u32, u64)', i);
    }
    this.role[i] = R.Type;
    i = this.expectOp(i + 1, '*');
    this.afterCast = this.expectOp(i, ')');
    return spec;
  }

  /** A jump target: a label, `+3`, `-3`, `3`, or the log's `pc+3`. */
  private target(i: number, role: 'jump'): JumpTarget {
    if (this.isId(i, 'pc') && (this.isOp(i + 1, '+') || this.isOp(i + 1, '-'))) {
      this.role[i] = R.Keyword;
      const v = this.expr(i + 1, 'an offset');
      if (v.value < -(1n << 31n) || v.value >= 1n << 31n) this.error({ start: this.ts[i]!, end: v.end }, `jump offset ${v.value} is out of range`);
      return { value: Number(v.value), next: v.next, range: { start: this.ts[i]!, end: v.end } };
    }
    if (i < this.n && this.tk[i] === T.Id && this.regAt(i) < 0) {
      this.role[i] = R.Label;
      return { ref: { name: this.str(i), range: this.tokRange(i), role }, next: i + 1 };
    }
    if (i < this.n && (this.tk[i] === T.Num || this.isOp(i, '+') || this.isOp(i, '-'))) {
      const quick = this.quickNumber(i);
      if (quick !== undefined) return { value: quick.imm, next: quick.next, range: { start: this.ts[i]!, end: this.te[quick.next - 1]! } };
      const v = this.expr(i, 'a label or an offset');
      if (v.symbol) this.error(v.symbol.range, `expected a label or an offset, found an expression with '${v.symbol.name}'`);
      if (v.value < -(1n << 31n) || v.value >= 1n << 31n) this.error({ start: v.start, end: v.end }, `jump offset ${v.value} is out of range`);
      return { value: Number(v.value), next: v.next, range: { start: v.start, end: v.end } };
    }
    return this.fail('expected a label or an offset', i);
  }

  private end(i: number): void {
    if (i < this.n) this.fail('expected end of statement', i);
  }

  private emit(insn: Instruction, first: number, ref?: SymbolRef): void {
    const range = this.stmtRange(first);
    const st: InstructionStatement = ref ? { kind: 'insn', insn, ref, range } : { kind: 'insn', insn, range };
    if (this.logIndex >= 0) {
      if (this.seenLogIndex.has(this.logIndex)) return; // the verifier visits an instruction on each path
      if (this.logIndex !== this.expectedLogIndex) {
        this.diag(
          this.prefixTokens[0]!.range,
          `instruction ${this.logIndex} does not follow the previous one (expected ${this.expectedLogIndex}); jump offsets may not match`,
          'log-gap',
          'warning',
        );
      }
      this.seenLogIndex.add(this.logIndex);
      this.expectedLogIndex = this.logIndex + (insn.code === 0x18 ? 2 : 1);
    }
    this.statements.push(st);
  }

  // ---- instructions -------------------------------------------------------------------------

  private instruction(i: number): void {
    const first = i;
    if (this.tk[i] === T.Id) {
      if (this.regAt(i) >= 0) return this.regStatement(i); // the most common start, without a string
      const word = this.str(i);
      switch (word) {
        case 'exit':
          this.role[i] = R.Mnemonic;
          this.end(i + 1);
          return this.emit({ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }, first);
        case 'call':
          return this.call(i);
        case 'callx': {
          this.role[i] = R.Mnemonic;
          const r = this.reg(i + 1, 64);
          this.end(i + 2);
          return this.emit({ code: 0x8d, dst: r, src: 0, off: 0, imm: 0 }, first);
        }
        case 'goto':
        case 'gotol':
        case 'may_goto': {
          this.role[i] = R.Mnemonic;
          const t = this.target(i + 1, 'jump');
          this.end(t.next);
          const code = word === 'goto' ? 0x05 : word === 'gotol' ? 0x06 : 0xe5;
          const insn = { code, dst: 0, src: 0, off: 0, imm: 0 };
          if (t.value !== undefined) {
            if (word === 'gotol') insn.imm = t.value;
            else insn.off = this.off16(t.value, t.range!);
          }
          return this.emit(insn, first, t.ref);
        }
        case 'if':
          return this.condJump(i);
        case 'lock':
          return this.lockOp(i);
        case 'nospec':
          // the kernel's speculation barrier, shown in verifier logs and xlated dumps
          if (this.logOpcode >= 0) {
            this.role[i] = R.Mnemonic;
            this.end(i + 1);
            return this.emit({ code: 0xc2, dst: 0, src: 0, off: 0, imm: 0 }, first);
          }
          this.fail('expected an instruction (nospec exists only in kernel listings)', i);
          break;
        case 'nop':
          this.fail('expected an instruction (llvm-mc 19 has no nop; write r0 = r0)', i, "'nop'");
      }
      const dst = this.regAt(i);
      if (dst >= 0) return this.regStatement(i);
      if (/^[rw]\d+$/.test(word)) this.error(this.tokRange(i), `'${word}' is not a register: BPF has r0-r10 (w0-w10 for 32 bits)`);
      if (i + 1 < this.n && this.isOp(i + 1, ':')) this.fail("expected a label name", i);
      this.fail('expected an instruction', i);
    }
    if (this.isOp(i, '*')) return this.store(i);
    this.fail('expected an instruction, a label or a directive', i);
  }

  private off16(value: number, range: Range): number {
    if (value < -32768 || value > 32767) this.error(range, `jump offset ${value} is out of range: it must be between -32768 and 32767 (use gotol for longer jumps)`);
    return value;
  }

  private call(i: number): void {
    const first = i;
    this.role[i] = R.Mnemonic;
    i++;
    if (this.isId(i, 'pc') && (this.isOp(i + 1, '+') || this.isOp(i + 1, '-'))) {
      const t = this.target(i, 'jump');
      this.end(t.next);
      return this.emit({ code: 0x85, dst: 0, src: 1, off: 0, imm: t.value! }, first);
    }
    if (i < this.n && this.tk[i] === T.Id && this.regAt(i) < 0) {
      const name = this.str(i);
      const range = this.tokRange(i);
      let next = i + 1;
      let hashId: number | undefined;
      if (this.isOp(next, '#')) {
        this.role[next] = R.Operator;
        const v = this.expr(next + 1, 'a helper id');
        hashId = Number(BigInt.asIntN(32, v.value));
        next = v.next;
      }
      this.end(next);
      const helper = helperByName(name);
      if (hashId !== undefined) {
        // a kernel listing's `call name#imm`: the number is what the instruction holds
        this.role[i] = R.Helper;
        const ref: SymbolRef | undefined = helper?.id === hashId ? { name, range, role: 'helper' } : undefined;
        return this.emit({ code: 0x85, dst: 0, src: 0, off: 0, imm: hashId }, first, ref);
      }
      if (helper && helper.name === name) {
        this.role[i] = R.Helper;
        return this.emit({ code: 0x85, dst: 0, src: 0, off: 0, imm: helper.id }, first, { name, range, role: 'helper' });
      }
      this.role[i] = R.Label;
      return this.emit({ code: 0x85, dst: 0, src: 1, off: 0, imm: 0 }, first, { name, range, role: 'call' });
    }
    if (this.regAt(i) >= 0) this.fail('expected a helper id or a function name (callx calls through a register)', i);
    const v = this.imm32(i, false, 'a helper id or a function name');
    this.end(v.next);
    return this.emit({ code: 0x85, dst: 0, src: 0, off: 0, imm: v.imm }, first);
  }

  private condJump(i: number): void {
    const first = i;
    this.role[i] = R.Keyword;
    const dst = this.reg(i + 1, 0);
    const wide = !(dst & 32);
    i += 2;
    const opText = this.opAt(i);
    const op = JMP_OPS[opText];
    if (op === undefined) this.fail('expected a comparison (==, !=, >, >=, <, <=, s>, s>=, s<, s<=, &)', i);
    this.role[i] = R.Operator;
    i++;
    const cls = wide ? 0x05 : 0x06;
    const insn: Instruction = { code: cls | op, dst: dst & 15, src: 0, off: 0, imm: 0 };
    const src = this.regAt(i);
    if (src >= 0) {
      this.reg(i, wide ? 64 : 32, wide ? 'a 64-bit register (r0-r10) like the left side' : 'a 32-bit register (w0-w10) like the left side');
      insn.code |= 0x08;
      insn.src = src & 15;
      i++;
    } else {
      const v = this.imm32(i, wide, 'a register or a number');
      insn.imm = v.imm;
      i = v.next;
    }
    if (!this.isId(i, 'goto')) this.fail("expected 'goto'", i);
    this.role[i] = R.Keyword;
    const t = this.target(i + 1, 'jump');
    this.end(t.next);
    if (t.value !== undefined) insn.off = this.off16(t.value, t.range!);
    this.emit(insn, first, t.ref);
  }

  private lockOp(i: number): void {
    const first = i;
    this.role[i] = R.Mnemonic;
    i = this.expectOp(i + 1, '*');
    const size = this.sizeCast(i, false);
    if (size.bytes !== 4 && size.bytes !== 8) this.error(this.tokRange(i + 1), 'atomic operations work on u32 or u64');
    const mem = this.memRef(this.afterCast);
    i = mem.next;
    const opText = this.opAt(i);
    const op = LOCK_OPS[opText];
    if (op === undefined) this.fail('expected an atomic operation (+=, |=, &=, ^=)', i);
    this.role[i] = R.Operator;
    const src = this.reg(i + 1, size.bytes === 8 ? 64 : 0);
    this.end(i + 2);
    this.emit({ code: 0xc3 | size.size, dst: mem.base, src: src & 15, off: mem.off, imm: op }, first);
  }

  private store(i: number): void {
    const first = i;
    this.role[i] = R.Operator;
    const size = this.sizeCast(i + 1, false);
    const mem = this.memRef(this.afterCast);
    i = this.expectOp(mem.next, '=');
    const src = this.regAt(i);
    if (src >= 0) {
      if (size.bytes === 8) this.reg(i, 64, 'a 64-bit register (r0-r10) to store as u64');
      else this.reg(i, 0);
      this.end(i + 1);
      return this.emit({ code: 0x63 | size.size, dst: mem.base, src: src & 15, off: mem.off, imm: 0 }, first);
    }
    const v = this.imm32(i, size.bytes === 8, 'a register or a number');
    this.end(v.next);
    this.emit({ code: 0x62 | size.size, dst: mem.base, src: 0, off: mem.off, imm: v.imm }, first);
  }

  /** Statements that start with a register: ALU operations, loads, atomics with a result. */
  private regStatement(i: number): void {
    const first = i;
    const dst = this.reg(i, 0);
    const wide = !(dst & 32);
    const d = dst & 15;
    i++;
    const opText = this.opAt(i);
    const alu = ALU_OPS[opText];
    if (alu) {
      this.role[i] = R.Operator;
      i++;
      const cls = wide ? 0x07 : 0x04;
      const src = this.regAt(i);
      if (src >= 0) {
        this.reg(i, wide ? 64 : 32, wide ? 'a 64-bit register (r0-r10) like the destination' : 'a 32-bit register (w0-w10) like the destination');
        this.end(i + 1);
        return this.emit({ code: cls | alu.op | 0x08, dst: d, src: src & 15, off: alu.off, imm: 0 }, first);
      }
      const v = this.imm32(i, wide, 'a register or a number');
      this.end(v.next);
      return this.emit({ code: cls | alu.op, dst: d, src: 0, off: alu.off, imm: v.imm }, first);
    }
    if (opText !== '=') this.fail('expected an assignment (=, +=, -=, *=, /=, %=, |=, &=, ^=, <<=, >>=, s>>=, s/=, s%=)', i);
    this.role[i] = R.Operator;
    i++;
    const cls = wide ? 0x07 : 0x04;
    // r1 = r2
    const src = this.regAt(i);
    if (src >= 0) {
      if (wide && src & 32) {
        // clang -S prints a zero-extending 32-bit move as `r1 = w0` (llvm-mc 19 cannot read it back)
        this.reg(i, 32);
        this.end(i + 1);
        return this.emit({ code: 0xbc, dst: d, src: src & 15, off: 0, imm: 0 }, first);
      }
      this.reg(i, wide ? 64 : 32, wide ? 'a 64-bit register (r0-r10) like the destination' : 'a 32-bit register (w0-w10) like the destination');
      this.end(i + 1);
      return this.emit({ code: cls | 0xb8, dst: d, src: src & 15, off: 0, imm: 0 }, first);
    }
    // r1 = -r1
    if (this.isOp(i, '-') && this.regAt(i + 1) >= 0) {
      this.role[i] = R.Operator;
      const s = this.reg(i + 1, wide ? 64 : 32);
      if (s !== dst) this.error(this.tokRange(i + 1), `negation works in place: write ${this.str(first)} = -${this.str(first)}`);
      this.end(i + 2);
      return this.emit({ code: cls | 0x80, dst: d, src: 0, off: 0, imm: 0 }, first);
    }
    // r1 = (s8)r2
    if (this.isOp(i, '(') && this.tk[i + 1] === T.Id && this.isOp(i + 2, ')') && /^[su]\d+$/.test(this.str(i + 1))) {
      const t = this.str(i + 1);
      const bits = t === 's8' ? 8 : t === 's16' ? 16 : t === 's32' && wide ? 32 : 0;
      if (!bits) this.fail(wide ? 'expected a sign-extension type (s8, s16, s32)' : 'expected a sign-extension type (s8, s16)', i + 1);
      this.role[i] = R.Operator;
      this.role[i + 1] = R.Type;
      this.role[i + 2] = R.Operator;
      const s = this.reg(i + 3, wide ? 64 : 32);
      this.end(i + 4);
      return this.emit({ code: cls | 0xb8, dst: d, src: s & 15, off: bits, imm: 0 }, first);
    }
    // loads
    if (this.isOp(i, '*')) return this.load(i, dst, first);
    if (i < this.n && this.tk[i] === T.Id) {
      const word = this.str(i);
      const m = /^(bswap|be|le)(16|32|64)$/.exec(word);
      if (m) {
        this.role[i] = R.Mnemonic;
        if (!wide) this.error(this.tokRange(first), `${word} works on 64-bit registers: write r${d} = ${word} r${d}`);
        const s = this.reg(i + 1, 64);
        if (s !== dst) this.error(this.tokRange(i + 1), `${word} works in place: write r${d} = ${word} r${d}`);
        this.end(i + 2);
        const code = m[1] === 'bswap' ? 0xd7 : m[1] === 'be' ? 0xdc : 0xd4;
        return this.emit({ code, dst: d, src: 0, off: 0, imm: Number(m[2]) }, first);
      }
      if (word === 'addr_space_cast') return this.addrSpaceCast(i, dst, first);
      const fetch = /^atomic(64)?_fetch_(add|or|and|xor)$/.exec(word);
      if (fetch) return this.atomicFetch(i, dst, FETCH_OPS[fetch[2]!]!, first);
      if (/^atomic(64)?_(xchg|cmpxchg)$/.test(word)) return this.atomicLogForm(i, dst, word.endsWith('cmpxchg'), first);
      if (word === 'xchg_64' || word === 'xchg32_32' || word === 'cmpxchg_64' || word === 'cmpxchg32_32') {
        return this.xchg(i, dst, word, first);
      }
      if (this.isId(i, 'map') && this.isOp(i + 1, '[')) return this.mapLoad(i, dst, first);
    }
    // constants and symbols: r1 = 5, r1 = 0x123 ll, r1 = my_map ll
    const v = this.expr(i, 'a register, a number or a symbol');
    const isLl = this.isId(v.next, 'll');
    if (isLl || this.logOpcode === 0x18) {
      if (isLl) this.role[v.next] = R.Keyword;
      if (!wide) this.error(this.tokRange(first), `a 64-bit load needs an r register: write r${d} = ${this.text.slice(v.start, v.end)} ll`);
      this.end(isLl ? v.next + 1 : v.next);
      const lo = BigInt.asIntN(32, v.value);
      const hi = BigInt.asIntN(32, v.value >> 32n);
      const insn: Instruction = { code: 0x18, dst: d, src: 0, off: 0, imm: Number(lo), hi: Number(hi) };
      if (v.symbol) {
        this.role[this.indexAt(v.symbol.range.start)] = R.Symbol;
        return this.emit(insn, first, { name: v.symbol.name, range: v.symbol.range, role: 'imm64' });
      }
      return this.emit(insn, first);
    }
    if (v.symbol) {
      this.error(v.symbol.range, `a symbol needs a 64-bit load: write ${this.str(first)} = ${this.text.slice(v.start, v.end)} ll`);
    }
    const imm = this.imm32(i, wide, 'a register, a number or a symbol');
    this.end(imm.next);
    this.emit({ code: cls | 0xb0, dst: d, src: 0, off: 0, imm: imm.imm }, first);
  }

  private indexAt(offset: number): number {
    for (let k = 0; k < this.n; k++) if (this.ts[k] === offset) return k;
    return 0;
  }

  private load(i: number, dst: number, first: number): void {
    const wide = !(dst & 32);
    this.role[i] = R.Operator;
    const size = this.sizeCast(i + 1, true);
    const d = dst & 15;
    // legacy packet access: r0 = *(u8 *)skb[4], r0 = *(u16 *)skb[r1], the log's skb[r1 + 4]
    if (this.isId(this.afterCast, 'skb')) {
      this.role[this.afterCast] = R.Keyword;
      let j = this.expectOp(this.afterCast + 1, '[');
      if (size.bytes === 8 || size.signed) this.error(this.tokRange(i + 2), 'packet loads take u8, u16 or u32');
      if (dst !== 0) this.error(this.tokRange(first), 'packet loads (skb[...]) always load into r0');
      const ind = this.regAt(j);
      let insn: Instruction;
      if (ind >= 0) {
        const s = this.reg(j, 64);
        j++;
        let imm = 0;
        if (this.isOp(j, '+') || this.isOp(j, '-')) {
          const neg = this.isOp(j, '-');
          this.role[j] = R.Operator;
          const v = this.imm32(j + 1, false, 'an offset');
          imm = neg ? -v.imm | 0 : v.imm;
          j = v.next;
        }
        insn = { code: 0x40 | size.size, dst: 0, src: s, off: 0, imm };
      } else {
        const v = this.imm32(j, false, 'an offset or a register');
        j = v.next;
        insn = { code: 0x20 | size.size, dst: 0, src: 0, off: 0, imm: v.imm };
      }
      j = this.expectOp(j, ']');
      this.end(j);
      return this.emit(insn, first);
    }
    if (!wide && (size.bytes === 8 || size.signed)) {
      this.error(this.tokRange(first), size.signed
        ? `sign-extending loads need an r register: write r${d} = *(${this.str(i + 2)} *)...`
        : `a u64 load needs an r register: write r${d} = *(u64 *)...`);
    }
    const mem = this.memRef(this.afterCast);
    this.end(mem.next);
    const mode = size.signed ? 0x80 : 0x60;
    this.emit({ code: 0x01 | mode | size.size, dst: d, src: mem.base, off: mem.off, imm: 0 }, first);
  }

  /** `r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)`, also the log's `atomic64_fetch_add`. */
  private atomicFetch(i: number, dst: number, op: number, first: number): void {
    this.role[i] = R.Mnemonic;
    let j = this.expectOp(i + 1, '(');
    const size = this.sizeCast(j, false);
    if (size.bytes !== 4 && size.bytes !== 8) this.error(this.tokRange(j + 1), 'atomic operations work on u32 or u64');
    const mem = this.memRef(this.afterCast);
    j = this.expectOp(mem.next, ',');
    const src = this.reg(j, size.bytes === 8 ? 64 : 0);
    if ((src & 15) !== (dst & 15)) {
      this.error(this.tokRange(j), `the old value comes back in the source register: write ${this.str(j)} = ${this.str(i)}(..., ${this.str(j)})`);
    }
    if (size.bytes === 8 && dst & 32) this.error(this.tokRange(first), 'a u64 atomic needs r registers');
    j = this.expectOp(j + 1, ')');
    this.end(j);
    this.emit({ code: 0xc3 | size.size, dst: mem.base, src: src & 15, off: mem.off, imm: op }, first);
  }

  /** The kernel log's `r2 = atomic64_xchg((u64 *)(r1 +0), r2)` and `r0 = atomic64_cmpxchg(..., r0, r2)`. */
  private atomicLogForm(i: number, dst: number, cmp: boolean, first: number): void {
    this.role[i] = R.Mnemonic;
    let j = this.expectOp(i + 1, '(');
    const size = this.sizeCast(j, false);
    if (size.bytes !== 4 && size.bytes !== 8) this.error(this.tokRange(j + 1), 'atomic operations work on u32 or u64');
    const mem = this.memRef(this.afterCast);
    j = this.expectOp(mem.next, ',');
    let src = this.reg(j, 0);
    if (cmp) {
      if ((src & 15) !== 0 || (dst & 15) !== 0) this.error(this.tokRange(j), 'cmpxchg compares with r0 and returns in r0');
      j = this.expectOp(j + 1, ',');
      src = this.reg(j, 0);
    } else if ((src & 15) !== (dst & 15)) {
      this.error(this.tokRange(j), 'xchg returns the old value in its source register');
    }
    j = this.expectOp(j + 1, ')');
    this.end(j);
    this.emit({ code: 0xc3 | size.size, dst: mem.base, src: src & 15, off: mem.off, imm: cmp ? 0xf1 : 0xe1 }, first);
  }

  /** `r0 = xchg_64(r1 + 0, r0)`, `w0 = cmpxchg32_32(r1 + 0, w0, w2)`. */
  private xchg(i: number, dst: number, word: string, first: number): void {
    this.role[i] = R.Mnemonic;
    const is64 = word.endsWith('_64');
    const cmp = word.startsWith('cmp');
    const width = is64 ? 64 : 32;
    if (is64 === !!(dst & 32)) this.error(this.tokRange(first), `${word} returns into a ${is64 ? 'r' : 'w'} register`);
    let j = this.expectOp(i + 1, '(');
    const base = this.reg(j, 64, 'a base register (r0-r10)');
    j++;
    let off = 0;
    if (this.isOp(j, '+') || this.isOp(j, '-')) {
      const neg = this.isOp(j, '-');
      this.role[j] = R.Operator;
      const v = this.expr(j + 1, 'an offset');
      const value = neg ? -v.value : v.value;
      if (value < -32768n || value > 32767n) this.error({ start: v.start, end: v.end }, `offset ${value} is out of range: it must be between -32768 and 32767`);
      off = Number(value);
      j = v.next;
    } else this.fail("expected '+ offset' or '- offset' after the base register", j);
    j = this.expectOp(j, ',');
    let src = this.reg(j, width);
    if (cmp) {
      if ((dst & 15) !== 0 || (src & 15) !== 0) this.error(this.tokRange(j), `${word} compares with ${is64 ? 'r0' : 'w0'} and returns in it: write ${is64 ? 'r0' : 'w0'} = ${word}(..., ${is64 ? 'r0' : 'w0'}, src)`);
      j = this.expectOp(j + 1, ',');
      src = this.reg(j, width);
    } else if (src !== dst) {
      this.error(this.tokRange(j), `${word} returns the old value in its source register: write ${this.str(j)} = ${word}(..., ${this.str(j)})`);
    }
    j = this.expectOp(j + 1, ')');
    this.end(j);
    this.emit({ code: is64 ? 0xdb : 0xc3, dst: base, src: src & 15, off, imm: cmp ? 0xf1 : 0xe1 }, first);
  }

  /** `r1 = addr_space_cast(r2, 0, 1)`: a mov with off 1 and the address spaces in imm. */
  private addrSpaceCast(i: number, dst: number, first: number): void {
    this.role[i] = R.Mnemonic;
    if (dst & 32) this.error(this.tokRange(first), 'addr_space_cast needs r registers');
    let j = this.expectOp(i + 1, '(');
    const src = this.reg(j, 64);
    j = this.expectOp(j + 1, ',');
    const a = this.imm32(j, false, 'the destination address space');
    j = this.expectOp(a.next, ',');
    const b = this.imm32(j, false, 'the source address space');
    j = this.expectOp(b.next, ')');
    this.end(j);
    this.emit({ code: 0xbf, dst, src, off: 1, imm: ((a.imm & 0xffff) << 16) | (b.imm & 0xffff) }, first);
  }

  /** bpftool's `r1 = map[id:5]` and `r1 = map[id:5][0]+16`. */
  private mapLoad(i: number, dst: number, first: number): void {
    if (dst & 32) this.error(this.tokRange(first), 'a map load needs an r register');
    this.role[i] = R.Keyword;
    let j = this.expectOp(i + 1, '[');
    if (!this.isId(j, 'id')) this.fail("expected 'id'", j);
    this.role[j] = R.Keyword;
    j = this.expectOp(j + 1, ':');
    const id = this.imm32(j, false, 'a map id');
    j = this.expectOp(id.next, ']');
    let src = 1;
    let hi = 0;
    if (this.isOp(j, '[')) {
      const idx = this.imm32(j + 1, false, 'an index');
      j = this.expectOp(idx.next, ']');
      j = this.expectOp(j, '+');
      const off = this.imm32(j, false, 'an offset');
      j = off.next;
      src = 2;
      hi = off.imm;
    }
    this.end(j);
    this.emit({ code: 0x18, dst, src, off: 0, imm: id.imm, hi }, first);
  }

  // ---- directives ---------------------------------------------------------------------------

  private directive(i: number): void {
    const name = this.str(i);
    this.role[i] = R.Directive;
    const args = name === '.map' ? this.wordArgs(i + 1) : this.commaArgs(i + 1);
    const range = this.stmtRange(i);
    const st: DirectiveStatement = {
      kind: 'directive',
      name,
      args: args.map((a) => ({ text: this.text.slice(this.ts[a.from]!, this.te[a.to - 1]!), range: { start: this.ts[a.from]!, end: this.te[a.to - 1]! } })),
      range,
    };
    const argc = args.length;
    if (name.startsWith('.cfi_')) {
      // call-frame information from clang -g: accepted, not used
    } else if (BARE_DIRECTIVES.has(name)) {
      if (argc > 0 && name !== '.text' && name !== '.data' && name !== '.bss') this.fail('expected end of statement', args[0]!.from);
      if (argc > 0) this.integerArg(args[0]!, 'a subsection number');
    } else if (SYMBOL_DIRECTIVES.has(name)) {
      if (argc === 0) this.fail('expected a symbol name', i + 1);
      for (const a of args) this.nameArg(a, 'a symbol name');
    } else if (DATA_DIRECTIVES.has(name)) {
      for (const a of args) this.exprArg(a, 'a value');
    } else if (STRING_DIRECTIVES.has(name)) {
      for (const a of args) {
        if (a.to - a.from !== 1 || this.tk[a.from] !== T.Str) this.fail('expected a string', a.from);
        this.checkString(a.from);
      }
    } else if (name === '.section' || name === '.pushsection') {
      if (argc === 0) this.fail('expected a section name', i + 1);
      const a = args[0]!;
      if (this.tk[a.from] === T.Str) this.checkString(a.from);
      for (let k = a.from; k < a.to; k++) if (this.role[k] === R.None && this.tk[k] !== T.Str) this.role[k] = R.Symbol;
      if (argc > 1 && (args[1]!.to - args[1]!.from !== 1 || this.tk[args[1]!.from] !== T.Str)) this.fail('expected section flags as a string such as "ax"', args[1]!.from);
    } else if (name === '.type') {
      if (argc !== 2) this.fail(argc < 2 ? "expected ', @function' or ', @object'" : 'expected end of statement', argc < 2 ? this.n : args[2]!.from);
      this.nameArg(args[0]!, 'a symbol name');
      const t = this.text.slice(this.ts[args[1]!.from]!, this.te[args[1]!.to - 1]!).replace(/^[@%]/, '');
      if (!/^(function|object|notype|common|tls_object|gnu_indirect_function|STT_\w+)$/.test(t)) this.fail('expected a symbol type such as @function or @object', args[1]!.from);
      for (let k = args[1]!.from; k < args[1]!.to; k++) this.role[k] = R.Keyword;
    } else if (name === '.size') {
      if (argc !== 2) this.fail(argc < 2 ? "expected ', size'" : 'expected end of statement', argc < 2 ? this.n : args[2]!.from);
      this.nameArg(args[0]!, 'a symbol name');
      this.exprArg(args[1]!, 'a size');
    } else if (name === '.p2align' || name === '.align' || name === '.balign' || name.startsWith('.p2align') || name.startsWith('.balign')) {
      if (argc === 0 || argc > 3) this.fail(argc === 0 ? 'expected an alignment' : 'expected end of statement', argc === 0 ? i + 1 : args[3]!.from);
      for (const a of args) if (a.to > a.from) this.integerArg(a, 'a number');
    } else if (name === '.zero' || name === '.space' || name === '.skip') {
      if (argc === 0 || argc > 2) this.fail(argc === 0 ? 'expected a size' : 'expected end of statement', argc === 0 ? i + 1 : args[2]!.from);
      for (const a of args) this.integerArg(a, 'a number');
    } else if (name === '.fill') {
      if (argc === 0 || argc > 3) this.fail('expected a repeat count, a size and a value', i + 1);
      for (const a of args) this.integerArg(a, 'a number');
    } else if (name === '.set' || name === '.equ') {
      if (argc !== 2) this.fail("expected 'name, value'", argc < 2 ? this.n : args[2]!.from);
      this.nameArg(args[0]!, 'a symbol name');
      this.exprArg(args[1]!, 'a value');
      // a constant, usable in later immediates as llvm-mc allows (`r0 = XDP_PASS`)
      const a = args[1]!;
      const r = evalExpr(this.text, this.ts[a.from]!, this.te[a.to - 1]!, this.constantOf);
      if (r.result && !r.result.symbol) this.constants.set(this.str(args[0]!.from), r.result.value);
    } else if (name === '.comm' || name === '.lcomm') {
      if (argc < 2 || argc > 3) this.fail("expected 'name, size[, alignment]'", argc < 2 ? this.n : args[3]!.from);
      this.nameArg(args[0]!, 'a symbol name');
      this.integerArg(args[1]!, 'a size');
      if (argc === 3) this.integerArg(args[2]!, 'an alignment');
    } else if (name === '.map') {
      this.mapDirective(i, args);
    } else if (FREE_DIRECTIVES.has(name) || name.startsWith('.debug')) {
      for (let k = i + 1; k < this.n; k++) if (this.tk[k] === T.Str) this.role[k] = R.Str;
    } else {
      this.error(this.tokRange(i), `unknown directive '${name}'`);
    }
    this.statements.push(st);
  }

  /** Splits tokens from i at top-level commas. */
  private commaArgs(i: number): { from: number; to: number }[] {
    const out: { from: number; to: number }[] = [];
    if (i >= this.n) return out;
    let depth = 0;
    let from = i;
    for (let k = i; k < this.n; k++) {
      if (this.isOp(k, '(')) depth++;
      else if (this.isOp(k, ')')) depth--;
      else if (depth === 0 && this.isOp(k, ',')) {
        this.role[k] = R.Operator;
        if (k === from) this.fail('expected an argument', k);
        out.push({ from, to: k });
        from = k + 1;
      }
    }
    if (from >= this.n) this.fail('expected an argument', this.n);
    out.push({ from, to: this.n });
    return out;
  }

  /** Splits tokens from i at spaces and commas (for `.map name type=hash key=4 ...`). */
  private wordArgs(i: number): { from: number; to: number }[] {
    const out: { from: number; to: number }[] = [];
    let from = i;
    for (let k = i; k < this.n; k++) {
      if (this.isOp(k, ',')) {
        this.role[k] = R.Operator;
        if (k > from) out.push({ from, to: k });
        from = k + 1;
      } else if (k > from && this.ts[k]! > this.te[k - 1]!) {
        out.push({ from, to: k });
        from = k;
      }
    }
    if (from < this.n) out.push({ from, to: this.n });
    return out;
  }

  private nameArg(a: { from: number; to: number }, what: string): void {
    if (a.to - a.from !== 1 || this.tk[a.from] !== T.Id) this.fail(`expected ${what}`, a.from);
    this.role[a.from] = R.Symbol;
  }

  private exprArg(a: { from: number; to: number }, what: string): void {
    const start = this.ts[a.from]!;
    const end = this.te[a.to - 1]!;
    const r = evalExpr(this.text, start, end, () => 0n);
    if (!r.result) this.error(r.error!.range, `expected ${what}: ${r.error!.message}`);
    for (let k = a.from; k < a.to; k++) if (this.tk[k] === T.Id) this.role[k] = R.Symbol;
  }

  private integerArg(a: { from: number; to: number }, what: string): bigint {
    const start = this.ts[a.from]!;
    const end = this.te[a.to - 1]!;
    const r = evalExpr(this.text, start, end);
    if (!r.result) this.error(r.error!.range, `expected ${what}: ${r.error!.message}`);
    if (r.result.symbol) this.error(r.result.symbol.range, `expected ${what}, found symbol '${r.result.symbol.name}'`);
    return r.result.value;
  }

  private checkString(k: number): void {
    const s = scanString(this.text, this.ts[k]!);
    if (!s.closed) this.error(this.tokRange(k), 'unterminated string: expected \'"\'');
    if (s.error) this.error({ start: s.error.at, end: s.error.end }, s.error.message);
  }

  /** `.map NAME type=TYPE key=BYTES value=BYTES max_entries=N [flags=N] [inner=NAME]`. */
  private mapDirective(i: number, args: { from: number; to: number }[]): void {
    if (args.length === 0) this.fail('expected a map name', i + 1);
    const nameArg = args[0]!;
    this.nameArg(nameArg, 'a map name');
    const seen = new Map<string, { from: number; to: number }>();
    let type = '';
    for (const a of args.slice(1)) {
      const key = this.tk[a.from] === T.Id ? this.str(a.from) : '';
      if (!['type', 'key', 'value', 'max_entries', 'flags', 'inner'].includes(key)) {
        this.fail('expected a map field (type=, key=, value=, max_entries=, flags=, inner=)', a.from);
      }
      this.role[a.from] = R.Keyword;
      if (seen.has(key)) this.error(this.tokRange(a.from), `'${key}' is given twice`);
      seen.set(key, a);
      if (!this.isOp(a.from + 1, '=') || a.from + 1 >= a.to) this.fail(`expected '=' after '${key}'`, a.from + 1);
      this.role[a.from + 1] = R.Operator;
      const v = { from: a.from + 2, to: a.to };
      if (v.from >= v.to) this.fail(`expected a value for '${key}'`, v.from);
      if (key === 'type') {
        type = this.str(v.from);
        if (v.to - v.from !== 1 || this.tk[v.from] !== T.Id || !isMapType(type)) {
          this.fail('expected a map type (hash, array, percpu_array, ringbuf, ...)', v.from);
        }
        this.role[v.from] = R.Type;
      } else if (key === 'inner') {
        this.nameArg(v, 'the inner map name');
      } else {
        const value = this.integerArg(v, 'a number');
        for (let k = v.from; k < v.to; k++) if (this.tk[k] === T.Num) this.role[k] = R.Number;
        if (value < 0n || value >= UINT32_LIMIT) this.error(this.tokRange(v.from), `'${key}' must be between 0 and 4294967295`);
      }
    }
    const stmtEnd = this.n;
    if (!seen.has('type')) this.fail("expected 'type=' (the map type)", stmtEnd);
    if (!seen.has('max_entries')) this.fail("expected 'max_entries='", stmtEnd);
    if (type !== 'ringbuf' && type !== 'user_ringbuf') {
      if (!seen.has('key')) this.fail("expected 'key=' (the key size in bytes)", stmtEnd);
      if (!seen.has('value')) this.fail("expected 'value=' (the value size in bytes)", stmtEnd);
    }
  }
}

/** Whether the text is a pasted kernel listing (checked cheaply before the full pattern). */
export function looksLikeLog(text: string): boolean {
  const maybe = text.includes(': (') || text.includes(':(') || text.includes(':\t(') || LOG_PREFIX_ANYWHERE.test(text);
  return maybe && LOG_LINE.test(text);
}

const OBJDUMP_LINE = /^(?:Disassembly of section |[ \t]*\d+:\t[0-9a-f]{2}(?: [0-9a-f]{2}){7}(?:\s|$))/m;

/** Whether the text is a pasted kernel log, bpftool or llvm-objdump listing rather than source. */
export function looksLikeListing(text: string): boolean {
  return looksLikeLog(text) || looksLikeObjdump(text);
}

/** Whether the text is an llvm-objdump -d listing. */
function looksLikeObjdump(text: string): boolean {
  return (text.includes('Disassembly of section') || text.includes(':\t')) && OBJDUMP_LINE.test(text);
}

function lineEndAt(text: string, pos: number): number {
  const e = text.indexOf('\n', pos);
  return e < 0 ? text.length : e;
}

/** Length of the operator at pos (0 if the character is not an operator start). */
function opLength(text: string, pos: number): number {
  const c = text.charCodeAt(pos);
  const d = text.charCodeAt(pos + 1);
  const e = text.charCodeAt(pos + 2);
  switch (c) {
    case 60: // <
    case 62: // >
      if (d === c) return e === 61 ? 3 : 2;
      return d === 61 ? 2 : 1;
    case 61: // =
    case 33: // !
      return d === 61 ? 2 : 1;
    case 43: case 45: case 42: case 47: case 37: case 124: case 38: case 94: // + - * / % | & ^
      return d === 61 ? 2 : 1;
    default:
      return Number.isNaN(c) ? 0 : 1; // NaN past the end of the text
  }
}

/** The value of a short decimal number without a leading zero, or -1. */
function smallDecimal(text: string, start: number, end: number): number {
  if (end - start > 9 || (text.charCodeAt(start) === 48 && end - start > 1)) return -1;
  let v = 0;
  for (let k = start; k < end; k++) {
    const d = text.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function isBinaryOp(s: string): boolean {
  return s === '+' || s === '-' || s === '*' || s === '/' || s === '%' || s === '&' || s === '|' || s === '^' || s === '<<' || s === '>>';
}
