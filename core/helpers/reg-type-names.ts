// The verifier's register types (enum bpf_reg_type plus its type flags) and the names the kernel
// prints for them in messages such as `R1 type=scalar expected=map_ptr` (reg_type_str()).

export type RegBaseType =
  | 'NOT_INIT' | 'SCALAR_VALUE' | 'PTR_TO_CTX' | 'CONST_PTR_TO_MAP' | 'PTR_TO_MAP_VALUE'
  | 'PTR_TO_MAP_KEY' | 'PTR_TO_STACK' | 'PTR_TO_PACKET_META' | 'PTR_TO_PACKET' | 'PTR_TO_PACKET_END'
  | 'PTR_TO_FLOW_KEYS' | 'PTR_TO_SOCKET' | 'PTR_TO_SOCK_COMMON' | 'PTR_TO_TCP_SOCK'
  | 'PTR_TO_TP_BUFFER' | 'PTR_TO_XDP_SOCK' | 'PTR_TO_BTF_ID' | 'PTR_TO_MEM' | 'PTR_TO_ARENA'
  | 'PTR_TO_BUF' | 'PTR_TO_FUNC' | 'CONST_PTR_TO_DYNPTR';

/** Printable base names, exactly as the kernel spells them. */
export const REG_TYPE_NAMES: Readonly<Record<RegBaseType, string>> = {
  NOT_INIT: '?',
  SCALAR_VALUE: 'scalar',
  PTR_TO_CTX: 'ctx',
  CONST_PTR_TO_MAP: 'map_ptr',
  PTR_TO_MAP_VALUE: 'map_value',
  PTR_TO_STACK: 'fp',
  PTR_TO_PACKET: 'pkt',
  PTR_TO_PACKET_META: 'pkt_meta',
  PTR_TO_PACKET_END: 'pkt_end',
  PTR_TO_FLOW_KEYS: 'flow_keys',
  PTR_TO_SOCKET: 'sock',
  PTR_TO_SOCK_COMMON: 'sock_common',
  PTR_TO_TCP_SOCK: 'tcp_sock',
  PTR_TO_TP_BUFFER: 'tp_buffer',
  PTR_TO_XDP_SOCK: 'xdp_sock',
  PTR_TO_BTF_ID: 'ptr_',
  PTR_TO_MEM: 'mem',
  PTR_TO_ARENA: 'arena',
  PTR_TO_BUF: 'buf',
  PTR_TO_FUNC: 'func',
  PTR_TO_MAP_KEY: 'map_key',
  CONST_PTR_TO_DYNPTR: 'dynptr_ptr',
};

/** Type flags that can ride on a register type (enum bpf_type_flag, the subset registers carry). */
export type RegTypeFlag =
  | 'PTR_MAYBE_NULL' | 'MEM_RDONLY' | 'MEM_RINGBUF' | 'MEM_USER' | 'MEM_PERCPU' | 'MEM_RCU'
  | 'PTR_UNTRUSTED' | 'PTR_TRUSTED' | 'MEM_ALLOC' | 'NON_OWN_REF' | 'MEM_UNINIT';

export interface RegType {
  base: RegBaseType;
  flags?: readonly RegTypeFlag[];
}

/** Flags printed as prefixes, in the kernel's order. Other flags are not printed. */
const PREFIX_FLAGS: ReadonlyArray<[RegTypeFlag, string]> = [
  ['MEM_RDONLY', 'rdonly_'],
  ['MEM_RINGBUF', 'ringbuf_'],
  ['MEM_USER', 'user_'],
  ['MEM_PERCPU', 'percpu_'],
  ['MEM_RCU', 'rcu_'],
  ['PTR_UNTRUSTED', 'untrusted_'],
  ['PTR_TRUSTED', 'trusted_'],
];

/**
 * The kernel's printable name of a register type: `scalar`, `fp`, `map_value_or_null`,
 * `ringbuf_mem_or_null`, `trusted_ptr_`, `ptr_or_null_` (BTF pointers put the suffix last).
 */
export function regTypeName(type: RegType | RegBaseType): string {
  const t: RegType = typeof type === 'string' ? { base: type } : type;
  const flags = new Set(t.flags ?? []);
  let prefix = '';
  for (const [flag, text] of PREFIX_FLAGS) if (flags.has(flag)) prefix += text;
  let postfix = '';
  if (flags.has('PTR_MAYBE_NULL')) postfix = t.base === 'PTR_TO_BTF_ID' ? 'or_null_' : '_or_null';
  return `${prefix}${REG_TYPE_NAMES[t.base]}${postfix}`;
}

/** Looks a printable base name back up (`map_value` -> PTR_TO_MAP_VALUE); undefined if unknown. */
export function regBaseTypeOfName(name: string): RegBaseType | undefined {
  for (const [base, text] of Object.entries(REG_TYPE_NAMES) as [RegBaseType, string][]) {
    if (text === name) return base;
  }
  return undefined;
}
