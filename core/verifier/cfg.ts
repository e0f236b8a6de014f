// Static checks the kernel makes before simulating: subprogram boundaries, jump ranges, the last
// instruction of each subprogram, jumps into ld_imm64, unreachable code, and register liveness.
import { type Instruction, imm64 } from '../isa';
import { Arena, arenaBytes } from './arena';

export interface Slots {
  /** Instruction at each slot, or undefined for the second half of an ld_imm64. */
  at: (Instruction | undefined)[];
  count: number;
}

export function toSlots(insns: readonly Instruction[]): Slots {
  const at: (Instruction | undefined)[] = [];
  for (const insn of insns) {
    at.push(insn);
    if (insn.code === 0x18) at.push(undefined);
  }
  return { at, count: at.length };
}

export interface CfgResult {
  error?: { message: string; insn: number };
  /** Start slot of each subprogram, ascending; subprogs[0] = 0. */
  subprogs: number[];
  /** Instructions where states are compared for pruning. */
  prunePoints: Uint8Array;
  /** Instructions reached by a jump or a return, where the kernel records jump history. */
  jmpPoints: Uint8Array;
  /** Helper calls that run a callback (bpf_loop and the like): the verifier loops back to them. */
  callsCallback: Uint8Array;
  /** Registers live before each instruction (bit i = Ri). */
  liveBefore: Uint16Array;
  /** Unreachable instructions found (the kernel rejects on the first). */
  unreachable: number[];
  /**
   * Registers whose scalar value may reach a safety check from each instruction on (a static
   * stand-in for the kernel's precision marks): other scalars may be treated as equal when pruning.
   */
  preciseBefore: Uint16Array;
  /** Stack slots (spi 0-31 / 32-63) whose spilled scalar may reach a safety check. */
  preciseSlotsLo: Uint32Array;
  preciseSlotsHi: Uint32Array;
  /** Stack slots (spi) that may be read later, before each instruction. */
  liveSlotsLo: Uint32Array;
  liveSlotsHi: Uint32Array;
}

const isJmp = (code: number): boolean => (code & 7) === 0x05 || (code & 7) === 0x06;

/** Helpers that call a callback synchronously: for_each_map_elem, find_vma, loop, user_ringbuf_drain. */
const CALLBACK_HELPERS = new Set([164, 180, 181, 209]);

const isCallbackCall = (insn: Instruction): boolean => insn.code === 0x85 && insn.src === 0 && CALLBACK_HELPERS.has(insn.imm);

export function jumpTarget(i: number, insn: Instruction): number {
  if (insn.code === 0x06) return i + insn.imm + 1;
  return i + insn.off + 1;
}

/** Work arrays of one analyzeCfg call (it runs to completion, never nested). */
const scratch = new Arena();
/** The results, when the caller lets them be reused by the next call. */
const reusedResults = new Arena();

/** Successors of slot i at [2i] and [2i + 1], -1 where there is none. */
type Succs = Int32Array;

const NONE = Number.MIN_SAFE_INTEGER;

/** The k-th (0 or 1) successor of slot i, NONE when it has fewer; jump targets may be out of range. */
function succOf(slots: Slots, i: number, k: number): number {
  const insn = slots.at[i]!;
  const code = insn.code;
  const next = i + (code === 0x18 ? 2 : 1);
  if (isJmp(code)) {
    const op = code & 0xf0;
    if (op === 0x90) return NONE;
    if (op === 0x80) {
      if (k === 0) return next;
      return insn.src === 1 ? i + insn.imm + 1 : NONE;
    }
    const t = jumpTarget(i, insn);
    if (op === 0x00) return k === 0 ? t : NONE;
    return k === 0 ? next : t;
  }
  if (k === 0) return next;
  return code === 0x18 && insn.src === 4 ? i + insn.imm + 1 : NONE;
}

