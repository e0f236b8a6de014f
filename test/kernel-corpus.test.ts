// The realistic corpus runs in the kernel and does what each program is meant to do.
import { describe, expect, it } from 'vitest';
import { kernelBpfAvailable } from '../core/kernel';
import { corpus, type CorpusCase } from '../core/testing/corpus';
import { asmCorpus } from '../core/testing/corpus-asm';
import { internetChecksum } from '../core/testing/packets';
import { hex, runCaseInKernel, type CaseOutcome } from '../core/testing/corpus-kernel';

const avail = kernelBpfAvailable();
if (!avail.ok) console.warn(`skipping kernel corpus tests: ${avail.reason}`);

const cases = new Map(corpus().map((c) => [c.name.split(':')[0] + ':' + c.program.name, c] as const));
const get = (key: string): CorpusCase => {
  const c = cases.get(key);
  if (!c) throw new Error(`no corpus case ${key}`);
  return c;
};
const run = (key: string): CaseOutcome => {
  const o = runCaseInKernel(get(key));
  if ('error' in o) throw new Error(o.error);
  return o;
};
const le64 = (n: number): string => hex(new Uint8Array(new BigUint64Array([BigInt(n)]).buffer));
const retvals = (o: CaseOutcome): number[] => o.runs.map((r) => r.retval);

describe.skipIf(!avail.ok)('corpus in the kernel', () => {
  it('every program loads and runs', () => {
    for (const c of corpus()) {
      const o = runCaseInKernel(c);
      expect('error' in o ? o.error : '', c.name).toBe('');
    }
  });

  it('counts packets per IP protocol', () => {
    const o = run('xdp:proto_count');
    expect(retvals(o)).toEqual([2, 2, 2, 2, 2, 2]);
    const counts = o.maps.proto_count!.filter((e) => !e.endsWith('=' + le64(0)));
    expect(counts).toEqual([`01000000=${le64(1)}`, `06000000=${le64(1)}`, `11000000=${le64(2)}`]);
  });

  it('drops blocked sources and counts them', () => {
    const o = run('xdp:blocklist');
    expect(retvals(o)).toEqual([1, 2, 1, 2, 1]);
    expect(o.maps.blocked).toEqual([`0a000001=${le64(3)}`]);
  });

  it('swaps MAC addresses', () => {
    const c = get('xdp:swap_macs');
    const o = run('xdp:swap_macs');
    c.runs.forEach((r, i) => {
      const want = Uint8Array.from([...r.data.slice(6, 12), ...r.data.slice(0, 6), ...r.data.slice(12)]);
      expect(o.runs[i]!.retval).toBe(3);
      expect(o.runs[i]!.dataOut).toBe(hex(want));
    });
  });

  it('pushes and pops headers with bpf_xdp_adjust_head', () => {
    const push = run('xdp:push_header');
    const input = get('xdp:push_header').runs[0]!.data;
    expect(push.runs[0]!.dataOut).toBe('8877665544332211' + hex(input));
    const pop = run('xdp:pop_eth');
    get('xdp:pop_eth').runs.forEach((r, i) => expect(pop.runs[i]!.dataOut).toBe(hex(r.data.slice(14))));
  });

  it('checks the IPv4 header checksum in a subprogram', () => {
    expect(retvals(run('xdp:ip_csum'))).toEqual([2, 1]);
  });

  it('reads .rodata and counts in .bss', () => {
    const o = run('xdp:port_filter');
    expect(retvals(o)).toEqual([1, 2, 1, 2]);
    expect(o.maps['.bss']).toEqual([`00000000=${le64(2)}`]);
  });

  it('fills a bounded hash table and reports E2BIG from map_update_elem', () => {
    const E2BIG = -7 >>> 0;
    const o = run('xdp:flow_table');
    expect(retvals(o)).toEqual([0, 2, 0, 1, 0, 0, 0, E2BIG, 2, E2BIG]);
    expect(o.maps.flows).toHaveLength(4);
  });

  it('follows tail calls: a jump table, a chain, an empty slot, and 33 self-calls at most', () => {
    const o = run('xdp:dispatch');
    expect(retvals(o)).toEqual([10, 11, 10, 103, 11]);
    // main ran 5 times; the leaf twice (directly and through the chain); self 33 times per run, twice
    expect(o.maps.counts).toEqual([`00000000=${le64(5)}`, `01000000=${le64(2)}`, `02000000=${le64(66)}`, `03000000=${le64(1)}`]);
  });

  it('sums skb->len per skb->protocol and sets skb->mark', () => {
    const c = get('tc:bytes_by_proto');
    const o = run('tc:bytes_by_proto');
    const ipv4 = c.runs[0]!.data.length + c.runs[1]!.data.length;
    expect(o.maps.bytes).toEqual([`08000000=${le64(ipv4)}`, `86dd0000=${le64(c.runs[2]!.data.length)}`]);
    for (const r of o.runs) expect(r.ctxOut).toContain('mark=2a000000 ');
  });

  it('keeps 16 bits of tc_index and tc_classid and ignores queue_mapping 0xffff', () => {
    const o = run('tc:narrow_fields');
    const cb = /cb=(\w+)/.exec(o.runs[0]!.ctxOut!)![1];
    expect(cb).toBe('78560000' + '78560000' + '05000000' + '05000000' + '00000000');
  });

  it('copies bytes with skb_load_bytes and skb_store_bytes', () => {
    const c = get('tc:copy_addr');
    const o = run('tc:copy_addr');
    const input = c.runs[0]!.data;
    const want = input.slice();
    want.set(input.slice(26, 30), 30);
    expect(o.runs[0]!.dataOut).toBe(hex(want));
    expect(o.runs[0]!.retval).toBe(new DataView(input.buffer).getUint32(26, true));
    expect(o.runs[1]!.retval).toBe(2);
  });

  it('filters DNS with ld_abs/ld_ind from the network header', () => {
    const c = get('socket filter:dns_filter');
    expect(retvals(run('socket filter:dns_filter'))).toEqual([c.runs[0]!.data.length - 14, 0, 0, 0, 0]);
  });

  it('counts packets and bytes in a per-CPU array', () => {
    const c = get('socket filter:count');
    const o = run('socket filter:count');
    expect(retvals(o)).toEqual([0xffffffff, 0xffffffff, 0xffffffff]);
    const bytes = c.runs.reduce((s, r) => s + r.data.length - 14, 0);
    expect(o.maps.stats).toEqual([`00000000=${le64(3)}`, `01000000=${le64(bytes)}`]);
  });
});

