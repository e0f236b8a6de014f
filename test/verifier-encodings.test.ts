// Odd encodings the assembler never writes (reserved fields, unknown opcodes, ld_imm64 sources) and the
// load-time pass, against the running kernel: the same first message and the same processed count.
import { describe, expect, it } from 'vitest';
import type { Instruction } from '../core/isa';
import { closeFd, createMap, kernelBpfAvailable, loadProgram } from '../core/kernel';
import type { MapDef } from '../core/map-types';
import { verify } from '../core/verifier';
import { kernelLogError } from '../core/verifier/kernel-log';

const avail = kernelBpfAvailable();
if (!avail.ok) console.warn(`skipping kernel encoding comparison: ${avail.reason}`);

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ code, dst, src, off, imm });
const R0_0 = I(0xb7);
const EXIT = I(0x95);

interface Outcome { message: string; processed: number | undefined }

function kernelOutcome(insns: Instruction[], maps: MapDef[]): Outcome {
  const fds = maps.map((m) => createMap(m));
  try {
    const linked = insns.map((i) => (i.code === 0x18 && (i.src === 1 || i.src === 2) && fds[i.imm] !== undefined ? { ...i, imm: fds[i.imm]! } : i));
    const load = loadProgram({ insns: linked, progType: 'socket_filter', logLevel: 1 });
    if (load.fd !== undefined) closeFd(load.fd);
    return { message: load.fd !== undefined ? 'ACCEPT' : kernelLogError(load.log)?.message ?? load.error ?? '', processed: load.processedInsns };
  } finally {
    for (const fd of fds) closeFd(fd);
  }
}

function ourOutcome(insns: Instruction[], maps: MapDef[]): Outcome {
  const r = verify(insns, { progType: 'socket_filter', maps });
  return { message: r.accepted ? 'ACCEPT' : r.errors[0]!.message, processed: r.processed };
}

const cases: [string, Instruction[], MapDef[]][] = [];
for (let code = 0; code < 256; code++) {
  if (code === 0x18) continue;
  cases.push([`opcode ${code.toString(16).padStart(2, '0')}`, [R0_0, I(code), R0_0, EXIT], []]);
}
const jumps: [string, Instruction][] = [
  ['ja with imm', I(0x05, 0, 0, 0, 1)], ['ja with dst', I(0x05, 1)], ['ja with src', I(0x05, 0, 1)],
  ['gotol with off', I(0x06, 0, 0, 1)], ['gotol with dst', I(0x06, 1)],
  ['jgt imm with src, dst unset', I(0x25, 2, 7, 1, 3)], ['jgt imm with src', I(0x25, 0, 7, 1, 3)],
  ['jgt reg with imm', I(0x2d, 0, 2, 1, 3)], ['jgt reg with imm, dst unset', I(0x2d, 3, 0, 1, 3)],
  ['ldx with imm', I(0x71, 0, 1, 0, -1)], ['stx with imm', I(0x63, 10, 1, -8, -1)], ['st with src', I(0x62, 10, 1, -8, 1)],
];
for (const [name, insn] of jumps) cases.push([name, [R0_0, insn, R0_0, EXIT], []]);
// a bad LDX in code no path reaches is still refused at load time
cases.push(['dead ldx with imm', [R0_0, I(0x05, 0, 0, 1), I(0x71, 0, 1, 0, -1), EXIT], []]);
const ARRAY: MapDef = { name: 'arr', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 };
const ARRAY_1: MapDef = { name: 'one', type: 'array', keySize: 4, valueSize: 16, maxEntries: 1, flags: 0 };
const HASH: MapDef = { name: 'h', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 };
const ld64 = (src: number, imm: number, hi = 0): Instruction => ({ code: 0x18, dst: 1, src, off: 0, imm, hi });
for (const [name, insn, maps] of [
  ['map idx', ld64(5, 0), [ARRAY]], ['map value idx', ld64(6, 0), [ARRAY]], ['unknown source', ld64(7, 0), []],
  ['value of a hash map', ld64(2, 0), [HASH]], ['value of a 4-element array', ld64(2, 0), [{ ...ARRAY, maxEntries: 4 }]], ['value offset past the end', ld64(2, 0, 8), [ARRAY]],
  ['huge value offset', ld64(2, 0, 1 << 29), [ARRAY]], ['no such map', ld64(1, 3), [ARRAY]],
] as [string, Instruction, MapDef[]][]) cases.push([`ld_imm64 ${name}`, [R0_0, insn, R0_0, EXIT], maps]);
// combined stack: 504 bytes in the caller and an empty callee fit (frames round to 16 with the JIT)
cases.push(['stack 504 + empty callee', [I(0x7a, 10, 0, -504, 0), I(0x85, 0, 1, 0, 2), R0_0, EXIT, R0_0, EXIT], []]);
cases.push(['stack 504 + 8-byte callee', [I(0x7a, 10, 0, -504, 0), I(0x85, 0, 1, 0, 2), R0_0, EXIT, I(0x7a, 10, 0, -8, 0), R0_0, EXIT], []]);

