// An llvm-objdump style listing of raw instruction bytes: address, hex bytes, LLVM text, and the
// `<section+0xNN>` target of jumps, line for line as `llvm-objdump-19 -d -z --mcpu=v4` prints them.
import { printLlvm, UNKNOWN } from './llvm';
import { walkInstructions, type WalkedInsn } from './walk';

export interface ObjdumpOptions {
  /** Section name used for jump targets and the header, default '.text'. */
  section?: string;
  /** Print the hex bytes of each instruction (default true). */
  rawBytes?: boolean;
  /** Print the `Disassembly of section` and `<symbol>:` header (default true). */
  header?: boolean;
  /** Name of the symbol at offset 0 for the header, default the section name. */
  symbol?: string;
}

/** The LLVM text of a walked instruction (a truncated ld_imm64 is `<unknown>`, as objdump shows it). */
export function walkedText(w: WalkedInsn): string {
  if (w.size < 8 || (w.insn.code === 0x18 && w.size !== 16)) return UNKNOWN;
  return printLlvm(w.insn);
}

/** Byte offset a jump goes to, or undefined when the instruction is not a jump objdump annotates. */
export function jumpTargetSlot(w: WalkedInsn, text: string): number | undefined {
  const { code } = w.insn;
  if (text === UNKNOWN) return undefined;
  const cls = code & 7;
  const op = code & 0xf0;
  if (cls === 5 && (op === 0x80 || op === 0x90)) return undefined;
  if (cls === 6 && op === 0x00) return w.slot + 1 + w.insn.imm;
  if (cls === 5 || cls === 6) return w.slot + 1 + w.insn.off;
  return undefined;
}

export function objdumpLines(bytes: Uint8Array, options: ObjdumpOptions = {}): string[] {
  const section = options.section ?? '.text';
  const raw = options.rawBytes ?? true;
  const lines: string[] = [];
  if (options.header ?? true) {
    lines.push(`Disassembly of section ${section}:`, '', `0000000000000000 <${options.symbol ?? section}>:`);
  }
  for (const w of walkInstructions(bytes)) {
    const text = walkedText(w);
    let line = `${String(w.slot).padStart(8)}:\t`;
    if (raw) {
      const hex: string[] = [];
      for (let i = 0; i < w.size; i++) hex.push(bytes[w.offset + i]!.toString(16).padStart(2, '0'));
      line += hex.join(' ') + '\t';
    }
    line += text;
    const target = jumpTargetSlot(w, text);
    if (target !== undefined) line += ` <${targetLabel(section, w.offset + (target - w.slot) * 8)}>`;
    lines.push(line);
  }
  return lines;
}

function targetLabel(section: string, byteOffset: number): string {
  if (byteOffset === 0) return section;
  // objdump adds the offset as an unsigned 64-bit number, so a target before the section wraps.
  return `${section}+0x${BigInt.asUintN(64, BigInt(byteOffset)).toString(16)}`;
}
