// The debugger's runtime: loads a program into the VM and moves it forwards and backwards, with
// breakpoints, and reports stops and output as events. Knows nothing of DAP (session.ts translates).
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import type { AssembledFile } from '../core/asm/program';
import { ctxStruct } from '../core/ctx-layouts';
import { helperById } from '../core/helpers/table';
import { errnoName } from '../core/kernel/errno';
import type { ProgType } from '../core/program-types';
import { TAG_MEM, TAG_REG, TAG_STEP } from '../core/vm/codegen';
import { bytesToHex, mapsToJson, retvalMeaning } from '../core/vm/loader';
import type { DebugState, Machine, RunInput, WriteEvent } from '../core/vm/machine';
import { splitAddr } from '../core/vm/memory';
import { evaluateExpression, formatLogMessage, type EvalHost, EvalError } from './expr';
import { prepareLaunch, type LaunchArgs, type ProgramInfo } from './launch';
import { mapChanges, packetDiff } from './run-summary';
import { sourceLocations, type SourceLocation } from './sources';
import { parseState, type StateEntries } from './verifier-state';
import { hasBackEdge } from '../core/verifier/loops';
import type { VerifyResult } from '../core/verifier';
import { verifyBounded, verifyNow } from './verify-job';

export type { LaunchArgs, ProgramInfo } from './launch';
export type { SourceLocation } from './sources';

export type StopKind =
  | 'entry' | 'step' | 'breakpoint' | 'function breakpoint' | 'instruction breakpoint' | 'data breakpoint'
  | 'exception' | 'exit' | 'restart';

export interface StopInfo {
  reason: StopKind;
  description?: string;
  text?: string;
  breakpointIds?: number[];
}

export interface OutputInfo {
  category: 'console' | 'stdout' | 'stderr';
  text: string;
}

export interface BreakpointSpec {
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

export interface ResolvedBreakpoint {
  id: number;
  verified: boolean;
  message?: string;
  /** Zero-based source line the breakpoint landed on. */
  line?: number;
  prog?: number;
  slot?: number;
}

interface UserBreakpoint extends BreakpointSpec {
  id: number;
  /** Source file of a source breakpoint. */
  path?: string;
  kind: 'source' | 'function' | 'instruction';
  prog: number;
  slot: number;
  hits: number;
}

export interface DataBreakpoint {
  id: number;
  /** `mem:<address hex>:<size>` or `reg:<n>`. */
  dataId: string;
  condition?: string;
}

export interface FrameInfo {
  name: string;
  path?: string;
  prog: number;
  slot: number;
  line?: number;
  depth: number;
  /** A frame of the tail-call chain (the program that tail-called into the one above). */
  tail?: boolean;
}

/** Instructions a line step may take before it stops anyway (a line that loops on itself). */
const LINE_STEP_LIMIT = 100_000;
/** Instructions run at a time between looks for data breakpoints. */
const CHUNK_STEPS = 4096;

export const CODE_BASE = 0xffffffff81000000n;
export const CODE_PROG_STRIDE = 0x1000000n;

export const codeAddress = (prog: number, slot: number): bigint => CODE_BASE + BigInt(prog) * CODE_PROG_STRIDE + BigInt(slot) * 8n;

export function codeLocation(addr: bigint): { prog: number; slot: number } | undefined {
  const rel = addr - CODE_BASE;
  if (rel < 0n || rel % 8n !== 0n) return undefined;
  return { prog: Number(rel / CODE_PROG_STRIDE), slot: Number((rel % CODE_PROG_STRIDE) / 8n) };
}

const isPseudoCall = (m: Machine, prog: number, slot: number): boolean => {
  const insn = m.programs[prog]?.slots[slot];
  return insn !== undefined && insn.code === 0x85 && insn.src === 1;
};
/** The verdict stand-in for a program run without the verifier (skipped, or too slow). */
const unverified = (): VerifyResult => ({ accepted: true, errors: [], log: '', processed: 0, states: [], statePaths: [], warnings: [], totalStates: 0, peakStates: 0 });

const isHelperCall = (m: Machine, prog: number, slot: number): boolean => {
  const insn = m.programs[prog]?.slots[slot];
  return insn !== undefined && insn.code === 0x85 && insn.src === 0;
};

export declare interface BpfRuntime {
  on(event: 'stop', listener: (stop: StopInfo) => void): this;
  on(event: 'output', listener: (out: OutputInfo) => void): this;
  on(event: 'end', listener: () => void): this;
}

export class BpfRuntime extends EventEmitter {
  machine!: Machine;
  file!: AssembledFile;
  programs: ProgramInfo[] = [];
  progType: ProgType | undefined;
  /** Absolute path of the program file. */
  sourcePath = '';
  /**
   * Source location of each slot, per program: the assembly file, or for an object built with
   * clang -g the C file of its BTF line info. Slots without one are debugged by instruction.
   */
  private locs: (SourceLocation | undefined)[][] = [];
  /** Sources that exist only as the line texts BTF recorded (the file is not on disk): path -> lines. */
  readonly virtualSources = new Map<string, string[]>();
  input: RunInput = {};
  private args!: LaunchArgs;
  private initialMaps: ReturnType<typeof mapsToJson> = {};
  private outputShown = 0;
  /** The program has exited or faulted; going forward again ends the session. */
  ended = false;
  private nextId = 1;
  private bps: UserBreakpoint[] = [];
  private dataBps: DataBreakpoint[] = [];
  breakOnHelperErrors = false;
  breakOnFaults = true;
  /** Tail-call chain: program indices left by tail calls, oldest first, with the count of tail calls at that point. */
  private tailChain: { prog: number; slot: number; tailCalls: number; count: number }[] = [];
  /** Slots of bpf_tail_call instructions, per program (only when the file has several programs). */
  private tailCallSlots = new Map<number, Set<number>>();
  /** Programs (tail-call targets) being verified in a worker. */
  private readonly verifying = new Set<number>();
  /** Why the program was not verified (the verifier ran out of time), if so. */
  verifierMissing: string | undefined;