/**
 * The static analysis of a program. With `reuseResults` the result arrays come from a buffer the
 * next call reuses: they are valid until then (a verifier run needs them only while it runs).
 */
export function analyzeCfg(
  slots: Slots, bpfCapable: boolean, exitChecksR0 = true, condSinks: ReadonlySet<number> = new Set(),
  helperArgCount: (id: number) => number = () => 5, reuseResults = false,
  loadTimeError: () => { message: string; insn: number } | undefined = () => undefined,
): CfgResult {
  const n = slots.count;
  // The results share one buffer (a typed array of its own costs an allocation each).
  const m = n + 1;
  const out = reuseResults ? reusedResults : new Arena();
  out.reset(arenaBytes(4 * m, 4 * m, 4 * m, 4 * m, 2 * m, 2 * m, m, m, m));
  const preciseSlotsLo = out.u32(m);
  const preciseSlotsHi = out.u32(m);
  const liveSlotsLo = out.u32(m);
  const liveSlotsHi = out.u32(m);
  const liveBefore = out.u16(m);
  const preciseBefore = out.u16(m);
  const prunePoints = out.u8(m);
  const jmpPoints = out.u8(m);
  const callsCallback = out.u8(m);
  scratch.reset(arenaBytes(n, 4 * n, n, 8 * n, 2 * n, 2 * n, 4 * (n + 1), n));
  const subprogSet = new Set<number>([0]);
  const fail = (message: string, insn: number): CfgResult => ({ error: { message, insn }, subprogs: [...subprogSet].sort((a, b) => a - b), prunePoints, jmpPoints, callsCallback, liveBefore, unreachable: [], preciseBefore, preciseSlotsLo, preciseSlotsHi, liveSlotsLo, liveSlotsHi });

  for (let i = 0; i < n; i++) {
    const insn = slots.at[i];
    if (!insn) continue;
    const isPseudoCall = insn.code === 0x85 && insn.src === 1;
    const isPseudoFunc = insn.code === 0x18 && insn.src === 4;
    if (isPseudoCall || isPseudoFunc || (insn.code === 0x85 && insn.src === 2)) {
      if (!bpfCapable) return fail('loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN', i);
      if (insn.src === 2) continue;
      const t = i + insn.imm + 1;
      if (t < 0 || t >= n) return fail(isPseudoCall ? 'call to invalid destination' : 'invalid bpf_ld_imm64 insn', i);
      subprogSet.add(t);
    }
  }
  const subprogs = [...subprogSet].sort((a, b) => a - b);

  for (let s = 0; s < subprogs.length; s++) {
    const start = subprogs[s];
    const end = s + 1 < subprogs.length ? subprogs[s + 1] : n;
    for (let i = start; i < end; i++) {
      const insn = slots.at[i];
      if (!insn) continue;
      const code = insn.code;
      if (isJmp(code) && (code & 0xf0) !== 0x90 && (code & 0xf0) !== 0x80) {
        const t = jumpTarget(i, insn);
        if (t < start || t >= end) return fail(`jump out of range from insn ${i} to ${t}`, i);
      }
      const last = i === end - 1 || (code === 0x18 && i === end - 2);
      if (last && code !== 0x95 && code !== 0x05 && code !== 0x06) return fail('last insn is not an exit or jmp', i);
    }
  }

  const loadError = loadTimeError();
  if (loadError) return fail(loadError.message, loadError.insn);

  // Jumps into the middle of ld_imm64, and the DFS that finds unreachable code and back-edges.
  for (let i = 0; i < n; i++) {
    const insn = slots.at[i];
    if (!insn || !isJmp(insn.code)) continue;
    const op = insn.code & 0xf0;
    if (op === 0x90 || op === 0x80) continue;
    const t = jumpTarget(i, insn);
    if (t >= 0 && t < n && slots.at[t] === undefined) return fail(`jump into the middle of ldimm64 insn ${t - 1}`, i);
  }

  const state = scratch.u8(n); // 0 unseen, 1 on stack, 2 done
  // Iterative DFS: the slot and the index of its next successor to visit.
  const stackI = scratch.i32(n);
  const stackK = scratch.u8(n);
  let sp = 0;
  if (n > 0) {
    state[0] = 1;
    stackI[sp] = 0; stackK[sp] = 0; sp++;
    while (sp) {
      const i = stackI[sp - 1];
      const k = stackK[sp - 1];
      const w = k < 2 ? succOf(slots, i, k) : NONE;
      if (w === NONE) {
        state[i] = 2;
        sp--;
        continue;
      }
      stackK[sp - 1] = k + 1;
      if (w < 0 || w >= n) return fail(`jump out of range from insn ${i} to ${w}`, i);
      const insn = slots.at[i]!;
      // Prune points as the kernel marks them: conditional jumps and may_goto themselves, the
      // targets of unconditional jumps, and the instruction after a call (and a callee's entry).
      const op = insn.code & 0xf0;
      if (isJmp(insn.code)) {
        if (op === 0x00) prunePoints[w] = jmpPoints[w] = 1;
        else if (op === 0x80) {
          prunePoints[i + 1] = jmpPoints[i + 1] = 1;
          if (insn.src === 1) prunePoints[i] = 1;
          if (insn.src === 1 && w !== i + 1) prunePoints[w] = jmpPoints[w] = 1; // the callee's entry
          if (isCallbackCall(insn)) prunePoints[i] = jmpPoints[i] = callsCallback[i] = 1;
        } else if (op !== 0x90) {
          prunePoints[i] = 1;
          if (w !== i + 1) prunePoints[w] = jmpPoints[w] = 1; // branch targets too
        }
      }
      if (state[w] === 0) {
        state[w] = 1;
        stackI[sp] = w; stackK[sp] = 0; sp++;
      } else if (state[w] === 1) {
        if (!bpfCapable) return fail(`back-edge from insn ${i} to ${w}`, i);
      }
    }
  }
  const unreachable: number[] = [];
  for (let i = 0; i < n; i++) if (slots.at[i] && state[i] === 0) unreachable.push(i);
  if (unreachable.length) return { ...fail(`unreachable insn ${unreachable[0]}`, unreachable[0]), unreachable };

  // Every slot is reachable now, so every successor is in range.
  const succs: Succs = scratch.i32(2 * n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (!slots.at[i]) continue;
    for (let k = 0; k < 2; k++) {
      const w = succOf(slots, i, k);
      if (w !== NONE && w >= 0 && w < n) succs[2 * i + k] = w;
    }
  }
  computeLiveness(slots, succs, liveBefore, helperArgCount);
  const maybePtr = computeMaybePointers(slots, succs);
  computePrecision(slots, succs, preciseBefore, preciseSlotsLo, preciseSlotsHi, maybePtr, exitChecksR0, condSinks, subprogs[1] ?? n);
  computeStackLiveness(slots, succs, liveSlotsLo, liveSlotsHi);
  cyclicFor = undefined;
  return { subprogs, prunePoints, jmpPoints, callsCallback, liveBefore, unreachable, preciseBefore, preciseSlotsLo, preciseSlotsHi, liveSlotsLo, liveSlotsHi };
}

