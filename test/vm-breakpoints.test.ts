// Continue to breakpoints against single steps: wherever the breakpoints are (block heads, the middle
// of blocks, loop bodies) and however often they change between continues, continue() stops exactly
// where stepping one instruction at a time first reaches a breakpoint slot, in both debug modes.
import { describe, expect, it } from 'vitest';
import { Machine } from '../core/vm/machine';
import { programFromInsns } from '../core/vm/program';
import { randomProgram } from '../core/testing/random-programs';

/** A small deterministic generator (the breakpoint sets per stop). */
function lcg(seed: number): () => number {
  let s = seed | 0;
  return () => { s = (Math.imul(s, 1103515245) + 12345) | 0; return (s >>> 8) & 0xffff; };
}

type Stop = string;

/** The oracle: single steps until the pc is a breakpoint slot, or the run ends. */
function stepToBreakpoint(m: Machine, bps: ReadonlySet<number>): Stop {
  for (;;) {
    const s = m.step(1);
    if (s.reason === 'exit' || s.reason === 'fault') return `${s.reason} ${m.count}`;
    if (m.progIndex === 0 && bps.has(m.pc)) return `breakpoint ${m.pc} ${m.count}`;
  }
}

function continueToBreakpoint(m: Machine, bps: ReadonlySet<number>): Stop {
  m.setBreakpoints(bps);
  const s = m.continue();
  return s.reason === 'breakpoint' ? `breakpoint ${s.pc} ${m.count}` : `${s.reason} ${m.count}`;
}

describe('continue to breakpoints', () => {
  it('stops where single steps first reach a breakpoint, with the breakpoints changed at every stop', () => {
    const differ: string[] = [];
    let compared = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const p = randomProgram(seed, { length: 50, subprograms: seed % 3, loops: true, edgeValues: seed % 2 === 0 });
      const prog = programFromInsns(p.insns);
      for (const record of [false, true]) {
        const oracle = new Machine({ programs: [prog], progType: 'xdp' });
        const tested = new Machine({ programs: [prog], progType: 'xdp' });
        oracle.begin({ packet: p.packet }, false);
        tested.begin({ packet: p.packet }, record);
        const rnd = lcg(seed * 2 + (record ? 1 : 0));
        for (let stop = 0; stop < 40; stop++) {
          const bps = new Set(prog.slots.flatMap((insn, slot) => (insn && rnd() % 6 === 0 ? [slot] : [])));
          const want = stepToBreakpoint(oracle, bps);
          const got = continueToBreakpoint(tested, bps);
          compared++;
          if (got !== want) { differ.push(`seed ${seed}${record ? ' recording' : ''}, stop ${stop}: ${got}, single steps: ${want}`); break; }
          if (!want.startsWith('breakpoint')) break;
        }
      }
    }
    expect(differ).toEqual([]);
    expect(compared).toBeGreaterThan(200);
  });

  it('stops at a breakpoint in the middle of a loop body on every iteration, and at one after the loop', () => {
    // r1 = 0; r2 = 0; loop: r2 += r1; r1 += 1; if r1 < 5 goto loop; r0 = r2; exit
    const I = (code: number, dst: number, src: number, off: number, imm: number) => ({ code, dst, src, off, imm });
    const prog = programFromInsns([I(0xb7, 1, 0, 0, 0), I(0xb7, 2, 0, 0, 0), I(0x0f, 2, 1, 0, 0), I(0x07, 1, 0, 0, 1), I(0xa5, 1, 0, -3, 5), I(0xbf, 0, 2, 0, 0), I(0x95, 0, 0, 0, 0)]);
    for (const record of [false, true]) {
      const m = new Machine({ programs: [prog] });
      m.begin({}, record);
      m.setBreakpoints([3]);
      const stops: string[] = [];
      for (let s = m.continue(); s.reason === 'breakpoint'; s = m.continue()) {
        stops.push(`${s.pc}: r1 = ${m.registers()[1]}`);
        if (stops.length === 2) m.setBreakpoints([3, 5]);
        if (s.pc === 5) break;
      }
      // Stops before `r1 += 1` with r1 = 0..4, then at `r0 = r2` (slot 5) once the loop is done.
      expect(stops).toEqual([0, 1, 2, 3, 4].map((r) => `3: r1 = ${r}`).concat('5: r1 = 5'));
      expect(m.count).toBe(2 + 5 * 3);
    }
  });
});
