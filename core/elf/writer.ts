// Writes an assembled file as an ELF64 little-endian BPF relocatable object, laid out the way
// llvm-mc lays out its objects: one string table first, each section followed by its `.rel`
// section, locals before globals in `.symtab`. A relocation naming a section is made against the
// section's STT_SECTION symbol (the immediate already holds the offset, as llvm-mc leaves it).
import { INSN_SIZE, encodeInto, slotCount } from '../isa';
import type { AssembledFile, DataSection, FunctionSymbol, Program } from '../asm/program';
import { MAP_TYPES } from '../map-types';
import { isBtfName, objectBtf, type BtfFunction, type BtfSource } from './btf-writer';
import { ByteWriter, StringTable } from './bytes';
import {
  BTF_MAPS_SECTION, EHDR_SIZE, ELFCLASS64, ELFDATA2LSB, ELF_MAGIC, EM_BPF, ET_REL, EV_CURRENT, INNER_MAPS_SECTION,
  LEGACY_MAPS_SECTION, LEGACY_MAP_DEF_SIZE, LICENSE_SECTION, REL_SIZE, R_BPF_64_32, R_BPF_64_64,
  SHDR_SIZE, SHF_ALLOC, SHF_EXECINSTR, SHF_INFO_LINK, SHF_WRITE, SHN_UNDEF, SHT_NOBITS,
  SHT_PROGBITS, SHT_REL, SHT_STRTAB, SHT_SYMTAB, STB_GLOBAL, STB_LOCAL, STT_FUNC, STT_NOTYPE,
  STT_OBJECT, STT_SECTION, SYM_SIZE,
} from './format';

interface OutSection {
  name: string;
  type: number;
  flags: number;
  align: number;
  entsize: number;
  data: Uint8Array;
  /** Section header index, assigned once the order is fixed. */
  index: number;
  link?: OutSection;
  info?: OutSection;
  /** Set once a relocation needs this section's STT_SECTION symbol. */
  needsSectionSymbol?: boolean;
  symbols: OutSymbol[];
}

interface OutSymbol {
  name: string;
  value: number;
  size: number;
  type: number;
  global: boolean;
  /** False for a data symbol whose binding the model left open (see DataSection.symbols). */
  bindingKnown: boolean;
  section?: OutSection;
  index: number;
}

interface PendingReloc {
  section: OutSection;
  offset: number;
  type: number;
  symbol?: OutSymbol;
  /** Set instead of `symbol` for a relocation against a section's STT_SECTION symbol. */
  sectionTarget?: OutSection;
}

const mapTypeNumber = (type: keyof typeof MAP_TYPES): number => MAP_TYPES[type];

export interface WriteOptions {
  /**
   * 'btf' (default): BTF-defined maps in `.maps` with their `.BTF`, as clang writes them and
   * libbpf 1.x requires. 'legacy': libbpf's old `maps` section of struct bpf_map_def.
   */
  maps?: 'btf' | 'legacy';
  /**
   * Describe each function in `.BTF`/`.BTF.ext` func_info (default true), as the kernel requires
   * for bpf_loop-style callbacks and global subprograms. Skipped when a name is not a C identifier.
   */
  funcInfo?: boolean;
  /**
   * The assembly source: with it, `.BTF.ext` line_info maps instructions to its lines (file name
   * and text), as clang -g maps them to C, for the kernel's verifier log and debuggers.
   */
  source?: { file: string; text: string };
}

