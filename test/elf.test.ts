// The ELF reader and writer against llvm-mc-19, clang-19 and llvm-objdump-19.
import { describe, expect, it } from 'vitest';
import { readObject, writeObject, isElf } from '../core/elf';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AssembledFile, ProgramInsn, Relocation } from '../core/asm/program';
import type { Instruction } from '../core/isa';
import type { MapDef } from '../core/map-types';
import { assembleText } from '../core/asm';
import { objectListing } from '../core/elf/listing';
import { objectSource } from '../core/elf/source';
import { InsnGen, seeded } from './asm-llvm-gen';
import { ELF_SOURCES } from './elf-sources';
import {
  HAVE_CLANG, HAVE_LLVM, NO_CLANG_REASON, NO_LLVM_REASON, clangBpf, llvmMc, objdump, prng, withTemp,
} from './elf-tools';

const CAN_LOAD = process.getuid?.() === 0 && spawnSync('bpftool', ['version']).status === 0;
if (!CAN_LOAD) console.warn('bpftool missing or not root: skipping the libbpf load of a written object');
if (!HAVE_LLVM) console.warn(NO_LLVM_REASON);
if (!HAVE_CLANG) console.warn(NO_CLANG_REASON);

/** `llvm-objdump -t` lines, sorted, without the size column (llvm-mc leaves sizes 0 without .size). */
function symbolLines(bytes: Uint8Array): string[] {
  return objdump(bytes, ['-t']).split('\n')
    .filter((l) => /^[0-9a-f]{16} /.test(l))
    .map((l) => l.replace(/\t[0-9a-f]{16} /, '\t'))
    .sort();
}

const C_MAPS = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 128);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");
struct inner { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, int); __type(value, char[24]); } inner_map SEC(".maps");
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 4);
  __type(key, int);
  __array(values, struct inner);
} outer SEC(".maps") = { .values = { [0] = &inner_map } };
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } events SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 16); __uint(map_flags, 1); __uint(key_size, 12); __uint(value_size, 3); } lru SEC(".maps");
int gvar = 3;
const volatile int cfg = 7;
static __noinline int sub(int x) { return x * 3 + gvar; }
SEC("xdp") int prog(struct xdp_md *ctx) {
  __u32 k = 1; __u64 *v = bpf_map_lookup_elem(&counts, &k);
  if (v) __sync_fetch_and_add(v, 1);
  return sub(ctx->ingress_ifindex) + cfg > 5 ? XDP_PASS : XDP_DROP;
}
SEC("tc") int prog2(struct __sk_buff *skb) { return sub(skb->len) + (bpf_map_lookup_elem(&lru, &skb->mark) != 0); }
char LICENSE[] SEC("license") = "Dual BSD/GPL";
`;

const C_LOOPS = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
static __noinline int f1(int a, int b) { return a > b ? a - b : b - a; }
static __noinline int f2(int a) { int s = 0; for (int i = 0; i < a && i < 64; i++) s += f1(i, a); return s; }
__attribute__((noinline)) int global_fn(int x) { return f2(x) ^ 0x55; }
SEC("socket") int sock(struct __sk_buff *skb) { return global_fn(skb->len) + f2(skb->protocol); }
SEC("cgroup_skb/egress") int egress(struct __sk_buff *skb) { return f1(skb->len, 100) > 3; }
char _license[] SEC("license") = "GPL";
`;

describe('ELF writer and reader round trip llvm-mc objects', () => {
  for (const [name, source] of Object.entries(ELF_SOURCES)) {
    it.skipIf(!HAVE_LLVM)(`${name}: objdump -d -r and the symbol table match llvm-mc's object`, () => {
      const original = llvmMc(source);
      const read = readObject(original);
      expect(read.diagnostics).toEqual([]);
      // The legacy `maps` section in these sources comes back as legacy maps.
      const written = writeObject(read, { maps: 'legacy' });
      expect(objdump(written, ['-d', '-r'])).toBe(objdump(original, ['-d', '-r']));
      expect(objdump(written, ['-d'])).toBe(objdump(original, ['-d']));
      // llvm-mc types symbols in the maps and license sections NOTYPE (no .type in the source).
      const ours = symbolLines(written).map((l) => l.replace(/ g     O (maps|license)\t/, ' g       $1\t')).sort();
      expect(ours).toEqual(symbolLines(original));
    });
  }
});

