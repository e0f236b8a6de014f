// Random sequences of map helper calls (update with every flag, lookup then read/write the value,
// delete) on a hash and an array map, with keys that are sometimes out of range. Every helper's
// return value and every value read is folded into r9, returned at the end; the final map contents
// are compared too. Built as a corpus case (two runs on one packet).
import { AluOp, JmpOp } from '../isa';
import type { MapDef } from '../map-types';
import type { CorpusCase } from './corpus';
import { HELPER } from './corpus';
import * as b from './insn';
import { ProgramBuilder } from './program-builder';
import { Rng } from './rng';

const MAPS: MapDef[] = [
  { name: 'hash', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 6, flags: 0 },
  { name: 'array', type: 'array', keySize: 4, valueSize: 8, maxEntries: 4, flags: 0 },
];
const KEY = -8;
const VALUE = -16;
const MIX = 0x01000193;

export function randomMapCase(seed: number): CorpusCase {
  const rng = new Rng(seed);
  const p = new ProgramBuilder('xdp', 'xdp', 'maps');
  p.emit(b.movImm(9, rng.i32()));
  const fold = (reg: number): void => {
    p.emit(b.aluImm(64, AluOp.MUL, 9, MIX), b.aluReg(64, AluOp.XOR, 9, reg));
  };
  const keyAndMap = (map: string): void => {
    p.emit(b.st(4, 10, KEY, rng.below(9)), b.movReg(2, 10), b.aluImm(64, AluOp.ADD, 2, KEY)).ldMap(1, map);
  };
  const ops = rng.between(4, 24);
  for (let i = 0; i < ops; i++) {
    const map = rng.pick(MAPS).name;
    const kind = rng.weighted([[4, 'update'], [4, 'lookup'], [2, 'delete']] as const);
    if (kind === 'update') {
      p.emit(b.st(8, 10, VALUE, rng.i32()));
      keyAndMap(map);
      p.emit(b.movReg(3, 10), b.aluImm(64, AluOp.ADD, 3, VALUE), b.movImm(4, rng.pick([0, 0, 1, 2])));
      p.emit(b.call(HELPER.map_update_elem));
      fold(0);
    } else if (kind === 'lookup') {
      keyAndMap(map);
      p.emit(b.call(HELPER.map_lookup_elem));
      const missing = p.newLabel();
      const done = p.newLabel();
      p.jump(b.jmpImm(64, JmpOp.JEQ, 0, 0, 0), missing);
      p.emit(b.ldx(8, 1, 0, 0));
      fold(1);
      if (rng.chance(0.5)) p.emit(b.aluImm(64, AluOp.ADD, 1, rng.between(1, 1000)), b.stx(8, 0, 0, 1));
      p.jump(b.ja(0), done);
      p.place(missing).emit(b.aluImm(64, AluOp.XOR, 9, 0x5a5a));
      p.place(done);
    } else {
      keyAndMap(map);
      p.emit(b.call(HELPER.map_delete_elem));
      fold(0);
    }
  }
  p.emit(b.movReg(0, 9), b.movReg(1, 9), b.aluImm(64, AluOp.RSH, 1, 32), b.aluReg(64, AluOp.XOR, 0, 1), b.exit());
  const packet = rng.bytes(64);
  return {
    name: `random map program ${seed}`, progType: 'xdp', program: p.build(), maps: MAPS,
    runs: [{ data: packet }, { data: packet }],
  };
}

const QUEUE_MAPS: MapDef[] = [
  { name: 'fifo', type: 'queue', keySize: 0, valueSize: 8, maxEntries: 4, flags: 0 },
  { name: 'lifo', type: 'stack', keySize: 0, valueSize: 8, maxEntries: 4, flags: 0 },
  { name: 'pcpu', type: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: 2, flags: 0 },
];
const MAP_PUSH_ELEM = 87;
const MAP_POP_ELEM = 88;
const MAP_PEEK_ELEM = 89;

/**
 * Random push/pop/peek on a queue and a stack (pushing into a full one with and without BPF_EXIST)
 * and read-modify-write of a per-CPU array. One run, so the per-CPU values are those of one CPU.
 */
