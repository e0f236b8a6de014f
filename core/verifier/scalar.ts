// The scalar domain: a tnum plus signed/unsigned 64- and 32-bit bounds, kept consistent as the
// kernel keeps them (update from tnum, deduce across widths, tighten the tnum from bounds).
import {
  type Tnum, TNUM_UNKNOWN, U32_MAX, U64_MAX, tnumAdd, tnumAnd, tnumArshift, tnumCast, tnumClearSubreg,
  tnumConst, tnumIntersect, tnumIsConst, tnumLshift, tnumMul, tnumOr, tnumRange, tnumRshift, tnumSext,
  tnumSub, tnumSubreg, tnumXor,
} from './tnum';

export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const S32_MIN = -(2 ** 31);
export const S32_MAX = 2 ** 31 - 1;
const U32 = 2 ** 32 - 1;

/** Scalar part of a register (for pointers: the variable offset). */
export interface Scalar {
  varOff: Tnum;
  smin: bigint; smax: bigint; umin: bigint; umax: bigint;
  s32min: number; s32max: number; u32min: number; u32max: number;
}

const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
// Below 2^53 in magnitude Number(x) is exact, and |0 / >>>0 keep the low 32 bits without a new bigint.
const SAFE_MAX = 1n << 53n;
const SAFE_MIN = -SAFE_MAX;
const s32n = (x: bigint): number => (x >= SAFE_MIN && x <= SAFE_MAX ? Number(x) | 0 : Number(x & 0xffff_ffffn) | 0);
const u32n = (x: bigint): number => (x >= SAFE_MIN && x <= SAFE_MAX ? Number(x) >>> 0 : Number(x & 0xffff_ffffn));
const toS32 = (x: number): number => x | 0;
const toU32 = (x: number): number => x >>> 0;
const bmax = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const bmin = (a: bigint, b: bigint): bigint => (a < b ? a : b);

export function markUnknown(r: Scalar): void {
  r.varOff = TNUM_UNKNOWN;
  r.smin = S64_MIN; r.smax = S64_MAX; r.umin = 0n; r.umax = U64_MAX;
  r.s32min = S32_MIN; r.s32max = S32_MAX; r.u32min = 0; r.u32max = U32;
}

export function markUnbounded(r: Scalar): void {
  r.smin = S64_MIN; r.smax = S64_MAX; r.umin = 0n; r.umax = U64_MAX;
  r.s32min = S32_MIN; r.s32max = S32_MAX; r.u32min = 0; r.u32max = U32;
}

function markUnbounded64(r: Scalar): void {
  r.smin = S64_MIN; r.smax = S64_MAX; r.umin = 0n; r.umax = U64_MAX;
}

function markUnbounded32(r: Scalar): void {
  r.s32min = S32_MIN; r.s32max = S32_MAX; r.u32min = 0; r.u32max = U32;
}

export function markKnown(r: Scalar, v: bigint): void {
  const u = u64(v);
  r.varOff = tnumConst(u);
  r.smin = s64(u); r.smax = s64(u); r.umin = u; r.umax = u;
  r.s32min = s32n(u); r.s32max = s32n(u); r.u32min = u32n(u); r.u32max = u32n(u);
}

function markKnown32(r: Scalar, v: bigint): void {
  r.varOff = tnumOr(tnumClearSubreg(r.varOff), tnumConst(v & U32_MAX));
  r.s32min = s32n(v); r.s32max = s32n(v); r.u32min = u32n(v); r.u32max = u32n(v);
}

export const isConst = (r: Scalar): boolean => tnumIsConst(r.varOff);
export const isConst32 = (r: Scalar): boolean => (r.varOff.mask & U32_MAX) === 0n;
export const constValue = (r: Scalar): bigint => r.varOff.value;

export function copyScalar(dst: Scalar, src: Scalar): void {
  dst.varOff = src.varOff;
  dst.smin = src.smin; dst.smax = src.smax; dst.umin = src.umin; dst.umax = src.umax;
  dst.s32min = src.s32min; dst.s32max = src.s32max; dst.u32min = src.u32min; dst.u32max = src.u32max;
}

