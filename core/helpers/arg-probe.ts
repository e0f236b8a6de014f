// Builds tiny programs that call a helper with a deliberately wrong argument in one position (and
// valid ones before it) and says which verifier message the prototype table predicts. Used to check
// the table against the running kernel.

import type { ArgSpec } from './proto-types';
import { expectedRegTypeNames } from './proto-types';

const STACK_REGION = 64;

/** Argument kinds we can give a valid value for with no setup beyond a hash map (key 8, value 8). */
function validValue(arg: ArgSpec): 'ctx' | 'map' | 'mem' | 'size' | 'zero' | 'fp' | 'sock' | undefined {
  // NULL is fine for a nullable pointer unless a size follows (then NULL with size 8 is refused).
  const memLike = arg.base === 'ARG_PTR_TO_MEM' || arg.base === 'ARG_PTR_TO_MAP_VALUE';
  if (arg.flags.includes('PTR_MAYBE_NULL') && arg.base !== 'ARG_PTR_TO_CTX' && !memLike) return 'zero';
  switch (arg.base) {
    case 'ARG_PTR_TO_CTX': return 'ctx';
    case 'ARG_CONST_MAP_PTR': return 'map';
    case 'ARG_PTR_TO_MAP_KEY':
    case 'ARG_PTR_TO_MAP_VALUE':
    case 'ARG_PTR_TO_MEM': return 'mem';
    case 'ARG_CONST_SIZE':
    case 'ARG_CONST_SIZE_OR_ZERO':
    case 'ARG_CONST_ALLOC_SIZE_OR_ZERO': return 'size';
    case 'ARG_ANYTHING': return 'zero';
    case 'ARG_PTR_TO_STACK': return 'fp';
    case 'ARG_PTR_TO_SOCK_COMMON':
    case 'ARG_PTR_TO_BTF_ID_SOCK_COMMON':
    case 'ARG_PTR_TO_SOCKET': return 'sock';
    default: return undefined;
  }
}

const SCALAR_KINDS = new Set(['ARG_CONST_SIZE', 'ARG_CONST_SIZE_OR_ZERO', 'ARG_CONST_ALLOC_SIZE_OR_ZERO']);

export type ArgProbeExpectation =
  /** The verifier must stop with exactly this message. */
  | { message: string }
  /** The verifier must accept this argument: its message (if any) is not about this register. */
  | { acceptsRegister: number };

/**
 * What to put in the register under test:
 * - `wrong-type`: a scalar where a pointer is expected, or fp where a scalar size is expected;
 * - `null`: a NULL pointer (accepted only by PTR_MAYBE_NULL arguments);
 * - `rdonly-map`: a pointer into a BPF_F_RDONLY_PROG map value (refused only by MEM_WRITE arguments);
 * - `zero-size`: a size of 0 (refused by ARG_CONST_SIZE, accepted by the _OR_ZERO kinds);
 * - `packet`: a pointer to packet data (refused unless the helper has pkt_access).
 */
export type ArgProbeMode = 'wrong-type' | 'null' | 'rdonly-map' | 'zero-size' | 'packet';

/** Where the packet pointers sit in the context (for `packet` mode). */
export const PACKET_CTX = {
  skb: { data: 76, dataEnd: 80 },
  xdp: { data: 0, dataEnd: 4 },
} as const;

export interface ArgProbeMaps {
  /** A hash map, key 8 and value 8 bytes, for ARG_CONST_MAP_PTR arguments. */
  hashFd: number;
  /** An array map with BPF_F_RDONLY_PROG, key 4, value RDONLY_VALUE_SIZE bytes (for `rdonly-map`). */
  rdonlyArrayFd?: number;
  /** Context layout of the program type, for `packet` mode (sched_cls and friends: skb; xdp: xdp). */
  packetCtx?: keyof typeof PACKET_CTX;
  /** The program type may call bpf_sk_lookup_tcp, so socket arguments can get a real socket. */
  socketLookup?: boolean;
}

export const RDONLY_VALUE_SIZE = 64;

export interface ArgProbe {
  /** Encoded program: r6 = ctx, zeroed stack, args, `call`, r0 = 0, exit. */
  code: Uint8Array;
  expect: ArgProbeExpectation;
  mode: ArgProbeMode;
}

class Emitter {
  private words: number[][] = [];
  get length(): number {
    return this.words.length;
  }
  insn(code: number, dst = 0, src = 0, off = 0, imm = 0): void {
    this.words.push([code, dst, src, off, imm]);
  }
  patchOff(index: number, off: number): void {
    this.words[index][3] = off;
  }
  bytes(): Uint8Array {
    const b = new Uint8Array(this.words.length * 8);
    const v = new DataView(b.buffer);
    this.words.forEach(([code, dst, src, off, imm], i) => {
      v.setUint8(i * 8, code);
      v.setUint8(i * 8 + 1, ((src & 0xf) << 4) | (dst & 0xf));
      v.setInt16(i * 8 + 2, off, true);
      v.setInt32(i * 8 + 4, imm, true);
    });
    return b;
  }
}

