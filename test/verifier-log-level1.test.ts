// The level-1 log (`--log-level 1`) as the kernel writes it: only the path that failed (the log is cut
// back when a queued path is taken), and for an accepted program only the summary line.
import { describe, expect, it } from 'vitest';
import * as kernel from '../core/kernel';
import { assembleText } from '../core/asm';
import { verify } from '../core/verifier';
import { loadCaseInKernel, loadCorpus, type Case } from '../scripts/verifier-conformance';

const avail = kernel.kernelBpfAvailable();
if (!avail.ok) console.warn(`skipping level-1 log comparison with the kernel: ${avail.reason}`);

/** A map load prints the map's kernel address in the kernel's log and `map[id:N]` in ours (the padding after it follows). */
const normalise = (log: string): string =>
  log.split('\n').filter((l) => l && !l.startsWith('verification time'))
    .map((l) => l.replace(/= (0xffff[0-9a-f]{12}|map\[id:\d+\](\[0\]\+\d+)?)/g, '= <map>').replace(/ {2,}/g, ' ')).join('\n');

function kernelLog(c: Case): string {
  const load = loadCaseInKernel(kernel, c, { logLevel: 1 });
  return 'mapError' in load ? `map: ${load.mapError}` : load.log;
}

describe('level-1 log against the kernel', () => {
  it.skipIf(!avail.ok)('keeps only the failing path, cut back where it was queued', () => {
    const file = assembleText(['.section socket', 'p:', '  call 7', '  r1 = 0', '  if r0 > 5 goto a', '  r1 = 1', '  r0 = 0', '  exit', 'a:', '  r0 = *(u64 *)(r1 + 0)', '  exit', ''].join('\n'));
    const insns = file.programs[0]!.insns.map((p) => p.insn);
    const ours = verify(insns, { progType: 'socket_filter', logLevel: 1 }).log;
    expect(ours).toContain('2: (25) if r0 > 0x5 goto pc+3 6: R0=scalar(umin=6) R1=0 R10=fp0\n');
    expect(normalise(ours)).toBe(normalise(kernelLog({ name: 'branch', insns, maps: [], progType: 'socket_filter' })));
  });

  it.skipIf(!avail.ok)('gives every line of an error: each leaked reference and what leaks it, a dynptr slot and its check', () => {
    const names = ['gen/ringbuf/leak_after_check.s', 'gen/sock/skc_tcp_leak.s', 'gen/dynptr/rb_at_m12.s', 'gen/dynptr/mem_at_var_off.s'];
    const cases = loadCorpus().cases.filter((c) => names.includes(c.name));
    expect(cases).toHaveLength(names.length);
    for (const c of cases) {
      const r = verify(c.insns, { maps: c.maps, progType: c.progType, logLevel: 1 });
      expect(r.errors[0]!.notes.length, c.name).toBeGreaterThan(0);
      expect(normalise(r.log), c.name).toBe(normalise(kernelLog(c)));
    }
  });

  it.skipIf(!avail.ok)('matches the kernel on a sample of the corpus', () => {
    const cases = loadCorpus().cases.filter((c, i) => i % 6 === 0 && !c.name.startsWith('loops/') && !c.name.startsWith('gen/loop/'));
    const differ: string[] = [];
    let accepted = 0;
    for (const c of cases) {
      const k = normalise(kernelLog(c));
      const r = verify(c.insns, { maps: c.maps, progType: c.progType, logLevel: 1 });
      if (r.accepted) {
        accepted++;
        expect(r.log.split('\n').filter(Boolean), c.name).toHaveLength(1);
      }
      if (normalise(r.log) !== k) differ.push(c.name);
    }
    expect(accepted).toBeGreaterThan(50);
    // measured: 1,530 of 1,560 corpus programs identical
    expect(differ.length / cases.length, differ.join(', ')).toBeLessThan(0.05);
  });
});
