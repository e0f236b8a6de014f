// bpf_conformance test files (.data, language bpf-conformance) in the language server: parse errors
// of the `-- asm` program on their line of the file, hovers and completion as in a mnemonic .s file,
// formatting of the program only, and a diagnostic when the program run in the VM does not give the
// file's `-- result`. The oracle is the suite itself: every file's `-- result` (all 313 pass in our VM).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Hover } from 'vscode-languageserver-types';
import { LineIndex } from '../core/asm/ast';
import { BpfLanguageService } from '../server/service';
import { CONFORMANCE_DIR, conformanceAvailable } from './conformance-dir';
import { openDoc } from './server-helpers';

const files = conformanceAvailable ? readdirSync(CONFORMANCE_DIR).filter((f) => f.endsWith('.data')).sort() : [];
const read = (name: string): string => readFileSync(join(CONFORMANCE_DIR, name), 'utf8');

const ADD = `# a comment
-- asm
mov32 %r0, 0
mov32 %r1, 2
add32 %r0, 1
add32 %r0, %r1
exit
-- result
0x3
`;

function openData(text: string, uri = 'file:///t/bpf_conformance/tests/x.data') {
  const service = new BpfLanguageService();
  service.open(uri, text, 1, undefined, 'bpf-conformance');
  return { service, uri };
}

const hoverText = (h: Hover | null): string => (h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : JSON.stringify(h?.contents ?? null));

describe.skipIf(!conformanceAvailable)('bpf_conformance files in the language server', () => {
  it('gives no diagnostic on any file of the suite (each run gives its -- result)', async () => {
    expect(files.length).toBeGreaterThanOrEqual(300);
    const noisy: string[] = [];
    for (const [i, name] of files.entries()) {
      const { service, uri } = openData(read(name), `file:///suite/${name}`);
      const d = service.diagnostics(uri);
      if (d.length) noisy.push(`${name}: ${d.map((x) => `${x.range.start.line + 1}: ${x.message}`).join('; ')}`);
      if (i % 50 === 0) await new Promise(setImmediate);
    }
    expect(noisy).toEqual([]);
  });

  it('flags a changed -- result on its header, with the value the program returns', () => {
    for (const name of ['add.data', 'alu64-arith.data', 'prime.data', 'lddw.data']) {
      const text = read(name);
      const m = /^-- result[^\n]*\n\s*(\S+)/m.exec(text)!;
      const expected = BigInt(m[1]!);
      const mutated = text.replace(m[0], m[0].replace(m[1]!, `0x${(expected + 1n).toString(16)}`));
      const { service, uri } = openData(mutated);
      const d = service.diagnostics(uri);
      expect(d, name).toHaveLength(1);
      expect(d[0]!.range.start.line, name).toBe(new LineIndex(mutated).position(m.index).line);
      // the program still returns what the suite says it does
      expect(d[0]!.message, name).toBe(`-- result expects 0x${(expected + 1n).toString(16)}, but in the VM the program returns r0 = 0x${BigInt.asUintN(64, expected).toString(16)}`);
    }
  });

  it('places a parse error of the -- asm program on its line of the file', () => {
    const lines = read('add.data').split('\n');
    const asmLine = lines.findIndex((l) => l.startsWith('-- asm'));
    for (const k of [1, 3]) {
      const mutated = [...lines.slice(0, asmLine + k), 'mov32 %r0, %r99', ...lines.slice(asmLine + k)].join('\n');
      const { service, uri } = openData(mutated);
      const errors = service.diagnostics(uri).filter((x) => x.severity === 1);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]!.range.start.line).toBe(asmLine + k);
      expect(errors[0]!.range.start.character).toBeGreaterThanOrEqual('mov32 %r0, '.length);
    }
  });

  it('says so when a file has no program or its run fails where -- result expects a value', () => {
    const noAsm = openData('-- result\n0x1\n');
    expect(noAsm.service.diagnostics(noAsm.uri).map((d) => d.message)).toEqual(["no '-- asm' or '-- raw' section: there is no program to run"]);
    const fault = ADD.replace('exit', 'ldxw %r0, [%r1+100]\nexit');
    const f = openData(fault);
    const d = f.service.diagnostics(f.uri);
    expect(d).toHaveLength(1);
    expect(d[0]!.range.start.line).toBe(8);
    expect(d[0]!.message).toMatch(/^-- result expects 0x3, but in the VM the program stops with: .* \(line 7\)$/);
    const endless = openData('-- asm\nja -1\nexit\n-- result\n0x0\n');
    expect(endless.service.diagnostics(endless.uri).map((x) => x.message).join()).toMatch(/stops with/);
  });

  it('hovers and completes in the -- asm section as in a mnemonic .s file', () => {
    const asm = ADD.slice(ADD.indexOf('-- asm\n') + 7, ADD.indexOf('-- result'));
    const s = openDoc(asm, {}, 'file:///t/x.bpf.mnemonic');
    const data = openData(ADD);
    const lineOf = (text: string, needle: string) => new LineIndex(text).position(text.indexOf(needle));
    for (const needle of ['add32 %r0, %r1', 'exit']) {
      const inS = lineOf(asm, needle);
      const inData = lineOf(ADD, needle);
      const hs = hoverText(s.service.hover(s.uri, { line: inS.line, character: inS.character + 1 }));
      expect(hs.length).toBeGreaterThan(20);
      expect(hoverText(data.service.hover(data.uri, { line: inData.line, character: inData.character + 1 }))).toBe(hs);
    }
    // completion at the start of an empty line of the program
    const withBlank = ADD.replace('exit\n', 'exit\n\n');
    const blank = lineOf(withBlank, 'exit').line + 1;
    const d2 = openData(withBlank);
    const got = d2.service.completion(d2.uri, { line: blank, character: 0 }).map((c) => c.label);
    const sBlank = openDoc(asm + '\n', {}, 'file:///t/y.bpf.mnemonic');
    const want = sBlank.service.completion(sBlank.uri, { line: asm.split('\n').length - 1, character: 0 }).map((c) => c.label);
    expect(want).toEqual(expect.arrayContaining(['mov32', 'exit', '%r0']));
    expect(got).toEqual(want);
  });

  it('formats only the -- asm section', () => {
    const messy = ADD.replace('mov32 %r1, 2', '   mov32   %r1,2').replace('0x3', '   0x3   # spaced as it is');
    const { service, uri } = openData(messy);
    const edits = service.formatting(uri);
    expect(edits.length).toBeGreaterThan(0);
    const messyLines = messy.split('\n');
    const asmLines = [messyLines.indexOf('-- asm') + 1, messyLines.indexOf('-- result')];
    for (const e of edits) {
      expect(e.range.start.line).toBeGreaterThanOrEqual(asmLines[0]!);
      expect(e.range.start.line).toBeLessThan(asmLines[1]!);
      expect(e.newText).toBe('\t' + messyLines[e.range.start.line]!.trim().replace(/ +/g, ' ').replace(',2', ', 2'));
    }
    expect(edits.map((e) => e.newText)).toContain('\tmov32 %r1, 2');
  });
});
