// The formatter: canonical layout, every comment kept, idempotent, and the same bytes after.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble } from '../core/asm/assembler';
import { format, formatParsed } from '../core/asm/format';
import { parse } from '../core/asm/index';
import { parseLlvm } from '../core/asm/llvm-parser';
import { parseMnemonic } from '../core/asm/mnemonic-parser';
import { encodeProgram } from '../core/isa';
import { InsnGen, seeded } from './asm-llvm-gen';

const haveLlvm = spawnSync('llvm-mc-19', ['--version']).status === 0 && spawnSync('llvm-objcopy-19', ['--version']).status === 0;
const haveClang = haveLlvm && spawnSync('clang-19', ['--version']).status === 0;
const ASM_INCLUDE = ['x86_64-linux-gnu', 'aarch64-linux-gnu'].map((d) => `/usr/include/${d}`).find((d) => existsSync(join(d, 'asm', 'types.h')));
if (!haveLlvm) console.warn('skipping the llvm-mc check of formatted text: llvm-mc-19 is not installed');

const programBytes = (text: string, syntax?: 'llvm' | 'mnemonic') =>
  assemble(parse(text, syntax ? { syntax } : {})).programs.map((p) => Buffer.from(encodeProgram(p.insns.map((i) => i.insn))).toString('hex'));

const commentTexts = (text: string, syntax: 'llvm' | 'mnemonic') =>
  (syntax === 'llvm' ? parseLlvm(text) : parseMnemonic(text)).comments.map((c) => text.slice(c.start, c.end).trimEnd());

const MESSY = `// header comment
  .section   xdp
start:   r0=0 // zero
r1 = *(u32*)(r1+4)   # load
if r1 s>r2 goto   start
  lock *(u64*)(r10-8)+=r1
r2 = foo+8 ll ; exit
/* block */ r3 = -1
label2: call   bpf_map_lookup_elem
.map m type=hash key=4 value=8 max_entries=10


w1 = (s8)w2
r0 = atomic_fetch_add((u64*)(r1+0),r0)
r0=*(u8*)skb[r1]
if w1 < -5 goto -2
r1 = r1 - -3
  .section	.rodata,"a",@progbits
  .asciz "a;b"   // str
`;

