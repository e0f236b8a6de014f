// Expressions over the stopped program's state, for breakpoint conditions, logpoints, watch, hover
// and the REPL: registers (r0-r10, w0-w10), numbers, C operators, memory loads `*(u32 *)(r10 - 4)`
// and map elements `counters[0]`. Values are unsigned 64-bit; `s<`, `s>`, `s<=`, `s>=` compare signed.

export interface EvalHost {
  /** Register N (0-10) as an unsigned 64-bit value. */
  register(n: number): bigint;
  /** Memory bytes at an address, or why they cannot be read. */
  read(addr: bigint, size: number): Uint8Array | string;
  /** A map element's value bytes (current CPU) and address; a string error; undefined when there is no such map. */
  mapElement(name: string, key: bigint): { bytes: Uint8Array; address?: bigint } | string | undefined;
  /** A context field (`ctx->mark`, `ctx->cb[1]`); a string error; undefined when there is no such field. */
  contextField?(name: string, index?: number): bigint | string | undefined;
}

export interface EvalValue {
  value: bigint;
  /** Set when the expression names bytes (a map value): the whole value, which may be wider than 8 bytes. */
  bytes?: Uint8Array;
  /** Where those bytes live (for memory references). */
  address?: bigint;
}

export class EvalError extends Error {}

const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const S64 = (v: bigint): bigint => BigInt.asIntN(64, v);

/** Little-endian integer of up to 8 bytes. */
export function leInt(bytes: Uint8Array, signed = false): bigint {
  let v = 0n;
  const n = Math.min(8, bytes.length);
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return signed && n > 0 ? BigInt.asIntN(n * 8, v) : v;
}

const TYPES: Record<string, { size: number; signed: boolean }> = {
  u8: { size: 1, signed: false }, u16: { size: 2, signed: false }, u32: { size: 4, signed: false }, u64: { size: 8, signed: false },
  s8: { size: 1, signed: true }, s16: { size: 2, signed: true }, s32: { size: 4, signed: true }, s64: { size: 8, signed: true },
  __u8: { size: 1, signed: false }, __u16: { size: 2, signed: false }, __u32: { size: 4, signed: false }, __u64: { size: 8, signed: false },
  char: { size: 1, signed: true }, short: { size: 2, signed: true }, int: { size: 4, signed: true }, long: { size: 8, signed: true },
};

type Token = { kind: 'num'; value: bigint; at: number } | { kind: 'id'; text: string; at: number } | { kind: 'op'; text: string; at: number };

const OPS = ['s<=', 's>=', 's<', 's>', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '->', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '<', '>', '(', ')', '[', ']', '?', ':'];

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const num = /^(0x[0-9a-f]+|0b[01]+|0o[0-7]+|[0-9]+)(ull|ul|u|ll|l)?/i.exec(text.slice(i));
    if (num) {
      out.push({ kind: 'num', value: BigInt(num[1]!), at: i });
      i += num[0].length;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      out.push({ kind: 'op', text: op, at: i });
      i += op.length;
      continue;
    }
    const id = /^[A-Za-z_.$][\w.$]*/.exec(text.slice(i));
    if (id) {
      out.push({ kind: 'id', text: id[0], at: i });
      i += id[0].length;
      continue;
    }
    throw new EvalError(`unexpected '${c}' at column ${i + 1}`);
  }
  return out;
}

const BINARY: { ops: string[] }[] = [
  { ops: ['||'] }, { ops: ['&&'] }, { ops: ['|'] }, { ops: ['^'] }, { ops: ['&'] }, { ops: ['==', '!='] },
  { ops: ['<', '>', '<=', '>=', 's<', 's>', 's<=', 's>='] }, { ops: ['<<', '>>'] }, { ops: ['+', '-'] }, { ops: ['*', '/', '%'] },
];

