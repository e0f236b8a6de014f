// Realistic programs (XDP, tc, socket filters) with maps, helpers, global data and subprograms,
// each with the packets to run it on in order. Used to compare our VM with the kernel on
// return values, packets out, contexts out and map contents.
import { SK_BUFF } from '../ctx-layouts';
import { AluOp, AtomicOp, JmpOp } from '../isa';
import type { DataSection, Program } from '../asm/program';
import type { MapDef } from '../map-types';
import type { ProgType } from '../program-types';
import * as b from './insn';
import {
  ETH_P_ARP, ETH_P_IP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, ethernet, ipv4Packet, ipv6Packet,
} from './packets';
import { ProgramBuilder } from './program-builder';

export const HELPER = {
  map_lookup_elem: 1, map_update_elem: 2, map_delete_elem: 3, skb_store_bytes: 9, skb_load_bytes: 26,
  xdp_adjust_head: 44,
} as const;

const XDP_ABORTED = 0;
const XDP_DROP = 1;
const XDP_PASS = 2;
const XDP_TX = 3;
const TC_ACT_OK = 0;
const TC_ACT_SHOT = 2;
const BPF_ANY = 0;
const BPF_NOEXIST = 1;
/** Size of struct __sk_buff, the context of socket filters and tc programs. */
export const SK_BUFF_SIZE = SK_BUFF.size;

export interface CorpusRun {
  data: Uint8Array;
  /** Context in (a zeroed struct __sk_buff for tc, say); ctxOut is compared when given. */
  ctx?: Uint8Array;
}

export interface CorpusCase {
  name: string;
  progType: ProgType;
  program: Program;
  maps: MapDef[];
  data?: DataSection[];
  /** Elements written before the first run. */
  initial?: { map: string; key: Uint8Array; value: Uint8Array }[];
  /** Runs in order; maps keep their contents from one run to the next. */
  runs: CorpusRun[];
  /** Programs reachable by tail calls, placed into prog_array maps by `tailCalls`. */
  tailTargets?: Program[];
  tailCalls?: { map: string; key: number; target: number }[];
}

const u32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n >>> 0]).buffer);
const u64 = (n: bigint): Uint8Array => new Uint8Array(new BigUint64Array([n]).buffer);
const ip = (a: number, b2: number, c: number, d: number): [number, number, number, number] => [a, b2, c, d];
/** Bytes of an IPv4 address as a u32 key in memory order (what a program loads from the packet). */
const ipKey = (addr: [number, number, number, number]): Uint8Array => Uint8Array.from(addr);

const arrayMap = (name: string, valueSize: number, maxEntries: number): MapDef =>
  ({ name, type: 'array', keySize: 4, valueSize, maxEntries, flags: 0 });
const hashMap = (name: string, keySize: number, valueSize: number, maxEntries: number): MapDef =>
  ({ name, type: 'hash', keySize, valueSize, maxEntries, flags: 0 });

/** r6 = ctx; r2 = data; r3 = data_end; jumps to `fail` unless `bytes` of packet are present. */
function xdpBounds(p: ProgramBuilder, bytes: number, fail: string): void {
  p.emit(b.movReg(6, 1), b.ldx(4, 2, 6, 0), b.ldx(4, 3, 6, 4), b.movReg(4, 2), b.aluImm(64, AluOp.ADD, 4, bytes));
  p.jump(b.jmpReg(64, JmpOp.JGT, 4, 3, 0), fail);
}

/** Jumps to `fail` unless the frame's ethertype (at r2+12) is IPv4. */
function requireIpv4(p: ProgramBuilder, fail: string): void {
  p.emit(b.ldx(2, 5, 2, 12));
  p.jump(b.jmpImm(64, JmpOp.JNE, 5, ((ETH_P_IP & 0xff) << 8) | (ETH_P_IP >> 8), 0), fail);
}

/** r2 = fp + off (a pointer to a key or value on the stack). */
const stackPtr = (reg: number, off: number) => [b.movReg(reg, 10), b.aluImm(64, AluOp.ADD, reg, off)];

