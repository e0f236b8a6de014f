// A reader for raw BTF (the kernel's BPF Type Format, e.g. /sys/kernel/btf/vmlinux): types by id,
// structs by name, and the size resolution the verifier uses when it walks a struct.

export const enum BtfKind {
  UNKN = 0, INT = 1, PTR = 2, ARRAY = 3, STRUCT = 4, UNION = 5, ENUM = 6, FWD = 7, TYPEDEF = 8,
  VOLATILE = 9, CONST = 10, RESTRICT = 11, FUNC = 12, FUNC_PROTO = 13, VAR = 14, DATASEC = 15,
  FLOAT = 16, DECL_TAG = 17, TYPE_TAG = 18, ENUM64 = 19,
}

export interface BtfMember {
  name: string;
  type: number;
  /** Offset from the struct start in bits. */
  bitOffset: number;
  /** Bit-field width (0: not a bit-field). */
  bitSize: number;
}

export interface BtfType {
  id: number;
  kind: BtfKind;
  name: string;
  kindFlag: boolean;
  /** Byte size (INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC). */
  size: number;
  /** The referenced type (PTR, TYPEDEF, modifiers, FUNC, VAR, TYPE_TAG...). */
  type: number;
  /** STRUCT and UNION members. */
  members: readonly BtfMember[];
  /** ARRAY: element type and element count. */
  array?: { type: number; nelems: number };
}

const BTF_MAGIC = 0xeb9f;
const HEADER_MIN = 24;

/** Extra bytes after the 12-byte common header, per kind (vlen = the member/param count). */
function extraBytes(kind: number, vlen: number): number | undefined {
  switch (kind) {
    case BtfKind.INT: case BtfKind.VAR: case BtfKind.DECL_TAG: return 4;
    case BtfKind.ARRAY: return 12;
    case BtfKind.STRUCT: case BtfKind.UNION: case BtfKind.DATASEC: case BtfKind.ENUM64: return 12 * vlen;
    case BtfKind.ENUM: case BtfKind.FUNC_PROTO: return 8 * vlen;
    case BtfKind.PTR: case BtfKind.FWD: case BtfKind.TYPEDEF: case BtfKind.VOLATILE: case BtfKind.CONST:
    case BtfKind.RESTRICT: case BtfKind.FUNC: case BtfKind.FLOAT: case BtfKind.TYPE_TAG:
      return 0;
    default: return undefined;
  }
}

export class BtfError extends Error {}

export class Btf {
  private readonly view: DataView;
  private readonly typesStart: number;
  private readonly strStart: number;
  private readonly strEnd: number;
  /** Byte offset of each type's record (index = id; id 0 is void). */
  private readonly offsets: Uint32Array;
  private readonly cache = new Map<number, BtfType>();
  private structNames: Map<string, number> | undefined;
  private readonly decoder = new TextDecoder();

  /** Parses raw BTF; throws BtfError on data that is not well-formed little-endian BTF. */
  constructor(bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const v = this.view;
    if (bytes.byteLength < HEADER_MIN) throw new BtfError('BTF data is shorter than its header');
    if (v.getUint16(0, true) !== BTF_MAGIC) throw new BtfError('not BTF (bad magic; only little-endian BTF is read)');
    const hdrLen = v.getUint32(4, true);
    const typeOff = v.getUint32(8, true);
    const typeLen = v.getUint32(12, true);
    const strOff = v.getUint32(16, true);
    const strLen = v.getUint32(20, true);
    this.typesStart = hdrLen + typeOff;
    const typesEnd = this.typesStart + typeLen;
    this.strStart = hdrLen + strOff;
    this.strEnd = this.strStart + strLen;
    if (hdrLen < HEADER_MIN || typesEnd > bytes.byteLength || this.strEnd > bytes.byteLength) {
      throw new BtfError('BTF sections run past the end of the data');
    }
    const offs: number[] = [0];
    let p = this.typesStart;
    while (p < typesEnd) {
      if (p + 12 > typesEnd) throw new BtfError(`truncated BTF type record at byte ${p}`);
      const info = v.getUint32(p + 4, true);
      const extra = extraBytes((info >>> 24) & 0x1f, info & 0xffff);
      if (extra === undefined) throw new BtfError(`unknown BTF kind ${(info >>> 24) & 0x1f} (type ${offs.length})`);
      offs.push(p);
      p += 12 + extra;
    }
    this.offsets = Uint32Array.from(offs);
  }

  /** Number of type ids (including void, id 0). */
  get count(): number {
    return this.offsets.length;
  }

  private str(off: number): string {
    const start = this.strStart + off;
    if (off === 0 || start >= this.strEnd) return '';
    let end = start;
    const bytes = new Uint8Array(this.view.buffer, this.view.byteOffset);
    while (end < this.strEnd && bytes[end] !== 0) end++;
    return this.decoder.decode(bytes.subarray(start, end));
  }

