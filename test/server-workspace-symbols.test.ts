// Workspace symbols come from the workspace's assembly files on disk as well as the open documents:
// the saved files are scanned (bounded: depth, folders, files, bytes), an open document's own text
// wins over its file, and plain .s files of other architectures are left out.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BpfLanguageService } from '../server/service';
import { DEFAULT_WORKSPACE_LIMITS, WorkspaceIndex } from '../server/workspace-index';

const root = mkdtempSync(join(tmpdir(), 'ws-symbols-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function put(rel: string, text: string): string {
  const path = join(root, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const prog = (label: string, map?: string): string =>
  `${map ? `\t.map\t${map} type=array key=4 value=8 max_entries=1\n` : ''}\t.section\txdp\n${label}:\n\tr0 = 2\n\texit\n`;

put('top.bpf.s', prog('top_prog', 'top_map'));
put('sub/dir/nested.bpf.s', prog('nested_prog'));
put('sub/clang.s', prog('clang_prog'));
put('sub/x86.s', '\t.text\n\t.globl\tx86_main\nx86_main:\n\tmovq\t%rax, %rbx\n\tretq\n');
put('sub/mn.bpf.mnemonic', 'mn_prog:\n\tmov r0, 2\n\texit\n');
put('node_modules/dep/dep.bpf.s', prog('dep_prog'));
put('.hidden/h.bpf.s', prog('hidden_prog'));
put('notes.txt', 'not_a_symbol:\n');

describe('workspace symbols', () => {
  const service = new BpfLanguageService();
  service.configure({}, [root]);
  const names = (q: string): string[] => service.workspaceSymbols(q).map((s) => s.name).sort();

  it("lists the symbols of the workspace's eBPF assembly files that are not open", () => {
    // three files have an xdp section; mn_prog's file has none
    expect(names('')).toEqual(['clang_prog', 'mn_prog', 'nested_prog', 'top_map', 'top_prog', 'xdp', 'xdp', 'xdp'].sort());
    expect(names('nested')).toEqual(['nested_prog']);
    const loc = service.workspaceSymbols('nested_prog')[0]!.location;
    expect(loc.uri).toBe(pathToFileURL(join(root, 'sub/dir/nested.bpf.s')).href);
    expect(loc.range.start.line).toBe(1);
  });

  it("uses an open document's text instead of its file, and sees saved changes", () => {
    const uri = pathToFileURL(join(root, 'top.bpf.s')).href;
    service.open(uri, prog('renamed_prog'), 2);
    expect(names('prog')).toEqual(['clang_prog', 'mn_prog', 'nested_prog', 'renamed_prog']);
    service.close(uri);
    put('sub/clang.s', prog('clang_prog_v2'));
    expect(names('clang')).toEqual(['clang_prog_v2']);
  });

  it('stops at its limits', () => {
    for (let i = 0; i < 30; i++) put(`many/f${String(i).padStart(2, '0')}.bpf.s`, prog(`many_${i}`));
    const index = new WorkspaceIndex({ ...DEFAULT_WORKSPACE_LIMITS, maxFiles: 10 });
    expect(index.symbols([root], 'many_', new Set()).length).toBeLessThanOrEqual(10);
    const shallow = new WorkspaceIndex({ ...DEFAULT_WORKSPACE_LIMITS, maxDepth: 1 });
    expect(shallow.symbols([root], 'nested', new Set())).toEqual([]);
    expect(shallow.symbols([root], 'clang', new Set()).map((s) => s.name)).toEqual(['clang_prog_v2']);
    const small = new WorkspaceIndex({ ...DEFAULT_WORKSPACE_LIMITS, maxFileBytes: 10 });
    expect(small.symbols([root], '', new Set())).toEqual([]);
    expect(new WorkspaceIndex().symbols([join(root, 'no-such-folder')], '', new Set())).toEqual([]);
  });
});
