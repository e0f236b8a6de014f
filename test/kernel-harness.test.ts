// The bpf(2) harness against the running kernel: verdicts, verifier messages, test runs and maps.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AluOp, AtomicOp, JmpOp, type Instruction } from '../core/isa';
import type { Program } from '../core/asm/program';
import {
  BpfError, ERRNO, UpdateFlag, closeFd, createMap, dumpMap, kernelBpfAvailable, linkForKernel, loadProgram,
  mapDelete, mapGetNextKey, mapLookup, mapUpdate, possibleCpus, testRun, verifyInKernel, withProgram,
} from '../core/kernel';
import * as b from '../core/testing/insn';
import { ProgramBuilder } from '../core/testing/program-builder';

const avail = kernelBpfAvailable();
if (!avail.ok) console.warn(`skipping kernel harness tests: ${avail.reason}`);
const kit = it.skipIf(!avail.ok);

const XDP_DROP = 1;
const BPF_FUNC_map_lookup_elem = 1;
const u32le = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);
const packet = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

/** r2 = &key (u32 0 on the stack); r1 = map; call lookup; exit with 0 when not found; r0 = value ptr. */
const lookupKeyZero = (mapInsn: Instruction): Instruction[] => [
  b.st(4, 10, -4, 0),
  b.movReg(2, 10),
  b.aluImm(64, AluOp.ADD, 2, -4),
  mapInsn,
  b.call(BPF_FUNC_map_lookup_elem),
  b.jmpImm(64, JmpOp.JNE, 0, 0, 2),
  b.movImm(0, 0),
  b.exit(),
];

