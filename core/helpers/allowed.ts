// Which helpers each program type may call, as probed from a real kernel by
// scripts/probe-helpers.ts (data in allowed.json, with the kernel release it came from).

import allowedJson from './allowed.json';
import type { ProgType } from '../program-types';

interface TypeEntry {
  attach?: string;
  allowed?: number[];
  sleepableOnly?: number[];
  unprobed?: string;
}

const DATA = allowedJson as { kernel: string; helperCount: number; progTypes: Record<string, TypeEntry> };

/** Kernel release the availability data was probed on (`uname -r`). */
export const ALLOWED_PROBED_ON: string = DATA.kernel;

const SETS = new Map<string, { allowed: Set<number>; sleepable: Set<number> }>();
for (const [type, e] of Object.entries(DATA.progTypes)) {
  if (e.allowed) SETS.set(type, { allowed: new Set(e.allowed), sleepable: new Set(e.sleepableOnly ?? []) });
}

export type HelperAvailability =
  | 'allowed'
  /** The kernel knows it for this program type, but only in sleepable programs. */
  | 'sleepable-only'
  | 'not-allowed'
  /** This program type was not probed (see unprobedReason). */
  | 'unknown';

/** Availability of helper `id` in programs of `progType`. */
export function helperAvailability(progType: ProgType, id: number): HelperAvailability {
  const s = SETS.get(progType);
  if (!s) return 'unknown';
  if (s.allowed.has(id)) return 'allowed';
  if (s.sleepable.has(id)) return 'sleepable-only';
  return 'not-allowed';
}

/**
 * Whether `progType` may call helper `id`: true or false from the probe data, undefined when the
 * type was not probed (then nothing is known). Sleepable-only helpers count as not allowed.
 */
export function helperAllowed(progType: ProgType, id: number): boolean | undefined {
  const a = helperAvailability(progType, id);
  return a === 'unknown' ? undefined : a === 'allowed';
}

/** Helper ids `progType` may call, ascending; undefined when not probed. */
export function allowedHelpers(progType: ProgType): number[] | undefined {
  const s = SETS.get(progType);
  return s ? [...s.allowed].sort((a, b) => a - b) : undefined;
}

/** Why a program type has no data (e.g. the kernel refused even an empty program of it). */
export function unprobedReason(progType: ProgType): string | undefined {
  return DATA.progTypes[progType]?.unprobed;
}

/** The attach point the probe used for this program type, when it matters (e.g. `cgroup/connect4`). */
export function probedAttach(progType: ProgType): string | undefined {
  return DATA.progTypes[progType]?.attach;
}
