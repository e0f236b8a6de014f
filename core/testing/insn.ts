// A tiny instruction builder for tests and generators: one function per instruction shape.
import {
  AluOp, AtomicOp, CallKind, Class, JmpOp, LD_IMM64, Mode, PseudoSrc, Size, Source, splitImm64, type Instruction,
} from '../isa';

const insn = (code: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ code, dst, src, off, imm: imm | 0 });

export type Width = 32 | 64;
const aluClass = (w: Width): Class => (w === 64 ? Class.ALU64 : Class.ALU);
const jmpClass = (w: Width): Class => (w === 64 ? Class.JMP : Class.JMP32);

/** dst op= imm; `off` carries the signed-division flag (1) or movsx width. */
export const aluImm = (w: Width, op: AluOp, dst: number, imm: number, off = 0): Instruction =>
  insn(aluClass(w) | op | Source.K, dst, 0, off, imm);
export const aluReg = (w: Width, op: AluOp, dst: number, src: number, off = 0): Instruction =>
  insn(aluClass(w) | op | Source.X, dst, src, off, 0);
export const movImm = (dst: number, imm: number, w: Width = 64): Instruction => aluImm(w, AluOp.MOV, dst, imm);
export const movReg = (dst: number, src: number, w: Width = 64): Instruction => aluReg(w, AluOp.MOV, dst, src);
/** Sign-extending move of the low `bits` of src (movsx). */
export const movsx = (w: Width, dst: number, src: number, bits: 8 | 16 | 32): Instruction =>
  aluReg(w, AluOp.MOV, dst, src, bits);
export const neg = (w: Width, dst: number): Instruction => insn(aluClass(w) | AluOp.NEG, dst);
/** le/be conversion (ALU class) or unconditional bswap (ALU64 class, 'swap'). */
export const endian = (kind: 'le' | 'be' | 'swap', dst: number, bits: 16 | 32 | 64): Instruction =>
  kind === 'swap'
    ? insn(Class.ALU64 | AluOp.END | Source.K, dst, 0, 0, bits)
    : insn(Class.ALU | AluOp.END | (kind === 'be' ? Source.X : Source.K), dst, 0, 0, bits);

export const ldImm64 = (dst: number, value: bigint): Instruction => ({ ...insn(LD_IMM64, dst), ...splitImm64(value) });
/** ld_imm64 of a map fd (src = BPF_PSEUDO_MAP_FD). */
export const ldMapFd = (dst: number, fd: number): Instruction => ({ ...insn(LD_IMM64, dst, PseudoSrc.MAP_FD, 0, fd), hi: 0 });
/** ld_imm64 of the address of a map's value plus offset (src = BPF_PSEUDO_MAP_VALUE). */
export const ldMapValue = (dst: number, fd: number, offset: number): Instruction =>
  ({ ...insn(LD_IMM64, dst, PseudoSrc.MAP_VALUE, 0, fd), hi: offset });

const sizeOf = (bytes: 1 | 2 | 4 | 8): Size => (bytes === 1 ? Size.B : bytes === 2 ? Size.H : bytes === 4 ? Size.W : Size.DW);

export const ldx = (bytes: 1 | 2 | 4 | 8, dst: number, src: number, off: number): Instruction =>
  insn(Class.LDX | Mode.MEM | sizeOf(bytes), dst, src, off);
/** Sign-extending load (ldxsb/ldxsh/ldxsw). */
export const ldxs = (bytes: 1 | 2 | 4, dst: number, src: number, off: number): Instruction =>
  insn(Class.LDX | Mode.MEMSX | sizeOf(bytes), dst, src, off);
export const stx = (bytes: 1 | 2 | 4 | 8, dst: number, off: number, src: number): Instruction =>
  insn(Class.STX | Mode.MEM | sizeOf(bytes), dst, src, off);
export const st = (bytes: 1 | 2 | 4 | 8, dst: number, off: number, imm: number): Instruction =>
  insn(Class.ST | Mode.MEM | sizeOf(bytes), dst, 0, off, imm);
export const atomic = (bytes: 4 | 8, op: AtomicOp, dst: number, off: number, src: number): Instruction =>
  insn(Class.STX | Mode.ATOMIC | sizeOf(bytes), dst, src, off, op);

export const jmpImm = (w: Width, op: JmpOp, dst: number, imm: number, off: number): Instruction =>
  insn(jmpClass(w) | op | Source.K, dst, 0, off, imm);
export const jmpReg = (w: Width, op: JmpOp, dst: number, src: number, off: number): Instruction =>
  insn(jmpClass(w) | op | Source.X, dst, src, off);
export const ja = (off: number): Instruction => insn(Class.JMP | JmpOp.JA, 0, 0, off);
/** gotol: the JMP32-class ja whose 32-bit target is in imm. */
export const gotol = (imm: number): Instruction => insn(Class.JMP32 | JmpOp.JA, 0, 0, 0, imm);
/** may_goto: jumps when the loop budget is exhausted, otherwise falls through. */
export const mayGoto = (off: number): Instruction => insn(Class.JMP | JmpOp.JCOND, 0, 0, off);
export const call = (helper: number): Instruction => insn(Class.JMP | JmpOp.CALL, 0, CallKind.HELPER, 0, helper);
export const exit = (): Instruction => insn(Class.JMP | JmpOp.EXIT);

/** Legacy packet loads (socket filters, tc): r0 = ntoh(*(size *)(skb->data + imm)), clobbering r1-r5. */
export const ldAbs = (bytes: 1 | 2 | 4, imm: number): Instruction => insn(Class.LD | Mode.ABS | sizeOf(bytes), 0, 0, 0, imm);
export const ldInd = (bytes: 1 | 2 | 4, src: number, imm: number): Instruction =>
  insn(Class.LD | Mode.IND | sizeOf(bytes), 0, src, 0, imm);
