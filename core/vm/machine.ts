// The VM: runs compiled programs over the address space, maps and helpers; the same object is the
// debugger's target (step, run to a breakpoint, step backwards through the undo log).
import type { MapDef } from '../map-types';
import type { ProgType } from '../program-types';
import {
  ST_EXIT as EXIT, ST_FAULT as FAULT, ST_RETURN as RETURN, ST_STOP as STOP, ST_TAILCALL as TAILCALL, ST_SWITCH as SWITCH, ST_BLOCK as BLOCK, UNDO_CAP as CAP,
  STACK_BYTES, TAG_FN as FN, TAG_MEM as MEM, TAG_REG as REG, TAG_STEP as STEP, blockEntries, blockLengths, compile,
  type ExecFn, type ExecHost, type Flavour,
} from './codegen';
import { AddressSpace, HI_CODE, HI_MAP_OBJ, HI_STACK, addrHex, joinAddr, type Region } from './memory';
import { createMap, type VmMap } from './maps';
import type { VmProgram } from './program';
import { callHelper, type HelperEnv } from './helpers';
import { buildContext, type BuiltContext } from './context';
import { hex64, toBig } from './int64';

// Local copies: hot loops here must not go through module export accessors.
const ST_EXIT = EXIT, ST_FAULT = FAULT, ST_RETURN = RETURN, ST_STOP = STOP, ST_TAILCALL = TAILCALL, ST_SWITCH = SWITCH, ST_BLOCK = BLOCK, UNDO_CAP = CAP;
const TAG_FN = FN, TAG_MEM = MEM, TAG_REG = REG, TAG_STEP = STEP;

/** Compiled code per program (it holds no machine state, so machines running the same program share it). */
const COMPILED = new WeakMap<VmProgram, Map<string, ExecFn>>();
/** Block heads of the breakpoint-aware fast code, and how far each slot is from the next (see codegen). */
const ENTRIES = new WeakMap<VmProgram, Set<number>>();
const BLOCK_LENGTHS = new WeakMap<VmProgram, Int32Array>();

function entriesOf(prog: VmProgram): Set<number> {
  let e = ENTRIES.get(prog);
  if (!e) { e = blockEntries(prog); ENTRIES.set(prog, e); }
  return e;
}

function blockLengthsOf(prog: VmProgram): Int32Array {
  let b = BLOCK_LENGTHS.get(prog);
  if (!b) { b = blockLengths(prog, entriesOf(prog)); BLOCK_LENGTHS.set(prog, b); }
  return b;
}

/** An integral number as an int32 where it fits (V8 then keeps it a small integer). */
const smallInt = (v: number): number => ((v | 0) === v ? v | 0 : v);

/** Breakpoints of one program as the compiled code reads them: flags by slot and by block head. */
interface BreakpointFlags {
  slots: Uint8Array;
  blocks: Uint8Array;
}

/** Kernel limits. */
export const MAX_CALL_FRAMES = 8;
export const MAX_TAIL_CALLS = 33;
export const MAY_GOTO_BUDGET = 8 * 1024 * 1024;
export const DEFAULT_INSN_LIMIT = 200_000_000;
/** Programs longer than this get no warm-up call per instruction (see Machine.warmUp; each call costs more in a longer program). */
const WARM_UP_MAX_SLOTS = 1024;
const WARM_UP_CALLS = 40;
const CODE_LO = 0x81000000;
const CODE_PROG_STRIDE = 0x01000000;

export interface VmFault {
  kind: 'memory' | 'helper' | 'budget' | 'invalid' | 'call' | 'context';
  message: string;
  /** Slot of the faulting instruction, in the program named by `program`. */
  insn: number;
  program: string;
  line?: number;
  address?: bigint;
  region?: string;
  access?: 'read' | 'write';
  size?: number;
}

export type OutputRecord =
  | { kind: 'printk'; text: string }
  | { kind: 'ringbuf'; map: string; data: Uint8Array }
  | { kind: 'perf'; map: string; cpu: number; data: Uint8Array };

export interface RunResult {
  /** Normal exit: r0. */
  r0?: bigint;
  fault?: VmFault;
  instructions: number;
  /** The packet after the run (programs with a packet). */
  packet?: Uint8Array;
  /** The context bytes after the run (raw contexts, __sk_buff fields the program may write). */
  ctx?: Uint8Array;
  output: OutputRecord[];
}

export interface MachineOptions {
  /** Programs; the first is the one run. Others can be reached by tail calls (prog_array values are indices + PROG_FD_BASE). */
  programs: VmProgram[];
  progType?: ProgType;
  maps?: MapDef[];
  /** Data sections (.rodata, .data, .bss): loaded as one-element array maps named after the section. */
  data?: { name: string; bytes: Uint8Array; readonly?: boolean }[];
  /** Instruction budget per run (a fault past it). */
  limit?: number;
  cpus?: number;
  cpu?: number;
  /** Seed of bpf_get_prandom_u32. */
  seed?: number;
  /** Virtual clock at the start, in ns; it advances one ns per instruction. */
  clockNs?: bigint;
  /** Return values for helpers the VM does not emulate, by id or name (`bpf_get_socket_cookie`). */
  helperReturns?: Record<string, number | bigint>;
  /** Replaces helpers by id (the conformance suite's helper 5, "unwind", say). */
  helperOverrides?: Map<number, (m: Machine, args: bigint[]) => bigint>;
  /** Process identity for get_current_* helpers. */
  task?: { pid?: number; tgid?: number; uid?: number; gid?: number; comm?: string };
  /** Memory probe_read* may read: chunks at kernel or user addresses. */
  memoryImage?: { addr: bigint; bytes: Uint8Array }[];
  /** Check helper availability per program type (default true when progType is set). */
  checkHelperAvailability?: boolean;
}