  /** The type with this id; undefined for void (0) and ids out of range. */
  type(id: number): BtfType | undefined {
    if (id <= 0 || id >= this.offsets.length) return undefined;
    const hit = this.cache.get(id);
    if (hit) return hit;
    const v = this.view;
    const p = this.offsets[id];
    const info = v.getUint32(p + 4, true);
    const kind = ((info >>> 24) & 0x1f) as BtfKind;
    const vlen = info & 0xffff;
    const kindFlag = (info >>> 31) === 1;
    const sizeOrType = v.getUint32(p + 8, true);
    const t: BtfType = {
      id, kind, name: this.str(v.getUint32(p, true)), kindFlag, size: 0, type: 0, members: [],
    };
    switch (kind) {
      case BtfKind.INT: case BtfKind.ENUM: case BtfKind.ENUM64: case BtfKind.FLOAT: case BtfKind.DATASEC:
        t.size = sizeOrType;
        break;
      case BtfKind.STRUCT: case BtfKind.UNION: {
        t.size = sizeOrType;
        const members: BtfMember[] = [];
        for (let i = 0; i < vlen; i++) {
          const m = p + 12 + i * 12;
          const off = v.getUint32(m + 8, true);
          members.push({
            name: this.str(v.getUint32(m, true)), type: v.getUint32(m + 4, true),
            bitOffset: kindFlag ? off & 0xffffff : off, bitSize: kindFlag ? off >>> 24 : 0,
          });
        }
        t.members = members;
        break;
      }
      case BtfKind.ARRAY:
        t.array = { type: v.getUint32(p + 12, true), nelems: v.getUint32(p + 20, true) };
        break;
      default:
        t.type = sizeOrType;
    }
    this.cache.set(id, t);
    return t;
  }

  /** btf_find_by_name_kind(name, BTF_KIND_STRUCT): the first struct of that name. */
  structByName(name: string): number | undefined {
    if (!this.structNames) {
      const names = new Map<string, number>();
      const v = this.view;
      for (let id = 1; id < this.offsets.length; id++) {
        const p = this.offsets[id];
        if (((v.getUint32(p + 4, true) >>> 24) & 0x1f) !== BtfKind.STRUCT) continue;
        const n = this.str(v.getUint32(p, true));
        if (n && !names.has(n)) names.set(n, id);
      }
      this.structNames = names;
    }
    return this.structNames.get(name);
  }

  /** The values of the DECL_TAGs on type `id` as a whole (e.g. `bpf_kfunc` on a kernel function). */
  declTags(id: number): readonly string[] {
    if (!this.tags) {
      const tags = new Map<number, string[]>();
      const v = this.view;
      for (let i = 1; i < this.offsets.length; i++) {
        const p = this.offsets[i];
        if (((v.getUint32(p + 4, true) >>> 24) & 0x1f) !== BtfKind.DECL_TAG) continue;
        if (v.getInt32(p + 12, true) !== -1) continue; // a tag on one member or parameter
        const target = v.getUint32(p + 8, true);
        const list = tags.get(target) ?? [];
        list.push(this.str(v.getUint32(p, true)));
        tags.set(target, list);
      }
      this.tags = tags;
    }
    return this.tags.get(id) ?? [];
  }

  private tags: Map<number, string[]> | undefined;

  /** btf_type_skip_modifiers: follows typedef/const/volatile/restrict/type_tag to the real type. */
  skipModifiers(id: number): { id: number; type: BtfType | undefined } {
    let t = this.type(id);
    for (let depth = 0; t && isModifier(t.kind) && depth < 32; depth++) {
      id = t.type;
      t = this.type(id);
    }
    return { id, type: t };
  }

  /**
   * __btf_resolve_size: the size of a member's type. For arrays (also nested ones) the result is
   * the outermost array type, the total size, and the innermost element with its count.
   */
  resolveSize(id: number): { type: BtfType; size: number; elemType: BtfType; elemId: number; nelems: number } | undefined {
    let t = this.type(id);
    let arrayType: BtfType | undefined;
    let nelems = 1;
    for (let depth = 0; t && depth < 32; depth++) {
      switch (t.kind) {
        case BtfKind.INT: case BtfKind.STRUCT: case BtfKind.UNION: case BtfKind.ENUM: case BtfKind.FLOAT:
        case BtfKind.ENUM64:
          return { type: arrayType ?? t, size: nelems * t.size, elemType: t, elemId: id, nelems };
        case BtfKind.PTR:
          return { type: arrayType ?? t, size: nelems * 8, elemType: t, elemId: id, nelems };
        case BtfKind.TYPEDEF: case BtfKind.VOLATILE: case BtfKind.CONST: case BtfKind.RESTRICT: case BtfKind.TYPE_TAG:
          id = t.type;
          t = this.type(id);
          break;
        case BtfKind.ARRAY:
          arrayType ??= t;
          nelems *= t.array!.nelems;
          id = t.array!.type;
          t = this.type(id);
          break;
        default:
          return undefined;
      }
    }
    return undefined;
  }
}

export const isModifier = (k: BtfKind): boolean =>
  k === BtfKind.TYPEDEF || k === BtfKind.VOLATILE || k === BtfKind.CONST || k === BtfKind.RESTRICT || k === BtfKind.TYPE_TAG;

export const isStructKind = (k: BtfKind): boolean => k === BtfKind.STRUCT || k === BtfKind.UNION;
