// Document and range formatting through the engine's formatter, as minimal per-line edits.
import type { Range, TextEdit } from 'vscode-languageserver-types';
import { formatParsed } from '../../core/asm/format';
import type { DocumentAnalysis } from '../analysis';

function lineEdits(doc: DocumentAnalysis, formatted: string, from = 0, to = Number.MAX_SAFE_INTEGER): TextEdit[] {
  if (formatted === doc.text) return [];
  const before = doc.text.split('\n');
  const after = formatted.split('\n');
  if (before.length !== after.length) {
    const end = doc.lines.position(doc.text.length);
    return [{ range: { start: { line: 0, character: 0 }, end }, newText: formatted }];
  }
  const edits: TextEdit[] = [];
  for (let i = Math.max(0, from); i < before.length && i <= to; i++) {
    if (before[i] === after[i]) continue;
    edits.push({ range: { start: { line: i, character: 0 }, end: { line: i, character: before[i]!.length } }, newText: after[i]! });
  }
  return edits;
}

export function formatDocument(doc: DocumentAnalysis): TextEdit[] {
  return lineEdits(doc, formatParsed(doc.text, doc.parsed));
}

/** Formats the lines the range touches; when formatting would add or remove lines, the whole file. */
export function formatRange(doc: DocumentAnalysis, range: Range): TextEdit[] {
  return lineEdits(doc, formatParsed(doc.text, doc.parsed), range.start.line, range.end.line);
}
