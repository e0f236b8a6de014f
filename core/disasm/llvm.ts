// Prints one instruction in LLVM's BPF syntax exactly as `llvm-objdump-19 -d --mcpu=v4` does,
// including which fields it ignores and which encodings it shows as `<unknown>`.
import type { Instruction } from '../isa';

export const UNKNOWN = '<unknown>';

const ALU_SYMBOLS: readonly (string | undefined)[] = [
  '+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', undefined, '%=', '^=', undefined, 's>>=',
];
const JMP_SYMBOLS: readonly (string | undefined)[] = [
  undefined, '==', '>', '>=', '&', '!=', 's>', 's>=', undefined, undefined, '<', '<=', 's<', 's<=',
];
const SIZE_NAMES = ['32', '16', '8', '64'];
const ATOMIC_SYMBOLS: Record<number, [string, string]> = {
  0x0: ['+=', 'add'], 0x4: ['|=', 'or'], 0x5: ['&=', 'and'], 0xa: ['^=', 'xor'],
};

/** Signed hexadecimal as LLVM prints immediates: `0x5`, `-0x1`. */
export function signedHex(v: number | bigint): string {
  if (typeof v === 'bigint') return v < 0n ? '-0x' + (-v).toString(16) : '0x' + v.toString(16);
  return v < 0 ? '-0x' + (-v).toString(16) : '0x' + v.toString(16);
}

/** A jump offset as LLVM prints it: `+0x3`, `-0x3`. */
export function jumpHex(v: number): string {
  return v < 0 ? '-0x' + (-v).toString(16) : '+0x' + v.toString(16);
}

/** How numbers are written: as objdump does (hex), or as people write source (small ones in decimal). */
export type NumberStyle = 'objdump' | 'source';

interface NumberFormat {
  imm(v: number | bigint): string;
  jump(v: number): string;
  /** Magnitude of a memory offset, after its sign. */
  magnitude(v: number): string;
}

const OBJDUMP: NumberFormat = { imm: signedHex, jump: jumpHex, magnitude: (v) => '0x' + v.toString(16) };

/** Decimal up to 4096 in magnitude, hexadecimal beyond (masks and addresses read better in hex). */
export function sourceNumber(v: number | bigint): string {
  const small = typeof v === 'bigint' ? v >= -4096n && v <= 4096n : v >= -4096 && v <= 4096;
  return small ? String(v) : signedHex(v);
}

const SOURCE: NumberFormat = {
  imm: sourceNumber,
  jump: (v) => (v < 0 ? sourceNumber(v) : '+' + sourceNumber(v)),
  magnitude: (v) => sourceNumber(v),
};

/** A jump offset in the given style, as printLlvm writes it. */
export function formatJump(v: number, style: NumberStyle = 'objdump'): string {
  return (style === 'source' ? SOURCE : OBJDUMP).jump(v);
}

/** Registers 0..11 exist in LLVM's BPF target (r11 is its internal stack register); 12..15 do not. */
const reg = (n: number): string | undefined => (n <= 11 ? 'r' + n : undefined);
const wreg = (n: number): string | undefined => (n <= 11 ? 'w' + n : undefined);

function mem(base: number, off: number, fmt: NumberFormat): string | undefined {
  const r = reg(base);
  if (r === undefined) return undefined;
  return off < 0 ? `${r} - ${fmt.magnitude(-off)}` : `${r} + ${fmt.magnitude(off)}`;
}

/**
 * The text llvm-objdump prints for an instruction, without the address or the `<sym+off>` of a
 * jump target; '<unknown>' when it cannot decode it. For ld_imm64 (`insn.hi` set) the second
 * slot's immediate is `hi`; its other fields are ignored, as objdump ignores them.
 */
export function printLlvm(insn: Instruction, options: { numbers?: NumberStyle } = {}): string {
  return printOrUndefined(insn, options.numbers === 'source' ? SOURCE : OBJDUMP) ?? UNKNOWN;
}

/** True when llvm-objdump decodes `code`/fields as the 16-byte ld_imm64 (else it takes 8 bytes). */
export function llvmDecodesAsWide(insn: Instruction): boolean {
  return insn.code === 0x18 && insn.off === 0 && insn.dst <= 11;
}

