// The scalar domain: a tnum plus signed/unsigned 64- and 32-bit bounds, kept consistent as the
// kernel keeps them (update from tnum, deduce across widths, tighten the tnum from bounds).
// Every 64-bit quantity is a pair of int32 words (hi, lo) in plain fields (see word64.ts), so the
// hot paths allocate nothing; the bigint views (smin, umax, varOff ...) are for the rest.
import { type Tnum, tnumBswap, tnumMul, tnumRange } from './tnum';
import * as W from './word64';

// Bound once: outside a bundle every use of an imported name is a property read through a getter.
const { addOverflowsS, add, fromBig, leS, leU, ltS, ltU, out, sar, shl, shr, sub, subOverflowsS, toNumberS, toS64, toU64 } = W;

export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const S32_MIN = -(2 ** 31);
export const S32_MAX = 2 ** 31 - 1;
const U32 = 2 ** 32 - 1;
/** hi word of S64_MIN / S64_MAX */
const MIN_HI = -0x8000_0000;
const MAX_HI = 0x7fff_ffff;

/** Scalar part of a register (for pointers: the variable offset). */
export class Scalar {
  // Declared, not initialised: the constructor writes each field once (a copy or the unknown value).
  /** var_off: value and mask words */
  declare vHi: number; declare vLo: number; declare mHi: number; declare mLo: number;
  declare sminHi: number; declare sminLo: number; declare smaxHi: number; declare smaxLo: number;
  declare uminHi: number; declare uminLo: number; declare umaxHi: number; declare umaxLo: number;
  declare s32min: number; declare s32max: number;
  /** u32 bounds as int32 bit patterns (`u32min`/`u32max` give them unsigned) */
  declare u32minW: number; declare u32maxW: number;

  /** A copy of `src`, or an unknown scalar. */
  constructor(src?: Scalar) {
    if (src === undefined) {
      this.vHi = 0; this.vLo = 0; this.mHi = -1; this.mLo = -1;
      this.sminHi = MIN_HI; this.sminLo = 0; this.smaxHi = MAX_HI; this.smaxLo = -1;
      this.uminHi = 0; this.uminLo = 0; this.umaxHi = -1; this.umaxLo = -1;
      this.s32min = S32_MIN; this.s32max = S32_MAX; this.u32minW = 0; this.u32maxW = -1;
    } else {
      this.vHi = src.vHi; this.vLo = src.vLo; this.mHi = src.mHi; this.mLo = src.mLo;
      this.sminHi = src.sminHi; this.sminLo = src.sminLo; this.smaxHi = src.smaxHi; this.smaxLo = src.smaxLo;
      this.uminHi = src.uminHi; this.uminLo = src.uminLo; this.umaxHi = src.umaxHi; this.umaxLo = src.umaxLo;
      this.s32min = src.s32min; this.s32max = src.s32max; this.u32minW = src.u32minW; this.u32maxW = src.u32maxW;
    }
  }

  get u32min(): number { return this.u32minW >>> 0; }
  set u32min(v: number) { this.u32minW = v | 0; }
  get u32max(): number { return this.u32maxW >>> 0; }
  set u32max(v: number) { this.u32maxW = v | 0; }
  get varOff(): Tnum { return { value: toU64(this.vHi, this.vLo), mask: toU64(this.mHi, this.mLo) }; }
  set varOff(t: Tnum) {
    fromBig(t.value); this.vHi = out.hi; this.vLo = out.lo;
    fromBig(t.mask); this.mHi = out.hi; this.mLo = out.lo;
  }
  get smin(): bigint { return toS64(this.sminHi, this.sminLo); }
  set smin(v: bigint) { fromBig(v); this.sminHi = out.hi; this.sminLo = out.lo; }
  get smax(): bigint { return toS64(this.smaxHi, this.smaxLo); }
  set smax(v: bigint) { fromBig(v); this.smaxHi = out.hi; this.smaxLo = out.lo; }
  get umin(): bigint { return toU64(this.uminHi, this.uminLo); }
  set umin(v: bigint) { fromBig(v); this.uminHi = out.hi; this.uminLo = out.lo; }
  get umax(): bigint { return toU64(this.umaxHi, this.umaxLo); }
  set umax(v: bigint) { fromBig(v); this.umaxHi = out.hi; this.umaxLo = out.lo; }
}

export function markUnbounded64(r: Scalar): void {
  r.sminHi = MIN_HI; r.sminLo = 0; r.smaxHi = MAX_HI; r.smaxLo = -1;
  r.uminHi = 0; r.uminLo = 0; r.umaxHi = -1; r.umaxLo = -1;
}

function markUnbounded32(r: Scalar): void {
  r.s32min = S32_MIN; r.s32max = S32_MAX; r.u32minW = 0; r.u32maxW = -1;
}

export function markUnbounded(r: Scalar): void {
  markUnbounded64(r);
  markUnbounded32(r);
}

export function markUnknown(r: Scalar): void {
  r.vHi = 0; r.vLo = 0; r.mHi = -1; r.mLo = -1;
  markUnbounded(r);
}

/** The register holds exactly the 64-bit value (hi, lo). */
export function markKnownWords(r: Scalar, hi: number, lo: number): void {
  r.vHi = hi; r.vLo = lo; r.mHi = 0; r.mLo = 0;
  r.sminHi = hi; r.sminLo = lo; r.smaxHi = hi; r.smaxLo = lo;
  r.uminHi = hi; r.uminLo = lo; r.umaxHi = hi; r.umaxLo = lo;
  r.s32min = lo; r.s32max = lo; r.u32minW = lo; r.u32maxW = lo;
}

export function markKnown(r: Scalar, v: bigint): void {
  fromBig(v);
  markKnownWords(r, out.hi, out.lo);
}

/** The low 32 bits are exactly lo (the upper tnum half is kept). */
function markKnown32(r: Scalar, lo: number): void {
  r.vLo = lo; r.mLo = 0;
  r.s32min = lo; r.s32max = lo; r.u32minW = lo; r.u32maxW = lo;
}

export const isConst = (r: Scalar): boolean => (r.mHi | r.mLo) === 0;
export const isConst32 = (r: Scalar): boolean => r.mLo === 0;
export const constValue = (r: Scalar): bigint => toU64(r.vHi, r.vLo);
/** The constant as a signed number, rounded as Number(bigint) rounds beyond 2^53. */
export const signedConst = (r: Scalar): number => toNumberS(r.vHi, r.vLo);
/** smin / smax as numbers, rounded as Number(bigint) rounds beyond 2^53. */
export const sminNumber = (r: Scalar): number => toNumberS(r.sminHi, r.sminLo);
export const smaxNumber = (r: Scalar): number => toNumberS(r.smaxHi, r.smaxLo);
/** smin = smax and umin = umax. */
export const bounds64Exact = (r: Scalar): boolean =>
  r.sminHi === r.smaxHi && r.sminLo === r.smaxLo && r.uminHi === r.umaxHi && r.uminLo === r.umaxLo;
/** smin > smax or umin > umax. */
export const bounds64Invalid = (r: Scalar): boolean =>
  ltS(r.smaxHi, r.smaxLo, r.sminHi, r.sminLo) || ltU(r.umaxHi, r.umaxLo, r.uminHi, r.uminLo);
/** smin = S64_MIN. */
export const sminUnbounded = (r: Scalar): boolean => r.sminHi === MIN_HI && r.sminLo === 0;
/** A known constant 0. */
export const isZero = (r: Scalar): boolean => (r.mHi | r.mLo | r.vHi | r.vLo) === 0;

