// The assemble / disasm / convert / fmt commands, run in-process through main() and a few through
// a freshly bundled CLI, checked against llvm-mc-19, llvm-objdump-19 and clang-19.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { main } from '../cli/main';
import { helpText, parseArgs } from '../cli/args';
import type { CliIO } from '../cli/io';
import { parseDataFile } from '../core/asm/data-file';
import { readObject, writeObject } from '../core/elf';
import { ELF_SOURCES } from './elf-sources';
import { HAVE_CLANG, HAVE_LLVM, NO_CLANG_REASON, NO_LLVM_REASON, clangBpf, llvmMc, objdump } from './elf-tools';
import { CONFORMANCE_DIR } from './conformance-dir';

if (!HAVE_LLVM) console.warn(NO_LLVM_REASON);
if (!HAVE_CLANG) console.warn(NO_CLANG_REASON);

const CAN_LOAD = process.getuid?.() === 0 && spawnSync('bpftool', ['version']).status === 0;
if (!CAN_LOAD) console.warn('bpftool missing or not root: skipping libbpf loads of assembled objects');

const CONFORMANCE = CONFORMANCE_DIR;
const HAVE_CONFORMANCE = existsSync(CONFORMANCE);
if (!HAVE_CONFORMANCE) console.warn(`${CONFORMANCE} missing: skipping conformance-based CLI tests`);

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'bpf-asm-cli-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => { out += t; }, err: (t) => { err += t; } };
  const code = await main(argv, io);
  return { code, out, err };
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Our objects do not carry clang's CO-RE relocations (they live in its own .BTF.ext types). */
const withoutCoRe = (listing: string): string => listing.split('\n').filter((l) => !l.includes(':  CO-RE <')).join('\n');

