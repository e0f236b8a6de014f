// Hex byte strings as users type them: optional spaces, colons or commas, and 0x prefixes.

/** The bytes, or a sentence saying what is wrong with the text. */
export function parseHex(text: string): Uint8Array | string {
  const hex = text.replace(/0x/gi, '').replace(/[\s:,]/g, '');
  if (hex.length % 2) return `'${text.length > 40 ? text.slice(0, 40) + '...' : text}' has an odd number of hex digits`;
  const bad = /[^0-9a-f]/i.exec(hex);
  if (bad) return `'${bad[0]}' is not a hex digit (expected bytes such as "ff ff 00 11")`;
  return Uint8Array.from({ length: hex.length / 2 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}