export function copyScalar(dst: Scalar, src: Scalar): void {
  dst.vHi = src.vHi; dst.vLo = src.vLo; dst.mHi = src.mHi; dst.mLo = src.mLo;
  dst.sminHi = src.sminHi; dst.sminLo = src.sminLo; dst.smaxHi = src.smaxHi; dst.smaxLo = src.smaxLo;
  dst.uminHi = src.uminHi; dst.uminLo = src.uminLo; dst.umaxHi = src.umaxHi; dst.umaxLo = src.umaxLo;
  dst.s32min = src.s32min; dst.s32max = src.s32max; dst.u32minW = src.u32minW; dst.u32maxW = src.u32maxW;
}

// ---------------------------------------------------------------- bounds <-> tnum

function update32(r: Scalar): void {
  const v = r.vLo;
  const m = r.mLo;
  const smin = v | (m & 0x8000_0000);
  const smax = v | (m & 0x7fff_ffff);
  if (smin > r.s32min) r.s32min = smin;
  if (smax < r.s32max) r.s32max = smax;
  if (v >>> 0 > r.u32minW >>> 0) r.u32minW = v;
  if ((v | m) >>> 0 < r.u32maxW >>> 0) r.u32maxW = v | m;
}

function update64(r: Scalar): void {
  const vh = r.vHi, vl = r.vLo, mh = r.mHi, ml = r.mLo;
  let h = vh | (mh & 0x8000_0000);
  if (ltS(r.sminHi, r.sminLo, h, vl)) { r.sminHi = h; r.sminLo = vl; }
  h = vh | (mh & 0x7fff_ffff);
  let l = vl | ml;
  if (ltS(h, l, r.smaxHi, r.smaxLo)) { r.smaxHi = h; r.smaxLo = l; }
  if (ltU(r.uminHi, r.uminLo, vh, vl)) { r.uminHi = vh; r.uminLo = vl; }
  h = vh | mh;
  if (ltU(h, l, r.umaxHi, r.umaxLo)) { r.umaxHi = h; r.umaxLo = l; }
}

function deduce32(r: Scalar): void {
  if (r.uminHi === r.umaxHi) {
    const lo = r.uminLo, hi = r.umaxLo;
    if (lo >>> 0 > r.u32minW >>> 0) r.u32minW = lo;
    if (hi >>> 0 < r.u32maxW >>> 0) r.u32maxW = hi;
    if (lo <= hi) {
      if (lo > r.s32min) r.s32min = lo;
      if (hi < r.s32max) r.s32max = hi;
    }
  }
  if (r.sminHi === r.smaxHi) {
    const lo = r.sminLo, hi = r.smaxLo;
    if (lo >>> 0 <= hi >>> 0) {
      if (lo >>> 0 > r.u32minW >>> 0) r.u32minW = lo;
      if (hi >>> 0 < r.u32maxW >>> 0) r.u32maxW = hi;
    }
    if (lo <= hi) {
      if (lo > r.s32min) r.s32min = lo;
      if (hi < r.s32max) r.s32max = hi;
    }
  }
  // upper halves two consecutive values while the low halves go from negative to non-negative:
  // the low halves still form a signed 32-bit range ([-1, 1] in 64 bits is [-1, 1] in 32)
  if (((r.uminHi + 1) | 0) === r.umaxHi && r.uminLo < 0 && r.umaxLo >= 0) {
    if (r.uminLo > r.s32min) r.s32min = r.uminLo;
    if (r.umaxLo < r.s32max) r.s32max = r.umaxLo;
  }
  if (((r.sminHi + 1) | 0) === r.smaxHi && r.sminLo < 0 && r.smaxLo >= 0) {
    if (r.sminLo > r.s32min) r.s32min = r.sminLo;
    if (r.smaxLo < r.s32max) r.s32max = r.smaxLo;
  }
  const ul = r.u32minW, uh = r.u32maxW;
  if (ul <= uh) {
    if (ul > r.s32min) r.s32min = ul;
    if (uh < r.s32max) r.s32max = uh;
  }
  const sl = r.s32min >>> 0, sh = r.s32max >>> 0;
  if (sl <= sh) {
    if (sl > r.u32minW >>> 0) r.u32minW = sl | 0;
    if (sh < r.u32maxW >>> 0) r.u32maxW = sh | 0;
  }
}

function deduce64(r: Scalar): void {
  if (leS(r.uminHi, r.uminLo, r.umaxHi, r.umaxLo)) {
    if (ltS(r.sminHi, r.sminLo, r.uminHi, r.uminLo)) { r.sminHi = r.uminHi; r.sminLo = r.uminLo; }
    if (ltS(r.umaxHi, r.umaxLo, r.smaxHi, r.smaxLo)) { r.smaxHi = r.umaxHi; r.smaxLo = r.umaxLo; }
  }
  if (leU(r.sminHi, r.sminLo, r.smaxHi, r.smaxLo)) {
    if (ltU(r.uminHi, r.uminLo, r.sminHi, r.sminLo)) { r.uminHi = r.sminHi; r.uminLo = r.sminLo; }
    if (ltU(r.smaxHi, r.smaxLo, r.umaxHi, r.umaxLo)) { r.umaxHi = r.smaxHi; r.umaxLo = r.smaxLo; }
  } else if (ltU(r.umaxHi, r.umaxLo, r.sminHi, r.sminLo)) {
    // the signed range wraps; the unsigned one lies in its non-negative part only
    r.sminHi = r.uminHi; r.sminLo = r.uminLo;
    if (ltU(r.smaxHi, r.smaxLo, r.umaxHi, r.umaxLo)) { r.umaxHi = r.smaxHi; r.umaxLo = r.smaxLo; }
  } else if (ltU(r.smaxHi, r.smaxLo, r.uminHi, r.uminLo)) {
    // ... or in its negative part only
    r.smaxHi = r.umaxHi; r.smaxLo = r.umaxLo;
    if (ltU(r.uminHi, r.uminLo, r.sminHi, r.sminLo)) { r.uminHi = r.sminHi; r.uminLo = r.sminLo; }
  }
}

/** S32_MIN <= smin and smax <= S32_MAX. */
const smallS64 = (r: Scalar): boolean =>
  leS(-1, 0x8000_0000 | 0, r.sminHi, r.sminLo) && leS(r.smaxHi, r.smaxLo, 0, 0x7fff_ffff);

function deduceMixed(r: Scalar): void {
  if (r.u32minW === 0 && r.u32maxW === -1) {
    // full 32-bit range: nothing to learn for the 64-bit bounds from it
    if (r.s32min >= 0 && smallS64(r)) mixedSmall(r);
    return;
  }
  // the 64-bit bounds with their low word replaced by the 32-bit bound, where that is tighter
  const lo = r.u32minW >>> 0, hi = r.u32maxW >>> 0;
  if (lo > r.uminLo >>> 0) r.uminLo = lo | 0;
  if (hi < r.umaxLo >>> 0) r.umaxLo = hi | 0;
  if (lo > r.sminLo >>> 0) r.sminLo = lo | 0;
  if (hi < r.smaxLo >>> 0) r.smaxLo = hi | 0;
  if (r.s32min >= 0 && smallS64(r)) mixedSmall(r);
}