function update32(r: Scalar): void {
  const v = r.varOff.value & U32_MAX;
  const m = r.varOff.mask & U32_MAX;
  r.s32min = Math.max(r.s32min, s32n(v | (m & 0x8000_0000n)));
  r.s32max = Math.min(r.s32max, s32n(v | (m & 0x7fff_ffffn)));
  r.u32min = Math.max(r.u32min, Number(v));
  r.u32max = Math.min(r.u32max, Number(v | m));
}

function update64(r: Scalar): void {
  const { value: v, mask: m } = r.varOff;
  r.smin = bmax(r.smin, s64(v | (m & 0x8000_0000_0000_0000n)));
  r.smax = bmin(r.smax, s64(v | (m & 0x7fff_ffff_ffff_ffffn)));
  r.umin = bmax(r.umin, v);
  r.umax = bmin(r.umax, v | m);
}

function deduce32(r: Scalar): void {
  if (r.umin >> 32n === r.umax >> 32n) {
    r.u32min = Math.max(r.u32min, u32n(r.umin));
    r.u32max = Math.min(r.u32max, u32n(r.umax));
    if (s32n(r.umin) <= s32n(r.umax)) {
      r.s32min = Math.max(r.s32min, s32n(r.umin));
      r.s32max = Math.min(r.s32max, s32n(r.umax));
    }
  }
  if (r.smin >> 32n === r.smax >> 32n) {
    if (u32n(r.smin) <= u32n(r.smax)) {
      r.u32min = Math.max(r.u32min, u32n(r.smin));
      r.u32max = Math.min(r.u32max, u32n(r.smax));
    }
    if (s32n(r.smin) <= s32n(r.smax)) {
      r.s32min = Math.max(r.s32min, s32n(r.smin));
      r.s32max = Math.min(r.s32max, s32n(r.smax));
    }
  }
  if (toS32(r.u32min) <= toS32(r.u32max)) {
    r.s32min = Math.max(r.s32min, toS32(r.u32min));
    r.s32max = Math.min(r.s32max, toS32(r.u32max));
  }
  if (toU32(r.s32min) <= toU32(r.s32max)) {
    r.u32min = Math.max(r.u32min, toU32(r.s32min));
    r.u32max = Math.min(r.u32max, toU32(r.s32max));
  }
}

function deduce64(r: Scalar): void {
  if (s64(r.umin) <= s64(r.umax)) {
    r.smin = bmax(r.smin, s64(r.umin));
    r.smax = bmin(r.smax, s64(r.umax));
  }
  if (u64(r.smin) <= u64(r.smax)) {
    r.umin = bmax(r.umin, u64(r.smin));
    r.umax = bmin(r.umax, u64(r.smax));
  }
}

const S32_MIN_B = BigInt(S32_MIN);
const S32_MAX_B = BigInt(S32_MAX);

function deduceMixed(r: Scalar): void {
  const hiMask = 0xffff_ffff_0000_0000n;
  if (r.u32min === 0 && r.u32max === U32) {
    // full 32-bit range: nothing to learn for the 64-bit bounds from it
    if (r.s32min >= 0 && r.smin >= S32_MIN_B && r.smax <= S32_MAX_B) mixedSmall(r);
    return;
  }
  let nmin = (r.umin & hiMask) | BigInt(r.u32min);
  let nmax = (r.umax & hiMask) | BigInt(r.u32max);
  r.umin = bmax(r.umin, nmin);
  r.umax = bmin(r.umax, nmax);
  nmin = s64((u64(r.smin) & hiMask) | BigInt(r.u32min));
  nmax = s64((u64(r.smax) & hiMask) | BigInt(r.u32max));
  r.smin = bmax(r.smin, nmin);
  r.smax = bmin(r.smax, nmax);
  if (r.s32min >= 0 && r.smin >= S32_MIN_B && r.smax <= S32_MAX_B) mixedSmall(r);
}

