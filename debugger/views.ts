// What the Variables view shows while stopped: registers (with the verifier's view beside each),
// the stack as 8-byte slots, context fields, the packet with parsed headers, and maps. Plain data
// nodes; session.ts turns them into DAP variables.
import { ctxStruct } from '../core/ctx-layouts';
import { bytesFromJson, bytesToHex } from '../core/vm/loader';
import type { Machine } from '../core/vm/machine';
import type { VmMap } from '../core/vm/maps';
import { splitAddr } from '../core/vm/memory';
import { leInt } from './expr';
import type { BpfRuntime } from './runtime';
import { describeEntry, outsideVerifierRange, type Concrete } from './verifier-state';

export interface VarNode {
  name: string;
  value: string;
  type?: string;
  children?: () => VarNode[];
  memoryReference?: string;
  evaluateName?: string;
  /** Sets the variable from the user's text; returns an error message, or undefined when done. */
  set?: (text: string) => string | undefined;
  /** Children shown a range at a time (big arrays): how many, and how to make a range of them. */
  indexed?: { total: number; make(start: number, count: number): VarNode[] };
  /** For data breakpoints: what a write watch on this variable watches. */
  dataId?: string;
  readOnly?: boolean;
}

const hexAddr = (a: bigint): string => '0x' + a.toString(16);

/** The region and offset an address points into, in the notation of the verifier (`fp-16`, `pkt+14`, `map_value(counters)+8`). */
export function describeAddress(m: Machine, addr: bigint): { text: string; region: string; fpOffset?: number } | undefined {
  const { hi, lo } = splitAddr(addr);
  const r = m.space.near(hi);
  if (!r) {
    if (hi === (0xffffffff | 0)) return { text: `func+0x${(lo >>> 0).toString(16)}`, region: 'code' };
    const map = m.maps.find((x) => x.objHi === hi && x.objLo === (lo | 0));
    return map ? { text: `map_ptr(${map.def.name})`, region: 'map_ptr' } : undefined;
  }
  const off = (lo >>> 0) - (r.lo >>> 0);
  const sign = (n: number): string => (n >= 0 ? `+${n}` : `${n}`);
  switch (r.kind) {
    case 'stack': {
      const depth = m.stacks.indexOf(r);
      const fp = off - r.size;
      const here = depth === m.depth;
      return { text: `${here ? 'fp' : `fp[frame ${depth}]`}${fp === 0 ? (here ? '0' : '') : sign(fp)}`, region: 'stack', fpOffset: here ? fp : undefined };
    }
    case 'packet': {
      const p = m.ctx?.packet;
      const rel = p ? off - (p.data - p.meta) : off;
      if (p && rel === p.end - p.data) return { text: 'pkt_end', region: 'packet' };
      return { text: `pkt${rel === 0 ? '' : sign(rel)}`, region: 'packet' };
    }
    case 'ctx': return { text: `ctx${off ? sign(off) : ''}`, region: 'ctx' };
    case 'map': {
      const name = /^map (.*) value$/.exec(r.name)?.[1] ?? r.name;
      const inValue = r.stride ? off % r.stride : off;
      return { text: `map_value(${name})${inValue ? sign(inValue) : ''}`, region: 'map' };
    }
    default: return { text: `${r.name}${off ? sign(off) : ''}`, region: r.kind };
  }
}

/** `0x2a (42)`; negative as signed too. */
export function numberText(v: bigint): string {
  const s = BigInt.asIntN(64, v);
  return s < 0n ? `0x${v.toString(16)} (${s})` : `0x${v.toString(16)} (${v})`;
}

