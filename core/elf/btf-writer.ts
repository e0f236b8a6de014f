// Writes the BTF that describes BTF-defined maps (the `.maps` section libbpf 1.x requires): one
// anonymous struct per map whose members spell its fields the way libbpf's __uint() macro does,
// `int (*name)[value]`, plus a VAR per map and the `.maps` DATASEC.
import type { MapDef } from '../map-types';
import { MAP_TYPES } from '../map-types';
import { ByteWriter, StringTable } from './bytes';

const KIND_INT = 1;
const KIND_PTR = 2;
const KIND_ARRAY = 3;
const KIND_STRUCT = 4;
const KIND_VAR = 14;
const KIND_DATASEC = 15;
const BTF_INT_SIGNED = 1;
const VAR_GLOBAL_ALLOCATED = 1;
const POINTER_SIZE = 8;

export interface BtfMaps {
  /** The `.BTF` section. */
  btf: Uint8Array;
  /** Byte offset and size of each map's definition in `.maps`, by map index. */
  layout: { offset: number; size: number }[];
  /** Size of the `.maps` section. */
  sectionSize: number;
}

/** BTF for `maps`; map-in-map `inner` names must be maps of the same list to be described. */
export function mapsBtf(maps: readonly MapDef[]): BtfMaps {
  const strings = new StringTable();
  const types = new ByteWriter();
  let nextId = 1;
  const emit = (nameOff: number, kind: number, vlen: number, sizeOrType: number, extra: number[]): number => {
    types.u32(nameOff);
    types.u32((kind << 24) | vlen);
    types.u32(sizeOrType);
    for (const x of extra) types.u32(x);
    return nextId++;
  };

  const intId = emit(strings.add('int'), KIND_INT, 0, 4, [(BTF_INT_SIGNED << 24) | 32]);
  const uintPtr = new Map<number, number>();
  /** `int (*)[n]`, shared by every member that encodes the number n. */
  const uintMember = (n: number): number => {
    let id = uintPtr.get(n);
    if (id === undefined) {
      const arr = emit(0, KIND_ARRAY, 0, 0, [intId, intId, n >>> 0]);
      id = emit(0, KIND_PTR, 0, arr, []);
      uintPtr.set(n, id);
    }
    return id;
  };

  // Each map's struct first (inner maps are referenced by struct id), then the values arrays.
  const fieldsOf = (m: MapDef): [string, number][] => {
    const f: [string, number][] = [['type', MAP_TYPES[m.type]], ['max_entries', m.maxEntries]];
    if (m.keySize) f.push(['key_size', m.keySize]);
    if (m.valueSize) f.push(['value_size', m.valueSize]);
    if (m.flags) f.push(['map_flags', m.flags]);
    return f;
  };
  const memberTypes = maps.map((m) => fieldsOf(m).map(([name, n]) => [name, uintMember(n)] as const));
  const structIds: number[] = [];
  const layout: { offset: number; size: number }[] = [];
  // Struct ids are known before they are written: each struct is one type, emitted in order.
  const innerIndex = maps.map((m) => (m.inner === undefined ? -1 : maps.findIndex((x) => x.name === m.inner)));
  // values: `struct inner *values[]`, an array of pointers to the inner map's struct.
  const firstStruct = nextId + innerIndex.filter((i) => i >= 0).length * 2;
  const valuesMember = innerIndex.map((i) => {
    if (i < 0) return undefined;
    const ptr = emit(0, KIND_PTR, 0, firstStruct + i, []);
    return emit(0, KIND_ARRAY, 0, 0, [ptr, intId, 0]);
  });
  let offset = 0;
  maps.forEach((_, i) => {
    const members: (readonly [string, number])[] = [...memberTypes[i]!];
    const values = valuesMember[i];
    if (values !== undefined) members.push(['values', values]);
    const size = members.length * POINTER_SIZE;
    const extra: number[] = [];
    members.forEach(([name, type], k) => extra.push(strings.add(name), type, k * POINTER_SIZE * 8));
    structIds.push(emit(0, KIND_STRUCT, members.length, size, extra));
    layout.push({ offset, size });
    offset += size;
  });
  const varIds = maps.map((m, i) => emit(strings.add(m.name), KIND_VAR, 0, structIds[i]!, [VAR_GLOBAL_ALLOCATED]));
  const sec: number[] = [];
  maps.forEach((_, i) => sec.push(varIds[i]!, layout[i]!.offset, layout[i]!.size));
  emit(strings.add('.maps'), KIND_DATASEC, maps.length, offset, sec);

  const typeBytes = types.finish();
  const strBytes = strings.bytes();
  const out = new ByteWriter();
  out.u16(0xeb9f);
  out.u8(1);
  out.u8(0);
  out.u32(24);
  out.u32(0);
  out.u32(typeBytes.length);
  out.u32(typeBytes.length);
  out.u32(strBytes.length);
  out.bytes(typeBytes);
  out.bytes(strBytes);
  return { btf: out.finish(), layout, sectionSize: offset };
}