function mixedSmall(r: Scalar): void {
  r.smin = BigInt(r.s32min); r.smax = BigInt(r.s32max);
  r.umin = r.smin; r.umax = r.smax;
  r.varOff = tnumIntersect(r.varOff, tnumRange(r.smin, r.smax));
}

function boundOffset(r: Scalar): void {
  const v64 = tnumIntersect(r.varOff, tnumRange(r.umin, r.umax));
  const v32 = tnumIntersect(tnumSubreg(v64), tnumRange(BigInt(r.u32min), BigInt(r.u32max)));
  r.varOff = tnumOr(tnumClearSubreg(v64), v32);
}

/** True when sync() would change nothing: a known constant or a wholly unknown value, bounds already exact. */
function syncIsNoop(r: Scalar): boolean {
  const t = r.varOff;
  if (t.mask === 0n) {
    const v = t.value;
    if (r.umin !== v || r.umax !== v || r.smin !== r.smax || r.s32min !== r.s32max || r.u32min !== r.u32max) return false;
    return r.smin === s64(v) && r.s32min === s32n(v) && r.u32min === u32n(v);
  }
  return t.mask === U64_MAX && t.value === 0n && r.umin === 0n && r.umax === U64_MAX && r.smin === S64_MIN &&
    r.smax === S64_MAX && r.u32min === 0 && r.u32max === U32 && r.s32min === S32_MIN && r.s32max === S32_MAX;
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
  return r.smin > r.smax || r.umin > r.umax || r.s32min > r.s32max || r.u32min > r.u32max;
}

/** Zero-extends the low 32 bits into the whole register (the result of any 32-bit ALU op). */
export function zext32(r: Scalar): void {
  r.varOff = tnumSubreg(r.varOff);
  r.umin = BigInt(r.u32min); r.umax = BigInt(r.u32max);
  r.smin = r.umin; r.smax = r.umax;
  sync(r);
}

/** Truncates to `size` bytes, zero-extended (narrow loads, 32-bit moves). */
export function coerceToSize(r: Scalar, size: number): void {
  r.varOff = tnumCast(r.varOff, size);
  const mask = (1n << BigInt(size * 8)) - 1n;
  if ((r.umin & ~mask) === (r.umax & ~mask)) {
    r.umin &= mask; r.umax &= mask;
  } else {
    r.umin = 0n; r.umax = mask;
  }
  r.smin = r.umin; r.smax = r.umax;
  if (size >= 4) {
    markUnbounded32(r);
  } else {
    r.s32min = Number(r.umin); r.s32max = Number(r.umax); r.u32min = Number(r.umin); r.u32max = Number(r.umax);
  }
  if (size >= 4) { r.u32min = 0; r.u32max = U32; r.s32min = S32_MIN; r.s32max = S32_MAX; }
  sync(r);
}

/** Sign-extends the low `size` bytes (movsx, ldsx). */
export function signExtend(r: Scalar, size: number, alu32: boolean): void {
  const bits = size * 8;
  if (isConst(r)) {
    const v = BigInt.asIntN(bits, r.varOff.value);
    if (alu32) { markKnown(r, BigInt.asUintN(32, v)); } else markKnown(r, v);
    return;
  }
  const lo = -(1n << BigInt(bits - 1));
  const hi = (1n << BigInt(bits - 1)) - 1n;
  const t = tnumSext(r.varOff, bits);
  markUnbounded(r);
  r.varOff = t;
  r.smin = lo; r.smax = hi;
  if (bits < 32) { r.s32min = Number(lo); r.s32max = Number(hi); }
  sync(r);
  if (alu32) zext32(r);
}

const addOverflows = (a: bigint, b: bigint, lo: bigint, hi: bigint): boolean => a + b < lo || a + b > hi;

