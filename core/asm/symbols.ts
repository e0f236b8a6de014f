// Where each name in a parsed file is defined and used: labels, functions, maps, data symbols.
// Feeds navigation, rename, outline and the unused-symbol warnings.
import type { DirectiveStatement, ParsedFile, Range, SymbolRef } from './ast';

export type SymbolKind = 'label' | 'function' | 'map' | 'data' | 'section';

export interface SymbolDef {
  name: string;
  kind: SymbolKind;
  /** The name itself. */
  range: Range;
  /** The whole construct: a function or section runs to the next one. */
  fullRange: Range;
}

export interface SymbolUse {
  name: string;
  range: Range;
  role: SymbolRef['role'] | 'directive';
}

export interface SymbolIndex {
  defs: SymbolDef[];
  uses: SymbolUse[];
  /** First definition of each name. */
  byName: Map<string, SymbolDef>;
}

const CODE_SECTION = /^(\.text|[a-z_]+[a-z0-9_./-]*)$/;
const DATA_SECTION = /^\.(data|bss|rodata|maps|BTF|BTF\.ext|debug_|llvm_|addrsig|note)|^license$|^maps$/;

/** Name of a `.section`-like directive's section, or undefined for other directives. */
export function sectionName(d: DirectiveStatement): string | undefined {
  switch (d.name) {
    case '.section':
    case '.pushsection':
      return d.args[0]?.text.replace(/^"|"$/g, '');
    case '.text':
    case '.data':
    case '.bss':
    case '.rodata':
      return d.name;
    default:
      return undefined;
  }
}

const isCodeSection = (name: string): boolean => !DATA_SECTION.test(name) && CODE_SECTION.test(name);

export function indexSymbols(parsed: ParsedFile, textLength: number): SymbolIndex {
  const defs: SymbolDef[] = [];
  const uses: SymbolUse[] = [];
  const called = new Set<string>();
  const declaredFunctions = new Set<string>();
  let inCode = true;
  let openSection: SymbolDef | undefined;
  const close = (def: SymbolDef | undefined, end: number): void => {
    if (def) def.fullRange = { start: def.fullRange.start, end: Math.max(def.fullRange.start, end) };
  };

  for (const st of parsed.statements) {
    if (st.kind === 'insn') {
      if (st.ref && st.ref.role !== 'helper') {
        uses.push({ name: st.ref.name, range: st.ref.range, role: st.ref.role });
        if (st.ref.role === 'call') called.add(st.ref.name);
      }
      continue;
    }
    if (st.kind === 'label') {
      if (st.name.startsWith('.L') && /^\.L(tmp|func_end|set|ex)/.test(st.name)) continue;
      const def: SymbolDef = { name: st.name, kind: inCode ? 'label' : 'data', range: st.range, fullRange: { ...st.range } };
      defs.push(def);
      continue;
    }
    const section = sectionName(st);
    if (section !== undefined) {
      inCode = isCodeSection(section);
      close(openSection, st.range.start);
      openSection = undefined;
      if (inCode && section !== '.text') {
        const arg = st.args[0];
        openSection = { name: section, kind: 'section', range: arg?.range ?? st.range, fullRange: { start: st.range.start, end: textLength } };
        defs.push(openSection);
      }
      continue;
    }
    if (st.name === '.map' && st.args[0]) {
      const nameText = st.args[0].text.split(/\s+/)[0] ?? '';
      if (nameText) {
        const range = { start: st.args[0].range.start, end: st.args[0].range.start + nameText.length };
        defs.push({ name: nameText, kind: 'map', range, fullRange: st.range });
      }
      continue;
    }
    if ((st.name === '.globl' || st.name === '.global' || st.name === '.type' || st.name === '.size' || st.name === '.local') && st.args[0]) {
      const a = st.args[0];
      uses.push({ name: a.text, range: a.range, role: 'directive' });
      if (st.name === '.type' && /function/.test(st.args[1]?.text ?? '')) declaredFunctions.add(a.text);
    }
  }
  close(openSection, textLength);

  // A label is a function when something calls it or a directive declares it one.
  const labels = defs.filter((d) => d.kind === 'label');
  for (const d of labels) if (called.has(d.name) || declaredFunctions.has(d.name)) d.kind = 'function';
  // Functions end at the next function or section.
  const bounds = defs.filter((d) => d.kind === 'function' || d.kind === 'section').map((d) => d.range.start).sort((a, b) => a - b);
  for (const d of defs) {
    if (d.kind !== 'function') continue;
    const next = bounds.find((b) => b > d.range.start);
    d.fullRange = { start: d.range.start, end: next ?? textLength };
  }

  const byName = new Map<string, SymbolDef>();
  for (const d of defs) if (!byName.has(d.name) && d.kind !== 'section') byName.set(d.name, d);
  return { defs, uses, byName };
}
