// The VM against the bpf_conformance suite: every file's `-- result`, in the fast mode, the
// debug mode, single-stepping, and after stepping all the way back and running again.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { conformanceMachine, judge, runConformance } from '../core/vm/conformance';
import { CONFORMANCE_DIR } from './conformance-dir';

const DIR = CONFORMANCE_DIR;
const files = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.data')).sort() : [];
if (!files.length) console.warn(`skipping conformance tests: no *.data files in ${DIR}`);

describe.skipIf(!files.length)('bpf_conformance', () => {
  it('has the whole suite', () => {
    expect(files.length).toBe(313);
  });

  it('passes every file in the fast mode', () => {
    const failed: string[] = [];
    for (const f of files) {
      const r = runConformance(readFileSync(`${DIR}/${f}`, 'utf8'), f);
      if (!r.pass) failed.push(`${f}: ${r.error ?? r.fault?.message ?? `r0=0x${r.r0?.toString(16)} expected 0x${r.expected?.toString(16)}`}`);
    }
    expect(failed).toEqual([]);
  });

  it('gives the same results in the debug mode, stepping, and after stepping back to the start', () => {
    const failed: string[] = [];
    for (const f of files) {
      const text = readFileSync(`${DIR}/${f}`, 'utf8');
      const fast = runConformance(text, f);
      const setup = conformanceMachine(text, f);
      if (typeof setup === 'string') { failed.push(`${f}: ${setup}`); continue; }
      const { machine: m, input, file } = setup;
      // Run to the end with the undo log on.
      m.begin(input, true);
      const initialRegs = m.registers();
      const initialMem = m.readMemory(m.registers()[1], Number(m.registers()[2]));
      m.continue();
      const dbg = judge(file, m.result(), setup.unwound());
      if (dbg.r0 !== fast.r0 || dbg.instructions !== fast.instructions || !dbg.pass) {
        failed.push(`${f}: debug run r0=${dbg.r0} n=${dbg.instructions}, fast r0=${fast.r0} n=${fast.instructions}`);
        continue;
      }
      // Step back to the very beginning: registers and memory as they started.
      m.stepBack(Number.MAX_SAFE_INTEGER);
      if (m.count !== 0 || m.pc !== 0) failed.push(`${f}: after stepping back, pc=${m.pc} count=${m.count}`);
      expect(m.registers(), f).toEqual(initialRegs);
      expect(m.readMemory(initialRegs[1], Number(initialRegs[2])), f).toEqual(initialMem);
      // Single-step forward to the end: same result, one instruction per step.
      let steps = 0;
      for (let state = m.state('start'); state.reason !== 'exit' && state.reason !== 'fault' && steps < 100_000; steps++) state = m.step(1);
      const stepped = judge(file, m.result(), setup.unwound());
      if (stepped.r0 !== fast.r0 || stepped.instructions !== fast.instructions) {
        failed.push(`${f}: stepped r0=${stepped.r0} n=${stepped.instructions}`);
      }
    }
    expect(failed).toEqual([]);
  });
});
