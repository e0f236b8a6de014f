// The bpf_conformance corpus: every file's data sections are read, every `-- asm` program parses
// and assembles without a diagnostic, its bytes equal the `-- raw` words where a file has them,
// and what llvm-mc-19 makes of the program converted to LLVM syntax (which checks labels, jump
// offsets and encodings; what each mnemonic means is checked against the RFC's opcode tables in
// mnemonic-parser.test.ts and by running the programs in the kernel in conformance-asm-kernel).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assemble } from '../core/asm/assembler';
import { convert } from '../core/asm/convert';
import { parseDataFile, parseDataFileProgram } from '../core/asm/data-file';
import { parseMnemonic } from '../core/asm/mnemonic-parser';
import { encodeProgram } from '../core/isa';
import { CONFORMANCE_DIR } from './conformance-dir';

const DIR = CONFORMANCE_DIR;
const haveCorpus = existsSync(DIR);
if (!haveCorpus) console.warn(`conformance-asm: ${DIR} not found, skipping the corpus tests`);
const files = haveCorpus ? readdirSync(DIR).filter((f) => f.endsWith('.data')).sort() : [];
const read = (f: string): string => readFileSync(join(DIR, f), 'utf8');

function hasTool(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const haveLlvm = hasTool('llvm-mc-19') && hasTool('llvm-objcopy-19');
if (!haveLlvm) console.warn('conformance-asm: llvm-mc-19 / llvm-objcopy-19 not found, skipping the llvm-mc comparison');

const tmp = mkdtempSync(join(tmpdir(), 'conformance-asm-'));
afterAll(() => { if (!process.env.KEEP_TMP) rmSync(tmp, { recursive: true, force: true }); });

/** Our bytes for a mnemonic program. */
function ourBytes(asm: string): { bytes: Uint8Array; problems: string[] } {
  const parsed = parseMnemonic(asm);
  const out = assemble(parsed);
  const problems = [...parsed.diagnostics, ...out.diagnostics].map((d) => `${d.message} at ${d.range.start}`);
  if (out.programs.length !== 1) problems.push(`expected 1 program, found ${out.programs.length}`);
  return { bytes: encodeProgram(out.programs[0]?.insns.map((i) => i.insn) ?? []), problems };
}

describe('conformance data files', () => {
  it.skipIf(!haveCorpus)('reads all 313 files without a diagnostic, each with a program and a result', () => {
    expect(files.length).toBe(313);
    for (const f of files) {
      const d = parseDataFile(read(f));
      expect(d.diagnostics, f).toEqual([]);
      expect(d.asm ?? d.raw, f).toBeDefined();
      expect(d.result, f).toBeTypeOf('bigint');
    }
  });

  it.skipIf(!haveCorpus)('maps asm offsets back into the file and reads mem, raw and flags', () => {
    const text = read('lddw.data');
    const d = parseDataFile(text);
    expect(text.slice(d.asm!.offset, d.asm!.offset + d.asm!.text.length)).toBe(d.asm!.text);
    expect(d.asm!.text.startsWith('lddw %r0, 0x1122334455667788')).toBe(true);
    expect(d.raw!.words).toEqual([0x5566778800000018n, 0x1122334400000000n, 0x0000000000000095n]);
    expect(Array.from(d.raw!.bytes.subarray(0, 8))).toEqual([0x18, 0, 0, 0, 0x88, 0x77, 0x66, 0x55]);
    expect(d.result).toBe(0x1122334455667788n);

    const mem = parseDataFile(read('mem-len.data'));
    expect(Array.from(mem.mem!)).toEqual([0, 0, 0, 1, 0, 0, 0, 2]);
    expect(mem.noRegisterOffset).toBe(true);
    const callx = parseDataFile(read('callx.data'));
    expect(callx.noRegisterOffset).toBe(true);
    expect(callx.noRegisterOffsetReason).toBe('call instruction');
    expect(parseDataFile(read('prime.data')).c).toContain('uint64_t entry(uint64_t arg)');
  });

  it('handles odd input without throwing: unknown sections, bad numbers, byte-form raw, errors', () => {
    const d = parseDataFile('# x\n-- asm\nexit\n-- raw\n95 00 00 00 00 00 00 00\n-- mem\n0g 01\n-- result\nzz\n-- bogus\n-- error\nInvalid register\n');
    expect(d.raw!.words).toEqual([0x95n]);
    expect(d.error).toBe('Invalid register');
    expect(d.result).toBeUndefined();
    expect(d.diagnostics.map((x) => x.message)).toEqual([
      "expected a hexadecimal byte (such as 0a), found '0g'",
      "expected a number (such as 0x1), found 'zz'",
      "expected a section name (asm, mem, result, raw, error, c, no register offset), found 'bogus'",
    ]);
    for (const s of ['', '--', '-- asm', '\n\n-- result\n0x', '-- raw\n0x1 2 xyz']) expect(() => parseDataFile(s)).not.toThrow();
    let seed = 3;
    const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0);
    const pieces = ['-- asm\n', '-- mem\n', '-- raw\n', '-- result\n', '-- error\n', '0x', 'ff ', '12 ', '# c\n', 'mov %r0, 1\n', '\n', 'zz'];
    for (let n = 0; n < 500; n++) {
      let s = '';
      for (let i = next() % 12; i > 0; i--) s += pieces[next() % pieces.length];
      expect(() => parseDataFileProgram(s), s).not.toThrow();
    }
  });
});

