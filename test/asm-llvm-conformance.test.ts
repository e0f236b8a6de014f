// Every bpf_conformance program, printed in LLVM syntax, assembles to the bytes llvm-mc-19 gives
// for the same text: realistic programs, not just random forms.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble } from '../core/asm/assembler';
import { parseDataFile } from '../core/asm/data-file';
import { assembleText } from '../core/asm/index';
import { parseLlvm } from '../core/asm/llvm-parser';
import { printLlvm } from '../core/disasm';
import { encodeProgram } from '../core/isa';
import { CONFORMANCE_DIR } from './conformance-dir';

const CONFORMANCE = CONFORMANCE_DIR;
const haveLlvm = spawnSync('llvm-mc-19', ['--version']).status === 0 && spawnSync('llvm-objcopy-19', ['--version']).status === 0;
const missing = [!haveLlvm && 'llvm-mc-19 or llvm-objcopy-19 is not installed', !existsSync(CONFORMANCE) && `${CONFORMANCE} is missing`].filter(Boolean);
if (missing.length) console.warn(`skipping the conformance programs in LLVM syntax: ${missing.join(', ')}`);

describe('conformance programs in LLVM syntax', () => {
  for (const numbers of ['objdump', 'source'] as const) {
    it.skipIf(missing.length > 0)(`assemble as llvm-mc-19 does (${numbers} numbers)`, () => {
      const lines: string[] = [];
      let programs = 0;
      for (const f of readdirSync(CONFORMANCE).filter((x) => x.endsWith('.data')).sort()) {
        const asm = parseDataFile(readFileSync(join(CONFORMANCE, f), 'utf8')).asm;
        if (!asm) continue;
        const out = assembleText(asm.text, { syntax: 'mnemonic' });
        if (out.diagnostics.some((d) => d.severity === 'error') || !out.programs[0]) continue;
        programs++;
        // programs only jump within themselves, so they can sit one after another
        for (const pi of out.programs[0].insns) lines.push(printLlvm(pi.insn, { numbers }));
      }
      expect(programs).toBeGreaterThan(280);
      const text = lines.join('\n') + '\n';
      const parsed = parseLlvm(text);
      expect(parsed.diagnostics).toEqual([]);
      const ours = Buffer.from(encodeProgram(assemble(parsed).programs[0]!.insns.map((i) => i.insn)));
      const dir = mkdtempSync(join(tmpdir(), 'asm-conf-'));
      try {
        writeFileSync(join(dir, 'c.s'), text);
        execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', '-o', join(dir, 'c.o'), join(dir, 'c.s')], { stdio: 'pipe' });
        execFileSync('llvm-objcopy-19', ['-O', 'binary', '--only-section=.text', join(dir, 'c.o'), join(dir, 't.bin')]);
        const theirs = readFileSync(join(dir, 't.bin'));
        const mismatches: string[] = [];
        let slot = 0;
        for (const line of lines) {
          const n = line.endsWith(' ll') ? 16 : 8;
          const a = ours.subarray(slot * 8, slot * 8 + n).toString('hex');
          const b = theirs.subarray(slot * 8, slot * 8 + n).toString('hex');
          if (a !== b) mismatches.push(`${line}: ours ${a}, llvm-mc ${b}`);
          slot += n / 8;
        }
        expect(mismatches.slice(0, 20)).toEqual([]);
        expect(ours.equals(theirs)).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
