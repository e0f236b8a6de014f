// The programs the debugger tests step through give the same results in the debugger as in the
// kernel (BPF_PROG_TEST_RUN): return value, packet out and map contents, whether the run is driven
// by `continue` or one `stepIn` at a time.
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assembleText } from '../core/asm';
import { closeFd, kernelBpfAvailable, linkForKernel, loadProgram, mapLookup, mapUpdate, possibleCpus, testRun, verifyInKernel } from '../core/kernel';
import type { CorpusCase } from '../core/testing/corpus';
import { comparableMap, runCaseInKernel } from '../core/testing/corpus-kernel';
import { BpfDebugClient, shareAdapter, FIXTURES, adapterBuilt, fixture, ipv4Packet, toHex } from './fixtures/debug/debug-client';

const avail = kernelBpfAvailable();
if (!avail.ok) console.warn(`skipping debugger-vs-kernel tests: ${avail.reason}`);
if (!adapterBuilt) console.warn('skipping debugger-vs-kernel tests: dist/debugAdapter.js is missing (run `npm run build`)');

const arp = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3, 4, 5, 0x08, 0x06, ...new Array(28).fill(0x11)];

const CASES: { file: string; packets: [string, number[]][] }[] = [
  {
    file: 'xdp_count.s',
    packets: [
      ['UDP', ipv4Packet(17)], ['TCP', ipv4Packet(6)], ['ICMP', ipv4Packet(1)], ['ARP', arp],
      ['truncated', ipv4Packet(17).slice(0, 30)],
    ],
  },
  { file: 'sum_loop.s', packets: [['UDP', ipv4Packet(17)]] },
  { file: 'helper_error.s', packets: [['UDP', ipv4Packet(17)]] },
  { file: 'ringbuf_out.s', packets: [['UDP', ipv4Packet(17)]] },
  { file: 'len_class.bpf.mnemonic', packets: [['42 bytes', ipv4Packet(17)], ['80 bytes', [...ipv4Packet(6), ...new Array(26).fill(0)]]] },
  {
    file: 'ttl_swap.s',
    packets: [['TTL 64', ipv4Packet(6, { ttl: 64 })], ['TTL 1', ipv4Packet(17, { ttl: 1 })], ['TTL 0x80', ipv4Packet(17, { ttl: 0x80 })], ['ARP', arp]],
  },
];

interface Outcome {
  retval: number;
  dataOut: string;
  maps: Record<string, string[]>;
}

const hexNoSpace = (s: string): string => s.replace(/\s+/g, '');

/** What the debugger shows at the end of a run: r0, the packet (Packet scope), the maps (Maps scope). */
async function debuggerOutcome(dc: BpfDebugClient, mapNames: string[]): Promise<Outcome> {
  const retval = Number((await dc.value('r0')) & 0xffffffffn);
  const packet = new Map((await dc.variables('Packet')).map((v) => [v.name, v]));
  const rows = (await dc.variablesRequest({ variablesReference: packet.get('bytes')!.variablesReference })).body.variables;
  const dataOut = rows.map((r) => hexNoSpace(r.value)).join('');
  const maps: Record<string, string[]> = {};
  for (const m of await dc.variables('Maps')) {
    if (!mapNames.includes(m.name)) continue;
    const entries = (await dc.variablesRequest({ variablesReference: m.variablesReference })).body.variables;
    maps[m.name] = entries.map((e) => `${hexNoSpace(e.type!.replace(/^key /, ''))}=${hexNoSpace(e.value.split('  =')[0]!)}`).sort();
  }
  return { retval, dataOut, maps };
}

describe.skipIf(!avail.ok || !adapterBuilt)('debugger results agree with the kernel', () => {
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

  // The verdict the debugger announces at launch is the kernel verifier's, for every assembly fixture.
  const sources = readdirSync(FIXTURES).filter((f) => /\.(s|bpf\.mnemonic)$/.test(f) && f !== 'long_loop.s');
  for (const name of sources) {
    it(`announces the kernel's verdict on ${name}`, async () => {
      const path = fixture(name);
      const file = assembleText(readFileSync(path, 'utf8'));
      const kernel = verifyInKernel(file.programs[0]!, file.maps, file.data, { logLevel: 0 });
      await dc.initializeRequest();
      const launched = await dc.launchRequest({ program: path, verifyFirst: false, stopOnEntry: true } as never).then(() => true, () => false);
      expect(launched).toBe(true);
      const said = /the verifier (accepts|REJECTS) it/.exec(dc.output('console'))?.[1];
      expect(said, `${name}: kernel says ${kernel.error ?? 'accepted'}`).toBe(kernel.errno === 0 ? 'accepts' : 'REJECTS');
    });
  }

  for (const c of CASES) {
    for (const [label, packet] of c.packets) {
      for (const drive of ['continue', 'stepIn'] as const) {
        it(`${c.file} on ${label} (${drive})`, async () => {
          const path = fixture(c.file);
          const file = assembleText(readFileSync(path, 'utf8'));
          const program = file.programs[0]!;
          const kc: CorpusCase = { name: c.file, progType: program.progType!, program, maps: file.maps, data: file.data, runs: [{ data: Uint8Array.from(packet) }] };
          const kernel = runCaseInKernel(kc);
          if ('error' in kernel) throw new Error(kernel.error);

          let stop = await dc.launchAndStop({ program: path, packet: toHex(packet), stopOnEntry: drive === 'stepIn' });
          let steps = 0;
          while (stop.body.reason !== 'exit') {
            expect(['entry', 'step'], stop.body.description).toContain(stop.body.reason);
            stop = await dc.move('stepIn');
            if (++steps > 1000) throw new Error('the run does not end');
          }
          const got = await debuggerOutcome(dc, file.maps.filter(comparableMap).map((m) => m.name));
          expect(got).toEqual({ retval: kernel.runs[0]!.retval, dataOut: kernel.runs[0]!.dataOut, maps: kernel.maps });
        });
      }
    }
  }
});