function mixedSmall(r: Scalar): void {
  const a = r.s32min | 0, b = r.s32max | 0;
  r.sminHi = a >> 31; r.sminLo = a; r.smaxHi = b >> 31; r.smaxLo = b;
  r.uminHi = r.sminHi; r.uminLo = a; r.umaxHi = r.smaxHi; r.umaxLo = b;
  intersectRange(r, r.sminHi, a, r.smaxHi, b);
}

/** var_off &= tnum_range(min, max), both unsigned 64-bit. */
function intersectRange(r: Scalar, minH: number, minL: number, maxH: number, maxL: number): void {
  const ch = minH ^ maxH;
  let dh: number, dl: number;
  if (ch < 0) { dh = -1; dl = -1; minH = 0; minL = 0; } // range spans 2^63: unknown
  else if (ch !== 0) { dh = ((1 << (32 - Math.clz32(ch))) - 1) | 0; dl = -1; }
  else {
    const bits = 32 - Math.clz32(minL ^ maxL);
    dh = 0; dl = bits === 32 ? -1 : (1 << bits) - 1;
  }
  let v = r.vHi | (minH & ~dh);
  let m = r.mHi & dh;
  r.vHi = v & ~m; r.mHi = m;
  v = r.vLo | (minL & ~dl);
  m = r.mLo & dl;
  r.vLo = v & ~m; r.mLo = m;
}

function boundOffset(r: Scalar): void {
  intersectRange(r, r.uminHi, r.uminLo, r.umaxHi, r.umaxLo);
  // the low word again against the 32-bit bounds
  const lo = r.u32minW;
  const bits = 32 - Math.clz32(lo ^ r.u32maxW);
  const dl = bits === 32 ? -1 : (1 << bits) - 1;
  const v = r.vLo | (lo & ~dl);
  const m = r.mLo & dl;
  r.vLo = v & ~m; r.mLo = m;
  r.mHi &= ~r.vHi;
}

/** True when sync() would change nothing: a known constant or a wholly unknown value, bounds already exact. */
function syncIsNoop(r: Scalar): boolean {
  if ((r.mHi | r.mLo) === 0) {
    const h = r.vHi, l = r.vLo;
    if (r.uminHi !== h || r.uminLo !== l || r.umaxHi !== h || r.umaxLo !== l) return false;
    if (r.sminHi !== h || r.sminLo !== l || r.smaxHi !== h || r.smaxLo !== l) return false;
    return r.s32min === l && r.s32max === l && r.u32minW === l && r.u32maxW === l;
  }
  return r.mHi === -1 && r.mLo === -1 && r.vHi === 0 && r.vLo === 0 && r.uminHi === 0 && r.uminLo === 0 &&
    r.umaxHi === -1 && r.umaxLo === -1 && r.sminHi === MIN_HI && r.sminLo === 0 && r.smaxHi === MAX_HI &&
    r.smaxLo === -1 && r.u32minW === 0 && r.u32maxW === -1 && r.s32min === S32_MIN && r.s32max === S32_MAX;
}

export function sync(r: Scalar): void {
  if (syncIsNoop(r)) return;
  update32(r); update64(r);
  deduce32(r); deduce64(r); deduceMixed(r);
  deduce32(r); deduce64(r); deduceMixed(r);
  boundOffset(r);
  update32(r); update64(r);
}

/** True when the bounds contradict each other (an impossible branch). */
export function boundsInvalid(r: Scalar): boolean {
  return ltS(r.smaxHi, r.smaxLo, r.sminHi, r.sminLo) || ltU(r.umaxHi, r.umaxLo, r.uminHi, r.uminLo) ||
    r.s32min > r.s32max || r.u32minW >>> 0 > r.u32maxW >>> 0;
}

/** Zero-extends the low 32 bits into the whole register (the result of any 32-bit ALU op). */
export function zext32(r: Scalar): void {
  r.vHi = 0; r.mHi = 0;
  r.uminHi = 0; r.uminLo = r.u32minW; r.umaxHi = 0; r.umaxLo = r.u32maxW;
  // the signed 32-bit bounds carry over when both are non-negative
  if (r.s32min >= 0 && r.s32max >= 0) { r.sminHi = 0; r.sminLo = r.s32min; r.smaxHi = 0; r.smaxLo = r.s32max; }
  else { r.sminHi = 0; r.sminLo = 0; r.smaxHi = 0; r.smaxLo = -1; }
  sync(r);
}

/** Truncates to `size` (1, 2 or 4) bytes, zero-extended (narrow loads, 32-bit moves). */
export function coerceToSize(r: Scalar, size: number): void {
  const mask = size >= 4 ? -1 : (1 << (size * 8)) - 1;
  r.vHi = 0; r.mHi = 0; r.vLo &= mask; r.mLo &= mask;
  if (r.uminHi === r.umaxHi && (r.uminLo & ~mask) === (r.umaxLo & ~mask)) {
    r.uminLo &= mask; r.umaxLo &= mask;
  } else {
    r.uminLo = 0; r.umaxLo = mask;
  }
  r.uminHi = 0; r.umaxHi = 0;
  r.sminHi = 0; r.sminLo = r.uminLo; r.smaxHi = 0; r.smaxLo = r.umaxLo;
  // a 4-byte truncation keeps the 32-bit bounds; narrower ones learn them again from the 64-bit ones
  if (size < 4) markUnbounded32(r);
  sync(r);
}

/**
 * Sign-extends the low `size` bytes (movsx, ldsx; coerce_reg_to_size_sx). Exact bounds when every
 * value keeps its sign after the extension, else the whole range of the narrow type. The 32-bit
 * form (w = (s8)w) works on the 32-bit bounds and zero-extends.
 */
export function signExtend(r: Scalar, size: number, alu32: boolean): void {
  const bits = size * 8;
  const sext = (v: bigint): bigint => BigInt.asIntN(bits, v);
  if (isConst(r)) {
    const v = sext(constValue(r));
    if (alu32) markKnownWords(r, 0, Number(BigInt.asIntN(32, v)) | 0);
    else markKnown(r, v);
    return;
  }
  if (alu32) {
    const topMax = (r.s32max >>> bits) << bits;
    const topMin = (r.s32min >>> bits) << bits;
    const a = Number(sext(BigInt(r.s32max)));
    const b = Number(sext(BigInt(r.s32min)));
    const lo = Math.min(a, b), hi = Math.max(a, b);
    if (topMax === topMin && (lo >= 0) === (hi >= 0)) {
      r.s32min = lo; r.s32max = hi; r.u32minW = lo; r.u32maxW = hi;
      const t = tnumRange(BigInt(lo >>> 0), BigInt(hi >>> 0));
      r.vLo = Number(t.value) | 0; r.mLo = Number(t.mask) | 0;
    } else {
      r.s32min = -(2 ** (bits - 1)); r.s32max = 2 ** (bits - 1) - 1; r.u32minW = 0; r.u32maxW = -1;
      r.vLo = 0; r.mLo = -1;
    }
    r.vHi = 0; r.mHi = 0;
    zext32(r);
    return;
  }
  const smin = r.smin, smax = r.smax;
  const top = (v: bigint): bigint => BigInt.asUintN(64, v) >> BigInt(bits);
  const a = sext(smax), b = sext(smin);
  const lo = a < b ? a : b, hi = a < b ? b : a;
  if (top(smax) === top(smin) && (lo >= 0n) === (hi >= 0n)) {
    r.smin = lo; r.smax = hi; r.umin = BigInt.asUintN(64, lo); r.umax = BigInt.asUintN(64, hi);
    r.s32min = Number(BigInt.asIntN(32, lo)); r.s32max = Number(BigInt.asIntN(32, hi));
    r.u32minW = Number(BigInt.asIntN(32, lo)); r.u32maxW = Number(BigInt.asIntN(32, hi));
    r.varOff = tnumRange(BigInt.asUintN(64, lo), BigInt.asUintN(64, hi));
    return;
  }
  const half = 2 ** (bits - 1);
  r.smin = BigInt(-half); r.smax = BigInt(half - 1); r.s32min = -half; r.s32max = half - 1;
  r.uminHi = 0; r.uminLo = 0; r.umaxHi = -1; r.umaxLo = -1; r.u32minW = 0; r.u32maxW = -1;
  r.vHi = 0; r.vLo = 0; r.mHi = -1; r.mLo = -1;
}

