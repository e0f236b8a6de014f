// Reads state text in the kernel's notation (`R0=map_value(ks=4,vs=8) R1=scalar(var_off=(0x0; 0xff))
// fp-8=mmmmmmmm`) back into entries: register or stack slot name -> the kernel's text for it.

/** One state: `R3`, `fp-8` -> its text (`a|b` where the paths of a joined state disagree on the kind). */
export type StateEntries = Map<string, string>;

/** Splits at `sep` outside parentheses. */
export function topLevelWords(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of text) {
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    if (c === sep && depth === 0) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

/** The entries of one state; liveness marks (`R1_w`, `fp-8_r`) are dropped from the names. */
export function parseStateText(text: string): StateEntries {
  const m: StateEntries = new Map();
  for (const word of topLevelWords(text.trim(), ' ')) {
    const eq = word.indexOf('=');
    if (eq <= 0) continue;
    m.set(word.slice(0, eq).replace(/_[rwD]+$/, ''), word.slice(eq + 1));
  }
  return m;
}
