// The context struct table (core/ctx-layouts) against the UAPI headers: clang-19 -target bpf lays out
// each struct from /usr/include (linux/bpf.h, linux/bpf_perf_event.h, asm/ptrace.h) and dumps every
// member's offset; our table must list the same members at the same offsets and sizes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ctxElementAt, ctxElementNamed, PERF_EVENT_DATA, PT_REGS, SK_BUFF, SOCK, SOCK_ADDR, TCP_SOCK, XDP_MD, type CtxStruct,
} from '../core/ctx-layouts';

const haveClang = spawnSync('clang-19', ['--version']).status === 0;
if (!haveClang) console.warn('skipping the context layout check: clang-19 is not installed');

const ASM_INCLUDE = ['x86_64-linux-gnu', 'aarch64-linux-gnu'].map((d) => `/usr/include/${d}`)
  .find((d) => existsSync(join(d, 'asm', 'ptrace.h')));

const STRUCTS: readonly CtxStruct[] = [SK_BUFF, XDP_MD, PT_REGS, PERF_EVENT_DATA, SOCK_ADDR, SOCK, TCP_SOCK];

interface ClangField { name: string; offset: number; size: number; count?: number }
interface ClangStruct { size: number; fields: ClangField[] }

const SCALAR_SIZE: Record<string, number> = {
  __u8: 1, __u16: 2, __be16: 2, __u32: 4, __be32: 4, __s32: 4, __u64: 8, __s64: 8, 'unsigned long': 8,
};

/** pt_regs in the UAPI header names registers `rdi`, `rip`, `eflags`; the kernel (and so BPF programs) `di`, `ip`, `flags`. */
const kernelName = (struct: string, name: string): string =>
  struct !== 'pt_regs' ? name : name === 'eflags' ? 'flags' : name.replace(/r([a-z]{2})$/, '$1');

/** Reads clang's -fdump-record-layouts output: each named struct's direct members. */
function parseLayouts(dump: string): Map<string, ClangStruct> {
  const out = new Map<string, ClangStruct>();
  for (const block of dump.split('*** Dumping AST Record Layout')) {
    const lines = block.split('\n').filter((l) => l.includes('|'));
    const head = /^\s*0 \| struct (\w+)$/.exec(lines[0] ?? '');
    if (!head) continue;
    const sizeLine = lines.find((l) => l.includes('[sizeof='));
    const s: ClangStruct = { size: Number(/sizeof=(\d+)/.exec(sizeLine ?? '')?.[1]), fields: [] };
    for (let i = 1; i < lines.length; i++) {
      const m = /^\s*(\d+)(:\d+-\d+)? \|( +)(.*?)\s*$/.exec(lines[i]!);
      if (!m || m[3]!.length !== 3) continue; // only direct members
      const [, off, bits, , text] = m;
      if (bits) continue; // unnamed bit-field padding
      let decl = text!;
      if (decl.startsWith('union ')) {
        // __bpf_md_ptr(): an anonymous union of a pointer and a __u64; its first member names it
        decl = /^\s*\d+ \| +(.*?)\s*$/.exec(lines[i + 1]!)![1]!;
      }
      const d = /^(.*?)(?:\[(\d+)\])? \*?\s*(\w+)$/.exec(decl);
      if (!d) throw new Error(`cannot read clang's member line '${decl}'`);
      const [, type, count, name] = d;
      const size = decl.includes('*') ? 8 : SCALAR_SIZE[type!] ?? out.get(type!.replace(/^struct /, ''))?.size;
      s.fields.push({ name: kernelName(head[1]!, name!), offset: Number(off), size: size ?? NaN, ...(count ? { count: Number(count) } : {}) });
    }
    out.set(head[1]!, s);
  }
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'ctx-layouts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function clangLayouts(): Map<string, ClangStruct> {
  const src = join(work, 'layouts.c');
  writeFileSync(src, [
    '#include <linux/bpf.h>', '#include <linux/bpf_perf_event.h>', '#include <asm/ptrace.h>',
    ...STRUCTS.map((s, i) => `int size${i} = sizeof(struct ${s.name});`),
  ].join('\n'));
  const r = spawnSync('clang-19', ['-target', 'bpf', ...(ASM_INCLUDE ? ['-I', ASM_INCLUDE] : []), '-Xclang', '-fdump-record-layouts', '-fsyntax-only', src], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return parseLayouts(r.stdout);
}

describe.skipIf(!haveClang)('context struct layouts against clang-19 -target bpf', () => {
  const layouts = haveClang ? clangLayouts() : new Map<string, ClangStruct>();

  it.each(STRUCTS.map((s) => [s.name, s] as const))('struct %s has the UAPI members, offsets and size', (name, s) => {
    const c = layouts.get(name);
    expect(c, `clang laid out no struct ${name}`).toBeDefined();
    expect(s.size).toBe(c!.size);
    expect(s.fields.map(({ name, offset, size, count }) => ({ name, offset, size, ...(count ? { count } : {}) }))).toEqual(c!.fields);
  });

  it('finds every element of every field by offset and by name', () => {
    for (const s of STRUCTS) {
      for (const cf of layouts.get(s.name)!.fields) {
        for (let i = 0; i < (cf.count ?? 1); i++) {
          const offset = cf.offset + i * cf.size;
          expect(ctxElementAt(s, offset), `${s.name} +${offset}`).toMatchObject({ field: { name: cf.name }, index: i, offset, size: cf.size });
          if (cf.count) expect(ctxElementNamed(s, `${cf.name}[${i}]`)?.offset).toBe(offset);
        }
        expect(ctxElementNamed(s, cf.name)?.offset).toBe(cf.offset);
        if (cf.size > 1) expect(ctxElementAt(s, cf.offset + 1)).toBeUndefined();
      }
      expect(ctxElementAt(s, layouts.get(s.name)!.size)).toBeUndefined();
    }
    // the element spellings launch configurations and the VM's ctx fields have always taken
    expect(ctxElementNamed(SK_BUFF, 'cb4')?.offset).toBe(layouts.get('__sk_buff')!.fields.find((f) => f.name === 'cb')!.offset + 16);
    expect(ctxElementNamed(SK_BUFF, 'remote_ip6_3')?.offset).toBe(layouts.get('__sk_buff')!.fields.find((f) => f.name === 'remote_ip6')!.offset + 12);
    expect(ctxElementNamed(SK_BUFF, 'cb5')).toBeUndefined();
    expect(ctxElementNamed(SK_BUFF, 'mark0')).toBeUndefined();
  });
});