/** Builds the object. Relocated immediates follow llvm-mc: -1 for a call, the addend for ld_imm64. */
export function writeObject(file: AssembledFile, options: WriteOptions = {}): Uint8Array {
  const sections: OutSection[] = [];
  const newSection = (name: string, type: number, flags: number, align: number, data: Uint8Array): OutSection => {
    const s: OutSection = { name, type, flags, align, entsize: 0, data, index: 0, symbols: [] };
    sections.push(s);
    return s;
  };

  // Code: one section per distinct section name, `.text` first as llvm-mc creates it first.
  const bySection = new Map<string, Program[]>();
  for (const p of file.programs) {
    const list = bySection.get(p.section) ?? [];
    list.push(p);
    bySection.set(p.section, list);
  }
  const codeNames = [...bySection.keys()].sort((a, b) => Number(b === '.text') - Number(a === '.text'));
  const code: { section: OutSection; programs: { program: Program; base: number }[] }[] = [];
  for (const name of codeNames) {
    const programs = bySection.get(name)!;
    const placed: { program: Program; base: number }[] = [];
    let slots = 0;
    for (const program of programs) {
      placed.push({ program, base: slots });
      slots += programSlots(program);
    }
    const bytes = new Uint8Array(slots * INSN_SIZE);
    const view = new DataView(bytes.buffer);
    for (const { program, base } of placed) {
      for (const pi of program.insns) encodeInto(pi.insn, view, (base + pi.slot) * INSN_SIZE);
    }
    const section = newSection(name, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 8, bytes);
    code.push({ section, programs: placed });
    addCodeSymbols(section, placed);
  }

  for (const d of file.data) {
    if (d.name === '.BTF' || d.name === '.BTF.ext') continue;
    if ((d.name === LEGACY_MAPS_SECTION || d.name === BTF_MAPS_SECTION) && file.maps.length > 0) continue;
    if (d.name === LICENSE_SECTION && file.license !== undefined) continue;
    addDataSection(d);
  }

  if (file.license !== undefined) {
    const text = new TextEncoder().encode(file.license + '\0');
    const s = newSection(LICENSE_SECTION, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 1, text);
    s.symbols.push(symbol('_license', 0, text.length, STT_OBJECT, true, s));
  }

  const btfMaps = file.maps.length > 0 && (options.maps ?? 'btf') === 'btf';
  const functions = options.funcInfo === false ? [] : btfFunctions(code);
  if (btfMaps || functions.length > 0) {
    const source = options.source && functions.length > 0 ? btfSource(options.source, code) : undefined;
    const { btf, ext, layout, sectionSize } = objectBtf(btfMaps ? file.maps : [], functions, source);
    if (btfMaps) {
      const s = newSection(BTF_MAPS_SECTION, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 8, new Uint8Array(sectionSize));
      file.maps.forEach((m, i) => {
        s.symbols.push(symbol(m.name, layout[i]!.offset, layout[i]!.size, STT_OBJECT, true, s));
      });
    }
    newSection('.BTF', SHT_PROGBITS, 0, 4, btf);
    if (ext) newSection('.BTF.ext', SHT_PROGBITS, 0, 4, ext);
  }
  if (file.maps.length > 0 && !btfMaps) {
    const w = new ByteWriter();
    for (const m of file.maps) {
      w.u32(mapTypeNumber(m.type));
      w.u32(m.keySize);
      w.u32(m.valueSize);
      w.u32(m.maxEntries);
      w.u32(m.flags);
    }
    const s = newSection(LEGACY_MAPS_SECTION, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 4, w.finish());
    file.maps.forEach((m, i) => {
      s.symbols.push(symbol(m.name, i * LEGACY_MAP_DEF_SIZE, LEGACY_MAP_DEF_SIZE, STT_OBJECT, true, s));
    });
    const inner = file.maps.filter((m) => m.inner !== undefined);
    if (inner.length > 0) {
      // libbpf's legacy map definition has no inner-map field; keep the pairs in a note of our own.
      const table = inner.map((m) => `${m.name}\0${m.inner}\0`).join('');
      newSection(INNER_MAPS_SECTION, SHT_PROGBITS, 0, 1, new TextEncoder().encode(table));
    }
  }

  // Resolve relocations.
  const defined = new Map<string, OutSymbol>();
  for (const s of sections) for (const sym of s.symbols) if (!defined.has(sym.name)) defined.set(sym.name, sym);
  const sectionByName = new Map<string, OutSection>();
  for (const s of sections) if (!sectionByName.has(s.name)) sectionByName.set(s.name, s);
  const undefinedSyms = new Map<string, OutSymbol>();
  const pending: PendingReloc[] = [];
  for (const { section, programs } of code) {
    for (const { program, base } of programs) {
      for (const r of program.relocations) {
        const at = (base + r.slot) * INSN_SIZE;
        if (at + INSN_SIZE > section.data.length) continue;
        const type = r.kind === 'call' ? R_BPF_64_32 : R_BPF_64_64;
        const sym = defined.get(r.symbol);
        const namedSection = sectionByName.get(r.symbol);
        if (sym && sym.global) {
          pending.push({ section, offset: at, type, symbol: sym });
        } else if (namedSection) {
          // Section-relative, as llvm-mc and our assembler leave references to local symbols.
          namedSection.needsSectionSymbol = true;
          pending.push({ section, offset: at, type, sectionTarget: namedSection });
        } else if (sym) {
          // Only global symbols are referenced by name; a symbol of unstated binding is one.
          if (!sym.bindingKnown) sym.global = true;
          pending.push({ section, offset: at, type, symbol: sym });
        } else {
          let ext = undefinedSyms.get(r.symbol);
          if (!ext) {
            ext = symbol(r.symbol, 0, 0, STT_NOTYPE, true);
            undefinedSyms.set(r.symbol, ext);
          }
          pending.push({ section, offset: at, type, symbol: ext });
        }
      }
    }
  }

  // Section order: .strtab, then each section followed by its relocations, then .symtab.
  const strtab: OutSection = {
    name: '.strtab', type: SHT_STRTAB, flags: 0, align: 1, entsize: 0, data: new Uint8Array(0), index: 0, symbols: [],
  };
  const symtab: OutSection = {
    name: '.symtab', type: SHT_SYMTAB, flags: 0, align: 8, entsize: SYM_SIZE, data: new Uint8Array(0), index: 0,
    symbols: [], link: strtab,
  };
  const ordered: OutSection[] = [strtab];
  const relOf = new Map<OutSection, OutSection>();
  for (const s of sections) {
    ordered.push(s);
    if (pending.some((p) => p.section === s)) {
      const rel: OutSection = {
        name: '.rel' + s.name, type: SHT_REL, flags: SHF_INFO_LINK, align: 8, entsize: REL_SIZE,
        data: new Uint8Array(0), index: 0, symbols: [], link: symtab, info: s,
      };
      relOf.set(s, rel);
      ordered.push(rel);
    }
  }
  ordered.push(symtab);
  ordered.forEach((s, i) => { s.index = i + 1; });

  // Symbol table: locals (each section's symbol, then its local names), then globals.
  const sectionSymbols = new Map<OutSection, OutSymbol>();
  const locals: OutSymbol[] = [];
  const globals: OutSymbol[] = [];
  for (const s of sections) {
    if (s.needsSectionSymbol) {
      const ss = symbol('', 0, 0, STT_SECTION, false, s);
      sectionSymbols.set(s, ss);
      locals.push(ss);
    }
    for (const sym of s.symbols) (sym.global ? globals : locals).push(sym);
  }
  for (const ext of undefinedSyms.values()) globals.push(ext);
  const all = [...locals, ...globals];
  all.forEach((sym, i) => { sym.index = i + 1; });

  const names = new StringTable();
  for (const s of ordered) names.add(s.name);
  const sw = new ByteWriter();
  sw.bytes(new Uint8Array(SYM_SIZE));
  for (const sym of all) {
    sw.u32(names.add(sym.name));
    sw.u8(((sym.global ? STB_GLOBAL : STB_LOCAL) << 4) | sym.type);
    sw.u8(0);
    sw.u16(sym.section ? sym.section.index : SHN_UNDEF);
    sw.u64(sym.value);
    sw.u64(sym.size);
  }
  symtab.data = sw.finish();
  symtab.info = undefined;
  const firstGlobal = locals.length + 1;

  for (const [s, rel] of relOf) {
    const rw = new ByteWriter();
    for (const p of pending) {
      if (p.section !== s) continue;
      const index = p.sectionTarget ? sectionSymbols.get(p.sectionTarget)!.index : p.symbol!.index;
      rw.u64(p.offset);
      rw.u64((BigInt(index) << 32n) | BigInt(p.type));
    }
    rel.data = rw.finish();
  }
  strtab.data = names.bytes();

  // Image: header, contents in section order, then the section headers.
  const out = new ByteWriter();
  out.bytes(new Uint8Array(EHDR_SIZE));
  const offsets = new Map<OutSection, number>();
  for (const s of ordered) {
    out.align(s.align);
    offsets.set(s, out.length);
    if (s.type !== SHT_NOBITS) out.bytes(s.data);
  }
  out.align(8);
  const shoff = out.length;
  out.bytes(new Uint8Array(SHDR_SIZE));
  for (const s of ordered) {
    out.u32(names.add(s.name));
    out.u32(s.type);
    out.u64(s.flags);
    out.u64(0);
    out.u64(offsets.get(s)!);
    out.u64(s.data.length);
    out.u32(s.link ? s.link.index : 0);
    out.u32(s === symtab ? firstGlobal : s.info ? s.info.index : 0);
    out.u64(s.align);
    out.u64(s.entsize);
  }
  const image = out.finish();
  writeHeader(new DataView(image.buffer), shoff, ordered.length + 1, strtab.index);
  return image;

  /**
   * Function symbols are STT_FUNC with the size up to the next function, except local ones
   * outside `.text`: libbpf takes every FUNC there for a program (and refuses static ones), so
   * those are plain labels, as llvm-mc makes a label without `.type`. The one exception is a
   * program's entry: a local function at the start of a program section with no global one
   * there is made global, so that libbpf finds the program.
   */
  function addCodeSymbols(section: OutSection, placed: { program: Program; base: number }[]): void {
    const total = section.data.length;
    let entry: FunctionSymbol | undefined;
    if (section.name !== '.text' && placed[0]) {
      const { program, base } = placed[0];
      const atStart = program.functions.filter((f) => base + f.slot === 0);
      if (!atStart.some((f) => f.global)) entry = atStart[0];
    }
    const isGlobal = (f: FunctionSymbol): boolean => f.global || f === entry;
    const isFunc = (f: FunctionSymbol): boolean => isGlobal(f) || section.name === '.text';
    const fnStarts: number[] = [];
    for (const { program, base } of placed) {
      for (const f of program.functions) if (isFunc(f)) fnStarts.push((base + f.slot) * INSN_SIZE);
    }
    fnStarts.sort((a, b) => a - b);
    const syms: OutSymbol[] = [];
    const seen = new Set<string>();
    for (const { program, base } of placed) {
      for (const f of program.functions) {
        if (seen.has(f.name)) continue;
        seen.add(f.name);
        const at = (base + f.slot) * INSN_SIZE;
        if (!isFunc(f)) {
          syms.push(symbol(f.name, at, 0, STT_NOTYPE, false, section));
          continue;
        }
        const next = fnStarts.find((x) => x > at) ?? total;
        syms.push(symbol(f.name, at, next - at, STT_FUNC, isGlobal(f), section));
      }
      for (const [name, slot] of program.labels) {
        if (seen.has(name) || name.startsWith('.L')) continue;
        seen.add(name);
        syms.push(symbol(name, (base + slot) * INSN_SIZE, 0, STT_NOTYPE, false, section));
      }
    }
    syms.sort((a, b) => a.value - b.value);
    for (const sym of syms) section.symbols.push(sym);
  }

  function addDataSection(d: DataSection): void {
    const bss = d.name === '.bss' || d.name.startsWith('.bss.');
    const readonly = d.name === '.rodata' || d.name.startsWith('.rodata.');
    const flags = SHF_ALLOC | (readonly ? 0 : SHF_WRITE);
    const s = newSection(d.name, bss ? SHT_NOBITS : SHT_PROGBITS, flags, 8, d.bytes);
    for (const sym of d.symbols) {
      const out = symbol(sym.name, sym.offset, sym.size, sym.size > 0 ? STT_OBJECT : STT_NOTYPE, !!sym.global, s);
      out.bindingKnown = sym.global !== undefined;
      s.symbols.push(out);
    }
  }
}

