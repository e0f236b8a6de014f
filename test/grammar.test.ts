// The TextMate grammars give each construct the scope themes colour: checked token by token on
// the fixtures in test/fixtures/grammar/, with the grammars loaded as VS Code loads them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { GRAMMARS, grammarText } from '../syntaxes/generate.mjs';
import { tokenize, type Tokenized } from './grammar-tokenizer';
import { assembleText } from '../core/asm';
import { writeObject } from '../core/elf';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CAN_BPFTOOL = process.getuid?.() === 0 && spawnSync('bpftool', ['version']).status === 0;
if (!CAN_BPFTOOL) console.warn("skipping the check of bpftool's live output: bpftool is missing or we are not root");
const fixture = (name: string): string => readFileSync(join(ROOT, 'test/fixtures/grammar', name), 'utf8');

/** [text of the token, a scope it must have, which occurrence (default 0), search after this text] */
type Expectation = [needle: string, scope: string, nth?: number, after?: string];

function expectTokens(t: Tokenized, rows: Expectation[]): void {
  for (const [needle, scope, nth, after] of rows) {
    const token = t.at(needle, nth, after);
    const where = `'${needle}'${nth ? ` #${nth}` : ''}${after ? ` after '${after}'` : ''}`;
    expect(token.text, `token boundaries of ${where}`).toBe(needle);
    expect(token.scopes, `scopes of ${where}`).toContain(scope);
  }
}

describe('generated grammar files', () => {
  it('match syntaxes/generate.mjs (run `node syntaxes/generate.mjs` after editing it)', () => {
    for (const [file, build] of Object.entries(GRAMMARS)) {
      expect(readFileSync(join(ROOT, 'syntaxes', file), 'utf8'), file).toBe(grammarText(build));
    }
  });
});

