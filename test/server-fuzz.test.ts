// Random and mutated documents, and every request at random positions: the service must answer
// each one without an internal error (the guard would log it) and never throw.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BpfLanguageService } from '../server/service';

const EXAMPLES = join(__dirname, '../examples');
const sources = [
  ...readdirSync(EXAMPLES).filter((f) => f.endsWith('.bpf.s')).map((f) => readFileSync(join(EXAMPLES, f), 'utf8')),
  ...readdirSync(join(EXAMPLES, 'broken')).filter((f) => f.endsWith('.bpf.s')).map((f) => readFileSync(join(EXAMPLES, 'broken', f), 'utf8')),
];

/** A small deterministic PRNG, so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

const ALPHABET = ' \t\nr0123456789w*()+-=<>&|^%/#;:,.[]{}"\'lockgotoifcallexitbpf_map_.sectionxdp\u0000\uffff';

function mutate(text: string, rand: () => number): string {
  let t = text;
  const edits = 1 + Math.floor(rand() * 6);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * (t.length + 1));
    const kind = rand();
    if (kind < 0.4) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(rand() * 12));
    else if (kind < 0.8) t = t.slice(0, at) + ALPHABET[Math.floor(rand() * ALPHABET.length)]!.repeat(1 + Math.floor(rand() * 3)) + t.slice(at);
    else {
      const from = Math.floor(rand() * t.length);
      t = t.slice(0, at) + t.slice(from, from + Math.floor(rand() * 40)) + t.slice(at);
    }
  }
  return t;
}

describe('language service under random input', () => {
  it('answers every request on 300 mutated documents without an internal error', () => {
    const errors: string[] = [];
    const service = new BpfLanguageService((m) => errors.push(m));
    service.configure({});
    const rand = rng(20261125);
    for (let n = 0; n < 300; n++) {
      const text = mutate(sources[n % sources.length]!, rand);
      const uri = `file:///fuzz/${n}.bpf.s`;
      service.open(uri, text, 1);
      service.diagnostics(uri);
      const lines = text.split('\n');
      for (let k = 0; k < 4; k++) {
        const line = Math.floor(rand() * (lines.length + 2)) - 1;
        const character = Math.floor(rand() * ((lines[line]?.length ?? 5) + 3)) - 1;
        const p = { line, character };
        const range = { start: p, end: { line: line + 2, character: 0 } };
        service.hover(uri, p);
        service.completion(uri, p);
        service.signatureHelp(uri, p);
        service.definition(uri, p);
        service.references(uri, p, true);
        service.documentHighlights(uri, p);
        service.prepareRename(uri, p);
        service.rename(uri, p, 'renamed');
        service.codeActions(uri, range, service.diagnostics(uri));
        service.inlayHints(uri, range);
        service.rangeFormatting(uri, range);
      }
      service.documentSymbols(uri);
      service.semanticTokens(uri);
      service.foldingRanges(uri);
      service.formatting(uri);
      service.status(uri);
      service.close(uri);
    }
    expect(errors).toEqual([]);
  });

  it('handles binary garbage and a very large document', () => {
    const errors: string[] = [];
    const service = new BpfLanguageService((m) => errors.push(m));
    const rand = rng(7);
    const garbage = Array.from({ length: 20_000 }, () => String.fromCharCode(Math.floor(rand() * 0x10000))).join('');
    service.open('file:///g', garbage, 1);
    expect(Array.isArray(service.diagnostics('file:///g'))).toBe(true);
    const big = sources[0]!.repeat(2000);
    service.open('file:///big', big, 1);
    const t0 = performance.now();
    service.diagnostics('file:///big');
    service.hover('file:///big', { line: 30_000, character: 3 });
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(errors).toEqual([]);
  });
});
