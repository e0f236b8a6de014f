// From an assembled file or ELF object to a ready Machine, and map contents to and from JSON.
import type { AssembledFile, Program } from '../asm/program';
import { isProgType, type ProgType } from '../program-types';
import { Machine, PROG_FD_BASE, type MachineOptions } from './machine';
import { programFromAssembled, type VmProgram } from './program';
import type { VmMap, VmMapEntry } from './maps';

export interface LoadedVm {
  machine: Machine;
  program: Program;
  progType: ProgType | undefined;
}

/** Finds a program by section or function name (default: the first). */
export function pickProgram(file: AssembledFile, which?: string): Program | undefined {
  if (which === undefined) return file.programs[0];
  return file.programs.find((p) => p.section === which || p.name === which)
    ?? file.programs.find((p) => p.section.startsWith(which + '/'));
}

/**
 * Builds a Machine for one program of a file; the file's other programs are loaded too, so
 * prog_array maps can name them for tail calls. Returns an error message instead when it cannot.
 */
export function loadVm(
  file: AssembledFile,
  opts: { section?: string; progType?: string } & Omit<MachineOptions, 'programs' | 'maps' | 'data' | 'progType'> = {},
): LoadedVm | string {
  const main = pickProgram(file, opts.section);
  if (!main) {
    return opts.section === undefined ? 'the file has no program'
      : `no program in section or named '${opts.section}' (programs: ${file.programs.map((p) => p.section).join(', ') || 'none'})`;
  }
  let progType: ProgType | undefined = main.progType;
  if (opts.progType !== undefined) {
    if (!isProgType(opts.progType)) return `unknown program type '${opts.progType}'`;
    progType = opts.progType;
  }
  const mapNames = new Set(file.maps.map((m) => m.name));
  const dataSymbols = new Map<string, { section: string; offset: number }>();
  for (const d of file.data) {
    dataSymbols.set(d.name, { section: d.name, offset: 0 });
    for (const s of d.symbols) dataSymbols.set(s.name, { section: d.name, offset: s.offset });
  }
  const ordered = [main, ...file.programs.filter((p) => p !== main)];
  const programs: VmProgram[] = [];
  for (const p of ordered) {
    const { program, errors } = programFromAssembled(p, mapNames, dataSymbols);
    if (errors.length && p === main) return errors[0];
    programs.push(program);
  }
  const machine = new Machine({
    ...opts, programs, progType, maps: file.maps,
    data: file.data.map((d) => ({ name: d.name, bytes: d.bytes })),
  });
  if (machine.setupErrors.length) return machine.setupErrors[0];
  return { machine, program: main, progType };
}

// ---- JSON ----------------------------------------------------------------------------------------

type JsonScalar = number | string;
export type MapJson = Record<string, { key?: JsonScalar | number[]; value?: JsonScalar | number[]; values?: (JsonScalar | number[])[] }[] | Record<string, JsonScalar | number[]>>;

export const bytesToHex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/**
 * A key or value from JSON: a number or "0x..." integer (little-endian, `size` bytes), a string
 * of hex byte pairs ("01 00 00 00"), or an array of byte values.
 */
