// The bpf(2) system call: maps, BPF_PROG_TEST_RUN, fds, and whether the kernel is usable at all.
import { MAP_TYPES, type MapDef, type MapType } from '../map-types';
import {
  ATTR_SIZE, BpfCmd, UpdateFlag, readTestRun, writeBtfLoad, writeMapCreate, writeMapElem, writeObjInfo, writeTestRun,
} from './bpf-attr';
import { possibleCpus } from './cpus';
import { BpfError, ERRNO, errnoName } from './errno';
import { Scratch, allocBlock, bpfSyscallNumber, native, type Native, type NativeBlock } from './native';

export { BpfError, ERRNO, errnoName } from './errno';
export { possibleCpus } from './cpus';

interface Sys {
  n: Native;
  nr: number;
  attr: NativeBlock;
  scratch: Scratch;
}

let sys: Sys | string | undefined;

function getSys(): Sys | string {
  if (sys !== undefined) return sys;
  if (process.platform !== 'linux') return (sys = `bpf() needs Linux (this is ${process.platform})`);
  const nr = bpfSyscallNumber();
  if (nr === undefined) return (sys = `no bpf() syscall number known for ${process.arch}`);
  const n = native();
  if (typeof n === 'string') return (sys = n);
  return (sys = { n, nr, attr: allocBlock(n, ATTR_SIZE), scratch: new Scratch(n) });
}

function need(): Sys {
  const s = getSys();
  if (typeof s === 'string') throw new Error(s);
  return s;
}

/** Clears the shared attr block for a new command and returns its view. */
export function freshAttr(): DataView {
  const s = need();
  s.attr.bytes.fill(0);
  return s.attr.view;
}

/** The scratch allocator for pointers inside the attr (reserve before taking). */
export const scratch = (): Scratch => need().scratch;

/** Issues bpf(cmd, attr) on the shared attr block; returns the result and errno (0 on success). */
export function bpfCall(cmd: BpfCmd): { ret: number; errno: number } {
  const s = need();
  const ret = s.n.syscall(s.nr, cmd, s.attr.ptr, ATTR_SIZE);
  return ret < 0 ? { ret, errno: s.n.errno() } : { ret, errno: 0 };
}

/** The shared attr view, to read fields the kernel wrote back. */
export const attrView = (): DataView => need().attr.view;

let availability: { ok: true } | { ok: false; reason: string } | undefined;

/** Whether bpf() can create maps and load programs here; cached, with a reason when not. */
export function kernelBpfAvailable(): { ok: true } | { ok: false; reason: string } {
  if (availability) return availability;
  const s = getSys();
  if (typeof s === 'string') return (availability = { ok: false, reason: s });
  const v = freshAttr();
  writeMapCreate(v, { mapType: MAP_TYPES.array, keySize: 4, valueSize: 4, maxEntries: 1, mapFlags: 0 });
  const { ret, errno } = bpfCall(BpfCmd.MAP_CREATE);
  if (ret < 0) {
    const why =
      errno === ERRNO.EPERM ? 'bpf() is not permitted (needs root or CAP_BPF)'
        : errno === ERRNO.ENOSYS ? 'this kernel has no bpf() syscall'
          : `bpf(BPF_MAP_CREATE) failed with ${errnoName(errno)}`;
    return (availability = { ok: false, reason: why });
  }
  closeFd(ret);
  return (availability = { ok: true });
}

/** Closes an fd; ignores invalid ones, so it is safe in finally blocks. */
export function closeFd(fd: number | undefined): void {
  if (fd === undefined || fd < 0) return;
  mapInfoCache.delete(fd);
  const s = getSys();
  if (typeof s !== 'string') s.n.close(fd);
}

const PER_CPU_TYPES: ReadonlySet<MapType> = new Set<MapType>([
  'percpu_hash', 'percpu_array', 'lru_percpu_hash', 'percpu_cgroup_storage',
]);

export const isPerCpuMap = (type: MapType): boolean => PER_CPU_TYPES.has(type);

