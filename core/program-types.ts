// Program types: the kernel's enum bpf_prog_type, and libbpf's section names for each.

export const PROG_TYPES = {
  socket_filter: 1, kprobe: 2, sched_cls: 3, sched_act: 4, tracepoint: 5, xdp: 6, perf_event: 7,
  cgroup_skb: 8, cgroup_sock: 9, lwt_in: 10, lwt_out: 11, lwt_xmit: 12, sock_ops: 13, sk_skb: 14,
  cgroup_device: 15, sk_msg: 16, raw_tracepoint: 17, cgroup_sock_addr: 18, lwt_seg6local: 19,
  lirc_mode2: 20, sk_reuseport: 21, flow_dissector: 22, cgroup_sysctl: 23,
  raw_tracepoint_writable: 24, cgroup_sockopt: 25, tracing: 26, struct_ops: 27, ext: 28, lsm: 29,
  sk_lookup: 30, syscall: 31, netfilter: 32,
} as const;

export type ProgType = keyof typeof PROG_TYPES;

export const isProgType = (name: string): name is ProgType => Object.hasOwn(PROG_TYPES, name);

/**
 * libbpf's section names, longest prefix first. `exact` names match only whole; the others
 * match the name itself or the name followed by '/' (or '.', for xdp.frags and the like).
 */
const SECTION_PREFIXES: ReadonlyArray<[prefix: string, type: ProgType]> = [
  ['socket', 'socket_filter'], ['sk_reuseport', 'sk_reuseport'],
  ['kprobe', 'kprobe'], ['kretprobe', 'kprobe'], ['uprobe', 'kprobe'], ['uretprobe', 'kprobe'],
  ['ksyscall', 'kprobe'], ['kretsyscall', 'kprobe'], ['usdt', 'kprobe'],
  ['kprobe.multi', 'kprobe'], ['kretprobe.multi', 'kprobe'], ['uprobe.multi', 'kprobe'],
  ['tc', 'sched_cls'], ['tcx', 'sched_cls'], ['classifier', 'sched_cls'], ['action', 'sched_act'],
  ['netkit', 'sched_cls'],
  ['tracepoint', 'tracepoint'], ['tp', 'tracepoint'],
  ['raw_tracepoint', 'raw_tracepoint'], ['raw_tp', 'raw_tracepoint'],
  ['raw_tracepoint.w', 'raw_tracepoint_writable'], ['raw_tp.w', 'raw_tracepoint_writable'],
  ['tp_btf', 'tracing'], ['fentry', 'tracing'], ['fexit', 'tracing'], ['fmod_ret', 'tracing'],
  ['fentry.s', 'tracing'], ['fexit.s', 'tracing'], ['iter', 'tracing'], ['iter.s', 'tracing'],
  ['freplace', 'ext'], ['lsm', 'lsm'], ['lsm.s', 'lsm'], ['lsm_cgroup', 'lsm'],
  ['xdp', 'xdp'], ['xdp.frags', 'xdp'], ['perf_event', 'perf_event'],
  ['lwt_in', 'lwt_in'], ['lwt_out', 'lwt_out'], ['lwt_xmit', 'lwt_xmit'],
  ['lwt_seg6local', 'lwt_seg6local'], ['sockops', 'sock_ops'], ['sk_skb', 'sk_skb'],
  ['sk_msg', 'sk_msg'], ['lirc_mode2', 'lirc_mode2'], ['flow_dissector', 'flow_dissector'],
  ['cgroup_skb', 'cgroup_skb'], ['cgroup/skb', 'cgroup_skb'],
  ['cgroup/sock', 'cgroup_sock'], ['cgroup/sock_create', 'cgroup_sock'],
  ['cgroup/sock_release', 'cgroup_sock'], ['cgroup/post_bind4', 'cgroup_sock'],
  ['cgroup/post_bind6', 'cgroup_sock'], ['cgroup/dev', 'cgroup_device'],
  ['cgroup/bind4', 'cgroup_sock_addr'], ['cgroup/bind6', 'cgroup_sock_addr'],
  ['cgroup/connect4', 'cgroup_sock_addr'], ['cgroup/connect6', 'cgroup_sock_addr'],
  ['cgroup/connect_unix', 'cgroup_sock_addr'], ['cgroup/sendmsg4', 'cgroup_sock_addr'],
  ['cgroup/sendmsg6', 'cgroup_sock_addr'], ['cgroup/sendmsg_unix', 'cgroup_sock_addr'],
  ['cgroup/recvmsg4', 'cgroup_sock_addr'], ['cgroup/recvmsg6', 'cgroup_sock_addr'],
  ['cgroup/recvmsg_unix', 'cgroup_sock_addr'], ['cgroup/getpeername4', 'cgroup_sock_addr'],
  ['cgroup/getpeername6', 'cgroup_sock_addr'], ['cgroup/getsockname4', 'cgroup_sock_addr'],
  ['cgroup/getsockname6', 'cgroup_sock_addr'], ['cgroup/sysctl', 'cgroup_sysctl'],
  ['cgroup/getsockopt', 'cgroup_sockopt'], ['cgroup/setsockopt', 'cgroup_sockopt'],
  ['struct_ops', 'struct_ops'], ['struct_ops.s', 'struct_ops'], ['sk_lookup', 'sk_lookup'],
  ['syscall', 'syscall'], ['netfilter', 'netfilter'],
];

const BY_LENGTH = [...SECTION_PREFIXES].sort((a, b) => b[0].length - a[0].length);

/** The program type libbpf gives a section name, or undefined for a non-program section. */
export function progTypeOfSection(section: string): ProgType | undefined {
  const name = section.startsWith('.') ? section.slice(1) : section;
  for (const [prefix, type] of BY_LENGTH) {
    if (name === prefix) return type;
    if (name.startsWith(prefix) && (name[prefix.length] === '/' || name[prefix.length] === '.')) return type;
  }
  return undefined;
}

/** Section names offered for completion, one or more per program type. */
export const SECTION_NAMES: readonly string[] = SECTION_PREFIXES.map(([p]) => p);