describe('assembled random programs give the object llvm-mc gives', () => {
  /** A random program spread over .text and xdp, with local, global and external data symbols. */
  function randomSource(seed: number): string {
    const gen = new InsnGen(seeded(seed));
    const text = gen.program(120).join('\n');
    const xdp = gen.program(60).slice(1).map((l) => l.replace(/(fn_|\.LBB_|\.Lend)/g, '$1x')).join('\n');
    return [
      text,
      '\texit',
      '\t.globl gfn',
      '\t.type gfn,@function',
      'gfn:\n\tr0 = 0\n\texit',
      '\t.section xdp,"ax",@progbits',
      xdp,
      '\tcall fn_0',
      '\tcall gfn',
      '\tr1 = sym_0 + 8 ll\n\tr2 = sym_1 ll\n\tr3 = sym_2 ll\n\tr4 = gfn ll\n\tr5 = fn_0 ll',
      '\texit',
      '\t.data',
      'sym_0:\n\t.quad 1\n\t.quad 2',
      '\t.globl sym_1\nsym_1:\n\t.long 3',
      '\t.section .rodata,"a",@progbits',
      'sym_2:\n\t.byte 1, 2, 3, 4',
      '',
    ].join('\n');
  }

  it.skipIf(!HAVE_LLVM)('12 random sources: objdump -d -r of assemble + writeObject equals llvm-mc', () => {
    const mismatched: number[] = [];
    let compared = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const source = randomSource(seed);
      let theirs: Uint8Array;
      try {
        theirs = llvmMc(source);
      } catch {
        continue; // a generated jump out of range for llvm-mc too
      }
      const ours = assembleText(source, { syntax: 'llvm' });
      if (ours.diagnostics.some((d) => d.severity === 'error')) { mismatched.push(seed); continue; }
      compared++;
      if (objdump(writeObject(ours), ['-d', '-r']) !== objdump(theirs, ['-d', '-r'])) mismatched.push(seed);
    }
    console.log(`random sources: ${compared} of 12 compared with llvm-mc`);
    expect(compared).toBeGreaterThan(9);
    expect(mismatched).toEqual([]);
  });
});

