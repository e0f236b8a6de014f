// Random LLVM-syntax instructions covering every form llvm-mc-19 accepts, for the differential
// test and the benchmark. Only forms llvm-mc assembles without crashing are generated.

export type Rand = () => number;

/** A small deterministic generator (mulberry32), so failures can be replayed from the seed. */
export function seeded(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALU = ['+=', '-=', '*=', '/=', '%=', '|=', '&=', '^=', '<<=', '>>=', 's>>=', 's/=', 's%=', '='];
const JMP = ['==', '!=', '>', '>=', '<', '<=', 's>', 's>=', 's<', 's<=', '&'];
const LOCK = ['+=', '|=', '&=', '^='];
const FETCH = ['add', 'or', 'and', 'xor'];

export class InsnGen {
  constructor(private readonly rand: Rand) {}

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)]!;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }

  reg(): number {
    return this.int(0, 10);
  }

  /** A 32-bit immediate in one of the spellings LLVM reads. */
  imm(): string {
    const r = this.rand();
    let v: number;
    if (r < 0.3) v = this.int(-16, 64);
    else if (r < 0.45) v = this.pick([0, 1, -1, 0x7fffffff, -0x80000000, 255, 65535, -2]);
    else v = this.int(-0x80000000, 0x7fffffff);
    const style = this.rand();
    if (style < 0.2 && v >= 0) return '0x' + v.toString(16);
    if (style < 0.25 && v > 0) return '0b' + v.toString(2);
    if (style < 0.28 && v > 1 && v < 1000) return `${v - 1}+1`;
    if (style < 0.3 && v > 0) return '0' + v.toString(8); // octal, as LLVM reads a leading zero
    if (style < 0.31 && v >= 32 && v < 127 && v !== 39 && v !== 92) return `'${String.fromCharCode(v)}'`;
    if (style < 0.32 && v > -100 && v < 100) return `${v} * 3 - ${2 * v}`; // llvm-mc takes no leading parenthesis
    return String(v);
  }

  off(): string {
    const v = this.rand() < 0.5 ? this.int(-64, 64) : this.int(-32768, 32767);
    return v < 0 ? `- ${-v}` : `+ ${v}`;
  }

  jumpOff(): string {
    const v = this.rand() < 0.7 ? this.int(-100, 100) : this.int(-32768, 32767);
    return v < 0 ? String(v) : '+' + v;
  }

  imm64(): string {
    const r = this.rand();
    if (r < 0.3) return String(this.int(-1000, 1000));
    const hi = BigInt(this.int(0, 0xffffffff));
    const lo = BigInt(this.int(0, 0xffffffff));
    const v = (hi << 32n) | lo;
    return r < 0.7 ? '0x' + v.toString(16) : BigInt.asIntN(64, v).toString();
  }

  /** One instruction line (no label references). */
  insn(): string {
    const r = this.reg();
    const s = this.reg();
    switch (this.int(0, 25)) {
      case 0: case 1: case 2: return `r${r} ${this.pick(ALU)} r${s}`;
      case 3: case 4: return `r${r} ${this.pick(ALU)} ${this.imm()}`;
      case 5: case 6: return `w${r} ${this.pick(ALU)} w${s}`;
      case 7: return `w${r} ${this.pick(ALU)} ${this.imm()}`;
      case 8: return this.rand() < 0.5 ? `r${r} = -r${r}` : `w${r} = -w${r}`;
      case 9: return this.rand() < 0.6 ? `r${r} = (${this.pick(['s8', 's16', 's32'])})r${s}` : `w${r} = (${this.pick(['s8', 's16'])})w${s}`;
      case 10: return `r${r} = ${this.pick(['bswap', 'be', 'le'])}${this.pick([16, 32, 64])} r${r}`;
      case 11: case 12: {
        if (this.rand() < 0.6) return `r${r} = *(${this.pick(['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32'])} *)(r${s} ${this.off()})`;
        return `w${r} = *(${this.pick(['u8', 'u16', 'u32'])} *)(r${s} ${this.off()})`;
      }
      case 13: case 14: {
        const x = this.rand();
        if (x < 0.4) return `*(${this.pick(['u8', 'u16', 'u32', 'u64'])} *)(r${r} ${this.off()}) = r${s}`;
        if (x < 0.6) return `*(${this.pick(['u8', 'u16', 'u32'])} *)(r${r} ${this.off()}) = w${s}`;
        return `*(${this.pick(['u8', 'u16', 'u32', 'u64'])} *)(r${r} ${this.off()}) = ${this.imm()}`;
      }
      case 15: {
        const x = this.rand();
        if (x < 0.4) return `lock *(u64 *)(r${r} ${this.off()}) ${this.pick(LOCK)} r${s}`;
        if (x < 0.7) return `lock *(u32 *)(r${r} ${this.off()}) ${this.pick(LOCK)} w${s}`;
        return `lock *(u32 *)(r${r} ${this.off()}) += r${s}`; // llvm-mc takes an r source in u32 for += only
      }
      case 16: {
        const op = this.pick(FETCH);
        return this.rand() < 0.5
          ? `r${s} = atomic_fetch_${op}((u64 *)(r${r} ${this.off()}), r${s})`
          : `w${s} = atomic_fetch_${op}((u32 *)(r${r} ${this.off()}), w${s})`;
      }
      case 17: {
        const x = this.rand();
        if (x < 0.25) return `r${s} = xchg_64(r${r} ${this.off()}, r${s})`;
        if (x < 0.5) return `w${s} = xchg32_32(r${r} ${this.off()}, w${s})`;
        if (x < 0.75) return `r0 = cmpxchg_64(r${r} ${this.off()}, r0, r${s})`;
        return `w0 = cmpxchg32_32(r${r} ${this.off()}, w0, w${s})`;
      }
      case 18: case 19: {
        const w = this.rand() < 0.35 ? 'w' : 'r';
        const rhs = this.rand() < 0.5 ? `${w}${s}` : this.imm();
        return `if ${w}${r} ${this.pick(JMP)} ${rhs} goto ${this.jumpOff()}`;
      }
      case 20: {
        const x = this.rand();
        if (x < 0.5) return `goto ${this.jumpOff()}`;
        if (x < 0.75) return `gotol ${this.jumpOff()}`; // llvm-mc takes 16-bit numeric gotol offsets only
        return `may_goto ${this.jumpOff()}`;
      }
      case 21: return this.rand() < 0.6 ? `call ${this.int(0, 211)}` : `callx r${r}`;
      case 22: return `r${r} = ${this.imm64()} ll`;
      case 23: {
        const size = this.pick(['u8', 'u16', 'u32']);
        return this.rand() < 0.5 ? `r0 = *(${size} *)skb[${this.int(-100, 100000)}]` : `r0 = *(${size} *)skb[r${s}]`;
      }
      case 24: return `r${r} = addr_space_cast(r${s}, ${this.int(0, 5)}, ${this.int(0, 5)})`;
      default: return this.rand() < 0.5 ? 'exit' : `r${r} = ${this.rand() < 0.5 ? 'r' + s : this.imm()}`;
    }
  }

  /**
   * A program of `count` instructions in .text with labels every few lines, jumps and local
   * calls to them, and a few symbol loads.
   */
  program(count: number): string[] {
    const lines: string[] = ['\t.text'];
    const labels: string[] = [];
    for (let i = 0; i < count; i++) {
      if (i % 23 === 0) {
        const name = i % 46 === 0 ? `fn_${i}` : `.LBB_${i}`;
        labels.push(name);
        lines.push(`${name}:`);
      }
      const x = this.rand();
      // jump to one of the last labels, so offsets stay in 16 bits in long programs
      const near = labels.slice(-40);
      if (x < 0.05 && labels.length) {
        const t = this.pick(near);
        lines.push(`\tif r${this.reg()} ${this.pick(JMP)} ${this.rand() < 0.5 ? 'r' + this.reg() : this.imm()} goto ${t}`);
      } else if (x < 0.07 && labels.length) {
        lines.push(`\t${this.pick(['goto', 'gotol', 'may_goto'])} ${this.pick(near)}`);
      } else if (x < 0.08) {
        lines.push(`\tcall ${this.pick(labels.filter((l) => l.startsWith('fn_')).concat(['fn_0']))}`);
      } else if (x < 0.09) {
        lines.push(`\tr${this.reg()} = sym_${this.int(0, 3)}${this.rand() < 0.5 ? '' : ' + ' + this.int(0, 64)} ll`);
      } else {
        lines.push('\t' + this.insn());
      }
    }
    // forward references to labels defined at the end
    lines.push('.Lend:', '\tgoto .Lend', '\texit');
    return lines;
  }
}