function xdpProtoCount(): CorpusCase {
  const p = new ProgramBuilder('xdp', 'xdp', 'proto_count');
  const pass = p.newLabel();
  xdpBounds(p, 34, pass);
  requireIpv4(p, pass);
  p.emit(b.ldx(1, 5, 2, 23), b.stx(4, 10, -4, 5), ...stackPtr(2, -4)).ldMap(1, 'proto_count');
  p.emit(b.call(HELPER.map_lookup_elem)).jump(b.jmpImm(64, JmpOp.JEQ, 0, 0, 0), pass);
  p.emit(b.movImm(1, 1), b.atomic(8, AtomicOp.ADD, 0, 0, 1));
  p.place(pass).emit(b.movImm(0, XDP_PASS), b.exit());
  const udp = ipv4Packet({ protocol: IPPROTO_UDP, src: ip(10, 0, 0, 1), dst: ip(10, 0, 0, 2) });
  return {
    name: 'xdp: count packets by IP protocol', progType: 'xdp', program: p.build(),
    maps: [arrayMap('proto_count', 8, 256)],
    runs: [
      { data: ipv4Packet({ protocol: IPPROTO_TCP, src: ip(10, 0, 0, 1), dst: ip(10, 0, 0, 2) }) },
      { data: udp }, { data: udp },
      { data: ipv4Packet({ protocol: IPPROTO_ICMP, src: ip(10, 0, 0, 3), dst: ip(10, 0, 0, 2) }) },
      { data: ipv6Packet() },
      { data: udp.slice(0, 20) },
    ],
  };
}

function xdpBlocklist(): CorpusCase {
  const p = new ProgramBuilder('xdp', 'xdp', 'blocklist');
  const pass = p.newLabel();
  xdpBounds(p, 34, pass);
  requireIpv4(p, pass);
  p.emit(b.ldx(4, 5, 2, 26), b.stx(4, 10, -4, 5), ...stackPtr(2, -4)).ldMap(1, 'blocked');
  p.emit(b.call(HELPER.map_lookup_elem)).jump(b.jmpImm(64, JmpOp.JEQ, 0, 0, 0), pass);
  p.emit(b.movImm(1, 1), b.atomic(8, AtomicOp.ADD, 0, 0, 1), b.movImm(0, XDP_DROP), b.exit());
  p.place(pass).emit(b.movImm(0, XDP_PASS), b.exit());
  const from = (last: number) => ({ data: ipv4Packet({ protocol: IPPROTO_TCP, src: ip(10, 0, 0, last), dst: ip(10, 9, 9, 9) }) });
  return {
    name: 'xdp: drop sources on a blocklist and count the drops', progType: 'xdp', program: p.build(),
    maps: [hashMap('blocked', 4, 8, 16)],
    initial: [{ map: 'blocked', key: ipKey(ip(10, 0, 0, 1)), value: u64(0n) }],
    runs: [from(1), from(2), from(1), from(3), from(1)],
  };
}

function xdpSwapMacs(): CorpusCase {
  const p = new ProgramBuilder('xdp', 'xdp', 'swap_macs');
  const pass = p.newLabel();
  xdpBounds(p, 14, pass);
  p.emit(
    b.ldx(4, 4, 2, 0), b.ldx(2, 5, 2, 4), b.ldx(4, 7, 2, 6), b.ldx(2, 8, 2, 10),
    b.stx(4, 2, 0, 7), b.stx(2, 2, 4, 8), b.stx(4, 2, 6, 4), b.stx(2, 2, 10, 5),
    b.movImm(0, XDP_TX), b.exit(),
  );
  p.place(pass).emit(b.movImm(0, XDP_PASS), b.exit());
  return {
    name: 'xdp: swap MAC addresses and bounce the frame', progType: 'xdp', program: p.build(), maps: [],
    runs: [{ data: ipv4Packet({ protocol: IPPROTO_UDP, src: ip(1, 2, 3, 4), dst: ip(5, 6, 7, 8) }) }, { data: ipv6Packet() }],
  };
}

