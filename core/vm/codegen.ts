// Compiles a program to one JavaScript function: registers are local (lo, hi) int32 pairs, each
// instruction is a `case` of a switch on pc, straight-line code falls through, jumps `continue`.
// Three flavours come from the same generator: 'fast' (counts instructions per basic block, labels
// only where control can enter), 'fastbp' (the same with a label after every jump too, each block
// head checking a breakpoint flag) and 'debug' (a label on every instruction, a stop check before
// each one, and an undo log of every register and memory write so execution can step backwards).
import {
  AluOp, AtomicOp, Class, JmpOp, Mode, Size, Source, aluOp, insnClass, jmpOp, memMode, memSize, sizeBytes, source,
  validate, type Instruction,
} from '../isa';
import * as int64 from './int64';
import type { VmProgram } from './program';

export const ST_EXIT = 1;
export const ST_FAULT = 2;
export const ST_STOP = 3;
export const ST_RETURN = 4;
export const ST_TAILCALL = 5;
/** A return into another program (after a tail call made in a subprogram). */
export const ST_SWITCH = 6;
/** Breakpoint-aware fast code: the basic block starting at pc holds a breakpoint (run it in the debug flavour). */
export const ST_BLOCK = 7;
/** Numbers the undo log may hold before its oldest half is dropped. */
export const UNDO_CAP = 1 << 24;

/** Undo-log record tags (the last number of each record). */
export const TAG_STEP = -1;
export const TAG_REG = -2;
export const TAG_MEM = -3;
export const TAG_FN = -4;

export const STACK_BYTES = 512;
/** Typed arrays use the host's byte order; BPF memory is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The state and services the compiled code uses; implemented by Machine. */
export interface ExecHost {
  regs: Int32Array;
  pc: number;
  count: number;
  limit: number;
  mayGoto: number;
  /** Current frame's stack bytes, and its frame pointer. */
  sv: DataView;
  /** The same stack as 32-bit words (aligned stack accesses use it). */
  si: Int32Array;
  fpl: number;
  fph: number;
  /** High word of a 64-bit result from a runtime call (and the low word where not returned). */
  th: number;
  tl: number;
  /** Region id of the current frame's stack (for the undo log). */
  frameRegion: number;
  /** Region a slow-path access may cache (plain, unstrided), or null. */
  cacheable: unknown;
  fault: unknown;
  /** Debug flavour: stop before executing once count reaches this. */
  stopAt: number;
  /** Breakpoint flags by slot (debug flavour), read when the code starts; all zero when not stopping at breakpoints. */
  bpSlots: Uint8Array;
  /** Breakpoint-aware fast flavour: flags by block head, set when the block up to the next entry point holds a breakpoint. */
  bpBlocks: Uint8Array;
  /** Breakpoints do not stop while count equals this (the count where continue began). */
  bpFrom: number;
  /** The undo log (debug flavour, recording): numbers in ub[0..un), grown by growUndo past undoRoom (-1: call it first). */
  ub: Float64Array;
  un: number;
  undoRoom: number;
  growUndo(): void;
  depth: number;
  popped: Int32Array;
  /** Callback runs inside helpers in progress (they log no step records). */
  nested: number;
  switched: boolean;

  load(hi: number, lo: number, size: number, signed: boolean, pc: number): number;
  store(hi: number, lo: number, size: number, vl: number, vh: number, pc: number): boolean;
  atomic(hi: number, lo: number, dw: boolean, op: number, vl: number, vh: number, r0l: number, r0h: number, pc: number): boolean;
  helper(id: number, pc: number): number;
  pushFrame(ret: number, pc: number, r6l: number, r6h: number, r7l: number, r7h: number, r8l: number, r8h: number, r9l: number, r9h: number): boolean;
  /** Pops the current frame: the return slot, or -1 when the frame was a callback's. */
  popFrame(): number;
  codeSlot(lo: number, hi: number): number;
  pseudo(pc: number): number;
  ldAbs(size: number, off: number, pc: number): number;
  raise(pc: number, message: string): number;
  budgetFault(pc: number): number;
  logFn(undo: () => void): void;
}

export type ExecFn = (S: ExecHost) => number;

