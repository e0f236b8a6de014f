// Reads a BPF ELF relocatable object (from llvm-mc, clang or our writer) back into programs, maps
// and data. Every malformation becomes a diagnostic whose range is a byte range of the file;
// nothing here throws.
import { INSN_SIZE, decodeProgram, isWide, type Instruction } from '../isa';
import type { AssembledFile, DataSection, FunctionSymbol, Program, ProgramInsn, Relocation } from '../asm/program';
import { MAP_TYPES, type MapDef, type MapType } from '../map-types';
import { progTypeOfSection } from '../program-types';
import { Btf, parseLineInfo, type BtfLineInfo } from './btf';
import { parseCoreRelocations, type CoreRelocation } from './btf-core';
import {
  BTF_MAPS_SECTION, EHDR_SIZE, ELFCLASS64, ELFDATA2LSB, ELF_MAGIC, EM_BPF, ET_REL, INNER_MAPS_SECTION,
  LEGACY_MAPS_SECTION, LEGACY_MAP_DEF_SIZE, LICENSE_SECTION, REL_SIZE, RELA_SIZE, R_BPF_64_32, R_BPF_64_64,
  SHDR_SIZE, SHF_ALLOC, SHF_EXECINSTR, SHN_LORESERVE, SHN_XINDEX, SHT_NOBITS, SHT_NULL, SHT_REL, SHT_RELA,
  SHT_SYMTAB, STB_GLOBAL, STB_WEAK, STT_FILE, STT_FUNC, STT_SECTION, SYM_SIZE,
} from './format';

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  align: number;
  entsize: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  /** STT_* */
  type: number;
  /** STB_* */
  bind: number;
  /** Section header index (0 when undefined, SHN_* for special ones). */
  shndx: number;
  /** The defining section's name, when it is a real section. */
  section?: string;
}

export interface ElfRelocation {
  /** The section the relocation patches. */
  section: string;
  offset: number;
  /** R_BPF_* */
  type: number;
  /** The symbol's name, or its section's name for an STT_SECTION symbol. */
  symbol: string;
  addend?: number;
}

export interface ElfObject extends AssembledFile {
  sections: ElfSection[];
  symbols: ElfSymbol[];
  relocations: ElfRelocation[];
  /** Source lines from `.BTF.ext` (clang -g), in section and offset order. */
  lineInfo: BtfLineInfo[];
  /** CO-RE relocations from `.BTF.ext`. */
  coreRelocations: CoreRelocation[];
}

/** True when the bytes start with the ELF magic number. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && ELF_MAGIC.every((b, i) => bytes[i] === b);
}

/** Largest NOBITS section we materialise as zeros. */
const MAX_NOBITS = 64 << 20;

export function readObject(bytes: Uint8Array): ElfObject {
  const result: ElfObject = {
    programs: [], maps: [], data: [], diagnostics: [], sections: [], symbols: [], relocations: [], lineInfo: [], coreRelocations: [],
  };
  try {
    parseInto(bytes, result);
  } catch (e) {
    report(result, 0, bytes.length, `cannot read the object: ${e instanceof Error ? e.message : String(e)}`);
  }
  return result;
}

function report(out: ElfObject, start: number, end: number, message: string, severity: 'error' | 'warning' = 'error'): void {
  out.diagnostics.push({ range: { start, end: Math.max(start, end) }, severity, message, code: 'elf' });
}

