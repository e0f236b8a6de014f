// Random XDP programs built around callbacks: bpf_loop with a callback that may stop early, and
// bpf_for_each_map_elem over an array (in index order, may stop early) and over a hash (folded in
// an order-independent way, since the two iterate hash buckets differently). Callbacks update a
// context on the caller's stack; every helper result and the context end up in r0 and the maps.
import { AluOp, JmpOp } from '../isa';
import type { MapDef } from '../map-types';
import type { CorpusCase } from './corpus';
import { HELPER } from './corpus';
import * as b from './insn';
import { ProgramBuilder } from './program-builder';
import { Rng } from './rng';

const LOOP = 181;
const FOR_EACH_MAP_ELEM = 164;
const MIX = 0x01000193;
const CTX = -16;

const MAPS: MapDef[] = [
  { name: 'arr', type: 'array', keySize: 4, valueSize: 8, maxEntries: 8, flags: 0 },
  { name: 'tbl', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 8, flags: 0 },
];

export function randomCallbackCase(seed: number): CorpusCase {
  const rng = new Rng(seed);
  const p = new ProgramBuilder('xdp', 'xdp', 'callbacks');
  p.emit(b.movImm(9, rng.i32()), b.st(8, 10, CTX, rng.i32()), b.st(8, 10, CTX + 8, 0));
  const fold = (reg: number): void => {
    p.emit(b.aluImm(64, AluOp.MUL, 9, MIX), b.aluReg(64, AluOp.XOR, 9, reg));
  };
  const ctxPtr = (reg: number) => [b.movReg(reg, 10), b.aluImm(64, AluOp.ADD, reg, CTX)];
  // fill the maps a little so the iterations have something to see
  for (let i = 0; i < rng.between(0, 6); i++) {
    const map = rng.pick(['arr', 'tbl']);
    p.emit(b.st(4, 10, -24, rng.below(map === 'arr' ? 8 : 12)), b.st(8, 10, -32, rng.i32()));
    p.ldMap(1, map).emit(b.movReg(2, 10), b.aluImm(64, AluOp.ADD, 2, -24), b.movReg(3, 10), b.aluImm(64, AluOp.ADD, 3, -32));
    p.emit(b.movImm(4, 0), b.call(HELPER.map_update_elem));
    fold(0);
  }
  const loopStop = rng.below(12);
  const arrStop = rng.below(10);
  const calls = rng.between(1, 4);
  const used = new Set<string>();
  for (let i = 0; i < calls; i++) {
    const which = rng.pick(['loop', 'arr', 'tbl'] as const);
    used.add(which);
    if (which === 'loop') {
      p.emit(b.movImm(1, rng.pick([0, 1, 5, 10, 20]))).ldFunc(2, 'loop_cb');
      p.emit(...ctxPtr(3), b.movImm(4, 0), b.call(LOOP));
    } else {
      p.ldMap(1, which).ldFunc(2, which === 'arr' ? 'arr_cb' : 'tbl_cb');
      p.emit(...ctxPtr(3), b.movImm(4, 0), b.call(FOR_EACH_MAP_ELEM));
    }
    fold(0);
  }
  p.emit(b.ldx(8, 1, 10, CTX));
  fold(1);
  p.emit(b.ldx(8, 1, 10, CTX + 8));
  fold(1);
  p.emit(b.movReg(0, 9), b.movReg(1, 9), b.aluImm(64, AluOp.RSH, 1, 32), b.aluReg(64, AluOp.XOR, 0, 1), b.exit());

  // only the callbacks passed to a helper: any other would be unreachable code
  if (used.has('loop')) loopCallback(p, loopStop);
  if (used.has('arr')) arrayCallback(p, arrStop);
  if (used.has('tbl')) hashCallback(p);
  return { name: `random callback program ${seed}`, progType: 'xdp', program: p.build(), maps: MAPS, runs: [{ data: rng.bytes(64) }, { data: rng.bytes(64) }] };
}

/** loop_cb(index, ctx): ctx[0] = ctx[0] * MIX ^ index; stops after index `stop`. */
function loopCallback(p: ProgramBuilder, stop: number): void {
  const cont = p.newLabel();
  p.place('loop_cb', true).emit(b.ldx(8, 3, 2, 0), b.aluImm(64, AluOp.MUL, 3, MIX), b.aluReg(64, AluOp.XOR, 3, 1), b.stx(8, 2, 0, 3));
  p.emit(b.movImm(0, 0)).jump(b.jmpImm(64, JmpOp.JNE, 1, stop, 0), cont).emit(b.movImm(0, 1));
  p.place(cont).emit(b.exit());
}

/** arr_cb(map, key, value, ctx): *value = *value * MIX ^ ctx[0] ^ key; ctx[0] += 1; stops at key `stop`. */
function arrayCallback(p: ProgramBuilder, stop: number): void {
  const arrCont = p.newLabel();
  p.place('arr_cb', true).emit(b.ldx(8, 5, 4, 0), b.aluImm(64, AluOp.MUL, 5, MIX), b.ldx(8, 1, 3, 0), b.aluReg(64, AluOp.XOR, 5, 1));
  p.emit(b.ldx(4, 1, 2, 0), b.aluReg(64, AluOp.XOR, 5, 1), b.stx(8, 4, 0, 5), b.ldx(8, 1, 3, 0), b.aluImm(64, AluOp.ADD, 1, 1), b.stx(8, 3, 0, 1));
  p.emit(b.ldx(4, 1, 2, 0), b.movImm(0, 0)).jump(b.jmpImm(64, JmpOp.JNE, 1, stop, 0), arrCont).emit(b.movImm(0, 1));
  p.place(arrCont).emit(b.exit());
}

/** tbl_cb(map, key, value, ctx): ctx[1] += key * 3 + *value; *value ^= 0x55 (the order does not matter). */
function hashCallback(p: ProgramBuilder): void {
  p.place('tbl_cb', true).emit(b.ldx(4, 1, 2, 0), b.aluImm(64, AluOp.MUL, 1, 3), b.ldx(8, 5, 3, 0), b.aluReg(64, AluOp.ADD, 1, 5));
  p.emit(b.ldx(8, 5, 4, 8), b.aluReg(64, AluOp.ADD, 5, 1), b.stx(8, 4, 8, 5), b.ldx(8, 5, 3, 0), b.aluImm(64, AluOp.XOR, 5, 0x55));
  p.emit(b.stx(8, 3, 0, 5), b.movImm(0, 0), b.exit());
}