const L = (r: number): string => `r${r}l`;
const H = (r: number): string => `r${r}h`;
const num = (v: number): string => (v < 0 ? `(${v})` : String(v));

/** Slots where control can enter other than by falling through. */
export function entryPoints(prog: VmProgram): Set<number> {
  const entries = new Set<number>([0]);
  prog.slots.forEach((insn, slot) => {
    if (!insn) return;
    const cls = insnClass(insn.code);
    if (cls === Class.JMP || cls === Class.JMP32) {
      const op = jmpOp(insn.code);
      if (op === JmpOp.CALL) {
        entries.add(slot + 1);
        if (insn.src === 1 && source(insn.code) === Source.K) entries.add(slot + 1 + insn.imm);
      } else if (op !== JmpOp.EXIT) {
        const off = cls === Class.JMP32 && op === JmpOp.JA ? insn.imm : insn.off;
        entries.add(slot + 1 + off);
      }
    }
    if (insnClass(insn.code) === Class.LD && (memMode(insn.code) === Mode.ABS || memMode(insn.code) === Mode.IND)) {
      entries.add(slot + 1);
    }
  });
  for (const ref of prog.symbols.values()) if (ref.kind === 'func') entries.add(ref.slot);
  prog.slots.forEach((insn, slot) => { if (insn && insn.code === 0x18 && insn.src === 4) entries.add(slot + 1 + insn.imm); });
  return entries;
}

/**
 * Flavours: 'fast' (plain runs), 'fastbp' (the fast code, plus a check of S.bpBlocks at each block
 * head), 'debug' (a stop check before every instruction: S.stopAt and S.bpSlots).
 * Breakpoints are data, not code, so changing them never needs new code.
 */
export type Flavour = 'fast' | 'fastbp' | 'debug';

/**
 * Block heads of the breakpoint-aware fast flavour: the entry points plus every slot after a jump,
 * call or exit, so a block that is entered runs to its end (or faults) and a breakpoint in it is hit.
 */
export function blockEntries(prog: VmProgram): Set<number> {
  const heads = entryPoints(prog);
  prog.slots.forEach((insn, slot) => {
    if (insn && (insnClass(insn.code) === Class.JMP || insnClass(insn.code) === Class.JMP32)) heads.add(slot + 1);
  });
  return heads;
}

/** Debug flavour settings compiled into the code: whether to keep the undo log. */
export interface DebugOptions {
  record?: boolean;
}

/** Slot counts from each slot to the next entry point (or the end): the most a block run from there executes before a label. */
export function blockLengths(prog: VmProgram, entries: ReadonlySet<number>): Int32Array {
  const n = prog.slots.length;
  const len = new Int32Array(n + 1).fill(1);
  let next = n;
  for (let s = n - 1; s >= 0; s--) {
    len[s] = Math.max(1, next - s);
    if (entries.has(s)) next = s;
  }
  return len;
}

export function compile(prog: VmProgram, flavour: Flavour, opts: DebugOptions = {}): ExecFn {
  const src = generate(prog, flavour, opts);
  const factory = new Function('M', 'O', src) as (m: typeof int64, o: typeof int64.out) => ExecFn;
  return factory(int64, int64.out);
}

