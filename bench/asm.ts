// Assembler speed: parse + assemble of a generated 100,000-line file, against llvm-mc-19 -filetype=obj
// on the same file, and the 10,000-line case the language server meets on each keystroke.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemble } from '../core/asm/assembler';
import { parse } from '../core/asm/index';
import { InsnGen, seeded } from '../test/asm-llvm-gen';

export interface AsmBenchResult {
  lines: number;
  /** Best wall-clock time of parse + assemble, in ms. */
  oursMs: number;
  linesPerSecond: number;
  /** Best wall-clock time of llvm-mc-19 -filetype=obj on the same file (process included); undefined without llvm-mc. */
  llvmMcMs?: number;
  /** llvmMcMs / oursMs: above 1 means faster than llvm-mc. */
  ratio?: number;
  /** Best CPU time of parse + assemble (user + system, GC threads included), in ms. */
  oursCpuMs: number;
  /** Best CPU time of llvm-mc-19 (user + system, from /usr/bin/time); undefined when unavailable. */
  llvmMcCpuMs?: number;
  /** llvmMcCpuMs / oursCpuMs: the comparison that a busy machine does not skew. */
  cpuRatio?: number;
  /** Best parse + assemble time of a 10,000-line file. */
  tenThousandLinesMs: number;
}

function best(runs: number, f: () => void): number {
  let min = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    f();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function bestCpu(runs: number, f: () => void): number {
  let min = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = cpuMs();
    f();
    min = Math.min(min, cpuMs() - t0);
  }
  return min;
}

function source(instructions: number): string {
  return new InsnGen(seeded(42)).program(instructions).join('\n') + '\n';
}

export function benchAsm(instructions = 100_000): AsmBenchResult {
  const text = source(instructions);
  const lines = text.split('\n').length - 1;
  const once = (t: string) => {
    const out = assemble(parse(t));
    if (out.programs.length === 0) throw new Error('the benchmark program did not assemble');
  };
  once(text); // warm-up
  const oursMs = best(5, () => once(text));
  const oursCpuMs = bestCpu(5, () => once(text));
  const small = source(10_000);
  once(small);
  const tenThousandLinesMs = best(10, () => once(small));

  const result: AsmBenchResult = {
    lines, oursMs, oursCpuMs, linesPerSecond: Math.round((lines / oursMs) * 1000), tenThousandLinesMs,
  };
  if (spawnSync('llvm-mc-19', ['--version']).status === 0) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-asm-'));
    try {
      const file = join(dir, 'big.s');
      writeFileSync(file, text);
      const args = ['-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', '-o', join(dir, 'big.o'), file];
      result.llvmMcMs = best(3, () => {
        const r = spawnSync('llvm-mc-19', args);
        if (r.status !== 0) throw new Error(`llvm-mc-19 failed: ${r.stderr}`);
      });
      result.ratio = result.llvmMcMs / oursMs;
      if (spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0) {
        let min = Infinity;
        for (let r = 0; r < 3; r++) {
          const t = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', 'llvm-mc-19', ...args], { encoding: 'utf8' });
          const m = /cpu ([\d.]+) ([\d.]+)/.exec(t.stderr);
          if (t.status === 0 && m) min = Math.min(min, (Number(m[1]) + Number(m[2])) * 1000);
        }
        if (Number.isFinite(min)) {
          result.llvmMcCpuMs = min;
          result.cpuRatio = min / oursCpuMs;
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return result;
}

/** The report printed by bench/run.ts. */
export async function run(): Promise<string> {
  const r = benchAsm();
  const rows = [
    `parse+assemble ${r.lines} lines: ${r.oursMs.toFixed(1)} ms (${(r.linesPerSecond / 1e6).toFixed(2)} M lines/s)`,
    r.llvmMcMs === undefined
      ? 'llvm-mc-19 -filetype=obj: not installed'
      : `llvm-mc-19 -filetype=obj same file: ${r.llvmMcMs.toFixed(1)} ms; ratio llvm-mc/ours = ${r.ratio!.toFixed(2)}x (target >= 1)`,
    r.llvmMcCpuMs === undefined
      ? `CPU time: ours ${r.oursCpuMs.toFixed(0)} ms`
      : `CPU time: ours ${r.oursCpuMs.toFixed(0)} ms, llvm-mc-19 ${r.llvmMcCpuMs.toFixed(0)} ms; ratio ${r.cpuRatio!.toFixed(2)}x`,
    `parse+assemble 10,000 lines: ${r.tenThousandLinesMs.toFixed(1)} ms (target < 50 ms)`,
  ];
  return rows.join('\n');
}

if (process.argv[1] && /bench[\\/]asm\.ts$/.test(process.argv[1])) {
  void run().then((s) => process.stdout.write(s + '\n'));
}
