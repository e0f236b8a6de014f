// The smallest BTF the kernel asks for when a program has bpf-to-bpf functions used as callbacks
// (bpf_loop, bpf_for_each_map_elem...): an int, one prototype, and a static FUNC per function,
// with the func_info records that tie each function's first instruction to its FUNC.
import { CallKind, LD_IMM64, PseudoSrc, insnClass, Class, jmpOp, JmpOp, slotCount, type Instruction } from '../isa';

const BTF_MAGIC = 0xeb9f;
const BTF_KIND_INT = 1;
const BTF_KIND_FUNC = 12;
const BTF_KIND_FUNC_PROTO = 13;
const INT_SIGNED = 1 << 24;

/** Slots where functions start: 0, and every target of a bpf-to-bpf call or function address. */
export function functionStarts(insns: readonly Instruction[]): number[] {
  const starts = new Set<number>([0]);
  let slot = 0;
  for (const insn of insns) {
    const isCall = insnClass(insn.code) === Class.JMP && jmpOp(insn.code) === JmpOp.CALL && insn.src === CallKind.PSEUDO_CALL;
    const isFuncAddr = insn.code === LD_IMM64 && insn.src === PseudoSrc.FUNC;
    if (isCall || isFuncAddr) starts.add(slot + 1 + insn.imm);
    slot += slotCount(insn);
  }
  return [...starts].sort((a, b) => a - b);
}

/** Whether the kernel will want func_info: some function's address is taken (a callback). */
export const needsFuncInfo = (insns: readonly Instruction[]): boolean =>
  insns.some((i) => i.code === LD_IMM64 && i.src === PseudoSrc.FUNC);

/** BTF bytes with FUNC type ids 3.. for `count` functions, and the func_info records for `starts`. */
export function minimalFuncBtf(starts: readonly number[]): { btf: Uint8Array; funcInfo: Uint8Array } {
  const strings = ['', 'int', ...starts.map((_, i) => `f${i}`)];
  const stringBytes = new TextEncoder().encode(strings.join('\0') + '\0');
  const nameOff = (i: number): number => strings.slice(0, i).reduce((n, s) => n + s.length + 1, 0);
  const types: number[] = [
    nameOff(1), BTF_KIND_INT << 24, 4, INT_SIGNED | 32, // [1] int
    0, BTF_KIND_FUNC_PROTO << 24, 1, // [2] int (void)
  ];
  starts.forEach((_, i) => types.push(nameOff(2 + i), BTF_KIND_FUNC << 24, 2)); // [3+i] static FUNC
  const typeBytes = new Uint8Array(new Uint32Array(types).buffer);
  const header = new DataView(new ArrayBuffer(24));
  header.setUint16(0, BTF_MAGIC, true);
  header.setUint8(2, 1);
  header.setUint32(4, 24, true);
  header.setUint32(8, 0, true);
  header.setUint32(12, typeBytes.length, true);
  header.setUint32(16, typeBytes.length, true);
  header.setUint32(20, stringBytes.length, true);
  const btf = new Uint8Array(24 + typeBytes.length + stringBytes.length);
  btf.set(new Uint8Array(header.buffer), 0);
  btf.set(typeBytes, 24);
  btf.set(stringBytes, 24 + typeBytes.length);
  const funcInfo = new Uint8Array(new Uint32Array(starts.flatMap((slot, i) => [slot, 3 + i])).buffer);
  return { btf, funcInfo };
}