// The graph hasBackEdgeInto last answered for (a WeakMap lookup per call costs more than the passes).
let cyclicFor: Succs | undefined;
let cyclic = false;

/** Whether the graph has a backward edge; without one a single backward pass is exact. */
function hasBackEdgeInto(succs: Succs, _i: number): boolean {
  if (succs !== cyclicFor) {
    cyclic = false;
    for (let j = 0; j < succs.length; j++) {
      const w = succs[j];
      if (w >= 0 && w <= j >> 1) { cyclic = true; break; }
    }
    cyclicFor = succs;
  }
  return cyclic;
}

/** use and def register masks packed as use | def << 16. */
const ud = (use: number, def: number): number => (use | (def << 16)) >>> 0;

/** use/def masks of one instruction (see ud). */
function useDef(insn: Instruction): number {
  const code = insn.code;
  const cls = code & 7;
  const d = 1 << insn.dst;
  const s = 1 << insn.src;
  switch (cls) {
    case 0x04: case 0x07: {
      const op = code & 0xf0;
      const x = (code & 8) !== 0;
      if (op === 0xb0) return ud(x ? s : 0, d);
      if (op === 0x80 || op === 0xd0) return ud(d, d);
      return ud(d | (x ? s : 0), d);
    }
    case 0x01: return ud(s, d);
    case 0x02: return ud(d, 0);
    case 0x03:
      if ((code & 0xe0) === 0xc0) {
        if (insn.imm === 0xf1) return ud(d | s | 1, 1);
        return ud(d | s, insn.imm & 1 ? s : 0);
      }
      return ud(d | s, 0);
    case 0x00:
      if (code === 0x18) return ud(0, d);
      // LD_ABS/IND: the kernel's liveness counts every register as read
      return ud(0x3ff, 0x3f);
    default: {
      const op = code & 0xf0;
      if (op === 0x90) return ud(1, 0);
      if (op === 0x80) return ud(0x3e, 0x3f);
      if (op === 0x00 || op === 0xe0) return ud(0, 0);
      return ud(d | ((code & 8) !== 0 ? s : 0), 0);
    }
  }
}

