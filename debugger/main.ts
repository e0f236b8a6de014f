// Entry point of dist/debugAdapter.js: the eBPF debug adapter speaking DAP over stdin/stdout, or
// with --server=PORT to every client that connects (the tests); as a worker thread (see
// verify-job.ts) it runs the verifier instead.
import { createServer } from 'node:net';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BpfDebugSession } from './session';
import { VERIFY_WORKER_FLAG, verifyNow, type VerifyJob } from './verify-job';

const job = !isMainThread ? (workerData as Record<string, VerifyJob> | undefined)?.[VERIFY_WORKER_FLAG] : undefined;
const port = Number(/^--server=(\d+)$/.exec(process.argv.slice(2).find((a) => a.startsWith('--server=')) ?? '')?.[1] ?? 0);

if (job) {
  parentPort?.postMessage(verifyNow(job));
} else if (port > 0) {
  // Small requests and replies: without TCP_NODELAY each would wait for a delayed ACK.
  createServer((socket) => {
    socket.setNoDelay(true);
    const session = new BpfDebugSession();
    session.setRunAsServer(true);
    session.start(socket, socket);
  }).listen(port, '127.0.0.1', () => process.stderr.write(`listening for the debug protocol on port ${port}\n`));
  // Ends with whoever started it (its stdin closes).
  process.stdin.on('end', () => process.exit(0)).resume();
} else {
  BpfDebugSession.run(BpfDebugSession);
}