describe('a data file as one parsed program', () => {
  it('puts statements, tokens and errors at their offsets in the file', () => {
    const text = '# licence\n-- asm\nmov %r0, 1 # one\nbogus\nexit\n-- result\n0x1 # note\n';
    const p = parseDataFileProgram(text);
    const at = (r: { start: number; end: number }): string => text.slice(r.start, r.end);
    expect(p.statements.map((s) => at(s.range))).toEqual(['mov %r0, 1', 'exit']);
    expect(p.diagnostics.map((d) => [at(d.range), d.message])).toEqual([['bogus', "expected a mnemonic, found unknown mnemonic 'bogus'"]]);
    expect(p.comments.map(at)).toEqual(['# licence', '# one', '# note']);
    expect(p.tokens.filter((t) => t.kind === 'directive').map((t) => at(t.range))).toEqual(['-- asm', '-- result']);
    expect(p.tokens.filter((t) => t.kind === 'mnemonic').map((t) => at(t.range))).toEqual(['mov', 'exit']);
    expect(p.tokens.filter((t) => t.kind === 'number').map((t) => at(t.range))).toEqual(['1', '0x1']);
  });
});

describe('conformance programs', () => {
  it.skipIf(!haveCorpus)('every -- asm section parses and assembles with zero diagnostics', () => {
    let insns = 0;
    for (const f of files) {
      const d = parseDataFile(read(f));
      const { bytes, problems } = ourBytes(d.asm!.text);
      expect(problems, f).toEqual([]);
      insns += bytes.length / 8;
    }
    expect(insns).toBeGreaterThan(2500);
  });

  it.skipIf(!haveCorpus)('matches the -- raw words where a file has them', () => {
    const withRaw = files.filter((f) => parseDataFile(read(f)).raw);
    expect(withRaw.length).toBeGreaterThan(0);
    for (const f of withRaw) {
      const d = parseDataFile(read(f));
      expect(Array.from(ourBytes(d.asm!.text).bytes), f).toEqual(Array.from(d.raw!.bytes));
    }
  });

  it.skipIf(!haveCorpus || !haveLlvm)('gives the same bytes as llvm-mc-19 for every program converted to LLVM syntax', () => {
    // One llvm-mc run: each program in its own section, then each section's bytes compared.
    const sources: string[] = [];
    const ours: Uint8Array[] = [];
    files.forEach((f, i) => {
      const d = parseDataFile(read(f));
      const c = convert(d.asm!.text, 'llvm');
      expect(c.diagnostics, f).toEqual([]);
      // Labels are file-wide in llvm-mc: give each program its own names.
      const renamed = c.text.replace(/^([A-Za-z_.][\w.]*):/gm, `p${i}_$1:`);
      const labels = new Set([...renamed.matchAll(/^p\d+_([\w.]+):/gm)].map((m) => m[1]!));
      const body = renamed.replace(/\b(goto|gotol|call|may_goto) ([A-Za-z_.][\w.]*)(?=\s|$)/gm,
        (m, op: string, name: string) => (labels.has(name) ? `${op} p${i}_${name}` : m));
      sources.push(`\t.section\tprog${i},"ax",@progbits\n${body}\n`);
      ours.push(ourBytes(d.asm!.text).bytes);
    });
    const src = join(tmp, 'all.s');
    const obj = join(tmp, 'all.o');
    writeFileSync(src, sources.join(''));
    execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', src, '-o', obj]);
    const args = ['-O', 'binary'];
    for (let i = 0; i < files.length; i++) args.push(`--dump-section=prog${i}=${join(tmp, `p${i}.bin`)}`);
    execFileSync('llvm-objcopy-19', [...args, obj, join(tmp, 'ignored.bin')]);
    let same = 0;
    files.forEach((f, i) => {
      const theirs = new Uint8Array(readFileSync(join(tmp, `p${i}.bin`)));
      expect(Array.from(ours[i]!), f).toEqual(Array.from(theirs));
      same++;
    });
    expect(same).toBe(313);
  });
});
