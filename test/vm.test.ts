// The VM's faults, debugger API, maps and formatting. Expected values come from the kernel's
// documented behaviour (limits, error codes, messages) and, for printf, from coreutils' printf.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { assembleText } from '../core/asm';
import { loadVm } from '../core/vm/loader';
import { Machine, MAY_GOTO_BUDGET, type RunInput } from '../core/vm/machine';
import { createMap } from '../core/vm/maps';
import { AddressSpace } from '../core/vm/memory';
import { formatKernel } from '../core/vm/printf';

function vm(src: string, opts: Parameters<typeof loadVm>[1] = {}): Machine {
  const a = assembleText(src);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.message).join('; '));
  const loaded = loadVm(a, opts);
  if (typeof loaded === 'string') throw new Error(loaded);
  return loaded.machine;
}
const run = (src: string, input: RunInput = {}, opts: Parameters<typeof loadVm>[1] = {}) => vm(src, opts).run(input);

describe('faults', () => {
  it('stops an out-of-bounds stack read, naming the instruction, line, region and access', () => {
    const r = run('\t.section socket,"ax"\nprog:\n\tr0 = 1\n\tr0 = *(u64 *)(r10 - 520)\n\texit\n');
    expect(r.r0).toBeUndefined();
    expect(r.fault).toMatchObject({ kind: 'memory', insn: 1, line: 3, region: 'stack of frame 0', access: 'read', size: 8 });
    expect(r.fault!.message).toMatch(/^invalid read of 8 bytes at 0x[0-9a-f]{16}: out of bounds of stack of frame 0/);
    expect(r.instructions).toBe(1);
  });

  it('reports a NULL dereference and a write to .rodata', () => {
    expect(run('\t.section socket,"ax"\nprog:\n\tr1 = 0\n\tr0 = *(u8 *)(r1 + 0)\n\texit\n').fault!.message).toMatch(/NULL pointer dereference/);
    const r = run('\t.section socket,"ax"\nprog:\n\tr1 = k ll\n\tr2 = 7\n\t*(u32 *)(r1 + 0) = r2\n\tr0 = 0\n\texit\n\t.section .rodata,"a"\nk:\n\t.long 1\n');
    expect(r.fault).toMatchObject({ kind: 'memory', access: 'write', insn: 3 });
    expect(r.fault!.message).toMatch(/\.rodata value is read-only/);
  });

  it('stops at a helper the VM does not emulate, unless the run gives it a return value', () => {
    const src = '\t.section socket,"ax"\nprog:\n\tcall bpf_get_socket_cookie\n\texit\n';
    expect(run(src).fault!.message).toBe('helper bpf_get_socket_cookie (#46) is not emulated');
    expect(run(src, {}, { helperReturns: { bpf_get_socket_cookie: 1234 } }).r0).toBe(1234n);
  });

  it('stops an endless loop at the instruction budget', () => {
    const r = run('\t.section socket,"ax"\nprog:\n\tr0 = 0\nl:\n\tr0 += 1\n\tgoto l\n', {}, { limit: 1000 });
    expect(r.fault).toMatchObject({ kind: 'budget', insn: 2 });
    expect(r.instructions).toBeGreaterThan(1000);
    expect(r.instructions).toBeLessThan(1004);
  });

  it('refuses a ninth call frame with the kernel message (MAX_CALL_FRAMES = 8)', () => {
    const r = run('\t.section socket,"ax"\nprog:\n\tcall f\n\texit\nf:\n\tcall f\n\texit\n');
    expect(r.fault!.message).toBe('the call stack of 9 frames is too deep');
  });

  it('gives may_goto the kernel budget of 8M iterations', () => {
    const r = run('\t.section socket,"ax"\nprog:\n\tr0 = 0\nl:\n\tmay_goto done\n\tr0 += 1\n\tgoto l\ndone:\n\texit\n');
    expect(r.r0).toBe(BigInt(MAY_GOTO_BUDGET));
    expect(MAY_GOTO_BUDGET).toBe(8 * 1024 * 1024);
  });

  it('never throws on invalid instructions or wild jumps: they fault when reached', () => {
    const m = new Machine({ programs: [{ name: 'p', slots: [{ code: 0x07, dst: 10, src: 0, off: 0, imm: 1 }, { code: 0x05, dst: 0, src: 0, off: 40, imm: 0 }, { code: 0xff, dst: 0, src: 0, off: 0, imm: 0 }], lines: [], symbols: new Map() }] });
    expect(m.run().fault!.message).toBe('frame pointer is read only');
    const m2 = new Machine({ programs: [{ name: 'p', slots: [{ code: 0x05, dst: 0, src: 0, off: 40, imm: 0 }], lines: [], symbols: new Map() }] });
    expect(m2.run().fault!.message).toMatch(/jump to slot 41, which is outside the program/);
    const m3 = new Machine({ programs: [{ name: 'p', slots: [{ code: 0xff, dst: 0, src: 0, off: 0, imm: 0 }], lines: [], symbols: new Map() }] });
    expect(m3.run().fault!.message).toMatch(/^invalid instruction: unknown/);
  });
});