  // ---- loading ------------------------------------------------------------------------------------

  /** Loads the program and prepares a run; returns an error message for a bad configuration. */
  async load(args: LaunchArgs): Promise<string | undefined> {
    this.args = args;
    this.verifying.clear();
    this.verifierMissing = args.skipVerifier ? 'skipped' : undefined;
    const prepared = prepareLaunch(args);
    if (typeof prepared === 'string') return prepared;
    ({ file: this.file, machine: this.machine, progType: this.progType, programs: this.programs, sourcePath: this.sourcePath, input: this.input } = prepared);
    this.locs = sourceLocations(prepared, this.virtualSources);
    const main = this.programs[0]!;
    if (args.skipVerifier) {
      main.verifier = unverified();
      return this.begin();
    }
    const verdict = await verifyBounded({ program: main.program, maps: this.file.maps, progType: this.progType }, args.verifierTimeoutMs);
    if (typeof verdict === 'string') {
      this.verifierMissing = verdict;
      main.verifier = unverified();
      this.emitOutput('stderr', `Not verified: ${verdict} (long loops take it long); running without its verdict and its register ranges.\n`);
      return this.begin();
    }
    main.verifier = verdict;
    if (!main.verifier.accepted) {
      const e = main.verifier.errors[0]!;
      const line = main.program.insns.find((i) => i.slot === e.insn)?.line;
      const where = `instruction ${e.insn}${line !== undefined ? `, line ${line + 1}` : ''}`;
      const msg = `The verifier rejects the program at ${where}: ${e.message}${e.notes.length ? '\n  ' + e.notes.join('\n  ') : ''}${e.explanation ? `\n  ${e.explanation}` : ''}`;
      if (args.verifyFirst !== false) return `${msg}\nSet "verifyFirst": false in the launch configuration to debug it anyway.`;
      this.emitOutput('stderr', `${msg}\n(running anyway: "verifyFirst" is false)\n`);
    }
    return this.begin();
  }

  /** Whether `path` is a source file of the program (breakpoints can be set in it). */
  knowsFile(path: string): boolean {
    const want = resolve(path);
    return this.locs.some((prog) => prog.some((l) => l !== undefined && (l.path === path || resolve(l.path) === want)));
  }

  location(prog: number, slot: number): SourceLocation | undefined {
    return this.locs[prog]?.[slot];
  }

  /** (Re)starts the run from the first instruction. */
  private begin(): string | undefined {
    const st = this.machine.begin(this.input, true);
    if (st.reason === 'fault') return `ctx: ${this.machine.fault?.message ?? 'the context could not be built'}`;
    this.initialMaps = mapsToJson(this.machine);
    this.outputShown = 0;
    this.ended = false;
    this.tailChain = [];
    this.tailCallSlots.clear();
    if (this.machine.programs.length > 1) {
      this.machine.programs.forEach((p, i) => {
        const slots = new Set<number>();
        p.slots.forEach((insn, s) => { if (insn && insn.code === 0x85 && insn.src === 0 && insn.imm === 12) slots.add(s); });
        if (slots.size) this.tailCallSlots.set(i, slots);
      });
    }
    this.applyBreakpoints();
    return undefined;
  }

  // ---- breakpoints --------------------------------------------------------------------------------

  /** Slots of each source line (zero-based) of a file, across the programs: the first slot of each run of a line. */
  lineSlots(path: string): { line: number; prog: number; slot: number }[] {
    const want = resolve(path);
    const out: { line: number; prog: number; slot: number }[] = [];
    this.locs.forEach((slots, prog) => {
      let prev: SourceLocation | undefined;
      slots.forEach((l, slot) => {
        if (l && (l.path === path || resolve(l.path) === want) && !(prev && prev.path === l.path && prev.line === l.line)) out.push({ line: l.line, prog, slot });
        if (l) prev = l;
      });
    });
    return out.sort((a, b) => a.line - b.line || a.prog - b.prog || a.slot - b.slot);
  }

