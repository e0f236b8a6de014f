// Little-endian byte buffers for building ELF images, and a string table builder.

export class ByteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }

  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
  }

  u64(v: number | bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, BigInt(v)), true);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Pads with zeros up to a multiple of `align`. */
  align(align: number): void {
    while (align > 1 && this.length % align !== 0) this.u8(0);
  }

  /** Overwrites a u64 already written at `at`. */
  patchU64(at: number, v: number | bigint): void {
    this.view.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), true);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** An ELF string table: NUL first, each distinct string stored once. */
export class StringTable {
  private readonly offsets = new Map<string, number>();
  private readonly parts: Uint8Array[] = [new Uint8Array(1)];
  private size = 1;

  add(s: string): number {
    if (s === '') return 0;
    const known = this.offsets.get(s);
    if (known !== undefined) return known;
    const encoded = new TextEncoder().encode(s + '\0');
    const at = this.size;
    this.parts.push(encoded);
    this.size += encoded.length;
    this.offsets.set(s, at);
    return at;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
