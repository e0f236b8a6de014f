// Loads through BTF pointers (PTR_TO_BTF_ID): the walk over a kernel struct that decides what an
// access at an offset reads (btf_struct_walk / btf_struct_access), the struct compatibility test
// for helper arguments (btf_struct_ids_match), and the vmlinux `<struct>__safe_*` lists that say
// which pointer members stay trusted (btf_nested_type_is_trusted).
import { type Btf, BtfKind, isModifier, isStructKind } from '../btf';
import type { MapType } from '../map-types';

/** The kernel struct behind each map type (its map_ops' map_btf_id), for loads through map pointers. */
export const MAP_BTF_STRUCT: Readonly<Record<MapType, string>> = {
  array: 'bpf_array', percpu_array: 'bpf_array', prog_array: 'bpf_array', perf_event_array: 'bpf_array',
  cgroup_array: 'bpf_array', array_of_maps: 'bpf_array',
  hash: 'bpf_htab', percpu_hash: 'bpf_htab', lru_hash: 'bpf_htab', lru_percpu_hash: 'bpf_htab', hash_of_maps: 'bpf_htab',
  stack_trace: 'bpf_stack_map', lpm_trie: 'lpm_trie', devmap: 'bpf_dtab', devmap_hash: 'bpf_dtab',
  sockmap: 'bpf_stab', sockhash: 'bpf_shtab', cpumap: 'bpf_cpu_map', xskmap: 'xsk_map',
  cgroup_storage: 'bpf_cgroup_storage_map', percpu_cgroup_storage: 'bpf_cgroup_storage_map',
  reuseport_sockarray: 'reuseport_array', queue: 'bpf_queue_stack', stack: 'bpf_queue_stack',
  sk_storage: 'bpf_local_storage_map', inode_storage: 'bpf_local_storage_map', task_storage: 'bpf_local_storage_map',
  cgrp_storage: 'bpf_local_storage_map', struct_ops: 'bpf_struct_ops_map', ringbuf: 'bpf_ringbuf_map',
  user_ringbuf: 'bpf_ringbuf_map', bloom_filter: 'bpf_bloom_filter', arena: 'bpf_arena',
};

export type BtfWalk =
  | { kind: 'scalar' }
  /** A pointer to a struct; `untrusted` when the walk went through a union of several members. */
  | { kind: 'ptr'; id: number; untrusted: boolean; field: string }
  /** A pointer to something that is not a struct: read-only untrusted memory of size 0. */
  | { kind: 'untrusted_mem' }
  | { error: string };

/** The struct's name as the kernel prints it (`(anon)` for unnamed ones). */
export function btfTypeName(btf: Btf, id: number): string {
  return btf.type(id)?.name || '(anon)';
}

type Step = BtfWalk | { kind: 'struct'; id: number; untrusted: boolean };

