// The verifier's prototype of every helper (struct bpf_func_proto in the kernel: argument and return
// types, gpl_only, pkt_access, might_sleep), as of Linux 6.18. Where a helper has program-type
// specific prototypes the common one is given and the others are listed as variants.

import type { ProgType } from '../program-types';
import { helperByName, helperById } from './table';
import { parseArgType, parseRetType, type ArgSpec, type RetSpec } from './proto-types';

export interface ProtoVariant {
  /** Program types that get this prototype instead of the common one. */
  progTypes: readonly ProgType[];
  args: readonly ArgSpec[];
  ret?: RetSpec;
}

export interface HelperProto {
  id: number;
  name: string;
  ret: RetSpec;
  /** Arguments actually used (trailing ARG_DONTCARE dropped); at most five. */
  args: readonly ArgSpec[];
  gplOnly: boolean;
  pktAccess: boolean;
  mightSleep: boolean;
  variants: readonly ProtoVariant[];
}

// Shorthands for the table below; each is the kernel's own spelling.
const MAP = 'ARG_CONST_MAP_PTR';
const KEY = 'ARG_PTR_TO_MAP_KEY';
const VAL = 'ARG_PTR_TO_MAP_VALUE';
const CTX = 'ARG_PTR_TO_CTX';
const ANY = 'ARG_ANYTHING';
const SIZE = 'ARG_CONST_SIZE';
const SIZE0 = 'ARG_CONST_SIZE_OR_ZERO';
const MEM = 'ARG_PTR_TO_MEM';
const RO = 'ARG_PTR_TO_MEM | MEM_RDONLY';
const RO_NULL = 'ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY';
const WR = 'ARG_PTR_TO_MEM | MEM_WRITE';
const UNINIT = 'ARG_PTR_TO_UNINIT_MEM';
const SOCK = 'ARG_PTR_TO_SOCK_COMMON';
const BTF_SOCK = 'ARG_PTR_TO_BTF_ID_SOCK_COMMON';
const FUNC = 'ARG_PTR_TO_FUNC';
const STACK_NULL = 'ARG_PTR_TO_STACK_OR_NULL';
const TIMER = 'ARG_PTR_TO_TIMER';
const OUT_U64 = 'ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED';

/** An argument needing argN_size or argN_btf_id. */
interface ArgWith { t: string; size?: number; btf?: string }
type ArgIn = string | ArgWith;
const btf = (name: string, t = 'ARG_PTR_TO_BTF_ID'): ArgWith => ({ t, btf: name });
const fixed = (t: string, size: number): ArgWith => ({ t, size });

const INT = 'RET_INTEGER';
const VOID = 'RET_VOID';
const MAP_VALUE_OR_NULL = 'RET_PTR_TO_MAP_VALUE_OR_NULL';
const BTF_OR_NULL = 'RET_PTR_TO_BTF_ID_OR_NULL';

/** gpl: gpl_only; pkt: pkt_access; sleep: might_sleep. */
type Opt = 'gpl' | 'pkt' | 'sleep';
interface Row {
  name: string;
  ret: string;
  retBtf?: string;
  args: ArgIn[];
  opts?: Opt[];
  variants?: { progTypes: ProgType[]; args: ArgIn[] }[];
}
const row = (name: string, ret: string, args: ArgIn[], ...opts: Opt[]): Row => ({ name, ret, args, opts });