const isPointerArg = (arg: ArgSpec): boolean => !SCALAR_KINDS.has(arg.base) && arg.base !== 'ARG_ANYTHING';
const isMemArg = (arg: ArgSpec): boolean =>
  arg.base === 'ARG_PTR_TO_MEM' || arg.base === 'ARG_PTR_TO_MAP_KEY' || arg.base === 'ARG_PTR_TO_MAP_VALUE';

/** Puts a valid value for `arg` in register `reg`; false when we cannot. */
function emitValid(e: Emitter, arg: ArgSpec, reg: number, maps: ArgProbeMaps): boolean {
  switch (validValue(arg)) {
    case 'ctx': e.insn(0xbf, reg, 6); return true;
    case 'map': e.insn(0x18, reg, 1, 0, maps.hashFd); e.insn(0, 0, 0, 0, 0); return true;
    case 'mem':
    case 'fp': e.insn(0xbf, reg, 10); e.insn(0x07, reg, 0, 0, -STACK_REGION); return true;
    case 'size': e.insn(0xb7, reg, 0, 0, 8); return true;
    case 'zero': e.insn(0xb7, reg, 0, 0, 0); return true;
    case 'sock': e.insn(0xbf, reg, 9); return true;
    default: return false;
  }
}

const SK_LOOKUP_TCP = 84;

/**
 * r9 = bpf_sk_lookup_tcp(ctx, &zeroed ipv4 tuple, 12, BPF_F_CURRENT_NETNS, 0); if (!r9) exit.
 * Returns the index of the exit jump to patch, or undefined when sockets are not needed.
 */
function emitSocketLookup(e: Emitter, needed: readonly ArgSpec[], maps: ArgProbeMaps): number | null | undefined {
  if (!needed.some((a) => validValue(a) === 'sock')) return undefined;
  if (!maps.socketLookup) return null;
  e.insn(0xbf, 1, 6);
  e.insn(0xbf, 2, 10);
  e.insn(0x07, 2, 0, 0, -STACK_REGION);
  e.insn(0xb7, 3, 0, 0, 12);
  e.insn(0xb7, 4, 0, 0, -1);
  e.insn(0xb7, 5, 0, 0, 0);
  e.insn(0x85, 0, 0, 0, SK_LOOKUP_TCP);
  const jump = e.length;
  e.insn(0x15, 0, 0, 0, 0); // if r0 == 0 goto exit (patched)
  e.insn(0xbf, 9, 0);
  return jump;
}

/**
 * Program calling helper `id` with `args` valid up to `position - 1` (1-based) and the probe's
 * value at `position`; undefined when an earlier argument needs setup we cannot give (BTF objects,
 * sockets, callbacks...) or the mode does not apply to this argument.
 */
