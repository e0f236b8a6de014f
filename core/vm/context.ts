// Program contexts as programs observe them: xdp_md and __sk_buff with the kernel's field rewriting
// (32-bit fields holding 64-bit packet pointers), pt_regs, raw tracepoint bytes, and the
// conformance convention (r1 = memory, r2 = its length).
import type { ProgType } from '../program-types';
import { HI_CTX, HI_DATA, HI_PACKET, LO_BASE, type ContextAccess, type Region } from './memory';
import type { Machine } from './machine';
import { ctxElementAt, ctxElementNamed, ctxField, PERF_EVENT_DATA, PT_REGS, SK_BUFF, XDP_MD } from '../ctx-layouts';

export interface RunInput {
  /** Packet bytes, from the Ethernet header (xdp, socket filter, tc, cgroup_skb). */
  packet?: Uint8Array;
  /** Raw context bytes: the whole ctx for raw types, or an xdp_md / __sk_buff as BPF_PROG_TEST_RUN's ctx_in. */
  ctx?: Uint8Array;
  /** Context fields by name (`mark`, `cb` (array), `ingress_ifindex`; pt_regs names `di`, `si`...). */
  ctxFields?: Record<string, number | bigint | string | (number | bigint | string)[]>;
  /** Conformance convention: r1 = address of these bytes, r2 = their length. */
  mem?: Uint8Array;
}

export interface PacketState {
  /** The whole buffer: headroom, packet, tailroom. */
  buf: Uint8Array;
  meta: number;
  data: number;
  end: number;
  region: Region;
}

export interface BuiltContext {
  r1l: number;
  r1h: number;
  r2?: number;
  error?: string;
  /** For LD_ABS / LD_IND and skb helpers: skb->data and friends. */
  skbData?: { bytes: Uint8Array; resolveAbs(off: number, size: number): number };
  packet?: PacketState;
  kind: 'xdp' | 'skb' | 'raw' | 'mem' | 'none';
  /** __sk_buff / xdp_md values the helpers need. */
  fields: Map<string, number>;
  /** Moves the packet's bounds (adjust_head/tail/meta); returns false when out of range. */
  setBounds?(meta: number, data: number, end: number): boolean;
  after(): { packet?: Uint8Array; ctx?: Uint8Array };
}

export const XDP_HEADROOM = 256;
const FRAME_SIZE = 4096;
const TAILROOM = 320;
const XDP_FRAME_SIZE = 40;
const ETH_HLEN = 14;

const SKB_TYPES: ReadonlySet<string> = new Set(['socket_filter', 'sched_cls', 'sched_act', 'cgroup_skb', 'lwt_in', 'lwt_out', 'lwt_xmit', 'sk_skb']);
const RAW_TYPES: ReadonlySet<string> = new Set(['kprobe', 'tracepoint', 'perf_event', 'raw_tracepoint', 'raw_tracepoint_writable', 'tracing', 'syscall', 'lsm']);

/** The __sk_buff fields programs may write (the verifier narrows this per program type). */
const SKB_WRITABLE: ReadonlySet<string> = new Set(['mark', 'queue_mapping', 'priority', 'tc_index', 'cb', 'tc_classid', 'tstamp']);
/** Fields the kernel keeps in 16 bits. */
const SKB_U16: ReadonlySet<string> = new Set(['tc_index', 'tc_classid', 'queue_mapping']);
const skbAt = (name: string): number => ctxField(SK_BUFF, name).offset;
const xdpAt = (name: string): number => ctxField(XDP_MD, name).offset;

const toNum = (v: number | bigint | string): bigint => (typeof v === 'bigint' ? v : BigInt(v));

export function buildContext(m: Machine, input: RunInput): BuiltContext {
  const type = m.options.progType;
  const none: BuiltContext = { r1l: 0, r1h: 0, kind: 'none', fields: new Map(), after: () => ({}) };
  if (type === 'xdp') return xdpContext(m, input);
  if (type && SKB_TYPES.has(type)) return skbContext(m, input, type);
  if (type && RAW_TYPES.has(type) || input.ctx || input.ctxFields) return rawContext(m, input, type);
  if (input.mem || !type) {
    const mem = input.mem ?? new Uint8Array(0);
    const region = m.space.add(HI_DATA, 'memory (r1)', 'mem', mem, { transient: true });
    return { ...none, kind: 'mem', r1l: region.lo | 0, r1h: region.hi, r2: mem.length, after: () => ({}) };
  }
  return none;
}

