// The debug adapter over DAP (dist/debugAdapter.js in a child process, driven by DebugClient):
// launch, stepping both ways, every breakpoint kind, inspection, memory, faults and bad configs.
// Breakpoint lines come from `// BP:name` markers in test/fixtures/debug; expected values come
// from the packets and programs themselves (what the source says each instruction computes).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assembleText } from '../core/asm';
import { writeObject } from '../core/elf';
import { possibleCpus } from '../core/kernel/cpus';
import { HAVE_LLVM, NO_LLVM_REASON, objdump } from './elf-tools';
import { BpfDebugClient, shareAdapter, adapterBuilt, findMarker, fixture, ipv4Packet, toHex } from './fixtures/debug/debug-client';

if (!adapterBuilt) console.warn('skipping debug adapter tests: dist/debugAdapter.js is missing (run `npm run build`)');

const XDP = fixture('xdp_count.s');
const LOOP = fixture('sum_loop.s');
const OOB = fixture('oob_read.s');
const HELPER_ERR = fixture('helper_error.s');
const UDP = toHex(ipv4Packet(17, { src: [192, 168, 1, 7], dst: [10, 9, 8, 7], sport: 4000, dport: 53, ttl: 33 }));
const TCP = toHex(ipv4Packet(6));

const assembledFixture = (path: string) => assembleText(readFileSync(path, 'utf8'));

/** llvm-objdump-19 -d text of each instruction (without its `<label>` note), by byte offset; objdump numbers BPF slots in decimal. */
function objdumpByOffset(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t(?:[0-9a-f]{2} ?)+\t(.*)$/.exec(line);
    if (m) out.set(parseInt(m[1]!, 10) * 8, m[2]!.replace(/\s*<[^>]*>$/, '').trim());
  }
  return out;
}

