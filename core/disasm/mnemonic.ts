// Prints one instruction in the mnemonic syntax of uBPF / bpf_conformance (`mov32 %r0, 0`),
// in forms that core/asm/mnemonic-parser reads back to the same fields.
import type { Instruction } from '../isa';
import { ALU_OPS, JMP_OPS, LDDW_PSEUDO_NAMES, SIZE_SUFFIXES } from '../asm/mnemonic-table';
import type { NumberStyle } from './llvm';

export interface MnemonicPrintOptions {
  /** Name for a jump or local-call target slot, or undefined to print a relative offset. */
  labelFor?: (targetSlot: number) => string | undefined;
  /** Slot of this instruction (needed with labelFor). */
  slot?: number;
  /** Symbol to print for an ld_imm64 instead of its value (a relocation). */
  imm64Symbol?: string;
  /** Name to print for a call (a relocation or a helper name) instead of the number. */
  callName?: string;
  /** 'objdump' (default): immediates as bpf_conformance's disassembler writes them; 'source': decimal up to 4096. */
  numbers?: NumberStyle;
}

const ALU_NAMES = new Map<number, string>();
for (const { name, op, off } of ALU_OPS) ALU_NAMES.set(op | ((off ?? 0) << 8), name);
const JMP_NAMES = new Map<number, string>(JMP_OPS.map(({ name, op }) => [op, name]));
const SIZE_NAME = new Map<number, string>(SIZE_SUFFIXES.map(({ suffix, size }) => [size, suffix]));
const ATOMIC_NAMES: Record<number, string> = {
  0x00: 'add', 0x40: 'or', 0x50: 'and', 0xa0: 'xor', 0x01: 'fetch add', 0x41: 'fetch or', 0x51: 'fetch and',
  0xa1: 'fetch xor', 0xe1: 'xchg', 0xf1: 'cmpxchg',
};

const r = (n: number): string => '%r' + n;

/** An immediate as bpf_conformance writes it: small and negative numbers in decimal, others in hex. */
export function mnemonicImm(v: number): string {
  if ((v < 0 && v !== -0x8000_0000) || (v >= -10 && v <= 10)) return String(v);
  return '0x' + (v >>> 0).toString(16);
}

function imm64Text(v: bigint, limit: bigint): string {
  const s = BigInt.asIntN(64, v);
  if (s >= -limit && s <= limit) return s.toString();
  return '0x' + BigInt.asUintN(64, v).toString(16);
}

function memText(reg: number, off: number): string {
  return off === 0 ? `[${r(reg)}]` : off > 0 ? `[${r(reg)}+${off}]` : `[${r(reg)}${off}]`;
}

const rel = (v: number): string => (v < 0 ? String(v) : '+' + v);

/** The mnemonic text, or undefined when the syntax cannot express this encoding. */
export function printMnemonic(insn: Instruction, options: MnemonicPrintOptions = {}): string | undefined {
  const { code, dst, src, off, imm } = insn;
  if (dst > 10 || (src > 10 && code !== 0x18)) return undefined;
  const source = options.numbers === 'source';
  const num = (v: number): string => (source && v >= -4096 && v <= 4096 ? String(v) : mnemonicImm(v));
  const wide = (v: bigint): string => imm64Text(v, source ? 4096n : 10n);
  const cls = code & 7;
  const x = (code & 8) !== 0;
  const op = code & 0xf0;
  const target = (delta: number): string => {
    const name = options.labelFor && options.slot !== undefined ? options.labelFor(options.slot + 1 + delta) : undefined;
    return name ?? rel(delta);
  };
  switch (cls) {
    case 4:
    case 7: {
      const suffix = cls === 4 ? '32' : '';
      if (op === 0xd0) {
        if (imm !== 16 && imm !== 32 && imm !== 64) return undefined;
        if (cls === 7) return x ? undefined : `bswap${imm} ${r(dst)}`;
        return `${x ? 'be' : 'le'}${imm} ${r(dst)}`;
      }
      if (op === 0x80) return x ? undefined : `neg${suffix} ${r(dst)}`;
      if (op === 0xb0 && x && off !== 0) {
        if (off === 8 || off === 16 || (off === 32 && cls === 7)) return `movsx${off}${cls === 4 ? '32' : '64'} ${r(dst)}, ${r(src)}`;
        return undefined;
      }
      if (off !== 0 && off !== 1) return undefined;
      const name = ALU_NAMES.get(op | (off << 8));
      if (!name) return undefined;
      return `${name}${suffix} ${r(dst)}, ${x ? r(src) : num(imm)}`;
    }
    case 5:
    case 6: {
      if (op === 0x00) {
        if (x) return undefined;
        return cls === 6 ? `ja32 ${target(imm)}` : `ja ${target(off)}`;
      }
      if (op === 0x80) {
        if (cls === 6) return undefined;
        if (x) return `callx ${r(dst)}`;
        if (src === 0) return `call ${options.callName ?? num(imm)}`;
        if (src === 1) return `call local ${options.callName ?? target(imm)}`;
        if (src === 2) return `call runtime ${num(imm)}`;
        return undefined;
      }
      if (op === 0x90) return cls === 5 && !x ? 'exit' : undefined;
      if (op === 0xe0) return cls === 5 && !x ? `may_goto ${target(off)}` : undefined;
      const name = JMP_NAMES.get(op);
      if (!name) return undefined;
      return `${name}${cls === 6 ? '32' : ''} ${r(dst)}, ${x ? r(src) : num(imm)}, ${target(off)}`;
    }
    case 0: {
      if (code === 0x18) {
        if (options.imm64Symbol !== undefined) return `lddw ${r(dst)}, ${options.imm64Symbol}`;
        const value = (BigInt((insn.hi ?? 0) >>> 0) << 32n) | BigInt(imm >>> 0);
        if (src === 0) return `lddw ${r(dst)}, ${wide(value)}`;
        const pseudo = LDDW_PSEUDO_NAMES[src];
        return pseudo ? `lddw ${r(dst)}, ${pseudo} ${wide(value)}` : undefined;
      }
      const size = SIZE_NAME.get(code & 0x18);
      if (!size) return undefined;
      if ((code & 0xe0) === 0x20) return `ldabs${size} ${num(imm)}`;
      if ((code & 0xe0) === 0x40) return src > 10 ? undefined : `ldind${size} ${r(src)}, ${num(imm)}`;
      return undefined;
    }
    case 1: {
      const size = SIZE_NAME.get(code & 0x18)!;
      const mode = code & 0xe0;
      if (mode === 0x60) return `ldx${size} ${r(dst)}, ${memText(src, off)}`;
      if (mode === 0x80 && size !== 'dw') return `ldxs${size} ${r(dst)}, ${memText(src, off)}`;
      return undefined;
    }
    case 2:
      if ((code & 0xe0) !== 0x60) return undefined;
      return `st${SIZE_NAME.get(code & 0x18)} ${memText(dst, off)}, ${num(imm)}`;
    default: {
      const mode = code & 0xe0;
      const size = code & 0x18;
      if (mode === 0x60) return `stx${SIZE_NAME.get(size)} ${memText(dst, off)}, ${r(src)}`;
      if (mode !== 0xc0 || (size !== 0x00 && size !== 0x18)) return undefined;
      const name = ATOMIC_NAMES[imm];
      if (!name) return undefined;
      return `lock ${name}${size === 0 ? '32' : ''} ${memText(dst, off)}, ${r(src)}`;
    }
  }
}
