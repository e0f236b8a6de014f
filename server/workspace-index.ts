// The symbols of the workspace's assembly files that are not open, for workspace symbol search. The
// walk is bounded (depth, directories, files, bytes) and skips node_modules and hidden folders;
// each file is parsed again only when its size or modification time changes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SymbolInformation } from 'vscode-languageserver-types';
import { DocumentAnalysis } from './analysis';
import { workspaceSymbols } from './features/navigation';
import { DEFAULT_SETTINGS } from './settings';

export interface WorkspaceLimits {
  maxDepth: number;
  maxDirectories: number;
  maxFiles: number;
  maxFileBytes: number;
  /** Bytes read in all, so a first search in a big workspace stays quick. */
  maxTotalBytes: number;
}

export const DEFAULT_WORKSPACE_LIMITS: WorkspaceLimits = {
  maxDepth: 8, maxDirectories: 2000, maxFiles: 500, maxFileBytes: 1 << 20, maxTotalBytes: 16 << 20,
};

/** Names of the assembly languages (package.json); a plain `.s` file counts when it parses as eBPF. */
const ASM_FILE = /\.(?:bpf\.s|bpf\.asm|ebpf|bpfasm|bpf\.mnemonic|ubpf)$/i;
const PLAIN_S = /\.s$/i;

interface Indexed {
  size: number;
  mtimeMs: number;
  symbols: SymbolInformation[];
}

export class WorkspaceIndex {
  private readonly files = new Map<string, Indexed>();

  constructor(private readonly limits: WorkspaceLimits = DEFAULT_WORKSPACE_LIMITS) {}

  /** Symbols of the assembly files under `folders` matching `query`, leaving out the files in `skip` (paths). */
  symbols(folders: readonly string[], query: string, skip: ReadonlySet<string>): SymbolInformation[] {
    const q = query.toLowerCase();
    const seen = new Set<string>();
    const out: SymbolInformation[] = [];
    let bytes = 0;
    for (const path of this.walk(folders)) {
      seen.add(path);
      if (skip.has(path)) continue;
      const entry = this.indexed(path, this.limits.maxTotalBytes - bytes);
      if (entry) bytes += entry.size;
      if (entry) for (const s of entry.symbols) if (!q || s.name.toLowerCase().includes(q)) out.push(s);
    }
    for (const path of this.files.keys()) if (!seen.has(path)) this.files.delete(path);
    return out;
  }

  /** Assembly file paths, breadth first, within the limits. */
  private walk(folders: readonly string[]): string[] {
    const { maxDepth, maxDirectories, maxFiles } = this.limits;
    const found: string[] = [];
    let queue = folders.map((dir) => ({ dir, depth: 0 }));
    let directories = 0;
    while (queue.length && found.length < maxFiles) {
      const next: typeof queue = [];
      for (const { dir, depth } of queue) {
        if (++directories > maxDirectories || found.length >= maxFiles) return found;
        let entries;
        try {
          entries = readdirSync(dir, { withFileTypes: true });
        } catch {
          continue; // unreadable: skipped
        }
        entries.sort((a, b) => a.name.localeCompare(b.name));
        for (const e of entries) {
          if (e.name.startsWith('.') || e.name === 'node_modules') continue;
          if (e.isDirectory()) {
            if (depth < maxDepth) next.push({ dir: join(dir, e.name), depth: depth + 1 });
          } else if (e.isFile() && (ASM_FILE.test(e.name) || PLAIN_S.test(e.name))) {
            found.push(join(dir, e.name));
            if (found.length >= maxFiles) break;
          }
        }
      }
      queue = next;
    }
    return found;
  }

  private indexed(path: string, budget: number): Indexed | undefined {
    let st;
    try {
      st = statSync(path);
    } catch {
      return undefined;
    }
    if (st.size > this.limits.maxFileBytes || st.size > budget) return undefined;
    const known = this.files.get(path);
    if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) return known;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    const doc = new DocumentAnalysis(pathToFileURL(path).href, text, 0, DEFAULT_SETTINGS, /\.(?:bpf\.mnemonic|ubpf)$/i.test(path) ? 'mnemonic' : undefined);
    // a plain .s file may be another architecture's assembly: only files that parse cleanly count
    const plain = !ASM_FILE.test(path);
    const symbols = plain && doc.parsed.diagnostics.some((d) => d.severity === 'error') ? [] : workspaceSymbols([doc], '');
    const entry = { size: st.size, mtimeMs: st.mtimeMs, symbols };
    this.files.set(path, entry);
    return entry;
  }
}
