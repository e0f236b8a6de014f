// Context access rules per program type: which offsets and sizes may be read or written, and
// which loads produce packet pointers. Offsets are the UAPI struct layouts (x86-64).
import type { ProgType } from '../program-types';

export type CtxField = 'scalar' | 'pkt' | 'pkt_end' | 'pkt_meta' | 'flow_keys' | 'sock_common_or_null';

export interface CtxAccessResult {
  ok: boolean;
  field?: CtxField;
}

const BAD: CtxAccessResult = { ok: false };
const SCALAR: CtxAccessResult = { ok: true, field: 'scalar' };

// struct __sk_buff field offsets
const SKB = {
  len: 0, pkt_type: 4, mark: 8, queue_mapping: 12, protocol: 16, vlan_present: 20, vlan_tci: 24,
  vlan_proto: 28, priority: 32, ingress_ifindex: 36, ifindex: 40, tc_index: 44, cb0: 48, cbEnd: 68,
  hash: 68, tc_classid: 72, data: 76, data_end: 80, napi_id: 84, family: 88, remote_ip4: 92,
  local_ip4: 96, remote_ip6: 100, local_ip6: 116, remote_port: 132, local_port: 136, data_meta: 140,
  flow_keys: 144, tstamp: 152, wire_len: 160, gso_segs: 164, sk: 168, gso_size: 176, tstamp_type: 180,
  hwtstamp: 184, size: 192,
} as const;

const inRange = (off: number, start: number, end: number): boolean => off >= start && off < end;

/** Common __sk_buff rules (bpf_skb_is_valid_access). */
function skbValid(off: number, size: number, write: boolean): CtxAccessResult {
  if (off < 0 || off >= SKB.size) return BAD;
  if (off % size !== 0) return BAD;
  if (inRange(off, SKB.cb0, SKB.cbEnd)) return off + size > SKB.cbEnd ? BAD : SCALAR;
  if (inRange(off, SKB.data, SKB.data + 4)) return size !== 4 ? BAD : { ok: true, field: 'pkt' };
  if (inRange(off, SKB.data_end, SKB.data_end + 4)) return size !== 4 ? BAD : { ok: true, field: 'pkt_end' };
  if (inRange(off, SKB.data_meta, SKB.data_meta + 4)) return size !== 4 ? BAD : { ok: true, field: 'pkt_meta' };
  if (inRange(off, SKB.data_meta + 4, SKB.flow_keys)) return BAD;
  if (inRange(off, SKB.flow_keys, SKB.flow_keys + 8)) return size !== 8 ? BAD : { ok: true, field: 'flow_keys' };
  if (inRange(off, SKB.tstamp, SKB.tstamp + 8)) return size !== 8 ? BAD : SCALAR;
  if (inRange(off, SKB.sk, SKB.sk + 8)) return write || size !== 8 ? BAD : { ok: true, field: 'sock_common_or_null' };
  if (inRange(off, SKB.tstamp_type, SKB.tstamp_type + 4)) return BAD;
  if (inRange(off, SKB.tstamp_type + 4, SKB.hwtstamp)) return BAD;
  if (inRange(off, SKB.hwtstamp, SKB.hwtstamp + 8)) return write || size !== 8 ? BAD : SCALAR;
  if (write) return size !== 4 ? BAD : SCALAR;
  return size === 1 || size === 2 || size === 4 ? SCALAR : BAD;
}

function skbDenied(off: number, list: readonly [number, number][]): boolean {
  return list.some(([a, b]) => off >= a && off < b);
}

const F = (name: keyof typeof SKB, len = 4): [number, number] => [SKB[name], SKB[name] + len];

function socketFilter(off: number, size: number, write: boolean): CtxAccessResult {
  if (skbDenied(off, [F('tc_classid'), F('data'), F('data_meta'), F('data_end'), [SKB.family, SKB.local_port + 4],
    F('tstamp', 8), F('wire_len'), F('hwtstamp', 8), F('flow_keys', 8)])) return BAD;
  if (write && !inRange(off, SKB.cb0, SKB.cbEnd)) return BAD;
  return skbValid(off, size, write);
}

function tcClsAct(off: number, size: number, write: boolean): CtxAccessResult {
  if (write) {
    const ok = [F('mark'), F('tc_index'), F('priority'), [SKB.cb0, SKB.cbEnd] as [number, number], F('tc_classid'),
      F('queue_mapping'), F('tstamp', 8)];
    if (!skbDenied(off, ok)) return BAD;
  }
  if (skbDenied(off, [[SKB.family, SKB.local_port + 4], F('flow_keys', 8)])) return BAD;
  if (off === SKB.tstamp_type && size === 1 && !write) return SCALAR;
  return skbValid(off, size, write);
}