interface MapShape {
  keySize: number;
  valueSize: number;
  perCpu: boolean;
}

const mapInfoCache = new Map<number, MapShape>();

/** Key and value sizes of a map fd (from BPF_OBJ_GET_INFO_BY_FD unless we created it). */
export function mapShape(fd: number): MapShape {
  const known = mapInfoCache.get(fd);
  if (known) return known;
  const s = need();
  s.scratch.reserve(96);
  const info = s.scratch.take(96);
  writeObjInfo(freshAttr(), { fd, infoLen: 96, info: info.addr });
  const { errno } = bpfCall(BpfCmd.OBJ_GET_INFO_BY_FD);
  if (errno) throw new BpfError('BPF_OBJ_GET_INFO_BY_FD', errno, `fd ${fd}`);
  const v = new DataView(info.bytes.buffer, info.bytes.byteOffset, 96);
  const typeId = v.getUint32(0, true);
  const type = (Object.keys(MAP_TYPES) as MapType[]).find((t) => MAP_TYPES[t] === typeId);
  const shape = {
    keySize: v.getUint32(8, true),
    valueSize: v.getUint32(12, true),
    perCpu: type !== undefined && isPerCpuMap(type),
  };
  mapInfoCache.set(fd, shape);
  return shape;
}

/** Creates a map; returns its fd. `innerFd` is the template map of a map-in-map. */
export function createMap(def: MapDef & { innerFd?: number }): number {
  const v = freshAttr();
  writeMapCreate(v, {
    mapType: MAP_TYPES[def.type],
    keySize: def.keySize,
    valueSize: def.valueSize,
    maxEntries: def.maxEntries,
    mapFlags: def.flags,
    innerMapFd: def.innerFd,
    name: def.name,
  });
  const { ret, errno } = bpfCall(BpfCmd.MAP_CREATE);
  if (ret < 0) throw new BpfError('BPF_MAP_CREATE', errno, `map ${def.name} (${def.type})`);
  mapInfoCache.set(ret, { keySize: def.keySize, valueSize: def.valueSize, perCpu: isPerCpuMap(def.type) });
  return ret;
}

/** Bytes of one lookup/update value buffer: per-CPU maps hold round_up(size, 8) per possible CPU. */
const valueBufferSize = (shape: MapShape): number =>
  shape.perCpu ? ((shape.valueSize + 7) & ~7) * possibleCpus() : shape.valueSize;