function computeLiveness(slots: Slots, succs: Succs, live: Uint16Array, helperArgCount: (id: number) => number): void {
  const n = slots.count;
  const use = scratch.u16(n);
  const def = scratch.u16(n);
  for (let i = 0; i < n; i++) {
    const insn = slots.at[i];
    if (!insn) continue;
    const u = useDef(insn);
    use[i] = insn.code === 0x85 && insn.src === 0 ? ((1 << (helperArgCount(insn.imm) + 1)) - 1) & 0x3e : u & 0xffff;
    def[i] = u >>> 16;
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      if (!slots.at[i]) continue;
      let out = 0;
      const w0 = succs[2 * i], w1 = succs[2 * i + 1];
      if (w0 >= 0) out |= live[w0];
      if (w1 >= 0) out |= live[w1];
      const insn = slots.at[i]!;
      // A pseudo call's callee reads r1-r5; its return defines r0.
      if (insn.code === 0x85 && insn.src === 1) out = live[i + 1];
      const v = (out & ~def[i]) | use[i];
      if (v !== live[i]) { live[i] = v; if (hasBackEdgeInto(succs, i)) changed = true; }
    }
  }
}

/**
 * Forward pass: registers that may hold a pointer before each instruction (low 16 bits), and those
 * that may point to the context or the stack (high 16 bits): only loads through those can yield
 * pointers (packet pointers from the context, spilled pointers from the stack).
 */
function computeMaybePointers(slots: Slots, succs: Succs): Uint32Array {
  const n = slots.count;
  const inMask = scratch.u32(n + 1);
  const entry = (1 << 1) | (1 << 10);
  inMask[0] = entry | (entry << 16);
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = 0; i < n; i++) {
      const insn = slots.at[i];
      if (!insn) continue;
      const out = maybePtrStep(insn, inMask[i] & 0xffff, inMask[i] >>> 16);
      for (let j = 2 * i; j < 2 * i + 2; j++) {
        const w = succs[j];
        if (w < 0) continue;
        // callees start with pointers possibly in r1-r5
        const v = insn.code === 0x85 && insn.src === 1 && w !== i + 1 ? inMask[i] | 0x43e | (0x43e << 16) : out;
        if (((inMask[w] | v) >>> 0) !== inMask[w]) {
          inMask[w] = (inMask[w] | v) >>> 0;
          if (w <= i) changed = true;
        }
      }
    }
  }
  for (let i = 0; i <= n; i++) inMask[i] &= 0xffff;
  return inMask;
}

