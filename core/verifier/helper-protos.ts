// Verifier-side helper prototypes: what each argument register must hold and what R0 becomes.
// Only helpers we model are listed; others are treated as unknown to the verifier.
import type { ProgType } from '../program-types';

export type ArgKind =
  | 'anything' | 'map' | 'key' | 'value' | 'uninit_value' | 'mem' | 'mem_or_null' | 'uninit_mem'
  | 'size' | 'size_or_zero' | 'alloc_size_or_zero' | 'ctx' | 'ringbuf_release' | 'func' | 'stack_or_null'
  | 'sock_common' | 'socket_release' | 'long' | 'const_str' | 'btf_id' | 'dynptr';

export type RetKind =
  | 'integer' | 'void' | 'map_value_or_null' | 'ringbuf_mem_or_null' | 'socket_or_null' | 'btf_task'
  | 'sock_common_or_null' | 'tcp_sock_or_null' | 'mem_or_null';

export interface HelperProto {
  name: string;
  args: ArgKind[];
  ret: RetKind;
  /** Group used for the per-program-type allow list. */
  group: 'base' | 'trace' | 'skb' | 'xdp' | 'sock' | 'tc' | 'cgroup';
  /** For mem args: the arg is only read by the helper (MEM_RDONLY). */
  readonlyArgs?: number[];
  gplOnly?: boolean;
}

const P = (name: string, args: ArgKind[], ret: RetKind, group: HelperProto['group'], readonlyArgs?: number[]): HelperProto =>
  ({ name, args, ret, group, readonlyArgs });

export const HELPER_PROTOS: Record<number, HelperProto> = {
  1: P('bpf_map_lookup_elem', ['map', 'key'], 'map_value_or_null', 'base'),
  2: P('bpf_map_update_elem', ['map', 'key', 'value', 'anything'], 'integer', 'base'),
  3: P('bpf_map_delete_elem', ['map', 'key'], 'integer', 'base'),
  4: P('bpf_probe_read', ['uninit_mem', 'size_or_zero', 'anything'], 'integer', 'trace'),
  5: P('bpf_ktime_get_ns', [], 'integer', 'base'),
  6: P('bpf_trace_printk', ['mem', 'size'], 'integer', 'base', [1]),
  7: P('bpf_get_prandom_u32', [], 'integer', 'base'),
  8: P('bpf_get_smp_processor_id', [], 'integer', 'base'),
  9: P('bpf_skb_store_bytes', ['ctx', 'anything', 'mem', 'size', 'anything'], 'integer', 'tc', [3]),
  10: P('bpf_l3_csum_replace', ['ctx', 'anything', 'anything', 'anything', 'anything'], 'integer', 'tc'),
  11: P('bpf_l4_csum_replace', ['ctx', 'anything', 'anything', 'anything', 'anything'], 'integer', 'tc'),
  12: P('bpf_tail_call', ['ctx', 'map', 'anything'], 'void', 'base'),
  13: P('bpf_clone_redirect', ['ctx', 'anything', 'anything'], 'integer', 'tc'),
  14: P('bpf_get_current_pid_tgid', [], 'integer', 'trace'),
  15: P('bpf_get_current_uid_gid', [], 'integer', 'trace'),
  16: P('bpf_get_current_comm', ['uninit_mem', 'size'], 'integer', 'trace'),
  17: P('bpf_get_cgroup_classid', ['ctx'], 'integer', 'tc'),
  23: P('bpf_redirect', ['anything', 'anything'], 'integer', 'xdp'),
  25: P('bpf_perf_event_output', ['ctx', 'map', 'anything', 'mem', 'size_or_zero'], 'integer', 'trace', [4]),
  26: P('bpf_skb_load_bytes', ['ctx', 'anything', 'uninit_mem', 'size'], 'integer', 'skb'),
  27: P('bpf_get_stackid', ['ctx', 'map', 'anything'], 'integer', 'trace'),
  28: P('bpf_csum_diff', ['mem_or_null', 'size_or_zero', 'mem_or_null', 'size_or_zero', 'anything'], 'integer', 'tc', [1, 3]),
  34: P('bpf_get_hash_recalc', ['ctx'], 'integer', 'tc'),
  35: P('bpf_get_current_task', [], 'integer', 'trace'),
  42: P('bpf_get_numa_node_id', [], 'integer', 'base'),
  44: P('bpf_xdp_adjust_head', ['ctx', 'anything'], 'integer', 'xdp'),
  45: P('bpf_probe_read_str', ['uninit_mem', 'size_or_zero', 'anything'], 'integer', 'trace'),
  46: P('bpf_get_socket_cookie', ['ctx'], 'integer', 'skb'),
  51: P('bpf_redirect_map', ['map', 'anything', 'anything'], 'integer', 'xdp'),
  54: P('bpf_xdp_adjust_meta', ['ctx', 'anything'], 'integer', 'xdp'),
  65: P('bpf_xdp_adjust_tail', ['ctx', 'anything'], 'integer', 'xdp'),
  80: P('bpf_get_current_cgroup_id', [], 'integer', 'trace'),
  87: P('bpf_map_push_elem', ['map', 'value', 'anything'], 'integer', 'base'),
  88: P('bpf_map_pop_elem', ['map', 'uninit_value'], 'integer', 'base'),
  89: P('bpf_map_peek_elem', ['map', 'uninit_value'], 'integer', 'base'),
  112: P('bpf_probe_read_user', ['uninit_mem', 'size_or_zero', 'anything'], 'integer', 'trace'),
  113: P('bpf_probe_read_kernel', ['uninit_mem', 'size_or_zero', 'anything'], 'integer', 'trace'),
  114: P('bpf_probe_read_user_str', ['uninit_mem', 'size_or_zero', 'anything'], 'integer', 'trace'),
  115: P('bpf_probe_read_kernel_str', ['uninit_mem', 'size_or_zero', 'anything'], 'integer', 'trace'),
  118: P('bpf_jiffies64', [], 'integer', 'base'),
  125: P('bpf_ktime_get_boot_ns', [], 'integer', 'base'),
  130: P('bpf_ringbuf_output', ['map', 'mem', 'size_or_zero', 'anything'], 'integer', 'base', [2]),
  131: P('bpf_ringbuf_reserve', ['map', 'alloc_size_or_zero', 'anything'], 'ringbuf_mem_or_null', 'base'),
  132: P('bpf_ringbuf_submit', ['ringbuf_release', 'anything'], 'void', 'base'),
  133: P('bpf_ringbuf_discard', ['ringbuf_release', 'anything'], 'void', 'base'),
  134: P('bpf_ringbuf_query', ['map', 'anything'], 'integer', 'base'),
  160: P('bpf_ktime_get_coarse_ns', [], 'integer', 'base'),
  164: P('bpf_for_each_map_elem', ['map', 'func', 'stack_or_null', 'anything'], 'integer', 'base'),
  181: P('bpf_loop', ['anything', 'func', 'stack_or_null', 'anything'], 'integer', 'base'),
  195: P('bpf_map_lookup_percpu_elem', ['map', 'key', 'anything'], 'map_value_or_null', 'base'),
  208: P('bpf_ktime_get_tai_ns', [], 'integer', 'base'),
};