describe('object listing against llvm-objdump on random code', () => {
  /** Random slots (zeros, odd ld_imm64s, jumps, calls, junk), labels anywhere, some relocations. */
  function randomFile(seed: number): AssembledFile {
    const rnd = prng(seed);
    const int = (n: number): number => Math.floor(rnd() * n);
    const insns: ProgramInsn[] = [];
    let slot = 0;
    for (let i = 20 + int(60); i > 0; i--) {
      const r = rnd();
      const insn: Instruction =
        r < 0.15 ? { code: 0, dst: 0, src: 0, off: 0, imm: 0 }
        : r < 0.25 ? { code: 0x18, dst: int(16), src: int(16), off: int(3) - 1, imm: int(2) ? 0 : int(1000), hi: int(2) ? 0 : int(1000) }
        : r < 0.45 ? { code: 0x05 | (int(14) << 4), dst: int(11), src: int(11), off: int(40) - 20, imm: int(2) ? 0 : int(100) - 50 }
        : r < 0.5 ? { code: 0x06, dst: 0, src: 0, off: 0, imm: int(40) - 20 }
        : r < 0.55 ? { code: 0x85, dst: 0, src: int(3), off: 0, imm: int(20) - 10 }
        : { code: int(256), dst: int(16), src: int(16), off: int(65536) - 32768, imm: int(2) ? 0 : int(1 << 30) };
      insns.push({ insn, slot });
      slot += insn.code === 0x18 ? 2 : 1;
    }
    const labels = new Map<string, number>();
    for (let k = int(6); k > 0; k--) labels.set(`l${k}_${int(100)}`, int(slot + 1));
    const relocations: Relocation[] = [];
    for (const pi of insns) {
      if (pi.insn.code === 0x18 && rnd() < 0.5) relocations.push({ slot: pi.slot, symbol: `ext${int(3)}`, kind: 'imm64' });
      else if (pi.insn.code === 0x85 && rnd() < 0.5) relocations.push({ slot: pi.slot, symbol: `fn${int(3)}`, kind: 'call' });
    }
    return {
      programs: [{ section: 'socket', name: 'socket', progType: 'socket_filter', insns, labels, functions: [], relocations }],
      maps: [], data: [], diagnostics: [],
    };
  }

  it.skipIf(!HAVE_LLVM)('labels anywhere (even inside ld_imm64), zero runs, relocations: -d and -d -r are identical', () => {
    withTemp((tmp) => {
      const mismatched: string[] = [];
      for (let seed = 1; seed <= 15; seed++) {
        const bytes = writeObject(randomFile(seed));
        const path = join(tmp, `r${seed}.o`);
        writeFileSync(path, bytes);
        for (const relocations of [false, true]) {
          const ours = objectListing(bytes, readObject(bytes), { fileName: path, relocations });
          const theirs = spawnSync('llvm-objdump-19', ['-d', ...(relocations ? ['-r'] : []), '--mcpu=v4', path], { encoding: 'utf8' }).stdout;
          if (ours !== theirs) mismatched.push(`${seed}${relocations ? ' -r' : ''}`);
        }
      }
      expect(mismatched).toEqual([]);
    });
  });
});