/**
 * Byte swaps (BPF_END): bswap16/32/64 and, on this little-endian machine, be16/32/64 swap the
 * bytes of the tnum and forget the bounds; le16/le32 only truncate, le64 changes nothing.
 */
export function byteSwap(r: Scalar, bits: number, swap: boolean): void {
  if (swap) {
    r.varOff = tnumBswap(r.varOff, bits);
    markUnbounded(r);
  }
  if (bits < 64) coerceToSize(r, bits / 8);
  else sync(r);
}

// ---------------------------------------------------------------- ALU

/** Applies one ALU op with a scalar source. `bits` is 32 or 64. */
export function scalarAlu(op: number, dst: Scalar, src: Scalar, bits: 32 | 64): void {
  const alu32 = bits === 32;
  if (op === 0x60 || op === 0x70 || op === 0xc0) {
    // only a constant shift below the width (64-bit umax even for 32-bit ops) is computed
    const srcKnown = alu32
      ? src.mLo === 0 && src.s32min === src.s32max && src.u32minW === src.u32maxW
      : (src.mHi | src.mLo) === 0 && src.sminHi === src.smaxHi && src.sminLo === src.smaxLo &&
        src.uminHi === src.umaxHi && src.uminLo === src.umaxLo;
    if (!srcKnown || src.umaxHi !== 0 || src.umaxLo >>> 0 >= bits) {
      // unknown in all 64 bits: the kernel gives up before the 32-bit zero-extension
      markUnknown(dst);
      return;
    }
  } else if (op !== 0x00 && op !== 0x10 && op !== 0x20 && op !== 0x40 && op !== 0x50 && op !== 0xa0) {
    markUnknown(dst);
    return;
  }
  if (isConst(dst) && isConst(src)) {
    if (alu32) markKnownWords(dst, 0, constAlu32(op, dst.vLo, src.vLo));
    else {
      constAlu64(op, dst.vHi, dst.vLo, src.vHi, src.vLo);
      markKnownWords(dst, out.hi, out.lo);
    }
    return;
  }
  if (alu32) {
    alu32Op(op, dst, src);
    zext32(dst);
  } else {
    alu64Op(op, dst, src);
    sync(dst);
  }
}

/** dst += src in all bounds and the tnum, without deriving anything further (sync_linked_regs' add). */
export function scalarAdd(dst: Scalar, src: Scalar): void {
  alu64Op(0x00, dst, src);
}

/** Exact result of a 32-bit ALU op on two constants. */
function constAlu32(op: number, a: number, b: number): number {
  switch (op) {
    case 0x00: return (a + b) | 0;
    case 0x10: return (a - b) | 0;
    case 0x20: return Math.imul(a, b);
    case 0x40: return a | b;
    case 0x50: return a & b;
    case 0xa0: return a ^ b;
    case 0x60: return a << b;
    case 0x70: return (a >>> b) | 0;
    default: return a >> b; // 0xc0
  }
}

/** Exact result of a 64-bit ALU op on two constants, into `out`. */
function constAlu64(op: number, ah: number, al: number, bh: number, bl: number): void {
  switch (op) {
    case 0x00: add(ah, al, bh, bl); return;
    case 0x10: sub(ah, al, bh, bl); return;
    case 0x20: {
      const p = BigInt.asUintN(64, toU64(ah, al) * toU64(bh, bl));
      fromBig(p);
      return;
    }
    case 0x40: out.hi = ah | bh; out.lo = al | bl; return;
    case 0x50: out.hi = ah & bh; out.lo = al & bl; return;
    case 0xa0: out.hi = ah ^ bh; out.lo = al ^ bl; return;
    case 0x60: shl(ah, al, bl); return;
    case 0x70: shr(ah, al, bl); return;
    default: sar(ah, al, bl); return; // 0xc0
  }
}

