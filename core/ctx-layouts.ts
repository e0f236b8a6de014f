// The context structs programs receive (UAPI layouts on x86-64): the one table of their offsets and
// sizes. The verifier and the VM keep only their access rules and look fields up here; hovers, inlay
// hints and the debugger name fields from it. test/ctx-layouts.test.ts checks it against clang.
import type { ProgType } from './program-types';

export interface CtxField {
  name: string;
  offset: number;
  size: number;
  /** Repeated elements (cb[5], remote_ip6[4]). */
  count?: number;
}

export interface CtxStruct {
  name: string;
  size: number;
  fields: readonly CtxField[];
}

const f = (name: string, offset: number, size = 4, count?: number): CtxField => ({ name, offset, size, count });

export const XDP_MD: CtxStruct = {
  name: 'xdp_md',
  size: 24,
  fields: [f('data', 0), f('data_end', 4), f('data_meta', 8), f('ingress_ifindex', 12), f('rx_queue_index', 16), f('egress_ifindex', 20)],
};

export const SK_BUFF: CtxStruct = {
  name: '__sk_buff',
  size: 192,
  fields: [
    f('len', 0), f('pkt_type', 4), f('mark', 8), f('queue_mapping', 12), f('protocol', 16), f('vlan_present', 20),
    f('vlan_tci', 24), f('vlan_proto', 28), f('priority', 32), f('ingress_ifindex', 36), f('ifindex', 40),
    f('tc_index', 44), f('cb', 48, 4, 5), f('hash', 68), f('tc_classid', 72), f('data', 76), f('data_end', 80),
    f('napi_id', 84), f('family', 88), f('remote_ip4', 92), f('local_ip4', 96), f('remote_ip6', 100, 4, 4),
    f('local_ip6', 116, 4, 4), f('remote_port', 132), f('local_port', 136), f('data_meta', 140), f('flow_keys', 144, 8),
    f('tstamp', 152, 8), f('wire_len', 160), f('gso_segs', 164), f('sk', 168, 8), f('gso_size', 176),
    f('tstamp_type', 180, 1), f('hwtstamp', 184, 8),
  ],
};

/** x86-64, with the kernel's member names (`di`, `ip`) that BPF programs see, not the UAPI's (`rdi`, `rip`). */
export const PT_REGS: CtxStruct = {
  name: 'pt_regs',
  size: 168,
  fields: ['r15', 'r14', 'r13', 'r12', 'bp', 'bx', 'r11', 'r10', 'r9', 'r8', 'ax', 'cx', 'dx', 'si', 'di', 'orig_ax', 'ip', 'cs', 'flags', 'sp', 'ss']
    .map((name, i) => f(name, i * 8, 8)),
};

/** perf_event programs: the registers, then the sample period and address. */
export const PERF_EVENT_DATA: CtxStruct = {
  name: 'bpf_perf_event_data',
  size: 184,
  fields: [f('regs', 0, 168), f('sample_period', 168, 8), f('addr', 176, 8)],
};

export const SOCK_ADDR: CtxStruct = {
  name: 'bpf_sock_addr',
  size: 72,
  fields: [
    f('user_family', 0), f('user_ip4', 4), f('user_ip6', 8, 4, 4), f('user_port', 24), f('family', 28), f('type', 32),
    f('protocol', 36), f('msg_src_ip4', 40), f('msg_src_ip6', 44, 4, 4), f('sk', 64, 8),
  ],
};

export const SOCK: CtxStruct = {
  name: 'bpf_sock',
  size: 80,
  fields: [
    f('bound_dev_if', 0), f('family', 4), f('type', 8), f('protocol', 12), f('mark', 16), f('priority', 20),
    f('src_ip4', 24), f('src_ip6', 28, 4, 4), f('src_port', 44), f('dst_port', 48, 2), f('dst_ip4', 52), f('dst_ip6', 56, 4, 4),
    f('state', 72), f('rx_queue_mapping', 76),
  ],
};

