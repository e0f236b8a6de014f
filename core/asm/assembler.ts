// Turns parsed statements into programs, maps and data: sections, labels, jump offsets,
// bpf-to-bpf calls and relocations, encoded the way llvm-mc encodes the same source.
import { helperByName } from '../helpers/table';
import type { Instruction } from '../isa';
import { isMapType, type MapDef, type MapType } from '../map-types';
import { progTypeOfSection } from '../program-types';
import type { AsmDiagnostic, DirectiveStatement, LineIndex, ParsedFile, Range, Severity, Statement } from './ast';
import { evalExpr } from './llvm-expr';
import { parseInteger, scanString } from './lexer';
import { mapsFromBtf } from './llvm-btf';
import type { AssembledFile, DataSection, FunctionSymbol, Program, ProgramInsn, Relocation } from './program';

export interface AssembleOptions {
  /** Fills ProgramInsn.line from statement ranges. */
  lines?: LineIndex;
}

type SectionKind = 'code' | 'data' | 'maps' | 'license' | 'other';

interface SectionState {
  name: string;
  kind: SectionKind;
  /** Allocated at load time (flag "a"): only these become DataSections. */
  alloc: boolean;
  insns: ProgramInsn[];
  refs: { index: number; stmt: Statement & { kind: 'insn' } }[];
  slots: number;
  /** Data: byte chunks with values to patch once every label is known. */
  bytes: number[];
  patches: { at: number; size: number; expr: { text: string; range: Range } }[];
  /** Symbols data refers to (`.quad inner_map`), by byte offset. */
  dataRefs: Map<number, string>;
  /** Code: bytes of data directives (`.quad 0x...`) not yet making up a whole instruction slot. */
  rawPending: number[];
  rawRange?: Range;
  labels: Map<string, number>;
}

interface SymbolDef {
  section: SectionState;
  /** Slot for code sections, byte offset for the others. */
  offset: number;
  range: Range;
}

const DEBUG_SECTION = /^\.(debug|llvm_addrsig|eh_frame|note|comment|llvm)/;
const DATA_SIZES: Record<string, number> = {
  '.byte': 1, '.short': 2, '.hword': 2, '.2byte': 2, '.long': 4, '.int': 4, '.4byte': 4, '.word': 4,
  '.quad': 8, '.8byte': 8,
};

/** Assembles one parsed file. Never throws; problems become diagnostics with ranges. */
export function assemble(parsed: ParsedFile, opts: AssembleOptions = {}): AssembledFile {
  try {
    return new Assembler(parsed, opts).run();
  } catch (e) {
    // a bug must not take the editor down: report it on the first statement
    const range = parsed.statements[0]?.range ?? { start: 0, end: 0 };
    const message = `internal assembler error: ${e instanceof Error ? e.message : String(e)}`;
    return { programs: [], maps: [], data: [], diagnostics: [{ range, severity: 'error', message, code: 'internal' }] };
  }
}

/** Bytes as a string of char codes 0..255, without spreading a large array into arguments. */
function latin1(bytes: ArrayLike<number>): string {
  let s = '';
  for (let k = 0; k < bytes.length; k += 8192) {
    s += String.fromCharCode.apply(null, Array.prototype.slice.call(bytes, k, k + 8192) as number[]);
  }
  return s;
}

const unquote = (s: string): string => (s.startsWith('"') ? scanString(s, 0).value : s.trim());

class Assembler {
  private readonly sections = new Map<string, SectionState>();
  private readonly order: SectionState[] = [];
  private readonly symbols = new Map<string, SymbolDef>();
  private readonly globals = new Set<string>();
  private readonly functionTypes = new Set<string>();
  private readonly callTargets = new Set<string>();
  private readonly maps: MapDef[] = [];
  private readonly mapRanges = new Map<string, Range>();
  /** `inner=NAME` of map-in-map definitions, checked once every map is known. */
  private readonly innerRefs: { name: string; range: Range }[] = [];
  private readonly diagnostics: AsmDiagnostic[] = [];
  private current: SectionState;
  private previous: SectionState | undefined;
  private readonly stack: SectionState[] = [];

  constructor(
    private readonly parsed: ParsedFile,
    private readonly opts: AssembleOptions,
  ) {
    this.current = this.section('.text', []);
  }

