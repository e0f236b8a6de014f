// Debugger speed: launch, a step, continue to a breakpoint 1,000,000 instructions ahead, and the same
// backwards; in process (the runtime) and over DAP (dist/debugAdapter.js in a child process).
// Targets: a step answers within 20 ms; continue to the breakpoint 1M instructions ahead < 100 ms.
// Anchor: the same program run straight through by the VM's fast flavour (no breakpoints, no undo log).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BpfRuntime, type StopInfo } from '../debugger/runtime';

const FIXTURES = join(__dirname, '..', 'test', 'fixtures', 'debug');
const LONG = join(FIXTURES, 'long_loop.s');
const LOOP = join(FIXTURES, 'sum_loop.s');
const XDP = join(FIXTURES, 'xdp_count.s');
const ADAPTER = join(__dirname, '..', 'dist', 'debugAdapter.js');
/** Zero-based line of `r0 = 2` after the loop in long_loop.s, 1,000,004 instructions from the start. */
const AFTER_LOOP_LINE = 11;

const ms = (t: number): string => `${t.toFixed(2)} ms`;
const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
const median = (xs: number[]): number => quantile(xs, 0.5);
const time = (f: () => void): number => {
  const t = performance.now();
  f();
  return performance.now() - t;
};

async function runtimeOn(program: string, extra: Record<string, unknown> = {}): Promise<{ rt: BpfRuntime; stops: StopInfo[] }> {
  const rt = new BpfRuntime();
  const stops: StopInfo[] = [];
  rt.on('stop', (s) => stops.push(s));
  rt.on('output', () => undefined);
  const err = await rt.load({ program, ...extra });
  if (err) throw new Error(err);
  return { rt, stops };
}

async function overDap(lines: string[]): Promise<void> {
  if (!existsSync(ADAPTER)) { lines.push('DAP: skipped (dist/debugAdapter.js is missing; run npm run build)'); return; }
  const { DebugClient } = await import('@vscode/debugadapter-testsupport');
  const dc = new DebugClient('node', ADAPTER, 'bpf');
  await dc.start();
  try {
    const stopped = (): Promise<unknown> => dc.waitForEvent('stopped');
    let t = performance.now();
    await Promise.all([dc.configurationSequence(), dc.launch({ program: LOOP, stopOnEntry: true } as never), stopped()]);
    lines.push(`DAP launch to the first stop (sum_loop.s): ${ms(performance.now() - t)}`);
    const steps: number[] = [];
    for (let i = 0; i < 50; i++) {
      t = performance.now();
      await Promise.all([dc.nextRequest({ threadId: 1 }), stopped()]);
      steps.push(performance.now() - t);
    }
    lines.push(`DAP next -> stopped event: median ${ms(median(steps))}, max ${ms(Math.max(...steps))} over ${steps.length} (target < 20 ms)`);
    const back: number[] = [];
    for (let i = 0; i < 20; i++) {
      t = performance.now();
      await Promise.all([dc.stepBackRequest({ threadId: 1 }), stopped()]);
      back.push(performance.now() - t);
    }
    lines.push(`DAP stepBack -> stopped event: median ${ms(median(back))}, max ${ms(Math.max(...back))}`);
  } finally {
    await dc.stop();
  }
  const dc2 = new DebugClient('node', ADAPTER, 'bpf');
  await dc2.start();
  try {
    await Promise.all([
      dc2.waitForEvent('initialized').then(() => dc2.setBreakpointsRequest({ source: { path: LONG }, breakpoints: [{ line: AFTER_LOOP_LINE + 1 }] })).then(() => dc2.configurationDoneRequest()),
      dc2.launch({ program: LONG, stopOnEntry: true, skipVerifier: true, maxInstructions: 10_000_000 } as never),
      dc2.waitForEvent('stopped'),
    ]);
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      let t = performance.now();
      await Promise.all([dc2.continueRequest({ threadId: 1 }), dc2.waitForEvent('stopped')]);
      runs.push(performance.now() - t);
      t = performance.now();
      await Promise.all([dc2.reverseContinueRequest({ threadId: 1 }), dc2.waitForEvent('stopped')]);
    }
    lines.push(`DAP continue to a breakpoint 1,000,004 instructions ahead: first ${ms(runs[0]!)}, then median ${ms(median(runs.slice(1)))} (target < 100 ms)`);
  } finally {
    await dc2.stop();
  }
}