// atomics whose fetched value lands in the address register (R0 for cmpxchg, the source for fetch ops)
const STACK_PTR = (r: number): Instruction[] => [I(0x7a, 10, 0, -8, 0), I(0xbf, r, 10), I(0x07, r, 0, 0, -8)];
for (const [name, insns] of [
  ['cmpxchg64 through a stack pointer in r0', [...STACK_PTR(0), I(0xb7, 1, 0, 0, 5), I(0xdb, 0, 1, 0, 0xf1)]],
  ['cmpxchg32 through a stack pointer in r0', [...STACK_PTR(0), I(0xb7, 1, 0, 0, 5), I(0xc3, 0, 1, 0, 0xf1)]],
  ['cmpxchg64 through a stack pointer in r2', [...STACK_PTR(2), I(0xb7, 0), I(0xb7, 1, 0, 0, 5), I(0xdb, 2, 1, 0, 0xf1)]],
  ['cmpxchg through r0 = 0', [I(0xb7, 0), I(0xb7, 1, 0, 0, 1), I(0xdb, 0, 1, 0, 0xf1)]],
  ['cmpxchg through r2 = 0', [I(0xb7, 0), I(0xb7, 2), I(0xb7, 1, 0, 0, 1), I(0xdb, 2, 1, 0, 0xf1)]],
  ['fetch_add through its own source', [...STACK_PTR(1), I(0xdb, 1, 1, 0, 0x01)]],
  ['fetch_add32 through its own source', [...STACK_PTR(1), I(0xc3, 1, 1, 4, 0x01)]],
  ['xchg through its own source', [...STACK_PTR(1), I(0xdb, 1, 1, 0, 0xe1)]],
  ['fetch_add through r1 = 0, its own source', [I(0xb7, 1), I(0xdb, 1, 1, 0, 0x01)]],
  ['add (no fetch) through r2 = 0', [I(0xb7, 2), I(0xb7, 1, 0, 0, 1), I(0xdb, 2, 1, 0, 0)]],
] as [string, Instruction[]][]) cases.push([name, [...insns, R0_0, EXIT], []]);

// atomics demand strict alignment, whatever the pointer (map values, maybe-NULL values, stack)
const LOOKUP: Instruction[] = [I(0x62, 10, 0, -4, 0), I(0xbf, 2, 10), I(0x07, 2, 0, 0, -4), ld64(1, 0), I(0x85, 0, 0, 0, 1)];
for (const [name, insns] of [
  ['atomic add at -1 through a maybe-NULL value', [...LOOKUP, I(0xb7, 1, 0, 0, 1), I(0xdb, 0, 1, -1, 0)]],
  ['atomic add at 4 (size 8) through a map value', [...LOOKUP, I(0x15, 0, 0, 2, 0), I(0xb7, 1, 0, 0, 1), I(0xdb, 0, 1, 4, 0)]],
  ['atomic add at 2 (size 4) through a map value', [...LOOKUP, I(0x15, 0, 0, 2, 0), I(0xb7, 1, 0, 0, 1), I(0xc3, 0, 1, 2, 0)]],
  ['atomic add at 4 (size 4) through a map value', [...LOOKUP, I(0x15, 0, 0, 2, 0), I(0xb7, 1, 0, 0, 1), I(0xc3, 0, 1, 4, 0)]],
  ['atomic add at -4 (size 8) on the stack', [I(0x7a, 10, 0, -16, 0), I(0xb7, 1, 0, 0, 1), I(0xdb, 10, 1, -12, 0)]],
] as [string, Instruction[]][]) cases.push([name, [...insns, R0_0, EXIT], [ARRAY_1]]);

describe('odd encodings against the kernel', () => {
  it.skipIf(!avail.ok)(`${cases.length} programs give the kernel's first message and processed count`, () => {
    const differ: string[] = [];
    for (const [name, insns, maps] of cases) {
      const k = kernelOutcome(insns, maps);
      const o = ourOutcome(insns, maps);
      if (k.message !== o.message || k.processed !== o.processed) {
        differ.push(`${name}: kernel '${k.message}' (${k.processed}) | ours '${o.message}' (${o.processed})`);
      }
    }
    expect(differ).toEqual([]);
  });
});
