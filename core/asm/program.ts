// What the assembler produces, and what the ELF reader gives back: programs, maps and data.
import type { Instruction } from '../isa';
import type { MapDef } from '../map-types';
import type { ProgType } from '../program-types';
import type { AsmDiagnostic, Range } from './ast';

export interface ProgramInsn {
  insn: Instruction;
  /** Slot index within the program (ld_imm64 takes two). */
  slot: number;
  /** Source range of the statement, when assembled from text. */
  range?: Range;
  /** Zero-based source line, when known (from text, or from .loc/BTF line info). */
  line?: number;
}

/**
 * A symbolic reference left in the bytes, as an ELF relocation would leave it.
 * imm64: ld_imm64 of a map or data symbol (R_BPF_64_64); call: call of a function in another
 * section or a global one (R_BPF_64_32).
 */
export interface Relocation {
  slot: number;
  symbol: string;
  kind: 'imm64' | 'call';
}

export interface FunctionSymbol {
  name: string;
  slot: number;
  global: boolean;
}

export interface Program {
  /** The ELF section, such as 'xdp' or 'kprobe/sys_open'. */
  section: string;
  /** The program's name: its first function symbol, or the section name. */
  name: string;
  progType: ProgType | undefined;
  insns: ProgramInsn[];
  /** Every label and function defined in the section, by slot. */
  labels: Map<string, number>;
  functions: FunctionSymbol[];
  relocations: Relocation[];
}

export interface DataSection {
  name: string;
  bytes: Uint8Array;
  /**
   * `global` marks a symbol named in `.globl` (an ELF STB_GLOBAL symbol). When it is absent, the
   * ELF writer takes a symbol that a relocation names directly as global (local references are
   * section-relative).
   */
  symbols: { name: string; offset: number; size: number; global?: boolean }[];
}

export interface AssembledFile {
  programs: Program[];
  maps: MapDef[];
  data: DataSection[];
  license?: string;
  diagnostics: AsmDiagnostic[];
}
