// Random instruction generator for the disassembler tests: every valid form, with edge values,
// plus some corrupted and fully random encodings. Deterministic for a given seed.
import type { Instruction } from '../core/isa';

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

export interface RandomOptions {
  /** Probability of an invalid instruction (corrupted field or random bytes). */
  invalid?: number;
  /** Include forms that only the LLVM syntax can express (addr_space_cast, ld_pseudo with src > 6). */
  llvmOnly?: boolean;
}

const ALU_OPS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0];
const JMP_OPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];
const ATOMIC_IMMS = [0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1];

export function randomInstruction(r: () => number, opts: RandomOptions = {}): Instruction {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const int = (n: number): number => Math.floor(r() * n);
  const regn = (): number => (r() < 0.02 ? 11 : int(11));
  const imm32 = (): number => {
    const k = r();
    if (k < 0.3) return int(32);
    if (k < 0.45) return -int(32) - 1;
    if (k < 0.55) return pick([0, -1, 0x7fffffff, -0x80000000, 1, 0xffff, 0x10000]);
    return (int(0x1_0000_0000) | 0);
  };
  const off16 = (): number => {
    const k = r();
    if (k < 0.5) return int(64) - 32;
    if (k < 0.6) return pick([0, -1, 32767, -32768]);
    return int(65536) - 32768;
  };
  if (r() < (opts.invalid ?? 0)) {
    if (r() < 0.5) {
      return { code: int(256), dst: int(16), src: int(16), off: off16(), imm: imm32(), ...(r() < 0.5 ? {} : {}) };
    }
    const base = randomInstruction(r, { ...opts, invalid: 0 });
    const f = int(5);
    if (f === 0) base.dst = 11 + int(5);
    else if (f === 1) base.src = int(16);
    else if (f === 2) base.off = off16();
    else if (f === 3) base.imm = imm32();
    else base.code ^= 1 << int(8);
    if (base.code !== 0x18) delete base.hi;
    else base.hi ??= 0;
    return base;
  }
  const k = int(20);
  switch (k) {
    case 0: case 1: case 2: { // ALU imm/reg
      const cls = pick([0x04, 0x07]);
      const op = pick(ALU_OPS);
      const x = r() < 0.5;
      const off = (op === 0x30 || op === 0x90) && r() < 0.4 ? 1 : 0;
      return x
        ? { code: cls | op | 8, dst: regn(), src: regn(), off, imm: 0 }
        : { code: cls | op, dst: regn(), src: 0, off, imm: imm32() };
    }
    case 3: { // movsx, neg, end, addr_space_cast
      const w = int(4);
      if (w === 0) {
        const cls = pick([0x04, 0x07]);
        return { code: cls | 0xb8, dst: regn(), src: regn(), off: pick(cls === 7 ? [8, 16, 32] : [8, 16]), imm: 0 };
      }
      if (w === 1) return { code: pick([0x84, 0x87]), dst: regn(), src: 0, off: 0, imm: 0 };
      if (w === 2 || !opts.llvmOnly) return { code: pick([0xd4, 0xdc, 0xd7]), dst: regn(), src: 0, off: 0, imm: pick([16, 32, 64]) };
      return { code: 0xbf, dst: regn(), src: regn(), off: 1, imm: int(0x1_0000_0000) | 0 };
    }
    case 4: case 5: { // loads
      const sx = r() < 0.3;
      const size = sx ? pick([0x00, 0x08, 0x10]) : pick([0x00, 0x08, 0x10, 0x18]);
      return { code: (sx ? 0x81 : 0x61) | size, dst: regn(), src: regn(), off: off16(), imm: 0 };
    }
    case 6: return { code: 0x62 | pick([0, 8, 0x10, 0x18]), dst: regn(), src: 0, off: off16(), imm: imm32() };
    case 7: return { code: 0x63 | pick([0, 8, 0x10, 0x18]), dst: regn(), src: regn(), off: off16(), imm: 0 };
    case 8: return { code: pick([0xc3, 0xdb]), dst: regn(), src: regn(), off: off16(), imm: pick(ATOMIC_IMMS) };
    case 9: case 10: case 11: { // conditional jumps
      const cls = pick([0x05, 0x06]);
      const x = r() < 0.5;
      const op = pick(JMP_OPS);
      return x
        ? { code: cls | op | 8, dst: regn(), src: regn(), off: off16(), imm: 0 }
        : { code: cls | op, dst: regn(), src: 0, off: off16(), imm: imm32() };
    }
    case 12: return { code: 0x05, dst: 0, src: 0, off: off16(), imm: 0 };
    case 13: return { code: 0x06, dst: 0, src: 0, off: 0, imm: r() < 0.5 ? off16() : imm32() };
    case 14: {
      const w = int(5);
      if (w === 0) return { code: 0x8d, dst: int(11), src: 0, off: 0, imm: 0 };
      if (w === 1) return { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 };
      if (w === 2) return { code: 0xe5, dst: 0, src: 0, off: off16(), imm: 0 };
      return { code: 0x85, dst: 0, src: pick([0, 0, 1, 2]), off: 0, imm: r() < 0.5 ? int(212) : imm32() };
    }
    case 15: case 16: {
      const src = r() < 0.6 ? 0 : opts.llvmOnly ? int(16) : 1 + int(6);
      return { code: 0x18, dst: regn(), src, off: 0, imm: imm32(), hi: r() < 0.4 ? 0 : imm32() };
    }
    case 17: {
      const size = pick([0x00, 0x08, 0x10]);
      return r() < 0.5
        ? { code: 0x20 | size, dst: 0, src: 0, off: 0, imm: imm32() }
        : { code: 0x40 | size, dst: 0, src: regn(), off: 0, imm: r() < 0.5 ? 0 : imm32() };
    }
    default: return { code: pick([0x07, 0xb7, 0xbf, 0x95, 0x05]), dst: regn(), src: 0, off: 0, imm: imm32() };
  }
}

/** Raw bytes of instructions, keeping invalid fields (dst/src > 10) as they are. */
export function toBytes(insns: readonly Instruction[]): Uint8Array {
  const n = insns.reduce((a, i) => a + (i.code === 0x18 && i.hi !== undefined ? 16 : 8), 0);
  const out = new Uint8Array(n);
  const v = new DataView(out.buffer);
  let at = 0;
  for (const i of insns) {
    v.setUint8(at, i.code & 0xff);
    v.setUint8(at + 1, ((i.src & 0xf) << 4) | (i.dst & 0xf));
    v.setInt16(at + 2, i.off, true);
    v.setInt32(at + 4, i.imm | 0, true);
    at += 8;
    if (i.code === 0x18 && i.hi !== undefined) {
      v.setInt32(at + 4, i.hi | 0, true);
      at += 8;
    }
  }
  return out;
}
