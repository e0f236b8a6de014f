// The abstract interpreter: walks every path of a program the way kernel/bpf/verifier.c does,
// tracking register types, scalar bounds, the stack and references, pruning equivalent states,
// and stopping at the first error with the kernel's message.
import { ATOMIC_OPS, type Instruction, validate } from '../isa';
import { PROG_TYPES, type ProgType } from '../program-types';
import { Arena, arenaBytes } from './arena';
import { analyzeCfg, jumpTarget, type Slots } from './cfg';
import { computeSccs } from './scc';
import { ctxAccess, directPacketAccess, returnRange } from './context';
import { frameText, regText, regTypeName, regTypeStr } from './format';
import { StateJoin } from './join';
import { loadTimeCheck } from './prepass';
import { ACQUIRES_REFERENCE, type ArgKind, CASTS_POINTER, type HelperProto, helperIsAllowed, helperProto } from './helper-adapter';
import { sockAccessOk, sockLoadConvertible } from './sock-access';
import { MAP_BTF_STRUCT, btfFieldIsSafe, btfStructAccess, btfStructIdsMatch, btfTypeName } from './btf-access';
import { type Btf, BtfKind, kernelBtf } from '../btf';
import { COMPATIBLE_REG_TYPES, expectedRegTypeNames } from '../helpers/proto-types';
import { helperAvailability } from '../helpers/allowed';
import { regTypeName as sharedRegTypeName } from '../helpers/reg-type-names';
import { aluOpString, kernelInsnText } from './kernel-disasm';
import * as scalarDomain from './scalar';
import * as verifierState from './state';
import { type Explored, Frame, type MapInfo, type PathStep, Reg, VState } from './state';
import { tnumAdd, tnumConst, tnumIsConst, tnumStr, tnumClearSubreg } from './tnum';

// Bound once: outside a bundle (tsx, vitest) each use of an imported name is a read through a getter.
const {
  S64_MAX, S64_MIN, boundsInvalid, coerceToSize, copyScalar, isConst, markUnknown, rangeWithin,
  byteSwap, refineCond, scalarAdd, scalarAlu, scalarBranchTaken, scalarEquals, signExtend, sync, varOffEquals, varOffWithin, zext32,
  isZero: isKnownZero, signedConst, sminNumber, smaxNumber, bounds64Exact, bounds64Invalid, sminUnbounded,
} = scalarDomain;
const {
  MAYBE_NULL, RDONLY, RINGBUF, STACK_INVALID, STACK_MISC, STACK_SPILL, STACK_ZERO, notInit, pointerReg, scalarReg, RCU,
  TRUSTED, UNTRUSTED, DYNPTR_LOCAL, DYNPTR_RINGBUF, STACK_DYNPTR, resetStackMemory, ADD_CONST32, ADD_CONST64, addConstFlags,
  baseId, isAddConst,
} = verifierState;
// The register type enum as a local name too (outside a bundle it is not inlined).
import T = verifierState.T;

export const COMPLEXITY_LIMIT = 1_000_000;
/** Paths waiting to be explored (the kernel's BPF_COMPLEXITY_LIMIT_JMP_SEQ). */
export const JMP_SEQ_LIMIT = 8192;
/** States kept per instruction for loaders without CAP_BPF (BPF_COMPLEXITY_LIMIT_STATES). */
const STATES_LIMIT_UNPRIV = 64;
/** Jump-history entries after which a checkpoint is forced. */
const JMP_HISTORY_LIMIT = 40;
const MAX_STACK = 512;
const MAX_CALL_FRAMES = 8;
const MAX_PACKET_OFF = 0xffff;
const BPF_MAX_VAR_OFF = 1n << 29n;
const MAX_VAR_OFF = 2 ** 29;

export interface VerifierOptions {
  progType: ProgType;
  maps: MapInfo[];
  unprivileged: boolean;
  logLevel: number;
  collectStates: boolean;
  helperName: (id: number) => string;
}

export interface RawPathStep {
  insn: number;
  kind: 'branch' | 'call' | 'return' | 'def';
  taken?: boolean;
  reg?: number;
}

export interface RawError {
  lines: string[];
  insn: number;
  path: RawPathStep[];
  /** Registers whose values the failing check looked at. */
  regs: number[];
}

export interface RawResult {
  error?: RawError;
  log: string;
  processed: number;
  totalStates: number;
  peakStates: number;
  maxStatesPerInsn: number;
  states?: (string | undefined)[];
  statePaths?: (string[] | undefined)[];
  unreachable: number[];
  /** Checks that could not be made (e.g. struct layouts without kernel BTF), per instruction. */
  unchecked: { insn: number; message: string }[];
}

/**
 * Thrown by Verifier.run when asked to stop at a comparison it should have treated as precise.
 * Not an Error, like VerifierFailure (building one costs more than the throw).
 */
export class RoundAbort {
  readonly message = 'walk stopped: a new precise comparison';

  toString(): string {
    return this.message;
  }
}

/**
 * A rejection: an ordinary outcome, thrown and caught inside the verifier. Not an Error (building
 * one costs more than the throw); it reads as its first line where a message is expected.
 */
class VerifierFailure {
  readonly message: string;
  lines: string[];
  regs: number[];

  constructor(lines: string[], regs: number[] = []) {
    this.message = lines[0];
    this.lines = lines;
    this.regs = regs;
  }

  toString(): string {
    return this.message;
  }
}

const fail = (regs: number[], ...lines: string[]): never => {
  throw new VerifierFailure(lines, regs);
};

/**
 * Errors a speculative path may meet without rejecting the program (error_recoverable_with_nospec:
 * EPERM, EACCES, EINVAL); the ones that stop verification whatever the path are E2BIG and the like.
 */
const recoverableWithNospec = (message: string): boolean =>
  !message.startsWith('The sequence of ') && !message.startsWith('BPF program is too large') &&
  !message.startsWith('internal verifier error');

/** sanitize_err's reasons (REASON_BOUNDS ... REASON_LIMIT). */
const enum Sanitize { OK, BOUNDS, TYPE, PATHS, LIMIT }
/** alu_state bits (BPF_ALU_SANITIZE_SRC, _DST, BPF_ALU_NEG_VALUE, BPF_ALU_NON_POINTER, BPF_ALU_IMMEDIATE). */
const ALU_SANITIZE_SRC = 1, ALU_SANITIZE_DST = 2, ALU_NEG_VALUE = 4, ALU_NON_POINTER = 8, ALU_IMMEDIATE = 16;

/** reg_not_null: pointers known to be non-NULL (a ctx or stack pointer is not among them). */
function regNotNull(r: Reg): boolean {
  if (r.flags & MAYBE_NULL) return false;
  switch (r.type) {
    case T.SOCKET: case T.TCP_SOCK: case T.MAP_VALUE: case T.MAP_KEY: case T.SOCK_COMMON: case T.MAP_PTR:
      return true;
    case T.BTF_ID: return r.refObjId !== 0 || ((r.flags & TRUSTED) !== 0 && (r.flags & UNTRUSTED) === 0);
    case T.MEM: return (r.flags & UNTRUSTED) === 0;
    default: return false;
  }
}

/** How closely a state must match a stored one (the kernel's enum exact_level). */
const enum Match { NOT_EXACT, RANGE_WITHIN, EXACT }

const sameCallsites = (a: VState, b: VState): boolean =>
  a.frames.length === b.frames.length && a.frames.every((f, i) => f.callsite === b.frames[i].callsite);

/** Program types whose context is an skb, the only ones LD_ABS / LD_IND may be used in. */
const LD_ABS_TYPES: readonly ProgType[] = ['socket_filter', 'sched_cls', 'sched_act'];

/** check_ptr_alignment's names of pointer types in its message. */
const ALIGN_DESC: Partial<Record<T, string>> = {
  [T.FLOW_KEYS]: 'flow keys ', [T.MAP_KEY]: 'key ', [T.MAP_VALUE]: 'value ', [T.CTX]: 'context ', [T.STACK]: 'stack ',
  [T.SOCKET]: 'sock ', [T.SOCK_COMMON]: 'sock_common ', [T.TCP_SOCK]: 'tcp_sock ',
};

/** Packet pointer ranges that record a comparison with pkt_end: at it (>=) or past it (>). */
const AT_PKT_END = -1;
const BEYOND_PKT_END = -2;
const isPktType = (t: T): boolean => t === T.PKT || t === T.PKT_META || t === T.PKT_END;

/** The per-instruction arrays of the current run (valid while it runs; runs never nest). */
const runArrays = new Arena();

// Zero-length arrays hold nothing, so every verifier can start from the same ones.
const EMPTY_U8 = new Uint8Array(0);
const EMPTY_U16 = new Uint16Array(0);
const EMPTY_U32 = new Uint32Array(0);
const EMPTY_I32 = new Int32Array(0);
const EMPTY_F64 = new Float64Array(0);

export class Verifier {
  private readonly slots: Slots;
  private readonly opts: VerifierOptions;
  private processed = 0;
  /** Instructions walked so far. */
  get processedCount(): number {
    return this.processed;
  }
  private idGen = 0;
  private explored: Explored[][] = [];
  private totalStates = 0;
  private curStates = 0;
  private peakStates = 0;
  private log: string[] = [];
  private logLine = '';
  private jmpsProcessed = 0;
  private prevJmps = 0;
  private prevInsnProcessed = 0;
  private liveBefore: Uint16Array = EMPTY_U16;
  private preciseBefore: Uint16Array = EMPTY_U16;
  private preciseSlotsLo: Uint32Array = EMPTY_U32;
  private liveSlotsLo: Uint32Array = EMPTY_U32;
  private liveSlotsHi: Uint32Array = EMPTY_U32;
  private preciseSlotsHi: Uint32Array = EMPTY_U32;
  private pruneIdx = 0;
  private prunePoints: Uint8Array = EMPTY_U8;
  private jmpPoints: Uint8Array = EMPTY_U8;
  private callsCallback: Uint8Array = EMPTY_U8;
  /** SCC id per slot (0: in no loop), when the program has a loop. */
  private sccOf: Int32Array | undefined = undefined;
  private readonly sccVisits = new Map<string, { entry: Explored; backedges: number }>();
  /** Backedges of all open SCC visits (counted in peak_states). */
  private backedges = 0;
  private subprogs: number[] = [0];
  private joins: (StateJoin | undefined)[] = [];
  private scratchRegs = 0;
  private scratchSlots = new Set<number>();
  private readonly allowPtrLeaks: boolean;
  /** CAP_BPF: loops, subprograms, precision tracking, scalar spills (env->bpf_capable). */
  private readonly bpfCapable: boolean;
  /** Spectre v1 / v4 checks skipped (env->bypass_spec_v1 / v4): only for CAP_PERFMON. */
  private readonly bypassSpec: boolean;
  /** Per insn: a speculative path stops here (insn_aux->nospec) / right after it (nospec_result). */
  private nospec: Uint8Array = EMPTY_U8;
  private nospecResult: Uint8Array = EMPTY_U8;
  /** Per insn: the pointer-ALU masking recorded by sanitize_ptr_alu (alu_state, alu_limit). */
  private aluState: Int32Array = EMPTY_I32;
  private aluLimit: Float64Array = EMPTY_F64;
  /** Set once a pointer moved by a non-constant: scalars must then match exactly when pruning. */
  private exploreAluLimits = false;
  /** The current path's queue, for states pushed from inside an instruction (speculative ALU paths). */
  private pendingPaths: VState[] = [];
  private readonly idmap = new Map<number, number>();
  private maxPerInsn = 0;
  /** Accesses through BTF pointers left unchecked for want of kernel BTF: insn -> why. */
  private readonly unchecked = new Map<number, string>();
  /** A kernel function call to btf id 0 (refused after verification). */
  private uneliminatedKfunc: number | undefined;
  /** A load through a socket pointer the kernel accepts but cannot rewrite (its own bug). */
  private unconvertibleLoad: number | undefined;

  constructor(slots: Slots, opts: VerifierOptions) {
    this.slots = slots;
    this.opts = opts;
    this.allowPtrLeaks = !opts.unprivileged;
    this.bpfCapable = !opts.unprivileged;
    this.bypassSpec = !opts.unprivileged;
  }

  /** Conditional jumps whose outcome the operands' values decided on some path (kernel: precise). */
  readonly decided = new Set<number>();
  private condSinks: ReadonlySet<number> = new Set();
  private stopOnNewDecided = false;

  /**
   * condSinks: comparisons whose operands count as precise. With stopOnNewDecided, the walk ends
   * (throwing RoundAbort) at the first decided comparison outside condSinks: the caller will
   * repeat it with that comparison added, so finishing this walk would be wasted work.
   */
  run(condSinks: ReadonlySet<number> = new Set(), stopOnNewDecided = false): RawResult {
    this.condSinks = condSinks;
    this.stopOnNewDecided = stopOnNewDecided;
    const cfg = analyzeCfg(this.slots, !this.opts.unprivileged, returnRange(this.opts.progType) !== undefined || this.opts.unprivileged, condSinks,
      // a helper the program type does not get counts as reading R1-R5 (the kernel finds no prototype)
      (id) => liveHelperArgs(id, this.opts.progType, this.opts.unprivileged), true, () => loadTimeCheck(this.slots, this.opts.maps));
    this.liveBefore = cfg.liveBefore;
    this.preciseBefore = cfg.preciseBefore;
    this.preciseSlotsLo = cfg.preciseSlotsLo;
    this.liveSlotsLo = cfg.liveSlotsLo;
    this.liveSlotsHi = cfg.liveSlotsHi;
    this.preciseSlotsHi = cfg.preciseSlotsHi;
    this.prunePoints = cfg.prunePoints;
    this.jmpPoints = cfg.jmpPoints;
    this.callsCallback = cfg.callsCallback;
    if (this.bpfCapable) this.sccOf = computeSccs(this.slots);
    this.subprogs = cfg.subprogs;
    if (!this.bpfCapable) {
      // without CAP_BPF every unknown scalar is born precise (__mark_reg_unknown) and precision
      // is never backtracked: all scalars count when comparing states
      this.preciseBefore.fill(0xffff);
      this.preciseSlotsLo.fill(0xffffffff);
      this.preciseSlotsHi.fill(0xffffffff);
    }
    const n = this.slots.count + 1;
    // per-instruction arrays from a buffer the next run reuses (each typed array costs an allocation)
    runArrays.reset(arenaBytes(8 * n, 4 * n, n, n));
    resetStackMemory();
    this.aluLimit = runArrays.f64(n);
    this.aluState = runArrays.i32(n);
    this.nospec = runArrays.u8(n);
    this.nospecResult = runArrays.u8(n);
    // add_subprog_and_kfunc runs before the CFG checks
    const kfuncError = this.kfuncLoadError();
    if (kfuncError) return this.result(kfuncError, []);
    if (cfg.error) {
      this.emit(cfg.error.message);
      return this.result({ lines: [cfg.error.message], insn: cfg.error.insn, path: [], regs: [] }, cfg.unreachable);
    }
    if (this.opts.logLevel >= 2) {
      for (let k = 0; k < this.subprogs.length; k++) this.emit(`func#${k} @${this.subprogs[k]}`);
      this.emit('Live regs before insn:');
      for (let i = 0; i < this.slots.count; i++) {
        const insn = this.slots.at[i];
        if (!insn) continue;
        let regs = '';
        for (let r = 0; r < 10; r++) regs += this.liveBefore[i] & (1 << r) ? String(r) : '.';
        // the loop (SCC) an instruction belongs to, when it is in one
        const id = this.sccOf?.[i] ?? 0;
        const scc = id ? `${String(id).padStart(3)} ` : '    ';
        this.emit(`${scc}${String(i).padStart(3)}: ${regs} ${this.insnText(insn)}`);
      }
    }
    for (let i = 0; i < this.slots.count; i++) this.explored.push([]);
    const walkError = this.doCheck();
    // after a walk that found nothing, the kernel's level-1 log starts again (it keeps only errors)
    if (!walkError && this.opts.logLevel === 1) this.log.length = 0;
    const err = walkError ?? this.checkCombinedStack() ?? this.checkCtxConversion() ?? this.checkKfuncFixup();
    return this.result(err, []);
  }

  private result(error: RawError | undefined, unreachable: number[]): RawResult {
    if (this.opts.logLevel > 0) {
      this.emit(`processed ${this.processed} insns (limit ${COMPLEXITY_LIMIT}) max_states_per_insn ${this.maxStatesPerInsn()} total_states ${this.totalStates} peak_states ${this.peakStates} mark_read 0`);
    }
    return {
      error, log: this.log.length ? this.log.join('\n') + '\n' : '', processed: this.processed,
      totalStates: this.totalStates, peakStates: this.peakStates, maxStatesPerInsn: this.maxStatesPerInsn(),
      states: this.opts.collectStates ? Array.from(this.joins, (j) => j?.text()) : undefined,
      statePaths: this.opts.collectStates ? Array.from(this.joins, (j) => j?.paths) : undefined,
      unreachable,
      unchecked: [...this.unchecked].map(([insn, message]) => ({ insn, message })),
    };
  }

  private maxStatesPerInsn(): number {
    return this.maxPerInsn;
  }

  private emit(line: string): void {
    if (this.opts.logLevel > 0) this.log.push(line);
  }

  private newId(): number {
    return ++this.idGen;
  }

  // ---------------------------------------------------------------- main loop

  private doCheck(): RawError | undefined {
    const entry = new Frame(-1, 0, 0);
    entry.regs[1] = pointerReg(T.CTX, -1);
    entry.regs[10] = pointerReg(T.STACK, -1, { frameno: 0 });
    let st: VState | undefined = new VState([entry]);
    const pending: VState[] = [];
    let printState = true;
    while (st) {
      const s: VState = st;
      try {
        const next = this.stepPath(s, pending, printState);
        printState = false;
        if (next === 'done') {
          this.flushPending();
          this.finishBranch(s);
          // its `from X to Y:` line is written by stepPath, once it is known whether the path is pruned at once
          st = pending.pop();
        }
      } catch (e) {
        if (e instanceof VerifierFailure) {
          this.flushPending();
          if (this.logLine) this.emit(this.logLine);
          this.logLine = '';
          for (const l of e.lines) this.emit(l);
          return { lines: e.lines, insn: s.insnIdx, path: this.pathOf(s, e.regs), regs: e.regs };
        }
        throw e;
      }
    }
    return undefined;
  }

  /** Level 1: the log as it was when the path was queued, ending in the queuing instruction's text. */
  private rewindLog(s: VState): void {
    this.log.length = s.logLines;
    this.pendingLine = '';
    this.pendingBare = '';
    this.log.push(s.logPartial);
  }

  /** `from X to Y` (and the speculative mark) for a path taken off the stack. */
  private fromText(s: VState, idx: number): string {
    return `from ${s.path?.insn ?? idx} to ${idx}${s.speculative ? ' (speculative execution)' : ''}`;
  }

  /** The current frame's whole state (print_verifier_state prints the frame it is given, not its callers). */
  private stateText(s: VState): string {
    return frameText(s.cur, 0x7ff, undefined, s.refs.map((r) => r.id), !this.bpfCapable);
  }