export function bytesFromJson(v: unknown, size: number, what: string): Uint8Array | string {
  const out = new Uint8Array(size);
  if (Array.isArray(v)) {
    if (v.length > size || v.some((x) => typeof x !== 'number' || x < 0 || x > 255 || !Number.isInteger(x))) {
      return `${what}: expected at most ${size} byte values 0-255`;
    }
    out.set(v as number[]);
    return out;
  }
  let n: bigint;
  if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^-?(0x[0-9a-f]+|[0-9]+)$/i.test(v.trim())) n = BigInt(v.trim());
  else if (typeof v === 'string' && /^([0-9a-f]{2}\s*)*$/i.test(v.trim())) {
    const hex = v.replace(/\s+/g, '');
    if (hex.length / 2 > size) return `${what}: ${hex.length / 2} bytes, more than ${size}`;
    for (let i = 0; i < hex.length; i += 2) out[i / 2] = parseInt(hex.slice(i, i + 2), 16);
    return out;
  } else return `${what}: expected a number, "0x..." or hex bytes such as "01 00 00 00", found ${JSON.stringify(v)}`;
  const u = BigInt.asUintN(size * 8, n);
  for (let i = 0; i < size; i++) out[i] = Number((u >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** Loads initial map contents; returns the first problem, if any. */
export function applyMapJson(machine: Machine, json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'maps JSON must be an object keyed by map name';
  for (const [name, spec] of Object.entries(json as Record<string, unknown>)) {
    const map = machine.mapsByName.get(name);
    if (!map) return `no map named '${name}' (maps: ${[...machine.mapsByName.keys()].join(', ') || 'none'})`;
    const entries: { key?: unknown; value?: unknown; values?: unknown }[] = Array.isArray(spec)
      ? spec as never
      : Object.entries(spec as Record<string, unknown>).map(([key, value]) => ({ key, value }));
    for (const [i, e] of entries.entries()) {
      const err = applyEntry(machine, map, e, `${name}[${i}]`);
      if (err) return err;
    }
  }
  return undefined;
}

function applyEntry(machine: Machine, map: VmMap, e: { key?: unknown; value?: unknown; values?: unknown }, where: string): string | undefined {
  const { keySize, valueSize, type } = map.def;
  if (type === 'prog_array') {
    const key = bytesFromJson(e.key, 4, `${where} key`);
    if (typeof key === 'string') return key;
    const idx = typeof e.value === 'string' ? machine.programs.findIndex((p) => p.name === e.value) : -1;
    const byNumber = typeof e.value === 'number' ? e.value : idx;
    if (byNumber < 0 || byNumber >= machine.programs.length) return `${where}: value must name a program (${machine.programs.map((p) => p.name).join(', ')})`;
    const fd = new Uint8Array(new Uint32Array([PROG_FD_BASE + byNumber]).buffer);
    const r = map.update(key, fd, 0);
    return r < 0 ? `${where}: update failed with ${r}` : undefined;
  }
  if (type === 'array_of_maps' || type === 'hash_of_maps') {
    const key = bytesFromJson(e.key, keySize, `${where} key`);
    if (typeof key === 'string') return key;
    const inner = typeof e.value === 'string' ? machine.mapsByName.get(e.value) : undefined;
    if (!inner) return `${where}: value must name a map (${[...machine.mapsByName.keys()].join(', ')})`;
    const r = map.update(key, new Uint8Array(new Uint32Array([inner.fd]).buffer), 0);
    return r < 0 ? `${where}: update failed with ${r}` : undefined;
  }
  const value = (v: unknown, what: string): Uint8Array | string => bytesFromJson(v, valueSize, what);
  if (type === 'queue' || type === 'stack' || type === 'bloom_filter') {
    const v = value(e.value, `${where} value`);
    if (typeof v === 'string') return v;
    const r = map.push(v, 0);
    return r < 0 ? `${where}: push failed with ${r}` : undefined;
  }
  const key = bytesFromJson(e.key, keySize, `${where} key`);
  if (typeof key === 'string') return key;
  if (Array.isArray(e.values)) {
    // one value per CPU, as BPF_MAP_UPDATE_ELEM takes them; CPUs left out start at zero
    if (!map.perCpu) return `${where}: "values" (one per CPU) is only for per-CPU maps; ${map.def.name} (${type}) takes a "value"`;
    if (e.values.length > machine.cpus) return `${where}: ${e.values.length} values, but there ${machine.cpus === 1 ? 'is 1 possible CPU' : `are ${machine.cpus} possible CPUs`}`;
    const vals: Uint8Array[] = [];
    for (const [c, x] of e.values.entries()) {
      const v = value(x, `${where} values[${c}]`);
      if (typeof v === 'string') return v;
      vals.push(v);
    }
    while (vals.length < machine.cpus) vals.push(new Uint8Array(valueSize));
    const r = map.updateAll(key, vals, 0);
    return r < 0 ? `${where}: update failed with ${r}` : undefined;
  }
  const v = value(e.value, `${where} value`);
  if (typeof v === 'string') return v;
  const r = map.perCpu ? map.updateAll(key, Array(machine.cpus).fill(v), 0) : map.update(key, v, 0);
  return r < 0 ? `${where}: update failed with ${r}` : undefined;
}

/** Map contents as JSON: hex byte strings; per-CPU maps give "values" (one per CPU). */
export function mapsToJson(machine: Machine): Record<string, { key: string; value?: string; values?: string[] }[]> {
  const out: Record<string, { key: string; value?: string; values?: string[] }[]> = {};
  for (const m of machine.maps) {
    if (m.type === 'ringbuf' || m.type === 'perf_event_array') continue;
    out[m.def.name] = m.entries().map((e: VmMapEntry) => Array.isArray(e.value)
      ? { key: bytesToHex(e.key), values: e.value.map(bytesToHex) }
      : { key: bytesToHex(e.key), value: bytesToHex(e.value) });
  }
  return out;
}

/** What a return value means for a program type. */
export function retvalMeaning(progType: ProgType | undefined, r0: bigint): string | undefined {
  const v = Number(BigInt.asUintN(32, r0));
  if (progType === 'xdp') return ['XDP_ABORTED', 'XDP_DROP', 'XDP_PASS', 'XDP_TX', 'XDP_REDIRECT'][v];
  if (progType === 'sched_cls' || progType === 'sched_act') {
    const tc: Record<number, string> = { [-1 >>> 0]: 'TC_ACT_UNSPEC', 0: 'TC_ACT_OK', 1: 'TC_ACT_RECLASSIFY', 2: 'TC_ACT_SHOT', 3: 'TC_ACT_PIPE', 4: 'TC_ACT_STOLEN', 5: 'TC_ACT_QUEUED', 6: 'TC_ACT_REPEAT', 7: 'TC_ACT_REDIRECT' };
    return tc[v];
  }
  if (progType === 'cgroup_skb') return v === 1 ? 'allow' : v === 0 ? 'drop' : undefined;
  if (progType === 'socket_filter') return v === 0 ? 'drop' : `keep ${v} bytes`;
  return undefined;
}