function xdpPushHeader(): CorpusCase {
  const p = new ProgramBuilder('xdp', 'xdp', 'push_header');
  const abort = p.newLabel();
  p.emit(b.movReg(6, 1), b.movImm(2, -8), b.call(HELPER.xdp_adjust_head));
  p.jump(b.jmpImm(64, JmpOp.JNE, 0, 0, 0), abort);
  p.emit(b.ldx(4, 2, 6, 0), b.ldx(4, 3, 6, 4), b.movReg(4, 2), b.aluImm(64, AluOp.ADD, 4, 22));
  p.jump(b.jmpReg(64, JmpOp.JGT, 4, 3, 0), abort);
  p.emit(b.ldImm64(5, 0x1122_3344_5566_7788n), b.stx(8, 2, 0, 5), b.movImm(0, XDP_PASS), b.exit());
  p.place(abort).emit(b.movImm(0, XDP_ABORTED), b.exit());
  return {
    name: 'xdp: grow the headroom with bpf_xdp_adjust_head and write a header', progType: 'xdp',
    program: p.build(), maps: [],
    runs: [{ data: ipv4Packet({ protocol: IPPROTO_TCP, src: ip(1, 1, 1, 1), dst: ip(2, 2, 2, 2) }) }],
  };
}

function xdpPopEthernet(): CorpusCase {
  const p = new ProgramBuilder('xdp', 'xdp', 'pop_eth');
  const done = p.newLabel();
  p.emit(b.movImm(2, 14), b.call(HELPER.xdp_adjust_head), b.movImm(1, XDP_PASS));
  p.jump(b.jmpImm(64, JmpOp.JEQ, 0, 0, 0), done);
  p.emit(b.movImm(1, XDP_DROP));
  p.place(done).emit(b.movReg(0, 1), b.exit());
  return {
    name: 'xdp: strip the Ethernet header with bpf_xdp_adjust_head', progType: 'xdp', program: p.build(), maps: [],
    runs: [{ data: ipv4Packet({ protocol: IPPROTO_UDP, src: ip(1, 1, 1, 1), dst: ip(2, 2, 2, 2) }) }, { data: ipv6Packet(0) }],
  };
}

function xdpChecksumSubprogram(): CorpusCase {
  const p = new ProgramBuilder('xdp', 'xdp', 'ip_csum');
  const pass = p.newLabel();
  const store = p.newLabel();
  xdpBounds(p, 34, pass);
  requireIpv4(p, pass);
  p.emit(b.movReg(1, 2), b.aluImm(64, AluOp.ADD, 1, 14)).callLocal('ip_checksum');
  p.emit(b.movReg(7, 0), b.st(4, 10, -4, 0), ...stackPtr(2, -4)).ldMap(1, 'last_csum');
  p.emit(b.call(HELPER.map_lookup_elem)).jump(b.jmpImm(64, JmpOp.JEQ, 0, 0, 0), store);
  p.emit(b.stx(8, 0, 0, 7));
  p.place(store).emit(b.movImm(0, XDP_DROP)).jump(b.jmpImm(64, JmpOp.JNE, 7, 0, 0), pass + '.drop');
  p.emit(b.movImm(0, XDP_PASS));
  p.place(pass + '.drop').emit(b.exit());
  p.place(pass).emit(b.movImm(0, XDP_PASS), b.exit());
  // ip_checksum(r1 = IPv4 header): the folded one's complement sum of its ten 16-bit words, inverted
  const loop = p.newLabel();
  p.place('ip_checksum', true).emit(b.movImm(0, 0), b.movImm(2, 0));
  p.place(loop).emit(b.movReg(3, 1), b.aluReg(64, AluOp.ADD, 3, 2), b.ldx(2, 4, 3, 0), b.aluReg(64, AluOp.ADD, 0, 4),
    b.aluImm(64, AluOp.ADD, 2, 2));
  p.jump(b.jmpImm(64, JmpOp.JLT, 2, 20, 0), loop);
  for (let i = 0; i < 2; i++) {
    p.emit(b.movReg(3, 0), b.aluImm(64, AluOp.RSH, 3, 16), b.aluImm(64, AluOp.AND, 0, 0xffff), b.aluReg(64, AluOp.ADD, 0, 3));
  }
  p.emit(b.aluImm(64, AluOp.XOR, 0, 0xffff), b.aluImm(64, AluOp.AND, 0, 0xffff), b.exit());
  const good = ipv4Packet({ protocol: IPPROTO_UDP, src: ip(192, 168, 1, 7), dst: ip(8, 8, 8, 8) });
  const bad = good.slice();
  bad[24] = (bad[24]! ^ 0x5a) & 0xff;
  return {
    name: 'xdp: verify the IPv4 header checksum in a bpf-to-bpf subprogram with a loop', progType: 'xdp',
    program: p.build(), maps: [arrayMap('last_csum', 8, 1)], runs: [{ data: good }, { data: bad }],
  };
}

