// The mnemonic printer: every valid encoding prints, and the text reads back to the same fields;
// on the bpf_conformance corpus the printed lines mostly equal what the suite's authors wrote.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InstructionStatement } from '../core/asm/ast';
import { parseDataFile } from '../core/asm/data-file';
import { parseMnemonic } from '../core/asm/mnemonic-parser';
import { fullyShown } from '../core/disasm/fields';
import { printMnemonic } from '../core/disasm/mnemonic';
import { validate, type Instruction } from '../core/isa';
import { randomInstruction, rng } from './disasm-random-insns';
import { CONFORMANCE_DIR } from './conformance-dir';

const normal = (i: Instruction): Instruction => ({ ...i, ...(i.code === 0x18 ? { hi: i.hi ?? 0 } : { hi: undefined }) });

function reparse(text: string): Instruction | string {
  const p = parseMnemonic(text);
  if (p.diagnostics.length) return p.diagnostics[0]!.message;
  const s = p.statements.filter((x): x is InstructionStatement => x.kind === 'insn');
  return s.length === 1 ? s[0]!.insn : `${s.length} instructions`;
}

describe('printMnemonic', () => {
  it('prints every valid encoding, and the text parses back to the same fields (30,000 random)', () => {
    const r = rng(99);
    let valid = 0;
    let checked = 0;
    const failures: string[] = [];
    for (let n = 0; n < 30_000; n++) {
      const insn = randomInstruction(r, { invalid: 0.15 });
      const ok = validate(insn) === undefined;
      const text = printMnemonic(insn);
      if (ok) {
        valid++;
        if (text === undefined || !fullyShown(insn, 'mnemonic')) failures.push(`valid but not printable: ${JSON.stringify(insn)}`);
      }
      if (text === undefined || !fullyShown(insn, 'mnemonic')) continue;
      checked++;
      const back = reparse(text);
      if (JSON.stringify(typeof back === 'string' ? back : normal(back)) !== JSON.stringify(normal(insn))) {
        failures.push(`${text}: ${JSON.stringify(back)} != ${JSON.stringify(insn)}`);
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(valid).toBeGreaterThan(20_000);
    expect(checked).toBeGreaterThanOrEqual(valid);
  });

  it('refuses encodings the syntax cannot say', () => {
    expect(printMnemonic({ code: 0xbf, dst: 1, src: 2, off: 1, imm: 0 })).toBeUndefined(); // addr_space_cast
    expect(printMnemonic({ code: 0xdb, dst: 1, src: 2, off: 0, imm: 0x10 })).toBeUndefined();
    expect(printMnemonic({ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 })).toBe('exit');
    expect(printMnemonic({ code: 0x0f, dst: 12, src: 2, off: 0, imm: 0 })).toBeUndefined();
    expect(printMnemonic({ code: 0xff, dst: 0, src: 0, off: 0, imm: 0 })).toBeUndefined();
  });

  it('uses labels for jump targets when asked', () => {
    const labelFor = (slot: number): string | undefined => (slot === 10 ? 'out' : undefined);
    expect(printMnemonic({ code: 0x15, dst: 1, src: 0, off: 5, imm: 3 }, { slot: 4, labelFor })).toBe('jeq %r1, 3, out');
    expect(printMnemonic({ code: 0x06, dst: 0, src: 0, off: 0, imm: 5 }, { slot: 4, labelFor })).toBe('ja32 out');
    expect(printMnemonic({ code: 0x85, dst: 0, src: 1, off: 0, imm: 5 }, { slot: 4, labelFor })).toBe('call local out');
    expect(printMnemonic({ code: 0x05, dst: 0, src: 0, off: 2, imm: 0 }, { slot: 4, labelFor })).toBe('ja +2');
  });

  const DIR = CONFORMANCE_DIR;
  it.skipIf(!existsSync(DIR))('reprints most conformance lines exactly as their authors wrote them', () => {
    let same = 0;
    let total = 0;
    const differ: string[] = [];
    for (const f of readdirSync(DIR).filter((x) => x.endsWith('.data'))) {
      const asm = parseDataFile(readFileSync(join(DIR, f), 'utf8')).asm!.text;
      const p = parseMnemonic(asm);
      for (const s of p.statements) {
        if (s.kind !== 'insn' || s.ref) continue;
        total++;
        const written = asm.slice(s.range.start, s.range.end).replace(/\s+/g, ' ');
        const printed = printMnemonic(s.insn);
        expect(normal(reparse(printed!) as Instruction), written).toEqual(normal(s.insn));
        if (printed === written) same++;
        else if (differ.length < 5) differ.push(`${written} -> ${printed}`);
      }
    }
    console.log(`mnemonic printer: ${same}/${total} conformance lines reprinted identically; e.g. ${differ.join('; ')}`);
    expect(total).toBeGreaterThan(2000);
    expect(same / total).toBeGreaterThan(0.85);
  });
});
