// Random tc programs calling the packet and checksum helpers with arguments in and out of range:
// bpf_csum_diff, bpf_skb_load_bytes, bpf_skb_store_bytes (with its flags), bpf_l3_csum_replace,
// bpf_l4_csum_replace, bpf_skb_pull_data and bpf_set_hash. Every return value and the bytes read
// are folded into r7 and returned; the packet out shows every write. Built as a corpus case.
import { AluOp } from '../isa';
import type { CorpusCase } from './corpus';
import { HELPER, SK_BUFF_SIZE } from './corpus';
import * as b from './insn';
import { IPPROTO_TCP, IPPROTO_UDP, ipv4Packet } from './packets';
import { ProgramBuilder } from './program-builder';
import { Rng } from './rng';

const L3_CSUM_REPLACE = 10;
const L4_CSUM_REPLACE = 11;
const CSUM_DIFF = 28;
const SKB_PULL_DATA = 39;
const SET_HASH = 48;
const BPF_F_RECOMPUTE_CSUM = 1;
const BPF_F_INVALIDATE_HASH = 2;
const BPF_F_PSEUDO_HDR = 0x10;
const BPF_F_MARK_MANGLED_0 = 0x20;
const BPF_F_MARK_ENFORCE = 0x40;
const MIX = 0x01000193;
/** Stack: two 16-byte buffers the helpers read from and write to. */
const BUF_A = -32;
const BUF_B = -16;

export function randomHelperCase(seed: number): CorpusCase {
  const rng = new Rng(seed);
  const p = new ProgramBuilder('tc', 'sched_cls', 'helpers');
  p.emit(b.movReg(6, 1), b.movImm(7, rng.i32()));
  for (const off of [BUF_A, BUF_A + 8, BUF_B, BUF_B + 8]) p.emit(b.ldImm64(1, rng.u64()), b.stx(8, 10, off, 1));
  const fold = (reg: number): void => {
    p.emit(b.aluImm(64, AluOp.MUL, 7, MIX), b.aluReg(64, AluOp.XOR, 7, reg));
  };
  const ptr = (reg: number, off: number) => [b.movReg(reg, 10), b.aluImm(64, AluOp.ADD, reg, off)];
  const offset = (): number => rng.pick([rng.below(80), rng.below(20), 0xffff, -1]);
  const steps = rng.between(2, 10);
  for (let i = 0; i < steps; i++) {
    const kind = rng.pick(['diff', 'load', 'store', 'l3', 'l4', 'pull', 'hash'] as const);
    if (kind === 'diff') {
      const fromSize = rng.pick([0, 4, 8, 12, 16]);
      const toSize = rng.pick([0, 4, 8, 12, 16]);
      p.emit(...(fromSize ? ptr(1, BUF_A) : [b.movImm(1, 0)]), b.movImm(2, fromSize));
      p.emit(...(toSize ? ptr(3, BUF_B) : [b.movImm(3, 0)]), b.movImm(4, toSize), b.movImm(5, rng.i32()), b.call(CSUM_DIFF));
      fold(0);
    } else if (kind === 'load' || kind === 'store') {
      const len = rng.between(1, 16);
      p.emit(b.movReg(1, 6), b.movImm(2, offset()), ...ptr(3, rng.pick([BUF_A, BUF_B])), b.movImm(4, len));
      if (kind === 'load') {
        p.emit(b.call(HELPER.skb_load_bytes));
      } else {
        p.emit(b.movImm(5, rng.pick([0, BPF_F_RECOMPUTE_CSUM, BPF_F_INVALIDATE_HASH, 3, 4])), b.call(HELPER.skb_store_bytes));
      }
      fold(0);
      p.emit(b.ldx(8, 1, 10, BUF_A));
      fold(1);
    } else if (kind === 'l3' || kind === 'l4') {
      const sizes = kind === 'l3' ? [0, 2, 4, 1]
        : [0, 2, 4, 2 | BPF_F_PSEUDO_HDR, 4 | BPF_F_PSEUDO_HDR, 2 | BPF_F_MARK_MANGLED_0, 2 | BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE];
      p.emit(b.movReg(1, 6), b.movImm(2, offset()), b.movImm(3, rng.i32()), b.movImm(4, rng.i32()), b.movImm(5, rng.pick(sizes)));
      p.emit(b.call(kind === 'l3' ? L3_CSUM_REPLACE : L4_CSUM_REPLACE));
      fold(0);
    } else if (kind === 'pull') {
      p.emit(b.movReg(1, 6), b.movImm(2, rng.pick([0, 14, 40, 1000])), b.call(SKB_PULL_DATA));
      fold(0);
    } else {
      p.emit(b.movReg(1, 6), b.movImm(2, rng.i32()), b.call(SET_HASH), b.ldx(4, 1, 6, 68));
      fold(0);
      fold(1);
    }
  }
  p.emit(b.movReg(0, 7), b.movReg(1, 7), b.aluImm(64, AluOp.RSH, 1, 32), b.aluReg(64, AluOp.XOR, 0, 1), b.exit());
  const packet = ipv4Packet({
    protocol: rng.pick([IPPROTO_TCP, IPPROTO_UDP]), src: [10, 0, 0, rng.below(256)], dst: [10, 0, 1, rng.below(256)],
    sport: rng.below(65536), dport: rng.below(65536), payloadLength: rng.below(40),
  });
  return {
    name: `random helper program ${seed}`, progType: 'sched_cls', program: p.build(), maps: [],
    runs: [{ data: packet, ctx: new Uint8Array(SK_BUFF_SIZE) }],
  };
}
