// Verifier speed: our verify() against the kernel's own `verification time N usec` (log level 4)
// on the same programs, and the absolute time for a ~4,000-instruction program.
import { closeFd, createMap, kernelBpfAvailable, loadProgram } from '../core/kernel';
import type { Instruction } from '../core/isa';
import type { MapDef } from '../core/map-types';
import type { ProgType } from '../core/program-types';
import { verify } from '../core/verifier';
import { generatePrograms, largeProgram } from '../core/verifier/generate';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function ours(insns: Instruction[], maps: MapDef[], progType: ProgType, rounds: number): { ms: number; minMs: number; accepted: boolean; processed: number } {
  let r = verify(insns, { maps, progType });
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    r = verify(insns, { maps, progType });
    times.push(performance.now() - t);
  }
  return { ms: median(times), minMs: Math.min(...times), accepted: r.accepted, processed: r.processed };
}

function kernelUsec(insns: Instruction[], maps: MapDef[], progType: ProgType, rounds: number): { usec: number; accepted: boolean; processed?: number } | undefined {
  const fds = maps.map((m) => createMap(m));
  try {
    const linked = insns.map((i) => (i.code === 0x18 && (i.src === 1 || i.src === 2) ? { ...i, imm: fds[i.imm] } : i));
    const times: number[] = [];
    let accepted = false;
    let processed: number | undefined;
    for (let i = 0; i < rounds; i++) {
      const load = loadProgram({ insns: linked, progType, logLevel: 4 });
      accepted = load.fd !== undefined;
      closeFd(load.fd);
      processed = load.processedInsns;
      if (load.verificationTimeUsec !== undefined) times.push(load.verificationTimeUsec);
    }
    return times.length ? { usec: median(times), accepted, processed } : undefined;
  } finally {
    for (const fd of fds) closeFd(fd);
  }
}

export async function run(): Promise<string> {
  const lines: string[] = [];
  const big = largeProgram(4000);
  const slots = big.insns.reduce((n, i) => n + (i.code === 0x18 ? 2 : 1), 0);
  const o = ours(big.insns, big.maps, big.progType, 40);
  lines.push(`4,000-insn program (${slots} slots): ours median ${o.ms.toFixed(2)} ms, best ${o.minMs.toFixed(2)} ms (${o.accepted ? 'accepted' : 'rejected'}, ${o.processed} processed), target < 20 ms`);
  const avail = kernelBpfAvailable();
  if (!avail.ok) {
    lines.push(`kernel comparison skipped: ${avail.reason}`);
    return lines.join('\n');
  }
  const k = kernelUsec(big.insns, big.maps, big.progType, 5);
  if (k) lines.push(`  kernel ${(k.usec / 1000).toFixed(2)} ms (${k.accepted ? 'accepted' : 'rejected'}, ${k.processed} processed) -> ratio ${(o.ms / (k.usec / 1000)).toFixed(2)}x`);
  let oursTotal = 0;
  let kernelTotal = 0;
  for (const g of generatePrograms(200, 7)) {
    oursTotal += ours(g.insns, g.maps, g.progType, 3).ms;
    const kk = kernelUsec(g.insns, g.maps, g.progType, 1);
    if (kk) kernelTotal += kk.usec / 1000;
  }
  lines.push(`200 random programs: ours ${oursTotal.toFixed(2)} ms, kernel ${kernelTotal.toFixed(2)} ms -> ratio ${(oursTotal / kernelTotal).toFixed(2)}x`);
  return lines.join('\n');
}

if (require.main === module) void run().then((r) => console.log(r));
