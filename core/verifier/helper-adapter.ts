// The verifier's view of helper prototypes. Argument and return types come only from the shared
// table (core/helpers/protos.ts); this file reduces them to the argument kinds the verifier checks
// and holds the verifier-only rules: which helpers an unprivileged program may call.
import { helperAllowed } from '../helpers/allowed';
import { argsFor, protoById } from '../helpers/protos';
import type { ArgSpec, RetSpec } from '../helpers/proto-types';
import type { ProgType } from '../program-types';

export type ArgKind =
  | 'anything' | 'map' | 'key' | 'value' | 'uninit_value' | 'mem' | 'mem_or_null' | 'uninit_mem'
  | 'size' | 'size_or_zero' | 'alloc_size_or_zero' | 'ctx' | 'ringbuf_release' | 'func' | 'stack_or_null'
  | 'sock_common' | 'btf_sock_common' | 'socket' | 'btf_id' | 'dynptr' | 'fixed_mem'
  /** Kinds checked only for their register type (spin locks, timers, kptrs, const strings...). */
  | 'other';

export type RetKind =
  | 'integer' | 'void' | 'map_value_or_null' | 'ringbuf_mem_or_null' | 'mem_or_null' | 'socket' | 'sock_common' | 'tcp_sock'
  | 'btf_id';

export interface HelperProto {
  name: string;
  /** What the verifier checks for each argument register, R1 first. */
  args: ArgKind[];
  /** The kernel's argument types the kinds were derived from. */
  specs: readonly ArgSpec[];
  ret: RetKind;
  retSpec: RetSpec;
}

function argKind(a: ArgSpec): ArgKind {
  const f = new Set(a.flags);
  switch (a.base) {
    case 'ARG_CONST_MAP_PTR': return 'map';
    case 'ARG_PTR_TO_MAP_KEY': return 'key';
    case 'ARG_PTR_TO_MAP_VALUE': return f.has('MEM_UNINIT') ? 'uninit_value' : 'value';
    case 'ARG_PTR_TO_MEM':
      if (f.has('MEM_FIXED_SIZE')) return 'fixed_mem';
      if (f.has('PTR_MAYBE_NULL')) return 'mem_or_null';
      return f.has('MEM_UNINIT') ? 'uninit_mem' : 'mem';
    case 'ARG_CONST_SIZE': return 'size';
    case 'ARG_CONST_SIZE_OR_ZERO': return 'size_or_zero';
    case 'ARG_CONST_ALLOC_SIZE_OR_ZERO': return 'alloc_size_or_zero';
    case 'ARG_PTR_TO_CTX': return f.has('PTR_MAYBE_NULL') ? 'anything' : 'ctx';
    case 'ARG_PTR_TO_RINGBUF_MEM': return 'ringbuf_release';
    case 'ARG_PTR_TO_FUNC': return 'func';
    case 'ARG_PTR_TO_STACK': return 'stack_or_null';
    case 'ARG_PTR_TO_SOCK_COMMON': return 'sock_common';
    case 'ARG_PTR_TO_BTF_ID_SOCK_COMMON': return 'btf_sock_common';
    case 'ARG_PTR_TO_SOCKET': return 'socket';
    case 'ARG_PTR_TO_BTF_ID': return 'btf_id';
    case 'ARG_PTR_TO_DYNPTR': return 'dynptr';
    case 'ARG_ANYTHING': case 'ARG_DONTCARE': return 'anything';
    default: return 'other';
  }
}

function retKind(r: RetSpec): RetKind {
  switch (r.base) {
    case 'RET_INTEGER': return 'integer';
    case 'RET_VOID': return 'void';
    case 'RET_PTR_TO_MAP_VALUE': return 'map_value_or_null';
    case 'RET_PTR_TO_MEM': return r.flags.includes('MEM_RINGBUF') ? 'ringbuf_mem_or_null' : 'mem_or_null';
    case 'RET_PTR_TO_SOCKET': return 'socket';
    case 'RET_PTR_TO_SOCK_COMMON': return 'sock_common';
    case 'RET_PTR_TO_TCP_SOCK': return 'tcp_sock';
    case 'RET_PTR_TO_BTF_ID': return r.btfId ? 'btf_id' : 'integer';
    default: return 'integer';
  }
}

/** Helpers whose result holds a new reference the program must release (is_acquire_function). */
export const ACQUIRES_REFERENCE: ReadonlySet<number> = new Set([84, 85, 99, 131]);
/** Helpers returning another view of their argument, sharing its reference (is_ptr_cast_function). */
export const CASTS_POINTER: ReadonlySet<number> = new Set([95, 96, 136, 137, 138, 139, 140, 196]);

const cache = new Map<string, HelperProto | null>();

/** The verifier's prototype for helper `id` in `progType` (program-type variants applied). */
export function helperProto(id: number, progType: ProgType): HelperProto | undefined {
  const key = `${id}:${progType}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const shared = protoById(id);
  let proto: HelperProto | null = null;
  if (shared) {
    const specs = argsFor(shared, progType);
    proto = { name: shared.name, args: specs.map(argKind), specs, ret: retKind(shared.ret), retSpec: shared.ret };
  }
  cache.set(key, proto);
  return proto ?? undefined;
}

/**
 * Helpers bpf_base_func_proto gives without CAP_BPF (Linux 6.18): map access, prandom, cpu/numa
 * id, tail call, clocks, ringbuf, strncmp/strtol/strtoul, pid/uid of current.
 */
const UNPRIVILEGED_BASE = new Set([1, 2, 3, 5, 7, 8, 12, 14, 15, 42, 87, 88, 89, 105, 106, 120, 125, 130, 131, 132, 133, 134, 182, 195, 208]);
/** Helpers of the only two types an unprivileged user may load that need no capability. */
const UNPRIVILEGED_EXTRA: Partial<Record<ProgType, ReadonlySet<number>>> = {
  // sk_filter_func_proto, and bpf_sk_base_func_proto's ktime_get_coarse_ns (its skc_to_* casts need CAP_PERFMON)
  socket_filter: new Set([25, 26, 46, 47, 68, 160]),
  // cg_skb_func_proto (socket lookups and releases included), with the socket filter's and the cgroup-common ones
  cgroup_skb: new Set([17, 25, 26, 46, 47, 68, 79, 81, 83, 84, 85, 86, 95, 96, 97, 98, 99, 107, 108, 128, 129, 151, 160, 186, 187]),
};

/**
 * Whether the program type may call the helper: the kernel-probed list (privileged); for an
 * unprivileged program, the part of it that needs no capability; for a type the probe could not
 * load, every helper the shared table knows.
 */
export function helperIsAllowed(progType: ProgType, id: number, unprivileged: boolean): boolean {
  const probed = helperAllowed(progType, id) ?? protoById(id) !== undefined;
  if (!unprivileged) return probed;
  return probed && (UNPRIVILEGED_BASE.has(id) || (UNPRIVILEGED_EXTRA[progType]?.has(id) ?? false));
}