function alu64Op(op: number, d: Scalar, s: Scalar): void {
  // The 32-bit halves are derived again from the tnum afterwards.
  switch (op) {
    case 0x00: { // add
      const o1 = addOverflowsS(d.sminHi, d.sminLo, s.sminHi, s.sminLo);
      const h1 = out.hi, l1 = out.lo;
      const o2 = addOverflowsS(d.smaxHi, d.smaxLo, s.smaxHi, s.smaxLo);
      if (o1 || o2) { d.sminHi = MIN_HI; d.sminLo = 0; d.smaxHi = MAX_HI; d.smaxLo = -1; }
      else { d.sminHi = h1; d.sminLo = l1; d.smaxHi = out.hi; d.smaxLo = out.lo; }
      // unsigned: fine when no sum wraps or every sum does; unbounded when only the largest may
      const minOv = add(d.uminHi, d.uminLo, s.uminHi, s.uminLo);
      const nh = out.hi, nl = out.lo;
      const maxOv = add(d.umaxHi, d.umaxLo, s.umaxHi, s.umaxLo);
      if (!minOv && maxOv) { d.uminHi = 0; d.uminLo = 0; d.umaxHi = -1; d.umaxLo = -1; }
      else { d.uminHi = nh; d.uminLo = nl; d.umaxHi = out.hi; d.umaxLo = out.lo; }
      tnumAddInto(d, s);
      add32(d, s);
      break;
    }
    case 0x10: { // sub
      const o1 = subOverflowsS(d.sminHi, d.sminLo, s.smaxHi, s.smaxLo);
      const h1 = out.hi, l1 = out.lo;
      const o2 = subOverflowsS(d.smaxHi, d.smaxLo, s.sminHi, s.sminLo);
      if (o1 || o2) { d.sminHi = MIN_HI; d.sminLo = 0; d.smaxHi = MAX_HI; d.smaxLo = -1; }
      else { d.sminHi = h1; d.sminLo = l1; d.smaxHi = out.hi; d.smaxLo = out.lo; }
      // unsigned: fine when no difference wraps or every one does
      const minUnder = sub(d.uminHi, d.uminLo, s.umaxHi, s.umaxLo);
      const nh = out.hi, nl = out.lo;
      const maxUnder = sub(d.umaxHi, d.umaxLo, s.uminHi, s.uminLo);
      if (minUnder && !maxUnder) { d.uminHi = 0; d.uminLo = 0; d.umaxHi = -1; d.umaxLo = -1; }
      else { d.uminHi = nh; d.uminLo = nl; d.umaxHi = out.hi; d.umaxLo = out.lo; }
      tnumSubInto(d, s);
      sub32(d, s);
      break;
    }
    case 0x20: mul64(d, s); break;
    case 0x50: { // and
      const vh = d.vHi & s.vHi, vl = d.vLo & s.vLo;
      d.mHi = (d.vHi | d.mHi) & (s.vHi | s.mHi) & ~vh;
      d.mLo = (d.vLo | d.mLo) & (s.vLo | s.mLo) & ~vl;
      d.vHi = vh; d.vLo = vl;
      if (isConst(d)) { markKnownWords(d, vh, vl); return; }
      d.uminHi = vh; d.uminLo = vl;
      if (ltU(s.umaxHi, s.umaxLo, d.umaxHi, d.umaxLo)) { d.umaxHi = s.umaxHi; d.umaxLo = s.umaxLo; }
      signedFromUnsigned64(d);
      bitwise32Bounds(0x50, d, s);
      break;
    }
    case 0x40: { // or
      const vh = d.vHi | s.vHi, vl = d.vLo | s.vLo;
      d.mHi = (d.mHi | s.mHi) & ~vh;
      d.mLo = (d.mLo | s.mLo) & ~vl;
      d.vHi = vh; d.vLo = vl;
      if (isConst(d)) { markKnownWords(d, vh, vl); return; }
      if (ltU(d.uminHi, d.uminLo, s.uminHi, s.uminLo)) { d.uminHi = s.uminHi; d.uminLo = s.uminLo; }
      d.umaxHi = vh | d.mHi; d.umaxLo = vl | d.mLo;
      signedFromUnsigned64(d);
      bitwise32Bounds(0x40, d, s);
      break;
    }
    case 0xa0: { // xor
      const mh = d.mHi | s.mHi, ml = d.mLo | s.mLo;
      d.vHi = (d.vHi ^ s.vHi) & ~mh; d.vLo = (d.vLo ^ s.vLo) & ~ml;
      d.mHi = mh; d.mLo = ml;
      if (isConst(d)) { markKnownWords(d, d.vHi, d.vLo); return; }
      d.uminHi = d.vHi; d.uminLo = d.vLo;
      d.umaxHi = d.vHi | mh; d.umaxLo = d.vLo | ml;
      signedFromUnsigned64(d);
      bitwise32Bounds(0xa0, d, s);
      break;
    }
    case 0x60: { // lsh
      const sh = s.uminLo >>> 0;
      // umax > 2^(63 - sh): the shift may overflow
      const k = 63 - sh;
      const th = k >= 32 ? 1 << (k - 32) : 0, tl = k >= 32 ? 0 : 1 << k;
      if (ltU(th, tl, d.umaxHi, d.umaxLo)) { d.uminHi = 0; d.uminLo = 0; d.umaxHi = -1; d.umaxLo = -1; }
      else {
        shl(d.uminHi, d.uminLo, sh); d.uminHi = out.hi; d.uminLo = out.lo;
        shl(d.umaxHi, d.umaxLo, sh); d.umaxHi = out.hi; d.umaxLo = out.lo;
      }
      if (sh === 32 && d.s32max >= 0) { d.sminHi = d.s32min | 0; d.sminLo = 0; d.smaxHi = d.s32max | 0; d.smaxLo = 0; }
      else { d.sminHi = MIN_HI; d.sminLo = 0; d.smaxHi = MAX_HI; d.smaxLo = -1; }
      shl(d.vHi, d.vLo, sh); d.vHi = out.hi; d.vLo = out.lo;
      shl(d.mHi, d.mLo, sh); d.mHi = out.hi; d.mLo = out.lo;
      markUnbounded32(d);
      break;
    }
    case 0x70: { // rsh
      const sh = s.uminLo >>> 0;
      d.sminHi = MIN_HI; d.sminLo = 0; d.smaxHi = MAX_HI; d.smaxLo = -1;
      shr(d.vHi, d.vLo, sh); d.vHi = out.hi; d.vLo = out.lo;
      shr(d.mHi, d.mLo, sh); d.mHi = out.hi; d.mLo = out.lo;
      shr(d.uminHi, d.uminLo, sh); d.uminHi = out.hi; d.uminLo = out.lo;
      shr(d.umaxHi, d.umaxLo, sh); d.umaxHi = out.hi; d.umaxLo = out.lo;
      markUnbounded32(d);
      break;
    }
    case 0xc0: { // arsh
      const sh = s.uminLo >>> 0;
      sar(d.sminHi, d.sminLo, sh); d.sminHi = out.hi; d.sminLo = out.lo;
      sar(d.smaxHi, d.smaxLo, sh); d.smaxHi = out.hi; d.smaxLo = out.lo;
      sar(d.vHi, d.vLo, sh); d.vHi = out.hi; d.vLo = out.lo;
      sar(d.mHi, d.mLo, sh); d.mHi = out.hi; d.mLo = out.lo;
      d.uminHi = 0; d.uminLo = 0; d.umaxHi = -1; d.umaxLo = -1;
      markUnbounded32(d);
      break;
    }
  }
}

/** tnum_add(d, s) into d's var_off. */
function tnumAddInto(d: Scalar, s: Scalar): void {
  add(d.mHi, d.mLo, s.mHi, s.mLo);
  const smH = out.hi, smL = out.lo;
  add(d.vHi, d.vLo, s.vHi, s.vLo);
  const svH = out.hi, svL = out.lo;
  add(smH, smL, svH, svL);
  const muH = (out.hi ^ svH) | d.mHi | s.mHi;
  const muL = (out.lo ^ svL) | d.mLo | s.mLo;
  d.vHi = svH & ~muH; d.vLo = svL & ~muL;
  d.mHi = muH; d.mLo = muL;
}

/** tnum_sub(d, s) into d's var_off. */
function tnumSubInto(d: Scalar, s: Scalar): void {
  sub(d.vHi, d.vLo, s.vHi, s.vLo);
  const dvH = out.hi, dvL = out.lo;
  add(dvH, dvL, d.mHi, d.mLo);
  const aH = out.hi, aL = out.lo;
  sub(dvH, dvL, s.mHi, s.mLo);
  const muH = (aH ^ out.hi) | d.mHi | s.mHi;
  const muL = (aL ^ out.lo) | d.mLo | s.mLo;
  d.vHi = dvH & ~muH; d.vLo = dvL & ~muL;
  d.mHi = muH; d.mLo = muL;
}

/** 64-bit multiply (rare: done on bigints); the 32-bit bounds are multiplied on their own too. */
function mul64(d: Scalar, s: Scalar): void {
  mul32Bounds(d, s);
  const dsmin = d.smin, dsmax = d.smax, ssmin = s.smin, ssmax = s.smax;
  const p = [dsmin * ssmin, dsmin * ssmax, dsmax * ssmin, dsmax * ssmax];
  if (p.some((x) => x < S64_MIN || x > S64_MAX)) { d.smin = S64_MIN; d.smax = S64_MAX; }
  else { d.smin = p.reduce((a, b) => (a < b ? a : b)); d.smax = p.reduce((a, b) => (a > b ? a : b)); }
  const umax = d.umax * s.umax;
  if (umax > 0xffff_ffff_ffff_ffffn) { markUnbounded64Unsigned(d); } else { d.umin = d.umin * s.umin; d.umax = umax; }
  d.varOff = tnumMul(d.varOff, s.varOff);
}