const both = (p: number, c: number): number => (p & 0xffff) | ((c & 0xffff) << 16);
/** Stack slot index (spi) of an fp-relative offset. */
const spiOf = (off: number): number => Math.floor((-off - 1) / 8);
const viaFp = (reg: number, off: number): boolean => reg === 10 && off < 0 && off >= -512;

function maybePtrStep(insn: Instruction, m: number, cs: number): number {
  const code = insn.code;
  const cls = code & 7;
  const d = 1 << insn.dst;
  const s = 1 << insn.src;
  const x = (code & 8) !== 0;
  switch (cls) {
    case 0x07: case 0x04: {
      const op = code & 0xf0;
      if (cls === 0x07 && op === 0xb0 && x && insn.off === 0) {
        return both(m & s ? m | d : m & ~d, cs & s ? cs | d : cs & ~d);
      }
      if (cls === 0x07 && (op === 0x00 || op === 0x10)) {
        const p = (m & d) || (x && (m & s)) ? m | d : m & ~d;
        const c = (cs & d) || (x && (cs & s)) ? cs | d : cs & ~d;
        return both(p, c);
      }
      return both(m & ~d, cs & ~d);
    }
    case 0x01: {
      const size = code & 0x18;
      const mayLoadPtr = (cs & s) !== 0 && (size === 0x00 || size === 0x18);
      return both(mayLoadPtr ? m | d : m & ~d, mayLoadPtr ? cs | d : cs & ~d);
    }
    case 0x00:
      if (code === 0x18) return both(insn.src !== 0 ? m | d : m & ~d, cs & ~d);
      return both(m & ~0x3f, cs & ~0x3f);
    case 0x05: case 0x06:
      if ((code & 0xf0) === 0x80) return both((m & ~0x3e) | 1, cs & ~0x3f);
      return both(m, cs);
    default:
      if (cls === 0x03 && (code & 0xe0) === 0xc0) return both(m & ~(s | 1), cs & ~(s | 1));
      return both(m, cs);
  }
}

/**
 * Backward pass: a register is "precise" before an instruction when its value can flow into a
 * memory access base/offset, a helper argument, a comparison, the return value, or memory.
 */
