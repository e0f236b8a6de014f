// bpf-asm assemble: assembly text to an ELF object (or the raw bytes of one program).
import { writeFileSync } from 'node:fs';
import { LineIndex, type Syntax } from '../../core/asm/ast';
import { assembleText } from '../../core/asm';
import type { AssembledFile, Program } from '../../core/asm/program';
import { writeObject, type WriteOptions } from '../../core/elf';
import { encodeProgram } from '../../core/isa';
import { EXIT_ERROR, EXIT_OK, UsageError, type CliIO } from '../io';
import {
  assemblyRegion, diagnosticJson, formatDiagnostics, helpText, parseArgs, placeDiagnostics, readTextInput,
  type CommandSpec, type OptionDefs,
} from '../args';

const OPTIONS = {
  output: { type: 'string', short: 'o', placeholder: 'OUT', help: 'output file (one input only; default: FILE with .o, or .bin with --raw)' },
  raw: { type: 'boolean', help: 'write the instruction bytes of one program instead of an ELF object' },
  section: { type: 'string', placeholder: 'S', help: 'with --raw: the program to write, by section or name (default the first)' },
  syntax: { type: 'string', values: ['llvm', 'mnemonic'], help: 'input syntax (default: detected per file)' },
  maps: { type: 'string', values: ['btf', 'legacy'], help: "map definitions: BTF '.maps' (default, libbpf 1.x) or the legacy 'maps' section" },
  json: { type: 'boolean', help: 'print a JSON report (schema below) instead of diagnostics text' },
} as const satisfies OptionDefs;

const SPEC: CommandSpec<typeof OPTIONS> = {
  usage: 'assemble FILE... [options]',
  description:
    'Assembles LLVM-syntax or mnemonic-syntax eBPF assembly into an ELF relocatable object\n' +
    '(EM_BPF, one section per program, BTF-defined maps in ".maps", BTF func_info and line_info\n' +
    'naming FILE\'s lines) that libbpf and bpftool load. A bpf_conformance .data file is assembled\n' +
    'from its "-- asm" section. Errors print as FILE:LINE:COL: error: MESSAGE and nothing is\n' +
    'written for that file.',
  options: OPTIONS,
  minPositionals: 1,
  epilog:
    'JSON output: {"files": [{"file", "output": string|null, "syntax": "llvm"|"mnemonic",\n' +
    '  "programs": [{"section","name","progType": string|null,"slots","relocations": [{"slot","symbol","kind"}]}],\n' +
    '  "maps": [{"name","type","keySize","valueSize","maxEntries","flags","inner"?}], "license": string|null,\n' +
    '  "diagnostics": [{"severity","code","message","line","column","endLine","endColumn"}]}]}\n' +
    'Exit status: 0 on success, 1 when a file has errors, 2 for bad arguments or unwritable output.',
};

export async function run(args: string[], io: CliIO): Promise<number> {
  const { options, positionals, help } = parseArgs(args, SPEC);
  if (help) {
    io.out(helpText(SPEC));
    return EXIT_OK;
  }
  if (options.output !== undefined && positionals.length > 1) throw new UsageError("'-o' needs exactly one input file");
  if (options.section !== undefined && !options.raw) throw new UsageError("'--section' only applies with '--raw'");
  const inputs = positionals.map((file) => ({ file, text: readTextInput(file) }));
  let status = EXIT_OK;
  const report: unknown[] = [];
  for (const { file, text } of inputs) {
    const result = assembleFile(file, text, options.syntax as Syntax | undefined);
    const errors = result.diagnostics.some((d) => d.severity === 'error');
    let output: string | undefined;
    const notes: string[] = [];
    if (errors) {
      status = EXIT_ERROR;
    } else {
      output = options.output ?? defaultOutput(file, !!options.raw);
      const maps = options.maps as WriteOptions['maps'];
      // Line info names the source as given, as clang does; a .data file's lines are not its own.
      const source = file.endsWith('.data') || file === '-' ? undefined : { file, text };
      const bytes = options.raw ? rawBytes(result, options.section, file, notes) : writeObject(result, { maps, source });
      write(output, bytes);
    }
    if (options.json) {
      report.push(fileJson(file, text, output, result));
    } else {
      io.err(formatDiagnostics(file, text, result.diagnostics));
      for (const n of notes) io.err(n + '\n');
    }
  }
  if (options.json) io.out(JSON.stringify({ files: report }, null, 2) + '\n');
  return status;
}

type Assembled = ReturnType<typeof assembleText>;

/** Assembles a file; for a `.data` file its `-- asm` section, with diagnostics placed in the whole file. */
function assembleFile(file: string, text: string, syntax: Syntax | undefined): Assembled {
  const region = assemblyRegion(file, text);
  const result = assembleText(region.text, { syntax });
  return { ...result, diagnostics: placeDiagnostics(region, result.diagnostics) };
}

function defaultOutput(file: string, raw: boolean): string {
  if (file === '-') throw new UsageError("reading standard input needs '-o OUT'");
  const ext = raw ? '.bin' : '.o';
  const slash = file.lastIndexOf('/');
  const dot = file.lastIndexOf('.');
  return (dot > slash + 1 ? file.slice(0, dot) : file) + ext;
}

function write(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new UsageError(`cannot write '${path}': ${(e as Error).message}`);
  }
}

/** The bytes of the program --section names (or the first), with a note about what was left out. */
function rawBytes(file: AssembledFile, section: string | undefined, name: string, notes: string[]): Uint8Array {
  let program: Program | undefined;
  if (section !== undefined) {
    program = file.programs.find((p) => p.section === section) ?? file.programs.find((p) => p.name === section);
    if (!program) {
      const known = file.programs.map((p) => p.section).join(', ') || 'none';
      throw new UsageError(`no program '${section}' in ${name} (programs: ${known})`);
    }
  } else {
    program = file.programs[0];
    if (file.programs.length > 1) {
      notes.push(`${name}: warning: ${file.programs.length} programs; writing the first ('${program!.section}'), choose one with --section`);
    }
  }
  if (!program) return new Uint8Array(0);
  if (program.relocations.length > 0) {
    notes.push(`${name}: warning: ${program.relocations.length} relocation(s) in '${program.section}' are left unresolved in raw output`);
  }
  return encodeProgram(program.insns.map((i) => i.insn));
}

function fileJson(file: string, text: string, output: string | undefined, result: Assembled): unknown {
  const lines = new LineIndex(text);
  return {
    file,
    output: output ?? null,
    syntax: result.parsed.syntax,
    programs: result.programs.map((p) => ({
      section: p.section, name: p.name, progType: p.progType ?? null,
      slots: p.insns.reduce((n, i) => Math.max(n, i.slot + (i.insn.code === 0x18 ? 2 : 1)), 0),
      relocations: p.relocations,
    })),
    maps: result.maps,
    license: result.license ?? null,
    diagnostics: result.diagnostics.map((d) => diagnosticJson(lines, d)),
  };
}
