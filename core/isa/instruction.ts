// The instruction model: one record per instruction, symmetric encode/decode, and validation.
import {
  AluOp, AtomicOp, CallKind, Class, JmpOp, LD_IMM64, Mode, PseudoSrc, Size, Source,
  aluOp, insnClass, jmpOp, memMode, memSize, source,
} from './opcodes';

/**
 * One instruction. `imm` is the signed 32-bit immediate. For ld_imm64 (the only two-slot
 * instruction) `hi` holds the second slot's immediate, so the constant is hi:imm.
 */
export interface Instruction {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  hi?: number;
}

export const INSN_SIZE = 8;

export const isWide = (insn: Pick<Instruction, 'code'>): boolean => insn.code === LD_IMM64;
export const slotCount = (insn: Pick<Instruction, 'code'>): 1 | 2 => (isWide(insn) ? 2 : 1);

/** The 64-bit constant of an ld_imm64, as an unsigned bigint. */
export function imm64(insn: Instruction): bigint {
  return (BigInt((insn.hi ?? 0) >>> 0) << 32n) | BigInt(insn.imm >>> 0);
}

/** Splits a 64-bit constant into the signed halves stored in the two slots. */
export function splitImm64(value: bigint): { imm: number; hi: number } {
  const v = BigInt.asUintN(64, value);
  return { imm: Number(BigInt.asIntN(32, v & 0xffff_ffffn)), hi: Number(BigInt.asIntN(32, v >> 32n)) };
}

export function encodeInto(insn: Instruction, view: DataView, byteOffset: number): number {
  view.setUint8(byteOffset, insn.code & 0xff);
  view.setUint8(byteOffset + 1, ((insn.src & 0xf) << 4) | (insn.dst & 0xf));
  view.setInt16(byteOffset + 2, insn.off, true);
  view.setInt32(byteOffset + 4, insn.imm | 0, true);
  if (!isWide(insn)) return INSN_SIZE;
  view.setUint32(byteOffset + 8, 0, true);
  view.setInt32(byteOffset + 12, (insn.hi ?? 0) | 0, true);
  return 2 * INSN_SIZE;
}

export function encodeProgram(insns: readonly Instruction[]): Uint8Array {
  const slots = insns.reduce((n, i) => n + slotCount(i), 0);
  const bytes = new Uint8Array(slots * INSN_SIZE);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const insn of insns) at += encodeInto(insn, view, at);
  return bytes;
}

export interface DecodedInsn {
  /** Index of the first slot, which is what jump offsets and the kernel count in. */
  slot: number;
  insn: Instruction;
  /** Set when the encoding is not a valid instruction; the fields are still those read. */
  error?: string;
}

/** Decodes every instruction; never throws. A trailing partial slot becomes an error entry. */
export function decodeProgram(bytes: Uint8Array): DecodedInsn[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = Math.floor(bytes.byteLength / INSN_SIZE);
  const out: DecodedInsn[] = [];
  for (let slot = 0; slot < total; ) {
    const at = slot * INSN_SIZE;
    const insn: Instruction = {
      code: view.getUint8(at),
      dst: view.getUint8(at + 1) & 0xf,
      src: view.getUint8(at + 1) >> 4,
      off: view.getInt16(at + 2, true),
      imm: view.getInt32(at + 4, true),
    };
    if (isWide(insn)) {
      if (slot + 1 >= total) {
        out.push({ slot, insn, error: 'ld_imm64 is missing its second slot' });
        break;
      }
      const at2 = at + INSN_SIZE;
      insn.hi = view.getInt32(at2 + 4, true);
      const rest = view.getUint32(at2, true);
      const error = rest !== 0 ? 'invalid bpf_ld_imm64 insn' : validate(insn);
      out.push(error ? { slot, insn, error } : { slot, insn });
      slot += 2;
      continue;
    }
    const error = validate(insn);
    out.push(error ? { slot, insn, error } : { slot, insn });
    slot += 1;
  }
  if (bytes.byteLength % INSN_SIZE !== 0) {
    out.push({
      slot: total,
      insn: { code: 0, dst: 0, src: 0, off: 0, imm: 0 },
      error: `trailing ${bytes.byteLength % INSN_SIZE} bytes are not a whole instruction`,
    });
  }
  return out;
}

const hex = (n: number): string => '0x' + (n & 0xff).toString(16).padStart(2, '0');

