// An object file as assembly source that assembles back to the same code, relocations, maps and
// data: section-relative relocations (what clang and llvm-mc leave for local symbols) are named
// after the symbol they reach, and maps, data and the license become directives.
import type { Syntax } from '../asm/ast';
import type { DataSection, Program, Relocation } from '../asm/program';
import { disassemble, listInstructions } from '../disasm';
import { encodeProgram } from '../isa';
import type { BtfLineInfo } from './btf';
import type { MapDef } from '../map-types';
import type { ElfObject } from './reader';

/** The source text; `syntax` selects how instructions are written (directives are shared). */
export function objectSource(obj: ElfObject, syntax: Syntax = 'llvm'): string {
  const programs = new Map(obj.programs.map((p) => [p.section, { ...p, labels: new Map(p.labels), relocations: [...p.relocations] }]));
  const data = new Map(obj.data.map((d) => [d.name, { ...d, symbols: [...d.symbols] }]));
  for (const p of programs.values()) {
    p.relocations = p.relocations.map((r) => nameRelocation(p, r, programs, data));
  }
  const out: string[] = [];
  for (const p of programs.values()) {
    if (p.section === '.text') out.push('\t.text');
    else if (syntax !== 'llvm') out.push(`\t.section\t${p.section},"ax",@progbits`);
    const listing = withAllLabels(disassemble(p, { syntax, labels: false }).trimEnd(), p);
    // Line info that points at assembly (our own objects) would only repeat each instruction.
    const lines = obj.lineInfo.filter((l) => l.section === p.section && !/\.(s|S|asm)$/.test(l.file));
    out.push(withLineComments(listing, p, lines));
    out.push('');
  }
  for (const m of obj.maps) out.push(mapDirective(m));
  if (obj.maps.length > 0) out.push('');
  for (const d of data.values()) {
    for (const line of dataLines(d)) out.push(line);
    out.push('');
  }
  if (obj.license !== undefined) {
    out.push('\t.section\tlicense,"aw",@progbits', `\t.asciz\t${quote(obj.license)}`, '');
  }
  return out.join('\n');
}

/**
 * A relocation against a section becomes one against the symbol at the place it reaches (a
 * label is made when none is there); the instruction's immediate is left as it is, since the
 * assembler recomputes it from the name.
 */
function nameRelocation(
  p: Program, r: Relocation, programs: Map<string, Program>, data: Map<string, DataSection>,
): Relocation {
  const insn = p.insns.find((i) => i.slot === r.slot)?.insn;
  if (!insn) return r;
  const code = programs.get(r.symbol);
  if (code) {
    const slot = r.kind === 'call' ? insn.imm + 1 : insn.imm / 8;
    if (!Number.isInteger(slot) || slot < 0) return r;
    const name = localLabelAt(code, slot);
    return name === undefined ? r : { ...r, symbol: name };
  }
  const section = data.get(r.symbol);
  if (section && r.kind === 'imm64' && insn.imm >= 0 && insn.imm <= section.bytes.length && (insn.hi ?? 0) === 0) {
    const named = section.symbols.find((s) => s.offset === insn.imm && !s.global);
    if (named) return { ...r, symbol: named.name };
    const name = fresh(`.L${sanitize(section.name)}_${insn.imm}`, section.symbols.map((s) => s.name));
    section.symbols.push({ name, offset: insn.imm, size: 0, global: false });
    return { ...r, symbol: name };
  }
  // A named symbol plus an addend: the listing prints the symbol text as it is.
  if (r.kind === 'imm64' && (insn.imm !== 0 || (insn.hi ?? 0) !== 0)) {
    const addend = BigInt.asIntN(64, (BigInt(insn.hi ?? 0) << 32n) | BigInt(insn.imm >>> 0));
    return { ...r, symbol: `${r.symbol} ${addend < 0n ? '-' : '+'} ${addend < 0n ? -addend : addend}` };
  }
  return r;
}

