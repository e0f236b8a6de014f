// Syntax detection for parse(): every bpf_conformance program is mnemonic syntax, clang's output and
// kernel listings are LLVM syntax, and half-typed files land on the side their first words show.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataFile } from '../core/asm/data-file';
import { detectSyntax, parse } from '../core/asm/index';
import { InsnGen, seeded } from './asm-llvm-gen';
import { CONFORMANCE_DIR } from './conformance-dir';

const CONFORMANCE = CONFORMANCE_DIR;
const haveConformance = existsSync(CONFORMANCE);
if (!haveConformance) console.warn(`skipping conformance detection: ${CONFORMANCE} is missing`);

describe('syntax detection', () => {
  it.skipIf(!haveConformance)('calls every bpf_conformance program mnemonic', () => {
    const files = readdirSync(CONFORMANCE).filter((f) => f.endsWith('.data'));
    expect(files.length).toBeGreaterThan(300);
    const wrong: string[] = [];
    let checked = 0;
    for (const f of files) {
      const asm = parseDataFile(readFileSync(join(CONFORMANCE, f), 'utf8')).asm?.text;
      if (!asm || !/\S/.test(asm.replace(/#.*$/gm, ''))) continue;
      checked++;
      if (detectSyntax(asm) !== 'mnemonic') wrong.push(f);
    }
    expect(checked).toBeGreaterThan(290);
    expect(wrong).toEqual([]);
  });

  it('calls generated LLVM programs, clang fixtures and kernel listings LLVM', () => {
    expect(detectSyntax(new InsnGen(seeded(3)).program(200).join('\n'))).toBe('llvm');
    expect(detectSyntax('0: (b7) r0 = 0\n1: (95) exit\n')).toBe('llvm');
    expect(detectSyntax('   0: .1........ (b4) w0 = 2\n')).toBe('llvm');
    expect(detectSyntax('\t.text\nf:\n\tlock *(u64 *)(r1 + 0) += r2\n\texit\n')).toBe('llvm');
    const objdump = 'x.o:\tfile format elf64-bpf\n\nDisassembly of section xdp:\n\n0000000000000000 <prog>:\n       0:\tb7 00 00 00 02 00 00 00\tr0 = 0x2\n       1:\t95 00 00 00 00 00 00 00\texit\n';
    expect(detectSyntax(objdump)).toBe('llvm');
    expect(parse(objdump).diagnostics).toEqual([]);
  });

  it('decides half-typed files by the words that tell', () => {
    const cases: [string, 'llvm' | 'mnemonic'][] = [
      ['', 'llvm'],
      ['// just a comment\n', 'llvm'],
      ['exit\n', 'llvm'],
      ['call 1\nexit\n', 'llvm'],
      ['mov', 'mnemonic'],
      ['mov r0,', 'mnemonic'],
      ['ldxw r0, [r1', 'mnemonic'],
      ['r1 =', 'llvm'],
      ['*(u32 *)(r10', 'llvm'],
      ['if r1', 'llvm'],
      ['.section xdp\nentry:\n  mov64 %r0, 0\n  exit\n', 'mnemonic'],
      ['lock add [r1+0], r2', 'mnemonic'],
      ['lock *(u64 *)(r1 + 0) += r2', 'llvm'],
      // a mostly-mnemonic file with one LLVM-looking typo stays mnemonic
      ['mov r0, 1\nadd r0, 2\nr0 = 5\njeq r0, 3, +1\nexit\n', 'mnemonic'],
    ];
    for (const [text, syntax] of cases) expect(detectSyntax(text), JSON.stringify(text)).toBe(syntax);
  });

  it('parses with the detected syntax unless one is forced', () => {
    expect(parse('mov r0, 1\nexit').syntax).toBe('mnemonic');
    expect(parse('r0 = 1\nexit').syntax).toBe('llvm');
    const forced = parse('mov r0, 1\nexit', { syntax: 'llvm' });
    expect(forced.syntax).toBe('llvm');
    expect(forced.diagnostics[0]!.message).toMatch(/expected an instruction, found 'mov'/);
  });
});
