// Command-line parsing shared by the commands: options, positional files, help text, reading
// inputs and printing diagnostics. Every unusable argument throws UsageError (exit 2).
import { readFileSync, statSync } from 'node:fs';
import { LineIndex, type AsmDiagnostic } from '../core/asm/ast';
import { parseDataFile } from '../core/asm/data-file';
import { isElf } from '../core/elf';
import { UsageError } from './io';

export type OptionDef =
  | { type: 'boolean'; short?: string; help: string }
  | { type: 'string'; short?: string; help: string; values?: readonly string[]; placeholder?: string };

export type OptionDefs = Record<string, OptionDef>;

export type OptionValues<O extends OptionDefs> = {
  [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string;
};

export interface CommandSpec<O extends OptionDefs> {
  /** Usage line after `bpf-asm`, such as 'assemble FILE... [options]'. */
  usage: string;
  /** Paragraphs printed after the usage line. */
  description?: string;
  options: O;
  /** Fewest positional arguments (default 0). */
  minPositionals?: number;
  /** Most positional arguments (default unlimited). */
  maxPositionals?: number;
  /** Extra help text printed after the options (such as the --json schema). */
  epilog?: string;
}

export interface ParsedArgs<O extends OptionDefs> {
  options: OptionValues<O>;
  positionals: string[];
  /** --help or -h was given; the command should print `helpText(spec)` and exit 0. */
  help: boolean;
}

/**
 * Parses `--name`, `--name value`, `--name=value`, `-x value`, `--` (end of options) and `-`
 * (standard input, a positional). Throws UsageError for anything it cannot use.
 */
export function parseArgs<O extends OptionDefs>(args: readonly string[], spec: CommandSpec<O>): ParsedArgs<O> {
  const options: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  let help = false;
  const byShort = new Map<string, string>();
  for (const [name, def] of Object.entries(spec.options)) if (def.short) byShort.set(def.short, name);

  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      if (!Object.hasOwn(spec.options, name)) throw new UsageError(`unknown option '--${name}'`);
    } else {
      const short = arg.slice(1, 2);
      name = byShort.get(short);
      if (!name) throw new UsageError(`unknown option '-${short}'`);
      if (arg.length > 2) inline = arg.slice(2);
    }
    const def = spec.options[name]!;
    const shown = arg.startsWith('--') ? `--${name}` : `-${def.short}`;
    if (def.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`option '${shown}' takes no value`);
      options[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= args.length) throw new UsageError(`option '${shown}' needs a value`);
      value = args[++i]!;
    }
    if (def.values && !def.values.includes(value)) {
      throw new UsageError(`option '${shown}' must be one of ${def.values.join(', ')} (got '${value}')`);
    }
    if (Object.hasOwn(options, name)) throw new UsageError(`option '${shown}' given twice`);
    options[name] = value;
  }

  if (!help) {
    const min = spec.minPositionals ?? 0;
    if (positionals.length < min) throw new UsageError(min === 1 ? 'missing input file' : `expected at least ${min} arguments`);
    if (spec.maxPositionals !== undefined && positionals.length > spec.maxPositionals) {
      throw new UsageError(`unexpected argument '${positionals[spec.maxPositionals]}'`);
    }
  }
  return { options: options as OptionValues<O>, positionals, help };
}

/** The --help text of a command. */
export function helpText<O extends OptionDefs>(spec: CommandSpec<O>): string {
  const lines = [`usage: bpf-asm ${spec.usage}`];
  if (spec.description) lines.push('', spec.description);
  const rows: [string, string][] = [];
  for (const [name, def] of Object.entries(spec.options)) {
    let flag = (def.short ? `-${def.short}, ` : '    ') + `--${name}`;
    if (def.type === 'string') flag += ` ${def.placeholder ?? (def.values ? def.values.join('|') : 'VALUE')}`;
    rows.push([flag, def.help]);
  }
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  lines.push('', 'options:', ...rows.map(([f, h]) => `  ${f.padEnd(width)}${h}`));
  if (spec.epilog) lines.push('', spec.epilog);
  return lines.join('\n') + '\n';
}

