// The mnemonic syntax's meaning, checked by the running kernel: each bpf_conformance program that
// needs no input memory is assembled by us, loaded as a socket filter and run with
// BPF_PROG_TEST_RUN; the kernel's r0 must equal the file's `-- result` (low 32 bits, as the
// kernel reports it). A misread mnemonic (say swap16 taken as le16) changes the result.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble } from '../core/asm/assembler';
import { parseDataFile } from '../core/asm/data-file';
import { parseMnemonic } from '../core/asm/mnemonic-parser';
import { closeFd, kernelBpfAvailable, loadProgram, testRun } from '../core/kernel';
import { encodeProgram } from '../core/isa';
import { CONFORMANCE_DIR } from './conformance-dir';

const DIR = CONFORMANCE_DIR;
const avail = kernelBpfAvailable();
if (!avail.ok) console.warn(`conformance-asm-kernel: skipping, bpf() unavailable: ${avail.reason}`);
if (!existsSync(DIR)) console.warn(`conformance-asm-kernel: skipping, ${DIR} not found`);

describe('conformance programs in the kernel', () => {
  it.skipIf(!avail.ok || !existsSync(DIR))('give the expected result for every program the verifier accepts', () => {
    const packet = Uint8Array.from({ length: 64 }, (_, i) => i);
    let ran = 0;
    const rejected: string[] = [];
    const wrong: string[] = [];
    for (const f of readdirSync(DIR).filter((x) => x.endsWith('.data')).sort()) {
      const d = parseDataFile(readFileSync(join(DIR, f), 'utf8'));
      if (d.mem || d.raw || d.result === undefined || d.noRegisterOffset) continue;
      const out = assemble(parseMnemonic(d.asm!.text));
      expect(out.diagnostics, f).toEqual([]);
      const insns = encodeProgram(out.programs[0]!.insns.map((i) => i.insn));
      const load = loadProgram({ insns, progType: 'socket_filter', license: 'GPL' });
      if (load.fd === undefined) {
        rejected.push(`${f}: ${load.error}`);
        continue;
      }
      try {
        const run = testRun(load.fd, { data: packet });
        expect(run.errno, f).toBe(0);
        const want = Number(d.result & 0xffff_ffffn);
        if (run.retval >>> 0 !== want) wrong.push(`${f}: kernel ${run.retval >>> 0}, file ${want}`);
        ran++;
      } finally {
        closeFd(load.fd);
      }
    }
    console.log(`conformance-asm-kernel: ${ran} programs ran in the kernel with the expected result; ` +
      `${rejected.length} rejected by the verifier (e.g. ${rejected.slice(0, 2).join('; ')})`);
    expect(wrong).toEqual([]);
    expect(ran).toBeGreaterThan(150);
  });
});
