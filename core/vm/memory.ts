// The VM's address space: separate regions at distinct 64-bit addresses, each with its own bytes.
// Every region owns a whole high word (4 GiB of address space), so finding one is a map lookup.

export type RegionKind = 'stack' | 'ctx' | 'packet' | 'map' | 'rodata' | 'data' | 'mem' | 'ringbuf';

export interface Region {
  id: number;
  /** What a fault message calls it: 'stack of frame 0', 'packet', 'map counts value'. */
  name: string;
  kind: RegionKind;
  /** High 32 bits of every address in the region (signed int32). */
  hi: number;
  /** Low 32 bits of the region's first byte (unsigned). */
  lo: number;
  size: number;
  bytes: Uint8Array;
  dv: DataView;
  writable: boolean;
  /** Plain bytes: loads and stores go straight to `dv` (false for a context the kernel rewrites). */
  plain: boolean;
  /** Map values laid out at this stride: an access must stay inside one value of `elemSize` bytes. */
  stride?: number;
  elemSize?: number;
  /** For kind 'ctx' that is not plain: the context's field emulation. */
  ctx?: ContextAccess;
}

/** How a program type's context answers field accesses (the kernel rewrites them). */
export interface ContextAccess {
  /** Returns the loaded value (lo, hi in `result.hi`), or an error message. */
  load(off: number, size: number, result: { hi: number }): number | string;
  store(off: number, size: number, lo: number, hi: number): string | undefined;
}

/** High words of each kind of region: kernel-like addresses (vmalloc stacks, direct-map objects). */
export const HI_STACK = 0xffffc900 | 0;
export const HI_CTX = 0xffff8880 | 0;
export const HI_PACKET = 0xffff8881 | 0;
export const HI_DATA = 0xffff8890 | 0;
export const HI_MAP = 0xffff88a0 | 0;
export const HI_MAP_OBJ = 0xffff8ff0 | 0;
export const HI_CODE = 0xffffffff | 0;
/** Low word where each region starts inside its 4 GiB window. */
export const LO_BASE = 0x0a3f0000;

export class AddressSpace {
  readonly regions: Region[] = [];
  private readonly byHi = new Map<number, Region>();
  private nextByHi = new Map<number, number>();

  /** Regions that live for one run (context, packet, ring buffer records), and ids free for reuse. */
  private transient: { region: Region; base: number }[] = [];
  private freeIds: number[] = [];

  /**
   * Adds a region in the first free 4 GiB window at or after `hiBase`. A transient region is
   * dropped by releaseTransient(), so each run gets the same addresses and memory is not kept.
   */
  add(
    hiBase: number, name: string, kind: RegionKind, bytes: Uint8Array,
    opts: { writable?: boolean; plain?: boolean; stride?: number; elemSize?: number; ctx?: ContextAccess; lo?: number; transient?: boolean } = {},
  ): Region {
    let hi = this.nextByHi.get(hiBase) ?? hiBase;
    while (this.byHi.has(hi)) hi = (hi + 1) | 0;
    this.nextByHi.set(hiBase, (hi + 1) | 0);
    const region: Region = {
      id: this.freeIds.pop() ?? this.regions.length, name, kind, hi, lo: opts.lo ?? LO_BASE, size: bytes.length, bytes,
      dv: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      writable: opts.writable ?? true, plain: opts.plain ?? true,
      stride: opts.stride, elemSize: opts.elemSize, ctx: opts.ctx,
    };
    this.regions[region.id] = region;
    this.byHi.set(hi, region);
    if (opts.transient) this.transient.push({ region, base: hiBase });
    return region;
  }

  /** Drops every transient region (at the start of a run). */
  releaseTransient(): void {
    for (const { region, base } of this.transient) {
      this.byHi.delete(region.hi);
      this.freeIds.push(region.id);
      const next = this.nextByHi.get(base);
      if (next === undefined || (region.hi >>> 0) < (next >>> 0)) this.nextByHi.set(base, region.hi);
    }
    this.transient = [];
  }

  /** Points an existing region at new bytes (packet after adjust_head, say). */
  rebase(region: Region, bytes: Uint8Array, lo: number = region.lo): void {
    region.bytes = bytes;
    region.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    region.size = bytes.length;
    region.lo = lo;
  }

  /** The region whose window holds this high word, whether or not the address is inside it. */
  near(hi: number): Region | undefined {
    return this.byHi.get(hi);
  }

  /**
   * The region holding [addr, addr+size) and the offset in it, or a reason it does not.
   * `lo` is the unsigned low word.
   */
  resolve(hi: number, lo: number, size: number, write: boolean): { region: Region; off: number } | string {
    const r = this.byHi.get(hi);
    if (!r) return hi === 0 && lo < 4096 ? 'NULL pointer dereference' : 'address is in no memory region';
    const off = lo - r.lo;
    if (off < 0 || off + size > r.size) {
      return `out of bounds of ${r.name} (${r.size} bytes at ${addrHex(r.hi, r.lo)}, offset ${off})`;
    }
    if (r.stride !== undefined && r.elemSize !== undefined) {
      const inElem = off % r.stride;
      if (inElem + size > r.elemSize) {
        return `out of bounds of ${r.name} (value of ${r.elemSize} bytes, offset ${inElem} in it)`;
      }
    }
    if (write && !r.writable) return `${r.name} is read-only`;
    return { region: r, off };
  }
}

export function addrHex(hi: number, lo: number): string {
  return '0x' + (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/** Splits a 64-bit bigint address into (hi int32, lo uint32). */
export function splitAddr(addr: bigint): { hi: number; lo: number } {
  const u = BigInt.asUintN(64, addr);
  return { hi: Number(u >> 32n) | 0, lo: Number(u & 0xffffffffn) };
}

export const joinAddr = (hi: number, lo: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
