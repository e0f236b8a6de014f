// How many CPUs the kernel considers possible: per-CPU maps hold one value for each. Reads /sys
// only, so the debugger and the CLI can ask without loading the bpf() bindings.
import { readFileSync } from 'node:fs';

let possibleCpuCount: number | undefined;

/** Number of possible CPUs (what per-CPU map values are sized by), from /sys; 1 when unknown. */
export function possibleCpus(): number {
  if (possibleCpuCount !== undefined) return possibleCpuCount;
  let count = 0;
  try {
    const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    for (const part of text.split(',')) {
      const [a, b] = part.split('-').map((x) => Number.parseInt(x, 10));
      if (a === undefined || Number.isNaN(a)) continue;
      count = Math.max(count, (b ?? a) + 1);
    }
  } catch {
    // fall through to the default
  }
  return (possibleCpuCount = count > 0 ? count : 1);
}
