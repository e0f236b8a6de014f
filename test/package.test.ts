// package.json's contributions: settings match core/settings.ts, every referenced file exists,
// commands, menus, languages and the debugger agree with each other and with the client, and
// `npm run build` produces an extension bundle that loads.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../client/command-ids';
import { DEBUG_TYPE } from '../client/debug-config';
import { ASM_LANGUAGES, SERVED_LANGUAGES } from '../client/languages';
import { LAUNCH_ATTRIBUTES } from '../client/launch-attributes';
import { PROG_TYPES, SECTION_NAMES } from '../core/program-types';
import { SETTINGS } from '../core/settings';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');

interface Contributes {
  languages: { id: string; extensions?: string[]; filenamePatterns?: string[]; firstLine?: string; configuration: string }[];
  grammars: { language?: string; scopeName: string; path: string; injectTo?: string[]; embeddedLanguages?: Record<string, string> }[];
  snippets: { language: string; path: string }[];
  configuration: { title: string; properties: Record<string, Record<string, unknown>> };
  breakpoints: { language: string }[];
  debuggers: {
    type: string;
    languages: string[];
    configurationAttributes: { launch: { required: string[]; properties: Record<string, { type: unknown; enum?: string[] }> } };
    initialConfigurations: Record<string, unknown>[];
    configurationSnippets: { label: string; body: Record<string, unknown> }[];
  }[];
  commands: { command: string; title: string }[];
  menus: Record<string, { command: string; when?: string }[]>;
}
const pkg = JSON.parse(read('package.json')) as { main: string; activationEvents: string[]; categories: string[]; contributes: Contributes };
const c = pkg.contributes;
const languageIds = c.languages.map((l) => l.id);

describe('settings', () => {
  it('package.json declares exactly the settings of core/settings.ts, with their types, defaults and descriptions', () => {
    const declared = c.configuration.properties;
    expect(Object.keys(declared).sort()).toEqual(Object.keys(SETTINGS).sort());
    for (const [name, spec] of Object.entries(SETTINGS)) {
      const p = declared[name]!;
      expect(p.type, name).toBe(spec.type);
      expect(p.default, name).toEqual(spec.default);
      // Shown as Markdown, so `code` in the descriptions renders as code.
      expect(p.markdownDescription, name).toBe(spec.description);
      expect(p.enum, name).toEqual('enum' in spec ? [...spec.enum] : undefined);
      expect(typeof p.default, `${name}'s default has its declared type`).toBe(spec.type);
      if (p.enum) expect(p.enum, name).toContain(p.default);
    }
  });

  it('offers every program type the kernel has for bpfAsm.defaultProgramType', () => {
    expect([...(c.configuration.properties['bpfAsm.defaultProgramType']!.enum as string[])].sort()).toEqual(Object.keys(PROG_TYPES).sort());
  });
});

describe('files referenced by package.json', () => {
  it('exist: language configurations, grammars, snippets', () => {
    const paths = [...c.languages.map((l) => l.configuration), ...c.grammars.map((g) => g.path), ...c.snippets.map((s) => s.path)];
    for (const p of paths) expect(existsSync(join(ROOT, p)), p).toBe(true);
    for (const p of paths) expect(() => JSON.parse(read(p)), `${p} is JSON`).not.toThrow();
  });

  it('grammars carry the scope names package.json gives them, for declared languages', () => {
    for (const g of c.grammars) {
      const grammar = JSON.parse(read(g.path));
      expect(grammar.scopeName, g.path).toBe(g.scopeName);
      if (g.injectTo) expect(grammar.injectionSelector, g.path).toMatch(/text\.html\.markdown/);
      else expect(languageIds, g.path).toContain(g.language);
      // `c` is VS Code's own C language (the `-- c` section of conformance files).
      for (const language of Object.values(g.embeddedLanguages ?? {})) expect([...languageIds, 'c'], g.path).toContain(language);
    }
    expect(c.grammars.filter((g) => !g.injectTo).map((g) => g.language).sort()).toEqual([...languageIds].sort());
  });

  it('language configurations have valid regular expressions', () => {
    for (const l of c.languages) {
      const conf = JSON.parse(read(l.configuration)) as Record<string, unknown>;
      const word = new RegExp(conf.wordPattern as string);
      expect(word.source.length, l.id).toBeGreaterThan(0);
      const ind = conf.indentationRules as Record<string, string> | undefined;
      if (ind) for (const re of Object.values(ind)) expect(() => new RegExp(re), `${l.id}: ${re}`).not.toThrow();
    }
  });
});