  /** Replaces the source breakpoints of a file; lines are zero-based. Each lands on the nearest instruction at or after its line. */
  setSourceBreakpoints(path: string, lines: (BreakpointSpec & { line: number })[]): ResolvedBreakpoint[] {
    const want = resolve(path);
    this.bps = this.bps.filter((b) => b.kind !== 'source' || resolve(b.path ?? '') !== want);
    const all = this.lineSlots(path);
    const out = lines.map((req): ResolvedBreakpoint => {
      const id = this.nextId++;
      const at = all.find((x) => x.line >= req.line);
      if (!at) return { id, verified: false, message: 'no instruction at or after this line' };
      const err = this.checkSpec(req);
      if (err) return { id, verified: false, message: err, line: at.line };
      this.bps.push({ ...req, id, kind: 'source', path, prog: at.prog, slot: at.slot, hits: 0 });
      return { id, verified: true, line: at.line, prog: at.prog, slot: at.slot };
    });
    this.applyBreakpoints();
    return out;
  }

  setFunctionBreakpoints(list: (BreakpointSpec & { name: string })[]): ResolvedBreakpoint[] {
    this.bps = this.bps.filter((b) => b.kind !== 'function');
    const out = list.map((req): ResolvedBreakpoint => {
      const id = this.nextId++;
      for (const p of this.programs) {
        const slot = p.program.labels.get(req.name) ?? p.program.functions.find((f) => f.name === req.name)?.slot
          ?? (p.program.name === req.name || p.program.section === req.name ? 0 : undefined);
        if (slot === undefined) continue;
        const err = this.checkSpec(req);
        if (err) return { id, verified: false, message: err };
        this.bps.push({ ...req, id, kind: 'function', prog: p.index, slot, hits: 0 });
        return { id, verified: true, prog: p.index, slot, line: this.lineOf(p.index, slot) };
      }
      return { id, verified: false, message: `no function or label named '${req.name}'` };
    });
    this.applyBreakpoints();
    return out;
  }

  setInstructionBreakpoints(list: (BreakpointSpec & { address: bigint })[]): ResolvedBreakpoint[] {
    this.bps = this.bps.filter((b) => b.kind !== 'instruction');
    const out = list.map((req): ResolvedBreakpoint => {
      const id = this.nextId++;
      const loc = codeLocation(req.address);
      if (!loc || !this.machine.programs[loc.prog]?.slots[loc.slot]) return { id, verified: false, message: `no instruction at 0x${req.address.toString(16)}` };
      const err = this.checkSpec(req);
      if (err) return { id, verified: false, message: err };
      this.bps.push({ ...req, id, kind: 'instruction', prog: loc.prog, slot: loc.slot, hits: 0 });
      return { id, verified: true, ...loc, line: this.lineOf(loc.prog, loc.slot) };
    });
    this.applyBreakpoints();
    return out;
  }

  setDataBreakpoints(list: { dataId: string; condition?: string }[]): { id: number; verified: boolean; message?: string }[] {
    this.dataBps = [];
    return list.map((d) => {
      const id = this.nextId++;
      if (!/^(mem:0x[0-9a-f]+:\d+|reg:\d+)$/.test(d.dataId)) return { id, verified: false, message: `unknown data id '${d.dataId}'` };
      this.dataBps.push({ id, dataId: d.dataId, condition: d.condition });
      return { id, verified: true };
    });
  }

  private checkSpec(spec: BreakpointSpec): string | undefined {
    if (spec.hitCondition && !/^\s*(>=|<=|==|>|<|%)?\s*\d+\s*$/.test(spec.hitCondition)) {
      return `hit count '${spec.hitCondition}' is not understood: use N (stop from the Nth hit on), ==N, >N, >=N, <N, <=N or %N`;
    }
    return undefined;
  }

  private applyBreakpoints(extra?: Map<number, Set<number>>): void {
    if (!this.machine) return;
    for (let p = 0; p < this.machine.programs.length; p++) {
      const slots = new Set<number>(this.bps.filter((b) => b.prog === p).map((b) => b.slot));
      for (const s of extra?.get(p) ?? []) slots.add(s);
      this.machine.setBreakpoints(slots, p);
    }
  }

  // ---- evaluation ---------------------------------------------------------------------------------

  readonly evalHost: EvalHost = {
    register: (n) => this.machine.registers()[n]!,
    read: (addr, size) => this.machine.readMemory(addr, size),
    mapElement: (name, key) => {
      const map = this.machine.mapsByName.get(name);
      if (!map) return undefined;
      const kb = new Uint8Array(map.def.keySize);
      for (let i = 0; i < kb.length; i++) kb[i] = Number((key >> BigInt(8 * i)) & 0xffn);
      const addr = { hi: 0, lo: 0 };
      if (!map.lookup(kb, addr)) return `${name} has no element with key ${key}`;
      const address = (BigInt(addr.hi >>> 0) << 32n) | BigInt(addr.lo >>> 0);
      const bytes = this.machine.readMemory(address, map.def.valueSize);
      if (typeof bytes === 'string') return bytes;
      return { bytes, address };
    },
    contextField: (name, index) => this.contextField(name, index),
  };