function parseInto(bytes: Uint8Array, out: ElfObject): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  if (!isElf(bytes)) return report(out, 0, Math.min(4, len), 'not an ELF object (bad magic number)');
  if (len < EHDR_SIZE) return report(out, 0, len, `ELF header is truncated: ${len} of ${EHDR_SIZE} bytes`);
  if (bytes[4] !== ELFCLASS64) return report(out, 4, 5, 'not a 64-bit ELF object');
  if (bytes[5] !== ELFDATA2LSB) return report(out, 5, 6, 'not a little-endian ELF object (only bpfel is supported)');
  const machine = view.getUint16(18, true);
  if (machine !== EM_BPF) return report(out, 18, 20, `not a BPF object (e_machine ${machine}, expected ${EM_BPF})`);
  const etype = view.getUint16(16, true);
  if (etype !== ET_REL) report(out, 16, 18, `not a relocatable object (e_type ${etype})`, 'warning');

  const shoff = Number(view.getBigUint64(40, true));
  const shentsize = view.getUint16(58, true);
  let shnum = view.getUint16(60, true);
  let shstrndx = view.getUint16(62, true);
  if (shoff === 0) return report(out, 40, 48, 'object has no section headers');
  if (shentsize !== SHDR_SIZE) return report(out, 58, 60, `section header size is ${shentsize}, expected ${SHDR_SIZE}`);
  if (shoff + SHDR_SIZE > len) return report(out, 40, 48, `section headers start past the end of the file (${shoff})`);
  if (shnum === 0) shnum = Number(view.getBigUint64(shoff + 32, true));
  if (shstrndx === SHN_XINDEX) shstrndx = view.getUint32(shoff + 40, true);
  const fit = Math.floor((len - shoff) / SHDR_SIZE);
  if (shnum > fit) {
    report(out, shoff, len, `section header table is truncated: ${fit} of ${shnum} headers present`);
    shnum = fit;
  }

  const raw: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * SHDR_SIZE;
    raw.push({
      index: i,
      name: '',
      type: view.getUint32(at + 4, true),
      flags: Number(view.getBigUint64(at + 8, true) & 0xffff_ffffn),
      offset: safeNumber(view.getBigUint64(at + 24, true)),
      size: safeNumber(view.getBigUint64(at + 32, true)),
      link: view.getUint32(at + 40, true),
      info: view.getUint32(at + 44, true),
      align: safeNumber(view.getBigUint64(at + 48, true)),
      entsize: safeNumber(view.getBigUint64(at + 56, true)),
    });
  }
  const headerAt = (s: ElfSection): number => shoff + s.index * SHDR_SIZE;
  const contents = (s: ElfSection): Uint8Array | undefined => {
    if (s.type === SHT_NOBITS || s.type === SHT_NULL) return undefined;
    if (s.offset > len || s.size > len - s.offset) {
      report(out, headerAt(s), headerAt(s) + SHDR_SIZE,
        `section ${s.index} (${s.name || 'unnamed'}) lies outside the file (offset ${s.offset}, size ${s.size})`);
      return undefined;
    }
    return bytes.subarray(s.offset, s.offset + s.size);
  };

  const shstr = raw[shstrndx];
  const shstrBytes = shstr && shstrndx !== 0 ? contents(shstr) : undefined;
  if (!shstrBytes) report(out, 62, 64, `section name table (index ${shstrndx}) is missing`);
  for (const s of raw) {
    const nameOff = view.getUint32(headerAt(s), true);
    s.name = shstrBytes ? cString(shstrBytes, nameOff) ?? `<bad name ${nameOff}>` : `section${s.index}`;
  }
  out.sections = raw;

  // Symbols.
  const symtab = raw.find((s) => s.type === SHT_SYMTAB);
  const symbols: ElfSymbol[] = [];
  if (symtab) {
    const data = contents(symtab);
    const strSec = raw[symtab.link];
    const strs = strSec ? contents(strSec) : undefined;
    if (!strs) report(out, headerAt(symtab), headerAt(symtab) + SHDR_SIZE, 'symbol table has no string table');
    if (data) {
      if (data.length % SYM_SIZE !== 0) {
        report(out, symtab.offset, symtab.offset + data.length, 'symbol table size is not a multiple of 24', 'warning');
      }
      const sv = new DataView(data.buffer, data.byteOffset, data.byteLength);
      for (let at = 0; at + SYM_SIZE <= data.length; at += SYM_SIZE) {
        const nameOff = sv.getUint32(at, true);
        const info = sv.getUint8(at + 4);
        const shndx = sv.getUint16(at + 6, true);
        const sym: ElfSymbol = {
          name: strs ? cString(strs, nameOff) ?? '' : '',
          value: safeNumber(sv.getBigUint64(at + 8, true)),
          size: safeNumber(sv.getBigUint64(at + 16, true)),
          type: info & 0xf,
          bind: info >> 4,
          shndx,
        };
        if (shndx !== 0 && shndx < SHN_LORESERVE) {
          const sec = raw[shndx];
          if (sec) sym.section = sec.name;
          else report(out, symtab.offset + at, symtab.offset + at + SYM_SIZE, `symbol '${sym.name}' refers to missing section ${shndx}`);
        }
        if (sym.type === STT_SECTION && sym.section && !sym.name) sym.name = sym.section;
        symbols.push(sym);
      }
    }
  }
  out.symbols = symbols.slice(1);

  // Relocations, grouped by the section they patch.
  const relocsBySection = new Map<number, { rel: ElfRelocation; fileOffset: number }[]>();
  for (const s of raw) {
    if (s.type !== SHT_REL && s.type !== SHT_RELA) continue;
    const data = contents(s);
    const target = raw[s.info];
    if (!data) continue;
    if (!target) {
      report(out, headerAt(s), headerAt(s) + SHDR_SIZE, `relocation section ${s.name} patches missing section ${s.info}`);
      continue;
    }
    const entry = s.type === SHT_RELA ? RELA_SIZE : REL_SIZE;
    const rv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const list = relocsBySection.get(target.index) ?? [];
    for (let at = 0; at + entry <= data.length; at += entry) {
      const offset = safeNumber(rv.getBigUint64(at, true));
      const info = rv.getBigUint64(at + 8, true);
      const symIndex = Number(info >> 32n);
      const type = Number(info & 0xffff_ffffn);
      const sym = symbols[symIndex];
      if (!sym || symIndex === 0) {
        if (type !== 0) report(out, s.offset + at, s.offset + at + entry, `relocation in ${s.name} uses missing symbol ${symIndex}`);
        continue;
      }
      const rel: ElfRelocation = { section: target.name, offset, type, symbol: sym.name };
      if (s.type === SHT_RELA) rel.addend = Number(rv.getBigInt64(at + 16, true));
      list.push({ rel, fileOffset: s.offset + at });
      out.relocations.push(rel);
    }
    relocsBySection.set(target.index, list);
  }

  // Programs: every executable section with code.
  for (const s of raw) {
    if (!(s.flags & SHF_EXECINSTR) || s.type === SHT_NOBITS) continue;
    const data = contents(s);
    if (!data || data.length === 0) continue;
    out.programs.push(readProgram(s, data, symbols, relocsBySection.get(s.index) ?? [], out));
  }

  out.license = readLicense(raw, contents);
  readLineInfo(raw, contents, out);
  readMaps(raw, contents, symbols, relocsBySection, out);

  // Data: other allocated sections.
  for (const s of raw) {
    if (!(s.flags & SHF_ALLOC) || s.flags & SHF_EXECINSTR) continue;
    if (s.name === LEGACY_MAPS_SECTION || s.name === BTF_MAPS_SECTION || s.name === LICENSE_SECTION) continue;
    let data: Uint8Array;
    if (s.type === SHT_NOBITS) {
      if (s.size > MAX_NOBITS) {
        report(out, headerAt(s), headerAt(s) + SHDR_SIZE, `section ${s.name} is too large (${s.size} bytes)`);
        continue;
      }
      data = new Uint8Array(s.size);
    } else {
      const c = contents(s);
      if (!c) continue;
      data = c.slice();
    }
    const section: DataSection = { name: s.name, bytes: data, symbols: [] };
    for (const sym of symbols) {
      if (sym.shndx !== s.index || sym.type === STT_SECTION || sym.type === STT_FILE || !sym.name) continue;
      const global = sym.bind === STB_GLOBAL || sym.bind === STB_WEAK;
      section.symbols.push({ name: sym.name, offset: sym.value, size: sym.size, global });
    }
    out.data.push(section);
  }
}

