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

let registry: Promise<textmate.Registry> | undefined;

function getRegistry(): Promise<textmate.Registry> {
  registry ??= (async () => {
    const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
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
    });
  })();
  return registry;
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
