// Entry point of dist/debugAdapter.js: the eBPF debug adapter speaking DAP over stdin/stdout; as a
// worker thread (see verify-job.ts) it runs the verifier instead.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BpfDebugSession } from './session';
import { VERIFY_WORKER_FLAG, verifyNow, type VerifyJob } from './verify-job';

const job = !isMainThread ? (workerData as Record<string, VerifyJob> | undefined)?.[VERIFY_WORKER_FLAG] : undefined;
if (job) parentPort?.postMessage(verifyNow(job));
else BpfDebugSession.run(BpfDebugSession);
