// bpf-asm fmt: prints assembly in the canonical layout, checks it, or rewrites files in place.
import { writeFileSync } from 'node:fs';
import type { Syntax } from '../../core/asm/ast';
import { format, parse } from '../../core/asm';
import { EXIT_ERROR, EXIT_OK, UsageError, type CliIO } from '../io';
import {
  assemblyRegion, formatDiagnostics, helpText, parseArgs, placeDiagnostics, readTextInput, replaceRegion,
  type CommandSpec, type OptionDefs,
} from '../args';

const OPTIONS = {
  check: { type: 'boolean', help: 'print nothing; list files that are not formatted and exit 1 if any' },
  write: { type: 'boolean', short: 'w', help: 'rewrite the files in place' },
  syntax: { type: 'string', values: ['llvm', 'mnemonic'], help: 'input syntax (default: detected per file)' },
  json: { type: 'boolean', help: 'print {"files": [{"file","formatted": bool,"changed": bool,"errors": number}]}' },
} as const satisfies OptionDefs;

const SPEC: CommandSpec<typeof OPTIONS> = {
  usage: 'fmt FILE... [--check | --write] [options]',
  description:
    'Formats eBPF assembly: labels at column 0, one statement per line indented by a tab, single\n' +
    'spaces around operators, comments kept; trailing comments on consecutive lines start in one\n' +
    'column. Without --check or --write the result goes to stdout.\n' +
    'Lines with syntax errors are kept as written; the errors print as FILE:LINE:COL: error: MESSAGE.\n' +
    'In a bpf_conformance .data file only the "-- asm" section is formatted.',
  options: OPTIONS,
  minPositionals: 1,
  epilog: 'Exit status: 0 when all is well, 1 for syntax errors or (with --check) unformatted files, 2 for bad arguments.',
};

export async function run(args: string[], io: CliIO): Promise<number> {
  const { options, positionals, help } = parseArgs(args, SPEC);
  if (help) {
    io.out(helpText(SPEC));
    return EXIT_OK;
  }
  if (options.check && options.write) throw new UsageError("'--check' and '--write' cannot be used together");
  if (options.write && positionals.includes('-')) throw new UsageError("'--write' cannot rewrite standard input");
  const syntax = options.syntax as Syntax | undefined;
  const inputs = positionals.map((file) => ({ file, text: readTextInput(file) }));
  let status = EXIT_OK;
  const report: unknown[] = [];
  for (const { file, text } of inputs) {
    const region = assemblyRegion(file, text);
    const formatted = replaceRegion(text, region, format(region.text, syntax));
    const parsed = parse(region.text, { syntax });
    const errors = placeDiagnostics(region, parsed.diagnostics).filter((d) => d.severity === 'error');
    if (errors.length > 0) status = EXIT_ERROR;
    const changed = formatted !== text;
    if (options.json) {
      report.push({ file, formatted: !changed, changed: changed && !!options.write, errors: errors.length });
    } else {
      io.err(formatDiagnostics(file, text, errors));
    }
    if (options.check) {
      if (changed) {
        status = EXIT_ERROR;
        if (!options.json) io.err(`${file}: not formatted\n`);
      }
    } else if (options.write) {
      if (changed) {
        try {
          writeFileSync(file, formatted);
        } catch (e) {
          throw new UsageError(`cannot write '${file}': ${(e as Error).message}`);
        }
      }
    } else if (!options.json) {
      io.out(formatted);
    }
  }
  if (options.json) io.out(JSON.stringify({ files: report }, null, 2) + '\n');
  return status;
}
