// The canonical layout: labels at column 0, one statement per line indented by a tab (as clang -S
// writes it), single spaces around operators, every comment kept. Trailing comments on consecutive
// lines start in one column (see alignTrailingComments). Lines with errors are kept as written.
// Formatting twice gives the same text.
import { LineIndex, type ParsedFile, type Range, type Syntax, type Token } from './ast';
import { detectSyntax } from './index';
import { looksLikeListing, parseLlvm } from './llvm-parser';
import { parseMnemonic } from './mnemonic-parser';

/** Operators written with a space on each side. */
const SPACED = new Set([
  '=', '+=', '-=', '*=', '/=', '%=', '|=', '&=', '^=', '<<=', '>>=', 's>>=', 's/=', 's%=',
  '==', '!=', '>', '>=', '<', '<=', 's>', 's>=', 's<', 's<=', '&', '|', '^', '<<', '>>', '/', '%',
]);

interface Item {
  kind: 'label' | 'stmt' | 'comment';
  range: Range;
  text: string;
}

/** Formats a file; `syntax` defaults to the one detected. Pasted listings (logs, objdump) are returned as they are. */
export function format(text: string, syntax?: Syntax): string {
  if (looksLikeListing(text)) return text;
  const parsed = syntax === 'mnemonic' || (syntax === undefined && looksMnemonic(text)) ? parseMnemonic(text) : parseLlvm(text);
  return formatParsed(text, parsed);
}

function looksMnemonic(text: string): boolean {
  return detectSyntax(text) === 'mnemonic';
}

/** Formats text already parsed (the language server keeps its parse). Log listings come back as they are. */
export function formatParsed(text: string, parsed: ParsedFile): string {
  if (parsed.syntax === 'llvm' && looksLikeListing(text)) return text;
  const lines = new LineIndex(text);
  const errorLines = new Set<number>();
  for (const d of parsed.diagnostics) {
    if (d.severity !== 'error') continue;
    const a = lines.position(d.range.start).line;
    const b = lines.position(Math.max(d.range.start, d.range.end - 1)).line;
    for (let l = a; l <= b; l++) errorLines.add(l);
  }
  const tokens = parsed.tokens;
  const items: Item[] = [];
  const stmtRanges: Range[] = [];
  let t = 0;
  for (const st of parsed.statements) {
    if (st.kind === 'label') {
      items.push({ kind: 'label', range: st.range, text: `${st.name}:` });
      continue;
    }
    // every token inside the statement, comments included
    while (t < tokens.length && tokens[t]!.range.start < st.range.start) t++;
    const own: Token[] = [];
    for (let k = t; k < tokens.length && tokens[k]!.range.start < st.range.end; k++) own.push(tokens[k]!);
    const rendered = parsed.syntax === 'mnemonic' ? renderMnemonic(text.slice(st.range.start, st.range.end)) : renderLlvm(text, own, st.kind === 'directive');
    items.push({ kind: 'stmt', range: st.range, text: rendered });
    stmtRanges.push(st.range);
  }
  // comments outside statements
  let s = 0;
  for (const c of parsed.comments) {
    while (s < stmtRanges.length && stmtRanges[s]!.end <= c.start) s++;
    const inside = s < stmtRanges.length && stmtRanges[s]!.start <= c.start && c.end <= stmtRanges[s]!.end;
    if (!inside) items.push({ kind: 'comment', range: c, text: text.slice(c.start, c.end).replace(/[ \t\r]+$/gm, '') });
  }
  // lines with errors are kept as written, even when nothing on them parsed
  for (const l of errorLines) {
    const at = lines.lineStart(l);
    items.push({ kind: 'stmt', range: { start: at, end: at }, text: '' });
  }
  items.sort((a, b) => a.range.start - b.range.start);

  const out: string[] = [];
  /** Output lines that end in a comment after code: where that comment starts. */
  const trailing = new Map<number, number>();
  let lastEndLine = -1;
  let verbatimUntil = -1;
  for (let k = 0; k < items.length; k++) {
    const item = items[k]!;
    const line = lines.position(item.range.start).line;
    if (line <= verbatimUntil) continue;
    if (errorLines.has(line)) {
      // the line as written, and every line that something starting on it runs into
      let endLine = line;
      for (let j = k; j < items.length; j++) {
        const startLine = lines.position(items[j]!.range.start).line;
        if (startLine > endLine) break;
        endLine = Math.max(endLine, lines.position(items[j]!.range.end).line);
      }
      if (lastEndLine >= 0 && line - lastEndLine > 1) out.push('');
      for (let l = line; l <= endLine; l++) {
        const start = lines.lineStart(l);
        const stop = l + 1 < lines.lineCount ? lines.lineStart(l + 1) - 1 : text.length;
        out.push(text.slice(start, stop).replace(/[ \t\r]+$/, ''));
      }
      verbatimUntil = endLine;
      lastEndLine = endLine;
      continue;
    }
    if (lastEndLine >= 0 && line - lastEndLine > 1) out.push('');
    const sameLine = line === lastEndLine && out.length > 0;
    if (item.kind === 'label') out.push(item.text);
    else if (item.kind === 'stmt') out.push('\t' + item.text);
    else if (sameLine) {
      const at = out.length - 1;
      if (!trailing.has(at) && !item.text.includes('\n')) trailing.set(at, out[at]!.length + 1);
      else trailing.delete(at); // two comments, or one running onto more lines: left as is
      out[at] += ' ' + item.text;
    }
    else out.push((item.range.start === lines.lineStart(line) ? '' : '\t') + item.text);
    lastEndLine = lines.position(item.range.end).line;
  }
  alignTrailingComments(out, trailing);
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.length ? out.join('\n') + '\n' : '';
}

