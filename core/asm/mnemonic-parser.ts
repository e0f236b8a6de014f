// Parser for the mnemonic syntax of uBPF, bpf_conformance and rbpf (`mov32 %r0, 0`, `ldxw %r0, [%r1+4]`).
// One pass over the text, line by line, with a table lookup per mnemonic. Never throws: every
// problem becomes a diagnostic at the exact place, and parsing goes on with the next line.
import type { Instruction } from '../isa';
import type {
  AsmDiagnostic, InstructionStatement, ParsedFile, Range, Statement, SymbolRef, Token, TokenKind,
} from './ast';
import {
  CH_HASH, CH_MINUS, CH_PLUS, CH_SEMI, CH_SLASH, CH_STAR, isDigit, isIdentChar, isIdentStart, isSpace,
  scanBlockComment, scanIdentifier, scanString,
} from './lexer';
import { helperByName } from '../helpers/table';
import { MNEMONICS, ATOMIC_OPS_BY_NAME, CALL_MODES, LDDW_PSEUDO_BY_NAME, type MnemonicSpec } from './mnemonic-table';

const CH_COMMA = 44;
const CH_COLON = 58;
const CH_LBRACKET = 91;
const CH_RBRACKET = 93;
const CH_PERCENT = 37;

type Operand =
  | { kind: 'reg'; reg: number; range: Range }
  /** `value` is exact below 2^53; `big` holds larger magnitudes exactly. */
  | { kind: 'num'; value: number; big: bigint | undefined; signed: boolean; hex: boolean; range: Range }
  | { kind: 'mem'; reg: number; off: number; range: Range }
  | { kind: 'name'; name: string; range: Range };


/** Parses a whole file of mnemonic-syntax assembly. */
export function parseMnemonic(text: string): ParsedFile {
  return new MnemonicParser(text).run();
}

class MnemonicParser {
  private pos = 0;
  private end = 0;
  private readonly statements: Statement[] = [];
  private readonly tokens: Token[] = [];
  private readonly comments: Range[] = [];
  private readonly diagnostics: AsmDiagnostic[] = [];
  /** False inside a data section, where `.quad` is data rather than a raw instruction. */
  private inCode = true;
  /** Set once an error is reported on the current line; the rest of the line is skipped. */
  private failed = false;

  constructor(private readonly text: string) {}

  run(): ParsedFile {
    const text = this.text;
    while (this.pos <= text.length) {
      const nl = text.indexOf('\n', this.pos);
      this.end = nl < 0 ? text.length : nl;
      this.failed = false;
      this.parseLine();
      if (nl < 0) break;
      this.pos = this.end + 1;
    }
    addImplicitExitLabel(this.statements);
    return {
      syntax: 'mnemonic',
      statements: this.statements,
      tokens: this.tokens,
      comments: this.comments,
      diagnostics: this.diagnostics,
    };
  }

  // ---- scanning helpers ----

  private token(kind: TokenKind, start: number, end: number): void {
    this.tokens.push({ kind, range: { start, end } });
  }

  private error(start: number, end: number, message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.diagnostics.push({ range: { start, end: Math.max(end, start) }, severity: 'error', message, code: 'parse' });
  }

  private skipSpaces(): void {
    const text = this.text;
    while (this.pos < this.end && isSpace(text.charCodeAt(this.pos))) this.pos++;
  }

  /** True when at a comment start; records the comment (which may span lines for `/* *\/`). */
  private atComment(): boolean {
    const text = this.text;
    const c = text.charCodeAt(this.pos);
    if (c === CH_HASH || (c === CH_SLASH && text.charCodeAt(this.pos + 1) === CH_SLASH)) {
      this.comments.push({ start: this.pos, end: this.end });
      this.token('comment', this.pos, trimEnd(text, this.pos, this.end));
      this.pos = this.end;
      return true;
    }
    if (c === CH_SLASH && text.charCodeAt(this.pos + 1) === CH_STAR) {
      const block = scanBlockComment(text, this.pos);
      this.comments.push({ start: this.pos, end: block.end });
      this.token('comment', this.pos, block.end);
      if (!block.closed) {
        this.diagnostics.push({
          range: { start: this.pos, end: this.pos + 2 }, severity: 'error',
          message: "expected '*/' to close this comment, found end of file", code: 'parse',
        });
      }
      this.pos = block.end;
      if (this.pos > this.end) {
        const nl = text.indexOf('\n', this.pos);
        this.end = nl < 0 ? text.length : nl;
      }
      return true;
    }
    return false;
  }

