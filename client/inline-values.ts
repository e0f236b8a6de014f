// Finds the register names in lines of assembly, for the debugger's inline values. No vscode
// imports, so it can be tested without an editor.

export interface RegisterReference {
  /** Zero-based line and half-open character range of the name as written (`w1`, `%r1`). */
  line: number;
  start: number;
  end: number;
  /**
   * The debugger variable to show: always the 64-bit `rN`, since `wN` is its low half and the
   * debug adapter lists r0 to r10.
   */
  variable: string;
}

const REGISTER = /(?<![\w.$])%?[rw](10|[0-9])\b/g;

/** The text of `line` with comments and strings blanked out (same length), so they are not searched. */
function codeOnly(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') {
      const close = line.indexOf('"', i + 1);
      const end = close < 0 ? line.length : close + 1;
      out += ' '.repeat(end - i);
      i = end - 1;
    } else if (c === '#' || (c === '/' && line[i + 1] === '/') || c === ';') {
      // `;` starts the register state in pasted verifier lines.
      return out + ' '.repeat(line.length - i);
    } else if (c === '/' && line[i + 1] === '*') {
      const close = line.indexOf('*/', i + 2);
      const end = close < 0 ? line.length : close + 2;
      out += ' '.repeat(end - i);
      i = end - 1;
    } else out += c;
  }
  return out;
}

/** Register references in `lines`, which start at zero-based line `firstLine` of the document. */
export function registerReferences(lines: readonly string[], firstLine = 0): RegisterReference[] {
  const refs: RegisterReference[] = [];
  lines.forEach((text, i) => {
    for (const m of codeOnly(text).matchAll(REGISTER)) {
      refs.push({ line: firstLine + i, start: m.index, end: m.index + m[0].length, variable: `r${m[1]}` });
    }
  });
  return refs;
}

/** How many lines above the stopped line get inline values. */
export const INLINE_VALUE_LINES_ABOVE = 8;

/**
 * The line range to annotate when stopped at `stoppedLine`: a few lines above it, but not past a
 * label (the start of the basic block, where earlier values may be stale), and the line itself.
 */
export function inlineValueRange(lines: readonly string[], stoppedLine: number): { first: number; last: number } {
  const last = Math.max(0, Math.min(stoppedLine, lines.length - 1));
  let first = last;
  while (first > 0 && last - first < INLINE_VALUE_LINES_ABOVE) {
    if (/^\s*[A-Za-z_.$][\w.$]*:/.test(lines[first]!)) break;
    first--;
  }
  return { first, last };
}