/** Applies one ALU op with a scalar source. `bits` is 32 or 64. */
export function scalarAlu(op: number, dst: Scalar, src: Scalar, bits: 32 | 64): void {
  const alu32 = bits === 32;
  const srcKnown = alu32 ? isConst32(src) : isConst(src);
  const shiftOp = op === 0x60 || op === 0x70 || op === 0xc0;
  if (shiftOp) {
    const umaxVal = alu32 ? src.u32max : Number(src.umax > 1000n ? 1000n : src.umax);
    if (!srcKnown || umaxVal >= bits) {
      markUnknown(dst);
      if (alu32) zext32(dst);
      return;
    }
  } else if (op !== 0x00 && op !== 0x10 && op !== 0x20 && op !== 0x40 && op !== 0x50 && op !== 0xa0) {
    markUnknown(dst);
    if (alu32) zext32(dst);
    return;
  }
  if (isConst(dst) && isConst(src)) {
    const v = constAlu(op, dst.varOff.value, src.varOff.value, bits);
    if (v !== undefined) {
      markKnown(dst, v);
      return;
    }
  }
  if (alu32) alu32Op(op, dst, src);
  else alu64Op(op, dst, src);
  if (alu32) zext32(dst);
  else sync(dst);
}

/** Exact result of an ALU op on two constants (zero-extended for 32-bit ops). */
function constAlu(op: number, a: bigint, b: bigint, bits: 32 | 64): bigint | undefined {
  const mask = bits === 32 ? 0xffff_ffffn : 0xffff_ffff_ffff_ffffn;
  a &= mask;
  b &= mask;
  let r: bigint;
  switch (op) {
    case 0x00: r = a + b; break;
    case 0x10: r = a - b; break;
    case 0x20: r = a * b; break;
    case 0x40: r = a | b; break;
    case 0x50: r = a & b; break;
    case 0xa0: r = a ^ b; break;
    case 0x60: r = a << b; break;
    case 0x70: r = a >> b; break;
    case 0xc0: r = BigInt.asIntN(bits, a) >> b; break;
    default: return undefined;
  }
  return r & mask;
}

