// bpf-asm disasm: lists an ELF object or raw instruction bytes as llvm-objdump -d does.
import type { Syntax } from '../../core/asm/ast';
import { disassemble } from '../../core/disasm';
import { printLlvm } from '../../core/disasm/llvm';
import { printMnemonic } from '../../core/disasm/mnemonic';
import { isElf, readObject, type ElfObject } from '../../core/elf';
import { R_BPF_64_32, R_BPF_64_64, SHF_ALLOC, SHF_EXECINSTR, SHT_PROGBITS } from '../../core/elf/format';
import { objectListing, objectRows, type ListingOptions } from '../../core/elf/listing';
import { objectSource } from '../../core/elf/source';
import type { Instruction } from '../../core/isa';
import { EXIT_ERROR, EXIT_OK, UsageError, type CliIO } from '../io';
import { helpText, parseArgs, readInput, type CommandSpec, type OptionDefs } from '../args';

const OPTIONS = {
  syntax: { type: 'string', values: ['llvm', 'mnemonic'], help: 'instruction syntax (default llvm)' },
  reloc: { type: 'boolean', short: 'r', help: 'show relocations under the instructions they patch (objdump -r)' },
  zeroes: { type: 'boolean', short: 'z', help: 'list runs of zero bytes instead of folding them to "..."' },
  section: { type: 'string', short: 'j', placeholder: 'SECTION', help: 'only this section (objdump -j)' },
  source: { type: 'boolean', help: 'print assembly source that assembles back to the same object (sections, labels, .map, data)' },
  json: { type: 'boolean', help: 'print JSON (schema below) instead of text' },
} as const satisfies OptionDefs;

const SPEC: CommandSpec<typeof OPTIONS> = {
  usage: 'disasm FILE... [options]',
  description:
    'Disassembles ELF objects (detected by their magic number) section by section, with symbols,\n' +
    'exactly as `llvm-objdump -d --mcpu=v4` prints them; any other file is raw instruction bytes.\n' +
    'With --source, prints assembly that `bpf-asm assemble` turns back into the same code,\n' +
    'relocations, maps, data and license.',
  options: OPTIONS,
  minPositionals: 1,
  epilog:
    'JSON output: {"files": [{"file", "format": "elf"|"raw", "license": string|null,\n' +
    '  "maps": [{"name","type","keySize","valueSize","maxEntries","flags","inner"?}],\n' +
    '  "sections": [{"name", "progType": string|null, "symbols": [{"name","offset","kind":"function"|"label","global"}],\n' +
    '    "instructions": [{"offset" (bytes), "slot", "bytes" (hex), "text", "target"?,\n' +
    '      "relocation"?: {"type","symbol"}, "coreRelocation"?: string (as objdump -r shows CO-RE),\n' +
    '      "source"?: {"file","line","column","text"} (clang -g line info)}]}],\n' +
    '  "diagnostics": [{"severity","code","message","offset"}]}]}\n' +
    'Exit status: 0 when every file was read, 1 when a file is malformed, 2 for bad arguments.',
};

/** A raw byte stream as an object with one `.text` section and no symbols. */
function rawObject(bytes: Uint8Array): ElfObject {
  return {
    programs: [], maps: [], data: [], diagnostics: [], symbols: [], relocations: [], lineInfo: [], coreRelocations: [],
    sections: [{
      index: 1, name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, offset: 0,
      size: bytes.length, link: 0, info: 0, align: 8, entsize: 0,
    }],
  };
}

/** Mnemonic text; a relocated ld_imm64 or call names its symbol. */
const mnemonic = (insn: Instruction, reloc?: { type: number; symbol: string }): string =>
  printMnemonic(insn, {
    imm64Symbol: reloc?.type === R_BPF_64_64 ? reloc.symbol : undefined,
    callName: reloc?.type === R_BPF_64_32 ? reloc.symbol : undefined,
  }) ?? printLlvm(insn);