  private diag(range: Range, message: string, code: string, severity: Severity = 'error'): void {
    this.diagnostics.push({ range, severity, message, code });
  }

  private section(name: string, args: { text: string }[]): SectionState {
    let s = this.sections.get(name);
    if (s) return s;
    const flags = args.length > 1 ? unquote(args[1]!.text) : undefined;
    let kind: SectionKind;
    let alloc = true;
    if (name === '.maps') kind = 'maps';
    else if (name === 'license') kind = 'license';
    else if (name === '.text' || name.startsWith('.text.') || progTypeOfSection(name) || flags?.includes('x')) kind = 'code';
    else if (/^\.(data|rodata|bss)(\.|$)/.test(name) || flags?.includes('a')) kind = 'data';
    else {
      kind = 'other';
      alloc = false;
    }
    if (kind === 'data' && flags !== undefined && !flags.includes('a')) alloc = false;
    s = {
      name, kind, alloc, insns: [], refs: [], slots: 0, bytes: [], patches: [], dataRefs: new Map(), rawPending: [], labels: new Map(),
    };
    this.sections.set(name, s);
    this.order.push(s);
    return s;
  }

  private switchTo(s: SectionState): void {
    if (s !== this.current) this.previous = this.current;
    this.current = s;
  }

  run(): AssembledFile {
    for (const st of this.parsed.statements) {
      if (st.kind === 'label') this.label(st.name, st.range);
      else if (st.kind === 'directive') this.directive(st);
      else this.instruction(st);
    }
    for (const s of this.order) {
      if (s.kind === 'code') {
        if (s.rawPending.length > 0) {
          this.diag(s.rawRange!, `${s.rawPending.length} byte${s.rawPending.length > 1 ? 's' : ''} of data do not fill an 8-byte instruction slot`, 'misaligned');
        }
        this.resolveCode(s);
      }
      else this.patchData(s);
    }
    return this.result();
  }

  private label(name: string, range: Range): void {
    const s = this.current;
    if (this.symbols.has(name) || this.mapRanges.has(name)) {
      this.diag(range, `'${name}' is already defined`, 'duplicate-label');
      return;
    }
    const offset = s.kind === 'code' ? s.slots : s.bytes.length;
    this.symbols.set(name, { section: s, offset, range });
    s.labels.set(name, offset);
  }

  private instruction(st: Statement & { kind: 'insn' }): void {
    const s = this.current;
    if (s.kind !== 'code') {
      this.diag(st.range, `an instruction in section '${s.name}', which holds data: start code with .text or .section <program type>`, 'insn-in-data');
      return;
    }
    if (s.rawPending.length > 0) {
      this.diag(st.range, `an instruction must start on an 8-byte boundary: the data before it leaves ${s.rawPending.length} byte${s.rawPending.length > 1 ? 's' : ''} over`, 'misaligned');
      s.rawPending = [];
    }
    // copied only when resolving a reference will change it; the parse keeps its own fields
    const insn: Instruction = st.ref ? { ...st.insn } : st.insn;
    const pi: ProgramInsn = { insn, slot: s.slots, range: st.range };
    if (this.opts.lines) pi.line = this.opts.lines.position(st.range.start).line;
    if (st.ref) {
      s.refs.push({ index: s.insns.length, stmt: st });
      if (st.ref.role === 'call') this.callTargets.add(st.ref.name);
    }
    s.insns.push(pi);
    s.slots += insn.code === 0x18 ? 2 : 1;
  }

