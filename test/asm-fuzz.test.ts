// Fuzzing: random bytes, random tokens and mutated valid programs never make parse, assemble or
// format throw or hang, every range lies inside the document, and tokens come in order.
import { describe, expect, it } from 'vitest';
import type { ParsedFile } from '../core/asm/ast';
import { assemble } from '../core/asm/assembler';
import { format } from '../core/asm/format';
import { parse } from '../core/asm/index';
import { parseLlvm } from '../core/asm/llvm-parser';
import { InsnGen, seeded, type Rand } from './asm-llvm-gen';

const SEED = Number(process.env.ASM_SEED ?? Date.now() % 1_000_000);

const PIECES = [
  'r1', 'w2', 'r10', 'r11', '=', '+=', 's>>=', '*', '(', ')', '[', ']', 'u32', 's8', '+', '-', '0x', '12', '-5',
  'goto', 'if', 'call', 'exit', 'lock', 'll', 'skb', 'pc', '#', ';', ':', ',', '.section', '.map', 'type=', 'hash',
  '"str', '"ok"', "'a'", '/*', '*/', '//', '\n', ' ', '\t', 'label:', '.L1', 'atomic_fetch_add', 'xchg_64',
  'cmpxchg32_32', 'bswap16', 'be64', 'map[id:', '5: (bf)', '; R1=ctx()', '\u00e9', '\ud83d\ude00', '\r\n', '\\',
  '\nDisassembly of section xdp:\n', '\n0000000000000000 <f>:\n', '\n\t\t0000000000000088:  R_BPF_64_64\tm\n',
  '\n\t\t0000000000000010:  R_BPF_64_32\t.text\n', '\n   5:\tb7 01 00 00 05 00 00 00\t', '<unknown>', ' <f+0x8>',
  '\n  7:\t18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00\t',
];

function randomText(rand: Rand, length: number): string {
  let s = '';
  for (let k = 0; k < length; k++) s += String.fromCharCode(Math.floor(rand() * 128));
  return s;
}

function tokenSoup(rand: Rand, count: number): string {
  let s = '';
  for (let k = 0; k < count; k++) s += PIECES[Math.floor(rand() * PIECES.length)]! + (rand() < 0.5 ? ' ' : '');
  return s;
}

function mutate(rand: Rand, text: string, edits: number): string {
  let s = text;
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(rand() * (s.length + 1));
    const r = rand();
    if (r < 0.4) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 6));
    else if (r < 0.8) s = s.slice(0, at) + PIECES[Math.floor(rand() * PIECES.length)] + s.slice(at);
    else s = s.slice(0, at) + s.slice(Math.floor(rand() * s.length));
  }
  return s;
}

/** `strict`: tokens may not overlap (checked for our LLVM parser; the mnemonic one is another module's). */
function checkParsed(text: string, parsed: ParsedFile, strict: boolean): void {
  const inside = (r: { start: number; end: number }) =>
    Number.isInteger(r.start) && Number.isInteger(r.end) && r.start >= 0 && r.start <= r.end && r.end <= text.length;
  for (const d of parsed.diagnostics) {
    if (!inside(d.range)) throw new Error(`diagnostic range ${JSON.stringify(d.range)} outside a ${text.length}-character text: ${d.message}`);
    if (!d.message) throw new Error('empty diagnostic message');
  }
  let last = 0;
  for (const t of parsed.tokens) {
    if (!inside(t.range)) throw new Error(`token range ${JSON.stringify(t.range)} outside the text`);
    if (t.range.start < last) throw new Error(`tokens out of order at ${t.range.start}`);
    last = strict ? t.range.end : t.range.start;
  }
  for (const s of parsed.statements) if (!inside(s.range)) throw new Error(`statement range ${JSON.stringify(s.range)} outside the text`);
  for (const c of parsed.comments) if (!inside(c)) throw new Error('comment range outside the text');
}

function exercise(text: string): void {
  for (const parsed of [parseLlvm(text), parse(text)]) {
    checkParsed(text, parsed, parsed.syntax === 'llvm');
    const out = assemble(parsed);
    for (const d of [...parsed.diagnostics, ...out.diagnostics]) {
      if (/internal/.test(d.message)) throw new Error(d.message);
    }
    for (const d of out.diagnostics) {
      if (d.range.start < 0 || d.range.end > text.length || d.range.start > d.range.end) {
        throw new Error(`assembler diagnostic range ${JSON.stringify(d.range)} outside the text: ${d.message}`);
      }
    }
  }
  format(text);
}

describe(`fuzzing (seed ${SEED})`, () => {
  it('survives random characters', () => {
    const rand = seeded(SEED);
    for (let k = 0; k < 300; k++) {
      const text = randomText(rand, Math.floor(rand() * 400));
      expect(() => exercise(text), JSON.stringify(text)).not.toThrow();
    }
  });

  it('survives random token soup', () => {
    const rand = seeded(SEED + 1);
    for (let k = 0; k < 600; k++) {
      const text = tokenSoup(rand, Math.floor(rand() * 60));
      expect(() => exercise(text), JSON.stringify(text)).not.toThrow();
    }
  });

  it('survives mutated valid programs, and formatting them is idempotent', () => {
    const rand = seeded(SEED + 2);
    const gen = new InsnGen(rand);
    for (let k = 0; k < 150; k++) {
      const base = ['.section xdp', '.map m type=hash key=4 value=4 max_entries=1', ...gen.program(30), '.data', 'd:', '.long 1, 2', '.asciz "x"'].join('\n');
      const text = mutate(rand, base, 1 + Math.floor(rand() * 8));
      expect(() => exercise(text), JSON.stringify(text)).not.toThrow();
      const once = format(text);
      expect(format(once), JSON.stringify(text)).toBe(once);
    }
  });

  it('survives random BTF and map sections', () => {
    const rand = seeded(SEED + 3);
    for (let k = 0; k < 200; k++) {
      const bytes = Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
      if (rand() < 0.7) bytes.splice(0, 4, 0x9f, 0xeb, 1, 0);
      const text = [
        '.section .BTF,"",@progbits', `.byte ${bytes.join(', ') || 0}`,
        '.section .maps,"aw",@progbits', 'm1:', '.zero 32', 'm2:', '.quad m1',
        '.section license,"aw",@progbits', '.asciz "GPL"', '.section xdp', 'r1 = m1 ll', 'exit',
      ].join('\n');
      expect(() => exercise(text), text).not.toThrow();
    }
  });

  it('stays fast on pathological input', () => {
    const long = [
      'r2 = ' + '('.repeat(5000) + '1' + ')'.repeat(5000),
      'r3 = ' + '-'.repeat(5000) + '1',
      '.long ' + '~('.repeat(3000) + '1',
      '('.repeat(20000),
      'r1 = ' + '1+'.repeat(20000) + '1',
      '/*'.repeat(5000),
      '"'.repeat(5000),
    ].join('\n');
    const t0 = performance.now();
    exercise(long);
    const errors = parseLlvm(long).diagnostics.map((d) => d.message);
    expect(errors).toContain('expression nested too deeply');
    expect(errors.join('\n')).not.toMatch(/internal/);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
