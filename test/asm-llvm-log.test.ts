// Pasted kernel listings: a verifier log (bpftool -d prog load) and `bpftool prog dump xlated`
// parse without a diagnostic and give the program back, checked against the kernel's own opcode
// bytes and against clang's object file.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LineIndex } from '../core/asm/ast';
import { assemble } from '../core/asm/assembler';
import { parseLlvm } from '../core/asm/llvm-parser';
import { decodeProgram, encodeProgram, type Instruction } from '../core/isa';

const ASM_INCLUDE = ['x86_64-linux-gnu', 'aarch64-linux-gnu'].map((d) => `/usr/include/${d}`).find((d) => existsSync(join(d, 'asm', 'types.h')));
const missing = [
  spawnSync('bpftool', ['version']).status !== 0 && 'bpftool is not installed',
  spawnSync('clang-19', ['--version']).status !== 0 && 'clang-19 is not installed',
  (spawnSync('llvm-mc-19', ['--version']).status !== 0 || spawnSync('llvm-objcopy-19', ['--version']).status !== 0) &&
    'llvm-mc-19 or llvm-objcopy-19 is not installed',
  process.getuid?.() !== 0 && 'loading programs needs root',
  !existsSync('/sys/fs/bpf') && '/sys/fs/bpf is not mounted',
].filter(Boolean);
if (missing.length) console.warn(`skipping kernel listing tests: ${missing.join(', ')}`);
const haveObjdump = spawnSync('llvm-objdump-19', ['--version']).status === 0 && spawnSync('clang-19', ['--version']).status === 0;
if (!haveObjdump) console.warn('skipping llvm-objdump listings: llvm-objdump-19 or clang-19 is not installed');

const work = mkdtempSync(join(tmpdir(), 'asm-log-'));
const pin = `/sys/fs/bpf/asm_log_test_${process.pid}`;
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(pin, { force: true });
  rmSync(`${pin}_bad`, { force: true });
});

interface Loaded {
  obj: string;
  log: string;
  xlated: string;
}

