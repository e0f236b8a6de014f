// errno values the bpf(2) calls return, with their names (Linux numbering; 524 is the kernel's ENOTSUPP).

export const ERRNO = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, E2BIG: 7, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EACCES: 13,
  EFAULT: 14, EBUSY: 16, EEXIST: 17, EXDEV: 18, ENODEV: 19, EINVAL: 22, ENFILE: 23, EMFILE: 24,
  EFBIG: 27, ENOSPC: 28, ERANGE: 34, ENOSYS: 38, ELOOP: 40, ENOTSUP: 95, EOPNOTSUPP: 95,
  ENOTSUPP: 524,
} as const;

const NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(ERRNO)) if (!NAMES.has(value)) NAMES.set(value, name);

/** 'EINVAL', 'ENOTSUPP' and so on; 'errno N' for numbers we have no name for. */
export const errnoName = (errno: number): string => NAMES.get(errno) ?? `errno ${errno}`;

/** An error from a bpf(2) command, carrying the errno. */
export class BpfError extends Error {
  constructor(readonly command: string, readonly errno: number, detail?: string) {
    super(`${command} failed: ${errnoName(errno)}${detail ? ` (${detail})` : ''}`);
    this.name = 'BpfError';
  }
}
