// The kernel's printf subset for bpf_trace_printk and bpf_snprintf: %d %i %u %x %X %o %c %s %%,
// length modifiers h hh l ll z, flags - + space 0 #, width and precision, %p %pK %px %pS %pI4 %pi4
// %pI6 %pi6. Arguments are 64-bit values; %s and %pI read memory through a callback.

export interface PrintfMemory {
  /** The NUL-terminated string at addr (at most max bytes), or undefined when unreadable. */
  str(addr: bigint, max: number): string | undefined;
  bytes(addr: bigint, size: number): Uint8Array | undefined;
}

/** Formats; returns the text, or an error naming the bad conversion. */
export function formatKernel(fmt: string, args: bigint[], mem: PrintfMemory): { text: string } | { error: string } {
  let out = '';
  let argi = 0;
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== '%') { out += c; continue; }
    const start = i;
    i++;
    if (fmt[i] === '%') { out += '%'; continue; }
    let flags = '';
    while ('-+ 0#'.includes(fmt[i] ?? 'x') && i < fmt.length) flags += fmt[i++];
    let width = '';
    while (/[0-9]/.test(fmt[i] ?? '')) width += fmt[i++];
    let precision: number | undefined;
    if (fmt[i] === '.') {
      i++;
      let p = '';
      while (/[0-9]/.test(fmt[i] ?? '')) p += fmt[i++];
      precision = Number(p || '0');
    }
    let len = '';
    while ('hlz'.includes(fmt[i] ?? 'x') && i < fmt.length) len += fmt[i++];
    const conv = fmt[i];
    if (conv === undefined) return { error: `incomplete conversion '${fmt.slice(start)}'` };
    if (argi >= args.length && conv !== '%') return { error: `too few arguments for '${fmt.slice(start, i + 1)}'` };
    const raw = args[argi++] ?? 0n;
    const bits = len === 'hh' ? 8 : len === 'h' ? 16 : len === '' ? 32 : 64;
    let body: string;
    let numeric = true;
    switch (conv) {
      case 'd': case 'i': {
        const v = BigInt.asIntN(bits, raw);
        body = (v < 0n ? -v : v).toString();
        if (precision !== undefined) body = body.padStart(precision, '0');
        body = (v < 0n ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + body;
        break;
      }
      case 'u': case 'x': case 'X': case 'o': {
        const v = BigInt.asUintN(bits, raw);
        body = v.toString(conv === 'u' ? 10 : conv === 'o' ? 8 : 16);
        if (conv === 'X') body = body.toUpperCase();
        if (precision !== undefined) body = body.padStart(precision, '0');
        if (flags.includes('#') && v !== 0n) body = (conv === 'o' ? '0' : conv === 'x' ? '0x' : conv === 'X' ? '0X' : '') + body;
        break;
      }
      case 'c': numeric = false; body = String.fromCharCode(Number(raw & 0xffn)); break;
      case 's': {
        numeric = false;
        body = mem.str(raw, precision ?? 4096) ?? '';
        if (precision !== undefined) body = body.slice(0, precision);
        break;
      }
      case 'p': {
        const ext = fmt[i + 1];
        if (ext === 'I' || ext === 'i') {
          const ver = fmt[i + 2];
          if (ver !== '4' && ver !== '6') return { error: `unsupported conversion '%p${ext}${ver ?? ''}'` };
          i += 2;
          numeric = false;
          const b = mem.bytes(raw, ver === '4' ? 4 : 16);
          if (!b) { body = '(efault)'; break; }
          if (ver === '4') body = [...b].map((x) => (ext === 'i' ? String(x).padStart(3, '0') : String(x))).join('.');
          else if (ext === 'i') body = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
          else body = Array.from({ length: 8 }, (_, k) => ((b[2 * k] << 8) | b[2 * k + 1]).toString(16).padStart(4, '0')).join(':');
          break;
        }
        if (ext === 'K' || ext === 'x' || ext === 'S' || ext === 's' || ext === 'B') i++;
        body = BigInt.asUintN(64, raw).toString(16).padStart(16, '0');
        if (ext === 'S' || ext === 's' || ext === 'B') body = '0x' + BigInt.asUintN(64, raw).toString(16);
        break;
      }
      default:
        return { error: `unsupported conversion '%${conv}'` };
    }
    const w = Number(width || '0');
    if (body.length < w) {
      if (flags.includes('-')) body = body.padEnd(w, ' ');
      else if (flags.includes('0') && numeric && precision === undefined) {
        const sign = /^[-+ ]/.test(body) ? body[0] : '';
        const prefix = /^0[xX]/.test(body.slice(sign.length)) ? body.slice(sign.length, sign.length + 2) : '';
        const digits = body.slice(sign.length + prefix.length);
        body = sign + prefix + digits.padStart(w - sign.length - prefix.length, '0');
      } else body = body.padStart(w, ' ');
    }
    out += body;
  }
  return { text: out };
}

/** Number of conversions that consume an argument. */
export function countConversions(fmt: string): number {
  let n = 0;
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] !== '%') continue;
    if (fmt[i + 1] === '%') { i++; continue; }
    n++;
  }
  return n;
}