describe('format', () => {
  it('lays out LLVM syntax like clang -S: labels at column 0, one tab, single spaces', () => {
    expect(format(MESSY)).toBe(`// header comment
\t.section\txdp
start:
\tr0 = 0                // zero
\tr1 = *(u32 *)(r1 + 4) # load
\tif r1 s> r2 goto start
\tlock *(u64 *)(r10 - 8) += r1
\tr2 = foo + 8 ll
\texit
/* block */
\tr3 = -1
label2:
\tcall bpf_map_lookup_elem
\t.map\tm type=hash key=4 value=8 max_entries=10

\tw1 = (s8)w2
\tr0 = atomic_fetch_add((u64 *)(r1 + 0), r0)
\tr0 = *(u8 *)skb[r1]
\tif w1 < -5 goto -2
r1 = r1 - -3
\t.section\t.rodata, "a", @progbits
\t.asciz\t"a;b" // str
`);
  });

  it('starts the trailing comments of consecutive lines in one column, one space after the longest code', () => {
    const text = [
      '\t.section xdp',
      'f:',
      '  r1 = 1   // one',
      'r2 = *(u32 *)(r1 + 4)\t\t// two',
      '\tr3 = 3 /* three */',
      '\tr4 = 4', // no comment: ends the run
      'r5 = 5 // five',
      '\tr6 = 66 // six',
      '', // a blank line ends the run too
      'r7 = 7                        // seven',
      'lbl: // at the label', // another indentation: its own run
      '\t.asciz "x" // after a tab inside a directive',
      '\tr0 = 0 // long enough to matter',
      '\texit /* a block',
      '   comment over two lines */',
      '',
    ].join('\n');
    expect(format(text)).toBe([
      '\t.section\txdp',
      'f:',
      '\tr1 = 1                // one',
      '\tr2 = *(u32 *)(r1 + 4) // two',
      '\tr3 = 3                /* three */',
      '\tr4 = 4',
      '\tr5 = 5  // five',
      '\tr6 = 66 // six',
      '',
      '\tr7 = 7 // seven',
      'lbl: // at the label',
      // `.asciz` and its tab end at column 16 (tabs every 8 columns), `r0 = 0` at 14
      '\t.asciz\t"x" // after a tab inside a directive',
      '\tr0 = 0      // long enough to matter',
      '\texit /* a block',
      '   comment over two lines */',
      '',
    ].join('\n'));
    expect(format(format(text))).toBe(format(text));
  });

  it('lays out mnemonic syntax with one space after commas', () => {
    const text = 'mov r0,1 # c\n  ldxw r1,[r2+4]\nlbl:  add32 r0 , r1\njeq r1, 0, lbl\nexit\n';
    expect(format(text, 'mnemonic')).toBe('\tmov r0, 1 # c\n\tldxw r1, [r2+4]\nlbl:\n\tadd32 r0, r1\n\tjeq r1, 0, lbl\n\texit\n');
    expect(format(text)).toBe(format(text, 'mnemonic'));
    expect(programBytes(format(text), 'mnemonic')).toEqual(programBytes(text, 'mnemonic'));
  });

  it('keeps every comment, is idempotent and keeps the bytes', () => {
    const formatted = format(MESSY);
    for (const c of commentTexts(MESSY, 'llvm')) expect(formatted).toContain(c);
    expect(format(formatted)).toBe(formatted);
    expect(programBytes(formatted)).toEqual(programBytes(MESSY));
  });

  it('leaves a pasted verifier log as it is', () => {
    const log = '0: R1=ctx() R10=fp0\n0: (b7) r0 = 0                        ; R0_w=0\n1: (95) exit\nprocessed 2 insns\n';
    expect(format(log)).toBe(log);
    expect(formatParsed(log, parseLlvm(log))).toBe(log);
  });

  it.skipIf(!haveLlvm)('formats 3,000 random instructions into text llvm-mc-19 assembles to the same bytes', () => {
    const gen = new InsnGen(seeded(7));
    const lines = gen.program(3000).map((l, k) => (k % 7 === 0 ? `${l}   // note ${k}` : k % 11 === 0 ? `  ${l.trim()}  # hash ${k}` : l));
    const text = lines.join('\n') + '\n';
    const formatted = format(text);
    expect(format(formatted)).toBe(formatted);
    for (const c of commentTexts(text, 'llvm')) expect(formatted).toContain(c);
    const dir = mkdtempSync(join(tmpdir(), 'asm-fmt-'));
    try {
      writeFileSync(join(dir, 'f.s'), formatted);
      execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', '-o', join(dir, 'f.o'), join(dir, 'f.s')], { stdio: 'pipe' });
      execFileSync('llvm-objcopy-19', ['-O', 'binary', '--only-section=.text', join(dir, 'f.o'), join(dir, 't.bin')]);
      expect(readFileSync(join(dir, 't.bin')).toString('hex')).toBe(programBytes(text)[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!haveClang)('formats clang -S output into text llvm-mc-19 turns into the same object, debug info included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asm-fmt-clang-'));
    const fixtures = readdirSync(join(__dirname, 'fixtures', 'c')).filter((f) => f.endsWith('.c'));
    let compared = 0;
    try {
      for (const file of fixtures) {
        for (const cpu of ['v2', 'v3']) {
          const asm = join(dir, 'orig.s');
          execFileSync('clang-19', ['-target', 'bpf', '-D__TARGET_ARCH_x86', `-mcpu=${cpu}`, '-O2', '-g', ...(ASM_INCLUDE ? ['-I', ASM_INCLUDE] : []), '-S', '-o', asm, join(__dirname, 'fixtures', 'c', file)]);
          const original = readFileSync(asm, 'utf8');
          const formatted = format(original);
          expect(format(formatted)).toBe(formatted);
          for (const c of commentTexts(original, 'llvm')) expect(formatted).toContain(c);
          writeFileSync(join(dir, 'fmt.s'), formatted);
          const mc = (name: string) => spawnSync('llvm-mc-19', ['-triple', 'bpfel', `-mcpu=${cpu}`, '-filetype=obj', '-o', join(dir, `${name}.o`), join(dir, `${name}.s`)], { encoding: 'utf8' });
          // llvm-mc 19 cannot read back some of clang 19's own v3 output (`r3 = w0`): nothing to compare then
          if (mc('orig').status !== 0) continue;
          const fmt = mc('fmt');
          expect(fmt.status, `${file} -mcpu=${cpu}: ${fmt.stderr}`).toBe(0);
          // the whole object, debug information and symbol tables included
          const [a, b] = ['orig', 'fmt'].map((name) => readFileSync(join(dir, `${name}.o`)));
          expect(a!.length).toBeGreaterThan(4000);
          expect(b!.equals(a!), `${file} -mcpu=${cpu}`).toBe(true);
          compared++;
        }
      }
      expect(compared).toBeGreaterThanOrEqual(2 * fixtures.length - 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!haveLlvm)('formats every example into text llvm-mc-19 turns into the same object as the original', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asm-fmt-examples-'));
    const examples = join(__dirname, '..', 'examples');
    const files = [...readdirSync(examples).map((f) => join(examples, f)), ...readdirSync(join(examples, 'broken')).map((f) => join(examples, 'broken', f))]
      .filter((f) => f.endsWith('.s'));
    // llvm-mc knows no `.map`: the lines become comments, and map references stay relocations
    const forLlvm = (text: string): string => text.replace(/^(\s*)\.map\b/gm, '$1// .map');
    try {
      expect(files.length).toBeGreaterThanOrEqual(12);
      for (const file of files) {
        const original = readFileSync(file, 'utf8');
        const formatted = format(original);
        expect(format(formatted), file).toBe(formatted);
        expect(programBytes(formatted), file).toEqual(programBytes(original));
        const [a, b] = [original, formatted].map((text, k) => {
          writeFileSync(join(dir, `${k}.s`), forLlvm(text));
          execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', '-o', join(dir, `${k}.o`), join(dir, `${k}.s`)], { stdio: 'pipe' });
          return readFileSync(join(dir, `${k}.o`));
        });
        expect(a!.length, file).toBeGreaterThan(300);
        expect(b!.equals(a!), file).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
