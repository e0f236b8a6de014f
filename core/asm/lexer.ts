// Character-level scanning shared by both assembly syntaxes: spaces, identifiers, numbers,
// comments and strings. Every function takes the text and a start offset and returns where the
// scanned item ends; none of them allocates unless it has to, and none throws.

export const CH_TAB = 9;
export const CH_LF = 10;
export const CH_CR = 13;
export const CH_SPACE = 32;
export const CH_QUOTE = 34;
export const CH_HASH = 35;
export const CH_SQUOTE = 39;
export const CH_STAR = 42;
export const CH_PLUS = 43;
export const CH_MINUS = 45;
export const CH_DOT = 46;
export const CH_SLASH = 47;
export const CH_0 = 48;
export const CH_9 = 57;
export const CH_SEMI = 59;
export const CH_BACKSLASH = 92;

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;

export const isHexDigit = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** First character of a name: a letter, `_`, `.` or `$` (as in `.LBB0_1`, `.text`, `$x`). */
export const isIdentStart = (c: number): boolean => isLetter(c) || c === 95 || c === 46 || c === 36;

/** Any later character of a name: also digits. */
export const isIdentChar = (c: number): boolean => isIdentStart(c) || isDigit(c);

/** Horizontal white space (a line break is not a space). */
export const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 13 || c === 11 || c === 12;

/** Skips spaces and tabs (not line breaks) from `pos`, stopping at `end`. */
export function skipSpaces(text: string, pos: number, end = text.length): number {
  while (pos < end && isSpace(text.charCodeAt(pos))) pos++;
  return pos;
}

/** Offset of the line break ending the line at `pos`, or the text's length. */
export function lineEnd(text: string, pos: number): number {
  const i = text.indexOf('\n', pos);
  return i < 0 ? text.length : i;
}

/** End of the name starting at `pos`, or `pos` when there is none. */
export function scanIdentifier(text: string, pos: number, end = text.length): number {
  if (pos >= end || !isIdentStart(text.charCodeAt(pos))) return pos;
  pos++;
  while (pos < end && isIdentChar(text.charCodeAt(pos))) pos++;
  return pos;
}

export interface ScannedNumber {
  /** Offset just past the number (its digits, prefix and any trailing letters glued to it). */
  end: number;
  /** The unsigned value; undefined when the text is not a valid number. */
  value: bigint | undefined;
  /** Why the text is not a number, such as "invalid digit 'g' in hexadecimal number". */
  error?: string;
}

const RADIX_NAMES: Record<number, string> = { 2: 'binary', 8: 'octal', 10: 'decimal', 16: 'hexadecimal' };

function digitValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 122) return c - 87;
  if (c >= 65 && c <= 90) return c - 55;
  return 99;
}

/**
 * Scans an unsigned integer at `pos` (which must be a digit): decimal, `0x` hexadecimal,
 * `0b` binary, or `0`-led octal as LLVM's assembler reads them. Letters glued to the number
 * are taken as part of it, so `12ab` is one bad number, not a number and a name.
 */
export function scanNumber(text: string, pos: number, end = text.length): ScannedNumber {
  let i = pos;
  let radix = 10;
  if (text.charCodeAt(i) === CH_0 && i + 1 < end) {
    const p = text.charCodeAt(i + 1) | 0x20;
    if (p === 120 /* x */ && i + 2 < end && isHexDigit(text.charCodeAt(i + 2))) {
      radix = 16;
      i += 2;
    } else if (p === 98 /* b */ && i + 2 < end && (text.charCodeAt(i + 2) === 48 || text.charCodeAt(i + 2) === 49)) {
      radix = 2;
      i += 2;
    } else if (isDigit(text.charCodeAt(i + 1))) {
      radix = 8;
      i += 1;
    }
  }
  const digitsStart = i;
  let small = 0;
  let big: bigint | undefined;
  let bad = -1;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (!isIdentChar(c) || c === CH_DOT || c === 36) break;
    const d = digitValue(c);
    if (d >= radix && bad < 0) bad = i;
    if (bad < 0) {
      if (big === undefined) {
        small = small * radix + d;
        if (small >= 0x1_0000_0000_0000) big = BigInt(small);
      } else big = big * BigInt(radix) + BigInt(d);
    }
    i++;
  }
  if (bad >= 0) {
    const ch = text[bad]!;
    return { end: i, value: undefined, error: `invalid digit '${ch}' in ${RADIX_NAMES[radix]} number` };
  }
  if (i === digitsStart) return { end: i, value: undefined, error: 'expected digits' };
  return { end: i, value: big ?? BigInt(small) };
}

