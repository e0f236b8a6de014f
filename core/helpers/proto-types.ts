// The verifier's view of helper arguments and results: enum bpf_arg_type / bpf_return_type with
// their flags, the kernel's shorthand names (ARG_PTR_TO_UNINIT_MEM, RET_PTR_TO_MAP_VALUE_OR_NULL...),
// and which register types each argument kind accepts (compatible_reg_types in the verifier).

import { regTypeName, type RegType } from './reg-type-names';

export type ArgBase =
  | 'ARG_DONTCARE' | 'ARG_CONST_MAP_PTR' | 'ARG_PTR_TO_MAP_KEY' | 'ARG_PTR_TO_MAP_VALUE'
  | 'ARG_PTR_TO_MEM' | 'ARG_PTR_TO_ARENA' | 'ARG_CONST_SIZE' | 'ARG_CONST_SIZE_OR_ZERO'
  | 'ARG_PTR_TO_CTX' | 'ARG_ANYTHING' | 'ARG_PTR_TO_SPIN_LOCK' | 'ARG_PTR_TO_SOCK_COMMON'
  | 'ARG_PTR_TO_SOCKET' | 'ARG_PTR_TO_BTF_ID' | 'ARG_PTR_TO_RINGBUF_MEM'
  | 'ARG_CONST_ALLOC_SIZE_OR_ZERO' | 'ARG_PTR_TO_BTF_ID_SOCK_COMMON' | 'ARG_PTR_TO_PERCPU_BTF_ID'
  | 'ARG_PTR_TO_FUNC' | 'ARG_PTR_TO_STACK' | 'ARG_PTR_TO_CONST_STR' | 'ARG_PTR_TO_TIMER'
  | 'ARG_KPTR_XCHG_DEST' | 'ARG_PTR_TO_DYNPTR';

export type ArgFlag =
  | 'PTR_MAYBE_NULL' | 'MEM_RDONLY' | 'MEM_UNINIT' | 'MEM_WRITE' | 'MEM_ALIGNED' | 'MEM_FIXED_SIZE'
  | 'OBJ_RELEASE' | 'DYNPTR_TYPE_LOCAL' | 'DYNPTR_TYPE_RINGBUF';

export type RetBase =
  | 'RET_INTEGER' | 'RET_VOID' | 'RET_PTR_TO_MAP_VALUE' | 'RET_PTR_TO_SOCKET' | 'RET_PTR_TO_TCP_SOCK'
  | 'RET_PTR_TO_SOCK_COMMON' | 'RET_PTR_TO_MEM' | 'RET_PTR_TO_MEM_OR_BTF_ID' | 'RET_PTR_TO_BTF_ID';

export type RetFlag = 'PTR_MAYBE_NULL' | 'MEM_RDONLY' | 'MEM_RINGBUF' | 'PTR_TRUSTED';

export interface ArgSpec {
  /** The kernel's own spelling, e.g. `ARG_PTR_TO_MEM | MEM_RDONLY` or `ARG_PTR_TO_UNINIT_MEM`. */
  text: string;
  base: ArgBase;
  flags: readonly ArgFlag[];
  /** argN_size: the fixed size in bytes for ARG_PTR_TO_FIXED_SIZE_MEM. */
  size?: number;
  /** argN_btf_id: the struct the BTF pointer must point to (`task_struct`, `sk_buff`...). */
  btfId?: string;
}

export interface RetSpec {
  text: string;
  base: RetBase;
  flags: readonly RetFlag[];
  /** ret_btf_id: the struct a returned BTF pointer points to. */
  btfId?: string;
}

