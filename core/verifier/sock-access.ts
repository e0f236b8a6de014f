// Which loads through socket pointers the kernel allows (bpf_sock_is_valid_access,
// bpf_sock_common_is_valid_access, bpf_tcp_sock_is_valid_access, bpf_xdp_sock_is_valid_access), on the UAPI layouts of
// struct bpf_sock and struct bpf_tcp_sock from core/ctx-layouts (and bpf_xdp_sock's one field).
import { type CtxStruct, SOCK, TCP_SOCK } from '../ctx-layouts';
import { T } from './state';

function field(s: CtxStruct, name: string): { start: number; end: number } {
  const f = s.fields.find((x) => x.name === name)!;
  return { start: f.offset, end: f.offset + f.size * (f.count ?? 1) };
}

/** bpf_sock fields any power-of-two part of which may be read. */
const NARROW = ['family', 'type', 'protocol', 'src_ip4', 'src_ip6', 'src_port', 'dst_ip4', 'dst_ip6', 'state', 'rx_queue_mapping']
  .map((n) => field(SOCK, n));
const DST_PORT = field(SOCK, 'dst_port');
const DST_IP4 = field(SOCK, 'dst_ip4');
/** sock_common has no type, protocol, mark or priority. */
const NOT_IN_SOCK_COMMON = { start: field(SOCK, 'type').start, end: field(SOCK, 'priority').end };
const TCP_U64 = ['bytes_received', 'bytes_acked'].map((n) => field(TCP_SOCK, n).start);

const within = (off: number, r: { start: number; end: number }): boolean => off >= r.start && off < r.end;
const narrowOk = (size: number, fieldSize: number): boolean => size <= fieldSize && (size & (size - 1)) === 0;

function bpfSockOk(off: number, size: number): boolean {
  if (off < 0 || off >= SOCK.size || off % size !== 0) return false;
  if (NARROW.some((r) => within(off, r))) return narrowOk(size, 4);
  // dst_port is a __be16 that may also be read as the u32 it used to be
  if (within(off, DST_PORT)) return narrowOk(size, size === 4 ? 4 : 2);
  if (off >= DST_PORT.end && off < DST_IP4.start) return false; // padding
  return size === 4;
}

function tcpSockOk(off: number, size: number): boolean {
  if (off < 0 || off >= TCP_SOCK.size || off % size !== 0) return false;
  return size === (TCP_U64.includes(off) ? 8 : 4);
}

/** Whether a read of `size` bytes at `off` through a pointer of this socket type is allowed. */
export function sockAccessOk(type: T, off: number, size: number): boolean {
  switch (type) {
    case T.SOCKET: return bpfSockOk(off, size);
    case T.SOCK_COMMON: return !within(off, NOT_IN_SOCK_COMMON) && bpfSockOk(off, size);
    case T.TCP_SOCK: return tcpSockOk(off, size);
    // struct bpf_xdp_sock has one u32, queue_id
    case T.XDP_SOCK: return off === 0 && size === 4;
    default: return false;
  }
}

/**
 * Whether the kernel can rewrite an allowed load into a real one: a u32 read of the upper half of
 * tcp_sock's u64 fields passes the access check but no conversion covers it.
 */
export function sockLoadConvertible(type: T, off: number): boolean {
  return !(type === T.TCP_SOCK && TCP_U64.some((o) => off === o + 4));
}
