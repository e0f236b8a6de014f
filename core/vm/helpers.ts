// Helper functions with the kernel's semantics and return codes. Each gets r1-r5 and sets r0;
// pointer arguments are checked against the address space like any other access.
import { helperAllowed } from '../helpers/allowed';
import { helperById, helperByName } from '../helpers/table';
import { ST_FAULT, ST_TAILCALL } from './codegen';
import { HI_DATA, HI_MAP_OBJ, addrHex, splitAddr, joinAddr, type Region } from './memory';
import { BloomMap, E2BIG, EINVAL, ENOENT, HashMap, ArrayMap, FdArrayMap, PerfMap, RingbufMap, type VmMap } from './maps';
import { formatKernel } from './printf';
import type { Machine } from './machine';
import { MAX_TAIL_CALLS, PROG_FD_BASE } from './machine';

export interface HelperEnv {
  machine: Machine;
}

const EFAULT = 14;
const EAGAIN = 11;
const ERANGE = 34;
const ENOMEM = 12;
const EACCES = 13;

/** Thrown inside a helper to stop the run with a fault (caught in callHelper). */
class HelperFault {
  constructor(readonly message: string, readonly kind: 'helper' | 'memory' = 'helper') {}
}

/** A helper leaves r0 as it was (a failed tail call, or a fault already raised by a callback). */
const KEEP_R0: unique symbol = Symbol('keep r0');
/** A tail call succeeded: the machine switches programs. */
const TAIL_CALL: unique symbol = Symbol('tail call');
type Impl = (h: Call) => bigint | number | typeof KEEP_R0 | typeof TAIL_CALL;

/** One helper call: arguments and memory access for the implementation. */
class Call {
  constructor(readonly m: Machine, readonly name: string, readonly pc: number) {}
  lo(i: number): number { return this.m.regs[2 * i]; }
  hi(i: number): number { return this.m.regs[2 * i + 1]; }
  u64(i: number): bigint { return joinAddr(this.hi(i), this.lo(i)); }
  u32(i: number): number { return this.lo(i) >>> 0; }
  s32(i: number): number { return this.lo(i) | 0; }
  /** Resolves [arg, arg+size) to a region and offset, or faults. */
  mem(i: number, size: number, write: boolean, what: string): { region: Region; off: number } {
    return this.memAt(this.hi(i), this.lo(i) >>> 0, size, write, `arg${i} (${what})`);
  }
  memAt(hi: number, lo: number, size: number, write: boolean, what: string): { region: Region; off: number } {
    if (size === 0) return { region: this.m.stacks[0], off: 0 };
    const at = this.m.space.resolve(hi, lo, size, write);
    if (typeof at === 'string') throw new HelperFault(`${this.name}: ${what}: ${write ? 'write' : 'read'} of ${size} bytes at ${addrHex(hi, lo)}: ${at}`, 'memory');
    if (!at.region.plain) throw new HelperFault(`${this.name}: ${what}: ${at.region.name} cannot be passed to a helper`, 'memory');
    return at;
  }
  bytes(i: number, size: number, what: string): Uint8Array {
    const { region, off } = this.mem(i, size, false, what);
    return region.bytes.subarray(off, off + size);
  }
  write(i: number, data: Uint8Array, what: string): void {
    const { region, off } = this.mem(i, data.length, true, what);
    this.m.writeBytes(region, off, data);
  }
  map(i: number): VmMap {
    const hi = this.hi(i), lo = this.lo(i);
    const map = hi === HI_MAP_OBJ ? this.m.mapsByObj.get(lo) : undefined;
    if (!map) throw new HelperFault(`${this.name}: arg${i} is not a map (${addrHex(hi, lo)})`);
    return map;
  }
  key(i: number, map: VmMap): Uint8Array { return this.bytes(i, map.def.keySize, 'key').slice(); }
  fault(message: string): never { throw new HelperFault(`${this.name}: ${message}`); }
}

const ptr = (hi: number, lo: number): bigint => joinAddr(hi, lo);
const NULL = 0n;

function lookupPtr(map: VmMap, key: Uint8Array): bigint {
  const a = { hi: 0, lo: 0 };
  return map.lookup(key, a) ? ptr(a.hi, a.lo >>> 0) : NULL;
}