  /** Context bytes as the program would load them (fields the kernel rewrites, such as data, as pointers). */
  readContext(off: number, size: number): bigint | string {
    const c = this.machine.ctx;
    if (!c || (c.r1l === 0 && c.r1h === 0)) return 'this program has no context';
    const region = this.machine.space.near(c.r1h);
    if (!region) return 'no context region';
    const rel = (c.r1l >>> 0) - (region.lo >>> 0) + off;
    if (region.ctx && !region.plain) {
      const res = { hi: 0 };
      const v = region.ctx.load(rel, size, res);
      if (typeof v === 'string') return v;
      return (BigInt(res.hi >>> 0) << 32n) | BigInt(v >>> 0);
    }
    if (rel < 0 || rel + size > region.size) return 'out of the context';
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(region.bytes[rel + i]!);
    return v;
  }

  /** A context field by name (`mark`, `cb` with an index); undefined when the context has no such field. */
  contextField(name: string, index?: number): bigint | string | undefined {
    const f = ctxStruct(this.progType)?.fields.find((x) => x.name === name);
    if (!f) return undefined;
    const i = index ?? 0;
    if (f.count === undefined && index !== undefined) return `${name} is not an array`;
    if (i < 0 || i >= (f.count ?? 1)) return `${name}[${i}] is out of range (${f.count} elements)`;
    return this.readContext(f.offset + i * f.size, f.size);
  }

  evaluate(expr: string): ReturnType<typeof evaluateExpression> {
    return evaluateExpression(expr, this.evalHost);
  }

  // ---- where we are -------------------------------------------------------------------------------

  get progIndex(): number {
    return this.machine.progIndex;
  }

  lineOf(prog: number, slot: number): number | undefined {
    return this.location(prog, slot)?.line;
  }

  functionAt(prog: number, slot: number): string {
    const fns = this.programs[prog]?.functions ?? [];
    let name = this.machine.programs[prog]?.name ?? `program ${prog}`;
    for (const f of fns) if (f.slot <= slot) name = f.name;
    return name;
  }

  /** The slot of the instruction executed last (from the undo log), if any. */
  previousSlot(): number | undefined {
    const log = undoLog(this.machine);
    if (!log) return undefined;
    const U = log.values;
    for (let i = log.length - 1; i >= 0;) {
      const tag = U[i]!;
      if (tag === TAG_STEP) return U[i - 3];
      i -= tag === TAG_REG ? 4 : tag === TAG_MEM ? 6 : 2;
    }
    return undefined;
  }

  /** The verifier's state (every path) before the current instruction. */
  verifierStateHere(): StateEntries[] {
    const m = this.machine;
    const info = this.programs[m.progIndex];
    if (!info) return [];
    if (!info.verifier) {
      // A tail-call target, verified when first shown: in a worker when it loops (it may take long).
      const job = { program: info.program, maps: this.file.maps, progType: this.progType };
      if (!hasBackEdge(info.program)) info.verifier = verifyNow(job);
      else if (!this.verifying.has(info.index)) {
        this.verifying.add(info.index);
        void verifyBounded(job).then((r) => { if (typeof r !== 'string') info.verifier = r; });
      }
    }
    if (!info.verifier) return [];
    if (m.pc === 0 && m.depth === 0) return parseState(['R1=ctx() R10=fp0']);
    const prev = this.previousSlot();
    if (prev === undefined) return [];
    return parseState(info.verifier.statePaths[prev]);
  }

  /** Frames, innermost first: bpf-to-bpf calls, then the tail-call chain. */
  frames(): FrameInfo[] {
    const m = this.machine;
    const prog = m.progIndex;
    const at = (p: number, slot: number): { path?: string; line?: number } => ({ path: this.location(p, slot)?.path, line: this.location(p, slot)?.line });
    const out: FrameInfo[] = [{ name: this.functionAt(prog, m.pc), prog, slot: m.pc, ...at(prog, m.pc), depth: m.depth }];
    const rets = m.callStack();
    for (let i = rets.length - 1; i >= 0; i--) {
      const ret = rets[i]!;
      if (ret < 0) {
        out.push({ name: '[helper calling back]', prog, slot: m.pc, depth: i });
        continue;
      }
      const slot = ret - 1;
      out.push({ name: this.functionAt(prog, slot), prog, slot, ...at(prog, slot), depth: i });
    }
    for (let i = this.tailChain.length - 1; i >= 0; i--) {
      const t = this.tailChain[i]!;
      out.push({ name: `${this.functionAt(t.prog, t.slot)} [tail call]`, prog: t.prog, slot: t.slot, ...at(t.prog, t.slot), depth: 0, tail: true });
    }
    return out;
  }

  // ---- moving -------------------------------------------------------------------------------------

  private needsSingleStep(): boolean {
    return this.dataBps.length > 0;
  }

  /** Stops at the first instruction (after launch or restart). */
  start(stopOnEntry: boolean): void {
    if (stopOnEntry) { this.report({ reason: 'entry' }); return; }
    // A breakpoint on the first instruction counts (continuing from a place never stops there again).
    const user = this.userBreakpointHit(true);
    if (user) this.report(user);
    else this.continue();
  }

  restart(): Promise<string | undefined> {
    return this.load(this.args);
  }

  continue(): void {
    if (this.ended) { this.emit('end'); return; }
    this.report(this.forward(() => undefined, undefined, false));
  }

