// Which fields of an instruction its text shows. A printed instruction re-assembles to the same
// bytes only when every field the text leaves out is zero; otherwise listings fall back to raw data.
import { ATOMIC_OPS, type Instruction } from '../isa';

export interface UsedFields {
  dst: boolean;
  src: boolean;
  off: boolean;
  imm: boolean;
}

const NONE: UsedFields = { dst: false, src: false, off: false, imm: false };
const f = (dst: boolean, src: boolean, off: boolean, imm: boolean): UsedFields => ({ dst, src, off, imm });

/**
 * Fields the syntax writes for this instruction, or undefined when the syntax has no text for it.
 * The opcode itself is assumed to be one the printer accepts.
 */
export function usedFields(insn: Instruction, syntax: 'llvm' | 'mnemonic'): UsedFields | undefined {
  const { code } = insn;
  const cls = code & 7;
  const x = (code & 8) !== 0;
  const op = code & 0xf0;
  switch (cls) {
    case 4:
    case 7:
      if (op === 0x80) return f(true, false, false, false);
      if (op === 0xd0) return f(true, false, false, true);
      return x ? f(true, true, true, insn.off === 1 && op === 0xb0) : f(true, false, true, true);
    case 5:
    case 6:
      if (op === 0x00) return cls === 6 ? f(false, false, false, true) : f(false, false, true, false);
      if (op === 0x80) return x ? f(true, false, false, false) : f(false, syntax === 'mnemonic', false, true);
      if (op === 0x90) return NONE;
      if (op === 0xe0) return f(false, false, true, false);
      return x ? f(true, true, true, false) : f(true, false, true, true);
    case 0:
      if (code === 0x18) return f(true, true, false, true);
      if ((code & 0xe0) === 0x20) return f(false, false, false, true);
      return f(false, true, false, syntax === 'mnemonic');
    case 1:
      return f(true, true, true, false);
    case 2:
      return f(true, false, true, true);
    default:
      return f(true, true, true, (code & 0xe0) === 0xc0);
  }
}

/** True when the text of `insn` in `syntax` says everything its encoding holds. */
export function fullyShown(insn: Instruction, syntax: 'llvm' | 'mnemonic'): boolean {
  const u = usedFields(insn, syntax);
  if (!u) return false;
  if (insn.dst > 10 || insn.src > 10) {
    if (u.dst && insn.dst > 10) return false;
    if (u.src && insn.src > 10 && !isPseudoSrc(insn)) return false;
  }
  if ((insn.code & 0xe7) === 0xc3 && !ATOMIC_OPS.has(insn.imm)) return false;
  if (syntax === 'llvm' && insn.code === 0x18 && insn.src !== 0 && (insn.hi ?? 0) !== 0) return false;
  return (u.dst || insn.dst === 0) && (u.src || insn.src === 0) && (u.off || insn.off === 0)
    && (u.imm || insn.imm === 0);
}

function isPseudoSrc(insn: Instruction): boolean {
  return insn.code === 0x18 || insn.code === 0x85;
}