function xdpGlobalData(): CorpusCase {
  const p = new ProgramBuilder('xdp', 'xdp', 'port_filter');
  const pass = p.newLabel();
  xdpBounds(p, 38, pass);
  requireIpv4(p, pass);
  p.emit(b.ldx(1, 5, 2, 23)).jump(b.jmpImm(64, JmpOp.JNE, 5, IPPROTO_TCP, 0), pass);
  p.emit(b.ldx(2, 5, 2, 36)).ldAddress(1, 'blocked_port').emit(b.ldx(2, 1, 1, 0));
  p.jump(b.jmpReg(64, JmpOp.JNE, 5, 1, 0), pass);
  p.ldAddress(1, 'hits').emit(b.movImm(2, 1), b.atomic(8, AtomicOp.ADD, 1, 0, 2), b.movImm(0, XDP_DROP), b.exit());
  p.place(pass).emit(b.movImm(0, XDP_PASS), b.exit());
  const to = (dport: number, protocol = IPPROTO_TCP) =>
    ({ data: ipv4Packet({ protocol, src: ip(10, 1, 1, 1), dst: ip(10, 2, 2, 2), dport }) });
  return {
    name: 'xdp: drop TCP to a port read from .rodata, counting in .bss', progType: 'xdp', program: p.build(), maps: [],
    data: [
      { name: '.rodata', bytes: Uint8Array.from([0x1f, 0x90, 0, 0]), symbols: [{ name: 'blocked_port', offset: 0, size: 2 }] },
      { name: '.bss', bytes: new Uint8Array(8), symbols: [{ name: 'hits', offset: 0, size: 8 }] },
    ],
    runs: [to(8080), to(80), to(8080), to(8080, IPPROTO_UDP)],
  };
}

function xdpFlowTable(): CorpusCase {
  const p = new ProgramBuilder('xdp', 'xdp', 'flow_table');
  const pass = p.newLabel();
  const insert = p.newLabel();
  xdpBounds(p, 42, pass);
  requireIpv4(p, pass);
  p.emit(b.ldx(4, 7, 2, 34), b.stx(4, 10, -4, 7), ...stackPtr(2, -4)).ldMap(1, 'flows');
  p.emit(b.call(HELPER.map_lookup_elem)).jump(b.jmpImm(64, JmpOp.JEQ, 0, 0, 0), insert);
  // seen before: count, and forget the flow on its third packet
  p.emit(b.ldx(8, 1, 0, 0), b.aluImm(64, AluOp.ADD, 1, 1), b.stx(8, 0, 0, 1));
  p.jump(b.jmpImm(64, JmpOp.JLT, 1, 3, 0), pass);
  p.emit(...stackPtr(2, -4)).ldMap(1, 'flows').emit(b.call(HELPER.map_delete_elem), b.movImm(0, XDP_DROP), b.exit());
  // new flow: insert with a count of 1 and return the helper's result (an errno when the table is full)
  p.place(insert).emit(b.st(8, 10, -16, 1), ...stackPtr(2, -4), ...stackPtr(3, -16), b.movImm(4, BPF_ANY)).ldMap(1, 'flows');
  p.emit(b.call(HELPER.map_update_elem), b.exit());
  p.place(pass).emit(b.movImm(0, XDP_PASS), b.exit());
  const flow = (sport: number) =>
    ({ data: ipv4Packet({ protocol: IPPROTO_UDP, src: ip(10, 0, 0, 1), dst: ip(10, 0, 0, 2), sport, dport: 53 }) });
  return {
    name: 'xdp: a bounded flow table with update, lookup and delete', progType: 'xdp', program: p.build(),
    maps: [hashMap('flows', 4, 8, 4)],
    runs: [flow(1), flow(1), flow(2), flow(1), flow(3), flow(4), flow(5), flow(6), flow(2), flow(1)],
  };
}

