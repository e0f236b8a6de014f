// The assembler: sections, labels, maps, data and errors, with llvm-mc-19 as the oracle for bytes.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineIndex } from '../core/asm/ast';
import { assemble } from '../core/asm/assembler';
import { assembleText, parse } from '../core/asm/index';
import { parseLlvm } from '../core/asm/llvm-parser';
import { disassemble } from '../core/disasm';
import { encodeProgram } from '../core/isa';
import { InsnGen, seeded } from './asm-llvm-gen';

const haveLlvm = spawnSync('llvm-mc-19', ['--version']).status === 0 && spawnSync('llvm-objcopy-19', ['--version']).status === 0;
if (!haveLlvm) console.warn('skipping llvm-mc comparisons in the assembler tests: llvm-mc-19 or llvm-objcopy-19 is not installed');

function llvmSection(source: string, section: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'asm-as-'));
  try {
    writeFileSync(join(dir, 'in.s'), source);
    execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', '-o', join(dir, 'o.o'), join(dir, 'in.s')], { stdio: 'pipe' });
    execFileSync('llvm-objcopy-19', ['-O', 'binary', `--only-section=${section}`, join(dir, 'o.o'), join(dir, 's.bin')]);
    return readFileSync(join(dir, 's.bin'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const bytesOf = (insns: { insn: Parameters<typeof encodeProgram>[0][number] }[]) => Buffer.from(encodeProgram(insns.map((i) => i.insn)));
const errorsOf = (source: string) => {
  const out = assemble(parseLlvm(source));
  return out.diagnostics.map((d) => [d.severity, d.code, source.slice(d.range.start, d.range.end), d.message] as const);
};

describe('assembler', () => {
  it('reports an undefined label at its use', () => {
    const e = errorsOf('goto nowhere\nexit');
    expect(e).toEqual([['error', 'undefined-label', 'nowhere', "undefined label 'nowhere'"]]);
  });

  it('reports a label defined twice at the second definition', () => {
    const src = 'a:\nexit\na:\nexit';
    const e = errorsOf(src);
    expect(e).toEqual([['error', 'duplicate-label', 'a', "'a' is already defined"]]);
    expect(assemble(parseLlvm(src)).diagnostics[0]!.range.start).toBe(src.lastIndexOf('a:'));
  });

  it('reports a jump beyond 16 bits and accepts it as gotol, with the bytes llvm-mc gives', () => {
    const filler = Array.from({ length: 33000 }, () => 'r0 += 1');
    const far = ['goto far', ...filler, 'far:', 'exit'].join('\n');
    const e = errorsOf(far);
    expect(e).toHaveLength(1);
    expect(e[0]!.slice(0, 3)).toEqual(['error', 'jump-range', 'far']);
    expect(e[0]![3]).toMatch(/33000 instructions away, out of range for a 16-bit jump offset \(use gotol\)/);
    const ok = ['gotol far', ...filler, 'far:', 'exit'].join('\n');
    const out = assemble(parseLlvm(ok));
    expect(out.diagnostics).toEqual([]);
    expect(out.programs[0]!.insns[0]!.insn.imm).toBe(33000);
    if (haveLlvm) expect(bytesOf(out.programs[0]!.insns).equals(llvmSection(ok, '.text'))).toBe(true);
  });

  it('keeps jumps inside their section', () => {
    const e = errorsOf('.section xdp\nL1:\nexit\n.section tc\ngoto L1\nexit');
    expect(e.map((x) => x.slice(0, 3))).toEqual([['error', 'cross-section-jump', 'L1']]);
  });

  it('refuses instructions in data sections, and code data that is not whole instructions', () => {
    const e = errorsOf('.data\nr0 = 1\n.text\n.ascii "x"\n.long 5\nexit\n.short 1');
    expect(e.map((x) => x.slice(0, 3))).toEqual([
      ['error', 'insn-in-data', 'r0 = 1'],
      ['error', 'data-in-code', '.ascii "x"'],
      ['error', 'misaligned', 'exit'],
      ['error', 'misaligned', '.short 1'],
    ]);
  });

  it('re-assembles the disassembler\'s listings, raw .quad slots included, as llvm-mc-19 does', () => {
    const rand = seeded(11);
    const source = new InsnGen(rand).program(1500).join('\n');
    const bytes = Buffer.from(encodeProgram(assemble(parseLlvm(source)).programs[0]!.insns.map((i) => i.insn)));
    // scatter encodings no syntax can spell over single-slot instructions
    const wide = new Set<number>();
    for (let slot = 0; slot < bytes.length / 8; slot++) if (bytes[slot * 8] === 0x18) wide.add(slot).add(++slot);
    for (let slot = 0; slot < bytes.length / 8; slot++) {
      if (wide.has(slot) || rand() > 0.05) continue;
      for (let k = 0; k < 8; k++) bytes[slot * 8 + k] = Math.floor(rand() * 256);
      if (bytes[slot * 8] === 0x18) bytes[slot * 8] = 0x17;
    }
    for (const labels of [false, true]) {
      const text = disassemble(new Uint8Array(bytes), { syntax: 'llvm', labels });
      expect(text).toContain('.quad');
      const parsed = parseLlvm(text);
      expect(parsed.diagnostics).toEqual([]);
      const out = assemble(parsed);
      expect(out.diagnostics).toEqual([]);
      expect(bytesOf(out.programs[0]!.insns).toString('hex'), `labels ${labels}`).toBe(bytes.toString('hex'));
      if (haveLlvm) expect(llvmSection(text, '.text').toString('hex')).toBe(bytes.toString('hex'));
    }
  });

  it('gives programs their section, program type and name', () => {
    const src = [
      '.section xdp', 'xdp_main:', 'r0 = 2', 'exit',
      '.section socket', 'r0 = 0', 'exit',
      '.section tc', 'tc_main:', 'exit',
      '.section kprobe/do_sys_open', 'kp:', 'exit',
      '.section license,"aw"', '.asciz "GPL"',
    ].join('\n');
    const out = assemble(parseLlvm(src));
    expect(out.diagnostics).toEqual([]);
    expect(out.programs.map((p) => [p.section, p.progType, p.name])).toEqual([
      ['xdp', 'xdp', 'xdp_main'],
      ['socket', 'socket_filter', 'socket'],
      ['tc', 'sched_cls', 'tc_main'],
      ['kprobe/do_sys_open', 'kprobe', 'kp'],
    ]);
    expect(out.license).toBe('GPL');
  });

  it('defines maps with .map and relocates loads of them', () => {
    const src = [
      '.map counts type=hash key=4 value=8 max_entries=1024',
      '.map events type=ringbuf max_entries=4096',
      '.map inner type=array key=4 value=4 max_entries=1',
      '.map outer type=array_of_maps key=4 value=4 max_entries=2 flags=0 inner=inner',
      '.section xdp',
      'r1 = counts ll',
      'r1 = events ll',
      'call bpf_map_lookup_elem',
      'call map_update_elem',
      'exit',
    ].join('\n');
    const out = assemble(parseLlvm(src));
    expect(out.diagnostics).toEqual([]);
    expect(out.maps).toEqual([
      { name: 'counts', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 1024, flags: 0 },
      { name: 'events', type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 },
      { name: 'inner', type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 },
      { name: 'outer', type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 2, flags: 0, inner: 'inner' },
    ]);
    const p = out.programs[0]!;
    expect(p.relocations).toEqual([
      { slot: 0, symbol: 'counts', kind: 'imm64' },
      { slot: 2, symbol: 'events', kind: 'imm64' },
    ]);
    // BPF_FUNC_map_lookup_elem = 1, BPF_FUNC_map_update_elem = 2 (include/uapi/linux/bpf.h)
    expect(p.insns.slice(2, 4).map((i) => [i.insn.code, i.insn.src, i.insn.imm])).toEqual([[0x85, 0, 1], [0x85, 0, 2]]);
  });

  it('reports a map defined twice, an unknown inner map and a load of an unknown symbol', () => {
    const e = errorsOf('.map m type=array key=4 value=4 max_entries=1\n.map m type=array key=4 value=4 max_entries=1\n' +
      '.map o type=hash_of_maps key=4 value=4 max_entries=1 inner=nope\nr1 = mystery ll\nexit');
    expect(e.map((x) => x.slice(0, 3))).toEqual([
      ['error', 'duplicate-map', 'm'],
      ['warning', 'undefined-symbol', 'mystery'],
      ['error', 'undefined-map', 'inner=nope'],
    ]);
  });

  it.skipIf(!haveLlvm)('lays out data directives as llvm-mc does', () => {
    const src = [
      '.data', 'a:', '.byte 1, 2, 0xff, -1', '.short 0x1234, -2', '.p2align 2', 'b:', '.long 0xdeadbeef, b - a',
      '.quad -1, 0x0102030405060708', '.ascii "ab\\n\\x41\\101"', '.asciz "z"', '.zero 3', '.space 2, 7', '.fill 2, 4, 0x11',
      '.balign 8', '.8byte a', '.string "q"',
      '.section .rodata.str1.1,"aMS",@progbits,1', 's:', '.asciz "hello"',
    ].join('\n');
    const out = assemble(parseLlvm(src));
    expect(out.diagnostics).toEqual([]);
    for (const name of ['.data', '.rodata.str1.1']) {
      const d = out.data.find((x) => x.name === name)!;
      expect(Buffer.from(d.bytes).toString('hex'), name).toBe(llvmSection(src, name).toString('hex'));
    }
    expect(out.data.find((x) => x.name === '.data')!.symbols.map((s) => [s.name, s.offset])).toEqual([['a', 0], ['b', 8]]);
  });

  it('calls local functions like llvm-mc: pc-relative in the section, relocated when global', () => {
    const src = ['.text', '.globl g', 'main:', 'call f', 'call g', 'call undefined_fn', 'exit', 'f:', 'exit', 'g:', 'exit'].join('\n');
    const out = assemble(parseLlvm(src));
    expect(out.diagnostics.map((d) => d.code)).toEqual(['undefined-function']);
    const p = out.programs[0]!;
    expect(p.insns.slice(0, 3).map((i) => [i.insn.src, i.insn.imm])).toEqual([[1, 3], [1, -1], [1, -1]]);
    expect(p.relocations).toEqual([{ slot: 1, symbol: 'g', kind: 'call' }, { slot: 2, symbol: 'undefined_fn', kind: 'call' }]);
    expect(p.functions).toEqual([
      { name: 'main', slot: 0, global: false },
      { name: 'f', slot: 4, global: false },
      { name: 'g', slot: 5, global: true },
    ]);
    if (haveLlvm) expect(bytesOf(p.insns).equals(llvmSection(src, '.text'))).toBe(true);
  });

  it.skipIf(!haveLlvm)('takes .set / .equ constants in immediates, as llvm-mc does', () => {
    const src = '.set XDP_PASS, 2\n.equ TWICE, XDP_PASS * 2\nr0 = XDP_PASS\nif r0 == XDP_PASS goto +1\nr0 = XDP_PASS + 1\nr1 = TWICE ll\nexit\n';
    const parsed = parseLlvm(src);
    expect(parsed.diagnostics).toEqual([]);
    const out = assemble(parsed);
    expect(out.diagnostics).toEqual([]);
    expect(bytesOf(out.programs[0]!.insns).toString('hex')).toBe(llvmSection(src, '.text').toString('hex'));
  });

  it('fills source lines and assembles both syntaxes through assembleText', () => {
    const llvm = assembleText('// demo\nr0 = 1\n\nexit\n');
    expect(llvm.parsed.syntax).toBe('llvm');
    expect(llvm.programs[0]!.insns.map((i) => i.line)).toEqual([1, 3]);
    const mnemonic = assembleText('mov r0, 1\nexit\n');
    expect(mnemonic.parsed.syntax).toBe('mnemonic');
    expect(bytesOf(mnemonic.programs[0]!.insns).equals(bytesOf(llvm.programs[0]!.insns))).toBe(true);
  });

  it('assembles an empty file to nothing', () => {
    const out = assemble(parse(''));
    expect(out).toEqual({ programs: [], maps: [], data: [], diagnostics: [] });
    expect(assemble(parseLlvm('foo:\n.text\n')).programs).toEqual([]);
    expect(new LineIndex('').lineCount).toBe(1);
  });
});
