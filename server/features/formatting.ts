// Document and range formatting through the engine's formatter, as minimal per-line edits.
import type { Range, TextEdit } from 'vscode-languageserver-types';
import { format, formatParsed } from '../../core/asm/format';
import { parseDataFile } from '../../core/asm/data-file';
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

/** The document formatted; in a .data file only the `-- asm` section, the rest as it is. */
function formatted(doc: DocumentAnalysis): string {
  if (!doc.dataFile) return formatParsed(doc.text, doc.parsed);
  const asm = parseDataFile(doc.text).asm;
  if (!asm) return doc.text;
  return doc.text.slice(0, asm.offset) + format(asm.text, 'mnemonic') + doc.text.slice(asm.offset + asm.text.length);
}

export function formatDocument(doc: DocumentAnalysis): TextEdit[] {
  return lineEdits(doc, formatted(doc));
}

/** Formats the lines the range touches; when formatting would add or remove lines, the whole file. */
export function formatRange(doc: DocumentAnalysis, range: Range): TextEdit[] {
  return lineEdits(doc, formatted(doc), range.start.line, range.end.line);
}