/** Parses what the user typed into a register or slot: an expression over the current state. */
function parseValue(rt: BpfRuntime, text: string): bigint | string {
  try {
    return rt.evaluate(text).value;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function registerNodes(rt: BpfRuntime): VarNode[] {
  const m = rt.machine;
  const regs = m.registers();
  const paths = rt.verifierStateHere();
  return regs.map((v, r): VarNode => {
    const where = describeAddress(m, v);
    const verifier = describeEntry(paths, `R${r}`);
    const concrete: Concrete = { value: v, region: where?.region, fpOffset: where?.fpOffset };
    const outside = verifier ? outsideVerifierRange(concrete, paths, `R${r}`) : undefined;
    let value = where ? `${where.text} (${hexAddr(v)})` : numberText(v);
    if (verifier) value += `  verifier: ${verifier}`;
    if (outside) value += `  ⚠ outside the verifier's range: ${outside}`;
    return {
      name: `r${r}`, value, type: verifier ?? (where ? 'pointer' : 'scalar'), evaluateName: `r${r}`,
      memoryReference: where && where.region !== 'code' && where.region !== 'map_ptr' ? hexAddr(v) : undefined,
      readOnly: r === 10,
      dataId: `reg:${r}`,
      children: () => registerDetails(v, paths.map((p) => p.get(`R${r}`) ?? 'not init')),
      set: r === 10 ? undefined : (text) => {
        const n = parseValue(rt, text);
        if (typeof n === 'string') return n;
        const u = BigInt.asUintN(64, n);
        m.regs[2 * r] = Number(u & 0xffffffffn) | 0;
        m.regs[2 * r + 1] = Number(u >> 32n) | 0;
        return undefined;
      },
    };
  });
}

/** A register's value read every way, and the verifier's state on each path that reaches here. */
function registerDetails(v: bigint, verifierPaths: string[]): VarNode[] {
  const lo = v & 0xffffffffn;
  const out: VarNode[] = [
    { name: 'u64', value: v.toString() },
    { name: 's64', value: BigInt.asIntN(64, v).toString() },
    { name: 'u32', value: `${lo} (0x${lo.toString(16)})` },
    { name: 's32', value: BigInt.asIntN(32, lo).toString() },
    { name: 'bytes', value: bytesToHex(Uint8Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn))) },
  ];
  verifierPaths.forEach((t, i) => out.push({ name: verifierPaths.length > 1 ? `verifier, path ${i + 1}` : 'verifier', value: t }));
  return out;
}

/**
 * Registers of a caller's frame (depth `depth`, below the current one): r6-r9 as saved at its call
 * (a callee must keep them), r10 its frame pointer; r0-r5 are not kept across a call.
 */
export function callerRegisterNodes(rt: BpfRuntime, depth: number): VarNode[] {
  const m = rt.machine;
  const frames = (m as unknown as { frames?: { ret: number; saved: Int32Array }[] }).frames;
  const saved = frames?.[depth]?.saved;
  const stack = m.stacks[depth];
  const out: VarNode[] = [];
  for (let r = 0; r <= 10; r++) {
    let v: bigint | undefined;
    if (r >= 6 && r <= 9 && saved) v = (BigInt(saved[2 * (r - 6) + 1]! >>> 0) << 32n) | BigInt(saved[2 * (r - 6)]! >>> 0);
    if (r === 10 && stack) v = (BigInt(stack.hi >>> 0) << 32n) | BigInt((stack.lo >>> 0) + stack.size);
    if (v === undefined) { out.push({ name: `r${r}`, value: '(not kept across the call)', readOnly: true }); continue; }
    const where = describeAddress(m, v);
    out.push({ name: `r${r}`, value: where ? `${where.text} (${hexAddr(v)})` : numberText(v), readOnly: true, memoryReference: where ? hexAddr(v) : undefined });
  }
  return out;
}

