// Where each instruction comes from: its assembly line, or for an object built with clang -g the
// C line its BTF line info names (the file itself, or the line texts BTF recorded when it is gone).
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Prepared } from './launch';

export interface SourceLocation {
  /** Absolute path (or the name BTF gives, for a virtual source). */
  path: string;
  /** Zero-based line. */
  line: number;
}

/** Slot -> source location for every program (assembly lines, or BTF line info of an object). */
export function sourceLocations(
  prep: Pick<Prepared, 'machine' | 'programs' | 'sourcePath' | 'lineInfo' | 'cwd'>, virtualSources: Map<string, string[]>,
): (SourceLocation | undefined)[][] {
  const { lineInfo, cwd, machine, sourcePath } = prep;
  virtualSources.clear();
  if (!lineInfo) {
    return machine.programs.map((vm) => vm.slots.map((_, slot) => {
      const line = vm.lines[slot];
      return line === undefined ? undefined : { path: sourcePath, line };
    }));
  }
  const paths = new Map<string, string>();
  const pathOf = (file: string): string => {
    let found = paths.get(file);
    if (found) return found;
    const candidates = isAbsolute(file) ? [file] : [resolve(dirname(sourcePath), file), resolve(cwd, file)];
    found = candidates.find((c) => existsSync(c)) ?? file;
    paths.set(file, found);
    return found;
  };
  for (const li of lineInfo) {
    const path = pathOf(li.file);
    if (existsSync(path) || li.line <= 0) continue;
    const lines = virtualSources.get(path) ?? [];
    lines[li.line - 1] = li.text;
    virtualSources.set(path, lines);
  }
  return prep.programs.map((info) => {
    const vm = machine.programs[info.index]!;
    const mine = lineInfo.filter((l) => l.section === info.program.section && l.line > 0).sort((a, b) => a.offset - b.offset);
    let k = -1;
    return vm.slots.map((insn, slot) => {
      while (k + 1 < mine.length && mine[k + 1]!.offset / 8 <= slot) k++;
      return insn && k >= 0 ? { path: pathOf(mine[k]!.file), line: mine[k]!.line - 1 } : undefined;
    });
  });
}
