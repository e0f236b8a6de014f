// Splits raw bytes into instructions the way llvm-objdump does: ld_imm64 takes 16 bytes only when
// LLVM decodes it as such; other encodings take 8. Where too few bytes remain for what the decoder
// wants (under 8, or under 16 for an ld_imm64), objdump shows one byte and tries again at the next.
import type { Instruction } from '../isa';
import { llvmDecodesAsWide } from './llvm';

export interface WalkedInsn {
  /** Byte offset of the instruction (not a multiple of 8 after a short tail). */
  offset: number;
  /** The 8-byte slot the offset falls in, which objdump prints as the address. */
  slot: number;
  insn: Instruction;
  /** Bytes taken: 16 for ld_imm64, 8 otherwise, 1 where too few bytes remain. */
  size: number;
}

export function walkInstructions(bytes: Uint8Array): WalkedInsn[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: WalkedInsn[] = [];
  let at = 0;
  while (at < bytes.byteLength) {
    const slot = at >> 3;
    const left = bytes.byteLength - at;
    if (left < 8) {
      out.push({ offset: at, slot, insn: { code: view.getUint8(at), dst: 0, src: 0, off: 0, imm: 0 }, size: 1 });
      at += 1;
      continue;
    }
    const insn: Instruction = {
      code: view.getUint8(at),
      dst: view.getUint8(at + 1) & 0xf,
      src: view.getUint8(at + 1) >> 4,
      off: view.getInt16(at + 2, true),
      imm: view.getInt32(at + 4, true),
    };
    if (llvmDecodesAsWide(insn)) {
      if (left < 16) {
        out.push({ offset: at, slot, insn, size: 1 });
        at += 1;
        continue;
      }
      insn.hi = view.getInt32(at + 12, true);
      out.push({ offset: at, slot, insn, size: 16 });
      at += 16;
    } else {
      out.push({ offset: at, slot, insn, size: 8 });
      at += 8;
    }
  }
  return out;
}
