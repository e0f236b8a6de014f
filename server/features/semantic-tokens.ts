// Semantic tokens from the parser's token list, encoded as LSP's relative integer stream.
import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver-types';
import type { TokenKind } from '../../core/asm/ast';
import type { DocumentAnalysis } from '../analysis';

const TYPES = ['keyword', 'parameter', 'number', 'label', 'variable', 'function', 'macro', 'string', 'comment', 'operator', 'type'] as const;
const MODIFIERS = ['defaultLibrary'] as const;

export const SEMANTIC_LEGEND: SemanticTokensLegend = { tokenTypes: [...TYPES], tokenModifiers: [...MODIFIERS] };

const TYPE_OF: Record<TokenKind, [type: (typeof TYPES)[number], modifiers: number]> = {
  mnemonic: ['keyword', 0],
  keyword: ['keyword', 0],
  register: ['parameter', 0],
  number: ['number', 0],
  label: ['label', 0],
  symbol: ['variable', 0],
  helper: ['function', 1],
  directive: ['macro', 0],
  string: ['string', 0],
  comment: ['comment', 0],
  operator: ['operator', 0],
  type: ['type', 0],
};

export function semanticTokens(doc: DocumentAnalysis): SemanticTokens {
  const data: number[] = [];
  let prevLine = 0;
  let prevChar = 0;
  const push = (line: number, char: number, length: number, type: number, mods: number): void => {
    if (length <= 0) return;
    data.push(line - prevLine, line === prevLine ? char - prevChar : char, length, type, mods);
    prevLine = line;
    prevChar = char;
  };
  const tokens = [...doc.parsed.tokens, ...doc.parsed.comments.map((range) => ({ kind: 'comment' as const, range }))]
    .sort((a, b) => a.range.start - b.range.start);
  let lastEnd = -1;
  for (const t of tokens) {
    if (t.range.start < lastEnd) continue; // overlapping tokens: keep the first
    lastEnd = t.range.end;
    const [name, mods] = TYPE_OF[t.kind];
    const type = TYPES.indexOf(name);
    let start = doc.lines.position(t.range.start);
    const end = doc.lines.position(t.range.end);
    while (start.line < end.line) {
      const lineEnd = doc.lines.offset(start.line + 1, 0) - 1 - doc.lines.lineStart(start.line);
      push(start.line, start.character, lineEnd - start.character, type, mods);
      start = { line: start.line + 1, character: 0 };
    }
    push(start.line, start.character, end.character - start.character, type, mods);
  }
  return { data };
}
