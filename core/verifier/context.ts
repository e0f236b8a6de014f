// Context access rules per program type: which offsets and sizes may be read or written, and
// which loads produce packet pointers. Offsets and sizes come from the struct layouts in core/ctx-layouts.
import { ctxField, ctxSpan, PERF_EVENT_DATA, PT_REGS, SK_BUFF, XDP_MD } from '../ctx-layouts';
import type { ProgType } from '../program-types';

export type CtxField = 'scalar' | 'pkt' | 'pkt_end' | 'pkt_meta' | 'flow_keys' | 'sock_common_or_null';

export interface CtxAccessResult {
  ok: boolean;
  field?: CtxField;
}

const BAD: CtxAccessResult = { ok: false };
const SCALAR: CtxAccessResult = { ok: true, field: 'scalar' };

const SKB = SK_BUFF;
const at = (name: string): number => ctxField(SKB, name).offset;
const end = (name: string): number => ctxSpan(SKB, name)[1];
/** A field's byte range, for the allow and deny lists below. */
const F = (name: string): [number, number] => ctxSpan(SKB, name);
/** From the start of one field to the end of another. */
const FROM = (first: string, last: string): [number, number] => [at(first), end(last)];

const inRange = (off: number, start: number, stop: number): boolean => off >= start && off < stop;
const inField = (off: number, name: string): boolean => inRange(off, ...F(name));

/** Common __sk_buff rules (bpf_skb_is_valid_access). */
function skbValid(off: number, size: number, write: boolean): CtxAccessResult {
  if (off < 0 || off >= SKB.size) return BAD;
  if (off % size !== 0) return BAD;
  if (inField(off, 'cb')) return off + size > end('cb') ? BAD : SCALAR;
  if (inField(off, 'data')) return size !== 4 ? BAD : { ok: true, field: 'pkt' };
  if (inField(off, 'data_end')) return size !== 4 ? BAD : { ok: true, field: 'pkt_end' };
  if (inField(off, 'data_meta')) return size !== 4 ? BAD : { ok: true, field: 'pkt_meta' };
  if (inRange(off, end('data_meta'), at('flow_keys'))) return BAD;
  if (inField(off, 'flow_keys')) return size !== 8 ? BAD : { ok: true, field: 'flow_keys' };
  if (inField(off, 'tstamp')) return size !== 8 ? BAD : SCALAR;
  if (inField(off, 'sk')) return write || size !== 8 ? BAD : { ok: true, field: 'sock_common_or_null' };
  // tstamp_type and the padding after it (tc reads the byte itself before these rules)
  if (inRange(off, at('tstamp_type'), at('hwtstamp'))) return BAD;
  if (inField(off, 'hwtstamp')) return write || size !== 8 ? BAD : SCALAR;
  if (write) return size !== 4 ? BAD : SCALAR;
  return size === 1 || size === 2 || size === 4 ? SCALAR : BAD;
}

function skbDenied(off: number, list: readonly [number, number][]): boolean {
  return list.some(([a, b]) => off >= a && off < b);
}

function socketFilter(off: number, size: number, write: boolean): CtxAccessResult {
  if (skbDenied(off, [F('tc_classid'), F('data'), F('data_meta'), F('data_end'), FROM('family', 'local_port'),
    F('tstamp'), F('wire_len'), F('hwtstamp'), F('flow_keys')])) return BAD;
  if (write && !inField(off, 'cb')) return BAD;
  return skbValid(off, size, write);
}

function tcClsAct(off: number, size: number, write: boolean): CtxAccessResult {
  if (write) {
    const ok = [F('mark'), F('tc_index'), F('priority'), F('cb'), F('tc_classid'), F('queue_mapping'), F('tstamp')];
    if (!skbDenied(off, ok)) return BAD;
  }
  if (skbDenied(off, [FROM('family', 'local_port'), F('flow_keys')])) return BAD;
  if (off === at('tstamp_type') && size === 1 && !write) return SCALAR;
  return skbValid(off, size, write);
}

