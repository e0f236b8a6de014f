// bpf_helper_defs.h parser, bundled table and header locator. Oracle: clang-19's AST of the real
// libbpf header (each declaration's type and id), and the header text itself.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normaliseCType, parseHelperDefs } from '../core/helpers/defs-parser';
import { findHelperDefs, loadHelperDocs, SYSTEM_HELPER_DEFS } from '../core/helpers/locate';
import { allHelpers, HELPER_COUNT, helperById, helperByName, helperName } from '../core/helpers/table';

const HEADER = SYSTEM_HELPER_DEFS;
const haveHeader = existsSync(HEADER);
if (!haveHeader) console.warn(`helpers-defs: ${HEADER} missing (install libbpf-dev); real-header tests skipped`);

function clangAvailable(): boolean {
  try {
    execFileSync('clang-19', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const haveClang = haveHeader && clangAvailable();
if (haveHeader && !haveClang) console.warn('helpers-defs: clang-19 not found; AST comparison skipped');

interface AstHelper { name: string; type: string; id: number }

/** Every `bpf_*` variable of the header as clang sees it: its C type and the constant it is set to. */
function clangHelpers(): AstHelper[] {
  const dir = mkdtempSync(join(tmpdir(), 'helpers-ast-'));
  try {
    const src = join(dir, 'h.c');
    writeFileSync(src, '#include <linux/types.h>\n#include <bpf/bpf_helper_defs.h>\n');
    const arch = execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).trim() || 'x86_64-linux-gnu';
    const json = execFileSync('clang-19', ['-target', 'bpf', `-I/usr/include/${arch}`, '-fsyntax-only', '-Xclang', '-ast-dump=json', src], {
      encoding: 'utf8', maxBuffer: 1 << 28,
    });
    const ast = JSON.parse(json) as { inner: Array<{ kind: string; name?: string; type?: { qualType: string }; inner?: unknown[] }> };
    const literal = (n: unknown): number | undefined => {
      const node = n as { kind?: string; value?: string; inner?: unknown[] };
      if (node.kind === 'IntegerLiteral') return Number(node.value);
      for (const c of node.inner ?? []) {
        const v = literal(c);
        if (v !== undefined) return v;
      }
      return undefined;
    };
    return ast.inner
      .filter((d) => d.kind === 'VarDecl' && d.name?.startsWith('bpf_'))
      .map((d) => ({ name: d.name!, type: d.type!.qualType, id: literal(d)! }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Our parse rendered the way clang prints a pointer-to-function type. */
const asClangType = (h: { returnType: string; params: { type: string }[]; variadic: boolean }): string => {
  const params = h.params.map((p) => p.type);
  if (h.variadic) params.push('...');
  const list = params.length ? params.join(', ') : 'void';
  return `${h.returnType}(*)(${list})`.replace(/\s+/g, '');
};

describe('parseHelperDefs on the real header', () => {
  const text = haveHeader ? readFileSync(HEADER, 'utf8') : '';
  const parsed = parseHelperDefs(text);

  it.skipIf(!haveHeader)('finds 211 helpers with ids 1..211 in order', () => {
    expect(parsed.length).toBe(211);
    expect(parsed.map((h) => h.id)).toEqual(Array.from({ length: 211 }, (_, i) => i + 1));
    // Independent count: declarations ending in `= (void *) N;`.
    expect(text.match(/=\s*\(void \*\)\s*\d+;/g)?.length).toBe(parsed.length);
  });

  it.skipIf(!haveClang)('matches clang-19 AST: name, id, return and parameter types of every helper', () => {
    const ast = clangHelpers();
    expect(ast.length).toBe(parsed.length);
    const byName = new Map(parsed.map((h) => [h.name, h]));
    const mismatches: string[] = [];
    for (const a of ast) {
      const h = byName.get(a.name);
      if (!h) mismatches.push(`${a.name}: not parsed`);
      else if (h.id !== a.id) mismatches.push(`${a.name}: id ${h.id} vs clang ${a.id}`);
      else if (asClangType(h) !== a.type.replace(/\s+/g, '')) mismatches.push(`${a.name}: ${asClangType(h)} vs clang ${a.type}`);
    }
    expect(mismatches).toEqual([]);
  });

  it.skipIf(!haveHeader)('takes parameter names and doc text from the header', () => {
    const lookup = parsed.find((h) => h.name === 'bpf_map_lookup_elem')!;
    expect(lookup.params.map((p) => p.name)).toEqual(['map', 'key']);
    expect(lookup.signature).toBe('void *bpf_map_lookup_elem(void *map, const void *key)');
    expect(lookup.description).toContain('Perform a lookup in *map*');
    expect(lookup.returns).toMatch(/^Map value associated to \*key\*/);
    expect(lookup.description).not.toMatch(/^\s*\*/m);
    // Every parameter name appears in its declaration line in the header.
    for (const h of parsed) {
      const line = text.split('\n').find((l) => l.includes(`${h.name})(`))!;
      for (const p of h.params) expect(line, h.name).toMatch(new RegExp(`\\b${p.name}\\b`));
      expect(h.description.length, h.name).toBeGreaterThan(0);
      expect(h.returns.length, h.name).toBeGreaterThan(0);
    }
    const printk = parsed.find((h) => h.name === 'bpf_trace_printk')!;
    expect(printk.variadic).toBe(true);
    expect(printk.signature).toBe('long bpf_trace_printk(const char *fmt, __u32 fmt_size, ...)');
  });
});

describe('parseHelperDefs on synthetic snippets', () => {
  it('reads the libbpf 1.1 style, the `* const` style and pointer returns', () => {
    const text = [
      '/*',
      ' * bpf_ktime_get_ns',
      ' *',
      ' * \tReturn the time.',
      ' *',
      ' * Returns',
      ' * \tCurrent *ktime*.',
      ' */',
      'static __u64 (*bpf_ktime_get_ns)(void) = (void *) 5;',
      '',
      'static long (* const bpf_x)(struct __sk_buff *skb, __u32 len,',
      '\t\t__u64 flags) = (void *) 38;',
      'static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) 1;',
      'static struct bpf_sock *(* const bpf_sk_fullsock)(struct bpf_sock *sk) = (void *) 95;',
    ].join('\n');
    const h = parseHelperDefs(text);
    expect(h.map((x) => [x.id, x.name, x.returnType])).toEqual([
      [5, 'bpf_ktime_get_ns', '__u64'],
      [38, 'bpf_x', 'long'],
      [1, 'bpf_map_lookup_elem', 'void *'],
      [95, 'bpf_sk_fullsock', 'struct bpf_sock *'],
    ]);
    expect(h[0].params).toEqual([]);
    expect(h[0].description).toBe('Return the time.');
    expect(h[0].returns).toBe('Current *ktime*.');
    expect(h[1].params).toEqual([
      { type: 'struct __sk_buff *', name: 'skb' }, { type: '__u32', name: 'len' }, { type: '__u64', name: 'flags' },
    ]);
    expect(h[1].signature).toBe('long bpf_x(struct __sk_buff *skb, __u32 len, __u64 flags)');
    expect(h[1].description).toBe('');
    expect(h[3].signature).toBe('struct bpf_sock *bpf_sk_fullsock(struct bpf_sock *sk)');
  });

  it('names unnamed parameters, keeps function-pointer and array parameters', () => {
    const [h] = parseHelperDefs('static long (*bpf_y)(void *, long (*cb)(void *ctx), char buf[16]) = (void *) 7;');
    expect(h.params).toEqual([
      { type: 'void *', name: 'arg1' },
      { type: 'long (*)(void *ctx)', name: 'cb' },
      { type: 'char *', name: 'buf' },
    ]);
  });

  it('never throws on garbage and skips what is not a helper', () => {
    const samples = [
      '', 'static', 'static long (*bpf_a)(void) = (void *)', 'static int x = 5;', '/* unterminated',
      'static long (*bpf_b)(void) = (void *) 99999999999999999999;', '\u0000\uffff'.repeat(100),
      'static long (*bpf_ok)(int a) = (void *) 3;\nstatic garbage (((;',
    ];
    let seed = 7;
    for (let i = 0; i < 200; i++) {
      let s = '';
      for (let j = 0; j < 200; j++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        s += 'static(*)bpf_ =void;/*\n 0123,'[seed % 31];
      }
      samples.push(s);
    }
    for (const s of samples) expect(() => parseHelperDefs(s)).not.toThrow();
    expect(parseHelperDefs(samples[7]).map((h) => h.name)).toEqual(['bpf_ok']);
    expect(parseHelperDefs(samples[5])).toEqual([]);
    expect(parseHelperDefs(undefined as unknown as string)).toEqual([]);
  });

  it('stays fast on pathological input', () => {
    const inputs = [
      `static ${'a '.repeat(50000)};`,
      `static ${'a'.repeat(100000)}(${'x,'.repeat(50000)};`,
      `static long (*bpf_x)(${'int a,'.repeat(20000)}) = (void *) 1;`,
      'static '.repeat(100000),
    ];
    const started = Date.now();
    for (const s of inputs) parseHelperDefs(s);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('normalises C types', () => {
    expect(normaliseCType('const  void*')).toBe('const void *');
    expect(normaliseCType('char * *')).toBe('char **');
    expect(normaliseCType('struct  __sk_buff\t*')).toBe('struct __sk_buff *');
  });
});

describe('bundled helper table', () => {
  it('has 211 helpers with contiguous ids and both-way lookups', () => {
    expect(HELPER_COUNT).toBe(211);
    allHelpers().forEach((h, i) => expect(h.id).toBe(i + 1));
    expect(helperByName('bpf_map_lookup_elem')?.id).toBe(1);
    expect(helperByName('map_lookup_elem')?.id).toBe(1);
    expect(helperByName('tail_call')?.id).toBe(12);
    expect(helperByName('nope')).toBeUndefined();
    expect(helperById(0)).toBeUndefined();
    expect(helperById(212)).toBeUndefined();
    expect(helperName(5)).toBe('bpf_ktime_get_ns');
    expect(helperName(999)).toBe('#999');
  });

  it.skipIf(!haveHeader)('equals the parsed header (ids, names, types, signatures) and has no doc text', () => {
    const parsed = parseHelperDefs(readFileSync(HEADER, 'utf8'));
    const strip = (h: (typeof parsed)[number]) =>
      ({ id: h.id, name: h.name, returnType: h.returnType, params: h.params, variadic: h.variadic, signature: h.signature });
    expect(allHelpers()).toEqual(parsed.map(strip));
    for (const h of allHelpers()) expect(Object.keys(h)).not.toContain('description');
  });
});

describe('findHelperDefs', () => {
  const root = mkdtempSync(join(tmpdir(), 'helpers-locate-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const header = 'static long (*bpf_from_ws)(void) = (void *) 1;\n';

  it('prefers the setting, then a libbpf checkout in the workspace, then the system header', () => {
    const ws = join(root, 'ws');
    mkdirSync(join(ws, 'deps', 'libbpf', 'src'), { recursive: true });
    mkdirSync(join(ws, 'node_modules', 'x', 'libbpf', 'src'), { recursive: true });
    writeFileSync(join(ws, 'deps', 'libbpf', 'src', 'bpf_helper_defs.h'), header);
    writeFileSync(join(ws, 'node_modules', 'x', 'libbpf', 'src', 'bpf_helper_defs.h'), header);
    const custom = join(root, 'custom.h');
    writeFileSync(custom, header);
    const sys = join(root, 'system.h');
    writeFileSync(sys, header);

    expect(findHelperDefs({ settingPath: custom, workspaceFolders: [ws], systemPath: sys })).toEqual({ path: custom, from: 'setting' });
    expect(findHelperDefs({ settingPath: join(root, 'missing.h'), workspaceFolders: [ws], systemPath: sys }))
      .toEqual({ path: join(ws, 'deps', 'libbpf', 'src', 'bpf_helper_defs.h'), from: 'workspace' });
    expect(findHelperDefs({ workspaceFolders: [join(root, 'nowhere')], systemPath: sys })).toEqual({ path: sys, from: 'system' });
    expect(findHelperDefs({ systemPath: join(root, 'none.h') })).toBeUndefined();
    const docs = loadHelperDocs({ workspaceFolders: [ws], systemPath: sys });
    expect(docs.location?.from).toBe('workspace');
    expect(docs.helpers.map((h) => h.name)).toEqual(['bpf_from_ws']);
  });

  it('bounds the workspace search', () => {
    const deep = join(root, 'deep');
    let dir = deep;
    for (let i = 0; i < 12; i++) dir = join(dir, `d${i}`);
    mkdirSync(join(dir, 'libbpf', 'src'), { recursive: true });
    writeFileSync(join(dir, 'libbpf', 'src', 'bpf_helper_defs.h'), header);
    const none = join(root, 'none.h');
    expect(findHelperDefs({ workspaceFolders: [deep], systemPath: none })).toBeUndefined();
    expect(findHelperDefs({ workspaceFolders: [deep], systemPath: none, maxDepth: 20 })?.from).toBe('workspace');
    expect(findHelperDefs({ workspaceFolders: [deep], systemPath: none, maxDepth: 20, maxDirectories: 5 })).toBeUndefined();
  });
});
