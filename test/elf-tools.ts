// Oracles for the ELF and CLI tests: llvm-mc-19, llvm-objdump-19 and clang-19 run on temp files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = (cmd: string): boolean => {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  return r.status === 0;
};

export const HAVE_LLVM = runs('llvm-mc-19') && runs('llvm-objdump-19');
export const HAVE_CLANG = runs('clang-19');
export const NO_LLVM_REASON = 'llvm-mc-19 / llvm-objdump-19 not installed: skipping oracle comparisons';
export const NO_CLANG_REASON = 'clang-19 not installed: skipping clang-compiled objects';

export function withTemp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-asm-elf-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Assembles LLVM-syntax text with llvm-mc-19 into an object; throws with llvm-mc's message. */
export function llvmMc(source: string): Uint8Array {
  return withTemp((dir) => {
    writeFileSync(join(dir, 'in.s'), source);
    const r = spawnSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', join(dir, 'in.s'), '-o', join(dir, 'out.o')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`llvm-mc-19 failed: ${r.stderr}`);
    return new Uint8Array(readFileSync(join(dir, 'out.o')));
  });
}

/** Compiles C with clang-19 -target bpf -O2 -g. */
export function clangBpf(source: string): Uint8Array {
  return withTemp((dir) => {
    writeFileSync(join(dir, 'in.c'), source);
    const r = spawnSync('clang-19', ['-target', 'bpf', '-D__TARGET_ARCH_x86', '-O2', '-g', '-I/usr/include/x86_64-linux-gnu', '-c', join(dir, 'in.c'), '-o', join(dir, 'out.o')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`clang-19 failed: ${r.stderr}`);
    return new Uint8Array(readFileSync(join(dir, 'out.o')));
  });
}

/** llvm-objdump-19 output for an object, without the line naming the file. */
export function objdump(bytes: Uint8Array, flags: string[] = ['-d', '-r']): string {
  return withTemp((dir) => {
    writeFileSync(join(dir, 'x.o'), bytes);
    const r = spawnSync('llvm-objdump-19', [...flags, '--mcpu=v4', join(dir, 'x.o')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`llvm-objdump-19 failed: ${r.stderr}`);
    return r.stdout.split('\n').filter((l) => !l.includes(join(dir, 'x.o'))).join('\n');
  });
}

/** A seeded PRNG (mulberry32), so fuzz runs are repeatable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