const SKB_TYPES: ReadonlySet<ProgType> = new Set<ProgType>([
  'socket_filter', 'sched_cls', 'sched_act', 'cgroup_skb', 'lwt_in', 'lwt_out', 'lwt_xmit', 'sk_skb',
  'lwt_seg6local',
]);
const TRACE_TYPES: ReadonlySet<ProgType> = new Set<ProgType>([
  'kprobe', 'tracepoint', 'perf_event', 'raw_tracepoint', 'raw_tracepoint_writable', 'tracing',
]);

/** Whether a program type may call a modelled helper (approximate per-type allow lists). */
export function helperAllowedFor(progType: ProgType, id: number, unprivileged = false): boolean {
  const proto = HELPER_PROTOS[id];
  if (!proto) return false;
  switch (proto.group) {
    case 'base': return true;
    case 'trace':
      // Privileged programs of every type get the perfmon helpers (probe_read_kernel, current task).
      if (TRACE_TYPES.has(progType)) return true;
      if (unprivileged) return false;
      return id !== 4 && id !== 45 && id !== 27 && (id !== 25 || SKB_TYPES.has(progType) || progType === 'xdp');
    case 'skb': return SKB_TYPES.has(progType);
    case 'tc': return progType === 'sched_cls' || progType === 'sched_act' || progType === 'lwt_xmit';
    case 'xdp':
      if (id === 23) return progType === 'xdp' || progType === 'sched_cls' || progType === 'sched_act' || progType === 'lwt_xmit';
      return progType === 'xdp';
    default: return true;
  }
}
