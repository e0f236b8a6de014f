// Parses the text of libbpf's bpf_helper_defs.h into helper records. Accepts both declaration
// styles (`static long (*bpf_x)(...) = (void *) N;` and `static long (* const bpf_x)(...) = ...`)
// and pointer returns (`static void *(*bpf_x)(...)`). Never throws: unrecognised text is skipped.

import type { HelperDoc, HelperParam } from './types';

// One declaration, from `static` to its `;` (the statement contains no `;` of its own).
const DECLARATION =
  /^static\s+([A-Za-z_][\w\s*]*?)\s*\(\s*\*\s*(?:const\s+)?([A-Za-z_]\w*)\s*\)\s*\(([^;]*)\)\s*=\s*\(\s*void\s*\*\s*\)\s*(\d+)\s*$/;

/** Collapses white space and writes pointers as `type *`: `const  void*` -> `const void *`. */
export function normaliseCType(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/\s*\*\s*/g, ' *')
    .replace(/\* (?=\*)/g, '*')
    .replace(/\( \*/g, '(*')
    .trim();
}

/** Splits a parameter list at top-level commas (commas inside parentheses stay). */
function splitParams(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if ((c === ')' || c === ']') && depth > 0) depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

/** One parameter declaration: `const void *key` -> {type: 'const void *', name: 'key'}. */
function parseParam(text: string, index: number): HelperParam {
  // Function-pointer parameter: `long (*cb)(void *ctx)`.
  const fnPtr = /^(.*?)\(\s*\*\s*([A-Za-z_]\w*)\s*\)\s*(\(.*\))$/.exec(text);
  if (fnPtr) return { type: normaliseCType(`${fnPtr[1]}(*)${fnPtr[3]}`), name: fnPtr[2] };
  const arr = /^(.*?)\b([A-Za-z_]\w*)\s*(\[[^\]]*\])$/.exec(text);
  if (arr) return { type: normaliseCType(`${arr[1]}*`), name: arr[2] };
  const named = /^(.*[\s*])([A-Za-z_]\w*)$/.exec(text);
  if (named && /[A-Za-z_]/.test(named[1])) return { type: normaliseCType(named[1]), name: named[2] };
  return { type: normaliseCType(text), name: `arg${index + 1}` };
}

/** `void *` + `bpf_x` + `(void *map)` -> `void *bpf_x(void *map)`. */
export function formatSignature(returnType: string, name: string, params: HelperParam[], variadic: boolean): string {
  const parts = params.map((p) => (p.type.endsWith('*') ? `${p.type}${p.name}` : `${p.type} ${p.name}`));
  if (variadic) parts.push('...');
  const list = parts.length === 0 ? 'void' : parts.join(', ');
  const head = returnType.endsWith('*') ? `${returnType}${name}` : `${returnType} ${name}`;
  return `${head}(${list})`;
}

/** Description and return text of a bpf_doc.py-style comment body (the text between `/*` and `*\/`). */
function parseDocComment(body: string, name: string): { description: string; returns: string } {
  const lines = body.split('\n').map((l) => l.replace(/^\s*\* ?/, '').replace(/^\t/, '').replace(/\s+$/, ''));
  while (lines.length > 0 && lines[0].trim() === '') lines.shift();
  if (lines.length > 0 && lines[0].trim() === name) lines.shift();
  const returnsAt = lines.findIndex((l) => l.trim() === 'Returns');
  const desc = returnsAt >= 0 ? lines.slice(0, returnsAt) : lines;
  const ret = returnsAt >= 0 ? lines.slice(returnsAt + 1) : [];
  return { description: trimBlock(desc), returns: trimBlock(ret) };
}

/** Drops leading/trailing blank lines and the common indentation. */
function trimBlock(lines: string[]): string {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a].trim() === '') a++;
  while (b > a && lines[b - 1].trim() === '') b--;
  const kept = lines.slice(a, b);
  const indents = kept.filter((l) => l.trim() !== '').map((l) => /^[\t ]*/.exec(l)![0].length);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return kept.map((l) => l.slice(Math.min(cut, /^[\t ]*/.exec(l)![0].length))).join('\n');
}

/** The doc comment that ends right before `pos` (only white space between), if any. */
function precedingComment(text: string, pos: number): string | undefined {
  let i = pos - 1;
  while (i >= 0 && /\s/.test(text[i])) i--;
  if (i < 1 || text[i] !== '/' || text[i - 1] !== '*') return undefined;
  const open = text.lastIndexOf('/*', i - 2);
  if (open < 0) return undefined;
  return text.slice(open + 2, i - 1);
}

/** Parses one `static ... = (void *) N` statement (without its `;`); undefined if it is not a helper. */
export function parseDeclaration(statement: string): Omit<HelperDoc, 'description' | 'returns'> | undefined {
  const m = DECLARATION.exec(statement.trim());
  if (!m) return undefined;
  const returnType = normaliseCType(m[1]);
  const name = m[2];
  const id = Number(m[4]);
  if (!Number.isSafeInteger(id)) return undefined;
  const raw = m[3].trim();
  let variadic = false;
  const params: HelperParam[] = [];
  if (raw !== '' && raw !== 'void') {
    for (const part of splitParams(raw)) {
      if (part === '...') variadic = true;
      else if (part !== '') params.push(parseParam(part, params.length));
    }
  }
  return { id, name, returnType, params, variadic, signature: formatSignature(returnType, name, params, variadic) };
}

/** Every helper declared in the header text, in order of appearance. */
export function parseHelperDefs(text: string): HelperDoc[] {
  const out: HelperDoc[] = [];
  if (typeof text !== 'string') return out;
  const starts = /(^|\n)[ \t]*static\b/g;
  let m: RegExpExecArray | null;
  while ((m = starts.exec(text)) !== null) {
    const begin = m.index + m[1].length;
    const end = text.indexOf(';', begin);
    if (end < 0) break;
    const decl = parseDeclaration(text.slice(begin, end));
    starts.lastIndex = Math.max(starts.lastIndex, end);
    if (!decl) continue;
    const comment = precedingComment(text, begin);
    const doc = comment !== undefined ? parseDocComment(comment, decl.name) : { description: '', returns: '' };
    out.push({ ...decl, ...doc });
  }
  return out;
}
