// Verifier state: registers (a scalar domain plus pointer fields), per-byte stack slots, frames.
import * as scalarDomain from './scalar';
import { Scalar } from './scalar';

// Bound once: outside a bundle (tsx, vitest) each use of an imported name is a read through a getter.
const { copyScalar, markKnown, markKnownWords } = scalarDomain;
import type { MapDef } from '../map-types';
import { Arena } from './arena';

export const enum T {
  NOT_INIT, SCALAR, CTX, MAP_PTR, MAP_VALUE, MAP_KEY, STACK, PKT, PKT_META, PKT_END, MEM, FLOW_KEYS,
  SOCK_COMMON, SOCKET, TCP_SOCK, BTF_ID, FUNC,
  /** CONST_PTR_TO_DYNPTR: what a dynptr's stack slots hold. */
  DYNPTR,
  /** An AF_XDP socket from an xskmap lookup. */
  XDP_SOCK,
}

export const MAYBE_NULL = 1;
export const RDONLY = 2;
export const RINGBUF = 4;
/** BTF pointer flags: PTR_TRUSTED, MEM_RCU, PTR_UNTRUSTED. */
export const TRUSTED = 8;
export const RCU = 16;
export const UNTRUSTED = 32;

export const STACK_INVALID = 0;
export const STACK_SPILL = 1;
export const STACK_MISC = 2;
export const STACK_ZERO = 3;
/** Part of a 16-byte bpf_dynptr; the slot's spill entry says which kind (see Reg.dynptrType). */
export const STACK_DYNPTR = 4;

export const DYNPTR_LOCAL = 1;
export const DYNPTR_RINGBUF = 2;

/**
 * Scalar ids carry the kernel's BPF_ADD_CONST flags: the register is its link's value plus the
 * constant in `off`, from a 32-bit (zero-extended) or a 64-bit add. Flags are kept out of bit ops.
 */
export const ADD_CONST32 = 2 ** 30;
export const ADD_CONST64 = 2 ** 31;
export const baseId = (id: number): number => id % ADD_CONST32;
export const addConstFlags = (id: number): number => id - (id % ADD_CONST32);
export const isAddConst = (id: number): boolean => id >= ADD_CONST32;

export interface MapInfo extends MapDef {
  /** Index in the map table (the fd we pretend it has). */
  index: number;
}

export class Reg extends Scalar {
  type: T = T.NOT_INIT;
  flags = 0;
  off = 0;
  id = 0;
  refObjId = 0;
  range = 0;
  map: MapInfo | undefined = undefined;
  memSize = 0;
  frameno = 0;
  subprog = 0;
  btfName = '';
  /** The struct's id in the kernel BTF (0 when there is no BTF to look it up in). */
  btfId = 0;
  /** Dynptr slots: DYNPTR_LOCAL / DYNPTR_RINGBUF, and whether this is the dynptr's first (upper) slot. */
  dynptrType = 0;
  dynptrFirst = false;
  /** A dynptr data slice: the id of the dynptr it points into. */
  dynptrId = 0;
  /** Instruction that last wrote this register (-1: program entry). */
  def = -1;

  clone(): Reg {
    const r = new Reg(this);
    r.type = this.type; r.flags = this.flags; r.off = this.off; r.id = this.id; r.refObjId = this.refObjId;
    r.range = this.range; r.map = this.map; r.memSize = this.memSize; r.frameno = this.frameno;
    r.subprog = this.subprog; r.btfName = this.btfName; r.btfId = this.btfId; r.dynptrType = this.dynptrType;
    r.dynptrFirst = this.dynptrFirst; r.dynptrId = this.dynptrId; r.def = this.def;
    return r;
  }

  assign(o: Reg): void {
    copyScalar(this, o);
    this.type = o.type; this.flags = o.flags; this.off = o.off; this.id = o.id; this.refObjId = o.refObjId;
    this.range = o.range; this.map = o.map; this.memSize = o.memSize; this.frameno = o.frameno;
    this.subprog = o.subprog; this.btfName = o.btfName; this.btfId = o.btfId; this.dynptrType = o.dynptrType;
    this.dynptrFirst = o.dynptrFirst; this.dynptrId = o.dynptrId; this.def = o.def;
  }

  isPointer(): boolean {
    return this.type !== T.SCALAR && this.type !== T.NOT_INIT;
  }
}

/** A scalar register: unknown, or a known value (a bigint, or an exact integer number such as an immediate). */
export function scalarReg(def: number, value?: bigint | number): Reg {
  const r = new Reg();
  if (typeof value === 'number') markKnownWords(r, Math.floor(value / 0x1_0000_0000) | 0, value | 0);
  else if (value !== undefined) markKnown(r, value);
  r.type = T.SCALAR;
  r.def = def;
  return r;
}

export function notInit(): Reg {
  return new Reg();
}

export function pointerReg(type: T, def: number, init: Partial<Reg> = {}): Reg {
  const r = new Reg();
  markKnownWords(r, 0, 0);
  r.type = type;
  r.def = def;
  Object.assign(r, init);
  return r;
}