  /** At the end of a statement: end of line, a line comment or `;` (after spaces and block comments). */
  private atLineEnd(): boolean {
    for (;;) {
      this.skipSpaces();
      if (this.pos >= this.end || this.text.charCodeAt(this.pos) === CH_SEMI) return true;
      const block = this.text.charCodeAt(this.pos) === CH_SLASH && this.text.charCodeAt(this.pos + 1) === CH_STAR;
      if (!this.atComment()) return false;
      if (!block) return true;
    }
  }

  /** A short description of what is at `pos`, for "expected X, found Y" messages. */
  private describeHere(): { text: string; end: number } {
    const text = this.text;
    if (this.pos >= this.end) return { text: 'end of line', end: this.pos };
    const c = text.charCodeAt(this.pos);
    let e = this.pos + 1;
    if (isIdentChar(c) || c === CH_PERCENT) {
      while (e < this.end && isIdentChar(text.charCodeAt(e))) e++;
    }
    return { text: `'${text.slice(this.pos, e)}'`, end: e };
  }

  private expected(what: string): void {
    const found = this.describeHere();
    this.error(this.pos, found.end, `expected ${what}, found ${found.text}`);
  }

  // ---- lines ----

  private parseLine(): void {
    const text = this.text;
    for (;;) {
      // `;` separates statements on a line (as uBPF and llvm-mc read it).
      this.skipSpaces();
      if (this.pos < this.end && text.charCodeAt(this.pos) === CH_SEMI) {
        this.token('operator', this.pos, this.pos + 1);
        this.pos++;
        continue;
      }
      if (this.atLineEnd()) return;
      const start = this.pos;
      const c = text.charCodeAt(start);
      if (!isIdentStart(c)) {
        this.expected('a mnemonic or a label');
        return;
      }
      const identEnd = scanIdentifier(text, start, this.end);
      // A label: `name:` (possibly followed by an instruction on the same line).
      let p = identEnd;
      while (p < this.end && isSpace(text.charCodeAt(p))) p++;
      if (text.charCodeAt(p) === CH_COLON) {
        this.token('label', start, identEnd);
        this.statements.push({ kind: 'label', name: text.slice(start, identEnd), range: { start, end: p + 1 } });
        this.pos = p + 1;
        continue;
      }
      if (c === 46 /* . */) {
        const name = text.slice(start, identEnd);
        if ((name === '.quad' || name === '.8byte') && this.inCode) this.parseRawInstruction(start, identEnd);
        else this.parseDirective(start, identEnd);
      } else this.parseInstruction(start, identEnd);
      if (this.failed || !this.atLineEnd() || this.pos >= this.end || text.charCodeAt(this.pos) !== CH_SEMI) return;
    }
  }

  private parseDirective(start: number, nameEnd: number): void {
    const text = this.text;
    this.token('directive', start, nameEnd);
    this.pos = nameEnd;
    const args: { text: string; range: Range }[] = [];
    let argStart = -1;
    let argEnd = -1;
    const flush = (): void => {
      if (argStart >= 0) args.push({ text: text.slice(argStart, argEnd), range: { start: argStart, end: argEnd } });
      argStart = argEnd = -1;
    };
    // `.map NAME type=T key=N ...` takes space-separated words, as in the LLVM syntax.
    const wordArgs = text.slice(start, nameEnd) === '.map';
    while (!this.atLineEnd()) {
      const c = text.charCodeAt(this.pos);
      if (wordArgs && isSpace(c)) {
        flush();
        this.pos++;
        continue;
      }
      if (c === CH_COMMA) {
        flush();
        this.token('operator', this.pos, this.pos + 1);
        this.pos++;
        continue;
      }
      if (argStart < 0) argStart = this.pos;
      if (c === 34 /* " */) {
        const s = scanString(text, this.pos, this.end);
        this.token('string', this.pos, s.end);
        if (!s.closed) this.error(this.pos, s.end, "expected '\"' to close the string, found end of line");
        this.pos = s.end;
      } else {
        const tokStart = this.pos;
        while (this.pos < this.end && !isSpace(text.charCodeAt(this.pos)) && text.charCodeAt(this.pos) !== CH_COMMA
          && text.charCodeAt(this.pos) !== CH_HASH) this.pos++;
        if (this.pos === tokStart) this.pos++;
        const isNum = isDigit(text.charCodeAt(tokStart)) || text.charCodeAt(tokStart) === CH_MINUS;
        this.token(isNum ? 'number' : 'symbol', tokStart, this.pos);
      }
      argEnd = this.pos;
    }
    flush();
    const end = args.length ? args[args.length - 1]!.range.end : nameEnd;
    const name = text.slice(start, nameEnd);
    this.statements.push({ kind: 'directive', name, args, range: { start, end } });
    if (name === '.text') this.inCode = true;
    else if (name === '.data' || name === '.bss' || name === '.rodata') this.inCode = false;
    else if (name === '.section' && args.length > 0) this.inCode = isCodeSection(args[0]!.text, args[1]?.text);
  }