function printOrUndefined(insn: Instruction, fmt: NumberFormat): string | undefined {
  const { code, dst, src, off, imm } = insn;
  const cls = code & 7;
  const x = (code & 8) !== 0;
  switch (cls) {
    case 4: // ALU
    case 7: { // ALU64
      const is64 = cls === 7;
      const op = code >> 4;
      const R = is64 ? reg : wreg;
      const d = R(dst);
      if (d === undefined) return undefined;
      if (op === 0xd) {
        if (imm !== 16 && imm !== 32 && imm !== 64) return undefined;
        const name = is64 ? (x ? undefined : 'bswap') : x ? 'be' : 'le';
        if (!name) return undefined;
        return `r${dst} = ${name}${imm} r${dst}`;
      }
      if (op === 0x8) return x ? undefined : `${d} = -${d}`;
      if (op === 0xb) {
        if (!x) return off === 0 ? `${d} = ${fmt.imm(imm)}` : undefined;
        const s = R(src);
        if (s === undefined) return undefined;
        if (off === 0) return `${d} = ${s}`;
        if (off === 8 || off === 16 || (off === 32 && is64)) return `${d} = (s${off})${s}`;
        if (off === 1 && is64) {
          return `${d} = addr_space_cast(${s}, ${signedHex(imm >>> 16)}, ${signedHex(imm & 0xffff)})`;
        }
        return undefined;
      }
      let sym = ALU_SYMBOLS[op];
      if (sym === undefined) return undefined;
      if (op === 0x3 || op === 0x9) {
        if (off === 1) sym = 's' + sym;
        else if (off !== 0) return undefined;
      } else if (off !== 0) return undefined;
      if (!x) return `${d} ${sym} ${fmt.imm(imm)}`;
      const s = R(src);
      return s === undefined ? undefined : `${d} ${sym} ${s}`;
    }
    case 5: // JMP
    case 6: { // JMP32
      const is32 = cls === 6;
      const op = code >> 4;
      if (op === 0x0) {
        if (x) return undefined;
        return is32 ? `gotol ${fmt.jump(imm)}` : `goto ${fmt.jump(off)}`;
      }
      if (op === 0x8) {
        if (is32) return undefined;
        if (!x) return `call ${fmt.imm(imm)}`;
        const d = reg(dst);
        return d === undefined ? undefined : `callx ${d}`;
      }
      if (op === 0x9) return is32 || x || imm !== 0 ? undefined : 'exit';
      if (op === 0xe) return is32 || x ? undefined : `may_goto ${fmt.jump(off)}`;
      const sym = JMP_SYMBOLS[op];
      if (sym === undefined) return undefined;
      const R = is32 ? wreg : reg;
      const d = R(dst);
      if (d === undefined) return undefined;
      if (!x) return `if ${d} ${sym} ${fmt.imm(imm)} goto ${fmt.jump(off)}`;
      const s = R(src);
      return s === undefined ? undefined : `if ${d} ${sym} ${s} goto ${fmt.jump(off)}`;
    }
    case 0: { // LD
      if (code === 0x18) {
        if (!llvmDecodesAsWide(insn)) return undefined;
        if (src !== 0) return `ld_pseudo\tr${dst}, ${signedHex(src)}, 0x${(imm >>> 0).toString(16)}`;
        const v = (BigInt(insn.hi ?? 0) << 32n) | BigInt(imm >>> 0);
        return `r${dst} = ${fmt.imm(BigInt.asIntN(64, v))} ll`;
      }
      const mode = code & 0xe0;
      const size = (code >> 3) & 3;
      if (size === 3) return undefined;
      if (mode === 0x20) return `r0 = *(u${SIZE_NAMES[size]} *)skb[${fmt.imm(imm)}]`;
      if (mode === 0x40) {
        const s = reg(src);
        return s === undefined ? undefined : `r0 = *(u${SIZE_NAMES[size]} *)skb[${s}]`;
      }
      return undefined;
    }
    case 1: { // LDX
      const mode = code & 0xe0;
      const size = (code >> 3) & 3;
      const m = mem(src, off, fmt);
      if (m === undefined) return undefined;
      if (mode === 0x60) {
        const d = size === 3 ? reg(dst) : wreg(dst);
        return d === undefined ? undefined : `${d} = *(u${SIZE_NAMES[size]} *)(${m})`;
      }
      if (mode === 0x80 && size !== 3) {
        const d = reg(dst);
        return d === undefined ? undefined : `${d} = *(s${SIZE_NAMES[size]} *)(${m})`;
      }
      return undefined;
    }
    case 2: { // ST
      if ((code & 0xe0) !== 0x60) return undefined;
      const m = mem(dst, off, fmt);
      return m === undefined ? undefined : `*(u${SIZE_NAMES[(code >> 3) & 3]} *)(${m}) = ${fmt.imm(imm)}`;
    }
    case 3: { // STX
      const mode = code & 0xe0;
      const size = (code >> 3) & 3;
      const m = mem(dst, off, fmt);
      if (m === undefined) return undefined;
      if (mode === 0x60) {
        const s = size === 3 ? reg(src) : wreg(src);
        return s === undefined ? undefined : `*(u${SIZE_NAMES[size]} *)(${m}) = ${s}`;
      }
      if (mode !== 0xc0 || (size !== 0 && size !== 3)) return undefined;
      const is64 = size === 3;
      const s = is64 ? reg(src) : wreg(src);
      if (s === undefined) return undefined;
      const width = is64 ? 'u64' : 'u32';
      const low = imm & 0xff;
      if (low === 0xe1) return is64 ? `${s} = xchg_64(${m}, ${s})` : `${s} = xchg32_32(${m}, ${s})`;
      if (low === 0xf1) {
        return is64 ? `r0 = cmpxchg_64(${m}, r0, ${s})` : `w0 = cmpxchg32_32(${m}, w0, ${s})`;
      }
      const a = ATOMIC_SYMBOLS[low >> 4];
      if (!a) return undefined;
      if ((low & 0xf) === 1) return `${s} = atomic_fetch_${a[1]}((${width} *)(${m}), ${s})`;
      return `lock *(${width} *)(${m}) ${a[0]} ${s}`;
    }
  }
  return undefined;
}
