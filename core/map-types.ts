// Map types: the kernel's enum bpf_map_type, named as our `.map` directive spells them.

export const MAP_TYPES = {
  hash: 1, array: 2, prog_array: 3, perf_event_array: 4, percpu_hash: 5, percpu_array: 6,
  stack_trace: 7, cgroup_array: 8, lru_hash: 9, lru_percpu_hash: 10, lpm_trie: 11,
  array_of_maps: 12, hash_of_maps: 13, devmap: 14, sockmap: 15, cpumap: 16, xskmap: 17,
  sockhash: 18, cgroup_storage: 19, reuseport_sockarray: 20, percpu_cgroup_storage: 21,
  queue: 22, stack: 23, sk_storage: 24, devmap_hash: 25, struct_ops: 26, ringbuf: 27,
  inode_storage: 28, task_storage: 29, bloom_filter: 30, user_ringbuf: 31, cgrp_storage: 32,
  arena: 33,
} as const;

export type MapType = keyof typeof MAP_TYPES;

export const isMapType = (name: string): name is MapType => Object.hasOwn(MAP_TYPES, name);

/** A map as the `.map` directive (or an ELF object) defines it. */
export interface MapDef {
  name: string;
  type: MapType;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** For array_of_maps and hash_of_maps: the inner map's name. */
  inner?: string;
}
