// Pointer kinds beyond packets and map values (socket references, BTF pointers, dynptrs): the
// register states our verifier logs must read as the kernel's log (level 2) prints them.
// Verdicts and first messages of these families are checked with the rest of the corpus in
// verifier.test.ts; here the per-instruction state text is compared line by line.
import { describe, expect, it } from 'vitest';
import { verify } from '../core/verifier';
import { loadCorpus } from '../scripts/verifier-conformance';

const kernel = await import('../core/kernel');
const avail = kernel.kernelBpfAvailable();
if (!avail.ok) console.warn(`verifier kinds log comparison skipped: ${avail.reason}`);

const DIR = `${__dirname}/fixtures/verifier/gen`;
/** `13: (15) if r0 == 0x0 goto pc+2       ; R0=sock(ref_obj_id=2) refs=2`, keyed by its prefix. */
const KIND_STATE = /(sock|ptr_|dynptr|refs=)/;

function kernelLog(c: ReturnType<typeof loadCorpus>['cases'][number]): string {
  const fds = c.maps.map((m) => kernel.createMap(m));
  try {
    const insns = c.insns.map((i) => (i.code === 0x18 && (i.src === 1 || i.src === 2) ? { ...i, imm: fds[i.imm] ?? -1 } : i));
    const l = kernel.loadProgram({ insns, progType: c.progType, logLevel: 2 });
    if (l.fd !== undefined) kernel.closeFd(l.fd);
    return l.log;
  } finally {
    for (const fd of fds) kernel.closeFd(fd);
  }
}

/**
 * Instruction lines with a state after `;` that mention one of the new kinds, as `13: state` (the
 * instruction text is left out: the kernel prints map addresses there).
 */
const kindLines = (log: string): string[] =>
  log.split('\n').filter((l) => /^\d+: \(/.test(l) && l.includes(';'))
    .map((l) => `${l.slice(0, l.indexOf(':'))}:${l.slice(l.indexOf(';') + 1)}`)
    .filter((l) => KIND_STATE.test(l));

describe.skipIf(!avail.ok)('states of socket, BTF and dynptr registers in the log', () => {
  for (const family of ['sock', 'sock_cast', 'btf_task', 'btf_skc', 'btf_map', 'dynptr', 'dynptr_cb', 'btf_find_vma']) {
    it(`${family}: every such line the kernel prints, we print the same`, () => {
      const { cases } = loadCorpus(`${DIR}/${family}`);
      expect(cases.length).toBeGreaterThan(5);
      let compared = 0;
      for (const c of cases) {
        const k = kindLines(kernelLog(c));
        const ours = new Set(kindLines(verify(c.insns, { maps: c.maps, progType: c.progType, logLevel: 2 }).log));
        for (const line of k) {
          expect(ours.has(line) ? line : `missing in ${c.name}: ${line}`).toBe(line);
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(0);
    });
  }
});
