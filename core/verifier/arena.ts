// Typed arrays carved from one buffer that is reused from call to call: allocating a typed array
// (its own ArrayBuffer) costs far more than zeroing memory we already have. Whatever an arena
// hands out stays valid only until its next reset().

export class Arena {
  private buf = new ArrayBuffer(0);
  private bytes = new Uint8Array(0);
  private at = 0;
  /** Bytes below this may still hold data from before the last reset. */
  private dirty = 0;

  /** Starts over, with room for at least `bytes` bytes. */
  reset(bytes: number): void {
    if (this.buf.byteLength < bytes) this.fresh(Math.max(bytes, 2 * this.buf.byteLength));
    this.at = 0;
  }

  private fresh(bytes: number): void {
    this.buf = new ArrayBuffer(bytes);
    this.bytes = new Uint8Array(this.buf);
    this.dirty = 0;
  }

  /** Byte offset of `bytes` zeroed bytes, 8-byte aligned. */
  private take(bytes: number): number {
    if (this.at + bytes > this.buf.byteLength) {
      // more than reset() made room for: a fresh buffer (arrays handed out so far keep the old one)
      this.fresh(2 * (this.buf.byteLength + bytes));
      this.at = 0;
    }
    const at = this.at;
    const end = at + bytes;
    if (at < this.dirty) this.bytes.fill(0, at, Math.min(end, this.dirty));
    this.at = (end + 7) & ~7;
    if (this.at > this.dirty) this.dirty = this.at;
    return at;
  }

  u8(len: number): Uint8Array { return new Uint8Array(this.buf, this.take(len), len); }
  u16(len: number): Uint16Array { return new Uint16Array(this.buf, this.take(2 * len), len); }
  u32(len: number): Uint32Array { return new Uint32Array(this.buf, this.take(4 * len), len); }
  i32(len: number): Int32Array { return new Int32Array(this.buf, this.take(4 * len), len); }
  f64(len: number): Float64Array { return new Float64Array(this.buf, this.take(8 * len), len); }
}

/** Room reset() needs for arrays of these byte sizes (each rounded up to 8). */
export const arenaBytes = (...sizes: number[]): number => sizes.reduce((t, s) => t + ((s + 7) & ~7), 0);