const IMPLS = new Map<string, Impl>();
const def = (name: string, impl: Impl): void => { IMPLS.set(`bpf_${name}`, impl); };

// ---- maps ----------------------------------------------------------------------------------------
def('map_lookup_elem', (h) => {
  const map = h.map(1);
  if (map instanceof FdArrayMap && map.type === 'prog_array') return h.fault('prog_array maps cannot be looked up from a program');
  return lookupPtr(map, h.key(2, map));
});
def('map_lookup_percpu_elem', (h) => {
  const map = h.map(1);
  const cpu = h.u32(3);
  if (!map.perCpu) return NULL;
  if (cpu >= h.m.cpus) return NULL;
  const keep = (map as unknown as { ctx: { cpu: number } }).ctx;
  const was = keep.cpu;
  keep.cpu = cpu;
  try { return lookupPtr(map, h.key(2, map)); } finally { keep.cpu = was; }
});
def('map_update_elem', (h) => {
  const map = h.map(1);
  const key = h.key(2, map);
  const value = h.bytes(3, map.def.valueSize, 'value').slice();
  h.m.checkpointMap(map, key);
  return map.update(key, value, Number(h.u64(4) & 0xffffffffn));
});
def('map_delete_elem', (h) => {
  const map = h.map(1);
  const key = h.key(2, map);
  h.m.checkpointMap(map, key);
  return map.delete(key);
});
def('map_push_elem', (h) => {
  const map = h.map(1);
  const value = h.bytes(2, map.def.valueSize, 'value').slice();
  h.m.checkpointMap(map);
  return map.push(value, Number(h.u64(3)));
});
const popPeek = (peek: boolean): Impl => (h) => {
  const map = h.map(1);
  if (map instanceof BloomMap) {
    if (!peek) return -EINVAL;
    return map.has(h.bytes(2, map.def.valueSize, 'value')) ? 0 : -ENOENT;
  }
  h.mem(2, map.def.valueSize, true, 'value');
  h.m.checkpointMap(map);
  const v = map.pop(peek);
  if (typeof v === 'number') return v;
  h.write(2, v, 'value');
  return 0;
};
def('map_pop_elem', popPeek(false));
def('map_peek_elem', popPeek(true));

def('for_each_map_elem', (h) => {
  const map = h.map(1);
  const fn = h.m.codeSlot(h.lo(2), h.hi(2));
  if (fn < 0) return h.fault('arg2 is not a function address');
  if (h.u64(4) !== 0n) return -EINVAL;
  const keyRegion = h.m.space.add(HI_DATA, `for_each_map_elem key of ${map.def.name}`, 'mem', new Uint8Array(Math.max(map.def.keySize, 4)), { writable: false, transient: true });
  const visit: { key: Uint8Array; value: bigint }[] = [];
  if (map instanceof HashMap) {
    for (const e of map.forEachSlot()) { const a = { hi: 0, lo: 0 }; map.valueAddress(e.index, a); visit.push({ key: e.key, value: ptr(a.hi, a.lo >>> 0) }); }
  } else if (map instanceof ArrayMap) {
    for (let i = 0; i < map.def.maxEntries; i++) {
      const key = new Uint8Array(new Uint32Array([i]).buffer);
      visit.push({ key, value: lookupPtr(map, key) });
    }
  } else return -EINVAL;
  let n = 0;
  for (const e of visit) {
    keyRegion.bytes.set(e.key);
    n++;
    const v = splitAddr(e.value);
    const r0 = h.m.invoke(fn, [[h.lo(1), h.hi(1)], [keyRegion.lo | 0, keyRegion.hi], [v.lo | 0, v.hi], [h.lo(3), h.hi(3)]], h.pc);
    if (!r0) return KEEP_R0;
    if (r0[0] !== 0 || r0[1] !== 0) break;
  }
  return n;
});

def('loop', (h) => {
  const nr = h.u32(1);
  const fn = h.m.codeSlot(h.lo(2), h.hi(2));
  if (fn < 0) return h.fault('arg2 is not a function address');
  if (h.u64(4) !== 0n) return -EINVAL;
  if (nr > 1 << 23) return -E2BIG;
  const ctxArg: [number, number] = [h.lo(3), h.hi(3)];
  for (let i = 0; i < nr; i++) {
    const r0 = h.m.invoke(fn, [[i, 0], ctxArg], h.pc);
    if (!r0) return KEEP_R0;
    if (r0[0] !== 0 || r0[1] !== 0) return i + 1;
  }
  return nr;
});