  private pathOf(s: VState, regs: number[]): RawPathStep[] {
    const steps: RawPathStep[] = [];
    let p: PathStep | undefined = s.path;
    while (p && steps.length < 64) {
      steps.push({ insn: p.insn, kind: p.kind, taken: p.taken });
      p = p.prev;
    }
    steps.reverse();
    for (const r of regs) {
      const reg = s.cur.regs[r];
      if (reg && reg.def >= 0) steps.push({ insn: reg.def, kind: 'def', reg: r });
    }
    return steps;
  }

  /** Runs one path until it exits, is pruned, or forks (the other branch goes to `pending`). */
  private stepPath(s: VState, pending: VState[], printFirst: boolean): 'done' {
    let first = printFirst;
    let justPopped = true;
    let returned = false;
    for (;;) {
      const idx = s.insnIdx;
      if (idx < 0 || idx >= this.slots.count) fail([], `invalid insn idx ${idx} insn_cnt ${this.slots.count}`);
      if (++this.processed > COMPLEXITY_LIMIT) {
        this.flushPending();
        fail([], `BPF program is too large. Processed ${this.processed} insn`);
      }
      if (this.prunePoints[idx] && !first) {
        if (this.isStateVisited(s, idx)) {
          if (this.opts.logLevel > 0) {
            // the previous instruction's state is not printed when the path is pruned
            if (this.pendingBare) this.emit(this.pendingBare);
            this.pendingLine = '';
            this.pendingBare = '';
            const from = justPopped || returned;
            if (justPopped && this.opts.logLevel === 1) this.rewindLog(s);
            else if (from) this.emit('');
            this.emit(from ? `${this.fromText(s, idx)}: safe` : `${idx}: safe`);
          }
          return 'done';
        }
      }
      if ((justPopped && !printFirst && this.opts.logLevel > 0) || (returned && this.opts.logLevel >= 2)) {
        // a path taken off the stack, or back in the caller after a return
        this.flushPending();
        if (justPopped && this.opts.logLevel === 1) {
          // level 1 keeps only the path being walked: back to where it was queued, then its state
          this.rewindLog(s);
          this.log[this.log.length - 1] += ` ${idx}:${this.stateText(s)}`;
        } else {
          this.emit('');
          this.emit(`${this.fromText(s, idx)}:${this.stateText(s)}`);
        }
      }
      returned = false;
      // one jump-history entry per instruction at most (a jump target's, or a stack spill's or fill's)
      this.historyEntry = this.jmpPoints[idx] === 1;
      if (this.historyEntry) s.jmpHistory++;
      this.flushPending();
      if (first && this.opts.logLevel > 0 && printFirst) this.emit(`${idx}:${this.stateText(s)}`);
      else if (justPopped && this.opts.logLevel >= 2) this.emit(`${idx}:${this.stateText(s)}`);
      first = false;
      justPopped = false;
      const insn = this.slots.at[idx];
      if (!insn) fail([], `invalid insn idx ${idx} insn_cnt ${this.slots.count}`);
      this.scratchRegs = 0;
      if (this.scratchSlots.size) this.scratchSlots.clear();
      this.stateLineIdx = -1;
      this.decidedBranch = false;
      if (this.opts.logLevel > 0) this.logLine = `${idx}: ${this.insnText(insn!)}`;
      if (s.speculative && this.nospec[idx]) {
        // a barrier stands here: the speculative path goes no further
        if (this.logLine) this.emit(this.logLine);
        this.logLine = '';
        return 'done';
      }
      this.pendingPaths = pending;
      let r: 'next' | 'exit';
      if (s.speculative) {
        try {
          r = this.checkInsn(s, insn!, idx, pending);
        } catch (e) {
          if (!(e instanceof VerifierFailure) || !recoverableWithNospec(e.lines[0])) throw e;
          // do_check: an unsafe insn on a speculative path gets a barrier instead of a rejection
          if (this.logLine) this.emit(this.logLine);
          this.logLine = '';
          for (const l of e.lines) this.emit(l);
          this.nospec[idx] = 1;
          this.aluState[idx] = 0;
          return 'done';
        }
      } else {
        r = this.checkInsn(s, insn!, idx, pending);
      }
      if (this.opts.logLevel > 0 && this.logLine) {
        const st = frameText(s.cur, this.scratchRegs, this.scratchSlots, s.refs.map((r) => r.id), !this.bpfCapable);
        // something touched but nothing printable (a void call) still gets the `;`
        if ((st || this.scratchRegs || this.scratchSlots.size) && r !== 'exit') {
          const pos = this.logLine.length + 1;
          const pad = Math.ceil(Math.max(pos + 4, 40) / 8) * 8 - pos - 1;
          // printed when the next instruction starts (dropped if that one is pruned); after the
          // kernel's precision-marking lines it goes on a line of its own
          // (the precision-marking lines are written at level 2 only)
          const own = this.stateLineIdx >= 0 && this.opts.logLevel >= 2;
          this.pendingLine = own ? `${this.logLine}\n${this.stateLineIdx}:${st}` : `${this.logLine}${' '.repeat(Math.max(pad, 1))};${st}`;
          this.pendingBare = this.logLine;
          this.pendingState = own ? '' : st;
          // a conditional jump prints its state at once (kept even when the next instruction is pruned)
          if (this.decidedBranch) this.flushPending();
        } else this.emit(this.logLine);
        this.logLine = '';
      }
      // speculative paths describe no real execution: the editor's per-insn states leave them out
      if (this.opts.collectStates && !s.speculative) this.recordState(idx, s);
      if (r === 'exit') return 'done';
      returned = insn!.code === 0x95;
      if (s.speculative && this.nospecResult[idx]) {
        this.flushPending();
        return 'done';
      }
    }
  }

  private pendingLine = '';
  private pendingBare = '';
  /** The pending state when it would still go after the instruction (not yet on a line of its own). */
  private pendingState = '';
  /**
   * The kernel logged its precision marking (mark_precise lines) during this instruction: the state
   * then goes on a line of its own, under this index (the jump's own for a decided branch, else the
   * next instruction's); -1 otherwise.
   */
  private stateLineIdx = -1;
  /** This instruction is a conditional jump: the kernel prints its state at once (check_cond_jmp_op). */
  private decidedBranch = false;

  private flushPending(): void {
    if (this.pendingLine) this.emit(this.pendingLine);
    this.pendingLine = '';
    this.pendingBare = '';
    this.pendingState = '';
  }

  private recordState(idx: number, s: VState): void {
    const join = this.joins[idx];
    if (join) join.add(s.cur);
    else this.joins[idx] = new StateJoin(s.cur);
  }

  private insnText(insn: Instruction): string {
    let mapText: string | undefined;
    if (insn.code === 0x18 && (insn.src === 1 || insn.src === 2 || insn.src === 5 || insn.src === 6)) {
      mapText = insn.src === 2 || insn.src === 6 ? `map[id:${insn.imm}][0]+${insn.hi ?? 0}` : `map[id:${insn.imm}]`;
    }
    if (insn.code === 0x85 && insn.src === 2) {
      // a kernel function prints under its BTF name (`call vfs_read#119873`; id 0 is the nameless void)
      const btf = this.btf();
      if (btf) return `(85) call ${btf.type(insn.imm)?.name ?? ''}#${insn.imm}`;
    }
    return kernelInsnText(insn, this.opts.helperName, mapText);
  }

  // ---------------------------------------------------------------- pruning

  private isStateVisited(cur: VState, idx: number): boolean {
    this.pruneIdx = idx;
    const bucket = this.bucketOf(cur, idx);
    const list = this.explored[bucket];
    const live = this.liveBefore[idx];
    const precise = this.preciseBefore[idx];
    const insn = this.slots.at[idx];
    const isMayGoto = insn !== undefined && insn.code === 0xe5;
    const callsCallback = this.callsCallback[idx] === 1;
    // may_goto and callback calls are forced checkpoints, and so is a state with a long jump history
    const checkpoint = isMayGoto || callsCallback;
    const forceNew = checkpoint || cur.jmpHistory > JMP_HISTORY_LIMIT;
    let addNew = forceNew || (this.processed - this.prevInsnProcessed >= 8 && this.jmpsProcessed - this.prevJmps >= 2);
    const count = list.length;
    let evicted = 0;
    let hit = false;
    // newest first: the kernel adds states at the head of its list
    for (let k = count - 1; k >= 0; k--) {
      const sl = list[k];
      if (sl.insn !== idx) continue; // another instruction hashed to this list (counted all the same)
      if (sl.branches > 0) {
        // A state still being explored: this is a loop.
        if (isMayGoto && sl.state.mayGotoDepth !== cur.mayGotoDepth && this.statesEqual(sl.state, cur, live, precise, Match.RANGE_WITHIN)) {
          sl.hits++;
          hit = true;
          this.addBackedge(sl);
          break;
        }
        // Back at a callback call: the callback runs converged when the state is within an earlier one.
        if (callsCallback && this.statesEqual(sl.state, cur, live, precise, Match.RANGE_WITHIN)) {
          sl.hits++;
          hit = true;
          this.addBackedge(sl);
          break;
        }
        // Identical state means no progress: an infinite loop.
        if (!callsCallback && this.statesEqual(sl.state, cur, live, precise, Match.EXACT) && sl.state.mayGotoDepth === cur.mayGotoDepth &&
          sl.state.callbackDepth === cur.callbackDepth) {
          fail([], `infinite loop detected at insn ${idx}`, `cur state:${this.stateText(cur)}`, `old state:${this.stateText(sl.state)}`);
        }
        // inside a loop, add states less often (distinct iterations rarely help pruning)
        if (!forceNew && this.jmpsProcessed - this.prevJmps < 20 && this.processed - this.prevInsnProcessed < 100) addNew = false;
      } else {
        // a state of a loop still being walked has incomplete marks: compare it range for range
        const loop = this.incompleteMarks(sl);
        if (this.statesEqual(sl.state, cur, live, precise, loop ? Match.RANGE_WITHIN : Match.NOT_EXACT)) {
          sl.hits++;
          hit = true;
          if (loop) this.addBackedge(sl);
          break;
        }
      }
      // Evict states that keep failing to match (counting misses only while adding).
      if (addNew) sl.misses++;
      const n = checkpoint && sl.branches > 0 ? 64 : 3;
      if (sl.misses > sl.hits * n + n) {
        this.evict(sl);
        evicted++;
      }
    }
    if (evicted) this.explored[bucket] = list.filter((sl) => !sl.evicted);
    if (hit) return true;
    if (count > this.maxPerInsn) this.maxPerInsn = count;
    if (this.opts.unprivileged && count > STATES_LIMIT_UNPRIV) return false;
    if (!addNew) return false;
    this.prevInsnProcessed = this.processed;
    this.prevJmps = this.jmpsProcessed;
    const snap = cur.clone();
    const node: Explored = {
      state: snap, insn: idx, branches: 1, parent: cur.parent, hits: 0, misses: 0, evicted: false,
      depth: cur.parent ? cur.parent.depth + 1 : 0,
    };
    if (cur.parent) cur.parent.branches--; // the current path now continues below the new node
    cur.parent = node;
    cur.jmpHistory = 0;
    if (node.parent) node.parent.branches++;
    this.explored[bucket].push(node);
    this.totalStates++;
    this.curStates++;
    this.updatePeak();
    this.maybeEnterScc(node);
    return false;
  }

  private updatePeak(): void {
    const n = this.curStates + this.backedges;
    if (n > this.peakStates) this.peakStates = n;
  }

  // SCC visits (the kernel's bpf_scc_visit): the first state stored inside a loop, per call chain,
  // opens a visit; loop hits (may_goto, callbacks, matches inside the loop) are its backedges,
  // kept (and counted in peak_states) until the visit's first state has no paths left.

  /** Call sites down to the outermost frame that is inside a loop, and that loop: the visit's key. */
  private sccChain(st: VState): string | undefined {
    let key = '';
    const top = st.frames.length - 1;
    for (let i = 0; i <= top; i++) {
      const at = i === top ? st.insnIdx : st.frames[i + 1]!.callsite;
      const scc = this.sccOf![at] ?? 0;
      if (scc) return `${key}${scc}`;
      if (i === top) return undefined;
      key += `${at},`;
    }
    return undefined;
  }

  private maybeEnterScc(node: Explored): void {
    if (!this.sccOf) return;
    const key = this.sccChain(node.state);
    if (key === undefined || this.sccVisits.has(key)) return;
    this.sccVisits.set(key, { entry: node, backedges: 0 });
    node.sccKey = key;
    if (this.opts.logLevel >= 2) {
      if (this.pendingState) {
        // the previous instruction's state then goes on a line of its own, under this index
        this.emit(this.pendingBare);
        this.pendingLine = `${node.insn}:${this.pendingState}`;
        this.pendingBare = '';
        this.pendingState = '';
      } else this.flushPending();
      this.emit(`SCC enter (${key})`);
    }
  }

  private maybeExitScc(node: Explored): void {
    if (node.sccKey === undefined) return;
    const visit = this.sccVisits.get(node.sccKey);
    if (!visit || visit.entry !== node) return;
    this.backedges -= visit.backedges;
    this.sccVisits.delete(node.sccKey);
    if (this.opts.logLevel >= 2) this.emit(`SCC exit (${node.sccKey})`);
  }

  private addBackedge(sl: Explored): void {
    const key = this.sccOf ? this.sccChain(sl.state) : undefined;
    const visit = key === undefined ? undefined : this.sccVisits.get(key);
    if (!visit) return;
    visit.backedges++;
    this.backedges++;
    this.updatePeak();
  }

  /** Whether a finished state lies in a loop whose walk has already looped back (incomplete_read_marks). */
  private incompleteMarks(sl: Explored): boolean {
    if (!this.sccOf || this.sccVisits.size === 0) return false;
    const key = this.sccChain(sl.state);
    return key !== undefined && (this.sccVisits.get(key)?.backedges ?? 0) > 0;
  }

  /**
   * Takes a state off its list. A state with paths still running below it stays counted (the
   * kernel's free list) until they finish; see finishBranch.
   */
  private evict(sl: Explored): void {
    sl.evicted = true;
    if (sl.branches === 0) this.curStates--;
  }

  /**
   * The list of stored states to search: the kernel hashes the instruction with the current
   * frame's call site (-1 in the main program) into as many lists as there are instructions.
   */
  private bucketOf(s: VState, idx: number): number {
    return ((idx ^ s.cur.callsite) >>> 0) % this.slots.count;
  }

  /** A path ended (exit or pruned): the states above it have one branch fewer. */
  private finishBranch(s: VState): void {
    let p = s.parent;
    while (p) {
      p.branches--;
      if (p.branches > 0) break;
      this.maybeExitScc(p);
      if (p.evicted) this.curStates--;
      p = p.parent;
    }
  }

  private statesEqual(old: VState, cur: VState, live: number, precise: number, level: Match): boolean {
    const exact = level === Match.EXACT;
    if (old.speculative && !cur.speculative) return false;
    if (old.frames.length !== cur.frames.length) return false;
    if (old.refs.length !== cur.refs.length) return false;
    if (exact) {
      // cheap rejection before the full comparison
      const ro = old.cur.regs;
      const rc = cur.cur.regs;
      for (let r = 0; r < 11; r++) {
        if (!(live & (1 << r)) && r !== 10) continue;
        const a = ro[r];
        const b = rc[r];
        if (a.type !== b.type || a.off !== b.off || !varOffEquals(a, b)) return false;
      }
    }
    if (this.idmap.size) this.idmap.clear();
    const checkIds = this.checkIds;
    for (let i = 0; i < old.refs.length; i++) if (!checkIds(old.refs[i].id, cur.refs[i].id)) return false;
    for (let fi = 0; fi < old.frames.length; fi++) {
      const fo = old.frames[fi];
      const fc = cur.frames[fi];
      if (fo.callsite !== fc.callsite || fo.callbackDepth > fc.callbackDepth) return false;
      const top = fi === old.frames.length - 1;
      for (let r = 0; r < 11; r++) {
        if (top && !(live & (1 << r)) && r !== 10) continue;
        const o = fo.regs[r];
        // An imprecise scalar cannot influence any check: any scalar will do.
        if (level === Match.NOT_EXACT && top && o.type === T.SCALAR && fc.regs[r].type === T.SCALAR && !(precise & (1 << r))) continue;
        if (!this.regSafe(o, fc.regs[r], level, checkIds)) return false;
      }
      if (!this.stackSafe(fo, fc, level, checkIds, top)) return false;
    }
    return true;
  }

  /** Ids in the old state map one-to-one onto ids in the current one (this.idmap, per comparison). */
  private readonly checkIds = (a: number, b: number): boolean => {
    if (!a && !b) return true;
    if (!a || !b) return false;
    const m = this.idmap.get(a);
    if (m === undefined) { this.idmap.set(a, b); return true; }
    return m === b;
  };

  private regsExactlyEqual(o: Reg, c: Reg, checkIds: (a: number, b: number) => boolean): boolean {
    return o.off === c.off && scalarEquals(o, c) && checkIds(o.id, c.id) &&
      checkIds(o.refObjId, c.refObjId) && o.range === c.range && o.map === c.map && o.memSize === c.memSize &&
      o.frameno === c.frameno && o.subprog === c.subprog && o.btfName === c.btfName;
  }

  private regSafe(o: Reg, c: Reg, level: Match, checkIds: (a: number, b: number) => boolean): boolean {
    if (o.type === T.NOT_INIT) return level === Match.NOT_EXACT || c.type === T.NOT_INIT;
    if (o.type !== c.type || o.flags !== c.flags) return false;
    if (level === Match.EXACT) return this.regsExactlyEqual(o, c, checkIds);
    switch (o.type) {
      case T.SCALAR:
        if (this.exploreAluLimits) return this.regsExactlyEqual(o, c, checkIds);
        // links with a constant delta must be of the same width and delta
        if (o.id && addConstFlags(o.id) !== addConstFlags(c.id)) return false;
        if (isAddConst(o.id) && o.off !== c.off) return false;
        return checkIds(o.id, c.id) && rangeWithin(o, c) && varOffWithin(o, c);
      case T.MAP_VALUE: case T.MAP_KEY: case T.MEM:
        return o.off === c.off && o.map === c.map && o.memSize === c.memSize && rangeWithin(o, c) &&
          varOffWithin(o, c) && checkIds(o.id, c.id) && checkIds(o.refObjId, c.refObjId);
      case T.PKT: case T.PKT_META:
        if (o.range > c.range || o.off !== c.off || !checkIds(o.id, c.id)) return false;
        return rangeWithin(o, c) && varOffWithin(o, c);
      default:
        return this.regsExactlyEqual(o, c, checkIds);
    }
  }

