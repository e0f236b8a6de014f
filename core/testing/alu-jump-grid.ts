// Every ALU operation followed by every conditional jump on its result, over corner-value operands.
// One XDP program per ALU operation; the operands arrive in the packet (so the verifier cannot fold
// them), and every jump's outcome and the ALU result are written back into the packet, one byte per
// jump: a difference shows exactly which operation and which comparison disagree.
import { AluOp, JmpOp } from '../isa';
import type { CorpusCase, CorpusRun } from './corpus';
import * as b from './insn';
import { ProgramBuilder } from './program-builder';

const DSTS: readonly bigint[] = [
  0n, 1n, 0xffff_ffff_ffff_ffffn, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 0x1_0000_0000n,
  0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0xffff_ffff_cb51_4d88n,
];
const SRCS: readonly bigint[] = [0n, 1n, 0xffff_ffff_ffff_ffffn, 31n, 32n, 63n, 0xffff_ffff_8000_0000n];
const CONDITIONS = [
  JmpOp.JEQ, JmpOp.JNE, JmpOp.JGT, JmpOp.JGE, JmpOp.JLT, JmpOp.JLE, JmpOp.JSGT, JmpOp.JSGE, JmpOp.JSLT,
  JmpOp.JSLE, JmpOp.JSET,
];
const JUMP_IMMS = [0, -1, 1, 0x7fff_ffff, -0x8000_0000, 32];
/** Packet layout: dst operand, src operand, third operand, ALU result, then one byte per jump. */
const DST = 0, SRC = 8, OTHER = 16, RESULT = 24, FLAGS = 32;
const JUMPS = 2 * CONDITIONS.length * (4 + JUMP_IMMS.length);
export const GRID_PACKET_SIZE = FLAGS + JUMPS;

type AluVariant = { name: string; emit: (p: ProgramBuilder) => void };

function variants(): AluVariant[] {
  const out: AluVariant[] = [];
  const binary: [string, AluOp, number][] = [
    ['add', AluOp.ADD, 0], ['sub', AluOp.SUB, 0], ['mul', AluOp.MUL, 0], ['div', AluOp.DIV, 0], ['sdiv', AluOp.DIV, 1],
    ['mod', AluOp.MOD, 0], ['smod', AluOp.MOD, 1], ['or', AluOp.OR, 0], ['and', AluOp.AND, 0], ['xor', AluOp.XOR, 0],
    ['mov', AluOp.MOV, 0],
  ];
  for (const w of [32, 64] as const) {
    for (const [name, op, off] of binary) {
      out.push({ name: `${name}${w} reg`, emit: (p) => p.emit(b.aluReg(w, op, 1, 2, off)) });
      for (const imm of [-1, 0x8000_0000 | 0, 7, 32]) {
        out.push({ name: `${name}${w} ${imm}`, emit: (p) => p.emit(b.aluImm(w, op, 1, imm, off)) });
      }
    }
    for (const [name, op] of [['lsh', AluOp.LSH], ['rsh', AluOp.RSH], ['arsh', AluOp.ARSH]] as const) {
      // register amounts masked to the width, as the kernel requires for defined results
      out.push({ name: `${name}${w} reg`, emit: (p) => p.emit(b.aluImm(w, AluOp.AND, 2, w - 1), b.aluReg(w, op, 1, 2)) });
      for (const imm of [0, 1, 31, w - 1]) out.push({ name: `${name}${w} ${imm}`, emit: (p) => p.emit(b.aluImm(w, op, 1, imm)) });
    }
    out.push({ name: `neg${w}`, emit: (p) => p.emit(b.neg(w, 1)) });
  }
  for (const bits of [8, 16, 32] as const) out.push({ name: `movsx64 ${bits}`, emit: (p) => p.emit(b.movsx(64, 1, 2, bits)) });
  for (const bits of [8, 16] as const) out.push({ name: `movsx32 ${bits}`, emit: (p) => p.emit(b.movsx(32, 1, 2, bits)) });
  for (const kind of ['le', 'be', 'swap'] as const) {
    for (const bits of [16, 32, 64] as const) out.push({ name: `${kind}${bits}`, emit: (p) => p.emit(b.endian(kind, 1, bits)) });
  }
  return out;
}

function program(v: AluVariant): ProgramBuilder {
  const p = new ProgramBuilder('xdp', 'xdp', 'grid');
  const out = p.newLabel();
  p.emit(b.ldx(4, 6, 1, 0), b.ldx(4, 3, 1, 4), b.movReg(4, 6), b.aluImm(64, AluOp.ADD, 4, GRID_PACKET_SIZE), b.movImm(0, 0));
  p.jump(b.jmpReg(64, JmpOp.JGT, 4, 3, 0), out);
  const operate = (): void => {
    p.emit(b.ldx(8, 1, 6, DST), b.ldx(8, 2, 6, SRC));
    v.emit(p);
  };
  operate();
  p.emit(b.stx(8, 6, RESULT, 1));
  // Each jump tests a freshly computed result (the JIT and the VM see ALU-then-jump back to back),
  // and every register it touches is dead after it, so the verifier's state pruning can merge the
  // two paths of each jump instead of following 2^220 of them.
  let at = FLAGS;
  for (const w of [64, 32] as const) {
    for (const cond of CONDITIONS) {
      for (const other of [SRC, OTHER]) {
        for (const resultFirst of [true, false]) {
          p.emit(b.ldx(8, 3, 6, other));
          operate();
          p.emit(resultFirst ? b.jmpReg(w, cond, 1, 3, 1) : b.jmpReg(w, cond, 3, 1, 1), b.st(1, 6, at++, 1));
        }
      }
      for (const imm of JUMP_IMMS) {
        operate();
        p.emit(b.jmpImm(w, cond, 1, imm, 1), b.st(1, 6, at++, 1));
      }
    }
  }
  p.emit(b.movImm(0, 2));
  p.place(out).emit(b.exit());
  return p;
}

const le64 = (v: bigint): Uint8Array => new Uint8Array(new BigUint64Array([v]).buffer);

/** One case per ALU operation (156), with a run per (dst, src) operand pair (70). */
export function aluJumpGridCases(): CorpusCase[] {
  const runs: CorpusRun[] = [];
  DSTS.forEach((dst, i) => {
    SRCS.forEach((src, j) => {
      const data = new Uint8Array(GRID_PACKET_SIZE);
      data.set(le64(dst), DST);
      data.set(le64(src), SRC);
      data.set(le64(DSTS[(i + j + 1) % DSTS.length]!), OTHER);
      runs.push({ data });
    });
  });
  return variants().map((v) => ({
    name: `ALU ${v.name} then every jump`, progType: 'xdp', program: program(v).build(), maps: [], runs,
  }));
}
