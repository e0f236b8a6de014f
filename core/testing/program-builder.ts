// Builds a Program (the assembler's output model) from code: labels, forward/backward jumps,
// map and data references left as relocations, and bpf-to-bpf calls.
import { CallKind, LD_IMM64, PseudoSrc, slotCount, type Instruction } from '../isa';
import type { Program, Relocation } from '../asm/program';
import type { ProgType } from '../program-types';

type Item =
  | { insn: Instruction; target?: string; relocation?: string }
  | { label: string; fn?: boolean };

export class ProgramBuilder {
  private readonly items: Item[] = [];
  private fresh = 0;

  constructor(private readonly section: string, private readonly progType: ProgType, private readonly name = section) {}

  /** A label name not used before. */
  newLabel(prefix = 'L'): string {
    return `.${prefix}${this.fresh++}`;
  }

  /** Places a label (or a function's entry, for `fn`) before the next instruction. */
  place(label: string, fn = false): this {
    this.items.push({ label, fn });
    return this;
  }

  emit(...insns: Instruction[]): this {
    for (const insn of insns) this.items.push({ insn });
    return this;
  }

  /** A jump (its off is filled in) to a label. */
  jump(insn: Instruction, label: string): this {
    this.items.push({ insn, target: label });
    return this;
  }

  /** ld_imm64 of a map, left as a relocation (src = BPF_PSEUDO_MAP_FD). */
  ldMap(dst: number, map: string): this {
    this.items.push({ insn: { code: LD_IMM64, dst, src: PseudoSrc.MAP_FD, off: 0, imm: 0, hi: 0 }, relocation: map });
    return this;
  }

  /** ld_imm64 of the address of a data symbol (or a map's value) plus an addend, left as a relocation. */
  ldAddress(dst: number, symbol: string, addend = 0): this {
    this.items.push({ insn: { code: LD_IMM64, dst, src: PseudoSrc.NONE, off: 0, imm: addend, hi: 0 }, relocation: symbol });
    return this;
  }

  /** ld_imm64 of a function's address (src = BPF_PSEUDO_FUNC), for callbacks such as bpf_loop's. */
  ldFunc(dst: number, label: string): this {
    this.items.push({ insn: { code: LD_IMM64, dst, src: PseudoSrc.FUNC, off: 0, imm: 0, hi: 0 }, target: label });
    return this;
  }

  /** bpf-to-bpf call of a function placed with place(label, true). */
  callLocal(label: string): this {
    this.items.push({ insn: { code: 0x85, dst: 0, src: CallKind.PSEUDO_CALL, off: 0, imm: 0 }, target: label });
    return this;
  }

  /** A point to truncate() back to. */
  mark(): number {
    return this.items.length;
  }

  /** Drops everything emitted since mark() (instructions, labels and jumps). */
  truncate(mark: number): void {
    this.items.length = Math.min(this.items.length, mark);
  }

  /** Instruction count so far (ld_imm64 counts once). */
  get count(): number {
    let n = 0;
    for (const item of this.items) if ('insn' in item) n++;
    return n;
  }

  build(): Program {
    const labels = new Map<string, number>();
    const functions: Program['functions'] = [{ name: this.name, slot: 0, global: true }];
    let slot = 0;
    for (const item of this.items) {
      if ('label' in item) {
        if (labels.has(item.label)) throw new Error(`label ${item.label} placed twice`);
        labels.set(item.label, slot);
        if (item.fn) functions.push({ name: item.label, slot, global: false });
      } else slot += slotCount(item.insn);
    }
    const insns: Program['insns'] = [];
    const relocations: Relocation[] = [];
    slot = 0;
    for (const item of this.items) {
      if ('label' in item) continue;
      let insn = item.insn;
      if (item.target !== undefined) {
        const at = labels.get(item.target);
        if (at === undefined) throw new Error(`jump to undefined label ${item.target}`);
        const delta = at - (slot + 1);
        // calls, gotol and function addresses keep their target in imm
        insn = insn.code === 0x85 || insn.code === 0x06 || insn.code === LD_IMM64 ? { ...insn, imm: delta } : { ...insn, off: delta };
      }
      if (item.relocation !== undefined) relocations.push({ slot, symbol: item.relocation, kind: 'imm64' });
      insns.push({ insn, slot });
      slot += slotCount(insn);
    }
    return { section: this.section, name: this.name, progType: this.progType, insns, labels, functions, relocations };
  }

  /** The instructions alone (for programs without relocations). */
  instructions(): Instruction[] {
    return this.build().insns.map((p) => p.insn);
  }
}
