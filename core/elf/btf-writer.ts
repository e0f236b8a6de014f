// Writes the BTF an object needs for libbpf 1.x and the kernel: BTF-defined maps (one anonymous
// struct per map whose members spell its fields the way libbpf's __uint() macro does,
// `int (*name)[value]`, a VAR per map and the `.maps` DATASEC), and a FUNC per function with
// `.BTF.ext` func_info, which the kernel wants for callbacks and global subprograms.
import type { MapDef } from '../map-types';
import { MAP_TYPES } from '../map-types';
import { ByteWriter, StringTable } from './bytes';

const KIND_INT = 1;
const KIND_PTR = 2;
const KIND_ARRAY = 3;
const KIND_STRUCT = 4;
const KIND_FUNC = 12;
const KIND_FUNC_PROTO = 13;
const BTF_FUNC_STATIC = 0;
const BTF_FUNC_GLOBAL = 1;
const KIND_VAR = 14;
const KIND_DATASEC = 15;
const BTF_INT_SIGNED = 1;
const VAR_GLOBAL_ALLOCATED = 1;
const POINTER_SIZE = 8;
const BTF_MAGIC = 0xeb9f;
/** struct btf_ext_header with its optional core_relo fields. */
const EXT_HEADER_SIZE = 32;

/** A function that starts a (sub)program: its code section and byte offset there. */
export interface BtfFunction {
  section: string;
  name: string;
  offset: number;
  /** A program's entry point (global linkage); every other function is described as static. */
  entry: boolean;
  /** 1-based source line of the function's first instruction, when known. */
  line?: number;
}

/** Where the instructions came from, for `.BTF.ext` line_info (as clang -g records C lines). */
export interface BtfSource {
  /** The file name recorded (such as the assembly file's name). */
  file: string;
  /** Its lines, for the text each record carries. */
  lines: readonly string[];
  /** Instruction starts with their zero-based source line, per code section. */
  insns: { section: string; offset: number; line: number }[];
}

export interface BtfMaps {
  /** The `.BTF` section. */
  btf: Uint8Array;
  /** The `.BTF.ext` section with func_info, when functions were given. */
  ext?: Uint8Array;
  /** Byte offset and size of each map's definition in `.maps`, by map index. */
  layout: { offset: number; size: number }[];
  /** Size of the `.maps` section. */
  sectionSize: number;
}

/** C identifiers only: the kernel rejects BTF whose names are not. */
export const isBtfName = (name: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);

/**
 * BTF for `maps` and `functions`; map-in-map `inner` names must be maps of the same list. Each
 * function gets the prototype `int (void)`: assembly has no C types, and a static function's
 * prototype is not checked against its use. Function names must pass isBtfName.
 */
export function objectBtf(maps: readonly MapDef[], functions: readonly BtfFunction[] = [], source?: BtfSource): BtfMaps {
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
  if (maps.length > 0) {
    const varIds = maps.map((m, i) => emit(strings.add(m.name), KIND_VAR, 0, structIds[i]!, [VAR_GLOBAL_ALLOCATED]));
    const sec: number[] = [];
    maps.forEach((_, i) => sec.push(varIds[i]!, layout[i]!.offset, layout[i]!.size));
    emit(strings.add('.maps'), KIND_DATASEC, maps.length, offset, sec);
  }

  let ext: Uint8Array | undefined;
  if (functions.length > 0) {
    const proto = emit(0, KIND_FUNC_PROTO, 0, intId, []);
    const records = new Map<string, { offset: number; type: number; line?: number }[]>();
    for (const f of functions) {
      const type = emit(strings.add(f.name), KIND_FUNC, f.entry ? BTF_FUNC_GLOBAL : BTF_FUNC_STATIC, proto, []);
      const list = records.get(f.section) ?? [];
      list.push({ offset: f.offset, type, line: f.line });
      records.set(f.section, list);
    }
    const info = new ByteWriter();
    info.u32(8);
    for (const [section, list] of records) {
      list.sort((a, b) => a.offset - b.offset);
      info.u32(strings.add(section));
      info.u32(list.length);
      for (const r of list) {
        info.u32(r.offset);
        info.u32(r.type);
      }
    }
    const funcInfo = info.finish();
    // line_info: libbpf and the kernel want a record at every function start; with a source,
    // also one wherever the source line changes.
    const lines = new ByteWriter();
    lines.u32(16);
    const fileOff = source ? strings.add(source.file) : 0;
    for (const [section, list] of records) {
      const byOffset = new Map<number, number | undefined>();
      let previous: number | undefined;
      for (const i of source?.insns ?? []) {
        if (i.section !== section) continue;
        if (i.line !== previous) byOffset.set(i.offset, i.line + 1);
        previous = i.line;
      }
      for (const r of list) if (!byOffset.has(r.offset)) byOffset.set(r.offset, r.line);
      const entries = [...byOffset].sort((a, b) => a[0] - b[0]);
      lines.u32(strings.add(section));
      lines.u32(entries.length);
      for (const [offset, line] of entries) {
        const text = source && line !== undefined ? (source.lines[line - 1] ?? '').trim() : '';
        lines.u32(offset);
        lines.u32(line !== undefined ? fileOff : 0);
        lines.u32(text ? strings.add(text) : 0);
        lines.u32(((line ?? 0) & 0x3fffff) << 10);
      }
    }
    const lineInfo = lines.finish();
    const w = new ByteWriter();
    w.u16(BTF_MAGIC);
    w.u8(1);
    w.u8(0);
    w.u32(EXT_HEADER_SIZE);
    w.u32(0); // func_info_off
    w.u32(funcInfo.length);
    w.u32(funcInfo.length); // line_info_off
    w.u32(lineInfo.length);
    w.u32(funcInfo.length + lineInfo.length); // core_relo_off: none
    w.u32(0);
    w.bytes(funcInfo);
    w.bytes(lineInfo);
    ext = w.finish();
  }

  const typeBytes = types.finish();
  const strBytes = strings.bytes();
  const out = new ByteWriter();
  out.u16(BTF_MAGIC);
  out.u8(1);
  out.u8(0);
  out.u32(24);
  out.u32(0);
  out.u32(typeBytes.length);
  out.u32(typeBytes.length);
  out.u32(strBytes.length);
  out.bytes(typeBytes);
  out.bytes(strBytes);
  return ext ? { btf: out.finish(), ext, layout, sectionSize: offset } : { btf: out.finish(), layout, sectionSize: offset };
}
