// The native side: koffi, libc's syscall/close, errno, and stable memory the kernel can read.
import { createRequire } from 'node:module';

type KoffiModule = typeof import('koffi');
type NativeFn = (...args: unknown[]) => unknown;

export interface Native {
  koffi: KoffiModule;
  syscall: (nr: number, cmd: number, attr: unknown, size: number) => number;
  close: (fd: number) => number;
  errno: () => number;
}

let cached: Native | string | undefined;

/** Syscall number of bpf(2) on this machine's architecture, or undefined when unknown. */
export function bpfSyscallNumber(): number | undefined {
  if (process.arch === 'x64') return 321;
  if (process.arch === 'arm64' || process.arch === 'riscv64') return 280;
  return undefined;
}

/** Loads koffi and the libc entry points once; returns a reason string when that is impossible. */
export function native(): Native | string {
  if (cached !== undefined) return cached;
  try {
    const req = typeof require === 'function' ? require : createRequire(import.meta.url);
    const koffi = req('koffi') as KoffiModule;
    const libc = koffi.load('libc.so.6');
    const syscall = libc.func('long syscall(long nr, long cmd, void *attr, long size)') as NativeFn;
    const close = libc.func('int close(int fd)') as NativeFn;
    cached = {
      koffi,
      syscall: (nr, cmd, attr, size) => Number(syscall(nr, cmd, attr, size)),
      close: (fd) => Number(close(fd)),
      errno: () => koffi.errno(),
    };
  } catch (e) {
    cached = `koffi could not load libc: ${e instanceof Error ? e.message : String(e)}`;
  }
  return cached;
}

/** A block of native memory that never moves, with a typed view on it. */
export interface NativeBlock {
  ptr: unknown;
  addr: bigint;
  bytes: Uint8Array;
  view: DataView;
}

export function allocBlock(n: Native, size: number): NativeBlock {
  const ptr = n.koffi.alloc('uint8_t', size);
  const bytes = new Uint8Array(n.koffi.view(ptr, size));
  return { ptr, addr: n.koffi.address(ptr), bytes, view: new DataView(bytes.buffer) };
}

/**
 * A bump allocator over one growing native block, reset before each syscall. Callers reserve the
 * total first, because growing replaces the block and invalidates earlier regions.
 */
export class Scratch {
  private block: NativeBlock | undefined;
  private used = 0;

  constructor(private readonly n: Native) {}

  /** Makes room for `total` bytes (plus alignment slack) and resets the allocator. */
  reserve(total: number): void {
    const need = total + 64;
    // grow on demand; give back a huge block (a big verifier log) once small requests resume
    const tooBig = this.block !== undefined && this.block.bytes.length > (1 << 24) && need <= 1 << 20;
    if (!this.block || this.block.bytes.length < need || tooBig) {
      if (this.block) this.n.koffi.free(this.block.ptr);
      let size = 1 << 16;
      while (size < need) size *= 2;
      this.block = allocBlock(this.n, size);
    }
    this.used = 0;
  }

  /** A zeroed region of `size` bytes, 8-byte aligned, within the reserved block. */
  take(size: number): { addr: bigint; bytes: Uint8Array } {
    const block = this.block!;
    const at = (this.used + 7) & ~7;
    if (at + size > block.bytes.length) throw new Error('scratch region exceeds its reservation');
    this.used = at + size;
    const bytes = block.bytes.subarray(at, at + size);
    bytes.fill(0);
    return { addr: block.addr + BigInt(at), bytes };
  }

  /** A region holding a copy of `data`. */
  put(data: Uint8Array): { addr: bigint; bytes: Uint8Array } {
    const r = this.take(data.length);
    r.bytes.set(data);
    return r;
  }
}
