// Random programs the kernel verifier accepts, for running the same code in the kernel and in our VM.
//
// Shape (XDP): a prologue that bounds-checks the packet, keeps the packet pointer at fp-8, and fills
// r0-r9 and an initialised stack area from packet bytes and constants; a random body (ALU32/ALU64 of
// every kind, stack loads/stores/atomics, packet loads/stores, forward branches, small counted loops);
// and an epilogue that folds every register and stack slot into r0, writes the 64-bit r0 to the start
// of the packet and returns its two halves xor-ed. Every value therefore reaches both the return
// value and the packet out.
import { AluOp, AtomicOp, JmpOp, type Instruction } from '../isa';
import * as b from './insn';
import { ProgramBuilder } from './program-builder';
import { Rng } from './rng';

export interface RandomProgramOptions {
  /** Roughly how many body instructions (default 40). */
  length?: number;
  /** Forward conditional branches (default true). */
  branches?: boolean;
  /** Small counted loops with a backward jump (default true). */
  loops?: boolean;
  /** Loads and stores through the packet pointer (default true). */
  packetAccess?: boolean;
  /** bpf-to-bpf functions the body may call (default 0). They work on r0-r5 and their own stack. */
  subprograms?: number;
  /** Start every register from, and draw every immediate from, the corner values (INT_MIN, -1, 0...). */
  edgeValues?: boolean;
  /**
   * Body operations to leave out, by index (see RandomProgram.opCount), with everything else the
   * same: for shrinking a program that shows a difference down to the operations that matter.
   */
  omitOps?: ReadonlySet<number>;
}

export interface RandomProgram {
  seed: number;
  progType: 'xdp';
  insns: Instruction[];
  /** The packet to run it on (PACKET_SIZE bytes). */
  packet: Uint8Array;
  /** Body operations generated (each one instruction or a short group, such as mask-then-shift). */
  opCount: number;
}

/** Bytes of packet the prologue checks and the body may touch. */
export const PACKET_SIZE = 64;
/** The packet pointer's stack slot; the data slots lie below it. */
const PKT_SLOT = -8;
const STACK_SLOTS = 8;
const slotOffset = (k: number): number => -16 - 8 * k;
const MIX = 0x9e3779b1 | 0;

const IMM_POOL = [
  0, 1, -1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
  0x10000, 0x7fffffff, -0x80000000, -2, -0x8000, -0x80,
];
const IMM64_POOL = [
  0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0xffff_ffffn, 0x1_0000_0000n, 0xffff_ffff_0000_0000n,
  0xffff_ffff_ffff_ffffn, 0x8000_0000n, 0xffff_ffff_8000_0000n, 1n, 0n, 0x7fff_ffffn, 0xffff_ffff_ffff_fffen,
  0x8000_0000_0000_0001n, 2n,
];
const ALU_BINARY = [
  AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.DIV, AluOp.MOD, AluOp.OR, AluOp.AND, AluOp.XOR, AluOp.MOV,
];
const SHIFTS = [AluOp.LSH, AluOp.RSH, AluOp.ARSH];
const CONDITIONS = [
  JmpOp.JEQ, JmpOp.JNE, JmpOp.JGT, JmpOp.JGE, JmpOp.JLT, JmpOp.JLE, JmpOp.JSGT, JmpOp.JSGE, JmpOp.JSLT,
  JmpOp.JSLE, JmpOp.JSET,
];
const ATOMICS = [
  AtomicOp.ADD, AtomicOp.OR, AtomicOp.AND, AtomicOp.XOR, AtomicOp.ADD | AtomicOp.FETCH,
  AtomicOp.OR | AtomicOp.FETCH, AtomicOp.AND | AtomicOp.FETCH, AtomicOp.XOR | AtomicOp.FETCH,
  AtomicOp.XCHG, AtomicOp.CMPXCHG,
];

/** What the code being generated may use: main sees r0-r9 and the packet, functions r0-r5. */
interface Scope {
  regs: readonly number[];
  counters: readonly number[];
  packet: boolean;
  callees: readonly string[];
}

const MAIN_REGS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const ARG_REGS = [1, 2, 3, 4, 5];

class Generator {
  private readonly e = new ProgramBuilder('xdp', 'xdp', 'random');
  /** Registers the body must not write (loop counters). */
  private readonly reserved = new Set<number>();
  private branchBudget = 6;
  private scope: Scope;
  private readonly called = new Set<string>();
  opCount = 0;
  private omitted = 0;

