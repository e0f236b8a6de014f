// The verifier's states at one instruction, one per path, and checks of a concrete value against them.
import { type StateEntries, parseStateText, topLevelWords } from '../core/verifier/state-text';

export type { StateEntries };

/** Every path's state (from the verifier's per-path states at one instruction). */
export function parseState(paths: readonly string[] | undefined): StateEntries[] {
  return (paths ?? []).map(parseStateText);
}

/** What a register or slot is on each path, `a | b` when the paths disagree; undefined when never set. */
export function describeEntry(paths: StateEntries[], name: string): string | undefined {
  const seen = [...new Set(paths.map((p) => p.get(name)).filter((x): x is string => x !== undefined))];
  if (!seen.length) return undefined;
  return paths.some((p) => !p.has(name)) ? [...seen, 'not init'].join(' | ') : seen.join(' | ');
}

/** The concrete side of a register: its value and which kind of memory it points into, if any. */
export interface Concrete {
  value: bigint;
  /** 'stack' with the offset from this frame's fp, 'packet', 'ctx', 'map' (value), 'map_ptr', or undefined for no region. */
  region?: string;
  fpOffset?: number;
}

const POINTER_KINDS: Record<string, string[]> = {
  ctx: ['ctx'], pkt: ['packet'], pkt_meta: ['packet'], pkt_end: ['packet'], map_value: ['map'], map_ptr: ['map_ptr'],
  mem: ['map', 'mem', 'ringbuf', 'stack', 'packet'], rdonly_mem: ['map', 'mem', 'stack'], ringbuf_mem: ['ringbuf', 'map'],
  map_key: ['map', 'stack'], flow_keys: ['ctx', 'mem'], sock: ['mem'], sock_common: ['mem'], tcp_sock: ['mem'],
  func: ['code'], buf: ['mem'], ptr_: ['mem'], trusted_ptr_: ['mem'], rcu_ptr_: ['mem'],
};

/** Is `c` possible for the verifier's text `t` of one path? Returns the reason when not. */
function fits(c: Concrete, t: string): string | undefined {
  const u = BigInt.asUintN(64, c.value);
  const s = BigInt.asIntN(64, c.value);
  if (/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) {
    const want = BigInt(t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t));
    return BigInt.asUintN(64, want) === u ? undefined : `the verifier knows it is ${t}`;
  }
  if (t.startsWith('fp')) {
    const off = Number(t.slice(2));
    if (c.region !== 'stack') return `the verifier says it points to the stack (${t})`;
    return c.fpOffset === off ? undefined : `the verifier says ${t}, the value is fp${c.fpOffset! >= 0 ? '+' : ''}${c.fpOffset}`;
  }
  const m = /^([a-z_0-9]+?)(_or_null)?\((.*)\)$/.exec(t);
  if (!m) return undefined;
  const [, kind, orNull, inner] = m as unknown as [string, string, string | undefined, string];
  if (orNull && u === 0n) return undefined;
  if (kind === 'scalar') return scalarFits(u, s, inner);
  const regions = POINTER_KINDS[kind] ?? (kind.startsWith('ptr_') ? ['mem'] : undefined);
  if (!regions) return undefined;
  if (!c.region || !regions.includes(c.region)) return `the verifier says it is ${kind}${orNull ?? ''}, the value points ${c.region ? `into ${c.region}` : 'nowhere known'}`;
  return undefined;
}

function scalarFits(u: bigint, s: bigint, inner: string): string | undefined {
  const b = new Map<string, bigint>();
  let varOff: [bigint, bigint] | undefined;
  for (const part of topLevelWords(inner, ',')) {
    const vo = /^var_off=\((0x[0-9a-f]+);\s*(0x[0-9a-f]+)\)$/i.exec(part.trim());
    if (vo) { varOff = [BigInt(vo[1]!), BigInt(vo[2]!)]; continue; }
    const names = part.trim().split('=');
    const raw = names.pop()!;
    if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(raw)) continue;
    const v = raw.startsWith('-') ? -BigInt(raw.slice(1)) : BigInt(raw);
    for (const n of names) b.set(n, v);
  }
  const u32 = u & 0xffffffffn;
  const s32 = BigInt.asIntN(32, u32);
  const check = (lo: string, hi: string, x: bigint, conv: (v: bigint) => bigint): string | undefined => {
    const l = b.has(lo) ? conv(b.get(lo)!) : undefined;
    const h = b.has(hi) ? conv(b.get(hi)!) : undefined;
    if (l !== undefined && h !== undefined && l > h) return undefined; // an inconsistent pair says nothing
    if (l !== undefined && x < l) return `below ${lo}=${b.get(lo)}`;
    if (h !== undefined && x > h) return `above ${hi}=${b.get(hi)}`;
    return undefined;
  };
  const why = check('umin', 'umax', u, (v) => BigInt.asUintN(64, v))
    ?? check('smin', 'smax', s, (v) => BigInt.asIntN(64, v))
    ?? check('umin32', 'umax32', u32, (v) => BigInt.asUintN(32, v))
    ?? check('smin32', 'smax32', s32, (v) => BigInt.asIntN(32, v));
  if (why) return `the value is ${why}`;
  if (varOff && (u & ~varOff[1] & 0xffffffffffffffffn) !== varOff[0]) {
    return `the value's known bits differ from var_off=(0x${varOff[0].toString(16)}; 0x${varOff[1].toString(16)})`;
  }
  return undefined;
}

/**
 * Checks a concrete register against the verifier's state on every path: undefined when it fits
 * one of them (or the verifier says nothing), else why it fits none.
 */
export function outsideVerifierRange(c: Concrete, paths: StateEntries[], name: string): string | undefined {
  const texts = paths.map((p) => p.get(name)).filter((x): x is string => x !== undefined);
  if (!texts.length || texts.length < paths.length) return undefined;
  let first: string | undefined;
  for (const t of texts) {
    const why = fits(c, t);
    if (!why) return undefined;
    first ??= why;
  }
  return first;
}
