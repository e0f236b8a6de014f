// Register and state text in the kernel verifier log's notation: `R0=map_value(ks=4,vs=8)`,
// `R1=scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))`, `fp-8=0000????`.
import { S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32 } from './scalar';
import { U64_MAX, tnumIsConst, tnumIsUnknown, tnumStr } from './tnum';
import {
  type Frame, MAYBE_NULL, RCU, RDONLY, RINGBUF, type Reg, STACK_DYNPTR, STACK_INVALID, STACK_MISC, STACK_SPILL, STACK_ZERO, T, TRUSTED,
  UNTRUSTED, baseId, isAddConst,
} from './state';

const BASE: Record<number, string> = {
  [T.NOT_INIT]: '?', [T.SCALAR]: 'scalar', [T.CTX]: 'ctx', [T.MAP_PTR]: 'map_ptr', [T.MAP_VALUE]: 'map_value',
  [T.STACK]: 'fp', [T.PKT]: 'pkt', [T.PKT_META]: 'pkt_meta', [T.PKT_END]: 'pkt_end', [T.FLOW_KEYS]: 'flow_keys',
  [T.SOCKET]: 'sock', [T.SOCK_COMMON]: 'sock_common', [T.TCP_SOCK]: 'tcp_sock', [T.BTF_ID]: 'ptr_',
  [T.MEM]: 'mem', [T.FUNC]: 'func', [T.MAP_KEY]: 'map_key', [T.DYNPTR]: 'dynptr_ptr', [T.XDP_SOCK]: 'xdp_sock',
};

/** The kernel's reg_type_str: `map_value_or_null`, `ringbuf_mem`, `rdonly_mem`. */
export function regTypeStr(type: T, flags = 0): string {
  const prefix = (flags & RDONLY ? 'rdonly_' : '') + (flags & RINGBUF ? 'ringbuf_' : '') + (flags & RCU ? 'rcu_' : '') +
    (flags & UNTRUSTED ? 'untrusted_' : '') + (flags & TRUSTED ? 'trusted_' : '');
  const postfix = flags & MAYBE_NULL ? (type === T.BTF_ID ? 'or_null_' : '_or_null') : '';
  return prefix + BASE[type] + postfix;
}

export const regTypeName = (r: Reg): string => regTypeStr(r.type, r.flags);

/** verbose_snum / verbose_unum: decimal for small values, hex otherwise. */
export const snum = (v: bigint): string =>
  v >= -32768n && v <= 32767n ? v.toString() : '0x' + BigInt.asUintN(64, v).toString(16);
export const unum = (v: bigint): string => (v <= 65535n ? v.toString() : '0x' + v.toString(16));

const s32Val = (v: number): bigint => (v >= -32768 && v <= 32767 ? BigInt(v) : BigInt(v >>> 0));

function scalarRanges(r: Reg, parts: string[]): void {
  const m = [
    { name: 'smin', val: r.smin, omit: r.smin === S64_MIN, s: true },
    { name: 'smax', val: r.smax, omit: r.smax === S64_MAX, s: true },
    { name: 'umin', val: r.umin, omit: r.umin === 0n, s: false },
    { name: 'umax', val: r.umax, omit: r.umax === U64_MAX, s: false },
    // 32-bit signed values printed in hex are not sign-extended (smin32=0x80000001)
    { name: 'smin32', val: s32Val(r.s32min), omit: r.s32min === S32_MIN, s: true },
    { name: 'smax32', val: s32Val(r.s32max), omit: r.s32max === S32_MAX, s: true },
    { name: 'umin32', val: BigInt(r.u32min), omit: r.u32min === 0, s: false },
    { name: 'umax32', val: BigInt(r.u32max), omit: r.u32max === U32, s: false },
  ];
  // Values compare as u64 bit patterns, as the kernel stores them.
  const bits = m.map((x) => BigInt.asUintN(64, x.val));
  for (let i = 0; i < m.length; i++) {
    if (m[i].omit) continue;
    const neg1 = m[i].s && m[i].val < 0n;
    let text = `${m[i].name}=`;
    for (let j = i + 2; j < m.length; j += 2) {
      if (m[j].omit || bits[j] !== bits[i]) continue;
      const neg2 = m[j].s && m[j].val < 0n;
      if (neg1 !== neg2) continue;
      m[j].omit = true;
      text += `${m[j].name}=`;
    }
    text += m[i].s ? snum(BigInt.asIntN(64, bits[i])) : unum(bits[i]);
    parts.push(text);
  }
}

/**
 * `precise`: scalars carry the kernel's precision mark, `P` (every scalar, without CAP_BPF).
 * `frameno`: the frame being printed; a pointer into another frame's stack names it (`fp[0]-8`).
 */
