// BPF maps with the kernel's semantics and error codes. Values live in slabs of address-space
// regions, so a pointer returned by map_lookup_elem is an ordinary VM address, bounds-checked
// per value. Keys of hash-like maps are kept as latin1 strings in a JS Map (insertion ordered).
import type { MapDef, MapType } from '../map-types';
import { AddressSpace, HI_MAP, type Region } from './memory';

export const ENOENT = 2;
export const E2BIG = 7;
export const ENOMEM = 12;
export const EBUSY = 16;
export const EEXIST = 17;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ENOTSUPP = 524;

export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;
export const BPF_F_LOCK = 4;

/** A map's contents as bytes: per-CPU maps have one value per CPU. */
export interface VmMapEntry {
  key: Uint8Array;
  value: Uint8Array | Uint8Array[];
}

const round8 = (n: number): number => (n + 7) & ~7;
/** A JS Map key for key bytes: a number for keys of up to 6 bytes, else a latin1 string. */
const keyString = (key: Uint8Array): string | number => {
  const n = key.length;
  if (n <= 6) {
    let v = n;
    for (let i = 0; i < n; i++) v = v * 256 + key[i];
    return v;
  }
  return String.fromCharCode.apply(null, key as unknown as number[]);
};

/** Fixed-size elements in address-space regions, allocated a chunk at a time. */
export class Slab {
  readonly chunks: Region[] = [];
  private readonly perChunk: number;
  constructor(
    private readonly space: AddressSpace, private readonly name: string,
    readonly stride: number, readonly elemSize: number, readonly capacity: number, private readonly writable = true,
  ) {
    this.perChunk = Math.max(1, Math.min(capacity, Math.floor((16 << 20) / stride)));
  }
  private chunk(i: number): Region {
    const c = Math.floor(i / this.perChunk);
    while (this.chunks.length <= c) {
      const count = Math.min(this.perChunk, this.capacity - this.chunks.length * this.perChunk);
      const region = this.space.add(HI_MAP, `${this.name} value`, 'map', new Uint8Array(count * this.stride), {
        writable: this.writable, stride: this.stride, elemSize: this.elemSize,
      });
      this.chunks.push(region);
    }
    return this.chunks[c];
  }
  /** The element's address: returns the low word, high word in `addr.hi`. */
  address(i: number, addr: { hi: number }): number {
    const r = this.chunk(i);
    addr.hi = r.hi;
    return r.lo + (i % this.perChunk) * this.stride;
  }
  bytes(i: number): Uint8Array {
    const r = this.chunk(i);
    const at = (i % this.perChunk) * this.stride;
    return r.bytes.subarray(at, at + this.elemSize);
  }
}

export interface MapContext {
  cpus: number;
  cpu: number;
}

/** Common interface; operations a map type lacks return -EINVAL (or -ENOTSUPP where the kernel does). */
export abstract class VmMap {
  /** Address of the `struct bpf_map` the program holds (ld_imm64 map fd). */
  objLo = 0;
  objHi = 0;
  constructor(readonly def: MapDef, readonly fd: number, protected readonly ctx: MapContext) {}
  get type(): MapType { return this.def.type; }
  get perCpu(): boolean { return false; }
  /** Address of the value for the program's CPU, or false. */
  lookup(_key: Uint8Array, _addr: { hi: number; lo: number }): boolean { return false; }
  update(_key: Uint8Array, _value: Uint8Array, _flags: number): number { return -EINVAL; }
  delete(_key: Uint8Array): number { return -EINVAL; }
  push(_value: Uint8Array, _flags: number): number { return -EINVAL; }
  pop(_peek: boolean): Uint8Array | number { return -EINVAL; }
  /** Sets every CPU's value (user-space update of a per-CPU map). */
  updateAll(key: Uint8Array, values: Uint8Array[], flags: number): number {
    return this.update(key, values[0], flags);
  }
  nextKey(_key: Uint8Array | undefined): Uint8Array | undefined { return undefined; }
  abstract entries(): VmMapEntry[];
  /** A closure restoring the current state of `key` (for stepping backwards). */
  checkpoint(_key?: Uint8Array): () => void { return () => {}; }
}