/** The 512 bytes of a frame's stack as 64 slots, fp-8 first. */
export function stackNodes(rt: BpfRuntime, depth: number): VarNode[] {
  const m = rt.machine;
  const region = m.stacks[depth];
  if (!region) return [];
  const paths = depth === m.depth ? rt.verifierStateHere() : [];
  const out: VarNode[] = [];
  for (let off = 8; off <= region.size; off += 8) {
    const at = region.size - off;
    const bytes = region.bytes.slice(at, at + 8);
    const address = (BigInt(region.hi >>> 0) << 32n) | BigInt((region.lo >>> 0) + at);
    const v = leInt(bytes);
    const kind = describeEntry(paths, `fp-${off}`);
    const pointer = describeAddress(m, v);
    let value = `${bytesToHex(bytes)}  = ${pointer && v !== 0n ? pointer.text : numberText(v)}`;
    if (kind) value += `  verifier: ${kind}`;
    out.push({
      name: `fp-${off}`, value, type: kind ?? 'stack slot', memoryReference: hexAddr(address),
      evaluateName: depth === m.depth ? `*(u64 *)(r10 - ${off})` : undefined,
      dataId: `mem:${hexAddr(address)}:8`,
      set: (text) => {
        const n = parseValue(rt, text);
        if (typeof n === 'string') return n;
        const u = BigInt.asUintN(64, n);
        for (let i = 0; i < 8; i++) region.bytes[at + i] = Number((u >> BigInt(8 * i)) & 0xffn);
        return undefined;
      },
    });
  }
  return out;
}

export function contextNodes(rt: BpfRuntime): VarNode[] {
  const m = rt.machine;
  const c = m.ctx;
  if (!c || (c.r1l === 0 && c.r1h === 0)) return [{ name: '(none)', value: 'this program type has no context here' }];
  const base = (BigInt(c.r1h >>> 0) << 32n) | BigInt(c.r1l >>> 0);
  const { hi, lo } = splitAddr(base);
  const region = m.space.near(hi);
  const s = ctxStruct(rt.progType);
  const read = (off: number, size: number): bigint | string => rt.readContext(off, size);
  const show = (v: bigint | string): string => {
    if (typeof v === 'string') return `<${v}>`;
    const p = describeAddress(m, v);
    return p && v !== 0n ? `${p.text} (${hexAddr(v)})` : numberText(v);
  };
  if (!s) {
    if (!region) return [];
    const rel = (lo >>> 0) - (region.lo >>> 0);
    const bytes = region.bytes.subarray(rel);
    const out: VarNode[] = [];
    for (let i = 0; i < bytes.length; i += 8) out.push({ name: `+${i}`, value: show(leInt(bytes.subarray(i, i + 8))), memoryReference: hexAddr(base + BigInt(i)) });
    return out;
  }
  const out: VarNode[] = [];
  for (const f of s.fields) {
    const count = f.count ?? 1;
    for (let i = 0; i < count; i++) {
      const off = f.offset + i * f.size;
      const name = f.count ? `${f.name}[${i}]` : f.name;
      out.push({ name, value: show(read(off, f.size)), type: `${s.name} +${off}, ${f.size} bytes`, evaluateName: `ctx->${name}` });
    }
  }
  return out;
}

const mac = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
const ip4 = (b: Uint8Array): string => [...b].join('.');
const ip6 = (b: Uint8Array): string => Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16)).join(':');
const be16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const be32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

const leaf = (name: string, value: string | number): VarNode => ({ name, value: String(value) });

