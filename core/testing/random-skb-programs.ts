// Random tc, socket filter and cgroup_skb programs around struct __sk_buff: reads of every scalar
// field the program type may read, writes to the writable ones, direct packet access (tc; read-only
// for cgroup_skb) or ld_abs/ld_ind at offsets that may fall outside the packet (socket filters), and
// bpf_skb_load_bytes. cgroup_skb may only return 0 or 1, so its fold goes to skb->cb too. The
// context in carries random mark, priority and cb values. Built as a corpus case, so the return
// value, packet out, the context fields test_run hands back, all compare.
import { ctxElementNamed, SK_BUFF } from '../ctx-layouts';
import { AluOp, JmpOp } from '../isa';
import type { CorpusCase } from './corpus';
import { HELPER, SK_BUFF_SIZE } from './corpus';
import * as b from './insn';
import { IPPROTO_TCP, IPPROTO_UDP, ipv4Packet, ipv6Packet } from './packets';
import { ProgramBuilder } from './program-builder';
import { Rng } from './rng';

type Field = readonly [name: string, off: number, size: 4 | 8];
/** Fields by name (`cb0` is cb[0]), their offsets and sizes from the struct table. */
const fields = (...names: string[]): Field[] => names.map((name) => {
  const el = ctxElementNamed(SK_BUFF, name);
  if (!el || (el.size !== 4 && el.size !== 8)) throw new Error(`__sk_buff has no 4- or 8-byte field ${name}`);
  return [name, el.offset, el.size];
});

/** Scalar __sk_buff fields both program types may read (pointers such as data and sk left out). */
const COMMON_READS: readonly Field[] = fields(
  'len', 'pkt_type', 'mark', 'queue_mapping', 'protocol', 'vlan_present', 'vlan_tci', 'vlan_proto', 'priority',
  'ingress_ifindex', 'ifindex', 'tc_index', 'cb0', 'cb1', 'cb2', 'cb3', 'cb4', 'hash', 'napi_id', 'gso_segs', 'gso_size',
);
const TC_READS: readonly Field[] = [...COMMON_READS, ...fields('tc_classid', 'tstamp', 'wire_len', 'hwtstamp')];
const TC_WRITES: readonly Field[] = fields(
  'mark', 'queue_mapping', 'priority', 'tc_index', 'cb0', 'cb1', 'cb2', 'cb3', 'cb4', 'tc_classid', 'tstamp',
);
const SOCKET_WRITES: readonly Field[] = fields('cb0', 'cb1', 'cb2', 'cb3', 'cb4');
/** cgroup_skb also sees the socket test_run makes up for the packet (family, addresses, ports). */
const CGROUP_READS: readonly Field[] = [
  ...COMMON_READS, ...fields('family', 'remote_ip4', 'local_ip4', 'remote_ip6_0', 'remote_ip6_3', 'local_ip6_0',
    'local_ip6_3', 'remote_port', 'local_port', 'tstamp', 'hwtstamp'),
];
const CGROUP_WRITES: readonly Field[] = [...SOCKET_WRITES, ...fields('mark', 'priority', 'tstamp')];

type Kind = 'tc' | 'socket' | 'cgroup';
const PROG_TYPE = { tc: 'sched_cls', socket: 'socket_filter', cgroup: 'cgroup_skb' } as const;

/** Registers the body works on: r6 holds the context, and ld_abs clobbers r1-r5. */
const WORK = [0, 7, 8, 9];
const MIX = 0x01000193;