function readProgram(
  s: ElfSection, data: Uint8Array, symbols: ElfSymbol[],
  relocs: { rel: ElfRelocation; fileOffset: number }[], out: ElfObject,
): Program {
  const insns: ProgramInsn[] = [];
  const bySlot = new Map<number, Instruction>();
  for (const d of decodeProgram(data)) {
    insns.push({ insn: d.insn, slot: d.slot });
    bySlot.set(d.slot, d.insn);
    if (d.error) {
      const at = s.offset + d.slot * INSN_SIZE;
      report(out, at, at + INSN_SIZE, `${s.name}+${hex(d.slot * INSN_SIZE)}: ${d.error}`, 'warning');
    }
  }
  const labels = new Map<string, number>();
  const functions: FunctionSymbol[] = [];
  for (const sym of symbols) {
    if (sym.shndx !== s.index || sym.type === STT_SECTION || sym.type === STT_FILE || !sym.name) continue;
    if (sym.value % INSN_SIZE !== 0 || sym.value > data.length) {
      report(out, s.offset, s.offset + data.length, `symbol '${sym.name}' in ${s.name} is not at an instruction (offset ${sym.value})`, 'warning');
      continue;
    }
    const slot = sym.value / INSN_SIZE;
    if (!labels.has(sym.name)) labels.set(sym.name, slot);
    if (sym.type === STT_FUNC) functions.push({ name: sym.name, slot, global: sym.bind === STB_GLOBAL || sym.bind === STB_WEAK });
  }
  const relocations: Relocation[] = [];
  for (const { rel, fileOffset } of relocs) {
    const where = `${s.name}+${hex(rel.offset)}`;
    const fail = (message: string): void => report(out, fileOffset, fileOffset + REL_SIZE, `${where}: ${message}`, 'warning');
    if (rel.offset % INSN_SIZE !== 0) { fail('relocation is not at an instruction'); continue; }
    const slot = rel.offset / INSN_SIZE;
    const insn = bySlot.get(slot);
    if (!insn) { fail('relocation is not at an instruction'); continue; }
    if (rel.type === R_BPF_64_64) {
      if (!isWide(insn)) { fail(`R_BPF_64_64 against '${rel.symbol}' patches an instruction that is not ld_imm64`); continue; }
      relocations.push({ slot, symbol: rel.symbol, kind: 'imm64' });
    } else if (rel.type === R_BPF_64_32) {
      relocations.push({ slot, symbol: rel.symbol, kind: 'call' });
    } else {
      fail(`unsupported relocation type ${rel.type} against '${rel.symbol}'`);
    }
  }
  functions.sort((a, b) => a.slot - b.slot);
  const atStart = symbols.filter((x) => x.shndx === s.index && x.value === 0 && x.name && x.type !== STT_SECTION);
  const name = functions.find((f) => f.slot === 0 && f.global)?.name ??
    functions.find((f) => f.slot === 0)?.name ??
    atStart.find((x) => x.bind === STB_GLOBAL)?.name ?? functions[0]?.name ?? s.name;
  return { section: s.name, name, progType: progTypeOfSection(s.name), insns, labels, functions, relocations };
}