export function randomQueueCase(seed: number): CorpusCase {
  const rng = new Rng(seed);
  const p = new ProgramBuilder('xdp', 'xdp', 'queues');
  p.emit(b.movImm(9, rng.i32()));
  const fold = (reg: number): void => {
    p.emit(b.aluImm(64, AluOp.MUL, 9, MIX), b.aluReg(64, AluOp.XOR, 9, reg));
  };
  const valuePtr = (reg: number) => [b.movReg(reg, 10), b.aluImm(64, AluOp.ADD, reg, VALUE)];
  const ops = rng.between(4, 30);
  for (let i = 0; i < ops; i++) {
    const kind = rng.weighted([[4, 'push'], [3, 'pop'], [2, 'peek'], [2, 'percpu']] as const);
    if (kind === 'percpu') {
      p.emit(b.st(4, 10, KEY, rng.below(3)), b.movReg(2, 10), b.aluImm(64, AluOp.ADD, 2, KEY)).ldMap(1, 'pcpu');
      p.emit(b.call(HELPER.map_lookup_elem));
      const missing = p.newLabel();
      p.jump(b.jmpImm(64, JmpOp.JEQ, 0, 0, 0), missing);
      p.emit(b.ldx(8, 1, 0, 0), b.aluImm(64, AluOp.ADD, 1, rng.between(1, 99)), b.stx(8, 0, 0, 1));
      fold(1);
      p.place(missing);
      continue;
    }
    const map = rng.pick(['fifo', 'lifo']);
    if (kind === 'push') {
      p.emit(b.st(8, 10, VALUE, rng.i32())).ldMap(1, map);
      p.emit(...valuePtr(2), b.movImm(3, rng.pick([0, 0, 2])), b.call(MAP_PUSH_ELEM));
      fold(0);
    } else {
      p.emit(b.st(8, 10, VALUE, 0)).ldMap(1, map);
      p.emit(...valuePtr(2), b.call(kind === 'pop' ? MAP_POP_ELEM : MAP_PEEK_ELEM), b.ldx(8, 1, 10, VALUE));
      fold(0);
      fold(1);
    }
  }
  p.emit(b.movReg(0, 9), b.movReg(1, 9), b.aluImm(64, AluOp.RSH, 1, 32), b.aluReg(64, AluOp.XOR, 0, 1), b.exit());
  return {
    name: `random queue/stack program ${seed}`, progType: 'xdp', program: p.build(), maps: QUEUE_MAPS,
    runs: [{ data: rng.bytes(64) }],
  };
}

const LPM: MapDef = { name: 'routes', type: 'lpm_trie', keySize: 8, valueSize: 8, maxEntries: 8, flags: 1 };
const ADDRESSES = [0x0a000000, 0x0a000100, 0x0a0001ff, 0xc0a80000, 0xc0a80101, 0x00000000, 0xffffffff];

/**
 * Random inserts (any prefix length, some over 32), longest-prefix lookups and deletes on an
 * lpm_trie of IPv4 routes, up to and past its capacity. Two runs, so the second sees the first's routes.
 */
export function randomLpmCase(seed: number): CorpusCase {
  const rng = new Rng(seed);
  const p = new ProgramBuilder('xdp', 'xdp', 'routes');
  p.emit(b.movImm(9, rng.i32()));
  const fold = (reg: number): void => {
    p.emit(b.aluImm(64, AluOp.MUL, 9, MIX), b.aluReg(64, AluOp.XOR, 9, reg));
  };
  /** key {prefixlen, address in network order} at fp-8, r2 = &key, r1 = map */
  const key = (prefix: number): void => {
    const addr = (rng.pick(ADDRESSES) ^ (rng.chance(0.3) ? rng.below(256) : 0)) >>> 0;
    const be = ((addr & 0xff) << 24) | ((addr & 0xff00) << 8) | ((addr >>> 8) & 0xff00) | (addr >>> 24);
    p.emit(b.st(4, 10, -8, prefix), b.st(4, 10, -4, be), b.movReg(2, 10), b.aluImm(64, AluOp.ADD, 2, -8)).ldMap(1, 'routes');
  };
  const ops = rng.between(3, 20);
  for (let i = 0; i < ops; i++) {
    const kind = rng.weighted([[4, 'update'], [4, 'lookup'], [2, 'delete']] as const);
    if (kind === 'update') {
      p.emit(b.st(8, 10, -16, rng.i32()));
      key(rng.pick([0, 8, 16, 23, 24, 25, 31, 32, rng.below(40)]));
      p.emit(b.movReg(3, 10), b.aluImm(64, AluOp.ADD, 3, -16), b.movImm(4, rng.pick([0, 0, 1, 2])), b.call(HELPER.map_update_elem));
      fold(0);
    } else if (kind === 'lookup') {
      key(32);
      p.emit(b.call(HELPER.map_lookup_elem));
      const missing = p.newLabel();
      p.jump(b.jmpImm(64, JmpOp.JEQ, 0, 0, 0), missing).emit(b.ldx(8, 1, 0, 0));
      fold(1);
      p.place(missing);
    } else {
      key(rng.pick([8, 16, 24, 32]));
      p.emit(b.call(HELPER.map_delete_elem));
      fold(0);
    }
  }
  p.emit(b.movReg(0, 9), b.movReg(1, 9), b.aluImm(64, AluOp.RSH, 1, 32), b.aluReg(64, AluOp.XOR, 0, 1), b.exit());
  const packet = rng.bytes(64);
  return { name: `random lpm_trie program ${seed}`, progType: 'xdp', program: p.build(), maps: [LPM], runs: [{ data: packet }, { data: packet }] };
}