function computePrecision(
  slots: Slots, succs: Succs, precise: Uint16Array, lo: Uint32Array, hi: Uint32Array,
  maybePtr: Uint32Array, exitChecksR0: boolean, condSinks: ReadonlySet<number>, firstSubprog: number,
): void {
  const n = slots.count;
  const callSlots = new Map<number, [number, number]>();
  const sink = scratch.u8(n); // condSinks as an array (a Set lookup per instruction and pass costs more)
  for (const i of condSinks) if (i >= 0 && i < n) sink[i] = 1;
  // A callback helper does not read the stack it passes on; the callback may, through a pointer.
  let calleeCalls = false;
  for (let i = firstSubprog; i < n; i++) {
    const insn = slots.at[i];
    if (insn && (insn.code & 0xf7) === 0x85) calleeCalls = true;
  }
  let ptrLoadPrecise = false;
  let anySlotPrecise = false;
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      const insn = slots.at[i];
      if (!insn) continue;
      let out = 0;
      let sLo = 0;
      let sHi = 0;
      for (let j = 2 * i; j < 2 * i + 2; j++) {
        const w = succs[j];
        if (w >= 0) { out |= precise[w]; sLo |= lo[w]; sHi |= hi[w]; }
      }
      let v = precisionStep(insn, out, maybePtr[i], exitChecksR0, sink[i] === 1);
      // Spills and fills through r10: precision follows the value through its stack slot.
      const cls = insn.code & 7;
      if ((cls === 0x03 || cls === 0x02) && (insn.code & 0xe0) === 0x60 && viaFp(insn.dst, insn.off)) {
        const k = spiOf(insn.off);
        const bit = k < 32 ? (sLo >>> k) & 1 : (sHi >>> (k - 32)) & 1;
        v = cls === 0x03 ? (bit ? v | (1 << insn.src) : v & ~(1 << insn.src)) | (1 << 10) : v;
        if (k < 32) sLo &= ~(1 << k); else sHi &= ~(1 << (k - 32));
        if (cls === 0x03 && !bit) v = (v & ~(1 << insn.src)) | (out & (1 << insn.src));
      } else if (cls === 0x01 && (insn.code & 0xe0) === 0x60 && viaFp(insn.src, insn.off)) {
        const k = spiOf(insn.off);
        if (out & (1 << insn.dst)) { if (k < 32) sLo |= 1 << k; else sHi |= 1 << (k - 32); }
      } else if (cls === 0x01 && insn.src !== 10 && (out & (1 << insn.dst)) && !ptrLoadPrecise) {
        ptrLoadPrecise = true;
        changed = true;
      } else if (isCallbackCall(insn) && !calleeCalls && !ptrLoadPrecise) {
        // nothing the callback loads is needed precisely
      } else if (cls === 0x03 && (insn.code & 0xe0) === 0x60) {
        // a store through another pointer may reach the stack too: keep the value precise when
        // some stack slot or pointer load needs precision
        if (anySlotPrecise || ptrLoadPrecise) v |= 1 << insn.src;
      } else if ((cls === 0x05 || cls === 0x06) && (insn.code & 0xf0) === 0x80) {
        // helpers may read stack memory passed to them: the slots from each fp-based argument up
        let cs = callSlots.get(i);
        if (!cs) { cs = helperStackSlots(slots, i); callSlots.set(i, cs); }
        const [mLo, mHi] = cs;
        sLo |= mLo; sHi |= mHi;
      }
      sLo >>>= 0; sHi >>>= 0;
      if ((sLo || sHi) && !anySlotPrecise) {
        anySlotPrecise = true;
        changed = true;
      }
      if (v !== precise[i] || sLo !== lo[i] || sHi !== hi[i]) {
        precise[i] = v; lo[i] = sLo; hi[i] = sHi;
        if (hasBackEdgeInto(succs, i)) changed = true;
      }
    }
  }
}

/** Backward pass over stack slots: read through r10 (or by helpers, or through any other pointer). */
function computeStackLiveness(slots: Slots, succs: Succs, lo: Uint32Array, hi: Uint32Array): void {
  const n = slots.count;
  const callSlots = new Map<number, [number, number]>();
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      const insn = slots.at[i];
      if (!insn) continue;
      let sLo = 0;
      let sHi = 0;
      for (let j = 2 * i; j < 2 * i + 2; j++) {
        const w = succs[j];
        if (w >= 0) { sLo |= lo[w]; sHi |= hi[w]; }
      }
      const cls = insn.code & 7;
      const mode = insn.code & 0xe0;
      if (cls === 0x01 || (cls === 0x03 && mode === 0xc0)) {
        const base = cls === 0x01 ? insn.src : insn.dst;
        if (viaFp(base, insn.off)) {
          const k = spiOf(insn.off);
          if (k < 32) sLo |= 1 << k; else sHi |= 1 << (k - 32);
        } else if (base !== 10) { sLo = 0xffffffff; sHi = 0xffffffff; }
      } else if ((cls === 0x03 || cls === 0x02) && mode === 0x60 && viaFp(insn.dst, insn.off) && (insn.code & 0x18) === 0x18 && insn.off % 8 === 0) {
        const k = spiOf(insn.off);
        if (k < 32) sLo &= ~(1 << k); else sHi &= ~(1 << (k - 32));
      } else if ((cls === 0x05 || cls === 0x06) && (insn.code & 0xf0) === 0x80) {
        let cs = callSlots.get(i);
        if (!cs) { cs = helperStackSlots(slots, i); callSlots.set(i, cs); }
        sLo |= cs[0]; sHi |= cs[1];
        if (insn.src === 1) { sLo = 0xffffffff; sHi = 0xffffffff; }
      } else if ((cls === 0x05 || cls === 0x06) && (insn.code & 0xf0) === 0x90) {
        // a subprogram's exit returns to a caller whose stack we do not track here
        sLo = 0; sHi = 0;
      }
      sLo >>>= 0; sHi >>>= 0;
      if (sLo !== lo[i] || sHi !== hi[i]) {
        lo[i] = sLo; hi[i] = sHi;
        if (hasBackEdgeInto(succs, i)) changed = true;
      }
    }
  }
}

