// The running kernel's own BTF (/sys/kernel/btf/vmlinux), read once; absent off Linux or on
// kernels built without CONFIG_DEBUG_INFO_BTF, which callers must report rather than guess.
import { Btf, BtfError } from './btf';

export const VMLINUX_BTF_PATH = '/sys/kernel/btf/vmlinux';

export type KernelBtf = { btf: Btf } | { error: string };

let cached: KernelBtf | undefined;

function load(): KernelBtf {
  let bytes: Uint8Array;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require('node:fs') as typeof import('node:fs');
    bytes = fs.readFileSync(VMLINUX_BTF_PATH);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: `${VMLINUX_BTF_PATH} is not readable here${code ? ` (${code})` : ''}` };
  }
  try {
    return { btf: new Btf(bytes) };
  } catch (e) {
    if (e instanceof BtfError) return { error: `${VMLINUX_BTF_PATH}: ${e.message}` };
    throw e;
  }
}

/** The kernel's BTF, or why it is not available. */
export function kernelBtf(): KernelBtf {
  cached ??= load();
  return cached;
}

/** Replaces the kernel BTF (tests: a Btf, or an error to act as if there were none); undefined re-reads. */
export function setKernelBtf(source: KernelBtf | undefined): void {
  cached = source;
}