const COUNTER = `
	.section xdp,"ax"
prog:
	r6 = r1
	*(u32 *)(r10 - 4) = 1
	r1 = counts ll
	r2 = r10
	r2 += -4
	r3 = r10
	r3 += -16
	r7 = 42
	*(u64 *)(r10 - 16) = r7
	r4 = 0
	call bpf_map_update_elem
	call helper
	r0 = 2
	exit
helper:
	r0 = 5
	exit
	.map counts, type=hash, key=4, value=8, max_entries=16
`;

describe('debugger API', () => {
  it('steps, reports register and memory writes, and steps back through a map update', () => {
    const m = vm(COUNTER);
    m.begin({ packet: new Uint8Array(64) });
    expect(m.step().pc).toBe(1);
    expect(m.lastWrites()).toEqual([{ kind: 'reg', reg: 6, old: 0n, value: m.registers()[1] }]);
    m.step();
    const [w] = m.lastWrites();
    expect(w).toMatchObject({ kind: 'mem', region: 'stack of frame 0', size: 4, old: 0n, address: m.registers()[10] - 4n });
    m.setBreakpoints([12]);
    const stop = m.continue();
    expect(stop).toMatchObject({ reason: 'breakpoint', pc: 12 });
    expect(m.dumpMaps().get('counts')).toHaveLength(1);
    // Into the subprogram: a second frame.
    m.step();
    expect(m.state('step')).toMatchObject({ pc: 15, depth: 1 });
    expect(m.callStack()).toEqual([13]);
    expect(m.stackTrace()).toEqual([
      { program: 'prog', pc: 15, line: 18, fp: m.registers()[10], depth: 1 },
      { program: 'prog', pc: 12, line: 14, fp: m.registers()[10] - 0x100000000n, depth: 0 },
    ]);
    // Back over the call and the update: the map is empty again.
    m.stepBack(2);
    expect(m.state('step')).toMatchObject({ pc: 11, depth: 0 });
    expect(m.dumpMaps().get('counts')).toHaveLength(0);
    expect(m.continue()).toMatchObject({ reason: 'breakpoint', pc: 12 });
    m.setBreakpoints([]);
    const end = m.continue();
    expect(end.reason).toBe('exit');
    expect(m.result().r0).toBe(2n);
    expect(m.dumpMaps().get('counts')).toHaveLength(1);
  });

  it('runs to a breakpoint in a loop each time round, and single steps count one instruction each', () => {
    const m = vm('\t.section socket,"ax"\nprog:\n\tr0 = 0\n\tr1 = 5\nl:\n\tr0 += 3\n\tr1 += -1\n\tif r1 != 0 goto l\n\texit\n');
    m.begin({}, false);
    m.setBreakpoints([2]);
    const hits = [];
    for (let s = m.continue(); s.reason === 'breakpoint'; s = m.continue()) hits.push(m.registers()[0]);
    expect(hits).toEqual([0n, 3n, 6n, 9n, 12n]);
    expect(m.result()).toMatchObject({ r0: 15n, instructions: 18 });
  });
});

describe('maps', () => {
  it('holds a hash map of 1M 8-byte keys and values in under 200 MB', () => {
    global.gc?.();
    const before = process.memoryUsage();
    const map = createMap({ name: 'big', type: 'hash', keySize: 8, valueSize: 8, maxEntries: 1 << 20, flags: 0 }, 3, { cpus: 1, cpu: 0 }, new AddressSpace());
    if (typeof map === 'string') throw new Error(map);
    const key = new Uint8Array(8);
    const kv = new DataView(key.buffer);
    let failed = 0;
    for (let i = 0; i < 1 << 20; i++) {
      kv.setUint32(0, (i * 2654435761) >>> 0, true);
      kv.setUint32(4, i, true);
      if (map.update(key, key, 0) !== 0) failed++;
    }
    expect(failed).toBe(0);
    const after = process.memoryUsage();
    const used = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
    expect(used).toBeLessThan(200 * 1024 * 1024);
    expect(map.update(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), key, 0)).toBe(-7);
  });
});

