// Tristate numbers: a 64-bit value whose bits are each known 0, known 1, or unknown (mask bit set).
// All quantities are unsigned 64-bit bigints.

export const U64_MAX = 0xffff_ffff_ffff_ffffn;
export const U32_MAX = 0xffff_ffffn;

export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

export const tnum = (value: bigint, mask: bigint): Tnum => ({ value, mask });
export const tnumConst = (v: bigint): Tnum => ({ value: BigInt.asUintN(64, v), mask: 0n });
export const TNUM_UNKNOWN: Tnum = { value: 0n, mask: U64_MAX };
export const TNUM_ZERO: Tnum = { value: 0n, mask: 0n };

export const tnumIsConst = (a: Tnum): boolean => a.mask === 0n;
export const tnumIsUnknown = (a: Tnum): boolean => a.mask === U64_MAX;
export const tnumEquals = (a: Tnum, b: Tnum, c = 0n): boolean => a.value === b.value && a.mask === b.mask && c === 0n;

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);

/** Highest bit set in x, 1-based (0 for x = 0). */
function fls64(x: bigint): number {
  if (x === 0n) return 0;
  const hi = Number(x >> 32n);
  if (hi) return 64 - Math.clz32(hi);
  return 32 - Math.clz32(Number(x));
}

/** The tnum of every value in [min, max]. */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = min ^ max;
  const bits = fls64(chi);
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return { value: min & ~delta & U64_MAX, mask: delta };
}

export const tnumLshift = (a: Tnum, s: number): Tnum => ({ value: u64(a.value << BigInt(s)), mask: u64(a.mask << BigInt(s)) });
export const tnumRshift = (a: Tnum, s: number): Tnum => ({ value: a.value >> BigInt(s), mask: a.mask >> BigInt(s) });

export function tnumArshift(a: Tnum, s: number, bits: 32 | 64): Tnum {
  if (bits === 32) {
    const v = BigInt.asIntN(32, a.value) >> BigInt(s);
    const m = BigInt.asIntN(32, a.mask) >> BigInt(s);
    return { value: BigInt.asUintN(32, v), mask: BigInt.asUintN(32, m) };
  }
  return { value: u64(BigInt.asIntN(64, a.value) >> BigInt(s)), mask: u64(BigInt.asIntN(64, a.mask) >> BigInt(s)) };
}

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = u64(a.mask + b.mask);
  const sv = u64(a.value + b.value);
  const sigma = u64(sm + sv);
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return { value: sv & ~mu & U64_MAX, mask: mu };
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = u64(a.value - b.value);
  const alpha = u64(dv + a.mask);
  const beta = u64(dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return { value: dv & ~mu & U64_MAX, mask: mu };
}

export function tnumNeg(a: Tnum): Tnum {
  return tnumSub(TNUM_ZERO, a);
}

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return { value: v, mask: alpha & beta & ~v & U64_MAX };
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return { value: v, mask: mu & ~v & U64_MAX };
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return { value: v & ~mu & U64_MAX, mask: mu };
}

/**
 * Multiplication by shift-and-add: a certain 1 bit of `a` adds the shifted `b`; an unknown bit
 * takes the union of adding it and not adding it.
 */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  let acc: Tnum = TNUM_ZERO;
  let x = a;
  let y = b;
  while (x.value !== 0n || x.mask !== 0n) {
    if ((x.value & 1n) !== 0n) acc = tnumAdd(acc, y);
    else if ((x.mask & 1n) !== 0n) acc = tnumUnion(acc, tnumAdd(acc, y));
    x = tnumRshift(x, 1);
    y = tnumLshift(y, 1);
  }
  return acc;
}

/** The tnum of every value either a or b allows. */
export function tnumUnion(a: Tnum, b: Tnum): Tnum {
  const v = a.value & b.value;
  const mu = (a.value ^ b.value) | a.mask | b.mask;
  return { value: v & ~mu & U64_MAX, mask: mu };
}

export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return { value: v & ~mu & U64_MAX, mask: mu };
}

export function tnumCast(a: Tnum, size: number): Tnum {
  const m = (1n << BigInt(size * 8)) - 1n;
  return { value: a.value & m, mask: a.mask & m };
}

/** True when every value b can take, a can take too. */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if ((b.mask & ~a.mask & U64_MAX) !== 0n) return false;
  return a.value === (b.value & ~a.mask & U64_MAX);
}

export const tnumSubreg = (a: Tnum): Tnum => tnumCast(a, 4);
export const tnumClearSubreg = (a: Tnum): Tnum => tnumLshift(tnumRshift(a, 32), 32);
export const tnumWithSubreg = (reg: Tnum, sub: Tnum): Tnum => tnumOr(tnumClearSubreg(reg), tnumSubreg(sub));
export const tnumConstSubreg = (a: Tnum, v: bigint): Tnum => tnumWithSubreg(a, tnumConst(v));

export function tnumStr(a: Tnum): string {
  return `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
}

export function tnumSext(a: Tnum, bits: number): Tnum {
  // Sign-extend from `bits` when the sign bit is known; otherwise the upper bits become unknown.
  const sign = 1n << BigInt(bits - 1);
  const low = (1n << BigInt(bits)) - 1n;
  const v = a.value & low;
  const m = a.mask & low;
  if ((m & sign) !== 0n) return { value: v, mask: m | (U64_MAX & ~low) };
  if ((v & sign) !== 0n) return { value: v | (U64_MAX & ~low), mask: m };
  return { value: v, mask: m };
}

/** The tnum of the low `bits` bits with their bytes in reverse order. */
export function tnumBswap(a: Tnum, bits: number): Tnum {
  const swap = (x: bigint): bigint => {
    let out = 0n;
    for (let i = 0; i < bits / 8; i++) out = (out << 8n) | ((x >> BigInt(8 * i)) & 0xffn);
    return out;
  };
  return { value: swap(a.value), mask: swap(a.mask) };
}
