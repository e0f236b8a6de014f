// Converts assembly text between the LLVM and mnemonic syntaxes, statement by statement, keeping
// labels, comments, blank lines and directives. Numeric local-call targets (which LLVM syntax can
// only express through a label) get a generated label.
import type { Instruction } from '../isa';
import { formatJump, printLlvm, UNKNOWN } from '../disasm/llvm';
import { printMnemonic } from '../disasm/mnemonic';
import { fullyShown } from '../disasm/fields';
import type { InstructionStatement, ParsedFile, Statement, Syntax } from './ast';
import { parseLlvm } from './llvm-parser';
import { parseMnemonic } from './mnemonic-parser';

export interface ConvertResult {
  text: string;
  /** Problems found while parsing the input (the output keeps the lines it could not parse, as comments). */
  diagnostics: ParsedFile['diagnostics'];
}

/** Converts `text` to the syntax `to`; the input is read in `from` (default: the other syntax). */
export function convert(text: string, to: Syntax, from: Syntax = to === 'llvm' ? 'mnemonic' : 'llvm'): ConvertResult {
  const parsed = from === 'llvm' ? parseLlvm(text) : parseMnemonic(text);
  return { text: printParsed(text, parsed, to), diagnostics: parsed.diagnostics };
}

/** Prints a parsed file in the syntax `to`, line by line. */
export function printParsed(text: string, parsed: ParsedFile, to: Syntax): string {
  const generated = generatedLabels(parsed, to);
  const lines = splitLines(text);
  const byLine: Statement[][] = lines.map(() => []);
  const commentByLine: (string | undefined)[] = lines.map(() => undefined);
  const errorLines = new Set<number>();
  const lineOf = makeLineOf(lines);
  for (const s of parsed.statements) byLine[lineOf(s.range.start)]!.push(s);
  const continued = new Set<number>();
  for (const c of parsed.comments) {
    const l = lineOf(c.start);
    commentByLine[l] = convertComment(text.slice(c.start, c.end));
    for (let k = l + 1; k <= lineOf(Math.max(c.start, c.end - 1)); k++) continued.add(k);
  }
  for (const d of parsed.diagnostics) if (d.severity === 'error') errorLines.add(lineOf(d.range.start));

  const out: string[] = [];
  for (let l = 0; l < lines.length; l++) {
    const { start, end } = lines[l]!;
    const stmts = byLine[l]!;
    const comment = commentByLine[l];
    if (errorLines.has(l)) {
      // Keep a line we could not read, visibly, rather than dropping it.
      out.push(`# ${text.slice(start, end).trim()}`);
      continue;
    }
    if (continued.has(l) && stmts.length === 0 && comment === undefined) continue; // inside a block comment
    // One statement per output line; labels go on the line of the statement that follows them.
    const emitted: string[] = [];
    let labels = '';
    for (const s of stmts) {
      const before = generated.get(s);
      if (before) emitted.push(`${before}:`);
      if (s.kind === 'label') {
        labels += `${s.name}: `;
        continue;
      }
      const body = s.kind === 'directive' ? text.slice(s.range.start, s.range.end) : statementText(s, to, generated);
      emitted.push(labels ? labels + body : '\t' + body);
      labels = '';
    }
    if (labels) emitted.push(labels.trimEnd());
    if (comment !== undefined) {
      if (emitted.length) emitted[emitted.length - 1] += ' ' + comment;
      else emitted.push(leadingSpace(text, start, end) + comment);
    }
    if (emitted.length === 0) emitted.push('');
    out.push(...emitted);
  }
  const trailing = generated.get(END);
  if (trailing) out.push(`${trailing}:`);
  return out.join('\n');
}

const END = Symbol('end');

/** Text of one instruction statement in `to`. */
function statementText(s: InstructionStatement, to: Syntax, generated: Map<unknown, string>): string {
  const { insn, ref } = s;
  if (ref) {
    if (ref.role === 'imm64') return to === 'llvm' ? `r${insn.dst} = ${ref.name} ll` : `lddw %r${insn.dst}, ${ref.name}`;
    if (ref.role === 'helper') return `call ${ref.name}`;
    if (ref.role === 'call') return to === 'llvm' ? `call ${ref.name}` : `call local ${ref.name}`;
    return withTarget(insn, to, ref.name);
  }
  const callTarget = generated.get(targetKey(s));
  if (callTarget !== undefined) return withTarget(insn, to, callTarget);
  return plainText(insn, to);
}

