// Verification results shared across document versions: an edit re-verifies only the programs
// whose instructions, maps or options changed. Keyed by content, bounded in size.
import type { Program } from '../core/asm/program';
import type { MapDef } from '../core/map-types';
import type { ProgType } from '../core/program-types';
import { verifyProgram, type VerifyResult } from '../core/verifier';

const MAX_ENTRIES = 512;

export class VerifyCache {
  private readonly entries = new Map<string, VerifyResult>();

  verify(program: Program, maps: readonly MapDef[], progType: ProgType, unprivileged: boolean): VerifyResult {
    const key = cacheKey(program, maps, progType, unprivileged);
    const hit = this.entries.get(key);
    if (hit) {
      // refresh its place in the LRU order
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const result = verifyProgram(program, maps, { progType, unprivileged, collectStates: true });
    this.entries.set(key, result);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    return result;
  }

  clear(): void {
    this.entries.clear();
  }
}

function cacheKey(program: Program, maps: readonly MapDef[], progType: ProgType, unprivileged: boolean): string {
  const parts: (string | number)[] = [progType, unprivileged ? 1 : 0];
  for (const m of maps) parts.push(m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.flags, m.inner ?? '');
  parts.push('|');
  for (const r of program.relocations) parts.push(r.slot, r.symbol, r.kind);
  parts.push('|');
  for (const { insn } of program.insns) parts.push(insn.code, insn.dst, insn.src, insn.off, insn.imm, insn.hi ?? '');
  return parts.join(',');
}