def('tail_call', (h) => {
  const map = h.map(2);
  if (!(map instanceof FdArrayMap) || map.type !== 'prog_array') return h.fault('arg2 is not a prog_array map');
  const index = h.u32(3);
  const fd = map.fds.get(index);
  if (index >= map.def.maxEntries || fd === undefined) return KEEP_R0;
  const target = fd - PROG_FD_BASE;
  if (!h.m.programs[target]) return KEEP_R0;
  if (h.m.tailCalls >= MAX_TAIL_CALLS) return KEEP_R0;
  h.m.tailCalls++;
  h.m.tailTarget = target;
  return TAIL_CALL;
});

// ---- time, identity, randomness -------------------------------------------------------------------
const now = (m: Machine): bigint => (m.options.clockNs ?? 1_000_000_000_000n) + BigInt(m.count);
def('ktime_get_ns', (h) => now(h.m));
def('ktime_get_boot_ns', (h) => now(h.m) + 5_000_000_000n);
def('ktime_get_coarse_ns', (h) => (now(h.m) / 4_000_000n) * 4_000_000n);
def('ktime_get_tai_ns', (h) => now(h.m) + 37_000_000_000n);
def('jiffies64', (h) => 4294667296n + now(h.m) / 4_000_000n);
def('get_prandom_u32', (h) => {
  let x = h.m.prandom;
  x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
  const before = h.m.prandom;
  h.m.prandom = x;
  h.m.logFn(() => { h.m.prandom = before; });
  return x;
});
def('get_smp_processor_id', (h) => h.m.cpu);
def('get_numa_node_id', () => 0);
const task = (m: Machine) => ({ pid: 4242, tgid: 4242, uid: 0, gid: 0, comm: 'bpf-asm', ...m.options.task });
def('get_current_pid_tgid', (h) => { const t = task(h.m); return (BigInt(t.tgid >>> 0) << 32n) | BigInt(t.pid >>> 0); });
def('get_current_uid_gid', (h) => { const t = task(h.m); return (BigInt(t.gid >>> 0) << 32n) | BigInt(t.uid >>> 0); });
def('get_current_comm', (h) => {
  const size = h.u32(2);
  h.mem(1, size, true, 'buf');
  const out = new Uint8Array(size);
  const comm = new TextEncoder().encode(task(h.m).comm).subarray(0, Math.max(0, Math.min(15, size - 1)));
  out.set(comm);
  h.write(1, out, 'buf');
  return 0;
});
def('get_current_task', () => 0xffff888100a00000n);

// ---- printing -------------------------------------------------------------------------------------
function printfMemory(h: Call) {
  return {
    str: (addr: bigint, max: number): string | undefined => readCString(h.m, addr, max),
    bytes: (addr: bigint, size: number): Uint8Array | undefined => readAny(h.m, addr, size),
  };
}

def('trace_printk', (h) => {
  const size = h.u32(2);
  const fmtBytes = h.bytes(1, size, 'fmt');
  const nul = fmtBytes.indexOf(0);
  if (nul < 0) return -EINVAL;
  const fmt = latin1(fmtBytes.subarray(0, nul));
  const args = [h.u64(3), h.u64(4), h.u64(5)];
  const res = formatKernel(fmt, args, printfMemory(h));
  if ('error' in res) return -EINVAL;
  h.m.emit({ kind: 'printk', text: res.text });
  return res.text.length;
});
def('snprintf', (h) => {
  const strSize = h.u32(2);
  h.mem(1, strSize, true, 'str');
  const dataLen = h.u32(5);
  if (dataLen % 8 !== 0 || dataLen > 8 * 12) return -EINVAL;
  const fmt = readCString(h.m, h.u64(3), 4096);
  if (fmt === undefined) return h.fault('arg3 (fmt) is not a readable string');
  const raw = dataLen ? h.bytes(4, dataLen, 'data') : new Uint8Array(0);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const args = Array.from({ length: dataLen / 8 }, (_, i) => dv.getBigUint64(i * 8, true));
  const res = formatKernel(fmt, args, printfMemory(h));
  if ('error' in res) return -EINVAL;
  const text = new TextEncoder().encode(res.text);
  if (strSize) {
    const n = Math.min(text.length, strSize - 1);
    const out = new Uint8Array(n + 1);
    out.set(text.subarray(0, n));
    h.write(1, out, 'str');
  }
  return text.length + 1;
});