function plainText(insn: Instruction, to: Syntax): string {
  if (to === 'mnemonic') {
    const t = fullyShown(insn, 'mnemonic') ? printMnemonic(insn, { numbers: 'source' }) : undefined;
    return t ?? rawText(insn);
  }
  const t = fullyShown(insn, 'llvm') ? printLlvm(insn, { numbers: 'source' }) : UNKNOWN;
  return t === UNKNOWN ? rawText(insn) : t;
}

/** An instruction whose target is the label `name`. */
function withTarget(insn: Instruction, to: Syntax, name: string): string {
  const cls = insn.code & 7;
  const op = insn.code & 0xf0;
  if (insn.code === 0x85) return to === 'llvm' ? `call ${name}` : `call local ${name}`;
  if (to === 'mnemonic') {
    if (op === 0x00) return cls === 6 ? `ja32 ${name}` : `ja ${name}`;
    if (op === 0xe0) return `may_goto ${name}`;
    const text = printMnemonic({ ...insn, off: 0 }, { numbers: 'source' });
    return text === undefined ? rawText(insn) : text.replace(/, \+0$/, `, ${name}`);
  }
  if (op === 0x00) return cls === 6 ? `gotol ${name}` : `goto ${name}`;
  if (op === 0xe0) return `may_goto ${name}`;
  const text = printLlvm({ ...insn, off: 0 }, { numbers: 'source' });
  const suffix = ` goto ${formatJump(0, 'source')}`;
  return text === UNKNOWN || !text.endsWith(suffix) ? rawText(insn) : text.slice(0, -suffix.length) + ` goto ${name}`;
}

/** `.quad` data for an encoding the syntax cannot express (both syntaxes read it as a directive). */
function rawText(insn: Instruction): string {
  const word = (code: number, regs: number, off: number, imm: number): string => {
    const v = (BigInt(imm >>> 0) << 32n) | (BigInt(off & 0xffff) << 16n) | (BigInt(regs & 0xff) << 8n) | BigInt(code & 0xff);
    return `.quad 0x${v.toString(16).padStart(16, '0')}`;
  };
  const first = word(insn.code, ((insn.src & 0xf) << 4) | (insn.dst & 0xf), insn.off, insn.imm);
  return insn.code === 0x18 ? `${first}, ${word(0, 0, 0, insn.hi ?? 0).slice(6)}` : first;
}

const targetKey = (s: Statement): string => `target:${s.range.start}:${s.range.end}`;

/**
 * Labels to add: LLVM syntax has no numeric form for a local call, so `call local +N` gets a label
 * at its target. Returns statement -> label to print before it, and `target:` keys -> label name.
 */
function generatedLabels(parsed: ParsedFile, to: Syntax): Map<unknown, string> {
  const result = new Map<unknown, string>();
  if (to !== 'llvm') return result;
  const insns: { s: InstructionStatement; slot: number }[] = [];
  let slot = 0;
  for (const s of parsed.statements) {
    if (s.kind !== 'insn') continue;
    insns.push({ s, slot });
    slot += s.insn.code === 0x18 ? 2 : 1;
  }
  const total = slot;
  const atSlot = new Map<number, InstructionStatement>();
  for (const i of insns) atSlot.set(i.slot, i.s);
  const taken = new Set(parsed.statements.filter((s) => s.kind === 'label').map((s) => (s as { name: string }).name));
  const names = new Map<number, string>();
  for (const { s, slot: at } of insns) {
    if (s.ref || s.insn.code !== 0x85 || s.insn.src !== 1) continue;
    const target = at + 1 + s.insn.imm;
    if (target < 0 || target > total || (target < total && !atSlot.has(target))) continue;
    let name = names.get(target);
    if (name === undefined) {
      name = `func${target}`;
      for (let k = 1; taken.has(name); k++) name = `func${target}_${k}`;
      taken.add(name);
      names.set(target, name);
      const before = target === total ? END : atSlot.get(target)!;
      result.set(before, name);
    }
    result.set(targetKey(s), name);
  }
  return result;
}

function convertComment(comment: string): string {
  // `;` separates statements in the mnemonic syntax (and for llvm-mc): a `;` comment becomes `#`.
  return comment.startsWith(';') ? '#' + comment.slice(1) : comment;
}

function splitLines(text: string): { start: number; end: number }[] {
  const lines: { start: number; end: number }[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) {
      lines.push({ start, end: text.length });
      return lines;
    }
    lines.push({ start, end: nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl });
    start = nl + 1;
  }
}

function makeLineOf(lines: { start: number; end: number }[]): (offset: number) => number {
  return (offset) => {
    let lo = 0;
    let hi = lines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lines[mid]!.start <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
}

function leadingSpace(text: string, start: number, end: number): string {
  let i = start;
  while (i < end && (text[i] === ' ' || text[i] === '\t')) i++;
  return text.slice(start, i);
}
