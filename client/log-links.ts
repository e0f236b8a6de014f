// Finds what in a verifier log can link to source lines: instruction numbers, and the
// `; <source text> @ file:line` notes of line info. No vscode imports, so it can be tested.

export interface InsnLink {
  /** Zero-based line and half-open character range of the number in the log. */
  line: number;
  start: number;
  end: number;
  /** Zero-based source line of that instruction. */
  sourceLine: number;
}

/** `12: (bf) ...`, `12: R1=...` and the liveness listing's `   12: .1... (bf)`. */
const INSN_AT_START = /^(\s*)(\d+)(?=:)/;
/** `from 3 to 5: ...` */
const BRANCH = /^(from )(\d+)( to )(\d+)(?=:)/;

export function logInsnLinks(log: string, insnLines: readonly (number | null)[]): InsnLink[] {
  const links: InsnLink[] = [];
  const add = (line: number, start: number, digits: string): void => {
    const sourceLine = insnLines[Number(digits)];
    if (sourceLine !== undefined && sourceLine !== null) links.push({ line, start, end: start + digits.length, sourceLine });
  };
  log.split('\n').forEach((text, line) => {
    const branch = BRANCH.exec(text);
    if (branch) {
      add(line, branch[1]!.length, branch[2]!);
      add(line, branch[1]!.length + branch[2]!.length + branch[3]!.length, branch[4]!);
      return;
    }
    const m = INSN_AT_START.exec(text);
    if (m) add(line, m[1]!.length, m[2]!);
  });
  return links;
}

/** `; r0 = 2 @ prog.bpf.s:12`: the kernel quoting a source line from the program's line info. */
const SOURCE_NOTE = /^\s*;.*\s@\s+(\S+?):(\d+)\s*$/;

/**
 * Links for the line-info notes that name the source file (by its base name, as the kernel
 * prints it): the `file:line` text, to that line.
 */
export function logSourceLinks(log: string, sourceBaseName: string): InsnLink[] {
  const links: InsnLink[] = [];
  log.split('\n').forEach((text, line) => {
    const m = SOURCE_NOTE.exec(text);
    if (!m || m[1]!.split('/').pop() !== sourceBaseName || Number(m[2]) < 1) return;
    const start = text.lastIndexOf(`${m[1]}:${m[2]}`);
    links.push({ line, start, end: start + m[1]!.length + 1 + m[2]!.length, sourceLine: Number(m[2]) - 1 });
  });
  return links;
}
