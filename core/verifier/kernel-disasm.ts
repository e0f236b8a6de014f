// The kernel verifier log's own instruction printer (kernel/bpf/disasm.c format), e.g.
// `(63) *(u32 *)(r10 -4) = r1`, `(15) if r0 == 0x0 goto pc+1`, `(85) call bpf_map_lookup_elem#1`.
import { type Instruction, imm64 } from '../isa';

const ALU_OPS: Record<number, string> = {
  0x00: '+=', 0x10: '-=', 0x20: '*=', 0x30: '/=', 0x40: '|=', 0x50: '&=', 0x60: '<<=', 0x70: '>>=',
  0x80: 'neg', 0x90: '%=', 0xa0: '^=', 0xb0: '=', 0xc0: 's>>=', 0xd0: 'endian',
};
const JMP_OPS: Record<number, string> = {
  0x10: '==', 0x20: '>', 0x30: '>=', 0x40: '&', 0x50: '!=', 0x60: 's>', 0x70: 's>=',
  0xa0: '<', 0xb0: '<=', 0xc0: 's<', 0xd0: 's<=',
};
const SIZE: Record<number, string> = { 0x00: 'u32', 0x08: 'u16', 0x10: 'u8', 0x18: 'u64' };
const SSIZE: Record<number, string> = { 0x00: 's32', 0x08: 's16', 0x10: 's8', 0x18: 's64' };

/** The kernel's name for an ALU operator (`*=`), used in verifier messages too. */
export const aluOpString = (op: number): string => ALU_OPS[op & 0xf0] ?? '?';

const signed = (n: number): string => (n >= 0 ? `+${n}` : `${n}`);
const hex32 = (n: number): string => '0x' + (n >>> 0).toString(16);

export function kernelInsnText(insn: Instruction, helperName: (id: number) => string, mapText?: string): string {
  const { code, dst, src, off, imm } = insn;
  const cls = code & 7;
  const c = `(${code.toString(16).padStart(2, '0')})`;
  if (cls === 0x07 || cls === 0x04) {
    const r = cls === 0x07 ? 'r' : 'w';
    const op = code & 0xf0;
    const x = (code & 0x08) !== 0;
    if (op === 0x80) return `${c} ${r}${dst} = -${r}${dst}`;
    if (op === 0xd0) {
      if (cls === 0x07) return `${c} r${dst} = bswap${imm} r${dst}`;
      return `${c} r${dst} = ${x ? 'be' : 'le'}${imm} r${dst}`;
    }
    if (op === 0xb0 && off !== 0 && x) return `${c} ${r}${dst} = (s${off})${r}${src}`;
    let name = ALU_OPS[op] ?? '?';
    if ((op === 0x30 || op === 0x90) && off === 1) name = 's' + name;
    return x ? `${c} ${r}${dst} ${name} ${r}${src}` : `${c} ${r}${dst} ${name} ${imm}`;
  }
  if (cls === 0x03) {
    const mode = code & 0xe0;
    const sz = SIZE[code & 0x18];
    if (mode === 0x60) return `${c} *(${sz} *)(r${dst} ${signed(off)}) = r${src}`;
    if (mode === 0xc0) {
      const w = (code & 0x18) === 0x18 ? '64' : '';
      const names: Record<number, string> = { 0x00: 'add', 0x40: 'or', 0x50: 'and', 0xa0: 'xor' };
      if (imm === 0x00 || imm === 0x40 || imm === 0x50 || imm === 0xa0) {
        return `${c} lock *(${sz} *)(r${dst} ${signed(off)}) ${ALU_OPS[imm]} r${src}`;
      }
      if ((imm & 1) && names[imm & 0xf0]) {
        return `${c} r${src} = atomic${w}_fetch_${names[imm & 0xf0]}((${sz} *)(r${dst} ${signed(off)}), r${src})`;
      }
      if (imm === 0xe1) return `${c} r${src} = atomic${w}_xchg((${sz} *)(r${dst} ${signed(off)}), r${src})`;
      if (imm === 0xf1) return `${c} r0 = atomic${w}_cmpxchg((${sz} *)(r${dst} ${signed(off)}), r0, r${src})`;
      return `${c} BUG_atomic`;
    }
    return `${c} BUG_st`;
  }
  if (cls === 0x02) return `${c} *(${SIZE[code & 0x18]} *)(r${dst} ${signed(off)}) = ${imm}`;
  if (cls === 0x01) {
    const sx = (code & 0xe0) === 0x80;
    return `${c} r${dst} = *(${(sx ? SSIZE : SIZE)[code & 0x18]} *)(r${src} ${signed(off)})`;
  }
  if (cls === 0x00) {
    const mode = code & 0xe0;
    if (code === 0x18) {
      if (mapText) return `${c} r${dst} = ${mapText}`;
      return `${c} r${dst} = 0x${imm64(insn).toString(16)}`;
    }
    const sz = SIZE[code & 0x18];
    if (mode === 0x20) return `${c} r0 = *(${sz} *)skb[${imm}]`;
    if (mode === 0x40) return `${c} r0 = *(${sz} *)skb[r${src} + ${imm}]`;
    return `${c} BUG_ld`;
  }
  // jumps
  const op = code & 0xf0;
  if (op === 0x80) {
    if (src === 1) return `${c} call pc${signed(imm)}`;
    if (src === 2) return `${c} call kernel-function`;
    if (code & 0x08) return `${c} callx r${dst}`;
    return `${c} call ${helperName(imm)}#${imm}`;
  }
  if (op === 0x90) return `${c} exit`;
  if (op === 0x00) return cls === 0x06 ? `${c} gotol pc${signed(imm)}` : `${c} goto pc${signed(off)}`;
  if (op === 0xe0) return `${c} may_goto pc${signed(off)}`;
  const r = cls === 0x06 ? 'w' : 'r';
  const rhs = code & 0x08 ? `${r}${src}` : hex32(imm);
  return `${c} if ${r}${dst} ${JMP_OPS[op] ?? '?'} ${rhs} goto pc${signed(off)}`;
}