const ROWS: Row[] = [
  row('map_lookup_elem', MAP_VALUE_OR_NULL, [MAP, KEY], 'pkt'),
  row('map_update_elem', INT, [MAP, KEY, VAL, ANY], 'pkt'),
  row('map_delete_elem', INT, [MAP, KEY], 'pkt'),
  row('probe_read', INT, [UNINIT, SIZE0, ANY], 'gpl'),
  row('ktime_get_ns', INT, []),
  row('trace_printk', INT, [RO, SIZE], 'gpl'),
  row('get_prandom_u32', INT, []),
  row('get_smp_processor_id', INT, []),
  row('skb_store_bytes', INT, [CTX, ANY, RO, SIZE, ANY]),
  row('l3_csum_replace', INT, [CTX, ANY, ANY, ANY, ANY]),
  row('l4_csum_replace', INT, [CTX, ANY, ANY, ANY, ANY]),
  row('tail_call', VOID, [CTX, MAP, ANY]),
  row('clone_redirect', INT, [CTX, ANY, ANY]),
  row('get_current_pid_tgid', INT, []),
  row('get_current_uid_gid', INT, []),
  row('get_current_comm', INT, [UNINIT, SIZE]),
  row('get_cgroup_classid', INT, [CTX]),
  row('skb_vlan_push', INT, [CTX, ANY, ANY]),
  row('skb_vlan_pop', INT, [CTX]),
  row('skb_get_tunnel_key', INT, [CTX, UNINIT, SIZE, ANY]),
  row('skb_set_tunnel_key', INT, [CTX, RO, SIZE, ANY]),
  row('perf_event_read', INT, [MAP, ANY], 'gpl'),
  row('redirect', INT, [ANY, ANY]),
  row('get_route_realm', INT, [CTX]),
  row('perf_event_output', INT, [CTX, MAP, ANY, RO, SIZE0], 'gpl'),
  row('skb_load_bytes', INT, [CTX, ANY, UNINIT, SIZE]),
  row('get_stackid', INT, [CTX, MAP, ANY], 'gpl'),
  row('csum_diff', INT, [RO_NULL, SIZE0, RO_NULL, SIZE0, ANY], 'pkt'),
  row('skb_get_tunnel_opt', INT, [CTX, UNINIT, SIZE]),
  row('skb_set_tunnel_opt', INT, [CTX, RO, SIZE]),
  row('skb_change_proto', INT, [CTX, ANY, ANY]),
  row('skb_change_type', INT, [CTX, ANY]),
  row('skb_under_cgroup', INT, [CTX, MAP, ANY]),
  row('get_hash_recalc', INT, [CTX]),
  row('get_current_task', INT, [], 'gpl'),
  row('probe_write_user', INT, [ANY, RO, SIZE], 'gpl'),
  row('current_task_under_cgroup', INT, [MAP, ANY]),
  row('skb_change_tail', INT, [CTX, ANY, ANY]),
  row('skb_pull_data', INT, [CTX, ANY]),
  row('csum_update', INT, [CTX, ANY]),
  row('set_hash_invalid', INT, [CTX]), // void in C, RET_INTEGER in the kernel
  row('get_numa_node_id', INT, []),
  row('skb_change_head', INT, [CTX, ANY, ANY]),
  row('xdp_adjust_head', INT, [CTX, ANY]),
  row('probe_read_str', INT, [UNINIT, SIZE0, ANY], 'gpl'),
  {
    name: 'get_socket_cookie', ret: INT, args: [CTX],
    variants: [{ progTypes: ['tracing', 'lsm'], args: [BTF_SOCK] }],
  },
  row('get_socket_uid', INT, [CTX]),
  row('set_hash', INT, [CTX, ANY]),
  {
    name: 'setsockopt', ret: INT, args: [CTX, ANY, ANY, RO, SIZE],
    variants: [{ progTypes: ['cgroup_sockopt', 'struct_ops', 'lsm', 'tracing'], args: [BTF_SOCK, ANY, ANY, RO, SIZE] }],
  },
  row('skb_adjust_room', INT, [CTX, ANY, ANY, ANY]),
  row('redirect_map', INT, [MAP, ANY, ANY]),
  row('sk_redirect_map', INT, [CTX, MAP, ANY, ANY]),
  row('sock_map_update', INT, [CTX, MAP, KEY, ANY], 'pkt'),
  row('xdp_adjust_meta', INT, [CTX, ANY]),
  row('perf_event_read_value', INT, [MAP, ANY, UNINIT, SIZE], 'gpl'),
  row('perf_prog_read_value', INT, [CTX, UNINIT, SIZE], 'gpl'),
  {
    name: 'getsockopt', ret: INT, args: [CTX, ANY, ANY, UNINIT, SIZE],
    variants: [{ progTypes: ['cgroup_sockopt', 'struct_ops', 'lsm', 'tracing'], args: [BTF_SOCK, ANY, ANY, UNINIT, SIZE] }],
  },
  row('override_return', INT, [CTX, ANY], 'gpl'),
  row('sock_ops_cb_flags_set', INT, [CTX, ANY]),
  row('msg_redirect_map', INT, [CTX, MAP, ANY, ANY]),
  row('msg_apply_bytes', INT, [CTX, ANY]),
  row('msg_cork_bytes', INT, [CTX, ANY]),
  row('msg_pull_data', INT, [CTX, ANY, ANY, ANY]),
  row('bind', INT, [CTX, RO, SIZE]),
  row('xdp_adjust_tail', INT, [CTX, ANY]),
  row('skb_get_xfrm_state', INT, [CTX, ANY, UNINIT, SIZE, ANY]),
  row('get_stack', INT, [CTX, UNINIT, SIZE0, ANY], 'gpl'),
  row('skb_load_bytes_relative', INT, [CTX, ANY, UNINIT, SIZE, ANY]),
  row('fib_lookup', INT, [CTX, WR, SIZE, ANY], 'gpl'),
  row('sock_hash_update', INT, [CTX, MAP, KEY, ANY], 'pkt'),
  row('msg_redirect_hash', INT, [CTX, MAP, KEY, ANY]),
  row('sk_redirect_hash', INT, [CTX, MAP, KEY, ANY]),
  row('lwt_push_encap', INT, [CTX, ANY, RO, SIZE]),
  row('lwt_seg6_store_bytes', INT, [CTX, ANY, RO, SIZE]),
  row('lwt_seg6_adjust_srh', INT, [CTX, ANY, ANY]),
  row('lwt_seg6_action', INT, [CTX, ANY, RO, SIZE]),
  row('rc_repeat', INT, [CTX], 'gpl'),
  row('rc_keydown', INT, [CTX, ANY, ANY, ANY], 'gpl'),
  row('skb_cgroup_id', INT, [CTX]),
  row('get_current_cgroup_id', INT, []),
  row('get_local_storage', 'RET_PTR_TO_MAP_VALUE', [MAP, ANY]),
  row('sk_select_reuseport', INT, [CTX, MAP, KEY, ANY]),
  row('skb_ancestor_cgroup_id', INT, [CTX, ANY]),
  row('sk_lookup_tcp', 'RET_PTR_TO_SOCKET_OR_NULL', [CTX, RO, SIZE0, ANY, ANY], 'pkt'),
  row('sk_lookup_udp', 'RET_PTR_TO_SOCKET_OR_NULL', [CTX, RO, SIZE0, ANY, ANY], 'pkt'),
  row('sk_release', INT, [`${BTF_SOCK} | OBJ_RELEASE`]),
  row('map_push_elem', INT, [MAP, VAL, ANY], 'pkt'),
  row('map_pop_elem', INT, [MAP, `${VAL} | MEM_UNINIT | MEM_WRITE`]),
  row('map_peek_elem', INT, [MAP, `${VAL} | MEM_UNINIT | MEM_WRITE`]),
  row('msg_push_data', INT, [CTX, ANY, ANY, ANY]),
  row('msg_pop_data', INT, [CTX, ANY, ANY, ANY]),
  row('rc_pointer_rel', INT, [CTX, ANY, ANY], 'gpl'),
  row('spin_lock', VOID, ['ARG_PTR_TO_SPIN_LOCK']),
  row('spin_unlock', VOID, ['ARG_PTR_TO_SPIN_LOCK']),
  row('sk_fullsock', 'RET_PTR_TO_SOCKET_OR_NULL', [SOCK]),
  row('tcp_sock', 'RET_PTR_TO_TCP_SOCK_OR_NULL', [SOCK]),
  row('skb_ecn_set_ce', INT, [CTX]),
  row('get_listener_sock', 'RET_PTR_TO_SOCKET_OR_NULL', [SOCK]),
  row('skc_lookup_tcp', 'RET_PTR_TO_SOCK_COMMON_OR_NULL', [CTX, RO, SIZE0, ANY, ANY], 'pkt'),
  row('tcp_check_syncookie', INT, [BTF_SOCK, RO, SIZE, RO, SIZE], 'gpl', 'pkt'),
  row('sysctl_get_name', INT, [CTX, WR, SIZE, ANY]),
  row('sysctl_get_current_value', INT, [CTX, UNINIT, SIZE]),
  row('sysctl_get_new_value', INT, [CTX, UNINIT, SIZE]),
  row('sysctl_set_new_value', INT, [CTX, RO, SIZE]),
  row('strtol', INT, [RO, SIZE, ANY, fixed(OUT_U64, 8)]),
  row('strtoul', INT, [RO, SIZE, ANY, fixed(OUT_U64, 8)]),
  {
    name: 'sk_storage_get', ret: MAP_VALUE_OR_NULL, args: [MAP, BTF_SOCK, 'ARG_PTR_TO_MAP_VALUE_OR_NULL', ANY],
    variants: [{ progTypes: ['cgroup_sock'], args: [MAP, CTX, 'ARG_PTR_TO_MAP_VALUE_OR_NULL', ANY] }],
  },
  row('sk_storage_delete', INT, [MAP, BTF_SOCK]),
  row('send_signal', INT, [ANY]),
  row('tcp_gen_syncookie', INT, [BTF_SOCK, RO, SIZE, RO, SIZE], 'gpl', 'pkt'),
  row('skb_output', INT, [btf('sk_buff'), MAP, ANY, RO, SIZE0], 'gpl'),
  row('probe_read_user', INT, [UNINIT, SIZE0, ANY], 'gpl'),
  row('probe_read_kernel', INT, [UNINIT, SIZE0, ANY], 'gpl'),
  row('probe_read_user_str', INT, [UNINIT, SIZE0, ANY], 'gpl'),
  row('probe_read_kernel_str', INT, [UNINIT, SIZE0, ANY], 'gpl'),
  row('tcp_send_ack', INT, [btf('tcp_sock'), ANY]),
  row('send_signal_thread', INT, [ANY]),
  row('jiffies64', INT, []),
  row('read_branch_records', INT, [CTX, 'ARG_PTR_TO_MEM_OR_NULL | MEM_WRITE', SIZE0, ANY], 'gpl'),
  row('get_ns_current_pid_tgid', INT, [ANY, ANY, UNINIT, SIZE]),
  row('xdp_output', INT, [btf('xdp_buff'), MAP, ANY, RO, SIZE0], 'gpl'),
  row('get_netns_cookie', INT, ['ARG_PTR_TO_CTX_OR_NULL']),
  row('get_current_ancestor_cgroup_id', INT, [ANY]),
  {
    name: 'sk_assign', ret: INT, args: [CTX, BTF_SOCK, ANY],
    variants: [{ progTypes: ['sk_lookup'], args: [CTX, 'ARG_PTR_TO_SOCKET_OR_NULL', ANY] }],
  },
  row('ktime_get_boot_ns', INT, []),
  row('seq_printf', INT, [btf('seq_file'), RO, SIZE, RO_NULL, SIZE0], 'gpl'),
  row('seq_write', INT, [btf('seq_file'), RO, SIZE0], 'gpl'),
  row('sk_cgroup_id', INT, [BTF_SOCK]),
  row('sk_ancestor_cgroup_id', INT, [BTF_SOCK, ANY]),
  row('ringbuf_output', INT, [MAP, RO, SIZE0, ANY]),
  row('ringbuf_reserve', 'RET_PTR_TO_RINGBUF_MEM_OR_NULL', [MAP, 'ARG_CONST_ALLOC_SIZE_OR_ZERO', ANY]),
  row('ringbuf_submit', VOID, ['ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE', ANY]),
  row('ringbuf_discard', VOID, ['ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE', ANY]),
  row('ringbuf_query', INT, [MAP, ANY]),
  row('csum_level', INT, [CTX, ANY]),
  { name: 'skc_to_tcp6_sock', ret: BTF_OR_NULL, retBtf: 'tcp6_sock', args: [BTF_SOCK] },
  { name: 'skc_to_tcp_sock', ret: BTF_OR_NULL, retBtf: 'tcp_sock', args: [BTF_SOCK] },
  { name: 'skc_to_tcp_timewait_sock', ret: BTF_OR_NULL, retBtf: 'tcp_timewait_sock', args: [BTF_SOCK] },
  { name: 'skc_to_tcp_request_sock', ret: BTF_OR_NULL, retBtf: 'tcp_request_sock', args: [BTF_SOCK] },
  { name: 'skc_to_udp6_sock', ret: BTF_OR_NULL, retBtf: 'udp6_sock', args: [BTF_SOCK] },
  row('get_task_stack', INT, [btf('task_struct'), UNINIT, SIZE0, ANY]),
  row('load_hdr_opt', INT, [CTX, WR, SIZE, ANY]),
  row('store_hdr_opt', INT, [CTX, RO, SIZE, ANY]),
  row('reserve_hdr_opt', INT, [CTX, ANY, ANY]),
  row('inode_storage_get', MAP_VALUE_OR_NULL, [MAP, btf('inode', 'ARG_PTR_TO_BTF_ID_OR_NULL'), 'ARG_PTR_TO_MAP_VALUE_OR_NULL', ANY]),
  row('inode_storage_delete', INT, [MAP, btf('inode', 'ARG_PTR_TO_BTF_ID_OR_NULL')]),
  row('d_path', INT, [btf('path'), WR, SIZE0]),
  row('copy_from_user', INT, [UNINIT, SIZE0, ANY], 'sleep'),
  row('snprintf_btf', INT, [WR, SIZE, RO, SIZE, ANY]),
  row('seq_printf_btf', INT, [btf('seq_file'), RO, SIZE0, ANY], 'gpl'),
  row('skb_cgroup_classid', INT, [CTX]),
  row('redirect_neigh', INT, [ANY, RO_NULL, SIZE0, ANY]),
  row('per_cpu_ptr', 'RET_PTR_TO_MEM_OR_BTF_ID | PTR_MAYBE_NULL | MEM_RDONLY', ['ARG_PTR_TO_PERCPU_BTF_ID', ANY]),
  row('this_cpu_ptr', 'RET_PTR_TO_MEM_OR_BTF_ID | MEM_RDONLY', ['ARG_PTR_TO_PERCPU_BTF_ID']),
  row('redirect_peer', INT, [ANY, ANY]),
  row('task_storage_get', MAP_VALUE_OR_NULL, [MAP, btf('task_struct', 'ARG_PTR_TO_BTF_ID_OR_NULL'), 'ARG_PTR_TO_MAP_VALUE_OR_NULL', ANY]),
  row('task_storage_delete', INT, [MAP, btf('task_struct', 'ARG_PTR_TO_BTF_ID_OR_NULL')]),
  { name: 'get_current_task_btf', ret: 'RET_PTR_TO_BTF_ID_TRUSTED', retBtf: 'task_struct', args: [], opts: ['gpl'] },
  row('bprm_opts_set', INT, [btf('linux_binprm'), ANY]),
  row('ktime_get_coarse_ns', INT, []),
  row('ima_inode_hash', INT, [btf('inode'), UNINIT, SIZE], 'sleep'),
  { name: 'sock_from_file', ret: BTF_OR_NULL, retBtf: 'socket', args: [btf('file')] },
  row('check_mtu', INT, [CTX, ANY, fixed('ARG_PTR_TO_FIXED_SIZE_MEM | MEM_WRITE | MEM_ALIGNED', 4), ANY, ANY], 'gpl'),
  row('for_each_map_elem', INT, [MAP, FUNC, STACK_NULL, ANY]),
  row('snprintf', INT, ['ARG_PTR_TO_MEM_OR_NULL | MEM_WRITE', SIZE0, 'ARG_PTR_TO_CONST_STR', RO_NULL, SIZE0], 'gpl'),
  row('sys_bpf', INT, [ANY, RO, SIZE]),
  row('btf_find_by_name_kind', INT, [RO, SIZE, ANY, ANY]),
  row('sys_close', INT, [ANY]),
  row('timer_init', INT, [TIMER, MAP, ANY], 'gpl'),
  row('timer_set_callback', INT, [TIMER, FUNC], 'gpl'),
  row('timer_start', INT, [TIMER, ANY, ANY], 'gpl'),
  row('timer_cancel', INT, [TIMER], 'gpl'),
  row('get_func_ip', INT, [CTX], 'gpl'),
  row('get_attach_cookie', INT, [CTX]),
  { name: 'task_pt_regs', ret: 'RET_PTR_TO_BTF_ID', retBtf: 'pt_regs', args: [btf('task_struct')], opts: ['gpl'] },
  row('get_branch_snapshot', INT, [UNINIT, SIZE0], 'gpl'),
  row('trace_vprintk', INT, [RO, SIZE, RO_NULL, SIZE0], 'gpl'),
  { name: 'skc_to_unix_sock', ret: BTF_OR_NULL, retBtf: 'unix_sock', args: [BTF_SOCK] },
  row('kallsyms_lookup_name', INT, [RO, SIZE0, ANY, fixed(OUT_U64, 8)]),
  row('find_vma', INT, [btf('task_struct'), ANY, FUNC, STACK_NULL, ANY]),
  row('loop', INT, [ANY, FUNC, STACK_NULL, ANY]),
  row('strncmp', INT, [RO, SIZE, 'ARG_PTR_TO_CONST_STR']),
  row('get_func_arg', INT, [CTX, ANY, fixed(OUT_U64, 8)]),
  row('get_func_ret', INT, [CTX, fixed(OUT_U64, 8)]),
  row('get_func_arg_cnt', INT, [CTX]),
  row('get_retval', INT, []),
  row('set_retval', INT, [ANY]),
  row('xdp_get_buff_len', INT, [CTX]),
  row('xdp_load_bytes', INT, [CTX, ANY, UNINIT, SIZE]),
  row('xdp_store_bytes', INT, [CTX, ANY, RO, SIZE]),
  row('copy_from_user_task', INT, [UNINIT, SIZE0, ANY, btf('task_struct'), ANY], 'gpl', 'sleep'),
  row('skb_set_tstamp', INT, [CTX, ANY, ANY]),
  row('ima_file_hash', INT, [btf('file'), UNINIT, SIZE], 'sleep'),
  { name: 'kptr_xchg', ret: BTF_OR_NULL, args: ['ARG_KPTR_XCHG_DEST', 'ARG_PTR_TO_BTF_ID_OR_NULL | OBJ_RELEASE'] },
  row('map_lookup_percpu_elem', MAP_VALUE_OR_NULL, [MAP, KEY, ANY], 'pkt'),
  { name: 'skc_to_mptcp_sock', ret: BTF_OR_NULL, retBtf: 'mptcp_sock', args: [SOCK] },
  row('dynptr_from_mem', INT, [UNINIT, SIZE0, ANY, 'ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_LOCAL | MEM_UNINIT | MEM_WRITE']),
  row('ringbuf_reserve_dynptr', INT, [MAP, ANY, ANY, 'ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_RINGBUF | MEM_UNINIT | MEM_WRITE']),
  row('ringbuf_submit_dynptr', VOID, ['ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_RINGBUF | OBJ_RELEASE', ANY]),
  row('ringbuf_discard_dynptr', VOID, ['ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_RINGBUF | OBJ_RELEASE', ANY]),
  row('dynptr_read', INT, [UNINIT, SIZE0, 'ARG_PTR_TO_DYNPTR | MEM_RDONLY', ANY, ANY]),
  row('dynptr_write', INT, ['ARG_PTR_TO_DYNPTR | MEM_RDONLY', ANY, RO, SIZE0, ANY]),
  row('dynptr_data', 'RET_PTR_TO_DYNPTR_MEM_OR_NULL', ['ARG_PTR_TO_DYNPTR | MEM_RDONLY', ANY, 'ARG_CONST_ALLOC_SIZE_OR_ZERO']),
  row('tcp_raw_gen_syncookie_ipv4', INT, [fixed('ARG_PTR_TO_FIXED_SIZE_MEM', 20), RO, SIZE0], 'gpl', 'pkt'),
  row('tcp_raw_gen_syncookie_ipv6', INT, [fixed('ARG_PTR_TO_FIXED_SIZE_MEM', 40), RO, SIZE0], 'gpl', 'pkt'),
  row('tcp_raw_check_syncookie_ipv4', INT, [fixed('ARG_PTR_TO_FIXED_SIZE_MEM', 20), fixed('ARG_PTR_TO_FIXED_SIZE_MEM', 20)], 'gpl', 'pkt'),
  row('tcp_raw_check_syncookie_ipv6', INT, [fixed('ARG_PTR_TO_FIXED_SIZE_MEM', 40), fixed('ARG_PTR_TO_FIXED_SIZE_MEM', 20)], 'gpl', 'pkt'),
  row('ktime_get_tai_ns', INT, []),
  row('user_ringbuf_drain', INT, [MAP, FUNC, STACK_NULL, ANY]),
  row('cgrp_storage_get', MAP_VALUE_OR_NULL, [MAP, btf('cgroup', 'ARG_PTR_TO_BTF_ID_OR_NULL'), 'ARG_PTR_TO_MAP_VALUE_OR_NULL', ANY]),
  row('cgrp_storage_delete', INT, [MAP, btf('cgroup', 'ARG_PTR_TO_BTF_ID_OR_NULL')]),
];

