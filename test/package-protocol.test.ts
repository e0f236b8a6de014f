// The client's side of client/protocol.ts, end to end: the language server bundle is started the
// way client/language-client.ts starts it (Node IPC), a snippet is opened, and every bpfAsm/*
// request and the bpfAsm/status notification are checked, the object file against llvm-objdump-19.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ASSEMBLE_REQUEST, CONVERT_SYNTAX_REQUEST, DISASSEMBLE_REQUEST, RUN_REQUEST, STATUS_NOTIFICATION, VERIFIER_LOG_REQUEST,
  type AssembleResult, type ConvertSyntaxResult, type DisassembleResult, type RunResult, type StatusParams, type VerifierLogResult,
} from '../client/protocol';
import { logInsnLinks } from '../client/log-links';
import { kernelBpfAvailable } from '../core/kernel';
import { tokenize } from './grammar-tokenizer';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = join(ROOT, 'test-artifacts', 'package-protocol');

const haveObjdump = (() => {
  try {
    execFileSync('llvm-objdump-19', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!haveObjdump) console.warn('package-protocol: llvm-objdump-19 missing; the object file check is skipped');
const kernel = kernelBpfAvailable();

/** The map counter snippet with its default placeholders. */
const snippet = (JSON.parse(readFileSync(join(ROOT, 'snippets/bpf-asm.code-snippets'), 'utf8')) as Record<string, { body: string[] }>)[
  'XDP program: count packets in a map'
]!.body.join('\n').replace(/\$\{\d+:([^}]*)\}/g, '$1');
const uri = pathToFileURL(join(WORK, 'counter.bpf.s')).toString();

let server: ChildProcess;
let rpc: MessageConnection;
const statuses: StatusParams[] = [];

beforeAll(async () => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  // Bundled like scripts/build.mjs does, into a private file so parallel builds do not collide.
  const bundle = join(WORK, 'server.js');
  await build({
    entryPoints: [join(ROOT, 'server/main.ts')], outfile: bundle, bundle: true, platform: 'node', target: 'node18',
    format: 'cjs', external: ['koffi'], logLevel: 'error',
  });
  server = fork(bundle, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  rpc = createMessageConnection(new IPCMessageReader(server), new IPCMessageWriter(server));
  rpc.onNotification(STATUS_NOTIFICATION, (p: StatusParams) => {
    statuses.push(p);
  });
  rpc.onNotification(() => undefined);
  rpc.listen();
  await rpc.sendRequest('initialize', {
    processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null,
    initializationOptions: { settings: { defaultProgramType: 'xdp' } },
  });
  await rpc.sendNotification('initialized', {});
  await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'bpf-asm', version: 1, text: snippet } });
});

afterAll(async () => {
  rpc?.dispose();
  server?.kill();
  rmSync(WORK, { recursive: true, force: true });
});

async function finalStatus(): Promise<StatusParams> {
  for (let i = 0; i < 200; i++) {
    const s = statuses.filter((x) => x.uri === uri && x.verdict !== 'pending').pop();
    if (s) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no bpfAsm/status notification within 10 s');
}

describe('bpfAsm/* protocol against the language server bundle', () => {
  it('notifies the status bar of the program type and verdict', async () => {
    const s = await finalStatus();
    expect(s.programType).toBe('xdp');
    expect(s.syntax).toBe('llvm');
    expect(['accepted', 'rejected']).toContain(s.verdict);
    if (kernel.ok) expect(s.verdict, s.message).toBe('accepted');
  });

  it('assembles to an ELF object that llvm-objdump-19 lists', async () => {
    const r = await rpc.sendRequest<AssembleResult>(ASSEMBLE_REQUEST, { uri });
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    const elf = Buffer.from(r.elfBase64!, 'base64');
    expect([...elf.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    if (!haveObjdump) return;
    writeFileSync(join(WORK, 'counter.bpf.o'), elf);
    const listing = execFileSync('llvm-objdump-19', ['-d', '-r', join(WORK, 'counter.bpf.o')], { encoding: 'utf8' });
    expect(listing).toMatch(/Disassembly of section xdp:/);
    expect(listing).toMatch(/R_BPF_64_64\s+counters/);
    expect(listing).toMatch(/call 0x1\b/);
    expect(listing).toMatch(/lock \*\(u64 \*\)\(r0 \+ 0x0\) \+= r1/);
  });

  it('disassembles an object sent as bytes', async () => {
    const a = await rpc.sendRequest<AssembleResult>(ASSEMBLE_REQUEST, { uri });
    const r = await rpc.sendRequest<DisassembleResult>(DISASSEMBLE_REQUEST, { uri: 'file:///x/counter.bpf.o', elfBase64: a.elfBase64, syntax: 'llvm' });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.text).toMatch(/lock \*\(u64 \*\)\(r0 \+ (?:0x)?0\) \+= r1/);
    expect(r.text).toMatch(/call (?:bpf_map_lookup_elem|0x1|1)\b/);
    const bad = await rpc.sendRequest<DisassembleResult>(DISASSEMBLE_REQUEST, { uri: 'file:///x/bad.o', elfBase64: 'AAAA', syntax: 'llvm' });
    expect(bad.ok).toBe(false);
    expect(bad.error).toBeTruthy();
  });

  it('converts to mnemonic syntax', async () => {
    const r = await rpc.sendRequest<ConvertSyntaxResult>(CONVERT_SYNTAX_REQUEST, { uri, to: 'mnemonic' });
    expect(r.ok).toBe(true);
    expect(r.from).toBe('llvm');
    expect(r.text).toMatch(/lock add \[%r0(?:\+0)?\], %r1/);
    expect(r.text).toMatch(/lddw %r1, counters/);
    expect(r.text).toMatch(/exit/);
  });

  it.skipIf(!kernel.ok)('returns a verifier log that the verifier-log grammar reads', async () => {
    const r = await rpc.sendRequest<VerifierLogResult>(VERIFIER_LOG_REQUEST, { uri });
    expect(r.ok).toBe(true);
    expect(r.verdict).toBe('accepted');
    expect(r.log).toMatch(/processed \d+ insns/);
    const t = await tokenize('source.bpf-verifier-log', r.log);
    expect(t.at('processed').scopes).toContain('keyword.other.summary.bpf-verifier-log');
    // Each instruction line of the kernel's log links to the source line holding that instruction.
    const source = snippet.split('\n');
    const logLines = r.log.split('\n');
    const links = logInsnLinks(r.log, r.insnLines ?? []);
    let checked = 0;
    for (const l of links) {
      const printed = /^\d+: \([0-9a-f]{2}\) (\S+)/.exec(logLines[l.line]!);
      if (!printed) continue;
      // Same first word: the destination register, `*(u32`, `call`, `if`, `lock` or `exit`.
      expect(source[l.sourceLine]!.trim().split(/\s+/)[0], logLines[l.line]).toBe(printed[1]);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('runs the program', async () => {
    const r = await rpc.sendRequest<RunResult>(RUN_REQUEST, { uri });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.returnValue).toBe('2');
    expect(Array.isArray(r.output)).toBe(true);
  });

  it('answers requests for unknown documents with an error, not a failure', async () => {
    const other = 'file:///nowhere/missing.bpf.s';
    const a = await rpc.sendRequest<AssembleResult>(ASSEMBLE_REQUEST, { uri: other });
    expect(a.ok).toBe(false);
    expect(a.errors.length).toBeGreaterThan(0);
    const run = await rpc.sendRequest<RunResult>(RUN_REQUEST, { uri: other });
    expect(run.ok).toBe(false);
    expect(run.error).toBeTruthy();
  });
});