  /**
   * A line (or one instruction with granularity 'instruction', or where there is no source line);
   * over bpf-to-bpf calls when `over`, else into them.
   */
  next(over = true, granularity: 'line' | 'instruction' = 'line'): void {
    if (this.ended) { this.emit('end'); return; }
    const m = this.machine;
    const prog = m.progIndex, depth = m.depth;
    const from = this.location(prog, m.pc);
    let stop = this.oneStep(over);
    if (granularity === 'line' && from) {
      for (let i = 0; i < LINE_STEP_LIMIT && stop.reason === 'step'; i++) {
        if (m.depth !== depth || m.progIndex !== prog) break;
        const at = this.location(prog, m.pc);
        if (!at || at.line !== from.line || at.path !== from.path) break;
        stop = this.oneStep(over);
      }
    }
    this.report(stop);
  }

  private oneStep(over: boolean): StopInfo {
    const m = this.machine;
    const prog = m.progIndex, pc = m.pc, depth = m.depth;
    if (over && isPseudoCall(m, prog, pc)) {
      const extra = new Map([[prog, new Set([pc + 1])]]);
      return this.forward((st) => (m.progIndex === prog && st.pc === pc + 1 && m.depth <= depth ? { reason: 'step' } : undefined), extra, false);
    }
    return this.forward(() => ({ reason: 'step' }), undefined, true);
  }

  stepIn(granularity: 'line' | 'instruction' = 'line'): void {
    this.next(false, granularity);
  }

  stepOut(): void {
    if (this.ended) { this.emit('end'); return; }
    const m = this.machine;
    const depth = m.depth;
    if (depth === 0) { this.continue(); return; }
    const extra = new Map<number, Set<number>>();
    const prog = m.progIndex;
    const rets = new Set<number>();
    m.programs[prog]!.slots.forEach((_, s) => { if (isPseudoCall(m, prog, s)) rets.add(s + 1); });
    extra.set(prog, rets);
    this.report(this.forward(() => (m.depth < depth ? { reason: 'step' } : undefined), extra, false));
  }

  /**
   * Runs forwards until `stopHere` says so, a user breakpoint (with its condition and hit count) is
   * hit, a data breakpoint fires, a helper fails (when asked), or the run ends.
   */
  private forward(stopHere: (st: DebugState) => StopInfo | undefined, extra: Map<number, Set<number>> | undefined, single: boolean): StopInfo {
    const m = this.machine;
    // Internal stops: after helper calls (helper errors), before tail calls (to follow the chain).
    const internal = new Map<number, Set<number>>();
    for (let p = 0; p < m.programs.length; p++) {
      const set = new Set<number>(extra?.get(p) ?? []);
      for (const s of this.tailCallSlots.get(p) ?? []) set.add(s);
      if (this.breakOnHelperErrors) m.programs[p]!.slots.forEach((_, s) => { if (isHelperCall(m, p, s)) set.add(s + 1); });
      internal.set(p, set);
    }
    if (!single && this.dataBps.length && m.programs.length === 1 && !this.breakOnHelperErrors) {
      return this.forwardInChunks(stopHere, internal.get(0) ?? new Set());
    }
    const stepwise = single || this.needsSingleStep();
    if (!stepwise) this.applyBreakpoints(internal);
    try {
      for (;;) {
        const seen = stepwise && this.dataBps.length && isHelperCall(m, m.progIndex, m.pc) ? this.watchedMemory() : undefined;
        let st = stepwise ? this.stepTracked() : m.continue();
        if (seen && st.reason !== 'fault') {
          const changed = this.memoryChange(seen);
          if (changed) return changed;
        }
        if (!stepwise && st.reason !== 'exit' && st.reason !== 'fault' && this.tailCallSlots.get(m.progIndex)?.has(m.pc)) {
          // Before a tail call: a stop here counts, else go through it one step so the chain is known.
          const user = this.userBreakpointHit(true);
          if (user) return user;
          const s = stopHere(st);
          if (s) return s;
          st = this.stepTracked();
        }
        if (st.reason === 'exit') return this.onExit();
        if (st.reason === 'fault') return this.onFault();
        if (this.dataBps.length) {
          const hit = this.dataHit(m.lastWrites());
          if (hit) return hit;
        }
        if (this.breakOnHelperErrors) {
          const err = this.helperError();
          if (err) return err;
        }
        if (!single) {
          const user = this.userBreakpointHit(true);
          if (user) return user;
        }
        const s = stopHere(st);
        if (s) return s;
      }
    } finally {
      if (!stepwise) this.applyBreakpoints();
    }
  }