describe('languages', () => {
  const lang = (id: string) => c.languages.find((l) => l.id === id)!;
  const firstLine = (id: string) => new RegExp(lang(id).firstLine!);

  it('declares the four languages and the file extensions of each', () => {
    expect(languageIds.sort()).toEqual(['bpf-asm', 'bpf-asm-mnemonic', 'bpf-conformance', 'bpf-verifier-log']);
    expect(lang('bpf-asm').extensions).toEqual(expect.arrayContaining(['.bpf.s', '.bpf.asm', '.ebpf', '.bpfasm']));
    expect(lang('bpf-verifier-log').extensions).toEqual(expect.arrayContaining(['.bpflog', '.verifier.log']));
    // Conformance .data files are claimed only inside a bpf_conformance checkout, not everywhere.
    for (const l of c.languages) expect(l.extensions ?? [], l.id).not.toContain('.data');
    expect(lang('bpf-conformance').filenamePatterns).toEqual(['**/bpf_conformance/tests/*.data']);
  });

  it('recognises files by their first line, without claiming other assembly', () => {
    expect(firstLine('bpf-asm').test('// bpf-asm')).toBe(true);
    expect(firstLine('bpf-asm').test('.section xdp')).toBe(true);
    expect(firstLine('bpf-asm').test('\t.section\tkprobe/sys_open,"ax",@progbits')).toBe(true);
    for (const section of SECTION_NAMES) {
      expect(firstLine('bpf-asm').test(`.section ${section}`), section).toBe(true);
      expect(firstLine('bpf-asm').test(`\t.section\t${section}/probe,"ax",@progbits`), section).toBe(true);
    }
    expect(firstLine('bpf-asm').test('.section xdpfoo')).toBe(false);
    expect(firstLine('bpf-asm').test('\t.section .text')).toBe(false);
    expect(firstLine('bpf-asm').test('\t.section .data')).toBe(false);
    expect(firstLine('bpf-asm').test('\t.section\t.rodata')).toBe(false);
    expect(firstLine('bpf-asm').test('# bpf-asm-mnemonic')).toBe(false);
    expect(firstLine('bpf-asm-mnemonic').test('# bpf-asm-mnemonic')).toBe(true);
    const log = firstLine('bpf-verifier-log');
    for (const f of ['accepted.verifier.log', 'rejected.verifier.log']) {
      expect(log.test(read(`test/fixtures/grammar/${f}`).split('\n')[0]!), f).toBe(true);
    }
    expect(log.test('func#0 @0')).toBe(true);
    expect(log.test('0: R1=ctx() R10=fp0')).toBe(true);
    expect(log.test('int main(void) {')).toBe(false);
  });

  it('word pattern and indentation rules fit eBPF assembly', () => {
    const conf = JSON.parse(read(lang('bpf-asm').configuration));
    const word = new RegExp(`^(?:${conf.wordPattern})$`);
    for (const w of ['r10', 'w3', '.LBB0_1', 'bpf_map_lookup_elem', 'my_map', '0x1f', '-8']) expect(word.test(w), w).toBe(true);
    expect(new RegExp(`^(?:${JSON.parse(read(lang('bpf-asm-mnemonic').configuration)).wordPattern})$`).test('%r1')).toBe(true);
    const indent = new RegExp(conf.indentationRules.increaseIndentPattern);
    expect(indent.test('count_packets:')).toBe(true);
    expect(indent.test('.LBB0_2:   // loop')).toBe(true);
    expect(indent.test('\tr0 = 1')).toBe(false);
    expect(indent.test('\tif r1 > r2 goto out')).toBe(false);
  });
});

describe('engine', () => {
  it('asks for a VS Code the bundled language client runs on', () => {
    const client = JSON.parse(read('node_modules/vscode-languageclient/package.json')) as { engines: { vscode: string } };
    const min = (range: string): number[] => range.replace(/^[^\d]*/, '').split('.').map(Number);
    const [a, b] = [min((pkg as unknown as { engines: { vscode: string } }).engines.vscode), min(client.engines.vscode)];
    expect(a[0]! * 1000 + a[1]!, `engines.vscode vs vscode-languageclient's ${client.engines.vscode}`).toBeGreaterThanOrEqual(b[0]! * 1000 + b[1]!);
  });
});

describe('commands and menus', () => {
  it('declares exactly the commands the client registers', () => {
    expect(c.commands.map((x) => x.command).sort()).toEqual(Object.values(COMMANDS).sort());
  });

  it('menus name only declared commands and languages', () => {
    const declared = new Set(c.commands.map((x) => x.command));
    for (const [menu, items] of Object.entries(c.menus)) {
      for (const item of items) {
        expect(declared.has(item.command), `${menu}: ${item.command}`).toBe(true);
        for (const m of (item.when ?? '').matchAll(/(?:editorLangId|resourceLangId) == ([\w-]+)/g)) {
          expect(languageIds, `${menu}: ${item.when}`).toContain(m[1]);
        }
      }
    }
  });

  it('activates on the assembly languages and the debugger', () => {
    for (const id of SERVED_LANGUAGES) expect(pkg.activationEvents).toContain(`onLanguage:${id}`);
    expect(pkg.activationEvents).toContain(`onDebugResolve:${DEBUG_TYPE}`);
    expect(pkg.categories).toEqual(expect.arrayContaining(['Programming Languages', 'Debuggers', 'Snippets']));
  });
});

