// The kernel anchor for benchmarks: how fast the kernel's JIT runs a program, through BPF_PROG_TEST_RUN.
import type { Instruction } from '../core/isa';
import { closeFd, kernelBpfAvailable, loadProgram, testRun } from '../core/kernel';
import type { ProgType } from '../core/program-types';
import { randomProgram } from '../core/testing/random-programs';

export interface KernelTimingRequest {
  insns: Uint8Array | readonly Instruction[];
  progType: ProgType;
  data?: Uint8Array;
  ctx?: Uint8Array;
  /** Runs per test_run call (default 100 000). */
  repeat?: number;
  /** test_run calls; the median is reported (default 5). */
  rounds?: number;
  /** Instructions one run executes (from our VM, say), to report instructions per second. */
  executedInsns?: number;
}

export type KernelTiming =
  | {
      ok: true;
      /** Median over rounds of the kernel's own per-run time (test_run's duration, whole ns). */
      nsPerRun: number;
      /** Median over rounds of wall time per run around the syscall (includes its overhead). */
      wallNsPerRun: number;
      runs: number;
      retval: number;
      insnsPerSecond?: number;
    }
  | { ok: false; reason: string };

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Loads the program, runs it `repeat` times per round through test_run, and reports per-run times. */
export function timeInKernel(req: KernelTimingRequest): KernelTiming {
  const avail = kernelBpfAvailable();
  if (!avail.ok) return { ok: false, reason: avail.reason };
  const load = loadProgram({ insns: req.insns, progType: req.progType });
  if (load.fd === undefined) return { ok: false, reason: `the kernel rejected the program: ${load.error}` };
  try {
    const repeat = req.repeat ?? 100_000;
    const rounds = req.rounds ?? 5;
    const kernelNs: number[] = [];
    const wallNs: number[] = [];
    let retval = 0;
    for (let i = 0; i < rounds; i++) {
      const start = process.hrtime.bigint();
      const run = testRun(load.fd, { data: req.data, ctx: req.ctx, repeat });
      const wall = Number(process.hrtime.bigint() - start);
      if (run.errno) return { ok: false, reason: `test_run failed with errno ${run.errno}` };
      kernelNs.push(run.durationNs);
      wallNs.push(wall / repeat);
      retval = run.retval;
    }
    const nsPerRun = median(kernelNs);
    const timing: KernelTiming = { ok: true, nsPerRun, wallNsPerRun: median(wallNs), runs: repeat * rounds, retval };
    if (req.executedInsns !== undefined && nsPerRun > 0) timing.insnsPerSecond = (req.executedInsns * 1e9) / nsPerRun;
    return timing;
  } finally {
    closeFd(load.fd);
  }
}

export type VerifierTiming =
  | {
      ok: true;
      /** Median of the verifier's own time (log level 4's 'verification time'), in microseconds. */
      verifyUsec: number;
      /** Median wall time of the whole BPF_PROG_LOAD (verification, JIT, fd), in microseconds. */
      loadUsec: number;
      processedInsns: number;
    }
  | { ok: false; reason: string };

/** Times the kernel verifier on a program: `rounds` loads at log level 4 (stats only), medians. */
export function timeKernelVerifier(
  req: { insns: Uint8Array | readonly Instruction[]; progType: ProgType; rounds?: number },
): VerifierTiming {
  const avail = kernelBpfAvailable();
  if (!avail.ok) return { ok: false, reason: avail.reason };
  const verify: number[] = [];
  const load: number[] = [];
  let processed = 0;
  for (let i = 0; i < (req.rounds ?? 7); i++) {
    const start = process.hrtime.bigint();
    const r = loadProgram({ insns: req.insns, progType: req.progType, logLevel: 4 });
    load.push(Number(process.hrtime.bigint() - start) / 1000);
    closeFd(r.fd);
    if (r.fd === undefined) return { ok: false, reason: `the kernel rejected the program: ${r.error}` };
    verify.push(r.verificationTimeUsec ?? 0);
    processed = r.processedInsns ?? 0;
  }
  return { ok: true, verifyUsec: median(verify), loadUsec: median(load), processedInsns: processed };
}

/** Printable report: the kernel JIT's speed on a few generated programs. */
export async function run(): Promise<string> {
  const lines: string[] = [];
  for (const length of [40, 200]) {
    const p = randomProgram(1, { length, loops: false, branches: false });
    // every instruction runs once except the prologue's two-instruction early exit
    const t = timeInKernel({ insns: p.insns, progType: p.progType, data: p.packet, executedInsns: p.insns.length - 2 });
    if (!t.ok) return `kernel anchor unavailable: ${t.reason}`;
    lines.push(
      `straight-line ${p.insns.length} insns: ${t.nsPerRun} ns/run in the kernel JIT ` +
        `(${t.wallNsPerRun.toFixed(1)} ns/run wall), ${((t.insnsPerSecond ?? 0) / 1e9).toFixed(2)} G insns/s`,
    );
  }
  const branchy = randomProgram(2, { length: 200 });
  const v = timeKernelVerifier({ insns: branchy.insns, progType: branchy.progType });
  if (v.ok) {
    lines.push(
      `verifier on ${branchy.insns.length} insns with branches: ${v.verifyUsec} us verifying, ` +
        `${v.loadUsec.toFixed(0)} us per load, ${v.processedInsns} insns processed`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && /bench[\\/]kernel\.ts$/.test(process.argv[1])) {
  void run().then((r) => process.stdout.write(r + '\n'));
}