class ArrayMap extends VmMap {
  readonly slab: Slab;
  constructor(def: MapDef, fd: number, ctx: MapContext, space: AddressSpace, private readonly cpuCopies: number, readonly = false) {
    super(def, fd, ctx);
    this.slab = new Slab(space, `map ${def.name}`, round8(def.valueSize), def.valueSize, def.maxEntries * cpuCopies, !readonly);
  }
  override get perCpu(): boolean { return this.cpuCopies > 1 || this.def.type === 'percpu_array'; }
  private index(key: Uint8Array): number {
    if (key.length < 4) return -1;
    const i = (key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24)) >>> 0;
    return i < this.def.maxEntries ? i : -1;
  }
  override lookup(key: Uint8Array, addr: { hi: number; lo: number }): boolean {
    const i = this.index(key);
    if (i < 0) return false;
    addr.lo = this.slab.address(i * this.cpuCopies + (this.cpuCopies > 1 ? this.ctx.cpu : 0), addr);
    return true;
  }
  override update(key: Uint8Array, value: Uint8Array, flags: number): number {
    // BPF_F_LOCK needs a bpf_spin_lock in the value, which only BTF can declare.
    if ((flags & ~BPF_F_LOCK) > BPF_EXIST || flags & BPF_F_LOCK) return -EINVAL;
    const i = this.index(key);
    if (i < 0) return -E2BIG;
    if ((flags & 3) === BPF_NOEXIST) return -EEXIST;
    for (let c = 0; c < this.cpuCopies; c++) {
      if (this.cpuCopies > 1 && c !== this.ctx.cpu) continue;
      this.slab.bytes(i * this.cpuCopies + c).set(value.subarray(0, this.def.valueSize));
    }
    return 0;
  }
  override updateAll(key: Uint8Array, values: Uint8Array[], flags: number): number {
    if (this.cpuCopies === 1) return this.update(key, values[0], flags);
    const i = this.index(key);
    if (i < 0) return -E2BIG;
    if ((flags & 3) === BPF_NOEXIST) return -EEXIST;
    for (let c = 0; c < this.cpuCopies; c++) this.slab.bytes(i * this.cpuCopies + c).set((values[c] ?? values[0]).subarray(0, this.def.valueSize));
    return 0;
  }
  override nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    const i = key ? this.index(key) : -1;
    const next = i < 0 ? 0 : i + 1;
    if (next >= this.def.maxEntries) return undefined;
    return u32(next);
  }
  override entries(): VmMapEntry[] {
    const out: VmMapEntry[] = [];
    for (let i = 0; i < this.def.maxEntries; i++) out.push({ key: u32(i), value: this.valueAt(i) });
    return out;
  }
  valueAt(i: number): Uint8Array | Uint8Array[] {
    if (this.cpuCopies === 1) return this.slab.bytes(i).slice();
    return Array.from({ length: this.cpuCopies }, (_, c) => this.slab.bytes(i * this.cpuCopies + c).slice());
  }
  override checkpoint(key?: Uint8Array): () => void {
    const i = key ? this.index(key) : -1;
    if (i < 0) return () => {};
    const saved = Array.from({ length: this.cpuCopies }, (_, c) => this.slab.bytes(i * this.cpuCopies + c).slice());
    return () => saved.forEach((b, c) => this.slab.bytes(i * this.cpuCopies + c).set(b));
  }
}

const u32 = (i: number): Uint8Array => new Uint8Array(new Uint32Array([i]).buffer);