describe('ELF reader on clang-19 objects', () => {
  it.skipIf(!HAVE_CLANG || !HAVE_LLVM)('reads BTF-defined maps, programs, subprograms and the license', () => {
    const obj = readObject(clangBpf(C_MAPS));
    expect(obj.diagnostics).toEqual([]);
    expect(obj.license).toBe('Dual BSD/GPL');
    const maps = Object.fromEntries(obj.maps.map((m) => [m.name, m]));
    // Expected values are the declarations in C_MAPS.
    expect(maps.counts).toEqual({ name: 'counts', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 128, flags: 0 });
    expect(maps.inner_map).toEqual({ name: 'inner_map', type: 'array', keySize: 4, valueSize: 24, maxEntries: 1, flags: 0 });
    expect(maps.outer).toMatchObject({ type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 4, inner: 'inner_map' });
    expect(maps.events).toMatchObject({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 });
    expect(maps.lru).toEqual({ name: 'lru', type: 'lru_hash', keySize: 12, valueSize: 3, maxEntries: 16, flags: 1 });
    const bySection = Object.fromEntries(obj.programs.map((p) => [p.section, p]));
    expect(Object.keys(bySection).sort()).toEqual(['.text', 'tc', 'xdp']);
    expect(bySection.xdp).toMatchObject({ name: 'prog', progType: 'xdp' });
    expect(bySection.tc).toMatchObject({ name: 'prog2', progType: 'sched_cls' });
    expect(bySection['.text']!.progType).toBeUndefined();
    expect(bySection['.text']!.functions).toEqual([{ name: 'sub', slot: 0, global: false }]);
    const xdpRelocs = bySection.xdp!.relocations.map((r) => `${r.kind}:${r.symbol}`);
    expect(xdpRelocs).toEqual(expect.arrayContaining(['imm64:counts', 'call:.text', 'imm64:cfg']));
  });

  it.skipIf(!HAVE_CLANG)('reads .BTF.ext line info: each record names a line of the C source with its text', () => {
    const obj = readObject(clangBpf(C_MAPS));
    const lines = C_MAPS.split('\n');
    expect(obj.lineInfo.length).toBeGreaterThan(5);
    for (const l of obj.lineInfo) {
      expect(l.file).toMatch(/in\.c$/);
      expect(l.text).toBe(lines[l.line - 1]);
      const section = obj.sections.find((s) => s.name === l.section)!;
      expect(l.offset % 8).toBe(0);
      expect(l.offset).toBeLessThan(section.size);
    }
    expect(new Set(obj.lineInfo.map((l) => l.section))).toEqual(new Set(['.text', 'xdp', 'tc']));
    expect(obj.lineInfo.some((l) => l.section === 'xdp' && l.text.includes('__sync_fetch_and_add'))).toBe(true);
  });

  it.skipIf(!HAVE_CLANG || !HAVE_LLVM)('relocations and symbols agree with llvm-objdump -r and -t', () => {
    for (const source of [C_MAPS, C_LOOPS]) {
      const bytes = clangBpf(source);
      const obj = readObject(bytes);
      const names: Record<number, string> = { 1: 'R_BPF_64_64', 2: 'R_BPF_64_ABS64', 3: 'R_BPF_64_ABS32', 4: 'R_BPF_64_NODYLD32', 10: 'R_BPF_64_32' };
      const ours = obj.relocations.map((r) => `${r.section} ${r.offset.toString(16).padStart(16, '0')} ${names[r.type]} ${r.symbol}`).sort();
      const theirs: string[] = [];
      let section = '';
      for (const line of objdump(bytes, ['-r']).split('\n')) {
        const head = /^RELOCATION RECORDS FOR \[(.*)\]:$/.exec(line);
        if (head) section = head[1]!.replace(/^\.rel\.?/, (m) => (m === '.rel.' ? '.' : ''));
        const m = /^([0-9a-f]{16}) (\S+)\s+(\S+)$/.exec(line);
        if (m) theirs.push(`${section} ${m[1]} ${m[2]} ${m[3]}`);
      }
      expect(ours).toEqual(theirs.sort());
      const syms = obj.symbols.filter((s) => s.name && s.type !== 4).map((s) => `${s.value.toString(16).padStart(16, '0')} ${s.name}`).sort();
      const dumped = objdump(bytes, ['-t']).split('\n').filter((l) => /^[0-9a-f]{16} /.test(l) && !/ df \*ABS\*/.test(l))
        .map((l) => `${l.slice(0, 16)} ${l.split(' ').at(-1)}`).sort();
      expect(syms).toEqual(dumped);
    }
  });

  it.skipIf(!HAVE_CLANG || !HAVE_LLVM)('rewriting a clang object keeps its code, relocations and symbols', () => {
    for (const source of [C_MAPS, C_LOOPS]) {
      const bytes = clangBpf(source);
      const obj = readObject(bytes);
      expect(obj.diagnostics).toEqual([]);
      const written = writeObject(obj);
      expect(readObject(written).diagnostics).toEqual([]);
      expect(objdump(written, ['-d', '-r'])).toBe(objdump(bytes, ['-d', '-r']));
    }
  });

  it.skipIf(!HAVE_CLANG)('maps written as BTF or legacy bpf_map_def read back the same, inner maps included', () => {
    const obj = readObject(clangBpf(C_MAPS));
    const again = readObject(writeObject(obj));
    expect(again.diagnostics).toEqual([]);
    expect(again.maps).toEqual(obj.maps);
    expect(readObject(writeObject(obj, { maps: 'legacy' })).maps).toEqual(obj.maps);
    expect(again.license).toBe(obj.license);
    expect(again.data.map((d) => [d.name, [...d.bytes]])).toEqual(obj.data.map((d) => [d.name, [...d.bytes]]));
  });
});

