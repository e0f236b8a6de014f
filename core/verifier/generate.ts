// Random programs for differential testing against the kernel: small programs mixing ALU ops,
// stack and map-value accesses, context loads, forward branches and helper calls, seeded so a
// failing case can be reproduced.
import type { Instruction } from '../isa';
import type { MapDef } from '../map-types';
import type { ProgType } from '../program-types';

export interface GeneratedProgram {
  insns: Instruction[];
  maps: MapDef[];
  progType: ProgType;
}

/** Small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ code, dst, src, off, imm });

const ALU_OPS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0];
const JMP_OPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];
const SIZES = [0x18, 0x00, 0x08, 0x10];

export function generateProgram(rand: () => number): GeneratedProgram {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const maps: MapDef[] = [{ name: 'm', type: 'array', keySize: 4, valueSize: pick([4, 8, 16, 32]), maxEntries: 4, flags: 0 }];
  const progType: ProgType = pick(['socket_filter', 'xdp', 'sched_cls', 'kprobe'] as const);
  const body: Instruction[] = [];
  // Prologue: keep ctx in r6, a map value (or NULL) in r7 and a few initialised scalars.
  body.push(I(0xbf, 6, 1));
  body.push(I(0x62, 10, 0, -4, 0));
  body.push({ code: 0x18, dst: 1, src: 1, off: 0, imm: 0, hi: 0 });
  body.push(I(0xbf, 2, 10), I(0x07, 2, 0, 0, -4), I(0x85, 0, 0, 0, 1));
  body.push(I(0xbf, 7, 0));
  if (rand() < 0.8) body.push(I(0x15, 7, 0, 0x7fff, 0)); // patched below: if r7 == 0 goto exit
  const nullCheckAt = body.length - 1;
  body.push(I(0xb7, 0, 0, 0, 0), I(0xb7, 8, 0, 0, int(-5, 20)), I(0xb7, 9, 0, 0, int(0, 64)));
  const n = int(3, 14);
  for (let k = 0; k < n; k++) {
    const kind = rand();
    const reg = pick([0, 8, 9, 3, 4]);
    if (kind < 0.35) {
      const op = pick(ALU_OPS);
      const cls = rand() < 0.75 ? 0x07 : 0x04;
      if (rand() < 0.5) body.push(I(cls | op, reg, 0, 0, op === 0x60 || op === 0x70 || op === 0xc0 ? int(0, 70) : int(-8, 300)));
      else body.push(I(cls | op | 0x08, reg, pick([0, 8, 9, 7, 6, 10, 3])));
    } else if (kind < 0.5) {
      const off = -8 * int(1, 66) + pick([0, 0, 0, 4]);
      body.push(I(0x63 | pick(SIZES), 10, pick([8, 9, 0, 6, 7]), off));
    } else if (kind < 0.62) {
      const off = -8 * int(1, 66) + pick([0, 0, 0, 4]);
      body.push(I(0x61 | pick(SIZES), reg, 10, off));
    } else if (kind < 0.72) {
      body.push(I(0x61 | pick(SIZES), reg, 7, int(-2, 34)));
    } else if (kind < 0.8) {
      body.push(I(0x61 | pick(SIZES), reg, 6, pick([0, 4, 8, 12, 16, 24, 48, 76, 80, 200])));
    } else if (kind < 0.9) {
      if (rand() < 0.3) body.push(I(0x05 | pick(JMP_OPS) | 0x08, pick([0, 8, 9, 7]), pick([8, 9, 0])));
      else body.push(I(0x05 | pick(JMP_OPS), pick([0, 8, 9, 7]), 0, 0, int(-3, 40)));
      body[body.length - 1].off = int(0, 2);
    } else if (kind < 0.95) {
      body.push(I(0x0f, 7, pick([8, 9])));
    } else {
      body.push(I(0x85, 0, 0, 0, pick([5, 7, 8, 14])));
      body.push(I(0xb7, 8, 0, 0, int(0, 8)), I(0xb7, 9, 0, 0, int(0, 8)));
    }
  }
  if (rand() < 0.5) body.push(I(0xb7, 0, 0, 0, pick([0, 1, 2])));
  body.push(I(0x95));
  // Resolve the NULL check to jump to the final exit; fix jumps that leave the program.
  const slotOf: number[] = [];
  let slot = 0;
  for (const insn of body) { slotOf.push(slot); slot += insn.code === 0x18 ? 2 : 1; }
  const lastSlot = slot - 1;
  body.forEach((insn, i) => {
    if ((insn.code & 7) !== 0x05 || insn.code === 0x85 || insn.code === 0x95) return;
    if (i === nullCheckAt && insn.off === 0x7fff) insn.off = lastSlot - slotOf[i] - 1;
    else if (slotOf[i] + insn.off + 1 > lastSlot) insn.off = lastSlot - slotOf[i] - 1;
  });
  return { insns: body, maps, progType };
}

export function generatePrograms(count: number, seed: number): GeneratedProgram[] {
  const rand = rng(seed);
  const out: GeneratedProgram[] = [];
  for (let i = 0; i < count; i++) out.push(generateProgram(rand));
  return out;
}

/**
 * A large accepted XDP program of about `count` instructions for timing: packet bounds check,
 * then blocks of packet reads, ALU work, stack traffic, short forward branches and map lookups.
 */