/** llvm-objdump-19 output for a file on disk, exactly as printed (file name line included). */
function objdumpFile(path: string, flags: string[]): string {
  const r = spawnSync('llvm-objdump-19', [...flags, '--mcpu=v4', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

const C_PROGRAM = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } stats SEC(".maps");
static __noinline int classify(int len) { return len > 100 ? 2 : len > 60 ? 1 : 0; }
SEC("xdp") int count(struct xdp_md *ctx) {
  __u32 key = classify(ctx->data_end - ctx->data);
  __u64 *v = bpf_map_lookup_elem(&stats, &key);
  if (v) __sync_fetch_and_add(v, 1);
  for (int i = 0; i < 8; i++) if (ctx->rx_queue_index == i) return XDP_DROP;
  return XDP_PASS;
}
SEC("socket") int sock(struct __sk_buff *skb) { return classify(skb->len) * 64; }
char LICENSE[] SEC("license") = "GPL";
`;

/** CO-RE accesses of every relocation kind: fields, bitfields, arrays, unions, types, enums. */
const C_CORE = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
typedef unsigned int u32t;
enum color { RED = 1, GREEN = -2, BLUE = 7 };
enum big64 { HUGE = 0xffffffffffULL };
struct inner { int a; int b[4]; };
union un { int x; long y; };
struct s {
  int f1;
  unsigned int bf1 : 3, bf2 : 5;
  struct inner in[3];
  union un u;
  const volatile u32t cv;
  struct { int anon_field; };
} __attribute__((preserve_access_index));
typedef struct s s_t;
SEC("tp/x") int prog(void *ctx) {
  struct s *sp = (struct s *)ctx;
  long r = 0;
  r += BPF_CORE_READ_BITFIELD(sp, bf2);
  r += bpf_core_field_size(sp->in[1].b[2]);
  r += bpf_core_field_exists(sp->u.y);
  r += __builtin_preserve_field_info(sp->f1, BPF_FIELD_SIGNED);
  r += bpf_core_type_exists(struct inner);
  r += bpf_core_type_size(s_t);
  r += bpf_core_type_id_local(union un);
  r += bpf_core_type_id_kernel(struct s);
  r += bpf_core_enum_value_exists(enum color, GREEN);
  r += bpf_core_enum_value(enum color, BLUE);
  r += bpf_core_enum_value(enum big64, HUGE);
  r += bpf_core_type_matches(struct inner);
  r += BPF_CORE_READ(sp, cv);
  r += BPF_CORE_READ(sp, anon_field);
  r += bpf_core_field_offset(sp->in[2].a);
  return r;
}
char LICENSE[] SEC("license") = "GPL";
`;

describe('assemble', () => {
  for (const [name, source] of Object.entries(ELF_SOURCES)) {
    it.skipIf(!HAVE_LLVM)(`${name}: the object disassembles like llvm-mc's (-d -r)`, async () => {
      const input = file(`${name}.s`, source);
      const output = join(dir, `${name}.out.o`);
      const r = await cli('assemble', input, '-o', output, '--syntax', 'llvm');
      expect(r.code).toBe(0);
      expect(objdump(new Uint8Array(readFileSync(output)), ['-d', '-r'])).toBe(objdump(llvmMc(source), ['-d', '-r']));
    });
  }

  it.skipIf(!HAVE_CLANG || !HAVE_LLVM)('clang -S output of the C fixtures: our object disassembles like llvm-mc\'s; libbpf loads it', async () => {
    const fixtures = join(__dirname, 'fixtures/c');
    const names = readdirSync(fixtures).filter((f) => f.endsWith('.c'));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const asm = join(dir, name.replace(/\.c$/, '.clang.s'));
      const cc = spawnSync('clang-19', ['-target', 'bpf', '-D__TARGET_ARCH_x86', '-O2', '-g', '-I/usr/include/x86_64-linux-gnu', '-S', join(fixtures, name), '-o', asm], { encoding: 'utf8' });
      expect(cc.status).toBe(0);
      const ours = join(dir, name.replace(/\.c$/, '.clang-s.o'));
      const r = await cli('assemble', asm, '-o', ours);
      expect(r.err).toBe('');
      const theirs = llvmMc(readFileSync(asm, 'utf8'));
      expect(objdump(new Uint8Array(readFileSync(ours)), ['-d', '-r'])).toBe(withoutCoRe(objdump(theirs, ['-d', '-r'])));
      // (calls_globals.c has a global subprogram and a bpf_loop callback: the kernel wants BTF
      // func_info for those, and gets it.) Ours must load wherever clang's own object loads.
      if (!CAN_LOAD) continue;
      const pins = `/sys/fs/bpf/bpf_asm_cli_test_${process.pid}_${name.replace(/\W/g, '_')}`;
      const load = (obj: string, dirName: string) => {
        mkdirSync(`${pins}/${dirName}`, { recursive: true });
        return spawnSync('bpftool', ['prog', 'loadall', obj, `${pins}/${dirName}/progs`], { encoding: 'utf8' });
      };
      try {
        const clangObj = file(name.replace(/\.c$/, '.clang-c.o'), clangBpf(readFileSync(join(fixtures, name), 'utf8')));
        if (load(clangObj, 'clang').status !== 0) {
          console.warn(`${name}: libbpf does not load clang's own object either; not loading ours`);
          continue;
        }
        const result = load(ours, 'ours');
        expect(result.status, `${name}: ${result.stderr}`).toBe(0);
        expect(result.stderr).not.toMatch(/libbpf:/); // no complaints about our BTF
        expect(readdirSync(`${pins}/ours/progs`).sort()).toEqual(readdirSync(`${pins}/clang/progs`).sort());
      } finally {
        rmSync(pins, { recursive: true, force: true });
      }
    }
  });

  it.skipIf(!CAN_LOAD)('libbpf loads a hand-written object: a label at the entry, a static subprogram, a map', async () => {
    // No .globl or .type: the label at the start of the section is taken for the program's entry.
    const source = [
      '\t.section xdp,"ax",@progbits', 'prog:', 'start:',
      '\tr1 = 0', '\t*(u32 *)(r10 - 4) = r1', '\tr2 = r10', '\tr2 += -4', '\tr1 = hits ll', '\tcall 1',
      '\tr1 = 5', '\tcall twice', '\tr0 = 2', '\texit',
      // libbpf takes bpf-to-bpf calls only into .text
      '\t.text', 'twice:', '\tr0 = r1', '\tr0 += r1', '\texit',
      '\t.map hits, type=array, key=4, value=8, max_entries=1',
      '\t.section license,"aw",@progbits', '\t.asciz "GPL"', '',
    ].join('\n');
    const obj = join(dir, 'hand.o');
    const input = file('hand.s', source);
    expect((await cli('assemble', input, '-o', obj)).code).toBe(0);
    // The object maps its instructions back to hand.s, line and text, in .BTF.ext line_info.
    const lineInfo = readObject(new Uint8Array(readFileSync(obj))).lineInfo;
    expect(lineInfo.length).toBeGreaterThan(5);
    const lines = source.split('\n');
    for (const l of lineInfo) {
      expect(l.file).toBe(input);
      expect(l.text).toBe(lines[l.line - 1]!.trim());
    }
    expect(lineInfo.find((l) => l.section === 'xdp' && l.offset === 0)?.text).toBe('r1 = 0');
    const pins = `/sys/fs/bpf/bpf_asm_cli_hand_${process.pid}`;
    mkdirSync(pins);
    try {
      const load = spawnSync('bpftool', ['prog', 'loadall', obj, `${pins}/progs`, 'pinmaps', `${pins}/maps`], { encoding: 'utf8' });
      expect(load.status, load.stderr).toBe(0);
      expect(readdirSync(`${pins}/progs`)).toEqual(['prog']);
      expect(readdirSync(`${pins}/maps`)).toEqual(['hits']);
    } finally {
      rmSync(pins, { recursive: true, force: true });
    }
  });

  it.skipIf(!HAVE_LLVM || !HAVE_CONFORMANCE)('mnemonic conformance programs assemble to the bytes llvm-mc gives their LLVM conversion', async () => {
    const names = readdirSync(CONFORMANCE).filter((f) => f.endsWith('.data')).sort();
    let compared = 0;
    const mismatches: string[] = [];
    for (const name of names.filter((_, i) => i % 7 === 0)) {
      const data = parseDataFile(readFileSync(join(CONFORMANCE, name), 'utf8'));
      if (!data.asm || data.error !== undefined || data.raw) continue;
      const src = file(`${name}.asm`, data.asm.text);
      const bin = join(dir, `${name}.bin`);
      const assembled = await cli('assemble', join(CONFORMANCE, name), '--raw', '-o', bin);
      if (assembled.code !== 0) continue; // not ours to judge: the mnemonic parser's own tests cover these
      const converted = await cli('convert', src, '--to', 'llvm', '--from', 'mnemonic');
      expect(converted.code).toBe(0);
      let theirs: Uint8Array;
      try {
        theirs = llvmMc('\t.text\n' + converted.out);
      } catch {
        continue; // llvm-mc cannot express some mnemonic forms (such as numeric local calls)
      }
      compared++;
      const text = readObject(theirs).sections.find((s) => s.name === '.text');
      const expected = text ? theirs.subarray(text.offset, text.offset + text.size) : new Uint8Array(0);
      if (Buffer.compare(readFileSync(bin), Buffer.from(expected)) !== 0) mismatches.push(name);
    }
    console.log(`conformance: ${compared} programs compared with llvm-mc`);
    expect(compared).toBeGreaterThan(25);
    expect(mismatches).toEqual([]);
  });

  it('a .data file is assembled from its -- asm section; errors point into the whole file', async () => {
    const path = file('case.data', '# a comment\n-- asm\nmov %r0, 1\n  bogus %r1\nexit\n-- result\n0x1\n');
    const r = await cli('assemble', path, '--raw');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:3: error: `, 'm'));
    const good = file('good.data', '-- asm\nmov %r0, 1\nexit\n-- result\n0x1\n');
    expect((await cli('assemble', good, '--raw')).code).toBe(0);
    expect([...readFileSync(join(dir, 'good.bin'))]).toEqual([0xb7, 0, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('fmt and convert touch only the -- asm section of a .data file', async () => {
    const text = '# licence line\n-- asm\n  mov32 %r0,   0\nadd32 %r0,1\n  exit\n-- result\n0x1\n';
    const path = file('touch.data', text);
    const formatted = await cli('fmt', path);
    expect(formatted.code).toBe(0);
    expect(formatted.out).toBe('# licence line\n-- asm\n\tmov32 %r0, 0\n\tadd32 %r0, 1\n\texit\n-- result\n0x1\n');
    const llvm = await cli('convert', path, '--to', 'llvm');
    expect(llvm.code).toBe(0);
    expect(llvm.out.startsWith('# licence line\n-- asm\n')).toBe(true);
    expect(llvm.out.endsWith('-- result\n0x1\n')).toBe(true);
    // Both spellings of the program assemble to the same bytes.
    await cli('assemble', '--raw', path, '-o', join(dir, 'touch1.bin'));
    await cli('assemble', '--raw', file('touch-llvm.data', llvm.out), '-o', join(dir, 'touch2.bin'));
    expect(readFileSync(join(dir, 'touch2.bin'))).toEqual(readFileSync(join(dir, 'touch1.bin')));
  });

  it.skipIf(!HAVE_LLVM)('--raw writes the program bytes llvm-mc puts in the section', async () => {
    const source = ELF_SOURCES['alu-and-memory']!;
    const input = file('raw.s', source);
    const r = await cli('assemble', '--raw', input);
    expect(r.code).toBe(0);
    const raw = new Uint8Array(readFileSync(join(dir, 'raw.bin')));
    const listing = objdump(llvmMc(source), ['-d']);
    const hex = [...listing.matchAll(/^\s+\d+:\t([0-9a-f ]+)\t/gm)].map((m) => m[1]!.trim()).join(' ');
    expect([...raw].map((b) => b.toString(16).padStart(2, '0')).join(' ')).toBe(hex);
  });

  it('--raw --section picks a program; an unknown one is a usage error', async () => {
    const input = file('two.s', ELF_SOURCES['many-sections']!);
    const out = join(dir, 'two.bin');
    const r = await cli('assemble', '--raw', '--section', 'lsm/file_open', input, '-o', out);
    expect(r.code).toBe(0);
    expect(readFileSync(out).length).toBe(4 * 8); // ld_imm64 (2 slots), call, exit
    expect(r.err).toMatch(/2 relocation\(s\) in 'lsm\/file_open' are left unresolved/); // ld_imm64 and call of 'shared'
    const bad = await cli('assemble', '--raw', '--section', 'nope', input, '-o', out);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/no program 'nope'.*lsm\/file_open/);
  });

  it.skipIf(!HAVE_LLVM)('errors print as FILE:LINE:COL at the line llvm-mc reports, exit 1, write nothing', async () => {
    const source = '\t.text\n\tr0 = 1\n\tr0 = foo bar\n\texit\n';
    const input = file('bad.s', source);
    const r = await cli('assemble', input);
    expect(r.code).toBe(1);
    expect(existsSync(join(dir, 'bad.o'))).toBe(false);
    const ours = /^(.*):(\d+):(\d+): error: (.+)$/m.exec(r.err);
    expect(ours).not.toBeNull();
    expect(ours![1]).toBe(input);
    const theirs = spawnSync('llvm-mc-19', ['-triple', 'bpfel', '-filetype=obj', input, '-o', '/dev/null'], { encoding: 'utf8' });
    const m = /:(\d+):(\d+): error:/.exec(theirs.stderr);
    expect(m).not.toBeNull();
    expect(ours![2]).toBe(m![1]);
  });

  it('--json reports programs, maps and 1-based diagnostics', async () => {
    const src = file('j.s', '\t.section xdp,"ax",@progbits\nprog:\n\tr1 = counts ll\n\tr0 = 0\n\texit\n\t.map counts, type=hash, key=4, value=8, max_entries=16\n');
    const r = await cli('assemble', src, '--json', '-o', join(dir, 'j.o'));
    const report = JSON.parse(r.out);
    expect(report.files).toHaveLength(1);
    const f = report.files[0];
    expect(r.code).toBe(0);
    expect(f.file).toBe(src);
    expect(f.output).toBe(join(dir, 'j.o'));
    expect(f.maps).toEqual([{ name: 'counts', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 16, flags: 0 }]);
    expect(f.programs[0]).toMatchObject({ section: 'xdp', progType: 'xdp', slots: 4 });
    expect(f.programs[0].relocations).toEqual([{ slot: 0, symbol: 'counts', kind: 'imm64' }]);
    const legacy = await cli('assemble', src, '--maps', 'legacy', '-o', join(dir, 'j-legacy.o'));
    expect(legacy.code).toBe(0);
    const back = readObject(new Uint8Array(readFileSync(join(dir, 'j-legacy.o'))));
    expect(back.sections.map((x) => x.name)).toContain('maps');
    expect(back.maps).toEqual(f.maps);
    const bad = await cli('assemble', file('j2.s', 'r0 = 1\nexit\n  nonsense here\n'), '--json');
    expect(bad.code).toBe(1);
    const d = JSON.parse(bad.out).files[0].diagnostics;
    expect(d[0]).toMatchObject({ severity: 'error', line: 3, column: 3 });
    expect(JSON.parse(bad.out).files[0].output).toBeNull();
  });
});

describe('disasm', () => {
  it.skipIf(!HAVE_CLANG || !HAVE_LLVM)('prints exactly what llvm-objdump -d (and -d -r) prints for a clang object', async () => {
    const obj = file('clang.o', clangBpf(C_PROGRAM));
    for (const flags of [['-d'], ['-d', '-r'], ['-d', '-j', 'xdp'], ['-d', '-r', '-j', '.text']]) {
      const r = await cli('disasm', obj, ...flags.slice(1));
      expect(r.code).toBe(0);
      expect(r.out).toBe(objdumpFile(obj, flags));
    }
    expect((await cli('disasm', obj, '-j', 'nope')).err).toMatch(/no section 'nope'/);
  });

  it.skipIf(!HAVE_CLANG || !HAVE_LLVM)('matches llvm-objdump -d -r on the clang fixtures, and their rewritten objects too', async () => {
    const fixtures = join(__dirname, 'fixtures/c');
    const sources = readdirSync(fixtures).filter((f) => f.endsWith('.c'));
    expect(sources.length).toBeGreaterThan(0);
    for (const name of sources) {
      const bytes = clangBpf(readFileSync(join(fixtures, name), 'utf8'));
      const obj = file(name.replace(/\.c$/, '.o'), bytes);
      const r = await cli('disasm', '-r', obj);
      expect(r.err).toBe('');
      expect(r.out).toBe(objdumpFile(obj, ['-d', '-r']));
      const rewritten = file(name.replace(/\.c$/, '.rw.o'), writeObject(readObject(bytes)));
      expect(objdump(new Uint8Array(readFileSync(rewritten)), ['-d', '-r'])).toBe(withoutCoRe(objdump(bytes, ['-d', '-r'])));
    }
  });

  it.skipIf(!HAVE_CLANG || !HAVE_LLVM)('--source gives assembly that assembles back to the clang object', async () => {
    const fixtures = join(__dirname, 'fixtures/c');
    const sources = [C_PROGRAM, ...readdirSync(fixtures).filter((f) => f.endsWith('.c')).map((f) => readFileSync(join(fixtures, f), 'utf8'))];
    for (const [i, c] of sources.entries()) {
      const bytes = clangBpf(c);
      const obj = file(`src${i}.o`, bytes);
      const listed = await cli('disasm', '--source', obj);
      expect(listed.code).toBe(0);
      const again = join(dir, `src${i}.again.o`);
      const assembled = await cli('assemble', file(`src${i}.s`, listed.out), '-o', again);
      expect(assembled.err).toBe('');
      const rebuilt = new Uint8Array(readFileSync(again));
      expect(objdump(rebuilt, ['-d', '-r'])).toBe(withoutCoRe(objdump(bytes, ['-d', '-r'])));
      if (i === 0) {
        // clang's line info comes along as comments naming the C line.
        const lineNo = C_PROGRAM.split('\n').findIndex((l) => l.includes('__sync_fetch_and_add')) + 1;
        expect(listed.out).toContain(`\t# in.c:${lineNo}: if (v) __sync_fetch_and_add(v, 1);\n`);
      }
      const [a, b] = [readObject(bytes), readObject(rebuilt)];
      expect(b.maps).toEqual(a.maps);
      expect(b.license).toBe(a.license);
      expect(b.data.map((d) => [d.name, [...d.bytes]])).toEqual(a.data.map((d) => [d.name, [...d.bytes]]));
    }
  });

  it.skipIf(!HAVE_LLVM)('prints exactly what llvm-objdump prints for llvm-mc objects, several at once', async () => {
    const paths = Object.entries(ELF_SOURCES).map(([name, src]) => file(`${name}.mc.o`, llvmMc(src)));
    const r = await cli('disasm', '-r', ...paths);
    expect(r.code).toBe(0);
    expect(r.out).toBe(paths.map((p) => objdumpFile(p, ['-d', '-r'])).join(''));
  });

  it.skipIf(!HAVE_LLVM)('lists raw bytes like objdump -d -z lists the same bytes in .text', async () => {
    const source = '\t.text\n' + ELF_SOURCES['alu-and-memory']!.split('\n').filter((l) => !/section|globl|type|ingress:/.test(l)).join('\n');
    const listing = objdump(llvmMc(source), ['-d', '-z']);
    await cli('assemble', '--raw', file('plain.s', source), '-o', join(dir, 'plain.bin'));
    const r = await cli('disasm', join(dir, 'plain.bin'));
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(listing.trim());
  });

  it.skipIf(!HAVE_CLANG || !HAVE_LLVM)('-r prints every kind of CO-RE relocation as llvm-objdump does', async () => {
    const obj = file('core.o', clangBpf(C_CORE));
    const r = await cli('disasm', '-r', obj);
    expect(r.code).toBe(0);
    const theirs = objdumpFile(obj, ['-d', '-r']);
    expect(theirs.match(/CO-RE/g)!.length).toBeGreaterThan(15);
    expect(r.out).toBe(theirs);
    const source = await cli('disasm', '--source', obj);
    expect(source.err).toMatch(/core\.o: warning: \d+ CO-RE relocation\(s\) are not kept in the source/);
  });

  it.skipIf(!HAVE_CLANG)('--json lists each section with the same instruction text', async () => {
    const obj = file('clang2.o', clangBpf(C_PROGRAM));
    const text = await cli('disasm', obj);
    const json = JSON.parse((await cli('disasm', obj, '--json')).out);
    const f = json.files[0];
    expect(f.format).toBe('elf');
    expect(f.license).toBe('GPL');
    expect(f.maps).toEqual([{ name: 'stats', type: 'array', keySize: 4, valueSize: 8, maxEntries: 4, flags: 0 }]);
    expect(f.sections.map((s: { name: string }) => s.name)).toEqual(['.text', 'xdp', 'socket']);
    const fromJson = f.sections.flatMap((s: { instructions: { text: string; target?: string }[] }) =>
      s.instructions.map((i) => i.text + (i.target ? ` <${i.target}>` : '')));
    const fromText = [...text.out.matchAll(/^\s+\d+:\t[0-9a-f ]+\t(.*)$/gm)].map((m) => m[1]);
    expect(fromJson).toEqual(fromText);
    const xdp = f.sections.find((s: { name: string }) => s.name === 'xdp');
    expect(xdp.progType).toBe('xdp');
    expect(xdp.instructions.some((i: { relocation?: { symbol: string } }) => i.relocation?.symbol === 'stats')).toBe(true);
    const lines = C_PROGRAM.split('\n');
    const withSource = xdp.instructions.filter((i: { source?: unknown }) => i.source);
    expect(withSource.length).toBeGreaterThan(3);
    for (const i of withSource) expect(i.source.text).toBe(lines[i.source.line - 1]);
  });

  it('--syntax mnemonic prints instructions the mnemonic parser reads back to the same bytes', async () => {
    const obj = join(dir, 'm.o');
    await cli('assemble', file('m.s', ELF_SOURCES['alu-and-memory']!), '-o', obj);
    const r = await cli('disasm', '--syntax', 'mnemonic', obj);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\tmov %r0, 1\n/);
    expect(r.out).toMatch(/\tldxdw %r0, \[%r1\+8\]\n/);
    const rows = [...r.out.matchAll(/^\s+\d+:\t([0-9a-f ]+)\t(.*?)( <[^>]*>)?$/gm)];
    expect(rows.length).toBeGreaterThan(50);
    const again = await cli('assemble', '--raw', '--syntax', 'mnemonic', file('m2.s', rows.map((m) => m[2]).join('\n') + '\n'), '-o', join(dir, 'm2.bin'));
    expect(again.err).toBe('');
    const hex = rows.map((m) => m[1]!.trim()).join(' ');
    expect([...readFileSync(join(dir, 'm2.bin'))].map((b) => b.toString(16).padStart(2, '0')).join(' ')).toBe(hex);
  });

  it.skipIf(!HAVE_CLANG)('--syntax mnemonic names what relocations reach (maps, static functions)', async () => {
    const obj = file('clang-mn.o', clangBpf(C_PROGRAM));
    const r = await cli('disasm', '--syntax', 'mnemonic', obj);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\tlddw %r1, stats\n/);
    expect(r.out).toMatch(/\tcall local classify\n/);
  });

  it('reports a malformed object with exit 1', async () => {
    await cli('assemble', file('cut.s', ELF_SOURCES['alu-and-memory']!), '-o', join(dir, 'whole.o'));
    const good = new Uint8Array(readFileSync(join(dir, 'whole.o')));
    const r = await cli('disasm', file('cut.o', good.slice(0, good.length - 64)));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cut\.o: error: section header table is truncated/);
    const empty = await cli('disasm', file('empty.bin', new Uint8Array(0)));
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/empty\.bin: error: the file is empty/);
  });
});