describe('printf', () => {
  const mem = { str: () => 'str', bytes: () => Uint8Array.of(10, 0, 0, 1) };
  const cases: [string, bigint[]][] = [
    ['%d %i %u', [-5n, 42n, 7n]], ['%5d|%-5d|%05d', [42n, 42n, -42n]], ['%x %X %#x %#o', [255n, 255n, 255n, 8n]],
    ['%lld %llu', [-1n, 18446744073709551615n]], ['%lx', [0x1234567890abcdefn]], ['%.3d|%8.3x', [7n, 255n]],
    ['%c%c', [104n, 105n]], ['%hhd %hd', [0x1ffn, 0x18000n]], ['100%%', []],
  ];
  for (const [fmt, args] of cases) {
    it(`formats '${fmt}' as coreutils printf does`, () => {
      const coreArgs = args.map((a, i) => {
        const conv = fmt.split('%').filter((x) => x && !x.startsWith('%'))[i] ?? '';
        const u = /[uxXo]/.test(conv.replace(/^[-#0-9.lh ]*/, '')[0] ?? '') || /ll[u]/.test(conv);
        const bits = conv.includes('hh') ? 8 : conv.includes('h') ? 16 : conv.includes('l') ? 64 : 32;
        return (u ? BigInt.asUintN(bits, a) : BigInt.asIntN(bits, a)).toString();
      });
      const cFmt = fmt.replace(/l+|h+/g, '').replace(/%c/g, '%b').replace(/%i/g, '%d');
      const charArgs = coreArgs.map((a, i) => (fmt.split('%').filter((x) => x && !x.startsWith('%'))[i]?.startsWith('c') ? String.fromCharCode(Number(a)) : a));
      const expected = execFileSync('printf', [cFmt, ...charArgs], { encoding: 'latin1' });
      expect(formatKernel(fmt, args, mem)).toEqual({ text: expected });
    });
  }
  it('formats %pI4 and %s from memory, and rejects unknown conversions', () => {
    expect(formatKernel('%pI4 %s', [1n, 2n], mem)).toEqual({ text: '10.0.0.1 str' });
    expect(formatKernel('%n', [1n], mem)).toEqual({ error: "unsupported conversion '%n'" });
  });
});

describe('trace_printk and ring buffers in a run', () => {
  it('collects printk lines and submitted ring buffer records in order', () => {
    const r = run(`
	.section xdp,"ax"
prog:
	r1 = 0x0a6425206b6f ll
	*(u64 *)(r10 - 8) = r1
	r1 = r10
	r1 += -8
	r2 = 8
	r3 = 77
	call bpf_trace_printk
	r1 = rb ll
	r2 = 8
	r3 = 0
	call bpf_ringbuf_reserve
	if r0 == 0 goto out
	r1 = 0x1122334455667788 ll
	*(u64 *)(r0 + 0) = r1
	r1 = r0
	r2 = 0
	call bpf_ringbuf_submit
out:
	r0 = 2
	exit
	.map rb, type=ringbuf, key=0, value=0, max_entries=4096
`, { packet: new Uint8Array(64) });
    expect(r.fault).toBeUndefined();
    expect(r.output).toEqual([
      { kind: 'printk', text: 'ok 77\n' },
      { kind: 'ringbuf', map: 'rb', data: Uint8Array.of(0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11) },
    ]);
  });
});

describe('tail calls and contexts', () => {
  it('chains at most 33 tail calls (MAX_TAIL_CALL_CNT), then the failing call falls through', async () => {
    const { applyMapJson } = await import('../core/vm/loader');
    const m = vm(`
	.section xdp/entry,"ax"
entry:
	r6 = r1
	r2 = jt ll
	r3 = 0
	call bpf_tail_call
	r0 = 1
	exit
	.section xdp/again,"ax"
again:
	r6 = r1
	*(u32 *)(r10 - 4) = 0
	r1 = hits ll
	r2 = r10
	r2 += -4
	call bpf_map_lookup_elem
	if r0 == 0 goto out
	r1 = 1
	lock *(u64 *)(r0 + 0) += r1
	r1 = r6
	r2 = jt ll
	r3 = 1
	call bpf_tail_call
out:
	r0 = 3
	exit
	.map jt, type=prog_array, key=4, value=4, max_entries=2
	.map hits, type=array, key=4, value=8, max_entries=1
`, { section: 'xdp/entry' });
    expect(applyMapJson(m, { jt: [{ key: 0, value: 'again' }, { key: 1, value: 'again' }] })).toBeUndefined();
    const r = m.run({ packet: new Uint8Array(64) });
    expect(r.r0).toBe(3n);
    expect(m.dumpMaps().get('hits')![0]!.value).toEqual(Uint8Array.of(33, 0, 0, 0, 0, 0, 0, 0));
  });

  it('gives kprobe programs pt_regs from JSON fields (x86-64 layout: di at 112, si at 104)', () => {
    const r = run('\t.section kprobe/f,"ax"\nprog:\n\tr0 = *(u64 *)(r1 + 112)\n\tr2 = *(u64 *)(r1 + 104)\n\tr0 -= r2\n\texit\n', { ctxFields: { di: 100, si: '0x10' } });
    expect(r.r0).toBe(84n);
    const bad = run('\t.section kprobe/f,"ax"\nprog:\n\tr0 = 0\n\texit\n', { ctxFields: { rdi: 1 } });
    expect(bad.fault!.message).toMatch(/pt_regs has no field 'rdi'/);
  });

  it('refuses helpers the program type cannot call, as the verifier does', () => {
    const r = run('\t.section kprobe/f,"ax"\nprog:\n\tr1 = 0\n\tr2 = 0\n\tcall bpf_xdp_adjust_head\n\texit\n');
    expect(r.fault!.message).toMatch(/unknown func bpf_xdp_adjust_head#44/);
  });
});

describe('data breakpoints', () => {
  it('stops right after the instruction that writes a watched stack slot, and can go on', () => {
    const m = vm('\t.section socket,"ax"\nprog:\n\tr1 = 1\n\t*(u64 *)(r10 - 8) = r1\n\tr1 = 2\n\t*(u64 *)(r10 - 16) = r1\n\t*(u32 *)(r10 - 12) = r1\n\tr0 = 0\n\texit\n');
    m.begin({}, true);
    const fp = m.registers()[10];
    const s1 = m.continueWatching([{ address: fp - 12n, size: 4 }]);
    expect(s1).toMatchObject({ reason: 'watch', pc: 4 });
    expect(m.readMemory(fp - 16n, 8)).toEqual(Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0));
    const s2 = m.continueWatching([{ address: fp - 12n, size: 4 }]);
    expect(s2).toMatchObject({ reason: 'watch', pc: 5 });
    expect(m.continueWatching([{ address: fp - 12n, size: 4 }]).reason).toBe('exit');
  });

  it('stops right after the instruction that writes a watched register', () => {
    const m = vm('\t.section socket,"ax"\nprog:\n\tr1 = 1\n\tr2 = 2\n\tr3 = 3\n\tr2 += r1\n\tr0 = 0\n\texit\n');
    m.begin({}, true);
    expect(m.continueWatching([{ reg: 2 }])).toMatchObject({ reason: 'watch', pc: 2 });
    expect(m.continueWatching([{ reg: 2 }])).toMatchObject({ reason: 'watch', pc: 4 });
    expect(m.registers()[2]).toBe(3n);
    expect(m.continueWatching([{ reg: 2 }]).reason).toBe('exit');
  });
});

describe('maps of maps', () => {
  it('looks up an inner map through array_of_maps and hash_of_maps set from JSON', async () => {
    const { applyMapJson } = await import('../core/vm/loader');
    const m = vm(`
	.section socket,"ax"
prog:
	*(u32 *)(r10 - 4) = 1
	r1 = outer ll
	r2 = r10
	r2 += -4
	call bpf_map_lookup_elem
	if r0 == 0 goto none
	r1 = r0
	*(u32 *)(r10 - 8) = 0
	r2 = r10
	r2 += -8
	call bpf_map_lookup_elem
	if r0 == 0 goto none
	r6 = *(u64 *)(r0 + 0)
	*(u32 *)(r10 - 4) = 7
	r1 = byname ll
	r2 = r10
	r2 += -4
	call bpf_map_lookup_elem
	if r0 == 0 goto none
	r1 = r0
	r2 = r10
	r2 += -8
	call bpf_map_lookup_elem
	if r0 == 0 goto none
	r0 = *(u64 *)(r0 + 0)
	r0 += r6
	exit
none:
	r0 = 0
	exit
	.map a, type=array, key=4, value=8, max_entries=1
	.map b, type=array, key=4, value=8, max_entries=1
	.map outer, type=array_of_maps, key=4, value=4, max_entries=2, inner=a
	.map byname, type=hash_of_maps, key=4, value=4, max_entries=4, inner=a
`);
    expect(applyMapJson(m, { a: [{ key: 0, value: 5 }], b: [{ key: 0, value: 40 }], outer: [{ key: 1, value: 'b' }], byname: [{ key: 7, value: 'a' }] })).toBeUndefined();
    expect(m.run().r0).toBe(45n);
  });
});

describe('map types through the VmMap API', () => {
  const mk = (type: string, keySize: number, valueSize: number, maxEntries: number) => {
    const m = createMap({ name: type, type: type as never, keySize, valueSize, maxEntries, flags: 0 }, 3, { cpus: 2, cpu: 1 }, new AddressSpace());
    if (typeof m === 'string') throw new Error(m);
    return m;
  };
  const k = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);

  it('lru_hash evicts the least recently used key when full; hash refuses with -E2BIG', () => {
    const lru = mk('lru_hash', 4, 4, 3);
    const hash = mk('hash', 4, 4, 3);
    for (const m of [lru, hash]) for (const i of [1, 2, 3]) expect(m.update(k(i), k(i * 10), 0)).toBe(0);
    expect(lru.lookup(k(1), { hi: 0, lo: 0 })).toBe(true);
    expect(lru.update(k(4), k(40), 0)).toBe(0);
    expect(lru.entries().map((e) => e.key[0]).sort()).toEqual([1, 3, 4]);
    expect(hash.update(k(4), k(40), 0)).toBe(-7);
    expect(hash.update(k(3), k(30), 1)).toBe(-17);
    expect(hash.update(k(9), k(30), 2)).toBe(-2);
  });

  it('per-CPU maps keep one value per CPU; the program sees its own CPU', () => {
    const pa = mk('percpu_array', 4, 8, 2);
    expect(pa.updateAll(k(1), [k(5), k(6)], 0)).toBe(0);
    expect(pa.entries()[1]!.value).toEqual([Uint8Array.of(5, 0, 0, 0, 0, 0, 0, 0), Uint8Array.of(6, 0, 0, 0, 0, 0, 0, 0)]);
    expect(pa.update(k(1), k(9), 0)).toBe(0);
    expect((pa.entries()[1]!.value as Uint8Array[]).map((v) => v[0])).toEqual([5, 9]);
    expect(pa.update(k(2), k(9), 0)).toBe(-7);
    expect(pa.delete(k(0))).toBe(-22);
  });

  it('bloom filters answer peek with 0 or -ENOENT; stacks pop last in, first out', () => {
    const bloom = mk('bloom_filter', 0, 4, 8);
    expect(bloom.push(k(7), 0)).toBe(0);
    expect(bloom.push(k(7), 2)).toBe(-22);
    const stack = mk('stack', 0, 4, 2);
    expect([stack.push(k(1), 0), stack.push(k(2), 0), stack.push(k(3), 0), stack.push(k(3), 2)]).toEqual([0, 0, -7, 0]);
    expect([stack.pop(false), stack.pop(false), stack.pop(false)]).toEqual([k(3), k(2), -2]);
  });
});

describe('continue after single steps', () => {
  it('stops at every breakpoint whether it resumes from a step, a breakpoint or the start', () => {
    const src = '\t.section socket,"ax"\nprog:\n\tr0 = 0\n\tr1 = 3\nl:\n\tr0 += 1\n\tr2 = r0\n\tr2 *= 2\n\tr1 += -1\n\tif r1 != 0 goto l\n\texit\n';
    for (const record of [false, true]) {
      const m = vm(src);
      m.begin({}, record);
      m.setBreakpoints([4, 5]);
      const seen: number[] = [];
      m.step(3);
      for (let s = m.continue(); s.reason === 'breakpoint'; s = m.continue()) seen.push(s.pc, Number(m.registers()[0]));
      expect(seen).toEqual([4, 1, 5, 1, 4, 2, 5, 2, 4, 3, 5, 3]);
      expect(m.result()).toMatchObject({ r0: 3n, instructions: 18 });
    }
  });
});

describe('raw contexts', () => {
  it('gives raw_tracepoint programs their u64 args and perf_event programs sample_period after pt_regs', () => {
    expect(run('\t.section raw_tp/x,"ax"\nprog:\n\tr0 = *(u64 *)(r1 + 8)\n\texit\n', { ctxFields: { args: [1, '0x123456789'] } }).r0).toBe(0x123456789n);
    expect(run('\t.section perf_event,"ax"\nprog:\n\tr0 = *(u64 *)(r1 + 168)\n\texit\n', { ctxFields: { sample_period: 4000 } }).r0).toBe(4000n);
    expect(run('\t.section tp/x,"ax"\nprog:\n\tr0 = *(u32 *)(r1 + 4)\n\texit\n', { ctx: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }).r0).toBe(0x08070605n);
    expect(run('\t.section tp/x,"ax"\nprog:\n\tr0 = 0\n\t*(u32 *)(r1 + 4) = r0\n\texit\n', { ctx: new Uint8Array(8) }).fault!.message).toMatch(/context is read-only/);
  });
});

describe('tail calls from a subprogram', () => {
  it('run the target in the subprogram frame and return its r0 to the subprogram caller', async () => {
    const { applyMapJson } = await import('../core/vm/loader');
    const m = vm(`
	.section xdp/main,"ax"
main:
	r6 = 100
	call f
	r0 += r6
	exit
f:
	r6 = 5
	r2 = jt ll
	r3 = 0
	call bpf_tail_call
	r0 = 1
	exit
	.section xdp/target,"ax"
target:
	r0 = 7
	exit
	.map jt, type=prog_array, key=4, value=4, max_entries=1
`, { section: 'xdp/main' });
    expect(applyMapJson(m, { jt: [{ key: 0, value: 'target' }] })).toBeUndefined();
    expect(m.run({ packet: new Uint8Array(64) }).r0).toBe(107n);
    m.begin({ packet: new Uint8Array(64) }, true);
    const steps: string[] = [];
    for (let s = m.state('start'); s.reason !== 'exit' && steps.length < 20; s = m.step()) steps.push(`${s.program}:${s.pc}`);
    expect(steps).toEqual(['main:0', 'main:1', 'main:4', 'main:5', 'main:7', 'main:8', 'target:0', 'target:1', 'main:2', 'main:3']);
    expect(m.result().r0).toBe(107n);
    m.stepBack(3);
    expect(m.state('step')).toMatchObject({ program: 'target', pc: 1 });
    m.stepBack(2);
    expect(m.state('step')).toMatchObject({ program: 'main', pc: 8 });
    expect(m.tailCalls).toBe(0);
    expect(m.continue().reason).toBe('exit');
    expect(m.result().r0).toBe(107n);
  });
});

describe('64-bit arithmetic on int32 halves', () => {
  it('matches BigInt arithmetic and always returns normalised int32 halves', async () => {
    const M = await import('../core/vm/int64');
    const edge = [0, 1, -1, 0x7fffffff, -0x80000000, 0xffff, 31, 32, 33, 63, 64];
    let seed = 12345;
    const rnd = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) | 0; return seed; };
    const pick = (): number => ((rnd() >>> 16) & 1 ? edge[(rnd() >>> 16) % edge.length]! : rnd());
    const bad: string[] = [];
    for (let i = 0; i < 20000 && bad.length < 5; i++) {
      const al = pick(), ah = pick(), bl = pick(), bh = pick();
      const A = M.toBig(al, ah), B = M.toBig(bl, bh), SA = BigInt.asIntN(64, A), SB = BigInt.asIntN(64, B);
      const n = bl & 63;
      const cases: [string, () => number, bigint][] = [
        ['mul', () => M.mul64(al, ah, bl, bh), A * B],
        ['lsh', () => M.lsh64(al, ah, bl), A << BigInt(n)],
        ['rsh', () => M.rsh64(al, ah, bl), A >> BigInt(n)],
        ['arsh', () => M.arsh64(al, ah, bl), SA >> BigInt(n)],
        ['udiv', () => M.udiv64(al, ah, bl, bh), B ? A / B : 0n],
        ['umod', () => M.umod64(al, ah, bl, bh), B ? A % B : A],
        ['sdiv', () => M.sdiv64(al, ah, bl, bh), B ? SA / SB : 0n],
        ['smod', () => M.smod64(al, ah, bl, bh), B ? SA % SB : SA],
      ];
      for (const [name, f, want] of cases) {
        const lo = f();
        const hi = M.out.hi;
        if (lo !== (lo | 0) || hi !== (hi | 0) || M.toBig(lo, hi) !== BigInt.asUintN(64, want)) bad.push(`${name}(${A}, ${B}) = ${lo}:${hi}`);
      }
      for (const [name, v, want] of [
        ['udiv32', M.udiv32(al, bl), bl ? (al >>> 0) / (bl >>> 0) : 0], ['umod32', M.umod32(al, bl), bl ? (al >>> 0) % (bl >>> 0) : al >>> 0],
        ['bswap32', M.bswap32(al), Number(BigInt.asUintN(32, BigInt(((al & 0xff) * 2 ** 24) + (((al >>> 8) & 0xff) << 16) + (((al >>> 16) & 0xff) << 8) + ((al >>> 24) & 0xff))))],
      ] as [string, number, number][]) {
        if (v !== (v | 0) || (v >>> 0) !== Math.trunc(want) >>> 0) bad.push(`${name}(${al}, ${bl}) = ${v}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('the three execution modes agree', () => {
  it('plain runs, runs to breakpoints, and single steps give the same result on random programs', async () => {
    const { randomProgram } = await import('../core/testing/random-programs');
    const { programFromInsns } = await import('../core/vm/program');
    const differ: string[] = [];
    for (let seed = 1; seed <= 150; seed++) {
      const p = randomProgram(seed, { length: 60, subprograms: seed % 3, edgeValues: seed % 2 === 0 });
      const prog = programFromInsns(p.insns);
      const fast = new Machine({ programs: [prog], progType: 'xdp' }).run({ packet: p.packet });
      const stepped = new Machine({ programs: [prog], progType: 'xdp' });
      stepped.begin({ packet: p.packet }, seed % 2 === 0);
      for (let s = stepped.state('start'); s.reason !== 'exit' && s.reason !== 'fault';) s = stepped.step();
      const bp = new Machine({ programs: [prog], progType: 'xdp' });
      bp.begin({ packet: p.packet }, false);
      bp.setBreakpoints(prog.slots.map((_, i) => i).filter((i) => i % 7 === 3));
      for (let s = bp.continue(); s.reason === 'breakpoint';) s = bp.continue();
      const a = `${fast.r0} ${fast.instructions}`, b = `${stepped.result().r0} ${stepped.count}`, c = `${bp.result().r0} ${bp.count}`;
      if (a !== b || a !== c) differ.push(`seed ${seed}: ${a} / ${b} / ${c}`);
    }
    expect(differ).toEqual([]);
  });
});

describe('helpers with wild sizes', () => {
  it('fault on a destination too small instead of allocating or throwing', () => {
    const r = run('\t.section kprobe/x,"ax"\nprog:\n\tr1 = r10\n\tr1 += -8\n\tr2 = -1\n\tr3 = 0\n\tcall bpf_probe_read_kernel\n\texit\n');
    expect(r.fault).toMatchObject({ kind: 'memory', insn: 4 });
    expect(r.fault!.message).toMatch(/^bpf_probe_read_kernel: arg1 \(dst\): write of 4294967295 bytes/);
  });
});

describe('run until a predicate, breakpoints by line', () => {
  it('stops when r0 first exceeds 7, and maps source lines to instruction slots', () => {
    const m = vm('\t.section socket,"ax"\nprog:\n\tr0 = 0\nl:\n\tr0 += 3\n\tif r0 < 20 goto l\n\texit\n');
    m.begin();
    const s = m.runUntil((x) => x.registers()[0] > 7n);
    expect(s).toMatchObject({ reason: 'breakpoint', pc: 2 });
    expect(m.registers()[0]).toBe(9n);
    expect(m.slotsAtLine(4)).toEqual([1]);
    expect(m.slotsAtLine(5)).toEqual([2]);
    expect(m.slotsAtLine(1)).toEqual([]);
  });
});

describe('robustness', () => {
  it('runs random valid encodings without exceptions or internal errors, the same in every mode', async () => {
    const { validate } = await import('../core/isa');
    const { programFromInsns } = await import('../core/vm/program');
    let seed = 99;
    const rnd = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) | 0; return (seed >>> 16) & 0xff; };
    const codes = [0x07, 0x0f, 0x17, 0x1f, 0x27, 0x37, 0x3f, 0x47, 0x57, 0x67, 0x6f, 0x77, 0x7f, 0x87, 0x97, 0x9f, 0xa7, 0xb7, 0xbf, 0xc7, 0xcf, 0xd7, 0xdc,
      0x04, 0x14, 0x24, 0x34, 0x3c, 0x44, 0x54, 0x64, 0x74, 0x84, 0x94, 0x9c, 0xa4, 0xb4, 0xbc, 0xc4, 0xd4,
      0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x45, 0x55, 0x5d, 0x65, 0x75, 0xa5, 0xb5, 0xc5, 0xd5, 0x06, 0x16, 0x1e, 0x26, 0x56, 0xa6, 0xd6,
      0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xdb, 0x18, 0x85, 0x8d, 0x95, 0x20, 0x28, 0x30, 0x40, 0xe5];
    const imms = [0, 1, -1, 8, 16, 32, 64, 0x7fffffff, -0x80000000, 12, 0x1f, 5, 7, 1 | 0x00];
    const atomics = [0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1];
    const problems: string[] = [];
    const outcomes = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const insns = [];
      for (let slot = 0; slot < 14; slot++) {
        for (let tries = 0; tries < 50; tries++) {
          const code = codes[rnd() % codes.length]!;
          const insn = {
            code, dst: rnd() % 11, src: rnd() % 11, off: [0, 0, 1, -8, 8, 16, 32, 2, -16, 4][rnd() % 10]!,
            imm: (code & 0xc7) === 0xc3 ? atomics[rnd() % atomics.length]! : rnd() & 1 ? imms[rnd() % imms.length]! : ((rnd() << 24) | (rnd() << 8) | rnd()),
            ...(code === 0x18 ? { hi: rnd() & 1 ? 0 : -1 } : {}),
          };
          if (code === 0x85) insn.src = rnd() % 3 === 0 ? 1 : 0;
          if (!validate(insn)) { insns.push(insn); break; }
        }
      }
      insns.push({ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
      const prog = programFromInsns(insns);
      const types = [undefined, 'xdp', 'socket_filter'] as const;
      const type = types[i % 3];
      const fast = new Machine({ programs: [prog], progType: type, limit: 5000 }).run({ packet: new Uint8Array(60), mem: new Uint8Array(32) });
      const stepped = new Machine({ programs: [prog], progType: type, limit: 5000 });
      stepped.begin({ packet: new Uint8Array(60), mem: new Uint8Array(32) }, true);
      for (let s = stepped.state('start'), n = 0; s.reason !== 'exit' && s.reason !== 'fault' && n < 20000; n++) s = stepped.step();
      const a = fast.fault ? `fault ${fast.fault.insn} ${fast.fault.message}` : `r0 ${fast.r0}`;
      const b = stepped.result().fault ? `fault ${stepped.result().fault!.insn} ${stepped.result().fault!.message}` : `r0 ${stepped.result().r0}`;
      if (/internal/.test(a + b) || a !== b) problems.push(`program ${i}: ${a} / ${b}`);
      outcomes.add(a.replace(/0x[0-9a-f]+|-?\d+/g, 'N').slice(0, 40));
      stepped.stepBack(Number.MAX_SAFE_INTEGER);
      if (stepped.count !== 0 && !stepped.historyTruncated) problems.push(`program ${i}: step back stopped at ${stepped.count}`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    // The programs reach many different ends, not just one kind of fault.
    expect(outcomes.size).toBeGreaterThan(10);
  });
});

describe('many runs on one machine', () => {
  it('gives every run the same addresses and keeps no per-run memory', () => {
    const m = vm('\t.section xdp,"ax"\nprog:\n\tr0 = *(u32 *)(r1 + 0)\n\texit\n');
    const first = m.run({ packet: new Uint8Array(64) }).r0;
    const regions = m.space.regions.length;
    for (let i = 0; i < 2000; i++) expect(m.run({ packet: new Uint8Array(64 + (i % 5)) }).r0).toBe(first);
    expect(m.space.regions.length).toBe(regions);
  });
});