/** Ethernet, VLAN, IPv4/IPv6 and TCP/UDP/ICMP headers of a packet, as far as its bytes go. */
export function parseHeaders(p: Uint8Array): VarNode[] {
  const out: VarNode[] = [];
  if (p.length < 14) return out;
  let type = be16(p, 12);
  let at = 14;
  const eth: VarNode[] = [leaf('dst', mac(p.subarray(0, 6))), leaf('src', mac(p.subarray(6, 12)))];
  while ((type === 0x8100 || type === 0x88a8) && p.length >= at + 4) {
    eth.push(leaf('vlan', be16(p, at) & 0xfff));
    type = be16(p, at + 2);
    at += 4;
  }
  eth.push(leaf('type', `0x${type.toString(16).padStart(4, '0')}${type === 0x0800 ? ' (IPv4)' : type === 0x86dd ? ' (IPv6)' : type === 0x0806 ? ' (ARP)' : ''}`));
  out.push({ name: 'ethernet', value: `${mac(p.subarray(6, 12))} -> ${mac(p.subarray(0, 6))}`, children: () => eth });
  let proto = -1;
  if (type === 0x0800 && p.length >= at + 20) {
    const ihl = (p[at]! & 15) * 4;
    proto = p[at + 9]!;
    const ip: VarNode[] = [
      leaf('version', p[at]! >> 4), leaf('ihl', `${ihl} bytes`), leaf('tos', p[at + 1]!), leaf('total_length', be16(p, at + 2)),
      leaf('id', be16(p, at + 4)), leaf('frag_off', `0x${be16(p, at + 6).toString(16)}`), leaf('ttl', p[at + 8]!), leaf('protocol', proto),
      leaf('checksum', `0x${be16(p, at + 10).toString(16).padStart(4, '0')}`), leaf('src', ip4(p.subarray(at + 12, at + 16))), leaf('dst', ip4(p.subarray(at + 16, at + 20))),
    ];
    out.push({ name: 'ipv4', value: `${ip4(p.subarray(at + 12, at + 16))} -> ${ip4(p.subarray(at + 16, at + 20))} proto ${proto} ttl ${p[at + 8]}`, children: () => ip });
    at += ihl;
  } else if (type === 0x86dd && p.length >= at + 40) {
    proto = p[at + 6]!;
    const ip: VarNode[] = [
      leaf('payload_length', be16(p, at + 4)), leaf('next_header', proto), leaf('hop_limit', p[at + 7]!),
      leaf('src', ip6(p.subarray(at + 8, at + 24))), leaf('dst', ip6(p.subarray(at + 24, at + 40))),
    ];
    out.push({ name: 'ipv6', value: `${ip6(p.subarray(at + 8, at + 24))} -> ${ip6(p.subarray(at + 24, at + 40))} next ${proto}`, children: () => ip });
    at += 40;
  }
  if (proto === 6 && p.length >= at + 20) {
    const flags = p[at + 13]!;
    const names = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'].filter((_, i) => flags & (1 << i)).join(',');
    const tcp: VarNode[] = [
      leaf('sport', be16(p, at)), leaf('dport', be16(p, at + 2)), leaf('seq', be32(p, at + 4)), leaf('ack_seq', be32(p, at + 8)),
      leaf('doff', `${(p[at + 12]! >> 4) * 4} bytes`), leaf('flags', names || '0'), leaf('window', be16(p, at + 14)),
    ];
    out.push({ name: 'tcp', value: `${be16(p, at)} -> ${be16(p, at + 2)} [${names}]`, children: () => tcp });
  } else if (proto === 17 && p.length >= at + 8) {
    const udp: VarNode[] = [leaf('sport', be16(p, at)), leaf('dport', be16(p, at + 2)), leaf('len', be16(p, at + 4)), leaf('check', `0x${be16(p, at + 6).toString(16)}`)];
    out.push({ name: 'udp', value: `${be16(p, at)} -> ${be16(p, at + 2)}`, children: () => udp });
  } else if ((proto === 1 || proto === 58) && p.length >= at + 4) {
    out.push({ name: proto === 1 ? 'icmp' : 'icmpv6', value: `type ${p[at]} code ${p[at + 1]}`, children: () => [leaf('type', p[at]!), leaf('code', p[at + 1]!)] });
  }
  return out;
}

export function packetNodes(rt: BpfRuntime): VarNode[] {
  const m = rt.machine;
  const p = m.ctx?.packet;
  if (!p) return [{ name: '(none)', value: 'this program has no packet' }];
  const bytes = p.buf.subarray(p.data, p.end);
  const dataAddr = (BigInt(p.region.hi >>> 0) << 32n) | BigInt((p.region.lo >>> 0) + (p.data - p.meta));
  const rows: VarNode[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16);
    rows.push({ name: i.toString(16).padStart(4, '0'), value: bytesToHex(row), memoryReference: hexAddr(dataAddr + BigInt(i)) });
  }
  const out: VarNode[] = [
    { name: 'length', value: String(bytes.length) },
    { name: 'bytes', value: `${bytes.length} bytes at pkt`, children: () => rows, memoryReference: hexAddr(dataAddr) },
    ...parseHeaders(bytes),
  ];
  if (p.data > p.meta) out.push({ name: 'metadata', value: bytesToHex(p.buf.subarray(p.meta, p.data)) });
  return out;
}