/** What bpf_tcp_sock() returns (read-only through the verifier's tcp_sock pointers). */
export const TCP_SOCK: CtxStruct = {
  name: 'bpf_tcp_sock',
  size: 112,
  fields: [
    ...['snd_cwnd', 'srtt_us', 'rtt_min', 'snd_ssthresh', 'rcv_nxt', 'snd_nxt', 'snd_una', 'mss_cache', 'ecn_flags',
      'rate_delivered', 'rate_interval_us', 'packets_out', 'retrans_out', 'total_retrans', 'segs_in', 'data_segs_in',
      'segs_out', 'data_segs_out', 'lost_out', 'sacked_out'].map((name, i) => f(name, i * 4)),
    f('bytes_received', 80, 8), f('bytes_acked', 88, 8),
    ...['dsack_dups', 'delivered', 'delivered_ce', 'icsk_retransmits'].map((name, i) => f(name, 96 + i * 4)),
  ],
};

const BY_TYPE: Partial<Record<ProgType, CtxStruct>> = {
  xdp: XDP_MD,
  socket_filter: SK_BUFF, sched_cls: SK_BUFF, sched_act: SK_BUFF, cgroup_skb: SK_BUFF, lwt_in: SK_BUFF,
  lwt_out: SK_BUFF, lwt_xmit: SK_BUFF, lwt_seg6local: SK_BUFF, sk_skb: SK_BUFF,
  kprobe: PT_REGS, perf_event: PT_REGS,
  cgroup_sock_addr: SOCK_ADDR, cgroup_sock: SOCK,
};

export function ctxStruct(progType: ProgType | undefined): CtxStruct | undefined {
  return progType ? BY_TYPE[progType] : undefined;
}

/** `xdp_md->data_end`, `__sk_buff->cb[2]`, or `pt_regs->di+4` for an access inside a field. */
export function ctxFieldName(progType: ProgType | undefined, offset: number): string | undefined {
  const s = ctxStruct(progType);
  if (!s) return undefined;
  for (const fld of s.fields) {
    const span = fld.size * (fld.count ?? 1);
    if (offset < fld.offset || offset >= fld.offset + span) continue;
    const rel = offset - fld.offset;
    const index = fld.count ? `[${Math.floor(rel / fld.size)}]` : '';
    const inner = rel % fld.size;
    return `${s.name}->${fld.name}${index}${inner ? `+${inner}` : ''}`;
  }
  return undefined;
}

const fieldIndex = new WeakMap<CtxStruct, Map<string, CtxField>>();

/** The field named `name` of a struct; throws on a name the table lacks (a typo in a rule). */
export function ctxField(s: CtxStruct, name: string): CtxField {
  let byName = fieldIndex.get(s);
  if (!byName) fieldIndex.set(s, byName = new Map(s.fields.map((x) => [x.name, x])));
  const fld = byName.get(name);
  if (!fld) throw new Error(`${s.name} has no field ${name}`);
  return fld;
}

/** Where a field starts and ends (all its elements): [offset, offset + size * count). */
export function ctxSpan(s: CtxStruct, name: string): [start: number, end: number] {
  const fld = ctxField(s, name);
  return [fld.offset, fld.offset + fld.size * (fld.count ?? 1)];
}

export interface CtxElement {
  field: CtxField;
  /** The array index, 0 for a plain field. */
  index: number;
  offset: number;
  size: number;
}

/** The field or array element starting at byte `offset`, if one does. */
export function ctxElementAt(s: CtxStruct, offset: number): CtxElement | undefined {
  for (const fld of s.fields) {
    const rel = offset - fld.offset;
    if (rel < 0 || rel >= fld.size * (fld.count ?? 1) || rel % fld.size !== 0) continue;
    return { field: fld, index: rel / fld.size, offset, size: fld.size };
  }
  return undefined;
}

/** A field or array element by name: `mark`, `cb[2]`, or the element spellings `cb2` and `remote_ip6_1`. */
export function ctxElementNamed(s: CtxStruct, name: string): CtxElement | undefined {
  const direct = s.fields.find((x) => x.name === name);
  if (direct) return { field: direct, index: 0, offset: direct.offset, size: direct.size };
  const m = /^(\w+?)(?:\[(\d+)\]|_?(\d+))$/.exec(name);
  const fld = m ? s.fields.find((x) => x.name === m[1] && x.count !== undefined) : undefined;
  if (!m || !fld) return undefined;
  const index = Number(m[2] ?? m[3]);
  if (index >= fld.count!) return undefined;
  return { field: fld, index, offset: fld.offset + index * fld.size, size: fld.size };
}
