// Entry points of the assembler: parse (either syntax, detected per file), assemble, format.
import { LineIndex, type ParsedFile, type Syntax } from './ast';
import { assemble, type AssembleOptions } from './assembler';
import { parseLlvm } from './llvm-parser';
import { MNEMONICS } from './mnemonic-table';
import { parseMnemonic } from './mnemonic-parser';
import type { AssembledFile } from './program';

export { assemble, type AssembleOptions } from './assembler';
export { format, formatParsed } from './format';
export { parseLlvm } from './llvm-parser';
export { parseMnemonic } from './mnemonic-parser';

export interface ParseOptions {
  /** Forces a syntax instead of detecting it. */
  syntax?: Syntax;
}

/** Words that start a statement in both syntaxes, so they say nothing about which one a file uses. */
const SHARED_WORDS = new Set(['call', 'callx', 'exit', 'may_goto']);
const LLVM_WORDS = new Set(['if', 'goto', 'gotol']);
/** How many telling lines are enough to decide. */
const DECISIVE_LINES = 200;

/**
 * Guesses a file's syntax from the first word of its instruction lines: LLVM statements start with
 * a register, `*(`, `if`, `goto` or `lock *`; mnemonic ones with a mnemonic (`mov`, `ldxw`, `jeq`).
 * Labels, directives, comments and words both share are ignored, so half-typed files still work.
 * Ties (including files with no instructions yet) go to LLVM.
 */
export function detectSyntax(text: string): Syntax {
  let llvm = 0;
  let mnemonic = 0;
  let pos = 0;
  const len = text.length;
  while (pos < len && llvm + mnemonic < DECISIVE_LINES) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    const vote = lineVote(text, pos, end);
    if (vote > 0) llvm++;
    else if (vote < 0) mnemonic++;
    pos = end + 1;
  }
  return mnemonic > llvm ? 'mnemonic' : 'llvm';
}

/** +1 for an LLVM-looking line, -1 for a mnemonic one, 0 when it does not tell. */
function lineVote(text: string, start: number, end: number): number {
  let p = start;
  const skip = (): void => {
    while (p < end && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9 || text.charCodeAt(p) === 13)) p++;
  };
  skip();
  // a log prefix `12: (bf) `
  const m = /^\d+:\s*(\([0-9a-fA-F]{2}\)\s*)?/.exec(text.slice(p, Math.min(end, p + 16)));
  if (m) {
    p += m[0].length;
    skip();
  }
  const c = text.charCodeAt(p);
  if (c === 42 /* * */) return 1;
  let w = p;
  while (w < end && /[A-Za-z0-9_.%$]/.test(text[w]!)) w++;
  if (w === p) return 0;
  const word = text.slice(p, w);
  let after = w;
  while (after < end && (text.charCodeAt(after) === 32 || text.charCodeAt(after) === 9)) after++;
  if (text.charCodeAt(w) === 58 /* : */) return 0; // a label
  if (word.startsWith('.')) return 0;
  if (/^[rw]\d+$/.test(word)) return 1;
  if (LLVM_WORDS.has(word)) return 1;
  if (word === 'lock') return text.charCodeAt(after) === 42 ? 1 : -1;
  if (SHARED_WORDS.has(word)) return 0;
  return MNEMONICS.has(word.toLowerCase()) ? -1 : 0;
}

/** Parses assembly text in the given syntax, or the one detected for the file. Never throws. */
export function parse(text: string, opts: ParseOptions = {}): ParsedFile {
  const syntax = opts.syntax ?? detectSyntax(text);
  try {
    return syntax === 'mnemonic' ? parseMnemonic(text) : parseLlvm(text);
  } catch (e) {
    // a parser bug must not take the editor down
    const message = `internal parser error: ${e instanceof Error ? e.message : String(e)}`;
    return {
      syntax, statements: [], tokens: [], comments: [],
      diagnostics: [{ range: { start: 0, end: Math.min(text.length, 1) }, severity: 'error', message, code: 'internal' }],
    };
  }
}

/** Parses and assembles in one go; the diagnostics of both steps, in source order. */
export function assembleText(text: string, opts: ParseOptions & AssembleOptions = {}): AssembledFile & { parsed: ParsedFile } {
  const parsed = parse(text, opts);
  const out = assemble(parsed, { lines: opts.lines ?? new LineIndex(text) });
  const diagnostics = [...parsed.diagnostics, ...out.diagnostics].sort((a, b) => a.range.start - b.range.start);
  return { ...out, diagnostics, parsed };
}
