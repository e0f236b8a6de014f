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
  printInsn?: (insn: Instruction) => string;
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

/** The listing text, ending with a newline. */
export function objectListing(bytes: Uint8Array, obj: ElfObject, options: ListingOptions = {}): string {
  const out: string[] = [];
  if (options.fileName !== undefined) out.push('', `${options.fileName}:\tfile format elf64-bpf`);
  for (const section of obj.sections) {
    if (!(section.flags & SHF_EXECINSTR) || section.type === SHT_NOBITS || section.size === 0) continue;
    if (section.offset + section.size > bytes.length) continue;
    out.push('', `Disassembly of section ${section.name}:`);
    listSection(bytes.subarray(section.offset, section.offset + section.size), section, obj, options, out);
  }
  return out.join('\n') + '\n';
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

function listSection(data: Uint8Array, section: ElfSection, obj: ElfObject, options: ListingOptions, out: string[]): void {
  const labels = sectionLabels(section, obj);
  const relocs = options.relocations
    ? obj.relocations.filter((r) => r.section === section.name).sort((a, b) => a.offset - b.offset)
    : [];
  let relAt = 0;
  const print = options.printInsn;
  for (let li = 0; li < labels.length; li++) {
    const label = labels[li]!;
    const end = Math.min(labels[li + 1]?.offset ?? data.length, data.length);
    if (label.offset >= data.length) continue;
    out.push('', `${hex16(label.offset)} <${label.name}>:`);
    let at = label.offset;
    while (at < end) {
      let limit = end;
      if (relAt < relocs.length) limit = Math.min(limit, Math.max(at, relocs[relAt]!.offset));
      const zeros = skippableZeros(data, at, limit);
      if (zeros > 0) {
        out.push('\t\t...');
        at += zeros;
        continue;
      }
      const w = walkOne(data, at, end);
      const hex: string[] = [];
      for (let i = 0; i < w.size; i++) hex.push(data[at + i]!.toString(16).padStart(2, '0'));
      const llvmText = walkedText(w);
      let text = print && llvmText !== UNKNOWN ? print(w.insn) : llvmText;
      const target = jumpTargetSlot(w, llvmText);
      if (target !== undefined) text += ` <${targetLabel(labels, at + (target - w.slot) * 8)}>`;
      out.push(`${String(Math.floor(at / 8)).padStart(8)}:\t${hex.join(' ')}\t${text}`);
      at += w.size;
      while (relAt < relocs.length && relocs[relAt]!.offset < at) {
        const r = relocs[relAt++]!;
        const name = RELOC_NAMES[r.type] ?? `unknown(${r.type})`;
        out.push(`\t\t${hex16(r.offset)}:  ${name}\t${r.symbol}${r.addend ? (r.addend < 0 ? '-0x' + (-r.addend).toString(16) : '+0x' + r.addend.toString(16)) : ''}`);
      }
    }
  }
}

/** One instruction at `at`, decoded from the bytes before `end` only (as objdump does per symbol). */
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