export function randomSkbCase(seed: number): CorpusCase {
  const rng = new Rng(seed);
  const kind: Kind = (['tc', 'socket', 'cgroup'] as const)[seed % 3]!;
  const tc = kind === 'tc';
  const p = new ProgramBuilder(kind === 'cgroup' ? 'cgroup_skb/ingress' : kind, PROG_TYPE[kind], 'skb');
  const reg = (): number => rng.pick(WORK);
  p.emit(b.movReg(6, 1));
  for (const r of WORK) p.emit(b.movImm(r, rng.i32()));
  const steps = rng.between(4, 20);
  for (let i = 0; i < steps; i++) {
    const step = rng.weighted([
      [5, 'read'], [3, 'write'], [3, 'alu'], [kind === 'socket' ? 0 : 3, 'packet'], [kind === 'socket' ? 3 : 0, 'ldabs'],
      [2, 'load_bytes'],
    ] as const);
    if (step === 'read') {
      const [, off, size] = rng.pick(tc ? TC_READS : kind === 'cgroup' ? CGROUP_READS : COMMON_READS);
      p.emit(b.ldx(size, reg(), 6, off));
    } else if (step === 'write') {
      const [, off, size] = rng.pick(tc ? TC_WRITES : kind === 'cgroup' ? CGROUP_WRITES : SOCKET_WRITES);
      p.emit(b.stx(size, 6, off, reg()));
    } else if (step === 'alu') {
      const op = rng.pick([AluOp.ADD, AluOp.XOR, AluOp.MUL, AluOp.SUB, AluOp.OR]);
      p.emit(rng.chance(0.5) ? b.aluReg(64, op, reg(), reg()) : b.aluImm(64, op, reg(), rng.i32()));
    } else if (step === 'packet') {
      // direct packet access: r2 = data, r3 = data_end, touch one byte range if it is there
      const size = rng.pick([1, 2, 4, 8] as const);
      const off = rng.below(70);
      const skip = p.newLabel();
      p.emit(b.ldx(4, 2, 6, 76), b.ldx(4, 3, 6, 80), b.movReg(4, 2), b.aluImm(64, AluOp.ADD, 4, off + size));
      p.jump(b.jmpReg(64, JmpOp.JGT, 4, 3, 0), skip);
      // cgroup_skb may only read the packet
      if (kind === 'cgroup' || rng.chance(0.5)) p.emit(b.ldx(size, reg(), 2, off));
      else p.emit(b.stx(size, 2, off, reg()));
      p.place(skip);
    } else if (step === 'ldabs') {
      // past the end of the packet, the program stops and returns 0
      const size = rng.pick([1, 2, 4] as const);
      const r = rng.pick([7, 8, 9]);
      if (rng.chance(0.5)) p.emit(b.ldAbs(size, rng.below(70)));
      else p.emit(b.aluImm(64, AluOp.AND, r, 31), b.ldInd(size, r, rng.below(40)));
      p.emit(b.aluReg(64, AluOp.XOR, r, 0));
    } else {
      // bpf_skb_load_bytes(skb, off, fp - 16, len): an error code when out of range
      const len = rng.between(1, 8);
      const r = rng.pick([7, 8, 9]);
      p.emit(b.st(8, 10, -16, 0), b.movReg(1, 6), b.movImm(2, rng.below(70)), b.movReg(3, 10), b.aluImm(64, AluOp.ADD, 3, -16));
      p.emit(b.movImm(4, len), b.call(HELPER.skb_load_bytes), b.aluReg(64, AluOp.XOR, r, 0), b.ldx(8, 0, 10, -16));
    }
  }
  for (const r of [7, 8, 9]) p.emit(b.aluImm(64, AluOp.MUL, 0, MIX), b.aluReg(64, AluOp.XOR, 0, r));
  p.emit(b.movReg(1, 0), b.aluImm(64, AluOp.RSH, 1, 32), b.aluReg(64, AluOp.XOR, 0, 1));
  if (kind === 'cgroup') p.emit(b.stx(4, 6, 48, 0), b.aluImm(64, AluOp.AND, 0, 1));
  p.emit(b.exit());

  const ctx = () => {
    const bytes = new Uint8Array(SK_BUFF_SIZE);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(8, rng.u32(), true);
    dv.setUint32(32, rng.below(16), true);
    for (let i = 0; i < 5; i++) dv.setUint32(48 + 4 * i, rng.u32(), true);
    return bytes;
  };
  const packet = () => rng.chance(0.2)
    ? ipv6Packet(rng.below(40))
    : ipv4Packet({
      protocol: rng.pick([IPPROTO_TCP, IPPROTO_UDP]), src: [10, 0, 0, rng.below(256)], dst: [10, 0, 1, rng.below(256)],
      sport: rng.below(65536), dport: rng.below(65536), payloadLength: rng.below(48),
    });
  return {
    name: `random ${PROG_TYPE[kind]} program ${seed}`, progType: PROG_TYPE[kind],
    program: p.build(), maps: [],
    runs: [{ data: packet(), ctx: ctx() }, { data: packet(), ctx: ctx() }],
  };
}