/** hash, percpu_hash, lru_hash, lru_percpu_hash. */
class HashMap extends VmMap {
  private readonly slots = new Map<string | number, number>();
  /** Key bytes by slot; grows as slots are used (max_entries may be far more than is filled). */
  private keys: Uint8Array;
  private readonly free: number[] = [];
  private nextSlot = 0;
  private readonly slab: Slab;
  private readonly copies: number;
  private readonly lru: boolean;
  constructor(def: MapDef, fd: number, ctx: MapContext, space: AddressSpace) {
    super(def, fd, ctx);
    this.copies = def.type === 'percpu_hash' || def.type === 'lru_percpu_hash' ? ctx.cpus : 1;
    this.lru = def.type === 'lru_hash' || def.type === 'lru_percpu_hash';
    this.slab = new Slab(space, `map ${def.name}`, round8(def.valueSize), def.valueSize, def.maxEntries * this.copies);
    this.keys = new Uint8Array(Math.min(def.maxEntries, 1024) * def.keySize);
  }
  override get perCpu(): boolean { return this.copies > 1; }
  private find(key: Uint8Array): number | undefined {
    const ks = keyString(key.subarray(0, this.def.keySize));
    const slot = this.slots.get(ks);
    if (slot !== undefined && this.lru) { this.slots.delete(ks); this.slots.set(ks, slot); }
    return slot;
  }
  override lookup(key: Uint8Array, addr: { hi: number; lo: number }): boolean {
    const slot = this.find(key);
    if (slot === undefined) return false;
    addr.lo = this.slab.address(slot * this.copies + (this.copies > 1 ? this.ctx.cpu : 0), addr);
    return true;
  }
  private place(key: Uint8Array, flags: number): number {
    if ((flags & ~BPF_F_LOCK) > BPF_EXIST || flags & BPF_F_LOCK) return -EINVAL;
    const k = key.subarray(0, this.def.keySize);
    const ks = keyString(k);
    const existing = this.slots.get(ks);
    if (existing !== undefined) {
      if ((flags & 3) === BPF_NOEXIST) return -EEXIST;
      if (this.lru) { this.slots.delete(ks); this.slots.set(ks, existing); }
      return existing;
    }
    if ((flags & 3) === BPF_EXIST) return -ENOENT;
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.nextSlot < this.def.maxEntries) slot = this.nextSlot++;
      else if (this.lru) {
        const [oldest, s] = this.slots.entries().next().value as [string | number, number];
        this.slots.delete(oldest);
        slot = s;
      } else return -E2BIG;
    }
    if ((slot + 1) * this.def.keySize > this.keys.length) {
      const bigger = new Uint8Array(Math.min(this.def.maxEntries, Math.max(slot + 1, (this.keys.length / Math.max(1, this.def.keySize)) * 2)) * this.def.keySize);
      bigger.set(this.keys);
      this.keys = bigger;
    }
    this.keys.set(k, slot * this.def.keySize);
    this.slots.set(ks, slot);
    for (let c = 0; c < this.copies; c++) this.slab.bytes(slot * this.copies + c).fill(0);
    return slot;
  }
  override update(key: Uint8Array, value: Uint8Array, flags: number): number {
    const slot = this.place(key, flags);
    if (slot < 0) return slot;
    const c = this.copies > 1 ? this.ctx.cpu : 0;
    this.slab.bytes(slot * this.copies + c).set(value.subarray(0, this.def.valueSize));
    return 0;
  }
  override updateAll(key: Uint8Array, values: Uint8Array[], flags: number): number {
    const slot = this.place(key, flags);
    if (slot < 0) return slot;
    for (let c = 0; c < this.copies; c++) this.slab.bytes(slot * this.copies + c).set((values[c] ?? values[0]).subarray(0, this.def.valueSize));
    return 0;
  }
  override delete(key: Uint8Array): number {
    const ks = keyString(key.subarray(0, this.def.keySize));
    const slot = this.slots.get(ks);
    if (slot === undefined) return -ENOENT;
    this.slots.delete(ks);
    this.free.push(slot);
    return 0;
  }
  override nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    const order = [...this.slots.values()];
    let at = 0;
    if (key) {
      const slot = this.slots.get(keyString(key.subarray(0, this.def.keySize)));
      at = slot === undefined ? 0 : order.indexOf(slot) + 1;
    }
    if (at >= order.length) return undefined;
    return this.keyOf(order[at]);
  }
  private keyOf(slot: number): Uint8Array {
    return this.keys.slice(slot * this.def.keySize, (slot + 1) * this.def.keySize);
  }
  private valueAt(slot: number): Uint8Array | Uint8Array[] {
    if (this.copies === 1) return this.slab.bytes(slot).slice();
    return Array.from({ length: this.copies }, (_, c) => this.slab.bytes(slot * this.copies + c).slice());
  }
  override entries(): VmMapEntry[] {
    return [...this.slots.values()].map((slot) => ({ key: this.keyOf(slot), value: this.valueAt(slot) }));
  }
  get size(): number { return this.slots.size; }
  /** Calls fn for each element (for_each_map_elem): key bytes and the value's slab index. */
  forEachSlot(): { key: Uint8Array; index: number }[] {
    return [...this.slots.values()].map((slot) => ({ key: this.keyOf(slot), index: slot * this.copies + (this.copies > 1 ? this.ctx.cpu : 0) }));
  }
  valueAddress(index: number, addr: { hi: number; lo: number }): void { addr.lo = this.slab.address(index, addr); }
  override checkpoint(key?: Uint8Array): () => void {
    if (!key) return () => {};
    const k = key.slice(0, this.def.keySize);
    const slot = this.slots.get(keyString(k));
    const saved = slot === undefined ? undefined : this.valueAt(slot);
    return () => {
      this.delete(k);
      if (saved !== undefined) this.updateAll(k, Array.isArray(saved) ? saved : [saved], BPF_ANY);
    };
  }
}

