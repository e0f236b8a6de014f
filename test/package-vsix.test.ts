// The .vsix as users install it: packed by vsce from the built dist/, read back with a small zip
// reader, checked against what package.json references, and its bundles run with no node_modules.
import { spawn, spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BUNDLES = ['extension', 'server', 'debugAdapter', 'cli'].map((b) => `dist/${b}.js`);
const BUILT = BUNDLES.every((b) => existsSync(b));
const VSCE = 'node_modules/@vscode/vsce/vsce';
const CAN_PACK = BUILT && existsSync(VSCE);
if (!CAN_PACK) console.warn('dist/ not built or @vscode/vsce missing: skipping the .vsix checks (run npm run build)');

/** The entries of a zip archive, by name (stored and deflated entries only, as vsce writes). */
function readZip(zip: Buffer): Map<string, Buffer> {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip archive: no end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLen);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataAt, dataAt + compressed);
    if (method !== 0 && method !== 8) throw new Error(`${name}: compression method ${method}`);
    files.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

let dir = '';
let files = new Map<string, Buffer>();
let root = '';
const manifest = JSON.parse(readFileSync('package.json', 'utf8'));

beforeAll(() => {
  if (!CAN_PACK) return;
  dir = mkdtempSync(join(tmpdir(), 'bpf-asm-vsix-'));
  const out = join(dir, 'test.vsix');
  const r = spawnSync(process.execPath, [
    VSCE, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out,
  ], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`vsce package failed:\n${r.stdout}\n${r.stderr}`);
  files = readZip(readFileSync(out));
  root = join(dir, 'unpacked');
  for (const [name, data] of files) {
    if (name.endsWith('/')) continue;
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), data);
  }
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

const inExt = (p: string): string => `extension/${p.replace(/^\.\//, '')}`;

describe.skipIf(!CAN_PACK)('the packed .vsix', () => {
  it('holds the four bundles, the docs and the licence', () => {
    for (const b of BUNDLES) expect(files.has(inExt(b)), b).toBe(true);
    expect(files.has(inExt(manifest.main))).toBe(true);
    for (const doc of ['readme.md', 'changelog.md', 'LICENSE.txt']) expect(files.has(inExt(doc)), doc).toBe(true);
    expect(files.get(inExt('LICENSE.txt'))!.toString()).toMatch(/^MIT License/);
  });

  it('holds every file package.json points at', () => {
    const c = manifest.contributes;
    const paths: string[] = [
      ...c.languages.filter((l: { configuration?: string }) => l.configuration).map((l: { configuration: string }) => l.configuration),
      ...c.grammars.map((g: { path: string }) => g.path),
      ...c.snippets.map((s: { path: string }) => s.path),
    ];
    if (manifest.icon) paths.push(manifest.icon);
    expect(paths.length).toBeGreaterThan(8);
    for (const p of paths) expect(files.has(inExt(p)), p).toBe(true);
  });

  it('holds every image the README shows', () => {
    const readme = files.get(inExt('readme.md'))!.toString();
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)].map((m) => m[1]!);
    for (const img of images) {
      expect(img, 'README images are relative PNGs from media/').toMatch(/^media\/[\w.-]+\.png$/);
      expect(files.has(inExt(img)), img).toBe(true);
    }
  });

  it('has no node_modules, sources, tests or source maps', () => {
    const stray = [...files.keys()].filter((n) =>
      /(^|\/)node_modules\//.test(n) || /\.(ts|map|mjs)$/.test(n) || /^extension\/(test|core|server|client|debugger|cli|scripts|examples|bench)\//.test(n));
    expect(stray).toEqual([]);
  });

  it('bundles require only Node built-ins and vscode (koffi only in the CLI, loaded lazily)', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    for (const b of BUNDLES) {
      const text = files.get(inExt(b))!.toString();
      const required = new Set([...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!));
      const outside = [...required].filter((m) => !builtins.has(m) && !(m === 'vscode' && b === 'dist/extension.js'));
      expect(outside, b).toEqual([]);
    }
  });

  it('runs the unpacked CLI with no node_modules around it', () => {
    const src = join(root, 'prog.bpf.s');
    writeFileSync(src, '\t.section xdp\nprog:\n\tr0 = 2\n\texit\n');
    const r = spawnSync(process.execPath, [join(root, 'extension/dist/cli.js'), 'assemble', '--raw', src, '-o', join(root, 'prog.bin')],
      { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // r0 = 2 is b7 00 00 00 02 00 00 00; exit is 95 00 00 00 00 00 00 00 (the ISA's encodings)
    expect(readFileSync(join(root, 'prog.bin')).toString('hex')).toBe('b7000000020000009500000000000000');
  });

  it('starts the unpacked debug adapter, which answers initialize over DAP', async () => {
    const adapter = spawn(process.execPath, [join(root, 'extension/dist/debugAdapter.js')], { cwd: root });
    try {
      const body = JSON.stringify({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'bpf', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' } });
      adapter.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      const reply = await new Promise<string>((resolve, reject) => {
        let got = '';
        const timer = setTimeout(() => reject(new Error(`no initialize response in 20 s; got: ${got}`)), 20_000);
        adapter.stdout.on('data', (d: Buffer) => {
          got += d.toString();
          const m = /^Content-Length: (\d+)\r\n\r\n/.exec(got);
          if (m && Buffer.byteLength(got) >= m[0].length + Number(m[1])) { clearTimeout(timer); resolve(got.slice(m[0].length, m[0].length + Number(m[1]))); }
        });
        adapter.on('exit', (code) => { clearTimeout(timer); reject(new Error(`adapter exited with ${code}: ${got}`)); });
      });
      const response = JSON.parse(reply) as { command: string; success: boolean; body?: Record<string, unknown> };
      expect(response).toMatchObject({ command: 'initialize', success: true });
      expect(response.body?.supportsStepBack).toBe(true);
    } finally {
      adapter.kill();
    }
  });

  it('starts the unpacked language server, which answers initialize over stdio', async () => {
    const server = spawn(process.execPath, [join(root, 'extension/dist/server.js'), '--stdio'], { cwd: root });
    try {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
      server.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      const reply = await new Promise<string>((resolve, reject) => {
        let got = '';
        const timer = setTimeout(() => reject(new Error(`no initialize reply in 20 s; got: ${got}`)), 20_000);
        server.stdout.on('data', (d: Buffer) => {
          got += d.toString();
          if (got.includes('"capabilities"')) { clearTimeout(timer); resolve(got); }
        });
        server.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${got}`)); });
      });
      expect(reply).toContain('"hoverProvider"');
    } finally {
      server.kill();
    }
  });
});
