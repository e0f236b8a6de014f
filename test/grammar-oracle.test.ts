// The grammars against text other tools wrote: every bpf_conformance program, llvm-objdump-19's
// listing of every LLVM instruction form (assembled by llvm-mc-19), and the running kernel's
// verifier logs. Each code character must get a real scope, each register a register scope.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MNEMONICS } from '../core/asm/mnemonic-table';
import { kernelBpfAvailable, lastLogLine, loadProgram } from '../core/kernel';
import { tokenize, type Token } from './grammar-tokenizer';
import { CONFORMANCE_DIR } from './conformance-dir';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONFORMANCE = CONFORMANCE_DIR;

function hasTool(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const haveLlvm = hasTool('llvm-mc-19') && hasTool('llvm-objdump-19') && hasTool('llvm-objcopy-19');
if (!haveLlvm) console.warn('grammar-oracle: llvm-mc-19 / llvm-objdump-19 / llvm-objcopy-19 missing; LLVM listing tests skipped');
const haveConformance = existsSync(CONFORMANCE);
if (!haveConformance) console.warn(`grammar-oracle: ${CONFORMANCE} missing; conformance tests skipped`);
const kernel = kernelBpfAvailable();
if (!kernel.ok) console.warn(`grammar-oracle: bpf() unavailable (${kernel.reason}); verifier log tests skipped`);

const work = mkdtempSync(join(tmpdir(), 'grammar-oracle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A scope that says what a token is (not just the file's or a statement's scope). */
const isLeafScope = (s: string): boolean => !s.startsWith('source.') && !s.startsWith('meta.');

/** Characters of `line` (within [from, to)) that are not white space and have no leaf scope. */
function unscoped(tokens: Token[], lineText: string, from = 0, to = lineText.length): string[] {
  const lineStart = tokens[0]?.start ?? 0;
  const bad: string[] = [];
  for (const t of tokens) {
    const a = Math.max(t.start - lineStart, from);
    const b = Math.min(t.end - lineStart, to);
    if (a >= b || !lineText.slice(a, b).trim()) continue;
    if (!t.scopes.some(isLeafScope)) bad.push(`'${lineText.slice(a, b)}' in '${lineText}'`);
  }
  return bad;
}

/** Scopes of the token starting at column `col` of a line. */
function scopesAtColumn(tokens: Token[], col: number): string[] {
  const lineStart = tokens[0]?.start ?? 0;
  return tokens.find((t) => t.start - lineStart <= col && col < t.end - lineStart)?.scopes ?? [];
}

const REGISTER = /(?<![\w.$])%?[rw](?:10|[0-9])\b/g;

function checkRegisters(tokens: Token[], codeText: string, lineText: string, scope = 'variable.language.register.bpf'): string[] {
  const bad: string[] = [];
  for (const m of codeText.matchAll(REGISTER)) {
    const col = m.index + (m[0].startsWith('%') ? 1 : 0);
    if (!scopesAtColumn(tokens, col).includes(scope)) bad.push(`'${m[0]}' in '${lineText}'`);
  }
  return bad;
}

describe('conformance and mnemonic grammars on the bpf_conformance suite', () => {
  const files = haveConformance ? readdirSync(CONFORMANCE).filter((f) => f.endsWith('.data')) : [];

  for (const scope of ['source.bpf-conformance', 'source.bpf-asm']) {
    it.skipIf(!haveConformance)(`scopes every mnemonic, register and comment of every program (${scope})`, async () => {
      let checked = 0;
      const problems: string[] = [];
      for (const file of files) {
        const text = readFileSync(join(CONFORMANCE, file), 'utf8');
        const t = await tokenize(scope, text);
        let inAsm = false;
        text.split('\n').forEach((line, i) => {
          const tokens = t.lines[i]!;
          if (/^--\s/.test(line)) {
            inAsm = /^--\s+asm\s*$/.test(line);
            return;
          }
          if (!inAsm || !line.trim()) return;
          const hash = line.indexOf('#');
          const code = hash < 0 ? line : line.slice(0, hash);
          if (hash >= 0 && !scopesAtColumn(tokens, hash).includes('comment.line.number-sign.bpf')) {
            problems.push(`${file}: comment not scoped in '${line}'`);
          }
          if (!code.trim()) return;
          checked++;
          const first = /^\s*([\w.]+)(:)?/.exec(code)!;
          const firstScopes = scopesAtColumn(tokens, first.index + first[0].indexOf(first[1]!));
          const ok = first[2]
            ? firstScopes.some((s) => s.startsWith('entity.name.'))
            : firstScopes.some((s) => s === 'keyword.other.mnemonic.bpf' || s.startsWith('keyword.control.'));
          if (!ok) problems.push(`${file}: first word of '${line}' has ${firstScopes.join(' ')}`);
          problems.push(...unscoped(tokens, line, 0, code.length).map((p) => `${file}: unscoped ${p}`));
          problems.push(...checkRegisters(tokens, code, line).map((p) => `${file}: register ${p}`));
        });
      }
      expect(problems.slice(0, 20)).toEqual([]);
      expect(checked).toBeGreaterThan(2500);
    });
  }

  it('knows every mnemonic the mnemonic parser knows', async () => {
    const names = [...MNEMONICS.keys()].filter((n) => n !== 'lock');
    const lines = names.map((n) => `${n} %r1, %r2`);
    lines.push('lock add [%r1+0], %r2', 'lock fetch xor32 [%r1+4], %r2', 'lock cmpxchg [%r1+0], %r2');
    const t = await tokenize('source.bpf-asm.mnemonic', lines.join('\n'));
    const bad = lines.filter((line, i) => {
      const s = scopesAtColumn(t.lines[i]!, 0);
      return !(s.includes('keyword.other.mnemonic.bpf') || s.some((x) => x.startsWith('keyword.control.')));
    });
    expect(bad).toEqual([]);
  });
});

/** Every LLVM-syntax instruction form, as llvm-mc-19 reads it. */
function llvmForms(): string[] {
  const ops = ['+=', '-=', '*=', '/=', '%=', 's/=', 's%=', '|=', '&=', '^=', '<<=', '>>=', 's>>=', '='];
  const forms: string[] = [];
  for (const r of ['r', 'w']) {
    for (const op of ops) forms.push(`${r}1 ${op} ${r}2`, `${r}1 ${op} -7`);
    forms.push(`${r}1 = -${r}1`, `${r}1 = (s8)${r}2`, `${r}1 = (s16)${r}2`);
  }
  forms.push('r1 = (s32)r2', 'r1 = 0x123456789 ll', 'r1 = my_map ll');
  for (const bits of [16, 32, 64]) forms.push(`r1 = be${bits} r1`, `r1 = le${bits} r1`, `r1 = bswap${bits} r1`);
  for (const size of ['u8', 'u16', 'u32', 'u64']) {
    forms.push(`r1 = *(${size} *)(r2 + 8)`, `*(${size} *)(r10 - 8) = r3`, `*(${size} *)(r10 - 16) = 7`);
  }
  for (const size of ['u8', 'u16', 'u32']) forms.push(`w1 = *(${size} *)(r2 - 4)`, `*(${size} *)(r10 - 8) = w3`);
  forms.push('r1 = *(s8 *)(r2 + 1)', 'r1 = *(s16 *)(r2 + 2)', 'r1 = *(s32 *)(r2 + 4)');
  for (const op of ['add', 'and', 'or', 'xor']) {
    const sym = { add: '+=', and: '&=', or: '|=', xor: '^=' }[op];
    forms.push(`lock *(u64 *)(r1 + 0) ${sym} r2`, `lock *(u32 *)(r1 + 4) ${sym} w2`);
    forms.push(`r2 = atomic_fetch_${op}((u64 *)(r1 + 0), r2)`, `w2 = atomic_fetch_${op}((u32 *)(r1 + 0), w2)`);
  }
  forms.push('r2 = xchg_64(r1 + 0, r2)', 'w2 = xchg32_32(r1 + 0, w2)', 'r0 = cmpxchg_64(r1 + 0, r0, r2)',
    'w0 = cmpxchg32_32(r1 + 0, w0, w2)');
  forms.push('r0 = *(u8 *)skb[3]', 'r0 = *(u16 *)skb[r1]', 'r0 = *(u32 *)skb[8]');
  for (const cmp of ['==', '!=', '>', '>=', '<', '<=', 's>', 's>=', 's<', 's<=', '&']) {
    forms.push(`if r1 ${cmp} r2 goto +1`, `if r1 ${cmp} -3 goto +1`, `if w1 ${cmp} w2 goto +1`, `if w1 ${cmp} 9 goto +1`);
  }
  forms.push('goto +1', 'gotol +1', 'may_goto +1', 'call 1', 'call bpf_map_lookup_elem', 'callx r3', 'exit');
  return forms;
}

describe('bpf-asm grammar on llvm-objdump-19 listings', () => {
  it.skipIf(!haveLlvm)('scopes every character and register of every instruction form, as written and as listed', async () => {
    const source = ['.text', 'f:', ...llvmForms().map((f) => `\t${f}`)].join('\n') + '\n';
    writeFileSync(join(work, 'forms.s'), source);
    execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', join(work, 'forms.s'), '-o', join(work, 'forms.o')]);
    const listing = execFileSync('llvm-objdump-19', ['-d', '--mcpu=v4', '--no-show-raw-insn', '--no-leading-addr', join(work, 'forms.o')], { encoding: 'utf8' });
    // Keep the instruction lines; drop llvm-objdump's `<f+0x10>` target notes, which are not source.
    const listed = listing.split('\n').filter((l) => l.startsWith('\t')).map((l) => l.replace(/\s+<[\w.$+-]+>\s*$/, ''));
    expect(listed.filter((l) => l.includes('<unknown>'))).toEqual([]);
    expect(listed.length).toBe(llvmForms().length);
    for (const text of [source, listed.join('\n')]) {
      const t = await tokenize('source.bpf-asm', text);
      const problems: string[] = [];
      text.split('\n').forEach((line, i) => {
        if (!line.startsWith('\t')) return;
        problems.push(...unscoped(t.lines[i]!, line));
        problems.push(...checkRegisters(t.lines[i]!, line, line));
      });
      expect(problems).toEqual([]);
    }
  });

  it.skipIf(!haveLlvm)('scopes clang-19 -S output: labels, directives, instructions', async () => {
    const c = join(ROOT, 'test/fixtures/grammar/clang-19.c');
    const out = join(work, 'clang.s');
    execFileSync('clang-19', ['-I/usr/include/x86_64-linux-gnu', '-O2', '-g', '-target', 'bpf', '-mcpu=v4', '-S', c, '-o', out]);
    const text = readFileSync(out, 'utf8');
    const t = await tokenize('source.bpf-asm', text);
    const problems: string[] = [];
    let labels = 0;
    let directives = 0;
    text.split('\n').forEach((line, i) => {
      const tokens = t.lines[i]!;
      const hash = line.search(/#|\/\//);
      const code = hash < 0 ? line : line.slice(0, hash);
      if (!code.trim()) return;
      const label = /^([\w.$]+):/.exec(code);
      const directive = /^\s*(\.\w[\w.]*)\b(?!:)/.exec(code);
      if (label) {
        labels++;
        if (!scopesAtColumn(tokens, 0).some((s) => s.startsWith('entity.name.'))) problems.push(`label '${line}'`);
      } else if (directive) {
        directives++;
        const col = code.indexOf(directive[1]!);
        if (!scopesAtColumn(tokens, col).includes('keyword.control.directive.bpf')) problems.push(`directive '${line}'`);
      } else {
        problems.push(...unscoped(tokens, line, 0, code.length));
        problems.push(...checkRegisters(tokens, code, line));
      }
    });
    expect(problems).toEqual([]);
    expect(labels).toBeGreaterThan(3);
    expect(directives).toBeGreaterThan(20);
  });
});

/** Assembles LLVM-syntax text with llvm-mc-19 and returns the .text bytes. */
function assembleWithLlvm(name: string, body: string): Uint8Array {
  const s = join(work, `${name}.s`);
  writeFileSync(s, `.text\n${body}\n`);
  execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v3', '-filetype=obj', s, '-o', join(work, `${name}.o`)]);
  execFileSync('llvm-objcopy-19', ['-O', 'binary', '--only-section=.text', join(work, `${name}.o`), join(work, `${name}.bin`)]);
  return new Uint8Array(readFileSync(join(work, `${name}.bin`)));
}

describe('bpf-verifier-log grammar on logs from the running kernel', () => {
  const ready = haveLlvm && kernel.ok;

  async function checkLog(log: string): Promise<{ problems: string[]; insnLines: number; stateRegs: number }> {
    const t = await tokenize('source.bpf-verifier-log', log);
    const problems: string[] = [];
    let insnLines = 0;
    let stateRegs = 0;
    log.split('\n').forEach((line, i) => {
      const tokens = t.lines[i]!;
      const insn = /^(\d+): \(([0-9a-f]{2})\) ([^;]*)/.exec(line);
      if (insn) {
        insnLines++;
        if (!scopesAtColumn(tokens, 0).includes('constant.numeric.instruction-index.bpf-verifier-log')) problems.push(`index '${line}'`);
        if (!scopesAtColumn(tokens, line.indexOf('(') + 1).includes('constant.numeric.opcode.bpf-verifier-log')) problems.push(`opcode '${line}'`);
        const start = line.indexOf(')') + 2;
        problems.push(...unscoped(tokens, line, start, start + insn[3]!.trimEnd().length));
        problems.push(...checkRegisters(tokens, ' '.repeat(start) + insn[3]!, line));
      }
      const semi = insn ? line.indexOf(';') : /^(?:\d+: )?R\d/.test(line) ? 0 : -1;
      if (semi >= 0) {
        for (const m of line.slice(semi).matchAll(/\bR\d+(?:_\w+)?(?==)/g)) {
          stateRegs++;
          if (!scopesAtColumn(tokens, semi + m.index).includes('variable.language.register.bpf-verifier-log')) problems.push(`state '${m[0]}' in '${line}'`);
        }
      }
    });
    return { problems, insnLines, stateRegs };
  }

  it.skipIf(!ready)('scopes an accepted program\'s log (log level 2: every state)', async () => {
    const insns = assembleWithLlvm('ok', [
      'r6 = r1', 'r2 = *(u32 *)(r6 + 4)', 'r1 = *(u32 *)(r6 + 0)', 'r3 = r1', 'r3 += 14', 'r0 = 1',
      'if r3 > r2 goto +3', 'r4 = *(u8 *)(r1 + 12)', '*(u64 *)(r10 - 8) = r4', 'r0 = 2', 'exit',
    ].join('\n'));
    const load = loadProgram({ insns, progType: 'xdp', logLevel: 2 });
    expect(load.errno, load.error).toBe(0);
    const r = await checkLog(load.log);
    expect(r.problems).toEqual([]);
    expect(r.insnLines).toBeGreaterThanOrEqual(11);
    expect(r.stateRegs).toBeGreaterThan(10);
  });

  const REJECTED: [name: string, progType: 'xdp' | 'socket_filter' | 'cgroup_skb', body: string, license?: string][] = [
    ['uninitialised register', 'xdp', 'r0 = r5\nexit'],
    ['no exit', 'xdp', 'r0 = 1'],
    ['scalar dereference', 'xdp', 'r1 = 5\nr0 = *(u32 *)(r1 + 0)\nexit'],
    ['stack out of bounds', 'xdp', 'r0 = *(u64 *)(r10 + 8)\nexit'],
    ['helper argument type', 'xdp', 'r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = 0 ll\ncall 1\nr0 = 0\nexit'],
    ['context write', 'xdp', 'r2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit'],
    ['jump out of range', 'xdp', 'goto +5\nr0 = 0\nexit'],
    ['unreachable code', 'xdp', 'r0 = 0\nexit\nr0 = 1\nexit'],
    ['unknown helper', 'xdp', 'call 9999\nr0 = 0\nexit'],
    ['GPL-only helper', 'socket_filter', 'call 6\nr0 = 0\nexit', 'Proprietary'],
    ['frame pointer write', 'xdp', 'r10 = 0\nr0 = 0\nexit'],
    ['return value range', 'cgroup_skb', 'r0 = 7\nexit'],
  ];

  it.skipIf(!ready)('marks the kernel\'s reason as an error line for a dozen kinds of rejection', async () => {
    const unmarked: string[] = [];
    for (const [name, progType, body, license] of REJECTED) {
      const load = loadProgram({ insns: assembleWithLlvm(name.replace(/\W+/g, '-'), body), progType, logLevel: 1, license: license ?? 'GPL' });
      expect(load.errno, name).not.toBe(0);
      const reason = lastLogLine(load.log)!;
      const t = await tokenize('source.bpf-verifier-log', load.log);
      const token = t.at(reason);
      if (!(token.text.trim() === reason && token.scopes.includes('invalid.illegal.error.bpf-verifier-log'))) unmarked.push(`${name}: ${reason}`);
    }
    expect(unmarked).toEqual([]);
  });

  it.skipIf(!ready)('scopes a rejected program\'s log and marks its error line', async () => {
    const insns = assembleWithLlvm('bad', ['r1 = *(u32 *)(r1 + 0)', 'r0 = *(u8 *)(r1 + 20)', 'exit'].join('\n'));
    const load = loadProgram({ insns, progType: 'xdp', logLevel: 1 });
    expect(load.errno).not.toBe(0);
    const r = await checkLog(load.log);
    expect(r.problems).toEqual([]);
    const t = await tokenize('source.bpf-verifier-log', load.log);
    const errorLine = load.log.split('\n').find((l) => l.startsWith('invalid access to packet'));
    expect(errorLine).toBeDefined();
    expect(t.at(errorLine!).scopes).toContain('invalid.illegal.error.bpf-verifier-log');
  });
});
