// The VS Code client's editor-free logic: which registers get inline values, what F5 launches,
// the status bar text and the object file name.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultLaunchConfig, resolveLaunchConfig } from '../client/debug-config';
import { INLINE_VALUE_LINES_ABOVE, inlineValueRange, registerReferences } from '../client/inline-values';
import { hexInputProblem } from '../client/hex-input';
import { logInsnLinks, logSourceLinks } from '../client/log-links';
import { objectPathFor } from '../client/output-paths';
import { statusText } from '../client/status-text';

describe('inline values', () => {
  it('finds r and w registers (and %r) with their exact columns, as the 64-bit rN variable', () => {
    const refs = registerReferences(['\tw1 = *(u32 *)(r10 - 4)', 'ldxw %r0, [%r1+4]'], 7);
    expect(refs).toEqual([
      { line: 7, start: 1, end: 3, variable: 'r1' },
      { line: 7, start: 15, end: 18, variable: 'r10' },
      { line: 8, start: 5, end: 8, variable: 'r0' },
      { line: 8, start: 11, end: 14, variable: 'r1' },
    ]);
  });

  it('skips comments, strings and names that merely contain a register name', () => {
    const refs = registerReferences([
      'r1 = my_r2 ll // r3', '# r4', 'r5 /* r6 */ += r7', '.asciz "r8"', 'call bpf_r9_helper', 'r11 = 1',
      '5: (bf) r1 = r6 ; R1_w=ctx()',
    ]);
    expect(refs.map((r) => `${r.line}:${r.variable}`)).toEqual(['0:r1', '2:r5', '2:r7', '6:r1', '6:r6']);
  });

  it('annotates a few lines up to the stopped line, not past the start of the block', () => {
    const lines = ['f:', 'r1 = 1', 'r2 = 2', 'loop:', 'r3 = 3', 'r4 = 4', 'r5 = 5'];
    expect(inlineValueRange(lines, 5)).toEqual({ first: 3, last: 5 });
    expect(inlineValueRange(lines, 2)).toEqual({ first: 0, last: 2 });
    const long = Array.from({ length: 40 }, (_, i) => `r1 += ${i}`);
    expect(inlineValueRange(long, 30)).toEqual({ first: 30 - INLINE_VALUE_LINES_ABOVE, last: 30 });
    expect(inlineValueRange(long, 99)).toEqual({ first: 39 - INLINE_VALUE_LINES_ABOVE, last: 39 });
  });
});

describe('launch configuration', () => {
  const asm = { path: '/w/prog.bpf.s', languageId: 'bpf-asm' };

  it('F5 without launch.json launches the active assembly file, stopping on entry', () => {
    expect(resolveLaunchConfig({}, asm)).toEqual({
      config: { type: 'bpf', request: 'launch', name: 'Debug eBPF program', program: '/w/prog.bpf.s', stopOnEntry: true },
    });
    expect(resolveLaunchConfig({}, { path: '/w/x.o', languageId: 'plaintext' }).config?.program).toBe('/w/x.o');
  });

  it('refuses with a message when there is nothing to debug', () => {
    expect(resolveLaunchConfig({}, undefined).error).toMatch(/Open an eBPF assembly file/);
    expect(resolveLaunchConfig({}, { path: '/w/a.c', languageId: 'c' }).error).toMatch(/Open an eBPF assembly file/);
    expect(resolveLaunchConfig({ type: 'bpf', request: 'launch', name: 'x', program: ' ' }, undefined).error).toMatch(/"program"/);
  });

  it('keeps the user\'s attributes and fills in a missing program from the active file', () => {
    const r = resolveLaunchConfig({ type: 'bpf', request: 'launch', name: 'x', packet: 'ff 00', stopOnEntry: false }, asm);
    expect(r.config).toEqual({ type: 'bpf', request: 'launch', name: 'x', packet: 'ff 00', stopOnEntry: false, program: '/w/prog.bpf.s' });
    expect(defaultLaunchConfig('${file}').program).toBe('${file}');
  });

  it('starts relative paths in the workspace folder unless the configuration says otherwise', () => {
    expect(resolveLaunchConfig({}, asm, '/w').config?.cwd).toBe('/w');
    expect(resolveLaunchConfig({ type: 'bpf', request: 'launch', name: 'x', program: 'a.s', cwd: '/elsewhere' }, asm, '/w').config?.cwd).toBe('/elsewhere');
    expect(resolveLaunchConfig({}, asm).config).not.toHaveProperty('cwd');
  });
});

