// Map definitions from a .BTF section: libbpf-style maps declared in SEC(".maps") are zeroed
// structs whose members encode the map's attributes in their BTF types
// (`__uint(max_entries, 256)` is `int (*max_entries)[256]`, `__type(key, __u32)` is `__u32 *key`).
import { MAP_TYPES, type MapDef, type MapType } from '../map-types';

const KIND_INT = 1;
const KIND_PTR = 2;
const KIND_ARRAY = 3;
const KIND_STRUCT = 4;
const KIND_UNION = 5;
const KIND_ENUM = 6;
const KIND_TYPEDEF = 8;
const KIND_VOLATILE = 9;
const KIND_CONST = 10;
const KIND_RESTRICT = 11;
const KIND_FUNC_PROTO = 13;
const KIND_VAR = 14;
const KIND_DATASEC = 15;
const KIND_FLOAT = 16;
const KIND_DECL_TAG = 17;
const KIND_TYPE_TAG = 18;
const KIND_ENUM64 = 19;

interface BtfType {
  name: string;
  kind: number;
  vlen: number;
  sizeOrType: number;
  /** Byte offset of the kind-specific data that follows the common header. */
  extra: number;
}

const MAP_TYPE_NAMES = new Map<number, MapType>(Object.entries(MAP_TYPES).map(([k, v]) => [v, k as MapType]));

/** A map found in BTF; `valuesOffset` is where a map-in-map's initial inner maps sit in its struct. */
export type BtfMap = MapDef & { valuesOffset?: number };

/** Reads the maps of the `.maps` datasec, by variable name. Returns an empty map on malformed BTF. */
export function mapsFromBtf(bytes: Uint8Array): Map<string, BtfMap> {
  try {
    return readMaps(bytes);
  } catch {
    return new Map(); // reads past the end of truncated BTF
  }
}

function readMaps(bytes: Uint8Array): Map<string, BtfMap> {
  const out = new Map<string, BtfMap>();
  if (bytes.length < 24) return out;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0, true) !== 0xeb9f) return out;
  const hdrLen = view.getUint32(4, true);
  const typeOff = hdrLen + view.getUint32(8, true);
  const typeEnd = typeOff + view.getUint32(12, true);
  const strOff = hdrLen + view.getUint32(16, true);
  const strEnd = strOff + view.getUint32(20, true);
  if (typeEnd > bytes.length || strEnd > bytes.length) return out;
  const str = (off: number): string => {
    let e = strOff + off;
    if (e >= strEnd) return '';
    const s = e;
    while (e < strEnd && bytes[e] !== 0) e++;
    let name = '';
    for (let k = s; k < e && k < s + 512; k++) name += String.fromCharCode(bytes[k]!);
    return name;
  };
  const types: BtfType[] = [{ name: '', kind: 0, vlen: 0, sizeOrType: 0, extra: 0 }];
  for (let p = typeOff; p + 12 <= typeEnd; ) {
    const info = view.getUint32(p + 4, true);
    const t: BtfType = {
      name: str(view.getUint32(p, true)),
      kind: (info >>> 24) & 0x1f,
      vlen: info & 0xffff,
      sizeOrType: view.getUint32(p + 8, true),
      extra: p + 12,
    };
    types.push(t);
    p += 12 + extraSize(t);
  }
  const at = (id: number): BtfType | undefined => types[id];
  const strip = (id: number): number => {
    for (let guard = 0; guard < 32; guard++) {
      const t = at(id);
      if (!t || ![KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST, KIND_RESTRICT, KIND_TYPE_TAG].includes(t.kind)) return id;
      id = t.sizeOrType;
    }
    return id;
  };
  const sizeOf = (id: number, depth = 0): number => {
    const t = at(strip(id));
    if (!t || depth > 16) return 0;
    switch (t.kind) {
      case KIND_PTR: return 8;
      case KIND_ARRAY: {
        const elem = view.getUint32(t.extra, true);
        return view.getUint32(t.extra + 8, true) * sizeOf(elem, depth + 1);
      }
      case KIND_INT: case KIND_STRUCT: case KIND_UNION: case KIND_ENUM: case KIND_ENUM64: case KIND_FLOAT: case KIND_DATASEC:
        return t.sizeOrType;
      default: return 0;
    }
  };
  /** `int (*name)[N]` gives N. */
  const uintValue = (id: number): number | undefined => {
    const p = at(strip(id));
    if (!p || p.kind !== KIND_PTR) return undefined;
    const a = at(strip(p.sizeOrType));
    if (!a || a.kind !== KIND_ARRAY) return undefined;
    return view.getUint32(a.extra + 8, true);
  };
  const pointee = (id: number): number | undefined => {
    const p = at(strip(id));
    return p && p.kind === KIND_PTR ? p.sizeOrType : undefined;
  };
  for (const sec of types) {
    if (sec.kind !== KIND_DATASEC || sec.name !== '.maps') continue;
    for (let k = 0; k < sec.vlen; k++) {
      const v = at(view.getUint32(sec.extra + 12 * k, true));
      if (!v || v.kind !== KIND_VAR) continue;
      const st = at(strip(v.sizeOrType));
      if (!st || st.kind !== KIND_STRUCT) continue;
      const def: BtfMap = { name: v.name, type: 'hash', keySize: 0, valueSize: 0, maxEntries: 0, flags: 0 };
      let typed = false;
      for (let m = 0; m < st.vlen; m++) {
        const mName = str(view.getUint32(st.extra + 12 * m, true));
        const mType = view.getUint32(st.extra + 12 * m + 4, true);
        switch (mName) {
          case 'type': {
            const t = MAP_TYPE_NAMES.get(uintValue(mType) ?? -1);
            if (t) {
              def.type = t;
              typed = true;
            }
            break;
          }
          case 'max_entries': def.maxEntries = uintValue(mType) ?? 0; break;
          case 'map_flags': def.flags = uintValue(mType) ?? 0; break;
          case 'key_size': def.keySize = uintValue(mType) ?? 0; break;
          case 'value_size': def.valueSize = uintValue(mType) ?? 0; break;
          case 'key': { const p = pointee(mType); if (p !== undefined) def.keySize = sizeOf(p); break; }
          case 'value': { const p = pointee(mType); if (p !== undefined) def.valueSize = sizeOf(p); break; }
          case 'values':
            // __array(values, struct inner): the value is an inner map's fd, as libbpf sets it
            def.valueSize = 4;
            def.valuesOffset = view.getUint32(st.extra + 12 * m + 8, true) / 8;
            break;
        }
      }
      if (typed) out.set(def.name, def);
    }
  }
  return out;
}

function extraSize(t: BtfType): number {
  switch (t.kind) {
    case KIND_INT: case KIND_VAR: case KIND_DECL_TAG: return 4;
    case KIND_ARRAY: return 12;
    case KIND_STRUCT: case KIND_UNION: case KIND_DATASEC: case KIND_ENUM64: return 12 * t.vlen;
    case KIND_ENUM: case KIND_FUNC_PROTO: return 8 * t.vlen;
    default: return 0;
  }
}