/** One btf_struct_walk from struct `id` (modifiers skipped) at `off`. */
function walk(btf: Btf, id: number, off: number, size: number, untrusted: boolean): Step {
  for (let depth = 0; depth < 64; depth++) {
    let t = btf.type(id);
    if (t && isModifier(t.kind)) ({ id, type: t } = btf.skipModifiers(t.type));
    const tname = t?.name || '(anon)';
    if (!t || !isStructKind(t.kind)) return { error: `Type '${tname}' is not a struct` };
    const members = t.members;
    if (t.kind === BtfKind.UNION && members.length !== 1) untrusted = true;
    if (off + size > t.size) {
      // a flexible array as the last member may be read past the struct's end
      const beyond = { error: `access beyond struct ${tname} at off ${off >>> 0} size ${size}` };
      const last = members[members.length - 1];
      if (!last) return beyond;
      const mt = btf.skipModifiers(last.type).type;
      if (!mt || mt.kind !== BtfKind.ARRAY || mt.array!.nelems !== 0) return beyond;
      const moff = last.bitOffset / 8;
      if (off < moff) return beyond;
      const el = btf.skipModifiers(mt.array!.type);
      if (el.type?.kind === BtfKind.INT) return { kind: 'scalar' };
      if (!el.type || !isStructKind(el.type.kind) || !el.type.size) return beyond;
      off = (off - moff) % el.type.size;
      id = el.id;
      continue;
    }
    let next: { id: number; off: number } | undefined;
    for (const m of members) {
      const moff = Math.floor(m.bitOffset / 8);
      if (off + size <= moff) break;
      if (m.bitSize) {
        const endBit = m.bitOffset + m.bitSize;
        if (off <= moff && Math.ceil(endBit / 8) <= off + size) return { kind: 'scalar' };
        continue;
      }
      if (off < moff) break;
      const r = btf.resolveSize(m.type);
      if (!r) return { error: `field ${m.name} doesn't have size` };
      const trueEnd = moff + r.size;
      if (off >= trueEnd) continue;
      let mtype = r.type;
      let mid = r.type.kind === BtfKind.ARRAY ? r.elemId : btf.skipModifiers(m.type).id;
      let start = moff;
      let msize = r.size;
      if (mtype.kind === BtfKind.ARRAY) {
        if (moff === trueEnd) continue;
        msize = r.size / r.nelems;
        start = moff + Math.floor((off - moff) / msize) * msize;
        mtype = r.elemType;
        mid = r.elemId;
      }
      if (isStructKind(mtype.kind)) {
        if (off === start) return { kind: 'struct', id: mid, untrusted };
        next = { id: mid, off: off - start };
        break;
      }
      if (mtype.kind === BtfKind.PTR) {
        if (msize !== size || off !== start) {
          return { error: `cannot access ptr member ${m.name} with moff ${start} in struct ${tname} with off ${off} size ${size}` };
        }
        const target = btf.skipModifiers(mtype.type);
        if (target.type && isStructKind(target.type.kind)) return { kind: 'ptr', id: target.id, untrusted, field: m.name };
        return { kind: 'untrusted_mem' };
      }
      if (off + size > trueEnd && !untrusted) {
        return { error: `access beyond the end of member ${m.name} (mend:${trueEnd}) in struct ${tname} with off ${off} size ${size}` };
      }
      return { kind: 'scalar' };
    }
    if (!next) return { error: `struct ${tname} doesn't have field at offset ${off}` };
    id = next.id;
    off = next.off;
  }
  return { error: `struct ${btfTypeName(btf, id)} is nested too deeply` };
}

/** btf_struct_access: what a `size`-byte read at `off` of struct `id` yields. */
export function btfStructAccess(btf: Btf, id: number, off: number, size: number): BtfWalk {
  let untrusted = false;
  for (let depth = 0; depth < 64; depth++) {
    const r = walk(btf, id, off, size, untrusted);
    if ('error' in r || r.kind !== 'struct') return r;
    // a nested struct starts exactly at the offset: continue inside it
    id = r.id;
    off = 0;
    untrusted = r.untrusted;
  }
  return { error: `struct ${btfTypeName(btf, id)} is nested too deeply` };
}

/**
 * btf_struct_ids_match: whether struct `id` is, or starts with (at `off`), struct `need`. A walk
 * that fails on the way logs its message first, as the kernel's does.
 */
export function btfStructIdsMatch(btf: Btf, id: number, off: number, need: number): { match: boolean; walkError?: string } {
  if (off === 0 && id === need) return { match: true };
  for (let depth = 0; depth < 64; depth++) {
    const r = walk(btf, id, off, 1, false);
    if ('error' in r) return { match: false, walkError: r.error };
    if (r.kind !== 'struct') return { match: false };
    if (r.id === need) return { match: true };
    id = r.id;
    off = 0;
  }
  return { match: false };
}

/**
 * btf_nested_type_is_trusted: vmlinux BTF lists, in `struct <parent><suffix>` (suffix
 * `__safe_trusted`, `__safe_rcu`...), the pointer members that keep their parent's trust.
 */
export function btfFieldIsSafe(btf: Btf, parentId: number, field: string, fieldTypeId: number, suffix: string): boolean {
  const parent = btf.type(parentId);
  if (!parent) return false;
  const safeId = btf.structByName(`${parent.name}${suffix}`);
  const safe = safeId === undefined ? undefined : btf.type(safeId);
  if (!safe) return false;
  return safe.members.some((m) => {
    const mt = btf.type(m.type);
    return mt?.kind === BtfKind.PTR && m.name === field && btf.skipModifiers(mt.type).id === fieldTypeId;
  });
}