describe('status bar text', () => {
  it('shows the program type, the verdict and the processed instruction count', () => {
    expect(statusText({ uri: 'file:///a', programType: 'xdp', verdict: 'accepted', processedInsns: 12 })).toBe('$(pass) xdp: accepted (12 insns)');
    expect(statusText({ uri: 'file:///a', programType: 'sched_cls', verdict: 'rejected', processedInsns: 3 })).toBe('$(error) sched_cls: rejected (3 insns)');
    expect(statusText({ uri: 'file:///a', verdict: 'error', processedInsns: 0 })).toBe('$(warning) eBPF: does not assemble');
    expect(statusText({ uri: 'file:///a', section: 'kprobe/x', verdict: 'pending' })).toBe('$(sync~spin) kprobe/x: pending');
  });
});

describe('object file names', () => {
  it('replaces the last extension with .o', () => {
    expect(objectPathFor('/w/prog.bpf.s')).toBe('/w/prog.bpf.o');
    expect(objectPathFor('/w/prog.ebpf')).toBe('/w/prog.o');
    expect(objectPathFor('/w.d/prog')).toBe('/w.d/prog.o');
    expect(objectPathFor('/w/.hidden')).toBe('/w/.hidden.o');
  });
});

describe('packet input', () => {
  it('accepts hex bytes with or without separators and refuses anything else', () => {
    for (const ok of ['', 'ff ff 00 11', 'ffff0011', '0xff,0x00', 'aa:bb:cc']) expect(hexInputProblem(ok), ok).toBeUndefined();
    expect(hexInputProblem('fg')).toMatch(/hex digits/);
    expect(hexInputProblem('fff')).toMatch(/odd number/);
  });
});

describe('verifier log links', () => {
  it('links instruction numbers at line starts and in branch lines, where the source line is known', () => {
    const log = ['func#0 @0', '      0: .1........ (bf) r6 = r1', '0: R1=ctx() R10=fp0', '1: (b7) r0 = 2 ; R0_w=2',
      'from 1 to 3: R0=2', '3: (95) exit', 'processed 3 insns'].join('\n');
    const links = logInsnLinks(log, [10, 11, null, 13]);
    expect(links).toEqual([
      { line: 1, start: 6, end: 7, sourceLine: 10 },
      { line: 2, start: 0, end: 1, sourceLine: 10 },
      { line: 3, start: 0, end: 1, sourceLine: 11 },
      { line: 4, start: 5, end: 6, sourceLine: 11 },
      { line: 4, start: 10, end: 11, sourceLine: 13 },
      { line: 5, start: 0, end: 1, sourceLine: 13 },
    ]);
  });
});

describe('verifier log line-info links', () => {
  it('links the `file:line` of notes that quote the source file, and no other file', () => {
    const log = readFileSync(fileURLToPath(new URL('fixtures/grammar/accepted.verifier.log', import.meta.url)), 'utf8');
    const links = logSourceLinks(log, 'prog.c');
    const lines = log.split('\n');
    expect(links.length).toBeGreaterThan(5);
    for (const l of links) {
      expect(lines[l.line]!.slice(l.start, l.end)).toBe(`prog.c:${l.sourceLine + 1}`);
      expect(lines[l.line]!.trimStart().startsWith(';')).toBe(true);
    }
    expect(logSourceLinks(log, 'other.c')).toEqual([]);
    expect(logSourceLinks('; r0 = 2 @ /abs/dir/x.bpf.s:3', 'x.bpf.s')).toEqual([{ line: 0, start: 11, end: 29, sourceLine: 2 }]);
  });
});