export function buildArgProbe(
  id: number, args: readonly ArgSpec[], position: number, maps: ArgProbeMaps, mode: ArgProbeMode = 'wrong-type',
  pktAccess = false,
): ArgProbe | undefined {
  const arg = args[position - 1];
  if (!arg || arg.base === 'ARG_DONTCARE') return undefined;
  if (mode === 'null' && !isPointerArg(arg)) return undefined;
  if (mode === 'rdonly-map' && (!isMemArg(arg) || maps.rdonlyArrayFd === undefined)) return undefined;
  if (mode === 'zero-size' && !SCALAR_KINDS.has(arg.base)) return undefined;
  if (mode === 'packet' && (!isMemArg(arg) || !maps.packetCtx)) return undefined;
  const e = new Emitter();
  e.insn(0xbf, 6, 1); // r6 = ctx
  for (let off = -STACK_REGION; off < 0; off += 8) e.insn(0x7a, 10, 0, off, 0); // zero the stack region
  let skipToExit: number | undefined;
  const exitJumps: number[] = [];
  const sock = emitSocketLookup(e, args.slice(0, position - 1), maps);
  if (sock === null || (sock !== undefined && (mode === 'rdonly-map' || mode === 'packet'))) return undefined;
  if (sock !== undefined) exitJumps.push(sock);
  if (mode === 'rdonly-map') {
    // r7 = bpf_map_lookup_elem(rdonly array, &zero); if (!r7) exit
    e.insn(0x18, 1, 1, 0, maps.rdonlyArrayFd!);
    e.insn(0, 0, 0, 0, 0);
    e.insn(0xbf, 2, 10);
    e.insn(0x07, 2, 0, 0, -STACK_REGION);
    e.insn(0x85, 0, 0, 0, 1);
    skipToExit = e.length;
    e.insn(0x15, 0, 0, 0, 0); // if r0 == 0 goto exit (patched)
    e.insn(0xbf, 7, 0);
  } else if (mode === 'packet') {
    // r7 = data; r8 = data_end; if (r7 + 64 > r8) exit
    const off = PACKET_CTX[maps.packetCtx!];
    e.insn(0x61, 7, 6, off.data);
    e.insn(0x61, 8, 6, off.dataEnd);
    e.insn(0xbf, 0, 7);
    e.insn(0x07, 0, 0, 0, 64);
    skipToExit = e.length;
    e.insn(0x2d, 0, 8, 0); // if r0 > r8 goto exit (patched)
  }
  for (let i = 1; i < position; i++) if (!emitValid(e, args[i - 1], i, maps)) return undefined;

  let expect: ArgProbeExpectation;
  if (mode === 'null') {
    e.insn(0xb7, position, 0, 0, 0);
    expect = arg.flags.includes('PTR_MAYBE_NULL')
      ? { acceptsRegister: position }
      : { message: `R${position} type=scalar expected=${expectedRegTypeNames(arg).join(', ')}` };
  } else if (mode === 'rdonly-map') {
    e.insn(0xbf, position, 7);
    // The access is checked against the size: the next argument, the fixed size, or the map's key/value size (8).
    const next = args[position];
    let size = 8;
    if (arg.size !== undefined) size = arg.size;
    else if (next && SCALAR_KINDS.has(next.base)) e.insn(0xb7, position + 1, 0, 0, size);
    expect = arg.flags.includes('MEM_WRITE')
      ? { message: `write into map forbidden, value_size=${RDONLY_VALUE_SIZE} off=0 size=${size}` }
      : { acceptsRegister: position };
  } else if (mode === 'zero-size') {
    e.insn(0xb7, position, 0, 0, 0);
    expect = arg.base === 'ARG_CONST_SIZE'
      ? { message: `R${position} invalid zero-sized read: u64=[0,0]` }
      : { acceptsRegister: position };
  } else if (mode === 'packet') {
    e.insn(0xbf, position, 7);
    const next = args[position];
    if (arg.size === undefined && next && SCALAR_KINDS.has(next.base)) e.insn(0xb7, position + 1, 0, 0, 8);
    expect = pktAccess ? { acceptsRegister: position } : { message: 'helper access to the packet is not allowed' };
  } else if (SCALAR_KINDS.has(arg.base) || arg.base === 'ARG_ANYTHING') {
    e.insn(0xbf, position, 10);
    e.insn(0x07, position, 0, 0, -STACK_REGION);
    expect = arg.base === 'ARG_ANYTHING'
      ? { acceptsRegister: position }
      : { message: `R${position} type=fp expected=scalar` };
  } else {
    e.insn(0xb7, position, 0, 0, 0x1234);
    expect = { message: `R${position} type=scalar expected=${expectedRegTypeNames(arg).join(', ')}` };
  }
  e.insn(0x85, 0, 0, 0, id);
  if (skipToExit !== undefined) exitJumps.push(skipToExit);
  for (const j of exitJumps) e.patchOff(j, e.length - j - 1);
  e.insn(0xb7, 0, 0, 0, 0);
  e.insn(0x95);
  return { code: e.bytes(), expect, mode };
}

/** Whether the verifier's reason satisfies the expectation. */
export function argProbeMatches(expect: ArgProbeExpectation, reason: string | undefined): boolean {
  if ('message' in expect) return reason === expect.message;
  const r = reason ?? '';
  return !r.startsWith(`R${expect.acceptsRegister} `) && !r.startsWith('write into map forbidden') &&
    r !== 'helper access to the packet is not allowed';
}

/**
 * Program calling helper `id` with valid values for all `args`, then passing R0 to
 * bpf_map_lookup_elem as its map, so the verifier names R0's type: `R1 type=<ret> expected=map_ptr`
 * (`R0 !read_ok` after a void helper). Undefined when an argument cannot be given a valid value.
 */
export function buildReturnProbe(id: number, args: readonly ArgSpec[], maps: ArgProbeMaps, retTypeName: string | undefined): ArgProbe | undefined {
  const e = new Emitter();
  e.insn(0xbf, 6, 1);
  for (let off = -STACK_REGION; off < 0; off += 8) e.insn(0x7a, 10, 0, off, 0);
  const sock = emitSocketLookup(e, args, maps);
  if (sock === null) return undefined;
  for (let i = 1; i <= args.length; i++) if (!emitValid(e, args[i - 1], i, maps)) return undefined;
  e.insn(0x85, 0, 0, 0, id);
  e.insn(0xbf, 1, 0); // r1 = r0
  e.insn(0x85, 0, 0, 0, 1); // bpf_map_lookup_elem(r1, ...)
  if (sock !== undefined) e.patchOff(sock, e.length - sock - 1);
  e.insn(0xb7, 0, 0, 0, 0);
  e.insn(0x95);
  const message = retTypeName === undefined ? 'R0 !read_ok' : `R1 type=${retTypeName} expected=map_ptr`;
  return { code: e.bytes(), expect: { message }, mode: 'wrong-type' };
}
