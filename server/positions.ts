// Conversions between engine offsets (Range) and LSP positions.
import type { Position, Range as LspRange } from 'vscode-languageserver-types';
import type { LineIndex, Range } from '../core/asm/ast';

export function toLspRange(lines: LineIndex, range: Range): LspRange {
  return { start: lines.position(range.start), end: lines.position(range.end) };
}

export function toOffset(lines: LineIndex, position: Position): number {
  return lines.offset(position.line, position.character);
}

export const contains = (range: Range, offset: number): boolean => range.start <= offset && offset <= range.end;