/** The JavaScript source of a program's exec function (exposed for inspection and tests). */
export function generate(prog: VmProgram, flavour: Flavour, opts: DebugOptions = {}): string {
  const debug = flavour === 'debug';
  const blockChecks = flavour === 'fastbp';
  const record = debug && opts.record === true;
  const entries = blockChecks ? blockEntries(prog) : entryPoints(prog);
  const n = prog.slots.length;
  const isStart = (s: number): boolean => s >= 0 && s < n && prog.slots[s] !== undefined;
  const body: string[] = [];
  let sites = 0;
  /** Instructions since the last block start that are not yet added to n (fast flavour). */
  let k = 0;
  let open = false;

  const flush = (extra: number): string => {
    if (debug) return '';
    const total = k + extra;
    return total ? `n += ${total};` : '';
  };
  /** Before stopping at a fault: the faulting instruction does not count. */
  const flushFault = (): string => (debug ? 'n--;' : flush(0));
  const raise = (slot: number, msg: string): string =>
    `{ ${flushFault()} pc = ${slot}; st = S.raise(${slot}, ${JSON.stringify(msg)}); break loop; }`;
  const budget = `if (n > lim) { pc = PC; st = S.budgetFault(PC); break loop; }`;
  const jumpTo = (slot: number, target: number): string => {
    if (!isStart(target)) return raise(slot, `jump to slot ${target}, which is ${target < 0 || target >= n ? 'outside the program' : 'the middle of an ld_imm64'}`);
    return `{ ${target <= slot ? budget.replaceAll('PC', String(slot)) : ''} pc = ${target}; continue loop; }`;
  };
  /** Appends one record to the undo log. */
  const push = (vals: (string | number)[]): string =>
    `{ const b = S.ub, i = S.un; ${vals.map((v, k) => `b[i + ${k}] = ${v};`).join(' ')} S.un = i + ${vals.length}; }`;
  const logReg = (r: number): string => (record ? push([r, L(r), H(r), TAG_REG]) : '');

  function emit(slot: number, insn: Instruction): string {
    const err = validate(insn);
    if (err) return raise(slot, `invalid instruction: ${err}`);
    const cls = insnClass(insn.code);
    switch (cls) {
      case Class.ALU: case Class.ALU64: return emitAlu(slot, insn, cls === Class.ALU64);
      case Class.JMP: case Class.JMP32: return emitJmp(slot, insn, cls === Class.JMP32);
      case Class.LD: return emitLd(slot, insn);
      case Class.LDX: return emitLdx(slot, insn);
      case Class.ST: case Class.STX: return emitStore(slot, insn, cls === Class.ST);
    }
    return raise(slot, 'unknown instruction class');
  }

  function emitAlu(slot: number, insn: Instruction, is64: boolean): string {
    const d = insn.dst;
    const op = aluOp(insn.code);
    const x = source(insn.code) === Source.X;
    if (d === 10) return raise(slot, 'frame pointer is read only');
    const dl = L(d), dh = H(d);
    const imm = insn.imm | 0;
    const sl = x ? L(insn.src) : num(imm);
    const sh = x ? H(insn.src) : (imm < 0 ? '(-1)' : '0');
    const slu = x ? `(${L(insn.src)} >>> 0)` : String(imm >>> 0);
    let code: string;
    if (is64) {
      switch (op) {
        // 32-bit halves with the carry from an unsigned compare: no intermediate leaves the int32 range
        // (a value that did would make V8 throw away its optimized code once, mid-run).
        case AluOp.ADD: code = `t = (${dl} + ${sl}) | 0; ${dh} = (${dh} + ${sh} + ((t >>> 0) < (${dl} >>> 0) ? 1 : 0)) | 0; ${dl} = t;`; break;
        case AluOp.SUB: code = `t = (${dl} - ${sl}) | 0; ${dh} = (${dh} - ${sh} - ((${dl} >>> 0) < ${slu} ? 1 : 0)) | 0; ${dl} = t;`; break;
        case AluOp.MUL: code = `${dl} = M.mul64(${dl}, ${dh}, ${sl}, ${sh}); ${dh} = O.hi;`; break;
        case AluOp.DIV: code = `${dl} = M.${insn.off === 1 ? 'sdiv64' : 'udiv64'}(${dl}, ${dh}, ${sl}, ${sh}); ${dh} = O.hi;`; break;
        case AluOp.MOD: code = `${dl} = M.${insn.off === 1 ? 'smod64' : 'umod64'}(${dl}, ${dh}, ${sl}, ${sh}); ${dh} = O.hi;`; break;
        case AluOp.OR: code = `${dl} = ${dl} | ${sl}; ${dh} = ${dh} | ${sh};`; break;
        case AluOp.AND: code = `${dl} = ${dl} & ${sl}; ${dh} = ${dh} & ${sh};`; break;
        case AluOp.XOR: code = `${dl} = ${dl} ^ ${sl}; ${dh} = ${dh} ^ ${sh};`; break;
        case AluOp.LSH: case AluOp.RSH: case AluOp.ARSH: code = x ? `${dl} = M.${op === AluOp.LSH ? 'lsh64' : op === AluOp.RSH ? 'rsh64' : 'arsh64'}(${dl}, ${dh}, ${sl}); ${dh} = O.hi;` : shift64(op, dl, dh, imm & 63); break;
        case AluOp.NEG: code = `${dh} = (~${dh} + (${dl} === 0 ? 1 : 0)) | 0; ${dl} = (-${dl}) | 0;`; break;
        case AluOp.MOV:
          if (insn.off === 8) code = `${dl} = (${sl} << 24) >> 24; ${dh} = ${dl} >> 31;`;
          else if (insn.off === 16) code = `${dl} = (${sl} << 16) >> 16; ${dh} = ${dl} >> 31;`;
          else if (insn.off === 32) code = `${dl} = ${sl}; ${dh} = ${dl} >> 31;`;
          else code = `${dl} = ${sl}; ${dh} = ${sh};`;
          break;
        default:
          // END in ALU64 is bswap.
          code = bswap(dl, dh, imm);
      }
    } else {
      switch (op) {
        case AluOp.ADD: code = `${dl} = (${dl} + ${sl}) | 0;`; break;
        case AluOp.SUB: code = `${dl} = (${dl} - ${sl}) | 0;`; break;
        case AluOp.MUL: code = `${dl} = Math.imul(${dl}, ${sl});`; break;
        case AluOp.DIV: code = `${dl} = M.${insn.off === 1 ? 'sdiv32' : 'udiv32'}(${dl}, ${sl});`; break;
        case AluOp.MOD: code = `${dl} = M.${insn.off === 1 ? 'smod32' : 'umod32'}(${dl}, ${sl});`; break;
        case AluOp.OR: code = `${dl} = ${dl} | ${sl};`; break;
        case AluOp.AND: code = `${dl} = ${dl} & ${sl};`; break;
        case AluOp.XOR: code = `${dl} = ${dl} ^ ${sl};`; break;
        case AluOp.LSH: code = `${dl} = ${dl} << ${x ? `(${sl} & 31)` : imm & 31};`; break;
        case AluOp.RSH: code = `${dl} = (${dl} >>> ${x ? `(${sl} & 31)` : imm & 31}) | 0;`; break;
        case AluOp.ARSH: code = `${dl} = ${dl} >> ${x ? `(${sl} & 31)` : imm & 31};`; break;
        case AluOp.NEG: code = `${dl} = (-${dl}) | 0;`; break;
        case AluOp.MOV:
          if (insn.off === 8) code = `${dl} = (${sl} << 24) >> 24;`;
          else if (insn.off === 16) code = `${dl} = (${sl} << 16) >> 16;`;
          else code = `${dl} = ${sl};`;
          break;
        default:
          // END: source K is "to little endian" (a truncation on this host), X is "to big endian".
          if (x) return logReg(d) + bswap(dl, dh, imm);
          code = imm === 16 ? `${dl} = ${dl} & 0xffff; ${dh} = 0;` : imm === 32 ? `${dh} = 0;` : '';
          return logReg(d) + code;
      }
      code += ` ${dh} = 0;`;
    }
    return logReg(d) + code;
  }

  function shift64(op: AluOp, dl: string, dh: string, s: number): string {
    if (s === 0) return '';
    if (op === AluOp.LSH) {
      return s < 32 ? `${dh} = (${dh} << ${s}) | (${dl} >>> ${32 - s}); ${dl} = ${dl} << ${s};` : `${dh} = ${dl} << ${s - 32}; ${dl} = 0;`;
    }
    if (op === AluOp.RSH) {
      return s < 32 ? `${dl} = (${dl} >>> ${s}) | (${dh} << ${32 - s}); ${dh} = (${dh} >>> ${s}) | 0;` : `${dl} = (${dh} >>> ${s - 32}) | 0; ${dh} = 0;`;
    }
    return s < 32 ? `${dl} = (${dl} >>> ${s}) | (${dh} << ${32 - s}); ${dh} = ${dh} >> ${s};` : `${dl} = ${dh} >> ${s - 32}; ${dh} = ${dh} >> 31;`;
  }

  function bswap(dl: string, dh: string, width: number): string {
    if (width === 16) return `${dl} = M.bswap16(${dl}); ${dh} = 0;`;
    if (width === 32) return `${dl} = M.bswap32(${dl}); ${dh} = 0;`;
    return `t = M.bswap32(${dl}); ${dl} = M.bswap32(${dh}); ${dh} = t;`;
  }

  function cond(op: JmpOp, dl: string, dh: string, sl: string, sh: string, slu: string, is32: boolean): string {
    const u = (cmp: string): string =>
      is32 ? `(${dl} >>> 0) ${cmp} ${slu}` : `((${dh} >>> 0) ${cmp[0]} (${sh} >>> 0) || (${dh} === ${sh} && (${dl} >>> 0) ${cmp} ${slu}))`;
    const s = (cmp: string): string =>
      is32 ? `${dl} ${cmp} ${sl}` : `(${dh} ${cmp[0]} ${sh} || (${dh} === ${sh} && (${dl} >>> 0) ${cmp} ${slu}))`;
    switch (op) {
      case JmpOp.JEQ: return is32 ? `${dl} === ${sl}` : `${dl} === ${sl} && ${dh} === ${sh}`;
      case JmpOp.JNE: return is32 ? `${dl} !== ${sl}` : `(${dl} !== ${sl} || ${dh} !== ${sh})`;
      case JmpOp.JGT: return u('>');
      case JmpOp.JGE: return u('>=');
      case JmpOp.JLT: return u('<');
      case JmpOp.JLE: return u('<=');
      case JmpOp.JSGT: return s('>');
      case JmpOp.JSGE: return s('>=');
      case JmpOp.JSLT: return s('<');
      case JmpOp.JSLE: return s('<=');
      case JmpOp.JSET: return is32 ? `(${dl} & ${sl}) !== 0` : `((${dl} & ${sl}) !== 0 || (${dh} & ${sh}) !== 0)`;
    }
    return 'false';
  }

  /** Saves r0-r5 and the count for a helper; reloads r0 and the count after. */
  function helperCall(slot: number, idExpr: string): string {
    const save = (debug ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : [0, 1, 2, 3, 4, 5]).map((r) => `R[${2 * r}] = ${L(r)}; R[${2 * r + 1}] = ${H(r)};`).join(' ');
    return `${save} S.count = n; S.sv = SV; S.mayGoto = mg; ${debug ? logReg(0) : ''}
      t = S.helper(${idExpr}, ${slot}); n = S.count; mg = S.mayGoto;
      if (t !== 0) { pc = ${slot}; st = t; break loop; }
      r0l = R[0]; r0h = R[1];`;
  }

  function localCall(slot: number, targetExpr: string): string {
    const saved = [6, 7, 8, 9].map((r) => `${L(r)}, ${H(r)}`).join(', ');
    const log = logReg(10);
    return `${budget.replaceAll('PC', String(slot))} ${log}
      S.count = n; if (!S.pushFrame(${slot + 1}, ${slot}, ${saved})) { pc = ${slot}; st = ${ST_FAULT}; break loop; }
      SV = S.sv; SI = S.si; r10l = S.fpl; r10h = S.fph; pc = ${targetExpr}; continue loop;`;
  }

  function exitCode(slot: number): string {
    const restore = [6, 7, 8, 9].map((r, i) => `${L(r)} = F[${2 * i}]; ${H(r)} = F[${2 * i + 1}];`).join(' ');
    const log = record ? [6, 7, 8, 9, 10].map(logReg).join(' ') : '';
    return `if (S.depth === 0) { pc = ${slot}; st = ${ST_EXIT}; break loop; }
      ${log} S.count = n; t = S.popFrame(); SV = S.sv; SI = S.si; r10l = S.fpl; r10h = S.fph;
      F = S.popped; ${restore}
      if (t < 0) { pc = ${slot}; st = ${ST_RETURN}; break loop; }
      if (S.switched) { S.switched = false; pc = t; st = ${ST_SWITCH}; break loop; }
      pc = t; continue loop;`;
  }

  function emitJmp(slot: number, insn: Instruction, is32: boolean): string {
    const op = jmpOp(insn.code);
    const x = source(insn.code) === Source.X;
    if (op === JmpOp.CALL) {
      const pre = flush(1);
      k = -1;
      if (x) {
        const d = insn.dst;
        return `${pre} t = S.codeSlot(${L(d)}, ${H(d)});
          if (t >= 0) { ${localCall(slot, 't')} }
          else if (${H(d)} === 0 && ${L(d)} > 0) { ${helperCall(slot, L(d))} }
          else { pc = ${slot}; st = S.raise(${slot}, "callx to an address that is not a function"); break loop; }`;
      }
      if (insn.src === 1) {
        const target = slot + 1 + insn.imm;
        if (!isStart(target)) return `${pre} ` + raise(slot, `call to slot ${target}, which is not an instruction`);
        return `${pre} ${localCall(slot, String(target))}`;
      }
      if (insn.src === 2) return raise(slot, `kfunc calls are not emulated (btf id ${insn.imm})`);
      return `${pre} ${helperCall(slot, String(insn.imm))}`;
    }
    if (op === JmpOp.EXIT) {
      const pre = flush(1);
      k = -1;
      return `${pre} ${exitCode(slot)}`;
    }
    const pre = flush(1);
    k = -1;
    if (op === JmpOp.JA) {
      const target = slot + 1 + (is32 ? insn.imm : insn.off);
      return `${pre} ${jumpTo(slot, target)}`;
    }
    if (op === JmpOp.JCOND) {
      return `${pre} if (mg === 0) ${jumpTo(slot, slot + 1 + insn.off)} mg--;`;
    }
    const d = insn.dst;
    const imm = insn.imm | 0;
    const sl = x ? L(insn.src) : num(imm);
    const sh = x ? H(insn.src) : imm < 0 ? '(-1)' : '0';
    const slu = x ? `(${L(insn.src)} >>> 0)` : String(imm >>> 0);
    return `${pre} if (${cond(op, L(d), H(d), sl, sh, slu, is32)}) ${jumpTo(slot, slot + 1 + insn.off)}`;
  }

  function emitLd(slot: number, insn: Instruction): string {
    const mode = memMode(insn.code);
    if (mode === Mode.IMM) {
      const d = insn.dst;
      if (d === 10) return raise(slot, 'frame pointer is read only');
      if (insn.src === 0 && !prog.symbols.has(slot)) {
        return `${logReg(d)} ${L(d)} = ${num(insn.imm | 0)}; ${H(d)} = ${num((insn.hi ?? 0) | 0)};`;
      }
      return `${logReg(d)} t = S.pseudo(${slot}); if (S.fault !== null) { ${flushFault()} pc = ${slot}; st = ${ST_FAULT}; break loop; } ${L(d)} = t; ${H(d)} = S.th;`;
    }
    // LD_ABS / LD_IND: r0 = the packet's bytes in network order; out of bounds exits with 0.
    const size = sizeBytes(memSize(insn.code));
    const offExpr = mode === Mode.IND ? `((${L(insn.src)} + ${num(insn.imm | 0)}) | 0)` : String(insn.imm | 0);
    const pre = flush(1);
    k = -1;
    return `${pre} ${debug ? logReg(0) : ''} S.count = n; t = S.ldAbs(${size}, ${offExpr}, ${slot});
      if (t === 0) { r0l = S.tl; r0h = 0; }
      else if (t === ${ST_FAULT}) { pc = ${slot}; st = t; break loop; }
      else { r0l = 0; r0h = 0; ${exitCode(slot)} }`;
  }

  function address(base: number, off: number): string {
    let code = `a = (${L(base)} >>> 0) + ${num(off)}; ah = ${H(base)};`;
    if (off > 0) code += ' if (a > 4294967295) { a -= 4294967296; ah = (ah + 1) | 0; }';
    if (off < 0) code += ' if (a < 0) { a += 4294967296; ah = (ah - 1) | 0; }';
    return code;
  }

  const stackSlot = (base: number, off: number, size: number): boolean =>
    base === 10 && off < 0 && off >= -STACK_BYTES && off + size <= 0;

  function readDv(dv: string, o: string, size: number, signed: boolean, dl: string, dh: string): string {
    switch (size) {
      case 1: return signed ? `${dl} = ${dv}.getInt8(${o}); ${dh} = ${dl} >> 31;` : `${dl} = ${dv}.getUint8(${o}); ${dh} = 0;`;
      case 2: return signed ? `${dl} = ${dv}.getInt16(${o}, true); ${dh} = ${dl} >> 31;` : `${dl} = ${dv}.getUint16(${o}, true); ${dh} = 0;`;
      case 4: return signed ? `${dl} = ${dv}.getInt32(${o}, true); ${dh} = ${dl} >> 31;` : `${dl} = ${dv}.getInt32(${o}, true); ${dh} = 0;`;
      default: return `${dh} = ${dv}.getInt32(${o} + 4, true); ${dl} = ${dv}.getInt32(${o}, true);`;
    }
  }
  function writeDv(dv: string, o: string, size: number, vl: string, vh: string): string {
    switch (size) {
      case 1: return `${dv}.setUint8(${o}, ${vl} & 0xff);`;
      case 2: return `${dv}.setUint16(${o}, ${vl} & 0xffff, true);`;
      case 4: return `${dv}.setInt32(${o}, ${vl}, true);`;
      default: return `${dv}.setInt32(${o}, ${vl}, true); ${dv}.setInt32(${o} + 4, ${vh}, true);`;
    }
  }

  function emitLdx(slot: number, insn: Instruction): string {
    const d = insn.dst;
    if (d === 10) return raise(slot, 'frame pointer is read only');
    const size = sizeBytes(memSize(insn.code));
    const signed = memMode(insn.code) === Mode.MEMSX;
    const dl = L(d), dh = H(d);
    if (stackSlot(insn.src, insn.off, size)) {
      const at = STACK_BYTES + insn.off;
      if (LITTLE_ENDIAN && size >= 4 && at % 4 === 0) {
        const i = at / 4;
        if (size === 8) return `${logReg(d)} ${dl} = SI[${i}]; ${dh} = SI[${i + 1}];`;
        return `${logReg(d)} ${dl} = SI[${i}]; ${dh} = ${signed ? `${dl} >> 31` : '0'};`;
      }
      return logReg(d) + readDv('SV', String(at), size, signed, dl, dh);
    }
    const c = `c${sites++}`;
    // The destination may be the base register: compute the address first.
    return `${logReg(d)} ${address(insn.src, insn.off)} g = ${c};
      if (g === null || g.hi !== ah || (o = a - g.lo) < 0 || o > g.size - ${size}) {
        S.count = n + ${debug ? 0 : k}; t = S.load(ah, a, ${size}, ${signed}, ${slot});
        if (S.fault !== null) { ${flushFault()} pc = ${slot}; st = ${ST_FAULT}; break loop; }
        ${c} = S.cacheable; ${dl} = t; ${dh} = S.th;
      } else { ${readDv('g.dv', 'o', size, signed, dl, dh)} }`;
  }

  function emitStore(slot: number, insn: Instruction, isSt: boolean): string {
    const size = sizeBytes(memSize(insn.code));
    const d = insn.dst;
    if (memMode(insn.code) === Mode.ATOMIC) {
      const dw = size === 8;
      const op = insn.imm;
      const s = insn.src;
      const fetch = (op & AtomicOp.FETCH) !== 0;
      const outReg = op === AtomicOp.CMPXCHG ? 0 : s;
      const set = fetch ? `${L(outReg)} = S.tl; ${H(outReg)} = S.th;` : '';
      return `${fetch ? logReg(outReg) : ''} ${address(d, insn.off)} S.count = n + ${debug ? 0 : k};
        if (!S.atomic(ah, a, ${dw}, ${op}, ${L(s)}, ${H(s)}, r0l, r0h, ${slot})) { ${flushFault()} pc = ${slot}; st = ${ST_FAULT}; break loop; }
        ${set}`;
    }
    const imm = insn.imm | 0;
    const vl = isSt ? num(imm) : L(insn.src);
    const vh = isSt ? (imm < 0 ? '(-1)' : '0') : H(insn.src);
    if (stackSlot(d, insn.off, size)) {
      const o = String(STACK_BYTES + insn.off);
      const log = record ? `${readDv('SV', o, size, false, 'v', 'w')} ${push(['S.frameRegion', o, size, 'v', 'w', TAG_MEM])}` : '';
      const at = STACK_BYTES + insn.off;
      if (LITTLE_ENDIAN && size >= 4 && at % 4 === 0) {
        return log + (size === 8 ? `SI[${at / 4}] = ${vl}; SI[${at / 4 + 1}] = ${vh};` : `SI[${at / 4}] = ${vl};`);
      }
      return log + writeDv('SV', o, size, vl, vh);
    }
    const c = `c${sites++}`;
    const log = record ? `${readDv('g.dv', 'o', size, false, 'v', 'w')} ${push(['g.id', 'o', size, 'v', 'w', TAG_MEM])}` : '';
    return `${address(d, insn.off)} g = ${c};
      if (g === null || g.hi !== ah || (o = a - g.lo) < 0 || o > g.size - ${size}) {
        S.count = n + ${debug ? 0 : k};
        if (!S.store(ah, a, ${size}, ${vl}, ${vh}, ${slot})) { ${flushFault()} pc = ${slot}; st = ${ST_FAULT}; break loop; }
        ${c} = S.cacheable;
      } else { ${log} ${writeDv('g.dv', 'o', size, vl, vh)} }`;
  }

  const emitAll = (): void => {
  for (let slot = 0; slot < n; slot++) {
    const insn = prog.slots[slot];
    if (!insn) continue;
    const entry = entries.has(slot);
    if (debug) {
      // (The breakpoint test first: Machine.warmUp runs every part of these checks once.)
      body.push(`case ${slot}: if ((B[${slot}] !== 0 && n !== n0) || n >= stop) { pc = ${slot}; st = ${ST_STOP}; break loop; }`);
      // A full log is grown at the top of the loop (one call site, which has type feedback from the first run on).
      body.push(`${record ? `if (S.un > S.undoRoom) { pc = ${slot}; continue loop; } if (top) ${push([slot, 'n', 'mg', TAG_STEP])}` : ''} n++;`);
    } else {
      if (entry) {
        if (open && k) body.push(`n += ${k};`);
        k = 0;
        body.push(`case ${slot}:`);
        if (blockChecks) body.push(`if (B[${slot}] !== 0) { pc = ${slot}; st = ${ST_BLOCK}; break loop; }`);
      }
    }
    open = true;
    body.push(emit(slot, insn));
    if (!debug) k++;
  }
  if (open && !debug) body.push(`n += ${k};`);
  body.push(`case ${n}: pc = ${n}; st = S.raise(${n}, "fell off the end of the program (the last instruction is not exit or a jump)"); break loop;`);

  };
  emitAll();

  const regs = Array.from({ length: 11 }, (_, r) => `${L(r)} = R[${2 * r}], ${H(r)} = R[${2 * r + 1}]`).join(', ');
  const save = Array.from({ length: 11 }, (_, r) => `R[${2 * r}] = ${L(r)}; R[${2 * r + 1}] = ${H(r)};`).join(' ');
  const caches = sites ? `let ${Array.from({ length: sites }, (_, i) => `c${i} = null`).join(', ')};` : '';
  return `"use strict";
return function exec_${flavour}(S) {
  const R = S.regs, lim = S.limit;
  ${debug ? 'const stop = S.stopAt, B = S.bpSlots, n0 = S.bpFrom;' : blockChecks ? 'const B = S.bpBlocks;' : ''}
  ${record ? 'const top = S.nested === 0;' : ''}
  let ${regs};
  let pc = S.pc, n = S.count, mg = S.mayGoto, st = 0, t = 0, a = 0, ah = 0, o = 0, v = 0, w = 0, g = null, F = null, SV = S.sv, SI = S.si;
  ${caches}
  loop: for (;;) {
    ${record ? 'if (S.un > S.undoRoom) S.growUndo();' : ''}
    switch (pc) {
${body.join('\n')}
      default:
        st = S.raise(pc, "jump to slot " + pc + ", which is not an instruction"); break loop;
    }
  }
  ${save}
  S.pc = pc; S.count = n; S.mayGoto = mg; S.sv = SV;
  return st;
};`;
}
