// Verifier speed on loops (test/fixtures/verifier/loops): our verify() against the kernel's own
// `verification time N usec` (log level 4) on each program, in the same run, with both verdicts
// and processed counts so a mismatch shows next to its time.
import { join } from 'node:path';
import { closeFd, createMap, kernelBpfAvailable, loadProgram } from '../core/kernel';
import { verify } from '../core/verifier';
import { CORPUS_DIR, type Case, loadCorpus } from '../scripts/verifier-conformance';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Fewer rounds for the programs that walk a million instructions. */
const roundsFor = (processed: number): number => (processed > 200_000 ? 3 : processed > 10_000 ? 5 : 15);

function ours(c: Case, rounds: number): { ms: number; verdict: string; processed: number } {
  let r = verify(c.insns, { maps: c.maps, progType: c.progType }); // warm-up
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    r = verify(c.insns, { maps: c.maps, progType: c.progType });
    times.push(performance.now() - t);
  }
  return { ms: median(times), verdict: r.accepted ? 'accepted' : r.errors[0]!.message, processed: r.processed };
}

function kernel(c: Case, rounds: number): { ms: number; verdict: string; processed?: number } | undefined {
  const fds = c.maps.map((m) => createMap(m));
  try {
    const insns = c.insns.map((i) => (i.code === 0x18 && (i.src === 1 || i.src === 2) ? { ...i, imm: fds[i.imm]! } : i));
    const times: number[] = [];
    let verdict = '';
    let processed: number | undefined;
    for (let i = 0; i < rounds; i++) {
      const load = loadProgram({ insns, progType: c.progType, logLevel: 4 });
      closeFd(load.fd);
      verdict = load.fd !== undefined ? 'accepted' : load.log.split('\n')[0]!;
      processed = load.processedInsns;
      if (load.verificationTimeUsec !== undefined) times.push(load.verificationTimeUsec / 1000);
    }
    return times.length ? { ms: median(times), verdict, processed } : undefined;
  } finally {
    for (const fd of fds) closeFd(fd);
  }
}

export async function run(): Promise<string> {
  const avail = kernelBpfAvailable();
  if (!avail.ok) return `skipped: the kernel comparison needs bpf() (${avail.reason})`;
  const { cases } = loadCorpus(join(CORPUS_DIR, 'loops'));
  const lines = ['program: ours ms / kernel ms = ratio (processed; verdict), medians'];
  let oursTotal = 0;
  let kernelTotal = 0;
  let agree = 0;
  for (const c of cases) {
    const first = verify(c.insns, { maps: c.maps, progType: c.progType });
    const rounds = roundsFor(first.processed);
    const k = kernel(c, rounds);
    const o = ours(c, rounds);
    if (!k) {
      lines.push(`  ${c.name}: kernel printed no verification time`);
      continue;
    }
    const same = k.verdict === o.verdict && k.processed === o.processed;
    if (same) agree++;
    oursTotal += o.ms;
    kernelTotal += k.ms;
    const what = same ? `${o.processed}; ${o.verdict}` : `DIFFERS: ours ${o.processed}; ${o.verdict} | kernel ${k.processed}; ${k.verdict}`;
    lines.push(`  ${c.name}: ${o.ms.toFixed(1)} / ${k.ms.toFixed(1)} = ${(o.ms / Math.max(k.ms, 0.001)).toFixed(2)}x (${what})`);
    await new Promise(setImmediate);
  }
  lines.push(`all ${cases.length}: ours ${oursTotal.toFixed(0)} ms, kernel ${kernelTotal.toFixed(0)} ms -> ratio ${(oursTotal / kernelTotal).toFixed(2)}x (target 3x); same verdict and processed count on ${agree}/${cases.length}`);
  return lines.join('\n');
}