/** scalar32_min_max_mul: products of the 32-bit bounds, unbounded where they may overflow. */
function mul32Bounds(d: Scalar, s: Scalar): void {
  const p = [d.s32min * s.s32min, d.s32min * s.s32max, d.s32max * s.s32min, d.s32max * s.s32max];
  if (p.some((x) => x < S32_MIN || x > S32_MAX)) { d.s32min = S32_MIN; d.s32max = S32_MAX; }
  else { d.s32min = Math.min(...p); d.s32max = Math.max(...p); }
  const umax = (d.u32maxW >>> 0) * (s.u32maxW >>> 0);
  if (umax > U32) { d.u32minW = 0; d.u32maxW = -1; }
  else { d.u32minW = ((d.u32minW >>> 0) * (s.u32minW >>> 0)) | 0; d.u32maxW = umax | 0; }
}

function markUnbounded64Unsigned(d: Scalar): void {
  d.uminHi = 0; d.uminLo = 0; d.umaxHi = -1; d.umaxLo = -1;
}

function signedFromUnsigned64(d: Scalar): void {
  if (leS(d.uminHi, d.uminLo, d.umaxHi, d.umaxLo)) {
    d.sminHi = d.uminHi; d.sminLo = d.uminLo; d.smaxHi = d.umaxHi; d.smaxLo = d.umaxLo;
  } else {
    d.sminHi = MIN_HI; d.sminLo = 0; d.smaxHi = MAX_HI; d.smaxLo = -1;
  }
}

function add32(d: Scalar, s: Scalar): void {
  const lo = d.s32min + s.s32min;
  const hi = d.s32max + s.s32max;
  if (lo < S32_MIN || hi > S32_MAX) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else { d.s32min = lo; d.s32max = hi; }
  const umin = (d.u32minW >>> 0) + (s.u32minW >>> 0);
  const umax = (d.u32maxW >>> 0) + (s.u32maxW >>> 0);
  if (umin <= U32 && umax > U32) { d.u32minW = 0; d.u32maxW = -1; }
  else { d.u32minW = umin | 0; d.u32maxW = umax | 0; }
}

function sub32(d: Scalar, s: Scalar): void {
  const lo = d.s32min - s.s32max;
  const hi = d.s32max - s.s32min;
  if (lo < S32_MIN || hi > S32_MAX) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else { d.s32min = lo; d.s32max = hi; }
  const minUnder = d.u32minW >>> 0 < s.u32maxW >>> 0;
  const maxUnder = d.u32maxW >>> 0 < s.u32minW >>> 0;
  if (minUnder && !maxUnder) { d.u32minW = 0; d.u32maxW = -1; }
  else { d.u32minW = (d.u32minW - s.u32maxW) | 0; d.u32maxW = (d.u32maxW - s.u32minW) | 0; }
}

/**
 * scalar32_min_max_and/or/xor: the 32-bit bounds of a bitwise op whose result tnum is already in
 * d (low word): from the tnum, and the operands' minima (or) or maxima (and).
 */
function bitwise32Bounds(op: number, d: Scalar, s: Scalar): void {
  const v = d.vLo, m = d.mLo;
  if (m === 0 && s.mLo === 0) { markKnown32(d, v); return; }
  if (op === 0x50) {
    d.u32minW = v;
    if (s.u32maxW >>> 0 < d.u32maxW >>> 0) d.u32maxW = s.u32maxW;
  } else if (op === 0x40) {
    if (s.u32minW >>> 0 > d.u32minW >>> 0) d.u32minW = s.u32minW;
    d.u32maxW = v | m;
  } else { d.u32minW = v; d.u32maxW = v | m; }
  if (d.u32minW <= d.u32maxW) { d.s32min = d.u32minW; d.s32max = d.u32maxW; }
  else { d.s32min = S32_MIN; d.s32max = S32_MAX; }
}

/** 32-bit ops: only the low words of the tnums take part; zext32 follows. */
function alu32Op(op: number, d: Scalar, s: Scalar): void {
  const dv = d.vLo, dm = d.mLo, sv = s.vLo, sm = s.mLo;
  d.vHi = 0; d.mHi = 0;
  switch (op) {
    case 0x00: {
      add32(d, s);
      const v = (dv + sv) | 0;
      const mu = (((dm + sm + v) | 0) ^ v) | dm | sm;
      d.vLo = v & ~mu; d.mLo = mu;
      break;
    }
    case 0x10: {
      sub32(d, s);
      const v = (dv - sv) | 0;
      const mu = (((v + dm) | 0) ^ ((v - sm) | 0)) | dm | sm;
      d.vLo = v & ~mu; d.mLo = mu;
      break;
    }
    case 0x20: {
      mul32Bounds(d, s);
      const t = tnumMul({ value: BigInt(dv >>> 0), mask: BigInt(dm >>> 0) }, { value: BigInt(sv >>> 0), mask: BigInt(sm >>> 0) });
      d.vLo = Number(t.value & 0xffff_ffffn) | 0;
      d.mLo = Number(t.mask & 0xffff_ffffn) | 0;
      break;
    }
    case 0x50: case 0x40: case 0xa0: {
      let v: number, m: number;
      if (op === 0x50) { v = dv & sv; m = (dv | dm) & (sv | sm) & ~v; }
      else if (op === 0x40) { v = dv | sv; m = (dm | sm) & ~v; }
      else { m = dm | sm; v = (dv ^ sv) & ~m; }
      d.vLo = v; d.mLo = m;
      bitwise32Bounds(op, d, s);
      break;
    }
    case 0x60: {
      const sh = s.u32minW >>> 0;
      d.s32min = S32_MIN; d.s32max = S32_MAX;
      if (d.u32maxW >>> 0 > 2 ** (31 - sh)) { d.u32minW = 0; d.u32maxW = -1; }
      else { d.u32minW <<= sh; d.u32maxW <<= sh; }
      d.vLo = dv << sh; d.mLo = dm << sh;
      break;
    }
    case 0x70: {
      const sh = s.u32minW >>> 0;
      d.s32min = S32_MIN; d.s32max = S32_MAX;
      d.vLo = (dv >>> sh) | 0; d.mLo = (dm >>> sh) | 0;
      d.u32minW = (d.u32minW >>> sh) | 0; d.u32maxW = (d.u32maxW >>> sh) | 0;
      break;
    }
    case 0xc0: {
      const sh = s.u32minW >>> 0;
      d.s32min >>= sh; d.s32max >>= sh;
      d.vLo = dv >> sh; d.mLo = dm >> sh;
      d.u32minW = 0; d.u32maxW = -1;
      break;
    }
  }
  markUnbounded64(d);
}

// ---------------------------------------------------------------- construction, comparison

/** A fresh unknown scalar. */
export function unknownScalar(): Scalar {
  return new Scalar();
}

export function knownScalar(v: bigint): Scalar {
  const r = new Scalar();
  markKnown(r, v);
  return r;
}

/** True when every value `cur` allows, `old` allows too (for state pruning). */
export function rangeWithin(old: Scalar, cur: Scalar): boolean {
  return leU(old.uminHi, old.uminLo, cur.uminHi, cur.uminLo) && leU(cur.umaxHi, cur.umaxLo, old.umaxHi, old.umaxLo) &&
    leS(old.sminHi, old.sminLo, cur.sminHi, cur.sminLo) && leS(cur.smaxHi, cur.smaxLo, old.smaxHi, old.smaxLo) &&
    old.u32minW >>> 0 <= cur.u32minW >>> 0 && old.u32maxW >>> 0 >= cur.u32maxW >>> 0 && old.s32min <= cur.s32min && old.s32max >= cur.s32max;
}

