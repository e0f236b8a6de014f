// Error messages and ranges for bad LLVM-syntax input; llvm-mc-19 is the oracle for "bad".
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLlvm } from '../core/asm/llvm-parser';

const haveLlvm = spawnSync('llvm-mc-19', ['--version']).status === 0;
if (!haveLlvm) console.warn('skipping the llvm-mc cross-check of bad input: llvm-mc-19 is not installed');

/** [source, message pattern, the exact text the range covers, llvm-mc accepts it anyway]. */
const CASES: [string, RegExp, string, boolean?][] = [
  ['r1 = ', /expected a register, a number or a symbol, found end of line/, ''],
  ['r1 +', /expected an assignment .*found '\+'/, '+'],
  ['r11 = r1', /'r11' is not a register: BPF has r0-r10/, 'r11', true],
  ['r1 = r2 r3', /expected end of statement, found 'r3'/, 'r3'],
  ['w1 = r2', /expected a 32-bit register \(w0-w10\), found 'r2'/, 'r2'],
  ['r1 += w2', /expected a 64-bit register \(r0-r10\), found 'w2'/, 'w2'],
  ['r0 = *(u32 *)(r1 + 4', /expected '\)', found end of line/, ''],
  ['r0 = *(u128 *)(r1 + 4)', /expected a size \(u8, u16, u32, u64.*found 'u128'/, 'u128'],
  ['r0 = *(u32 *)(r1 + 40000)', /offset 40000 is out of range: it must be between -32768 and 32767/, '40000'],
  ['r0 = *(u32 *)(r1)', /expected '\+ offset' or '- offset' after the base register, found '\)'/, ')'],
  ['w0 = *(s8 *)(r1 + 0)', /sign-extending loads need an r register/, 'w0'],
  ['w0 = *(u64 *)(r1 + 0)', /a u64 load needs an r register/, 'w0'],
  ['*(u64 *)(r1 + 0) = w1', /expected a 64-bit register .*found 'w1'/, 'w1'],
  ['if r1 >> r2 goto L', /expected a comparison .*found '>>'/, '>>'],
  ['if r1 > r2 L', /expected 'goto', found 'L'/, 'L'],
  ['if w1 > r2 goto +1', /expected a 32-bit register .*found 'r2'/, 'r2'],
  ['goto', /expected a label or an offset, found end of line/, ''],
  ['goto +40000', /jump offset 40000 is out of range: it must be between -32768 and 32767 \(use gotol/, '+40000'],
  ['r1 = be16 r2', /be16 works in place: write r1 = be16 r1/, 'r2'],
  ['w1 = be16 w1', /be16 works on 64-bit registers/, 'w1'],
  ['r1 = -r2', /negation works in place: write r1 = -r1/, 'r2'],
  ['r1 = (s64)r2', /expected a sign-extension type \(s8, s16, s32\), found 's64'/, 's64'],
  ['w1 = (s32)w2', /expected a sign-extension type \(s8, s16\), found 's32'/, 's32'],
  ['lock *(u64 *)(r1 + 0) -= r2', /expected an atomic operation \(\+=, \|=, &=, \^=\), found '-='/, '-='],
  ['lock *(u8 *)(r1 + 0) += r2', /atomic operations work on u32 or u64/, 'u8'],
  ['r1 = cmpxchg_64(r1 + 0, r0, r2)', /cmpxchg_64 compares with r0 and returns in it/, 'r0'],
  ['r1 = 18446744073709551616 ll', /number does not fit in 64 bits/, '18446744073709551616'],
  ['w1 = 1 ll', /a 64-bit load needs an r register: write r1 = 1 ll/, 'w1'],
  ['r1 = foo', /a symbol needs a 64-bit load: write r1 = foo ll/, 'foo', true],
  ['callx w3', /expected a 64-bit register .*found 'w3'/, 'w3'],
  ['call r3', /expected a helper id or a function name \(callx calls through a register\), found 'r3'/, 'r3'],
  ['exit r0', /expected end of statement, found 'r0'/, 'r0'],
  ['frob r1', /expected an instruction, found 'frob'/, 'frob'],
  ['.frob 1', /unknown directive '\.frob'/, '.frob'],
  ['.byte 1,', /expected an argument, found end of line/, ''],
  ['.globl', /expected a symbol name, found end of line/, '', true],
  ['.ascii 5', /expected a string, found '5'/, '5'],
  ['.section', /expected a section name, found end of line/, ''],
  ['r1 = 0xfg', /invalid digit 'g' in hexadecimal number/, '0xfg'],
  ['r0 = *(u64 *)skb[4]', /packet loads take u8, u16 or u32/, 'u64'],
  ['r1 = *(u8 *)skb[4]', /packet loads \(skb\[\.\.\.\]\) always load into r0/, 'r1'],
  ['r1 = (1 + 2', /expected '\)', found end of line/, ''],
  ['nop', /llvm-mc 19 has no nop/, 'nop'],
];

describe('LLVM syntax errors', () => {
  for (const [source, message, covered] of CASES) {
    it(`reports ${JSON.stringify(source)}`, () => {
      const parsed = parseLlvm(source);
      const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
      expect(errors).toHaveLength(1);
      const e = errors[0]!;
      expect(e.message).toMatch(message);
      expect(source.slice(e.range.start, e.range.end)).toBe(covered);
      expect(e.range.start).toBeGreaterThanOrEqual(0);
      expect(e.range.end).toBeLessThanOrEqual(source.length);
      expect(parsed.statements.filter((s) => s.kind === 'insn')).toEqual([]);
    });
  }

  it.skipIf(!haveLlvm)('rejects what llvm-mc-19 rejects', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asm-err-'));
    try {
      const file = join(dir, 'bad.s');
      writeFileSync(file, CASES.map(([s]) => s).join('\n') + '\n');
      const r = spawnSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-o', '/dev/null', file], { encoding: 'utf8' });
      const badLines = new Set([...r.stderr.matchAll(/bad\.s:(\d+):\d+: error/g)].map((m) => Number(m[1])));
      CASES.forEach(([source, , , llvmAccepts], k) => {
        expect(badLines.has(k + 1), `llvm-mc on ${JSON.stringify(source)}`).toBe(!llvmAccepts);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps parsing after an error, statement by statement', () => {
    const source = ['r0 = 1', 'r1 = = 2', 'r2 = 3 ; r3 ++ 4 ; r4 = 5', '*(u32 *)(r10 - 4) = ', 'exit'].join('\n');
    const parsed = parseLlvm(source);
    const insns = parsed.statements.flatMap((s) => (s.kind === 'insn' ? [source.slice(s.range.start, s.range.end)] : []));
    expect(insns).toEqual(['r0 = 1', 'r2 = 3', 'r4 = 5', 'exit']);
    expect(parsed.diagnostics.map((d) => source.slice(d.range.start, d.range.end))).toEqual(['=', '+', '']);
    expect(parsed.diagnostics[2]!.range.start).toBe(source.indexOf('= \nexit') + 1);
  });

  it('warns about constants that do not fit, as llvm-mc silently truncates them', () => {
    const source = 'r1 = 4294967296\nr2 += 0xffffffff\nw3 = 0xffffffff';
    const parsed = parseLlvm(source);
    const insns = parsed.statements.flatMap((s) => (s.kind === 'insn' ? [s.insn.imm] : []));
    expect(insns).toEqual([0, -1, -1]);
    expect(parsed.diagnostics.map((d) => [d.severity, d.code, source.slice(d.range.start, d.range.end)])).toEqual([
      ['warning', 'truncated', '4294967296'],
      ['warning', 'sign-extended', '0xffffffff'],
    ]);
    if (haveLlvm) {
      const out = execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-show-encoding'], { input: source, encoding: 'utf8' });
      const imms = [...out.matchAll(/encoding: \[((?:0x[0-9a-f]{2},?)+)\]/g)].map((m) => {
        const b = m[1]!.split(',').map((h) => parseInt(h, 16));
        return new DataView(Uint8Array.from(b).buffer).getInt32(4, true);
      });
      expect(imms).toEqual(insns);
    }
  });
});
