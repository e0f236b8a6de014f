// An object file listed the way `llvm-objdump-19 -d [-r] --mcpu=v4` lists it: each executable
// section, a `<symbol>:` header wherever a symbol starts, zero runs folded to `...`, jump targets
// named `<symbol+0xoff>`, and (optionally) relocations under the instruction they patch.
import type { Instruction } from '../isa';
import { UNKNOWN } from '../disasm/llvm';
import { jumpTargetSlot, walkedText } from '../disasm/objdump';
import { walkInstructions, type WalkedInsn } from '../disasm/walk';
import { SHF_EXECINSTR, SHT_NOBITS, STT_FILE, STT_SECTION, R_BPF_64_32, R_BPF_64_64 } from './format';
import type { ElfObject, ElfSection } from './reader';

export interface ListingOptions {
  /** Show relocations under the instructions they patch (objdump -r). */
  relocations?: boolean;
  /** The file name for the `FILE:\tfile format elf64-bpf` line; omitted when undefined. */
  fileName?: string;
  /** Print instructions another way (such as the mnemonic syntax); the default is LLVM's text. */
  printInsn?: (insn: Instruction, relocation?: { type: number; symbol: string }) => string;
  /** List runs of zero bytes instruction by instruction instead of as `...` (objdump -z). */
  zeroes?: boolean;
  /** Only this section (objdump -j). */
  section?: string;
}

const RELOC_NAMES: Record<number, string> = {
  0: 'R_BPF_NONE', [R_BPF_64_64]: 'R_BPF_64_64', 2: 'R_BPF_64_ABS64', 3: 'R_BPF_64_ABS32',
  4: 'R_BPF_64_NODYLD32', [R_BPF_64_32]: 'R_BPF_64_32',
};

interface Label {
  offset: number;
  name: string;
}

const hex16 = (n: number | bigint): string => BigInt(n).toString(16).padStart(16, '0');

/** One line of a section's listing. */
export type ListingRow =
  | { kind: 'label'; offset: number; name: string }
  | { kind: 'zeros'; offset: number; size: number }
  | { kind: 'insn'; offset: number; bytes: Uint8Array; text: string; insn: Instruction; target?: string }
  | { kind: 'reloc'; offset: number; type: string; symbol: string; addend?: number }
  | { kind: 'core'; offset: number; text: string };

export interface SectionListing {
  section: ElfSection;
  rows: ListingRow[];
}

/** The listing rows of every executable section with code. */
export function objectRows(bytes: Uint8Array, obj: ElfObject, options: ListingOptions = {}): SectionListing[] {
  const out: SectionListing[] = [];
  for (const section of obj.sections) {
    if (!(section.flags & SHF_EXECINSTR) || section.type === SHT_NOBITS || section.size === 0) continue;
    if (section.offset + section.size > bytes.length) continue;
    if (options.section !== undefined && section.name !== options.section) continue;
    out.push({ section, rows: sectionRows(bytes.subarray(section.offset, section.offset + section.size), section, obj, options) });
  }
  return out;
}

/** The listing text, ending with a newline. */
export function objectListing(bytes: Uint8Array, obj: ElfObject, options: ListingOptions = {}): string {
  const out: string[] = [];
  if (options.fileName !== undefined) out.push('', `${options.fileName}:\tfile format elf64-bpf`);
  for (const { section, rows } of objectRows(bytes, obj, options)) {
    out.push('', `Disassembly of section ${section.name}:`);
    for (const row of rows) out.push(...renderRow(row));
  }
  return out.join('\n') + '\n';
}

