// Launch inputs of the debug adapter (pcap files, packet files, pt_regs context, the virtual clock
// and random seed, initial maps including a prog_array for tail calls) and the tail-call chain in
// the call stack; restart.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BpfDebugClient, shareAdapter, adapterBuilt, findMarker, fixture, ipv4Packet } from './fixtures/debug/debug-client';

if (!adapterBuilt) console.warn('skipping debug adapter input tests: dist/debugAdapter.js is missing (run `npm run build`)');

const XDP = fixture('xdp_count.s');
const TAIL = fixture('tail_call.s');
const KPROBE = fixture('kprobe_args.s');

/** A little-endian pcap file (libpcap format 2.4, Ethernet) holding the packets. */
function pcapFile(packets: number[][]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const records = packets.map((p, i) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(1_700_000_000 + i, 0);
    r.writeUInt32LE(p.length, 8);
    r.writeUInt32LE(p.length, 12);
    return Buffer.concat([r, Buffer.from(p)]);
  });
  return Buffer.concat([header, ...records]);
}

describe.skipIf(!adapterBuilt)('debug adapter inputs', () => {
  let dc: BpfDebugClient;
  let stopServer: () => void = () => undefined;
  beforeAll(async () => { stopServer = await shareAdapter(); });
  afterAll(() => { stopServer(); rmSync(dir, { recursive: true, force: true }); });
  const dir = mkdtempSync(join(tmpdir(), 'bpf-debug-inputs-'));
  beforeEach(async () => {
    dc = new BpfDebugClient();
    await dc.start();
  });
  afterEach(async () => {
    await dc.stop();
  });

  it('takes the packet from a pcap file by index, and from a raw packet file', async () => {
    const cap = join(dir, 'two.pcap');
    writeFileSync(cap, pcapFile([ipv4Packet(17), ipv4Packet(6, { src: [172, 16, 0, 9] })]));
    let stop = await dc.launchAndStop({ program: XDP, pcap: cap, pcapIndex: 1, stopOnEntry: false });
    expect(stop.body.description).toBe('exited with r0 = 2 (XDP_PASS)');
    expect(await dc.value('counters[6]')).toBe(1n);
    expect((await dc.variables('Packet')).find((v) => v.name === 'ipv4')!.value).toBe('172.16.0.9 -> 10.0.0.2 proto 6 ttl 64');
    await dc.stop();

    dc = new BpfDebugClient();
    await dc.start();
    await dc.initializeRequest();
    await expect(dc.launchRequest({ program: XDP, pcap: cap, pcapIndex: 2 } as never)).rejects.toThrow(/pcapIndex: 2 is out of range \(the capture has 2 packets\)/);
    await dc.stop();

    dc = new BpfDebugClient();
    await dc.start();
    const raw = join(dir, 'udp.bin');
    writeFileSync(raw, Buffer.from(ipv4Packet(17)));
    stop = await dc.launchAndStop({ program: XDP, packetFile: raw, stopOnEntry: false });
    expect(stop.body.description).toBe('exited with r0 = 1 (XDP_DROP)');
  });

  it('builds pt_regs from ctx fields, with the clock start and random seed from helpers', async () => {
    const clock = 5_000_000_000n;
    await dc.launchAndStop({ program: KPROBE, ctx: { di: 41 }, helpers: { clockNs: String(clock), seed: 7 } });
    const ctx = new Map((await dc.variables('Context')).map((v) => [v.name, v.value]));
    expect(ctx.get('di')).toBe('0x29 (41)');
    expect(ctx.get('si')).toBe('0x0 (0)');
    await dc.setBreakpointsRequest({ source: { path: KPROBE }, breakpoints: [{ line: findMarker(KPROBE, 'after_clock') }, { line: findMarker(KPROBE, 'exit') }] });
    await dc.move('continue');
    // the clock starts at clockNs and advances one ns per instruction (two have run)
    expect(await dc.value('r0')).toBe(clock + 2n);
    await dc.move('continue');
    const random = await dc.value('r8');
    expect(await dc.value('r0')).toBe(42n);
    await dc.stop();

    // the same seed gives the same number; another seed another
    const randomWith = async (seed: number): Promise<bigint> => {
      dc = new BpfDebugClient();
      await dc.start();
      await dc.launchAndStop({ program: KPROBE, ctx: { di: 1 }, helpers: { seed } }, () => dc.setBreakpointsRequest({ source: { path: KPROBE }, breakpoints: [{ line: findMarker(KPROBE, 'exit') }] }));
      await dc.move('continue');
      const v = await dc.value('r8');
      await dc.stop();
      return v;
    };
    expect(await randomWith(7)).toBe(random);
    expect(await randomWith(8)).not.toBe(random);
    dc = new BpfDebugClient();
    await dc.start();
  });

  it('follows a tail call set up in the initial maps and shows the chain in the call stack', async () => {
    await dc.launchAndStop({ program: TAIL, maps: { jmp: { '0': 'second' } } }, () => dc.setBreakpointsRequest({ source: { path: TAIL }, breakpoints: [{ line: findMarker(TAIL, 'second') }] }));
    const stop = await dc.move('continue');
    expect(stop.body.reason).toBe('breakpoint');
    const frames = await dc.frames();
    expect(frames.map((f) => f.name)).toEqual(['second', 'first [tail call]']);
    expect(frames.map((f) => f.line)).toEqual([findMarker(TAIL, 'second'), findMarker(TAIL, 'tail')]);
    // stepping back over the tail call returns to `first` and the chain is gone
    await dc.move('stepBack');
    expect((await dc.frames()).map((f) => [f.name, f.line])).toEqual([['first', findMarker(TAIL, 'tail')]]);
    const end = await dc.move('continue');
    expect(end.body.description).toBe('exited with r0 = 3 (XDP_TX)');
  });

  it('falls through a tail call to an empty slot', async () => {
    const stop = await dc.launchAndStop({ program: TAIL, stopOnEntry: false });
    expect(stop.body.description).toBe('exited with r0 = 1 (XDP_DROP)');
  });

  it('reads initial maps from a JSON file, relative to cwd', async () => {
    writeFileSync(join(dir, 'maps.json'), JSON.stringify({ counters: [{ key: 17, value: '0x10' }] }));
    const stop = await dc.launchAndStop({ program: XDP, packet: ipv4Packet(17), maps: 'maps.json', cwd: dir, stopOnEntry: false });
    expect(stop.body.reason).toBe('exit');
    expect(await dc.value('counters[17]')).toBe(0x11n);
  });

  it('takes a raw context as hex bytes', async () => {
    // pt_regs->di is the 15th 8-byte field (offset 112)
    const regs = new Uint8Array(168);
    regs[112] = 9;
    const stop = await dc.launchAndStop({ program: KPROBE, ctx: Buffer.from(regs).toString('hex'), stopOnEntry: false });
    expect(stop.body.description).toBe('exited with r0 = 10');
  });

  it('watches a register with a data breakpoint', async () => {
    await dc.launchAndStop({ program: XDP, packet: ipv4Packet(6) });
    const regs = await dc.scope('Registers');
    const info = await dc.dataBreakpointInfoRequest({ variablesReference: regs.variablesReference, name: 'r7' });
    expect(info.body.dataId).toBe('reg:7');
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId! }] });
    const stop = await dc.move('continue');
    expect(stop.body.reason).toBe('data breakpoint');
    expect(stop.body.description).toBe('r7 changed from 0x0 to 0x6');
    expect((await dc.topFrame()).line).toBe(findMarker(XDP, 'call'));
  });

  it('keeps data breakpoints exact on a million-instruction run', async () => {
    const long = fixture('long_loop.s');
    await dc.launchAndStop({ program: long, skipVerifier: true, maxInstructions: 2_000_000 });
    const info = await dc.dataBreakpointInfoRequest({ name: 'r2' });
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId! }] });
    // r2 = 0 and r2 += 0 leave it 0; the first change is r2 += 1 in the second iteration
    let stop = await dc.move('continue');
    expect(stop.body).toMatchObject({ reason: 'data breakpoint', description: 'r2 changed from 0x0 to 0x1' });
    expect(await dc.value('r1')).toBe(1n);
    expect((await dc.topFrame()).line).toBe(findMarker(long, 'loop') + 1);
    // a stack slot nobody writes, and a breakpoint after the loop: the breakpoint wins, a million instructions on
    const stack = await dc.scope('Stack');
    const slot = await dc.dataBreakpointInfoRequest({ variablesReference: stack.variablesReference, name: 'fp-8' });
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: slot.body.dataId! }] });
    await dc.setBreakpointsRequest({ source: { path: long }, breakpoints: [{ line: findMarker(long, 'after') }] });
    const t = performance.now();
    stop = await dc.move('continue');
    expect(stop.body.reason).toBe('breakpoint');
    expect(await dc.value('r1')).toBe(333_334n);
    expect(performance.now() - t).toBeLessThan(2000);
    // and backwards: the last change of r2 before here
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId! }] });
    stop = await dc.move('reverseContinue');
    expect(stop.body.reason).toBe('data breakpoint');
    expect(await dc.value('r1')).toBe(333_333n);
  });

  for (const mode of ['in chunks', 'one step at a time'] as const) {
    it(`stops when a helper writes watched memory (${mode})`, async () => {
      const prog = fixture('comm.s');
      await dc.launchAndStop({ program: prog }, async () => {
        // asking for helper errors too makes the run go one instruction at a time
        if (mode === 'one step at a time') await dc.setExceptionBreakpointsRequest({ filters: ['faults', 'helperErrors'] });
      });
      const stack = await dc.scope('Stack');
      const info = await dc.dataBreakpointInfoRequest({ variablesReference: stack.variablesReference, name: 'fp-16' });
      await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId! }] });
      const stop = await dc.move('continue');
      expect(stop.body.reason).toBe('data breakpoint');
      expect(stop.body.description).toMatch(/^8 bytes at 0x[0-9a-f]+ changed by bpf_get_current_comm: 00 00 00 00 00 00 00 00 -> [0-9a-f ]+$/);
      expect((await dc.topFrame()).line).toBe(findMarker(prog, 'after'));
      // backwards, the same write seen from before the call
      await dc.move('next');
      const back = await dc.move('reverseContinue');
      expect(back.body.reason).toBe('data breakpoint');
      expect(back.body.description).toBe(stop.body.description);
      expect((await dc.topFrame()).line).toBe(findMarker(prog, 'call'));
    });
  }

  it('ends the session at a fault when fault stops are off', async () => {
    const short = ipv4Packet(17);
    await dc.launchAndStop({ program: fixture('oob_read.s'), packet: short, verifyFirst: false }, () => dc.setExceptionBreakpointsRequest({ filters: [] }));
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
    expect(dc.output('stderr')).toMatch(/Runtime fault: invalid read of 1 byte at 0x[0-9a-f]+: out of bounds of packet/);
  });

  it('returns the launch\'s value from a helper the VM does not emulate, and faults without one', async () => {
    const prog = fixture('cgroup_id.s');
    let stop = await dc.launchAndStop({ program: prog, helpers: { bpf_get_current_cgroup_id: '0x1234' }, stopOnEntry: false });
    expect(stop.body.description).toBe('exited with r0 = 4660');
    await dc.stop();
    dc = new BpfDebugClient();
    await dc.start();
    stop = await dc.launchAndStop({ program: prog, stopOnEntry: false });
    expect(stop.body.reason).toBe('exception');
    expect(stop.body.description).toMatch(/bpf_get_current_cgroup_id \(#80\) is not emulated/);
    expect((await dc.topFrame()).line).toBe(findMarker(prog, 'call'));
  });

  it('prints ring buffer records in the Debug Console, and takes them back when stepping back', async () => {
    const prog = fixture('ringbuf_out.s');
    await dc.launchAndStop({ program: prog, packet: ipv4Packet(17) }, () => dc.setBreakpointsRequest({ source: { path: prog }, breakpoints: [{ line: findMarker(prog, 'output') }] }));
    await dc.move('continue');
    await dc.move('next');
    expect(dc.output('console')).toContain('ringbuf events: 2a 00 00 00 00 00 00 00\n');
    await dc.move('stepBack');
    await dc.move('next');
    expect(dc.output('console').split('ringbuf events:').length - 1).toBe(2);
    expect((await dc.move('continue')).body.description).toBe('exited with r0 = 2 (XDP_PASS)');
  });

  it('pages through a big array map', async () => {
    const prog = fixture('big_array.s');
    await dc.launchAndStop({ program: prog, packet: ipv4Packet(17) }, () => dc.setBreakpointsRequest({ source: { path: prog }, breakpoints: [{ line: findMarker(prog, 'exit') }] }));
    await dc.move('continue');
    const t = performance.now();
    const big = (await dc.variables('Maps')).find((v) => v.name === 'big')!;
    expect(big.value).toBe('array, 100000 entries (key 4 B, value 8 B, max 100000)');
    expect(big.indexedVariables).toBe(100000);
    const page = (await dc.variablesRequest({ variablesReference: big.variablesReference, filter: 'indexed', start: 77700, count: 100 })).body.variables;
    expect(page.length).toBe(100);
    expect(page[77].name).toBe('[77777]');
    expect(page[77].value).toBe('01 00 00 00 00 00 00 00  = 0x1 (1)');
    expect(page[76].value).toBe('00 00 00 00 00 00 00 00  = 0x0 (0)');
    expect(performance.now() - t).toBeLessThan(1000);
    const set = await dc.setVariableRequest({ variablesReference: big.variablesReference, name: '[77777]', value: '5' });
    expect(set.body.value).toBe('05 00 00 00 00 00 00 00  = 0x5 (5)');
    expect(await dc.value('big[77777]')).toBe(5n);
  });

  it('restarts from the first instruction with fresh maps', async () => {
    await dc.launchAndStop({ program: XDP, packet: ipv4Packet(17) });
    await dc.move('continue');
    expect(await dc.value('counters[17]')).toBe(1n);
    await Promise.all([dc.customRequest('restart', {}), dc.waitForEvent('stopped')]);
    expect((await dc.topFrame()).line).toBe(findMarker(XDP, 'entry'));
    expect(await dc.value('counters[17]')).toBe(0n);
  });
});