export const PROG_FD_BASE = 1000;
export const MAP_FD_BASE = 3;

interface Frame {
  ret: number;
  saved: Int32Array;
  /** The caller's program (differs from the running one after a tail call in a subprogram). */
  prog: number;
}

/** Where a stop happened (the debugger's view). */
export type StopReason = 'step' | 'breakpoint' | 'exit' | 'fault' | 'start' | 'watch';

export interface DebugState {
  reason: StopReason;
  program: string;
  pc: number;
  line?: number;
  instructions: number;
  depth: number;
}

/** One write made by the last step (for data breakpoints and "what changed" views). */
export type WriteEvent =
  | { kind: 'reg'; reg: number; old: bigint; value: bigint }
  | { kind: 'mem'; region: string; address: bigint; size: number; old: bigint }
  | { kind: 'other' };

export class Machine implements ExecHost {
  // ExecHost state (read by the compiled code).
  regs = new Int32Array(22);
  pc = 0;
  count = 0;
  limit: number;
  mayGoto = MAY_GOTO_BUDGET;
  sv: DataView;
  si: Int32Array;
  fpl = 0;
  fph = 0;
  th = 0;
  tl = 0;
  frameRegion = 0;
  cacheable: Region | null = null;
  fault: VmFault | null = null;
  stopAt = Infinity;
  bpSlots: Uint8Array;
  bpBlocks: Uint8Array;
  bpFrom = 0;
  /** Whether the undo log is kept (a debug run begun with record = true). */
  recording = false;
  ub: Float64Array = new Float64Array(0);
  un = 0;
  undoRoom = -1;
  depth = 0;
  popped: Int32Array = new Int32Array(8);

  readonly space = new AddressSpace();
  readonly maps: VmMap[] = [];
  readonly mapsByName = new Map<string, VmMap>();
  /** Emulated helpers this machine's program type was found allowed to call. */
  readonly allowedHelpers = new Set<number>();
  /** Maps by the low word of their object address (the high word is HI_MAP_OBJ). */
  readonly mapsByObj = new Map<number, VmMap>();
  readonly programs: VmProgram[];
  readonly options: MachineOptions;
  readonly stacks: Region[] = [];
  private stackWords: Int32Array[] = [];
  readonly cpus: number;
  readonly cpu: number;
  output: OutputRecord[] = [];
  /** Ring buffer records reserved in this run, by the high word of their address (helpers.ts). */
  readonly ringbufReservations = new Map<number, unknown>();
  /** The program running now (changes on tail calls). */
  prog: VmProgram;
  progIndex = 0;
  tailCalls = 0;
  tailTarget = -1;
  ctx: BuiltContext | undefined;
  readonly setupErrors: string[] = [];
  prandom: number;
  readonly undoFns: (() => void)[] = [];
  private frames: Frame[] = [];
  nested = 0;
  /** Breakpoint slots per program index. */
  /** The same as flags (programs with breakpoints only). */
  private readonly breakpointFlags = new Map<number, BreakpointFlags>();
  /** All-zero flags, as long as the longest program (no breakpoints). */
  private readonly noBreakpoints: Uint8Array;
  private readonly env: HelperEnv;

  constructor(options: MachineOptions) {
    this.options = options;
    // With no program at all, runs fault at slot 0 rather than throwing.
    this.programs = options.programs.length ? options.programs : [{ name: 'empty', slots: [], lines: [], symbols: new Map() }];
    this.prog = this.programs[0];
    this.noBreakpoints = new Uint8Array(Math.max(...this.programs.map((p) => p.slots.length)) + 1);
    this.bpSlots = this.bpBlocks = this.noBreakpoints;
    this.limit = options.limit ?? DEFAULT_INSN_LIMIT;
    this.cpus = Math.max(1, options.cpus ?? 1);
    this.cpu = Math.min(this.cpus - 1, Math.max(0, options.cpu ?? 0));
    this.prandom = (options.seed ?? 0x2545f491) >>> 0 || 1;
    for (let d = 0; d < MAX_CALL_FRAMES + 1; d++) {
      this.stacks.push(this.space.add(HI_STACK, `stack of frame ${d}`, 'stack', new Uint8Array(STACK_BYTES)));
    }
    this.sv = this.stacks[0].dv;
    this.stackWords = this.stacks.map((r) => new Int32Array(r.bytes.buffer, r.bytes.byteOffset, STACK_BYTES / 4));
    this.si = this.stackWords[0];
    let fd = MAP_FD_BASE;
    const ctx = { cpus: this.cpus, cpu: this.cpu };
    const addMap = (def: MapDef, readonly: boolean): VmMap | undefined => {
      const m = createMap(def, fd++, ctx, this.space, readonly);
      if (typeof m === 'string') { this.setupErrors.push(m); return undefined; }
      m.objHi = HI_MAP_OBJ;
      m.objLo = 0x10000000 + this.maps.length * 0x400;
      this.mapsByObj.set(m.objLo, m);
      this.maps.push(m);
      this.mapsByName.set(def.name, m);
      return m;
    };
    for (const def of options.maps ?? []) addMap(def, false);
    const byFd = (fd: number): VmMap | undefined => this.maps.find((x) => x.fd === fd);
    for (const m of this.maps) if ('resolve' in m) (m as { resolve?: (fd: number) => VmMap | undefined }).resolve = byFd;
    for (const d of options.data ?? []) {
      const m = addMap({ name: d.name, type: 'array', keySize: 4, valueSize: d.bytes.length, maxEntries: 1, flags: 0 }, d.readonly ?? d.name.startsWith('.rodata'));
      if (m) m.update(new Uint8Array(4), d.bytes, 0);
    }
    this.env = { machine: this };
  }