  /**
   * `.quad WORD` is one raw instruction word (this syntax has no data sections): the way listings
   * write encodings no mnemonic expresses. An ld_imm64 takes both words: `.quad FIRST, SECOND`.
   */
  private parseRawInstruction(start: number, nameEnd: number): void {
    this.token('directive', start, nameEnd);
    this.pos = nameEnd;
    const ops = this.parseOperands();
    if (!ops) return;
    const words: bigint[] = [];
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const big = op.kind === 'num' ? op.big ?? BigInt(op.value) : -1n;
      if (big < 0n || big >= 1n << 64n) {
        this.error(op.range.start, op.range.end,
          `expected a 64-bit instruction word, found '${this.text.slice(op.range.start, op.range.end)}'`);
        return;
      }
      words.push(big);
    }
    if (words.length === 0) {
      this.expected('a 64-bit instruction word');
      return;
    }
    const first = words[0]!;
    const insn: Instruction = {
      code: Number(first & 0xffn),
      dst: Number((first >> 8n) & 0xfn),
      src: Number((first >> 12n) & 0xfn),
      off: Number(BigInt.asIntN(16, (first >> 16n) & 0xffffn)),
      imm: Number(BigInt.asIntN(32, first >> 32n)),
    };
    const wide = insn.code === 0x18;
    const want = wide ? 2 : 1;
    if (words.length !== want) {
      const r = words.length > want ? ops[want]!.range : ops[0]!.range;
      this.error(r.start, r.end, wide
        ? `expected both words of an ld_imm64 (.quad FIRST, SECOND), found ${words.length}`
        : `expected one instruction word, found ${words.length}`);
      return;
    }
    if (wide) {
      const second = words[1]!;
      if ((second & 0xffff_ffffn) !== 0n) {
        const r = ops[1]!.range;
        this.error(r.start, r.end, 'expected an ld_imm64 second word with zero code, registers and offset');
        return;
      }
      insn.hi = Number(BigInt.asIntN(32, second >> 32n));
    }
    this.statements.push({ kind: 'insn', insn, range: { start, end: ops[ops.length - 1]!.range.end } });
  }

  private parseInstruction(start: number, identEnd: number): void {
    const text = this.text;
    let name = text.slice(start, identEnd);
    let spec = MNEMONICS.get(name) ?? MNEMONICS.get(name.toLowerCase());
    if (!spec) {
      this.pos = start;
      this.error(start, identEnd, `expected a mnemonic, found unknown mnemonic '${name}'${this.hint(name, identEnd)}`);
      return;
    }
    this.token('mnemonic', start, identEnd);
    this.pos = identEnd;
    let fetch = false;
    if (spec.shape === 'lock') {
      // lock [fetch] op[32] [reg+off], reg
      this.skipSpaces();
      let opStart = this.pos;
      let opEnd = scanIdentifier(text, opStart, this.end);
      if (text.slice(opStart, opEnd).toLowerCase() === 'fetch') {
        fetch = true;
        this.token('keyword', opStart, opEnd);
        this.pos = opEnd;
        this.skipSpaces();
        opStart = this.pos;
        opEnd = scanIdentifier(text, opStart, this.end);
      }
      if (opEnd === opStart) {
        this.expected(`an atomic operation (${[...ATOMIC_OPS_BY_NAME.keys()].join(', ')})`);
        return;
      }
      name = text.slice(opStart, opEnd).toLowerCase();
      const atomic = ATOMIC_OPS_BY_NAME.get(name);
      if (!atomic) {
        this.pos = opStart;
        this.error(opStart, opEnd,
          `expected an atomic operation (${[...ATOMIC_OPS_BY_NAME.keys()].join(', ')}), found '${text.slice(opStart, opEnd)}'`);
        return;
      }
      if (fetch && !atomic.fetchable) {
        this.error(opStart, opEnd, `expected add, and, or or xor after 'fetch', found '${name}' (it always fetches)`);
        return;
      }
      this.token('mnemonic', opStart, opEnd);
      this.pos = opEnd;
      spec = { shape: 'atomic', code: atomic.code, imm: atomic.imm | (fetch ? 0x01 : 0) };
    }
    const firstToken = this.tokens.length;
    const operands = this.parseOperands();
    if (!operands) return;
    const stmtEnd = operands.length ? operands[operands.length - 1]!.range.end : this.lastTokenEnd(identEnd);
    const built = this.build(spec, name, operands);
    // Names get their token kind only now (label, symbol, keyword...), after the line's comment.
    this.sortTokensFrom(firstToken);
    if (!built) return;
    const stmt: InstructionStatement = { kind: 'insn', insn: built.insn, range: { start, end: stmtEnd } };
    if (built.ref) stmt.ref = built.ref;
    this.statements.push(stmt);
  }

  /** Why a name is not a mnemonic: LLVM syntax in a mnemonic file, or a near miss. */
  private hint(name: string, after: number): string {
    const rest = this.text.slice(after, this.end);
    if (/^\s*(=|[-+*/|&^%<>s]+=)/.test(rest) || name === 'if' || name === 'goto' || name === 'gotol' || /^[rw]\d+$/.test(name)) {
      return ' (this line is LLVM syntax; the file is read as mnemonic syntax)';
    }
    const near = closestMnemonic(name.toLowerCase());
    return near ? ` (did you mean '${near}'?)` : '';
  }

  private sortTokensFrom(first: number): void {
    const t = this.tokens;
    for (let i = first + 1; i < t.length; i++) {
      if (t[i]!.range.start < t[i - 1]!.range.start) {
        const tail = t.splice(first).sort((a, b) => a.range.start - b.range.start);
        t.push(...tail);
        return;
      }
    }
  }

  private lastTokenEnd(fallback: number): number {
    const t = this.tokens[this.tokens.length - 1];
    return t && t.kind !== 'comment' ? t.range.end : fallback;
  }

  // ---- operands ----

  /** Reads operands to the end of the line, separated by commas or spaces. */
  private parseOperands(): Operand[] | undefined {
    const out: Operand[] = [];
    const text = this.text;
    let needOperand = false;
    for (;;) {
      if (this.atLineEnd()) {
        if (needOperand) {
          this.expected('an operand after \',\'');
          return undefined;
        }
        return out;
      }
      const op = this.parseOperand();
      if (!op) return undefined;
      out.push(op);
      needOperand = false;
      this.skipSpaces();
      if (this.pos < this.end && text.charCodeAt(this.pos) === CH_COMMA) {
        this.token('operator', this.pos, this.pos + 1);
        this.pos++;
        needOperand = true;
      }
    }
  }

  private parseOperand(): Operand | undefined {
    const text = this.text;
    const start = this.pos;
    const c = text.charCodeAt(start);
    if (c === CH_LBRACKET) return this.parseMemory();
    const reg = this.tryRegister();
    if (reg !== undefined) return reg;
    if (c === CH_PERCENT) {
      this.expected('a register %r0..%r10');
      return undefined;
    }
    if (c === CH_PLUS || c === CH_MINUS || isDigit(c)) {
      const n = this.parseNumber();
      if (!n) return undefined;
      return n;
    }
    if (isIdentStart(c)) {
      const e = scanIdentifier(text, start, this.end);
      this.pos = e;
      return { kind: 'name', name: text.slice(start, e), range: { start, end: e } };
    }
    this.expected('an operand (a register, a number, [register+offset] or a label)');
    return undefined;
  }

  /** `%rN` or `rN`; undefined (pos unchanged) when the text there is not register-shaped. */
  private tryRegister(): Operand | undefined {
    const text = this.text;
    const start = this.pos;
    let p = start;
    if (text.charCodeAt(p) === CH_PERCENT) p++;
    if ((text.charCodeAt(p) | 0x20) !== 114 /* r */) return undefined;
    p++;
    const digitsStart = p;
    while (p < this.end && isDigit(text.charCodeAt(p))) p++;
    if (p === digitsStart || (p < this.end && isIdentChar(text.charCodeAt(p)))) {
      if (text.charCodeAt(start) !== CH_PERCENT) return undefined;
      let e = p;
      while (e < this.end && isIdentChar(text.charCodeAt(e))) e++;
      this.error(start, e, `expected a register %r0..%r10, found '${text.slice(start, e)}'`);
      this.pos = e;
      return undefined;
    }
    const n = p - digitsStart > 2 ? 99 : Number(text.slice(digitsStart, p));
    if (n > 10) {
      this.error(start, p, `expected a register %r0..%r10, found '${text.slice(start, p)}'`);
      this.pos = p;
      return undefined;
    }
    this.token('register', start, p);
    this.pos = p;
    return { kind: 'reg', reg: n, range: { start, end: p } };
  }

  /** A number with optional sign: decimal, or hexadecimal with 0x. */
  private parseNumber(): Extract<Operand, { kind: 'num' }> | undefined {
    const text = this.text;
    const start = this.pos;
    let p = start;
    let negative = false;
    let signed = false;
    const c = text.charCodeAt(p);
    if (c === CH_PLUS || c === CH_MINUS) {
      negative = c === CH_MINUS;
      signed = true;
      p++;
      while (p < this.end && isSpace(text.charCodeAt(p))) p++;
    }
    if (!isDigit(text.charCodeAt(p))) {
      this.pos = p;
      this.expected(`a number after '${negative ? '-' : '+'}'`);
      return undefined;
    }
    const scanned = scanMnemonicNumber(text, p, this.end);
    if (scanned.value === undefined) {
      this.error(start, scanned.end, `expected a number, found '${text.slice(start, scanned.end)}' (${scanned.error})`);
      this.pos = scanned.end;
      return undefined;
    }
    this.token('number', start, scanned.end);
    this.pos = scanned.end;
    return {
      kind: 'num', value: negative ? -scanned.value : scanned.value,
      big: scanned.big === undefined ? undefined : negative ? -scanned.big : scanned.big, signed, hex: scanned.hex,
      range: { start, end: scanned.end },
    };
  }

  /** `[%rN]`, `[%rN+off]`, `[%rN-off]`. */
  private parseMemory(): Operand | undefined {
    const text = this.text;
    const start = this.pos;
    this.token('operator', start, start + 1);
    this.pos++;
    this.skipSpaces();
    const reg = this.tryRegister();
    if (!reg) {
      this.expected('a register after \'[\'');
      return undefined;
    }
    if (reg.kind !== 'reg') return undefined;
    this.skipSpaces();
    let off = 0;
    const c = text.charCodeAt(this.pos);
    if (c === CH_PLUS || c === CH_MINUS) {
      this.token('operator', this.pos, this.pos + 1);
      const n = this.parseNumber();
      if (!n) return undefined;
      const ok = n.hex
        ? n.value >= -0xffff && n.value <= 0xffff
        : n.value >= -32768 && n.value <= 32767;
      if (!ok) {
        this.error(n.range.start, n.range.end,
          `expected an offset from -32768 to 32767, found ${text.slice(n.range.start, n.range.end)}`);
        return undefined;
      }
      off = (n.value << 16) >> 16;
      this.skipSpaces();
    }
    if (text.charCodeAt(this.pos) !== CH_RBRACKET) {
      this.expected(off === 0 && c !== CH_PLUS && c !== CH_MINUS ? "'+', '-' or ']'" : "']'");
      return undefined;
    }
    this.token('operator', this.pos, this.pos + 1);
    this.pos++;
    return { kind: 'mem', reg: reg.reg, off, range: { start, end: this.pos } };
  }

  // ---- encoding ----

  private build(
    spec: MnemonicSpec, name: string, ops: Operand[],
  ): { insn: Instruction; ref?: SymbolRef } | undefined {
    const insn: Instruction = { code: spec.code, dst: 0, src: 0, off: spec.off ?? 0, imm: spec.imm ?? 0 };
    const at = (i: number): Range => ops[i]?.range ?? { start: this.pos, end: this.pos };
    const fail = (i: number, what: string): undefined => {
      const op = ops[i];
      const found = op ? `'${this.text.slice(op.range.start, op.range.end)}'` : 'end of line';
      const r = at(i);
      this.error(r.start, r.end, `expected ${what}, found ${found}`);
      return undefined;
    };
    const count = (n: number, what: string): boolean => {
      if (ops.length === n) return true;
      if (ops.length > n) fail(n, `end of line after ${what}`);
      else fail(ops.length, what);
      return false;
    };
    const reg = (i: number): number | undefined => {
      const op = ops[i];
      return op?.kind === 'reg' ? op.reg : fail(i, 'a register');
    };
    const imm32 = (i: number, what = 'a 32-bit immediate'): number | undefined => {
      const op = ops[i];
      if (op?.kind !== 'num') return fail(i, what);
      return this.checkImm32(op);
    };
    /** A jump target: +N / -N / N, or a label name. */
    const target = (i: number, role: SymbolRef['role'], field: 'off' | 'imm'): SymbolRef | null | undefined => {
      const op = ops[i];
      if (op?.kind === 'name') {
        this.token('label', op.range.start, op.range.end);
        return { name: op.name, range: op.range, role };
      }
      if (op?.kind === 'num') {
        if (field === 'off') {
          if (op.value < -32768 || op.value > 32767) {
            this.error(op.range.start, op.range.end,
              `expected a jump offset from -32768 to 32767, found ${this.text.slice(op.range.start, op.range.end)}`);
            return undefined;
          }
          insn.off = op.value;
        } else {
          if (op.value < -0x8000_0000 || op.value > 0x7fff_ffff) {
            this.error(op.range.start, op.range.end,
              `expected a jump offset that fits in 32 bits, found ${this.text.slice(op.range.start, op.range.end)}`);
            return undefined;
          }
          insn.imm = op.value;
        }
        return null;
      }
      return fail(i, 'a jump offset (+N or -N) or a label');
    };
    const done = (ref: SymbolRef | null | undefined): { insn: Instruction; ref?: SymbolRef } =>
      ref ? { insn, ref } : { insn };
    /** Operand 0 is dst; operand 1 a register (BPF_X) or a 32-bit immediate (BPF_K). */
    const dstAndSource = (): boolean => {
      const d = reg(0);
      if (d === undefined) return false;
      insn.dst = d;
      const s = ops[1]!;
      if (s.kind === 'reg') {
        insn.code |= 0x08;
        insn.src = s.reg;
        return true;
      }
      if (s.kind !== 'num') {
        fail(1, 'a register or an immediate');
        return false;
      }
      const v = this.checkImm32(s);
      if (v === undefined) return false;
      insn.imm = v;
      return true;
    };

    switch (spec.shape) {
      case 'alu': {
        if (!count(2, 'a register or an immediate')) return undefined;
        if (!dstAndSource()) return undefined;
        return done(null);
      }
      case 'movsx': {
        if (!count(2, 'a source register')) return undefined;
        const d = reg(0);
        if (d === undefined) return undefined;
        const s = reg(1);
        if (s === undefined) return undefined;
        insn.dst = d;
        insn.src = s;
        return done(null);
      }
      case 'neg':
      case 'end': {
        if (!count(1, 'a register')) return undefined;
        const d = reg(0);
        if (d === undefined) return undefined;
        insn.dst = d;
        return done(null);
      }
      case 'lddw': {
        if (ops.length < 2) return fail(ops.length, ops.length === 0 ? 'a register' : 'a 64-bit immediate or a symbol');
        const d = reg(0);
        if (d === undefined) return undefined;
        insn.dst = d;
        const v = ops[1]!;
        let valueIndex = 1;
        if (v.kind === 'name' && ops.length === 3) {
          const pseudo = LDDW_PSEUDO_BY_NAME.get(v.name.toLowerCase());
          if (pseudo === undefined) return fail(1, `a pseudo source (${[...LDDW_PSEUDO_BY_NAME.keys()].join(', ')})`);
          this.token('keyword', v.range.start, v.range.end);
          insn.src = pseudo;
          valueIndex = 2;
        } else if (!count(2, 'a 64-bit immediate or a symbol')) return undefined;
        const value = ops[valueIndex]!;
        if (value.kind === 'name' && valueIndex === 1) {
          this.token('symbol', value.range.start, value.range.end);
          insn.hi = 0;
          return done({ name: value.name, range: value.range, role: 'imm64' });
        }
        if (value.kind !== 'num') return fail(valueIndex, 'a 64-bit immediate');
        const big = value.big ?? BigInt(value.value);
        const ok = big >= -(2n ** 63n) && big < 2n ** 64n;
        if (!ok) {
          this.error(value.range.start, value.range.end,
            `expected a 64-bit immediate, found ${this.text.slice(value.range.start, value.range.end)} (out of range)`);
          return undefined;
        }
        const u = BigInt.asUintN(64, big);
        insn.imm = Number(BigInt.asIntN(32, u & 0xffff_ffffn));
        insn.hi = Number(BigInt.asIntN(32, u >> 32n));
        return done(null);
      }
      case 'ldx': {
        if (!count(2, '[register+offset]')) return undefined;
        const d = reg(0);
        if (d === undefined) return undefined;
        const m = ops[1]!;
        if (m.kind !== 'mem') return fail(1, '[register+offset]');
        insn.dst = d;
        insn.src = m.reg;
        insn.off = m.off;
        return done(null);
      }
      case 'st': {
        if (!count(2, 'an immediate')) return undefined;
        const m = ops[0]!;
        if (m.kind !== 'mem') return fail(0, '[register+offset]');
        const v = imm32(1);
        if (v === undefined) return undefined;
        insn.dst = m.reg;
        insn.off = m.off;
        insn.imm = v;
        return done(null);
      }
      case 'stx':
      case 'atomic': {
        if (!count(2, 'a source register')) return undefined;
        const m = ops[0]!;
        if (m.kind !== 'mem') return fail(0, '[register+offset]');
        const s = reg(1);
        if (s === undefined) return undefined;
        insn.dst = m.reg;
        insn.off = m.off;
        insn.src = s;
        return done(null);
      }
      case 'ldabs': {
        if (!count(1, 'an immediate offset')) return undefined;
        const v = imm32(0, 'an immediate offset');
        if (v === undefined) return undefined;
        insn.imm = v;
        return done(null);
      }
      case 'ldind': {
        if (!count(2, 'an immediate offset')) return undefined;
        const s = reg(0);
        if (s === undefined) return undefined;
        const v = imm32(1, 'an immediate offset');
        if (v === undefined) return undefined;
        insn.src = s;
        insn.imm = v;
        return done(null);
      }
      case 'ja':
      case 'maygoto':
        if (!count(1, 'a jump offset (+N or -N) or a label')) return undefined;
        return done(target(0, 'jump', 'off'));
      case 'ja32':
        if (!count(1, 'a jump offset (+N or -N) or a label')) return undefined;
        return done(target(0, 'jump', 'imm'));
      case 'jcc': {
        if (!count(3, 'a jump offset (+N or -N) or a label')) return undefined;
        if (!dstAndSource()) return undefined;
        const t = target(2, 'jump', 'off');
        if (t === undefined) return undefined;
        return done(t);
      }
      case 'callx': {
        if (!count(1, 'a register')) return undefined;
        const d = reg(0);
        if (d === undefined) return undefined;
        insn.dst = d;
        return done(null);
      }
      case 'call':
        return this.buildCall(insn, ops, fail);
      case 'exit':
        if (!count(0, "'" + name + "'")) return undefined;
        return done(null);
      case 'lock':
        return undefined;
    }
  }

  private buildCall(
    insn: Instruction, ops: Operand[], fail: (i: number, what: string) => undefined,
  ): { insn: Instruction; ref?: SymbolRef } | undefined {
    let i = 0;
    let mode: number | undefined;
    const first = ops[0];
    if (first?.kind === 'name' && ops.length >= 2) {
      mode = CALL_MODES.get(first.name.toLowerCase());
      if (mode === undefined) return fail(0, `a call kind (${[...CALL_MODES.keys()].join(', ')})`);
      this.token('keyword', first.range.start, first.range.end);
      i = 1;
    }
    if (i === 0 && first?.kind === 'name' && ops.length === 1 && CALL_MODES.has(first.name.toLowerCase())) {
      this.token('keyword', first.range.start, first.range.end);
      this.error(first.range.end, first.range.end, `expected a call target after '${first.name}', found end of line`);
      return undefined;
    }
    if (ops.length !== i + 1) {
      return fail(ops.length > i + 1 ? i + 1 : ops.length,
        ops.length > i + 1 ? 'end of line after the call target' : 'a call target');
    }
    const t = ops[i]!;
    if (t.kind === 'reg') {
      if (mode !== undefined && mode !== 0) return fail(i, 'a number or a label');
      insn.code |= 0x08;
      insn.dst = t.reg;
      return { insn };
    }
    if (mode === 1) {
      insn.src = 1;
      if (t.kind === 'name') {
        this.token('label', t.range.start, t.range.end);
        return { insn, ref: { name: t.name, range: t.range, role: 'call' } };
      }
      if (t.kind !== 'num') return fail(i, 'a relative offset or a label');
      const v = this.checkImm32(t);
      if (v === undefined) return undefined;
      insn.imm = v;
      return { insn };
    }
    insn.src = mode ?? 0;
    if (t.kind === 'name') {
      if (mode === 2) return fail(i, 'a kernel function BTF id');
      const helper = helperByName(t.name);
      if (!helper) {
        this.error(t.range.start, t.range.end, `expected a helper number or a bpf_* helper name, found unknown helper '${t.name}'`);
        return undefined;
      }
      this.token('helper', t.range.start, t.range.end);
      insn.imm = helper.id;
      return { insn, ref: { name: t.name, range: t.range, role: 'helper' } };
    }
    if (t.kind !== 'num') return fail(i, 'a helper number or name');
    const v = this.checkImm32(t);
    if (v === undefined) return undefined;
    insn.imm = v;
    return { insn };
  }

  /** A 32-bit immediate, from -2^31 to 2^32-1 (0xffffffff is -1). */
  private checkImm32(op: Extract<Operand, { kind: 'num' }>): number | undefined {
    const v = op.value;
    if (v < -0x8000_0000 || v > 0xffff_ffff) {
      this.error(op.range.start, op.range.end,
        `expected a 32-bit immediate, found ${this.text.slice(op.range.start, op.range.end)} (out of range)`);
      return undefined;
    }
    return v | 0;
  }

}

