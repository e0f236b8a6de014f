// Debugging a clang-compiled object at C source level: source locations from BTF line info (checked
// against llvm-objdump-19 -l), breakpoints on C lines, stepping by line, a source that is no longer
// on disk, and the run's result against the kernel.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readObject } from '../core/elf';
import { kernelBpfAvailable } from '../core/kernel';
import { runCaseInKernel } from '../core/testing/corpus-kernel';
import { HAVE_CLANG, HAVE_LLVM, NO_CLANG_REASON, NO_LLVM_REASON } from './elf-tools';
import { BpfDebugClient, adapterBuilt, findMarker, fixture, ipv4Packet, toHex } from './fixtures/debug/debug-client';

if (!adapterBuilt) console.warn('skipping C-level debugging tests: dist/debugAdapter.js is missing (run `npm run build`)');
if (!HAVE_CLANG) console.warn(NO_CLANG_REASON);
if (!HAVE_LLVM) console.warn(NO_LLVM_REASON);

const C_SOURCE = fixture('count_len.c');

function compile(source: string, out: string): void {
  const r = spawnSync('clang-19', ['-target', 'bpf', '-O2', '-g', '-I/usr/include/x86_64-linux-gnu', '-c', source, '-o', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`clang-19 failed: ${r.stderr}`);
}

/** Slot -> source line as llvm-objdump-19 -l prints it (each instruction takes the last line above it). */
function objdumpLines(obj: string): Map<number, number> {
  const r = spawnSync('llvm-objdump-19', ['-d', '-l', obj], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`llvm-objdump-19 failed: ${r.stderr}`);
  const out = new Map<number, number>();
  let line = 0;
  for (const l of r.stdout.split('\n')) {
    const loc = /^; .*:(\d+)$/.exec(l);
    if (loc) line = Number(loc[1]);
    const insn = /^\s*(\d+):\t/.exec(l);
    if (insn && line) out.set(Number(insn[1]), line);
  }
  return out;
}

describe.skipIf(!adapterBuilt || !HAVE_CLANG || !HAVE_LLVM)('C source-level debugging of a clang -g object', () => {
  let dc: BpfDebugClient;
  const dir = mkdtempSync(join(tmpdir(), 'bpf-debug-c-'));
  const obj = join(dir, 'count_len.o');
  beforeAll(() => compile(C_SOURCE, obj));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    dc = new BpfDebugClient();
    await dc.start();
  });
  afterEach(async () => {
    await dc.stop();
  });

  it('maps every instruction to the C line llvm-objdump shows for it', async () => {
    await dc.launchAndStop({ program: obj, packet: toHex(ipv4Packet(17)) });
    const top = await dc.topFrame();
    expect(top.source?.path).toBe(C_SOURCE);
    const d = await dc.customRequest('disassemble', { memoryReference: top.instructionPointerReference!, instructionCount: 18 }) as DebugProtocol.DisassembleResponse;
    const expected = objdumpLines(obj);
    const base = BigInt(top.instructionPointerReference!);
    const got = new Map(d.body!.instructions.filter((i) => i.presentationHint !== 'invalid').map((i) => [Number((BigInt(i.address) - base) / 8n), i.line]));
    expect(got).toEqual(expected);
    expect(top.line).toBe(expected.get(0));
  });

  it('stops at breakpoints on C lines and steps by line', async () => {
    const stop = await dc.launchAndStop({ program: obj, packet: toHex(ipv4Packet(17)) }, async () => {
      const r = await dc.setBreakpointsRequest({ source: { path: C_SOURCE }, breakpoints: [{ line: findMarker(C_SOURCE, 'key') }] });
      expect(r.body.breakpoints[0]).toMatchObject({ verified: true, line: findMarker(C_SOURCE, 'key') });
    });
    expect(stop.body.reason).toBe('entry');
    expect((await dc.move('continue')).body.reason).toBe('breakpoint');
    expect((await dc.topFrame()).line).toBe(findMarker(C_SOURCE, 'key'));
    // a line step runs every instruction of the line: the next stop is on the lookup
    await dc.move('next');
    expect((await dc.topFrame()).line).toBe(findMarker(C_SOURCE, 'lookup'));
    // the key the program computed: a 42-byte packet is not longer than 60
    expect(await dc.value('*(u32 *)(r10 - 4)')).toBe(0n);
    await dc.move('next');
    await dc.move('next');
    expect((await dc.topFrame()).line).toBe(findMarker(C_SOURCE, 'bump'));
    await dc.move('next');
    expect((await dc.topFrame()).line).toBe(findMarker(C_SOURCE, 'ret'));
    expect(await dc.value('hits[0]')).toBe(1n);
    // by instruction, a line takes several steps
    await dc.move('stepBack');
    const [, s] = await Promise.all([dc.nextRequest({ threadId: 1, granularity: 'instruction' }), dc.waitForEvent('stopped')]);
    expect((s as DebugProtocol.StoppedEvent).body.reason).toBe('step');
    expect((await dc.topFrame()).line).toBe(findMarker(C_SOURCE, 'ret'));
  });

  it('shows the source lines BTF recorded when the C file is gone', async () => {
    const gone = mkdtempSync(join(tmpdir(), 'bpf-debug-gone-'));
    const c = join(gone, 'count_len.c');
    copyFileSync(C_SOURCE, c);
    const o = join(dir, 'gone.o');
    compile(c, o);
    rmSync(gone, { recursive: true, force: true });
    await dc.launchAndStop({ program: o, packet: toHex(ipv4Packet(17)) });
    const top = await dc.topFrame();
    expect(top.source?.path).toBeUndefined();
    expect(top.source?.sourceReference).toBeGreaterThan(0);
    const src = await dc.sourceRequest({ sourceReference: top.source!.sourceReference!, source: top.source });
    const lines = src.body.content.split('\n');
    // the recorded text of the lookup line, at its line number
    const original = readFileSync(C_SOURCE, 'utf8').split('\n');
    const at = findMarker(C_SOURCE, 'lookup');
    expect(lines[at - 1]).toBe(original[at - 1]);
  });

  it.skipIf(!kernelBpfAvailable().ok)('gives the kernel\'s result for short and long packets', async () => {
    const file = readObject(new Uint8Array(readFileSync(obj)));
    for (const packet of [ipv4Packet(17), [...ipv4Packet(6), ...new Array(40).fill(7)]]) {
      const kernel = runCaseInKernel({ name: 'count_len', progType: 'xdp', program: file.programs[0]!, maps: file.maps, data: file.data, runs: [{ data: Uint8Array.from(packet) }] });
      if ('error' in kernel) throw new Error(kernel.error);
      const c = new BpfDebugClient();
      await c.start();
      try {
        const stop = await c.launchAndStop({ program: obj, packet: toHex(packet), stopOnEntry: false });
        expect(stop.body.reason).toBe('exit');
        expect(Number(await c.value('r0'))).toBe(kernel.runs[0]!.retval);
        const hits = [0, 1, 2, 3].map((k) => c.value(`hits[${k}]`));
        const vm = (await Promise.all(hits)).map((v, k) => `${Buffer.from(new Uint32Array([k]).buffer).toString('hex')}=${Buffer.from(new BigUint64Array([v]).buffer).toString('hex')}`);
        expect(vm.sort()).toEqual(kernel.maps.hits);
      } finally {
        await c.stop();
      }
    }
  });
});
