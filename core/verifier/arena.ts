// Typed arrays carved from one buffer that is reused from call to call: allocating a typed array
// (its own ArrayBuffer) costs far more than zeroing memory we already have. Whatever an arena
// hands out stays valid only until its next reset().

export class Arena {
  private buf = new ArrayBuffer(0);
  private bytes = new Uint8Array(0);
  private at = 0;

  /** Starts over with at least `bytes` bytes of zeroed room. */
  reset(bytes: number): void {
    if (this.buf.byteLength < bytes) {
      this.buf = new ArrayBuffer(Math.max(bytes, 2 * this.buf.byteLength));
      this.bytes = new Uint8Array(this.buf);
    } else {
      this.bytes.fill(0, 0, bytes);
    }
    this.at = 0;
  }

  /** Byte offset of the next `bytes` bytes, 8-byte aligned. */
  private take(bytes: number): number {
    if (this.at + bytes > this.buf.byteLength) {
      // more than reset() asked for: a fresh buffer (the arrays handed out so far keep the old one)
      this.buf = new ArrayBuffer(2 * (this.buf.byteLength + bytes));
      this.bytes = new Uint8Array(this.buf);
      this.at = 0;
    }
    const at = this.at;
    this.at += (bytes + 7) & ~7;
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
