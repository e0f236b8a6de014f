// Verification results shared across document versions: an edit re-verifies only the programs
// whose instructions, maps or options changed. Programs with loops go to the worker (when there is
// one), so the server never waits on them; the others are verified at once. Bounded in size.
import type { Program } from '../core/asm/program';
import type { MapDef } from '../core/map-types';
import type { ProgType } from '../core/program-types';
import { verifyProgram, type VerifyResult } from '../core/verifier';
import { hasBackEdge } from '../core/verifier/loops';
import type { AsyncVerifier } from './async-verifier';

const MAX_ENTRIES = 512;

/** A verdict, or why there is none (the verifier ran out of time, or failed). */
export type VerifyOutcome = VerifyResult | { incomplete: string };

export class VerifyCache {
  private readonly entries = new Map<string, VerifyOutcome>();
  private readonly pending = new Set<string>();

  /** `worker` runs loop programs off the main thread; `onSettled` hears when one finishes. */
  constructor(private readonly worker?: AsyncVerifier, private readonly onSettled?: () => void) {}

  /** The outcome, or undefined while a worker job for it is still running. */
  lookup(program: Program, maps: readonly MapDef[], progType: ProgType, unprivileged: boolean): VerifyOutcome | undefined {
    const key = cacheKey(program, maps, progType, unprivileged);
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key); // refresh its place in the LRU order
      this.entries.set(key, hit);
      return hit;
    }
    if (this.worker && hasBackEdge(program)) {
      if (!this.pending.has(key)) {
        this.pending.add(key);
        void this.worker.run({ program, maps, progType, unprivileged }).then((outcome) => {
          this.pending.delete(key);
          this.store(key, 'timeout' in outcome ? { incomplete: outcome.timeout } : 'error' in outcome ? { incomplete: outcome.error } : outcome);
          this.onSettled?.();
        });
      }
      return undefined;
    }
    const result = verifyProgram(program, maps, { progType, unprivileged, collectStates: true });
    this.store(key, result);
    return result;
  }

  private store(key: string, outcome: VerifyOutcome): void {
    this.entries.set(key, outcome);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** Two independent 32-bit FNV-1a hashes of the instruction words, as one string. */
function hashInsns(program: Program): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ program.insns.length;
  const mix = (v: number): void => {
    a = Math.imul(a ^ (v & 0xffff), 0x01000193);
    a = Math.imul(a ^ (v >>> 16), 0x01000193);
    b = Math.imul(b ^ v, 0x5bd1e995);
    b ^= b >>> 13;
  };
  for (const { insn } of program.insns) {
    mix(insn.code | (insn.dst << 8) | (insn.src << 12) | ((insn.off & 0xffff) << 16));
    mix(insn.imm | 0);
    if (insn.hi !== undefined) mix(insn.hi | 0);
  }
  return `${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}`;
}

function cacheKey(program: Program, maps: readonly MapDef[], progType: ProgType, unprivileged: boolean): string {
  const parts: (string | number)[] = [progType, unprivileged ? 1 : 0, program.insns.length, hashInsns(program)];
  for (const m of maps) parts.push(m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.flags, m.inner ?? '');
  parts.push('|');
  for (const r of program.relocations) parts.push(r.slot, r.symbol, r.kind);
  return parts.join(',');
}