/** tnum_in(old.var_off, cur.var_off): every value cur's tnum allows, old's allows too. */
export function varOffWithin(old: Scalar, cur: Scalar): boolean {
  if (((cur.mHi & ~old.mHi) | (cur.mLo & ~old.mLo)) !== 0) return false;
  return old.vHi === (cur.vHi & ~old.mHi) && old.vLo === (cur.vLo & ~old.mLo);
}

/** Same var_off. */
export const varOffEquals = (a: Scalar, b: Scalar): boolean =>
  a.vHi === b.vHi && a.vLo === b.vLo && a.mHi === b.mHi && a.mLo === b.mLo;

export function scalarEquals(a: Scalar, b: Scalar): boolean {
  return a.vHi === b.vHi && a.vLo === b.vLo && a.mHi === b.mHi && a.mLo === b.mLo &&
    a.sminHi === b.sminHi && a.sminLo === b.sminLo && a.smaxHi === b.smaxHi && a.smaxLo === b.smaxLo &&
    a.uminHi === b.uminHi && a.uminLo === b.uminLo && a.umaxHi === b.umaxHi && a.umaxLo === b.umaxLo &&
    a.s32min === b.s32min && a.s32max === b.s32max && a.u32minW === b.u32minW && a.u32maxW === b.u32maxW;
}

// ---------------------------------------------------------------- conditional jumps

/** is_branch_taken for two scalars: 1 always, 0 never, -1 unknown. */
export function scalarBranchTaken(a: Scalar, b: Scalar, op: number, jmp32: boolean): number {
  return jmp32 ? branchTaken32(a, b, op) : branchTaken64(a, b, op);
}

function branchTaken32(a: Scalar, b: Scalar, op: number): number {
  const av = a.vLo, am = a.mLo, bv = b.vLo, bm = b.mLo;
  const aumin = a.u32minW >>> 0, aumax = a.u32maxW >>> 0, bumin = b.u32minW >>> 0, bumax = b.u32maxW >>> 0;
  switch (op) {
    case 0x10: case 0x50: {
      const eq = op === 0x10;
      if (am === 0 && bm === 0) return (av === bv) === eq ? 1 : 0;
      if (aumin > bumax || aumax < bumin || a.s32min > b.s32max || a.s32max < b.s32min) return eq ? 0 : 1;
      if (((av ^ bv) & ~(am | bm)) !== 0) return eq ? 0 : 1;
      return -1;
    }
    case 0x40: {
      let pv = av, pm = am, qv = bv;
      if (bm !== 0) {
        if (am !== 0) return -1;
        pv = bv; pm = bm; qv = av;
      }
      if ((~pm & pv & qv) !== 0) return 1;
      if (((pm | pv) & qv) === 0) return 0;
      return -1;
    }
    case 0x20: return aumin > bumax ? 1 : aumax <= bumin ? 0 : -1;
    case 0x60: return a.s32min > b.s32max ? 1 : a.s32max <= b.s32min ? 0 : -1;
    case 0xa0: return aumax < bumin ? 1 : aumin >= bumax ? 0 : -1;
    case 0xc0: return a.s32max < b.s32min ? 1 : a.s32min >= b.s32max ? 0 : -1;
    case 0x30: return aumin >= bumax ? 1 : aumax < bumin ? 0 : -1;
    case 0x70: return a.s32min >= b.s32max ? 1 : a.s32max < b.s32min ? 0 : -1;
    case 0xb0: return aumax <= bumin ? 1 : aumin > bumax ? 0 : -1;
    case 0xd0: return a.s32max <= b.s32min ? 1 : a.s32min > b.s32max ? 0 : -1;
  }
  return -1;
}

function branchTaken64(a: Scalar, b: Scalar, op: number): number {
  switch (op) {
    case 0x10: case 0x50: {
      const eq = op === 0x10;
      if (isConst(a) && isConst(b)) return (a.vHi === b.vHi && a.vLo === b.vLo) === eq ? 1 : 0;
      if (ltU(b.umaxHi, b.umaxLo, a.uminHi, a.uminLo) || ltU(a.umaxHi, a.umaxLo, b.uminHi, b.uminLo) ||
        ltS(b.smaxHi, b.smaxLo, a.sminHi, a.sminLo) || ltS(a.smaxHi, a.smaxLo, b.sminHi, b.sminLo)) return eq ? 0 : 1;
      if (a.u32minW >>> 0 > b.u32maxW >>> 0 || a.u32maxW >>> 0 < b.u32minW >>> 0 || a.s32min > b.s32max ||
        a.s32max < b.s32min) return eq ? 0 : 1;
      if ((((a.vHi ^ b.vHi) & ~(a.mHi | b.mHi)) | ((a.vLo ^ b.vLo) & ~(a.mLo | b.mLo))) !== 0) return eq ? 0 : 1;
      return -1;
    }
    case 0x40: {
      let p = a, q = b;
      if (!isConst(q)) { p = b; q = a; }
      if (!isConst(q)) return -1;
      if (((~p.mHi & p.vHi & q.vHi) | (~p.mLo & p.vLo & q.vLo)) !== 0) return 1;
      if ((((p.mHi | p.vHi) & q.vHi) | ((p.mLo | p.vLo) & q.vLo)) === 0) return 0;
      return -1;
    }
    case 0x20: // >
      return ltU(b.umaxHi, b.umaxLo, a.uminHi, a.uminLo) ? 1 : leU(a.umaxHi, a.umaxLo, b.uminHi, b.uminLo) ? 0 : -1;
    case 0x60: // s>
      return ltS(b.smaxHi, b.smaxLo, a.sminHi, a.sminLo) ? 1 : leS(a.smaxHi, a.smaxLo, b.sminHi, b.sminLo) ? 0 : -1;
    case 0xa0: // <
      return ltU(a.umaxHi, a.umaxLo, b.uminHi, b.uminLo) ? 1 : leU(b.umaxHi, b.umaxLo, a.uminHi, a.uminLo) ? 0 : -1;
    case 0xc0: // s<
      return ltS(a.smaxHi, a.smaxLo, b.sminHi, b.sminLo) ? 1 : leS(b.smaxHi, b.smaxLo, a.sminHi, a.sminLo) ? 0 : -1;
    case 0x30: // >=
      return leU(b.umaxHi, b.umaxLo, a.uminHi, a.uminLo) ? 1 : ltU(a.umaxHi, a.umaxLo, b.uminHi, b.uminLo) ? 0 : -1;
    case 0x70: // s>=
      return leS(b.smaxHi, b.smaxLo, a.sminHi, a.sminLo) ? 1 : ltS(a.smaxHi, a.smaxLo, b.sminHi, b.sminLo) ? 0 : -1;
    case 0xb0: // <=
      return leU(a.umaxHi, a.umaxLo, b.uminHi, b.uminLo) ? 1 : ltU(b.umaxHi, b.umaxLo, a.uminHi, a.uminLo) ? 0 : -1;
    case 0xd0: // s<=
      return leS(a.smaxHi, a.smaxLo, b.sminHi, b.sminLo) ? 1 : ltS(b.smaxHi, b.smaxLo, a.sminHi, a.sminLo) ? 0 : -1;
  }
  return -1;
}

const isConstW = (r: Scalar, jmp32: boolean): boolean => (jmp32 ? r.mLo === 0 : (r.mHi | r.mLo) === 0);

