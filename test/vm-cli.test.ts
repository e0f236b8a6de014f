// `bpf-asm run`: JSON and text output, pcap input, map JSON, conformance files; the XDP result is
// checked against the kernel's BPF_PROG_TEST_RUN of the same object.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main';
import { assembleText } from '../core/asm';
import { closeFd, kernelBpfAvailable, linkForKernel, loadProgram, mapUpdate, testRun } from '../core/kernel';
import { IPPROTO_TCP, IPPROTO_UDP, ipv4Packet } from '../core/testing/packets';
import { CONFORMANCE_DIR } from './conformance-dir';

const avail = kernelBpfAvailable();
if (!avail.ok) console.warn(`skipping the kernel comparison of bpf-asm run: ${avail.reason}`);
const dir = mkdtempSync(join(tmpdir(), 'vm-cli-'));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['run', ...args], { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

const XDP = `
	.section xdp,"ax"
prog:
	r6 = r1
	r2 = *(u32 *)(r6 + 0)
	r3 = *(u32 *)(r6 + 4)
	r4 = r2
	r4 += 34
	if r4 > r3 goto pass
	r8 = r2
	r7 = *(u8 *)(r2 + 23)
	*(u32 *)(r10 - 4) = r7
	r1 = protos ll
	r2 = r10
	r2 += -4
	call bpf_map_lookup_elem
	if r0 == 0 goto pass
	r1 = 1
	lock *(u64 *)(r0 + 0) += r1
	r1 = *(u64 *)(r0 + 0)
	*(u8 *)(r8 + 0) = r1
	if r7 == 17 goto drop
pass:
	r0 = 2
	exit
drop:
	r0 = 1
	exit
	.map protos, type=array, key=4, value=8, max_entries=256
`;
const tcp = ipv4Packet({ protocol: IPPROTO_TCP, src: [10, 0, 0, 1], dst: [10, 0, 0, 2] });
const udp = ipv4Packet({ protocol: IPPROTO_UDP, src: [10, 0, 0, 1], dst: [10, 0, 0, 2] });
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function pcap(packets: Uint8Array[]): Uint8Array {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0); head.writeUInt16LE(2, 4); head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16); head.writeUInt32LE(1, 20);
  const recs = packets.map((p, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1000 + i, 0); h.writeUInt32LE(p.length, 8); h.writeUInt32LE(p.length, 12);
    return Buffer.concat([h, Buffer.from(p)]);
  });
  return new Uint8Array(Buffer.concat([head, ...recs]));
}

describe('bpf-asm run', () => {
  const file = join(dir, 'count.s');
  writeFileSync(file, XDP);

  it.skipIf(!avail.ok)('prints the same return value and packet as the kernel, with maps after the run', async () => {
    const { code, out } = await cli(file, '--data', hex(udp), '--json', '--maps', '{"protos": {"17": 4}}');
    expect(code).toBe(0);
    const res = JSON.parse(out);
    const a = assembleText(XDP);
    const linked = linkForKernel(a.programs[0]!, a.maps, a.data);
    try {
      mapUpdate(linked.mapFds.get('protos')!, Uint8Array.of(17, 0, 0, 0), Uint8Array.of(4, 0, 0, 0, 0, 0, 0, 0));
      const load = loadProgram({ insns: linked.insns, progType: 'xdp' });
      expect(load.error).toBeUndefined();
      const k = testRun(load.fd!, { data: udp });
      closeFd(load.fd);
      expect(res.retval).toBe('0x' + k.retval.toString(16));
      expect(res.action).toBe('XDP_DROP');
      expect(res.packet).toBe(hex(k.dataOut));
      expect(res.maps.protos.find((e: { key: string }) => e.key === '11 00 00 00').value).toBe('05 00 00 00 00 00 00 00');
      expect(res.instructions).toBeGreaterThan(10);
    } finally {
      linked.close();
    }
  });

  it('runs once per packet of a pcap, keeping maps between packets', async () => {
    const cap = join(dir, 'two.pcap');
    writeFileSync(cap, pcap([tcp, udp, tcp]));
    const { code, out } = await cli(file, '--pcap', cap, '--json');
    expect(code).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.index, l.action])).toEqual([[0, 'XDP_PASS'], [1, 'XDP_DROP'], [2, 'XDP_PASS']]);
    expect(lines[2].packet.slice(0, 2)).toBe('02');
  });

  it('prints text, and a fault with its instruction and line', async () => {
    const text = await cli(file, '--data', hex(tcp));
    expect(text.out).toMatch(/^retval 0x2 \(XDP_PASS\), \d+ instructions\npacket: 01 /);
    expect(text.out).toMatch(/map protos:\n  06 00 00 00 => 01 00 00 00 00 00 00 00/);
    const bad = join(dir, 'bad.s');
    writeFileSync(bad, '\t.section xdp,"ax"\nprog:\n\tr0 = *(u64 *)(r1 + 64)\n\texit\n');
    const f = await cli(bad, '--json');
    expect(f.code).toBe(1);
    expect(JSON.parse(f.out).fault).toMatchObject({ insn: 0, line: 3, kind: 'memory' });
  });

  it('runs conformance files, one JSON line each', async () => {
    const a = join(CONFORMANCE_DIR, 'add.data');
    const b = join(CONFORMANCE_DIR, 'lddw.data');
    let ok = true;
    try { readFileSync(a); } catch { ok = false; }
    if (!ok) { console.warn('skipping: no conformance files'); return; }
    const { code, out } = await cli(a, b, '--json');
    expect(code).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { file: a, retval: '0x3', expected: '0x3', pass: true },
      { file: b, retval: '0x1122334455667788', expected: '0x1122334455667788', pass: true },
    ]);
    expect((await cli(a)).out).toBe('0x3\n');
  });

  it('takes the current task from --task', async () => {
    const t = join(dir, 'task.s');
    writeFileSync(t, '\t.section kprobe/x,"ax"\nprog:\n\tcall bpf_get_current_pid_tgid\n\texit\n');
    const { out } = await cli(t, '--task', '{"pid": 7, "tgid": 5}', '--json');
    expect(JSON.parse(out).retval).toBe('0x500000007');
    expect((await cli(t, '--task', '{"pid": "x"}')).code).toBe(2);
  });

  it('rejects bad arguments with exit 2', async () => {
    expect((await cli(file, '--data', 'xyz')).code).toBe(2);
    expect((await cli(file, '--maps', '{"nope": []}')).code).toBe(2);
    expect((await cli(file, '--section', 'nothing')).code).toBe(2);
  });
});