/** The kernel's shorthand names, expanded to base | flags (include/linux/bpf.h). */
const ARG_ALIASES: Readonly<Record<string, [ArgBase, ...ArgFlag[]]>> = {
  ARG_PTR_TO_MAP_VALUE_OR_NULL: ['ARG_PTR_TO_MAP_VALUE', 'PTR_MAYBE_NULL'],
  ARG_PTR_TO_MEM_OR_NULL: ['ARG_PTR_TO_MEM', 'PTR_MAYBE_NULL'],
  ARG_PTR_TO_CTX_OR_NULL: ['ARG_PTR_TO_CTX', 'PTR_MAYBE_NULL'],
  ARG_PTR_TO_SOCKET_OR_NULL: ['ARG_PTR_TO_SOCKET', 'PTR_MAYBE_NULL'],
  ARG_PTR_TO_STACK_OR_NULL: ['ARG_PTR_TO_STACK', 'PTR_MAYBE_NULL'],
  ARG_PTR_TO_BTF_ID_OR_NULL: ['ARG_PTR_TO_BTF_ID', 'PTR_MAYBE_NULL'],
  ARG_PTR_TO_UNINIT_MEM: ['ARG_PTR_TO_MEM', 'MEM_UNINIT', 'MEM_WRITE'],
  ARG_PTR_TO_FIXED_SIZE_MEM: ['ARG_PTR_TO_MEM', 'MEM_FIXED_SIZE'],
};

const RET_ALIASES: Readonly<Record<string, [RetBase, ...RetFlag[]]>> = {
  RET_PTR_TO_MAP_VALUE_OR_NULL: ['RET_PTR_TO_MAP_VALUE', 'PTR_MAYBE_NULL'],
  RET_PTR_TO_SOCKET_OR_NULL: ['RET_PTR_TO_SOCKET', 'PTR_MAYBE_NULL'],
  RET_PTR_TO_TCP_SOCK_OR_NULL: ['RET_PTR_TO_TCP_SOCK', 'PTR_MAYBE_NULL'],
  RET_PTR_TO_SOCK_COMMON_OR_NULL: ['RET_PTR_TO_SOCK_COMMON', 'PTR_MAYBE_NULL'],
  RET_PTR_TO_RINGBUF_MEM_OR_NULL: ['RET_PTR_TO_MEM', 'PTR_MAYBE_NULL', 'MEM_RINGBUF'],
  RET_PTR_TO_DYNPTR_MEM_OR_NULL: ['RET_PTR_TO_MEM', 'PTR_MAYBE_NULL'],
  RET_PTR_TO_BTF_ID_OR_NULL: ['RET_PTR_TO_BTF_ID', 'PTR_MAYBE_NULL'],
  RET_PTR_TO_BTF_ID_TRUSTED: ['RET_PTR_TO_BTF_ID', 'PTR_TRUSTED'],
};

const ARG_BASES = new Set<string>([
  'ARG_DONTCARE', 'ARG_CONST_MAP_PTR', 'ARG_PTR_TO_MAP_KEY', 'ARG_PTR_TO_MAP_VALUE', 'ARG_PTR_TO_MEM',
  'ARG_PTR_TO_ARENA', 'ARG_CONST_SIZE', 'ARG_CONST_SIZE_OR_ZERO', 'ARG_PTR_TO_CTX', 'ARG_ANYTHING',
  'ARG_PTR_TO_SPIN_LOCK', 'ARG_PTR_TO_SOCK_COMMON', 'ARG_PTR_TO_SOCKET', 'ARG_PTR_TO_BTF_ID',
  'ARG_PTR_TO_RINGBUF_MEM', 'ARG_CONST_ALLOC_SIZE_OR_ZERO', 'ARG_PTR_TO_BTF_ID_SOCK_COMMON',
  'ARG_PTR_TO_PERCPU_BTF_ID', 'ARG_PTR_TO_FUNC', 'ARG_PTR_TO_STACK', 'ARG_PTR_TO_CONST_STR',
  'ARG_PTR_TO_TIMER', 'ARG_KPTR_XCHG_DEST', 'ARG_PTR_TO_DYNPTR',
]);
const ARG_FLAGS = new Set<string>([
  'PTR_MAYBE_NULL', 'MEM_RDONLY', 'MEM_UNINIT', 'MEM_WRITE', 'MEM_ALIGNED', 'MEM_FIXED_SIZE',
  'OBJ_RELEASE', 'DYNPTR_TYPE_LOCAL', 'DYNPTR_TYPE_RINGBUF',
]);
const RET_BASES = new Set<string>([
  'RET_INTEGER', 'RET_VOID', 'RET_PTR_TO_MAP_VALUE', 'RET_PTR_TO_SOCKET', 'RET_PTR_TO_TCP_SOCK',
  'RET_PTR_TO_SOCK_COMMON', 'RET_PTR_TO_MEM', 'RET_PTR_TO_MEM_OR_BTF_ID', 'RET_PTR_TO_BTF_ID',
]);
const RET_FLAGS = new Set<string>(['PTR_MAYBE_NULL', 'MEM_RDONLY', 'MEM_RINGBUF', 'PTR_TRUSTED']);