export async function run(): Promise<string> {
  const lines: string[] = [];

  // launch: assemble, verify (with per-instruction states), build the VM
  const launches: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await runtimeOn(XDP, { packet: 'ff ff ff ff ff ff 00 11 22 33 44 55 08 00' });
    launches.push(performance.now() - t);
  }
  lines.push(`launch (assemble + verify + load xdp_count.s): median ${ms(median(launches))}`);

  // single steps on the 69-instruction sum_loop, repeated
  {
    const { rt } = await runtimeOn(LOOP);
    const steps: number[] = [];
    for (let round = 0; round < 20; round++) {
      const err = await rt.restart();
      if (err) throw new Error(err);
      for (let i = 0; i < 60; i++) steps.push(time(() => rt.next()));
    }
    lines.push(`runtime next: median ${ms(median(steps))}, 99th percentile ${ms(quantile(steps, 0.99))}, max ${ms(Math.max(...steps))} over ${steps.length} steps (target < 20 ms)`);
    const backs: number[] = [];
    for (let i = 0; i < 50; i++) backs.push(time(() => rt.stepBack()));
    lines.push(`runtime stepBack: median ${ms(median(backs))}, max ${ms(Math.max(...backs))}`);
  }

  // continue to a breakpoint 1,000,004 instructions ahead, and back
  {
    const { rt, stops } = await runtimeOn(LONG, { skipVerifier: true, maxInstructions: 10_000_000 });
    const bp = rt.setSourceBreakpoints(LONG, [{ line: AFTER_LOOP_LINE }]);
    if (!bp[0]!.verified) throw new Error('the breakpoint after the loop did not resolve');
    const fwd: number[] = [];
    const bwd: number[] = [];
    for (let i = 0; i < 6; i++) {
      fwd.push(time(() => rt.continue()));
      const s = stops.at(-1)!;
      if (s.reason !== 'breakpoint' || rt.machine.count !== 1_000_004) throw new Error(`expected the breakpoint after 1,000,004 instructions, stopped for ${s.reason} after ${rt.machine.count}`);
      bwd.push(time(() => rt.reverseContinue()));
      if ((rt.machine.count as number) !== 0) throw new Error('reverse continue did not reach the start');
    }
    lines.push(`runtime continue to a breakpoint 1,000,004 instructions ahead: first ${ms(fwd[0]!)}, then median ${ms(median(fwd.slice(1)))} (target < 100 ms)`);
    lines.push(`runtime reverseContinue back over them to the start: first ${ms(bwd[0]!)}, then median ${ms(median(bwd.slice(1)))}`);
    // the same with a data breakpoint on a stack slot nobody writes (the run is looked through for writes)
    rt.setDataBreakpoints([{ dataId: `mem:0x${((BigInt(rt.machine.stacks[0]!.hi >>> 0) << 32n) + BigInt((rt.machine.stacks[0]!.lo >>> 0) + 504)).toString(16)}:8` }]);
    const watched: number[] = [];
    for (let i = 0; i < 4; i++) {
      watched.push(time(() => rt.continue()));
      if (stops.at(-1)!.reason !== 'breakpoint') throw new Error(`with a data breakpoint: stopped for ${stops.at(-1)!.reason}`);
      rt.reverseContinue();
    }
    rt.setDataBreakpoints([]);
    lines.push(`runtime continue to the same breakpoint with a data breakpoint set: median ${ms(median(watched.slice(1)))}`);
    // anchor: the VM straight through, no breakpoints, no undo log
    const anchor: number[] = [];
    for (let i = 0; i < 6; i++) anchor.push(time(() => rt.machine.run({})));
    const m = median(fwd.slice(1));
    lines.push(`anchor: VM fast run of the same program (1,000,006 instructions): median ${ms(median(anchor.slice(1)))}; debugging costs ${(m / median(anchor.slice(1))).toFixed(1)}x`);
  }

  await overDap(lines);
  return lines.join('\n');
}