  // ---- runs -------------------------------------------------------------------------------------

  /** Whether debug runs stop at breakpoints (off for single steps and callbacks). */
  private useBreakpoints = false;

  /** The compiled code of the running program (one function per flavour, whatever the breakpoints), with its breakpoint flags set. */
  private exec(flavour: Flavour): ExecFn {
    const record = flavour === 'debug' && this.recording;
    const flags = this.useBreakpoints && this.nested === 0 ? this.breakpointFlags.get(this.progIndex) : undefined;
    this.bpSlots = flags?.slots ?? this.noBreakpoints;
    this.bpBlocks = flags?.blocks ?? this.noBreakpoints;
    const key = record ? 'debug:record' : flavour;
    let cache = COMPILED.get(this.prog);
    if (!cache) { cache = new Map(); COMPILED.set(this.prog, cache); }
    let fn = cache.get(key);
    if (!fn) {
      fn = compile(this.prog, flavour, { record });
      cache.set(key, fn);
      if (flavour === 'debug') this.warmUp(fn);
    }
    return fn;
  }

  /**
   * Calls new debug code a few times stopping before its first instruction, then once stopping at
   * each instruction: V8 then has type feedback for the entry, the exit, the undo-log growth and
   * every stop check, and keeps the optimized code it makes during the first long run instead of
   * throwing it away when that run first reaches one of them (the end of a loop, say).
   */
  private warmUp(fn: ExecFn): void {
    const slots = this.prog.slots;
    if (slots[this.pc] === undefined) return;
    const { pc, stopAt, undoRoom, bpSlots, bpFrom, ub, un } = this;
    this.stopAt = this.bpFrom = this.count;
    this.bpSlots = new Uint8Array(this.noBreakpoints.length).fill(1);
    // V8 keeps type feedback only once a function has run a while; growUndo grows a spare log here.
    for (let i = 0; i < WARM_UP_CALLS; i++) {
      if (this.recording) {
        this.ub = new Float64Array(0);
        this.un = 0;
        this.undoRoom = -1;
      }
      fn(this);
    }
    this.ub = ub;
    this.un = un;
    for (let s = 0; s < slots.length && slots.length <= WARM_UP_MAX_SLOTS; s++) {
      if (slots[s] === undefined) continue;
      this.pc = s;
      fn(this);
    }
    Object.assign(this, { pc, stopAt, undoRoom, bpSlots, bpFrom, ub, un });
  }

  /** Prepares a run: fresh registers, stack, context; maps keep their contents. */
  private reset(input: RunInput): void {
    this.progIndex = 0;
    this.prog = this.programs[0];
    this.regs.fill(0);
    this.finished = undefined;
    this.pc = 0;
    this.count = 0;
    this.mayGoto = MAY_GOTO_BUDGET;
    this.fault = null;
    this.frames = [];
    this.depth = 0;
    this.tailCalls = 0;
    this.output = [];
    this.recording = false;
    this.un = 0;
    this.undoFns.length = 0;
    this.space.releaseTransient();
    this.ringbufReservations.clear();
    for (const s of this.stacks) s.bytes.fill(0);
    this.enterFrame(0);
    this.ctx = buildContext(this, input);
    if (typeof this.ctx.error === 'string') {
      this.fault = { kind: 'context', message: this.ctx.error, insn: 0, program: this.prog.name };
    }
    this.regs[2] = this.ctx.r1l;
    this.regs[3] = this.ctx.r1h;
    if (this.ctx.r2 !== undefined) { this.regs[4] = this.ctx.r2; this.regs[5] = 0; }
    this.regs[20] = this.fpl;
    this.regs[21] = this.fph;
  }

  private enterFrame(depth: number): void {
    this.depth = depth;
    const s = this.stacks[depth];
    this.sv = s.dv;
    this.si = this.stackWords[depth];
    this.frameRegion = s.id;
    this.fph = s.hi;
    this.fpl = (s.lo + STACK_BYTES) | 0;
  }

  /** Runs the first program to completion in the fast mode. */
  run(input: RunInput = {}): RunResult {
    this.reset(input);
    if (this.fault) return this.result();
    this.drive('fast');
    return this.result();
  }