function readLineInfo(raw: ElfSection[], contents: (s: ElfSection) => Uint8Array | undefined, out: ElfObject): void {
  const extSec = raw.find((x) => x.name === '.BTF.ext');
  const btfSec = raw.find((x) => x.name === '.BTF');
  const ext = extSec ? contents(extSec) : undefined;
  const btfData = btfSec ? contents(btfSec) : undefined;
  if (!extSec || !ext || !btfData) return;
  const btf = Btf.parse(btfData);
  if (typeof btf === 'string') return; // reported with the maps
  const lines = parseLineInfo(ext, btf);
  if (typeof lines === 'string') {
    report(out, extSec.offset, extSec.offset + extSec.size, lines, 'warning');
    return;
  }
  // Records without a file (ours, written only because libbpf wants one per function) say nothing.
  out.lineInfo = lines.filter((l) => l.file !== '');
  const core = parseCoreRelocations(ext, btf);
  if (typeof core === 'string') report(out, extSec.offset, extSec.offset + extSec.size, core, 'warning');
  else out.coreRelocations = core;
}

function readLicense(raw: ElfSection[], contents: (s: ElfSection) => Uint8Array | undefined): string | undefined {
  const s = raw.find((x) => x.name === LICENSE_SECTION);
  const data = s ? contents(s) : undefined;
  if (!data) return undefined;
  return cString(data, 0) ?? new TextDecoder().decode(data);
}

const MAP_TYPE_NAMES = new Map<number, MapType>(
  Object.entries(MAP_TYPES).map(([name, n]) => [n, name as MapType]),
);

