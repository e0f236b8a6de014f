// VM speed: the 10M-iteration ALU loop (30M instructions) and a loop with a stack store and load
// per iteration, in the plain mode, the debug mode with a breakpoint set (no undo log), and the
// debug mode recording the undo log. The anchor is the kernel's JIT on the same loops (shorter, so
// the verifier accepts them), timed through BPF_PROG_TEST_RUN.
import type { Instruction } from '../core/isa';
import { Machine } from '../core/vm/machine';
import { programFromInsns } from '../core/vm/program';
import { timeInKernel } from './kernel';

const I = (code: number, dst: number, src: number, off: number, imm: number): Instruction => ({ code, dst, src, off, imm });

/** r0 = 0; r1 = n; loop: r0 += 3; r1 += -1; if r1 != 0 goto loop; exit */
export const aluLoop = (n: number): Instruction[] => [
  I(0xb7, 0, 0, 0, 0), I(0xb7, 1, 0, 0, n), I(0x07, 0, 0, 0, 3), I(0x07, 1, 0, 0, -1), I(0x55, 1, 0, -3, 0), I(0x95, 0, 0, 0, 0),
];
/** r0 = 0; r1 = n; loop: *(u64 *)(r10 - 8) = r1; r2 = *(u64 *)(r10 - 8); r0 += r2; r1 += -1; if r1 != 0 goto loop; r0 &= 0xff; exit */
export const stackLoop = (n: number): Instruction[] => [
  I(0xb7, 0, 0, 0, 0), I(0xb7, 1, 0, 0, n), I(0x7b, 10, 1, -8, 0), I(0x79, 2, 10, -8, 0), I(0x0f, 0, 2, 0, 0),
  I(0x07, 1, 0, 0, -1), I(0x55, 1, 0, -5, 0), I(0x57, 0, 0, 0, 0xff), I(0x95, 0, 0, 0, 0),
];

export interface VmSpeed {
  /** Million instructions per second, median of the rounds. */
  plain: number;
  /** Debug mode, running to a breakpoint on the last instruction. */
  breakpoint: number;
  /** Debug mode keeping the undo log (for stepping backwards). */
  recording: number;
  instructions: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function speedOf(insns: Instruction[], rounds: number): VmSpeed {
  const m = new Machine({ programs: [programFromInsns(insns)], limit: 1e10 });
  const exitSlot = insns.length - 1;
  const time = (f: () => number): number => {
    const t = process.hrtime.bigint();
    const n = f();
    return n / (Number(process.hrtime.bigint() - t) / 1e3);
  };
  let instructions = 0;
  const plain = median(Array.from({ length: rounds }, () => time(() => (instructions = m.run().instructions))));
  m.setBreakpoints([exitSlot]);
  const breakpoint = median(Array.from({ length: rounds }, () => time(() => { m.begin({}, false); m.continue(); return m.count; })));
  const recording = median(Array.from({ length: Math.max(1, rounds - 2) }, () => time(() => { m.begin({}, true); m.continue(); return m.count; })));
  m.begin({}, false);
  return { plain, breakpoint, recording, instructions };
}

/** r1 = 0; r2 = 0; loop: r2 += r1; r1 += 1; if r1 < 333334 goto loop; r0 = 2; exit: 1,000,004 instructions before `r0 = 2`. */
export const sumLoop = (): Instruction[] => [
  I(0xb7, 1, 0, 0, 0), I(0xb7, 2, 0, 0, 0), I(0x0f, 2, 1, 0, 0), I(0x07, 1, 0, 0, 1), I(0xa5, 1, 0, -3, 333334), I(0xb7, 0, 0, 0, 2), I(0x95, 0, 0, 0, 0),
];

export interface BreakpointChangeTimes {
  /** ms of the first continue on a program new to the VM. */
  first: number;
  /** ms of the continues after each change of the breakpoint set: median and max. */
  median: number;
  max: number;
}

/**
 * Continue to a breakpoint 1,000,004 instructions ahead with the breakpoint set different every
 * time (the debugger adds and removes breakpoints for "step over" and "step out" too).
 */
export function measureBreakpointChanges(record: boolean, rounds = 8): BreakpointChangeTimes {
  const insns = sumLoop();
  const m = new Machine({ programs: [programFromInsns(insns)], limit: 1e10 });
  const sets = [[5], [5, 6], [0, 5], [0, 5, 6]];
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    m.setBreakpoints(sets[i % sets.length]!);
    m.begin({}, record);
    const t = performance.now();
    const s = m.continue();
    times.push(performance.now() - t);
    if (s.reason !== 'breakpoint' || m.count !== 1_000_004) throw new Error(`expected the breakpoint after 1,000,004 instructions, stopped for ${s.reason} after ${m.count}`);
  }
  const rest = times.slice(1);
  return { first: times[0]!, median: median(rest), max: Math.max(...rest) };
}

/** Measures both loops; returns M instructions per second. */
export function measureVm(rounds = 5): { alu: VmSpeed; stack: VmSpeed } {
  return { alu: speedOf(aluLoop(10_000_000), rounds), stack: speedOf(stackLoop(10_000_000), rounds) };
}

export async function run(): Promise<string> {
  const r = measureVm();
  const lines: string[] = [];
  const anchor = (insns: Instruction[], executed: number): string => {
    const t = timeInKernel({ insns, progType: 'xdp', data: new Uint8Array(64), repeat: 20, rounds: 5, executedInsns: executed });
    return t.ok && t.insnsPerSecond ? `${(t.insnsPerSecond / 1e6).toFixed(0)} M/s in the kernel JIT` : `no kernel anchor${t.ok ? '' : ': ' + t.reason}`;
  };
  const n = 100_000;
  for (const [name, s, kernel] of [
    ['ALU loop (r0 += 3; r1 -= 1; if r1 != 0)', r.alu, anchor(aluLoop(n), 3 * n + 3)],
    ['stack store + load loop', r.stack, anchor(stackLoop(n), 5 * n + 4)],
  ] as const) {
    lines.push(
      `${name}, ${(s.instructions / 1e6).toFixed(0)}M insns: plain ${s.plain.toFixed(0)} M/s, ` +
        `to a breakpoint ${s.breakpoint.toFixed(0)} M/s (${(s.plain / s.breakpoint).toFixed(2)}x slower), ` +
        `recording for step-back ${s.recording.toFixed(0)} M/s; ${kernel} (ratio ${kernelRatio(kernel, s.plain)})`,
    );
  }
  for (const record of [false, true]) {
    const b = measureBreakpointChanges(record);
    lines.push(
      `continue to a breakpoint 1,000,004 instructions ahead, ${record ? 'recording' : 'not recording'}, a new breakpoint set each time: ` +
        `first ${b.first.toFixed(1)} ms, then median ${b.median.toFixed(1)} ms, max ${b.max.toFixed(1)} ms (target < 100 ms)`,
    );
  }
  return lines.join('\n');
}

function kernelRatio(kernel: string, plain: number): string {
  const m = /^(\d+) M\/s/.exec(kernel);
  return m ? `VM/kernel ${(plain / Number(m[1])).toFixed(3)}` : 'n/a';
}

if (process.argv[1] && /bench[\\/]vm\.ts$/.test(process.argv[1])) {
  void run().then((r) => process.stdout.write(r + '\n'));
}