/** Reads an input file (`-` is standard input); a missing or unreadable file is a usage error. */
export function readInput(path: string): Uint8Array {
  try {
    if (path !== '-' && statSync(path).isDirectory()) throw new UsageError(`'${path}' is a directory`);
    return new Uint8Array(readFileSync(path === '-' ? 0 : path));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new UsageError(`cannot read '${path}': ${why}`);
  }
}

/** Reads assembly text; an ELF object or other binary file is a usage error. */
export function readTextInput(path: string): string {
  const bytes = readInput(path);
  if (isElf(bytes)) {
    throw new UsageError(`'${path}' is an ELF object, not assembly text (list it with 'bpf-asm disasm')`);
  }
  if (bytes.subarray(0, 4096).includes(0)) throw new UsageError(`'${path}' is a binary file, not assembly text`);
  return new TextDecoder().decode(bytes);
}

/** The assembly part of an input: a bpf_conformance `.data` file's `-- asm` section, else all of it. */
export interface AssemblyRegion {
  text: string;
  /** Where `text` starts in the file. */
  offset: number;
  /** True for a `.data` file's `-- asm` section. */
  dataFile: boolean;
  /** Problems of the `.data` file itself, placed in the whole file. */
  diagnostics: AsmDiagnostic[];
}

export function assemblyRegion(file: string, text: string): AssemblyRegion {
  if (!file.endsWith('.data')) return { text, offset: 0, dataFile: false, diagnostics: [] };
  const data = parseDataFile(text);
  if (!data.asm) {
    const missing: AsmDiagnostic = { range: { start: 0, end: 0 }, severity: 'error', message: "no '-- asm' section in this .data file", code: 'data-file' };
    return { text: '', offset: text.length, dataFile: true, diagnostics: [...data.diagnostics, missing] };
  }
  return { text: data.asm.text, offset: data.asm.offset, dataFile: true, diagnostics: data.diagnostics };
}

/** Moves diagnostics of a region's text to their place in the whole file. */
export function placeDiagnostics(region: AssemblyRegion, diagnostics: readonly AsmDiagnostic[]): AsmDiagnostic[] {
  const o = region.offset;
  return [...region.diagnostics, ...diagnostics.map((d) => ({ ...d, range: { start: d.range.start + o, end: d.range.end + o } }))];
}

/** The whole file with its region's text replaced. */
export function replaceRegion(whole: string, region: AssemblyRegion, text: string): string {
  return whole.slice(0, region.offset) + text + whole.slice(region.offset + region.text.length);
}

/** `FILE:LINE:COL: severity: message` with 1-based line and column. */
export function formatDiagnostic(file: string, lines: LineIndex, d: AsmDiagnostic): string {
  const p = lines.position(d.range.start);
  return `${file}:${p.line + 1}:${p.character + 1}: ${d.severity}: ${d.message}`;
}

/** Formats diagnostics against their source text, in source order. */
export function formatDiagnostics(file: string, text: string, diagnostics: readonly AsmDiagnostic[]): string {
  const lines = new LineIndex(text);
  return [...diagnostics].sort((a, b) => a.range.start - b.range.start)
    .map((d) => formatDiagnostic(file, lines, d) + '\n').join('');
}

/** A diagnostic as --json prints it: 1-based line and column, plus the raw offsets. */
export function diagnosticJson(lines: LineIndex, d: AsmDiagnostic): {
  severity: string; code: string; message: string; line: number; column: number; endLine: number; endColumn: number;
} {
  const s = lines.position(d.range.start);
  const e = lines.position(d.range.end);
  return {
    severity: d.severity, code: d.code, message: d.message,
    line: s.line + 1, column: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1,
  };
}
