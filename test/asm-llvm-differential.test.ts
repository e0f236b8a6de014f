// Differential test: random programs covering every instruction form, assembled by us and by
// llvm-mc-19; the .text bytes must be identical, instruction by instruction.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineIndex } from '../core/asm/ast';
import { assemble } from '../core/asm/assembler';
import { parseLlvm } from '../core/asm/llvm-parser';
import { encodeProgram } from '../core/isa';
import { InsnGen, seeded } from './asm-llvm-gen';

const haveLlvm = spawnSync('llvm-mc-19', ['--version']).status === 0 && spawnSync('llvm-objcopy-19', ['--version']).status === 0;
if (!haveLlvm) console.warn('skipping the llvm-mc differential test: llvm-mc-19 or llvm-objcopy-19 is not installed');

/** Assembles with llvm-mc-19 and returns the bytes of one section. */
function llvmSection(source: string, section: string): Buffer {
  return withObject(source, (obj, dir) => {
    execFileSync('llvm-objcopy-19', ['-O', 'binary', `--only-section=${section}`, obj, join(dir, 'sec.bin')]);
    return readFileSync(join(dir, 'sec.bin'));
  });
}

/** The relocations llvm-readelf-19 lists for one section of llvm-mc-19's object, as our model has them. */
function llvmRelocations(source: string, section: string): { slot: number; symbol: string; kind: string }[] {
  const listing = withObject(source, (obj) => execFileSync('llvm-readelf-19', ['-r', obj], { encoding: 'utf8' }));
  const out: { slot: number; symbol: string; kind: string }[] = [];
  let inSection = false;
  for (const line of listing.split('\n')) {
    const head = /^Relocation section '([^']+)'/.exec(line);
    if (head) inSection = head[1] === `.rel${section}`;
    const m = /^([0-9a-f]{16})\s+[0-9a-f]+\s+(R_BPF_64_64|R_BPF_64_32)\s+[0-9a-f]+\s+(\S+)/.exec(line);
    if (inSection && m) out.push({ slot: parseInt(m[1]!, 16) / 8, symbol: m[3]!, kind: m[2] === 'R_BPF_64_64' ? 'imm64' : 'call' });
  }
  return out;
}

function withObject<T>(source: string, use: (obj: string, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'asm-diff-'));
  try {
    writeFileSync(join(dir, 'in.s'), source);
    execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', '-o', join(dir, 'out.o'), join(dir, 'in.s')], { stdio: 'pipe' });
    return use(join(dir, 'out.o'), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('LLVM syntax: bytes equal llvm-mc-19', () => {
  it.skipIf(!haveLlvm)('assembles 8,000 random instructions of every form exactly as llvm-mc-19', () => {
    const seed = Number(process.env.ASM_SEED ?? Date.now() % 1_000_000);
    const gen = new InsnGen(seeded(seed));
    const lines = gen.program(8000);
    const source = lines.join('\n') + '\n';
    const parsed = parseLlvm(source);
    const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.message} in ${source.slice(d.range.start, d.range.end)}`), `seed ${seed}`).toEqual([]);
    const out = assemble(parsed, { lines: new LineIndex(source) });
    expect(out.diagnostics.filter((d) => d.severity === 'error'), `seed ${seed}`).toEqual([]);
    const prog = out.programs.find((p) => p.section === '.text')!;
    const ours = Buffer.from(encodeProgram(prog.insns.map((i) => i.insn)));
    const theirs = llvmSection(source, '.text');
    const mismatches: string[] = [];
    for (const pi of prog.insns) {
      const at = pi.slot * 8;
      const n = pi.insn.code === 0x18 ? 16 : 8;
      const a = ours.subarray(at, at + n).toString('hex');
      const b = theirs.subarray(at, at + n).toString('hex');
      if (a !== b) mismatches.push(`line ${pi.line! + 1}: ${lines[pi.line!]!.trim()}  ours ${a}  llvm ${b}`);
    }
    expect(mismatches.slice(0, 20), `seed ${seed}`).toEqual([]);
    expect(prog.insns.length).toBeGreaterThanOrEqual(8000);
    expect(ours.length).toBe(theirs.length);
    expect(ours.equals(theirs)).toBe(true);
  });

  it.skipIf(!haveLlvm)('matches llvm-mc-19 on calls and symbol loads across sections', () => {
    const source = [
      '\t.text', '\t.globl gfun', 'helper_a:', '\tr0 = 1', '\texit', 'local_b:', '\tr0 = 2', '\texit', 'gfun:', '\texit',
      '\t.section xdp,"ax",@progbits', '\t.globl prog', 'prog:', '\tcall helper_a', '\tcall local_b', '\tcall gfun',
      '\tcall prog2', '\tcall prog3', '\tr1 = local_b ll', '\tr1 = gfun ll', '\tr1 = dat ll', '\tr1 = dat + 4 ll',
      '\tr1 = ext_sym ll', '\tr2 = ext_sym + 12 ll', '\texit', 'prog2:', '\texit', '\t.globl prog3', 'prog3:',
      '\tgotol prog2', '\tgoto prog2', '\texit', '\t.data', '\t.long 7', 'dat:', '\t.long 1', '',
    ].join('\n');
    const out = assemble(parseLlvm(source));
    for (const prog of out.programs) {
      const ours = Buffer.from(encodeProgram(prog.insns.map((i) => i.insn)));
      expect(ours.toString('hex'), prog.section).toBe(llvmSection(source, prog.section).toString('hex'));
    }
    const xdp = out.programs.find((p) => p.section === 'xdp')!;
    expect(xdp.relocations).toEqual(llvmRelocations(source, 'xdp'));
    expect(xdp.relocations.length).toBe(10);
    expect(Buffer.from(out.data.find((d) => d.name === '.data')!.bytes)).toEqual(llvmSection(source, '.data'));
  });
});