describe('bpf-asm grammar: LLVM syntax', () => {
  let t: Tokenized;
  beforeAll(async () => {
    t = await tokenize('source.bpf-asm', fixture('llvm-syntax.bpf.s'));
  });

  it('scopes comments of all three kinds', () => {
    expect(t.scopesOf('// bpf-asm: every construct')).toContain('comment.line.double-slash.bpf');
    expect(t.scopesOf('# a hash comment')).toContain('comment.line.number-sign.bpf');
    expect(t.scopesOf('comment over two lines')).toContain('comment.block.bpf');
    expect(t.scopesOf('// XDP_ABORTED')).toContain('comment.line.double-slash.bpf');
  });

  it('scopes registers, sized memory types and operators in loads, stores and ALU', () => {
    expectTokens(t, [
      ['r0', 'variable.language.register.bpf', 0, 'count_packets:'],
      ['=', 'keyword.operator.assignment.bpf', 0, 'count_packets:'],
      ['*', 'keyword.operator.dereference.bpf', 0, 'count_packets:'],
      ['u32', 'storage.type.bpf'],
      ['r1', 'variable.language.register.bpf', 0, 'u32'],
      ['+', 'keyword.operator.arithmetic.bpf', 0, 'u32'],
      ['4', 'constant.numeric.decimal.bpf', 0, 'r1 + '],
      ['w1', 'variable.language.register.bpf'],
      ['+=', 'keyword.operator.assignment.compound.bpf'],
      ['u16', 'storage.type.bpf'],
      ['r10', 'variable.language.register.bpf'],
      ['w7', 'variable.language.register.bpf'],
      ['s16', 'storage.type.bpf'],
      ['be16', 'keyword.other.byteswap.bpf'],
      ['s>>=', 'keyword.operator.assignment.compound.bpf'],
      ['s/=', 'keyword.operator.assignment.compound.bpf'],
      ['-2', 'constant.numeric.decimal.bpf'],
      ['skb', 'variable.language.skb.bpf'],
    ]);
  });

  it('scopes conditional jumps and their labels', () => {
    expectTokens(t, [
      ['if', 'keyword.control.conditional.bpf'],
      ['s>', 'keyword.operator.comparison.bpf'],
      ['goto', 'keyword.control.jump.bpf'],
      ['.LBB0_2', 'entity.name.label.bpf', 0, 'goto'],
      ['&', 'keyword.operator.bitwise.bpf', 0, 'w4'],
      ['0xff', 'constant.numeric.hex.bpf'],
      ['+3', 'constant.numeric.decimal.bpf'],
      ['gotol', 'keyword.control.jump.bpf'],
      ['.LBB0_2', 'entity.name.label.bpf', 0, 'gotol'],
    ]);
  });

  it('scopes atomics', () => {
    expectTokens(t, [
      ['lock', 'keyword.other.lock.bpf', 0, 'count_packets:'],
      ['u64', 'storage.type.bpf', 0, 'lock'],
      ['atomic_fetch_add', 'keyword.other.atomic.bpf'],
      ['u64', 'storage.type.bpf', 0, 'atomic_fetch_add'],
      ['cmpxchg32_32', 'keyword.other.atomic.bpf'],
      ['w5', 'variable.language.register.bpf'],
    ]);
  });

  it('scopes calls: helpers by name, helper ids, local functions, callx', () => {
    expectTokens(t, [
      ['call', 'keyword.control.call.bpf'],
      ['bpf_map_lookup_elem', 'support.function.helper.bpf'],
      ['5', 'constant.numeric.decimal.bpf', 0, 'call 5'],
      ['local_function', 'entity.name.function.bpf'],
      ['callx', 'keyword.control.call.bpf'],
      ['r3', 'variable.language.register.bpf', 0, 'callx'],
      ['exit', 'keyword.control.exit.bpf'],
    ]);
  });

  it('scopes 64-bit immediates: map references and `ll`', () => {
    expectTokens(t, [
      ['my_map', 'variable.other.map.bpf'],
      ['ll', 'storage.modifier.ll.bpf', 0, 'my_map'],
      ['0x123456789', 'constant.numeric.hex.bpf'],
      ['ll', 'storage.modifier.ll.bpf', 0, '0x123456789'],
    ]);
  });

  it('scopes labels and directives, including .map and .section arguments', () => {
    expectTokens(t, [
      ['count_packets', 'entity.name.function.bpf', 0, '\ncount_packets'],
      ['.LBB0_2', 'entity.name.label.bpf', 0, '\n.LBB0_2:'],
      ['.Lfunc_end0', 'entity.name.label.bpf'],
      ['LICENSE', 'entity.name.function.bpf'],
      ['.map', 'keyword.control.directive.bpf'],
      ['counters', 'entity.name.variable.map.bpf'],
      ['type', 'variable.parameter.attribute.bpf'],
      ['array', 'support.type.map-type.bpf'],
      ['max_entries', 'variable.parameter.attribute.bpf'],
      ['1', 'constant.numeric.decimal.bpf', 0, 'max_entries='],
      ['hash', 'support.type.map-type.bpf', 0, 'inner_map'],
      ['flags', 'variable.parameter.attribute.bpf'],
      ['.section', 'keyword.control.directive.bpf'],
      ['xdp', 'entity.name.namespace.section.bpf', 0, '.section'],
      ['license', 'entity.name.namespace.section.bpf', 0, '.section\tlicense'],
      ['@progbits', 'constant.language.section-type.bpf'],
      ['.globl', 'keyword.control.directive.bpf'],
      ['.size', 'keyword.control.directive.bpf'],
      ['.asciz', 'keyword.control.directive.bpf'],
      ['\\n', 'constant.character.escape.bpf'],
    ]);
    expect(t.scopesOf('"GPL\\n"')).toContain('string.quoted.double.bpf');
  });
});

describe('bpf-asm grammar on clang-19 -S output', () => {
  it('scopes the compiler\'s labels, directives, comments and instructions', async () => {
    const t = await tokenize('source.bpf-asm', fixture('clang-19.bpf.s'));
    expectTokens(t, [
      ['count', 'entity.name.function.bpf', 0, '\ncount:'],
      ['LBB0_3', 'entity.name.label.bpf', 0, 'goto'],
      ['LBB0_3', 'entity.name.label.bpf', 0, '\nLBB0_3:'],
      ['.Lfunc_end0', 'entity.name.label.bpf'],
      ['.p2align', 'keyword.control.directive.bpf'],
      ['@function', 'constant.language.symbol-type.bpf'],
      ['counters', 'variable.other.map.bpf', 0, 'r1 = '],
      ['sub', 'entity.name.function.bpf', 0, 'call '],
      ['.addrsig_sym', 'keyword.control.directive.bpf'],
    ]);
    expect(t.scopesOf('# %bb.0:')).toContain('comment.line.number-sign.bpf');
    expect(t.scopesOf('# -- Begin function count')).toContain('comment.line.number-sign.bpf');
  });
});

