// bpf-asm verify: runs our model of the kernel verifier over each program of assembly files or
// ELF objects, printing the kernel's message on the failing line (or a kernel-format log).
import { LineIndex } from '../../core/asm/ast';
import { assembleText } from '../../core/asm';
import type { AssembledFile, Program } from '../../core/asm/program';
import { isElf, readObject } from '../../core/elf';
import { isProgType, type ProgType } from '../../core/program-types';
import { verifyProgram, type VerifyResult } from '../../core/verifier';
import { EXIT_ERROR, EXIT_OK, UsageError, type CliIO } from '../io';
import {
  assemblyRegion, formatDiagnostics, helpText, parseArgs, placeDiagnostics, readInput,
  type CommandSpec, type OptionDefs,
} from '../args';

const EXIT_UNUSABLE = 2;

const OPTIONS = {
  section: { type: 'string', short: 's', placeholder: 'S', help: 'verify only the program in section S' },
  type: { type: 'string', short: 't', placeholder: 'T', help: 'program type (default: from the section name, else socket_filter)' },
  unpriv: { type: 'boolean', help: 'verify as an unprivileged loader would (pointer leaks, uninitialised stack)' },
  'log-level': { type: 'string', values: ['0', '1', '2'], help: 'print the verifier log in the kernel\'s format' },
  json: { type: 'boolean', help: 'print one JSON line per program' },
} as const satisfies OptionDefs;

const SPEC: CommandSpec<typeof OPTIONS> = {
  usage: 'verify FILE... [--section S] [--type T] [--unpriv] [--log-level N] [--json]',
  description:
    'Checks each program the way the Linux kernel verifier does (modelled on Linux 6.18), without\n' +
    'loading it. Rejections print as FILE:LINE:COL: error: MESSAGE with the kernel\'s own words.\n' +
    'FILE is assembly (LLVM or mnemonic syntax) or an ELF object.',
  options: OPTIONS,
  minPositionals: 1,
  epilog:
    '--json prints {"file","section","accepted","errors":[{"message","notes","line","column","insn"}],"log","processed"}.\n' +
    'Exit status: 0 all accepted, 1 some program rejected, 2 unusable input or arguments.',
};

interface Loaded {
  file: AssembledFile;
  /** Source text (for line numbers), when the input was assembly. */
  lines?: LineIndex;
  offset: number;
}

function load(path: string, io: CliIO, json: boolean): Loaded | undefined {
  const bytes = readInput(path);
  if (isElf(bytes)) {
    try {
      return { file: readObject(bytes), offset: 0 };
    } catch (e) {
      io.err(`${path}: error: ${(e as Error).message}\n`);
      return undefined;
    }
  }
  const text = new TextDecoder().decode(bytes);
  const region = assemblyRegion(path, text);
  const asm = assembleText(region.text);
  const errors = placeDiagnostics(region, asm.diagnostics).filter((d) => d.severity === 'error');
  if (errors.length) {
    if (!json) io.err(formatDiagnostics(path, text, errors));
    else {
      const lines = new LineIndex(text);
      for (const d of errors) {
        const p = lines.position(d.range.start);
        io.out(JSON.stringify({ file: path, section: null, accepted: false, errors: [{ message: d.message, notes: [], line: p.line + 1, column: p.character + 1, insn: null }], log: '', processed: 0 }) + '\n');
      }
    }
    return undefined;
  }
  return { file: asm, lines: new LineIndex(text), offset: region.offset };
}

function place(loaded: Loaded, program: Program, insn: number): { line: number | null; column: number | null } {
  const p = program.insns.find((x) => x.slot === insn);
  if (p?.range && loaded.lines) {
    const pos = loaded.lines.position(p.range.start + loaded.offset);
    return { line: pos.line + 1, column: pos.character + 1 };
  }
  if (p?.line !== undefined) return { line: p.line + 1, column: 1 };
  return { line: null, column: null };
}

export async function run(args: string[], io: CliIO): Promise<number> {
  const { options, positionals, help } = parseArgs(args, SPEC);
  if (help) {
    io.out(helpText(SPEC));
    return EXIT_OK;
  }
  let forcedType: ProgType | undefined;
  if (options.type !== undefined) {
    if (!isProgType(options.type)) throw new UsageError(`unknown program type '${options.type}'`);
    forcedType = options.type;
  }
  const logLevel = Number(options['log-level'] ?? 0);
  let status = EXIT_OK;
  for (const path of positionals) {
    const loaded = load(path, io, !!options.json);
    if (!loaded) {
      status = EXIT_UNUSABLE;
      continue;
    }
    let programs = loaded.file.programs;
    if (options.section !== undefined) {
      programs = programs.filter((p) => p.section === options.section);
      if (programs.length === 0) {
        io.err(`${path}: error: no program in section '${options.section}'\n`);
        status = EXIT_UNUSABLE;
        continue;
      }
    }
    if (programs.length === 0) {
      io.err(`${path}: error: no program to verify\n`);
      status = EXIT_UNUSABLE;
      continue;
    }
    for (const program of programs) {
      const result: VerifyResult = verifyProgram(program, loaded.file.maps, {
        progType: forcedType ?? program.progType ?? 'socket_filter',
        unprivileged: !!options.unpriv,
        logLevel,
      });
      if (!result.accepted && status === EXIT_OK) status = EXIT_ERROR;
      if (options.json) {
        io.out(JSON.stringify({
          file: path, section: program.section, accepted: result.accepted,
          errors: result.errors.map((e) => ({
            message: e.message, notes: e.notes, ...place(loaded, program, e.insn), insn: e.insn, ...(e.errno ? { errno: e.errno } : {}),
          })),
          log: result.log, processed: result.processed,
        }) + '\n');
        continue;
      }
      if (logLevel > 0) io.out(result.log);
      if (result.accepted) {
        io.out(`${path}: ${program.section}: accepted (${result.processed} insns processed)\n`);
        continue;
      }
      for (const e of result.errors) {
        const at = place(loaded, program, e.insn);
        const where = at.line !== null ? `${path}:${at.line}:${at.column}` : `${path}: insn ${e.insn}`;
        io.err(`${where}: error: ${e.message}\n`);
        for (const n of e.notes) io.err(`${where}: note: ${n}\n`);
        if (e.explanation) io.err(`${where}: help: ${e.explanation} ${e.fix ?? ''}\n`);
      }
    }
  }
  return status;
}
