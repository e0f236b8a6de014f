// Go to definition, references, rename, highlights, outline and folding, from the symbol index.
import {
  DocumentHighlightKind, SymbolKind as LspSymbolKind,
  type DocumentHighlight, type DocumentSymbol, type FoldingRange, type Location, type Position,
  type SymbolInformation, type TextEdit, type WorkspaceEdit,
} from 'vscode-languageserver-types';
import type { Range } from '../../core/asm/ast';
import type { SymbolDef, SymbolKind } from '../../core/asm/symbols';
import type { DocumentAnalysis } from '../analysis';
import { contains, toLspRange, toOffset } from '../positions';

interface NameAt {
  name: string;
  range: Range;
  def?: SymbolDef;
}

/** The symbol (definition or use) under the cursor. */
export function nameAt(doc: DocumentAnalysis, position: Position): NameAt | undefined {
  const offset = toOffset(doc.lines, position);
  const { defs, uses, byName } = doc.symbols;
  for (const d of defs) if (d.kind !== 'section' && contains(d.range, offset)) return { name: d.name, range: d.range, def: d };
  for (const u of uses) if (contains(u.range, offset)) return { name: u.name, range: u.range, def: byName.get(u.name) };
  return undefined;
}

function occurrences(doc: DocumentAnalysis, name: string): { range: Range; write: boolean }[] {
  const out: { range: Range; write: boolean }[] = [];
  for (const d of doc.symbols.defs) if (d.name === name && d.kind !== 'section') out.push({ range: d.range, write: true });
  for (const u of doc.symbols.uses) if (u.name === name) out.push({ range: u.range, write: false });
  return out.sort((a, b) => a.range.start - b.range.start);
}

export function definition(doc: DocumentAnalysis, position: Position): Location | undefined {
  const at = nameAt(doc, position);
  if (!at?.def) return undefined;
  return { uri: doc.uri, range: toLspRange(doc.lines, at.def.range) };
}

export function references(doc: DocumentAnalysis, position: Position, includeDeclaration: boolean): Location[] {
  const at = nameAt(doc, position);
  if (!at) return [];
  return occurrences(doc, at.name)
    .filter((o) => includeDeclaration || !o.write)
    .map((o) => ({ uri: doc.uri, range: toLspRange(doc.lines, o.range) }));
}

export function documentHighlights(doc: DocumentAnalysis, position: Position): DocumentHighlight[] {
  const at = nameAt(doc, position);
  if (!at) return [];
  return occurrences(doc, at.name).map((o) => ({
    range: toLspRange(doc.lines, o.range),
    kind: o.write ? DocumentHighlightKind.Write : DocumentHighlightKind.Read,
  }));
}

const VALID_NAME = /^[A-Za-z_.$][A-Za-z0-9_.$]*$/;

export function prepareRename(doc: DocumentAnalysis, position: Position): { range: ReturnType<typeof toLspRange>; placeholder: string } | undefined {
  const at = nameAt(doc, position);
  if (!at?.def) return undefined;
  return { range: toLspRange(doc.lines, at.range), placeholder: at.name };
}

/** Renames a label, function or map everywhere in the document; an error message for a bad name. */
export function rename(doc: DocumentAnalysis, position: Position, newName: string): WorkspaceEdit | string {
  const at = nameAt(doc, position);
  if (!at?.def) return 'Only labels, functions and maps can be renamed.';
  if (!VALID_NAME.test(newName)) return `'${newName}' is not a valid symbol name.`;
  if (newName !== at.name && doc.symbols.byName.has(newName)) return `'${newName}' is already defined.`;
  const edits: TextEdit[] = occurrences(doc, at.name).map((o) => ({ range: toLspRange(doc.lines, o.range), newText: newName }));
  return { changes: { [doc.uri]: edits } };
}

const LSP_KIND: Record<SymbolKind, LspSymbolKind> = {
  section: LspSymbolKind.Module,
  function: LspSymbolKind.Function,
  label: LspSymbolKind.Key,
  map: LspSymbolKind.Variable,
  data: LspSymbolKind.Constant,
};

const DETAIL: Record<SymbolKind, string> = { section: 'program', function: 'subprogram', label: 'label', map: 'map', data: 'data' };

/** Outline: programs (sections) holding their functions and labels, and maps at the top level. */
export function documentSymbols(doc: DocumentAnalysis): DocumentSymbol[] {
  const make = (d: SymbolDef): DocumentSymbol => ({
    name: d.name,
    detail: DETAIL[d.kind],
    kind: LSP_KIND[d.kind],
    range: toLspRange(doc.lines, { start: Math.min(d.fullRange.start, d.range.start), end: Math.max(d.fullRange.end, d.range.end) }),
    selectionRange: toLspRange(doc.lines, d.range),
    children: [],
  });
  const top: DocumentSymbol[] = [];
  const containers: { def: SymbolDef; sym: DocumentSymbol }[] = [];
  for (const d of doc.symbols.defs) {
    const sym = make(d);
    const parent = [...containers].reverse().find((c) => c.def.range.start <= d.range.start && d.range.start < c.def.fullRange.end && c.def !== d);
    if (parent && d.kind !== 'map' && d.kind !== 'section') parent.sym.children!.push(sym);
    else top.push(sym);
    if (d.kind === 'section' || d.kind === 'function') containers.push({ def: d, sym });
  }
  return top;
}

export function workspaceSymbols(docs: Iterable<DocumentAnalysis>, query: string): SymbolInformation[] {
  const q = query.toLowerCase();
  const out: SymbolInformation[] = [];
  for (const doc of docs) {
    for (const d of doc.symbols.defs) {
      if (d.kind === 'label' && d.name.startsWith('.L')) continue;
      if (q && !d.name.toLowerCase().includes(q)) continue;
      out.push({ name: d.name, kind: LSP_KIND[d.kind], location: { uri: doc.uri, range: toLspRange(doc.lines, d.range) } });
    }
  }
  return out;
}

/** Folds programs, functions, block comments and runs of line comments. */
export function foldingRanges(doc: DocumentAnalysis): FoldingRange[] {
  const out: FoldingRange[] = [];
  const lineOf = (o: number): number => doc.lines.position(o).line;
  for (const d of doc.symbols.defs) {
    if (d.kind !== 'section' && d.kind !== 'function') continue;
    const start = lineOf(d.range.start);
    let end = lineOf(Math.max(d.fullRange.start, d.fullRange.end - 1));
    while (end > start && doc.lines.offset(end, 0) >= d.fullRange.end) end--;
    if (end > start) out.push({ startLine: start, endLine: end });
  }
  let runStart = -1;
  let runEnd = -1;
  const flush = (): void => {
    if (runStart >= 0 && runEnd > runStart) out.push({ startLine: runStart, endLine: runEnd, kind: 'comment' });
  };
  for (const c of doc.parsed.comments) {
    const a = lineOf(c.start);
    const b = lineOf(c.end);
    if (b > a) out.push({ startLine: a, endLine: b, kind: 'comment' });
    const onlyThing = doc.text.slice(doc.lines.lineStart(a), c.start).trim() === '';
    if (!onlyThing) continue;
    if (a === runEnd + 1) runEnd = b;
    else {
      flush();
      runStart = a;
      runEnd = b;
    }
  }
  flush();
  return out;
}
