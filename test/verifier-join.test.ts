// The per-instruction state the language server shows is the join over every path: every value a
// real run puts in a register must lie inside it. Oracle: concrete runs in the VM (which agrees with
// BPF_PROG_TEST_RUN on these programs, see kernel-random-programs.test.ts) on varied packets.
import { describe, expect, it } from 'vitest';
import { randomProgram } from '../core/testing/random-programs';
import { Rng } from '../core/testing/rng';
import { Machine, programFromInsns } from '../core/vm';
import { verify } from '../core/verifier';
import { assembleText } from '../core/asm';
import { verifyProgram } from '../core/verifier';

const U64 = (1n << 64n) - 1n;
const asS64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const parseNum = (s: string): bigint => (s.startsWith('-') ? -BigInt(s.slice(1)) : BigInt(s));

/** The registers of a state text whose value is a scalar: `R3` -> `scalar(...)` or a constant. */
function scalarRegs(text: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const m of text.matchAll(/(?:^| )R(\d+)(?:_w)?=(\S+(?: 0x[0-9a-f]+\)\))?)/g)) {
    const alternatives = m[2].split('|').filter((a) => /^-?\d|^0x|^scalar\(/.test(a));
    if (alternatives.length === m[2].split('|').length) out.set(Number(m[1]), alternatives);
  }
  return out;
}

/** Whether the 64-bit value fits the scalar text (constant, or bounds and known bits). */
function contains(text: string, value: bigint): boolean {
  const v = value & U64;
  if (!text.startsWith('scalar(')) return asS64(parseNum(text)) === asS64(v);
  const body = text.slice('scalar('.length, -1);
  const lo32 = Number(v & 0xffff_ffffn);
  const s = asS64(v);
  const checks: Record<string, (n: bigint, max: boolean) => boolean> = {
    smin: (n) => s >= asS64(n), smax: (n) => s <= asS64(n),
    umin: (n) => v >= (n & U64), umax: (n) => v <= (n & U64),
    smin32: (n) => (lo32 | 0) >= Number(BigInt.asIntN(32, n)), smax32: (n) => (lo32 | 0) <= Number(BigInt.asIntN(32, n)),
    umin32: (n) => lo32 >= Number(BigInt.asUintN(32, n)), umax32: (n) => lo32 <= Number(BigInt.asUintN(32, n)),
  };
  const varOff = /var_off=\((0x[0-9a-f]+); (0x[0-9a-f]+)\)/.exec(body);
  if (varOff && (v & ~BigInt(varOff[2]) & U64) !== BigInt(varOff[1])) return false;
  // ids (`id=3`, `id=3-65535` for a link with a constant delta) say nothing about the value
  for (const part of body.replace(/,?var_off=\(.*\)/, '').split(',').filter((p) => p && !p.startsWith('id='))) {
    const names = part.split('=');
    const n = parseNum(names.pop()!);
    for (const name of names) if (checks[name] && !checks[name](n, false)) return false;
  }
  return true;
}

describe('per-instruction state joined over paths', () => {
  it('joins two constants into the range that holds both, and keeps each path', () => {
    const text = ['  call 7', '  r1 = 0', '  if r0 > 5 goto a', '  r1 = 1', 'a:', '  r0 = r1', '  exit', ''].join('\n');
    const file = assembleText(text);
    const r = verifyProgram(file.programs[0]!, file.maps, { collectStates: true });
    const slot = 4; // r0 = r1
    expect(r.states[slot]).toBe('R0=scalar(smin=smin32=0,smax=umax=smax32=umax32=1,var_off=(0x0; 0x1)) R1=scalar(smin=smin32=0,smax=umax=smax32=umax32=1,var_off=(0x0; 0x1)) R10=fp0');
    expect(new Set(r.statePaths[slot])).toEqual(new Set(['R0=1 R1=1 R10=fp0', 'R0=0 R1=0 R10=fp0']));
  });

  it('lists each kind when paths hold different kinds of value', () => {
    const text = ['  call 7', '  r1 = r10', '  r1 += -8', '  if r0 > 5 goto a', '  r1 = 3', 'a:', '  r0 = 0', '  exit', ''].join('\n');
    const file = assembleText(text);
    const r = verifyProgram(file.programs[0]!, file.maps, { collectStates: true });
    expect(r.states[5]).toMatch(/ R1=(fp-8\|3|3\|fp-8) /);
  });

  it('holds every register value of real runs of 40 random programs', () => {
    let checked = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const p = randomProgram(seed, { length: 30 });
      const v = verify(p.insns, { progType: 'xdp', collectStates: true });
      expect(v.accepted, `seed ${seed}: ${v.errors[0]?.message}`).toBe(true);
      const rng = new Rng(seed);
      const jumps = new Set<number>();
      let slot = 0;
      for (const i of p.insns) {
        if ((i.code & 7) === 5 || (i.code & 7) === 6) jumps.add(slot);
        slot += i.code === 0x18 ? 2 : 1;
      }
      for (let run = 0; run < 3; run++) {
        const packet = p.packet.slice();
        if (run) for (let i = 0; i < 8; i++) packet[rng.below(packet.length)] = rng.below(256);
        const m = new Machine({ programs: [programFromInsns(p.insns)], progType: 'xdp' });
        let st = m.begin({ packet }, false);
        for (let steps = 0; steps < 100_000 && st.reason !== 'exit' && st.reason !== 'fault'; steps++) {
          const pc = st.pc;
          st = m.step(1);
          if (st.depth !== 0) continue;
          const text = v.states[pc];
          // after a conditional jump the state shown is the fall-through one (as in the kernel's log)
          if (text === undefined || (jumps.has(pc) && st.pc !== pc + 1)) continue;
          const regs = m.registers();
          for (const [reg, alternatives] of scalarRegs(text)) {
            const ok = alternatives.some((a) => contains(a, regs[reg]!));
            expect(ok, `seed ${seed} insn ${pc}: R${reg}=${regs[reg]} not in ${alternatives.join('|')}`).toBe(true);
            checked++;
          }
        }
        expect(st.reason, `seed ${seed}`).toBe('exit');
      }
    }
    expect(checked).toBeGreaterThan(5_000);
  });
});