/** queue (FIFO) and stack (LIFO): push/pop/peek; full pushes fail unless BPF_EXIST drops the oldest. */
class QueueMap extends VmMap {
  items: Uint8Array[] = [];
  override push(value: Uint8Array, flags: number): number {
    if (flags !== BPF_ANY && flags !== BPF_EXIST) return -EINVAL;
    if (this.items.length >= this.def.maxEntries) {
      if (flags !== BPF_EXIST) return -E2BIG;
      this.items.shift();
    }
    this.items.push(value.slice(0, this.def.valueSize));
    return 0;
  }
  override pop(peek: boolean): Uint8Array | number {
    if (!this.items.length) return -ENOENT;
    const lifo = this.def.type === 'stack';
    const v = lifo ? this.items[this.items.length - 1] : this.items[0];
    if (!peek) { if (lifo) this.items.pop(); else this.items.shift(); }
    return v;
  }
  override update(_key: Uint8Array, value: Uint8Array, flags: number): number { return this.push(value, flags); }
  override entries(): VmMapEntry[] {
    const order = this.def.type === 'stack' ? [...this.items].reverse() : this.items;
    return order.map((v) => ({ key: new Uint8Array(0), value: v.slice() }));
  }
  override checkpoint(): () => void {
    const saved = [...this.items];
    return () => { this.items = saved; };
  }
}

/** bloom_filter: exact membership (the kernel's false positives depend on a random hash seed). */
class BloomMap extends VmMap {
  private set = new Set<string | number>();
  private values: Uint8Array[] = [];
  override push(value: Uint8Array, flags: number): number {
    if (flags !== BPF_ANY) return -EINVAL;
    const v = value.subarray(0, this.def.valueSize);
    const k = keyString(v);
    if (!this.set.has(k)) { this.set.add(k); this.values.push(v.slice()); }
    return 0;
  }
  override pop(peek: boolean): Uint8Array | number { return peek ? -ENOENT : -ENOTSUPP; }
  has(value: Uint8Array): boolean { return this.set.has(keyString(value.subarray(0, this.def.valueSize))); }
  override update(_key: Uint8Array, value: Uint8Array, flags: number): number { return this.push(value, flags); }
  override entries(): VmMapEntry[] {
    return [...this.values].map((v) => ({ key: new Uint8Array(0), value: v.slice() }));
  }
  override checkpoint(): () => void {
    const saved = new Set(this.set), values = [...this.values];
    return () => { this.set = saved; this.values = values; };
  }
}