// ---- probe_read -----------------------------------------------------------------------------------
/** Bytes at a VM address or in the configured memory image, or undefined. */
export function readAny(m: Machine, addr: bigint, size: number): Uint8Array | undefined {
  const { hi, lo } = splitAddr(addr);
  const at = m.space.resolve(hi, lo, size, false);
  if (typeof at !== 'string' && at.region.plain) return at.region.bytes.slice(at.off, at.off + size);
  for (const chunk of m.options.memoryImage ?? []) {
    const off = addr - chunk.addr;
    if (off >= 0n && off + BigInt(size) <= BigInt(chunk.bytes.length)) return chunk.bytes.slice(Number(off), Number(off) + size);
  }
  return undefined;
}

function readCString(m: Machine, addr: bigint, max: number): string | undefined {
  let s = '';
  for (let i = 0; i < max; i++) {
    const b = readAny(m, addr + BigInt(i), 1);
    if (!b) return i === 0 ? undefined : s;
    if (b[0] === 0) return s;
    s += String.fromCharCode(b[0]);
  }
  return s;
}

const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);

const probeRead: Impl = (h) => {
  const size = h.u32(2);
  h.mem(1, size, true, 'dst');
  const data = readAny(h.m, h.u64(3), size);
  if (!data) { h.write(1, new Uint8Array(size), 'dst'); return -EFAULT; }
  h.write(1, data, 'dst');
  return 0;
};
const probeReadStr: Impl = (h) => {
  const size = h.u32(2);
  if (size === 0) return 0;
  h.mem(1, size, true, 'dst');
  const out = new Uint8Array(size);
  const src = h.u64(3);
  let n = 0;
  for (; n < size - 1; n++) {
    const b = readAny(h.m, src + BigInt(n), 1);
    if (!b) { if (n === 0) { h.write(1, out, 'dst'); return -EFAULT; } break; }
    if (b[0] === 0) break;
    out[n] = b[0];
  }
  h.write(1, out.subarray(0, n + 1), 'dst');
  return n + 1;
};
for (const n of ['probe_read', 'probe_read_kernel', 'probe_read_user']) def(n, probeRead);
for (const n of ['probe_read_str', 'probe_read_kernel_str', 'probe_read_user_str']) def(n, probeReadStr);

// ---- ring buffer and perf -------------------------------------------------------------------------
interface Reservation { map: RingbufMap; size: number; region: Region; done: boolean }
const resOf = (m: Machine): Map<number, Reservation> => m.ringbufReservations as Map<number, Reservation>;
const recordSize = (size: number): number => ((size + 8 + 7) & ~7);