  private directive(st: DirectiveStatement): void {
    const { name, args } = st;
    switch (name) {
      case '.text':
      case '.data':
      case '.bss':
      case '.rodata':
        this.switchTo(this.section(name, []));
        return;
      case '.section':
      case '.pushsection': {
        if (!args[0]) return;
        const target = this.section(unquote(args[0].text), args);
        if (name === '.pushsection') this.stack.push(this.current);
        this.switchTo(target);
        return;
      }
      case '.popsection': {
        const s = this.stack.pop();
        if (s) this.switchTo(s);
        else this.diag(st.range, '.popsection without a matching .pushsection', 'section-stack');
        return;
      }
      case '.previous':
        if (this.previous) this.switchTo(this.previous);
        return;
      case '.globl':
      case '.global':
        for (const a of args) this.globals.add(a.text);
        return;
      case '.type':
        if (args[1] && /function/.test(args[1].text) && args[0]) this.functionTypes.add(args[0].text);
        return;
      case '.map':
        this.mapDirective(st);
        return;
    }
    const s = this.current;
    const size = DATA_SIZES[name];
    const isData = size !== undefined || name === '.ascii' || name === '.asciz' || name === '.string' ||
      name === '.zero' || name === '.space' || name === '.skip' || name === '.fill' || name === '.uleb128' || name === '.sleb128';
    if (!isData) {
      if ((name === '.p2align' || name === '.balign' || name === '.align') && s.kind !== 'code' && args[0]) {
        const n = Number(parseInteger(args[0].text.trim()) ?? 0n);
        const align = name === '.p2align' ? 2 ** Math.min(n, 16) : Math.max(1, Math.min(n, 65536));
        const fill = args[1] ? Number(parseInteger(args[1].text.trim()) ?? 0n) & 0xff : 0;
        while (s.bytes.length % align !== 0) s.bytes.push(fill);
      }
      return;
    }
    if (s.kind === 'code') {
      // raw encodings, as disassemblers write what the syntax cannot say: `.quad 0x...`
      const bytes = this.codeData(st, s);
      if (bytes) this.appendRaw(s, bytes, st);
      return;
    }
    if (DEBUG_SECTION.test(s.name)) return; // debug information is checked by the parser, not kept
    if (size !== undefined) {
      for (const a of args) {
        s.patches.push({ at: s.bytes.length, size, expr: a });
        for (let k = 0; k < size; k++) s.bytes.push(0);
      }
    } else if (name === '.uleb128' || name === '.sleb128') {
      for (const a of args) {
        const v = this.constant(a, s);
        if (v === undefined) continue;
        let x = name === '.uleb128' ? BigInt.asUintN(64, v) : v;
        for (;;) {
          const byte = Number(x & 0x7fn);
          x >>= 7n;
          const done = name === '.uleb128' ? x === 0n : (x === 0n && !(byte & 0x40)) || (x === -1n && !!(byte & 0x40));
          s.bytes.push(done ? byte : byte | 0x80);
          if (done) break;
        }
      }
    } else if (name === '.ascii' || name === '.asciz' || name === '.string') {
      for (const a of args) {
        const str = scanString(a.text, 0).value;
        for (let k = 0; k < str.length; k++) s.bytes.push(str.charCodeAt(k) & 0xff);
        if (name !== '.ascii') s.bytes.push(0);
      }
    } else if (name === '.fill') {
      const count = Number(this.constant(args[0]!, s) ?? 0n);
      const width = args[1] ? Number(this.constant(args[1], s) ?? 1n) : 1;
      const value = args[2] ? this.constant(args[2], s) ?? 0n : 0n;
      if (count < 0 || count > 1 << 24 || ![1, 2, 4, 8].includes(width)) {
        this.diag(st.range, '.fill needs a count up to 16777216 and a size of 1, 2, 4 or 8', 'data');
        return;
      }
      for (let k = 0; k < count; k++) for (let b = 0; b < width; b++) s.bytes.push(Number((value >> BigInt(8 * b)) & 0xffn));
    } else {
      const count = Number(this.constant(args[0]!, s) ?? 0n);
      const fill = args[1] ? Number((this.constant(args[1], s) ?? 0n) & 0xffn) : 0;
      if (count < 0 || count > 1 << 24) {
        this.diag(args[0]!.range, `${name} size must be between 0 and 16777216`, 'data');
        return;
      }
      for (let k = 0; k < count; k++) s.bytes.push(fill);
    }
  }

  /** A value needed right away (sizes, counts). */
  private constant(a: { text: string; range: Range }, s: SectionState): bigint | undefined {
    const r = evalExpr(a.text, 0, a.text.length, (n) => this.localValue(n, s));
    if (!r.result) {
      this.diag(a.range, r.error?.message ?? 'invalid expression', 'data');
      return undefined;
    }
    if (r.result.symbol) {
      this.diag(a.range, `'${r.result.symbol.name}' is not known here; a constant is needed`, 'data');
      return undefined;
    }
    return r.result.value;
  }

  /** A label's offset, when it is in section `s`. */
  private localValue(name: string, s: SectionState): bigint | undefined {
    const d = this.symbols.get(name);
    if (!d || d.section !== s) return undefined;
    return BigInt(s.kind === 'code' ? d.offset * 8 : d.offset);
  }

