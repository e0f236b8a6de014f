// Builds tiny programs that call a helper with a deliberately wrong argument in one position (and
// valid ones before it) and says which verifier message the prototype table predicts. Used to check
// the table against the running kernel.

import type { ArgSpec } from './proto-types';
import { expectedRegTypeNames } from './proto-types';

const STACK_REGION = 64;

/** Argument kinds we can give a valid value for with no setup beyond a hash map (key 8, value 8). */
function validValue(arg: ArgSpec): 'ctx' | 'map' | 'mem' | 'size' | 'zero' | 'fp' | undefined {
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
    default: return undefined;
  }
}

const SCALAR_KINDS = new Set(['ARG_CONST_SIZE', 'ARG_CONST_SIZE_OR_ZERO', 'ARG_CONST_ALLOC_SIZE_OR_ZERO']);

export type ArgProbeExpectation =
  /** The verifier must stop with exactly this message. */
  | { message: string }
  /** The verifier must accept this argument (whatever it says, it is not about this register's type). */
  | { acceptsRegister: number };

export interface ArgProbe {
  /** Encoded program: r6 = ctx, zeroed stack, args, `call`, r0 = 0, exit. */
  code: Uint8Array;
  expect: ArgProbeExpectation;
  /** What was put in the register under test. */
  wrong: 'scalar 0x1234' | 'fp-64';
}

class Emitter {
  private words: number[][] = [];
  insn(code: number, dst = 0, src = 0, off = 0, imm = 0): void {
    this.words.push([code, dst, src, off, imm]);
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

/**
 * Program calling helper `id` with `args` valid up to `position - 1` (1-based) and a wrong value
 * at `position`; undefined when an earlier argument needs setup we cannot give (BTF objects,
 * sockets, callbacks...) or the argument at `position` has no testable wrong value.
 */
export function buildArgProbe(id: number, args: readonly ArgSpec[], position: number, mapFd: number): ArgProbe | undefined {
  const arg = args[position - 1];
  if (!arg || arg.base === 'ARG_DONTCARE') return undefined;
  const e = new Emitter();
  e.insn(0xbf, 6, 1); // r6 = r1 (ctx)
  for (let off = -STACK_REGION; off < 0; off += 8) e.insn(0x7a, 10, 0, off, 0); // *(u64 *)(r10 + off) = 0
  for (let i = 1; i < position; i++) {
    const how = validValue(args[i - 1]);
    switch (how) {
      case 'ctx': e.insn(0xbf, i, 6); break;
      case 'map': e.insn(0x18, i, 1, 0, mapFd); e.insn(0, 0, 0, 0, 0); break;
      case 'mem':
      case 'fp': e.insn(0xbf, i, 10); e.insn(0x07, i, 0, 0, -STACK_REGION); break;
      case 'size': e.insn(0xb7, i, 0, 0, 8); break;
      case 'zero': e.insn(0xb7, i, 0, 0, 0); break;
      default: return undefined;
    }
  }
  let expect: ArgProbeExpectation;
  let wrong: ArgProbe['wrong'];
  if (SCALAR_KINDS.has(arg.base)) {
    e.insn(0xbf, position, 10);
    e.insn(0x07, position, 0, 0, -STACK_REGION);
    wrong = 'fp-64';
    expect = { message: `R${position} type=fp expected=scalar` };
  } else if (arg.base === 'ARG_ANYTHING') {
    e.insn(0xbf, position, 10);
    e.insn(0x07, position, 0, 0, -STACK_REGION);
    wrong = 'fp-64';
    expect = { acceptsRegister: position };
  } else {
    e.insn(0xb7, position, 0, 0, 0x1234);
    wrong = 'scalar 0x1234';
    expect = { message: `R${position} type=scalar expected=${expectedRegTypeNames(arg).join(', ')}` };
  }
  e.insn(0x85, 0, 0, 0, id);
  e.insn(0xb7, 0, 0, 0, 0);
  e.insn(0x95);
  return { code: e.bytes(), expect, wrong };
}

/** Whether the verifier's reason satisfies the expectation. */
export function argProbeMatches(expect: ArgProbeExpectation, reason: string | undefined): boolean {
  if ('message' in expect) return reason === expect.message;
  return !(reason ?? '').startsWith(`R${expect.acceptsRegister} type=`);
}