/** Before each instruction that starts a new source line (clang -g), that line as a comment. */
function withLineComments(listing: string, p: Program, lines: readonly BtfLineInfo[]): string {
  if (lines.length === 0) return listing;
  const bySlot = new Map<number, BtfLineInfo>();
  for (const l of lines) if (l.offset % 8 === 0 && !bySlot.has(l.offset / 8)) bySlot.set(l.offset / 8, l);
  const slots = listInstructions(encodeProgram(p.insns.map((i) => i.insn)), 'llvm').map((e) => e.slot);
  let entry = 0;
  let last = '';
  const out: string[] = [];
  for (const line of listing.split('\n')) {
    const isEntry = line.startsWith('\t') && !/^\t\.(section|globl|text|type|size)\b/.test(line);
    if (isEntry) {
      const info = bySlot.get(slots[entry] ?? -1);
      entry++;
      const where = info ? `${info.file}:${info.line}` : '';
      if (info && where !== last && info.text.trim()) out.push(`\t# ${baseName(info.file)}:${info.line}: ${info.text.trim()}`);
      if (info) last = where;
    }
    out.push(line);
  }
  return out.join('\n');
}

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** The listing names one symbol per slot; adds the program's other names for the same slot. */
function withAllLabels(listing: string, p: Program): string {
  const bySlot = new Map<number, string[]>();
  for (const [name, slot] of p.labels) bySlot.set(slot, [...(bySlot.get(slot) ?? []), name]);
  const global = new Set(p.functions.filter((f) => f.global).map((f) => f.name));
  const printed = new Set<string>();
  const lines = listing.split('\n');
  for (const l of lines) {
    const m = /^([^\s:]+):$/.exec(l);
    if (m) printed.add(m[1]!);
  }
  const label = (n: string): string[] => (global.has(n) ? [`\t.globl\t${n}`, `${n}:`] : [`${n}:`]);
  return lines.flatMap((l, i) => {
    const m = /^([^\s:]+):$/.exec(l);
    const slot = m ? p.labels.get(m[1]!) : undefined;
    if (slot === undefined) return [l];
    const more = (bySlot.get(slot) ?? []).filter((n) => !printed.has(n));
    more.forEach((n) => printed.add(n));
    // The mnemonic listing does not declare globals itself.
    const own = /^\t\.globl\t/.test(lines[i - 1] ?? '') ? [l] : label(m![1]!);
    return [...own, ...more.flatMap(label)];
  }).join('\n');
}

/** A local name for `slot` (one is made when there is none); undefined when only a global is there. */
function localLabelAt(p: Program, slot: number): string | undefined {
  const fn = p.functions.find((f) => f.slot === slot);
  if (fn) return fn.global ? undefined : fn.name;
  for (const [name, s] of p.labels) if (s === slot) return name;
  const name = fresh(`${sanitize(p.section)}_${slot}`, [...p.labels.keys()]);
  p.labels.set(name, slot);
  p.functions.push({ name, slot, global: false });
  return name;
}

const sanitize = (s: string): string => s.replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+/, '') || 'sec';

function fresh(base: string, taken: string[]): string {
  let name = base;
  for (let i = 1; taken.includes(name); i++) name = `${base}_${i}`;
  return name;
}

function mapDirective(m: MapDef): string {
  const fields = [`type=${m.type}`, `key=${m.keySize}`, `value=${m.valueSize}`, `max_entries=${m.maxEntries}`];
  if (m.flags) fields.push(`flags=${m.flags}`);
  if (m.inner !== undefined) fields.push(`inner=${m.inner}`);
  return `\t.map\t${m.name}, ${fields.join(', ')}`;
}

function dataLines(d: DataSection): string[] {
  const bss = d.name === '.bss' || d.name.startsWith('.bss.');
  const readonly = d.name === '.rodata' || d.name.startsWith('.rodata.');
  const lines = [`\t.section\t${d.name},"${readonly ? 'a' : 'aw'}",@${bss ? 'nobits' : 'progbits'}`];
  // Symbols past the end (only in a damaged object) have no bytes to label.
  const symbols = d.symbols.filter((x) => x.offset >= 0 && x.offset <= d.bytes.length).sort((a, b) => a.offset - b.offset);
  const cuts = [...new Set([0, ...symbols.map((s) => s.offset), d.bytes.length])].sort((a, b) => a - b);
  for (let i = 0; i < cuts.length; i++) {
    const at = cuts[i]!;
    for (const s of symbols.filter((x) => x.offset === at)) {
      if (s.global) lines.push(`\t.globl\t${s.name}`);
      lines.push(`${s.name}:`);
    }
    const end = cuts[i + 1] ?? at;
    if (bss) {
      if (end > at) lines.push(`\t.zero\t${end - at}`);
      continue;
    }
    for (let k = at; k < end; k += 16) {
      const chunk = [...d.bytes.subarray(k, Math.min(end, k + 16))];
      lines.push(`\t.byte\t${chunk.join(', ')}`);
    }
  }
  return lines;
}

function quote(s: string): string {
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c).replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) + '"';
}