  /** The bytes of a data directive in a code section; only constants are allowed there. */
  private codeData(st: DirectiveStatement, s: SectionState): number[] | undefined {
    const { name, args } = st;
    const out: number[] = [];
    const size = DATA_SIZES[name];
    if (size !== undefined) {
      for (const a of args) {
        const v = this.constant(a, s);
        if (v === undefined) return undefined;
        const bits = BigInt(size * 8);
        if (size < 8 && (v >= 1n << bits || v < -(1n << (bits - 1n)))) {
          this.diag(a.range, `${a.text} does not fit in ${size} byte${size > 1 ? 's' : ''}`, 'data');
          return undefined;
        }
        const u = BigInt.asUintN(size * 8, v);
        for (let k = 0; k < size; k++) out.push(Number((u >> BigInt(8 * k)) & 0xffn));
      }
      return out;
    }
    if (name === '.zero' || name === '.space' || name === '.skip') {
      const count = Number(this.constant(args[0]!, s) ?? -1n);
      const fill = args[1] ? Number((this.constant(args[1], s) ?? 0n) & 0xffn) : 0;
      if (count < 0 || count > 1 << 20) {
        this.diag(st.range, `${name} in code needs a size between 0 and 1048576`, 'data');
        return undefined;
      }
      return new Array<number>(count).fill(fill);
    }
    this.diag(st.range, `${name} in code section '${s.name}': only .byte, .short, .long, .quad and .zero can spell raw instructions; put other data in a data section`, 'data-in-code');
    return undefined;
  }

  /** Adds raw bytes to a code section, making instructions of each whole slot (two for ld_imm64). */
  private appendRaw(s: SectionState, bytes: number[], st: DirectiveStatement): void {
    if (s.rawPending.length === 0) s.rawRange = st.range;
    for (const b of bytes) s.rawPending.push(b);
    const p = s.rawPending;
    let at = 0;
    while (p.length - at >= 8) {
      const wide = p[at] === 0x18;
      if (wide && p.length - at < 16) break;
      const word = (k: number) => (p[at + k]! | (p[at + k + 1]! << 8) | (p[at + k + 2]! << 16) | (p[at + k + 3]! << 24)) | 0;
      const insn: Instruction = {
        code: p[at]!, dst: p[at + 1]! & 0xf, src: p[at + 1]! >> 4, off: ((p[at + 2]! | (p[at + 3]! << 8)) << 16) >> 16, imm: word(4),
      };
      if (wide) {
        if (word(8) !== 0) {
          this.diag(st.range, "a raw ld_imm64 (opcode 0x18) needs a second slot whose first four bytes are zero", 'raw-ld-imm64');
        }
        insn.hi = word(12);
      }
      const pi: ProgramInsn = { insn, slot: s.slots, range: s.rawRange ?? st.range };
      if (this.opts.lines) pi.line = this.opts.lines.position(pi.range!.start).line;
      s.insns.push(pi);
      s.slots += wide ? 2 : 1;
      at += wide ? 16 : 8;
      s.rawRange = st.range;
    }
    s.rawPending = p.slice(at);
  }

  private mapDirective(st: DirectiveStatement): void {
    const [nameArg, ...fields] = st.args;
    if (!nameArg) return;
    const name = nameArg.text;
    if (this.mapRanges.has(name) || this.symbols.has(name)) {
      this.diag(nameArg.range, `'${name}' is already defined`, 'duplicate-map');
      return;
    }
    const values = new Map<string, string>();
    for (const f of fields) {
      const eq = f.text.indexOf('=');
      if (eq > 0) values.set(f.text.slice(0, eq).trim(), f.text.slice(eq + 1).trim());
    }
    const type = values.get('type') ?? '';
    if (!isMapType(type)) return; // the parser reported it
    const num = (k: string): number => {
      const v = values.get(k);
      if (v === undefined) return 0;
      const r = evalExpr(v, 0, v.length);
      return r.result && !r.result.symbol ? Number(BigInt.asUintN(32, r.result.value)) : 0;
    };
    const def: MapDef = {
      name, type: type as MapType, keySize: num('key'), valueSize: num('value'), maxEntries: num('max_entries'),
      flags: num('flags'),
    };
    const inner = values.get('inner');
    if (inner) {
      def.inner = inner;
      this.innerRefs.push({ name: inner, range: fields.find((f) => f.text.startsWith('inner'))!.range });
    }
    this.maps.push(def);
    this.mapRanges.set(name, nameArg.range);
  }