  /**
   * Runs forwards with data breakpoints: chunks of instructions at full speed, then a look through
   * the undo log for the first step that hits a breakpoint slot (`extra` included) or writes
   * somewhere watched; back to it, and the usual checks there. (Single programs only: the log's
   * step records do not say which program a slot belongs to.)
   */
  private forwardInChunks(stopHere: (st: DebugState) => StopInfo | undefined, extra: Set<number>): StopInfo {
    const m = this.machine;
    const slots = new Set<number>([...extra, ...this.bps.filter((b) => b.prog === 0).map((b) => b.slot)]);
    const regs = new Set<number>();
    const ranges: [bigint, bigint][] = [];
    for (const d of this.dataBps) {
      const reg = /^reg:(\d+)$/.exec(d.dataId);
      if (reg) regs.add(Number(reg[1]));
      const mem = /^mem:0x([0-9a-f]+):(\d+)$/.exec(d.dataId);
      if (mem) { const lo = BigInt('0x' + mem[1]); ranges.push([lo, lo + BigInt(mem[2]!)]); }
    }
    for (;;) {
      const from = undoLog(m)?.length ?? 0;
      const st = m.step(CHUNK_STEPS);
      const steps = this.scanSteps(from, slots, regs, ranges);
      const hit = steps.findIndex((x, k) => (x.atSlot && k > 0) || x.writes || x.opaque);
      if (hit >= 0) {
        const x = steps[hit]!;
        // Stand before the step whose slot is a breakpoint or that did something opaque (a helper
        // writing memory), or after the step that wrote.
        const before = (x.atSlot && hit > 0) || (x.opaque && !x.writes);
        const keep = before ? hit : hit + 1;
        if (steps.length > keep) m.stepBack(steps.length - keep);
        this.ended = false;
        if (!before) {
          const data = this.dataHit(m.lastWrites());
          if (data) return data;
        } else if (!(x.atSlot && hit > 0)) {
          // Only the opaque step: run it watching the bytes themselves.
          const seen = this.watchedMemory();
          const after = m.step(1);
          const changed = this.memoryChange(seen);
          if (changed) return changed;
          if (after.reason === 'exit') return this.onExit();
          if (after.reason === 'fault') return this.onFault();
        }
        // Here (before the next step) as the single-step loop would look: breakpoints, then the caller's test.
        const user = this.userBreakpointHit(true);
        if (user) return user;
        const s = stopHere(m.state('step'));
        if (s) return s;
        continue;
      }
      if (st.reason === 'exit') return this.onExit();
      if (st.reason === 'fault') return this.onFault();
    }
  }

  /**
   * The steps logged in the undo log from position `from` on, oldest first: whether each one's slot
   * is in `slots`, and whether it wrote a watched register or memory (or did something opaque, a
   * helper's write, which the exact check after stepping back sorts out).
   */
  private scanSteps(from: number, slots: Set<number>, regs: Set<number>, ranges: [bigint, bigint][]): { atSlot: boolean; writes: boolean; opaque: boolean }[] {
    const log = undoLog(this.machine);
    if (!log) return [];
    const U = log.values;
    const out: { atSlot: boolean; writes: boolean; opaque: boolean }[] = [];
    let writes = false;
    let opaque = false;
    // The log may have been trimmed during the chunk; then only what is left can be looked at.
    const start = Math.min(from, log.length);
    for (let i = log.length - 1; i >= start;) {
      const tag = U[i]!;
      if (tag === TAG_STEP) {
        out.push({ atSlot: slots.has(U[i - 3]!), writes, opaque });
        writes = false;
        opaque = false;
        i -= 4;
      } else if (tag === TAG_REG) {
        if (regs.has(U[i - 3]!)) writes = true;
        i -= 4;
      } else if (tag === TAG_MEM) {
        if (ranges.length) {
          const region = this.machine.space.regions[U[i - 5]!]!;
          const addr = (BigInt(region.hi >>> 0) << 32n) + BigInt((region.lo >>> 0) + U[i - 4]!);
          const end = addr + BigInt(U[i - 3]!);
          if (ranges.some(([lo, hi]) => addr < hi && lo < end)) writes = true;
        }
        i -= 6;
      } else {
        if (ranges.length) opaque = true;
        i -= 2;
      }
    }
    return out.reverse();
  }

  /** One instruction, noting a tail call in the chain (the VM does not keep it). */
  private stepTracked(): DebugState {
    const m = this.machine;
    const prog = m.progIndex, slot = m.pc, tailCalls = m.tailCalls;
    const st = m.step(1);
    if (m.tailCalls > tailCalls) this.tailChain.push({ prog, slot, tailCalls, count: m.count });
    return st;
  }

  /** One instruction back; undoes a tail call's switch of program, which the VM's undo log does not hold. */
  private backOne(): void {
    const m = this.machine;
    m.stepBack(1);
    this.ended = false;
    const top = this.tailChain.at(-1);
    if (top && m.count < top.count) {
      this.tailChain.pop();
      m.progIndex = top.prog;
      m.prog = m.programs[top.prog]!;
      m.tailCalls = top.tailCalls;
      m.pc = top.slot;
    }
  }

  /** The bytes under each memory data breakpoint now (a string where they cannot be read). */
  private watchedMemory(): { id: number; address: bigint; bytes: Uint8Array | string; condition?: string }[] {
    return this.dataBps.flatMap((d) => {
      const mem = /^mem:0x([0-9a-f]+):(\d+)$/.exec(d.dataId);
      if (!mem) return [];
      const address = BigInt('0x' + mem[1]);
      return [{ id: d.id, address, bytes: this.machine.readMemory(address, Number(mem[2])), condition: d.condition }];
    });
  }

