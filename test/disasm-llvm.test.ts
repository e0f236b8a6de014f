// Differential test of the LLVM-syntax printer against llvm-objdump-19: thousands of random valid
// and invalid encodings go into one object file; every listing line must be identical.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { objdumpLines } from '../core/disasm/objdump';
import { printLlvm } from '../core/disasm/llvm';
import { randomInstruction, rng, toBytes } from './disasm-random-insns';

function hasTool(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const haveLlvm = hasTool('llvm-mc-19') && hasTool('llvm-objdump-19');
if (!haveLlvm) console.warn('disasm-llvm: llvm-mc-19 / llvm-objdump-19 not found, skipping the differential tests');

const dir = mkdtempSync(join(tmpdir(), 'disasm-llvm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Assembles raw bytes into an object with llvm-mc and returns objdump's listing lines. */
function objdump(bytes: Uint8Array, extra: string[] = []): string[] {
  const lines = ['.text'];
  for (let i = 0; i < bytes.length; i += 8) lines.push('.byte ' + Array.from(bytes.subarray(i, i + 8)).join(','));
  const src = join(dir, 'in.s');
  const obj = join(dir, 'in.o');
  writeFileSync(src, lines.join('\n') + '\n');
  execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', src, '-o', obj]);
  const out = execFileSync('llvm-objdump-19', ['-d', '-z', '--mcpu=v4', ...extra, obj], { maxBuffer: 1 << 28 })
    .toString().split('\n');
  const start = out.findIndex((l) => l.startsWith('Disassembly of section'));
  return out.slice(start).filter((l, i, a) => !(l === '' && i === a.length - 1));
}

function compare(ours: string[], theirs: string[]): { same: number; diffs: string[] } {
  const diffs: string[] = [];
  let same = 0;
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
    if (ours[i] === theirs[i]) same++;
    else if (diffs.length < 10) diffs.push(`ours:    ${ours[i]}\nobjdump: ${theirs[i]}`);
  }
  return { same, diffs };
}

describe('printLlvm against llvm-objdump-19', () => {
  it.skipIf(!haveLlvm)('matches every line for 6,000 random instructions (10% invalid)', () => {
    const r = rng(20240601);
    const insns = Array.from({ length: 6000 }, () => randomInstruction(r, { invalid: 0.1, llvmOnly: true }));
    const bytes = toBytes(insns);
    const theirs = objdump(bytes);
    const ours = objdumpLines(bytes);
    const { same, diffs } = compare(ours, theirs);
    expect(diffs).toEqual([]);
    expect(same).toBeGreaterThan(6000);
    // Every opcode byte objdump can decode at all appears decoded in the sample.
    const decodable = new Set<number>();
    for (let code = 0; code < 256; code++) {
      for (const [off, imm] of [[0, 0], [0, 16], [1, 0], [8, 0], [0, 0xe1]]) {
        if (printLlvm({ code, dst: 1, src: 2, off: off!, imm: imm!, hi: 0 }) !== '<unknown>') decodable.add(code);
      }
    }
    const seen = new Set(insns.filter((i) => printLlvm(i) !== '<unknown>').map((i) => i.code));
    expect([...decodable].filter((c) => !seen.has(c))).toEqual([]);
    expect(decodable.size).toBeGreaterThan(120);
  });

  it.skipIf(!haveLlvm)('matches every line for 2,000 fully random encodings', () => {
    const r = rng(77);
    const insns = Array.from({ length: 2000 }, () => randomInstruction(r, { invalid: 1, llvmOnly: true }));
    const bytes = toBytes(insns);
    const { diffs } = compare(objdumpLines(bytes), objdump(bytes));
    expect(diffs).toEqual([]);
  });

  it.skipIf(!haveLlvm)('matches the text-only listing (--no-show-raw-insn)', () => {
    const r = rng(5);
    const bytes = toBytes(Array.from({ length: 500 }, () => randomInstruction(r, { invalid: 0.1, llvmOnly: true })));
    const { diffs } = compare(objdumpLines(bytes, { rawBytes: false }), objdump(bytes, ['--no-show-raw-insn']));
    expect(diffs).toEqual([]);
  });

  it.skipIf(!haveLlvm)('matches objdump on truncated tails and unaligned bytes (one section per case)', () => {
    const r = rng(123);
    const cases: Uint8Array[] = [];
    for (let n = 0; n < 60; n++) {
      const base = toBytes(Array.from({ length: 3 }, () => randomInstruction(r, { invalid: 0.3, llvmOnly: true })));
      let bytes = base.subarray(0, Math.max(1, base.length - Math.floor(r() * 15)));
      if (n % 5 === 0) bytes = Uint8Array.from([...bytes, 0x18, 1, 0, 0, 5, 0, 0, 0, 0x95]);
      if (n % 7 === 0) bytes = Uint8Array.from([0x95, 1, 2, 0x05, 0, 1, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
      cases.push(bytes);
    }
    const src = cases.map((b, i) => `\t.section\tt${i},"ax",@progbits\n.byte ${Array.from(b).join(',')}\n`).join('');
    writeFileSync(join(dir, 'tails.s'), src);
    execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', join(dir, 'tails.s'), '-o', join(dir, 'tails.o')]);
    const out = execFileSync('llvm-objdump-19', ['-d', '-z', '--mcpu=v4', join(dir, 'tails.o')]).toString();
    const theirs = out.slice(out.indexOf('Disassembly of section')).split('\n').filter((l) => l !== '');
    const ours = cases.flatMap((b, i) => objdumpLines(b, { section: `t${i}` })).filter((l) => l !== '');
    expect(compare(ours, theirs).diffs).toEqual([]);
    expect(ours.some((l) => /^\s+\d+:\t[0-9a-f]{2}\t<unknown>$/.test(l))).toBe(true);
  });

  it('never throws on any opcode byte', () => {
    for (let code = 0; code < 256; code++) {
      for (const f of [0, 1, 11, 15]) {
        const text = printLlvm({ code, dst: f, src: f, off: f - 1, imm: f * 7 - 3, hi: f });
        expect(typeof text).toBe('string');
      }
    }
  });
});
