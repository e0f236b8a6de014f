// Runs a corpus case in the kernel and reports what can be compared: per-run results and final maps.
import {
  closeFd, dumpMap, isPerCpuMap, linkForKernel, loadProgram, mapUpdate, relocateForKernel, testRun, type MapValue,
} from '../kernel';
import { ctxSpan, SK_BUFF } from '../ctx-layouts';
import type { MapDef } from '../map-types';
import type { ProgType } from '../program-types';
import type { CorpusCase } from './corpus';

export interface RunOutcome {
  retval: number;
  dataOut: string;
  ctxOut?: string;
}

/** Final contents of each map (and data section), as sorted 'key=value' hex strings. */
export type MapContents = Record<string, string[]>;

export interface CaseOutcome {
  runs: RunOutcome[];
  maps: MapContents;
}

const u32le = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/**
 * One value per map element as hex. Per-CPU values are summed lane by lane as little-endian u64
 * (which CPU ran the program is not something to compare).
 */
export function valueHex(value: MapValue): string {
  if (!Array.isArray(value)) return hex(value);
  const first = value[0] ?? new Uint8Array(0);
  if (first.length % 8 !== 0) return value.map(hex).join('|');
  const sum = new BigUint64Array(first.length / 8);
  for (const v of value) {
    const lanes = new BigUint64Array(v.slice().buffer);
    lanes.forEach((x, i) => (sum[i] = BigInt.asUintN(64, sum[i]! + x)));
  }
  return hex(new Uint8Array(sum.buffer));
}

/**
 * The __sk_buff fields BPF_PROG_TEST_RUN copies back into ctx_out (the rest keep their ctx_in
 * values), as 'name=hex' pairs: what the kernel lets us compare.
 */
const SKB_CTX_OUT = ['mark', 'priority', 'ingress_ifindex', 'ifindex', 'cb', 'tstamp', 'wire_len', 'gso_segs', 'gso_size', 'hwtstamp']
  .map((name) => [name, ...ctxSpan(SK_BUFF, name)] as const);

export function ctxOutView(bytes: Uint8Array): string {
  if (bytes.length < SK_BUFF.size) return hex(bytes);
  return SKB_CTX_OUT.map(([name, start, end]) => `${name}=${hex(bytes.subarray(start, end))}`).join(' ');
}

/**
 * The packet out as hex. For program types that see the packet from the network header on
 * (socket filters, cgroup_skb), BPF_PROG_TEST_RUN zeroes the Ethernet header it hands back, which
 * the program could not have touched; those 14 bytes are left out of the comparison.
 */
export function packetView(progType: ProgType, bytes: Uint8Array): string {
  if (progType === 'socket_filter' || progType === 'cgroup_skb') return `(after L2) ${hex(bytes.subarray(14))}`;
  return hex(bytes);
}

export const entriesHex = (entries: { key: Uint8Array; value: MapValue }[]): string[] =>
  entries.map((e) => `${hex(e.key)}=${valueHex(e.value)}`).sort();

/** Only maps whose contents are plain data (not fds of programs or maps). */
export const comparableMap = (def: MapDef): boolean =>
  !['prog_array', 'array_of_maps', 'hash_of_maps', 'perf_event_array', 'ringbuf', 'queue', 'stack', 'bloom_filter'].includes(def.type) || isPerCpuMap(def.type);

export function runCaseInKernel(c: CorpusCase): CaseOutcome | { error: string } {
  const linked = linkForKernel(c.program, c.maps, c.data ?? []);
  try {
    for (const init of c.initial ?? []) mapUpdate(linked.mapFds.get(init.map)!, init.key, init.value);
    const targetFds: number[] = [];
    for (const target of c.tailTargets ?? []) {
      const insns = relocateForKernel(target, linked.mapFds, c.maps, c.data ?? []);
      const loaded = loadProgram({ insns, progType: c.progType, name: target.name });
      if (loaded.fd === undefined) {
        targetFds.forEach(closeFd);
        return { error: `kernel rejected tail call target ${target.name} of ${c.name}: ${loaded.error}` };
      }
      targetFds.push(loaded.fd);
    }
    for (const t of c.tailCalls ?? []) {
      mapUpdate(linked.mapFds.get(t.map)!, u32le(t.key), u32le(targetFds[t.target]!));
    }
    // the prog_array keeps its own references to the targets
    targetFds.forEach(closeFd);
    const load = loadProgram({ insns: linked.insns, progType: c.progType, name: c.program.name });
    if (load.fd === undefined) return { error: `kernel rejected ${c.name}: ${load.error}` };
    try {
      const runs: RunOutcome[] = [];
      for (const run of c.runs) {
        const r = testRun(load.fd, { data: run.data, ctx: run.ctx });
        if (r.errno) return { error: `test_run of ${c.name} failed with errno ${r.errno}` };
        const out: RunOutcome = { retval: r.retval, dataOut: packetView(c.progType, r.dataOut) };
        if (run.ctx) out.ctxOut = ctxOutView(r.ctxOut ?? new Uint8Array(0));
        runs.push(out);
      }
      const maps: MapContents = {};
      for (const def of c.maps) if (comparableMap(def)) maps[def.name] = entriesHex(dumpMap(linked.mapFds.get(def.name)!, def));
      for (const section of c.data ?? []) maps[section.name] = entriesHex(dumpMap(linked.mapFds.get(section.name)!));
      return { runs, maps };
    } finally {
      closeFd(load.fd);
    }
  } finally {
    linked.close();
  }
}