/** Problems found while building the table (an unknown name or type text); empty when all is well. */
export const PROTO_TABLE_ERRORS: string[] = [];

function buildArgs(name: string, args: ArgIn[]): ArgSpec[] {
  const out: ArgSpec[] = [];
  for (const a of args) {
    const spec = typeof a === 'string' ? parseArgType(a) : parseArgType(a.t, { size: a.size, btfId: a.btf });
    if (spec) out.push(spec);
    else PROTO_TABLE_ERRORS.push(`${name}: bad argument type '${typeof a === 'string' ? a : a.t}'`);
  }
  return out;
}

const BY_ID = new Map<number, HelperProto>();
for (const r of ROWS) {
  const info = helperByName(r.name);
  const ret = parseRetType(r.ret, r.retBtf);
  if (!info || !ret) {
    PROTO_TABLE_ERRORS.push(`${r.name}: ${info ? `bad return type '${r.ret}'` : 'not in the helper table'}`);
    continue;
  }
  const opts = new Set(r.opts ?? []);
  BY_ID.set(info.id, {
    id: info.id,
    name: info.name,
    ret,
    args: buildArgs(r.name, r.args),
    gplOnly: opts.has('gpl'),
    pktAccess: opts.has('pkt'),
    mightSleep: opts.has('sleep'),
    variants: (r.variants ?? []).map((v) => ({ progTypes: v.progTypes, args: buildArgs(r.name, v.args) })),
  });
}

/** The verifier prototype of helper `id`, or undefined when we have none. */
export function protoById(id: number): HelperProto | undefined {
  return BY_ID.get(id);
}

/** The prototype by name, with or without `bpf_`. */
export function protoByName(name: string): HelperProto | undefined {
  const info = helperByName(name);
  return info ? BY_ID.get(info.id) : undefined;
}

/** The argument list that applies in a given program type (a variant's, or the common one). */
export function argsFor(proto: HelperProto, progType: ProgType | undefined): readonly ArgSpec[] {
  if (progType) for (const v of proto.variants) if (v.progTypes.includes(progType)) return v.args;
  return proto.args;
}

/** All prototypes, ordered by id. */
export function allProtos(): HelperProto[] {
  return [...BY_ID.values()].sort((a, b) => a.id - b.id);
}

/** C-like rendering for hovers: `RET_INTEGER bpf_x(ARG_PTR_TO_CTX, ARG_ANYTHING)`. */
export function formatProto(proto: HelperProto): string {
  const name = helperById(proto.id)?.name ?? proto.name;
  return `${proto.ret.text} ${name}(${proto.args.map((a) => a.text).join(', ')})`;
}