function tcBytesByProtocol(): CorpusCase {
  const p = new ProgramBuilder('tc', 'sched_cls', 'bytes_by_proto');
  const insert = p.newLabel();
  const mark = p.newLabel();
  p.emit(b.movReg(6, 1), b.ldx(4, 7, 6, 0), b.ldx(4, 8, 6, 16), b.stx(4, 10, -4, 8), b.stx(8, 10, -16, 7));
  p.emit(...stackPtr(2, -4)).ldMap(1, 'bytes').emit(b.call(HELPER.map_lookup_elem));
  p.jump(b.jmpImm(64, JmpOp.JEQ, 0, 0, 0), insert);
  p.emit(b.atomic(8, AtomicOp.ADD, 0, 0, 7)).jump(b.ja(0), mark);
  p.place(insert).emit(...stackPtr(2, -4), ...stackPtr(3, -16), b.movImm(4, BPF_NOEXIST)).ldMap(1, 'bytes');
  p.emit(b.call(HELPER.map_update_elem));
  p.place(mark).emit(b.movImm(1, 42), b.stx(4, 6, 8, 1), b.movImm(0, TC_ACT_OK), b.exit());
  const ctx = () => new Uint8Array(SK_BUFF_SIZE);
  return {
    name: 'tc: bytes per ethertype from skb->len and skb->protocol, setting skb->mark', progType: 'sched_cls',
    program: p.build(), maps: [hashMap('bytes', 4, 8, 8)],
    runs: [
      { data: ipv4Packet({ protocol: IPPROTO_TCP, src: ip(1, 1, 1, 1), dst: ip(2, 2, 2, 2) }), ctx: ctx() },
      { data: ipv4Packet({ protocol: IPPROTO_UDP, src: ip(1, 1, 1, 1), dst: ip(2, 2, 2, 2), payloadLength: 60 }), ctx: ctx() },
      { data: ipv6Packet(), ctx: ctx() },
    ],
  };
}

function tcNarrowFields(): CorpusCase {
  // tc_index, tc_classid and queue_mapping are 16-bit in the kernel; queue_mapping ignores 0xffff and up
  const p = new ProgramBuilder('tc', 'sched_cls', 'narrow_fields');
  p.emit(b.movReg(6, 1), b.movImm(2, 0x12345678));
  const writeRead = (field: number, cb: number, value?: number): void => {
    if (value !== undefined) p.emit(b.movImm(2, value));
    p.emit(b.stx(4, 6, field, 2), b.ldx(4, 3, 6, field), b.stx(4, 6, 48 + 4 * cb, 3));
  };
  writeRead(44, 0);
  writeRead(72, 1);
  writeRead(12, 2, 5);
  writeRead(12, 3, 0xffff);
  p.emit(b.movImm(0, TC_ACT_OK), b.exit());
  return {
    name: 'tc: 32-bit writes to the 16-bit fields tc_index, tc_classid and queue_mapping', progType: 'sched_cls',
    program: p.build(), maps: [],
    runs: [{ data: ipv4Packet({ protocol: IPPROTO_UDP, src: ip(1, 1, 1, 1), dst: ip(2, 2, 2, 2) }), ctx: new Uint8Array(SK_BUFF_SIZE) }],
  };
}