function rawContext(m: Machine, input: RunInput, type: ProgType | undefined): BuiltContext {
  const fail = (error: string): BuiltContext => ({ r1l: 0, r1h: 0, kind: 'raw', fields: new Map(), error, after: () => ({}) });
  const fields = input.ctxFields ?? {};
  let bytes: Uint8Array;
  if (input.ctx) bytes = input.ctx.slice();
  else if (Array.isArray(fields.args)) {
    // raw_tracepoint and tracing programs: an array of u64 arguments.
    bytes = new Uint8Array(8 * fields.args.length);
    const dv = new DataView(bytes.buffer);
    fields.args.forEach((v, i) => dv.setBigUint64(8 * i, BigInt.asUintN(64, toNum(v)), true));
  } else if (type === 'kprobe' || type === 'perf_event' || Object.keys(fields).some((k) => PT_REGS.fields.some((x) => x.name === k))) {
    // struct pt_regs; perf_event programs get bpf_perf_event_data (pt_regs, sample_period, addr).
    const perf = type === 'perf_event';
    const layout = [...PT_REGS.fields, ...(perf ? PERF_EVENT_DATA.fields.filter((x) => x.name !== 'regs') : [])];
    bytes = new Uint8Array(perf ? PERF_EVENT_DATA.size : PT_REGS.size);
    const dv = new DataView(bytes.buffer);
    for (const [name, v] of Object.entries(fields)) {
      const fld = layout.find((x) => x.name === name);
      if (!fld || Array.isArray(v)) return fail(`${perf ? 'bpf_perf_event_data' : 'pt_regs'} has no field '${name}' (fields: ${layout.map((x) => x.name).join(', ')})`);
      dv.setBigUint64(fld.offset, BigInt.asUintN(64, toNum(v)), true);
    }
  } else if (Object.keys(fields).length) {
    return fail(`a ${type ?? 'raw'} context takes raw bytes (--ctx "hex"), pt_regs fields or {"args": [...]}`);
  } else bytes = new Uint8Array(0);
  const writable = type === 'raw_tracepoint_writable' || type === 'syscall' || type === undefined;
  const region = m.space.add(HI_CTX, 'context', 'ctx', bytes, { writable, transient: true });
  return { r1l: region.lo | 0, r1h: region.hi, kind: 'raw', fields: new Map(), after: () => ({ ctx: region.bytes.slice() }) };
}

/** The packet in a frame with headroom; the region covers [meta, end). */
function packetState(m: Machine, packet: Uint8Array, headroom: number): PacketState {
  const buf = new Uint8Array(Math.max(FRAME_SIZE, headroom + packet.length + TAILROOM));
  buf.set(packet, headroom);
  const region = m.space.add(HI_PACKET, 'packet', 'packet', buf.subarray(headroom, headroom + packet.length), { lo: LO_BASE + headroom, transient: true });
  return { buf, meta: headroom, data: headroom, end: headroom + packet.length, region };
}

function setBounds(m: Machine, p: PacketState, meta: number, data: number, end: number): void {
  p.meta = meta; p.data = data; p.end = end;
  m.space.rebase(p.region, p.buf.subarray(meta, end), LO_BASE + meta);
}