def('ringbuf_output', (h) => {
  const map = h.map(1);
  if (!(map instanceof RingbufMap)) return h.fault('arg1 is not a ringbuf map');
  const size = Number(h.u64(3));
  if (h.u64(4) > 3n) return -EINVAL;
  const data = h.bytes(2, size, 'data').slice();
  if (map.used + recordSize(size) > map.def.maxEntries) return -EAGAIN;
  h.m.checkpointMap(map);
  map.used += recordSize(size);
  map.records.push(data);
  h.m.emit({ kind: 'ringbuf', map: map.def.name, data });
  return 0;
});
def('ringbuf_reserve', (h) => {
  const map = h.map(1);
  if (!(map instanceof RingbufMap)) return h.fault('arg1 is not a ringbuf map');
  const size = Number(h.u64(2));
  if (h.u64(3) !== 0n) return NULL;
  if (map.used + recordSize(size) > map.def.maxEntries) return NULL;
  h.m.checkpointMap(map);
  map.used += recordSize(size);
  const region = h.m.space.add(HI_DATA + 0x1000, `ringbuf ${map.def.name} record`, 'ringbuf', new Uint8Array(size), { transient: true });
  resOf(h.m).set(region.hi, { map, size, region, done: false });
  return ptr(region.hi, region.lo);
});
const finish = (submit: boolean): Impl => (h) => {
  const r = resOf(h.m).get(h.hi(1));
  if (!r || (h.lo(1) >>> 0) !== r.region.lo) return h.fault('arg1 is not a pointer returned by bpf_ringbuf_reserve');
  if (r.done) return h.fault('this ring buffer record was already submitted or discarded');
  r.done = true;
  h.m.logFn(() => { r.done = false; });
  if (submit) {
    const data = r.region.bytes.slice();
    h.m.checkpointMap(r.map);
    r.map.records.push(data);
    h.m.emit({ kind: 'ringbuf', map: r.map.def.name, data });
  }
  r.region.writable = false;
  return 0;
};
def('ringbuf_submit', finish(true));
def('ringbuf_discard', finish(false));
def('ringbuf_query', (h) => {
  const map = h.map(1);
  if (!(map instanceof RingbufMap)) return h.fault('arg1 is not a ringbuf map');
  switch (Number(h.u64(2))) {
    case 0: return BigInt(map.records.reduce((n, r) => n + recordSize(r.length), 0));
    case 1: return BigInt(map.def.maxEntries);
    case 2: return 0n;
    case 3: return BigInt(map.used);
    default: return 0n;
  }
});
def('perf_event_output', (h) => {
  const map = h.map(2);
  if (!(map instanceof PerfMap)) return h.fault('arg2 is not a perf_event_array map');
  const flags = h.u64(3);
  const index = Number(flags & 0xffffffffn);
  if (flags >> 32n !== 0n) return -EINVAL;
  const cpu = index === 0xffffffff ? h.m.cpu : index;
  if (cpu >= map.def.maxEntries) return -E2BIG;
  const data = h.bytes(4, Number(h.u64(5)), 'data').slice();
  h.m.checkpointMap(map);
  map.records.push({ cpu, data });
  h.m.emit({ kind: 'perf', map: map.def.name, cpu, data });
  return 0;
});

// ---- packets --------------------------------------------------------------------------------------
const XDP_ABORTED = 0, XDP_REDIRECT = 4, TC_ACT_SHOT = 2, TC_ACT_REDIRECT = 7;
def('redirect', (h) => {
  const flags = h.u64(2);
  if (h.m.ctx?.kind === 'xdp') return flags ? XDP_ABORTED : XDP_REDIRECT;
  if (flags & ~1n) return TC_ACT_SHOT;
  return TC_ACT_REDIRECT;
});
def('redirect_map', (h) => {
  const map = h.map(1);
  const a = { hi: 0, lo: 0 };
  const key = new Uint8Array(Math.max(4, map.def.keySize));
  new DataView(key.buffer).setUint32(0, h.u32(2), true);
  if (map instanceof FdArrayMap ? map.fds.has(h.u32(2)) : map.lookup(key, a)) return XDP_REDIRECT;
  return Number(h.u64(3) & 3n);
});

function packetOf(h: Call) {
  const ctx = h.m.ctx;
  if (!ctx?.packet || !ctx.setBounds) return h.fault('this program has no packet');
  return { ctx, p: ctx.packet! };
}
function logBounds(h: Call): void {
  const { ctx, p } = packetOf(h);
  const { meta, data, end } = p;
  const bytes = p.buf.slice();
  h.m.logFn(() => { p.buf.set(bytes); ctx.setBounds!(meta, data, end); });
}