const EMPTY_STACK = new Uint8Array(0);

/**
 * Stack slot types of the frames of the current verifier run: chunks of one reused buffer instead
 * of a typed array (an allocation) each. Frames must not outlive the run (resetStackMemory).
 */
const stackMemory = new Arena();

/** Called when a verifier run starts: the frames of the previous run are gone. */
export function resetStackMemory(): void {
  stackMemory.reset(512 * 64);
}

export class Frame {
  regs: Reg[];
  /** Slot type per stack byte; index = -off - 1 (byte fp-1 is index 0). */
  stype: Uint8Array;
  /** Spilled register per 8-byte slot (spi). */
  spill: (Reg | undefined)[];
  allocated = 0;
  /** The stack bytes are shared with a clone until either side writes (copy on write). */
  private sharedStack = false;
  callsite: number;
  frameno: number;
  subprog: number;
  /** For callbacks: the range R0 must be in when the callback exits. */
  callbackRet?: [number, number];
  inCallback = false;
  /** Callback runs started from this frame's current bpf_loop call (the kernel's callback_depth). */
  callbackDepth = 0;
  /** bpf_loop / for_each_map_elem: the helper call instruction that started this callback. */
  callbackCall = -1;

  constructor(callsite: number, frameno: number, subprog: number, empty = false) {
    this.regs = [];
    if (!empty) for (let i = 0; i < 11; i++) this.regs.push(notInit());
    this.stype = empty ? EMPTY_STACK : stackMemory.u8(512);
    this.spill = []; // grows with the stack in use (indexes past the end read as undefined)
    this.callsite = callsite;
    this.frameno = frameno;
    this.subprog = subprog;
  }

  /** The stack slot types, ready to be written. */
  w(): Uint8Array {
    if (this.sharedStack) {
      const copy = stackMemory.u8(this.stype.length);
      copy.set(this.stype);
      this.stype = copy;
      this.sharedStack = false;
    }
    return this.stype;
  }

  clone(): Frame {
    const f = new Frame(this.callsite, this.frameno, this.subprog, true);
    // slice() gives arrays of the final length at once; then every register is replaced by a copy
    const regs = this.regs;
    const fr = (f.regs = regs.slice());
    for (let i = 0; i < 11; i++) fr[i] = regs[i].clone();
    f.stype = this.stype;
    f.sharedStack = true;
    this.sharedStack = true;
    const spill = this.spill;
    const fs = (f.spill = spill.slice());
    for (let i = 0; i < spill.length; i++) if (spill[i] !== undefined) fs[i] = spill[i]!.clone();
    f.allocated = this.allocated;
    f.callbackRet = this.callbackRet;
    f.inCallback = this.inCallback;
    f.callbackDepth = this.callbackDepth;
    f.callbackCall = this.callbackCall;
    return f;
  }
}

export interface RefState {
  id: number;
  insn: number;
}

/** One step of the path that led to a state: a branch decision or a call. */
export interface PathStep {
  insn: number;
  kind: 'branch' | 'call' | 'return';
  taken?: boolean;
  prev: PathStep | undefined;
}

export class VState {
  frames: Frame[];
  refs: RefState[] = [];
  insnIdx = 0;
  path: PathStep | undefined = undefined;
  /** The stored explored-state this state descends from (for loop detection and branch counts). */
  parent: Explored | undefined = undefined;
  mayGotoDepth = 0;
  callbackDepth = 0;
  /** Jump-history entries since the last checkpoint (the kernel forces one past 40). */
  jmpHistory = 0;
  /** A path the CPU may run only speculatively (unprivileged: the branch that cannot be taken). */
  speculative = false;
  /** Log level 1: the log's length when this path was queued, and the queuing instruction's text. */
  logLines = 0;
  logPartial = '';

  constructor(frames: Frame[]) {
    this.frames = frames;
  }

  get cur(): Frame {
    return this.frames[this.frames.length - 1];
  }

  clone(): VState {
    const s = new VState(this.frames.map((f) => f.clone()));
    s.refs = this.refs.map((r) => ({ ...r }));
    s.insnIdx = this.insnIdx;
    s.path = this.path;
    s.parent = this.parent;
    s.mayGotoDepth = this.mayGotoDepth;
    s.callbackDepth = this.callbackDepth;
    s.jmpHistory = this.jmpHistory;
    s.speculative = this.speculative;
    return s;
  }
}

/** A state remembered at a prune point. `branches` counts unfinished paths below it. */
export interface Explored {
  state: VState;
  insn: number;
  branches: number;
  parent: Explored | undefined;
  hits: number;
  misses: number;
  /** Dropped from its list after too many misses; still counted until its paths finish. */
  evicted: boolean;
  /** Stored states above this one on its path (the kernel's dfs_depth). */
  depth: number;
  /** Set on the first state stored in a loop visit: the visit's key (see Verifier.sccChain). */
  sccKey?: string;
}
