// CO-RE relocations from `.BTF.ext` (clang's __builtin_preserve_* accesses), described the way
// llvm-objdump -r prints them: `<byte_off> [14] struct task_struct::real_parent (0:2)`.
import { Kind, type Btf, type BtfType } from './btf';

export interface CoreRelocation {
  section: string;
  /** Byte offset of the instruction in its section. */
  offset: number;
  typeId: number;
  /** The access string, such as '0:1:2'. */
  access: string;
  /** bpf_core_relo_kind. */
  kind: number;
  /** The llvm-objdump description. */
  text: string;
}

const KIND_NAMES = [
  'byte_off', 'byte_sz', 'field_exists', 'signed', 'lshift_u64', 'rshift_u64', 'local_type_id',
  'target_type_id', 'type_exists', 'type_size', 'enumval_exists', 'enumval_value', 'type_matches',
];
const TYPE_KINDS = new Set([6, 7, 8, 9, 12]);
const ENUMVAL_KINDS = new Set([10, 11]);

/** The core_relo records of a `.BTF.ext` section; an error message when it is malformed. */
export function parseCoreRelocations(ext: Uint8Array, btf: Btf): CoreRelocation[] | string {
  const view = new DataView(ext.buffer, ext.byteOffset, ext.byteLength);
  if (ext.length < 24) return '.BTF.ext section is too short for its header';
  const hdrLen = view.getUint32(4, true);
  if (hdrLen < 32 || ext.length < 32) return [];
  const start = hdrLen + view.getUint32(24, true);
  const len = view.getUint32(28, true);
  if (len === 0) return [];
  const end = start + len;
  if (end > ext.length || len < 4) return '.BTF.ext core_relo lies outside the section';
  const recSize = view.getUint32(start, true);
  if (recSize < 16) return `.BTF.ext core_relo record size ${recSize} is too small`;
  const out: CoreRelocation[] = [];
  for (let at = start + 4; at + 8 <= end;) {
    const section = btf.str(view.getUint32(at, true));
    const count = view.getUint32(at + 4, true);
    at += 8;
    if (at + count * recSize > end) return `.BTF.ext core_relo for ${section} is truncated`;
    for (let i = 0; i < count; i++, at += recSize) {
      const r = {
        section, offset: view.getUint32(at, true), typeId: view.getUint32(at + 4, true),
        access: btf.str(view.getUint32(at + 8, true)), kind: view.getUint32(at + 12, true),
      };
      out.push({ ...r, text: describeCoreRelocation(btf, r) });
    }
  }
  return out;
}

const kindName = (kind: number): string => `<${KIND_NAMES[kind] ?? `reloc kind #${kind}`}>`;
const nameOr = (name: string, index: number): string => name || `<anon ${index}>`;
const MODIFIERS: Record<number, string> = { [Kind.CONST]: 'const', [Kind.VOLATILE]: 'volatile', [Kind.RESTRICT]: 'restrict' };
const isModifier = (t: BtfType): boolean => t.kind in MODIFIERS || t.kind === Kind.TYPE_TAG;

function skipModifiersAndTypedefs(btf: Btf, t: BtfType): BtfType {
  for (let guard = 0; guard < 64 && (isModifier(t) || t.kind === Kind.TYPEDEF); guard++) {
    const next = btf.type(t.sizeOrType);
    if (!next) break;
    t = next;
  }
  return t;
}

/** `<kind> [id] type::path (access)`, or `<kind> [id] 'access' <problem>` when it does not resolve. */
export function describeCoreRelocation(btf: Btf, r: { typeId: number; access: string; kind: number }): string {
  const fail = (problem: string): string => `${kindName(r.kind)} [${r.typeId}] '${r.access}' <${problem}>`;
  const spec: number[] = [];
  if (r.access !== '') {
    for (const part of r.access.split(':')) {
      if (!/^\d+$/.test(part)) return fail('spec string is not a number');
      spec.push(Number(part));
    }
  }
  let out = kindName(r.kind);
  let id = r.typeId;
  let t = btf.type(id);
  if (!t) return fail(`unknown type id: ${id}`);
  out += ` [${id}]`;
  for (let chain = 0; isModifier(t); chain++) {
    if (chain >= 32) return fail('modifiers chain is too long');
    out += t.kind === Kind.TYPE_TAG ? ` type_tag("${t.name}")` : ` ${MODIFIERS[t.kind]}`;
    id = t.sizeOrType;
    const next = btf.type(id);
    if (!next) return fail(`unknown type id: ${id} in modifiers chain`);
    t = next;
  }
  if (id === 0) {
    out += ' void';
  } else {
    const prefix: Record<number, string> = {
      [Kind.TYPEDEF]: ' typedef', [Kind.STRUCT]: ' struct', [Kind.UNION]: ' union', [Kind.ENUM]: ' enum', [Kind.ENUM64]: ' enum',
      [Kind.FWD]: t.kindFlag ? ' fwd union' : ' fwd struct',
    };
    out += `${prefix[t.kind] ?? ''} ${nameOr(t.name, id)}`;
  }
  if (TYPE_KINDS.has(r.kind)) {
    return spec.length === 1 && spec[0] === 0 ? out : fail("unexpected type-based relocation spec: should be '0'");
  }
  if (!ENUMVAL_KINDS.has(r.kind) && r.kind > 5) return fail(`unknown relocation kind: ${r.kind}`);
  out += '::';
  if (ENUMVAL_KINDS.has(r.kind)) {
    const e = skipModifiersAndTypedefs(btf, t);
    if (spec.length !== 1) return fail('unexpected enumval relocation spec size');
    const index = spec[0]!;
    if (e.kind !== Kind.ENUM && e.kind !== Kind.ENUM64) return fail(`unexpected type kind for enum relocation: ${e.kind}`);
    const literal = e.values?.[index];
    if (!literal) return fail(`bad value index: ${index}`);
    const value = e.kindFlag ? BigInt.asIntN(64, literal.value) : BigInt.asUintN(64, literal.value);
    return `${out}${nameOr(literal.name, index)} = ${value}`;
  }
  if (spec.length < 1) return fail('field spec too short');
  if (spec[0] !== 0) out += `[${spec[0]}]`;
  for (let i = 1; i < spec.length; i++) {
    t = skipModifiersAndTypedefs(btf, t);
    const index = spec[i]!;
    if (t.kind === Kind.STRUCT || t.kind === Kind.UNION) {
      const member = t.members[index];
      if (!member) return fail(`member index ${index} for spec sub-string ${i} is out of range`);
      if (i !== 1 || spec[0] !== 0) out += '.';
      out += nameOr(member.name, index);
      const next = btf.type(member.type);
      if (!next) return fail(`unknown member type id ${member.type} for spec sub-string ${i}`);
      t = next;
    } else if (t.kind === Kind.ARRAY) {
      out += `[${index}]`;
      const next = btf.type(t.elemType ?? 0);
      if (!next) return fail(`unknown element type id ${t.elemType} for spec sub-string ${i}`);
      t = next;
    } else {
      return fail(`unexpected type kind ${t.kind} for spec sub-string ${i}`);
    }
  }
  return `${out} (${r.access})`;
}
