// The verifier against the running kernel's verifier (the oracle): the corpus and generated
// programs must agree on verdict and first message; plus messages measured on Linux 6.18, the
// log format, the API shape and the CLI.
import { describe, expect, it } from 'vitest';
import { assembleText } from '../core/asm';
import type { Instruction } from '../core/isa';
import { verify, verifyProgram } from '../core/verifier';
import { largeProgram } from '../core/verifier/generate';
import { main } from '../cli/main';
import {
  compareCase, generatedCases, loadCorpus, mutantCases, report, summarize, type Comparison,
} from '../scripts/verifier-conformance';

const kernel = await import('../core/kernel');
const avail = kernel.kernelBpfAvailable();
if (!avail.ok) console.warn(`verifier kernel differential skipped: ${avail.reason}`);

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ code, dst, src, off, imm });

function verifyText(text: string, opts: { unprivileged?: boolean; logLevel?: number } = {}) {
  const asm = assembleText(text);
  expect(asm.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return verifyProgram(asm.programs[0]!, asm.maps, opts);
}

describe('verifier vs the kernel', () => {
  // loop/unknown_bound walks the full 1M-instruction limit with a branch per iteration (about 20 s
  // here); `npm run conformance:verifier` covers it, this test keeps the suite fast.
  const SLOW = new Set(['gen/loop/unknown_bound.s']);

  it.skipIf(!avail.ok)('agrees with the kernel on the corpus (>= 98% verdict, >= 90% exact first message)', async () => {
    const { cases, problems } = loadCorpus();
    expect(problems).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(300);
    const results: Comparison[] = [];
    for (const c of cases) {
      if (SLOW.has(c.name)) continue;
      results.push(compareCase(kernel, c));
      // let the test runner's messages through between programs
      if (results.length % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    const s = summarize(results);
    console.log(report('own corpus', s, 20));
    expect(s.verdictAgree / s.total).toBeGreaterThanOrEqual(0.98);
    expect(s.messageAgree / s.total).toBeGreaterThanOrEqual(0.9);
    // both verdicts occur, so the agreement is not trivial
    expect(results.filter((r) => r.kernelAccepted).length).toBeGreaterThan(50);
    expect(results.filter((r) => !r.kernelAccepted).length).toBeGreaterThan(50);
  }, 300_000);

  it.skipIf(!avail.ok)('agrees with the kernel on generated random programs (>= 95% verdict)', async () => {
    const results: Comparison[] = [];
    for (const c of generatedCases(250, 11)) {
      results.push(compareCase(kernel, c));
      if (results.length % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    const s = summarize(results);
    console.log(report('generated', s, 20));
    expect(s.verdictAgree / s.total).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it.skipIf(!avail.ok)('agrees with the kernel on one-change mutants of the corpus (>= 95% verdict)', async () => {
    const results: Comparison[] = [];
    for (const c of mutantCases(loadCorpus().cases, 300, 23)) {
      results.push(compareCase(kernel, c));
      if (results.length % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    const s = summarize(results);
    console.log(report('mutants', s, 20));
    expect(s.verdictAgree / s.total).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it.skipIf(!avail.ok)('gives the kernel\'s processed count on straight-line and pruned programs', () => {
    const big = largeProgram(1000);
    const fds = big.maps.map((m) => kernel.createMap(m));
    try {
      const insns = big.insns.map((i) => (i.code === 0x18 && i.src === 1 ? { ...i, imm: fds[i.imm]! } : i));
      const k = kernel.loadProgram({ insns, progType: big.progType, logLevel: 1 });
      const ours = verify(big.insns, { maps: big.maps, progType: big.progType });
      expect(ours.accepted).toBe(k.fd !== undefined);
      kernel.closeFd(k.fd);
      // pruning (prune points, state caching, eviction, precision, liveness) matches the kernel's
      expect(ours.processed).toBe(k.processedInsns);
    } finally {
      for (const fd of fds) kernel.closeFd(fd);
    }
  }, 60_000);
});

describe('messages measured on Linux 6.18', () => {
  const cases: [string, string, string][] = [
    ['reads an uninitialised register', '.section socket\nf:\n  r0 = r2\n  exit\n', 'R2 !read_ok'],
    ['exits without R0', '.section socket\nf:\n  exit\n', 'R0 !read_ok'],
    ['writes the frame pointer', '.section socket\nf:\n  r10 = 0\n  r0 = 0\n  exit\n', 'frame pointer is read only'],
    ['writes below the stack', '.section socket\nf:\n  *(u64 *)(r10 - 520) = r1\n  r0 = 0\n  exit\n', 'invalid write to stack R10 off=-520 size=8'],
    ['multiplies a pointer', '.section socket\nf:\n  r0 = r1\n  r0 *= 2\n  exit\n', 'R0 pointer arithmetic with *= operator prohibited'],
    ['divides by zero', '.section socket\nf:\n  r0 = 1\n  r0 /= 0\n  exit\n', 'div by zero'],
    ['leaves dead code', '.section socket\nf:\n  r0 = 0\n  exit\n  r0 = 1\n  exit\n', 'unreachable insn 2'],
    ['jumps out of the program', '.section socket\nf:\n  r0 = 0\n  goto +5\n  exit\n', 'jump out of range from insn 1 to 7'],
    ['reads past xdp_md', '.section xdp\nf:\n  r0 = *(u32 *)(r1 + 24)\n  r0 = 2\n  exit\n', 'invalid bpf_context access off=24 size=4'],
    ['passes a scalar as the map', '.map m type=hash key=4 value=8 max_entries=4\n.section socket\nf:\n  r1 = 5\n  r2 = r10\n  r2 += -4\n  *(u32 *)(r10 - 4) = 0\n  call 1\n  r0 = 0\n  exit\n', 'R1 type=scalar expected=map_ptr'],
  ];
  for (const [what, text, message] of cases) {
    it(`${what}: ${message}`, () => {
      const r = verifyText(text);
      expect(r.accepted).toBe(false);
      expect(r.errors[0]!.message).toBe(message);
    });
  }

  it('places a NULL dereference on the load and gives the path and an explanation', () => {
    const r = verifyText('.map m type=hash key=4 value=8 max_entries=4\n.section socket\nf:\n  r1 = m ll\n  r2 = r10\n  r2 += -4\n  *(u32 *)(r10 - 4) = 0\n  call 1\n  r1 = *(u64 *)(r0 + 0)\n  r0 = 0\n  exit\n');
    const e = r.errors[0]!;
    expect(e.message).toBe("R0 invalid mem access 'map_value_or_null'");
    expect(e.insn).toBe(6);
    expect(e.path.some((p) => p.insn === 5 && p.note === 'R0 set here')).toBe(true);
    expect(e.explanation).toBeTruthy();
    expect(e.fix).toBeTruthy();
  });

  it('reports the map value overflow with the kernel\'s note', () => {
    const r = verifyText('.map m type=hash key=4 value=8 max_entries=4\n.section socket\nf:\n  r1 = m ll\n  r2 = r10\n  r2 += -4\n  *(u32 *)(r10 - 4) = 0\n  call 1\n  if r0 == 0 goto +1\n  r1 = *(u64 *)(r0 + 8)\n  r0 = 0\n  exit\n');
    expect(r.errors[0]!.message).toBe('invalid access to map value, value_size=8 off=8 size=8');
    expect(r.errors[0]!.notes).toEqual(['R0 min value is outside of the allowed memory range']);
  });

  it('writes the log in the kernel\'s format', () => {
    const r = verifyText('.section socket\nf:\n  *(u32 *)(r10 - 4) = r1\n  r0 = 0\n  exit\n', { logLevel: 1 });
    // measured: the kernel rejects a 4-byte spill of a pointer
    expect(r.log.split('\n')).toContain('0: R1=ctx() R10=fp0');
    expect(r.errors[0]!.message).toBe('invalid size of register spill');
    const ok = verify([I(0xb7, 1, 0, 0, 0), I(0x63, 10, 1, -4), I(0xb7, 0), I(0x95)], { logLevel: 2 });
    // the kernel pads the instruction to column 38 before the state
    expect(ok.log.split('\n')).toContain('0: (b7) r1 = 0'.padEnd(38) + '; R1=0');
    // a store of a known zero marks it precise: its state goes on a line of its own
    expect(ok.log.split('\n')).toContain('2: R1=0 R10=fp0 fp-8=0000????');
    expect(ok.log).toMatch(/^processed 4 insns \(limit 1000000\) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0$/m);
    // at level 1 an accepted program's log is the summary alone
    const level1 = verify([I(0xb7, 1, 0, 0, 0), I(0x63, 10, 1, -4), I(0xb7, 0), I(0x95)], { logLevel: 1 });
    expect(level1.log).toBe('processed 4 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n');
  });

  it('collects per-instruction states in the kernel\'s notation', () => {
    const r = verify([I(0xb7, 0, 0, 0, 7), I(0x95)], { collectStates: true });
    expect(r.states[0]).toContain('R0=7');
  });

  it('never throws on garbage', () => {
    for (let seed = 0; seed < 200; seed++) {
      const insns: Instruction[] = [];
      for (let i = 0; i < 8; i++) insns.push(I((seed * 37 + i * 11) & 0xff, (seed + i) % 12, (seed * 3 + i) % 12, (seed * 7) % 9 - 4, seed - 100));
      const r = verify(insns);
      expect(typeof r.accepted).toBe('boolean');
      if (!r.accepted) expect(r.errors[0]!.message).not.toMatch(/^internal verifier error/);
    }
  });
});

describe('speed', () => {
  it('verifies a 4,000-instruction program quickly enough for the language server', () => {
    const big = largeProgram(4000);
    // the language server calls verify on every edit, so the code is warm: measure warm runs
    for (let i = 0; i < 10; i++) verify(big.insns, { maps: big.maps, progType: big.progType });
    let best = Infinity;
    let r = verify(big.insns, { maps: big.maps, progType: big.progType });
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      r = verify(big.insns, { maps: big.maps, progType: big.progType });
      best = Math.min(best, performance.now() - t);
    }
    console.log(`4,000-insn program: best warm run ${best.toFixed(1)} ms, ${r.processed} insns processed`);
    expect(r.accepted).toBe(true);
    // the goal is 20 ms on an idle machine; CI machines are shared, so allow headroom
    expect(best).toBeLessThan(200);
  }, 60_000);
});

describe('bpf-asm verify', () => {
  const capture = () => {
    let out = '';
    let err = '';
    return { io: { out: (t: string) => { out += t; }, err: (t: string) => { err += t; } }, get out() { return out; }, get err() { return err; } };
  };
  const dir = `${__dirname}/fixtures/verifier/gen`;

  it('exits 0 for accepted, 1 for rejected, 2 for unusable input, with one JSON line per program', async () => {
    let c = capture();
    expect(await main(['verify', `${dir}/mapval/null_check_ne.s`], c.io)).toBe(0);
    c = capture();
    expect(await main(['verify', '--json', `${dir}/mapval/no_null_check.s`, `${dir}/stack/st_m520_8.s`], c.io)).toBe(1);
    const lines = c.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ accepted: false, section: 'socket', errors: [{ message: "R0 invalid mem access 'map_value_or_null'", line: 9, insn: 6 }] });
    expect(lines[1].errors[0]).toMatchObject({ message: 'invalid write to stack R10 off=-520 size=8', line: 3, column: 3 });
    c = capture();
    expect(await main(['verify', '/nonexistent.s'], c.io)).toBe(2);
    c = capture();
    expect(await main(['verify', '--type', 'nope', `${dir}/mapval/null_check_ne.s`], c.io)).toBe(2);
  });
});