function alu64Op(op: number, d: Scalar, s: Scalar): void {
  // The 32-bit halves are derived again from the tnum afterwards.
  switch (op) {
    case 0x00: { // add
      if (addOverflows(d.smin, s.smin, S64_MIN, S64_MAX) || addOverflows(d.smax, s.smax, S64_MIN, S64_MAX)) {
        d.smin = S64_MIN; d.smax = S64_MAX;
      } else { d.smin += s.smin; d.smax += s.smax; }
      if (d.umax + s.umax > U64_MAX) { d.umin = 0n; d.umax = U64_MAX; } else { d.umin += s.umin; d.umax += s.umax; }
      d.varOff = tnumAdd(d.varOff, s.varOff);
      add32(d, s);
      break;
    }
    case 0x10: { // sub
      if (addOverflows(d.smin, -s.smax, S64_MIN, S64_MAX) || addOverflows(d.smax, -s.smin, S64_MIN, S64_MAX)) {
        d.smin = S64_MIN; d.smax = S64_MAX;
      } else { d.smin -= s.smax; d.smax -= s.smin; }
      if (d.umin < s.umax) { d.umin = 0n; d.umax = U64_MAX; } else { d.umin -= s.umax; d.umax -= s.umin; }
      d.varOff = tnumSub(d.varOff, s.varOff);
      sub32(d, s);
      break;
    }
    case 0x20: { // mul
      const p = [d.smin * s.smin, d.smin * s.smax, d.smax * s.smin, d.smax * s.smax];
      if (p.some((x) => x < S64_MIN || x > S64_MAX)) { d.smin = S64_MIN; d.smax = S64_MAX; }
      else { d.smin = p.reduce(bmin); d.smax = p.reduce(bmax); }
      if (d.umax * s.umax > U64_MAX) { d.umin = 0n; d.umax = U64_MAX; } else { d.umin *= s.umin; d.umax *= s.umax; }
      d.varOff = tnumMul(d.varOff, s.varOff);
      markUnbounded32(d);
      break;
    }
    case 0x50: { // and
      d.varOff = tnumAnd(d.varOff, s.varOff);
      if (isConst(d)) { markKnown(d, d.varOff.value); return; }
      d.umin = d.varOff.value; d.umax = bmin(d.umax, s.umax);
      signedFromUnsigned64(d);
      markUnbounded32(d);
      break;
    }
    case 0x40: { // or
      d.varOff = tnumOr(d.varOff, s.varOff);
      if (isConst(d)) { markKnown(d, d.varOff.value); return; }
      d.umin = bmax(d.umin, s.umin); d.umax = d.varOff.value | d.varOff.mask;
      signedFromUnsigned64(d);
      markUnbounded32(d);
      break;
    }
    case 0xa0: { // xor
      d.varOff = tnumXor(d.varOff, s.varOff);
      if (isConst(d)) { markKnown(d, d.varOff.value); return; }
      d.umin = d.varOff.value; d.umax = d.varOff.value | d.varOff.mask;
      signedFromUnsigned64(d);
      markUnbounded32(d);
      break;
    }
    case 0x60: { // lsh
      const sh = Number(s.umin);
      if (d.umax > (1n << BigInt(63 - sh))) { d.umin = 0n; d.umax = U64_MAX; }
      else { d.umin <<= BigInt(sh); d.umax <<= BigInt(sh); }
      if (sh === 32 && d.s32max >= 0) { d.smin = BigInt(d.s32min) << 32n; d.smax = BigInt(d.s32max) << 32n; }
      else { d.smin = S64_MIN; d.smax = S64_MAX; }
      d.varOff = tnumLshift(d.varOff, sh);
      markUnbounded32(d);
      break;
    }
    case 0x70: { // rsh
      const sh = Number(s.umin);
      d.smin = S64_MIN; d.smax = S64_MAX;
      d.varOff = tnumRshift(d.varOff, sh);
      d.umin >>= BigInt(sh); d.umax >>= BigInt(sh);
      markUnbounded32(d);
      break;
    }
    case 0xc0: { // arsh
      const sh = BigInt(Number(s.umin));
      d.smin >>= sh; d.smax >>= sh;
      d.varOff = tnumArshift(d.varOff, Number(sh), 64);
      d.umin = 0n; d.umax = U64_MAX;
      markUnbounded32(d);
      break;
    }
  }
}

function signedFromUnsigned64(d: Scalar): void {
  if (s64(d.umin) <= s64(d.umax)) { d.smin = s64(d.umin); d.smax = s64(d.umax); }
  else { d.smin = S64_MIN; d.smax = S64_MAX; }
}

function add32(d: Scalar, s: Scalar): void {
  const lo = d.s32min + s.s32min;
  const hi = d.s32max + s.s32max;
  if (lo < S32_MIN || hi > S32_MAX) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else { d.s32min = lo; d.s32max = hi; }
  if (d.u32max + s.u32max > U32) { d.u32min = 0; d.u32max = U32; } else { d.u32min += s.u32min; d.u32max += s.u32max; }
}

function sub32(d: Scalar, s: Scalar): void {
  const lo = d.s32min - s.s32max;
  const hi = d.s32max - s.s32min;
  if (lo < S32_MIN || hi > S32_MAX) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else { d.s32min = lo; d.s32max = hi; }
  if (d.u32min < s.u32max) { d.u32min = 0; d.u32max = U32; } else { d.u32min -= s.u32max; d.u32max -= s.u32min; }
}