/** The value of a whole string such as `0x1f`, `-12` or `010`, or undefined if it is not one number. */
export function parseInteger(s: string): bigint | undefined {
  let pos = 0;
  let negative = false;
  if (s.charCodeAt(0) === CH_MINUS || s.charCodeAt(0) === CH_PLUS) {
    negative = s.charCodeAt(0) === CH_MINUS;
    pos = 1;
  }
  if (!isDigit(s.charCodeAt(pos))) return undefined;
  const n = scanNumber(s, pos);
  if (n.end !== s.length || n.value === undefined) return undefined;
  return negative ? -n.value : n.value;
}

export type CommentStyle = 'line' | 'block';

/**
 * The kind of comment starting at `pos`: `//` and (when `hash` is set) `#` run to the end of the
 * line, `/*` runs to the matching `*\/`.
 */
export function commentAt(text: string, pos: number, hash = true): CommentStyle | undefined {
  const c = text.charCodeAt(pos);
  if (c === CH_SLASH) {
    const n = text.charCodeAt(pos + 1);
    if (n === CH_SLASH) return 'line';
    if (n === CH_STAR) return 'block';
    return undefined;
  }
  return hash && c === CH_HASH ? 'line' : undefined;
}

export interface ScannedBlock {
  end: number;
  /** False when the text ended before the closing `*\/`. */
  closed: boolean;
}

/** Scans a `/* ... *\/` comment starting at `pos`. */
export function scanBlockComment(text: string, pos: number): ScannedBlock {
  const close = text.indexOf('*/', pos + 2);
  return close < 0 ? { end: text.length, closed: false } : { end: close + 2, closed: true };
}

export interface ScannedString {
  /** Offset past the closing quote (or the end of the line when it is missing). */
  end: number;
  /** The decoded bytes of the string, as char codes 0..255. */
  value: string;
  closed: boolean;
  /** The first bad escape, if any: its offset and a message. */
  error?: { at: number; end: number; message: string };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07', '\\': '\\', '"': '"', "'": "'", '?': '?',
};

/**
 * Scans a double-quoted string at `pos` with C escapes (`\n`, `\x41`, `\101`). Stops at the end
 * of the line when the closing quote is missing. Characters above 0xff are kept as UTF-8 bytes.
 */
export function scanString(text: string, pos: number, end = lineEnd(text, pos)): ScannedString {
  let i = pos + 1;
  let value = '';
  let error: ScannedString['error'];
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === CH_QUOTE) return { end: i + 1, value, closed: true, ...(error ? { error } : {}) };
    if (c === CH_BACKSLASH && i + 1 < end) {
      const e = text[i + 1]!;
      if (e in SIMPLE_ESCAPES) {
        value += SIMPLE_ESCAPES[e];
        i += 2;
      } else if (e === 'x' || e === 'X') {
        let j = i + 2;
        let v = 0;
        while (j < end && isHexDigit(text.charCodeAt(j))) v = (v * 16 + digitValue(text.charCodeAt(j))) & 0xff, j++;
        if (j === i + 2) error ??= { at: i, end: j, message: 'expected hexadecimal digits after \\x' };
        value += String.fromCharCode(v);
        i = j;
      } else if (e >= '0' && e <= '7') {
        let j = i + 1;
        let v = 0;
        while (j < end && j < i + 4 && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 55) {
          v = v * 8 + text.charCodeAt(j) - 48;
          j++;
        }
        value += String.fromCharCode(v & 0xff);
        i = j;
      } else {
        error ??= { at: i, end: i + 2, message: `unknown escape sequence '\\${e}'` };
        value += e;
        i += 2;
      }
      continue;
    }
    if (c < 0x80) value += text[i];
    else {
      const cp = text.codePointAt(i)!;
      for (const b of new TextEncoder().encode(String.fromCodePoint(cp))) value += String.fromCharCode(b);
      if (cp > 0xffff) i++;
    }
    i++;
  }
  return {
    end: i,
    value,
    closed: false,
    ...(error ? { error } : {}),
  };
}