  /** A stop when watched bytes differ from `seen` (a helper wrote them). */
  private memoryChange(seen: ReturnType<BpfRuntime['watchedMemory']>, writerSlot = this.previousSlot(), backwards = false): StopInfo | undefined {
    const now = this.watchedMemory();
    const prev = writerSlot;
    const insn = prev !== undefined ? this.machine.programs[this.machine.progIndex]?.slots[prev] : undefined;
    const by = insn && insn.code === 0x85 && insn.src === 0 ? ` by ${helperById(insn.imm)?.name ?? `helper ${insn.imm}`}` : '';
    for (const [i, w] of seen.entries()) {
      const after = now[i]!.bytes;
      if (typeof w.bytes === 'string' || typeof after === 'string') continue;
      if (w.bytes.every((b, k) => b === after[k])) continue;
      if (w.condition && !this.conditionHolds(w.condition)) continue;
      return {
        reason: 'data breakpoint', breakpointIds: [w.id],
        description: `${after.length} bytes at 0x${w.address.toString(16)} changed${by}: ${bytesToHex(backwards ? after : w.bytes)} -> ${bytesToHex(backwards ? w.bytes : after)}`,
      };
    }
    return undefined;
  }

  private dataHit(writes: WriteEvent[]): StopInfo | undefined {
    for (const d of this.dataBps) {
      const reg = /^reg:(\d+)$/.exec(d.dataId);
      const mem = /^mem:0x([0-9a-f]+):(\d+)$/.exec(d.dataId);
      for (const w of writes) {
        let hit = false;
        let what = '';
        if (reg && w.kind === 'reg' && w.reg === Number(reg[1])) {
          hit = w.old !== w.value;
          what = `r${w.reg} changed from 0x${w.old.toString(16)} to 0x${w.value.toString(16)}`;
        }
        if (mem && w.kind === 'mem') {
          const lo = BigInt('0x' + mem[1]), size = BigInt(mem[2]!);
          hit = w.address < lo + size && lo < w.address + BigInt(w.size);
          what = `${w.size}-byte write at 0x${w.address.toString(16)} (${w.region}); it held 0x${w.old.toString(16)}`;
        }
        if (!hit) continue;
        if (d.condition && !this.conditionHolds(d.condition)) continue;
        return { reason: 'data breakpoint', description: what, breakpointIds: [d.id] };
      }
    }
    return undefined;
  }

  private helperError(): StopInfo | undefined {
    const m = this.machine;
    const prev = this.previousSlot();
    if (prev === undefined || m.pc !== prev + 1 || !isHelperCall(m, m.progIndex, prev)) return undefined;
    const r0 = BigInt.asIntN(64, m.registers()[0]!);
    if (r0 >= 0n || r0 < -4095n) return undefined;
    const id = m.programs[m.progIndex]!.slots[prev]!.imm;
    const name = helperById(id)?.name ?? `helper ${id}`;
    const text = `${name} returned ${r0} (${errnoName(Number(-r0))})`;
    return { reason: 'exception', description: text, text };
  }

  private conditionHolds(cond: string): boolean {
    try {
      return this.evaluate(cond).value !== 0n;
    } catch (e) {
      // A broken condition stops, so the user sees why.
      this.emitOutput('stderr', `breakpoint condition '${cond}': ${e instanceof Error ? e.message : String(e)}\n`);
      return true;
    }
  }

  private hitConditionMet(hc: string | undefined, hits: number): boolean {
    if (!hc) return true;
    const m = /^\s*(>=|<=|==|>|<|%)?\s*(\d+)\s*$/.exec(hc);
    if (!m) return true;
    const n = Number(m[2]);
    switch (m[1]) {
      case '==': return hits === n;
      case '>': return hits > n;
      case '<': return hits < n;
      case '<=': return hits <= n;
      case '%': return n > 0 && hits % n === 0;
      default: return hits >= n;
    }
  }

  /** The user breakpoints at the current instruction that stop (logpoints print instead). */
  private userBreakpointHit(count: boolean): StopInfo | undefined {
    const m = this.machine;
    const here = this.bps.filter((b) => b.prog === m.progIndex && b.slot === m.pc);
    if (!here.length) return undefined;
    const ids: number[] = [];
    let kind: StopKind = 'breakpoint';
    for (const b of here) {
      if (b.condition && !this.conditionHolds(b.condition)) continue;
      if (count) b.hits++;
      if (count && !this.hitConditionMet(b.hitCondition, b.hits)) continue;
      if (b.logMessage !== undefined) {
        if (count) this.emitOutput('console', formatLogMessage(b.logMessage, this.evalHost) + '\n');
        continue;
      }
      ids.push(b.id);
      if (b.kind === 'function') kind = 'function breakpoint';
      else if (b.kind === 'instruction' && kind === 'breakpoint') kind = 'instruction breakpoint';
    }
    return ids.length ? { reason: kind, breakpointIds: ids } : undefined;
  }

  stepBack(): void {
    const m = this.machine;
    if (!undoLog(m)?.length) { this.report(this.atStart()); return; }
    this.backOne();
    this.report({ reason: 'step' });
  }

