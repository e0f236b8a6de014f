// Real colour themes colour what the grammars scope: VS Code's default Dark+ and Light+ themes and
// eight popular ones (from the tm-themes package), applied to the grammars as the editor applies them.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { colorize, type ColorTheme } from './grammar-tokenizer';

const require = createRequire(import.meta.url);
const loadTheme = (name: string): ColorTheme => JSON.parse(readFileSync(require.resolve(`tm-themes/themes/${name}.json`), 'utf8'));
/** `#RRGGBB` without alpha, upper case. */
const rgb = (c: string): string => c.slice(0, 7).toUpperCase();

const LLVM = [
  '// a comment',
  '.section xdp',
  'count:',
  '\tr0 = *(u32 *)(r1 + 4)',
  '\tcall bpf_map_lookup_elem',
  '\tif r0 == 0 goto out',
  '\tlock *(u64 *)(r0 + 0) += r1',
  '\texit',
].join('\n');
const MNEMONIC = ['# a comment', 'ldxw %r0, [%r1+4]', 'jne %r0, 0x10, fail', 'exit'].join('\n');
const LOG = ['0: R1=ctx() R10=fp0', '0: (61) r2 = *(u32 *)(r1 +4)  ; R1=ctx() R2=pkt_end()', 'invalid access to packet, off=20 size=1',
  'processed 2 insns (limit 1000000)'].join('\n');

/** The colour of the first token whose text (trimmed) is `text`, or the default colour marker. */
async function colours(scope: string, source: string, theme: ColorTheme): Promise<(text: string) => string | undefined> {
  const { tokens, defaultColor } = await colorize(scope, source, theme);
  return (text) => {
    const t = tokens.find((x) => x.text.trim() === text);
    if (!t) throw new Error(`no token '${text}'`);
    return rgb(t.color) === rgb(defaultColor) ? undefined : rgb(t.color);
  };
}

describe('VS Code Dark+ and Light+ themes', () => {
  for (const name of ['dark-plus', 'light-plus']) {
    it(`${name} colours every kind of eBPF assembly token apart from plain text`, async () => {
      const theme = loadTheme(name);
      const llvm = await colours('source.bpf-asm', LLVM, theme);
      for (const token of ['// a comment', '.section', 'xdp', 'count', 'r0', 'u32', '4', 'call', 'bpf_map_lookup_elem', 'if', 'goto', 'lock', 'exit']) {
        expect(llvm(token), `${name}: '${token}'`).toBeDefined();
      }
      // Kinds that must not look alike.
      expect(llvm('// a comment')).not.toBe(llvm('r0'));
      expect(llvm('r0')).not.toBe(llvm('4'));
      expect(llvm('bpf_map_lookup_elem')).not.toBe(llvm('call'));
      expect(llvm('goto')).not.toBe(llvm('4'));

      const mnemonic = await colours('source.bpf-asm.mnemonic', MNEMONIC, theme);
      for (const token of ['# a comment', 'ldxw', '%r0', '0x10', 'exit']) expect(mnemonic(token), `${name}: '${token}'`).toBeDefined();

      const log = await colours('source.bpf-verifier-log', LOG, theme);
      for (const token of ['R1', 'ctx', '61', 'r2', 'u32', 'invalid access to packet, off=20 size=1', 'processed']) {
        expect(log(token), `${name}: '${token}'`).toBeDefined();
      }
      expect(log('invalid access to packet, off=20 size=1')).not.toBe(log('processed'));
    });
  }
});

describe('popular themes', () => {
  const THEMES = ['monokai', 'github-dark', 'github-light', 'one-dark-pro', 'dracula', 'solarized-dark', 'nord', 'min-light'];
  for (const name of THEMES) {
    it(`${name} colours comments, directives, mnemonics, keywords, types and numbers`, async () => {
      const theme = loadTheme(name);
      const llvm = await colours('source.bpf-asm', LLVM, theme);
      for (const token of ['// a comment', '.section', 'u32', '4', 'call', 'goto', 'exit']) expect(llvm(token), `${name}: '${token}'`).toBeDefined();
      const mnemonic = await colours('source.bpf-asm.mnemonic', MNEMONIC, theme);
      for (const token of ['# a comment', 'ldxw', '0x10']) expect(mnemonic(token), `${name}: '${token}'`).toBeDefined();
      expect(llvm('// a comment')).not.toBe(llvm('u32'));
    });
  }
});