describe('ELF writer output', () => {
  const file: AssembledFile = {
    programs: [{
      section: 'xdp', name: 'prog', progType: 'xdp',
      insns: [
        { slot: 0, insn: { code: 0x18, dst: 1, src: 0, off: 0, imm: 0, hi: 0 } },
        { slot: 2, insn: { code: 0xb7, dst: 0, src: 0, off: 0, imm: 2 } },
        { slot: 3, insn: { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 } },
      ],
      labels: new Map([['prog', 0]]), functions: [{ name: 'prog', slot: 0, global: true }],
      relocations: [{ slot: 0, symbol: 'my_map', kind: 'imm64' }],
    }],
    maps: [{ name: 'my_map', type: 'percpu_array', keySize: 4, valueSize: 16, maxEntries: 8, flags: 0 }],
    data: [],
    license: 'GPL',
    diagnostics: [],
  };

  it.skipIf(!HAVE_LLVM)('is a relocatable BPF object that llvm-objdump reads, with the map relocation', () => {
    const bytes = writeObject(file, { maps: 'legacy' });
    expect(isElf(bytes)).toBe(true);
    const text = objdump(bytes, ['-d', '-r']);
    expect(text).toContain('0000000000000000 <prog>:\n       0:\t18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00\tr1 = 0x0 ll\n\t\t0000000000000000:  R_BPF_64_64\tmy_map\n');
    const headers = objdump(bytes, ['-h']);
    expect(headers).toMatch(/ xdp\s+00000020 /);
    expect(headers).toMatch(/ maps\s+00000014 /);
    expect(headers).toMatch(/ license\s+00000004 /);
    // llvm-objdump -s shows the bpf_map_def: type 6, key 4, value 16, max 8, flags 0.
    expect(objdump(bytes, ['-s', '-j', 'maps'])).toContain('06000000 04000000 10000000 08000000');
  });

  it.skipIf(!CAN_LOAD)('libbpf (bpftool) loads it and the kernel creates the BTF-defined maps as declared', () => {
    const maps: MapDef[] = [
      { name: 'counts', type: 'percpu_hash', keySize: 4, valueSize: 16, maxEntries: 64, flags: 0 },
      { name: 'inner', type: 'array', keySize: 4, valueSize: 8, maxEntries: 2, flags: 0 },
      { name: 'outer', type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 3, flags: 0, inner: 'inner' },
      { name: 'lru', type: 'lru_hash', keySize: 12, valueSize: 3, maxEntries: 16, flags: 2 },
      { name: 'events', type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 },
    ];
    const loadable: AssembledFile = {
      ...file,
      programs: [{ ...file.programs[0]!, relocations: [{ slot: 0, symbol: 'counts', kind: 'imm64' }] }],
      maps,
    };
    const pins = `/sys/fs/bpf/bpf_asm_elf_test_${process.pid}`;
    withTemp((tmp) => {
      const obj = join(tmp, 'maps.o');
      writeFileSync(obj, writeObject(loadable));
      mkdirSync(pins);
      try {
        const load = spawnSync('bpftool', ['prog', 'loadall', obj, `${pins}/progs`, 'pinmaps', `${pins}/maps`], { encoding: 'utf8' });
        expect(load.stderr).toBe('');
        expect(load.status).toBe(0);
        for (const m of maps) {
          const shown = spawnSync('bpftool', ['-j', 'map', 'show', 'pinned', `${pins}/maps/${m.name}`], { encoding: 'utf8' });
          expect(shown.status).toBe(0);
          const info = JSON.parse(shown.stdout);
          expect({ name: info.name, type: info.type, key: info.bytes_key, value: info.bytes_value, max: info.max_entries, flags: info.flags })
            .toEqual({ name: m.name, type: m.type, key: m.keySize, value: m.valueSize, max: m.maxEntries, flags: m.flags });
        }
      } finally {
        rmSync(pins, { recursive: true, force: true });
      }
    });
  });

  it('round-trips through the reader', () => {
    const back = readObject(writeObject(file));
    expect(back.diagnostics).toEqual([]);
    expect(back.maps).toEqual(file.maps);
    expect(back.license).toBe('GPL');
    expect(back.programs).toHaveLength(1);
    const p = back.programs[0]!;
    expect(p).toMatchObject({ section: 'xdp', name: 'prog', progType: 'xdp', relocations: file.programs[0]!.relocations });
    expect(p.insns.map((i) => i.insn)).toEqual(file.programs[0]!.insns.map((i) => i.insn));
  });
});

