// Just enough BTF to read BTF-defined maps (the `.maps` section clang emits): each map variable's
// struct, whose members encode the type, sizes, entry count and flags.

const BTF_MAGIC = 0xeb9f;

export const enum Kind {
  INT = 1, PTR = 2, ARRAY = 3, STRUCT = 4, UNION = 5, ENUM = 6, FWD = 7, TYPEDEF = 8,
  VOLATILE = 9, CONST = 10, RESTRICT = 11, FUNC = 12, FUNC_PROTO = 13, VAR = 14, DATASEC = 15,
  FLOAT = 16, DECL_TAG = 17, TYPE_TAG = 18, ENUM64 = 19,
}

interface BtfMember {
  name: string;
  type: number;
}

export interface BtfType {
  kind: number;
  /** The info word's kind_flag (a FWD of a union, a signed enum). */
  kindFlag: boolean;
  name: string;
  /** size for INT/STRUCT/UNION/ENUM/DATASEC/FLOAT; referenced type for the others. */
  sizeOrType: number;
  members: BtfMember[];
  /** ARRAY: element type and count. */
  elemType?: number;
  nelems?: number;
  /** DATASEC: its variables. */
  vars?: { type: number; offset: number; size: number }[];
  /** ENUM / ENUM64: the literals, values as read (ENUM's 32 bits sign-extended). */
  values?: { name: string; value: bigint }[];
}

/** A map's fields as its BTF struct gives them; absent ones were not in the struct. */
export interface BtfMapFields {
  type?: number;
  keySize?: number;
  valueSize?: number;
  maxEntries?: number;
  flags?: number;
  /** The struct has a `values` array (map-in-map or prog array initialiser). */
  hasValues: boolean;
  /** For map-in-map: the map variable whose struct `values` points to (the inner map template). */
  inner?: string;
}

export class Btf {
  private constructor(
    private readonly types: BtfType[],
    /** The string at an offset of the BTF string section ('' when out of range). */
    readonly str: (off: number) => string,
  ) {}

