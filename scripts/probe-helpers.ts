// Probes the running kernel: for every program type it can load and every helper id, may the
// program type call the helper? Writes core/helpers/allowed.json.
// Usage (root): npx tsx scripts/probe-helpers.ts

import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { HELPER_COUNT } from '../core/helpers/table';
import { PROBE_TARGETS, prepareTarget, probeHelper } from '../core/helpers/probe';

interface TypeEntry {
  /** Attach point used for the probe, when it matters. */
  attach?: string;
  /** Helper ids the program type may call. */
  allowed?: number[];
  /** Helper ids the kernel knows for this type but only in sleepable programs. */
  sleepableOnly?: number[];
  /** Why the type was not probed. */
  unprobed?: string;
}

const started = Date.now();
const types: Record<string, TypeEntry> = {};
let loads = 0;
for (const target of PROBE_TARGETS) {
  const prepared = prepareTarget(target);
  const entry: TypeEntry = target.note ? { attach: target.note } : {};
  if (prepared.unavailable) {
    entry.unprobed = prepared.unavailable;
    types[target.progType] = entry;
    console.log(`${target.progType}: not probed (${prepared.unavailable})`);
    continue;
  }
  const allowed: number[] = [];
  const sleepable: number[] = [];
  for (let id = 1; id <= HELPER_COUNT; id++) {
    const v = probeHelper(prepared, id);
    loads++;
    if (!v.allowed) continue;
    (v.sleepableOnly ? sleepable : allowed).push(id);
  }
  entry.allowed = allowed;
  if (sleepable.length) entry.sleepableOnly = sleepable;
  types[target.progType] = entry;
  console.log(`${target.progType}: ${allowed.length} allowed, ${sleepable.length} sleepable-only`);
}

// One program type per line keeps the file readable and diffs small.
const lines = Object.entries(types).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
const out = new URL('../core/helpers/allowed.json', import.meta.url);
writeFileSync(out, `{\n "kernel": ${JSON.stringify(release())},\n "helperCount": ${HELPER_COUNT},\n "progTypes": {\n${lines.join(',\n')}\n }\n}\n`);
console.log(`${loads} loads in ${((Date.now() - started) / 1000).toFixed(1)} s; wrote ${out.pathname}`);