const TAB_WIDTH = 8;

/** A line's width in columns, tabs stopping every TAB_WIDTH columns (as clang -S output assumes). */
function columns(text: string): number {
  let col = 0;
  for (const c of text) col = c === '\t' ? col - (col % TAB_WIDTH) + TAB_WIDTH : col + 1;
  return col;
}

/**
 * Trailing comments on consecutive lines with the same indentation start in one column: one space
 * after the longest code in the run, padded with spaces. A line without a trailing comment, a blank
 * line or a change of indentation ends the run.
 */
function alignTrailingComments(out: string[], trailing: Map<number, number>): void {
  const indent = (line: string): string => /^\t*/.exec(line)![0];
  const lines = [...trailing.keys()].sort((a, b) => a - b);
  for (let k = 0; k < lines.length;) {
    let end = k + 1;
    while (end < lines.length && lines[end] === lines[end - 1]! + 1 && indent(out[lines[end]!]!) === indent(out[lines[k]!]!)) end++;
    const run = lines.slice(k, end).map((i) => {
      const line = out[i]!;
      const at = trailing.get(i)!;
      return { i, code: line.slice(0, at).trimEnd(), comment: line.slice(at) };
    });
    const column = Math.max(...run.map((r) => columns(r.code))) + 1;
    for (const r of run) out[r.i] = r.code + ' '.repeat(column - columns(r.code)) + r.comment;
    k = end;
  }
}

function renderLlvm(text: string, toks: Token[], directive: boolean): string {
  let s = '';
  let prevText = '';
  let prevKind: Token['kind'] | '' = '';
  let prevUnary = false;
  for (let k = 0; k < toks.length; k++) {
    const tok = toks[k]!;
    const cur = text.slice(tok.range.start, tok.range.end);
    if (k === 0) {
      s = cur;
      prevText = cur;
      prevKind = tok.kind;
      prevUnary = isUnaryPosition(cur, '', '') ;
      continue;
    }
    const adjacent = toks[k - 1]!.range.end === tok.range.start;
    const isOp = tok.kind === 'operator';
    const unary = isOp && isUnaryPosition(cur, prevText, prevKind);
    let space: boolean;
    if (directive) {
      // directive arguments: a tab after the name, ', ' between arguments, the rest as written
      if (k === 1) {
        s += '\t' + cur;
        prevText = cur;
        prevKind = tok.kind;
        prevUnary = unary;
        continue;
      }
      if (cur === ',') space = false;
      else if (prevText === ',') space = true;
      else space = !adjacent;
    } else if (tok.kind === 'comment' || prevKind === 'comment') space = true;
    else if (cur === ')' || cur === ']' || cur === ',' || cur === '#' || cur === ':' || prevText === '#' || prevText === ':') space = false;
    else if (prevText === '(' || prevText === '[') space = false;
    else if (cur === '[') space = false;
    else if (prevText === 'pc' && (cur === '+' || cur === '-')) space = false;
    else if (prevUnary) space = false;
    else if (SPACED.has(cur) && !unary) space = true;
    else if (SPACED.has(prevText)) space = true;
    else if (unary) space = true;
    else if (cur === '(') space = prevKind !== 'mnemonic' && prevText !== '*' && prevText !== '(' && prevKind !== 'operator' ? !adjacent : false;
    else if (prevText === ')') space = false;
    else if (cur === '*') space = true; // `(u32 *)`
    else if (isOp && (cur === '+' || cur === '-')) space = true;
    else if (prevKind === 'operator' && (prevText === '+' || prevText === '-')) space = true;
    else space = true;
    s += (space ? ' ' : '') + cur;
    prevText = cur;
    prevKind = tok.kind;
    prevUnary = unary;
  }
  return s;
}

/** A sign or `*` is unary at the start, after an operator other than `)`/`]`, and after a keyword. */
function isUnaryPosition(cur: string, prevText: string, prevKind: string): boolean {
  if (cur !== '-' && cur !== '+' && cur !== '~' && cur !== '!' && cur !== '*') return false;
  if (prevText === '') return true;
  if (prevKind === 'operator') return prevText !== ')' && prevText !== ']';
  if (prevKind === 'mnemonic' || prevKind === 'keyword') return prevText !== 'pc';
  return false;
}

/** Mnemonic statements: runs of spaces become one, a comma is followed by one space. Strings are kept. */
function renderMnemonic(raw: string): string {
  let out = '';
  let pendingSpace = false;
  for (let k = 0; k < raw.length; k++) {
    const c = raw[k]!;
    if (c === '"') {
      const close = raw.indexOf('"', k + 1);
      const e = close < 0 ? raw.length : close + 1;
      out += (pendingSpace && out ? ' ' : '') + raw.slice(k, e);
      pendingSpace = false;
      k = e - 1;
    } else if (c === ' ' || c === '\t' || c === '\r') pendingSpace = true;
    else if (c === ',') {
      out += ',';
      pendingSpace = true;
    } else {
      out += (pendingSpace && out ? ' ' : '') + c;
      pendingSpace = false;
    }
  }
  return out;
}