function xdpContext(m: Machine, input: RunInput): BuiltContext {
  const packet = input.packet ?? new Uint8Array(0);
  const fields = new Map<string, number>([['ingress_ifindex', 1], ['rx_queue_index', 0], ['egress_ifindex', 0]]);
  let metaLen = 0;
  if (input.ctx) {
    const dv = new DataView(input.ctx.buffer, input.ctx.byteOffset, input.ctx.byteLength);
    const has = (name: string): boolean => input.ctx!.length >= xdpAt(name) + 4;
    if (has('data_meta')) metaLen = dv.getUint32(xdpAt('data_meta'), true);
    if (has('ingress_ifindex')) fields.set('ingress_ifindex', dv.getUint32(xdpAt('ingress_ifindex'), true) || 1);
    if (has('rx_queue_index')) fields.set('rx_queue_index', dv.getUint32(xdpAt('rx_queue_index'), true));
  }
  for (const [k, v] of Object.entries(input.ctxFields ?? {})) {
    if (!XDP_MD.fields.some((x) => x.name === k) || Array.isArray(v)) return { r1l: 0, r1h: 0, kind: 'xdp', fields, error: `xdp_md has no field '${k}' a run can set`, after: () => ({}) };
    fields.set(k, Number(toNum(v)));
  }
  const p = packetState(m, packet, XDP_HEADROOM);
  if (metaLen) setBounds(m, p, p.data - metaLen, p.data, p.end);
  // the packet region of this run (each run adds its own, so its high word is not always HI_PACKET)
  const ptr = (off: number, res: { hi: number }): number => { res.hi = p.region.hi; return (LO_BASE + off) | 0; };
  const access: ContextAccess = {
    load(off, size, res) {
      res.hi = 0;
      const name = ctxElementAt(XDP_MD, off)?.field.name;
      if (!name || size !== 4) return `invalid bpf_context access off=${off} size=${size}`;
      switch (name) {
        case 'data': return ptr(p.data, res);
        case 'data_end': return ptr(p.end, res);
        case 'data_meta': return ptr(p.meta, res);
        default: return fields.get(name)!;
      }
    },
    store(off, size) { return `invalid bpf_context access off=${off} size=${size} (xdp_md is read-only)`; },
  };
  const region = m.space.add(HI_CTX, 'context (xdp_md)', 'ctx', new Uint8Array(XDP_MD.size), { plain: false, ctx: access, transient: true });
  return {
    r1l: region.lo | 0, r1h: region.hi, kind: 'xdp', fields, packet: p,
    setBounds: (meta, data, end) => {
      if (meta > data || data > end || meta < XDP_FRAME_SIZE || end > p.buf.length - TAILROOM) return false;
      setBounds(m, p, meta, data, end);
      return true;
    },
    // BPF_PROG_TEST_RUN hands back the packet from the metadata on.
    after: () => ({ packet: p.buf.slice(p.meta, p.end) }),
  };
}