  private stackSafe(o: Frame, c: Frame, level: Match, checkIds: (a: number, b: number) => boolean, top: boolean): boolean {
    const loose = level === Match.NOT_EXACT;
    const lo = this.preciseSlotsLo[this.pruneIdx];
    const hi = this.preciseSlotsHi[this.pruneIdx];
    // frames below the top one: their whole stack counts (callee code may reach it)
    const liveLo = top && o.frameno === 0 ? this.liveSlotsLo[this.pruneIdx] : 0xffffffff;
    const liveHi = top && o.frameno === 0 ? this.liveSlotsHi[this.pruneIdx] : 0xffffffff;
    const n = Math.max(o.allocated, c.allocated);
    // read once: module imports can cost a property lookup each time (outside a bundle)
    const INVALID = STACK_INVALID, MISC = STACK_MISC, ZERO = STACK_ZERO, SPILL = STACK_SPILL, SCALAR = T.SCALAR;
    for (let b = 0; b < n; b++) {
      const spi = b >> 3;
      if (loose && !((spi < 32 ? liveLo >>> spi : liveHi >>> (spi - 32)) & 1)) continue;
      const ot = o.stype[b];
      const ct = c.stype[b];
      if (!loose && ot !== ct) return false;
      if (ot === INVALID) continue;
      if (loose && ot === MISC && ct === ZERO) continue;
      if (loose && ot === MISC && (ct === SPILL && c.spill[b >> 3]?.type === SCALAR)) continue;
      if (ot !== ct) return false;
      if ((b & 7) === 7 && ot === STACK_DYNPTR) {
        const od = o.spill[b >> 3];
        const cd = c.spill[b >> 3];
        if (!od || !cd || od.dynptrType !== cd.dynptrType || od.dynptrFirst !== cd.dynptrFirst || !checkIds(od.refObjId, cd.refObjId)) return false;
        continue;
      }
      if ((b & 7) !== 7 || ot !== SPILL) continue;
      const os = o.spill[b >> 3];
      const cs = c.spill[b >> 3];
      if (!os || !cs) return false;
      const k = b >> 3;
      const preciseSlot = k < 32 ? (lo >>> k) & 1 : (hi >>> (k - 32)) & 1;
      if (loose && top && !preciseSlot && os.type === SCALAR && cs.type === SCALAR) continue;
      if (!this.regSafe(os, cs, level, checkIds)) return false;
    }
    return true;
  }

  // ---------------------------------------------------------------- registers

  private readReg(s: VState, r: number): Reg {
    const reg = s.cur.regs[r];
    this.scratchRegs |= 1 << r;
    if (reg.type === T.NOT_INIT) fail([r], `R${r} !read_ok`);
    return reg;
  }

  private checkWrite(r: number): void {
    if (r === 10) fail([], 'frame pointer is read only');
    this.scratchRegs |= 1 << r;
  }

  private setReg(s: VState, r: number, reg: Reg): void {
    s.cur.regs[r] = reg;
    this.scratchRegs |= 1 << r;
  }

  private isPointerValue(reg: Reg): boolean {
    return !this.allowPtrLeaks && reg.isPointer();
  }

  // ---------------------------------------------------------------- instructions

  private validity: (string | undefined | null)[] = [];
  private immRegs: (Reg | undefined)[] = [];

  /** The constant operand of an instruction as a (shared, read-only) scalar register. */
  private immReg(idx: number, imm: number): Reg {
    let r = this.immRegs[idx];
    if (!r) r = this.immRegs[idx] = scalarReg(idx, imm);
    return r;
  }

  private checkInsn(s: VState, insn: Instruction, idx: number, pending: VState[]): 'next' | 'exit' {
    let bad = this.validity[idx];
    if (bad === undefined) bad = this.validity[idx] = cachedKernelValidate(insn);
    const cls = insn.code & 7;
    if (bad !== null && !(cls === 0x00 && insn.code === 0x18)) {
      if (/^unknown/.test(bad)) fail([], `unknown opcode ${insn.code.toString(16).padStart(2, '0')}`);
      // a conditional jump reads its first operand before it looks at the reserved fields
      if (bad === 'BPF_JMP/JMP32 uses reserved fields' && insn.dst <= 10) this.readReg(s, insn.dst);
      fail([], bad!);
    }
    switch (cls) {
      case 0x04: case 0x07:
        this.checkAlu(s, insn, idx);
        s.insnIdx = idx + 1;
        return 'next';
      case 0x01:
        this.checkLoad(s, insn, idx);
        s.insnIdx = idx + 1;
        return 'next';
      case 0x02: case 0x03:
        this.checkStore(s, insn, idx);
        s.insnIdx = idx + 1;
        return 'next';
      case 0x00:
        if (insn.code === 0x18) {
          this.checkLdImm64(s, insn, idx);
          s.insnIdx = idx + 2;
          return 'next';
        }
        this.checkLdAbs(s, insn, idx);
        s.insnIdx = idx + 1;
        return 'next';
      default:
        return this.checkJmp(s, insn, idx, pending);
    }
  }

  private checkLdImm64(s: VState, insn: Instruction, idx: number): void {
    if (insn.off !== 0) fail([], 'BPF_LD_IMM64 uses reserved fields');
    this.checkWrite(insn.dst);
    const src = insn.src;
    if (src === 0) {
      const v = (BigInt((insn.hi ?? 0) >>> 0) << 32n) | BigInt(insn.imm >>> 0);
      this.setReg(s, insn.dst, scalarReg(idx, v));
      return;
    }
    if (src === 4) {
      const target = idx + insn.imm + 1;
      this.setReg(s, insn.dst, pointerReg(T.FUNC, idx, { subprog: target }));
      return;
    }
    if (src === 1 || src === 2) {
      // the load-time pass (prepass.ts) has checked the map reference and the direct value offset
      const map = this.opts.maps[insn.imm]!;
      this.setReg(s, insn.dst, src === 1 ? pointerReg(T.MAP_PTR, idx, { map }) : pointerReg(T.MAP_VALUE, idx, { map, off: insn.hi ?? 0 }));
      return;
    }
    fail([], `unrecognized bpf_ld_imm64 insn`);
  }

  private checkLdAbs(s: VState, insn: Instruction, idx: number): void {
    if (!LD_ABS_TYPES.includes(this.opts.progType)) fail([], 'BPF_LD_[ABS|IND] instructions not allowed for this program type');
    const ctx = this.readReg(s, 6);
    this.checkReferenceLeak(s, 'BPF_LD_[ABS|IND]');
    if (ctx.type !== T.CTX) fail([6], 'at the time of BPF_LD_ABS|IND R6 != pointer to skb');
    if ((insn.code & 0xe0) === 0x40) this.readReg(s, insn.src);
    for (let r = 1; r <= 5; r++) s.cur.regs[r] = notInit();
    this.setReg(s, 0, scalarReg(idx));
  }

  // ALU ------------------------------------------------------------------

  private checkAlu(s: VState, insn: Instruction, idx: number): void {
    const op = insn.code & 0xf0;
    const alu64 = (insn.code & 7) === 0x07;
    const x = (insn.code & 8) !== 0;
    if (op === 0x80 || op === 0xd0) {
      const d = this.readReg(s, insn.dst);
      if (this.isPointerValue(d)) fail([insn.dst], `R${insn.dst} pointer arithmetic prohibited`);
      this.checkWrite(insn.dst);
      if (d.type !== T.SCALAR) {
        this.setReg(s, insn.dst, scalarReg(idx));
        return;
      }
      const r = d.clone();
      r.def = idx;
      if (op === 0x80) {
        const zero = scalarReg(idx, 0);
        scalarAlu(0x10, zero, r, alu64 ? 64 : 32);
        this.setReg(s, insn.dst, Object.assign(zero, { def: idx }));
        return;
      }
      // bswap (alu64) and to-big-endian swap bytes on this little-endian machine; to-little-endian
      // only truncates, and le64 keeps the register as it is (id included)
      const swap = alu64 || x;
      if (swap || insn.imm < 64) { r.id = 0; r.off = 0; }
      byteSwap(r, insn.imm, swap);
      this.setReg(s, insn.dst, r);
      return;
    }
    if (op === 0xb0) {
      if (x) {
        const src = this.readReg(s, insn.src);
        this.checkWrite(insn.dst);
        if (insn.off !== 0) {
          if (src.type !== T.SCALAR) {
            if (this.isPointerValue(src)) fail([insn.src], `R${insn.src} sign-extension part of pointer`);
            this.setReg(s, insn.dst, scalarReg(idx));
            return;
          }
          // the copy stays linked when the sign bit of the narrow type cannot be set
          const noSext = src.umaxHi === 0 && src.umaxLo >>> 0 < 2 ** (insn.off - 1);
          if (noSext) this.assignIdBeforeMov(src);
          const r = src.clone();
          if (!noSext) r.id = 0;
          r.def = idx;
          signExtend(r, insn.off / 8, !alu64);
          this.setReg(s, insn.dst, r);
          return;
        }
        if (alu64) {
          this.assignIdBeforeMov(src);
          const r = src.clone();
          r.def = idx;
          this.setReg(s, insn.dst, r);
        } else {
          if (src.type !== T.SCALAR) {
            if (this.isPointerValue(src)) fail([insn.src], `R${insn.src} partial copy of pointer`);
            const r = scalarReg(idx);
            zext32(r);
            this.setReg(s, insn.dst, r);
            return;
          }
          // linked only when the value fits in 32 bits (the copy is then the same value)
          const fits = src.umaxHi === 0;
          if (fits) this.assignIdBeforeMov(src);
          const r = src.clone();
          r.def = idx;
          if (!fits) r.id = 0;
          zext32(r);
          this.setReg(s, insn.dst, r);
        }
        return;
      }
      this.checkWrite(insn.dst);
      const v = alu64 ? insn.imm : insn.imm >>> 0;
      this.setReg(s, insn.dst, scalarReg(idx, v));
      return;
    }
    // binary ops
    let src: Reg;
    if (x) src = this.readReg(s, insn.src);
    else src = this.immReg(idx, insn.imm);
    const dst = this.readReg(s, insn.dst);
    if ((op === 0x30 || op === 0x90) && !x && insn.imm === 0) fail([], 'div by zero');
    if ((op === 0x60 || op === 0x70 || op === 0xc0) && !x) {
      const size = alu64 ? 64 : 32;
      if (insn.imm < 0 || insn.imm >= size) fail([], `invalid shift ${insn.imm}`);
    }
    this.checkWrite(insn.dst);
    const dstReg = dst.clone();
    dstReg.def = idx;
    if (dst.type !== T.SCALAR || src.type !== T.SCALAR) {
      if (dst.type !== T.SCALAR && src.type !== T.SCALAR) {
        if (op === 0x10 && this.allowPtrLeaks) {
          this.setReg(s, insn.dst, scalarReg(idx));
          return;
        }
        fail([insn.dst, insn.src], `R${insn.dst} pointer ${aluOpString(op)} pointer prohibited`);
      }
      // the scalar operand of pointer arithmetic is marked precise
      if (x) this.notePrecisionMark(idx);
      if (dst.type === T.SCALAR) {
        // scalar += pointer
        this.setReg(s, insn.dst, this.ptrArith(s, insn, src, dst, idx, true));
      } else {
        this.setReg(s, insn.dst, this.ptrArith(s, insn, dst, src, idx, false));
      }
      return;
    }
    const dstFits32 = dstReg.umaxHi === 0;
    if (boundsInvalid(src)) {
      markUnknown(dstReg);
    } else {
      // sanitize_val_alu: a scalar add/sub by register must not share its insn with pointer masking
      if ((op === 0x00 || op === 0x10) && x && !this.bypassSpec && !this.nospec[idx]) this.updateAluState(insn, idx, ALU_NON_POINTER, 0);
      scalarAlu(op, dstReg, src, alu64 ? 64 : 32);
    }
    this.linkConstDelta(dstReg, dst.id, src, insn, dstFits32);
    this.setReg(s, insn.dst, dstReg);
  }

  /**
   * `rX += k` / `rX -= k` on a linked scalar keeps the link with the delta k (BPF_ADD_CONST: the
   * kernel prints `id=N+k`); 32-bit forms only when the value fitted in 32 bits. Any other op unlinks.
   */
  private linkConstDelta(r: Reg, id: number, src: Reg, insn: Instruction, dstFits32: boolean): void {
    const op = insn.code & 0xf0;
    const alu32 = (insn.code & 7) === 0x04;
    const x = (insn.code & 8) !== 0;
    r.id = 0;
    r.off = 0;
    if (!this.bpfCapable || (op !== 0x00 && op !== 0x10) || !id || (x && insn.src === insn.dst)) return;
    if (alu32 ? src.mLo !== 0 : !isConst(src)) return;
    let off: number;
    if (alu32) {
      if (!dstFits32) return;
      off = src.vLo;
    } else {
      // within s32
      if (src.vHi !== src.vLo >> 31) return;
      off = src.vLo;
    }
    if (op === 0x10) {
      if (off === -0x8000_0000) return;
      off = -off;
    }
    if (isAddConst(id)) return;
    r.id = id + (alu32 ? ADD_CONST32 : ADD_CONST64);
    r.off = off;
  }

  private ptrArith(s: VState, insn: Instruction, ptr: Reg, off: Reg, idx: number, swapped: boolean): Reg {
    const op = insn.code & 0xf0;
    const dst = insn.dst;
    const alu64 = (insn.code & 7) === 0x07;
    if (!alu64) {
      if (op === 0x10 && this.allowPtrLeaks) return scalarReg(idx);
      fail([dst], `R${dst} 32-bit pointer arithmetic prohibited`);
    }
    if (ptr.flags & MAYBE_NULL) {
      fail([dst], `R${dst} pointer arithmetic on ${regTypeName(ptr)} prohibited, null-check it first`);
    }
    const known = isConst(off);
    switch (ptr.type) {
      case T.CTX: case T.MAP_VALUE: case T.MAP_KEY: case T.STACK: case T.PKT_META: case T.PKT: case T.BTF_ID:
      case T.MEM: case T.FUNC: case T.DYNPTR:
        break;
      case T.FLOW_KEYS:
        if (known) break;
        fail([dst], `R${dst} pointer arithmetic on ${regTypeName(ptr)} prohibited`);
        break;
      case T.MAP_PTR:
        if (known && off.smin === 0n && op === 0x00) break;
        fail([dst], `R${dst} pointer arithmetic on ${regTypeName(ptr)} prohibited`);
        break;
      default:
        fail([dst], `R${dst} pointer arithmetic on ${regTypeName(ptr)} prohibited`);
    }
    if ((known && !bounds64Exact(off)) || bounds64Invalid(off)) {
      return scalarReg(idx);
    }
    this.checkSaneOffset(off, ptr, known);
    this.checkSaneOffset(ptr, ptr, isConst(ptr));
    if (op === 0x00 || op === 0x10) {
      const masking = this.sanitizePtrAlu(s, insn, ptr, off, idx, swapped);
      if (op === 0x10 && swapped) fail([dst], `R${dst} tried to subtract pointer from scalar`);
      if (op === 0x10 && ptr.type === T.STACK) fail([dst], `R${dst} subtraction from stack pointer prohibited`);
      const r = ptr.clone();
      r.def = idx;
      if (known) {
        // as numbers: exact below 2^53, and rounding beyond that cannot cross the 2^29 limits
        const smin = sminNumber(off);
        const delta = op === 0x00 ? smin : -smin;
        const newOff = ptr.off + delta;
        if (newOff < -MAX_VAR_OFF || newOff >= MAX_VAR_OFF || delta < -MAX_VAR_OFF || delta >= MAX_VAR_OFF) {
          fail([dst], `value ${off.smin} makes ${regTypeName(ptr)} pointer be out of bounds`);
        }
        r.off = newOff;
        if (isPktType(ptr.type) && op === 0x10) r.range = 0;
      } else {
        const tmp = ptr.clone();
        if (op === 0x00) scalarAlu(0x00, tmp, off, 64);
        else scalarAlu(0x10, tmp, off, 64);
        copyScalar(r, tmp);
        if (isPktType(ptr.type)) {
          r.id = this.newId();
          r.range = 0;
        }
      }
      if (!this.bypassSpec) this.sanitizeCheckBounds(dst, r);
      if (masking) this.sanitizeCommit(insn, r, masking, idx);
      return r;
    }
    if (op === 0x40 || op === 0x50 || op === 0xa0) {
      fail([dst], `R${dst} bitwise operator ${aluOpString(op)} on pointer prohibited`);
    }
    return fail([dst], `R${dst} pointer arithmetic with ${aluOpString(op)} operator prohibited`);
  }

  // Spectre v1 pointer masking (unprivileged) ------------------------------------------------

  /**
   * retrieve_ptr_limit: how far the pointer may move before the masking the kernel patches in
   * would cut it, or the reason it cannot be masked (only stack and map value pointers can).
   */
  private ptrLimit(ptr: Reg, maskToLeft: boolean): number | { reason: Sanitize } {
    let max: number;
    let limit: bigint;
    if (ptr.type === T.STACK) {
      max = MAX_STACK + (maskToLeft ? 1 : 0);
      limit = -(ptr.varOff.value + BigInt(ptr.off));
    } else if (ptr.type === T.MAP_VALUE && ptr.map) {
      max = ptr.map.valueSize;
      limit = (maskToLeft ? ptr.smin : ptr.umax) + BigInt(ptr.off);
    } else {
      return { reason: Sanitize.TYPE };
    }
    const u32 = Number(BigInt.asUintN(32, limit));
    return u32 >= max ? { reason: Sanitize.LIMIT } : u32;
  }

  private sanitizeFail(reason: Sanitize, insn: Instruction, offIsDst: boolean): never {
    const tail = 'pointer arithmetic with it prohibited for !root';
    const op = (insn.code & 0xf0) === 0x00 ? 'add' : 'sub';
    const dst = insn.dst;
    const src = insn.src;
    switch (reason) {
      case Sanitize.BOUNDS: return fail([offIsDst ? dst : src], `R${offIsDst ? dst : src} has unknown scalar with mixed signed bounds, ${tail}`);
      case Sanitize.TYPE: return fail([offIsDst ? src : dst], `R${offIsDst ? src : dst} has pointer with unsupported alu operation, ${tail}`);
      case Sanitize.PATHS: return fail([dst], `R${dst} tried to ${op} from different maps, paths or scalars, ${tail}`);
      default: return fail([dst], `R${dst} tried to ${op} beyond pointer bounds, ${tail}`);
    }
  }

  /** update_alu_sanitation_state: one instruction can be patched with one masking only. */
  private updateAluState(insn: Instruction, idx: number, state: number, limit: number): void {
    if (this.aluState[idx] && (this.aluState[idx] !== state || this.aluLimit[idx] !== limit)) {
      this.sanitizeFail(Sanitize.PATHS, insn, false);
    }
    this.aluState[idx] = state;
    this.aluLimit[idx] = limit;
  }

  /**
   * sanitize_ptr_alu before the operation (unprivileged ptr +/- register): the offset must have
   * one sign and the pointer a masking limit; a non-constant offset also sends a speculative path
   * on with the pointer unmoved (as if masked to zero). Returns what the commit step needs.
   */
  private sanitizePtrAlu(s: VState, insn: Instruction, ptr: Reg, off: Reg, idx: number, swapped: boolean):
    { limit: number; state: number; maskToLeft: boolean } | undefined {
    if (this.bypassSpec || !(insn.code & 8) || this.nospec[idx]) return undefined;
    const add = (insn.code & 0xf0) === 0x00;
    const offIsImm = tnumIsConst(off.varOff);
    const offIsNeg = off.smin < 0n;
    let masking: { limit: number; state: number; maskToLeft: boolean } | undefined;
    if (!s.speculative) {
      if (!offIsImm && (off.smin < 0n) !== (off.smax < 0n)) this.sanitizeFail(Sanitize.BOUNDS, insn, swapped);
      const maskToLeft = (add && offIsNeg) || (!add && !offIsNeg);
      const limit = this.ptrLimit(ptr, maskToLeft);
      if (typeof limit !== 'number') this.sanitizeFail(limit.reason, insn, swapped);
      const state = (offIsNeg ? ALU_NEG_VALUE : 0) | (offIsImm ? ALU_IMMEDIATE : 0) | (swapped ? ALU_SANITIZE_DST : ALU_SANITIZE_SRC);
      masking = { limit: limit as number, state, maskToLeft };
      if (!offIsImm) this.exploreAluLimits = true;
    }
    if (!offIsImm) {
      const other = s.clone();
      other.speculative = true;
      other.insnIdx = idx + 1;
      const moved = ptr.clone();
      moved.def = idx;
      other.cur.regs[insn.dst] = moved;
      this.pushBranch(this.pendingPaths, other);
    }
    return masking;
  }

