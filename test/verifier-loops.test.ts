// Loop programs (test/fixtures/verifier/loops): our verifier against the running kernel's on the
// verdict, the first message, `processed N insns`, total_states and peak_states. These exercise the kernel's
// limits (a million instructions, 8,192 queued paths), state pruning and eviction inside loops,
// may_goto and bpf_loop callbacks.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeFd, createMap, kernelBpfAvailable, loadProgram } from '../core/kernel';
import { verify } from '../core/verifier';
import { CORPUS_DIR, type Case, loadCorpus } from '../scripts/verifier-conformance';

const avail = kernelBpfAvailable();
if (!avail.ok) console.warn(`skipping the loop programs against the kernel: ${avail.reason}`);

const cases = (): Case[] => loadCorpus(join(CORPUS_DIR, 'loops')).cases;

interface Outcome {
  accepted: boolean;
  message: string;
  processed?: number;
  totalStates?: number;
  peakStates?: number;
}

/** Log level 4 (statistics): the log is the error text, if any, then the statistics. */
function inKernel(c: Case): Outcome {
  const fds = c.maps.map((m) => createMap(m));
  try {
    const insns = c.insns.map((i) => (i.code === 0x18 && (i.src === 1 || i.src === 2) ? { ...i, imm: fds[i.imm]! } : i));
    const load = loadProgram({ insns, progType: c.progType, logLevel: 4 });
    closeFd(load.fd);
    const accepted = load.fd !== undefined;
    const stats = /total_states (\d+) peak_states (\d+)/.exec(load.log);
    return {
      accepted, message: accepted ? '' : load.log.split('\n')[0]!, processed: load.processedInsns,
      totalStates: stats ? Number(stats[1]) : undefined, peakStates: stats ? Number(stats[2]) : undefined,
    };
  } finally {
    for (const fd of fds) closeFd(fd);
  }
}

function ours(c: Case): Outcome {
  const r = verify(c.insns, { maps: c.maps, progType: c.progType });
  return {
    accepted: r.accepted, message: r.errors[0]?.message ?? '', processed: r.processed, totalStates: r.totalStates,
    peakStates: r.peakStates,
  };
}

describe.skipIf(!avail.ok)('loop programs: our verifier and the kernel', () => {
  const all = cases();

  it('has the programs the limits need: runaway, jump sequence, may_goto, bpf_loop', () => {
    const names = all.map((c) => c.name);
    for (const n of ['countdown_unknown.s', 'branch_in_loop_jmp_seq.s', 'may_goto_counter.s', 'bpf_loop_counter.s', 'nested_100x50.s']) {
      expect(names).toContain(n);
    }
  });

  it('gives the same verdict, message, processed count, total_states and peak_states on every one', async () => {
    for (const c of all) {
      expect(ours(c), c.name).toEqual(inKernel(c));
      await new Promise(setImmediate);
    }
  }, 60_000);

  it('stops a branch inside a long loop at the kernel\'s 8,192 queued paths', () => {
    const c = all.find((x) => x.name === 'branch_in_loop_jmp_seq.s')!;
    const k = inKernel(c);
    expect(k.message).toBe('The sequence of 8193 jumps is too complex.');
    expect(ours(c)).toEqual(k);
  });
});