function btfSource(
  source: { file: string; text: string },
  code: { section: OutSection; programs: { program: Program; base: number }[] }[],
): BtfSource {
  const insns: BtfSource['insns'] = [];
  for (const { section, programs } of code) {
    for (const { program, base } of programs) {
      for (const pi of program.insns) {
        if (pi.line !== undefined) insns.push({ section: section.name, offset: (base + pi.slot) * INSN_SIZE, line: pi.line });
      }
    }
  }
  return { file: source.file, lines: source.text.split('\n'), insns };
}

/** The functions that start (sub)programs, for func_info: every STT_FUNC symbol of the code. */
function btfFunctions(code: { section: OutSection; programs: { program: Program; base: number }[] }[]): BtfFunction[] {
  const out: BtfFunction[] = [];
  for (const { section, programs } of code) {
    const lineAt = new Map<number, number>();
    for (const { program, base } of programs) {
      for (const pi of program.insns) if (pi.line !== undefined) lineAt.set((base + pi.slot) * INSN_SIZE, pi.line + 1);
    }
    for (const sym of section.symbols) {
      if (sym.type !== STT_FUNC) continue;
      const f: BtfFunction = { section: section.name, name: sym.name, offset: sym.value, entry: section.name !== '.text' };
      const line = lineAt.get(sym.value);
      if (line !== undefined) f.line = line;
      out.push(f);
    }
  }
  // func_info must cover every subprogram, so it is all or nothing.
  const starts = new Set(out.map((f) => `${f.section}\0${f.offset}`));
  if (out.some((f) => !isBtfName(f.name)) || starts.size !== out.length) return [];
  return out;
}

function symbol(
  name: string, value: number, size: number, type: number, global: boolean, section?: OutSection,
): OutSymbol {
  return { name, value, size, type, global, bindingKnown: true, section, index: 0 };
}

function programSlots(p: Program): number {
  let end = 0;
  for (const pi of p.insns) end = Math.max(end, pi.slot + slotCount(pi.insn));
  return end;
}

function writeHeader(view: DataView, shoff: number, shnum: number, shstrndx: number): void {
  ELF_MAGIC.forEach((b, i) => view.setUint8(i, b));
  view.setUint8(4, ELFCLASS64);
  view.setUint8(5, ELFDATA2LSB);
  view.setUint8(6, EV_CURRENT);
  view.setUint16(16, ET_REL, true);
  view.setUint16(18, EM_BPF, true);
  view.setUint32(20, EV_CURRENT, true);
  view.setBigUint64(40, BigInt(shoff), true);
  view.setUint16(52, EHDR_SIZE, true);
  view.setUint16(58, SHDR_SIZE, true);
  view.setUint16(60, shnum, true);
  view.setUint16(62, shstrndx, true);
}