  /** sanitize_ptr_alu's commit step: the masking limit is narrowed to how far the pointer moved. */
  private sanitizeCommit(insn: Instruction, moved: Reg, masking: { limit: number; state: number; maskToLeft: boolean }, idx: number): void {
    const limit = this.ptrLimit(moved, masking.maskToLeft);
    if (typeof limit !== 'number') this.sanitizeFail(limit.reason, insn, false);
    this.updateAluState(insn, idx, masking.state, Math.abs((masking.limit as number) - (limit as number)));
  }

  /** sanitize_check_bounds: an unprivileged pointer must stay inside its object after arithmetic. */
  private sanitizeCheckBounds(regno: number, r: Reg): void {
    if (r.type === T.STACK) {
      const off = r.off + Number(r.varOff.value);
      if (!tnumIsConst(r.varOff)) {
        fail([regno], `R${regno} variable stack access prohibited for !root, var_off=${tnumStr(r.varOff)} off=${off}`);
      }
      if (off >= 0 || off < -MAX_STACK) {
        fail([regno], `R${regno} stack pointer arithmetic goes out of range, prohibited for !root; off=${off}`);
      }
    } else if (r.type === T.MAP_VALUE && r.map) {
      try {
        this.checkMemRegion(regno, r, r.off, 1, r.map.valueSize, 'map value');
      } catch (e) {
        if (!(e instanceof VerifierFailure)) throw e;
        fail([regno], ...e.lines, `R${regno} pointer arithmetic of map value goes out of range, prohibited for !root`);
      }
    }
  }

  private checkSaneOffset(reg: Reg, ptr: Reg, known: boolean): void {
    // smin as a number: exact below 2^53, and rounding beyond that cannot cross the 2^29 limits
    const val = sminNumber(reg);
    const outOfRange = val >= MAX_VAR_OFF || val <= -MAX_VAR_OFF;
    if (known && outOfRange) fail([], `math between ${regTypeName(ptr)} pointer and ${reg.smin} is not allowed`);
    if (reg.off >= MAX_VAR_OFF || reg.off <= -MAX_VAR_OFF) fail([], `${regTypeName(ptr)} pointer offset ${reg.off} is not allowed`);
    if (sminUnbounded(reg)) fail([], `math between ${regTypeName(ptr)} pointer and register with unbounded min value is not allowed`);
    if (outOfRange) fail([], `value ${reg.smin} makes ${regTypeName(ptr)} pointer be out of bounds`);
  }

  // Memory ------------------------------------------------------------------

  private checkLoad(s: VState, insn: Instruction, idx: number): void {
    const src = this.readReg(s, insn.src);
    this.checkWrite(insn.dst);
    const size = sizeOf(insn.code);
    const sx = (insn.code & 0xe0) === 0x80;
    const val = this.checkMemAccess(s, insn.src, src, insn.off, size, false, undefined, idx);
    const out = val ?? scalarReg(idx);
    out.def = idx;
    if (out.type === T.SCALAR) {
      if (sx) signExtend(out, size, false);
      else if (size < 8) coerceToSize(out, size);
    }
    this.setReg(s, insn.dst, out);
  }

  private checkStore(s: VState, insn: Instruction, idx: number): void {
    const cls = insn.code & 7;
    const size = sizeOf(insn.code);
    if (cls === 0x03 && (insn.code & 0xe0) === 0xc0) {
      this.checkAtomic(s, insn, idx);
      return;
    }
    let value: Reg;
    let valueReg: number | undefined;
    if (cls === 0x03) {
      value = this.readReg(s, insn.src);
      valueReg = insn.src;
    } else {
      value = scalarReg(idx, insn.imm);
    }
    const dst = this.readReg(s, insn.dst);
    this.checkMemAccess(s, insn.dst, dst, insn.off, size, true, { reg: value, regno: valueReg, isImm: cls === 0x02 }, idx);
  }

  private checkAtomic(s: VState, insn: Instruction, idx: number): void {
    const size = sizeOf(insn.code);
    const src = this.readReg(s, insn.src);
    const dst = this.readReg(s, insn.dst);
    if (insn.imm === 0xf1 && this.isPointerValue(this.readReg(s, 0))) fail([0], 'R0 leaks addr into mem');
    if (this.isPointerValue(src)) fail([insn.src], `R${insn.src} leaks addr into mem`);
    if (dst.type === T.CTX || isPktType(dst.type) || dst.type === T.FLOW_KEYS || isSockType(dst.type)) {
      fail([insn.dst], `BPF_ATOMIC stores into R${insn.dst} ${regTypeName(dst)} is not allowed`);
    }
    const loadReg = insn.imm === 0xf1 ? 0 : insn.imm & 1 ? insn.src : -1;
    if (loadReg === insn.dst) {
      // the fetched value lands in the address register: whatever it pointed to, the kernel then
      // checks the access through an unknown scalar, which strict atomic alignment refuses
      this.checkStrictAlignment(insn.dst, scalarReg(idx), insn.off, size);
      fail([insn.dst], `R${insn.dst} invalid mem access 'scalar'`);
    }
    if (dst.type !== T.STACK) this.checkStrictAlignment(insn.dst, dst, insn.off, size);
    // the old value is read into R0 (cmpxchg) or the source register (fetch) as a load would be
    const loaded = this.checkMemAccess(s, insn.dst, dst, insn.off, size, false, undefined, idx);
    this.checkMemAccess(s, insn.dst, dst, insn.off, size, true, { reg: scalarReg(idx), regno: undefined, isImm: false }, idx);
    if (loadReg >= 0) {
      this.checkWrite(loadReg);
      const r = loaded ?? scalarReg(idx);
      r.def = idx;
      if (r.type === T.SCALAR && size < 8) coerceToSize(r, size);
      this.setReg(s, loadReg, r);
    }
  }

  /** check_generic_ptr_alignment with strict alignment (atomics): the whole offset a multiple of the size. */
  private checkStrictAlignment(regno: number, reg: Reg, off: number, size: number): void {
    if (size <= 1) return;
    const at = tnumAdd(reg.varOff, tnumConst(BigInt(reg.off + off)));
    if (((at.value | at.mask) & BigInt(size - 1)) === 0n) return;
    // the kernel names the exact pointer type only (a maybe-NULL pointer gets no name)
    const desc = reg.flags !== 0 ? '' : ALIGN_DESC[reg.type] ?? '';
    const v = tnumIsConst(reg.varOff) ? String(BigInt.asIntN(64, reg.varOff.value)) : tnumStr(reg.varOff);
    fail([regno], `misaligned ${desc}access off ${v}+${reg.off}+${off} size ${size}`);
  }

