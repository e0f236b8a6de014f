// The command table. Each command lives in cli/commands/<name>.ts.
import type { Command } from './io';
import { run as disasm } from './commands/disasm';

export interface CommandEntry {
  summary: string;
  run: Command;
}

export const COMMANDS: Record<string, CommandEntry> = {
  disasm: { summary: 'disassemble an ELF object or raw instruction bytes (llvm-objdump -d text)', run: disasm },
};