/** A value's bytes shown as hex with the little-endian integer when it is 8 bytes or fewer. */
function bytesValue(b: Uint8Array): string {
  return b.length <= 8 && b.length > 0 ? `${bytesToHex(b)}  = ${numberText(leInt(b))}` : bytesToHex(b);
}

/** Arrays bigger than this are shown a page at a time (VS Code asks for ranges of indices). */
const PAGED_ARRAY = 256;

/** One element of a map: its value (per CPU when the map is per-CPU), settable and watchable. */
function entryNode(rt: BpfRuntime, map: VmMap, key: Uint8Array, value: Uint8Array | Uint8Array[]): VarNode {
  const d = map.def;
  const keyInt = key.length > 0 && key.length <= 8 ? leInt(key) : undefined;
  const name = keyInt !== undefined ? `[${keyInt}]` : `[${bytesToHex(key)}]`;
  const addr = { hi: 0, lo: 0 };
  const has = key.length > 0 && map.lookup(key, addr);
  const address = has ? (BigInt(addr.hi >>> 0) << 32n) | BigInt(addr.lo >>> 0) : undefined;
  if (Array.isArray(value)) {
    return {
      name, value: `per-CPU: ${value.map(bytesToHex).join(' | ')}`,
      children: () => value.map((v, cpu) => ({ name: `cpu ${cpu}`, value: bytesValue(v) })),
    };
  }
  const node: VarNode = {
    name, value: bytesValue(value), type: key.length <= 8 ? `key ${bytesToHex(key)}` : undefined,
    evaluateName: keyInt !== undefined && /^[A-Za-z_.$][\w.$]*$/.test(d.name) ? `${d.name}[${keyInt}]` : undefined,
    memoryReference: address !== undefined ? hexAddr(address) : undefined,
    dataId: address !== undefined ? `mem:${hexAddr(address)}:${d.valueSize}` : undefined,
  };
  if (address !== undefined) {
    node.set = (text) => {
      const t = text.trim();
      let bytes: Uint8Array | string;
      try {
        bytes = /^[0-9a-f]{2}(\s+[0-9a-f]{2})+$/i.test(t) ? bytesFromJson(t, d.valueSize, 'value') : bytesFromJson(rt.evaluate(t).value.toString(), d.valueSize, 'value');
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
      if (typeof bytes === 'string') return bytes;
      return rt.writeMemory(address, bytes);
    };
  }
  return node;
}

export function mapNodes(rt: BpfRuntime): VarNode[] {
  const m = rt.machine;
  return m.maps.map((map): VarNode => {
    const d = map.def;
    const shape = `(key ${d.keySize} B, value ${d.valueSize} B, max ${d.maxEntries})`;
    if (d.type === 'array' && d.maxEntries > PAGED_ARRAY) {
      // Element i of an array, read where it lives: no list of every element is built.
      const element = (i: number): VarNode => {
        const key = new Uint8Array(new Uint32Array([i]).buffer);
        const addr = { hi: 0, lo: 0 };
        const bytes = map.lookup(key, addr) ? m.readMemory((BigInt(addr.hi >>> 0) << 32n) | BigInt(addr.lo >>> 0), d.valueSize) : 'no element';
        return typeof bytes === 'string' ? { name: `[${i}]`, value: `<${bytes}>` } : entryNode(rt, map, key, bytes);
      };
      return {
        name: d.name, value: `${d.type}, ${d.maxEntries} entries ${shape}`, type: d.type,
        indexed: { total: d.maxEntries, make: (start, count) => Array.from({ length: Math.max(0, Math.min(count, d.maxEntries - start)) }, (_, k) => element(start + k)) },
      };
    }
    const count = map.entries().length;
    return {
      name: d.name, value: `${d.type}, ${count} entr${count === 1 ? 'y' : 'ies'} ${shape}`, type: d.type,
      children: () => map.entries().map((e) => entryNode(rt, map, e.key, e.value)),
    };
  });
}