/** Describes why an instruction is not a valid encoding, or returns undefined when it is. */
export function validate(insn: Instruction): string | undefined {
  const { code, dst, src, off, imm } = insn;
  const cls = insnClass(code);
  if (dst > 10) return `invalid dst register r${dst}`;
  const badSrc = (): string | undefined => (src > 10 ? `invalid src register r${src}` : undefined);
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      const op = aluOp(code);
      const x = source(code) === Source.X;
      if (op > AluOp.END) return `unknown ALU opcode ${hex(code)}`;
      if (op === AluOp.END) {
        if (cls === Class.ALU64 && x) return `unknown ALU opcode ${hex(code)}`;
        if (src !== 0 || off !== 0) return 'BPF_END uses reserved fields';
        if (imm !== 16 && imm !== 32 && imm !== 64) return `invalid byte swap width ${imm}`;
        return undefined;
      }
      if (op === AluOp.NEG) {
        if (x || src !== 0 || off !== 0 || imm !== 0) return 'BPF_NEG uses reserved fields';
        return undefined;
      }
      if (x) {
        if (imm !== 0) return 'BPF_ALU uses reserved fields';
        const e = badSrc();
        if (e) return e;
      } else if (src !== 0) return 'BPF_ALU uses reserved fields';
      if (op === AluOp.DIV || op === AluOp.MOD) {
        if (off !== 0 && off !== 1) return 'BPF_ALU uses reserved fields';
      } else if (op === AluOp.MOV) {
        const sx = cls === Class.ALU64 ? [0, 8, 16, 32] : [0, 8, 16];
        if (!sx.includes(off) || (off !== 0 && !x)) return 'BPF_MOV uses reserved fields';
      } else if (off !== 0) return 'BPF_ALU uses reserved fields';
      return undefined;
    }
    case Class.JMP:
    case Class.JMP32: {
      const op = jmpOp(code);
      const x = source(code) === Source.X;
      if (op > JmpOp.JCOND) return `unknown jump opcode ${hex(code)}`;
      if (op === JmpOp.CALL) {
        if (cls === Class.JMP32) return `unknown jump opcode ${hex(code)}`;
        if (x) {
          if (src !== 0 || off !== 0 || imm !== 0) return 'BPF_CALLX uses reserved fields';
          return undefined;
        }
        if (off !== 0 || dst !== 0) return 'BPF_CALL uses reserved fields';
        if (src !== CallKind.HELPER && src !== CallKind.PSEUDO_CALL && src !== CallKind.KFUNC) {
          return `invalid call src ${src}`;
        }
        return undefined;
      }
      if (op === JmpOp.EXIT) {
        if (cls === Class.JMP32 || x || src !== 0 || off !== 0 || imm !== 0 || dst !== 0) {
          return 'BPF_EXIT uses reserved fields';
        }
        return undefined;
      }
      if (op === JmpOp.JA) {
        if (x || src !== 0 || dst !== 0) return 'BPF_JA uses reserved fields';
        if (cls === Class.JMP && imm !== 0) return 'BPF_JA uses reserved fields';
        if (cls === Class.JMP32 && off !== 0) return 'BPF_JA uses reserved fields';
        return undefined;
      }
      if (op === JmpOp.JCOND) {
        if (cls === Class.JMP32 || x || src !== 0 || dst !== 0 || imm !== 0) {
          return 'may_goto uses reserved fields';
        }
        return undefined;
      }
      if (x) {
        if (imm !== 0) return 'BPF_JMP uses reserved fields';
        return badSrc();
      }
      return src !== 0 ? 'BPF_JMP uses reserved fields' : undefined;
    }
    case Class.LD: {
      const mode = memMode(code);
      if (code === LD_IMM64) {
        if (off !== 0) return 'invalid bpf_ld_imm64 insn';
        if (src > PseudoSrc.MAP_IDX_VALUE) return `unrecognized bpf_ld_imm64 insn src ${src}`;
        return undefined;
      }
      if (mode === Mode.ABS || mode === Mode.IND) {
        if (memSize(code) === Size.DW) return 'BPF_LD_[ABS|IND] uses reserved fields';
        if (dst !== 0 || off !== 0) return 'BPF_LD_[ABS|IND] uses reserved fields';
        if (mode === Mode.ABS && src !== 0) return 'BPF_LD_[ABS|IND] uses reserved fields';
        return mode === Mode.IND ? badSrc() : undefined;
      }
      return `unknown load opcode ${hex(code)}`;
    }
    case Class.LDX: {
      const mode = memMode(code);
      if (mode === Mode.MEMSX && memSize(code) === Size.DW) return `unknown load opcode ${hex(code)}`;
      if (mode !== Mode.MEM && mode !== Mode.MEMSX) return `unknown load opcode ${hex(code)}`;
      if (imm !== 0) return 'BPF_LDX uses reserved fields';
      return badSrc();
    }
    case Class.ST: {
      if (memMode(code) !== Mode.MEM) return `unknown store opcode ${hex(code)}`;
      if (src !== 0) return 'BPF_ST uses reserved fields';
      return undefined;
    }
    case Class.STX: {
      const mode = memMode(code);
      if (mode === Mode.MEM) return imm !== 0 ? 'BPF_STX uses reserved fields' : badSrc();
      if (mode === Mode.ATOMIC) {
        const size = memSize(code);
        if (size !== Size.W && size !== Size.DW) return `unknown atomic opcode ${hex(code)}`;
        if (!ATOMIC_OPS.has(imm)) return `BPF_ATOMIC uses invalid atomic opcode ${hex(imm)}`;
        return badSrc();
      }
      return `unknown store opcode ${hex(code)}`;
    }
  }
}

export const ATOMIC_OPS: ReadonlySet<number> = new Set([
  AtomicOp.ADD, AtomicOp.OR, AtomicOp.AND, AtomicOp.XOR,
  AtomicOp.ADD | AtomicOp.FETCH, AtomicOp.OR | AtomicOp.FETCH,
  AtomicOp.AND | AtomicOp.FETCH, AtomicOp.XOR | AtomicOp.FETCH,
  AtomicOp.XCHG, AtomicOp.CMPXCHG,
]);
