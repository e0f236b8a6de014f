// The verifier's worker thread: the language server bundle run with workerData.bpfAsmVerifier set
// answers { id, job } messages with { id, result }.
import { parentPort } from 'node:worker_threads';
import { verifyProgram } from '../core/verifier';
import type { VerifyJob } from './async-verifier';

export function serveVerifyJobs(): void {
  parentPort?.on('message', ({ id, job }: { id: number; job: VerifyJob }) => {
    let result;
    try {
      result = verifyProgram(job.program, job.maps, { progType: job.progType, unprivileged: job.unprivileged, collectStates: true });
    } catch (e) {
      result = { error: e instanceof Error ? e.message : String(e) };
    }
    parentPort!.postMessage({ id, result });
  });
}
