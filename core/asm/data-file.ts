// Reader for bpf_conformance test files (*.data): `-- asm`, `-- mem`, `-- result`, `-- raw`,
// `-- error`, `-- c`, `-- no register offset` sections. Never throws; problems become diagnostics.
import type { AsmDiagnostic, ParsedFile, Range } from './ast';
import { parseMnemonic } from './mnemonic-parser';

export interface DataSection {
  /** The header's text after `--`, trimmed, such as 'asm' or 'no register offset'. */
  name: string;
  /** The header line. */
  header: Range;
  /** The lines after the header, up to the next header. */
  body: Range;
}

export interface DataFile {
  sections: DataSection[];
  /** The `-- asm` section's text, exactly as in the file, and the offset where it starts. */
  asm?: { text: string; offset: number };
  /** The bytes of `-- mem`, passed to the program in r1 (with the length in r2). */
  mem?: Uint8Array;
  /** The expected r0 at exit (`-- result`), as an unsigned 64-bit value. */
  result?: bigint;
  /** The program given as raw words (`-- raw`): each 64-bit word, and the same as little-endian bytes. */
  raw?: { words: bigint[]; bytes: Uint8Array };
  /** The expected error text (`-- error`), possibly empty. */
  error?: string;
  /** The C source (`-- c`), for reading only. */
  c?: string;
  /** `-- no register offset` is present (the runner must not offset r1 into the memory region). */
  noRegisterOffset: boolean;
  /** Text of the `-- no register offset` section, such as 'call instruction'. */
  noRegisterOffsetReason?: string;
  diagnostics: AsmDiagnostic[];
}

const KNOWN = ['asm', 'mem', 'result', 'raw', 'error', 'c', 'no register offset'];

export function parseDataFile(text: string): DataFile {
  const out: DataFile = { sections: [], noRegisterOffset: false, diagnostics: [] };
  const diag = (range: Range, message: string, severity: 'error' | 'warning' = 'error'): void => {
    out.diagnostics.push({ range, severity, message, code: 'data-file' });
  };

  // Find the section headers: lines whose first non-space characters are `--`.
  let current: DataSection | undefined;
  for (let pos = 0; pos <= text.length; ) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    let p = pos;
    while (p < end && (text[p] === ' ' || text[p] === '\t')) p++;
    if (text.startsWith('--', p)) {
      if (current) current.body.end = pos;
      const hashAt = text.indexOf('#', p);
      const nameEnd = hashAt >= 0 && hashAt < end ? hashAt : end;
      const name = text.slice(p + 2, nameEnd).trim();
      current = { name, header: { start: p, end: trimmedEnd(text, p, end) }, body: { start: Math.min(end + 1, text.length), end: text.length } };
      out.sections.push(current);
    }
    if (nl < 0) break;
    pos = nl + 1;
  }

  for (const s of out.sections) {
    const body = text.slice(s.body.start, s.body.end);
    const lower = s.name.toLowerCase();
    if (!KNOWN.includes(lower)) {
      diag(s.header, `expected a section name (${KNOWN.join(', ')}), found '${s.name}'`);
      continue;
    }
    switch (lower) {
      case 'asm':
        if (out.asm) diag(s.header, 'a second -- asm section; only the first is used', 'warning');
        else out.asm = { text: body, offset: s.body.start };
        break;
      case 'c':
        out.c = body;
        break;
      case 'no register offset':
        out.noRegisterOffset = true;
        {
          const reason = stripComments(body).trim();
          if (reason) out.noRegisterOffsetReason = reason;
        }
        break;
      case 'error':
        out.error = stripComments(body).trim();
        break;
      case 'result': {
        const words = tokens(text, s.body);
        if (words.length === 0) {
          diag(s.header, 'expected the result value after -- result, found nothing');
          break;
        }
        const last = words[words.length - 1]!;
        const v = parseUnsigned(last.text);
        if (v === undefined) diag(last.range, `expected a number (such as 0x1), found '${last.text}'`);
        else out.result = v;
        if (words.length > 1) diag(words[0]!.range, `expected one result value, found ${words.length}`, 'warning');
        break;
      }
      case 'mem': {
        const bytes: number[] = [];
        for (const w of tokens(text, s.body)) {
          const v = /^[0-9a-fA-F]{1,2}$/.test(w.text) ? parseInt(w.text, 16) : undefined;
          if (v === undefined) diag(w.range, `expected a hexadecimal byte (such as 0a), found '${w.text}'`);
          else bytes.push(v);
        }
        out.mem = Uint8Array.from(bytes);
        break;
      }
      case 'raw': {
        const ws = tokens(text, s.body);
        // Either 64-bit words (0x5566778800000018) or bytes (`07 00 01 00 ...`).
        const asBytes = ws.length > 0 && ws.every((w) => /^[0-9a-fA-F]{2}$/.test(w.text));
        const words: bigint[] = [];
        const bytes: number[] = [];
        if (asBytes) {
          for (const w of ws) bytes.push(parseInt(w.text, 16));
          if (bytes.length % 8 !== 0) diag(s.header, `expected whole 8-byte instructions, found ${bytes.length} bytes`);
          for (let i = 0; i + 8 <= bytes.length; i += 8) {
            let v = 0n;
            for (let j = 7; j >= 0; j--) v = (v << 8n) | BigInt(bytes[i + j]!);
            words.push(v);
          }
        } else {
          for (const w of ws) {
            const v = parseUnsigned(w.text);
            if (v === undefined || v >= 1n << 64n) {
              diag(w.range, `expected a 64-bit instruction word (such as 0x0000000000000095), found '${w.text}'`);
              continue;
            }
            words.push(v);
            for (let j = 0; j < 8; j++) bytes.push(Number((v >> BigInt(8 * j)) & 0xffn));
          }
        }
        out.raw = { words, bytes: Uint8Array.from(bytes) };
        break;
      }
    }
  }
  return out;
}