export function largeProgram(count: number): GeneratedProgram {
  const maps: MapDef[] = [{ name: 'stats', type: 'array', keySize: 4, valueSize: 64, maxEntries: 16, flags: 0 }];
  const out: Instruction[] = [];
  let slots = 0;
  const push = (...xs: Instruction[]): void => {
    for (const x of xs) { out.push(x); slots += x.code === 0x18 ? 2 : 1; }
  };
  push(I(0xb7, 0, 0, 0, 2), I(0x61, 2, 1, 0), I(0x61, 3, 1, 4), I(0xbf, 4, 2), I(0x07, 4, 0, 0, 64));
  const exitFixups: number[] = [];
  exitFixups.push(out.length);
  push(I(0x2d, 4, 3, 0)); // if r4 > r3 goto exit (patched)
  push(I(0xbf, 6, 2), I(0xb7, 7, 0, 0, 0), I(0x7b, 10, 7, -8));
  let k = 0;
  while (slots < count - 24) {
    const off = (k * 7) % 60;
    push(I(0x71, 8, 6, off), I(0x07, 8, 0, 0, k & 15), I(0x57, 8, 0, 0, 0xff), I(0x0f, 7, 8));
    push(I(0x25, 8, 0, 1, 100 + (k % 50)), I(0x07, 7, 0, 0, 1)); // if r8 > N goto +1
    push(I(0x7b, 10, 7, -16 - 8 * (k % 8)), I(0x79, 9, 10, -16 - 8 * (k % 8)), I(0xaf, 7, 9));
    if (k % 8 === 7) {
      push({ code: 0x62, dst: 10, src: 0, off: -4, imm: k % 16 });
      push({ code: 0x18, dst: 1, src: 1, off: 0, imm: 0, hi: 0 }, I(0xbf, 2, 10), I(0x07, 2, 0, 0, -4), I(0x85, 0, 0, 0, 1));
      push(I(0x15, 0, 0, 2, 0), I(0x79, 9, 0, 8 * (k % 8)), I(0x0f, 7, 9));
    }
    k++;
  }
  push(I(0x57, 7, 0, 0, 3), I(0xbf, 0, 7), I(0x95));
  const exitSlot = slots - 1;
  // patch the bounds check to jump to the final exit
  let s = 0;
  for (let i = 0; i < out.length; i++) {
    if (exitFixups.includes(i)) out[i].off = exitSlot - s - 1;
    s += out[i].code === 0x18 ? 2 : 1;
  }
  return { insns: out, maps, progType: 'xdp' };
}

/**
 * Mutants of existing programs: one random change each (an offset, an immediate, a register, an
 * access size, a comparison, or an instruction dropped), for differential testing near real code.
 */
export function mutatePrograms(base: readonly GeneratedProgram[], count: number, seed: number): GeneratedProgram[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const out: GeneratedProgram[] = [];
  if (base.length === 0) return out;
  for (let n = 0; n < count; n++) {
    const src = pick(base);
    const insns = src.insns.map((i) => ({ ...i }));
    const k = Math.floor(rand() * insns.length);
    const insn = insns[k];
    const cls = insn.code & 7;
    switch (Math.floor(rand() * 6)) {
      case 0: insn.off += pick([-8, -4, -1, 1, 2, 4, 8, 16]); break;
      case 1: if (insn.code !== 0x18) insn.imm += pick([-64, -8, -1, 1, 7, 8, 64, 1000]); break;
      case 2: if (rand() < 0.5) insn.dst = Math.floor(rand() * 11); else insn.src = Math.floor(rand() * 11); break;
      case 3: if (cls === 0x01 || cls === 0x02 || cls === 0x03) insn.code = (insn.code & ~0x18) | pick([0x00, 0x08, 0x10, 0x18]); break;
      case 4: if (cls === 0x05 && (insn.code & 0xf0) !== 0x80 && (insn.code & 0xf0) !== 0x90 && (insn.code & 0xf0) !== 0x00) {
        insn.code = (insn.code & 0x0f) | pick([0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0]);
      } break;
      default: if (insns.length > 2) insns.splice(k, 1); break;
    }
    out.push({ insns, maps: src.maps, progType: src.progType });
  }
  return out;
}