  /** Parses a `.BTF` section; returns an error message instead when it is malformed. */
  static parse(bytes: Uint8Array): Btf | string {
    if (bytes.length < 24) return 'BTF section is too short for its header';
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint16(0, true) !== BTF_MAGIC) return 'BTF section has a bad magic number (or is big-endian)';
    const hdrLen = view.getUint32(4, true);
    const typeOff = view.getUint32(8, true);
    const typeLen = view.getUint32(12, true);
    const strOff = view.getUint32(16, true);
    const strLen = view.getUint32(20, true);
    const typeStart = hdrLen + typeOff;
    const strStart = hdrLen + strOff;
    if (typeStart + typeLen > bytes.length || strStart + strLen > bytes.length) {
      return 'BTF type or string section lies outside the BTF data';
    }
    const str = (off: number): string => {
      if (off >= strLen) return '';
      let end = strStart + off;
      while (end < strStart + strLen && bytes[end] !== 0) end++;
      return new TextDecoder().decode(bytes.subarray(strStart + off, end));
    };
    const types: BtfType[] = [{ kind: 0, kindFlag: false, name: '', sizeOrType: 0, members: [] }];
    let at = typeStart;
    const end = typeStart + typeLen;
    const need = (n: number): boolean => at + n <= end;
    while (at < end) {
      if (!need(12)) return `BTF type ${types.length} is truncated`;
      const nameOff = view.getUint32(at, true);
      const info = view.getUint32(at + 4, true);
      const sizeOrType = view.getUint32(at + 8, true);
      at += 12;
      const kind = (info >>> 24) & 0x1f;
      const vlen = info & 0xffff;
      const t: BtfType = { kind, kindFlag: info >>> 31 === 1, name: str(nameOff), sizeOrType, members: [] };
      let extra: number;
      switch (kind) {
        case Kind.INT: case Kind.VAR: case Kind.DECL_TAG: extra = 4; break;
        case Kind.ARRAY: extra = 12; break;
        case Kind.STRUCT: case Kind.UNION: case Kind.DATASEC: case Kind.ENUM64: extra = 12 * vlen; break;
        case Kind.ENUM: case Kind.FUNC_PROTO: extra = 8 * vlen; break;
        case Kind.PTR: case Kind.FWD: case Kind.TYPEDEF: case Kind.VOLATILE: case Kind.CONST:
        case Kind.RESTRICT: case Kind.FUNC: case Kind.FLOAT: case Kind.TYPE_TAG: extra = 0; break;
        default: return `BTF type ${types.length} has unknown kind ${kind}`;
      }
      if (!need(extra)) return `BTF type ${types.length} is truncated`;
      if (kind === Kind.ARRAY) {
        t.elemType = view.getUint32(at, true);
        t.nelems = view.getUint32(at + 8, true);
      } else if (kind === Kind.STRUCT || kind === Kind.UNION) {
        for (let i = 0; i < vlen; i++) {
          t.members.push({ name: str(view.getUint32(at + 12 * i, true)), type: view.getUint32(at + 12 * i + 4, true) });
        }
      } else if (kind === Kind.ENUM || kind === Kind.ENUM64) {
        t.values = [];
        const size = kind === Kind.ENUM ? 8 : 12;
        for (let i = 0; i < vlen; i++) {
          const p = at + size * i;
          const value = kind === Kind.ENUM
            ? BigInt(view.getInt32(p + 4, true))
            : (BigInt(view.getUint32(p + 8, true)) << 32n) | BigInt(view.getUint32(p + 4, true));
          t.values.push({ name: str(view.getUint32(p, true)), value });
        }
      } else if (kind === Kind.DATASEC) {
        t.vars = [];
        for (let i = 0; i < vlen; i++) {
          const p = at + 12 * i;
          t.vars.push({ type: view.getUint32(p, true), offset: view.getUint32(p + 4, true), size: view.getUint32(p + 8, true) });
        }
      }
      at += extra;
      types.push(t);
    }
    return new Btf(types, str);
  }

  /** The type with this id (0 is void), or undefined. */
  type(id: number): BtfType | undefined {
    return this.types[id];
  }

  /** The map fields of each variable in the `.maps` data section, by variable name. */
  mapDefinitions(): Map<string, BtfMapFields> {
    const out = new Map<string, BtfMapFields>();
    const varOfStruct = new Map<number, string>();
    const innerStructs = new Map<string, number>();
    for (const sec of this.types) {
      if (sec.kind !== Kind.DATASEC || sec.name !== '.maps') continue;
      for (const v of sec.vars ?? []) {
        const variable = this.types[v.type];
        if (!variable || variable.kind !== Kind.VAR) continue;
        const structId = this.skipModifiers(variable.sizeOrType);
        const struct = this.types[structId];
        if (!struct || struct.kind !== Kind.STRUCT) continue;
        if (!varOfStruct.has(structId)) varOfStruct.set(structId, variable.name);
        const { fields, innerStruct } = this.mapFields(struct);
        if (innerStruct !== undefined) innerStructs.set(variable.name, innerStruct);
        out.set(variable.name, fields);
      }
    }
    for (const [name, structId] of innerStructs) {
      const inner = varOfStruct.get(structId);
      if (inner !== undefined) out.get(name)!.inner = inner;
    }
    return out;
  }

  private mapFields(struct: BtfType): { fields: BtfMapFields; innerStruct?: number } {
    const fields: BtfMapFields = { hasValues: false };
    let innerStruct: number | undefined;
    for (const m of struct.members) {
      switch (m.name) {
        case 'type': fields.type = this.uintMember(m.type); break;
        case 'max_entries': fields.maxEntries = this.uintMember(m.type); break;
        case 'map_flags': fields.flags = this.uintMember(m.type); break;
        case 'key_size': fields.keySize = this.uintMember(m.type); break;
        case 'value_size': fields.valueSize = this.uintMember(m.type); break;
        case 'key': fields.keySize = this.pointeeSize(m.type); break;
        case 'value': fields.valueSize = this.pointeeSize(m.type); break;
        case 'values': {
          fields.hasValues = true;
          // `struct inner *values[]`: an array of pointers to the inner map's struct.
          const arr = this.types[this.skipModifiers(m.type)];
          const ptr = arr?.kind === Kind.ARRAY ? this.types[this.skipModifiers(arr.elemType ?? 0)] : undefined;
          if (ptr?.kind === Kind.PTR) {
            const id = this.skipModifiers(ptr.sizeOrType);
            if (this.types[id]?.kind === Kind.STRUCT) innerStruct = id;
          }
          break;
        }
      }
    }
    return { fields, innerStruct };
  }

  /** `__uint(name, N)` is `int (*name)[N]`: N is the array's element count. */
  private uintMember(typeId: number): number | undefined {
    const ptr = this.types[this.skipModifiers(typeId)];
    if (!ptr || ptr.kind !== Kind.PTR) return undefined;
    const arr = this.types[this.skipModifiers(ptr.sizeOrType)];
    return arr && arr.kind === Kind.ARRAY ? arr.nelems : undefined;
  }

  /** `__type(name, T)` is `T *name`: the size of T. */
  private pointeeSize(typeId: number): number | undefined {
    const ptr = this.types[this.skipModifiers(typeId)];
    if (!ptr || ptr.kind !== Kind.PTR) return undefined;
    return this.sizeOf(ptr.sizeOrType, 0);
  }

  private skipModifiers(id: number): number {
    for (let guard = 0; guard < 64; guard++) {
      const t = this.types[id];
      if (!t) return id;
      if (t.kind !== Kind.TYPEDEF && t.kind !== Kind.VOLATILE && t.kind !== Kind.CONST &&
        t.kind !== Kind.RESTRICT && t.kind !== Kind.TYPE_TAG) return id;
      id = t.sizeOrType;
    }
    return id;
  }

  private sizeOf(id: number, depth: number): number | undefined {
    if (depth > 64) return undefined;
    const t = this.types[this.skipModifiers(id)];
    if (!t) return undefined;
    switch (t.kind) {
      case Kind.INT: case Kind.STRUCT: case Kind.UNION: case Kind.ENUM: case Kind.ENUM64: case Kind.FLOAT:
        return t.sizeOrType;
      case Kind.PTR: return 8;
      case Kind.ARRAY: {
        const elem = this.sizeOf(t.elemType ?? 0, depth + 1);
        return elem === undefined ? undefined : elem * (t.nelems ?? 0);
      }
      default: return undefined;
    }
  }
}