  private patchData(s: SectionState): void {
    for (const p of s.patches) {
      // a symbol plus a constant stays symbolic (a relocation); label differences are computed
      let r = evalExpr(p.expr.text, 0, p.expr.text.length);
      if (!r.result) r = evalExpr(p.expr.text, 0, p.expr.text.length, (n) => this.localValue(n, s));
      if (!r.result) {
        this.diag(p.expr.range, r.error?.message ?? 'invalid expression', 'data');
        continue;
      }
      let v = r.result.value;
      const sym = r.result.symbol;
      if (sym) {
        s.dataRefs.set(p.at, sym.name);
        // what llvm-mc leaves in the bytes: the offset for a local symbol, else just the addend
        const d = this.symbols.get(sym.name);
        if (d && !this.globals.has(sym.name)) v += BigInt(d.section.kind === 'code' ? d.offset * 8 : d.offset);
      }
      const bits = BigInt(p.size * 8);
      if (p.size < 8 && (v >= 1n << bits || v < -(1n << (bits - 1n)))) {
        this.diag(p.expr.range, `${p.expr.text} does not fit in ${p.size} byte${p.size > 1 ? 's' : ''}`, 'data');
      }
      const u = BigInt.asUintN(Number(bits), v);
      for (let k = 0; k < p.size; k++) s.bytes[p.at + k] = Number((u >> BigInt(8 * k)) & 0xffn);
    }
  }

  private resolveCode(s: SectionState): void {
    for (const { index, stmt } of s.refs) {
      const pi = s.insns[index]!;
      const ref = stmt.ref!;
      const insn = pi.insn;
      const def = this.symbols.get(ref.name);
      switch (ref.role) {
        case 'jump': {
          if (!def) {
            this.diag(ref.range, `undefined label '${ref.name}'`, 'undefined-label');
            break;
          }
          if (def.section !== s) {
            this.diag(ref.range, `'${ref.name}' is in section '${def.section.name}'; a jump stays inside its section '${s.name}'`, 'cross-section-jump');
            break;
          }
          const delta = def.offset - (pi.slot + 1);
          if (insn.code === 0x06) insn.imm = delta;
          else if (delta < -32768 || delta > 32767) {
            this.diag(ref.range, `'${ref.name}' is ${delta} instructions away, out of range for a 16-bit jump offset (use gotol)`, 'jump-range');
          } else insn.off = delta;
          break;
        }
        case 'call': {
          if (!def && this.sections.has(ref.name)) {
            // a call relocated against a section (from a listing): the imm already holds the offset
            this.reloc(s, pi.slot, ref.name, 'call');
            break;
          }
          if (!def) {
            if (this.mapRanges.has(ref.name)) {
              this.diag(ref.range, `'${ref.name}' is a map, not a function`, 'call-target');
              break;
            }
            const helper = helperByName(ref.name);
            if (helper) {
              // `call map_lookup_elem`: a helper named without its bpf_ prefix
              insn.src = 0;
              insn.imm = helper.id;
              break;
            }
            this.diag(ref.range, `undefined function '${ref.name}': left as a relocation for the loader (an external function or kfunc)`, 'undefined-function', 'warning');
            insn.imm = -1;
            this.reloc(s, pi.slot, ref.name, 'call');
            break;
          }
          if (def.section.kind !== 'code') {
            this.diag(ref.range, `'${ref.name}' is in data section '${def.section.name}', not code`, 'call-target');
            break;
          }
          if (this.globals.has(ref.name)) {
            insn.imm = -1;
            this.reloc(s, pi.slot, ref.name, 'call');
          } else if (def.section === s) {
            insn.imm = def.offset - (pi.slot + 1);
          } else {
            insn.imm = def.offset - 1;
            this.reloc(s, pi.slot, def.section.name, 'call');
          }
          break;
        }
        case 'imm64': {
          const addend = BigInt.asIntN(64, (BigInt(insn.hi ?? 0) << 32n) | BigInt(insn.imm >>> 0));
          if (def && !this.globals.has(ref.name)) {
            const v = addend + BigInt(def.section.kind === 'code' ? def.offset * 8 : def.offset);
            insn.imm = Number(BigInt.asIntN(32, v));
            insn.hi = Number(BigInt.asIntN(32, v >> 32n));
            this.reloc(s, pi.slot, def.section.name, 'imm64');
          } else {
            if (!def && !this.mapRanges.has(ref.name) && !this.globals.has(ref.name) && !this.sections.has(ref.name)) {
              this.diag(ref.range, `undefined symbol '${ref.name}': define it with .map, as a label in a data section, or declare it .globl`, 'undefined-symbol', 'warning');
            }
            this.reloc(s, pi.slot, ref.name, 'imm64');
          }
          break;
        }
        case 'helper':
          break;
      }
    }
  }