describe('ELF reader on malformed input', () => {
  const sample = (): Uint8Array => {
    if (HAVE_CLANG) return clangBpf(C_MAPS);
    return writeObject({
      programs: [{ section: 'socket', name: 'socket', progType: 'socket_filter', insns: [{ slot: 0, insn: { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 } }], labels: new Map(), functions: [], relocations: [] }],
      maps: [{ name: 'm', type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 }], data: [], license: 'GPL', diagnostics: [],
    });
  };
  const internal = (bytes: Uint8Array): string[] =>
    readObject(bytes).diagnostics.filter((d) => d.message.startsWith('cannot read')).map((d) => d.message);

  it('reports non-ELF, truncated and foreign objects without throwing', () => {
    expect(readObject(new Uint8Array(0)).diagnostics[0]!.message).toMatch(/not an ELF object/);
    expect(readObject(new TextEncoder().encode('r0 = 0\nexit\n')).diagnostics[0]!.message).toMatch(/not an ELF object/);
    const good = sample();
    expect(readObject(good.slice(0, 40)).diagnostics[0]!.message).toMatch(/ELF header is truncated/);
    const x86 = good.slice();
    x86[18] = 62;
    expect(readObject(x86).diagnostics[0]!.message).toMatch(/not a BPF object \(e_machine 62/);
    const be = good.slice();
    be[5] = 2;
    expect(readObject(be).diagnostics[0]!.message).toMatch(/little-endian/);
    const cut = readObject(good.slice(0, good.length - 100));
    expect(cut.diagnostics.some((d) => /section header table is truncated/.test(d.message))).toBe(true);
  });

  it('warns (with the file offset) about relocations that patch the wrong kind of instruction', () => {
    const odd = writeObject({
      programs: [{
        section: 'socket', name: 'socket', progType: 'socket_filter',
        insns: [{ slot: 0, insn: { code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 } }, { slot: 1, insn: { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 } }],
        labels: new Map(), functions: [], relocations: [{ slot: 0, symbol: 'm', kind: 'imm64' }],
      }],
      maps: [], data: [], diagnostics: [],
    });
    const back = readObject(odd);
    const rel = back.sections.find((s) => s.name === '.relsocket')!;
    expect(back.diagnostics).toEqual([{
      range: { start: rel.offset, end: rel.offset + 16 }, severity: 'warning', code: 'elf',
      message: "socket+0x0: R_BPF_64_64 against 'm' patches an instruction that is not ld_imm64",
    }]);
    expect(back.programs[0]!.relocations).toEqual([]);
  });

  it('survives every truncation and thousands of random byte changes (reader, listing, source, writer)', () => {
    const good = sample();
    const view = new DataView(good.buffer, good.byteOffset, good.byteLength);
    const shoff = Number(view.getBigUint64(40, true));
    const problems: string[] = [];
    for (let n = 0; n < good.length; n += good.length > 4000 ? 11 : 1) problems.push(...internal(good.slice(0, n)));
    const rnd = prng(12345);
    const started = Date.now();
    for (let i = 0; i < 1500; i++) {
      const b = good.slice();
      const flips = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < flips; k++) {
        const r = rnd();
        // Aim most changes at the header, the section headers and the tables they point to.
        const pos = r < 0.5 ? shoff + Math.floor(rnd() * (b.length - shoff)) : r < 0.6 ? Math.floor(rnd() * 64) : Math.floor(rnd() * b.length);
        b[pos] = rnd() < 0.3 ? 0xff : rnd() < 0.5 ? 0 : Math.floor(rnd() * 256);
      }
      problems.push(...internal(b));
      if (i % 5 === 0) {
        // Everything built on the reader must cope with what it returns.
        try {
          const obj = readObject(b);
          objectListing(b, obj, { relocations: true });
          objectSource(obj);
          writeObject(obj);
        } catch (e) {
          problems.push(`seed step ${i}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
