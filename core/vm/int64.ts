// 64-bit integer arithmetic on (lo, hi) pairs of signed 32-bit halves, the VM's register format.
// Functions returning a 64-bit value return the low half and leave the high half in `out.hi`.

export const out = { hi: 0 };

const TWO32 = 4294967296;

/** Low 64 bits of a * b. */
export function mul64(al: number, ah: number, bl: number, bh: number): number {
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const carry = a1 * b1 + Math.floor(p01 / 65536) + Math.floor(p10 / 65536) + Math.floor(mid / 65536);
  out.hi = (carry + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
  return Math.imul(al, bl);
}

export const toBig = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
export const toSignedBig = (lo: number, hi: number): bigint => BigInt.asIntN(64, toBig(lo, hi));

/** Stores a bigint (any sign; taken modulo 2^64): returns lo, hi in out.hi. */
export function fromBig(v: bigint): number {
  const u = BigInt.asUintN(64, v);
  out.hi = Number(u >> 32n) | 0;
  return Number(u & 0xffffffffn) | 0;
}

/** Unsigned 64-bit division; a zero divisor gives 0 (RFC 9669). */
export function udiv64(al: number, ah: number, bl: number, bh: number): number {
  if (bl === 0 && bh === 0) { out.hi = 0; return 0; }
  if (ah === 0 && bh === 0) { out.hi = 0; return ((al >>> 0) / (bl >>> 0)) | 0; }
  return fromBig(toBig(al, ah) / toBig(bl, bh));
}

/** Unsigned 64-bit modulo; a zero divisor leaves the dividend (RFC 9669). */
export function umod64(al: number, ah: number, bl: number, bh: number): number {
  if (bl === 0 && bh === 0) { out.hi = ah; return al; }
  if (ah === 0 && bh === 0) { out.hi = 0; return ((al >>> 0) % (bl >>> 0)) | 0; }
  return fromBig(toBig(al, ah) % toBig(bl, bh));
}

/** Signed 64-bit division truncating toward zero; /0 gives 0, LLONG_MIN/-1 gives LLONG_MIN. */
export function sdiv64(al: number, ah: number, bl: number, bh: number): number {
  if (bl === 0 && bh === 0) { out.hi = 0; return 0; }
  return fromBig(toSignedBig(al, ah) / toSignedBig(bl, bh));
}

/** Signed 64-bit modulo with the dividend's sign; %0 leaves the dividend, LLONG_MIN%-1 gives 0. */
export function smod64(al: number, ah: number, bl: number, bh: number): number {
  if (bl === 0 && bh === 0) { out.hi = ah; return al; }
  return fromBig(toSignedBig(al, ah) % toSignedBig(bl, bh));
}

export function udiv32(a: number, b: number): number {
  return b === 0 ? 0 : ((a >>> 0) / (b >>> 0)) | 0;
}
export function umod32(a: number, b: number): number {
  return b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0;
}
export function sdiv32(a: number, b: number): number {
  return b === 0 ? 0 : Math.trunc((a | 0) / (b | 0)) | 0;
}
export function smod32(a: number, b: number): number {
  return b === 0 ? a : ((a | 0) % (b | 0)) | 0;
}

export function lsh64(l: number, h: number, n: number): number {
  n &= 63;
  if (n === 0) { out.hi = h; return l; }
  if (n < 32) { out.hi = (h << n) | (l >>> (32 - n)); return l << n; }
  out.hi = l << (n - 32);
  return 0;
}
export function rsh64(l: number, h: number, n: number): number {
  n &= 63;
  if (n === 0) { out.hi = h; return l; }
  if (n < 32) { out.hi = h >>> n; return (l >>> n) | (h << (32 - n)); }
  out.hi = 0;
  return (h >>> (n - 32)) | 0;
}
export function arsh64(l: number, h: number, n: number): number {
  n &= 63;
  if (n === 0) { out.hi = h; return l; }
  if (n < 32) { out.hi = h >> n; return (l >>> n) | (h << (32 - n)); }
  out.hi = h >> 31;
  return h >> (n - 32);
}

export const bswap16 = (x: number): number => ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
export const bswap32 = (x: number): number =>
  ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | ((x >>> 24) & 0xff);

/** Unsigned 64-bit value as a number when exact (< 2^53), for sizes and counts. */
export const toNumber = (lo: number, hi: number): number => (hi >>> 0) * TWO32 + (lo >>> 0);

/** `0x` + lowercase hex of the unsigned 64-bit value, without leading zeros. */
export function hex64(lo: number, hi: number): string {
  if (hi === 0) return '0x' + (lo >>> 0).toString(16);
  return '0x' + (hi >>> 0).toString(16) + (lo >>> 0).toString(16).padStart(8, '0');
}