  constructor(private readonly rng: Rng, private readonly opts: Required<RandomProgramOptions>) {
    const callees = Array.from({ length: opts.subprograms }, (_, i) => `fn${i}`);
    // calls clobber r1-r5, so main's loop counters live in r6-r9
    this.scope = { regs: MAIN_REGS, counters: [6, 7, 8, 9], packet: opts.packetAccess, callees };
  }

  build(): Instruction[] {
    this.prologue();
    this.block(this.opts.length, 0);
    // a function nobody calls is unreachable code, which the kernel refuses
    for (const name of this.scope.callees) if (!this.called.has(name)) this.callSubprogram(name);
    this.epilogue();
    for (const name of this.scope.callees) this.subprogram(name);
    return this.e.instructions();
  }

  private prologue(): void {
    const { e, rng } = this;
    e.emit(b.ldx(4, 2, 1, 0), b.ldx(4, 3, 1, 4), b.movReg(4, 2), b.aluImm(64, AluOp.ADD, 4, PACKET_SIZE));
    const ok = e.newLabel();
    e.jump(b.jmpReg(64, JmpOp.JLE, 4, 3, 0), ok);
    e.emit(b.movImm(0, 0), b.exit());
    e.place(ok);
    e.emit(b.stx(8, 10, PKT_SLOT, 2));
    for (const r of [0, 1, 3, 4, 5, 6, 7, 8, 9, 2]) {
      if (!this.opts.edgeValues && rng.chance(0.6)) e.emit(this.packetLoadInsn(r, 2));
      else if (rng.chance(this.opts.edgeValues ? 0.6 : 0.3)) e.emit(b.ldImm64(r, this.imm64()));
      else e.emit(b.movImm(r, this.imm()));
    }
    this.initStack();
  }

  private initStack(): void {
    const { e, rng } = this;
    for (let k = 0; k < STACK_SLOTS; k++) {
      if (rng.chance(0.7)) e.emit(b.stx(8, 10, slotOffset(k), this.anyReg()));
      else e.emit(b.st(8, 10, slotOffset(k), this.imm()));
    }
  }

  /** Folds `regs` and the stack slots into r0 (r1 as scratch once the registers are folded). */
  private foldIntoR0(regs: readonly number[]): void {
    const { e } = this;
    for (const r of regs) e.emit(b.aluReg(64, AluOp.XOR, 0, r), b.aluImm(64, AluOp.MUL, 0, MIX));
    for (let k = 0; k < STACK_SLOTS; k++) {
      e.emit(b.ldx(8, 1, 10, slotOffset(k)), b.aluReg(64, AluOp.XOR, 0, 1), b.aluImm(64, AluOp.MUL, 0, MIX));
    }
  }