  /** Runs compiled code until exit, fault or stop, following tail calls. */
  private drive(flavour: Flavour): number {
    for (;;) {
      let st: number;
      try {
        st = this.exec(flavour)(this);
      } catch (e) {
        // A bug of ours, not of the program: still a fault, never an exception for the caller.
        return this.raise(this.pc, `internal VM error: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (st === ST_TAILCALL) {
        const from = this.progIndex, pc = this.pc, calls = this.tailCalls - 1;
        if (this.recording) this.logFn(() => { this.switchTo(from); this.pc = pc; this.tailCalls = calls; });
        this.switchTo(this.tailTarget);
        this.pc = 0;
        // As when continue begins: no stop at the breakpoint where the other program is entered.
        this.bpFrom = this.count;
        continue;
      }
      if (st === ST_SWITCH) { this.bpFrom = this.count; continue; }
      return st;
    }
  }

  /** The outcome of the current run (after run(), or once a debug run has stopped). */
  result(): RunResult {
    const res: RunResult = { instructions: this.count, output: this.output };
    if (this.fault) res.fault = this.fault;
    else res.r0 = toBig(this.regs[0], this.regs[1]);
    const after = this.ctx?.after();
    if (after?.packet) res.packet = after.packet;
    if (after?.ctx) res.ctx = after.ctx;
    return res;
  }

  /** Every map's contents (per-CPU maps: one value per CPU). */
  dumpMaps(): Map<string, ReturnType<VmMap['entries']>> {
    return new Map(this.maps.map((m) => [m.def.name, m.entries()]));
  }

  /**
   * Runs a bpf-to-bpf function synchronously (callbacks of bpf_loop, for_each_map_elem...):
   * a new frame, r1-r5 = args; returns r0, or undefined after a fault.
   */
  invoke(slot: number, args: [number, number][], pc: number): [number, number] | undefined {
    const savedPc = this.pc, savedRegs = this.regs.slice(), savedSv = this.sv, savedDepth = this.depth;
    const saved6to9 = this.regs.slice(12, 20);
    if (!this.pushFrame(-1, pc, saved6to9[0], saved6to9[1], saved6to9[2], saved6to9[3], saved6to9[4], saved6to9[5], saved6to9[6], saved6to9[7])) return undefined;
    args.forEach(([lo, hi], i) => { this.regs[2 + 2 * i] = lo; this.regs[3 + 2 * i] = hi; });
    this.regs[20] = this.fpl;
    this.regs[21] = this.fph;
    this.pc = slot;
    const flavour = this.recording || this.stopAt !== Infinity ? 'debug' : 'fast';
    const stopAt = this.stopAt;
    this.stopAt = Infinity;
    this.nested++;
    const st = this.exec(flavour)(this);
    this.nested--;
    this.stopAt = stopAt;
    if (st !== ST_RETURN) {
      if (st === ST_EXIT || st === ST_TAILCALL) this.raise(this.pc, 'a callback ended with a tail call or at the wrong depth');
      return undefined;
    }
    const r0: [number, number] = [this.regs[0], this.regs[1]];
    this.regs.set(savedRegs);
    this.pc = savedPc;
    this.sv = savedSv;
    this.enterFrame(savedDepth);
    return r0;
  }

  // ---- services for the compiled code ------------------------------------------------------------

  private memFault(pc: number, access: 'read' | 'write', size: number, hi: number, lo: number, reason: string): void {
    const r = this.space.near(hi);
    this.fault = {
      kind: 'memory', insn: pc, program: this.prog.name, line: this.prog.lines[pc],
      message: `invalid ${access} of ${size} byte${size === 1 ? '' : 's'} at ${addrHex(hi, lo)}: ${reason}`,
      address: joinAddr(hi, lo), region: r?.name, access, size,
    };
  }

  load(hi: number, lo: number, size: number, signed: boolean, pc: number): number {
    const at = this.space.resolve(hi, lo >>> 0, size, false);
    this.cacheable = null;
    if (typeof at === 'string') { this.memFault(pc, 'read', size, hi, lo, at); return 0; }
    const { region, off } = at;
    if (!region.plain && region.ctx) {
      const res = { hi: 0 };
      const v = region.ctx.load(off, size, res);
      if (typeof v === 'string') { this.memFault(pc, 'read', size, hi, lo, v); return 0; }
      this.th = res.hi | 0;
      return v | 0;
    }
    if (region.stride === undefined) this.cacheable = region;
    return this.readValue(region.dv, off, size, signed);
  }

  private readValue(dv: DataView, off: number, size: number, signed: boolean): number {
    switch (size) {
      case 1: { const v = signed ? dv.getInt8(off) : dv.getUint8(off); this.th = v >> 31; return v; }
      case 2: { const v = signed ? dv.getInt16(off, true) : dv.getUint16(off, true); this.th = v >> 31; return v; }
      case 4: { const v = dv.getInt32(off, true); this.th = signed ? v >> 31 : 0; return v; }
      default: this.th = dv.getInt32(off + 4, true); return dv.getInt32(off, true);
    }
  }

  private writeValue(region: Region, off: number, size: number, vl: number, vh: number): void {
    const dv = region.dv;
    if (this.recording) {
      const old = this.readValue(dv, off, size, false);
      this.log(region.id, off, size, old, this.th, TAG_MEM);
    }
    switch (size) {
      case 1: dv.setUint8(off, vl & 0xff); break;
      case 2: dv.setUint16(off, vl & 0xffff, true); break;
      case 4: dv.setInt32(off, vl, true); break;
      default: dv.setInt32(off, vl, true); dv.setInt32(off + 4, vh, true);
    }
  }

  store(hi: number, lo: number, size: number, vl: number, vh: number, pc: number): boolean {
    const at = this.space.resolve(hi, lo >>> 0, size, true);
    this.cacheable = null;
    if (typeof at === 'string') { this.memFault(pc, 'write', size, hi, lo, at); return false; }
    const { region, off } = at;
    if (!region.plain && region.ctx) {
      const err = region.ctx.store(off, size, vl, vh);
      if (err) { this.memFault(pc, 'write', size, hi, lo, err); return false; }
      return true;
    }
    if (region.stride === undefined && !this.recording) this.cacheable = region;
    this.writeValue(region, off, size, vl, vh);
    return true;
  }

  atomic(hi: number, lo: number, dw: boolean, op: number, vl: number, vh: number, r0l: number, r0h: number, pc: number): boolean {
    const size = dw ? 8 : 4;
    const at = this.space.resolve(hi, lo >>> 0, size, true);
    if (typeof at === 'string') { this.memFault(pc, 'write', size, hi, lo, at); return false; }
    const { region, off } = at;
    if (!region.plain) { this.memFault(pc, 'write', size, hi, lo, `atomic operations on ${region.name} are not allowed`); return false; }
    const oldL = this.readValue(region.dv, off, size, false);
    const oldH = dw ? this.th : 0;
    let nl = oldL, nh = oldH;
    switch (op & ~1) {
      case 0x00: {
        const t = (oldL >>> 0) + (vl >>> 0);
        nl = t | 0; nh = dw ? (oldH + vh + (t > 0xffffffff ? 1 : 0)) | 0 : 0;
        break;
      }
      case 0x40: nl = oldL | vl; nh = oldH | vh; break;
      case 0x50: nl = oldL & vl; nh = oldH & vh; break;
      case 0xa0: nl = oldL ^ vl; nh = oldH ^ vh; break;
      case 0xe0: nl = vl; nh = vh; break;
      case 0xf0:
        if (dw ? oldL === r0l && oldH === r0h : oldL === r0l) { nl = vl; nh = vh; }
        break;
      default:
        this.raise(pc, `invalid atomic operation 0x${op.toString(16)}`);
        return false;
    }
    if (nl !== oldL || nh !== oldH || this.recording) this.writeValue(region, off, size, nl, dw ? nh : 0);
    this.tl = oldL;
    this.th = dw ? oldH : 0;
    return true;
  }

  helper(id: number, pc: number): number {
    return callHelper(this.env, id, pc);
  }

  pushFrame(ret: number, pc: number, r6l: number, r6h: number, r7l: number, r7h: number, r8l: number, r8h: number, r9l: number, r9h: number): boolean {
    const frames = this.depth + 2;
    if (frames > MAX_CALL_FRAMES) {
      this.fault = { kind: 'call', insn: pc, program: this.prog.name, line: this.prog.lines[pc], message: `the call stack of ${frames} frames is too deep` };
      return false;
    }
    const saved = Int32Array.of(r6l, r6h, r7l, r7h, r8l, r8h, r9l, r9h);
    this.frames.push({ ret, saved, prog: this.progIndex });
    const next = this.stacks[this.depth + 1];
    if (this.recording) {
      const old = next.bytes.slice();
      this.logFn(() => { this.frames.pop(); next.bytes.set(old); this.enterFrame(this.depth - 1); });
    }
    next.bytes.fill(0);
    this.enterFrame(this.depth + 1);
    return true;
  }

  popFrame(): number {
    const f = this.frames.pop()!;
    const from = this.progIndex;
    if (this.recording) this.logFn(() => { this.frames.push(f); this.enterFrame(this.depth + 1); this.switchTo(from); });
    this.enterFrame(this.depth - 1);
    this.popped = f.saved;
    if (f.prog !== this.progIndex) { this.switchTo(f.prog); this.switched = true; }
    return f.ret;
  }

  /** Set by popFrame when returning into another program: the compiled code hands over to drive(). */
  switched = false;

  private switchTo(index: number): void {
    this.progIndex = index;
    this.prog = this.programs[index];
  }

  /** Code address of a function slot in the current program. */
  codeAddress(slot: number): [number, number] {
    return [(CODE_LO + this.progIndex * CODE_PROG_STRIDE + slot * 8) | 0, HI_CODE];
  }

  codeSlot(lo: number, hi: number): number {
    if (hi !== HI_CODE) return -1;
    const rel = (lo >>> 0) - CODE_LO - this.progIndex * CODE_PROG_STRIDE;
    if (rel < 0 || rel % 8 !== 0 || rel / 8 >= this.prog.slots.length || !this.prog.slots[rel / 8]) return -1;
    return rel / 8;
  }

  /** ld_imm64 values already worked out, per program and slot (they never change for a machine). */
  private readonly pseudoCache = new Map<number, [number, number]>();

  pseudo(pc: number): number {
    const key = this.progIndex * 0x1000000 + pc;
    const hit = this.pseudoCache.get(key);
    if (hit) { this.th = hit[1]; return hit[0]; }
    const lo = this.pseudoSlow(pc);
    if (!this.fault) this.pseudoCache.set(key, [lo, this.th]);
    return lo;
  }

  private pseudoSlow(pc: number): number {
    const insn = this.prog.slots[pc]!;
    const ref = this.prog.symbols.get(pc);
    const fail = (message: string): number => { this.raise(pc, message); return 0; };
    if (ref?.kind === 'func' || (!ref && insn.src === 4)) {
      const slot = ref?.kind === 'func' ? ref.slot : pc + 1 + insn.imm;
      if (!this.prog.slots[slot]) return fail(`ld_imm64 of a function at slot ${slot}, which is not an instruction`);
      const [lo, hi] = this.codeAddress(slot);
      this.th = hi;
      return lo;
    }
    let map: VmMap | undefined;
    let offset = 0;
    let value = false;
    if (ref) {
      map = this.mapsByName.get(ref.map);
      if (!map) return fail(`ld_imm64 refers to map '${ref.map}', which is not loaded`);
      value = ref.kind === 'map_value';
      if (ref.kind === 'map_value') offset = ref.offset;
    } else if (insn.src === 1 || insn.src === 2) {
      map = this.maps.find((m) => m.fd === insn.imm);
      if (!map) return fail(`ld_imm64 of map fd ${insn.imm}, which is no map`);
      value = insn.src === 2;
      offset = insn.hi ?? 0;
    } else if (insn.src === 5 || insn.src === 6) {
      map = this.maps[insn.imm];
      if (!map) return fail(`ld_imm64 of map index ${insn.imm}, which is no map`);
      value = insn.src === 6;
      offset = insn.hi ?? 0;
    } else {
      return fail(`ld_imm64 with src ${insn.src} (BTF ids) is not emulated`);
    }
    if (!value) { this.th = map.objHi; return map.objLo; }
    const addr = { hi: 0, lo: 0 };
    if (!map.lookup(new Uint8Array(4), addr)) return fail(`map '${map.def.name}' has no value to point into`);
    if (offset < 0 || offset >= map.def.valueSize) return fail(`offset ${offset} is outside the value of map '${map.def.name}'`);
    this.th = addr.hi;
    return (addr.lo + offset) | 0;
  }

  ldAbs(size: number, off: number, pc: number): number {
    const pkt = this.ctx?.skbData;
    if (!pkt) { this.raise(pc, 'LD_ABS and LD_IND need a socket buffer (socket filter, tc or cgroup_skb program)'); return ST_FAULT; }
    const at = pkt.resolveAbs(off, size);
    if (at < 0) return -1;
    const b = pkt.bytes;
    this.tl = size === 1 ? b[at] : size === 2 ? (b[at] << 8) | b[at + 1] : ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
    return 0;
  }

  raise(pc: number, message: string, kind: VmFault['kind'] = 'invalid'): number {
    if (!this.fault) this.fault = { kind, message, insn: pc, program: this.prog.name, line: this.prog.lines[pc] };
    return ST_FAULT;
  }

  budgetFault(pc: number): number {
    return this.raise(pc, `instruction budget of ${this.limit} exceeded`, 'budget');
  }

  logFn(undo: () => void): void {
    if (!this.recording) return;
    this.undoFns.push(undo);
    this.log(this.undoFns.length - 1, TAG_FN);
  }

  private log(...values: number[]): void {
    if (this.un + values.length > this.ub.length) this.growUndo();
    this.ub.set(values, this.un);
    this.un += values.length;
  }

  /** Makes room in the undo log where needed: doubles it up to UNDO_CAP, then drops the oldest half. */
  growUndo(): void {
    if (this.un + 256 <= this.ub.length) {
      // Room enough (the compiled code's first call, which gives its call site type feedback).
    } else if (this.ub.length < UNDO_CAP) {
      const bigger = new Float64Array(Math.max(1 << 16, this.ub.length * 2));
      bigger.set(this.ub.subarray(0, this.un));
      this.ub = bigger;
    } else this.trimUndo();
    this.undoRoom = this.ub.length - 256;
  }

  /** Records the state of a map key (or a whole small map) so stepping back restores it. */
  checkpointMap(map: VmMap, key?: Uint8Array): void {
    if (this.recording) this.logFn(map.checkpoint(key));
  }

  /** Writes bytes into a region (helpers), logging them for stepping back. */
  writeBytes(region: Region, off: number, bytes: Uint8Array): void {
    if (this.recording) {
      const old = region.bytes.slice(off, off + bytes.length);
      this.logFn(() => region.bytes.set(old, off));
    }
    region.bytes.set(bytes, off);
  }

  /** Adds an output record, removed again when stepping back over it. */
  emit(record: OutputRecord): void {
    this.output.push(record);
    if (this.recording) { const n = this.output.length - 1; this.logFn(() => { this.output.length = n; }); }
  }

  get insideCallback(): boolean { return this.nested > 0; }

  // ---- debugger ---------------------------------------------------------------------------------

  /** Starts a run for stepping; `record` keeps the undo log so stepBack works. */
  begin(input: RunInput = {}, record = true): DebugState {
    this.reset(input);
    this.recording = record;
    this.un = 0;
    if (record && this.ub.length === 0) this.growUndo();
    // The compiled code calls growUndo once at its start (see codegen).
    this.undoRoom = -1;
    this.finished = undefined;
    this.historyTruncated = false;
    return this.state(this.fault ? 'fault' : 'start');
  }

  /**
   * Steps until `stop` (asked after each instruction) says so, the run ends, or `maxSteps` pass:
   * the general "run until a predicate" (slower than breakpoints, which are compiled in).
   */
  runUntil(stop: (m: Machine) => boolean, maxSteps = Number.MAX_SAFE_INTEGER): DebugState {
    let state = this.state('step');
    for (let i = 0; i < maxSteps; i++) {
      state = this.step(1);
      if (state.reason === 'exit' || state.reason === 'fault') return state;
      if (stop(this)) return this.state('breakpoint');
    }
    return state;
  }

  /** Instruction slots whose source line (zero-based) is `line`, for breakpoints set by line. */
  slotsAtLine(line: number, program = 0): number[] {
    const p = this.programs[program];
    if (!p) return [];
    return p.slots.flatMap((insn, slot) => (insn && p.lines[slot] === line ? [slot] : []));
  }

  /** Sets the breakpoints (instruction slots) of a program (default the first). */
  setBreakpoints(slots: Iterable<number>, program = 0): void {
    const prog = this.programs[program];
    const set = new Set([...slots].filter((s) => prog?.slots[s] !== undefined));
    if (!prog || !set.size) {
      this.breakpointFlags.delete(program);
      return;
    }
    const flags: BreakpointFlags = { slots: new Uint8Array(this.noBreakpoints.length), blocks: new Uint8Array(this.noBreakpoints.length) };
    const heads = entriesOf(prog);
    for (const s of set) {
      flags.slots[s] = 1;
      let head = s;
      while (head > 0 && !heads.has(head)) head--;
      flags.blocks[head] = 1;
    }
    this.breakpointFlags.set(program, flags);
  }

  /** Whether a continue that began at count bpFrom stops here. */
  private atBreakpoint(): boolean {
    return this.count !== this.bpFrom && this.breakpointFlags.get(this.progIndex)?.slots[this.pc] === 1;
  }

  private finished: 'exit' | 'fault' | undefined;

  /** Executes up to `steps` instructions (stopping earlier at exit or a fault). */
  step(steps = 1): DebugState {
    if (this.finished) return this.state(this.finished);
    this.stopAt = this.count + steps;
    this.useBreakpoints = false;
    const st = this.drive('debug');
    this.stopAt = Infinity;
    return this.afterStop(st, 'step');
  }

  /**
   * Runs until a breakpoint, exit, fault or the budget. Breakpoints are flags the compiled code reads,
   * so changing them compiles nothing. Without recording this runs the fast code, which leaves at the
   * head of a block holding a breakpoint; that block (or the rest of one, where the fast code cannot
   * enter) runs in the debug flavour, which stops exactly at the breakpoint.
   */
  continue(): DebugState {
    if (this.finished) return this.state(this.finished);
    this.stopAt = Infinity;
    this.bpFrom = this.count;
    this.useBreakpoints = true;
    try {
      if (this.recording) return this.afterStop(this.drive('debug'), 'breakpoint');
      for (;;) {
        let st: number;
        if (entriesOf(this.prog).has(this.pc)) {
          st = this.drive('fastbp');
          if (st !== ST_BLOCK) return this.afterStop(st, 'breakpoint');
        }
        this.stopAt = this.count + (blockLengthsOf(this.prog)[this.pc] ?? 1);
        st = this.drive('debug');
        this.stopAt = Infinity;
        if (st !== ST_STOP) return this.afterStop(st, 'breakpoint');
        if (this.atBreakpoint()) return this.state('breakpoint');
      }
    } finally {
      this.useBreakpoints = false;
      this.stopAt = Infinity;
    }
  }

  /**
   * Runs like continue(), but stops right after the first instruction that writes memory in one of
   * the watched ranges or a watched register (data breakpoints). Needs a recording run (begin(input, true)).
   */
  continueWatching(watch: ({ address: bigint; size: number } | { reg: number })[]): DebugState {
    const start = this.un;
    const stop = this.continue();
    if (!this.recording || !watch.length) return stop;
    const ranges = watch.flatMap((w) => ('reg' in w ? [] : [{ start: BigInt.asUintN(64, w.address), end: BigInt.asUintN(64, w.address) + BigInt(w.size) }]));
    const regs = new Set(watch.flatMap((w) => ('reg' in w ? [w.reg] : [])));
    const U = this.ub;
    let pending = false;
    let first = -1;
    for (let i = this.un; i > start;) {
      const tag = U[i - 1];
      if (tag === TAG_MEM) {
        const region = this.space.regions[U[i - 6]];
        const at = joinAddr(region.hi, region.lo + U[i - 5]);
        const end = at + BigInt(U[i - 4]);
        if (ranges.some((r) => at < r.end && r.start < end)) pending = true;
        i -= 6;
      } else if (tag === TAG_STEP) {
        if (pending) first = U[i - 3];
        pending = false;
        i -= 4;
      } else if (tag === TAG_REG) {
        if (regs.has(U[i - 4])) pending = true;
        i -= 4;
      } else i -= 2;
    }
    if (first < 0) return stop;
    while (this.un > 0 && this.lastStepCount() > first) this.stepBack(1);
    return this.state('watch');
  }

  /** Instruction count at the start of the most recent recorded step, or -1. */
  private lastStepCount(): number {
    const U = this.ub;
    for (let i = this.un; i > 0;) {
      const tag = U[i - 1];
      if (tag === TAG_STEP) return U[i - 3];
      i -= tag === TAG_REG ? 4 : tag === TAG_MEM ? 6 : 2;
    }
    return -1;
  }

  private afterStop(st: number, reason: StopReason): DebugState {
    if (st === ST_EXIT) { this.finished = 'exit'; return this.state('exit'); }
    if (st === ST_FAULT) { this.finished = 'fault'; return this.state('fault'); }
    return this.state(st === ST_STOP ? reason : 'step');
  }

  /** Undoes up to `steps` instructions; returns false when at the start (or not recording). */
  stepBack(steps = 1): DebugState {
    if (!this.recording) return this.state('start');
    const U = this.ub;
    let i = this.un;
    for (let s = 0; s < steps && i > 0; s++) {
      while (i > 0) {
        const tag = U[--i];
        if (tag === TAG_STEP) {
          // As small integers (not the log's doubles): a double in these fields would change the
          // machine's hidden class and throw away the compiled code's optimized versions.
          this.mayGoto = U[--i] | 0;
          this.count = smallInt(U[--i]);
          this.pc = U[--i] | 0;
          break;
        }
        if (tag === TAG_REG) {
          const hi = U[--i], lo = U[--i], r = U[--i];
          this.regs[2 * r] = lo;
          this.regs[2 * r + 1] = hi;
        } else if (tag === TAG_MEM) {
          const hi = U[--i], lo = U[--i], size = U[--i], off = U[--i], id = U[--i];
          const dv = this.space.regions[id].dv;
          if (size === 1) dv.setUint8(off, lo & 0xff);
          else if (size === 2) dv.setUint16(off, lo & 0xffff, true);
          else if (size === 4) dv.setInt32(off, lo, true);
          else { dv.setInt32(off, lo, true); dv.setInt32(off + 4, hi, true); }
        } else if (tag === TAG_FN) {
          this.undoFns[U[--i]]();
        }
      }
    }
    this.un = i;
    this.fault = null;
    this.finished = undefined;
    this.regs[20] = this.fpl;
    this.regs[21] = this.fph;
    return this.state('step');
  }

  /** True once old history was dropped: stepping back stops short of the start. */
  historyTruncated = false;

  /** Drops the oldest half of the undo log, cutting at a step boundary. */
  private trimUndo(): void {
    const U = this.ub;
    let i = this.un;
    let cut = 0;
    while (i > 0) {
      const tag = U[i - 1];
      i -= tag === TAG_STEP || tag === TAG_REG ? 4 : tag === TAG_MEM ? 6 : 2;
      if (tag === TAG_STEP && i <= this.un / 2) { cut = i; break; }
    }
    U.copyWithin(0, cut, this.un);
    this.un -= cut;
    this.historyTruncated = true;
  }

  /** The writes made by the most recent step (empty when not recording). */
  lastWrites(): WriteEvent[] {
    if (!this.recording) return [];
    const U = this.ub;
    const events: WriteEvent[] = [];
    for (let i = this.un - 1; i >= 0;) {
      const tag = U[i];
      if (tag === TAG_STEP) break;
      if (tag === TAG_REG) {
        const r = U[i - 3];
        events.push({ kind: 'reg', reg: r, old: toBig(U[i - 2], U[i - 1]), value: toBig(this.regs[2 * r], this.regs[2 * r + 1]) });
        i -= 4;
      } else if (tag === TAG_MEM) {
        const region = this.space.regions[U[i - 5]];
        events.push({ kind: 'mem', region: region.name, address: joinAddr(region.hi, region.lo + U[i - 4]), size: U[i - 3], old: toBig(U[i - 2], U[i - 1]) });
        i -= 6;
      } else { events.push({ kind: 'other' }); i -= 2; }
    }
    return events.reverse();
  }

  state(reason: StopReason): DebugState {
    return {
      reason, program: this.prog.name, pc: this.pc, line: this.prog.lines[this.pc],
      instructions: this.count, depth: this.depth,
    };
  }

  /** Registers r0-r10 as unsigned 64-bit values. */
  registers(): bigint[] {
    return Array.from({ length: 11 }, (_, r) => toBig(this.regs[2 * r], this.regs[2 * r + 1]));
  }

  /** Reads memory as the program would see it, or returns the reason it cannot. */
  readMemory(addr: bigint, size: number): Uint8Array | string {
    const hi = Number(BigInt.asUintN(64, addr) >> 32n) | 0;
    const lo = Number(BigInt.asUintN(64, addr) & 0xffffffffn);
    const at = this.space.resolve(hi, lo, size, false);
    if (typeof at === 'string') return at;
    return at.region.bytes.slice(at.off, at.off + size);
  }

  /** Call stack: return slots of the frames below the current one. */
  callStack(): number[] {
    return this.frames.map((f) => f.ret);
  }

  /**
   * The frames, innermost first, for a debugger's stack trace: the program, the slot executing (for
   * callers, their call instruction), its source line, and the frame pointer (r10) of that frame.
   */
  stackTrace(): { program: string; pc: number; line?: number; fp: bigint; depth: number }[] {
    const out: { program: string; pc: number; line?: number; fp: bigint; depth: number }[] = [];
    const fpOf = (d: number): bigint => joinAddr(this.stacks[d].hi, this.stacks[d].lo + STACK_BYTES);
    out.push({ program: this.prog.name, pc: this.pc, line: this.prog.lines[this.pc], fp: fpOf(this.depth), depth: this.depth });
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const f = this.frames[i];
      const p = this.programs[f.prog];
      if (f.ret < 0) break;
      out.push({ program: p.name, pc: f.ret - 1, line: p.lines[f.ret - 1], fp: fpOf(i), depth: i });
    }
    return out;
  }

  describe(reg: number): string {
    return hex64(this.regs[2 * reg], this.regs[2 * reg + 1]);
  }
}

export type { RunInput } from './context';
import type { RunInput } from './context';