  /** check_mem_access: returns the loaded value for reads. */
  private checkMemAccess(
    s: VState, regno: number, reg: Reg, insnOff: number, size: number, write: boolean,
    value: { reg: Reg; regno: number | undefined; isImm: boolean } | undefined, idx: number,
  ): Reg | undefined {
    const off = insnOff + reg.off;
    switch (reg.type) {
      case T.MAP_VALUE: case T.MAP_KEY: {
        if (reg.flags & MAYBE_NULL) fail([regno], `R${regno} invalid mem access '${regTypeName(reg)}'`);
        if (write && value?.regno !== undefined && this.isPointerValue(value.reg)) {
          fail([value.regno], `R${value.regno} leaks addr into map`);
        }
        const memSize = reg.type === T.MAP_KEY ? reg.map!.keySize : reg.map!.valueSize;
        if (write && reg.map && (reg.map.flags & 0x80) !== 0) fail([regno], 'write into map forbidden, value_size=' + memSize + ' off=' + off + ' size=' + size);
        this.checkMemRegion(regno, reg, off, size, memSize, reg.type === T.MAP_KEY ? 'map key' : 'map value');
        return write ? undefined : scalarReg(idx);
      }
      case T.MEM: {
        if (reg.flags & MAYBE_NULL) fail([regno], `R${regno} invalid mem access '${regTypeName(reg)}'`);
        if (write && (reg.flags & RDONLY)) fail([regno], `R${regno} cannot write into ${regTypeName(reg)}`);
        if (write && value?.regno !== undefined && this.isPointerValue(value.reg)) {
          fail([value.regno], `R${value.regno} leaks addr into mem`);
        }
        this.checkMemRegion(regno, reg, off, size, reg.memSize, 'memory');
        return write ? undefined : scalarReg(idx);
      }
      case T.CTX: {
        if (reg.off < 0) fail([regno], `negative offset ctx ptr R${regno} off=${reg.off} disallowed`);
        if (reg.off !== 0) fail([regno], `dereference of modified ctx ptr R${regno} off=${reg.off} disallowed`);
        if (!isKnownZero(reg)) {
          fail([regno], `variable ctx access var_off=${tnumStr(reg.varOff)} disallowed`);
        }
        if (write && value?.regno !== undefined && this.isPointerValue(value.reg)) {
          fail([value.regno], `R${value.regno} leaks addr into ctx`);
        }
        const res = ctxAccess(this.opts.progType, off, size, write, this.bpfCapable);
        if (!res.ok) fail([regno], `invalid bpf_context access off=${off} size=${size}`);
        if (write) return undefined;
        switch (res.field) {
          case 'pkt': return pointerReg(T.PKT, idx, { id: 0 });
          case 'pkt_end': return pointerReg(T.PKT_END, idx);
          case 'pkt_meta': return pointerReg(T.PKT_META, idx);
          case 'flow_keys': return pointerReg(T.FLOW_KEYS, idx);
          case 'sock_common_or_null': return pointerReg(T.SOCK_COMMON, idx, { flags: MAYBE_NULL, id: this.newId() });
          default: return scalarReg(idx);
        }
      }
      case T.STACK: {
        return this.checkStackAccess(s, regno, reg, off, size, write, value, idx);
      }
      case T.PKT: case T.PKT_META: {
        if (write && !directPacketAccess(this.opts.progType, true)) fail([regno], 'cannot write into packet');
        if (!write && !directPacketAccess(this.opts.progType, false)) fail([regno], `R${regno} invalid mem access '${regTypeName(reg)}'`);
        if (write && value?.regno !== undefined && this.isPointerValue(value.reg)) {
          fail([value.regno], `R${value.regno} leaks addr into packet`);
        }
        this.checkPacketAccess(regno, reg, off, size);
        return write ? undefined : scalarReg(idx);
      }
      case T.FLOW_KEYS: {
        if (off < 0 || off + size > 56) fail([regno], `invalid access to flow keys off=${off} size=${size}`);
        return write ? undefined : scalarReg(idx);
      }
      case T.SCALAR:
        return fail([regno], `R${regno} invalid mem access 'scalar'`);
      case T.SOCKET: case T.SOCK_COMMON: case T.TCP_SOCK: case T.XDP_SOCK:
        if (reg.flags & MAYBE_NULL) fail([regno], `R${regno} invalid mem access '${regTypeName(reg)}'`);
        if (write) fail([regno], `R${regno} cannot write into ${regTypeName(reg)}`);
        if (reg.smin < 0n) {
          fail([regno], `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
        }
        if (!sockAccessOk(reg.type, off, size)) fail([regno], `R${regno} invalid ${regTypeName(reg)} access off=${off} size=${size}`);
        if (!sockLoadConvertible(reg.type, off)) this.unconvertibleLoad ??= idx;
        return scalarReg(idx);
      case T.BTF_ID:
        if (reg.flags & MAYBE_NULL) fail([regno], `R${regno} invalid mem access '${regTypeName(reg)}'`);
        return this.checkBtfAccess(regno, reg, off, size, write, idx);
      case T.MAP_PTR:
        return this.checkMapPtrAccess(regno, reg, off, size, write, idx);
      default:
        return fail([regno], `R${regno} invalid mem access '${regTypeName(reg)}'`);
    }
  }

  /** check_ptr_to_btf_access: reads of kernel structs, walked over their BTF layout. */
  private checkBtfAccess(regno: number, reg: Reg, off: number, size: number, write: boolean, idx: number): Reg | undefined {
    const tname = reg.btfName;
    if (!this.allowPtrLeaks) fail([regno], `'struct ${tname}' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN`);
    if (off < 0) fail([regno], `R${regno} is ptr_${tname} invalid negative access: off=${off}`);
    if (!isKnownZero(reg)) {
      fail([regno], `R${regno} is ptr_${tname} invalid variable offset: off=${off}, var_off=${tnumStr(reg.varOff)}`);
    }
    if (write) fail([regno], 'only read is supported');
    const btf = this.btf();
    if (!btf || !reg.btfId) {
      this.unchecked.set(idx, `the read of struct ${tname} at off=${off} size=${size} is not checked: ${this.btfMissing(tname)}`);
      return scalarReg(idx);
    }
    const r = btfStructAccess(btf, reg.btfId, off, size);
    if ('error' in r) return fail([regno], r.error);
    if (r.kind === 'scalar') return scalarReg(idx);
    if (r.kind === 'untrusted_mem') return pointerReg(T.MEM, idx, { flags: RDONLY | UNTRUSTED, memSize: 0 });
    let flags = r.untrusted ? UNTRUSTED : 0;
    if (reg.flags & UNTRUSTED) flags = UNTRUSTED;
    else if (reg.flags & (TRUSTED | RCU)) {
      const safe = (suffix: string): boolean => btfFieldIsSafe(btf, reg.btfId, r.field, r.id, suffix);
      if (safe('__safe_trusted')) flags |= TRUSTED;
      else if (safe('__safe_trusted_or_null')) flags |= TRUSTED | MAYBE_NULL;
      else if (!(reg.flags & MAYBE_NULL)) {
        // programs that cannot sleep run inside an RCU read-side section
        if (safe('__safe_rcu')) flags |= RCU;
        else if (safe('__safe_rcu_or_null')) flags = (flags & ~UNTRUSTED) | RCU | MAYBE_NULL;
      }
    }
    const out = pointerReg(T.BTF_ID, idx, { flags, btfId: r.id, btfName: btfTypeName(btf, r.id) });
    if (flags & MAYBE_NULL) out.id = this.newId();
    return out;
  }

  /** check_ptr_to_map_access: reads of the kernel's map struct (struct bpf_array, bpf_htab...). */
  private checkMapPtrAccess(regno: number, reg: Reg, off: number, size: number, write: boolean, idx: number): Reg | undefined {
    const btf = this.btf();
    const tname = reg.map ? MAP_BTF_STRUCT[reg.map.type] : undefined;
    if (!btf || !tname) {
      const why = !tname ? 'an unknown map type' : this.btfMissing(tname);
      this.unchecked.set(idx, `the ${write ? 'write to' : 'read of'} the map struct at off=${off} size=${size} is not checked: ${why}`);
      return write ? undefined : scalarReg(idx);
    }
    if (!this.allowPtrLeaks) fail([regno], `'struct ${tname}' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN`);
    if (off < 0) fail([regno], `R${regno} is ${tname} invalid negative access: off=${off}`);
    if (write) fail([regno], `only read from ${tname} is supported`);
    const mapReg = pointerReg(T.BTF_ID, idx, { btfName: tname, btfId: btf.structByName(tname) ?? 0 });
    return this.checkBtfAccess(regno, mapReg, off, size, false, idx);
  }

  /**
   * Kernel function calls (BPF_PSEUDO_KFUNC_CALL): what add_kfunc_call checks when the program is
   * loaded, before anything else, with the kernel BTF. Null when every call passes.
   */
  private kfuncLoadError(): RawError | undefined {
    for (let i = 0; i < this.slots.count; i++) {
      const insn = this.slots.at[i];
      if (!insn || insn.code !== 0x85 || insn.src !== 2) continue;
      let msg: string | undefined;
      if (!this.bpfCapable) msg = 'calling kernel function is not supported without CAP_BPF';
      else if (insn.off < 0) msg = 'negative offset disallowed for kernel module function call';
      else if (insn.off > 0) msg = 'kfunc offset > 0 without fd_array is invalid';
      else if (insn.imm !== 0) {
        const btf = this.btf();
        const func = btf?.type(insn.imm);
        if (btf && func?.kind !== BtfKind.FUNC) msg = `kernel btf_id ${insn.imm >>> 0} is not a function`;
        else if (btf && btf.type(func!.type)?.kind !== BtfKind.FUNC_PROTO) msg = `kernel function btf_id ${insn.imm} does not have a valid func_proto`;
      }
      if (msg) {
        this.emit(msg);
        return { lines: [msg], insn: i, path: [], regs: [] };
      }
    }
    return undefined;
  }

  /** check_kfunc_call: only functions the kernel marks as kfuncs may be called; we model none of them. */
  private checkKfuncCall(insn: Instruction): never {
    const func = this.btf()?.type(insn.imm);
    if (func && !this.btf()!.declTags(insn.imm).includes('bpf_kfunc')) fail([], `calling kernel function ${func.name} is not allowed`);
    return fail([], `calling kernel functions is not supported in this verifier${func ? ` (${func.name})` : ''}`);
  }

  private btfCache: Btf | null | undefined;

  /** The kernel's BTF, or undefined when this machine has none (then struct layouts are unknown). */
  private btf(): Btf | undefined {
    if (this.btfCache === undefined) {
      const k = kernelBtf();
      this.btfCache = 'btf' in k ? k.btf : null;
    }
    return this.btfCache ?? undefined;
  }

  private btfMissing(tname: string): string {
    const k = kernelBtf();
    return 'error' in k ? `no kernel BTF (${k.error})` : `struct ${tname} is not in the kernel BTF`;
  }

  private checkMemRegion(regno: number, reg: Reg, off: number, size: number, memSize: number, what: string): void {
    if (reg.sminHi === 0 && reg.umaxHi === 0 && reg.umaxLo >>> 0 < MAX_VAR_OFF) {
      // 0 <= smin < 2^32 and umax < 2^29: the same checks on exact numbers
      const lo = (reg.sminLo >>> 0) + off;
      if (lo < 0 || lo + size > memSize) fail([regno], memRegionText(what, memSize, lo, size), `R${regno} min value is outside of the allowed memory range`);
      const hi = (reg.umaxLo >>> 0) + off;
      if (hi < 0 || hi + size > memSize) fail([regno], memRegionText(what, memSize, hi, size), `R${regno} max value is outside of the allowed memory range`);
      return;
    }
    const describe = (o: bigint): string | undefined =>
      o < 0n || o + BigInt(size) > BigInt(memSize) ? memRegionText(what, memSize, o, size) : undefined;
    const offB = BigInt(off);
    if (reg.smin < 0n && (reg.smin === S64_MIN || BigInt.asIntN(32, offB + reg.smin) !== offB + reg.smin || reg.smin + offB < 0n)) {
      fail([regno], `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
    }
    let e = describe(reg.smin + offB);
    if (e) fail([regno], e, `R${regno} min value is outside of the allowed memory range`);
    if (reg.umax >= BPF_MAX_VAR_OFF) {
      fail([regno], `R${regno} unbounded memory access, make sure to bounds check any such access`);
    }
    e = describe(reg.umax + offB);
    if (e) fail([regno], e, `R${regno} max value is outside of the allowed memory range`);
  }

  private checkPacketAccess(regno: number, reg: Reg, off: number, size: number): void {
    if (reg.sminHi < 0) {
      fail([regno], `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
    }
    // umax + off + size as a number where that is exact
    const beyond = reg.umaxHi === 0 ? (reg.umaxLo >>> 0) + off + size > reg.range : BigInt(off) + reg.umax + BigInt(size) > BigInt(reg.range);
    if (off < 0 || beyond) {
      fail([regno], `invalid access to packet, off=${off} size=${size}, R${regno}(id=${reg.id},off=${off},r=${reg.range})`,
        `R${regno} offset is outside of the packet`);
    }
  }

  private stackFrame(s: VState, reg: Reg): Frame {
    return s.frames[reg.frameno] ?? s.cur;
  }

  private checkStackAccess(
    s: VState, regno: number, reg: Reg, off: number, size: number, write: boolean,
    value: { reg: Reg; regno: number | undefined; isImm: boolean } | undefined, idx: number,
  ): Reg | undefined {
    const frame = this.stackFrame(s, reg);
    const varConst = isConst(reg);
    // alignment: the stack is always strictly aligned
    if (varConst) {
      const total = signedConst(reg) + off;
      if (total % size !== 0) {
        fail([regno], `misaligned stack access off ${signedConst(reg)}+${reg.off}+${off - reg.off} size ${size}`);
      }
    }
    const extra = write ? ' write to' : ' read from';
    let minOff: number;
    let maxOff: number;
    if (varConst) {
      minOff = signedConst(reg) + off;
      maxOff = minOff + size;
    } else {
      if (smaxNumber(reg) >= MAX_VAR_OFF || sminNumber(reg) <= -MAX_VAR_OFF) {
        fail([regno], `invalid unbounded variable-offset${extra} stack R${regno}`);
      }
      minOff = sminNumber(reg) + off;
      maxOff = smaxNumber(reg) + off + size;
    }
    if (minOff < -MAX_STACK || maxOff > 0) {
      if (varConst) fail([regno], `invalid${extra} stack R${regno} off=${off + signedConst(reg)} size=${size}`);
      fail([regno], `invalid variable-offset${extra} stack R${regno} var_off=${tnumStr(reg.varOff)} off=${off} size=${size}`);
    }
    frame.allocated = Math.max(frame.allocated, roundUp8(-minOff));
    this.noteDepth(frame);
    if (write) {
      if (!varConst) {
        for (let o = minOff; o < maxOff; o++) {
          const b = -o - 1;
          const spi = b >> 3;
          this.scrubSpill(frame, spi);
          if (frame.stype[b] !== STACK_ZERO || !(value && isKnownZero(value.reg))) frame.w()[b] = STACK_MISC;
          this.scratchSlots.add(spi);
        }
        return undefined;
      }
      this.destroyDynptrSlot(s, frame, (-minOff - 1) >> 3, idx);
      this.stackWriteFixed(frame, minOff, size, value!, idx);
      // a spill is recorded in the jump history (for precision); plain data is not
      const v = value!.reg;
      if (minOff % 8 === 0 && (v.isPointer() || (this.bpfCapable && v.type === T.SCALAR))) this.addHistoryEntry(s);
      return undefined;
    }
    if (!varConst) {
      for (let o = minOff; o < maxOff; o++) {
        const t = frame.stype[-o - 1];
        if (t === STACK_INVALID && !this.allowPtrLeaks) {
          fail([regno], `invalid read from stack R${regno} var_off=${tnumStr(reg.varOff)}+${o - minOff} size ${size}`);
        }
      }
      return scalarReg(idx);
    }
    this.filledSpill = false;
    const r = this.stackReadFixed(frame, minOff, size, idx);
    if (this.filledSpill) this.addHistoryEntry(s);
    return r;
  }

  /** Whether the current instruction already has its jump-history entry. */
  private historyEntry = false;

  private addHistoryEntry(s: VState): void {
    if (this.historyEntry) return;
    this.historyEntry = true;
    s.jmpHistory++;
  }

  /** Set by stackReadFixed when it restored a spilled register (a jump-history entry). */
  private filledSpill = false;

  private scrubSpill(frame: Frame, spi: number): void {
    if (frame.stype[spi * 8 + 7] === STACK_SPILL || frame.spill[spi]) {
      for (let j = 0; j < 8; j++) if (frame.stype[spi * 8 + j] === STACK_SPILL) frame.w()[spi * 8 + j] = STACK_MISC;
      frame.spill[spi] = undefined;
    }
  }

  private stackWriteFixed(frame: Frame, off: number, size: number, value: { reg: Reg; regno: number | undefined; isImm: boolean }, idx: number): void {
    const b0 = -off - 1; // highest byte index of the access (slot of fp+off)
    const spi = b0 >> 3;
    this.scratchSlots.add(spi);
    const v = value.reg;
    const spilledPtr = frame.spill[spi];
    if (!this.allowPtrLeaks && size !== 8 && spilledPtr && spilledPtr.isPointer() && frame.stype[spi * 8 + 7] === STACK_SPILL) {
      fail([], 'attempt to corrupt spilled pointer on stack');
    }
    if (!this.bypassSpec) {
      // Spectre v4: a store over anything but plain data, or a pointer spill, gets a barrier after it
      let sanitize = value.regno !== undefined && v.isPointer();
      for (let i = 0; i < size && !sanitize; i++) {
        const t = frame.stype[spi * 8 + i];
        if (t !== STACK_MISC && t !== STACK_ZERO) sanitize = true;
      }
      if (sanitize) this.nospecResult[idx] = 1;
    }
    if (value.regno !== undefined && v.isPointer() && size !== 8) {
      fail([value.regno], `invalid size of register spill`);
    }
    const aligned = off % 8 === 0;
    if (this.bpfCapable && aligned) {
      if (value.regno !== undefined && v.type === T.SCALAR) {
        // a scalar spill of `size` bytes; it stays linked to its register unless the spill narrows it
        const fits = regWidth(v) <= size * 8;
        if (fits) this.assignIdBeforeMov(v);
        this.saveRegisterState(frame, spi, v, size);
        if (!fits) frame.spill[spi]!.id = 0;
        return;
      }
      if (value.isImm) {
        // a store of an immediate is kept as a spill of that constant (zero too)
        this.saveRegisterState(frame, spi, v, size);
        return;
      }
    }
    // without CAP_BPF only pointers are spilled; scalars become plain data (STACK_MISC / STACK_ZERO)
    if (aligned && size === 8 && v.isPointer()) {
      if (!this.allowPtrLeaks && value.regno === undefined) fail([], 'attempt to corrupt spilled pointer on stack');
      this.saveRegisterState(frame, spi, v, 8);
      return;
    }
    // partial or imm-zero write
    if (frame.stype[spi * 8 + 7] === STACK_SPILL) {
      // a plain write into a spill slot leaves every written-to byte of it as data
      for (let j = 0; j < 8; j++) if (frame.stype[spi * 8 + j] !== STACK_INVALID) frame.w()[spi * 8 + j] = STACK_MISC;
    }
    frame.spill[spi] = undefined;
    const isZero = v.type === T.SCALAR && isKnownZero(v);
    // the kernel marks the zero register precise (and logs that) to keep STACK_ZERO exact
    if (isZero && value.regno !== undefined) this.notePrecisionMark(idx);
    for (let i = 0; i < size; i++) {
      frame.w()[b0 - i] = isZero ? STACK_ZERO : STACK_MISC;
    }
  }

  /**
   * A helper filling stack memory is checked as byte stores from the call (check_helper_call):
   * without CAP_PERFMON none may hit a spilled pointer, and any slot whose first byte held
   * anything but plain data puts a Spectre v4 barrier after the call.
   */
  private helperStackWriteChecks(frame: Frame, from: number, to: number, idx: number): void {
    for (let spi = (-from - 1) >> 3; spi >= ((-(to - 1) - 1) >> 3); spi--) {
      const sp = frame.spill[spi];
      if (frame.stype[spi * 8 + 7] === STACK_SPILL && sp && sp.isPointer()) fail([], 'attempt to corrupt spilled pointer on stack');
      const t = frame.stype[spi * 8];
      if (!this.bypassSpec && t !== STACK_MISC && t !== STACK_ZERO) this.nospecResult[idx] = 1;
    }
  }

  /**
   * The kernel marks a scalar precise during instruction idx (mark_chain_precision, with CAP_BPF),
   * which writes lines to the log: the state after the instruction goes on a line of its own.
   */
  private notePrecisionMark(idx: number): void {
    if (this.bpfCapable && this.stateLineIdx < 0) this.stateLineIdx = idx + 1;
  }

  /** A scalar about to be copied gets an id first, so that the copies stay linked. */
  private assignIdBeforeMov(r: Reg): void {
    if (r.type !== T.SCALAR) return;
    // a register with a constant delta to its link (rX += k) is unlinked: deltas do not stack
    if (isAddConst(r.id)) { r.id = 0; r.off = 0; }
    if (!r.id && !isConst(r)) r.id = this.newId();
  }

  /** save_register_state: the low `size` bytes of the slot hold the register; the rest become data. */
  private saveRegisterState(frame: Frame, spi: number, v: Reg, size: number): void {
    frame.spill[spi] = v.clone();
    const st = frame.w();
    for (let j = 7; j >= 8 - size; j--) st[spi * 8 + j] = STACK_SPILL;
    for (let j = 8 - size - 1; j >= 0; j--) if (st[spi * 8 + j] !== STACK_ZERO && st[spi * 8 + j] !== STACK_INVALID) st[spi * 8 + j] = STACK_MISC;
  }

  private stackReadFixed(frame: Frame, off: number, size: number, idx: number): Reg {
    const b0 = -off - 1;
    const spi = b0 >> 3;
    this.scratchSlots.add(spi);
    const stype = frame.stype;
    if (stype[spi * 8 + 7] === STACK_SPILL && frame.spill[spi]) {
      const sp = frame.spill[spi]!;
      let spillSize = 1;
      for (let i = 7; i > 0 && stype[spi * 8 + i - 1] === STACK_SPILL; i--) spillSize++;
      if (size !== 8 || spillSize !== 8) {
        if (sp.type !== T.SCALAR) fail([], 'invalid size of register fill');
        if (size <= spillSize && off % 8 === 0) {
          // a 32-bit fill of a 32-bit spill links the register with the slot; a narrowing fill does not
          if (this.bpfCapable && size === 4 && spillSize === 4 && regWidth(sp) <= 32) this.assignIdBeforeMov(sp);
          const r = sp.clone();
          r.def = idx;
          if (regWidth(sp) > size * 8) r.id = 0;
          this.filledSpill = true;
          return r;
        }
        let spillCnt = 0;
        let zeroCnt = 0;
        for (let i = 0; i < size; i++) {
          const t = stype[b0 - i];
          if (t === STACK_SPILL) { spillCnt++; continue; }
          if (t === STACK_MISC) continue;
          if (t === STACK_ZERO) { zeroCnt++; continue; }
          if (t === STACK_INVALID && this.allowPtrLeaks) continue;
          fail([], `invalid read from stack off ${off}+${i} size ${size}`);
        }
        if (spillCnt === size && isKnownZero(sp)) {
          this.filledSpill = true;
          return scalarReg(idx, 0);
        }
        if (zeroCnt === size) return scalarReg(idx, 0);
        return scalarReg(idx);
      }
      if (this.bpfCapable) this.assignIdBeforeMov(sp);
      const r = sp.clone();
      r.def = idx;
      this.filledSpill = true;
      return r;
    }
    let zeros = 0;
    for (let i = 0; i < size; i++) {
      const t = stype[b0 - i];
      if (t === STACK_MISC) continue;
      if (t === STACK_ZERO) { zeros++; continue; }
      if (t === STACK_INVALID && this.allowPtrLeaks) continue;
      if (t === STACK_SPILL) continue;
      fail([], `invalid read from stack off ${off}+${i} size ${size}`);
    }
    return zeros === size ? scalarReg(idx, 0) : scalarReg(idx);
  }

  // Jumps ------------------------------------------------------------------

  private checkJmp(s: VState, insn: Instruction, idx: number, pending: VState[]): 'next' | 'exit' {
    const op = insn.code & 0xf0;
    const cls = insn.code & 7;
    if (op === 0x80 || op === 0x90) this.jmpsProcessed++; // the kernel counts calls and exits as jumps
    if (op === 0x80) {
      if (insn.src === 1) return this.checkPseudoCall(s, insn, idx);
      if (insn.src === 2) {
        // a call to btf id 0 passes verification; fixup_kfunc_call refuses it afterwards
        if (insn.imm === 0) {
          this.uneliminatedKfunc ??= idx;
          s.insnIdx = idx + 1;
          return 'next';
        }
        this.checkKfuncCall(insn);
      }
      if ((insn.code & 8) !== 0) fail([], 'callx is not supported');
      this.checkHelperCall(s, insn, idx, pending);
      s.insnIdx = idx + 1;
      return 'next';
    }
    if (op === 0x90) return this.checkExit(s, idx);
    if (op === 0x00) {
      this.jmpsProcessed++;
      s.insnIdx = jumpTarget(idx, insn);
      return 'next';
    }
    if (op === 0xe0) {
      // may_goto: the current path leaves the loop; the path that goes on is queued one deeper.
      this.jmpsProcessed++;
      const other = s.clone();
      other.insnIdx = idx + 1;
      other.mayGotoDepth = s.mayGotoDepth + 1;
      other.path = { insn: idx, kind: 'branch', taken: false, prev: s.path };
      this.pushBranch(pending, other);
      const prev = this.findPrevEntry(s, idx, s.parent?.depth);
      if (prev) this.widenImprecise(prev.state, other, idx);
      s.path = { insn: idx, kind: 'branch', taken: true, prev: s.path };
      s.insnIdx = idx + insn.off + 1;
      return 'next';
    }
    this.jmpsProcessed++;
    const jmp32 = cls === 0x06;
    const x = (insn.code & 8) !== 0;
    let srcReg: Reg;
    const dstReg = this.readReg(s, insn.dst);
    if (x) {
      srcReg = this.readReg(s, insn.src);
      if (this.isPointerValue(srcReg) && !(isPktType(dstReg.type) && isPktType(srcReg.type))) {
        fail([insn.src], `R${insn.src} pointer comparison prohibited`);
      }
    } else {
      srcReg = this.immReg(idx, insn.imm);
    }
    const target = jumpTarget(idx, insn);
    const pred = this.isBranchTaken(dstReg, srcReg, op, jmp32);
    // check_cond_jmp_op: an undecided comparison of a pointer is allowed only as a null check
    // (or between packet pointers)
    if (pred === -1 && this.isPointerValue(dstReg)) {
      const nullCheck = !jmp32 && !x && insn.imm === 0 && (op === 0x10 || op === 0x50) && (dstReg.flags & MAYBE_NULL) !== 0;
      const pktPair = x && !jmp32 && isPktType(dstReg.type) && isPktType(srcReg.type);
      if (!nullCheck && !pktPair) fail([insn.dst], `R${insn.dst} pointer comparison prohibited`);
    }
    if (pred === -1) {
      // registers linked to the compared ones (same id) are recorded in the jump history
      if (this.linkedCount(s, x ? srcReg : undefined, dstReg) > 1) this.addHistoryEntry(s);
      this.checkJmpSeq(pending);
    }
    if (pred !== -1 && dstReg.type === T.SCALAR && srcReg.type === T.SCALAR) {
      this.decided.add(idx);
      if (this.stopOnNewDecided && !this.condSinks.has(idx)) throw new RoundAbort();
    }
    if (pred !== -1 && (dstReg.type === T.SCALAR || (x && srcReg.type === T.SCALAR)) && this.bpfCapable) this.stateLineIdx = idx;
    this.decidedBranch = true;
    if (pred === 1) {
      if (!this.bypassSpec) this.pushSpeculativeBranch(s, insn, idx, idx + 1, false, pending);
      s.path = { insn: idx, kind: 'branch', taken: true, prev: s.path };
      s.insnIdx = target;
      return 'next';
    }
    if (pred === 0) {
      if (!this.bypassSpec) this.pushSpeculativeBranch(s, insn, idx, target, true, pending);
      s.path = { insn: idx, kind: 'branch', taken: false, prev: s.path };
      s.insnIdx = idx + 1;
      return 'next';
    }
    const other = s.clone();
    other.insnIdx = target;
    other.path = { insn: idx, kind: 'branch', taken: true, prev: s.path };
    s.path = { insn: idx, kind: 'branch', taken: false, prev: s.path };
    s.insnIdx = idx + 1;
    this.branchIdx = idx;
    const okTaken = this.refineBranch(other, insn, true);
    const okFall = this.refineBranch(s, insn, false);
    if (okTaken) this.pushBranch(pending, other);
    if (!okFall) {
      // fallthrough is impossible: continue with the taken branch instead
      if (okTaken) {
        const t = pending.pop()!;
        if (t.parent) t.parent.branches--;
        Object.assign(s, t);
        return 'next';
      }
      return 'exit';
    }
    return 'next';
  }

  /**
   * sanitize_speculative_path: the branch a decided jump cannot take is still walked, as the CPU
   * may take it speculatively, with the compared registers unknown.
   */
  private pushSpeculativeBranch(s: VState, insn: Instruction, idx: number, to: number, taken: boolean, pending: VState[]): void {
    const other = s.clone();
    other.speculative = true;
    other.insnIdx = to;
    other.path = { insn: idx, kind: 'branch', taken, prev: s.path };
    other.cur.regs[insn.dst] = scalarReg(idx);
    if (insn.code & 8) other.cur.regs[insn.src] = scalarReg(idx);
    this.pushBranch(pending, other);
  }

  /** Scalars (registers and spills, all frames) sharing an id with the compared operands. */
  private linkedCount(s: VState, a: Reg | undefined, b: Reg): number {
    const ida = a && a.type === T.SCALAR ? a.id : 0;
    const idb = b.type === T.SCALAR ? b.id : 0;
    if (!ida && !idb) return 0;
    let n = 0;
    const linked = (r: Reg | undefined): boolean => !!r && r.type === T.SCALAR && r.id !== 0 && (r.id === ida || r.id === idb);
    for (const f of s.frames) {
      for (const r of f.regs) if (linked(r)) n++;
      for (let spi = 0; spi < f.spill.length; spi++) if (f.stype[spi * 8 + 7] === STACK_SPILL && linked(f.spill[spi])) n++;
    }
    return n;
  }

  /** The kernel counts every queued path and gives up past JMP_SEQ_LIMIT (checked before the push). */
  private checkJmpSeq(pending: VState[]): void {
    if (pending.length + 1 > JMP_SEQ_LIMIT) fail([], `The sequence of ${pending.length + 1} jumps is too complex.`);
  }

  private pushBranch(pending: VState[], st: VState): void {
    this.checkJmpSeq(pending);
    if (st.parent) st.parent.branches++;
    if (this.opts.logLevel === 1) {
      // the kernel cuts its level-1 log back to here when it takes this path off the stack
      st.logLines = this.log.length;
      st.logPartial = this.logLine;
    }
    pending.push(st);
  }

  /** The stored state at idx from an earlier iteration of the loop the current path is in. */
  private findPrevEntry(s: VState, idx: number, depth: number | undefined): Explored | undefined {
    if (depth === undefined) return undefined;
    const list = this.explored[this.bucketOf(s, idx)];
    for (let k = list.length - 1; k >= 0; k--) {
      const sl = list[k];
      if (sl.insn === idx && sl.branches > 0 && sl.depth < depth && sameCallsites(sl.state, s)) return sl;
    }
    return undefined;
  }

  /**
   * Scalars that changed since the previous iteration and that no check depends on (imprecise)
   * become unknown, so that the loop converges.
   */
  private widenImprecise(old: VState, cur: VState, idx: number): void {
    const top = old.frames.length - 1;
    for (let fr = top; fr >= 0; fr--) {
      const fo = old.frames[fr];
      const fc = cur.frames[fr];
      // only the top frame's precision is known here; callers' registers are treated as precise
      const precise = fr === top ? this.preciseBefore[idx] : 0xffff;
      for (let r = 0; r < 11; r++) {
        if ((precise >> r) & 1) continue;
        if (this.shouldWiden(fo.regs[r], fc.regs[r])) fc.regs[r] = scalarReg(fc.regs[r].def);
      }
      const lo = fr === top ? this.preciseSlotsLo[idx] : 0xffffffff;
      const hi = fr === top ? this.preciseSlotsHi[idx] : 0xffffffff;
      const slots = Math.min(fo.allocated, fc.allocated) >> 3;
      for (let spi = 0; spi < slots; spi++) {
        if ((spi < 32 ? lo >>> spi : hi >>> (spi - 32)) & 1) continue;
        const os = fo.spill[spi];
        const cs = fc.spill[spi];
        if (!os || !cs || fo.stype[spi * 8 + 7] !== STACK_SPILL || fc.stype[spi * 8 + 7] !== STACK_SPILL) continue;
        if (this.shouldWiden(os, cs)) fc.spill[spi] = scalarReg(cs.def);
      }
    }
  }

  private shouldWiden(o: Reg, c: Reg): boolean {
    if (o.type !== T.SCALAR || c.type !== T.SCALAR) return false;
    this.idmap.clear();
    return !this.regsExactlyEqual(o, c, this.checkIds);
  }

  private isBranchTaken(a: Reg, b: Reg, op: number, jmp32: boolean): number {
    if (a.type === T.SCALAR && b.type === T.SCALAR) return scalarBranchTaken(a, b, op, jmp32);
    if (!jmp32 && isPktType(a.type) && isPktType(b.type)) return pktBranchTaken(a, b, op);
    const ptr = a.type === T.SCALAR ? b : a;
    const other = a.type === T.SCALAR ? a : b;
    if (other.type === T.SCALAR && isKnownZero(other) && regNotNull(ptr) && (op === 0x10 || op === 0x50)) {
      return op === 0x10 ? 0 : 1;
    }
    return -1;
  }

  /** Narrows the registers of one branch. Returns false when the branch cannot happen. */
  private refineBranch(s: VState, insn: Instruction, taken: boolean): boolean {
    const op0 = insn.code & 0xf0;
    const jmp32 = (insn.code & 7) === 0x06;
    const x = (insn.code & 8) !== 0;
    const regs = s.cur.regs;
    const d = regs[insn.dst];
    let src: Reg = x ? regs[insn.src] : scalarReg(-1, insn.imm);
    // null checks
    if (!jmp32 && (op0 === 0x10 || op0 === 0x50)) {
      const ptr = d.type !== T.SCALAR ? d : x && src.type !== T.SCALAR ? src : undefined;
      const other = ptr === d ? src : d;
      if (ptr && (ptr.flags & MAYBE_NULL) && other.type === T.SCALAR && isKnownZero(other)) {
        const isNull = (op0 === 0x10) === taken;
        this.markPtrOrNull(s, ptr.id, ptr.refObjId, isNull);
        return true;
      }
    }
    // packet pointer comparisons
    if (!jmp32 && x && d.type !== T.SCALAR && src.type !== T.SCALAR) {
      this.tryPktPointers(s, insn, d, src, taken);
      return true;
    }
    if (d.type !== T.SCALAR || src.type !== T.SCALAR) return true;
    const op = taken ? op0 : revOp(op0, x);
    const a = d;
    const b = src;
    refineCond(a, b, op, jmp32);
    sync(a);
    sync(b);
    if (boundsInvalid(a) || boundsInvalid(b)) return false;
    if (x) this.syncLinked(s, b);
    this.syncLinked(s, a);
    return true;
  }

  /**
   * sync_linked_regs: what a branch learnt about `known` holds for every scalar linked with it,
   * shifted by the difference of their constant deltas.
   */
  private syncLinked(s: VState, known: Reg): void {
    if (!known.id) return;
    const base = baseId(known.id);
    const top = s.frames.length - 1;
    for (let fi = 0; fi <= top; fi++) {
      const f = s.frames[fi]!;
      // only registers live at the jump (or, in callers, at their call) are linked (collect_linked_regs)
      const live = this.liveBefore[fi === top ? this.branchIdx : s.frames[fi + 1]!.callsite]!;
      for (let r = 0; r < 10; r++) if (live & (1 << r)) this.syncOne(f.regs[r]!, known, base);
      for (let spi = 0; spi < f.spill.length; spi++) {
        const o = f.spill[spi];
        if (o && f.stype[spi * 8 + 7] === STACK_SPILL) this.syncOne(o, known, base);
      }
    }
  }

  /** The conditional jump whose branches are being narrowed. */
  private branchIdx = 0;

  private syncOne(reg: Reg, known: Reg, base: number): boolean {
    if (reg === known || reg.type !== T.SCALAR || !reg.id || baseId(reg.id) !== base) return false;
    const fr = addConstFlags(reg.id);
    const fk = addConstFlags(known.id);
    // a 32-bit delta and a 64-bit delta are not comparable
    if ((fr | fk) === (ADD_CONST32 | ADD_CONST64) && fr !== fk) return false;
    if ((!fr && !fk) || reg.off === known.off) {
      const def = reg.def;
      reg.assign(known);
      reg.def = def;
      return true;
    }
    const { off, id, def } = reg;
    reg.assign(known);
    reg.off = off; reg.id = id; reg.def = def;
    const delta = scalarReg(-1, off - known.off);
    scalarAdd(reg, delta);
    if ((fr | fk) & ADD_CONST32) zext32(reg);
    else sync(reg);
    return true;
  }

  /** mark_ptr_or_null_regs: `id` is the checked register's id, `refObjId` its reference. */
  private markPtrOrNull(s: VState, id: number, refObjId: number, isNull: boolean): void {
    if (!id) return;
    // In the NULL branch an acquired reference (id == ref_obj_id) was never taken.
    if (isNull && refObjId === id) s.refs = s.refs.filter((x) => x.id !== id);
    const fix = (r: Reg | undefined): void => {
      if (!r || r.id !== id || !(r.flags & MAYBE_NULL)) return;
      if (isNull) {
        const def = r.def;
        r.assign(scalarReg(def, 0));
      } else {
        r.flags &= ~MAYBE_NULL;
        r.id = 0;
        // mark_ptr_not_null_reg: a sockmap/sockhash element is a socket, an xskmap one an AF_XDP socket
        if (r.type === T.MAP_VALUE && (r.map?.type === 'sockmap' || r.map?.type === 'sockhash' || r.map?.type === 'xskmap')) {
          r.type = r.map.type === 'xskmap' ? T.XDP_SOCK : T.SOCKET;
          r.map = undefined;
        }
      }
    };
    for (const f of s.frames) {
      f.regs.forEach(fix);
      f.spill.forEach(fix);
    }
  }

  private tryPktPointers(s: VState, insn: Instruction, d: Reg, src: Reg, taken: boolean): void {
    const op = insn.code & 0xf0;
    // Normalise to "pkt OP pkt_end" (or pkt_meta OP pkt).
    let pkt: Reg;
    let rel: number;
    const isEnd = (p: Reg, e: Reg): boolean => (p.type === T.PKT && e.type === T.PKT_END) || (p.type === T.PKT_META && e.type === T.PKT);
    if (isEnd(d, src)) { pkt = d; rel = op; }
    else if (isEnd(src, d)) { pkt = src; rel = swapOp(op); }
    else return;
    // In this branch, does pkt <= end hold (not open), pkt < end (open), or nothing?
    const holds = taken ? rel : revOp(rel, true);
    if (holds === 0x20 || holds === 0x30) {
      // pkt > end or pkt >= end: the pointer itself (not its copies) is known to be past the end
      if (pkt.type === T.PKT) pkt.range = holds === 0x20 ? BEYOND_PKT_END : AT_PKT_END;
      return;
    }
    let open: boolean | undefined;
    if (holds === 0xb0) open = false; // pkt <= end
    else if (holds === 0xa0) open = true; // pkt < end
    else return;
    if (pkt.off < 0 || (pkt.off === 0 && open)) return;
    if (pkt.umax > BigInt(MAX_PACKET_OFF) || pkt.umax + BigInt(pkt.off) > BigInt(MAX_PACKET_OFF)) return;
    const newRange = pkt.off + (open ? 1 : 0);
    const type = pkt.type;
    const id = pkt.id;
    for (const f of s.frames) {
      for (const r of f.regs) if (r.type === type && r.id === id) r.range = Math.max(r.range, newRange);
      for (const r of f.spill) if (r && r.type === type && r.id === id) r.range = Math.max(r.range, newRange);
    }
  }

  // Calls ------------------------------------------------------------------

  private checkHelperCall(s: VState, insn: Instruction, idx: number, pending: VState[]): void {
    const id = insn.imm;
    if (id < 0 || id > 211) fail([], `invalid func unknown#${id}`);
    const proto = helperProto(id, this.opts.progType);
    const name = this.opts.helperName(id);
    if (!proto || !helperIsAllowed(this.opts.progType, id, this.opts.unprivileged)) {
      if (proto && !this.opts.unprivileged && helperAvailability(this.opts.progType, id) === 'sleepable-only') {
        fail([], 'helper call might sleep in a non-sleepable prog');
      }
      fail([], `program of this type cannot use helper ${name}#${id}`);
    }
    if (id === 173 && this.opts.progType !== 'kprobe' && this.opts.progType !== 'tracing') {
      fail([], `func ${name}#${id} not supported for program type ${PROG_TYPES[this.opts.progType]}`);
    }
    const regs = s.cur.regs;
    const meta: HelperMeta = {};
    for (let i = 0; i < proto!.args.length; i++) {
      const regno = i + 1;
      this.checkHelperArg(s, regno, proto!.args[i], meta, idx, id, proto!);
      const spec = proto!.specs[i];
      if (proto!.args[i] !== 'anything' && !(meta.memReg === regno && proto!.args[i] === 'mem_or_null')) {
        this.noteArgReference(s, regno, spec.flags.includes('OBJ_RELEASE') && proto!.args[i] !== 'dynptr', meta);
      }
    }
    // check_map_func_compatibility runs after the arguments
    const ringbufHelper = id === 130 || id === 131 || id === 134 || id === 198;
    const userRingbuf = id === 209;
    if (meta.map && ((ringbufHelper !== (meta.map.type === 'ringbuf') && (ringbufHelper || meta.map.type === 'ringbuf')) ||
      (userRingbuf !== (meta.map.type === 'user_ringbuf') && (userRingbuf || meta.map.type === 'user_ringbuf')))) {
      fail([1], `cannot pass map_type ${mapTypeNum(meta.map)} into func ${name}#${id}`);
    }
    if (meta.releaseDynptr) {
      this.releaseDynptr(s, meta.releaseDynptr.frame, meta.releaseDynptr.spi, idx);
    } else if (meta.releaseRegno !== undefined) {
      if (meta.refObjId) {
        if (!s.refs.some((r) => r.id === meta.refObjId)) fail([], `func ${name}#${id} reference has not been acquired before`);
        this.releaseReference(s, meta.refObjId, idx);
      }
    }
    if (id === 12) this.checkReferenceLeak(s, 'tail_call');
    if (id === 197 && regs[1].type !== T.MAP_VALUE) {
      fail([1], `Unsupported reg type ${regTypeName(regs[1])} for bpf_dynptr_from_mem data`);
    }
    // callbacks (bpf_loop, for_each_map_elem): verify the callback body as a subprogram call
    // bpf_loop's count decides when its iterations end: R1 is marked precise
    if (id === 181) this.notePrecisionMark(idx);
    // a tail call with a constant index into the program array marks the index precise (record_func_key)
    if (id === 12 && meta.map && regs[3].type === T.SCALAR && isConst(regs[3]) && regs[3].varOff.value < BigInt(meta.map.maxEntries)) {
      this.notePrecisionMark(idx);
    }
    if ((id === 181 || id === 164 || id === 209 || id === 180) && meta.func !== undefined) {
      this.scratchRegs |= 1 << 10; // the kernel's log shows R10 after a callback call
      this.pushCallback(s, idx, meta.func, id, meta.map, pending);
    }
    for (let r = 1; r <= 5; r++) regs[r] = notInit();
    this.scratchRegs |= 0x3e;
    let r0: Reg;
    switch (proto!.ret) {
      case 'integer':
        r0 = scalarReg(idx);
        if (id === 8) {
          // do_refine_retval_range: a CPU number is below nr_cpu_ids
          r0.umax = BigInt(possibleCpus() - 1);
          sync(r0);
        }
        if (REFINE_TO_SIZE.has(id) && meta.msizeMax !== undefined) {
          // do_refine_retval_range: a length up to the buffer's size, or a negative error
          r0.smax = meta.msizeMax;
          r0.s32max = Number(BigInt.asIntN(32, meta.msizeMax));
          r0.smin = -4095n;
          r0.s32min = -4095;
          sync(r0);
        }
        break;
      case 'void': r0 = notInit(); break;
      case 'map_value_or_null': {
        const key = meta.constKey;
        const arrayLike = meta.map?.type === 'array' || meta.map?.type === 'percpu_array';
        if ((id === 1 || id === 195) && arrayLike && key !== undefined && key < BigInt(meta.map!.maxEntries)) {
          r0 = pointerReg(T.MAP_VALUE, idx, { map: meta.map });
        } else {
          r0 = pointerReg(T.MAP_VALUE, idx, { map: meta.map, flags: MAYBE_NULL, id: this.newId() });
        }
        break;
      }
      case 'ringbuf_mem_or_null':
        r0 = pointerReg(T.MEM, idx, { flags: MAYBE_NULL | RINGBUF, id: this.newId(), memSize: regsArgSize(meta) });
        break;
      case 'mem_or_null':
        // bpf_dynptr_data: a slice of the dynptr's memory, sharing its reference
        r0 = pointerReg(T.MEM, idx, {
          flags: MAYBE_NULL, id: this.newId(), memSize: regsArgSize(meta), refObjId: meta.dynptr?.refObjId ?? 0,
          dynptrId: meta.dynptr?.id ?? 0,
        });
        break;
      case 'btf_id': {
        const spec = proto!.retSpec;
        const btfName = spec.btfId ?? '';
        const btf = this.btf();
        const btfId = btf && btfName ? btf.structByName(btfName) ?? 0 : 0;
        let flags = spec.flags.includes('PTR_TRUSTED') ? TRUSTED : 0;
        if (spec.flags.includes('PTR_MAYBE_NULL')) flags |= MAYBE_NULL;
        r0 = pointerReg(T.BTF_ID, idx, { flags, btfName, btfId });
        if (flags & MAYBE_NULL) r0.id = this.newId();
        break;
      }
      case 'socket': case 'sock_common': case 'tcp_sock': {
        const type = proto!.ret === 'socket' ? T.SOCKET : proto!.ret === 'sock_common' ? T.SOCK_COMMON : T.TCP_SOCK;
        const maybeNull = proto!.retSpec.flags.includes('PTR_MAYBE_NULL');
        r0 = pointerReg(type, idx, maybeNull ? { flags: MAYBE_NULL, id: this.newId() } : {});
        break;
      }
      default: r0 = scalarReg(idx);
    }
    if (CASTS_POINTER.has(id)) {
      r0.refObjId = meta.refObjId ?? 0;
    } else if (ACQUIRES_REFERENCE.has(id) || (id === 1 && (meta.map?.type === 'sockmap' || meta.map?.type === 'sockhash'))) {
      const refId = this.newId();
      s.refs.push({ id: refId, insn: idx });
      r0.id = refId;
      r0.refObjId = refId;
    }
    r0.def = idx;
    this.setReg(s, 0, r0);
    s.path = { insn: idx, kind: 'call', prev: s.path };
  }

  private checkHelperArg(
    s: VState, regno: number, kind: ArgKind, meta: HelperMeta,
    idx: number, helperId: number, proto: HelperProto,
  ): void {
    if (kind === 'anything') {
      const r = this.readReg(s, regno);
      if (this.isPointerValue(r)) fail([regno], `R${regno} leaks addr into helper function`);
      return;
    }
    const reg = this.readReg(s, regno);
    const nullable = proto.specs[regno - 1].flags.includes('PTR_MAYBE_NULL');
    const typeErr = (expected: string): never => fail([regno], `R${regno} type=${regTypeName(reg)} expected=${expected}`);
    const MEM_TYPES = 'fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_';
    const isMemType = (r: Reg): boolean => r.type === T.STACK || r.type === T.PKT || r.type === T.PKT_META ||
      r.type === T.MAP_KEY || r.type === T.MAP_VALUE || r.type === T.MEM;
    switch (kind) {
      case 'map':
        if (reg.type !== T.MAP_PTR) typeErr('map_ptr');
        meta.map = reg.map;
        return;
      case 'key': case 'value': case 'uninit_value': {
        if (!isMemType(reg) || (reg.flags & MAYBE_NULL)) typeErr(MEM_TYPES);
        if (!meta.map) fail([regno], 'invalid map_ptr to access map->' + (kind === 'key' ? 'key' : 'value'));
        const size = kind === 'key' ? meta.map!.keySize : meta.map!.valueSize;
        const keyOrValueSpec = proto.specs[regno - 1];
        this.checkHelperMem(s, regno, reg, size, kind !== 'uninit_value', idx, false, keyOrValueSpec.flags.includes('MEM_WRITE'));
        if (kind === 'key') {
          meta.constKey = this.constStackValue(s, reg, size);
          // an array key read from a spilled constant: the slot is marked precise (logged)
          const arrayMap = meta.map!.type === 'array' || meta.map!.type === 'percpu_array';
          if (arrayMap && meta.constKey !== undefined && this.constKeyFromSpill) this.notePrecisionMark(idx);
        }
        return;
      }
      case 'mem': case 'mem_or_null': case 'uninit_mem': {
        if (kind === 'mem_or_null' && reg.type === T.SCALAR && isKnownZero(reg)) {
          meta.memReg = regno;
          return;
        }
        if (!isMemType(reg) || (reg.flags & MAYBE_NULL)) typeErr(MEM_TYPES);
        if (kind === 'uninit_mem' && (reg.flags & RDONLY)) typeErr(MEM_TYPES);
        meta.memReg = regno;
        return;
      }
      case 'size': case 'size_or_zero': {
        if (reg.type !== T.SCALAR) typeErr('scalar');
        const memRegNo = meta.memReg ?? regno - 1;
        const memReg = s.cur.regs[memRegNo];
        meta.msizeMax = reg.umax;
        if (reg.smin < 0n) {
          fail([regno], `R${regno} min value is negative, either use unsigned or 'var &= const'`);
        }
        if (reg.umin === 0n && kind === 'size') {
          fail([regno], `R${regno} invalid zero-sized read: u64=[${reg.umin},${reg.umax}]`);
        }
        if (reg.umax >= BPF_MAX_VAR_OFF) {
          fail([regno], `R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
        }
        // the size register is marked precise (logged; the state after the call gets its own line)
        this.notePrecisionMark(idx);
        if (memReg.type === T.SCALAR) return; // mem_or_null passed NULL
        const memProto = proto;
        const init = memProto.args[memRegNo - 1] !== 'uninit_mem';
        const clobber = memProto.specs[memRegNo - 1]?.flags.includes('MEM_WRITE') ?? !init;
        this.checkHelperMem(s, memRegNo, memReg, Number(reg.umax), init, idx, reg.umin === 0n, clobber);
        return;
      }
      case 'alloc_size_or_zero':
        if (reg.type !== T.SCALAR) typeErr('scalar');
        if (!isConst(reg)) fail([regno], `R${regno} is not a known constant'`);
        meta.allocSize = Number(reg.varOff.value);
        this.notePrecisionMark(idx);
        return;
      case 'ctx':
        if (reg.type !== T.CTX) typeErr('ctx');
        if (reg.off < 0) fail([regno], `negative offset ctx ptr R${regno} off=${reg.off} disallowed`);
        if (reg.off !== 0) fail([regno], `dereference of modified ctx ptr R${regno} off=${reg.off} disallowed`);
        return;
      case 'ringbuf_release':
        if (reg.type !== T.MEM || !(reg.flags & RINGBUF) || (reg.flags & MAYBE_NULL)) typeErr('ringbuf_mem');
        if (reg.off !== 0 || !isKnownZero(reg)) {
          fail([regno], `R${regno} must have zero offset when passed to release func`);
        }
        return;
      case 'func':
        if (reg.type !== T.FUNC) typeErr('func');
        meta.func = reg.subprog;
        return;
      case 'sock_common':
        if (!isSockType(reg.type) || (reg.flags & MAYBE_NULL)) typeErr('sock_common, sock, tcp_sock, xdp_sock');
        return;
      case 'btf_sock_common':
        if (reg.type === T.BTF_ID && !(reg.flags & (MAYBE_NULL | RCU | UNTRUSTED))) {
          this.checkBtfArgStruct(regno, reg, 'sock_common', idx);
          return;
        }
        if (!isSockType(reg.type) || (reg.flags & MAYBE_NULL)) typeErr('sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_');
        return;
      case 'fixed_mem': {
        // ARG_PTR_TO_FIXED_SIZE_MEM: argN_size bytes the helper reads, or writes when MEM_UNINIT
        const spec = proto.specs[regno - 1];
        if (!isMemType(reg) || (reg.flags & MAYBE_NULL)) typeErr(MEM_TYPES);
        const uninit = spec.flags.includes('MEM_UNINIT');
        if (uninit && (reg.flags & RDONLY)) typeErr(MEM_TYPES);
        const size = spec.size ?? 0;
        this.checkHelperMem(s, regno, reg, size, !uninit, idx, false, spec.flags.includes('MEM_WRITE'));
        // MEM_ALIGNED: check_ptr_alignment with strict alignment (stack and map values here)
        if (spec.flags.includes('MEM_ALIGNED') && (reg.type === T.STACK || reg.type === T.MAP_VALUE)) {
          this.checkStrictAlignment(regno, reg, 0, size);
        }
        return;
      }
      case 'other': {
        const spec = proto.specs[regno - 1];
        if (nullable && reg.type === T.SCALAR && isKnownZero(reg)) return;
        const name = regTypeName(reg);
        const ok = COMPATIBLE_REG_TYPES[spec.base].some((t) =>
          !(t.flags ?? []).some((f) => f === 'MEM_ALLOC' || f === 'MEM_PERCPU') && sharedRegTypeName(t) === name);
        if (!ok) typeErr(expectedRegTypeNames(spec).join(', '));
        return;
      }
      case 'btf_id': {
        if (nullable && reg.type === T.SCALAR && isKnownZero(reg)) return;
        if (reg.type !== T.BTF_ID || (reg.flags & (MAYBE_NULL | UNTRUSTED))) typeErr('ptr_, trusted_ptr_, rcu_ptr_');
        const want = proto.specs[regno - 1].btfId;
        if (want) this.checkBtfArgStruct(regno, reg, want, idx);
        return;
      }
      case 'socket':
        if (reg.type === T.SCALAR && isKnownZero(reg) && nullable) return;
        if (reg.type !== T.SOCKET || (reg.flags & MAYBE_NULL)) typeErr('sock');
        return;
      case 'dynptr':
        if (reg.type !== T.STACK && reg.type !== T.DYNPTR) typeErr('fp, dynptr_ptr');
        this.checkDynptrArg(s, regno, reg, proto.specs[regno - 1].flags, meta, idx);
        return;
      case 'stack_or_null':
        if (reg.type === T.SCALAR && isKnownZero(reg)) return;
        if (reg.type !== T.STACK) typeErr('fp');
        return;
      default:
        return;
    }
  }

  /** btf_struct_ids_match for a helper argument: the pointer's struct must be (or start with) `want`. */
  private checkBtfArgStruct(regno: number, reg: Reg, want: string, idx: number): void {
    const btf = this.btf();
    const wantId = btf?.structByName(want);
    if (!btf || !reg.btfId || wantId === undefined) {
      if (reg.btfName !== want) this.unchecked.set(idx, `R${regno} (struct ${reg.btfName}) passed as struct ${want} is not checked: ${this.btfMissing(want)}`);
      return;
    }
    const m = btfStructIdsMatch(btf, reg.btfId, reg.off, wantId);
    if (!m.match) {
      const msg = `R${regno} is of type ${reg.btfName} but ${want} is expected`;
      if (m.walkError) fail([regno], m.walkError, msg);
      fail([regno], msg);
    }
  }

  /** dynptr_get_spi: the slot of the dynptr's first 8 bytes; -1 when not inside the allocated stack. */
  private dynptrSpi(regno: number, reg: Reg, frame: Frame): number {
    if (!tnumIsConst(reg.varOff)) fail([regno], 'dynptr has to be at a constant offset');
    const off = reg.off + Number(BigInt.asIntN(64, reg.varOff.value));
    const spi = Math.trunc((-off - 1) / 8);
    if (off % 8 !== 0 || spi < 1) fail([regno], `cannot pass in dynptr at an offset=${off}`);
    return spi < frame.allocated / 8 ? spi : -1;
  }

  /** dynptrSpi for a check that, when the slot cannot be found, says `then` after the slot's own message. */
  private dynptrSpiOr(regno: number, reg: Reg, frame: Frame, then: string): number {
    try {
      return this.dynptrSpi(regno, reg, frame);
    } catch (e) {
      if (e instanceof VerifierFailure) e.lines.push(then);
      throw e;
    }
  }

  /** process_dynptr_func (and the release check before it) for an ARG_PTR_TO_DYNPTR argument. */
  private checkDynptrArg(s: VState, regno: number, reg: Reg, flags: readonly string[], meta: HelperMeta, idx: number): void {
    if (reg.type === T.DYNPTR) {
      // a callback's const dynptr: readable, never released or re-initialised
      if (flags.includes('OBJ_RELEASE')) fail([regno], 'cannot release unowned const bpf_dynptr');
      if (flags.includes('MEM_UNINIT')) fail([regno], 'Dynptr has to be an uninitialized dynptr');
      if (!flags.includes('MEM_RDONLY')) fail([regno], 'cannot pass pointer to const bpf_dynptr, the helper mutates it');
      meta.dynptr = { id: reg.id, refObjId: reg.refObjId };
      return;
    }
    const frame = this.stackFrame(s, reg);
    const slot = (spi: number): Reg | undefined => (frame.stype[spi * 8] === STACK_DYNPTR ? frame.spill[spi] : undefined);
    if (flags.includes('OBJ_RELEASE')) {
      const spi = this.dynptrSpi(regno, reg, frame);
      if (spi < 0 || !slot(spi)?.refObjId) fail([regno], `arg ${regno} is an unacquired reference`);
      meta.releaseDynptr = { frame, spi };
    }
    if (flags.includes('MEM_UNINIT')) {
      this.dynptrSpiOr(regno, reg, frame, 'Dynptr has to be an uninitialized dynptr');
      // the helper writes the 16 bytes, 8 at a time: stack bounds, and no referenced dynptr there
      for (const i of [0, 8]) {
        this.checkMemAccess(s, regno, reg, i, 8, true, { reg: scalarReg(idx), regno: undefined, isImm: false }, idx);
      }
      const spi = this.dynptrSpi(regno, reg, frame);
      const type = flags.includes('DYNPTR_TYPE_RINGBUF') ? DYNPTR_RINGBUF : DYNPTR_LOCAL;
      const id = this.newId();
      const refObjId = type === DYNPTR_RINGBUF ? this.newId() : 0;
      if (refObjId) s.refs.push({ id: refObjId, insn: idx });
      const st = frame.w();
      for (const [k, first] of [[spi, true], [spi - 1, false]] as const) {
        for (let j = 0; j < 8; j++) st[k * 8 + j] = STACK_DYNPTR;
        frame.spill[k] = pointerReg(T.DYNPTR, idx, { id, refObjId, dynptrType: type, dynptrFirst: first });
        this.scratchSlots.add(k);
      }
      return;
    }
    const spi = this.dynptrSpiOr(regno, reg, frame, `Expected an initialized dynptr as arg #${regno - 1}`);
    const first = spi < 0 ? undefined : slot(spi);
    if (!first?.dynptrFirst || !slot(spi - 1)) fail([regno], `Expected an initialized dynptr as arg #${regno - 1}`);
    const want = flags.includes('DYNPTR_TYPE_RINGBUF') ? DYNPTR_RINGBUF : flags.includes('DYNPTR_TYPE_LOCAL') ? DYNPTR_LOCAL : 0;
    if (want && first!.dynptrType !== want) {
      fail([regno], `Expected a dynptr of type ${want === DYNPTR_RINGBUF ? 'ringbuf' : 'local'} as arg #${regno - 1}`);
    }
    meta.dynptr = { id: first!.id, refObjId: first!.refObjId };
    // reading the dynptr touches its slots (the state after the call shows it)
    this.scratchSlots.add(spi);
    this.scratchSlots.add(spi - 1);
  }

  /** invalidate_dynptr: both slots of the dynptr whose first slot is `spi` become invalid stack. */
  private invalidateDynptr(frame: Frame, spi: number): void {
    const st = frame.w();
    for (const k of [spi, spi - 1]) {
      for (let j = 0; j < 8; j++) st[k * 8 + j] = STACK_INVALID;
      frame.spill[k] = undefined;
      this.scratchSlots.add(k);
    }
  }

  /** destroy_if_dynptr_stack_slot: a store into a dynptr destroys it (and its slices), unless it holds a reference. */
  private destroyDynptrSlot(s: VState, frame: Frame, spi: number, idx: number): void {
    if (frame.stype[spi * 8] !== STACK_DYNPTR) return;
    if (!frame.spill[spi]?.dynptrFirst) spi++;
    const first = frame.spill[spi];
    if (!first || first.dynptrType === DYNPTR_RINGBUF) fail([], 'cannot overwrite referenced dynptr');
    this.invalidateDynptr(frame, spi);
    for (const f of s.frames) {
      for (let r = 0; r < 11; r++) {
        const reg = f.regs[r];
        if (reg.type === T.MEM && reg.dynptrId === first!.id) f.regs[r] = this.allowPtrLeaks ? scalarReg(idx) : notInit();
      }
    }
  }

  /** unmark_stack_slots_dynptr: a ringbuf dynptr's reference goes, with every slice and copy of it. */
  private releaseDynptr(s: VState, frame: Frame, spi: number, idx: number): void {
    const ref = frame.spill[spi]!.refObjId;
    for (const f of s.frames) {
      for (let k = 1; k < 64; k++) {
        const sp = f.spill[k];
        if (f.stype[k * 8] === STACK_DYNPTR && sp?.dynptrFirst && sp.refObjId === ref) this.invalidateDynptr(f, k);
      }
    }
    this.releaseReference(s, ref, idx);
  }

  /** Release arguments must hold a reference; a referenced argument's reference is remembered. */
  private noteArgReference(s: VState, regno: number, release: boolean, meta: HelperMeta): void {
    const reg = s.cur.regs[regno];
    const isNull = reg.type === T.SCALAR && isKnownZero(reg);
    if (release) {
      if (!reg.refObjId && !isNull) fail([regno], `R${regno} must be referenced when passed to release function`);
      meta.releaseRegno = regno;
    }
    if (reg.refObjId) {
      if (meta.refObjId) fail([regno], `verifier internal error: more than one arg with ref_obj_id R${regno} ${reg.refObjId} ${meta.refObjId}`);
      meta.refObjId = reg.refObjId;
    }
  }

  /** release_reference: drops the reference and invalidates every register and spill holding it. */
  private releaseReference(s: VState, refObjId: number, idx: number): void {
    s.refs = s.refs.filter((r) => r.id !== refObjId);
    const invalid = (): Reg => (this.allowPtrLeaks ? scalarReg(idx) : notInit());
    for (const f of s.frames) {
      for (let r = 0; r < 11; r++) if (f.regs[r].refObjId === refObjId) f.regs[r] = invalid();
      for (let k = 0; k < 64; k++) {
        const sp = f.spill[k];
        if (sp && sp.refObjId === refObjId) f.spill[k] = scalarReg(idx);
      }
    }
  }

  /** check_resource_leak: every acquired reference must be released before `what` (each leak listed). */
  private checkReferenceLeak(s: VState, what: string): void {
    if (!s.refs.length) return;
    fail([], ...s.refs.map((ref) => `Unreleased reference id=${ref.id} alloc_insn=${ref.insn}`), `${what} would lead to reference leak`);
  }

  /** The last constStackValue came from a spilled register (not zeroed bytes). */
  private constKeyFromSpill = false;

  /** The constant a stack pointer points to (zeroed bytes or a spilled constant), if known. */
  private constStackValue(s: VState, reg: Reg, size: number): bigint | undefined {
    // get_constant_map_key: zero bytes counted down from the key's first byte, or a constant
    // scalar spill of exactly the key's size
    if (reg.type !== T.STACK || !tnumIsConst(reg.varOff)) return undefined;
    const frame = this.stackFrame(s, reg);
    this.constKeyFromSpill = false;
    const slot = -(Number(BigInt.asIntN(64, reg.varOff.value)) + reg.off) - 1;
    if (slot < 0 || slot >= 512) return undefined;
    const base = slot & ~7;
    const off = slot & 7;
    let zeros = 0;
    for (let i = off; i >= 0 && frame.stype[base + i] === STACK_ZERO; i--) zeros++;
    if (zeros >= size) return 0n;
    const sp = frame.spill[slot >> 3];
    if (frame.stype[base + 7] !== STACK_SPILL || !sp || sp.type !== T.SCALAR) return undefined;
    let spilled = 0;
    for (let i = off; i >= 0 && frame.stype[base + i] === STACK_SPILL; i--) spilled++;
    if (spilled !== size || !isConst(sp)) return undefined;
    this.constKeyFromSpill = true;
    return sp.varOff.value;
  }

  /**
   * check_helper_mem_access for stack, map value and packet memory passed to helpers.
   * `mustBeInit`: the helper reads the memory (else it only writes it: raw mode); `clobber`: it
   * may write it too (MEM_WRITE), so what was there becomes unknown data.
   */
  private checkHelperMem(
    s: VState, regno: number, reg: Reg, size: number, mustBeInit: boolean, idx: number, zeroOk: boolean,
    clobber = !mustBeInit,
  ): void {
    switch (reg.type) {
      case T.PKT: case T.PKT_META:
        this.checkPacketAccess(regno, reg, reg.off, size);
        return;
      case T.MAP_VALUE: case T.MAP_KEY:
        this.checkMemRegion(regno, reg, reg.off, size, reg.type === T.MAP_KEY ? reg.map!.keySize : reg.map!.valueSize, reg.type === T.MAP_KEY ? 'map key' : 'map value');
        return;
      case T.MEM:
        this.checkMemRegion(regno, reg, reg.off, size, reg.memSize, 'memory');
        return;
      case T.STACK: {
        const frame = this.stackFrame(s, reg);
        if (!tnumIsConst(reg.varOff)) {
          if (!this.allowPtrLeaks) fail([regno], `R${regno} variable stack access prohibited for !root`);
        }
        const base = Number(BigInt.asIntN(64, reg.varOff.value)) + reg.off;
        const minOff = tnumIsConst(reg.varOff) ? base : Number(reg.smin) + reg.off;
        const maxOff = tnumIsConst(reg.varOff) ? base : Number(reg.smax) + reg.off;
        // check_stack_access_within_bounds: even a zero-size access must start below fp
        if (minOff < -MAX_STACK || minOff > -1 || maxOff + size > 0) {
          if (tnumIsConst(reg.varOff)) fail([regno], `invalid${clobber ? ' write to' : ' read from'} stack R${regno} off=${minOff} size=${size}`);
          fail([regno], `invalid variable-offset indirect access to stack R${regno} var_off=${tnumStr(reg.varOff)} size=${size}`);
        }
        if (size === 0 && zeroOk) return;
        if (!mustBeInit) {
          // the helper would write over a dynptr
          for (let o = minOff; o < maxOff + size; o++) {
            if (-o - 1 < frame.allocated && frame.stype[-o - 1] === STACK_DYNPTR) fail([regno], `potential write to dynptr at off=${o} disallowed`);
          }
        }
        frame.allocated = Math.max(frame.allocated, roundUp8(-minOff));
        this.noteDepth(frame);
        if (!mustBeInit && !this.allowPtrLeaks) this.helperStackWriteChecks(frame, minOff, maxOff + size, idx);
        for (let o = minOff; o < maxOff + size; o++) {
          const b = -o - 1;
          const t = frame.stype[b];
          if (!mustBeInit) {
            // the helper writes this memory
            this.scrubSpill(frame, b >> 3);
            frame.w()[b] = STACK_MISC;
            this.scratchSlots.add(b >> 3);
            continue;
          }
          if (t === STACK_MISC) continue;
          if (t === STACK_ZERO) {
            if (clobber) { frame.w()[b] = STACK_MISC; this.scratchSlots.add(b >> 3); }
            continue;
          }
          if (t === STACK_SPILL) {
            const sp = frame.spill[b >> 3];
            if (sp && sp.type !== T.SCALAR && !this.allowPtrLeaks) {
              fail([regno], `invalid read from stack R${regno} off ${minOff}+${o - minOff} size ${size}`);
            }
            if (clobber) { this.scrubSpill(frame, b >> 3); this.scratchSlots.add(b >> 3); }
            continue;
          }
          if (t === STACK_INVALID && this.allowPtrLeaks) {
            if (clobber) { frame.w()[b] = STACK_MISC; this.scratchSlots.add(b >> 3); }
            continue;
          }
          if (tnumIsConst(reg.varOff)) {
            fail([regno], `invalid read from stack R${regno} off ${minOff}+${o - minOff} size ${size}`);
          }
          fail([regno], `invalid read from stack R${regno} var_off ${tnumStr(reg.varOff)}+${o - minOff} size ${size}`);
        }
        return;
      }
      default:
        return;
    }
  }

  private logReturn(callee: Frame, caller: Frame, to: number): void {
    this.emit(this.logLine);
    this.logLine = '';
    this.emit('returning from callee:');
    this.emit(frameText(callee));
    this.emit(`to caller at ${to}:`);
    this.emit(frameText(caller));
  }

  /**
   * Queues one run of the callback, as a call from this instruction (its R0 must be in [0, 1]);
   * the run returns to the call, which queues the next until bpf_loop's count or convergence.
   */
  private pushCallback(s: VState, idx: number, subprog: number, helperId: number, map: MapInfo | undefined, pending: VState[]): void {
    if (helperId === 181 && BigInt(s.cur.callbackDepth) >= s.cur.regs[1].umax) {
      s.cur.callbackDepth = 0;
      return;
    }
    this.checkJmpSeq(pending);
    if (s.frames.length >= MAX_CALL_FRAMES) fail([], `the call stack of ${s.frames.length + 1} frames is too deep`);
    const cb = s.clone();
    cb.cur.callbackDepth++;
    s.cur.callbackDepth = 0;
    const frame = new Frame(idx, s.frames.length, subprog);
    frame.inCallback = true;
    frame.callbackRet = [0, 1];
    frame.callbackCall = idx;
    const caller = s.cur.regs;
    frame.regs[10] = pointerReg(T.STACK, -1, { frameno: frame.frameno });
    if (helperId === 181) {
      frame.regs[1] = scalarReg(idx);
      frame.regs[2] = caller[3].clone();
    } else if (helperId === 180) {
      // set_find_vma_callback_state: (task, vma, ctx)
      frame.regs[1] = caller[1].clone();
      const btf = this.btf();
      frame.regs[2] = pointerReg(T.BTF_ID, idx, { btfName: 'vm_area_struct', btfId: btf?.structByName('vm_area_struct') ?? 0 });
      frame.regs[3] = caller[4].clone();
    } else if (helperId === 209) {
      // set_user_ringbuf_callback_state: each sample comes as a const dynptr
      frame.regs[1] = pointerReg(T.DYNPTR, idx, { id: this.newId(), dynptrType: DYNPTR_LOCAL, dynptrFirst: true });
      frame.regs[2] = caller[3].clone();
    } else {
      frame.regs[1] = pointerReg(T.MAP_PTR, idx, { map });
      frame.regs[2] = pointerReg(T.MAP_KEY, idx, { map });
      frame.regs[3] = pointerReg(T.MAP_VALUE, idx, { map });
      frame.regs[4] = caller[3].clone();
    }
    cb.frames.push(frame);
    cb.insnIdx = subprog;
    cb.callbackDepth = s.callbackDepth + 1;
    cb.path = { insn: idx, kind: 'call', prev: s.path };
    this.pushBranch(pending, cb);
  }

  private checkPseudoCall(s: VState, insn: Instruction, idx: number): 'next' {
    const target = idx + insn.imm + 1;
    if (s.frames.length >= MAX_CALL_FRAMES) {
      fail([], `the call stack of ${s.frames.length + 1} frames is too deep`);
    }
    const frame = new Frame(idx, s.frames.length, target);
    const caller = s.cur.regs;
    for (let r = 1; r <= 5; r++) frame.regs[r] = caller[r].clone();
    // the caller's argument registers are gone once the callee runs (clear_caller_saved_regs)
    for (let r = 1; r <= 5; r++) caller[r] = notInit();
    frame.regs[10] = pointerReg(T.STACK, -1, { frameno: frame.frameno });
    s.frames.push(frame);
    s.path = { insn: idx, kind: 'call', prev: s.path };
    if (this.opts.logLevel > 0) {
      this.emit(this.logLine);
      this.logLine = '';
      // print_verifier_state ends every frame's dump with the state's references
      const refs = s.refs.map((r) => r.id);
      this.emit('caller:');
      this.emit(frameText(s.frames[s.frames.length - 2], 0x7ff, undefined, refs));
      this.emit('callee:');
      this.emit(frameText(frame, 0x7ff, undefined, refs));
      // the state after the call goes on a line of its own, under the callee's first instruction
      this.pendingLine = `${target}:${frameText(frame, 0x7ff, undefined, refs, !this.bpfCapable)}`;
      this.pendingBare = '';
      this.pendingState = '';
    }
    s.insnIdx = target;
    return 'next';
  }

  /** Deepest stack use of each subprogram (by start slot) over all paths. */
  private readonly subprogDepth = new Map<number, number>();

  private noteDepth(frame: Frame): void {
    const prev = this.subprogDepth.get(frame.subprog) ?? 0;
    if (frame.allocated > prev) this.subprogDepth.set(frame.subprog, frame.allocated);
  }

  /** fixup_kfunc_call: a kernel function call to btf id 0 that verification did not remove. */
  private checkKfuncFixup(): RawError | undefined {
    if (this.uneliminatedKfunc === undefined) return undefined;
    const msg = 'invalid kernel function call not eliminated in verifier pass';
    this.emit(msg);
    return { lines: [msg], insn: this.uneliminatedKfunc, path: [], regs: [] };
  }

  /** convert_ctx_accesses: a load the access check allowed but no field conversion covers. */
  private checkCtxConversion(): RawError | undefined {
    if (this.unconvertibleLoad === undefined) return undefined;
    const msg = 'verifier bug: error during ctx access conversion (0)';
    this.emit(msg);
    return { lines: [msg], insn: this.unconvertibleLoad, path: [], regs: [] };
  }

  /** check_max_stack_depth: the sum along every call chain of each frame's depth, rounded to 16. */
  private checkCombinedStack(): RawError | undefined {
    const n = this.slots.count;
    const starts = this.subprogs;
    const endOf = (k: number): number => (k + 1 < starts.length ? starts[k + 1] : n);
    const calls = new Map<number, { at: number; target: number }[]>();
    starts.forEach((st, k) => {
      const list: { at: number; target: number }[] = [];
      for (let i = st; i < endOf(k); i++) {
        const insn = this.slots.at[i];
        if (insn && insn.code === 0x85 && insn.src === 1) list.push({ at: i, target: i + insn.imm + 1 });
      }
      calls.set(st, list);
    });
    // round_up_stack_depth with the JIT on (x86-64): each frame to 16 bytes, an empty frame costs nothing
    const depthOf = (sp: number): number => Math.ceil((this.subprogDepth.get(sp) ?? 0) / 16) * 16;
    let found: RawError | undefined;
    const walk = (sp: number, total: number, frames: number, seen: Set<number>): void => {
      if (found) return;
      const sum = total + depthOf(sp);
      if (sum > MAX_STACK) {
        const msg = `combined stack size of ${frames} calls is ${sum}. Too large`;
        this.emit(msg);
        found = { lines: [msg], insn: 0, path: [], regs: [] };
        return;
      }
      for (const c of calls.get(sp) ?? []) {
        if (seen.has(c.target)) continue;
        seen.add(c.target);
        walk(c.target, sum, frames + 1, seen);
        seen.delete(c.target);
      }
    };
    walk(0, 0, 1, new Set([0]));
    return found;
  }

  private checkExit(s: VState, idx: number): 'next' | 'exit' {
    const frame = s.cur;
    if (s.frames.length > 1) {
      if (frame.inCallback) {
        const r0 = this.readReg(s, 0);
        if (r0.type !== T.SCALAR) fail([0], `At callback return the register R0 is not a known value (${regTypeName(r0)})`);
        const [lo, hi] = frame.callbackRet ?? [0, 1];
        if (r0.smin < BigInt(lo) || r0.smax > BigInt(hi)) {
          fail([0], invalidScalar('At callback return', 'R0', r0, lo, hi));
        }
        // Back to the helper call, which starts the callback again until the states converge.
        const callee = s.frames.pop()!;
        s.path = { insn: idx, kind: 'return', prev: s.path };
        if (this.opts.logLevel > 0) this.logReturn(callee, s.cur, callee.callsite);
        s.insnIdx = callee.callsite;
        const prev = this.findPrevEntry(s, callee.callsite, (s.parent?.depth ?? -1) + 1);
        if (prev) this.widenImprecise(prev.state, s, callee.callsite);
        this.scratchRegs = 0;
        return 'next';
      }
      // return to the caller
      const callee = s.frames.pop()!;
      const caller = s.cur;
      const r0 = callee.regs[0];
      if (r0.type === T.STACK && r0.frameno === callee.frameno) {
        fail([0], 'cannot return stack pointer to the caller');
      }
      caller.regs[0] = r0.clone();
      for (let r = 1; r <= 5; r++) caller.regs[r] = notInit();
      s.path = { insn: idx, kind: 'return', prev: s.path };
      if (this.opts.logLevel > 0) this.logReturn(callee, caller, callee.callsite + 1);
      s.insnIdx = callee.callsite + 1;
      this.scratchRegs = 0;
      return 'next';
    }
    this.checkReferenceLeak(s, 'BPF_EXIT instruction in main prog');
    const r0 = this.readReg(s, 0);
    if (this.isPointerValue(r0)) fail([0], 'R0 leaks addr as return value');
    const range = returnRange(this.opts.progType);
    if (range) {
      if (r0.type !== T.SCALAR) fail([0], `At program exit the register R0 is not a known value (${regTypeName(r0)})`);
      if (r0.smin < BigInt(range[0]) || r0.smax > BigInt(range[1])) {
        fail([0], invalidScalar('At program exit', 'R0', r0, range[0], range[1]));
      }
    }
    return 'exit';
  }
}

let cpuCount: number | undefined;

/** nr_cpu_ids of this machine: /sys/devices/system/cpu/possible, else the CPUs node sees. */
function possibleCpus(): number {
  if (cpuCount !== undefined) return cpuCount;
  cpuCount = 1;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require('node:fs') as typeof import('node:fs');
    const text = fs.readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    const last = text.split(',').pop()!.split('-').pop()!;
    cpuCount = Number(last) + 1 || 1;
  } catch {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cpuCount = Math.max(1, (require('node:os') as typeof import('node:os')).cpus().length);
    } catch {
      cpuCount = 1;
    }
  }
  return cpuCount;
}

// kernelValidate depends only on code, dst, src, off and imm: its answers are shared across runs.
const validateCache = new Map<number, Map<number, string | null>>();
let validateCacheSize = 0;

function cachedKernelValidate(insn: Instruction): string | null {
  const { code, dst, src, off, imm } = insn;
  const plain = (code & 0xff) === code && (dst & 0xf) === dst && (src & 0xf) === src && (off | 0) === off &&
    off >= -0x8000 && off < 0x8000 && (imm | 0) === imm;
  if (!plain) return kernelValidate(insn);
  const key = code | (dst << 8) | (src << 12) | ((off & 0xffff) << 16);
  let byImm = validateCache.get(key);
  if (!byImm) {
    if (validateCacheSize > 100_000) { validateCache.clear(); validateCacheSize = 0; }
    validateCache.set(key, byImm = new Map());
  }
  let bad = byImm.get(imm);
  if (bad === undefined) {
    byImm.set(imm, bad = kernelValidate(insn));
    validateCacheSize++;
  }
  return bad;
}

/** The kernel's own reserved-field checks (do_check wording), falling back to the ISA validator. */
function kernelValidate(insn: Instruction): string | null {
  const { code, dst, src, off, imm } = insn;
  const cls = code & 7;
  const op = code & 0xf0;
  const x = (code & 8) !== 0;
  if (cls === 0x05 || cls === 0x06) {
    if (op === 0x90) {
      // the kernel does not look at off for exit
      return x || imm !== 0 || src !== 0 || dst !== 0 || cls === 0x06 ? 'BPF_EXIT uses reserved fields' : null;
    }
    if (op === 0x80) {
      if (cls === 0x06) return 'BPF_CALL uses reserved fields';
      if (x) return validate(insn) ?? null;
      if (off !== 0 || (src !== 0 && src !== 1 && src !== 2) || dst !== 0) return 'BPF_CALL uses reserved fields';
      return null;
    }
  }
  if ((cls === 0x04 || cls === 0x07) && op === 0xb0) {
    // BPF_ADDR_SPACE_CAST (mov64 with off=1): arena pointers, which our maps cannot give a program
    if (cls === 0x07 && x && off === 1) {
      return imm !== 1 && imm !== 0x10000
        ? 'addr_space_cast insn can only convert between address space 1 and 0'
        : 'addr_space_cast insn can only be used in a program that has an associated arena';
    }
    const bad = validate(insn);
    return bad ? 'BPF_MOV uses reserved fields' : null;
  }
  if (cls === 0x03 && (code & 0xe0) === 0xc0 && ((code & 0x18) === 0x08 || (code & 0x18) === 0x10) && ATOMIC_OPS.has(imm)) {
    // read-modify-write atomics on 1 or 2 bytes (check_atomic_rmw)
    return 'invalid atomic operand size';
  }
  const bad = validate(insn);
  return bad ? kernelReservedMessage(bad) : null;
}

/** Our ISA validator's wording -> the kernel's for the same reserved-field checks. */
function kernelReservedMessage(m: string): string {
  if (m === 'BPF_JMP uses reserved fields') return 'BPF_JMP/JMP32 uses reserved fields';
  if (m.startsWith('invalid byte swap width')) return 'BPF_END uses reserved fields';
  return m;
}

function invalidScalar(ctx: string, name: string, r: Reg, lo: number, hi: number): string {
  let out = `${ctx} the register ${name} has`;
  let unknown = true;
  if (r.smin > S64_MIN) { out += ` smin=${r.smin}`; unknown = false; }
  if (r.smax < S64_MAX) { out += ` smax=${r.smax}`; unknown = false; }
  if (unknown) out += ' unknown scalar value';
  return `${out} should have been in [${lo}, ${hi}]`;
}

interface HelperMeta {
  map?: MapInfo;
  /** A dynptr argument that is read: its id and reference (for bpf_dynptr_data's slice). */
  dynptr?: { id: number; refObjId: number };
  /** The dynptr a release function (ringbuf submit/discard) releases. */
  releaseDynptr?: { frame: Frame; spi: number };
  func?: number;
  /** The argument register a release function releases. */
  releaseRegno?: number;
  /** The reference held by the (one) referenced argument. */
  refObjId?: number;
  memReg?: number;
  /** The largest value of the last size argument (msize_max_value). */
  msizeMax?: bigint;
  allocSize?: number;
  constKey?: bigint;
}

/**
 * Argument registers a helper call reads, for the liveness listing: a helper the program type does
 * not get reads R1-R5 (the kernel finds no prototype); outside tc, get_cgroup_classid is the
 * no-argument variant for the current task.
 */
function liveHelperArgs(id: number, progType: ProgType, unprivileged = false): number {
  if (id === 17 && progType !== 'sched_cls' && progType !== 'sched_act') return 0;
  if (!helperIsAllowed(progType, id, unprivileged)) return 5;
  return Math.min(5, helperProto(id, progType)?.args.length ?? 5);
}

/** Helpers returning a length bounded by their size argument: probe_read_str, get_stack, probe_read_user/kernel_str, get_task_stack. */
const REFINE_TO_SIZE = new Set([45, 67, 114, 115, 141]);

const isSockType = (t: T): boolean => t === T.SOCKET || t === T.SOCK_COMMON || t === T.TCP_SOCK || t === T.XDP_SOCK;
const sizeOf = (code: number): number => [4, 2, 1, 8][(code & 0x18) >> 3];
/** Bits needed for the largest unsigned value the register may hold (get_reg_width). */
const regWidth = (r: Reg): number => (r.umaxHi !== 0 ? 64 - Math.clz32(r.umaxHi) : 32 - Math.clz32(r.umaxLo));
const roundUp8 = (n: number): number => Math.ceil(n / 8) * 8;

function regsArgSize(meta: { allocSize?: number }): number {
  return meta.allocSize ?? 0;
}

/** enum bpf_map_type numbers of the map types a message may name. */
const MAP_TYPE_NUMBERS: Record<string, number> = { hash: 1, array: 2, prog_array: 3, perf_event_array: 4, percpu_hash: 5, percpu_array: 6, ringbuf: 27 };

function mapTypeNum(map: MapInfo | undefined): number {
  return map ? MAP_TYPE_NUMBERS[map.type] ?? 0 : 0;
}

/** A packet pointer compared with pkt_end once it is known to be at or past the end (is_pkt_ptr_branch_taken). */
function pktBranchTaken(a: Reg, b: Reg, op: number): number {
  let pkt: Reg;
  if (b.type === T.PKT_END) pkt = a;
  else if (a.type === T.PKT_END) { pkt = b; op = swapOp(op); }
  else return -1;
  if (pkt.range >= 0) return -1;
  if ((op === 0xb0 || op === 0x20) && pkt.range === BEYOND_PKT_END) return op === 0x20 ? 1 : 0;
  if ((op === 0xa0 || op === 0x30) && (pkt.range === BEYOND_PKT_END || pkt.range === AT_PKT_END)) return op === 0x30 ? 1 : 0;
  return -1;
}

/** check_mem_region_access's message for an access at offset o. */
function memRegionText(what: string, memSize: number, o: number | bigint, size: number): string {
  if (what === 'map value') return `invalid access to map value, value_size=${memSize} off=${o} size=${size}`;
  if (what === 'map key') return `invalid access to map key, key_size=${memSize} off=${o} size=${size}`;
  return `invalid access to memory, mem_size=${memSize} off=${o} size=${size}`;
}

/** rev_opcode: the condition that holds on the fallthrough path. */
function revOp(op: number, _x: boolean): number {
  switch (op) {
    case 0x10: return 0x50;
    case 0x50: return 0x10;
    case 0x40: return 0x140; // "JSET false": none of the bits set
    case 0x20: return 0xb0;
    case 0xb0: return 0x20;
    case 0x30: return 0xa0;
    case 0xa0: return 0x30;
    case 0x60: return 0xd0;
    case 0xd0: return 0x60;
    case 0x70: return 0xc0;
    case 0xc0: return 0x70;
    default: return op;
  }
}

/** The same comparison with the operands swapped. */
function swapOp(op: number): number {
  switch (op) {
    case 0x20: return 0xa0;
    case 0xa0: return 0x20;
    case 0x30: return 0xb0;
    case 0xb0: return 0x30;
    case 0x60: return 0xc0;
    case 0xc0: return 0x60;
    case 0x70: return 0xd0;
    case 0xd0: return 0x70;
    default: return op;
  }
}

export { regText, regTypeStr, scalarBranchTaken, tnumClearSubreg };
