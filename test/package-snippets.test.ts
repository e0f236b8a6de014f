// The snippets: each whole-program skeleton, expanded with its default placeholders, is accepted
// by llvm-mc-19 (the LLVM syntax is real), assembles with our assembler, and is accepted by the
// running kernel's verifier. Fragments must parse too.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { assembleText } from '../core/asm';
import { parseDataFile } from '../core/asm/data-file';
import { kernelBpfAvailable, linkForKernel, loadProgram } from '../core/kernel';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Snippet {
  prefix: string | string[];
  description: string;
  body: string[];
  isFileTemplate?: boolean;
}
const load = (file: string): Record<string, Snippet> => JSON.parse(readFileSync(join(ROOT, 'snippets', file), 'utf8'));
const llvmSnippets = load('bpf-asm.code-snippets');
const mnemonicSnippets = { ...load('bpf-asm-mnemonic.code-snippets'), ...load('bpf-conformance.code-snippets') };

/** The text VS Code inserts when every placeholder keeps its default (a choice its first option). */
function expand(body: string[]): string {
  return body
    .join('\n')
    .replace(/\$\{\d+\|([^,|}]*)[^}]*\}/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\d+/g, '');
}

const haveLlvm = (() => {
  try {
    execFileSync('llvm-mc-19', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!haveLlvm) console.warn('package-snippets: llvm-mc-19 missing; the llvm-mc check is skipped');
const kernel = kernelBpfAvailable();
if (!kernel.ok) console.warn(`package-snippets: bpf() unavailable (${kernel.reason}); the verifier check is skipped`);

const work = mkdtempSync(join(tmpdir(), 'snippets-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const programs = Object.entries(llvmSnippets).filter(([, s]) => s.isFileTemplate);

describe('LLVM-syntax program skeletons', () => {
  it('include XDP pass and drop, a map counter, a socket filter and a tc classifier', () => {
    const sections = programs.map(([, s]) => /^\.section (\S+)/m.exec(expand(s.body))?.[1]);
    expect(sections).toEqual(expect.arrayContaining(['xdp', 'socket', 'tc']));
    const bodies = programs.map(([, s]) => expand(s.body));
    expect(bodies.some((b) => /\.map \w+ type=array/.test(b) && /call bpf_map_lookup_elem/.test(b) && /lock \*\(u64 \*\)/.test(b))).toBe(true);
    expect(bodies.some((b) => /r0 = 1\s/.test(b) && /\.section xdp/.test(b))).toBe(true);
  });

  for (const [name, s] of programs) {
    it.skipIf(!haveLlvm)(`llvm-mc-19 reads "${name}"`, () => {
      // `.map` is our own directive (llvm-mc would need BTF); everything else is LLVM's syntax.
      const text = expand(s.body).split('\n').filter((l) => !l.startsWith('.map ')).join('\n') + '\n';
      const file = join(work, 'snippet.s');
      writeFileSync(file, text);
      expect(() => execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v3', '-filetype=obj', file, '-o', join(work, 'snippet.o')], { stdio: 'pipe' })).not.toThrow();
    });

    it.skipIf(!kernel.ok)(`the kernel's verifier accepts "${name}"`, () => {
      const file = assembleText(expand(s.body));
      expect(file.diagnostics.map((d) => d.message)).toEqual([]);
      expect(file.programs.length).toBe(1);
      const program = file.programs[0]!;
      expect(program.progType).toBeDefined();
      const linked = linkForKernel(program, file.maps, file.data);
      try {
        const r = loadProgram({ insns: linked.insns, progType: program.progType!, license: file.license, logLevel: 1 });
        expect(r.errno, `${r.error}\n${r.log}`).toBe(0);
      } finally {
        linked.close();
      }
    });
  }
});

describe('fragments and mnemonic snippets', () => {
  it('LLVM fragments assemble inside a program', () => {
    for (const [name, s] of Object.entries(llvmSnippets).filter(([, x]) => !x.isFileTemplate)) {
      const text = ['.map map type=array key=4 value=8 max_entries=1', '.section xdp', 'f:', `\t${expand(s.body).replace(/\n/g, '\n\t')}`,
        'label:', 'out:', '\tr0 = 2', '\texit'].join('\n');
      const r = assembleText(text, { syntax: 'llvm' });
      expect(r.diagnostics.map((d) => d.message), name).toEqual([]);
    }
  });

  it.skipIf(!kernel.ok)('the kernel\'s verifier accepts the mnemonic program skeletons', () => {
    const templates = Object.entries(mnemonicSnippets).filter(([, s]) => s.isFileTemplate && /^\.section/.test(expand(s.body)));
    expect(templates.length).toBeGreaterThan(0);
    for (const [name, s] of templates) {
      const file = assembleText(expand(s.body), { syntax: 'mnemonic' });
      expect(file.diagnostics.map((d) => d.message), name).toEqual([]);
      const program = file.programs[0]!;
      const linked = linkForKernel(program, file.maps, file.data);
      try {
        const r = loadProgram({ insns: linked.insns, progType: program.progType!, license: 'GPL', logLevel: 1 });
        expect(r.errno, `${name}: ${r.error}`).toBe(0);
      } finally {
        linked.close();
      }
    }
  });

  it('mnemonic snippets assemble, and the conformance skeleton is a valid .data file', () => {
    for (const [name, s] of Object.entries(mnemonicSnippets)) {
      const text = expand(s.body);
      if (text.startsWith('-- asm')) {
        const data = parseDataFile(text);
        expect(data.diagnostics, name).toEqual([]);
        expect(data.result, name).toBe(0n);
        expect(assembleText(data.asm!.text, { syntax: 'mnemonic' }).diagnostics.map((d) => d.message), name).toEqual([]);
        continue;
      }
      const wrapped = /^\.section/.test(text) ? text : `label:\n${text}\nexit`;
      expect(assembleText(wrapped, { syntax: 'mnemonic' }).diagnostics.map((d) => d.message), name).toEqual([]);
    }
  });
});