export function regText(r: Reg, precise = false, frameno = r.frameno): string {
  const p = precise && r.type === T.SCALAR ? 'P' : '';
  if (r.type === T.SCALAR && tnumIsConst(r.varOff)) return p + snum(BigInt.asIntN(64, r.varOff.value));
  const fp = r.type === T.STACK && frameno !== r.frameno ? `[${r.frameno}]` : '';
  if (r.type === T.STACK && tnumIsConst(r.varOff)) return 'fp' + fp + snum(BigInt.asIntN(64, r.varOff.value + BigInt(r.off)));
  const parts: string[] = [];
  // a scalar linked with a constant delta: `id=2+256`
  if (r.id) parts.push(`id=${baseId(r.id)}${isAddConst(r.id) ? (r.off < 0 ? r.off : `+${r.off}`) : ''}`);
  if (r.refObjId) parts.push(`ref_obj_id=${r.refObjId}`);
  if (r.type === T.DYNPTR) parts.push(`type=${DYNPTR_NAMES[r.dynptrType] ?? 'invalid'}`);
  const isMap = (r.type === T.MAP_PTR || r.type === T.MAP_VALUE || r.type === T.MAP_KEY) && r.map;
  if (isMap) parts.push(`map=${r.map!.name},ks=${r.map!.keySize},vs=${r.map!.valueSize}`);
  if (r.type !== T.SCALAR && r.off !== 0) parts.push(`off=${r.off}`);
  if (r.type === T.PKT || r.type === T.PKT_META) parts.push(`r=${unum(BigInt.asUintN(64, BigInt(r.range)))}`);
  if (r.type === T.MEM) parts.push(`sz=${r.memSize}`);
  if (tnumIsConst(r.varOff)) {
    if (r.varOff.value !== 0n || r.type === T.SCALAR) parts.push(`imm=${r.varOff.value.toString(16)}`);
  } else {
    scalarRanges(r, parts);
    if (!tnumIsUnknown(r.varOff)) parts.push(`var_off=${tnumStr(r.varOff)}`);
  }
  const name = regTypeName(r) + fp + (r.type === T.BTF_ID ? r.btfName : '');
  return `${p}${name}(${parts.join(',')})`;
}

const SLOT_CHAR = ['?', 'r', 'm', '0', 'd'];
const DYNPTR_NAMES = ['invalid', 'local', 'ringbuf'];

/** One frame's registers and stack, as print_verifier_state writes them (without the newline). */
export function frameText(f: Frame, regMask = 0x7ff, slotMask?: Set<number>, refs?: number[], precise = false): string {
  let out = f.frameno ? ` frame${f.frameno}:` : '';
  for (let i = 0; i < 11; i++) {
    const r = f.regs[i];
    if (r.type === T.NOT_INIT || !(regMask & (1 << i))) continue;
    out += ` R${i}=${regText(r, precise, f.frameno)}`;
  }
  const nslots = Math.ceil(f.allocated / 8);
  for (let spi = 0; spi < nslots; spi++) {
    let valid = false;
    let buf = '';
    for (let j = 0; j < 8; j++) {
      const t = f.stype[spi * 8 + j];
      if (t !== STACK_INVALID) valid = true;
      buf += SLOT_CHAR[t];
    }
    if (!valid || (slotMask && !slotMask.has(spi))) continue;
    const name = ` fp${-(spi + 1) * 8}`;
    if (f.stype[spi * 8] === STACK_DYNPTR) {
      // a dynptr prints once, from its lower slot, with its first slot's offset and state:
      // fp-16=dynptr_ringbuf(id=1,ref_id=2)
      const r = f.spill[spi + 1];
      if (f.spill[spi]?.dynptrFirst || !r) continue;
      // Linux 6.18 prints dynptr_id=1 for every stack dynptr (measured; the field is not the dynptr's id)
      const parts = [r.id ? `id=${r.id}` : '', r.refObjId ? `ref_id=${r.refObjId}` : '', 'dynptr_id=1'].filter(Boolean);
      out += ` fp${-(spi + 2) * 8}=dynptr_${DYNPTR_NAMES[r.dynptrType] ?? 'invalid'}(${parts.join(',')})`;
      spi++;
      continue;
    }
    if (f.stype[spi * 8 + 7] === STACK_SPILL) {
      const r = f.spill[spi];
      if (!r) continue;
      // a narrow spill: the bytes above it first (MISC/ZERO/INVALID marks)
      out += `${name}=${buf.slice(0, buf.indexOf('r'))}${regText(r, precise, f.frameno)}`;
    } else {
      out += `${name}=${buf}`;
    }
  }
  if (refs && refs.length) out += ` refs=${refs.join(',')}`;
  if (f.inCallback) out += ' cb';
  return out;
}

export { STACK_MISC, STACK_ZERO };