function cgroupSkb(off: number, size: number, write: boolean): CtxAccessResult {
  if (skbDenied(off, [F('tc_classid'), F('data_meta'), F('wire_len'), F('flow_keys', 8)])) return BAD;
  if (write) {
    const ok = [F('mark'), F('priority'), [SKB.cb0, SKB.cbEnd] as [number, number]];
    if (!skbDenied(off, ok)) return BAD;
  }
  if (inRange(off, SKB.remote_ip4, SKB.remote_port) && size !== 4) return BAD;
  return skbValid(off, size, write);
}

function lwt(off: number, size: number, write: boolean, xmit: boolean): CtxAccessResult {
  if (skbDenied(off, [F('tc_classid'), [SKB.family, SKB.local_port + 4], F('data_meta'), F('tstamp', 8),
    F('wire_len'), F('hwtstamp', 8), F('flow_keys', 8)])) return BAD;
  if (write) {
    const ok = [F('mark'), F('priority'), [SKB.cb0, SKB.cbEnd] as [number, number]];
    if (xmit) ok.push(F('tc_index'));
    if (!skbDenied(off, ok)) return BAD;
  }
  return skbValid(off, size, write);
}

function xdp(off: number, size: number, write: boolean): CtxAccessResult {
  if (off === 20) return BAD; // egress_ifindex needs a devmap attach type
  if (write) return BAD;
  if (off < 0 || off >= 24 || off % size !== 0 || size !== 4) return BAD;
  if (off === 0) return { ok: true, field: 'pkt' };
  if (off === 4) return { ok: true, field: 'pkt_end' };
  if (off === 8) return { ok: true, field: 'pkt_meta' };
  return SCALAR;
}

function readOnlyAligned(limit: number) {
  return (off: number, size: number, write: boolean): CtxAccessResult => {
    if (off < 0 || off >= limit || write || off % size !== 0) return BAD;
    return SCALAR;
  };
}

function perfEvent(off: number, size: number, write: boolean): CtxAccessResult {
  if (off < 0 || off >= 184 || write || off % size !== 0) return BAD;
  if (off >= 168) return SCALAR;
  return size !== 8 ? BAD : SCALAR;
}

/** Context size for each program type (0 when we do not model its context). */
export function ctxAccess(progType: ProgType, off: number, size: number, write: boolean): CtxAccessResult {
  switch (progType) {
    case 'socket_filter': return socketFilter(off, size, write);
    case 'sched_cls': case 'sched_act': return tcClsAct(off, size, write);
    case 'cgroup_skb': return cgroupSkb(off, size, write);
    case 'lwt_in': case 'lwt_out': return lwt(off, size, write, false);
    case 'lwt_xmit': return lwt(off, size, write, true);
    case 'sk_skb': return tcClsAct(off, size, write);
    case 'xdp': return xdp(off, size, write);
    case 'kprobe': return readOnlyAligned(168)(off, size, write);
    case 'tracepoint': return readOnlyAligned(2048)(off, size, write);
    case 'raw_tracepoint': case 'raw_tracepoint_writable': return readOnlyAligned(96)(off, size, write);
    case 'perf_event': return perfEvent(off, size, write);
    default: return write ? BAD : readOnlyAligned(4096)(off, size, write);
  }
}

/** Whether the program type may read and write packet data directly. */
export function directPacketAccess(progType: ProgType, write: boolean): boolean {
  switch (progType) {
    case 'sched_cls': case 'sched_act': case 'xdp': case 'lwt_xmit': case 'sk_skb': case 'sk_msg':
      return true;
    case 'lwt_in': case 'lwt_out': case 'lwt_seg6local': case 'sk_reuseport': case 'flow_dissector':
    case 'cgroup_skb':
      return !write;
    default:
      return false;
  }
}

/** The return value range the kernel enforces at program exit, if any. */
export function returnRange(progType: ProgType): [number, number] | undefined {
  switch (progType) {
    case 'cgroup_skb': return [0, 1];
    case 'cgroup_sock': case 'cgroup_sock_addr': case 'cgroup_device': case 'cgroup_sysctl':
    case 'cgroup_sockopt': case 'sock_ops':
      return [0, 1];
    case 'sk_lookup': return [0, 1];
    case 'raw_tracepoint': case 'raw_tracepoint_writable': case 'tracing':
      return undefined;
    case 'netfilter': return [0, 1];
    default: return undefined;
  }
}