interface ScannedMnemonicNumber {
  end: number;
  /** The value, exact below 2^53; undefined when the text is not a number. */
  value: number | undefined;
  /** The exact value when it is 2^53 or more. */
  big?: bigint;
  hex: boolean;
  error?: string;
}

/** Decimal (leading zeros allowed, as these tools read them) or `0x` hexadecimal. */
function scanMnemonicNumber(text: string, pos: number, end: number): ScannedMnemonicNumber {
  let i = pos;
  let hex = false;
  if (text.charCodeAt(i) === 48 && (text.charCodeAt(i + 1) | 0x20) === 120 && i + 2 < end) {
    hex = true;
    i += 2;
  }
  const digitsStart = i;
  const radix = hex ? 16 : 10;
  let bad = -1;
  let value = 0;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (!isIdentChar(c) || c === 46) break;
    const d = c <= 57 ? c - 48 : (c | 0x20) - 87;
    if (bad < 0 && (c < 48 || (c > 57 && !hex) || d < 0 || d >= radix)) bad = i;
    value = value * radix + d;
    i++;
  }
  if (i === digitsStart) return { end: i, value: undefined, hex, error: 'no digits after 0x' };
  if (bad >= 0) {
    return {
      end: i, value: undefined, hex,
      error: `invalid digit '${text[bad]}' in ${hex ? 'hexadecimal' : 'decimal'} number`,
    };
  }
  if (value < 2 ** 53) return { end: i, value, hex };
  const big = BigInt(hex ? '0x' + text.slice(digitsStart, i) : text.slice(digitsStart, i));
  return { end: i, value: Number(big), big, hex };
}

