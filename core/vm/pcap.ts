// Reads the packets of a pcap or pcapng capture (either byte order). Never throws.

export interface Capture {
  packets: Uint8Array[];
  /** Link type of the capture (1 = Ethernet). */
  linkType: number;
}

export function readCapture(bytes: Uint8Array): Capture | string {
  if (bytes.length < 4) return 'not a capture: shorter than a header';
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicLE = dv.getUint32(0, true);
  if (magicLE === 0x0a0d0d0a) return readPcapng(bytes, dv);
  const le = magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d;
  const be = dv.getUint32(0, false) === 0xa1b2c3d4 || dv.getUint32(0, false) === 0xa1b23c4d;
  if (!le && !be) return 'not a pcap or pcapng capture (unknown magic number)';
  if (bytes.length < 24) return 'pcap: truncated file header';
  const linkType = dv.getUint32(20, le);
  const packets: Uint8Array[] = [];
  for (let at = 24; at < bytes.length;) {
    if (at + 16 > bytes.length) return `pcap: truncated record header at byte ${at}`;
    const len = dv.getUint32(at + 8, le);
    if (at + 16 + len > bytes.length) return `pcap: record at byte ${at} claims ${len} bytes past the end of the file`;
    packets.push(bytes.slice(at + 16, at + 16 + len));
    at += 16 + len;
  }
  return { packets, linkType };
}

function readPcapng(bytes: Uint8Array, dv: DataView): Capture | string {
  const packets: Uint8Array[] = [];
  let le = true;
  let linkType = 1;
  for (let at = 0; at < bytes.length;) {
    if (at + 12 > bytes.length) return `pcapng: truncated block at byte ${at}`;
    const type = dv.getUint32(at, true);
    if (type === 0x0a0d0d0a) le = dv.getUint32(at + 8, true) === 0x1a2b3c4d;
    const len = dv.getUint32(at + 4, le);
    if (len < 12 || len % 4 !== 0 || at + len > bytes.length) return `pcapng: block at byte ${at} has a bad length ${len}`;
    const blockType = dv.getUint32(at, le);
    if (blockType === 1 && len >= 20) linkType = dv.getUint16(at + 8, le);
    if (blockType === 6) {
      const cap = dv.getUint32(at + 20, le);
      if (28 + cap > len) return `pcapng: packet block at byte ${at} overruns its block`;
      packets.push(bytes.slice(at + 28, at + 28 + cap));
    } else if (blockType === 3) {
      const orig = dv.getUint32(at + 8, le);
      packets.push(bytes.slice(at + 12, at + 12 + Math.min(orig, len - 16)));
    }
    at += len;
  }
  return { packets, linkType };
}
