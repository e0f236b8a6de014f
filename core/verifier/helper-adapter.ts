// Adapts the shared helper prototype table (core/helpers/protos.ts) and the allow lists probed
// from the kernel (core/helpers/allowed.ts) to the verifier's argument kinds.
import { helperAllowed } from '../helpers/allowed';
import { argsFor, protoById } from '../helpers/protos';
import type { ArgSpec, RetSpec } from '../helpers/proto-types';
import type { ProgType } from '../program-types';
import { type ArgKind, HELPER_PROTOS, type HelperProto, type RetKind, helperAllowedFor } from './helper-protos';

function argKind(a: ArgSpec): ArgKind {
  const f = new Set(a.flags);
  switch (a.base) {
    case 'ARG_CONST_MAP_PTR': return 'map';
    case 'ARG_PTR_TO_MAP_KEY': return 'key';
    case 'ARG_PTR_TO_MAP_VALUE': return f.has('MEM_UNINIT') ? 'uninit_value' : 'value';
    case 'ARG_PTR_TO_MEM':
      if (f.has('MEM_FIXED_SIZE')) return 'anything';
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
    case 'ARG_PTR_TO_DYNPTR': return 'dynptr';
    default: return 'anything';
  }
}

function retKind(r: RetSpec): RetKind {
  const f = new Set(r.flags);
  switch (r.base) {
    case 'RET_INTEGER': return 'integer';
    case 'RET_VOID': return 'void';
    case 'RET_PTR_TO_MAP_VALUE': return 'map_value_or_null';
    case 'RET_PTR_TO_MEM': return f.has('MEM_RINGBUF') ? 'ringbuf_mem_or_null' : 'integer';
    default: return 'integer';
  }
}

const cache = new Map<string, HelperProto | null>();

/** The verifier's prototype for helper `id` in `progType`: our own table first, then the shared one. */
export function helperProto(id: number, progType: ProgType): HelperProto | undefined {
  const own = HELPER_PROTOS[id];
  if (own) return own;
  const key = `${id}:${progType}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const shared = protoById(id);
  const proto: HelperProto | null = shared
    ? { name: shared.name, args: argsFor(shared, progType).map(argKind), ret: retKind(shared.ret), group: 'base' }
    : null;
  cache.set(key, proto);
  return proto ?? undefined;
}

/** Whether the program type may call the helper: the kernel-probed list when it covers the type. */
export function helperIsAllowed(progType: ProgType, id: number, unprivileged: boolean): boolean {
  const probed = helperAllowed(progType, id);
  if (probed !== undefined && !unprivileged) return probed;
  return helperAllowedFor(progType, id, unprivileged);
}