/** One `.BTF.ext` line_info record: the source line an instruction came from. */
export interface BtfLineInfo {
  section: string;
  /** Byte offset of the instruction in its section. */
  offset: number;
  file: string;
  /** 1-based line and column (0 when unknown). */
  line: number;
  column: number;
  /** The source line's text, as the compiler recorded it. */
  text: string;
}

/** The line_info records of a `.BTF.ext` section; an error message when it is malformed. */
export function parseLineInfo(ext: Uint8Array, btf: Btf): BtfLineInfo[] | string {
  if (ext.length < 24) return '.BTF.ext section is too short for its header';
  const view = new DataView(ext.buffer, ext.byteOffset, ext.byteLength);
  if (view.getUint16(0, true) !== BTF_MAGIC) return '.BTF.ext section has a bad magic number';
  const hdrLen = view.getUint32(4, true);
  const lineOff = view.getUint32(16, true);
  const lineLen = view.getUint32(20, true);
  const start = hdrLen + lineOff;
  const end = start + lineLen;
  if (lineLen === 0) return [];
  if (end > ext.length || lineLen < 4) return '.BTF.ext line_info lies outside the section';
  const recSize = view.getUint32(start, true);
  if (recSize < 16) return `.BTF.ext line_info record size ${recSize} is too small`;
  const out: BtfLineInfo[] = [];
  let at = start + 4;
  while (at + 8 <= end) {
    const section = btf.str(view.getUint32(at, true));
    const count = view.getUint32(at + 4, true);
    at += 8;
    if (at + count * recSize > end) return `.BTF.ext line_info for ${section} is truncated`;
    for (let i = 0; i < count; i++, at += recSize) {
      const lineCol = view.getUint32(at + 12, true);
      out.push({
        section, offset: view.getUint32(at, true), file: btf.str(view.getUint32(at + 4, true)),
        line: lineCol >>> 10, column: lineCol & 0x3ff, text: btf.str(view.getUint32(at + 8, true)),
      });
    }
  }
  return out;
}