def('xdp_adjust_head', (h) => {
  const { ctx, p } = packetOf(h);
  const delta = h.s32(2);
  const data = p.data + delta;
  if (p.end - data < 14 || data < 40 + (p.data - p.meta)) return -EINVAL;
  logBounds(h);
  const metaLen = p.data - p.meta;
  if (metaLen) p.buf.copyWithin(data - metaLen, p.meta, p.data);
  return ctx.setBounds!(data - metaLen, data, p.end) ? 0 : -EINVAL;
});
def('xdp_adjust_meta', (h) => {
  const { ctx, p } = packetOf(h);
  const meta = p.meta + h.s32(2);
  if (meta > p.data || meta < 40) return -EINVAL;
  // The metadata length must be 4-byte aligned and fit skb_shared_info's u8 meta_len.
  if (p.data - meta > 255 || (p.data - meta) % 4 !== 0) return -EACCES;
  logBounds(h);
  return ctx.setBounds!(meta, p.data, p.end) ? 0 : -EINVAL;
});
def('xdp_adjust_tail', (h) => {
  const { ctx, p } = packetOf(h);
  const end = p.end + h.s32(2);
  if (end - p.data < 14 || end > p.buf.length - 320) return -EINVAL;
  logBounds(h);
  if (end > p.end) p.buf.fill(0, p.end, end);
  return ctx.setBounds!(p.meta, p.data, end) ? 0 : -EINVAL;
});
def('xdp_get_buff_len', (h) => { const { p } = packetOf(h); return p.end - p.data; });
const xdpCopy = (store: boolean): Impl => (h) => {
  const { p } = packetOf(h);
  const off = h.u32(2), len = h.u32(4);
  if (off > 0xffff || len > 0xffff) return -EFAULT;
  if (off + len > p.end - p.data) return -EINVAL;
  if (store) {
    const data = h.bytes(3, len, 'buf').slice();
    logBounds(h);
    p.buf.set(data, p.data + off);
  } else h.write(3, p.buf.slice(p.data + off, p.data + off + len), 'buf');
  return 0;
};
def('xdp_load_bytes', xdpCopy(false));
def('xdp_store_bytes', xdpCopy(true));

def('skb_load_bytes', (h) => {
  const { p } = packetOf(h);
  const off = h.u32(2), len = h.u32(4);
  h.mem(3, len, true, 'to');
  if (off + len > p.end - p.data || len === 0) { h.write(3, new Uint8Array(len), 'to'); return -EFAULT; }
  h.write(3, p.buf.slice(p.data + off, p.data + off + len), 'to');
  return 0;
});
def('skb_load_bytes_relative', (h) => {
  const { p } = packetOf(h);
  const off = h.u32(2), len = h.u32(4), start = h.u32(5);
  h.mem(3, len, true, 'to');
  const mac = 256;
  const base = start === 0 ? mac : start === 1 ? mac + 14 : -1;
  if (base < 0) return -EFAULT;
  if (base + off + len > p.end || len === 0) { h.write(3, new Uint8Array(len), 'to'); return -EFAULT; }
  h.write(3, p.buf.slice(base + off, base + off + len), 'to');
  return 0;
});
def('skb_store_bytes', (h) => {
  const { p } = packetOf(h);
  const off = h.u32(2), len = h.u32(4), flags = h.u64(5);
  if (flags & ~3n) return -EINVAL;
  if (off + len > p.end - p.data) return -EFAULT;
  const data = h.bytes(3, len, 'from').slice();
  logBounds(h);
  p.buf.set(data, p.data + off);
  return 0;
});
def('skb_pull_data', (h) => {
  const { p } = packetOf(h);
  return h.u32(2) > p.end - p.data ? -ENOMEM : 0;
});
def('get_hash_recalc', () => 0);
def('set_hash', (h) => {
  // skb->hash reads back what was set (the context bytes hold the __sk_buff fields)
  const ctx = h.m.ctx;
  const at = ctx?.kind === 'skb' ? h.m.space.resolve(ctx.r1h, ctx.r1l >>> 0, 72, false) : undefined;
  if (at && typeof at !== 'string') at.region.dv.setUint32(at.off + 68, h.lo(2) >>> 0, true);
  return 0;
});