describe('bpf-asm and bpf-asm-mnemonic grammars: mnemonic syntax', () => {
  const rows: Expectation[] = [
    ['ldxw', 'keyword.other.mnemonic.bpf'],
    ['%', 'punctuation.definition.variable.bpf'],
    ['r0', 'variable.language.register.bpf', 0, 'ldxw'],
    ['[', 'punctuation.section.brackets.begin.bpf'],
    ['r1', 'variable.language.register.bpf', 0, '[%'],
    ['+', 'keyword.operator.arithmetic.bpf', 0, '[%r1'],
    ['4', 'constant.numeric.decimal.bpf', 0, '[%r1+'],
    [']', 'punctuation.section.brackets.end.bpf'],
    ['lock', 'keyword.other.mnemonic.bpf'],
    ['fetch', 'keyword.other.mnemonic.bpf'],
    ['add', 'keyword.other.mnemonic.bpf', 0, 'fetch'],
    ['-', 'keyword.operator.arithmetic.bpf', 0, '[%r10'],
    ['8', 'constant.numeric.decimal.bpf', 0, '[%r10-'],
    ['xchg32', 'keyword.other.mnemonic.bpf'],
    ['jgt', 'keyword.other.mnemonic.bpf'],
    ['r1', 'variable.language.register.bpf', 0, 'jgt'],
    ['r2', 'variable.language.register.bpf', 0, 'jgt'],
    ['+3', 'constant.numeric.decimal.bpf'],
    ['jne', 'keyword.other.mnemonic.bpf'],
    ['0x10', 'constant.numeric.hex.bpf'],
    ['fail', 'entity.name.label.bpf'],
    ['lddw', 'keyword.other.mnemonic.bpf'],
    ['0x123456789abcdef0', 'constant.numeric.hex.bpf'],
    ['map_fd', 'storage.modifier.pseudo.bpf'],
    ['counters', 'variable.other.map.bpf'],
    ['call', 'keyword.control.call.bpf'],
    ['local', 'storage.modifier.call-kind.bpf'],
    ['helper_fn', 'entity.name.function.bpf'],
    ['bpf_ktime_get_ns', 'support.function.helper.bpf'],
    ['5', 'constant.numeric.decimal.bpf', 0, 'call 5'],
    ['r2', 'variable.language.register.bpf', 0, 'call %'],
    ['movsx1632', 'keyword.other.mnemonic.bpf'],
    ['be16', 'keyword.other.mnemonic.bpf'],
    ['stxdw', 'keyword.other.mnemonic.bpf'],
    ['fail', 'entity.name.function.bpf', 0, '\nfail:'],
    ['mov32', 'keyword.other.mnemonic.bpf'],
    ['-1', 'constant.numeric.decimal.bpf'],
    ['exit', 'keyword.control.exit.bpf'],
    ['helper_fn', 'entity.name.function.bpf', 0, '\nhelper_fn:'],
    ['mov', 'keyword.other.mnemonic.bpf', 0, 'helper_fn:'],
    ['7', 'constant.numeric.decimal.bpf', 0, 'helper_fn:'],
  ];
  for (const scope of ['source.bpf-asm', 'source.bpf-asm.mnemonic']) {
    it(`scopes each construct (${scope})`, async () => {
      const t = await tokenize(scope, fixture('mnemonic.bpf.mnemonic'));
      expectTokens(t, rows);
      expect(t.scopesOf('# bpf-asm-mnemonic')).toContain('comment.line.number-sign.bpf');
    });
  }

  it('scopes the sections of a bpf_conformance .data file', async () => {
    const text = ['# comment', '-- asm', 'mov %r0, 1', 'exit', '-- mem', '00 01 ff', '-- result', '0x1', '-- no register offset', ''].join('\n');
    const t = await tokenize('source.bpf-conformance', text);
    expectTokens(t, [
      ['asm', 'entity.name.section.conformance.bpf'],
      ['mov', 'keyword.other.mnemonic.bpf'],
      ['mem', 'entity.name.section.conformance.bpf'],
      ['ff', 'constant.numeric.hex.bpf'],
      ['result', 'entity.name.section.conformance.bpf'],
      ['0x1', 'constant.numeric.hex.bpf'],
      ['no register offset', 'entity.name.section.conformance.bpf'],
    ]);
    expect(t.at('ff').scopes).toContain('meta.section.data.conformance.bpf');
    expect(t.at('mov').scopes).toContain('meta.embedded.block.bpf-asm-mnemonic');
    expect(t.at('# comment').scopes).toContain('comment.line.number-sign.bpf');
  });
});

