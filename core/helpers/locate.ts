// Finds a bpf_helper_defs.h to read helper documentation from: the user's setting, then a libbpf
// checkout in the workspace (bounded search), then the system's libbpf-dev header.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseHelperDefs } from './defs-parser';
import type { HelperDoc } from './types';

export const SYSTEM_HELPER_DEFS = '/usr/include/bpf/bpf_helper_defs.h';
const FILE_NAME = 'bpf_helper_defs.h';

export interface HelperDefsLocation {
  path: string;
  from: 'setting' | 'workspace' | 'system';
}

export interface FindHelperDefsOptions {
  /** Explicit path from the user's settings; used when it names an existing file. */
  settingPath?: string;
  /** Workspace roots to search for a libbpf checkout. */
  workspaceFolders?: readonly string[];
  /** Most directories visited per workspace folder (default 4000). */
  maxDirectories?: number;
  /** Deepest directory level searched below a folder (default 8). */
  maxDepth?: number;
  /** Overridable for tests; default is the system path. */
  systemPath?: string;
}

const SKIPPED_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'dist', 'out', '.vscode-test', 'build']);

const isFile = (p: string): boolean => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

/**
 * Breadth-first search below `root` for `libbpf/src/bpf_helper_defs.h` (preferred) or any other
 * `bpf_helper_defs.h`; skips dependency and VCS folders and stops after `maxDirectories`.
 */
function searchFolder(root: string, maxDirectories: number, maxDepth: number): string | undefined {
  let fallback: string | undefined;
  let queue: string[] = [root];
  let visited = 0;
  for (let depth = 0; depth <= maxDepth && queue.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of queue) {
      if (++visited > maxDirectories) return fallback;
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (e.isFile() && e.name === FILE_NAME) {
          const path = join(dir, e.name);
          if (/(^|[/\\])libbpf[/\\]src$/.test(dir)) return path;
          fallback ??= path;
        } else if (e.isDirectory() && !SKIPPED_DIRS.has(e.name)) {
          next.push(join(dir, e.name));
        }
      }
    }
    queue = next;
  }
  return fallback;
}

/** Where to read helper definitions from, or undefined when there is no header anywhere. */
export function findHelperDefs(options: FindHelperDefsOptions = {}): HelperDefsLocation | undefined {
  const { settingPath, workspaceFolders = [], maxDirectories = 4000, maxDepth = 8 } = options;
  if (settingPath && isFile(settingPath)) return { path: settingPath, from: 'setting' };
  for (const folder of workspaceFolders) {
    if (!folder || !existsSync(folder)) continue;
    const found = searchFolder(folder, maxDirectories, maxDepth);
    if (found) return { path: found, from: 'workspace' };
  }
  const systemPath = options.systemPath ?? SYSTEM_HELPER_DEFS;
  if (isFile(systemPath)) return { path: systemPath, from: 'system' };
  return undefined;
}

/** Reads and parses the header found by findHelperDefs; empty list when none is found or readable. */
export function loadHelperDocs(options: FindHelperDefsOptions = {}): { location?: HelperDefsLocation; helpers: HelperDoc[] } {
  const location = findHelperDefs(options);
  if (!location) return { helpers: [] };
  try {
    return { location, helpers: parseHelperDefs(readFileSync(location.path, 'utf8')) };
  } catch {
    return { location, helpers: [] };
  }
}