// Internet checksum arithmetic on raw little-endian loads of network-order bytes.
const add32 = (a: number, b: number): number => { const s = (a >>> 0) + (b >>> 0); return (s >>> 0) + (s > 0xffffffff ? 1 : 0) >>> 0; };
const fold = (c: number): number => { c = (c & 0xffff) + (c >>> 16); c = (c & 0xffff) + (c >>> 16); return c & 0xffff; };
function csumReplace(p: { buf: Uint8Array }, at: number, from: number, to: number, size: number): void {
  const dv = new DataView(p.buf.buffer, p.buf.byteOffset);
  const sum = dv.getUint16(at, true);
  let c: number;
  if (size === 0) c = add32(to, ~sum & 0xffff);
  else {
    const f = size === 2 ? from & 0xffff : from;
    const t = size === 2 ? to & 0xffff : to;
    c = add32(add32(~sum & 0xffff, ~f >>> 0), t >>> 0);
  }
  dv.setUint16(at, ~fold(c) & 0xffff, true);
}
def('l3_csum_replace', (h) => {
  const { p } = packetOf(h);
  const off = h.u32(2), flags = Number(h.u64(5) & 0xffffffffn);
  const size = flags & 0xf;
  // the kernel's order: unknown flags, then an odd or far offset, then the field size (0 needs from = 0)
  if (flags & ~0xf) return -EINVAL;
  if (off > 0xffff || off & 1 || off + 2 > p.end - p.data) return -EFAULT;
  if ((size !== 0 && size !== 2 && size !== 4) || (size === 0 && h.u64(3) !== 0n)) return -EINVAL;
  logBounds(h);
  csumReplace(p, p.data + off, h.lo(3), h.lo(4), size);
  return 0;
});
def('l4_csum_replace', (h) => {
  const { p } = packetOf(h);
  const off = h.u32(2), flags = Number(h.u64(5) & 0xffffffffn);
  const size = flags & 0xf;
  // the kernel's order: unknown flags, then an odd or far offset, then the field size (0 needs from = 0)
  // known flags: field size, BPF_F_PSEUDO_HDR, BPF_F_MARK_MANGLED_0, BPF_F_MARK_ENFORCE, BPF_F_IPV6
  if (flags & ~0xff) return -EINVAL;
  if (off > 0xffff || off & 1 || off + 2 > p.end - p.data) return -EFAULT;
  const at = p.data + off;
  const mangled0 = (flags & 0x20) !== 0;
  const enforce = (flags & 0x40) !== 0;
  if (mangled0 && !enforce && p.buf[at] === 0 && p.buf[at + 1] === 0) return 0;
  if ((size !== 0 && size !== 2 && size !== 4) || (size === 0 && h.u64(3) !== 0n)) return -EINVAL;
  logBounds(h);
  csumReplace(p, at, h.lo(3), h.lo(4), size);
  if (mangled0 && p.buf[at] === 0 && p.buf[at + 1] === 0) { p.buf[at] = 0xff; p.buf[at + 1] = 0xff; }
  return 0;
});
def('csum_diff', (h) => {
  const fromSize = h.u32(2), toSize = h.u32(4);
  if (fromSize % 4 || toSize % 4 || fromSize + toSize > 512) return -EINVAL;
  let c = h.u32(5);
  const from = h.bytes(1, fromSize, 'from'), to = h.bytes(3, toSize, 'to');
  const fdv = new DataView(from.buffer, from.byteOffset, fromSize), tdv = new DataView(to.buffer, to.byteOffset, toSize);
  for (let i = 0; i < fromSize; i += 4) c = add32(c, ~fdv.getUint32(i, true) >>> 0);
  for (let i = 0; i < toSize; i += 4) c = add32(c, tdv.getUint32(i, true));
  // x86's csum_partial hands back the sum folded to 16 bits (not complemented).
  return fold(c);
});

// ---- strings --------------------------------------------------------------------------------------
function strto(h: Call, signed: boolean): number {
  const len = Number(h.u64(2));
  const flags = Number(h.u64(3));
  if (flags & ~0x1f || len === 0) return -EINVAL;
  let base = flags & 0x1f;
  if (base !== 0 && base !== 8 && base !== 10 && base !== 16) return -EINVAL;
  const buf = h.bytes(1, len, 'buf');
  let i = 0;
  while (i < len && buf[i] !== 0 && /\s/.test(String.fromCharCode(buf[i]))) i++;
  let neg = false;
  if (signed && i < len && buf[i] === 0x2d) { neg = true; i++; }
  const ch = (k: number): string => (k < len && buf[k] !== 0 ? String.fromCharCode(buf[k]).toLowerCase() : '');
  if ((base === 0 || base === 16) && ch(i) === '0' && ch(i + 1) === 'x' && /[0-9a-f]/.test(ch(i + 2))) { base = 16; i += 2; }
  else if (base === 0) base = ch(i) === '0' ? 8 : 10;
  let v = 0n;
  const digits = i;
  for (; i < len; i++) {
    const d = parseInt(ch(i), 16);
    if (Number.isNaN(d) || d >= base) break;
    v = v * BigInt(base) + BigInt(d);
    if (v > 0xffffffffffffffffn) return -ERANGE;
  }
  if (i === digits) return -EINVAL;
  let result: bigint;
  if (signed) {
    if (neg ? v > 1n << 63n : v > (1n << 63n) - 1n) return -ERANGE;
    result = neg ? -v : v;
  } else result = v;
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, result), true);
  h.write(4, out, 'res');
  return i;
}
def('strtol', (h) => strto(h, true));
def('strtoul', (h) => strto(h, false));
def('strncmp', (h) => {
  const n = h.u32(2);
  const s1 = h.bytes(1, n, 's1');
  const s2 = readCString(h.m, h.u64(3), n + 1);
  if (s2 === undefined) return h.fault('arg3 (s2) is not a readable string');
  for (let i = 0; i < n; i++) {
    const a = s1[i], b = i < s2.length ? s2.charCodeAt(i) : 0;
    if (a !== b) return a < b ? -1 : 1;
    if (a === 0) break;
  }
  return 0;
});
def('spin_lock', (h) => { h.mem(1, 4, true, 'lock'); return 0; });
def('spin_unlock', (h) => { h.mem(1, 4, true, 'lock'); return 0; });