function renderRow(row: ListingRow): string[] {
  switch (row.kind) {
    case 'label': return ['', `${hex16(row.offset)} <${row.name}>:`];
    case 'zeros': return ['\t\t...'];
    case 'insn': {
      const hex = [...row.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
      const target = row.target === undefined ? '' : ` <${row.target}>`;
      return [`${String(Math.floor(row.offset / 8)).padStart(8)}:\t${hex}\t${row.text}${target}`];
    }
    case 'core': return [`\t\t${hex16(row.offset)}:  CO-RE ${row.text}`];
    case 'reloc': {
      const addend = row.addend ? (row.addend < 0 ? '-0x' + (-row.addend).toString(16) : '+0x' + row.addend.toString(16)) : '';
      return [`\t\t${hex16(row.offset)}:  ${row.type}\t${row.symbol}${addend}`];
    }
  }
}

function sectionLabels(section: ElfSection, obj: ElfObject): Label[] {
  // Among symbols at one address objdump shows the one whose name sorts last.
  const byOffset = new Map<number, string>();
  for (const s of obj.symbols) {
    if (s.shndx !== section.index || s.type === STT_SECTION || s.type === STT_FILE || !s.name) continue;
    const known = byOffset.get(s.value);
    if (known === undefined || compareBytes(s.name, known) > 0) byOffset.set(s.value, s.name);
  }
  if (!byOffset.has(0)) byOffset.set(0, section.name);
  return [...byOffset].map(([offset, name]) => ({ offset, name })).sort((a, b) => a.offset - b.offset);
}

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sectionRows(data: Uint8Array, section: ElfSection, obj: ElfObject, options: ListingOptions): ListingRow[] {
  const rows: ListingRow[] = [];
  const labels = sectionLabels(section, obj);
  const relocs = options.relocations
    ? obj.relocations.filter((r) => r.section === section.name).sort((a, b) => a.offset - b.offset)
    : [];
  let relAt = 0;
  const core = new Map<number, string>();
  if (options.relocations) {
    for (const c of obj.coreRelocations) if (c.section === section.name && !core.has(c.offset)) core.set(c.offset, c.text);
  }
  const print = options.printInsn;
  const relocAt = new Map<number, { type: number; symbol: string }>();
  if (print) for (const r of obj.relocations) if (r.section === section.name) relocAt.set(r.offset, r);
  for (let li = 0; li < labels.length; li++) {
    const label = labels[li]!;
    const end = Math.min(labels[li + 1]?.offset ?? data.length, data.length);
    if (label.offset >= data.length) continue;
    rows.push({ kind: 'label', offset: label.offset, name: label.name });
    let at = label.offset;
    while (at < end) {
      let limit = end;
      if (relAt < relocs.length) limit = Math.min(limit, Math.max(at, relocs[relAt]!.offset));
      const zeros = options.zeroes ? 0 : skippableZeros(data, at, limit);
      if (zeros > 0) {
        rows.push({ kind: 'zeros', offset: at, size: zeros });
        at += zeros;
        continue;
      }
      const w = walkOne(data, at, data.length);
      const llvmText = walkedText(w);
      const reloc = relocAt.get(at);
      const text = print && llvmText !== UNKNOWN ? print(w.insn, reloc && { type: reloc.type, symbol: relocationTarget(obj, reloc, w.insn) }) : llvmText;
      const slot = jumpTargetSlot(w, llvmText);
      const row: ListingRow = { kind: 'insn', offset: at, bytes: data.slice(at, at + w.size), text, insn: w.insn };
      if (slot !== undefined) row.target = targetLabel(labels, at + (slot - w.slot) * 8);
      rows.push(row);
      const coreText = core.get(at);
      if (coreText !== undefined) rows.push({ kind: 'core', offset: at, text: coreText });
      at += w.size;
      while (relAt < relocs.length && relocs[relAt]!.offset < at) {
        const r = relocs[relAt++]!;
        const reloc: ListingRow = { kind: 'reloc', offset: r.offset, type: RELOC_NAMES[r.type] ?? `unknown(${r.type})`, symbol: r.symbol };
        if (r.addend) reloc.addend = r.addend;
        rows.push(reloc);
      }
    }
  }
  return rows;
}

/**
 * What a relocation reaches, by name: the symbol itself, or for a section-relative one (a local
 * symbol's reference) the symbol at the place it points to, else `section+0xoff`.
 */
function relocationTarget(obj: ElfObject, r: { type: number; symbol: string }, insn: Instruction): string {
  const section = obj.sections.find((s) => s.name === r.symbol && s.index !== 0);
  const isSectionSymbol = obj.symbols.some((s) => s.type === STT_SECTION && s.name === r.symbol);
  if (!section || !isSectionSymbol) {
    return r.type === R_BPF_64_64 && insn.imm !== 0 ? `${r.symbol}${insn.imm < 0 ? '-' : '+'}0x${Math.abs(insn.imm).toString(16)}` : r.symbol;
  }
  const offset = r.type === R_BPF_64_32 ? (insn.imm + 1) * 8 : insn.imm;
  const named = obj.symbols.find((s) => s.shndx === section.index && s.value === offset && s.name && s.type !== STT_SECTION);
  if (named) return named.name;
  return offset === 0 ? r.symbol : `${r.symbol}+0x${(offset >>> 0).toString(16)}`;
}

/** One instruction at `at`; it may run past the next symbol, as in objdump (which then restarts there). */
function walkOne(data: Uint8Array, at: number, end: number): WalkedInsn {
  const w = walkInstructions(data.subarray(at, Math.min(end, at + 16)))[0]!;
  return w;
}

/** objdump folds a run of at least 8 zero bytes, in multiples of 4. */
function skippableZeros(data: Uint8Array, at: number, end: number): number {
  let n = 0;
  while (at + n < end && data[at + n] === 0) n++;
  return n < 8 ? 0 : n & ~3;
}

function targetLabel(labels: Label[], byteOffset: number): string {
  const target = BigInt.asUintN(64, BigInt(byteOffset));
  let best = labels[0]!;
  for (const l of labels) if (BigInt(l.offset) <= target) best = l;
  const delta = target - BigInt(best.offset);
  return delta === 0n ? best.name : `${best.name}+0x${delta.toString(16)}`;
}