describe('bpf-asm run inputs for tracing programs', () => {
  it('reads pt_regs from --ctx, memory for probe_read from --memory, and stub helper values', async () => {
    const file = join(dir, 'k.s');
    writeFileSync(file, `
	.section kprobe/x,"ax"
prog:
	r3 = *(u64 *)(r1 + 112)
	r1 = r10
	r1 += -16
	r2 = 16
	call bpf_probe_read_kernel_str
	r1 = r10
	r1 += -16
	r2 = 16
	r3 = r0
	call bpf_trace_printk
	call bpf_get_attach_cookie
	exit
`);
    const args = [file, '--ctx', '{"di": "0xffff888000001000"}', '--memory', '{"0xffff888000001000": "68656c6c6f2025640a00"}'];
    const ok = await cli(...args, '--helper-return', 'bpf_get_attach_cookie=9', '--json');
    expect(JSON.parse(ok.out)).toMatchObject({ retval: '0x9', output: [{ kind: 'printk', text: 'hello 10\n' }] });
    const stubless = await cli(...args);
    expect(stubless.code).toBe(1);
    expect(stubless.err).toMatch(/fault at instruction 10 \(line 14\): helper bpf_get_attach_cookie \(#174\) is not emulated/);
  });
});

describe('bpf-asm run on the whole conformance suite', () => {
  const DIR = CONFORMANCE_DIR;
  let files: string[] = [];
  try { files = require('node:fs').readdirSync(DIR).filter((f: string) => f.endsWith('.data')).sort().map((f: string) => join(DIR, f)); } catch { /* none */ }
  it.skipIf(!files.length)('prints every r0 exactly as the file spells its -- result', async () => {
    const { code, out } = await cli(...files);
    expect(code).toBe(0);
    const expected = files.map((f) => {
      const text = readFileSync(f, 'utf8');
      const after = text.slice(text.indexOf('-- result') + '-- result'.length).split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean)[0];
      return `${f}: ${after}`;
    });
    expect(out.trim().split('\n')).toEqual(expected);
  });
});

describe('pcapng input', () => {
  /** A pcapng file (section header, one Ethernet interface, enhanced packet blocks) per the pcapng spec. */
  function pcapng(packets: Uint8Array[]): Uint8Array {
    const block = (type: number, body: Buffer): Buffer => {
      const len = 12 + body.length;
      const b = Buffer.alloc(len);
      b.writeUInt32LE(type, 0); b.writeUInt32LE(len, 4); body.copy(b, 8); b.writeUInt32LE(len, len - 4);
      return b;
    };
    const shb = Buffer.alloc(16); shb.writeUInt32LE(0x1a2b3c4d, 0); shb.writeUInt16LE(1, 4); shb.writeBigInt64LE(-1n, 8);
    const idb = Buffer.alloc(8); idb.writeUInt16LE(1, 0); idb.writeUInt32LE(65535, 4);
    const epbs = packets.map((p) => {
      const padded = Buffer.alloc(20 + ((p.length + 3) & ~3));
      padded.writeUInt32LE(p.length, 12); padded.writeUInt32LE(p.length, 16); Buffer.from(p).copy(padded, 20);
      return block(6, padded);
    });
    return new Uint8Array(Buffer.concat([block(0x0a0d0d0a, shb), block(1, idb), ...epbs]));
  }

  it('runs each enhanced packet block', async () => {
    const file = join(dir, 'count2.s');
    writeFileSync(file, XDP);
    const cap = join(dir, 'two.pcapng');
    writeFileSync(cap, pcapng([udp, tcp.subarray(0, 61)]));
    const { code, out } = await cli(file, '--pcap', cap, '--json');
    expect(code).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.index, l.action, l.packet.length / 2])).toEqual([[0, 'XDP_DROP', udp.length], [1, 'XDP_PASS', 61]]);
  });
});