describe('bpf-verifier-log grammar', () => {
  it('scopes instruction lines, register states, branches and the summary of a kernel log', async () => {
    const t = await tokenize('source.bpf-verifier-log', fixture('accepted.verifier.log'));
    expectTokens(t, [
      ['-- BEGIN PROG LOAD LOG --', 'markup.heading.bpf-verifier-log'],
      ['func', 'entity.name.function.bpf-verifier-log'],
      ['Live regs before insn:', 'keyword.other.summary.bpf-verifier-log'],
      ['.1....6...', 'constant.other.live-registers.bpf-verifier-log'],
      // `0: R1=ctx() R10=fp0`
      ['0', 'constant.numeric.instruction-index.bpf-verifier-log', 0, '\n0: R1'],
      ['R1', 'variable.language.register.bpf-verifier-log', 0, '\n0: R1'],
      ['ctx', 'support.type.register-type.bpf-verifier-log', 0, '\n0: R1'],
      ['fp0', 'support.type.register-type.bpf-verifier-log', 0, '\n0: R1'],
      // `5: (18) r1 = 0xffff8881025c9800       ; R1=map_ptr(map=counters,ks=4,vs=8)`
      ['18', 'constant.numeric.opcode.bpf-verifier-log', 0, '\n5: ('],
      ['r1', 'variable.language.register.bpf', 0, '\n5: ('],
      [';', 'punctuation.separator.state.bpf-verifier-log', 0, '\n5: ('],
      ['map_ptr', 'support.type.register-type.bpf-verifier-log'],
      ['counters', 'variable.other.map.bpf-verifier-log', 0, 'map_ptr'],
      ['ks', 'variable.parameter.bpf-verifier-log', 0, 'map_ptr'],
      ['call', 'keyword.control.call.bpf', 0, '\n7: ('],
      ['bpf_map_lookup_elem', 'support.function.helper.bpf', 0, '\n7: ('],
      ['pc', 'variable.language.pc.bpf', 0, '\n8: ('],
      ['atomic64_fetch_add', 'keyword.other.atomic.bpf', 0, '\n12: ('],
      ['fp-8', 'variable.language.stack-slot.bpf-verifier-log'],
      ['0000????', 'string.unquoted.stack-slot-types.bpf-verifier-log'],
      ['frame1', 'keyword.other.frame.bpf-verifier-log'],
      ['from', 'keyword.control.flow.bpf-verifier-log', 0, 'to caller at'],
      ['29', 'constant.numeric.instruction-index.bpf-verifier-log', 0, 'from '],
      ['processed', 'keyword.other.summary.bpf-verifier-log'],
      ['31', 'constant.numeric.decimal.bpf-verifier-log', 0, 'processed'],
      ['1000000', 'constant.numeric.decimal.bpf-verifier-log'],
      ['verification time', 'keyword.other.summary.bpf-verifier-log'],
      ['prog.c', 'string.unquoted.filename.bpf-verifier-log'],
    ]);
    expect(t.scopesOf('mark_precise: frame0')).toContain('comment.line.precision.bpf-verifier-log');
    const info = await tokenize('source.bpf-verifier-log', "Validating f() func#1...\nFunc#1 ('f') is global and assumed valid.\n");
    expect(info.at('Validating').scopes).toContain('comment.line.precision.bpf-verifier-log');
    expect(info.at('Func#1').scopes).toContain('comment.line.precision.bpf-verifier-log');
    expect(t.scopesOf('; if (v) __sync_fetch_and_add(v, 1);')).toContain('comment.line.source.bpf-verifier-log');
  });

  it('marks the error lines of a rejected program', async () => {
    const t = await tokenize('source.bpf-verifier-log', fixture('rejected.verifier.log'));
    for (const line of ['invalid access to packet, off=20 size=1, R1(id=0,off=20,r=0)', 'R1 offset is outside of the packet',
      "libbpf: prog 'bad': failed to load: -13", 'Error: failed to load object file']) {
      expect(t.at(line).text, line).toBe(line);
      expect(t.at(line).scopes, line).toContain('invalid.illegal.error.bpf-verifier-log');
    }
    // The instruction the verifier stopped at is an instruction, not an error.
    expect(t.at('71', 0, '\n1: (').scopes).toContain('constant.numeric.opcode.bpf-verifier-log');
    expect(t.at('processed').scopes).not.toContain('invalid.illegal.error.bpf-verifier-log');
  });

  it("leaves bpftool's strict-mode advice a comment, though it says \"doesn't\"", async () => {
    const t = await tokenize('source.bpf-verifier-log', fixture('rejected.verifier.log'));
    for (const line of ['Warning: bpftool is now running in libbpf strict mode', "If it used to work for this object file but now doesn't"]) {
      expect(t.at(line).scopes, line).not.toContain('invalid.illegal.error.bpf-verifier-log');
      expect(t.at(line).scopes, line).toContain('comment.line.libbpf.bpf-verifier-log');
    }
  });

  it.skipIf(!CAN_BPFTOOL)('marks errors, and only errors, in what bpftool prints for a rejected program', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grammar-bpftool-'));
    const pin = `/sys/fs/bpf/grammar-test-${process.pid}`;
    try {
      const obj = join(dir, 'bad.o');
      writeFileSync(obj, writeObject(assembleText(readFileSync(join(ROOT, 'examples/broken/bad_ctx_access.bpf.s'), 'utf8'))));
      const r = spawnSync('bpftool', ['prog', 'load', obj, pin], { encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      const t = await tokenize('source.bpf-verifier-log', r.stderr);
      const isError = (line: string): boolean => t.at(line).scopes.includes('invalid.illegal.error.bpf-verifier-log');
      // the verifier's message and bpftool's own error lines are errors
      for (const line of lines.filter((l) => /^(invalid bpf_context access|Error:|libbpf: .*failed)/.test(l))) expect(isError(line), line).toBe(true);
      expect(lines.filter(isError).length).toBeGreaterThanOrEqual(3);
      // bpftool's warning and advice are not
      const advice = lines.filter((l) => /^(Warning:|If it used to work)/.test(l));
      expect(advice.length).toBe(2);
      for (const line of advice) expect(isError(line), line).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(pin, { force: true });
    }
  });
});

describe('Markdown injection', () => {
  it('highlights fenced code blocks tagged bpf, bpf-mnemonic and bpf-verifier-log', async () => {
    const text = [
      '# Notes', '', '```bpf', 'r0 = *(u32 *)(r1 + 4)', 'exit', '```', '',
      '~~~bpf-mnemonic', 'ldxw %r0, [%r1+4]', '~~~', '',
      '```bpf-verifier-log', '0: (b7) r0 = 2 ; R0_w=2', '```', '', 'r9 outside', '',
    ].join('\n');
    const t = await tokenize('text.html.markdown', text);
    expectTokens(t, [
      ['bpf', 'fenced_code.block.language.markdown'],
      ['u32', 'storage.type.bpf'],
      ['exit', 'keyword.control.exit.bpf'],
      ['ldxw', 'keyword.other.mnemonic.bpf'],
      ['b7', 'constant.numeric.opcode.bpf-verifier-log'],
      ['R0', 'variable.language.register.bpf-verifier-log'],
    ]);
    expect(t.at('u32').scopes).toContain('meta.embedded.block.bpf-asm');
    expect(t.at('r9').scopes).not.toContain('variable.language.register.bpf');
  });
});