describe.skipIf(!avail.ok)('assembled corpus in the kernel', () => {
  const byName = new Map(asmCorpus().map((c) => [c.name.split(':')[0]!, c] as const));
  const runAsm = (key: string): [CorpusCase, CaseOutcome] => {
    const c = byName.get(key)!;
    const o = runCaseInKernel(c);
    if ('error' in o) throw new Error(o.error);
    return [c, o];
  };

  it('decrements the TTL and keeps the IPv4 header checksum valid', () => {
    const [c, o] = runAsm('asm xdp');
    expect(retvals(o)).toEqual([3, 3, 1, 2]);
    for (const i of [0, 1]) {
      const out = Buffer.from(o.runs[i]!.dataOut, 'hex');
      expect(out[22]).toBe(c.runs[i]!.data[22]! - 1);
      expect(internetChecksum(out.subarray(14, 34))).toBe(0);
    }
  });

  it('sets skb->priority from a .rodata port table and counts in .data', () => {
    const [, o] = runAsm('asm tc');
    expect(o.runs.map((r) => /priority=(\w+)/.exec(r.ctxOut!)?.[1])).toEqual(['01000000', '03000000', '00000000', '03000000']);
    expect(o.maps['.data']).toEqual([`00000000=${le64(1)}${le64(0)}${le64(2)}${le64(0)}`]);
  });

  it('returns a per-protocol snap length from a hash map, or the whole length', () => {
    const [c, o] = runAsm('asm socket filter');
    expect(retvals(o)).toEqual([28, c.runs[1]!.data.length - 14, c.runs[2]!.data.length - 14]);
  });
});
