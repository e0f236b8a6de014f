// Reads the kernel verifier's log: where it stopped and what it said. Used for pasted logs in the
// editor and to compare our messages with the kernel's.

export interface KernelLogError {
  /** The first line of the error text. */
  message: string;
  /** Further lines of the error text. */
  notes: string[];
  /** Index of the instruction the log printed last before the error, when there is one. */
  insn?: number;
  /** Zero-based line of the log where the error text starts. */
  line: number;
}

const INSN_LINE = /^\s*(\d+): (?:\([0-9a-f]{2}\)|R\d|frame\d)/;
const NOT_ERROR = [
  INSN_LINE,
  /^\s*;/,
  /^from \d+ to \d+:/,
  /^(caller|callee|returning from callee|to caller at \d+):?$/,
  /^func#\d+ @\d+$/,
  /^\s/,
  /^Live regs before insn:/,
  /^verification time \d+ usec$/,
  /^stack depth /,
];

const isProcessedLine = (l: string): boolean => /^processed \d+ insns/.test(l);

/** The error a log ends with, or undefined for a log of an accepted program (or no log at all). */
export function kernelLogError(log: string): KernelLogError | undefined {
  const lines = log.split('\n');
  let end = lines.findIndex(isProcessedLine);
  if (end < 0) end = lines.length;
  let last = end - 1;
  while (last >= 0 && lines[last]!.trim() === '') last--;
  let first = last;
  while (first >= 0 && lines[first]!.trim() !== '' && !NOT_ERROR.some((re) => re.test(lines[first]!))) first--;
  first++;
  if (first > last) return undefined;
  let insn: number | undefined;
  for (let i = first - 1; i >= 0; i--) {
    const m = INSN_LINE.exec(lines[i]!);
    if (m && /\([0-9a-f]{2}\)/.test(lines[i]!)) {
      insn = Number(m[1]);
      break;
    }
  }
  const block = lines.slice(first, last + 1);
  return { message: block[0]!, notes: block.slice(1), insn, line: first };
}
