// 64-bit two's-complement arithmetic on pairs of 32-bit words, without BigInt.
// A value is (hi, lo), both held as int32 (`x | 0`) so they stay small integers in the engine.
// Operations with a 64-bit result write it to `out` (no allocation per operation).

/** Result of the last two-word operation. */
export const out = { hi: 0, lo: 0 };

/** Unsigned a < b. */
export const ltU = (ah: number, al: number, bh: number, bl: number): boolean =>
  ah !== bh ? ah >>> 0 < bh >>> 0 : al >>> 0 < bl >>> 0;
/** Unsigned a <= b. */
export const leU = (ah: number, al: number, bh: number, bl: number): boolean =>
  ah !== bh ? ah >>> 0 < bh >>> 0 : al >>> 0 <= bl >>> 0;
/** Signed a < b. */
export const ltS = (ah: number, al: number, bh: number, bl: number): boolean =>
  ah !== bh ? (ah | 0) < (bh | 0) : al >>> 0 < bl >>> 0;
/** Signed a <= b. */
export const leS = (ah: number, al: number, bh: number, bl: number): boolean =>
  ah !== bh ? (ah | 0) < (bh | 0) : al >>> 0 <= bl >>> 0;

/** a + b (mod 2^64); returns the carry out of bit 63. */
export function add(ah: number, al: number, bh: number, bl: number): boolean {
  const lo = (al >>> 0) + (bl >>> 0);
  const c = lo > 0xffff_ffff ? 1 : 0;
  const hi = (ah >>> 0) + (bh >>> 0) + c;
  out.lo = lo | 0;
  out.hi = hi | 0;
  return hi > 0xffff_ffff;
}

/** a - b (mod 2^64); returns the borrow (a < b unsigned). */
export function sub(ah: number, al: number, bh: number, bl: number): boolean {
  const lo = (al >>> 0) - (bl >>> 0);
  const b = lo < 0 ? 1 : 0;
  const hi = (ah >>> 0) - (bh >>> 0) - b;
  out.lo = lo | 0;
  out.hi = hi | 0;
  return hi < 0;
}

/** a + b overflows the signed 64-bit range (the sum itself is in `out`). */
export function addOverflowsS(ah: number, al: number, bh: number, bl: number): boolean {
  add(ah, al, bh, bl);
  return ((ah ^ out.hi) & (bh ^ out.hi)) < 0;
}

/** a - b overflows the signed 64-bit range (the difference itself is in `out`). */
export function subOverflowsS(ah: number, al: number, bh: number, bl: number): boolean {
  sub(ah, al, bh, bl);
  return ((ah ^ bh) & (ah ^ out.hi)) < 0;
}

/** Full product of two unsigned 32-bit numbers into `out`. */
function mul32x32(a: number, b: number): void {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0;
  const mid = a0 * b1 + a1 * b0 + (p00 >>> 16); // < 2^34, exact
  out.lo = ((mid & 0xffff) << 16) | (p00 & 0xffff);
  out.hi = (a1 * b1 + Math.floor(mid / 0x10000)) | 0;
}

/** a * b (mod 2^64). */
export function mul(ah: number, al: number, bh: number, bl: number): void {
  mul32x32(al >>> 0, bl >>> 0);
  const cross = (Math.imul(ah, bl) + Math.imul(al, bh)) | 0;
  out.hi = (out.hi + cross) | 0;
}

/** a << s (0 <= s < 64). */
export function shl(ah: number, al: number, s: number): void {
  if (s === 0) { out.hi = ah | 0; out.lo = al | 0; }
  else if (s < 32) { out.hi = (ah << s) | (al >>> (32 - s)); out.lo = al << s; }
  else { out.hi = al << (s - 32); out.lo = 0; }
}

/** a >> s, logical (0 <= s < 64). */
export function shr(ah: number, al: number, s: number): void {
  if (s === 0) { out.hi = ah | 0; out.lo = al | 0; }
  else if (s < 32) { out.lo = ((al >>> s) | (ah << (32 - s))) | 0; out.hi = (ah >>> s) | 0; }
  else { out.lo = (ah >>> (s - 32)) | 0; out.hi = 0; }
}

/** a >> s, arithmetic (0 <= s < 64). */
export function sar(ah: number, al: number, s: number): void {
  if (s === 0) { out.hi = ah | 0; out.lo = al | 0; }
  else if (s < 32) { out.lo = ((al >>> s) | (ah << (32 - s))) | 0; out.hi = ah >> s; }
  else { out.lo = ah >> (s - 32); out.hi = ah >> 31; }
}

/** Highest set bit, 1-based (0 for 0). */
export const fls = (hi: number, lo: number): number => (hi !== 0 ? 64 - Math.clz32(hi) : 32 - Math.clz32(lo));

/** The unsigned 64-bit value as a bigint. */
export const toU64 = (hi: number, lo: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
/** The signed 64-bit value as a bigint. */
export const toS64 = (hi: number, lo: number): bigint => (BigInt(hi | 0) << 32n) | BigInt(lo >>> 0);
/** Any bigint, wrapped to 64 bits, into `out`. */
export function fromBig(v: bigint): void {
  const u = BigInt.asUintN(64, v);
  out.hi = Number(u >> 32n) | 0;
  out.lo = Number(u & 0xffff_ffffn) | 0;
}
/** The value as a number when it is exactly representable (|x| <= 2^53), signed view. */
export const toNumberS = (hi: number, lo: number): number => (hi | 0) * 0x1_0000_0000 + (lo >>> 0);