  private epilogue(): void {
    this.foldIntoR0([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    this.e.emit(
      b.ldx(8, 1, 10, PKT_SLOT), b.stx(8, 1, 0, 0),
      b.movReg(1, 0), b.aluImm(64, AluOp.RSH, 1, 32), b.aluReg(64, AluOp.XOR, 0, 1),
      b.exit(),
    );
  }

  /** A function of r1-r5 with its own stack; returns a fold of everything it computed. */
  private subprogram(name: string): void {
    const { e, rng } = this;
    this.scope = { regs: [0, ...ARG_REGS], counters: ARG_REGS, packet: false, callees: [] };
    this.branchBudget = 3;
    e.place(name, true);
    e.emit(rng.chance(0.5) ? b.movReg(0, rng.pick(ARG_REGS)) : b.movImm(0, this.imm()));
    this.initStack();
    this.block(Math.max(4, Math.floor(this.opts.length / 2)), 0);
    this.foldIntoR0(ARG_REGS);
    e.emit(b.exit());
  }

  /** Calls a function, then gives r1-r5 (which the call clobbered) new values. */
  private callSubprogram(name = this.rng.pick(this.scope.callees)): void {
    const { e, rng } = this;
    this.called.add(name);
    e.callLocal(name);
    for (const r of ARG_REGS) {
      e.emit(rng.chance(0.6) ? b.movReg(r, rng.pick([0, 6, 7, 8, 9])) : b.movImm(r, this.imm()));
    }
  }

  private block(budget: number, depth: number): void {
    const { rng, opts } = this;
    const position = (): number => this.e.count + this.omitted;
    const end = position() + budget;
    while (position() < end) {
      const room = end - position();
      if (opts.branches && depth < 3 && room > 4 && this.branchBudget > 0 && rng.chance(0.12)) {
        this.branchBudget--;
        this.ifBlock(Math.min(room - 1, rng.between(1, 8)), depth);
      } else if (opts.loops && depth < 2 && room > 6 && this.reserved.size === 0 && rng.chance(0.05)) {
        this.loop(Math.min(room - 3, rng.between(2, 6)), depth);
      } else {
        this.op();
      }
    }
  }

  private ifBlock(size: number, depth: number): void {
    const { e, rng } = this;
    const skip = e.newLabel();
    // may_goto falls through until the loop budget runs out, which it never does here
    e.jump(rng.chance(0.05) ? b.mayGoto(0) : this.condition(), skip);
    if (rng.chance(0.3) && size > 2) {
      // if/else: both arms reachable
      const done = e.newLabel();
      this.block(Math.ceil(size / 2), depth + 1);
      e.jump(rng.chance(0.3) ? b.gotol(0) : b.ja(0), done);
      e.place(skip);
      this.block(Math.floor(size / 2), depth + 1);
      e.place(done);
    } else {
      this.block(size, depth + 1);
      e.place(skip);
    }
  }

  private loop(size: number, depth: number): void {
    const { e, rng } = this;
    const counter = rng.pick(this.scope.counters);
    this.reserved.add(counter);
    e.emit(b.movImm(counter, rng.between(1, 4)));
    const top = e.newLabel();
    e.place(top);
    this.block(size, depth + 1);
    e.emit(b.aluImm(64, AluOp.SUB, counter, 1));
    e.jump(b.jmpImm(64, JmpOp.JNE, counter, 0, 0), top);
    this.reserved.delete(counter);
  }

  private condition(): Instruction {
    const { rng } = this;
    const w = rng.chance(0.5) ? 64 : 32;
    const op = rng.pick(CONDITIONS);
    return rng.chance(0.5) ? b.jmpImm(w, op, this.anyReg(), this.imm(), 0) : b.jmpReg(w, op, this.anyReg(), this.anyReg(), 0);
  }

  private op(): void {
    const index = this.opCount++;
    const mark = this.e.mark();
    const before = this.e.count;
    this.randomOp();
    if (this.opts.omitOps.has(index)) {
      // left-out instructions still count against the budget, so the rest is generated the same
      this.omitted += this.e.count - before;
      this.e.truncate(mark);
    }
  }

  private randomOp(): void {
    const { rng } = this;
    const kind = rng.weighted<() => void>([
      [30, () => this.aluBinary()],
      [8, () => this.shift()],
      [4, () => this.unary()],
      [4, () => this.signExtend()],
      [4, () => this.e.emit(b.ldImm64(this.dstReg(), this.imm64()))],
      [7, () => this.stackStore()],
      [7, () => this.stackLoad()],
      [5, () => this.stackAtomic()],
      [this.scope.packet ? 4 : 0, () => this.packetLoad()],
      [this.scope.packet ? 3 : 0, () => this.packetStore()],
      [this.scope.callees.length ? 3 : 0, () => this.callSubprogram()],
    ]);
    kind();
  }

  private aluBinary(): void {
    const { rng, e } = this;
    const w = rng.chance(0.5) ? 64 : 32;
    const op = rng.pick(ALU_BINARY);
    const signed = (op === AluOp.DIV || op === AluOp.MOD) && rng.chance(0.5) ? 1 : 0;
    const dst = this.dstReg();
    if (rng.chance(0.5)) {
      let imm = this.imm();
      if ((op === AluOp.DIV || op === AluOp.MOD) && imm === 0) imm = rng.pick([1, -1, 3]);
      e.emit(b.aluImm(w, op, dst, imm, signed));
    } else {
      e.emit(b.aluReg(w, op, dst, this.anyReg(), signed));
    }
  }

  private shift(): void {
    const { rng, e } = this;
    const w = rng.chance(0.5) ? 64 : 32;
    const op = rng.pick(SHIFTS);
    const dst = this.dstReg();
    if (rng.chance(0.5)) {
      e.emit(b.aluImm(w, op, dst, rng.below(w)));
    } else {
      const amount = this.dstReg();
      e.emit(b.aluImm(w, AluOp.AND, amount, w - 1), b.aluReg(w, op, dst, amount));
    }
  }

  private unary(): void {
    const { rng, e } = this;
    const dst = this.dstReg();
    if (rng.chance(0.3)) {
      e.emit(b.neg(rng.chance(0.5) ? 64 : 32, dst));
    } else {
      e.emit(b.endian(rng.pick(['le', 'be', 'swap'] as const), dst, rng.pick([16, 32, 64] as const)));
    }
  }

  private signExtend(): void {
    const { rng, e } = this;
    if (rng.chance(0.5)) e.emit(b.movsx(64, this.dstReg(), this.anyReg(), rng.pick([8, 16, 32] as const)));
    else e.emit(b.movsx(32, this.dstReg(), this.anyReg(), rng.pick([8, 16] as const)));
  }

  /** An offset in the data slots, aligned to `size` (the verifier requires aligned stack access). */
  private stackOffset(size: number): number {
    return slotOffset(this.rng.below(STACK_SLOTS)) + size * this.rng.below(8 / size);
  }

  private stackStore(): void {
    const { rng, e } = this;
    const size = rng.pick([1, 2, 4, 8] as const);
    const off = this.stackOffset(size);
    if (rng.chance(0.7)) e.emit(b.stx(size, 10, off, this.anyReg()));
    else e.emit(b.st(size, 10, off, this.imm()));
  }

  private stackLoad(): void {
    const { rng, e } = this;
    if (rng.chance(0.3)) {
      const size = rng.pick([1, 2, 4] as const);
      e.emit(b.ldxs(size, this.dstReg(), 10, this.stackOffset(size)));
    } else {
      const size = rng.pick([1, 2, 4, 8] as const);
      e.emit(b.ldx(size, this.dstReg(), 10, this.stackOffset(size)));
    }
  }

  private stackAtomic(): void {
    const { rng, e } = this;
    const size = rng.pick([4, 8] as const);
    const op = rng.pick(ATOMICS);
    const fetches = (op & AtomicOp.FETCH) !== 0;
    if (op === AtomicOp.CMPXCHG && this.reserved.has(0)) return;
    // fetching atomics write the source register
    const src = fetches ? this.dstReg() : this.anyReg();
    const off = this.stackOffset(size);
    if (fetches) {
      // Linux 6.18's verifier loses precision when a fetch reads a spilled register back, prunes a
      // state it should not, and removes live code as dead (found by the VM-vs-kernel test). A byte
      // store first turns the slot into plain bytes, so the fetched value carries no range.
      const slot = off - ((off % 8) + 8) % 8;
      e.emit(b.st(1, 10, slot + this.rng.below(8), this.imm()));
    }
    e.emit(b.atomic(size, op, 10, off, src));
  }

  private packetLoadInsn(dst: number, ptr: number): Instruction {
    const { rng } = this;
    const size = rng.pick([1, 2, 4, 8] as const);
    return b.ldx(size, dst, ptr, rng.below(PACKET_SIZE - size + 1));
  }

  private packetLoad(): void {
    const dst = this.dstReg();
    this.e.emit(b.ldx(8, dst, 10, PKT_SLOT), this.packetLoadInsn(dst, dst));
  }

  private packetStore(): void {
    const { rng, e } = this;
    const ptr = this.dstReg();
    const size = rng.pick([1, 2, 4, 8] as const);
    const off = rng.below(PACKET_SIZE - size + 1);
    e.emit(b.ldx(8, ptr, 10, PKT_SLOT));
    let value = this.anyReg();
    if (value === ptr) value = (value + 1) % 10;
    if (rng.chance(0.7)) e.emit(b.stx(size, ptr, off, value));
    else e.emit(b.st(size, ptr, off, this.imm()));
    // the pointer register becomes a scalar again
    e.emit(b.movImm(ptr, this.imm()));
  }

  private dstReg(): number {
    for (;;) {
      const r = this.rng.pick(this.scope.regs);
      if (!this.reserved.has(r)) return r;
    }
  }

  private anyReg(): number {
    return this.rng.pick(this.scope.regs);
  }

  private imm(): number {
    const { rng } = this;
    if (this.opts.edgeValues) return rng.pick(IMM_POOL);
    const r = rng.below(10);
    if (r < 5) return rng.pick(IMM_POOL);
    if (r < 8) return rng.between(-16, 16);
    return rng.i32();
  }

  private imm64(): bigint {
    return this.opts.edgeValues || this.rng.chance(0.5) ? this.rng.pick(IMM64_POOL) : this.rng.u64();
  }
}

/** A random kernel-valid XDP program and its packet, the same for the same seed and options. */
export function randomProgram(seed: number, options: RandomProgramOptions = {}): RandomProgram {
  const opts: Required<RandomProgramOptions> = {
    length: options.length ?? 40,
    branches: options.branches ?? true,
    loops: options.loops ?? true,
    packetAccess: options.packetAccess ?? true,
    subprograms: options.subprograms ?? 0,
    edgeValues: options.edgeValues ?? false,
    omitOps: options.omitOps ?? new Set(),
  };
  const rng = new Rng(seed);
  const generator = new Generator(rng, opts);
  const insns = generator.build();
  return { seed, progType: 'xdp', insns, packet: rng.bytes(PACKET_SIZE), opCount: generator.opCount };
}