function readMaps(
  raw: ElfSection[], contents: (s: ElfSection) => Uint8Array | undefined, symbols: ElfSymbol[],
  relocsBySection: Map<number, { rel: ElfRelocation; fileOffset: number }[]>, out: ElfObject,
): void {
  const typeName = (n: number, name: string, at: number): MapType | undefined => {
    const t = MAP_TYPE_NAMES.get(n);
    if (!t) report(out, at, at + 4, `map '${name}' has unknown map type ${n}`);
    return t;
  };

  // Legacy `maps`: a struct bpf_map_def per symbol, each of (section size / symbol count) bytes.
  const legacy = raw.find((x) => x.name === LEGACY_MAPS_SECTION);
  const legacyData = legacy ? contents(legacy) : undefined;
  if (legacy && legacyData) {
    const syms = symbols.filter((x) => x.shndx === legacy.index && x.type !== STT_SECTION && x.name);
    const defSize = syms.length > 0 && legacyData.length % syms.length === 0 ? legacyData.length / syms.length : LEGACY_MAP_DEF_SIZE;
    const v = new DataView(legacyData.buffer, legacyData.byteOffset, legacyData.byteLength);
    for (const sym of syms) {
      const field = (i: number): number => (i * 4 + 4 <= defSize && sym.value + i * 4 + 4 <= legacyData.length ? v.getUint32(sym.value + i * 4, true) : 0);
      if (sym.value + Math.min(defSize, LEGACY_MAP_DEF_SIZE) > legacyData.length) {
        report(out, legacy.offset, legacy.offset + legacyData.length, `map '${sym.name}' lies outside the maps section`);
        continue;
      }
      const type = typeName(field(0), sym.name, legacy.offset + sym.value);
      if (!type) continue;
      out.maps.push({ name: sym.name, type, keySize: field(1), valueSize: field(2), maxEntries: field(3), flags: field(4) });
    }
  }

  // BTF-defined `.maps`: fields come from each variable's BTF struct.
  const btfMaps = raw.find((x) => x.name === BTF_MAPS_SECTION);
  if (btfMaps) {
    const btfSec = raw.find((x) => x.name === '.BTF');
    const btfData = btfSec ? contents(btfSec) : undefined;
    const btf = btfData ? Btf.parse(btfData) : 'the object has no .BTF section';
    if (typeof btf === 'string' && btfSec) report(out, btfSec.offset, btfSec.offset + btfSec.size, btf, 'warning');
    const defs = typeof btf === 'string' ? undefined : btf.mapDefinitions();
    const syms = symbols.filter((x) => x.shndx === btfMaps.index && x.type !== STT_SECTION && x.name);
    const relocs = relocsBySection.get(btfMaps.index) ?? [];
    for (const sym of syms) {
      const f = defs?.get(sym.name);
      const at = btfMaps.offset + sym.value;
      if (!f) {
        report(out, at, at + sym.size, `map '${sym.name}' in .maps has no BTF definition; its type is unknown`, 'warning');
        continue;
      }
      const type = typeName(f.type ?? 0, sym.name, at);
      if (!type) continue;
      const map: MapDef = {
        name: sym.name, type, keySize: f.keySize ?? 0, valueSize: f.valueSize ?? 0,
        maxEntries: f.maxEntries ?? 0, flags: f.flags ?? 0,
      };
      if (f.hasValues) {
        if (type === 'array_of_maps' || type === 'hash_of_maps' || type === 'prog_array') map.valueSize ||= 4;
        const inner = relocs.find(({ rel }) => rel.offset >= sym.value && rel.offset < sym.value + Math.max(sym.size, 1));
        if (type === 'array_of_maps' || type === 'hash_of_maps') {
          const name = inner?.rel.symbol ?? f.inner;
          if (name !== undefined) map.inner = name;
        }
      }
      out.maps.push(map);
    }
  }

  // Our own map-in-map pairs, written next to the legacy maps.
  const innerSec = raw.find((x) => x.name === INNER_MAPS_SECTION);
  const innerData = innerSec ? contents(innerSec) : undefined;
  if (innerData) {
    const parts = new TextDecoder().decode(innerData).split('\0');
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const m = out.maps.find((x) => x.name === parts[i]);
      if (m && parts[i + 1]) m.inner = parts[i + 1];
    }
  }
}

/** The NUL-terminated string at `off`, or undefined when `off` is outside the table. */
function cString(table: Uint8Array, off: number): string | undefined {
  if (off >= table.length) return undefined;
  let end = off;
  while (end < table.length && table[end] !== 0) end++;
  return new TextDecoder().decode(table.subarray(off, end));
}

/** A u64 as a number, clamped so later arithmetic stays exact. */
function safeNumber(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

const hex = (n: number): string => '0x' + n.toString(16);