describe('verifier verdicts', () => {
  kit('accepts a minimal program and gives back an fd', () => {
    const r = loadProgram({ insns: [b.movImm(0, 0), b.exit()], progType: 'socket_filter' });
    expect(r.errno).toBe(0);
    expect(r.fd).toBeGreaterThan(0);
    expect(r.error).toBeUndefined();
    closeFd(r.fd);
  });

  kit('rejects exit with r0 unset: R0 !read_ok', () => {
    const r = loadProgram({ insns: [b.exit()], progType: 'socket_filter' });
    expect(r.fd).toBeUndefined();
    expect(r.errno).toBe(ERRNO.EACCES);
    expect(r.log).toContain('R0 !read_ok');
    expect(r.error).toBe('EACCES: R0 !read_ok');
  });

  kit('reports the kernel\'s exact messages for other rejections', () => {
    const cases: [Instruction[], number, string][] = [
      [[b.movReg(0, 5), b.exit()], ERRNO.EACCES, 'R5 !read_ok'],
      [[b.st(8, 10, 8, 0), b.movImm(0, 0), b.exit()], ERRNO.EACCES, 'invalid write to stack R10 off=8 size=8'],
      [[b.ja(5), b.exit()], ERRNO.EINVAL, 'jump out of range from insn 0 to 6'],
      [[b.movImm(0, 1), b.aluImm(64, AluOp.DIV, 0, 0), b.exit()], ERRNO.EINVAL, 'div by zero'],
      [[b.movImm(0, 0), b.exit(), b.exit()], ERRNO.EINVAL, 'unreachable insn 2'],
      [[b.movImm(0, 0)], ERRNO.EINVAL, 'last insn is not an exit or jmp'],
      [[b.movImm(0, 0), b.aluImm(64, AluOp.LSH, 0, 64), b.exit()], ERRNO.EINVAL, 'invalid shift 64'],
    ];
    for (const [insns, errno, message] of cases) {
      const r = loadProgram({ insns, progType: 'socket_filter' });
      expect(r.fd, message).toBeUndefined();
      expect(r.errno, message).toBe(errno);
      expect(r.log.split('\n'), message).toContain(message);
    }
  });

  kit('accepts raw bytes as well as instructions', () => {
    const bytes = new Uint8Array([0xb7, 0, 0, 0, 7, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
    const { load, value } = withProgram({ insns: bytes, progType: 'xdp' }, (fd) => testRun(fd, { data: packet(64) }).retval);
    expect(load.errno).toBe(0);
    expect(value).toBe(7);
  });

  kit('rejects a byte string that is not whole instructions without calling the kernel', () => {
    const r = loadProgram({ insns: new Uint8Array(12), progType: 'xdp' });
    expect(r.errno).toBe(ERRNO.EINVAL);
    expect(r.error).toMatch(/not a whole number of instructions/);
  });

  kit('reports verification time and processed instructions at log level 4', () => {
    const r = loadProgram({ insns: [b.movImm(0, 0), b.movImm(1, 1), b.exit()], progType: 'xdp', logLevel: 4 });
    expect(r.errno).toBe(0);
    expect(r.log).toMatch(/verification time \d+ usec/);
    expect(r.verificationTimeUsec).toBeGreaterThanOrEqual(0);
    expect(r.processedInsns).toBe(3);
    closeFd(r.fd);
  });

  kit('grows a too-small log buffer until the whole trace fits', () => {
    const insns = [...Array.from({ length: 40 }, (_, i) => b.movImm(i % 9 + 1, i)), b.movImm(0, 0), b.exit()];
    const r = loadProgram({ insns, progType: 'xdp', logLevel: 2, logSize: 128 });
    expect(r.errno).toBe(0);
    expect(r.logTruncated).toBeUndefined();
    expect(r.log.length).toBeGreaterThan(128);
    expect(r.log).toContain('41: (95) exit');
    expect(r.log).toMatch(/processed 42 insns/);
    closeFd(r.fd);
  });

  kit('keeps only the failing path at log level 1, with the reason last', () => {
    const insns = [
      b.ldx(4, 2, 1, 0), b.ldx(4, 3, 1, 4),
      b.jmpReg(64, JmpOp.JGT, 2, 3, 2),
      b.movImm(0, 1),
      b.exit(),
      b.exit(),
    ];
    const r = loadProgram({ insns, progType: 'xdp', logLevel: 1, logSize: 128 });
    expect(r.errno).toBe(ERRNO.EACCES);
    expect(r.log).toContain('5: (95) exit');
    expect(r.log).not.toContain('3: (b7) r0 = 1');
    expect(r.error).toBe('EACCES: R0 !read_ok');
  });
});

describe('BPF_PROG_TEST_RUN', () => {
  kit('runs an XDP program that drops the packet', () => {
    const { load, value } = withProgram(
      { insns: [b.movImm(0, XDP_DROP), b.exit()], progType: 'xdp' },
      (fd) => testRun(fd, { data: packet(64), repeat: 3 }),
    );
    expect(load.errno).toBe(0);
    expect(value!.errno).toBe(0);
    expect(value!.retval).toBe(XDP_DROP);
    expect(value!.dataOut).toEqual(packet(64));
  });

  kit('shows packet writes in dataOut', () => {
    // r2 = data, r3 = data_end; if data + 4 > data_end exit; *(u16 *)(data + 2) = 0xbeef
    const insns = [
      b.ldx(4, 2, 1, 0), b.ldx(4, 3, 1, 4),
      b.movReg(4, 2), b.aluImm(64, AluOp.ADD, 4, 4),
      b.movImm(0, 2),
      b.jmpReg(64, JmpOp.JGT, 4, 3, 1),
      b.st(2, 2, 2, 0xbeef),
      b.exit(),
    ];
    const { load, value } = withProgram({ insns, progType: 'xdp' }, (fd) => testRun(fd, { data: packet(32) }));
    expect(load.error).toBeUndefined();
    const want = packet(32);
    want[2] = 0xef;
    want[3] = 0xbe;
    expect(value!.retval).toBe(2);
    expect(value!.dataOut).toEqual(want);
  });

  kit('gives socket filters a 32-bit return value and the skb context back', () => {
    const { value } = withProgram(
      { insns: [b.ldImm64(0, 0x1234_5678_9abc_def0n), b.exit()], progType: 'socket_filter' },
      (fd) => testRun(fd, { data: packet(60), ctx: new Uint8Array(192) }),
    );
    expect(value!.errno).toBe(0);
    expect(value!.retval).toBe(0x9abc_def0);
    expect(value!.ctxOut?.length).toBe(192);
  });

  kit('truncates the packet out to dataSizeOut and says ENOSPC, keeping the return value', () => {
    const { value } = withProgram({ insns: [b.movImm(0, 2), b.exit()], progType: 'xdp' }, (fd) =>
      testRun(fd, { data: packet(64), dataSizeOut: 10 }));
    expect(value!.errno).toBe(ERRNO.ENOSPC);
    expect(value!.retval).toBe(2);
    expect(value!.dataOut).toEqual(packet(64).slice(0, 10));
  });

  kit('runs context-only program types (raw_tracepoint) on ctx alone', () => {
    const ctx = new Uint8Array(16);
    new DataView(ctx.buffer).setBigUint64(8, 0x1234_5678_9n, true);
    const { load, value } = withProgram(
      { insns: [b.ldx(8, 0, 1, 8), b.exit()], progType: 'raw_tracepoint' },
      (fd) => testRun(fd, { ctx, ctxOut: false }),
    );
    expect(load.error).toBeUndefined();
    expect(value!.errno).toBe(0);
    expect(value!.retval).toBe(0x2345_6789);
  });

  kit('returns ENOTSUPP for kprobe programs', () => {
    const { load, value } = withProgram(
      { insns: [b.movImm(0, 0), b.exit()], progType: 'kprobe' },
      (fd) => testRun(fd, { ctx: new Uint8Array(168) }),
    );
    expect(load.errno).toBe(0);
    expect(value!.errno).toBe(ERRNO.ENOTSUPP);
  });

  kit('reports an error for an fd that is not a program', () => {
    expect(testRun(9999, { data: packet(64) }).errno).toBe(ERRNO.EBADF);
  });
});

describe('maps', () => {
  kit('hash maps: update, lookup, next key, dump, delete', () => {
    const fd = createMap({ name: 'h', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 8, flags: 0 });
    try {
      const value = (n: number) => new Uint8Array(8).fill(n);
      for (const k of [3, 1, 2]) mapUpdate(fd, u32le(k), value(k));
      expect(mapLookup(fd, u32le(2))).toEqual(value(2));
      expect(mapLookup(fd, u32le(9))).toBeUndefined();
      expect(() => mapUpdate(fd, u32le(1), value(0), UpdateFlag.NOEXIST)).toThrow(BpfError);
      const keys = dumpMap(fd).map((e) => new Uint32Array(e.key.slice().buffer)[0]).sort();
      expect(keys).toEqual([1, 2, 3]);
      expect(mapGetNextKey(fd, undefined)).toBeDefined();
      expect(mapDelete(fd, u32le(1))).toBe(true);
      expect(mapDelete(fd, u32le(1))).toBe(false);
      expect(dumpMap(fd)).toHaveLength(2);
      expect(() => mapLookup(fd, new Uint8Array(3))).toThrow(/key is 3 bytes; the map expects 4/);
    } finally {
      closeFd(fd);
    }
  });

  kit('a program\'s map write is visible through mapLookup', () => {
    const fd = createMap({ name: 'counts', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 });
    try {
      const insns = [
        ...lookupKeyZero(b.ldMapFd(1, fd)),
        b.ldImm64(1, 0x1122_3344_5566_7788n),
        b.stx(8, 0, 0, 1),
        b.movImm(0, 2),
        b.exit(),
      ];
      const { load, value } = withProgram({ insns, progType: 'xdp' }, (p) => testRun(p, { data: packet(64) }));
      expect(load.error).toBeUndefined();
      expect(value!.retval).toBe(2);
      const got = mapLookup(fd, u32le(0)) as Uint8Array;
      expect(new DataView(got.buffer).getBigUint64(0, true)).toBe(0x1122_3344_5566_7788n);
    } finally {
      closeFd(fd);
    }
  });

  kit('per-CPU arrays hold one value per possible CPU', () => {
    const cpus = possibleCpus();
    const fd = createMap({ name: 'pc', type: 'percpu_array', keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 });
    try {
      const perCpu = Array.from({ length: cpus }, (_, i) => u32le(100 + i));
      mapUpdate(fd, u32le(0), perCpu);
      expect(mapLookup(fd, u32le(0))).toEqual(perCpu);
      // the program adds 1 to this CPU's value on every run
      const insns = [
        ...lookupKeyZero(b.ldMapFd(1, fd)),
        b.movImm(1, 1),
        b.atomic(4, AtomicOp.ADD, 0, 0, 1),
        b.movImm(0, 2),
        b.exit(),
      ];
      const { load } = withProgram({ insns, progType: 'xdp' }, (p) => testRun(p, { data: packet(64), repeat: 5 }));
      expect(load.error).toBeUndefined();
      const after = mapLookup(fd, u32le(0)) as Uint8Array[];
      expect(after).toHaveLength(cpus);
      const total = after.reduce((s, v) => s + new DataView(v.slice().buffer).getUint32(0, true), 0);
      expect(total).toBe(perCpu.reduce((s, _, i) => s + 100 + i, 0) + 5);
    } finally {
      closeFd(fd);
    }
  });
});

describe('linkForKernel', () => {
  const program = (insns: Instruction[], relocations: Program['relocations']): Program => {
    let slot = 0;
    return {
      section: 'xdp', name: 'prog', progType: 'xdp', labels: new Map(), functions: [], relocations,
      insns: insns.map((insn) => {
        const p = { insn, slot };
        slot += insn.code === 0x18 ? 2 : 1;
        return p;
      }),
    };
  };

  kit('patches map and data references to fds the kernel accepts', () => {
    const rodata = new Uint8Array(16);
    new DataView(rodata.buffer).setUint32(8, 0xcafe, true);
    // r6 = &value_sym; r0 = *(u32 *)r6; then store r0 into map 'out'[0]
    const insns = [
      b.ldImm64(6, 0n),
      b.ldx(4, 7, 6, 0),
      ...lookupKeyZero(b.ldImm64(1, 0n)),
      b.stx(4, 0, 0, 7),
      b.movReg(0, 7),
      b.exit(),
    ];
    const prog = program(insns, [
      { slot: 0, symbol: 'value_sym', kind: 'imm64' },
      { slot: 6, symbol: 'out', kind: 'imm64' },
    ]);
    const linked = linkForKernel(
      prog,
      [{ name: 'out', type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 }],
      [{ name: '.rodata', bytes: rodata, symbols: [{ name: 'value_sym', offset: 8, size: 4 }] }],
    );
    try {
      expect(linked.insns[0]!.src).toBe(2);
      expect(linked.insns[0]!.hi).toBe(8);
      const { load, value } = withProgram({ insns: linked.insns, progType: 'xdp' }, (fd) => testRun(fd, { data: packet(64) }));
      expect(load.error).toBeUndefined();
      expect(value!.retval).toBe(0xcafe);
      expect(mapLookup(linked.mapFds.get('out')!, u32le(0))).toEqual(u32le(0xcafe));
    } finally {
      linked.close();
    }
  });

  kit('creates inner maps before their outer map', () => {
    const prog = program([b.movImm(0, 0), b.exit()], []);
    const linked = linkForKernel(prog, [
      { name: 'outer', type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 2, flags: 0, inner: 'inner' },
      { name: 'inner', type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 },
    ]);
    try {
      expect([...linked.mapFds.keys()].sort()).toEqual(['inner', 'outer']);
      mapUpdate(linked.mapFds.get('outer')!, u32le(0), u32le(linked.mapFds.get('inner')!));
    } finally {
      linked.close();
    }
  });

  kit('names the instruction of an unresolved symbol', () => {
    const prog = program([b.ldImm64(1, 0n), b.movImm(0, 0), b.exit()], [{ slot: 0, symbol: 'nowhere', kind: 'imm64' }]);
    expect(() => linkForKernel(prog, [])).toThrow("instruction 0: 'nowhere' is neither a map nor a data symbol");
  });

  kit('verifyInKernel gives the verdict and log of an assembled program and leaks nothing', () => {
    const bad = program([b.ldImm64(1, 0n), b.st(8, 1, 0, 0), b.movImm(0, 0), b.exit()], [{ slot: 0, symbol: 'm', kind: 'imm64' }]);
    const maps = [{ name: 'm', type: 'array' as const, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 }];
    const r = verifyInKernel(bad, maps);
    expect(r.errno).toBe(ERRNO.EACCES);
    expect(r.fd).toBeUndefined();
    expect(r.error).toBe('EACCES: only read from bpf_array is supported');
    const good = program([b.movImm(0, 2), b.exit()], []);
    expect(verifyInKernel(good, []).errno).toBe(0);
    expect(verifyInKernel(program([b.ldImm64(1, 0n), b.movImm(0, 0), b.exit()], [{ slot: 0, symbol: 'x', kind: 'imm64' }]), []).error)
      .toBe("EINVAL: instruction 0: 'x' is neither a map nor a data symbol");
  });
});

describe('fd hygiene', () => {
  const openFds = (): number => readdirSync('/proc/self/fd').length;

  kit('loads, runs, links and rejections leave no fds behind', () => {
    const before = openFds();
    for (let i = 0; i < 50; i++) {
      withProgram({ insns: [b.movImm(0, i), b.exit()], progType: 'xdp' }, (fd) => testRun(fd, { data: packet(64) }));
      loadProgram({ insns: [b.exit()], progType: 'xdp' });
      const fd = createMap({ name: 'tmp', type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 });
      closeFd(fd);
    }
    expect(openFds()).toBe(before);
  });

  kit('a map the kernel refuses fails the link with its errno and closes the maps made before it', () => {
    const before = openFds();
    const prog = { section: 'xdp', name: 'p', progType: 'xdp' as const, insns: [], labels: new Map(), functions: [], relocations: [] };
    expect(() => linkForKernel(prog, [
      { name: 'ok', type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 },
      { name: 'bad', type: 'hash', keySize: 0, valueSize: 4, maxEntries: 1, flags: 0 },
    ])).toThrow('BPF_MAP_CREATE failed: EINVAL (map bad (hash))');
    expect(openFds()).toBe(before);
  });
});

describe('program builder', () => {
  kit('resolves backward loops, forward jumps, gotol and bpf-to-bpf calls as the kernel runs them', () => {
    // r6 = sum of double(i) for i = 1..5, computed through a subprogram; expected 30
    const p = new ProgramBuilder('xdp', 'xdp');
    const top = p.newLabel();
    const done = p.newLabel();
    p.emit(b.movImm(6, 0), b.movImm(7, 1));
    p.place(top).emit(b.movReg(1, 7)).callLocal('double').emit(b.aluReg(64, AluOp.ADD, 6, 0), b.aluImm(64, AluOp.ADD, 7, 1));
    p.jump(b.jmpImm(64, JmpOp.JGT, 7, 5, 0), done).jump(b.gotol(0), top);
    p.place(done).emit(b.movReg(0, 6), b.exit());
    p.place('double', true).emit(b.movReg(0, 1), b.aluReg(64, AluOp.ADD, 0, 1), b.exit());
    const program = p.build();
    expect(program.functions.map((f) => f.name)).toEqual(['xdp', 'double']);
    const { load, value } = withProgram({ insns: p.instructions(), progType: 'xdp' }, (fd) => testRun(fd, { data: packet(64) }));
    expect(load.error).toBeUndefined();
    expect(value!.retval).toBe(30);
  });

  kit('loads callbacks (bpf_loop) with the BTF func_info the kernel asks for', () => {
    // sum of the indices 0..9 through a bpf_loop callback that adds into the caller's stack: 45
    const p = new ProgramBuilder('xdp', 'xdp');
    p.emit(b.st(8, 10, -8, 0), b.movImm(1, 10)).ldFunc(2, 'add_index');
    p.emit(b.movReg(3, 10), b.aluImm(64, AluOp.ADD, 3, -8), b.movImm(4, 0), b.call(181), b.ldx(8, 0, 10, -8), b.exit());
    p.place('add_index', true).emit(b.ldx(8, 3, 2, 0), b.aluReg(64, AluOp.ADD, 3, 1), b.stx(8, 2, 0, 3), b.movImm(0, 0), b.exit());
    const before = readdirSync('/proc/self/fd').length;
    const { load, value } = withProgram({ insns: p.instructions(), progType: 'xdp' }, (fd) => testRun(fd, { data: packet(64) }));
    expect(load.error).toBeUndefined();
    expect(value!.retval).toBe(45);
    expect(readdirSync('/proc/self/fd').length).toBe(before);
  });

  it('names a jump to a label that was never placed', () => {
    const p = new ProgramBuilder('xdp', 'xdp');
    p.jump(b.ja(0), '.nowhere').emit(b.exit());
    expect(() => p.build()).toThrow('jump to undefined label .nowhere');
  });
});
