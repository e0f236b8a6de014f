// Splits raw bytes into instructions the way llvm-objdump does: ld_imm64 takes 16 bytes only when
// LLVM decodes it as such; anything else (including a trailing partial slot) takes 8 or fewer.
import type { Instruction } from '../isa';
import { llvmDecodesAsWide } from './llvm';

export interface WalkedInsn {
  /** Index of the first 8-byte slot. */
  slot: number;
  insn: Instruction;
  /** Bytes taken: 16 for ld_imm64, 8 otherwise, fewer for a trailing partial slot. */
  size: number;
}

export function walkInstructions(bytes: Uint8Array): WalkedInsn[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: WalkedInsn[] = [];
  let at = 0;
  while (at < bytes.byteLength) {
    const slot = at >> 3;
    if (at + 8 > bytes.byteLength) {
      out.push({ slot, insn: { code: view.getUint8(at), dst: 0, src: 0, off: 0, imm: 0 }, size: bytes.byteLength - at });
      break;
    }
    const insn: Instruction = {
      code: view.getUint8(at),
      dst: view.getUint8(at + 1) & 0xf,
      src: view.getUint8(at + 1) >> 4,
      off: view.getInt16(at + 2, true),
      imm: view.getInt32(at + 4, true),
    };
    if (llvmDecodesAsWide(insn) && at + 16 <= bytes.byteLength) {
      insn.hi = view.getInt32(at + 12, true);
      out.push({ slot, insn, size: 16 });
      at += 16;
    } else {
      out.push({ slot, insn, size: 8 });
      at += 8;
    }
  }
  return out;
}