let loaded: Loaded | undefined;
function load(): Loaded {
  if (loaded) return loaded;
  const obj = join(work, 'xdp_counter.o');
  execFileSync('clang-19', ['-target', 'bpf', '-mcpu=v3', '-O2', '-g', ...(ASM_INCLUDE ? ['-I', ASM_INCLUDE] : []), '-c', '-o', obj, join(__dirname, 'fixtures', 'c', 'xdp_counter.c')]);
  const r = spawnSync('bpftool', ['-d', 'prog', 'load', obj, pin], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bpftool prog load failed: ${r.stderr}`);
  const xlated = execFileSync('bpftool', ['prog', 'dump', 'xlated', 'pinned', pin, 'opcodes'], { encoding: 'utf8' });
  loaded = { obj, log: r.stdout + r.stderr, xlated };
  return loaded;
}

function objSection(obj: string, name: string): Instruction[] {
  const out = join(work, 'sec.bin');
  execFileSync('llvm-objcopy-19', ['-O', 'binary', `--only-section=${name}`, obj, out]);
  return decodeProgram(new Uint8Array(readFileSync(out))).map((d) => d.insn);
}

/** Parses a listing; returns the program's instructions and, per instruction, its listing line. */
function programOf(text: string) {
  const parsed = parseLlvm(text);
  const out = assemble(parsed, { lines: new LineIndex(text) });
  return { parsed, out, insns: out.programs[0]?.insns ?? [], lines: text.split('\n') };
}

describe('pasted listings', () => {
  it.skipIf(missing.length > 0)('reads a whole `bpftool -d prog load` output back into the loaded program', () => {
    const { obj, log } = load();
    const { parsed, out, insns, lines } = programOf(log);
    expect(parsed.diagnostics).toEqual([]);
    expect(out.diagnostics).toEqual([]);
    // every instruction's opcode is the one the kernel printed for it
    for (const pi of insns) {
      const m = /\(([0-9a-f]{2})\)/.exec(lines[pi.line!]!);
      expect(pi.insn.code, lines[pi.line!]).toBe(parseInt(m![1]!, 16));
    }
    // and the program is what libbpf loaded: the xdp section followed by the .text subprogram
    const expected = [...objSection(obj, 'xdp'), ...objSection(obj, '.text')];
    expect(insns.length).toBe(expected.length);
    insns.forEach((pi, k) => {
      const want = expected[k]!;
      const got = pi.insn;
      if (want.code === 0x18) expect([got.code, got.dst], lines[pi.line!]).toEqual([want.code, want.dst]); // map pointers
      else if (want.code === 0x85 && want.src === 1) expect([got.code, got.src], lines[pi.line!]).toEqual([0x85, 1]); // subprogram calls
      else expect(got, lines[pi.line!]).toEqual(want);
    });
  });

  it.skipIf(missing.length > 0)('reads `bpftool prog dump xlated ... opcodes` back into the bytes it lists', () => {
    const { xlated } = load();
    const { parsed, out, insns, lines } = programOf(xlated);
    expect(parsed.diagnostics).toEqual([]);
    expect(out.diagnostics).toEqual([]);
    expect(insns.length).toBeGreaterThan(40);
    for (const pi of insns) {
      const raw = lines[pi.line! + 1]!.trim().split(/\s+/).map((h) => parseInt(h, 16));
      const ours = [...encodeProgram([pi.insn])];
      if (pi.insn.code === 0x85 && pi.insn.src === 1) {
        // bpftool prints the offset of a subprogram call, the kernel keeps it in off and a subprogram index in imm
        expect(ours.slice(0, 2), lines[pi.line!]).toEqual(raw.slice(0, 2));
        expect(pi.insn.imm).toBe(new DataView(Uint8Array.from(raw).buffer).getInt16(2, true));
      } else expect(ours, lines[pi.line!]).toEqual(raw);
    }
  });

  it.skipIf(missing.length > 0)('reads the log of a program the verifier rejects back into that program', () => {
    const source = [
      '\t.section xdp,"ax",@progbits', '\t.globl prog', '\t.type prog,@function', 'prog:', '\tr0 = 0',
      '\tr1 = *(u32 *)(r1 + 0)', '\tif r1 > 5 goto L1', '\tr0 = r2', 'L1:', '\tr0 += 1', '\texit', '.Lend:',
      '\t.size prog, .Lend-prog', '\t.section license,"aw",@progbits', '\t.asciz "GPL"', '',
    ].join('\n');
    const asm = join(work, 'bad.s');
    const obj = join(work, 'bad.o');
    writeFileSync(asm, source);
    execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', '-o', obj, asm]);
    const r = spawnSync('bpftool', ['-d', 'prog', 'load', obj, `${pin}_bad`], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    const log = r.stdout + r.stderr;
    expect(log).toContain('R2 !read_ok');
    const { parsed, insns } = programOf(log);
    expect(parsed.diagnostics).toEqual([]);
    expect(insns.map((i) => i.insn)).toEqual(objSection(obj, 'xdp'));
  });

  it('ignores the prose of a pasted log and keeps the instructions', () => {
    const log = [
      'func#0 @0',
      '0: R1=ctx() R10=fp0',
      '; int prog(struct __sk_buff *skb) @ prog.c:5',
      '0: (b7) r0 = 0                        ; R0_w=0',
      '1: (61) r2 = *(u32 *)(r1 +76)        ; R1=ctx() R2_w=pkt(r=0)',
      '2: (15) if r2 == 0x0 goto pc+1',
      'from 2 to 4: R0=0 R1=ctx() R10=fp0',
      '4: (95) exit',
      '3: (18) r1 = 0xffff888100000000',
      '5: (85) call bpf_map_lookup_elem#1',
      'regs=1 stack=0 before 4: (bf) r1 = r6',
      'processed 5 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0',
      '2: (15) if r2 == 0x0 goto pc+1',
      '6: (c2) nospec',
    ].join('\n');
    const parsed = parseLlvm(log);
    const insns = parsed.statements.flatMap((s) => (s.kind === 'insn' ? [s.insn] : []));
    // the opcodes in parentheses, in listing order, without the repeated index 2
    expect(insns.map((i) => i.code)).toEqual([0xb7, 0x61, 0x15, 0x95, 0x18, 0x85, 0xc2]);
    expect(insns[4]).toMatchObject({ code: 0x18, dst: 1, imm: 0, hi: 0xffff8881 | 0 });
    expect(insns[5]).toMatchObject({ code: 0x85, src: 0, imm: 1 });
    expect(insns[2]).toMatchObject({ code: 0x15, dst: 2, off: 1, imm: 0 });
    // out-of-order indices are reported as a warning only
    expect(parsed.diagnostics.map((d) => [d.severity, d.code])).toEqual([['warning', 'log-gap'], ['warning', 'log-gap']]);
  });

  it.skipIf(!haveObjdump)('reads llvm-objdump -d -r listings back into the object\'s bytes and relocations', () => {
    for (const file of ['xdp_counter.c', 'tc_ringbuf.c', 'calls_globals.c']) {
      const obj = join(work, file.replace(/\.c$/, '.o'));
      execFileSync('clang-19', ['-target', 'bpf', '-mcpu=v4', '-O2', '-g', ...(ASM_INCLUDE ? ['-I', ASM_INCLUDE] : []), '-c', '-o', obj, join(__dirname, 'fixtures', 'c', file)]);
      const listing = execFileSync('llvm-objdump-19', ['-d', '-r', obj], { encoding: 'utf8' });
      const parsed = parseLlvm(listing);
      expect(parsed.diagnostics, file).toEqual([]);
      const out = assemble(parsed);
      expect(out.diagnostics.filter((d) => d.severity === 'error'), file).toEqual([]);
      expect(out.programs.length).toBeGreaterThan(0);
      for (const prog of out.programs) {
        expect(prog.insns.map((i) => i.insn), `${file} ${prog.section}`).toEqual(objSection(obj, prog.section));
        const relocs = execFileSync('llvm-readelf-19', ['-r', obj], { encoding: 'utf8' });
        const wanted: { slot: number; symbol: string; kind: string }[] = [];
        let inSection = false;
        for (const line of relocs.split('\n')) {
          const head = /^Relocation section '([^']+)'/.exec(line);
          if (head) inSection = head[1] === `.rel${prog.section}`;
          const m = /^([0-9a-f]{16})\s+[0-9a-f]+\s+(R_BPF_64_64|R_BPF_64_32)\s+[0-9a-f]+\s+(\S+)/.exec(line);
          if (inSection && m) wanted.push({ slot: parseInt(m[1]!, 16) / 8, symbol: m[3]!, kind: m[2] === 'R_BPF_64_64' ? 'imm64' : 'call' });
        }
        expect(prog.relocations, `${file} ${prog.section} relocations`).toEqual(wanted);
      }
      // without the bytes, the text alone gives the program, but for calls of subprograms, which objdump prints as `call -0x1`
      const textOnly = execFileSync('llvm-objdump-19', ['-d', '--no-show-raw-insn', obj], { encoding: 'utf8' });
      const textParsed = parseLlvm(textOnly);
      const unknown = textOnly.split('\n').filter((l) => l.endsWith('<unknown>')).length;
      // llvm-objdump 19 cannot print some encodings (a 32-bit atomic xor), which the text then lacks
      expect(textParsed.diagnostics.map((d) => d.message.slice(0, 40)), `${file} --no-show-raw-insn`).toEqual(
        Array(unknown).fill('llvm-objdump could not print this instru'),
      );
      if (unknown > 0) continue;
      const fromText = assemble(textParsed);
      for (const prog of fromText.programs) {
        const want = objSection(obj, prog.section);
        prog.insns.forEach((pi, k) => {
          if (want[k]!.code === 0x85 && want[k]!.src === 1) expect(pi.insn.imm).toBe(want[k]!.imm);
          else expect(pi.insn, `${file} ${prog.section} ${k}`).toEqual(want[k]);
        });
      }
    }
  });
});
