// Integer expressions as LLVM's assembler reads them in operands and data directives:
// numbers, character literals, names, parentheses and the C operators, evaluated in 64 bits.
import type { Range } from './ast';
import { CH_SQUOTE, isDigit, isIdentStart, isSpace, scanIdentifier, scanNumber } from './lexer';

/** A value, possibly relative to one symbol: `sym + value`. */
export interface ExprValue {
  value: bigint;
  symbol?: { name: string; range: Range };
}

export interface ExprResult {
  /** Undefined when the text is not a valid expression. */
  result?: ExprValue;
  error?: { range: Range; message: string };
  /** Offset where parsing stopped (the end of the expression). */
  end: number;
}

/** Gives a name's value when it is known (such as a label in the same section). */
export type SymbolResolver = (name: string) => bigint | undefined;

const BINARY: Record<string, number> = {
  '|': 1, '^': 2, '&': 3, '<<': 4, '>>': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6,
};

/** Deeper nesting than this is refused rather than risking the stack. */
const MAX_DEPTH = 200;

class ExprParser {
  pos: number;
  depth = 0;
  error?: { range: Range; message: string };

  constructor(
    readonly text: string,
    start: number,
    readonly end: number,
    readonly resolve: SymbolResolver | undefined,
  ) {
    this.pos = start;
  }

  skip(): void {
    while (this.pos < this.end && isSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  found(): string {
    this.skip();
    if (this.pos >= this.end) return 'end of line';
    const idEnd = scanIdentifier(this.text, this.pos, this.end);
    const e = idEnd > this.pos ? idEnd : this.pos + 1;
    return `'${this.text.slice(this.pos, e)}'`;
  }

  fail(message: string, start = this.pos, end = Math.min(this.end, Math.max(start + 1, this.pos + 1))): undefined {
    if (!this.error) this.error = { range: { start, end: Math.max(start, end) }, message };
    return undefined;
  }

  peekOp(): string | undefined {
    this.skip();
    if (this.pos >= this.end) return undefined;
    const c = this.text[this.pos]!;
    const two = this.text.slice(this.pos, this.pos + 2);
    if (two === '<<' || two === '>>') return two;
    return c in BINARY ? c : undefined;
  }

  parse(minPrec: number): ExprValue | undefined {
    let left = this.unary();
    if (!left) return undefined;
    for (;;) {
      const op = this.peekOp();
      if (!op) return left;
      const prec = BINARY[op]!;
      if (prec < minPrec) return left;
      const opStart = this.pos;
      this.pos += op.length;
      const right = this.parse(prec + 1);
      if (!right) return undefined;
      left = this.combine(op, left, right, opStart);
      if (!left) return undefined;
    }
  }

  combine(op: string, a: ExprValue, b: ExprValue, at: number): ExprValue | undefined {
    if (a.symbol || b.symbol) {
      if (op === '+' && !(a.symbol && b.symbol)) {
        return { value: BigInt.asIntN(64, a.value + b.value), symbol: (a.symbol ?? b.symbol)! };
      }
      if (op === '-' && a.symbol && !b.symbol) return { value: BigInt.asIntN(64, a.value - b.value), symbol: a.symbol };
      return this.fail(`'${op}' cannot combine a symbol whose value is not known here`, at, at + op.length);
    }
    const x = a.value;
    const y = b.value;
    let v: bigint;
    switch (op) {
      case '+': v = x + y; break;
      case '-': v = x - y; break;
      case '*': v = x * y; break;
      case '/':
      case '%':
        if (y === 0n) return this.fail('division by zero', at, at + 1);
        v = op === '/' ? x / y : x % y;
        break;
      case '&': v = x & y; break;
      case '|': v = x | y; break;
      case '^': v = x ^ y; break;
      case '<<': v = y >= 64n || y < 0n ? 0n : x << y; break;
      default: v = y >= 64n || y < 0n ? 0n : BigInt.asIntN(64, BigInt.asUintN(64, x) >> y); break;
    }
    return { value: BigInt.asIntN(64, v) };
  }

  unary(): ExprValue | undefined {
    this.skip();
    if (++this.depth > MAX_DEPTH) return this.fail('expression nested too deeply');
    try {
      return this.unaryInner();
    } finally {
      this.depth--;
    }
  }

  unaryInner(): ExprValue | undefined {
    const c = this.text.charCodeAt(this.pos);
    if (c === 45 /* - */ || c === 126 /* ~ */ || c === 43 /* + */ || c === 33 /* ! */) {
      const at = this.pos;
      this.pos++;
      const v = this.unary();
      if (!v) return undefined;
      if (c === 43) return v;
      if (v.symbol) return this.fail(`'${String.fromCharCode(c)}' cannot apply to a symbol`, at, at + 1);
      const r = c === 45 ? -v.value : c === 126 ? ~v.value : v.value === 0n ? 1n : 0n;
      return { value: BigInt.asIntN(64, r) };
    }
    return this.primary();
  }

  primary(): ExprValue | undefined {
    this.skip();
    const start = this.pos;
    if (start >= this.end) return this.fail(`expected an expression, found end of line`, start, start);
    const c = this.text.charCodeAt(start);
    if (isDigit(c)) {
      const n = scanNumber(this.text, start, this.end);
      this.pos = n.end;
      if (n.value === undefined) return this.fail(n.error ?? 'invalid number', start, n.end);
      if (n.value >= 1n << 64n) return this.fail('number does not fit in 64 bits', start, n.end);
      return { value: BigInt.asIntN(64, n.value) };
    }
    if (c === CH_SQUOTE) {
      const close = this.text.indexOf("'", start + 1);
      if (close < 0 || close >= this.end) return this.fail('unterminated character literal', start, this.end);
      let body = this.text.slice(start + 1, close);
      if (body.startsWith('\\')) body = ({ n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'" } as Record<string, string>)[body[1] ?? ''] ?? body[1] ?? '';
      this.pos = close + 1;
      if (body.length !== 1) return this.fail('a character literal holds one character', start, this.pos);
      return { value: BigInt(body.charCodeAt(0) & 0xff) };
    }
    if (c === 40 /* ( */) {
      this.pos++;
      const v = this.parse(1);
      if (!v) return undefined;
      this.skip();
      if (this.text.charCodeAt(this.pos) !== 41) return this.fail(`expected ')', found ${this.found()}`);
      this.pos++;
      return v;
    }
    if (isIdentStart(c)) {
      const e = scanIdentifier(this.text, start, this.end);
      this.pos = e;
      const name = this.text.slice(start, e);
      const known = this.resolve?.(name);
      if (known !== undefined) return { value: known };
      return { value: 0n, symbol: { name, range: { start, end: e } } };
    }
    return this.fail(`expected an expression, found ${this.found()}`, start, start + 1);
  }
}

/**
 * Evaluates the expression in `text[start, end)`. The whole range must be one expression unless
 * `partial` is set, in which case parsing stops at the first character that cannot continue it.
 */
export function evalExpr(
  text: string,
  start: number,
  end: number,
  resolve?: SymbolResolver,
  partial = false,
): ExprResult {
  const p = new ExprParser(text, start, end, resolve);
  const v = p.parse(1);
  if (!v || p.error) return { error: p.error ?? { range: { start, end }, message: 'invalid expression' }, end: p.pos };
  p.skip();
  if (!partial && p.pos < end) {
    return { error: { range: { start: p.pos, end }, message: `expected an operator or end of expression, found ${p.found()}` }, end: p.pos };
  }
  return { result: v, end: p.pos };
}