/** cg_skb_is_valid_access: packet pointers, and writing tstamp, need CAP_BPF. */
function cgroupSkb(off: number, size: number, write: boolean, bpfCapable: boolean): CtxAccessResult {
  if (skbDenied(off, [F('tc_classid'), F('data_meta'), F('wire_len'), F('flow_keys')])) return BAD;
  if (!bpfCapable && skbDenied(off, [F('data'), F('data_end')])) return BAD;
  if (write) {
    const ok = [F('mark'), F('priority'), F('cb')];
    if (bpfCapable) ok.push(F('tstamp'));
    if (!skbDenied(off, ok)) return BAD;
  }
  if (inRange(off, at('remote_ip4'), at('remote_port')) && size !== 4) return BAD;
  return skbValid(off, size, write);
}

function lwt(off: number, size: number, write: boolean, xmit: boolean): CtxAccessResult {
  if (skbDenied(off, [F('tc_classid'), FROM('family', 'local_port'), F('data_meta'), F('tstamp'),
    F('wire_len'), F('hwtstamp'), F('flow_keys')])) return BAD;
  if (write) {
    const ok = [F('mark'), F('priority'), F('cb')];
    if (xmit) ok.push(F('tc_index'));
    if (!skbDenied(off, ok)) return BAD;
  }
  return skbValid(off, size, write);
}

function xdp(off: number, size: number, write: boolean): CtxAccessResult {
  const xdpAt = (name: string): number => ctxField(XDP_MD, name).offset;
  if (off === xdpAt('egress_ifindex')) return BAD; // needs a devmap attach type
  if (write) return BAD;
  if (off < 0 || off >= XDP_MD.size || off % size !== 0 || size !== 4) return BAD;
  if (off === xdpAt('data')) return { ok: true, field: 'pkt' };
  if (off === xdpAt('data_end')) return { ok: true, field: 'pkt_end' };
  if (off === xdpAt('data_meta')) return { ok: true, field: 'pkt_meta' };
  return SCALAR;
}

function readOnlyAligned(limit: number) {
  return (off: number, size: number, write: boolean): CtxAccessResult => {
    if (off < 0 || off >= limit || write || off % size !== 0) return BAD;
    return SCALAR;
  };
}

/** bpf_perf_event_data: the registers are read whole, sample_period and addr in any aligned size. */
function perfEvent(off: number, size: number, write: boolean): CtxAccessResult {
  if (off < 0 || off >= PERF_EVENT_DATA.size || write || off % size !== 0) return BAD;
  if (off >= ctxField(PERF_EVENT_DATA, 'sample_period').offset) return SCALAR;
  return size !== 8 ? BAD : SCALAR;
}

/** Raw tracepoints see up to 12 u64 arguments (MAX_BPF_FUNC_ARGS); tracepoints a record of up to PERF_MAX_TRACE_SIZE. */
const RAW_TP_ARGS_SIZE = 12 * 8;
const TRACEPOINT_MAX_SIZE = 2048;

/** Context size for each program type (0 when we do not model its context). */
export function ctxAccess(progType: ProgType, off: number, size: number, write: boolean, bpfCapable = true): CtxAccessResult {
  switch (progType) {
    case 'socket_filter': return socketFilter(off, size, write);
    case 'sched_cls': case 'sched_act': return tcClsAct(off, size, write);
    case 'cgroup_skb': return cgroupSkb(off, size, write, bpfCapable);
    case 'lwt_in': case 'lwt_out': return lwt(off, size, write, false);
    case 'lwt_xmit': return lwt(off, size, write, true);
    case 'sk_skb': return tcClsAct(off, size, write);
    case 'xdp': return xdp(off, size, write);
    case 'kprobe': return readOnlyAligned(PT_REGS.size)(off, size, write);
    case 'tracepoint': return readOnlyAligned(TRACEPOINT_MAX_SIZE)(off, size, write);
    case 'raw_tracepoint': case 'raw_tracepoint_writable': return readOnlyAligned(RAW_TP_ARGS_SIZE)(off, size, write);
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