function tcLoadStoreBytes(): CorpusCase {
  const p = new ProgramBuilder('tc', 'sched_cls', 'copy_addr');
  const fail = p.newLabel();
  p.emit(b.movReg(6, 1), b.movImm(2, 26), ...stackPtr(3, -8), b.movImm(4, 4), b.call(HELPER.skb_load_bytes));
  p.jump(b.jmpImm(64, JmpOp.JNE, 0, 0, 0), fail);
  p.emit(b.movReg(1, 6), b.movImm(2, 30), ...stackPtr(3, -8), b.movImm(4, 4), b.movImm(5, 0), b.call(HELPER.skb_store_bytes));
  p.emit(b.ldx(4, 0, 10, -8), b.exit());
  p.place(fail).emit(b.movImm(0, TC_ACT_SHOT), b.exit());
  const pkt = ipv4Packet({ protocol: IPPROTO_UDP, src: ip(172, 16, 0, 9), dst: ip(8, 8, 4, 4) });
  return {
    name: 'tc: copy the IPv4 source over the destination with skb_load_bytes/skb_store_bytes', progType: 'sched_cls',
    program: p.build(), maps: [], runs: [{ data: pkt }, { data: ethernet(ETH_P_ARP, new Uint8Array(14).fill(0xaa)) }],
  };
}

function socketDnsFilter(): CorpusCase {
  // Socket filters see the packet from the network header on: offsets are IP-relative.
  const p = new ProgramBuilder('socket', 'socket_filter', 'dns_filter');
  const drop = p.newLabel();
  p.emit(b.movReg(6, 1), b.ldAbs(1, 9)).jump(b.jmpImm(64, JmpOp.JNE, 0, IPPROTO_UDP, 0), drop);
  p.emit(b.ldAbs(1, 0), b.aluImm(64, AluOp.AND, 0, 0xf), b.aluImm(64, AluOp.LSH, 0, 2), b.movReg(7, 0), b.ldInd(2, 7, 2));
  p.jump(b.jmpImm(64, JmpOp.JNE, 0, 53, 0), drop);
  p.emit(b.ldx(4, 0, 6, 0), b.exit());
  p.place(drop).emit(b.movImm(0, 0), b.exit());
  const udp = (dport: number) => ipv4Packet({ protocol: IPPROTO_UDP, src: ip(10, 0, 0, 1), dst: ip(10, 0, 0, 53), dport });
  return {
    name: 'socket filter: accept UDP to port 53 with ld_abs/ld_ind', progType: 'socket_filter', program: p.build(), maps: [],
    runs: [
      { data: udp(53) }, { data: udp(80) },
      { data: ipv4Packet({ protocol: IPPROTO_TCP, src: ip(10, 0, 0, 1), dst: ip(10, 0, 0, 53), dport: 53 }) },
      { data: udp(53).slice(0, 36) }, { data: ipv6Packet() },
    ],
  };
}

function socketPerCpuCounters(): CorpusCase {
  const p = new ProgramBuilder('socket', 'socket_filter', 'count');
  const out = p.newLabel();
  p.emit(b.movReg(6, 1), b.ldx(4, 7, 6, 0));
  for (const [key, reg] of [[0, 8], [1, 7]] as const) {
    if (reg === 8) p.emit(b.movImm(8, 1));
    p.emit(b.st(4, 10, -4, key), ...stackPtr(2, -4)).ldMap(1, 'stats').emit(b.call(HELPER.map_lookup_elem));
    p.jump(b.jmpImm(64, JmpOp.JEQ, 0, 0, 0), out);
    p.emit(b.atomic(8, AtomicOp.ADD, 0, 0, reg));
  }
  p.place(out).emit(b.movImm(0, -1), b.exit());
  const pkt = (n: number) => ipv4Packet({ protocol: IPPROTO_UDP, src: ip(10, 0, 0, 1), dst: ip(10, 0, 0, 2), payloadLength: n });
  return {
    name: 'socket filter: packet and byte counters in a per-CPU array', progType: 'socket_filter', program: p.build(),
    maps: [{ name: 'stats', type: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: 2, flags: 0 }],
    runs: [{ data: pkt(10) }, { data: pkt(100) }, { data: pkt(3) }],
  };
}