export async function run(args: string[], io: CliIO): Promise<number> {
  const { options, positionals, help } = parseArgs(args, SPEC);
  if (help) {
    io.out(helpText(SPEC));
    return EXIT_OK;
  }
  if (options.source && (options.json || options.reloc || options.zeroes)) {
    throw new UsageError("'--source' cannot be combined with '--json', '--reloc' or '--zeroes'");
  }
  const inputs = positionals.map((file) => ({ file, bytes: readInput(file) }));
  let status = EXIT_OK;
  const jsonFiles: unknown[] = [];
  for (const { file, bytes } of inputs) {
    const elf = isElf(bytes);
    const obj = elf ? readObject(bytes) : rawObject(bytes);
    const listing: ListingOptions = {
      relocations: !!options.reloc,
      zeroes: !!options.zeroes || !elf,
      printInsn: options.syntax === 'mnemonic' ? mnemonic : undefined,
      fileName: elf ? file : undefined,
      section: options.section,
    };
    if (options.section !== undefined && !obj.sections.some((s) => s.name === options.section)) {
      throw new UsageError(`no section '${options.section}' in ${file}`);
    }
    if (bytes.length === 0) obj.diagnostics.push({ range: { start: 0, end: 0 }, severity: 'error', message: 'the file is empty', code: 'empty' });
    if (obj.diagnostics.some((d) => d.severity === 'error')) status = EXIT_ERROR;
    if (options.json) {
      jsonFiles.push(fileJson(file, elf, bytes, obj, listing));
      continue;
    }
    for (const d of obj.diagnostics) io.err(`${file}: ${d.severity}: ${d.message} (at byte 0x${d.range.start.toString(16)})\n`);
    if (options.source) {
      const syntax = (options.syntax ?? 'llvm') as Syntax;
      if (obj.coreRelocations.length > 0) {
        io.err(`${file}: warning: ${obj.coreRelocations.length} CO-RE relocation(s) are not kept in the source; the field offsets stay as compiled\n`);
      }
      io.out(elf ? objectSource(obj, syntax) : disassemble(bytes, { syntax, labels: true }));
      continue;
    }
    if (!elf && bytes.length % 8 !== 0) {
      io.err(`${file}: warning: ${bytes.length} bytes is not a whole number of 8-byte instructions\n`);
    }
    io.out(objectListing(bytes, obj, listing));
  }
  if (options.json) io.out(JSON.stringify({ files: jsonFiles }, null, 2) + '\n');
  return status;
}

function fileJson(file: string, elf: boolean, bytes: Uint8Array, obj: ElfObject, listing: ListingOptions): unknown {
  const lineAt = new Map(obj.lineInfo.map((l) => [`${l.section}\0${l.offset}`, l]));
  const sections = objectRows(bytes, obj, { ...listing, relocations: true, zeroes: true }).map(({ section, rows }) => {
    const program = obj.programs.find((p) => p.section === section.name);
    const instructions: Record<string, unknown>[] = [];
    for (const row of rows) {
      if (row.kind === 'insn') {
        const entry: Record<string, unknown> = {
          offset: row.offset, slot: Math.floor(row.offset / 8),
          bytes: [...row.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' '), text: row.text,
        };
        if (row.target !== undefined) entry.target = row.target;
        const info = lineAt.get(`${section.name}\0${row.offset}`);
        if (info) entry.source = { file: info.file, line: info.line, column: info.column, text: info.text };
        instructions.push(entry);
      } else if (row.kind === 'reloc') {
        const last = instructions.at(-1);
        if (last) last.relocation = { type: row.type, symbol: row.symbol };
      } else if (row.kind === 'core') {
        const last = instructions.at(-1);
        if (last) last.coreRelocation = row.text;
      }
    }
    const symbols = program
      ? [...program.labels].map(([name, slot]) => {
        const fn = program.functions.find((f) => f.name === name);
        return { name, offset: slot * 8, kind: fn ? 'function' : 'label', global: fn?.global ?? false };
      })
      : [];
    return { name: section.name, progType: program?.progType ?? null, symbols, instructions };
  });
  return {
    file, format: elf ? 'elf' : 'raw', license: obj.license ?? null, maps: obj.maps, sections,
    diagnostics: obj.diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, offset: d.range.start })),
  };
}