function trimmedEnd(text: string, start: number, end: number): number {
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return end;
}

function stripComments(s: string): string {
  return s.split('\n').map((l) => {
    const i = l.indexOf('#');
    return i >= 0 ? l.slice(0, i) : l;
  }).join('\n');
}

/** Whitespace-separated words of a range, `#` comments skipped, with their ranges. */
function tokens(text: string, range: Range): { text: string; range: Range }[] {
  const out: { text: string; range: Range }[] = [];
  let i = range.start;
  while (i < range.end) {
    const c = text.charCodeAt(i);
    if (c === 35 /* # */) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 || nl > range.end ? range.end : nl;
      continue;
    }
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 44) {
      i++;
      continue;
    }
    const start = i;
    while (i < range.end && !/[\s,#]/.test(text[i]!)) i++;
    out.push({ text: text.slice(start, i), range: { start, end: i } });
  }
  return out;
}

function parseUnsigned(s: string): bigint | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(s) || /^[0-9]+$/.test(s)) return BigInt(s);
  if (/^-[0-9]+$/.test(s)) return BigInt.asUintN(64, BigInt(s));
  return undefined;
}

/**
 * The whole data file as one ParsedFile in the mnemonic syntax, ranges in file offsets: the
 * `-- asm` program's statements, tokens and diagnostics, the section headers as directive tokens,
 * other sections' `#` lines as comments, and the data file's own diagnostics.
 */
export function parseDataFileProgram(text: string): ParsedFile {
  const data = parseDataFile(text);
  const out: ParsedFile = { syntax: 'mnemonic', statements: [], tokens: [], comments: [], diagnostics: [...data.diagnostics] };
  const asmStart = data.asm?.offset ?? -1;
  const asmEnd = data.asm ? asmStart + data.asm.text.length : -1;
  // Comments outside the program (licence lines, notes in other sections).
  for (let pos = 0; pos < text.length; ) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    if (pos < asmStart || pos >= asmEnd) {
      const hash = text.indexOf('#', pos);
      if (hash >= 0 && hash < end && !(data.c !== undefined && inSection(data, hash, 'c'))) {
        const range = { start: hash, end: trimmedEnd(text, hash, end) };
        out.comments.push(range);
        out.tokens.push({ kind: 'comment', range });
      }
    }
    if (nl < 0) break;
    pos = nl + 1;
  }
  for (const s of data.sections) {
    out.tokens.push({ kind: 'directive', range: s.header });
    const lower = s.name.toLowerCase();
    if (lower === 'mem' || lower === 'result' || lower === 'raw') {
      for (const w of tokens(text, s.body)) out.tokens.push({ kind: 'number', range: w.range });
    }
  }
  if (data.asm) {
    const p = parseMnemonic(data.asm.text);
    const d = asmStart;
    const shift = (r: Range): Range => ({ start: r.start + d, end: r.end + d });
    for (const s of p.statements) {
      if (s.kind === 'insn') out.statements.push({ ...s, range: shift(s.range), ...(s.ref ? { ref: { ...s.ref, range: shift(s.ref.range) } } : {}) });
      else if (s.kind === 'label') out.statements.push({ ...s, range: shift(s.range) });
      else out.statements.push({ ...s, range: shift(s.range), args: s.args.map((a) => ({ text: a.text, range: shift(a.range) })) });
    }
    for (const t of p.tokens) out.tokens.push({ kind: t.kind, range: shift(t.range) });
    for (const c of p.comments) out.comments.push(shift(c));
    for (const x of p.diagnostics) out.diagnostics.push({ ...x, range: shift(x.range) });
  }
  out.tokens.sort((a, b) => a.range.start - b.range.start);
  out.comments.sort((a, b) => a.start - b.start);
  return out;
}

function inSection(data: DataFile, offset: number, name: string): boolean {
  return data.sections.some((s) => s.name.toLowerCase() === name && offset >= s.body.start && offset < s.body.end);
}
