// Asks the running kernel whether a program type may call a helper: loads `call <id>; r0 = 0; exit`
// and reads the verifier's answer. Uses the kernel harness's bpf() primitives directly because some
// program types (tracing, lsm) need attach_btf_id, which loadProgram does not take.

import { execFileSync } from 'node:child_process';
import { PROG_TYPES, type ProgType } from '../program-types';
import { BpfCmd, writeProgLoad } from '../kernel/bpf-attr';
import { attrView, bpfCall, closeFd, freshAttr, kernelBpfAvailable, scratch } from '../kernel/bpf';
import { lastLogLine } from '../kernel/loader';

/** How a program type must be loaded to be accepted at all. */
export interface ProbeTarget {
  progType: ProgType;
  /** enum bpf_attach_type value. */
  expectedAttachType?: number;
  /** vmlinux BTF type to attach to (tracing / lsm programs): a FUNC or, for tp_btf, a TYPEDEF. */
  attachBtf?: { kind: 'FUNC' | 'TYPEDEF'; name: string };
  progFlags?: number;
  /** Human-readable description of the attach point used. */
  note?: string;
}

const BPF_F_SLEEPABLE = 1 << 4;

/** One representative load recipe per program type (the attach point can change what is allowed). */
export const PROBE_TARGETS: readonly ProbeTarget[] = [
  { progType: 'socket_filter' },
  { progType: 'kprobe' },
  { progType: 'sched_cls' },
  { progType: 'sched_act' },
  { progType: 'tracepoint' },
  { progType: 'xdp' },
  { progType: 'perf_event' },
  { progType: 'cgroup_skb' },
  { progType: 'cgroup_sock', note: 'inet_sock_create' },
  { progType: 'lwt_in' },
  { progType: 'lwt_out' },
  { progType: 'lwt_xmit' },
  { progType: 'sock_ops' },
  { progType: 'sk_skb' },
  { progType: 'cgroup_device' },
  { progType: 'sk_msg' },
  { progType: 'raw_tracepoint' },
  { progType: 'cgroup_sock_addr', expectedAttachType: 10, note: 'cgroup/connect4' },
  { progType: 'lwt_seg6local' },
  { progType: 'lirc_mode2' },
  { progType: 'sk_reuseport' },
  { progType: 'flow_dissector' },
  { progType: 'cgroup_sysctl' },
  { progType: 'raw_tracepoint_writable' },
  { progType: 'cgroup_sockopt', expectedAttachType: 21, note: 'cgroup/getsockopt' },
  // fentry is refused (EPERM, before verification) on some kernels; tp_btf loads wherever BTF does.
  { progType: 'tracing', expectedAttachType: 23, attachBtf: { kind: 'TYPEDEF', name: 'btf_trace_sched_switch' }, note: 'tp_btf/sched_switch' },
  { progType: 'struct_ops', note: 'needs a struct_ops map; not probed' },
  { progType: 'ext', note: 'needs a target program; not probed' },
  { progType: 'lsm', expectedAttachType: 27, attachBtf: { kind: 'FUNC', name: 'bpf_lsm_file_open' }, note: 'lsm/file_open' },
  { progType: 'sk_lookup', expectedAttachType: 36 },
  { progType: 'syscall', progFlags: BPF_F_SLEEPABLE, note: 'sleepable' },
  { progType: 'netfilter', expectedAttachType: 45 },
];

export type ProbeVerdict =
  /** The program type may call the helper (the load failed later, on arguments, or succeeded). */
  | { allowed: true; sleepableOnly?: boolean; message?: string }
  /** The kernel refused the helper for this program type. */
  | { allowed: false; message: string };

/**
 * The kernel's refusals: `program of this type cannot use helper bpf_x#N`, older `unknown func`,
 * out-of-range `invalid func`, and a helper whose own attach check fails (d_path, ima_*).
 */
const REFUSAL = /^(program of this type cannot use helper |unknown func |invalid func |helper call is not allowed in probe$)/;
const MIGHT_SLEEP = /helper call might sleep in a non-sleepable prog/;

const btfIdCache = new Map<string, number | undefined>();

let vmlinuxDump: string | undefined;

/** BTF type id of a vmlinux type (`FUNC 'vfs_read'`), via bpftool; undefined when bpftool or the type is missing. */
export function vmlinuxBtfId(kind: 'FUNC' | 'TYPEDEF', name: string): number | undefined {
  const key = `${kind} ${name}`;
  if (btfIdCache.has(key)) return btfIdCache.get(key);
  let id: number | undefined;
  try {
    vmlinuxDump ??= execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux'], {
      encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'],
    });
    const m = new RegExp(`^\\[(\\d+)\\] ${kind} '${name}' `, 'm').exec(vmlinuxDump);
    id = m ? Number(m[1]) : undefined;
  } catch {
    id = undefined;
  }
  btfIdCache.set(key, id);
  return id;
}

