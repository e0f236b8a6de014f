// The shape of one BPF helper as declared in libbpf's bpf_helper_defs.h.

export interface HelperParam {
  /** C type, normalised: `const void *`, `__u64`, `struct __sk_buff *`. */
  type: string;
  /** Parameter name from the declaration (`map`, `key`, ...); `arg<N>` when the header omits it. */
  name: string;
}

export interface HelperInfo {
  /** Helper id (the `imm` of `call`), 1-based. */
  id: number;
  /** Full name with the `bpf_` prefix. */
  name: string;
  /** C return type, normalised like parameter types (`void *`, `long`, `__u64`). */
  returnType: string;
  params: HelperParam[];
  /** True when the declaration ends in `...` (bpf_trace_printk). */
  variadic: boolean;
  /** C prototype text: `void *bpf_map_lookup_elem(void *map, const void *key)`. */
  signature: string;
}

/** A helper parsed from a header, with its documentation when the header has it. */
export interface HelperDoc extends HelperInfo {
  /** Description paragraph(s) from the doc comment, with the comment markup removed. */
  description: string;
  /** Text after `Returns` in the doc comment. */
  returns: string;
}