  private readonly relocs = new Map<SectionState, Relocation[]>();

  private reloc(s: SectionState, slot: number, symbol: string, kind: Relocation['kind']): void {
    let list = this.relocs.get(s);
    if (!list) this.relocs.set(s, (list = []));
    list.push({ slot, symbol, kind });
  }

  private isFunction(name: string, slot: number): boolean {
    if (this.functionTypes.has(name) || this.globals.has(name) || this.callTargets.has(name)) return true;
    return slot === 0 && !name.startsWith('.L') && !/^LBB\d/.test(name);
  }

  private result(): AssembledFile {
    for (const ref of this.innerRefs) {
      if (!this.mapRanges.has(ref.name)) this.diag(ref.range, `inner map '${ref.name}' is not defined with .map`, 'undefined-map');
    }
    const programs: Program[] = [];
    const data: DataSection[] = [];
    let license: string | undefined;
    const sizes = this.symbolSizes();
    for (const s of this.order) {
      if (s.kind === 'code') {
        if (s.insns.length === 0) continue;
        const functions: FunctionSymbol[] = [];
        for (const [name, slot] of s.labels) {
          if (this.isFunction(name, slot)) functions.push({ name, slot, global: this.globals.has(name) });
        }
        functions.sort((a, b) => a.slot - b.slot);
        programs.push({
          section: s.name,
          name: functions[0]?.name ?? s.name,
          progType: progTypeOfSection(s.name),
          insns: s.insns,
          labels: s.labels,
          functions,
          relocations: this.relocs.get(s) ?? [],
        });
      } else if (s.kind === 'license') {
        const bytes = s.bytes;
        const nul = bytes.indexOf(0);
        license = latin1(bytes.slice(0, nul < 0 ? bytes.length : nul));
      } else if (s.kind === 'data' && s.alloc) {
        const symbols = [...s.labels]
          .filter(([name]) => !name.startsWith('.L'))
          .map(([name, offset]) => ({ name, offset, size: sizes.get(name) ?? 0 }));
        data.push({ name: s.name, bytes: Uint8Array.from(s.bytes), symbols });
      }
    }
    const maps = [...this.maps];
    const btf = this.sections.get('.BTF');
    const mapsSection = this.sections.get('.maps');
    if (btf && mapsSection && mapsSection.labels.size > 0) {
      const found = mapsFromBtf(Uint8Array.from(btf.bytes));
      for (const [name, offset] of mapsSection.labels) {
        const found1 = found.get(name);
        if (!found1 || maps.some((m) => m.name === name)) continue;
        const { valuesOffset, ...def } = found1;
        const inner = valuesOffset === undefined ? undefined : mapsSection.dataRefs.get(offset + valuesOffset);
        maps.push(inner ? { ...def, inner } : def);
      }
    }
    return license !== undefined
      ? { programs, maps, data, license, diagnostics: this.diagnostics }
      : { programs, maps, data, diagnostics: this.diagnostics };
  }

  /** Sizes from `.size name, expr` directives, evaluated against the labels. */
  private symbolSizes(): Map<string, number> {
    const sizes = new Map<string, number>();
    for (const st of this.parsed.statements) {
      if (st.kind !== 'directive' || st.name !== '.size' || st.args.length !== 2) continue;
      const name = st.args[0]!.text;
      const def = this.symbols.get(name);
      const expr = st.args[1]!.text;
      const r = evalExpr(expr, 0, expr.length, (n) => (def ? this.localValue(n, def.section) : undefined));
      if (r.result && !r.result.symbol) sizes.set(name, Number(r.result.value));
    }
    return sizes;
  }
}