function expand<B extends string, F extends string>(
  text: string, aliases: Readonly<Record<string, [B, ...F[]]>>, bases: Set<string>, flagNames: Set<string>,
): { base: B; flags: F[] } | undefined {
  let base: B | undefined;
  const flags: F[] = [];
  for (const part of text.split('|').map((p) => p.trim())) {
    const alias = aliases[part];
    if (alias) {
      if (base) return undefined;
      base = alias[0];
      flags.push(...(alias.slice(1) as F[]));
    } else if (bases.has(part)) {
      if (base) return undefined;
      base = part as B;
    } else if (flagNames.has(part)) {
      flags.push(part as F);
    } else {
      return undefined;
    }
  }
  return base ? { base, flags: [...new Set(flags)] } : undefined;
}

/** Parses `ARG_PTR_TO_MEM | MEM_RDONLY` (or a shorthand); undefined for text that is not an arg type. */
export function parseArgType(text: string, extra: { size?: number; btfId?: string } = {}): ArgSpec | undefined {
  const e = expand<ArgBase, ArgFlag>(text, ARG_ALIASES, ARG_BASES, ARG_FLAGS);
  return e ? { text, ...e, ...extra } : undefined;
}

/** Parses `RET_PTR_TO_MAP_VALUE_OR_NULL` and the like; undefined for anything else. */
export function parseRetType(text: string, btfId?: string): RetSpec | undefined {
  const e = expand<RetBase, RetFlag>(text, RET_ALIASES, RET_BASES, RET_FLAGS);
  return e ? { text, ...e, ...(btfId ? { btfId } : {}) } : undefined;
}

const R = (base: RegType['base'], ...flags: NonNullable<RegType['flags']>[number][]): RegType =>
  flags.length ? { base, flags } : { base };

const MEM_TYPES: RegType[] = [
  R('PTR_TO_STACK'), R('PTR_TO_PACKET'), R('PTR_TO_PACKET_META'), R('PTR_TO_MAP_KEY'),
  R('PTR_TO_MAP_VALUE'), R('PTR_TO_MEM'), R('PTR_TO_MEM', 'MEM_RINGBUF'), R('PTR_TO_BUF'),
  R('PTR_TO_BTF_ID', 'PTR_TRUSTED'),
];
const SOCK_TYPES: RegType[] = [R('PTR_TO_SOCK_COMMON'), R('PTR_TO_SOCKET'), R('PTR_TO_TCP_SOCK'), R('PTR_TO_XDP_SOCK')];
const SCALAR: RegType[] = [R('SCALAR_VALUE')];

/**
 * The register types an argument kind accepts, in the order the kernel lists them after
 * `expected=`. Empty for ARG_DONTCARE. (ARG_ANYTHING accepts anything initialised; the kernel
 * never prints a list for it, so it is given as scalar here.)
 */