describe('convert and fmt', () => {
  it.skipIf(!HAVE_LLVM)('LLVM -> mnemonic -> LLVM keeps every instruction (llvm-mc assembles both the same)', async () => {
    for (const name of ['alu-and-memory', 'v4-instructions', 'labels-and-branches']) {
      const source = ELF_SOURCES[name]!;
      const m = await cli('convert', file(`${name}.llvm.s`, source), '--to', 'mnemonic');
      expect(m.code).toBe(0);
      const back = await cli('convert', file(`${name}.mn.s`, m.out), '--to', 'llvm');
      expect(back.code).toBe(0);
      expect(objdump(llvmMc(back.out), ['-d'])).toBe(objdump(llvmMc(source), ['-d']));
    }
  });

  it.skipIf(!HAVE_LLVM)('fmt output assembles (in llvm-mc) to the same object; --check and --write agree', async () => {
    const messy = '  .section  xdp,"ax",@progbits\n prog:   r0=1 # one\nif r0>3 goto   out\n   r1 +=r0\nout:  exit\n';
    const path = file('messy.s', messy);
    const printed = await cli('fmt', path);
    expect(printed.code).toBe(0);
    expect(printed.out).not.toBe(messy);
    expect(objdump(llvmMc(printed.out), ['-d'])).toBe(objdump(llvmMc(messy), ['-d']));
    expect((await cli('fmt', '--check', path)).code).toBe(1);
    expect((await cli('fmt', '--write', path)).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(printed.out);
    const check = await cli('fmt', '--check', path);
    expect(check).toEqual({ code: 0, out: '', err: '' });
    const messy2 = file('messy2.s', messy);
    expect(JSON.parse((await cli('fmt', '--json', path, messy2)).out)).toEqual({
      files: [
        { file: path, formatted: true, changed: false, errors: 0 },
        { file: messy2, formatted: false, changed: false, errors: 0 },
      ],
    });
    const converted = JSON.parse((await cli('convert', '--json', '--to', 'mnemonic', path)).out).files[0];
    expect(converted).toMatchObject({ file: path, from: 'llvm', to: 'mnemonic', diagnostics: [] });
    expect(converted.text).toMatch(/\tmov %r0, 1/);
  });
});

describe('the shared argument parser', () => {
  const spec = {
    usage: 'x FILE...',
    options: {
      output: { type: 'string', short: 'o', help: 'out' },
      syntax: { type: 'string', values: ['llvm', 'mnemonic'], help: 's' },
      json: { type: 'boolean', help: 'j' },
    },
  } as const;

  it('reads --name value, --name=value, -xVALUE, -x VALUE, -- and - (stdin)', () => {
    expect(parseArgs(['a', '--syntax=llvm', '-oout.o', '--json', '-', '--', '--json'], spec)).toEqual({
      options: { syntax: 'llvm', output: 'out.o', json: true }, positionals: ['a', '-', '--json'], help: false,
    });
    expect(parseArgs(['-o', 'x', 'y'], spec).options.output).toBe('x');
    expect(parseArgs(['-h'], { ...spec, minPositionals: 1 }).help).toBe(true);
  });

  it('rejects repeated values and too many positionals', () => {
    expect(() => parseArgs(['-o', 'a', '--output', 'b'], spec)).toThrow(/given twice/);
    expect(() => parseArgs(['a', 'b'], { ...spec, maxPositionals: 1 })).toThrow(/unexpected argument 'b'/);
  });

  it('help text lists every option with its values', () => {
    const text = helpText(spec);
    expect(text).toMatch(/^usage: bpf-asm x FILE\.\.\./);
    expect(text).toMatch(/-o, --output VALUE\s+out/);
    expect(text).toMatch(/--syntax llvm\|mnemonic\s+s/);
  });
});

describe('argument errors exit 2 with a clear message', () => {
  const cases: [string[], RegExp][] = [
    [['assemble'], /missing input file/],
    [['assemble', '/nonexistent/x.s'], /cannot read '\/nonexistent\/x.s': no such file/],
    [['assemble', 'a.s', '--bogus'], /unknown option '--bogus'/],
    [['assemble', 'a.s', '--syntax', 'intel'], /'--syntax' must be one of llvm, mnemonic \(got 'intel'\)/],
    [['assemble', 'a.s', 'b.s', '-o', 'x.o'], /'-o' needs exactly one input file/],
    [['assemble', 'a.s', '-o'], /option '-o' needs a value/],
    [['disasm', '-q', 'x.o'], /unknown option '-q'/],
    [['convert', 'a.s'], /missing '--to llvm\|mnemonic'/],
    [['fmt', '--check', '--write', 'a.s'], /cannot be used together/],
    [['disasm', '--json=yes', 'x.o'], /'--json' takes no value/],
  ];
  for (const [argv, message] of cases) {
    it(argv.join(' '), async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    });
  }

  it('an object or binary file given as assembly', async () => {
    const obj = file('given.o', writeObject({ programs: [], maps: [], data: [], diagnostics: [] }));
    const asObject = await cli('assemble', obj);
    expect(asObject.code).toBe(2);
    expect(asObject.err).toMatch(/is an ELF object, not assembly text \(list it with 'bpf-asm disasm'\)/);
    const bin = file('given.bin', new Uint8Array([0xb7, 0, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]));
    for (const command of ['assemble', 'fmt']) {
      const r = await cli(command, bin);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/given\.bin' is a binary file, not assembly text/);
    }
  });

  it('--help prints the options and the JSON schema, exit 0', async () => {
    for (const name of ['assemble', 'disasm', 'convert', 'fmt']) {
      const r = await cli(name, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^usage: bpf-asm ${name} `));
      expect(r.out).toMatch(/--json/);
    }
  });
});

const DIST_CLI = join(__dirname, '../dist/cli.js');
if (!existsSync(DIST_CLI)) console.warn('dist/cli.js not built (npm run build): skipping its spawn test');

describe('dist/cli.js (as npm run build makes it)', () => {
  it.skipIf(!existsSync(DIST_CLI) || !HAVE_LLVM)('assembles and disassembles like llvm-mc and llvm-objdump', () => {
    const input = file('dist.s', ELF_SOURCES['data-references']!);
    const out = join(dir, 'dist.o');
    const r = spawnSync(process.execPath, [DIST_CLI, 'assemble', input, '-o', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(objdump(new Uint8Array(readFileSync(out)), ['-d', '-r'])).toBe(objdump(llvmMc(ELF_SOURCES['data-references']!), ['-d', '-r']));
    const d = spawnSync(process.execPath, [DIST_CLI, 'disasm', '-r', out], { encoding: 'utf8' });
    expect(d.status).toBe(0);
    expect(d.stdout).toBe(objdumpFile(out, ['-d', '-r']));
    expect(spawnSync(process.execPath, [DIST_CLI, 'disasm'], { encoding: 'utf8' }).status).toBe(2);
  });
});

describe('the bundled CLI', () => {
  let bundle = '';
  beforeAll(async () => {
    bundle = join(dir, 'cli.js');
    await build({
      entryPoints: [join(__dirname, '../cli/main.ts')], outfile: bundle, bundle: true, platform: 'node',
      target: 'node18', format: 'cjs', external: ['koffi'], logLevel: 'silent',
    });
  });
  const node = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8' });

  it.skipIf(!HAVE_LLVM)('assemble writes FILE.o next to FILE, and disasm prints what llvm-objdump prints', () => {
    const input = file('spawn.s', ELF_SOURCES['functions-and-subprograms']!);
    const r = node('assemble', input);
    expect(r.status).toBe(0);
    const obj = join(dir, 'spawn.o');
    expect(objdump(new Uint8Array(readFileSync(obj)), ['-d', '-r']))
      .toBe(objdump(llvmMc(ELF_SOURCES['functions-and-subprograms']!), ['-d', '-r']));
    const d = node('disasm', obj);
    expect(d.status).toBe(0);
    expect(d.stdout).toBe(objdumpFile(obj, ['-d']));
  });

  it.skipIf(!HAVE_LLVM)('reads standard input as -, which needs -o', () => {
    const source = ELF_SOURCES['labels-and-branches']!;
    const out = join(dir, 'stdin.o');
    const r = spawnSync(process.execPath, [bundle, 'assemble', '-', '-o', out], { input: source, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(objdump(new Uint8Array(readFileSync(out)), ['-d', '-r'])).toBe(objdump(llvmMc(source), ['-d', '-r']));
    const noOut = spawnSync(process.execPath, [bundle, 'assemble', '-'], { input: source, encoding: 'utf8' });
    expect(noOut.status).toBe(2);
    expect(noOut.stderr).toMatch(/reading standard input needs '-o OUT'/);
  });

  it('exit codes: 1 for a source error (on stderr), 2 for an unknown command or option', () => {
    const bad = node('assemble', file('spawn-bad.s', 'r0 = 1\nr0 = = 2\nexit\n'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/spawn-bad\.s:2:\d+: error: /);
    expect(node('frobnicate').status).toBe(2);
    const opt = node('disasm', '--nope');
    expect(opt.status).toBe(2);
    expect(opt.stderr).toMatch(/bpf-asm disasm: unknown option '--nope'/);
  });
});
