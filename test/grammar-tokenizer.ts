// Tokenizes text with the extension's TextMate grammars, as VS Code would (vscode-textmate +
// vscode-oniguruma), for the grammar tests.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/** Grammar files by scope name, as package.json's `contributes.grammars` lists them. */
interface GrammarContribution {
  scopeName: string;
  path: string;
  injectTo?: string[];
}

function grammarContributions(): GrammarContribution[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { grammars: GrammarContribution[] } };
  return pkg.contributes.grammars;
}

/** VS Code's Markdown grammar is not installed here: a stand-in with the same scope takes injections. */
const MARKDOWN_STAND_IN = JSON.stringify({ scopeName: 'text.html.markdown', patterns: [] });

let onigLoaded: Promise<void> | undefined;
let registry: Promise<textmate.Registry> | undefined;

function loadOniguruma(): Promise<void> {
  onigLoaded ??= (async () => {
    const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  })();
  return onigLoaded;
}

function getRegistry(): Promise<textmate.Registry> {
  registry ??= newRegistry();
  return registry;
}

async function newRegistry(theme?: textmate.IRawTheme): Promise<textmate.Registry> {
  await loadOniguruma();
  const grammars = grammarContributions();
  const paths = new Map(grammars.map((g) => [g.scopeName, join(ROOT, g.path)]));
  return new textmate.Registry({
    getInjections: (scopeName: string) =>
      grammars.filter((g) => g.injectTo?.includes(scopeName)).map((g) => g.scopeName),
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) => {
      if (scopeName === 'text.html.markdown') return textmate.parseRawGrammar(MARKDOWN_STAND_IN, 'markdown.json');
      const path = paths.get(scopeName);
      // Other grammars (such as source.c, embedded in conformance files) are not needed.
      return path ? textmate.parseRawGrammar(readFileSync(path, 'utf8'), path) : null;
    },
    ...(theme ? { theme } : {}),
  });
}

export interface Token {
  line: number;
  /** Offsets into the whole text. */
  start: number;
  end: number;
  text: string;
  scopes: string[];
}

export interface Tokenized {
  text: string;
  tokens: Token[];
  /** Tokens by zero-based line. */
  lines: Token[][];
  /** The token covering the `nth` occurrence of `needle` (searched in the whole text, or after `after`). */
  at(needle: string, nth?: number, after?: string): Token;
  /** The scopes of every token the `nth` occurrence of `needle` spans, without the root scope. */
  scopesOf(needle: string, nth?: number, after?: string): string[];
}

export async function tokenize(scopeName: string, text: string): Promise<Tokenized> {
  const grammar = await (await getRegistry()).loadGrammar(scopeName);
  if (!grammar) throw new Error(`no grammar for ${scopeName}`);
  const tokens: Token[] = [];
  const lines: Token[][] = [];
  let state = textmate.INITIAL;
  let offset = 0;
  text.split('\n').forEach((lineText, line) => {
    const r = grammar.tokenizeLine(lineText, state);
    state = r.ruleStack;
    const lineTokens = r.tokens.map((t) => ({
      line,
      start: offset + t.startIndex,
      end: offset + Math.min(t.endIndex, lineText.length),
      text: lineText.slice(t.startIndex, t.endIndex),
      scopes: t.scopes,
    }));
    lines.push(lineTokens);
    tokens.push(...lineTokens);
    offset += lineText.length + 1;
  });
  const find = (needle: string, nth = 0, after?: string): number => {
    let pos = after === undefined ? 0 : text.indexOf(after);
    if (pos < 0) throw new Error(`'${after}' is not in the text`);
    pos = text.indexOf(needle, pos);
    for (let i = 0; i < nth && pos >= 0; i++) pos = text.indexOf(needle, pos + 1);
    if (pos < 0) throw new Error(`'${needle}' (occurrence ${nth}) is not in the text`);
    return pos;
  };
  return {
    text,
    tokens,
    lines,
    at(needle, nth, after) {
      const pos = find(needle, nth, after);
      return tokens.find((t) => t.start <= pos && pos < t.end)!;
    },
    scopesOf(needle, nth, after) {
      const pos = find(needle, nth, after);
      const covering = tokens.filter((t) => t.start < pos + needle.length && t.end > pos);
      return [...new Set(covering.flatMap((t) => t.scopes.slice(1)))];
    },
  };
}

/** A VS Code colour theme as its JSON file has it (`colors` and `tokenColors`). */
export interface ColorTheme {
  colors: Record<string, string>;
  tokenColors: textmate.IRawTheme['settings'];
}

export interface ColoredToken {
  line: number;
  text: string;
  /** The foreground colour the theme gives this token, upper case `#RRGGBB`. */
  color: string;
}

/** Tokenizes `text` and colours it with `theme`, as VS Code's editor would (without semantic tokens). */
export async function colorize(scopeName: string, text: string, theme: ColorTheme): Promise<{ tokens: ColoredToken[]; defaultColor: string }> {
  const defaults = { foreground: theme.colors['editor.foreground'] ?? '#000000', background: theme.colors['editor.background'] ?? '#FFFFFF' };
  const reg = await newRegistry({ name: 'theme', settings: [{ settings: defaults }, ...theme.tokenColors] });
  const grammar = await reg.loadGrammar(scopeName);
  if (!grammar) throw new Error(`no grammar for ${scopeName}`);
  const colorMap = reg.getColorMap().map((c) => c.toUpperCase());
  const tokens: ColoredToken[] = [];
  let state = textmate.INITIAL;
  text.split('\n').forEach((lineText, line) => {
    const r = grammar.tokenizeLine2(lineText, state);
    state = r.ruleStack;
    for (let i = 0; i < r.tokens.length; i += 2) {
      const start = r.tokens[i]!;
      const end = i + 2 < r.tokens.length ? r.tokens[i + 2]! : lineText.length;
      // Bits 15-23 of the token's metadata index the colour map.
      const foreground = (r.tokens[i + 1]! >>> 15) & 0x1ff;
      tokens.push({ line, text: lineText.slice(start, end), color: colorMap[foreground] ?? '' });
    }
  });
  return { tokens, defaultColor: defaults.foreground.toUpperCase() };
}