export const COMPATIBLE_REG_TYPES: Readonly<Record<ArgBase, readonly RegType[]>> = {
  ARG_DONTCARE: [],
  ARG_ANYTHING: SCALAR,
  ARG_PTR_TO_MAP_KEY: MEM_TYPES,
  ARG_PTR_TO_MAP_VALUE: MEM_TYPES,
  ARG_PTR_TO_MEM: MEM_TYPES,
  ARG_PTR_TO_ARENA: [R('PTR_TO_ARENA')],
  ARG_CONST_SIZE: SCALAR,
  ARG_CONST_SIZE_OR_ZERO: SCALAR,
  ARG_CONST_ALLOC_SIZE_OR_ZERO: SCALAR,
  ARG_CONST_MAP_PTR: [R('CONST_PTR_TO_MAP')],
  ARG_PTR_TO_CTX: [R('PTR_TO_CTX')],
  ARG_PTR_TO_SOCK_COMMON: SOCK_TYPES,
  ARG_PTR_TO_BTF_ID_SOCK_COMMON: [...SOCK_TYPES, R('PTR_TO_BTF_ID'), R('PTR_TO_BTF_ID', 'PTR_TRUSTED')],
  ARG_PTR_TO_SOCKET: [R('PTR_TO_SOCKET')],
  ARG_PTR_TO_BTF_ID: [R('PTR_TO_BTF_ID'), R('PTR_TO_BTF_ID', 'PTR_TRUSTED'), R('PTR_TO_BTF_ID', 'MEM_RCU')],
  ARG_PTR_TO_SPIN_LOCK: [R('PTR_TO_MAP_VALUE'), R('PTR_TO_BTF_ID', 'MEM_ALLOC')],
  ARG_PTR_TO_RINGBUF_MEM: [R('PTR_TO_MEM', 'MEM_RINGBUF')],
  ARG_PTR_TO_PERCPU_BTF_ID: [
    R('PTR_TO_BTF_ID', 'MEM_PERCPU'), R('PTR_TO_BTF_ID', 'MEM_PERCPU', 'MEM_RCU'),
    R('PTR_TO_BTF_ID', 'MEM_PERCPU', 'PTR_TRUSTED'),
  ],
  ARG_PTR_TO_FUNC: [R('PTR_TO_FUNC')],
  ARG_PTR_TO_STACK: [R('PTR_TO_STACK')],
  ARG_PTR_TO_CONST_STR: [R('PTR_TO_MAP_VALUE')],
  ARG_PTR_TO_TIMER: [R('PTR_TO_MAP_VALUE')],
  ARG_KPTR_XCHG_DEST: [R('PTR_TO_MAP_VALUE'), R('PTR_TO_BTF_ID', 'MEM_ALLOC')],
  ARG_PTR_TO_DYNPTR: [R('PTR_TO_STACK'), R('CONST_PTR_TO_DYNPTR')],
};

/** The printable names after `expected=` for this argument, e.g. ['map_ptr']. */
export function expectedRegTypeNames(arg: Pick<ArgSpec, 'base'>): string[] {
  return COMPATIBLE_REG_TYPES[arg.base].map((t) => regTypeName(t));
}

/** The kernel's type-mismatch message: `R1 type=scalar expected=map_ptr`. */
export function typeMismatchMessage(regno: number, actual: RegType, arg: Pick<ArgSpec, 'base'>): string {
  return `R${regno} type=${regTypeName(actual)} expected=${expectedRegTypeNames(arg).join(', ')}`;
}

/** Whether a NULL (a known zero scalar) is accepted for this argument. */
export const argAcceptsNull = (arg: ArgSpec): boolean =>
  arg.flags.includes('PTR_MAYBE_NULL') || arg.base === 'ARG_ANYTHING' ||
  arg.base === 'ARG_CONST_SIZE_OR_ZERO' || arg.base === 'ARG_CONST_ALLOC_SIZE_OR_ZERO';

/** Register type of R0 after a call returning `ret` (RET_VOID leaves R0 uninitialised). */
export function returnRegType(ret: RetSpec): RegType {
  const flags: NonNullable<RegType['flags']>[number][] = [...ret.flags];
  switch (ret.base) {
    case 'RET_INTEGER': return R('SCALAR_VALUE');
    case 'RET_VOID': return R('NOT_INIT');
    case 'RET_PTR_TO_MAP_VALUE': return R('PTR_TO_MAP_VALUE', ...flags);
    case 'RET_PTR_TO_SOCKET': return R('PTR_TO_SOCKET', ...flags);
    case 'RET_PTR_TO_TCP_SOCK': return R('PTR_TO_TCP_SOCK', ...flags);
    case 'RET_PTR_TO_SOCK_COMMON': return R('PTR_TO_SOCK_COMMON', ...flags);
    case 'RET_PTR_TO_MEM': return R('PTR_TO_MEM', ...flags);
    // A percpu datasec variable gives read-only memory; a typed ksym gives a BTF pointer.
    case 'RET_PTR_TO_MEM_OR_BTF_ID': return R('PTR_TO_MEM', ...flags);
    case 'RET_PTR_TO_BTF_ID': return R('PTR_TO_BTF_ID', ...flags);
  }
}