/** regs_refine_cond_op: narrows a and b given that `a op b` holds (0x140: JSET is false). */
export function refineCond(a: Scalar, b: Scalar, op: number, jmp32: boolean): void {
  switch (op) {
    case 0x10:
      if (jmp32) {
        a.u32minW = b.u32minW = a.u32minW >>> 0 > b.u32minW >>> 0 ? a.u32minW : b.u32minW;
        a.u32maxW = b.u32maxW = a.u32maxW >>> 0 < b.u32maxW >>> 0 ? a.u32maxW : b.u32maxW;
        a.s32min = b.s32min = Math.max(a.s32min, b.s32min);
        a.s32max = b.s32max = Math.min(a.s32max, b.s32max);
        const m = a.mLo & b.mLo;
        const v = (a.vLo | b.vLo) & ~m;
        a.vLo = v; a.mLo = m; a.mHi &= ~a.vHi;
        b.vLo = v; b.mLo = m; b.mHi &= ~b.vHi;
      } else {
        if (ltU(a.uminHi, a.uminLo, b.uminHi, b.uminLo)) { a.uminHi = b.uminHi; a.uminLo = b.uminLo; }
        else { b.uminHi = a.uminHi; b.uminLo = a.uminLo; }
        if (ltU(b.umaxHi, b.umaxLo, a.umaxHi, a.umaxLo)) { a.umaxHi = b.umaxHi; a.umaxLo = b.umaxLo; }
        else { b.umaxHi = a.umaxHi; b.umaxLo = a.umaxLo; }
        if (ltS(a.sminHi, a.sminLo, b.sminHi, b.sminLo)) { a.sminHi = b.sminHi; a.sminLo = b.sminLo; }
        else { b.sminHi = a.sminHi; b.sminLo = a.sminLo; }
        if (ltS(b.smaxHi, b.smaxLo, a.smaxHi, a.smaxLo)) { a.smaxHi = b.smaxHi; a.smaxLo = b.smaxLo; }
        else { b.smaxHi = a.smaxHi; b.smaxLo = a.smaxLo; }
        const mh = a.mHi & b.mHi, ml = a.mLo & b.mLo;
        const vh = (a.vHi | b.vHi) & ~mh, vl = (a.vLo | b.vLo) & ~ml;
        a.vHi = b.vHi = vh; a.vLo = b.vLo = vl; a.mHi = b.mHi = mh; a.mLo = b.mLo = ml;
      }
      return;
    case 0x50: {
      let p = a;
      let q = b;
      if (!isConstW(q, jmp32)) { p = b; q = a; }
      if (!isConstW(q, jmp32)) return;
      if (jmp32) {
        const s32 = q.vLo;
        if (p.u32minW === s32) p.u32minW = (s32 + 1) | 0;
        if (p.u32maxW === s32) p.u32maxW = (s32 - 1) | 0;
        if (p.s32min === s32) p.s32min++;
        if (p.s32max === s32) p.s32max--;
      } else {
        const vh = q.vHi, vl = q.vLo;
        if (p.uminHi === vh && p.uminLo === vl) { add(vh, vl, 0, 1); p.uminHi = out.hi; p.uminLo = out.lo; }
        if (p.umaxHi === vh && p.umaxLo === vl) { sub(vh, vl, 0, 1); p.umaxHi = out.hi; p.umaxLo = out.lo; }
        if (p.sminHi === vh && p.sminLo === vl) { add(vh, vl, 0, 1); p.sminHi = out.hi; p.sminLo = out.lo; }
        if (p.smaxHi === vh && p.smaxLo === vl) { sub(vh, vl, 0, 1); p.smaxHi = out.hi; p.smaxLo = out.lo; }
      }
      return;
    }
    case 0x40: case 0x140: {
      let p = a;
      let q = b;
      if (!isConstW(q, jmp32)) { p = b; q = a; }
      if (!isConstW(q, jmp32)) return;
      const vh = jmp32 ? 0 : q.vHi, vl = q.vLo;
      if (op === 0x40) {
        // exactly one bit set
        if (vh === 0 ? vl === 0 || (vl & (vl - 1)) !== 0 : vl !== 0 || (vh & (vh - 1)) !== 0) return;
        p.vHi |= vh; p.vLo |= vl;
      } else {
        const lo = p.vLo & ~vl;
        p.mLo = (p.vLo | p.mLo) & ~vl & ~lo;
        p.vLo = lo;
        if (!jmp32) {
          const hi = p.vHi & ~vh;
          p.mHi = (p.vHi | p.mHi) & ~vh & ~hi;
          p.vHi = hi;
        }
      }
      p.mHi &= ~p.vHi; p.mLo &= ~p.vLo;
      return;
    }
    case 0xb0: // a <= b
      if (jmp32) {
        if (b.u32maxW >>> 0 < a.u32maxW >>> 0) a.u32maxW = b.u32maxW;
        if (a.u32minW >>> 0 > b.u32minW >>> 0) b.u32minW = a.u32minW;
      }
      else {
        if (ltU(b.umaxHi, b.umaxLo, a.umaxHi, a.umaxLo)) { a.umaxHi = b.umaxHi; a.umaxLo = b.umaxLo; }
        if (ltU(b.uminHi, b.uminLo, a.uminHi, a.uminLo)) { b.uminHi = a.uminHi; b.uminLo = a.uminLo; }
      }
      return;
    case 0xa0: // a < b
      if (jmp32) {
        const m = (b.u32maxW - 1) | 0;
        if (m >>> 0 < a.u32maxW >>> 0) a.u32maxW = m;
        const n = (a.u32minW + 1) | 0;
        if (n >>> 0 > b.u32minW >>> 0) b.u32minW = n;
      }
      else {
        sub(b.umaxHi, b.umaxLo, 0, 1);
        if (ltU(out.hi, out.lo, a.umaxHi, a.umaxLo)) { a.umaxHi = out.hi; a.umaxLo = out.lo; }
        add(a.uminHi, a.uminLo, 0, 1);
        if (ltU(b.uminHi, b.uminLo, out.hi, out.lo)) { b.uminHi = out.hi; b.uminLo = out.lo; }
      }
      return;
    case 0xd0: // a s<= b
      if (jmp32) { a.s32max = Math.min(a.s32max, b.s32max); b.s32min = Math.max(a.s32min, b.s32min); }
      else {
        if (ltS(b.smaxHi, b.smaxLo, a.smaxHi, a.smaxLo)) { a.smaxHi = b.smaxHi; a.smaxLo = b.smaxLo; }
        if (ltS(b.sminHi, b.sminLo, a.sminHi, a.sminLo)) { b.sminHi = a.sminHi; b.sminLo = a.sminLo; }
      }
      return;
    case 0xc0: // a s< b
      if (jmp32) { a.s32max = Math.min(a.s32max, b.s32max - 1); b.s32min = Math.max(a.s32min + 1, b.s32min); }
      else {
        sub(b.smaxHi, b.smaxLo, 0, 1);
        if (ltS(out.hi, out.lo, a.smaxHi, a.smaxLo)) { a.smaxHi = out.hi; a.smaxLo = out.lo; }
        add(a.sminHi, a.sminLo, 0, 1);
        if (ltS(b.sminHi, b.sminLo, out.hi, out.lo)) { b.sminHi = out.hi; b.sminLo = out.lo; }
      }
      return;
    case 0x30: refineCond(b, a, 0xb0, jmp32); return;
    case 0x20: refineCond(b, a, 0xa0, jmp32); return;
    case 0x70: refineCond(b, a, 0xd0, jmp32); return;
    case 0x60: refineCond(b, a, 0xc0, jmp32); return;
  }
}

export { U32 };
