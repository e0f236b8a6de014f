// clang -S acceptance: libbpf-style C compiled with clang-19 -target bpf -O2 -g -S must parse and
// assemble without a single diagnostic, and give the bytes, relocations and data of clang's own
// object file (clang -c with the same flags).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LineIndex } from '../core/asm/ast';
import { assemble } from '../core/asm/assembler';
import { format } from '../core/asm/format';
import { parseLlvm } from '../core/asm/llvm-parser';
import { encodeProgram } from '../core/isa';
import type { MapDef } from '../core/map-types';

const FIXTURES = join(__dirname, 'fixtures', 'c');
const haveClang = spawnSync('clang-19', ['--version']).status === 0 && spawnSync('llvm-objcopy-19', ['--version']).status === 0;
if (!haveClang) console.warn('skipping clang -S acceptance: clang-19 or llvm-objcopy-19 is not installed');

/** The multiarch directory holding <asm/types.h>, which <linux/bpf.h> includes. */
const ASM_INCLUDE = ['x86_64-linux-gnu', 'aarch64-linux-gnu', 'riscv64-linux-gnu']
  .map((d) => `/usr/include/${d}`)
  .find((d) => existsSync(join(d, 'asm', 'types.h')));

const work = mkdtempSync(join(tmpdir(), 'asm-clang-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function compile(file: string, cpu: string): { asm: string; obj: string } {
  const base = join(work, `${file.replace(/\.c$/, '')}-${cpu}`);
  const flags = ['-target', 'bpf', '-D__TARGET_ARCH_x86', `-mcpu=${cpu}`, '-O2', '-g', ...(ASM_INCLUDE ? ['-I', ASM_INCLUDE] : [])];
  execFileSync('clang-19', [...flags, '-S', '-o', `${base}.s`, join(FIXTURES, file)], { stdio: 'pipe' });
  execFileSync('clang-19', [...flags, '-c', '-o', `${base}.o`, join(FIXTURES, file)], { stdio: 'pipe' });
  return { asm: readFileSync(`${base}.s`, 'utf8'), obj: `${base}.o` };
}

function section(obj: string, name: string): Buffer {
  const out = join(work, 'section.bin');
  execFileSync('llvm-objcopy-19', ['-O', 'binary', `--only-section=${name}`, obj, out]);
  return readFileSync(out);
}

function sectionSize(obj: string, name: string): number {
  const listing = execFileSync('llvm-readelf-19', ['-S', '-W', obj], { encoding: 'utf8' });
  for (const line of listing.split('\n')) {
    const m = /^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(line);
    if (m && m[1] === name) return parseInt(m[2]!, 16);
  }
  return -1;
}

function relocations(obj: string, name: string): { slot: number; symbol: string; kind: string }[] {
  const listing = execFileSync('llvm-readelf-19', ['-r', obj], { encoding: 'utf8' });
  const out: { slot: number; symbol: string; kind: string }[] = [];
  let inSection = false;
  for (const line of listing.split('\n')) {
    const head = /^Relocation section '([^']+)'/.exec(line);
    if (head) inSection = head[1] === `.rel${name}`;
    const m = /^([0-9a-f]{16})\s+[0-9a-f]+\s+(R_BPF_64_64|R_BPF_64_32)\s+[0-9a-f]+\s+(\S+)/.exec(line);
    if (inSection && m) out.push({ slot: parseInt(m[1]!, 16) / 8, symbol: m[3]!, kind: m[2] === 'R_BPF_64_64' ? 'imm64' : 'call' });
  }
  return out;
}

/** What the C fixtures declare: their maps (from the __uint/__type lines) and license strings. */
const EXPECTED: Record<string, { maps: Omit<MapDef, 'flags'>[]; flags?: Record<string, number>; license: string }> = {
  'xdp_counter.c': {
    maps: [
      { name: 'total', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 },
      { name: 'proto_counts', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 256 },
    ],
    license: 'GPL',
  },
  'loops.c': { maps: [], license: 'Dual BSD/GPL' },
  'tc_ringbuf.c': {
    maps: [
      { name: 'events', type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 },
      { name: 'stats', type: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: 4 },
    ],
    license: 'GPL',
  },
  'calls_globals.c': {
    maps: [
      { name: 'inner_a', type: 'array', keySize: 4, valueSize: 4, maxEntries: 8 },
      { name: 'outer', type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 2, inner: 'inner_a' },
      { name: 'lru', type: 'lru_hash', keySize: 8, valueSize: 16, maxEntries: 1024 },
    ],
    flags: { lru: 2 /* BPF_F_NO_COMMON_LRU */ },
    license: 'Dual MIT/GPL',
  },
  'tracing_core.c': {
    maps: [{ name: 'perf_events', type: 'perf_event_array', keySize: 4, valueSize: 4, maxEntries: 0 }],
    license: 'GPL',
  },
};

const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.c')).sort();

describe('clang-19 -S output', () => {
  it('has a fixture list that matches the expectations table', () => {
    expect(fixtures).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of fixtures) {
    for (const cpu of ['v1', 'v3', 'v4']) {
      it.skipIf(!haveClang)(`${file} at -mcpu=${cpu}: parses cleanly and matches clang's object`, () => {
        const { asm, obj } = compile(file, cpu);
        const parsed = parseLlvm(asm);
        const lines = new LineIndex(asm);
        const where = (d: { range: { start: number }; message: string }) => `${lines.position(d.range.start).line + 1}: ${d.message}`;
        expect(parsed.diagnostics.map(where)).toEqual([]);
        const out = assemble(parsed);
        expect(out.diagnostics.map(where)).toEqual([]);
        expect(out.programs.length).toBeGreaterThan(0);
        for (const prog of out.programs) {
          const ours = Buffer.from(encodeProgram(prog.insns.map((i) => i.insn)));
          expect(ours.toString('hex'), `${prog.section} bytes`).toBe(section(obj, prog.section).toString('hex'));
          expect(prog.relocations, `${prog.section} relocations`).toEqual(relocations(obj, prog.section));
        }
        for (const d of out.data) {
          if (d.name.startsWith('.bss')) {
            // NOBITS: the object has a size but no bytes
            expect(d.bytes.every((b) => b === 0)).toBe(true);
            expect(d.bytes.length, d.name).toBe(sectionSize(obj, d.name));
          }
          else expect(Buffer.from(d.bytes).toString('hex'), d.name).toBe(section(obj, d.name).toString('hex'));
        }
        const exp = EXPECTED[file]!;
        expect(out.license).toBe(exp.license);
        const wanted = exp.maps.map((m) => ({ ...m, flags: exp.flags?.[m.name] ?? 0 }));
        expect([...out.maps].sort((a, b) => a.name.localeCompare(b.name))).toEqual(wanted.sort((a, b) => a.name.localeCompare(b.name)));
        // formatting keeps the program
        const formatted = format(asm, 'llvm');
        const again = assemble(parseLlvm(formatted));
        expect(again.programs.map((p) => Buffer.from(encodeProgram(p.insns.map((i) => i.insn))).toString('hex')))
          .toEqual(out.programs.map((p) => Buffer.from(encodeProgram(p.insns.map((i) => i.insn))).toString('hex')));
      });
    }
  }
});
