// Runs the verifier for the debugger: in a worker thread with a time limit when the program has a
// loop (our verifier can take long on many iterations), so a launch never hangs; in process otherwise.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Program } from '../core/asm/program';
import type { MapDef } from '../core/map-types';
import type { ProgType } from '../core/program-types';
import { verifyProgram, type VerifyResult } from '../core/verifier';
import { hasBackEdge } from '../core/verifier/loops';

/** workerData key that makes dist/debugAdapter.js verify instead of serving DAP. */
export const VERIFY_WORKER_FLAG = 'bpfAsmVerify';
export const DEFAULT_VERIFY_TIMEOUT_MS = 10_000;

export interface VerifyJob {
  program: Program;
  maps: readonly MapDef[];
  progType: ProgType | undefined;
}

export function verifyNow(job: VerifyJob): VerifyResult {
  return verifyProgram(job.program, job.maps, { progType: job.progType, collectStates: true });
}

/** The script a worker can run: the adapter bundle next to this code (absent when running from sources). */
function workerScript(): string | undefined {
  const p = join(__dirname, 'debugAdapter.js');
  return existsSync(p) ? p : undefined;
}

/** The verifier's result, or a sentence saying why there is none (it ran out of time). */
export function verifyBounded(job: VerifyJob, timeoutMs = DEFAULT_VERIFY_TIMEOUT_MS): Promise<VerifyResult | string> {
  const script = workerScript();
  if (!script || !hasBackEdge(job.program)) return Promise.resolve(verifyNow(job));
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: VerifyResult | string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(r);
    };
    const worker = new Worker(script, { workerData: { [VERIFY_WORKER_FLAG]: job } });
    const timer = setTimeout(() => finish(`the verifier did not finish within ${timeoutMs / 1000} s`), timeoutMs);
    worker.on('message', (r: VerifyResult) => finish(r));
    worker.on('error', (e) => finish(verifyNowSafe(job, e)));
  });
}

function verifyNowSafe(job: VerifyJob, e: Error): VerifyResult | string {
  try {
    return verifyNow(job);
  } catch {
    return `the verifier failed: ${e.message}`;
  }
}