export interface RawLoad {
  ok: boolean;
  errno: number;
  log: string;
  /** The verifier's last line (the reason) when rejected. */
  reason?: string;
}

/** BPF_PROG_LOAD with attach_btf_id support; always closes the fd. Throws only if bpf() is unusable. */
export function loadForProbe(target: ProbeTarget, code: Uint8Array, attachBtfId?: number, license = 'GPL'): RawLoad {
  const licenseBytes = new TextEncoder().encode(`${license}\0`);
  const logSize = 1 << 16;
  const sc = scratch();
  sc.reserve(code.length + licenseBytes.length + logSize + 32);
  const insns = sc.put(code);
  const lic = sc.put(licenseBytes);
  const log = sc.take(logSize);
  const attr = freshAttr();
  writeProgLoad(attr, {
    progType: PROG_TYPES[target.progType],
    insnCnt: code.length / 8,
    insns: insns.addr,
    license: lic.addr,
    logLevel: 1,
    logSize,
    logBuf: log.addr,
    progFlags: target.progFlags ?? 0,
    expectedAttachType: target.expectedAttachType ?? 0,
  });
  if (attachBtfId !== undefined) attrView().setUint32(108, attachBtfId, true);
  const { ret, errno } = bpfCall(BpfCmd.PROG_LOAD);
  closeFd(ret >= 0 ? ret : undefined);
  const end = log.bytes.indexOf(0);
  const text = new TextDecoder().decode(log.bytes.subarray(0, end < 0 ? log.bytes.length : end));
  return { ok: ret >= 0, errno, log: text, reason: ret >= 0 ? undefined : lastLogLine(text) ?? `errno ${errno}` };
}

/** The kernel's refusal of a gpl_only helper in a program whose license is not GPL-compatible. */
export const GPL_REFUSAL = 'cannot call GPL-restricted function from non-GPL compatible program';

/** Whether the kernel treats helper `id` as gpl_only: loads it under an MIT license. */
export function probeGplOnly(prepared: PreparedTarget, id: number): boolean {
  const r = loadForProbe(prepared.target, helperCallProgram(id), prepared.attachBtfId, 'MIT');
  return r.log.split('\n').some((l) => l.trim() === GPL_REFUSAL);
}

/** `call id; r0 = 0; exit`, encoded. */
export function helperCallProgram(id: number): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setUint8(0, 0x85);
  v.setInt32(4, id, true);
  v.setUint8(8, 0xb7);
  v.setUint8(16, 0x95);
  return b;
}

const BASELINE = (() => {
  const b = new Uint8Array(16);
  b[0] = 0xb7;
  b[8] = 0x95;
  return b;
})();

export interface PreparedTarget {
  target: ProbeTarget;
  attachBtfId?: number;
  /** Why this program type cannot be probed here (it will not load even without a helper call). */
  unavailable?: string;
}

/** Checks that the program type loads at all (`r0 = 0; exit`) with this recipe. */
export function prepareTarget(target: ProbeTarget): PreparedTarget {
  const avail = kernelBpfAvailable();
  if (!avail.ok) return { target, unavailable: avail.reason };
  if (target.note?.endsWith('not probed')) return { target, unavailable: target.note };
  let attachBtfId: number | undefined;
  if (target.attachBtf) {
    attachBtfId = vmlinuxBtfId(target.attachBtf.kind, target.attachBtf.name);
    if (attachBtfId === undefined) return { target, unavailable: `no BTF id for ${target.attachBtf.name} (bpftool missing?)` };
  }
  const base = loadForProbe(target, BASELINE, attachBtfId);
  if (!base.ok) return { target, attachBtfId, unavailable: `baseline program rejected: ${base.reason}` };
  return { target, attachBtfId };
}

/** Whether the prepared program type may call helper `id`, per the running kernel. */
export function probeHelper(prepared: PreparedTarget, id: number): ProbeVerdict {
  const r = loadForProbe(prepared.target, helperCallProgram(id), prepared.attachBtfId);
  if (r.ok) return { allowed: true };
  const firstError = r.log.split('\n').map((l) => l.trim()).find((l) => REFUSAL.test(l) || MIGHT_SLEEP.test(l));
  if (firstError && REFUSAL.test(firstError)) return { allowed: false, message: firstError };
  if (firstError && MIGHT_SLEEP.test(firstError)) return { allowed: true, sleepableOnly: true, message: firstError };
  return { allowed: true, message: r.reason };
}