class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[], private readonly host: EvalHost, private readonly text: string) {}

  parseAll(): EvalValue {
    if (!this.toks.length) throw new EvalError('empty expression');
    const v = this.ternary();
    const t = this.toks[this.pos];
    if (t) throw new EvalError(`unexpected '${t.kind === 'num' ? t.value : t.text}' at column ${t.at + 1}`);
    return v;
  }

  private fieldAfterArrow(): string {
    this.pos++;
    const f = this.toks[this.pos];
    if (f?.kind !== 'id') throw new EvalError('expected a field name after ctx->');
    this.pos++;
    return f.text;
  }

  /** `ctx->name` or `ctx->name[index]`, read as the program would. */
  private contextField(name: string): EvalValue {
    let index: number | undefined;
    if (this.peekOp('[')) {
      this.pos++;
      index = Number(this.ternary().value);
      this.expect(']');
    }
    const v = this.host.contextField?.(name, index);
    if (v === undefined) throw new EvalError(`the context has no field '${name}'`);
    if (typeof v === 'string') throw new EvalError(v);
    return { value: v };
  }

  private peekOp(...ops: string[]): string | undefined {
    const t = this.toks[this.pos];
    return t?.kind === 'op' && ops.includes(t.text) ? t.text : undefined;
  }

  private expect(op: string): void {
    if (!this.peekOp(op)) {
      const t = this.toks[this.pos];
      throw new EvalError(`expected '${op}' ${t ? `at column ${t.at + 1}` : 'at the end'} in '${this.text}'`);
    }
    this.pos++;
  }

  private ternary(): EvalValue {
    const c = this.binary(0);
    if (!this.peekOp('?')) return c;
    this.pos++;
    const a = this.ternary();
    this.expect(':');
    const b = this.ternary();
    return c.value !== 0n ? a : b;
  }

  private binary(level: number): EvalValue {
    if (level >= BINARY.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const op = this.peekOp(...BINARY[level]!.ops);
      if (!op) return left;
      this.pos++;
      const right = this.binary(level + 1);
      left = { value: applyBinary(op, left.value, right.value) };
    }
  }

  private unary(): EvalValue {
    const op = this.peekOp('-', '~', '!', '+', '*', '&');
    if (op === '*') {
      this.pos++;
      let type = TYPES.u64!;
      // `*(u32 *)(expr)`: a cast to a pointer type, then the address.
      const t1 = this.toks[this.pos], t2 = this.toks[this.pos + 1];
      if (t1?.kind === 'op' && t1.text === '(' && t2?.kind === 'id' && TYPES[t2.text]) {
        this.pos += 2;
        type = TYPES[t2.text]!;
        this.expect('*');
        this.expect(')');
      }
      const addr = this.unary().value;
      const bytes = this.host.read(addr, type.size);
      if (typeof bytes === 'string') throw new EvalError(`cannot read ${type.size} bytes at 0x${addr.toString(16)}: ${bytes}`);
      return { value: U64(leInt(bytes, type.signed)), bytes, address: addr };
    }
    if (op === '&') {
      this.pos++;
      const v = this.unary();
      if (v.address === undefined) throw new EvalError('& needs something in memory (a load or a map element)');
      return { value: v.address };
    }
    if (op) {
      this.pos++;
      const v = this.unary().value;
      if (op === '-') return { value: U64(-v) };
      if (op === '~') return { value: U64(~v) };
      if (op === '!') return { value: v === 0n ? 1n : 0n };
      return { value: v };
    }
    return this.postfix();
  }

  private postfix(): EvalValue {
    const t = this.toks[this.pos];
    if (!t) throw new EvalError(`'${this.text}' ends too early`);
    if (t.kind === 'num') { this.pos++; return { value: U64(t.value) }; }
    if (t.kind === 'op' && t.text === '(') {
      this.pos++;
      const v = this.ternary();
      this.expect(')');
      return v;
    }
    if (t.kind === 'id') {
      this.pos++;
      const field = t.text === 'ctx' && this.peekOp('->') ? this.fieldAfterArrow() : t.text.startsWith('ctx.') ? t.text.slice(4) : undefined;
      if (field !== undefined) return this.contextField(field);
      const reg = /^%?([rw])(10|[0-9])$/.exec(t.text);
      if (reg) {
        const v = this.host.register(Number(reg[2]));
        return { value: reg[1] === 'w' ? v & 0xffffffffn : v };
      }
      if (this.peekOp('[')) {
        this.pos++;
        const key = this.ternary().value;
        this.expect(']');
        const el = this.host.mapElement(t.text, key);
        if (el === undefined) throw new EvalError(`no map named '${t.text}'`);
        if (typeof el === 'string') throw new EvalError(el);
        return { value: leInt(el.bytes), bytes: el.bytes, address: el.address };
      }
      throw new EvalError(`unknown name '${t.text}' (registers are r0-r10 and w0-w10; maps are indexed as name[key])`);
    }
    throw new EvalError(`unexpected '${t.text}' at column ${t.at + 1}`);
  }
}

function applyBinary(op: string, a: bigint, b: bigint): bigint {
  const bool = (x: boolean): bigint => (x ? 1n : 0n);
  switch (op) {
    case '||': return bool(a !== 0n || b !== 0n);
    case '&&': return bool(a !== 0n && b !== 0n);
    case '|': return a | b;
    case '^': return a ^ b;
    case '&': return a & b;
    case '==': return bool(a === b);
    case '!=': return bool(a !== b);
    case '<': return bool(a < b);
    case '>': return bool(a > b);
    case '<=': return bool(a <= b);
    case '>=': return bool(a >= b);
    case 's<': return bool(S64(a) < S64(b));
    case 's>': return bool(S64(a) > S64(b));
    case 's<=': return bool(S64(a) <= S64(b));
    case 's>=': return bool(S64(a) >= S64(b));
    case '<<': return U64(a << (b & 63n));
    case '>>': return a >> (b & 63n);
    case '+': return U64(a + b);
    case '-': return U64(a - b);
    case '*': return U64(a * b);
    case '/': if (b === 0n) throw new EvalError('division by zero'); return a / b;
    case '%': if (b === 0n) throw new EvalError('modulo by zero'); return a % b;
  }
  throw new EvalError(`unknown operator ${op}`);
}

/** Evaluates an expression; throws EvalError with a message fit for the user. */
export function evaluateExpression(text: string, host: EvalHost): EvalValue {
  return new Parser(tokenize(text), host, text.trim()).parseAll();
}

/** `0x2a (42)`, with the signed reading when negative as a 64-bit value. */
export function formatNumber(v: bigint): string {
  const s = BigInt.asIntN(64, v);
  return `0x${v.toString(16)} (${s < 0n ? `${v} / ${s}` : v})`;
}

/**
 * A logpoint message with `{expr}` or `{expr:fmt}` replaced by values: fmt x (hex), d (signed),
 * u (unsigned, the default), b (binary). An expression that fails shows its error in angle brackets.
 */
export function formatLogMessage(template: string, host: EvalHost): string {
  return template.replace(/\{([^{}]+?)(?::([xdub]))?\}/g, (_all, expr: string, fmt: string | undefined) => {
    try {
      const v = evaluateExpression(expr, host).value;
      if (fmt === 'x') return '0x' + v.toString(16);
      if (fmt === 'd') return BigInt.asIntN(64, v).toString();
      if (fmt === 'b') return '0b' + v.toString(2);
      return v.toString();
    } catch (e) {
      return `<${e instanceof Error ? e.message : String(e)}>`;
    }
  });
}