/** Stack slots a call's arguments may point into (fp+K up to fp), found from `rN = r10; rN += K`. */
function helperStackSlots(slots: Slots, callAt: number): [number, number] {
  let lo = 0;
  let hi = 0;
  const insn = slots.at[callAt]!;
  if (insn.src === 1) return [0xffffffff, 0xffffffff];
  for (let r = 1; r <= 5; r++) {
    let k: number | undefined;
    let found = false;
    for (let j = callAt - 1; j >= Math.max(0, callAt - 12); j--) {
      const p = slots.at[j];
      if (!p) continue;
      if ((p.code & 7) === 0x05 && (p.code & 0xf0) !== 0x80) break; // a jump: stop at the block start
      if (p.dst !== r) continue;
      if (p.code === 0x07 && k === undefined) { k = p.imm; continue; }
      if (p.code === 0xbf && p.src === 10) { found = true; k ??= 0; }
      break;
    }
    if (!found) continue;
    if (k === undefined || k >= 0 || k < -512) return [0xffffffff, 0xffffffff];
    const top = Math.floor((-k - 1) / 8);
    for (let spi = 0; spi <= top; spi++) {
      if (spi < 32) lo |= 1 << spi; else hi |= 1 << (spi - 32);
    }
  }
  return [lo >>> 0, hi >>> 0];
}

function precisionStep(insn: Instruction, out: number, ptrs: number, exitChecksR0: boolean, decided: boolean): number {
  const code = insn.code;
  const cls = code & 7;
  const d = 1 << insn.dst;
  const s = 1 << insn.src;
  const x = (code & 8) !== 0;
  switch (cls) {
    case 0x04: case 0x07: {
      const op = code & 0xf0;
      if (op === 0xb0) {
        const needed = (out & d) !== 0;
        return (out & ~d) | (needed && x ? s : 0);
      }
      if (op === 0x80 || op === 0xd0) return out;
      // shifts, division and pointer arithmetic always need exact operands
      const ptrMath = x && (op === 0x00 || op === 0x10) && (ptrs & (d | s)) !== 0;
      const sink = op === 0x60 || op === 0x70 || op === 0xc0 || op === 0x30 || op === 0x90 || ptrMath;
      if ((out & d) || sink) return out | d | (x ? s : 0);
      return out;
    }
    case 0x01: return (out & ~d) | s;
    case 0x02: return out | d;
    case 0x03: return out | d | ((code & 0xe0) === 0xc0 ? s | (insn.imm === 0xf1 ? 1 : 0) : 0);
    case 0x00:
      if (code === 0x18) return out & ~d;
      return (out & ~0x3f) | 0x40 | ((code & 0xe0) === 0x40 ? s : 0);
    default: {
      const op = code & 0xf0;
      if (op === 0x90) return exitChecksR0 ? out | 1 : out;
      if (op === 0x80) return (out & ~0x3f) | 0x3e;
      if (op === 0x00 || op === 0xe0) return out;
      // A comparison needs exact operands only where its outcome was decided by their values.
      return decided ? out | d | (x ? s : 0) : out;
    }
  }
}

export { imm64 };
