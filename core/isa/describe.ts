// A plain-language sentence for what an instruction does, for hovers and the debugger.
import { AluOp, AtomicOp, Class, JmpOp, LD_IMM64, Mode, PseudoSrc, Source, aluOp, insnClass, jmpOp, memMode, memSize, sizeBytes, source } from './opcodes';
import { imm64, type Instruction } from './instruction';

const ALU_VERB: Record<number, string> = {
  [AluOp.ADD]: 'adds', [AluOp.SUB]: 'subtracts', [AluOp.MUL]: 'multiplies by', [AluOp.DIV]: 'divides by',
  [AluOp.OR]: 'ORs with', [AluOp.AND]: 'ANDs with', [AluOp.LSH]: 'shifts left by', [AluOp.RSH]: 'shifts right (logical) by',
  [AluOp.MOD]: 'takes the remainder by', [AluOp.XOR]: 'XORs with', [AluOp.ARSH]: 'shifts right (arithmetic) by',
};

const JMP_COND: Record<number, string> = {
  [JmpOp.JEQ]: '==', [JmpOp.JNE]: '!=', [JmpOp.JGT]: '> (unsigned)', [JmpOp.JGE]: '>= (unsigned)',
  [JmpOp.JLT]: '< (unsigned)', [JmpOp.JLE]: '<= (unsigned)', [JmpOp.JSGT]: '> (signed)', [JmpOp.JSGE]: '>= (signed)',
  [JmpOp.JSLT]: '< (signed)', [JmpOp.JSLE]: '<= (signed)', [JmpOp.JSET]: '& (any common bit)',
};

const ATOMIC_NAME: Record<number, string> = {
  [AtomicOp.ADD]: 'add', [AtomicOp.OR]: 'or', [AtomicOp.AND]: 'and', [AtomicOp.XOR]: 'xor',
};

export function describeInsn(insn: Instruction, helperName: (id: number) => string = (id) => `#${id}`): string {
  const { code, dst, src, off, imm } = insn;
  const cls = insnClass(code);
  const x = source(code) === Source.X;
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      const bits = cls === Class.ALU64 ? 64 : 32;
      const d = bits === 64 ? `r${dst}` : `w${dst}`;
      const operand = x ? (bits === 64 ? `r${src}` : `w${src}`) : String(imm);
      const zext = bits === 32 ? '; the upper 32 bits of r' + dst + ' become 0' : '';
      const op = aluOp(code);
      if (op === AluOp.MOV) {
        if (off) return `${d} = ${operand} sign-extended from ${off} bits${zext}`;
        return `${d} = ${operand}${zext}`;
      }
      if (op === AluOp.NEG) return `${d} = -${d}${zext}`;
      if (op === AluOp.END) {
        if (cls === Class.ALU64) return `byte-swaps the low ${imm} bits of r${dst} unconditionally`;
        return `converts the low ${imm} bits of r${dst} ${x ? 'to big endian' : 'to little endian'} (a swap on ${x ? 'little' : 'big'}-endian hosts), zeroing the rest`;
      }
      if ((op === AluOp.DIV || op === AluOp.MOD) && off === 1) {
        return `${d} ${op === AluOp.DIV ? 'divides' : 'takes the remainder'} by ${operand}, signed (by zero: ${op === AluOp.DIV ? '0' : 'unchanged'})${zext}`;
      }
      const verb = ALU_VERB[op] ?? 'operates on';
      const note = op === AluOp.DIV ? ' (by zero gives 0)' : op === AluOp.MOD ? ' (by zero leaves it unchanged)' : op === AluOp.LSH || op === AluOp.RSH || op === AluOp.ARSH ? ` (amount masked to ${bits - 1})` : '';
      return `${d} ${verb} ${operand}${note}${zext}`;
    }
    case Class.LDX: {
      const n = sizeBytes(memSize(code));
      const sx = memMode(code) === Mode.MEMSX;
      return `loads ${n} byte${n > 1 ? 's' : ''} from r${src}${off >= 0 ? '+' : ''}${off} into r${dst}, ${sx ? 'sign' : 'zero'}-extended`;
    }
    case Class.ST:
      return `stores the constant ${imm} as ${sizeBytes(memSize(code))} bytes at r${dst}${off >= 0 ? '+' : ''}${off}`;
    case Class.STX: {
      const n = sizeBytes(memSize(code));
      const at = `r${dst}${off >= 0 ? '+' : ''}${off}`;
      if (memMode(code) !== Mode.ATOMIC) return `stores the low ${n} bytes of r${src} at ${at}`;
      if (imm === AtomicOp.XCHG) return `atomically swaps r${src} with the ${n} bytes at ${at}`;
      if (imm === AtomicOp.CMPXCHG) return `atomically compares the ${n} bytes at ${at} with r0 and, if equal, stores r${src}; r0 receives the old value`;
      const name = ATOMIC_NAME[imm & ~AtomicOp.FETCH] ?? '?';
      return `atomically ${name}s r${src} into the ${n} bytes at ${at}${imm & AtomicOp.FETCH ? `; r${src} receives the old value` : ''}`;
    }
    case Class.LD: {
      if (code === LD_IMM64) {
        const kind: Record<number, string> = {
          [PseudoSrc.MAP_FD]: 'the address of map', [PseudoSrc.MAP_VALUE]: 'the address of a map value', [PseudoSrc.BTF_ID]: 'the address of a kernel variable (BTF id)',
          [PseudoSrc.FUNC]: 'the address of a function', [PseudoSrc.MAP_IDX]: 'the address of the map at index', [PseudoSrc.MAP_IDX_VALUE]: 'the address of a value in the map at index',
        };
        return src ? `r${dst} = ${kind[src] ?? 'pseudo'} ${imm}` : `r${dst} = 0x${imm64(insn).toString(16)} (a 64-bit constant)`;
      }
      const n = sizeBytes(memSize(code));
      const where = memMode(code) === Mode.ABS ? `packet offset ${imm}` : `packet offset r${src}+${imm}`;
      return `legacy packet load: r0 = ${n} bytes at ${where}, converted from network byte order; exits with 0 when out of bounds`;
    }
    case Class.JMP:
    case Class.JMP32: {
      const op = jmpOp(code);
      if (op === JmpOp.EXIT) return 'returns r0 to the caller (or ends the program)';
      if (op === JmpOp.CALL) {
        if (x) return `calls the function whose address is in r${dst}`;
        if (src === 1) return `calls the subprogram at ${imm >= 0 ? '+' : ''}${imm} (fresh stack frame; r1-r5 are arguments, r6-r9 preserved)`;
        if (src === 2) return `calls kernel function (kfunc) with BTF id ${imm}`;
        return `calls helper ${helperName(imm)} (#${imm}); r1-r5 are arguments and are clobbered, the result is in r0`;
      }
      if (op === JmpOp.JA) return `jumps by ${cls === Class.JMP32 ? imm : off} instructions`;
      if (op === JmpOp.JCOND) return `jumps by ${off} once the loop budget (may_goto) is exhausted, else falls through`;
      const bits = cls === Class.JMP32 ? 32 : 64;
      const lhs = bits === 64 ? `r${dst}` : `w${dst}`;
      const rhs = x ? (bits === 64 ? `r${src}` : `w${src}`) : String(imm);
      return `jumps by ${off} if ${lhs} ${JMP_COND[op] ?? '?'} ${rhs}, comparing ${bits} bits`;
    }
  }
  return 'unknown instruction';
}