const DATA_SECTION = /^"?(\.data|\.rodata|\.bss|\.maps|maps|license|\.BTF|\.debug|\.llvm)/;

/** A `.section NAME, "FLAGS"` holds code unless its name says data or its flags lack `x`. */
function isCodeSection(name: string, flags: string | undefined): boolean {
  if (DATA_SECTION.test(name)) return false;
  return flags === undefined || !flags.startsWith('"') || flags.includes('x');
}

/** The mnemonic at edit distance 1 or 2 from `name`, preferring the closest, if any. */
function closestMnemonic(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const m of MNEMONICS.keys()) {
    if (Math.abs(m.length - name.length) >= bestDistance) continue;
    const d = editDistance(name, m, bestDistance);
    if (d < bestDistance) {
      bestDistance = d;
      best = m;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `limit`) once it reaches `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= limit) return limit;
    prev = cur;
  }
  return Math.min(prev[b.length]!, limit);
}

function trimEnd(text: string, start: number, end: number): number {
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return end;
}

/**
 * bpf_conformance treats the first `exit` instruction as an implicit label named `exit`
 * (`jne %r0, %r1, exit`). Adds that label, with an empty range, when a jump uses it and the file
 * defines no such label itself.
 */
function addImplicitExitLabel(statements: Statement[]): void {
  let used = false;
  let firstExit = -1;
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i]!;
    if (s.kind === 'label' && s.name === 'exit') return;
    if (s.kind === 'insn') {
      if (s.ref?.name === 'exit' && s.ref.role !== 'imm64') used = true;
      if (firstExit < 0 && s.insn.code === 0x95) firstExit = i;
    }
  }
  if (!used || firstExit < 0) return;
  const at = statements[firstExit]!.range.start;
  statements.splice(firstExit, 0, { kind: 'label', name: 'exit', range: { start: at, end: at } });
}