/** lpm_trie: key = u32 prefix length + address bytes (network order); longest prefix wins. */
class LpmMap extends VmMap {
  private readonly inner: HashMap;
  /** Each stored prefix's key as last written: the kernel keeps (and dumps) the bytes past the prefix. */
  private readonly written = new Map<string, Uint8Array>();
  constructor(def: MapDef, fd: number, ctx: MapContext, space: AddressSpace) {
    super(def, fd, ctx);
    this.inner = new HashMap({ ...def, type: 'hash' }, fd, ctx, space);
  }
  private canonical(key: Uint8Array): Uint8Array | undefined {
    const bits = new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(0, true);
    if (bits > (this.def.keySize - 4) * 8) return undefined;
    const k = key.slice(0, this.def.keySize);
    for (let b = bits; b < (this.def.keySize - 4) * 8; b++) k[4 + (b >> 3)] &= ~(0x80 >> (b & 7));
    return k;
  }
  override lookup(key: Uint8Array, addr: { hi: number; lo: number }): boolean {
    const maxBits = new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(0, true);
    for (let bits = Math.min(maxBits, (this.def.keySize - 4) * 8); bits >= 0; bits--) {
      const probe = key.slice(0, this.def.keySize);
      new DataView(probe.buffer).setUint32(0, bits, true);
      const k = this.canonical(probe);
      if (k && this.inner.lookup(k, addr)) return true;
    }
    return false;
  }
  override update(key: Uint8Array, value: Uint8Array, flags: number): number {
    const k = this.canonical(key);
    if (!k) return -EINVAL;
    const err = this.inner.update(k, value, flags);
    if (err === 0) this.written.set(k.join(), key.slice(0, this.def.keySize));
    // a full trie says ENOSPC where a full hash says E2BIG
    return err === -E2BIG ? -ENOSPC : err;
  }
  override delete(key: Uint8Array): number {
    const k = this.canonical(key);
    if (!k) return -EINVAL;
    const err = this.inner.delete(k);
    if (err === 0) this.written.delete(k.join());
    return err;
  }
  private asWritten(k: Uint8Array): Uint8Array { return this.written.get(k.join()) ?? k; }
  override nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    const next = this.inner.nextKey(key && (this.canonical(key) ?? key));
    return next && this.asWritten(next);
  }
  override entries(): VmMapEntry[] { return this.inner.entries().map((e) => ({ ...e, key: this.asWritten(e.key) })); }
  override checkpoint(key?: Uint8Array): () => void {
    const k = key && this.canonical(key);
    const restore = this.inner.checkpoint(k);
    const saved = k && this.written.get(k.join());
    return () => {
      restore();
      if (!k) return;
      if (saved) this.written.set(k.join(), saved);
      else this.written.delete(k.join());
    };
  }
}

/** prog_array and the map-in-map types: values are fds (of programs or maps), kept as numbers. */
class FdArrayMap extends VmMap {
  readonly fds = new Map<number, number>();
  override update(key: Uint8Array, value: Uint8Array, flags: number): number {
    const i = new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(0, true);
    if (i >= this.def.maxEntries) return -E2BIG;
    if (flags === BPF_NOEXIST) return -EEXIST;
    this.fds.set(i, new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(0, true));
    return 0;
  }
  override delete(key: Uint8Array): number {
    const i = new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(0, true);
    if (i >= this.def.maxEntries) return -E2BIG;
    return this.fds.delete(i) ? 0 : -ENOENT;
  }
  override entries(): VmMapEntry[] {
    return [...this.fds].sort((a, b) => a[0] - b[0]).map(([i, fd]) => ({ key: u32(i), value: u32(fd) }));
  }
  /** For array_of_maps: the inner map's object address. */
  resolve?: (fd: number) => VmMap | undefined;
  override lookup(key: Uint8Array, addr: { hi: number; lo: number }): boolean {
    if (this.type === 'prog_array' || key.length < 4) return false;
    const fd = this.fds.get(new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(0, true));
    const inner = fd === undefined ? undefined : this.resolve?.(fd);
    if (!inner) return false;
    addr.hi = inner.objHi;
    addr.lo = inner.objLo;
    return true;
  }
}

