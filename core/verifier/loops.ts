// Whether a program has a backward jump: the verifier then walks a loop once per iteration it
// cannot prove equivalent. It stops where the kernel does (a million processed instructions, 8,192
// queued paths), which can still take a few seconds, so callers run it off the main thread with a
// time limit as a safety net.
import { Class, JmpOp, insnClass, jmpOp } from '../isa';
import type { Program } from '../asm/program';

export function hasBackEdge(program: Pick<Program, 'insns'>): boolean {
  return program.insns.some(({ insn }) => {
    const cls = insnClass(insn.code);
    if (cls !== Class.JMP && cls !== Class.JMP32) return false;
    const op = jmpOp(insn.code);
    if (op === JmpOp.EXIT) return false;
    if (op === JmpOp.CALL) return insn.src === 1 && insn.imm < 0;
    const off = cls === Class.JMP32 && op === JmpOp.JA ? insn.imm : insn.off;
    return off < 0;
  });
}