/** Ids of every emulated helper. */
export function emulatedHelpers(): number[] {
  return [...IMPLS.keys()].map((n) => helperByName(n)?.id).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
}

const BY_ID = new Map<number, [string, Impl]>();
for (const [name, impl] of IMPLS) {
  const info = helperByName(name);
  if (info) BY_ID.set(info.id, [name, impl]);
}

/** Runs helper `id` for the instruction at `pc`: 0 to continue, or a stop status. */
export function callHelper(env: HelperEnv, id: number, pc: number): number {
  const m = env.machine;
  // The common case: an emulated helper the program type may call (checked once per machine).
  const entry = BY_ID.get(id);
  if (entry && !m.options.helperOverrides && m.allowedHelpers.has(id)) return runHelper(m, entry, pc);
  const info = helperById(id);
  const name = info?.name ?? `helper #${id}`;
  const override = m.options.helperOverrides?.get(id);
  const setR0 = (v: bigint | number): void => {
    const b = BigInt.asUintN(64, typeof v === 'number' ? BigInt(Math.trunc(v)) : v);
    m.regs[0] = Number(b & 0xffffffffn) | 0;
    m.regs[1] = Number(b >> 32n) | 0;
  };
  if (override) {
    const args = [1, 2, 3, 4, 5].map((i) => joinAddr(m.regs[2 * i + 1], m.regs[2 * i]));
    setR0(override(m, args));
    return m.fault ? ST_FAULT : 0;
  }
  const stub = m.options.helperReturns?.[String(id)] ?? (info ? m.options.helperReturns?.[info.name] ?? m.options.helperReturns?.[info.name.slice(4)] : undefined);
  if (!entry && stub === undefined) {
    return m.raise(pc, `helper ${info ? info.name : `#${id}`} (#${id}) is not emulated`, 'helper');
  }
  const type = m.options.progType;
  if (type && m.options.checkHelperAvailability !== false && helperAllowed(type, id) === false) {
    return m.raise(pc, `program type ${type} cannot call ${name} (#${id}): the kernel's verifier says "unknown func ${name}#${id}"`, 'helper');
  }
  if (!entry) { setR0(BigInt(stub!)); return 0; }
  m.allowedHelpers.add(id);
  return runHelper(m, entry, pc);
}

function runHelper(m: Machine, entry: [string, Impl], pc: number): number {
  try {
    const r = entry[1](new Call(m, entry[0], pc));
    if (m.fault) return ST_FAULT;
    if (r === TAIL_CALL) return ST_TAILCALL;
    if (r === KEEP_R0) return 0;
    if (typeof r === 'number') {
      m.regs[0] = r | 0;
      m.regs[1] = r < 0 ? -1 : Math.floor(r / 4294967296) | 0;
    } else {
      const b = BigInt.asUintN(64, r);
      m.regs[0] = Number(b & 0xffffffffn) | 0;
      m.regs[1] = Number(b >> 32n) | 0;
    }
    return 0;
  } catch (e) {
    if (e instanceof HelperFault) m.raise(pc, e.message, e.kind);
    else m.raise(pc, `${entry[0]}: internal error: ${e instanceof Error ? e.message : String(e)}`, 'helper');
    return ST_FAULT;
  }
}