const TAIL_CALL = 12;

/** counts[key] += 1 through a lookup; clobbers r0-r5. */
function countIn(p: ProgramBuilder, key: number): void {
  const skip = p.newLabel();
  p.emit(b.st(4, 10, -4, key), ...stackPtr(2, -4)).ldMap(1, 'counts').emit(b.call(HELPER.map_lookup_elem));
  p.jump(b.jmpImm(64, JmpOp.JEQ, 0, 0, 0), skip).emit(b.movImm(1, 1), b.atomic(8, AtomicOp.ADD, 0, 0, 1));
  p.place(skip);
}

/** tail_call(ctx in r6, jump_table, slot); falls through when the slot is empty or the limit is hit. */
function tailCall(p: ProgramBuilder, slot: number | 'r7'): void {
  p.emit(b.movReg(1, 6)).ldMap(2, 'jump_table');
  p.emit(slot === 'r7' ? b.movReg(3, 7) : b.movImm(3, slot), b.call(TAIL_CALL));
}

function xdpTailCalls(): CorpusCase {
  const main = new ProgramBuilder('xdp', 'xdp', 'dispatch');
  const out = main.newLabel();
  main.emit(b.movReg(6, 1), b.ldx(4, 2, 6, 0), b.ldx(4, 3, 6, 4), b.movReg(4, 2), b.aluImm(64, AluOp.ADD, 4, 1), b.movImm(0, 0));
  main.jump(b.jmpReg(64, JmpOp.JGT, 4, 3, 0), out);
  main.emit(b.ldx(1, 7, 2, 0), b.aluImm(64, AluOp.AND, 7, 3));
  countIn(main, 0);
  tailCall(main, 'r7');
  main.emit(b.movReg(0, 7), b.aluImm(64, AluOp.ADD, 0, 100));
  main.place(out).emit(b.exit());
  const target = (name: string, key: number, next: number | undefined, ret: number): Program => {
    const p = new ProgramBuilder('xdp', 'xdp', name);
    p.emit(b.movReg(6, 1));
    countIn(p, key);
    if (next !== undefined) tailCall(p, next);
    p.emit(b.movImm(0, ret), b.exit());
    return p.build();
  };
  const runs = [0, 1, 2, 3, 1].map((selector) => ({ data: Uint8Array.from({ length: 64 }, (_, i) => (i ? i : selector)) }));
  return {
    name: 'xdp: tail calls through a jump table, a chain, and a self-call up to the kernel\'s limit', progType: 'xdp',
    program: main.build(),
    maps: [
      { name: 'jump_table', type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 },
      arrayMap('counts', 8, 4),
    ],
    tailTargets: [target('leaf', 1, undefined, 10), target('self', 2, 1, 11), target('chain', 3, 0, 12)],
    tailCalls: [{ map: 'jump_table', key: 0, target: 0 }, { map: 'jump_table', key: 1, target: 1 }, { map: 'jump_table', key: 2, target: 2 }],
    runs,
  };
}

/** Every corpus program, freshly built. */
export function corpus(): CorpusCase[] {
  return [
    xdpProtoCount(), xdpBlocklist(), xdpSwapMacs(), xdpPushHeader(), xdpPopEthernet(), xdpChecksumSubprogram(),
    xdpGlobalData(), xdpFlowTable(), xdpTailCalls(), tcBytesByProtocol(), tcNarrowFields(), tcLoadStoreBytes(), socketDnsFilter(), socketPerCpuCounters(),
  ];
}

export { u32 as u32Bytes, u64 as u64Bytes, TC_ACT_OK, XDP_DROP, XDP_PASS, XDP_TX };
