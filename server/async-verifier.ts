// Runs verification jobs one at a time in a worker thread, with a time limit: a program the verifier
// needs long for (a loop with many iterations) never freezes the server. On a timeout the worker
// is replaced.
import { Worker } from 'node:worker_threads';
import type { Program } from '../core/asm/program';
import type { MapDef } from '../core/map-types';
import type { ProgType } from '../core/program-types';
import type { VerifyResult } from '../core/verifier';

export const VERIFY_WORKER_FLAG = 'bpfAsmVerifier';

export interface VerifyJob {
  program: Program;
  maps: readonly MapDef[];
  progType: ProgType;
  unprivileged: boolean;
}

export type JobOutcome = VerifyResult | { timeout: string } | { error: string };

interface Pending {
  id: number;
  job: VerifyJob;
  resolve: (outcome: JobOutcome) => void;
}

export class AsyncVerifier {
  private worker?: Worker;
  private readonly queue: Pending[] = [];
  private running?: Pending & { timer: NodeJS.Timeout };
  private nextId = 1;

  constructor(private readonly script: string, private readonly timeoutMs: number) {}

  run(job: VerifyJob): Promise<JobOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, job, resolve });
      this.pump();
    });
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.script, { workerData: { [VERIFY_WORKER_FLAG]: true } });
    w.on('message', ({ id, result }: { id: number; result: JobOutcome }) => {
      if (this.running?.id !== id) return;
      this.finish(result);
    });
    w.on('error', (e) => this.finish({ error: `the verifier failed: ${e.message}` }, true));
    w.on('exit', () => {
      if (this.worker === w) this.worker = undefined;
    });
    w.unref();
    return (this.worker = w);
  }

  private pump(): void {
    if (this.running || !this.queue.length) return;
    const next = this.queue.shift()!;
    const timer = setTimeout(() => {
      this.finish({ timeout: `the verifier did not finish within ${this.timeoutMs / 1000} s` }, true);
    }, this.timeoutMs);
    this.running = { ...next, timer };
    this.ensureWorker().postMessage({ id: next.id, job: next.job });
  }

  private finish(outcome: JobOutcome, restart = false): void {
    const done = this.running;
    if (!done) return;
    clearTimeout(done.timer);
    this.running = undefined;
    if (restart) this.dispose();
    done.resolve(outcome);
    this.pump();
  }
}
