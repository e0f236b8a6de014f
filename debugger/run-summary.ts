// The end-of-run report: how the packet and the maps changed.
import { bytesToHex, type mapsToJson } from '../core/vm/loader';

type MapsJson = ReturnType<typeof mapsToJson>;

export function packetDiff(before: Uint8Array, after: Uint8Array): string[] {
  if (before.length === after.length && before.every((b, i) => b === after[i])) return ['Packet: unchanged.'];
  const out = [`Packet: ${before.length} -> ${after.length} bytes.`];
  if (before.length !== after.length) {
    out.push(`  after: ${bytesToHex(after.subarray(0, 64))}${after.length > 64 ? ' ...' : ''}`);
    return out;
  }
  let i = 0;
  let shown = 0;
  while (i < before.length && shown < 8) {
    if (before[i] === after[i]) { i++; continue; }
    let j = i;
    while (j < before.length && before[j] !== after[j]) j++;
    out.push(`  bytes ${i}-${j - 1}: ${bytesToHex(before.subarray(i, j))} -> ${bytesToHex(after.subarray(i, j))}`);
    shown++;
    i = j;
  }
  return out;
}

export function mapChanges(before: MapsJson, after: MapsJson): string[] {
  const out: string[] = [];
  const val = (e: { value?: string; values?: string[] }): string => e.value ?? (e.values ?? []).join(' | ');
  for (const [name, entries] of Object.entries(after)) {
    const old = new Map((before[name] ?? []).map((e) => [e.key, val(e)]));
    const now = new Map(entries.map((e) => [e.key, val(e)]));
    const lines: string[] = [];
    for (const [k, v] of now) {
      if (!old.has(k)) lines.push(`  + ${k || '-'} => ${v}`);
      else if (old.get(k) !== v) lines.push(`  ${k || '-'}: ${old.get(k)} -> ${v}`);
    }
    for (const k of old.keys()) if (!now.has(k)) lines.push(`  - ${k || '-'}`);
    if (lines.length) out.push(`Map ${name}:`, ...lines);
  }
  return out.length ? out : ['Maps: unchanged.'];
}