/** The little-endian u64 bytes of n. */
const u64le = (n: bigint): Uint8Array => new Uint8Array(new BigUint64Array([n]).buffer);
const readU64 = (b: Uint8Array): bigint => new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);

describe.skipIf(!avail.ok || !adapterBuilt)('per-CPU maps in the debugger, as BPF_MAP_LOOKUP_ELEM gives them', () => {
  const PERCPU = ['counts', 'byhash', 'lru'];
  const ADDS: Record<string, bigint> = { counts: 1n, byhash: 10n, lru: 100n };
  const cpus = avail.ok ? possibleCpus() : 1;
  /** Distinct starting values per map and CPU. */
  const start = (map: number, cpu: number): bigint => BigInt(1000 * (map + 1) + cpu);
  const key = new Uint8Array([1, 0, 0, 0]);

  /** Per-CPU values of key 1 of each map in the kernel, and the CPU the run reported, before and after one test run. */
  function kernelSide(): { before: Record<string, bigint[]>; after: Record<string, bigint[]>; cpu: number } {
    const file = assembleText(readFileSync(fixture('percpu_count.s'), 'utf8'));
    const linked = linkForKernel(file.programs[0]!, file.maps, file.data);
    const values = (): Record<string, bigint[]> => Object.fromEntries(PERCPU.map((name) => {
      const v = mapLookup(linked.mapFds.get(name)!, key);
      if (!Array.isArray(v)) throw new Error(`${name}: the kernel gave ${v === undefined ? 'no value' : 'a single value'}`);
      return [name, v.map(readU64)];
    }));
    try {
      PERCPU.forEach((name, m) => mapUpdate(linked.mapFds.get(name)!, key, Array.from({ length: cpus }, (_, c) => u64le(start(m, c)))));
      const before = values();
      const load = loadProgram({ insns: linked.insns, progType: 'xdp', name: 'count' });
      if (load.fd === undefined) throw new Error(`the kernel rejected percpu_count.s: ${load.error}`);
      try {
        const r = testRun(load.fd, { data: Uint8Array.from(ipv4Packet(17)) });
        expect(r.errno).toBe(0);
      } finally {
        closeFd(load.fd);
      }
      const where = mapLookup(linked.mapFds.get('where')!, new Uint8Array(4)) as Uint8Array;
      return { before, after: values(), cpu: Number(readU64(where) - 1000n) };
    } finally {
      linked.close();
    }
  }

  /** The Maps scope's per-CPU values of key 1 of each map (the `cpu N` children of entry [1]). */
  async function debuggerValues(dc: BpfDebugClient): Promise<Record<string, bigint[]>> {
    const out: Record<string, bigint[]> = {};
    for (const m of await dc.variables('Maps')) {
      if (!PERCPU.includes(m.name)) continue;
      const entries = (await dc.variablesRequest({ variablesReference: m.variablesReference })).body.variables;
      const entry = entries.find((e) => e.name === '[1]');
      expect(entry?.value, `${m.name}[1]`).toMatch(/^per-CPU: /);
      const perCpu = (await dc.variablesRequest({ variablesReference: entry!.variablesReference })).body.variables;
      expect(perCpu.map((v) => v.name)).toEqual(Array.from({ length: cpus }, (_, c) => `cpu ${c}`));
      out[m.name] = perCpu.map((v) => readU64(Uint8Array.from(v.value.split('  =')[0]!.trim().split(' ').map((x) => parseInt(x, 16)))));
    }
    return out;
  }

  it('shows one value per possible CPU, takes per-CPU launch values, and a run changes only its own CPU\'s', async () => {
    const kernel = kernelSide();
    // BPF_MAP_LOOKUP_ELEM: one value per possible CPU, as updated
    for (const name of PERCPU) expect(kernel.before[name]).toHaveLength(cpus);
    // the run added to the values of the CPU bpf_get_smp_processor_id named, and to no other
    const bumped = (values: Record<string, bigint[]>, cpu: number): Record<string, bigint[]> =>
      Object.fromEntries(Object.entries(values).map(([name, v]) => [name, v.map((x, c) => (c === cpu ? x + ADDS[name]! : x))]));
    expect(kernel.cpu).toBeGreaterThanOrEqual(0);
    expect(kernel.cpu).toBeLessThan(cpus);
    expect(kernel.after).toEqual(bumped(kernel.before, kernel.cpu));

    const dc = new BpfDebugClient();
    await dc.start();
    try {
      const maps = Object.fromEntries(PERCPU.map((name, m) => [name, [{ key: 1, values: Array.from({ length: cpus }, (_, c) => `0x${start(m, c).toString(16)}`) }]]));
      await dc.launchAndStop({ program: fixture('percpu_count.s'), packet: toHex(ipv4Packet(17)), maps });
      expect(await debuggerValues(dc)).toEqual(kernel.before);
      const stop = await dc.move('continue');
      expect(stop.body.reason).toBe('exit');
      // the VM runs as CPU 0, and bpf_get_smp_processor_id says so
      const where = (await dc.variables('Maps')).find((m) => m.name === 'where')!;
      const whereEntries = (await dc.variablesRequest({ variablesReference: where.variablesReference })).body.variables;
      expect(whereEntries[0]!.value).toMatch(/^e8 03 00 00 00 00 00 00\b/);
      expect(await debuggerValues(dc)).toEqual(bumped(kernel.before, 0));
    } finally {
      await dc.stop();
    }
  });
});
