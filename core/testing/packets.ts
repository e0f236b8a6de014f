// Builds test packets: Ethernet frames carrying IPv4 (with a correct header checksum) or IPv6.

export const ETH_P_IP = 0x0800;
export const ETH_P_IPV6 = 0x86dd;
export const ETH_P_ARP = 0x0806;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

const MAC_A = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0a];
const MAC_B = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0b];

export function ethernet(ethertype: number, payload: Uint8Array, dst = MAC_A, src = MAC_B): Uint8Array {
  const out = new Uint8Array(14 + payload.length);
  out.set(dst, 0);
  out.set(src, 6);
  out[12] = ethertype >> 8;
  out[13] = ethertype & 0xff;
  out.set(payload, 14);
  return out;
}

/** The Internet checksum (RFC 1071) of `bytes`. */
export function internetChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface Ipv4Options {
  protocol: number;
  src: [number, number, number, number];
  dst: [number, number, number, number];
  /** Transport ports (TCP/UDP), written as the first 4 bytes of the payload. */
  sport?: number;
  dport?: number;
  payloadLength?: number;
  ttl?: number;
}

/** An Ethernet frame with an IPv4 header (20 bytes, valid checksum) and a transport header. */
export function ipv4Packet(o: Ipv4Options): Uint8Array {
  const transportHeader = o.protocol === IPPROTO_TCP ? 20 : 8;
  const body = new Uint8Array(transportHeader + (o.payloadLength ?? 16));
  for (let i = transportHeader; i < body.length; i++) body[i] = (i * 13) & 0xff;
  const dv = new DataView(body.buffer);
  dv.setUint16(0, o.sport ?? 1234);
  dv.setUint16(2, o.dport ?? 80);
  if (o.protocol === IPPROTO_UDP) dv.setUint16(4, body.length);
  const ip = new Uint8Array(20 + body.length);
  const h = new DataView(ip.buffer);
  h.setUint8(0, 0x45);
  h.setUint16(2, ip.length);
  h.setUint16(4, 0x1c46);
  h.setUint8(8, o.ttl ?? 64);
  h.setUint8(9, o.protocol);
  ip.set(o.src, 12);
  ip.set(o.dst, 16);
  h.setUint16(10, internetChecksum(ip.subarray(0, 20)));
  ip.set(body, 20);
  return ethernet(ETH_P_IP, ip);
}

/** An Ethernet frame with an IPv6 header and `payloadLength` bytes of UDP. */
export function ipv6Packet(payloadLength = 24): Uint8Array {
  const ip = new Uint8Array(40 + payloadLength);
  const h = new DataView(ip.buffer);
  h.setUint32(0, 0x6000_0000);
  h.setUint16(4, payloadLength);
  h.setUint8(6, IPPROTO_UDP);
  h.setUint8(7, 64);
  ip[23] = 1;
  ip[39] = 2;
  return ethernet(ETH_P_IPV6, ip);
}
