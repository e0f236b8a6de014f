// The verifier's 64-bit word-pair arithmetic against BigInt, the exact definition of 64-bit
// two's-complement arithmetic, on edge values and many random operands.
import { describe, expect, it } from 'vitest';
import * as W from '../core/verifier/word64';

const M64 = (1n << 64n) - 1n;
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const hi = (x: bigint): number => Number(u64(x) >> 32n) | 0;
const lo = (x: bigint): number => Number(u64(x) & 0xffff_ffffn) | 0;
const got = (): bigint => W.toU64(W.out.hi, W.out.lo);

const EDGES = [
  0n, 1n, 2n, 3n, 0x7fn, 0x80n, 0xffn, 0xffffn, 0x7fff_ffffn, 0x8000_0000n, 0x8000_0001n, 0xffff_fffen, 0xffff_ffffn,
  0x1_0000_0000n, 0x1_0000_0001n, 0x1_ffff_ffffn, 1n << 52n, 1n << 53n, (1n << 53n) + 1n, 0x7fff_ffff_ffff_fffen,
  0x7fff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 0x8000_0000_0000_0001n, 0xffff_ffff_0000_0000n,
  0xffff_ffff_7fff_ffffn, 0xffff_ffff_8000_0000n, M64 - 1n, M64,
];

/** Deterministic operands: every edge value, plus random 64-bit patterns of several shapes. */
function operands(n: number): bigint[] {
  let seed = 0x9e3779b9;
  const r32 = (): bigint => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return BigInt((t ^ (t >>> 14)) >>> 0);
  };
  const out = [...EDGES];
  for (let i = 0; i < n; i++) {
    const x = (r32() << 32n) | r32();
    const shape = i % 4;
    out.push(shape === 0 ? x : shape === 1 ? x & 0xffff_ffffn : shape === 2 ? u64(-(x & 0xffffn)) : x >> r32() % 64n);
  }
  return out;
}

describe('64-bit word pairs match BigInt', () => {
  const xs = operands(120);

  it('add, sub, mul, carries and signed overflow', () => {
    for (const a of xs) {
      for (const b of xs) {
        const carry = W.add(hi(a), lo(a), hi(b), lo(b));
        expect(got()).toBe(u64(a + b));
        expect(carry).toBe(a + b > M64);
        const borrow = W.sub(hi(a), lo(a), hi(b), lo(b));
        expect(got()).toBe(u64(a - b));
        expect(borrow).toBe(a < b);
        W.mul(hi(a), lo(a), hi(b), lo(b));
        expect(got()).toBe(u64(a * b));
        const sa = s64(a), sb = s64(b);
        expect(W.addOverflowsS(hi(a), lo(a), hi(b), lo(b))).toBe(s64(sa + sb) !== sa + sb);
        expect(W.subOverflowsS(hi(a), lo(a), hi(b), lo(b))).toBe(s64(sa - sb) !== sa - sb);
      }
    }
  });

  it('comparisons, signed and unsigned', () => {
    for (const a of xs) {
      for (const b of xs) {
        expect(W.ltU(hi(a), lo(a), hi(b), lo(b))).toBe(a < b);
        expect(W.leU(hi(a), lo(a), hi(b), lo(b))).toBe(a <= b);
        expect(W.ltS(hi(a), lo(a), hi(b), lo(b))).toBe(s64(a) < s64(b));
        expect(W.leS(hi(a), lo(a), hi(b), lo(b))).toBe(s64(a) <= s64(b));
      }
    }
  });

  it('shifts by every amount 0..63, highest set bit, conversions', () => {
    for (const a of xs) {
      for (let s = 0; s < 64; s++) {
        W.shl(hi(a), lo(a), s);
        expect(got()).toBe(u64(a << BigInt(s)));
        W.shr(hi(a), lo(a), s);
        expect(got()).toBe(a >> BigInt(s));
        W.sar(hi(a), lo(a), s);
        expect(got()).toBe(u64(s64(a) >> BigInt(s)));
      }
      expect(W.fls(hi(a), lo(a))).toBe(a === 0n ? 0 : a.toString(2).length);
      expect(W.toU64(hi(a), lo(a))).toBe(a);
      expect(W.toS64(hi(a), lo(a))).toBe(s64(a));
      W.fromBig(s64(a));
      expect([W.out.hi, W.out.lo]).toEqual([hi(a), lo(a)]);
      if (s64(a) >= -(1n << 53n) && s64(a) <= 1n << 53n) expect(W.toNumberS(hi(a), lo(a))).toBe(Number(s64(a)));
    }
  });
});
