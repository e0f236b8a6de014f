// Which loads through socket pointers the kernel allows (bpf_sock_is_valid_access,
// bpf_sock_common_is_valid_access, bpf_tcp_sock_is_valid_access), on the UAPI layouts of
// struct bpf_sock (80 bytes) and struct bpf_tcp_sock (112 bytes).
import { T } from './state';

const BPF_SOCK_SIZE = 80;
const BPF_TCP_SOCK_SIZE = 112;
/** bpf_sock fields any power-of-two part of which may be read (u32 fields and the address arrays). */
const NARROW_OK: ReadonlyArray<[number, number]> = [
  [4, 16], // family, type, protocol
  [24, 44], // src_ip4, src_ip6[4]
  [44, 48], // src_port
  [52, 80], // dst_ip4, dst_ip6[4], state, rx_queue_mapping
];
const DST_PORT = 48;

const narrowOk = (size: number, fieldSize: number): boolean => size <= fieldSize && (size & (size - 1)) === 0;

function bpfSockOk(off: number, size: number): boolean {
  if (off < 0 || off >= BPF_SOCK_SIZE || off % size !== 0) return false;
  if (NARROW_OK.some(([a, b]) => off >= a && off < b)) return narrowOk(size, 4);
  // dst_port is a __be16 that may also be read as the u32 it used to be
  if (off === DST_PORT || off === DST_PORT + 1) return narrowOk(size, size === 4 ? 4 : 2);
  if (off === DST_PORT + 2 || off === DST_PORT + 3) return false; // padding
  return size === 4;
}

function tcpSockOk(off: number, size: number): boolean {
  if (off < 0 || off >= BPF_TCP_SOCK_SIZE || off % size !== 0) return false;
  // bytes_received, bytes_acked are the two u64 fields
  if (off === 80 || off === 88) return size === 8;
  return size === 4;
}

/** Whether a read of `size` bytes at `off` through a pointer of this socket type is allowed. */
export function sockAccessOk(type: T, off: number, size: number): boolean {
  switch (type) {
    case T.SOCKET: return bpfSockOk(off, size);
    // sock_common lacks type, protocol, mark and priority
    case T.SOCK_COMMON: return !(off >= 8 && off < 24) && bpfSockOk(off, size);
    case T.TCP_SOCK: return tcpSockOk(off, size);
    default: return false;
  }
}

/**
 * Whether the kernel can rewrite an allowed load into a real one: a u32 read of the upper half of
 * tcp_sock's bytes_received / bytes_acked passes the access check but no conversion covers it.
 */
export function sockLoadConvertible(type: T, off: number): boolean {
  return !(type === T.TCP_SOCK && (off === 84 || off === 92));
}
