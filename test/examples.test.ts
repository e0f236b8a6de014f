// The shipped examples: each assembles, our verifier and the kernel both accept it, and the VM gives
// the kernel's results on the sample inputs. Each broken example fails with the message it names,
// in our verifier and in the kernel alike.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble, parse } from '../core/asm';
import { main } from '../cli/main';
import type { CliIO } from '../cli/io';
import { kernelBpfAvailable, verifyInKernel } from '../core/kernel';
import type { CorpusCase } from '../core/testing/corpus';
import { SK_BUFF_SIZE } from '../core/testing/corpus';
import { runCaseInKernel } from '../core/testing/corpus-kernel';
import { runCaseInVm } from '../core/testing/corpus-vm';
import { verifyProgram } from '../core/verifier';
import { kernelLogError } from '../core/verifier/kernel-log';

const DIR = join(__dirname, '../examples');
const kernel = kernelBpfAvailable();
if (!kernel.ok) console.warn(`kernel checks of the examples skipped: ${kernel.reason}`);

const load = (file: string) => {
  const text = readFileSync(file, 'utf8');
  const parsed = parse(text);
  const file2 = assemble(parsed);
  return { text, parsed, file: file2 };
};

const hexFile = (name: string): Uint8Array =>
  Uint8Array.from(readFileSync(join(DIR, 'inputs', name), 'utf8').trim().split(/\s+/).map((b) => parseInt(b, 16)));

/** Sample inputs per example, for the program types BPF_PROG_TEST_RUN can run here. */
const RUNS: Record<string, string[]> = {
  'xdp_drop_udp.bpf.s': ['udp_9999.hex', 'udp_53.hex', 'tcp_syn.hex'],
  'xdp_counter.bpf.s': ['udp_53.hex', 'tcp_syn.hex'],
  'socket_tcp_only.bpf.s': ['tcp_syn.hex', 'udp_53.hex'],
  'tc_set_ttl.bpf.s': ['tcp_syn.hex', 'udp_9999.hex'],
  'xdp_subprog_loop.bpf.s': ['udp_53.hex', 'udp_9999.hex', 'tcp_syn.hex'],
};

const examples = readdirSync(DIR).filter((f) => f.endsWith('.bpf.s'));
const broken = readdirSync(join(DIR, 'broken')).filter((f) => f.endsWith('.bpf.s'));

describe('examples', () => {
  it('has the six programs the walkthrough promises', () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });

  for (const name of examples) {
    describe(name, () => {
      const { parsed, file } = load(join(DIR, name));
      it('assembles without errors and passes our verifier', () => {
        expect([...parsed.diagnostics, ...file.diagnostics].filter((d) => d.severity === 'error')).toEqual([]);
        expect(file.programs).toHaveLength(1);
        const result = verifyProgram(file.programs[0]!, file.maps);
        expect(result.errors.map((e) => e.message)).toEqual([]);
      });

      it.skipIf(!kernel.ok)('is accepted by the kernel', () => {
        const r = verifyInKernel(file.programs[0]!, file.maps, file.data);
        expect(r.error ?? '').toBe('');
      });

      const runs = RUNS[name];
      it.skipIf(!kernel.ok || !runs)('gives the kernel\'s results in the VM', () => {
        const program = file.programs[0]!;
        const progType = program.progType!;
        const c: CorpusCase = {
          name, progType, program, maps: file.maps, data: file.data,
          runs: runs!.map((input) => ({ data: hexFile(input), ctx: progType === 'sched_cls' ? new Uint8Array(SK_BUFF_SIZE) : undefined })),
        };
        const fromKernel = runCaseInKernel(c);
        if ('error' in fromKernel) throw new Error(fromKernel.error);
        expect(runCaseInVm(c)).toEqual(fromKernel);
      });
    });
  }
});

describe('broken examples', () => {
  it('covers the common mistakes', () => {
    expect(broken.length).toBeGreaterThanOrEqual(5);
  });

  for (const name of broken) {
    it(`${name} fails with the message it names, as in the kernel`, () => {
      const { text, file } = load(join(DIR, 'broken', name));
      const expected = /Expected verifier error: (.*)$/m.exec(text)![1]!.trim();
      const ours = verifyProgram(file.programs[0]!, file.maps);
      expect(ours.accepted).toBe(false);
      expect(ours.errors[0]!.message).toBe(expected);
      if (kernel.ok) {
        const r = verifyInKernel(file.programs[0]!, file.maps, file.data);
        expect(r.fd).toBeUndefined();
        expect(kernelLogError(r.log)?.message).toBe(expected);
      }
    });
  }
});

describe('example layout', () => {
  it('every example, broken ones included, is in `bpf-asm fmt` layout (fmt --check passes)', async () => {
    const files = [...examples.map((f) => join(DIR, f)), ...broken.map((f) => join(DIR, 'broken', f))];
    let err = '';
    const io: CliIO = { out: () => {}, err: (t) => { err += t; } };
    expect(await main(['fmt', '--check', ...files], io), err).toBe(0);
    expect(err).toBe('');
  });
});
