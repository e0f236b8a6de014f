// The command table. Each command lives in cli/commands/<name>.ts.
import type { Command } from './io';
import { run as assemble } from './commands/assemble';
import { run as convert } from './commands/convert';
import { run as disasm } from './commands/disasm';
import { run as fmt } from './commands/fmt';
import { run as runProgram } from './commands/run';
import { run as verify } from './commands/verify';

export interface CommandEntry {
  summary: string;
  run: Command;
}

export const COMMANDS: Record<string, CommandEntry> = {
  assemble: { summary: 'assemble eBPF assembly into an ELF object (or raw bytes with --raw)', run: assemble },
  convert: { summary: 'convert assembly between the LLVM and mnemonic syntaxes', run: convert },
  disasm: { summary: 'disassemble an ELF object or raw instruction bytes (llvm-objdump -d text)', run: disasm },
  fmt: { summary: 'format assembly in the canonical layout (--check, --write)', run: fmt },
  verify: { summary: 'check programs as the kernel verifier would (its messages, on the failing line)', run: verify },
  run: { summary: 'run a program in the VM (packet, context, maps) or conformance .data files', run: runProgram },
};