function alu32Op(op: number, d: Scalar, s: Scalar): void {
  const dv = tnumSubreg(d.varOff);
  const sv = tnumSubreg(s.varOff);
  switch (op) {
    case 0x00: add32(d, s); d.varOff = tnumAdd(dv, sv); break;
    case 0x10: sub32(d, s); d.varOff = tnumSub(dv, sv); break;
    case 0x20: {
      const p = [d.s32min * s.s32min, d.s32min * s.s32max, d.s32max * s.s32min, d.s32max * s.s32max];
      if (p.some((x) => x < S32_MIN || x > S32_MAX)) { d.s32min = S32_MIN; d.s32max = S32_MAX; }
      else { d.s32min = Math.min(...p); d.s32max = Math.max(...p); }
      if (d.u32max * s.u32max > U32) { d.u32min = 0; d.u32max = U32; } else { d.u32min *= s.u32min; d.u32max *= s.u32max; }
      d.varOff = tnumSubreg(tnumMul(dv, sv));
      break;
    }
    case 0x50: case 0x40: case 0xa0: {
      const t = op === 0x50 ? tnumAnd(dv, sv) : op === 0x40 ? tnumOr(dv, sv) : tnumXor(dv, sv);
      d.varOff = t;
      if (tnumIsConst(t)) { markKnown32(d, t.value); break; }
      const v = Number(t.value);
      const vm = Number(t.value | t.mask);
      if (op === 0x50) { d.u32min = v; d.u32max = Math.min(d.u32max, s.u32max); }
      else if (op === 0x40) { d.u32min = Math.max(d.u32min, s.u32min); d.u32max = vm; }
      else { d.u32min = v; d.u32max = vm; }
      if (toS32(d.u32min) <= toS32(d.u32max)) { d.s32min = toS32(d.u32min); d.s32max = toS32(d.u32max); }
      else { d.s32min = S32_MIN; d.s32max = S32_MAX; }
      break;
    }
    case 0x60: {
      const sh = s.u32min;
      d.s32min = S32_MIN; d.s32max = S32_MAX;
      if (d.u32max > 2 ** (31 - sh)) { d.u32min = 0; d.u32max = U32; }
      else { d.u32min = toU32(d.u32min * 2 ** sh); d.u32max = toU32(d.u32max * 2 ** sh); }
      d.varOff = tnumSubreg(tnumLshift(dv, sh));
      break;
    }
    case 0x70: {
      const sh = s.u32min;
      d.s32min = S32_MIN; d.s32max = S32_MAX;
      d.varOff = tnumRshift(dv, sh);
      d.u32min = Math.floor(d.u32min / 2 ** sh); d.u32max = Math.floor(d.u32max / 2 ** sh);
      break;
    }
    case 0xc0: {
      const sh = s.u32min;
      d.s32min >>= sh; d.s32max >>= sh;
      d.varOff = tnumArshift(dv, sh, 32);
      d.u32min = 0; d.u32max = U32;
      break;
    }
  }
  markUnbounded64(d);
}

/** A fresh unknown scalar. */
export function unknownScalar(): Scalar {
  return {
    varOff: TNUM_UNKNOWN, smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: U64_MAX,
    s32min: S32_MIN, s32max: S32_MAX, u32min: 0, u32max: U32,
  };
}

export function knownScalar(v: bigint): Scalar {
  const r = unknownScalar();
  markKnown(r, v);
  return r;
}

/** True when every value `cur` allows, `old` allows too (for state pruning). */
export function rangeWithin(old: Scalar, cur: Scalar): boolean {
  return old.umin <= cur.umin && old.umax >= cur.umax && old.smin <= cur.smin && old.smax >= cur.smax &&
    old.u32min <= cur.u32min && old.u32max >= cur.u32max && old.s32min <= cur.s32min && old.s32max >= cur.s32max;
}

export function scalarEquals(a: Scalar, b: Scalar): boolean {
  return a.varOff.value === b.varOff.value && a.varOff.mask === b.varOff.mask && a.smin === b.smin && a.smax === b.smax &&
    a.umin === b.umin && a.umax === b.umax && a.s32min === b.s32min && a.s32max === b.s32max &&
    a.u32min === b.u32min && a.u32max === b.u32max;
}

export { U32 };
