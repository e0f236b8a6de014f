// Parser for the mnemonic syntax of uBPF, bpf_conformance and rbpf (`mov32 %r0, 0`).
import type { ParsedFile } from './ast';

export function parseMnemonic(text: string): ParsedFile {
  void text;
  return { syntax: 'mnemonic', statements: [], tokens: [], comments: [], diagnostics: [] };
}
