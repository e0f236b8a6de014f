// bpf-asm convert: rewrites assembly from one syntax into the other.
import { writeFileSync } from 'node:fs';
import { LineIndex, type Syntax } from '../../core/asm/ast';
import { detectSyntax } from '../../core/asm';
import { convert } from '../../core/asm/convert';
import { EXIT_ERROR, EXIT_OK, UsageError, type CliIO } from '../io';
import {
  assemblyRegion, diagnosticJson, formatDiagnostics, helpText, parseArgs, placeDiagnostics, readTextInput,
  replaceRegion, type CommandSpec, type OptionDefs,
} from '../args';

const OPTIONS = {
  to: { type: 'string', values: ['llvm', 'mnemonic'], help: 'the syntax to write (required)' },
  from: { type: 'string', values: ['llvm', 'mnemonic'], help: 'the syntax of the input (default: detected)' },
  output: { type: 'string', short: 'o', placeholder: 'OUT', help: 'write to OUT instead of stdout (one input only)' },
  json: { type: 'boolean', help: 'print {"files": [{"file","from","to","text","diagnostics": [...]}]}' },
} as const satisfies OptionDefs;

const SPEC: CommandSpec<typeof OPTIONS> = {
  usage: 'convert FILE... --to llvm|mnemonic [options]',
  description:
    'Converts eBPF assembly between the LLVM syntax (r0 = *(u32 *)(r1 + 4)) and the mnemonic\n' +
    'syntax of uBPF and bpf_conformance (ldxw %r0, [%r1+4]), keeping labels, comments and\n' +
    'directives. Lines that do not parse are kept as comments and reported as FILE:LINE:COL: error.\n' +
    'In a bpf_conformance .data file only the "-- asm" section is converted.',
  options: OPTIONS,
  minPositionals: 1,
  epilog:
    'JSON diagnostics: {"severity","code","message","line","column","endLine","endColumn"} (1-based).\n' +
    'Exit status: 0 on success, 1 when an input has errors (the output is still written), 2 for bad arguments.',
};

export async function run(args: string[], io: CliIO): Promise<number> {
  const { options, positionals, help } = parseArgs(args, SPEC);
  if (help) {
    io.out(helpText(SPEC));
    return EXIT_OK;
  }
  if (options.to === undefined) throw new UsageError("missing '--to llvm|mnemonic'");
  if (options.output !== undefined && positionals.length > 1) throw new UsageError("'-o' needs exactly one input file");
  const to = options.to as Syntax;
  const inputs = positionals.map((file) => ({ file, text: readTextInput(file) }));
  let status = EXIT_OK;
  const report: unknown[] = [];
  for (const { file, text } of inputs) {
    const region = assemblyRegion(file, text);
    const from = (options.from as Syntax | undefined) ?? detectSyntax(region.text);
    const converted = convert(region.text, to, from);
    const result = { text: replaceRegion(text, region, converted.text), diagnostics: placeDiagnostics(region, converted.diagnostics) };
    if (result.diagnostics.some((d) => d.severity === 'error')) status = EXIT_ERROR;
    if (options.json) {
      const lines = new LineIndex(text);
      report.push({ file, from, to, text: result.text, diagnostics: result.diagnostics.map((d) => diagnosticJson(lines, d)) });
      continue;
    }
    io.err(formatDiagnostics(file, text, result.diagnostics));
    if (options.output !== undefined) {
      try {
        writeFileSync(options.output, result.text);
      } catch (e) {
        throw new UsageError(`cannot write '${options.output}': ${(e as Error).message}`);
      }
    } else {
      io.out(result.text);
    }
  }
  if (options.json) io.out(JSON.stringify({ files: report }, null, 2) + '\n');
  return status;
}