describe('debugger contribution', () => {
  const d = c.debuggers.find((x) => x.type === DEBUG_TYPE)!;

  it('declares the launch attributes of client/launch-attributes.ts', () => {
    expect(d.configurationAttributes.launch.properties).toEqual(JSON.parse(JSON.stringify(LAUNCH_ATTRIBUTES)));
    expect(Object.keys(d.configurationAttributes.launch.properties).sort()).toEqual([
      'ctx', 'cwd', 'helpers', 'maps', 'maxInstructions', 'packet', 'packetFile', 'pcap', 'pcapIndex', 'program',
      'programType', 'section', 'stopOnEntry', 'verifyFirst',
    ]);
    expect(d.configurationAttributes.launch.properties.programType!.enum!.sort()).toEqual(Object.keys(PROG_TYPES).sort());
  });

  it('initial configurations and snippets have the required attributes and known attribute names', () => {
    const known = new Set(['type', 'request', 'name', ...Object.keys(d.configurationAttributes.launch.properties)]);
    for (const cfg of [...d.initialConfigurations, ...d.configurationSnippets.map((s) => s.body)]) {
      expect(cfg.type).toBe(DEBUG_TYPE);
      expect(cfg.request).toBe('launch');
      for (const r of d.configurationAttributes.launch.required) expect(cfg, r).toHaveProperty(r);
      for (const k of Object.keys(cfg)) expect(known.has(k), k).toBe(true);
    }
  });

  it('sets breakpoints in both assembly languages', () => {
    expect(c.breakpoints.map((b) => b.language).sort()).toEqual([...ASM_LANGUAGES].sort());
    expect([...d.languages].sort()).toEqual([...ASM_LANGUAGES].sort());
  });
});

describe('npm run build', () => {
  it('produces dist/extension.js with everything but vscode and Node built-ins bundled in', () => {
    const bundle = join(ROOT, pkg.main);
    // `npm test` builds first; rebuild only when the bundle is older than the client's sources,
    // so this test does not rewrite dist/ under other tests that run the CLI or the server.
    const newest = Math.max(...readdirSync(join(ROOT, 'client')).map((f) => statSync(join(ROOT, 'client', f)).mtimeMs));
    if (!existsSync(bundle) || statSync(bundle).mtimeMs < newest) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
    expect(existsSync(bundle)).toBe(true);
    // Everything but the editor API and Node's own modules must be bundled in.
    const text = readFileSync(bundle, 'utf8');
    const required = new Set([...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!));
    const external = [...required].filter((r) => r !== 'vscode' && !builtinModules.includes(r.replace(/^node:/, '')));
    expect(external).toEqual([]);
    expect(required.has('vscode')).toBe(true);
    expect(text).toMatch(/__export\(\w+, \{[^}]*\bactivate: \(\) => activate[^}]*\bdeactivate: \(\) => deactivate/);
  });
});

describe('client protocol', () => {
  it('names every custom request and notification bpfAsm/<name>', async () => {
    const protocol = await import('../client/protocol');
    const names = Object.entries(protocol).filter(([k]) => /_(REQUEST|NOTIFICATION)$/.test(k)).map(([, v]) => v as string);
    expect(names.sort()).toEqual(['bpfAsm/assemble', 'bpfAsm/convertSyntax', 'bpfAsm/disassemble', 'bpfAsm/run', 'bpfAsm/status', 'bpfAsm/verifierLog']);
  });
});

describe('problem matcher', () => {
  it('reads the CLI\'s error lines (file, line, column, severity, message)', () => {
    const matcher = (pkg.contributes as unknown as { problemMatchers: { name: string; pattern: { regexp: string } }[] }).problemMatchers
      .find((m) => m.name === 'bpf-asm')!;
    const re = new RegExp(matcher.pattern.regexp);
    const dir = mkdtempSync(join(tmpdir(), 'problem-matcher-'));
    try {
      const src = join(dir, 'bad.bpf.s');
      writeFileSync(src, '.section xdp\nf:\n\tr0 = 2\n\tr11 = 1\n\tgoto nowhere\n\texit\n');
      let stderr = '';
      try {
        execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'cli/main.ts'), 'assemble', src, '-o', join(dir, 'bad.o')], { cwd: ROOT, stdio: 'pipe' });
      } catch (e) {
        stderr = String((e as { stderr: Buffer }).stderr);
      }
      const found = stderr.split('\n').map((l) => re.exec(l)).filter((m) => m !== null);
      expect(found.map((m) => [m[1], m[2], m[3], m[4]])).toEqual([[src, '4', '2', 'error'], [src, '5', '7', 'error']]);
      expect(found[0]![5]).toMatch(/r11/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