  reverseContinue(): void {
    const m = this.machine;
    for (;;) {
      if (!undoLog(m)?.length) { this.report(this.atStart()); return; }
      const writes = this.dataBps.length ? m.lastWrites() : [];
      const seen = writes.some((w) => w.kind === 'other') ? this.watchedMemory() : undefined;
      this.backOne();
      if (writes.length) {
        const hit = this.dataHit(writes) ?? (seen ? this.memoryChange(seen, m.pc, true) : undefined);
        if (hit) { this.report(hit); return; }
      }
      const user = this.userBreakpointHit(false);
      if (user) { this.report(user); return; }
    }
  }

  /**
   * Goes back in history to where a frame began: the innermost frame to its function's entry (the
   * start of the run at depth 0), a caller's frame to its call instruction. Tail-call frames cannot.
   */
  restartFrame(index: number): string | undefined {
    const m = this.machine;
    const f = this.frames()[index];
    if (!f || f.tail) return 'only bpf-to-bpf frames can be restarted';
    const target = index === 0 ? m.depth - 1 : f.depth;
    while (undoLog(m)?.length && (target < 0 || m.depth > target)) this.backOne();
    if (index === 0 && target >= 0) this.stepTracked();
    this.report({ reason: 'restart', description: `restarted ${f.name}` });
    return undefined;
  }

  private atStart(): StopInfo {
    const m = this.machine;
    return m.historyTruncated && m.count > 0
      ? { reason: 'entry', description: 'the oldest history was dropped to save memory; this is as far back as it goes' }
      : { reason: 'entry', description: 'at the start of the run' };
  }

  // ---- results ------------------------------------------------------------------------------------

  private onExit(): StopInfo {
    const m = this.machine;
    this.ended = true;
    this.flushOutput();
    const r0 = m.registers()[0]!;
    const meaning = retvalMeaning(this.progType, r0);
    const lines = [`The program exited: r0 = ${r0} (0x${r0.toString(16)})${meaning ? ` ${meaning}` : ''}, ${m.count} instructions.`];
    const res = m.result();
    if (this.input.packet && res.packet) lines.push(...packetDiff(this.input.packet, res.packet));
    lines.push(...mapChanges(this.initialMaps, mapsToJson(m)));
    this.emitOutput('console', lines.join('\n') + '\n');
    const description = `exited with r0 = ${r0}${meaning ? ` (${meaning})` : ''}`;
    return { reason: 'exit', description, text: description };
  }

  private onFault(): StopInfo {
    const m = this.machine;
    this.ended = true;
    this.flushOutput();
    const f = m.fault!;
    const where = `instruction ${f.insn}${f.line !== undefined ? ` (line ${f.line + 1})` : ''}`;
    const text = `${f.message} at ${where} after ${m.count} instructions`;
    this.emitOutput('stderr', `Runtime fault: ${text}\n`);
    // With fault stops off the run just ends (the stop below is not reported).
    if (!this.breakOnFaults) this.emit('end');
    return { reason: 'exception', description: f.message, text };
  }

  private flushOutput(): void {
    const out = this.machine.output;
    if (out.length < this.outputShown) this.outputShown = out.length;
    for (; this.outputShown < out.length; this.outputShown++) {
      const o = out[this.outputShown]!;
      if (o.kind === 'printk') this.emitOutput('stdout', o.text.endsWith('\n') ? o.text : o.text + '\n');
      else this.emitOutput('console', `${o.kind} ${o.map}${o.kind === 'perf' ? ` cpu ${o.cpu}` : ''}: ${bytesToHex(o.data)}\n`);
    }
  }

  private report(stop: StopInfo): void {
    this.flushOutput();
    if (stop.reason === 'exception' && !this.breakOnFaults && this.ended && this.machine.fault) return;
    this.emit('stop', stop);
  }

  emitOutput(category: OutputInfo['category'], text: string): void {
    this.emit('output', { category, text });
  }

  /** Writes bytes into plain VM memory (stack, packet, map values); returns why not when it cannot. Not undone by stepping back. */
  writeMemory(address: bigint, bytes: Uint8Array): string | undefined {
    const { hi, lo } = splitAddr(address);
    const at = this.machine.space.resolve(hi, lo, bytes.length, true);
    if (typeof at === 'string') return at;
    if (!at.region.plain) return `${at.region.name} cannot be written directly`;
    at.region.bytes.set(bytes, at.off);
    return undefined;
  }
}

/**
 * The machine's undo log (records end in a TAG_* number), whichever representation the VM uses:
 * a growing array (`undo`) or a buffer with a fill count (`ub`, `un`).
 */
function undoLog(m: Machine): { values: ArrayLike<number>; length: number } | undefined {
  const v = m as unknown as { undo?: number[] | null; ub?: Float64Array; un?: number; recording?: boolean };
  if (v.ub !== undefined && v.un !== undefined) return v.recording === false ? undefined : { values: v.ub, length: v.un };
  if (v.undo) return { values: v.undo, length: v.undo.length };
  return undefined;
}

export { EvalError };
