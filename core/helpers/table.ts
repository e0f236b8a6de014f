// The bundled helper table (generated from libbpf's bpf_helper_defs.h by scripts/gen-helper-table.ts)
// and lookups by id and by name.

import tableJson from './helper-table.json';
import type { HelperInfo, HelperParam } from './types';

export type { HelperInfo, HelperParam };

const HELPERS: readonly HelperInfo[] = (tableJson as { helpers: HelperInfo[] }).helpers;

const BY_ID = new Map<number, HelperInfo>();
const BY_NAME = new Map<string, HelperInfo>();
for (const h of HELPERS) {
  BY_ID.set(h.id, h);
  BY_NAME.set(h.name, h);
}

/** Number of helpers in the bundled table (ids 1..HELPER_COUNT). */
export const HELPER_COUNT: number = HELPERS.length;

/** All bundled helpers, ordered by id. */
export function allHelpers(): readonly HelperInfo[] {
  return HELPERS;
}

/** The helper with this id, or undefined. */
export function helperById(id: number): HelperInfo | undefined {
  return BY_ID.get(id);
}

/** The helper with this name, with or without the `bpf_` prefix (`map_lookup_elem` works too). */
export function helperByName(name: string): HelperInfo | undefined {
  return BY_NAME.get(name) ?? BY_NAME.get(`bpf_${name}`);
}

/** `bpf_map_lookup_elem` for id 1; `#<id>` for an id not in the table. */
export function helperName(id: number): string {
  return BY_ID.get(id)?.name ?? `#${id}`;
}
