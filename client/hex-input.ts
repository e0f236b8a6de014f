// Checks the packet bytes typed for a run. No vscode imports, so it can be tested.

/** Hex bytes as the run request takes them: pairs of hex digits, spaces, colons or commas between. */
export function hexInputProblem(text: string): string | undefined {
  const clean = text.replace(/0x/gi, '').replace(/[\s:,]/g, '');
  if (/[^0-9a-f]/i.test(clean)) return 'Only hex digits, such as "ff ff ff ff ff ff 00 11 22 33 44 55 08 00"';
  if (clean.length % 2) return 'An odd number of hex digits: each byte takes two';
  return undefined;
}
