// The state at one instruction joined over every path that reached it: scalars widen to the union of
// their bounds, equal pointers stay, registers that differ in kind list each kind (`fp-8|fp-16`),
// and a register or stack byte not set on some path is not set in the join.
import { frameText, regText } from './format';
import { type Frame, type Reg, STACK_INVALID, STACK_MISC, STACK_SPILL, T } from './state';
import { U64_MAX } from './tnum';

const MAX_PATHS = 16;
const MAX_ALTERNATIVES = 6;

const bmin = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const bmax = (a: bigint, b: bigint): bigint => (a > b ? a : b);

function sameKind(a: Reg, b: Reg): boolean {
  return a.type === b.type && a.flags === b.flags && a.map === b.map && a.memSize === b.memSize
    && a.btfName === b.btfName && a.frameno === b.frameno && a.subprog === b.subprog
    // a scalar's off is the constant delta of its link (id=N+k), not a kind
    && (a.type === T.SCALAR || a.off === b.off);
}

/** Widens `into` to cover `other` as well; false when the two cannot be one register (other kind). */
export function joinReg(into: Reg, other: Reg): boolean {
  if (into.type === T.NOT_INIT) return true;
  if (other.type === T.NOT_INIT) {
    into.type = T.NOT_INIT;
    return true;
  }
  if (!sameKind(into, other)) return false;
  if (into.id !== other.id || into.off !== other.off) {
    into.id = 0;
    if (into.type === T.SCALAR) into.off = 0;
  }
  if (into.refObjId !== other.refObjId) into.refObjId = 0;
  if (into.range > other.range) into.range = other.range;
  into.smin = bmin(into.smin, other.smin);
  into.smax = bmax(into.smax, other.smax);
  into.umin = bmin(into.umin, other.umin);
  into.umax = bmax(into.umax, other.umax);
  into.s32min = Math.min(into.s32min, other.s32min);
  into.s32max = Math.max(into.s32max, other.s32max);
  into.u32min = Math.min(into.u32min, other.u32min);
  into.u32max = Math.max(into.u32max, other.u32max);
  const a = into.varOff;
  const b = other.varOff;
  const mask = a.mask | b.mask | (a.value ^ b.value);
  into.varOff = { value: a.value & ~mask & U64_MAX, mask };
  return true;
}

/** The running join of the states seen at one instruction, and the distinct states themselves. */
export class StateJoin {
  private readonly frame: Frame;
  /** Registers whose paths disagree on the kind of value: each kind's text. */
  private readonly alternatives = new Map<number, Set<string>>();
  readonly paths: string[] = [];
  /** More distinct states reached the instruction than `paths` keeps. */
  pathsTruncated = false;

  constructor(first: Frame) {
    this.frame = first.clone();
    this.paths.push(frameText(first).trim());
  }

  add(f: Frame): void {
    const text = frameText(f).trim();
    if (this.paths.includes(text)) return;
    if (this.paths.length < MAX_PATHS) this.paths.push(text);
    else this.pathsTruncated = true;
    const regs = this.frame.regs;
    for (let i = 0; i < 11; i++) {
      const alt = this.alternatives.get(i);
      if (alt) {
        if (f.regs[i].type === T.NOT_INIT) {
          this.alternatives.delete(i);
          regs[i].type = T.NOT_INIT;
        } else if (alt.size < MAX_ALTERNATIVES) alt.add(regText(f.regs[i]));
        continue;
      }
      if (!joinReg(regs[i], f.regs[i])) this.alternatives.set(i, new Set([regText(regs[i]), regText(f.regs[i])]));
    }
    this.joinStack(f);
  }

  private joinStack(f: Frame): void {
    const mine = this.frame;
    const bytes = Math.max(mine.allocated, f.allocated);
    if (bytes > mine.allocated) mine.allocated = bytes;
    const st = mine.w();
    for (let spi = 0; spi * 8 < bytes; spi++) {
      const base = spi * 8;
      const mineSpill = st[base + 7] === STACK_SPILL ? mine.spill[spi] : undefined;
      const otherSpill = f.stype[base + 7] === STACK_SPILL ? f.spill[spi] : undefined;
      if (mineSpill && otherSpill && joinReg(mineSpill, otherSpill) && mineSpill.type !== T.NOT_INIT) continue;
      for (let j = 0; j < 8; j++) {
        const a = st[base + j];
        const b = f.stype[base + j];
        if (a === b && a !== STACK_SPILL) continue;
        st[base + j] = a === STACK_INVALID || b === STACK_INVALID ? STACK_INVALID : STACK_MISC;
      }
      if (st[base + 7] !== STACK_SPILL) mine.spill[spi] = undefined;
    }
  }

  /** The joined state in the kernel's notation. */
  text(): string {
    const f = this.frame;
    let regs = '';
    for (let i = 0; i < 11; i++) {
      const alt = this.alternatives.get(i);
      if (alt) regs += ` R${i}=${[...alt].join('|')}`;
      else if (f.regs[i].type !== T.NOT_INIT) regs += ` R${i}=${regText(f.regs[i])}`;
    }
    const prefix = f.frameno ? ` frame${f.frameno}:` : '';
    return (prefix + regs + frameText(f, 0).slice(prefix.length)).trim();
  }
}
