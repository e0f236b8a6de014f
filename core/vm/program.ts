// The VM's view of one program: instructions by slot (ld_imm64 fills two), with source lines.
import { slotCount, type Instruction } from '../isa';
import type { Program } from '../asm/program';

export interface VmProgram {
  name: string;
  /** Instruction starting at each slot; undefined for the second slot of ld_imm64. */
  slots: (Instruction | undefined)[];
  /** Zero-based source line of each slot, when known. */
  lines: (number | undefined)[];
  /**
   * For ld_imm64 with a symbolic value (a map, a data section or a function), what it stands for.
   * Slots not listed use the instruction's own fields.
   */
  symbols: Map<number, PseudoRef>;
}

/** What an ld_imm64 loads when it refers to something the loader resolves. */
export type PseudoRef =
  | { kind: 'map'; map: string }
  | { kind: 'map_value'; map: string; offset: number }
  | { kind: 'func'; slot: number };

/** Builds a program from instructions in order (a bare instruction list, as tests write them). */
export function programFromInsns(insns: readonly Instruction[], name = 'prog', lines?: (number | undefined)[]): VmProgram {
  const slots: (Instruction | undefined)[] = [];
  const slotLines: (number | undefined)[] = [];
  insns.forEach((insn, i) => {
    slots.push(insn);
    slotLines.push(lines?.[i]);
    if (slotCount(insn) === 2) { slots.push(undefined); slotLines.push(lines?.[i]); }
  });
  return { name, slots, lines: slotLines, symbols: new Map() };
}

/**
 * Builds a program from the assembler's or the ELF reader's output. Relocations name maps
 * (`mapNames`) or data sections (`dataNames`, loaded as the value of a one-element array map, as
 * libbpf does); the value of a data symbol adds its offset.
 */
export function programFromAssembled(
  prog: Program, mapNames: ReadonlySet<string>,
  dataSymbols: ReadonlyMap<string, { section: string; offset: number }>,
): { program: VmProgram; errors: string[] } {
  const slots: (Instruction | undefined)[] = [];
  const lines: (number | undefined)[] = [];
  const errors: string[] = [];
  for (const p of prog.insns) {
    while (slots.length < p.slot) { slots.push(undefined); lines.push(undefined); }
    slots[p.slot] = p.insn;
    lines[p.slot] = p.line;
    if (slotCount(p.insn) === 2) { slots[p.slot + 1] = undefined; lines[p.slot + 1] = p.line; }
  }
  const symbols = new Map<number, PseudoRef>();
  const funcSlot = new Map(prog.functions.map((f) => [f.name, f.slot]));
  for (const r of prog.relocations) {
    if (r.kind !== 'imm64') continue;
    const insn = slots[r.slot];
    if (!insn) { errors.push(`relocation at slot ${r.slot} is not on an instruction`); continue; }
    if (mapNames.has(r.symbol)) {
      symbols.set(r.slot, insn.src === 2 ? { kind: 'map_value', map: r.symbol, offset: insn.hi ?? 0 } : { kind: 'map', map: r.symbol });
      continue;
    }
    const data = dataSymbols.get(r.symbol);
    if (data) {
      symbols.set(r.slot, { kind: 'map_value', map: data.section, offset: data.offset + (insn.imm | 0) });
      continue;
    }
    // A code address: a function or label, or the section itself plus a byte offset (as LLVM emits).
    const base = r.symbol === prog.section ? 0 : funcSlot.get(r.symbol) ?? prog.labels.get(r.symbol);
    if (base !== undefined) { symbols.set(r.slot, { kind: 'func', slot: base + Math.trunc((insn.imm | 0) / 8) }); continue; }
    errors.push(`ld_imm64 at slot ${r.slot} refers to '${r.symbol}', which is no map, data symbol or function`);
  }
  // ld_imm64 of a function written with its offset (src=4, imm = slots from the next insn).
  slots.forEach((insn, slot) => {
    if (insn && insn.code === 0x18 && insn.src === 4 && !symbols.has(slot)) {
      symbols.set(slot, { kind: 'func', slot: slot + 1 + (insn.imm | 0) });
    }
  });
  return { program: { name: prog.name, slots, lines, symbols }, errors };
}
