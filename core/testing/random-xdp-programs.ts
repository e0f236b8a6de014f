// Random XDP programs that move the packet's bounds: bpf_xdp_adjust_head, bpf_xdp_adjust_meta and
// bpf_xdp_adjust_tail with deltas in and out of range, each followed by bounds-checked reads and
// writes through the new data, data_end and data_meta. Every helper result and value read is
// folded into r7 and returned; the packet out (with metadata) is compared too.
import { AluOp, JmpOp } from '../isa';
import type { CorpusCase } from './corpus';
import * as b from './insn';
import { ProgramBuilder } from './program-builder';
import { Rng } from './rng';

const XDP_ADJUST_HEAD = 44;
const XDP_ADJUST_META = 54;
const XDP_ADJUST_TAIL = 65;
const MIX = 0x01000193;

export function randomXdpAdjustCase(seed: number): CorpusCase {
  const rng = new Rng(seed);
  const p = new ProgramBuilder('xdp', 'xdp', 'adjust');
  p.emit(b.movReg(6, 1), b.movImm(7, rng.i32()));
  const fold = (reg: number): void => {
    p.emit(b.aluImm(64, AluOp.MUL, 7, MIX), b.aluReg(64, AluOp.XOR, 7, reg));
  };
  /** Reads (and maybe writes) byte n-1 of [from, to) when it is in bounds; ctx offsets of the two pointers. */
  const touch = (fromOff: number, toOff: number): void => {
    const n = rng.between(1, 64);
    const skip = p.newLabel();
    p.emit(b.ldx(4, 2, 6, fromOff), b.ldx(4, 3, 6, toOff), b.movReg(4, 2), b.aluImm(64, AluOp.ADD, 4, n));
    p.jump(b.jmpReg(64, JmpOp.JGT, 4, 3, 0), skip);
    p.emit(b.ldx(1, 0, 2, n - 1));
    fold(0);
    if (rng.chance(0.5)) p.emit(b.st(1, 2, n - 1, rng.below(256)));
    p.place(skip);
  };
  const steps = rng.between(1, 8);
  for (let i = 0; i < steps; i++) {
    const helper = rng.weighted([[3, XDP_ADJUST_HEAD], [2, XDP_ADJUST_META], [3, XDP_ADJUST_TAIL]] as const);
    const delta = helper === XDP_ADJUST_HEAD ? rng.pick([rng.between(-64, 64), rng.between(-300, 300)])
      : helper === XDP_ADJUST_META ? rng.pick([-4 * rng.between(0, 10), rng.between(-40, 8)])
        : rng.pick([rng.between(-40, 40), rng.between(-4000, 4000)]);
    p.emit(b.movReg(1, 6), b.movImm(2, delta), b.call(helper));
    fold(0);
    if (rng.chance(0.7)) touch(0, 4);
    if (rng.chance(0.4)) touch(8, 0);
  }
  p.emit(b.movReg(0, 7), b.movReg(1, 7), b.aluImm(64, AluOp.RSH, 1, 32), b.aluReg(64, AluOp.XOR, 0, 1), b.exit());
  const packet = rng.bytes(rng.between(14, 200));
  return { name: `random xdp adjust program ${seed}`, progType: 'xdp', program: p.build(), maps: [], runs: [{ data: packet }] };
}