function checkSize(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what} is ${got} bytes; the map expects ${want}`);
}

/** Value as the kernel lays it out: a single value, or one per possible CPU for per-CPU maps. */
export type MapValue = Uint8Array | Uint8Array[];

function packValue(shape: MapShape, value: MapValue): Uint8Array {
  if (!shape.perCpu) {
    if (Array.isArray(value)) throw new Error('a per-CPU value array was given for a map that is not per-CPU');
    checkSize('value', value.length, shape.valueSize);
    return value;
  }
  const stride = (shape.valueSize + 7) & ~7;
  const cpus = possibleCpus();
  const out = new Uint8Array(stride * cpus);
  const perCpu = Array.isArray(value) ? value : Array.from({ length: cpus }, () => value);
  if (perCpu.length !== cpus) throw new Error(`per-CPU value has ${perCpu.length} entries; there are ${cpus} possible CPUs`);
  perCpu.forEach((v, cpu) => {
    checkSize('value', v.length, shape.valueSize);
    out.set(v, cpu * stride);
  });
  return out;
}

function unpackValue(shape: MapShape, raw: Uint8Array): MapValue {
  if (!shape.perCpu) return raw.slice();
  const stride = (shape.valueSize + 7) & ~7;
  return Array.from({ length: possibleCpus() }, (_, cpu) => raw.slice(cpu * stride, cpu * stride + shape.valueSize));
}

/** Inserts or replaces an element (flags: UpdateFlag.ANY / NOEXIST / EXIST). Throws BpfError. */
export function mapUpdate(fd: number, key: Uint8Array, value: MapValue, flags: number = UpdateFlag.ANY): void {
  const shape = mapShape(fd);
  checkSize('key', key.length, shape.keySize);
  const packed = packValue(shape, value);
  const sc = scratch();
  sc.reserve(key.length + packed.length + 16);
  const k = sc.put(key);
  const val = sc.put(packed);
  writeMapElem(freshAttr(), { mapFd: fd, key: k.addr, value: val.addr, flags: BigInt(flags) });
  const { errno } = bpfCall(BpfCmd.MAP_UPDATE_ELEM);
  if (errno) throw new BpfError('BPF_MAP_UPDATE_ELEM', errno);
}

/** The element's value, or undefined when the key is absent. Throws BpfError on other errors. */
export function mapLookup(fd: number, key: Uint8Array): MapValue | undefined {
  const shape = mapShape(fd);
  checkSize('key', key.length, shape.keySize);
  const size = valueBufferSize(shape);
  const sc = scratch();
  sc.reserve(key.length + size + 16);
  const k = sc.put(key);
  const val = sc.take(size);
  writeMapElem(freshAttr(), { mapFd: fd, key: k.addr, value: val.addr, flags: 0n });
  const { errno } = bpfCall(BpfCmd.MAP_LOOKUP_ELEM);
  if (errno === ERRNO.ENOENT) return undefined;
  if (errno) throw new BpfError('BPF_MAP_LOOKUP_ELEM', errno);
  return unpackValue(shape, val.bytes);
}

/** Deletes an element; false when it was absent. */
export function mapDelete(fd: number, key: Uint8Array): boolean {
  const shape = mapShape(fd);
  checkSize('key', key.length, shape.keySize);
  const sc = scratch();
  sc.reserve(key.length + 8);
  const k = sc.put(key);
  writeMapElem(freshAttr(), { mapFd: fd, key: k.addr, value: 0n, flags: 0n });
  const { errno } = bpfCall(BpfCmd.MAP_DELETE_ELEM);
  if (errno === ERRNO.ENOENT) return false;
  if (errno) throw new BpfError('BPF_MAP_DELETE_ELEM', errno);
  return true;
}

/** The key after `key` (the first key when undefined), or undefined at the end. */
export function mapGetNextKey(fd: number, key: Uint8Array | undefined): Uint8Array | undefined {
  const shape = mapShape(fd);
  if (key) checkSize('key', key.length, shape.keySize);
  const sc = scratch();
  sc.reserve(2 * shape.keySize + 16);
  const k = key ? sc.put(key) : undefined;
  const next = sc.take(shape.keySize);
  writeMapElem(freshAttr(), { mapFd: fd, key: k?.addr ?? 0n, value: next.addr, flags: 0n });
  const { errno } = bpfCall(BpfCmd.MAP_GET_NEXT_KEY);
  if (errno === ERRNO.ENOENT) return undefined;
  if (errno) throw new BpfError('BPF_MAP_GET_NEXT_KEY', errno);
  return next.bytes.slice();
}

export interface MapEntry {
  key: Uint8Array;
  value: MapValue;
}

/** Every element, in the kernel's iteration order (index order for arrays). */
export function dumpMap(fd: number, def?: Pick<MapDef, 'maxEntries'>): MapEntry[] {
  const out: MapEntry[] = [];
  const limit = def ? def.maxEntries + 1 : Number.MAX_SAFE_INTEGER;
  let key = mapGetNextKey(fd, undefined);
  while (key && out.length < limit) {
    const value = mapLookup(fd, key);
    if (value !== undefined) out.push({ key, value });
    key = mapGetNextKey(fd, key);
  }
  return out;
}

export interface TestRunOptions {
  /** Packet bytes (socket_filter, sched_cls and cgroup_skb need at least 14, an Ethernet header). */
  data?: Uint8Array;
  /** Context in (struct __sk_buff, struct xdp_md ...); read back into ctxOut unless ctxOut is false. */
  ctx?: Uint8Array;
  /** Set false for raw_tracepoint programs, whose test_run refuses a ctx_out. */
  ctxOut?: boolean;
  /** Runs; unset means one (raw_tracepoint programs refuse any explicit count). */
  repeat?: number;
  /** Room for the packet out; defaults to the input size plus 4 KiB (none without a packet). */
  dataSizeOut?: number;
  flags?: number;
  cpu?: number;
}

export interface TestRunOutcome {
  retval: number;
  dataOut: Uint8Array;
  ctxOut: Uint8Array | undefined;
  durationNs: number;
  /** 0 on success. ENOSPC: dataOut was cut to dataSizeOut, the rest is valid. Otherwise the other fields are empty. */
  errno: number;
}

/** Runs a loaded program once (or `repeat` times) on a packet and/or context via BPF_PROG_TEST_RUN. */
export function testRun(progFd: number, opts: TestRunOptions = {}): TestRunOutcome {
  if (!kernelBpfAvailable().ok) return { retval: 0, dataOut: new Uint8Array(0), ctxOut: undefined, durationNs: 0, errno: ERRNO.ENOSYS };
  const data = opts.data ?? new Uint8Array(0);
  const ctx = opts.ctx;
  // no packet, no room for one: context-only types (raw_tracepoint, syscall) refuse a data_out
  const outSize = opts.dataSizeOut ?? (data.length ? data.length + 4096 : 0);
  const sc = scratch();
  sc.reserve(data.length + outSize + 2 * (ctx?.length ?? 0) + 64);
  const dataIn = data.length ? sc.put(data) : undefined;
  const dataOut = outSize ? sc.take(outSize) : undefined;
  const ctxIn = ctx && ctx.length ? sc.put(ctx) : undefined;
  const ctxOut = ctx && ctx.length && opts.ctxOut !== false ? sc.take(ctx.length) : undefined;
  writeTestRun(freshAttr(), {
    progFd,
    dataIn: dataIn?.addr ?? 0n,
    dataSizeIn: data.length,
    dataOut: dataOut?.addr ?? 0n,
    dataSizeOut: outSize,
    ctxIn: ctxIn?.addr ?? 0n,
    ctxSizeIn: ctxIn ? ctx!.length : 0,
    ctxOut: ctxOut?.addr ?? 0n,
    ctxSizeOut: ctxOut ? ctx!.length : 0,
    repeat: opts.repeat ?? 0,
    flags: opts.flags ?? 0,
    cpu: opts.cpu ?? 0,
  });
  const { errno } = bpfCall(BpfCmd.PROG_TEST_RUN);
  if (errno && errno !== ERRNO.ENOSPC) {
    return { retval: 0, dataOut: new Uint8Array(0), ctxOut: undefined, durationNs: 0, errno };
  }
  const r = readTestRun(attrView());
  return {
    retval: r.retval,
    dataOut: dataOut ? dataOut.bytes.slice(0, Math.min(r.dataSizeOut, outSize)) : new Uint8Array(0),
    ctxOut: ctxOut ? ctxOut.bytes.slice(0, Math.min(r.ctxSizeOut, ctx!.length)) : undefined,
    durationNs: r.durationNs,
    errno,
  };
}

/** BPF_BTF_LOAD: the fd of the loaded BTF, or the errno and the kernel's BTF log. */
export function loadBtf(btf: Uint8Array): { fd: number } | { errno: number; log: string } {
  const logSize = 1 << 16;
  const sc = scratch();
  sc.reserve(btf.length + logSize + 16);
  const data = sc.put(btf);
  const log = sc.take(logSize);
  writeBtfLoad(freshAttr(), { btf: data.addr, btfSize: btf.length, logBuf: log.addr, logSize, logLevel: 1 });
  const { ret, errno } = bpfCall(BpfCmd.BTF_LOAD);
  if (ret >= 0) return { fd: ret };
  const end = log.bytes.indexOf(0);
  return { errno, log: new TextDecoder().decode(log.bytes.subarray(0, end < 0 ? logSize : end)) };
}
