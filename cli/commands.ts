// The command table. Each command lives in cli/commands/<name>.ts.
import type { Command } from './io';

export interface CommandEntry {
  summary: string;
  run: Command;
}

export const COMMANDS: Record<string, CommandEntry> = {};