function skbContext(m: Machine, input: RunInput, type: ProgType): BuiltContext {
  const packet = input.packet ?? new Uint8Array(0);
  const isL2 = type === 'sched_cls' || type === 'sched_act';
  const ctxBytes = new Uint8Array(SK_BUFF.size);
  if (input.ctx) ctxBytes.set(input.ctx.subarray(0, SK_BUFF.size));
  const cdv = new DataView(ctxBytes.buffer);
  const put = (off: number, size: number, v: number | bigint | string): void => {
    if (size === 8) cdv.setBigUint64(off, BigInt.asUintN(64, toNum(v)), true);
    else if (size === 1) cdv.setUint8(off, Number(BigInt.asUintN(8, toNum(v))));
    else cdv.setUint32(off, Number(BigInt.asUintN(32, toNum(v))), true);
  };
  for (const [k, v] of Object.entries(input.ctxFields ?? {})) {
    const el = ctxElementNamed(SK_BUFF, k);
    // an array field takes an array of its elements (`cb: [1, 2]`), an element a number (`cb[1]`, `cb1`)
    const whole = el && el.field.count !== undefined && Array.isArray(v) && el.field.name === k;
    if (!el || (Array.isArray(v) && !whole)) return { r1l: 0, r1h: 0, kind: 'skb', fields: new Map(), error: `__sk_buff has no field '${k}'`, after: () => ({}) };
    if (Array.isArray(v)) v.slice(0, el.field.count).forEach((x, i) => put(el.offset + i * el.size, el.size, x));
    else put(el.offset, el.size, v);
  }
  // Fields the kernel derives from the packet (as BPF_PROG_TEST_RUN's skb setup does).
  const dv = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const ethType = packet.length >= ETH_HLEN ? dv.getUint16(12, false) : 0;
  const set = (name: string, v: number): void => cdv.setUint32(skbAt(name), v >>> 0, true);
  const hdr = isL2 ? 0 : Math.min(ETH_HLEN, packet.length);
  set('len', packet.length - hdr);
  if (!cdv.getUint32(skbAt('wire_len'), true)) set('wire_len', packet.length - hdr);
  set('protocol', ((ethType & 0xff) << 8) | (ethType >> 8));
  const dst = packet.subarray(0, 6);
  const pktType = packet.length < 6 ? 0 : dst.every((b) => b === 0xff) ? 1 : dst[0] & 1 ? 2 : dst.every((b) => b === 0) ? 0 : 3;
  set('pkt_type', pktType);
  if (!cdv.getUint32(skbAt('ifindex'), true)) set('ifindex', 1);
  if (ethType === 0x0800 && packet.length >= ETH_HLEN + 20) {
    set('family', 2);
    cdv.setUint32(skbAt('local_ip4'), dv.getUint32(ETH_HLEN + 12, true), true);
    cdv.setUint32(skbAt('remote_ip4'), dv.getUint32(ETH_HLEN + 16, true), true);
  } else if (ethType === 0x86dd && packet.length >= ETH_HLEN + 40) {
    set('family', 10);
    for (let i = 0; i < 4; i++) {
      cdv.setUint32(skbAt('local_ip6') + 4 * i, dv.getUint32(ETH_HLEN + 8 + 4 * i, true), true);
      cdv.setUint32(skbAt('remote_ip6') + 4 * i, dv.getUint32(ETH_HLEN + 24 + 4 * i, true), true);
    }
  }
  const p = packetState(m, packet, XDP_HEADROOM);
  setBounds(m, p, p.data + hdr, p.data + hdr, p.end);
  const macStart = XDP_HEADROOM;
  const pointerField = new Map([[skbAt('data'), 'data'], [skbAt('data_end'), 'data_end'], [skbAt('data_meta'), 'data_meta']]);
  const access: ContextAccess = {
    load(off, size, res) {
      res.hi = 0;
      const bad = `invalid bpf_context access off=${off} size=${size}`;
      if (off < 0 || off + size > SK_BUFF.size) return bad;
      const ptrName = pointerField.get(off);
      if (ptrName) {
        if (size !== 4) return bad;
        res.hi = p.region.hi;
        return (LO_BASE + (ptrName === 'data_end' ? p.end : p.data)) | 0;
      }
      const f = ctxElementAt(SK_BUFF, off - (off % 4))?.field;
      if (f && f.size === 8 && (size !== 8 || off % 8 !== 0) && f.name !== 'tstamp' && f.name !== 'hwtstamp') return bad;
      if (size === 8) { res.hi = cdv.getInt32(off + 4, true); return cdv.getInt32(off, true); }
      if (size === 4) return cdv.getInt32(off, true);
      if (size === 2) return cdv.getUint16(off, true);
      return cdv.getUint8(off);
    },
    store(off, size, lo, hi) {
      const el = ctxElementAt(SK_BUFF, off - (off % 4));
      if (!el || !SKB_WRITABLE.has(el.field.name) || off + size > SK_BUFF.size) return `invalid bpf_context access off=${off} size=${size} (this __sk_buff field is read-only)`;
      // tc_index, tc_classid and queue_mapping are 16-bit in the kernel; queue_mapping ignores values >= 0xffff.
      if (SKB_U16.has(el.field.name)) {
        if (el.field.name === 'queue_mapping' && (hi !== 0 || (lo >>> 0) >= 0xffff)) return undefined;
        cdv.setUint32(el.offset, lo & 0xffff, true);
        return undefined;
      }
      if (size === 8) { cdv.setInt32(off, lo, true); cdv.setInt32(off + 4, hi, true); }
      else if (size === 4) cdv.setInt32(off, lo, true);
      else if (size === 2) cdv.setUint16(off, lo & 0xffff, true);
      else cdv.setUint8(off, lo & 0xff);
      return undefined;
    },
  };
  const region = m.space.add(HI_CTX, 'context (__sk_buff)', 'ctx', ctxBytes, { plain: false, ctx: access, transient: true });
  const fields = new Map<string, number>([['mark', 0], ['ifindex', 1]]);
  return {
    r1l: region.lo | 0, r1h: region.hi, kind: 'skb', fields, packet: p,
    skbData: {
      get bytes() { return p.buf; },
      resolveAbs(off: number, size: number): number {
        // SKF_NET_OFF and SKF_LL_OFF select the network and the link-layer header.
        let base = p.data;
        if (off >= -0x200000 && off < -0x100000) { base = macStart; off += 0x200000; }
        else if (off >= -0x100000 && off < 0) { base = macStart + ETH_HLEN; off += 0x100000; }
        if (off < 0 || base + off + size > p.end) return -1;
        return base + off;
      },
    },
    setBounds: (meta, data, end) => {
      if (meta > data || data > end || meta < 0 || end > p.buf.length - TAILROOM) return false;
      setBounds(m, p, meta, data, end);
      return true;
    },
    after: () => {
      cdv.setUint32(skbAt('len'), p.end - p.data, true);
      const out = p.buf.slice(macStart, p.end);
      // BPF_PROG_TEST_RUN zeroes the link-layer header it pulled for programs that do not see it.
      if (!isL2) out.fill(0, 0, Math.min(ETH_HLEN, out.length));
      return { packet: out, ctx: ctxBytes.slice() };
    },
  };
}
