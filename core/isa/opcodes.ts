// Opcode fields of the BPF instruction set (RFC 9669 plus the Linux extensions).

export const enum Class {
  LD = 0x00,
  LDX = 0x01,
  ST = 0x02,
  STX = 0x03,
  ALU = 0x04,
  JMP = 0x05,
  JMP32 = 0x06,
  ALU64 = 0x07,
}

/** Operand source for ALU and jump instructions. In ALU END, K means "to little endian". */
export const enum Source {
  K = 0x00,
  X = 0x08,
}

export const enum AluOp {
  ADD = 0x00,
  SUB = 0x10,
  MUL = 0x20,
  DIV = 0x30,
  OR = 0x40,
  AND = 0x50,
  LSH = 0x60,
  RSH = 0x70,
  NEG = 0x80,
  MOD = 0x90,
  XOR = 0xa0,
  MOV = 0xb0,
  ARSH = 0xc0,
  END = 0xd0,
}

export const enum JmpOp {
  JA = 0x00,
  JEQ = 0x10,
  JGT = 0x20,
  JGE = 0x30,
  JSET = 0x40,
  JNE = 0x50,
  JSGT = 0x60,
  JSGE = 0x70,
  CALL = 0x80,
  EXIT = 0x90,
  JLT = 0xa0,
  JLE = 0xb0,
  JSLT = 0xc0,
  JSLE = 0xd0,
  JCOND = 0xe0,
}

export const enum Size {
  W = 0x00,
  H = 0x08,
  B = 0x10,
  DW = 0x18,
}

export const enum Mode {
  IMM = 0x00,
  ABS = 0x20,
  IND = 0x40,
  MEM = 0x60,
  MEMSX = 0x80,
  ATOMIC = 0xc0,
}

export const enum AtomicOp {
  ADD = 0x00,
  OR = 0x40,
  AND = 0x50,
  XOR = 0xa0,
  FETCH = 0x01,
  XCHG = 0xe0 | 0x01,
  CMPXCHG = 0xf0 | 0x01,
}

/** src_reg values of the call instruction. */
export const enum CallKind {
  HELPER = 0,
  PSEUDO_CALL = 1,
  KFUNC = 2,
}

/** src_reg values of ld_imm64. */
export const enum PseudoSrc {
  NONE = 0,
  MAP_FD = 1,
  MAP_VALUE = 2,
  BTF_ID = 3,
  FUNC = 4,
  MAP_IDX = 5,
  MAP_IDX_VALUE = 6,
}

export const insnClass = (code: number): Class => (code & 0x07) as Class;
export const source = (code: number): Source => (code & 0x08) as Source;
export const aluOp = (code: number): AluOp => (code & 0xf0) as AluOp;
export const jmpOp = (code: number): JmpOp => (code & 0xf0) as JmpOp;
export const memSize = (code: number): Size => (code & 0x18) as Size;
export const memMode = (code: number): Mode => (code & 0xe0) as Mode;

export const sizeBytes = (size: Size): 1 | 2 | 4 | 8 =>
  size === Size.B ? 1 : size === Size.H ? 2 : size === Size.W ? 4 : 8;

export const sizeFromBytes = (bytes: number): Size | undefined =>
  bytes === 1 ? Size.B : bytes === 2 ? Size.H : bytes === 4 ? Size.W : bytes === 8 ? Size.DW : undefined;

export const isAluClass = (c: Class): boolean => c === Class.ALU || c === Class.ALU64;
export const isJmpClass = (c: Class): boolean => c === Class.JMP || c === Class.JMP32;

/** The opcode of ld_imm64 (LD | IMM | DW), the only 16-byte instruction. */
export const LD_IMM64 = Class.LD | Mode.IMM | Size.DW;
export const CALL = Class.JMP | JmpOp.CALL;
export const CALLX = Class.JMP | JmpOp.CALL | Source.X;
export const EXIT = Class.JMP | JmpOp.EXIT;

/** Frame pointer register and the number of addressable registers. */
export const FP = 10;
export const NUM_REGS = 11;
export const STACK_SIZE = 512;