describe.skipIf(!adapterBuilt)('debug adapter', () => {
  let dc: BpfDebugClient;
  let stopServer: () => void = () => undefined;
  beforeAll(async () => { stopServer = await shareAdapter(); });
  afterAll(() => stopServer());
  beforeEach(async () => {
    dc = new BpfDebugClient();
    await dc.start();
  });
  afterEach(async () => {
    await dc.stop();
  });

  it('stops on entry at the first instruction, with the program as the only frame', async () => {
    const stop = await dc.launchAndStop({ program: XDP, packet: UDP });
    expect(stop.body.reason).toBe('entry');
    const f = await dc.topFrame();
    expect(f.name).toBe('xdp_count');
    expect(f.line).toBe(findMarker(XDP, 'entry'));
    expect(f.source?.path).toBe(XDP);
    expect(f.instructionPointerReference).toMatch(/^0x[0-9a-f]+$/);
    expect(dc.output('console')).toMatch(/the verifier accepts it/);
  });

  it('shows registers with pointers by region, the verifier beside them, and flags values outside its range', async () => {
    await dc.launchAndStop({ program: XDP, packet: UDP }, () => dc.setBreakpointsRequest({ source: { path: XDP }, breakpoints: [{ line: findMarker(XDP, 'bounds') }] }));
    await dc.move('continue');
    const regs = await dc.variables('Registers');
    expect(regs.map((r) => r.name)).toEqual(Array.from({ length: 11 }, (_, i) => `r${i}`));
    const byName = new Map(regs.map((r) => [r.name, r.value]));
    expect(byName.get('r1')).toMatch(/^ctx \(0x[0-9a-f]+\)\s+verifier: ctx\(\)/);
    expect(byName.get('r2')).toMatch(/^pkt \(/);
    expect(byName.get('r3')).toMatch(/^pkt_end \(/);
    // r4 = data + 34, as `r4 += 34` says.
    expect(byName.get('r4')).toMatch(/^pkt\+34 .*verifier: pkt\(off=34/);
    expect(byName.get('r10')).toMatch(/^fp0 .*verifier: fp0/);
    const scope = await dc.scope('Registers');
    expect(scope.presentationHint).toBe('registers');
    // each register opens to its readings: r3 = data_end, 42 bytes after data (r2)
    const r3 = regs.find((r) => r.name === 'r3')!;
    const r2 = regs.find((r) => r.name === 'r2')!;
    const details = new Map((await dc.variablesRequest({ variablesReference: r3.variablesReference })).body.variables.map((v) => [v.name, v.value]));
    const r2u = new Map((await dc.variablesRequest({ variablesReference: r2.variablesReference })).body.variables.map((v) => [v.name, v.value]));
    expect(BigInt(details.get('u64')!) - BigInt(r2u.get('u64')!)).toBe(BigInt(UDP.split(' ').length));
    expect(details.get('verifier')).toMatch(/^pkt_end/);
    // Break the verifier's knowledge: r5 will be loaded from the packet as a u16, so 0x12345 is out of its range.
    await dc.move('next');
    await dc.move('next');
    await dc.setVariableRequest({ variablesReference: (await dc.scope('Registers')).variablesReference, name: 'r5', value: '0x12345' });
    const r5 = (await dc.variables('Registers')).find((r) => r.name === 'r5')!;
    expect(r5.value).toMatch(/0x12345 \(74565\).*outside the verifier's range/);
  });

  it('next steps over a bpf-to-bpf call; stepIn enters it; stepOut returns after the call', async () => {
    await dc.launchAndStop({ program: XDP, packet: UDP }, () => dc.setBreakpointsRequest({ source: { path: XDP }, breakpoints: [{ line: findMarker(XDP, 'call') }] }));
    let stop = await dc.move('continue');
    expect(stop.body.reason).toBe('breakpoint');
    expect((await dc.topFrame()).line).toBe(findMarker(XDP, 'call'));
    stop = await dc.move('next');
    expect((await dc.topFrame()).line).toBe(findMarker(XDP, 'after_call'));
    // the callee ran: counters[17] (UDP) is 1
    expect(await dc.value('counters[17]')).toBe(1n);
    await dc.move('stepBack');
    expect((await dc.topFrame()).line).toBe(findMarker(XDP, 'count_exit'));
    expect((await dc.frames()).map((f) => f.name)).toEqual(['count_proto', 'xdp_count']);
    // back over `r0 = 0` and the store itself
    await dc.move('stepBack');
    await dc.move('stepBack');
    expect((await dc.topFrame()).line).toBe(findMarker(XDP, 'store'));
    expect(await dc.value('counters[17]')).toBe(0n);
    await dc.move('stepOut');
    expect((await dc.topFrame()).line).toBe(findMarker(XDP, 'after_call'));
    expect(await dc.value('counters[17]')).toBe(1n);
    // forwards again from before the call: stepIn goes inside
    await dc.move('reverseContinue');
    expect((await dc.topFrame()).line).toBe(findMarker(XDP, 'call'));
    await dc.move('stepIn');
    const frames = await dc.frames();
    expect(frames.map((f) => f.name)).toEqual(['count_proto', 'xdp_count']);
    expect(frames[0]!.line).toBe(findMarker(XDP, 'count_entry'));
    expect(frames[1]!.line).toBe(findMarker(XDP, 'call'));
    const inner = await dc.variables('Stack', 1);
    expect(inner.length).toBe(64);
    // the caller's registers: r6 = ctx and r7 = the protocol (17), kept across the call; r10 its frame
    const caller = new Map((await dc.variables('Registers', 1)).map((v) => [v.name, v.value]));
    expect(caller.get('r6')).toMatch(/^ctx \(/);
    expect(caller.get('r7')).toBe('0x11 (17)');
    expect(caller.get('r10')).toMatch(/^fp\[frame 0\] \(/);
    expect(caller.get('r0')).toBe('(not kept across the call)');
  });

  it('restarts frames by going back in history', async () => {
    await dc.launchAndStop({ program: XDP, packet: UDP }, () => dc.setBreakpointsRequest({ source: { path: XDP }, breakpoints: [{ line: findMarker(XDP, 'store') }] }));
    await dc.move('continue');
    let frames = await dc.frames();
    expect(frames.map((f) => f.canRestart)).toEqual([true, true]);
    // the callee's frame: back to its first instruction, the caller still inside the call
    let [, stop] = await Promise.all([dc.restartFrameRequest({ frameId: 0 }), dc.waitForEvent('stopped')]);
    expect((stop as DebugProtocol.StoppedEvent).body.reason).toBe('restart');
    frames = await dc.frames();
    expect(frames.map((f) => [f.name, f.line])).toEqual([['count_proto', findMarker(XDP, 'count_entry')], ['xdp_count', findMarker(XDP, 'call')]]);
    // the caller's frame: back to before the call
    await dc.move('continue');
    [, stop] = await Promise.all([dc.restartFrameRequest({ frameId: 1 }), dc.waitForEvent('stopped')]);
    frames = await dc.frames();
    expect(frames.map((f) => [f.name, f.line])).toEqual([['xdp_count', findMarker(XDP, 'call')]]);
    // and the program's own frame: back to the start of the run
    await Promise.all([dc.restartFrameRequest({ frameId: 0 }), dc.waitForEvent('stopped')]);
    expect((await dc.topFrame()).line).toBe(findMarker(XDP, 'entry'));
    expect(await dc.value('r6')).toBe(0n);
  });

  it('moves a breakpoint on a line without an instruction to the next instruction and reports it verified', async () => {
    let bps: { verified: boolean; line?: number }[] = [];
    const label = findMarker(LOOP, 'loop_head') - 1; // the `loop:` label line
    await dc.launchAndStop({ program: LOOP }, async () => {
      bps = (await dc.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line: label }, { line: 1 }] })).body.breakpoints;
    });
    expect(bps[0]).toMatchObject({ verified: true, line: findMarker(LOOP, 'loop_head') });
    expect(bps[1]).toMatchObject({ verified: true, line: findMarker(LOOP, 'init') });
    const stop = await dc.move('continue');
    expect(stop.body.reason).toBe('breakpoint');
    expect((await dc.topFrame()).line).toBe(findMarker(LOOP, 'loop_head'));
  });

  it('conditions over registers and memory, hit counts, and logpoints', async () => {
    const head = findMarker(LOOP, 'loop_head');
    await dc.launchAndStop({ program: LOOP }, () => dc.setBreakpointsRequest({
      source: { path: LOOP },
      breakpoints: [
        { line: head, condition: 'r1 > 5 && *(u32 *)(r10 - 12) == 0' },
        { line: findMarker(LOOP, 'store_sum'), logMessage: 'i={r1} sum={r2:x}' },
      ],
    }));
    await dc.move('continue');
    expect(await dc.value('r1')).toBe(6n);
    // sum of 0..5 so far
    expect(await dc.value('*(u64 *)(r10 - 8)')).toBe(15n);
    expect(dc.output('console')).toContain('i=0 sum=0x0\ni=1 sum=0x1\ni=2 sum=0x3\n');
    expect(dc.output('console')).toContain('i=5 sum=0xf\n');
    expect(dc.output('console')).not.toContain('i=6');

    // a condition that cannot be evaluated stops, and says why
    await dc.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line: findMarker(LOOP, 'store_sum'), condition: 'nosuch[0] == 1' }] });
    expect((await dc.move('continue')).body.reason).toBe('breakpoint');
    expect(dc.output('stderr')).toContain("breakpoint condition 'nosuch[0] == 1': no map named 'nosuch'");
    const bad = await dc.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line: head, hitCondition: 'often' }] });
    expect(bad.body.breakpoints[0]).toMatchObject({ verified: false, message: expect.stringMatching(/hit count 'often' is not understood/) });

    await dc.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line: head, hitCondition: '3' }] });
    await dc.move('continue');
    // the 3rd hit after the current one (r1 = 6): r1 = 7, 8, 9
    expect(await dc.value('r1')).toBe(9n);
    expect((await dc.move('continue')).body.reason).toBe('exit');
  });

  it('stops at function breakpoints (subprograms and labels) and instruction breakpoints', async () => {
    let fbps: { verified: boolean; message?: string }[] = [];
    await dc.launchAndStop({ program: XDP, packet: UDP }, async () => {
      fbps = (await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'count_proto' }, { name: 'drop' }, { name: 'nosuch' }] })).body.breakpoints;
    });
    const entry = (await dc.topFrame()).instructionPointerReference!;
    expect(fbps.map((b) => b.verified)).toEqual([true, true, false]);
    expect(fbps[2]!.message).toMatch(/no function or label named 'nosuch'/);
    let stop = await dc.move('continue');
    expect(stop.body.reason).toBe('function breakpoint');
    expect((await dc.topFrame()).line).toBe(findMarker(XDP, 'count_entry'));
    stop = await dc.move('continue');
    expect(stop.body.reason).toBe('function breakpoint');
    expect((await dc.topFrame()).line).toBe(findMarker(XDP, 'drop'));

    // instruction breakpoints: the 4th slot after the entry (slots are 8 bytes)
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    expect((await dc.move('reverseContinue')).body.description).toBe('at the start of the run');
    const ib = await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: entry, offset: 5 * 8 }] }) as DebugProtocol.SetInstructionBreakpointsResponse;
    expect(ib.body.breakpoints[0]!.verified).toBe(true);
    stop = await dc.move('continue');
    expect(stop.body.reason).toBe('instruction breakpoint');
    // slot 5 is the sixth instruction: `if r4 > r3 goto pass`
    expect((await dc.topFrame()).line).toBe(findMarker(XDP, 'bounds'));
  });

  it('data breakpoints on a stack slot and on a map value stop right after the write', async () => {
    await dc.launchAndStop({ program: LOOP }, () => dc.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line: findMarker(LOOP, 'loop_head') }] }));
    await dc.move('continue');
    const stack = await dc.scope('Stack');
    const info = await dc.dataBreakpointInfoRequest({ variablesReference: stack.variablesReference, name: 'fp-8' });
    expect(info.body.dataId).toMatch(/^mem:0x[0-9a-f]+:8$/);
    expect(info.body.accessTypes).toEqual(['write']);
    await dc.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [] });
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId! }] });
    const stop = await dc.move('continue');
    expect(stop.body.reason).toBe('data breakpoint');
    // stopped after `*(u64 *)(r10 - 8) = r2`, on the next line
    expect((await dc.topFrame()).line).toBe(findMarker(LOOP, 'store_sum') + 1);
    // backwards: the same write, seen from before it
    await dc.move('next');
    const back = await dc.move('reverseContinue');
    expect(back.body.reason).toBe('data breakpoint');
    expect((await dc.topFrame()).line).toBe(findMarker(LOOP, 'store_sum'));
    await dc.setDataBreakpointsRequest({ breakpoints: [] });

    // a map value: counters[17] of the XDP program, watched through an expression
    const dc2 = new BpfDebugClient();
    await dc2.start();
    try {
      await dc2.launchAndStop({ program: XDP, packet: UDP });
      const mi = await dc2.dataBreakpointInfoRequest({ name: 'counters[17]' });
      expect(mi.body.dataId).toMatch(/^mem:0x[0-9a-f]+:8$/);
      await dc2.setDataBreakpointsRequest({ breakpoints: [{ dataId: mi.body.dataId! }] });
      const s = await dc2.move('continue');
      expect(s.body.reason).toBe('data breakpoint');
      // the next instruction after the store is `r0 = 0` below the `out:` label
      expect((await dc2.topFrame()).line).toBe(findMarker(XDP, 'count_exit') - 1);
      expect(await dc2.value('counters[17]')).toBe(1n);
    } finally {
      await dc2.stop();
    }
  });

  it('a runtime fault stops with reason exception and a precise description; the verifier message is printed', async () => {
    const short = toHex(ipv4Packet(17)); // 42 bytes: byte 100 is past the end
    const stop = await dc.launchAndStop({ program: OOB, packet: short, verifyFirst: false, stopOnEntry: false });
    expect(stop.body.reason).toBe('exception');
    expect(stop.body.description).toMatch(/invalid read of 1 byte at 0x[0-9a-f]+: out of bounds of packet/);
    expect(dc.output('stderr')).toMatch(/The verifier rejects the program at instruction 1, line \d+: invalid access to packet/);
    expect((await dc.topFrame()).line).toBe(findMarker(OOB, 'bad_read'));
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    expect(info.body.exceptionId).toBe('fault:memory');
    expect(info.body.details?.stackTrace).toMatch(/read of 1 bytes/);
    // stepping back from a fault works; going forwards again faults again
    await dc.move('stepBack');
    expect((await dc.topFrame()).line).toBe(findMarker(OOB, 'bad_read'));
    const again = await dc.move('next');
    expect(again.body.reason).toBe('exception');
    // past the end, continuing ends the session
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  });

  it('by default refuses a program the verifier rejects, quoting the verifier', async () => {
    await dc.initializeRequest();
    await expect(dc.launchRequest({ program: OOB, packet: UDP } as never)).rejects.toThrow(/verifier rejects the program at instruction 1.*invalid access to packet.*verifyFirst/s);
  });

  it('stops on an instruction budget fault', async () => {
    const stop = await dc.launchAndStop({ program: LOOP, maxInstructions: 20, stopOnEntry: false });
    expect(stop.body.reason).toBe('exception');
    expect(stop.body.description).toMatch(/instruction budget of 20 exceeded/);
  });

  it('stops after a helper that returns an error when asked to', async () => {
    await dc.launchAndStop({ program: HELPER_ERR }, () => dc.setExceptionBreakpointsRequest({ filters: ['faults', 'helperErrors'] }));
    const stop = await dc.move('continue');
    expect(stop.body.reason).toBe('exception');
    // an array element always exists, so BPF_NOEXIST fails with EEXIST (17)
    expect(stop.body.description).toBe('bpf_map_update_elem returned -17 (EEXIST)');
    expect((await dc.topFrame()).line).toBe(findMarker(HELPER_ERR, 'after_update'));
  });

  it('prints trace_printk output, the return value with its meaning, and map changes at the end', async () => {
    const stop = await dc.launchAndStop({ program: LOOP, stopOnEntry: false });
    expect(stop.body.reason).toBe('exit');
    expect(stop.body.description).toBe('exited with r0 = 2 (XDP_PASS)');
    expect(dc.output('stdout')).toBe('sum 45\n');
    const c = dc.output('console');
    expect(c).toMatch(/r0 = 2 \(0x2\) XDP_PASS, \d+ instructions/);
    // last[0] = 45 (0x2d), added by the run
    expect(c).toMatch(/Map last:\n {2}\+ 00 00 00 00 => 2d 00 00 00 00 00 00 00/);
    // stepping back over the printk takes its output back; forwards prints it again
    await dc.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line: findMarker(LOOP, 'printk') }] });
    await dc.move('reverseContinue');
    expect((await dc.topFrame()).line).toBe(findMarker(LOOP, 'printk'));
    await dc.move('next');
    expect(dc.output('stdout')).toBe('sum 45\nsum 45\n');
  });

  it('shows the packet with parsed headers, the context by field name, the stack as slots and the maps', async () => {
    await dc.launchAndStop({ program: XDP, packet: UDP, ctx: { ingress_ifindex: 7 }, maps: { counters: { '17': '0x05' } } });
    const pkt = new Map((await dc.variables('Packet')).map((v) => [v.name, v]));
    expect(pkt.get('length')!.value).toBe(String(UDP.split(' ').length));
    expect(pkt.get('ipv4')!.value).toBe('192.168.1.7 -> 10.9.8.7 proto 17 ttl 33');
    expect(pkt.get('udp')!.value).toBe('4000 -> 53');
    const eth = (await dc.variablesRequest({ variablesReference: pkt.get('ethernet')!.variablesReference })).body.variables;
    expect(eth.find((v) => v.name === 'src')!.value).toBe('00:11:22:33:44:55');
    const ctx = new Map((await dc.variables('Context')).map((v) => [v.name, v.value]));
    expect(ctx.get('ingress_ifindex')).toBe('0x7 (7)');
    expect(ctx.get('data')).toMatch(/^pkt \(/);
    expect(ctx.get('data_end')).toMatch(/^pkt_end \(/);
    // context fields in expressions read as the program loads them (data and data_end are pointers)
    expect(await dc.value('ctx->data_end - ctx->data')).toBe(BigInt(UDP.split(' ').length));
    expect(await dc.value('ctx->ingress_ifindex == 7')).toBe(1n);
    await expect(dc.evaluateRequest({ expression: 'ctx->mark', context: 'repl' })).rejects.toThrow(/the context has no field 'mark'/);
    const maps = await dc.variables('Maps');
    expect(maps[0]!.name).toBe('counters');
    const entries = (await dc.variablesRequest({ variablesReference: maps[0]!.variablesReference })).body.variables;
    expect(entries.length).toBe(256);
    expect(entries[17]).toMatchObject({ name: '[17]', value: '05 00 00 00 00 00 00 00  = 0x5 (5)', evaluateName: 'counters[17]' });
    const stack = await dc.variables('Stack');
    expect(stack.length).toBe(64);
    expect(stack[0]!.name).toBe('fp-8');
    expect(stack[63]!.name).toBe('fp-512');
  });

  it('evaluates registers, memory loads, map elements and arithmetic; hovers and watches', async () => {
    await dc.launchAndStop({ program: XDP, packet: UDP }, () => dc.setBreakpointsRequest({ source: { path: XDP }, breakpoints: [{ line: findMarker(XDP, 'lookup') }] }));
    await dc.move('continue');
    // count_proto stored the protocol (17) at fp-4 of its frame
    expect(await dc.value('*(u32 *)(r10 - 4)')).toBe(17n);
    expect(await dc.value('*(u32 *)r2')).toBe(17n);
    expect(await dc.value('r2 - r10')).toBe(BigInt.asUintN(64, -4n));
    expect(await dc.value('(r7 + 3) * 2 == 40')).toBe(1n);
    expect(await dc.value('w7 << 4 | 1')).toBe(0x111n);
    const hover = await dc.evaluateRequest({ expression: 'r2', context: 'hover' });
    expect(hover.body.result).toMatch(/^fp-4 \(0x[0-9a-f]+\)\s+verifier: fp-4/);
    expect(hover.body.memoryReference).toMatch(/^0x/);
    expect((await dc.evaluateRequest({ expression: 'r2 + 0', context: 'hover' })).body.result).toMatch(/^0x[0-9a-f]+ \(/);
    await expect(dc.evaluateRequest({ expression: 'nosuch[1]', context: 'repl' })).rejects.toThrow(/no map named 'nosuch'/);
    await expect(dc.evaluateRequest({ expression: 'r1 / 0', context: 'repl' })).rejects.toThrow(/division by zero/);
    const m = await dc.evaluateRequest({ expression: 'counters', context: 'repl' });
    expect(m.body.result).toMatch(/^array, 256 entries/);
    expect(m.body.variablesReference).toBeGreaterThan(0);
  });

  it('completes register and map names in the REPL', async () => {
    await dc.launchAndStop({ program: XDP, packet: UDP });
    const r = await dc.customRequest('completions', { text: 'r1 + cou', column: 9 }) as DebugProtocol.CompletionsResponse;
    expect(r.body.targets.map((t) => t.label)).toEqual(['counters']);
    expect(r.body.targets[0]).toMatchObject({ text: 'counters[', start: 5, length: 3 });
    const regs = await dc.customRequest('completions', { text: 'w', column: 2 }) as DebugProtocol.CompletionsResponse;
    expect(regs.body.targets.length).toBe(11);
  });

  it('sets registers, stack slots and map values; the program then runs on them', async () => {
    await dc.launchAndStop({ program: XDP, packet: UDP }, () => dc.setBreakpointsRequest({ source: { path: XDP }, breakpoints: [{ line: findMarker(XDP, 'have_value') }] }));
    await dc.move('continue');
    const maps = await dc.variables('Maps');
    const entries = (await dc.variablesRequest({ variablesReference: maps[0]!.variablesReference })).body.variables;
    const invalidated = dc.waitForEvent('invalidated');
    const set = await dc.setVariableRequest({ variablesReference: maps[0]!.variablesReference, name: entries[17]!.name, value: '41' });
    expect(set.body.value).toMatch(/= 0x29 \(41\)/);
    await invalidated;
    await dc.move('next');
    await dc.move('next');
    await dc.move('next');
    expect(await dc.value('counters[17]')).toBe(42n);
    const stack = await dc.scope('Stack');
    await dc.setVariableRequest({ variablesReference: stack.variablesReference, name: 'fp-8', value: '0x1122334455667788' });
    expect(await dc.value('*(u64 *)(r10 - 8)')).toBe(0x1122334455667788n);
    let regs = await dc.scope('Registers');
    await dc.setVariableRequest({ variablesReference: regs.variablesReference, name: 'r0', value: 'r0 + 8' });
    await expect(dc.setVariableRequest({ variablesReference: regs.variablesReference, name: 'r10', value: '0' })).rejects.toThrow(/cannot be changed/);
    // watch expressions can be assigned to: a load, a map element
    const se = await dc.customRequest('setExpression', { expression: '*(u16 *)(r10 - 8)', value: '0xbeef' }) as DebugProtocol.SetExpressionResponse;
    expect(se.body.value).toBe('0xbeef (48879)');
    expect(await dc.value('*(u64 *)(r10 - 8)')).toBe(0x112233445566beefn);
    await dc.customRequest('setExpression', { expression: 'counters[17]', value: 'counters[17] + 100' });
    expect(await dc.value('counters[17]')).toBe(142n);
    // back in the caller (r6-r9 are restored on return), r7 = 6 (TCP) makes the program pass instead of drop
    await dc.move('stepOut');
    regs = await dc.scope('Registers');
    await dc.setVariableRequest({ variablesReference: regs.variablesReference, name: 'r7', value: '6' });
    const end = await dc.move('continue');
    expect(end.body.description).toBe('exited with r0 = 2 (XDP_PASS)');
  });

  it('reads and writes memory through memory references of pointers, stack slots and map values', async () => {
    await dc.launchAndStop({ program: XDP, packet: UDP }, () => dc.setBreakpointsRequest({ source: { path: XDP }, breakpoints: [{ line: findMarker(XDP, 'proto') }] }));
    await dc.move('continue');
    const r2 = (await dc.variables('Registers')).find((v) => v.name === 'r2')!;
    expect(r2.memoryReference).toBeDefined();
    const mem = await dc.customRequest('readMemory', { memoryReference: r2.memoryReference!, count: 64 }) as DebugProtocol.ReadMemoryResponse;
    const bytes = [...Buffer.from(mem.body!.data!, 'base64')];
    expect(toHex(bytes)).toBe(UDP);
    expect(mem.body!.unreadableBytes).toBe(64 - bytes.length);
    // patch the IP protocol byte (offset 23) to TCP: the program then counts TCP and passes
    await dc.customRequest('writeMemory', { memoryReference: r2.memoryReference!, offset: 23, data: Buffer.from([6]).toString('base64') });
    const end = await dc.move('continue');
    expect(end.body.description).toBe('exited with r0 = 2 (XDP_PASS)');
    expect(await dc.value('counters[6]')).toBe(1n);
    expect(dc.output('console')).toMatch(/Packet: 42 -> 42 bytes\.\n {2}bytes 23-23: 11 -> 06/);
  });

  it('disassembles around the instruction pointer with source locations, as llvm-objdump-19 prints the object', async () => {
    await dc.launchAndStop({ program: XDP, packet: UDP });
    const ip = (await dc.topFrame()).instructionPointerReference!;
    const d = await dc.customRequest('disassemble', { memoryReference: ip, instructionOffset: -2, instructionCount: 40 }) as DebugProtocol.DisassembleResponse;
    const ins = d.body!.instructions;
    expect(ins.length).toBe(40);
    expect(ins[0]!.presentationHint).toBe('invalid');
    expect(ins[2]!.address).toBe(ip);
    expect(ins[2]!.symbol).toBe('xdp_count');
    expect(ins[2]!.line).toBe(findMarker(XDP, 'entry'));
    expect(ins.find((i) => i.symbol === 'count_proto')?.line).toBe(findMarker(XDP, 'count_entry'));
    if (!HAVE_LLVM) { console.warn(NO_LLVM_REASON); return; }
    const expected = objdumpByOffset(objdump(writeObject(assembledFixture(XDP)), ['-d']));
    const base = BigInt(ip);
    const real = ins.filter((i) => i.presentationHint !== 'invalid');
    expect(real.length).toBe(expected.size);
    for (const i of real) {
      const off = Number(BigInt(i.address) - base);
      expect(i.instruction.replace(/\s+;.*$/, ''), `offset ${off}`).toBe(expected.get(off));
    }
  });

  it('debugs an ELF object without source at instruction granularity', async () => {
    if (!HAVE_LLVM) { console.warn(NO_LLVM_REASON); return; }
    const dir = mkdtempSync(join(tmpdir(), 'bpf-debug-'));
    const obj = join(dir, 'xdp_count.o');
    writeFileSync(obj, writeObject(assembledFixture(XDP)));
    const expected = objdumpByOffset(objdump(readFileSync(obj), ['-d']));
    await dc.launchAndStop({ program: obj, packet: UDP });
    const f = await dc.topFrame();
    expect(f.source).toBeUndefined();
    const base = BigInt(f.instructionPointerReference!);
    const bp = await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: f.instructionPointerReference!, offset: 8 * 8 }] }) as DebugProtocol.SetInstructionBreakpointsResponse;
    expect(bp.body.breakpoints[0]!.verified).toBe(true);
    expect((await dc.move('continue')).body.reason).toBe('instruction breakpoint');
    const at = await dc.topFrame();
    expect(Number(BigInt(at.instructionPointerReference!) - base)).toBe(64);
    const d = await dc.customRequest('disassemble', { memoryReference: at.instructionPointerReference!, instructionCount: 1 }) as DebugProtocol.DisassembleResponse;
    expect(d.body!.instructions[0]!.instruction).toBe(expected.get(64));
    await dc.move('stepIn');
    expect(Number(BigInt((await dc.topFrame()).instructionPointerReference!) - base)).toBe(72);
    expect((await dc.move('continue')).body.description).toBe('exited with r0 = 1 (XDP_DROP)');
  });

  it('rejects bad launch configurations with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpf-debug-'));
    const junk = join(dir, 'junk.pcap');
    writeFileSync(junk, 'not a capture at all');
    const bad = join(dir, 'bad.s');
    writeFileSync(bad, '        .section xdp, "ax"\nprog:\n        r0 = nosuchreg\n        exit\n');
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ program: join(dir, 'missing.s') }, /missing\.s does not exist/],
      [{ program: XDP, packet: 'ff zz' }, /packet: 'z' is not a hex digit/],
      [{ program: XDP, packet: 'fff' }, /packet: .*odd number of hex digits/],
      [{ program: XDP, pcap: junk }, /pcap: .*not a pcap or pcapng capture/],
      [{ program: XDP, maps: { nosuch: {} } }, /maps: no map named 'nosuch' \(maps: counters\)/],
      [{ program: fixture('percpu_count.s'), maps: { where: [{ key: 0, values: [1] }] } }, /maps: where\[0\]: "values" \(one per CPU\) is only for per-CPU maps; where \(array\) takes a "value"/],
      [{ program: fixture('percpu_count.s'), maps: { counts: [{ key: 1, values: new Array(possibleCpus() + 1).fill(1) }] } }, /maps: counts\[0\]: \d+ values, but there (is 1 possible CPU|are \d+ possible CPUs)/],
      [{ program: XDP, section: 'tc' }, /no program in section or named 'tc'/],
      [{ program: XDP, helpers: { bpf_nosuch: 1 } }, /helpers: unknown helper 'bpf_nosuch'/],
      [{ program: XDP, ctx: { nosuch: 1 } }, /ctx: xdp_md has no field 'nosuch'/],
      [{ program: XDP, ctx: { ingress_ifindex: 'two' } }, /ctx\.ingress_ifindex: 'two' is not a number/],
      [{ program: XDP, maxInstructions: 0 }, /maxInstructions: expected a positive integer/],
      [{ program: XDP, packet: 'ff', pcap: junk }, /give only one of packet, pcap/],
      [{ program: bad }, /bad\.s has assembly errors:\n {2}line 3: /],
    ];
    for (const [args, message] of cases) {
      const c = new BpfDebugClient();
      await c.start();
      try {
        await c.initializeRequest();
        await expect(c.launchRequest(args as never), JSON.stringify(args)).rejects.toThrow(message);
      } finally {
        await c.stop();
      }
    }
  });

  /** Steps through a run and collects the registers flagged outside the verifier's range. */
  async function flaggedRegisters(program: string, extra: Record<string, unknown>): Promise<{ checked: number; flagged: string[] }> {
    const c = new BpfDebugClient();
    await c.start();
    let checked = 0;
    const flagged: string[] = [];
    try {
      let stop = await c.launchAndStop({ program, ...extra });
      while (stop.body.reason !== 'exit') {
        for (const r of await c.variables('Registers')) {
          checked++;
          if (r.value.includes('outside')) flagged.push(`line ${(await c.topFrame()).line} ${r.name}: ${r.value}`);
        }
        stop = await c.move('stepIn');
      }
    } finally {
      await c.stop();
    }
    return { checked, flagged };
  }

  it('never flags a register outside the verifier\'s range while accepted programs run (the verifier is sound)', async () => {
    let checked = 0;
    for (const [program, extra] of [[XDP, { packet: UDP }], [XDP, { packet: TCP }], [LOOP, {}], [HELPER_ERR, {}], [fixture('ttl_swap.s'), { packet: UDP }],
      [fixture('kprobe_args.s'), { ctx: { di: 5 } }], [fixture('comm.s'), {}], [fixture('len_class.bpf.mnemonic'), { packet: TCP }],
      [fixture('ringbuf_out.s'), { packet: UDP }], [fixture('big_array.s'), { packet: UDP }]] as const) {
      const r = await flaggedRegisters(program, extra);
      expect(r.flagged, program).toEqual([]);
      checked += r.checked;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('stops at a breakpoint on the first instruction without stopOnEntry', async () => {
    const stop = await dc.launchAndStop({ program: LOOP, stopOnEntry: false }, () => dc.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line: findMarker(LOOP, 'init') }] }));
    expect(stop.body.reason).toBe('breakpoint');
    expect((await dc.topFrame()).line).toBe(findMarker(LOOP, 'init'));
  });

  it('does not hang on a program the verifier takes long on: it runs without the verdict after a time limit', async () => {
    const long = fixture('long_loop.s');
    const t = performance.now();
    await dc.launchAndStop({ program: long, verifierTimeoutMs: 50, maxInstructions: 2_000_000 }, () => dc.setBreakpointsRequest({ source: { path: long }, breakpoints: [{ line: findMarker(long, 'after') }] }));
    expect(performance.now() - t).toBeLessThan(5000);
    expect(dc.output('stderr')).toMatch(/Not verified: the verifier did not finish within 0\.05 s/);
    expect((await dc.move('continue')).body.reason).toBe('breakpoint');
    // (the verifier walks this loop's 1,000,002 instructions in well over 50 ms)
    // 333,334 iterations of 3 instructions, plus the 2 before the loop
    expect(await dc.value('r1')).toBe(333_334n);
    // without the verifier's states, registers show their values alone
    expect((await dc.variables('Registers'))[1]!.value).toBe('0x51616 (333334)');
  });

  it('debugs the mnemonic syntax too', async () => {
    const prog = fixture('len_class.bpf.mnemonic');
    await dc.launchAndStop({ program: prog, packet: UDP }, () => dc.setBreakpointsRequest({ source: { path: prog }, breakpoints: [{ line: findMarker(prog, 'compare') }] }));
    expect((await dc.topFrame()).line).toBe(findMarker(prog, 'entry'));
    await dc.move('continue');
    // r3 = data_end - data: the packet's length
    expect(await dc.value('r3')).toBe(BigInt(UDP.split(' ').length));
    await dc.move('next');
    expect((await dc.topFrame()).line).toBe(findMarker(prog, 'short'));
    expect((await dc.move('continue')).body.description).toBe('exited with r0 = 1 (XDP_DROP)');
  });

  it('lists breakpoint locations, the thread, and terminates on request', async () => {
    await dc.launchAndStop({ program: XDP, packet: UDP });
    const from = findMarker(XDP, 'proto') - 2;
    const locs = await dc.customRequest('breakpointLocations', { source: { path: XDP }, line: from, endLine: from + 4 }) as DebugProtocol.BreakpointLocationsResponse;
    // the lines of that range holding instructions, as the source shows them (`pass:` is a label)
    const src = readFileSync(XDP, 'utf8').split('\n');
    const withCode = [0, 1, 2, 3, 4].map((k) => from + k).filter((l) => /^\s+[a-z*]/.test(src[l - 1]!.replace(/\/\/.*/, '')));
    expect(locs.body.breakpoints.map((b) => b.line)).toEqual(withCode);
    const threads = await dc.threadsRequest();
    expect(threads.body.threads).toEqual([{ id: 1, name: 'eBPF program (xdp)' }]);
    await Promise.all([dc.customRequest('terminate', {}), dc.waitForEvent('terminated')]);
  });

  it('answers a step within 20 ms', async () => {
    await dc.stop();
    dc = new BpfDebugClient();
    await dc.startProcess();
    await dc.launchAndStop({ program: LOOP });
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      await dc.move('next');
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    expect(times[Math.floor(times.length / 2)]).toBeLessThan(20);
  });
});