/** hash_of_maps: any key to an inner map (by fd); lookups give the inner map's object address. */
class HashOfMaps extends VmMap {
  private readonly fds = new Map<string | number, { key: Uint8Array; fd: number }>();
  resolve?: (fd: number) => VmMap | undefined;
  override update(key: Uint8Array, value: Uint8Array, flags: number): number {
    const k = key.slice(0, this.def.keySize);
    const ks = keyString(k);
    const exists = this.fds.has(ks);
    if (flags === BPF_NOEXIST && exists) return -EEXIST;
    if (flags === BPF_EXIST && !exists) return -ENOENT;
    if (!exists && this.fds.size >= this.def.maxEntries) return -E2BIG;
    this.fds.set(ks, { key: k, fd: new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(0, true) });
    return 0;
  }
  override delete(key: Uint8Array): number {
    return this.fds.delete(keyString(key.subarray(0, this.def.keySize))) ? 0 : -ENOENT;
  }
  override lookup(key: Uint8Array, addr: { hi: number; lo: number }): boolean {
    const e = this.fds.get(keyString(key.subarray(0, this.def.keySize)));
    const inner = e === undefined ? undefined : this.resolve?.(e.fd);
    if (!inner) return false;
    addr.hi = inner.objHi;
    addr.lo = inner.objLo;
    return true;
  }
  override entries(): VmMapEntry[] {
    return [...this.fds.values()].map((e) => ({ key: e.key.slice(), value: u32(e.fd) }));
  }
}

/** ringbuf: records reserved from a ring of max_entries bytes; nothing consumes during a run. */
export class RingbufMap extends VmMap {
  used = 0;
  /** Submitted records in order. */
  records: Uint8Array[] = [];
  override entries(): VmMapEntry[] { return []; }
  override checkpoint(): () => void {
    const used = this.used, n = this.records.length;
    return () => { this.used = used; this.records.length = n; };
  }
}

/** perf_event_array: records written by perf_event_output, per CPU. */
export class PerfMap extends VmMap {
  records: { cpu: number; data: Uint8Array }[] = [];
  override entries(): VmMapEntry[] { return []; }
  override checkpoint(): () => void {
    const n = this.records.length;
    return () => { this.records.length = n; };
  }
}

class EmptyMap extends VmMap {
  override entries(): VmMapEntry[] { return []; }
}

/** Creates a map of any type; `readonly` is for .rodata (a frozen array map). */
export function createMap(def: MapDef, fd: number, ctx: MapContext, space: AddressSpace, readonly = false): VmMap | string {
  if (def.keySize < 0 || def.valueSize < 0 || def.maxEntries < 0) return `map ${def.name}: negative size`;
  switch (def.type) {
    case 'array': return new ArrayMap(def, fd, ctx, space, 1, readonly);
    case 'percpu_array': return new ArrayMap(def, fd, ctx, space, ctx.cpus);
    case 'hash': case 'percpu_hash': case 'lru_hash': case 'lru_percpu_hash':
      return new HashMap(def, fd, ctx, space);
    case 'queue': case 'stack': return new QueueMap(def, fd, ctx);
    case 'bloom_filter': return new BloomMap(def, fd, ctx);
    case 'lpm_trie': return new LpmMap(def, fd, ctx, space);
    case 'prog_array': case 'array_of_maps': return new FdArrayMap(def, fd, ctx);
    case 'hash_of_maps': return new HashOfMaps(def, fd, ctx);
    case 'ringbuf': return new RingbufMap(def, fd, ctx);
    case 'perf_event_array': return new PerfMap(def, fd, ctx);
    default: return new EmptyMap(def, fd, ctx);
  }
}

export { ArrayMap, HashMap, QueueMap, BloomMap, LpmMap, FdArrayMap, HashOfMaps };
