// Builds the three TextMate grammars from shared rule pieces, so the rules for LLVM syntax,
// mnemonic syntax and verifier logs are written once. `node syntaxes/generate.mjs` rewrites the
// .tmLanguage.json files; test/grammar.test.ts checks that they are up to date.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const IDENT = String.raw`[A-Za-z_.$][\w.$]*`;
const NUMBER = String.raw`(?:0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)`;
/** A statement starts a line, or follows a label's colon on the same line. */
const STMT_START = String.raw`(?:^|(?<=:))\s*`;
/** Not a label definition such as `exit:`. */
const NOT_LABEL_DEF = String.raw`(?!\s*:)`;
const COMMENT_AHEAD = String.raw`(?=//|#|/\*)`;

const MAP_TYPES = [
  'hash', 'array', 'prog_array', 'perf_event_array', 'percpu_hash', 'percpu_array', 'stack_trace',
  'cgroup_array', 'lru_hash', 'lru_percpu_hash', 'lpm_trie', 'array_of_maps', 'hash_of_maps', 'devmap',
  'sockmap', 'cpumap', 'xskmap', 'sockhash', 'cgroup_storage', 'reuseport_sockarray',
  'percpu_cgroup_storage', 'queue', 'stack', 'sk_storage', 'devmap_hash', 'struct_ops', 'ringbuf',
  'inode_storage', 'task_storage', 'bloom_filter', 'user_ringbuf', 'cgrp_storage', 'arena',
];

const ALU = '(?:add|sub|mul|s?div|or|and|lsh|rsh|s?mod|xor|mov|arsh|neg)(?:32|64)?';
const MOVSX = 'movsx(?:8|16|32)(?:32|64)';
const BYTESWAP = '(?:be|le|b?swap)(?:16|32|64)';
const MEMORY = 'ldxs?(?:[bhw]|dw)|stx?(?:[bhw]|dw)|lddw|ld(?:abs|ind)(?:[bhw]|dw)';
const JUMP = '(?:ja|j(?:eq|gt|ge|lt|le|set|ne|sgt|sge|slt|sle))(?:32)?|may_goto';
const ATOMIC_OP = '(?:add|and|or|xor|xchg|cmpxchg)(?:32|64)?';

// ---- pieces shared by every grammar ----

const comments = {
  patterns: [
    {
      name: 'comment.block.bpf',
      begin: String.raw`/\*`,
      end: String.raw`\*/`,
      beginCaptures: { 0: { name: 'punctuation.definition.comment.begin.bpf' } },
      endCaptures: { 0: { name: 'punctuation.definition.comment.end.bpf' } },
    },
    {
      name: 'comment.line.double-slash.bpf',
      begin: '//',
      end: '$',
      beginCaptures: { 0: { name: 'punctuation.definition.comment.bpf' } },
    },
    {
      name: 'comment.line.number-sign.bpf',
      begin: '#',
      end: '$',
      beginCaptures: { 0: { name: 'punctuation.definition.comment.bpf' } },
    },
  ],
};

const register = {
  match: String.raw`(%)?\b([rw])(10|[0-9])\b`,
  captures: {
    0: { name: 'variable.language.register.bpf' },
    1: { name: 'punctuation.definition.variable.bpf' },
  },
};

const number = {
  patterns: [
    { name: 'constant.numeric.hex.bpf', match: String.raw`(?<![\w.$])[-+]?0[xX][0-9a-fA-F]+\b` },
    { name: 'constant.numeric.binary.bpf', match: String.raw`(?<![\w.$])[-+]?0[bB][01]+\b` },
    { name: 'constant.numeric.decimal.bpf', match: String.raw`(?<![\w.$])[-+]?\d+\b` },
  ],
};

const string = {
  name: 'string.quoted.double.bpf',
  begin: '"',
  end: '"|$',
  beginCaptures: { 0: { name: 'punctuation.definition.string.begin.bpf' } },
  endCaptures: { 0: { name: 'punctuation.definition.string.end.bpf' } },
  patterns: [{ name: 'constant.character.escape.bpf', match: String.raw`\\(?:[0-7]{1,3}|x[0-9a-fA-F]+|.)` }],
};

const labelDefinition = {
  patterns: [
    {
      match: String.raw`^\s*((?:\.L|LBB)[\w.$]*)\s*(:)`,
      captures: {
        1: { name: 'entity.name.label.bpf' },
        2: { name: 'punctuation.separator.label.bpf' },
      },
    },
    {
      match: String.raw`^\s*(${IDENT})\s*(:)`,
      captures: {
        1: { name: 'entity.name.function.bpf' },
        2: { name: 'punctuation.separator.label.bpf' },
      },
    },
  ],
};

const helperName = {
  match: String.raw`\b(bpf_[A-Za-z0-9_]+)\b(?:(#)(\d+))?`,
  captures: {
    1: { name: 'support.function.helper.bpf' },
    2: { name: 'punctuation.separator.helper-id.bpf' },
    3: { name: 'constant.numeric.decimal.bpf' },
  },
};

const programCounter = {
  match: String.raw`\b(pc)(?=\s*[-+]\s*\d)`,
  captures: { 1: { name: 'variable.language.pc.bpf' } },
};

// ---- LLVM syntax: `r0 = *(u32 *)(r1 + 4)` ----

const llvm = {
  patterns: [
    { include: '#llvm-call' },
    { include: '#llvm-jump' },
    { include: '#llvm-ld-imm64-symbol' },
    { include: '#llvm-memory-type' },
    { include: '#llvm-keywords' },
    { include: '#register' },
    { include: '#program-counter' },
    { include: '#number' },
    { include: '#llvm-operators' },
  ],
};

const repositoryLlvm = {
  'llvm-call': {
    patterns: [
      {
        match: String.raw`\b(call)\s+(bpf_[A-Za-z0-9_]+)\b(?:(#)(\d+))?`,
        captures: {
          1: { name: 'keyword.control.call.bpf' },
          2: { name: 'support.function.helper.bpf' },
          3: { name: 'punctuation.separator.helper-id.bpf' },
          4: { name: 'constant.numeric.decimal.bpf' },
        },
      },
      {
        // `call pc+8` (verifier logs), `call 1`, `call -1`, `callx r1`
        match: String.raw`\b(callx?)\b(?=\s*(?:pc\b|[-+]?\d|%?[rw]\d))`,
        captures: { 1: { name: 'keyword.control.call.bpf' } },
      },
      {
        match: String.raw`\b(call)\s+(${IDENT})`,
        captures: {
          1: { name: 'keyword.control.call.bpf' },
          2: { name: 'entity.name.function.bpf' },
        },
      },
      { match: String.raw`\b(callx?)\b${NOT_LABEL_DEF}`, captures: { 1: { name: 'keyword.control.call.bpf' } } },
    ],
  },
  'llvm-jump': {
    patterns: [
      {
        match: String.raw`\b(goto|gotol|may_goto)\s+(?!pc\s*[-+])(${IDENT})`,
        captures: {
          1: { name: 'keyword.control.jump.bpf' },
          2: { name: 'entity.name.label.bpf' },
        },
      },
      { match: String.raw`\b(goto|gotol|may_goto)\b`, captures: { 1: { name: 'keyword.control.jump.bpf' } } },
      { match: String.raw`\b(if)\b`, captures: { 1: { name: 'keyword.control.conditional.bpf' } } },
    ],
  },
  'llvm-ld-imm64-symbol': {
    // `r1 = counters ll`, `r1 = .L.str ll`, `r2 = buf + 8 ll`: a map or a global-data symbol.
    match: String.raw`(?<==)\s*(?![rw](?:10|\d)\b)(${IDENT})(?:\s*([-+])\s*(${NUMBER}))?\s+(ll)\b`,
    captures: {
      1: { name: 'variable.other.map.bpf' },
      2: { name: 'keyword.operator.arithmetic.bpf' },
      3: { name: 'constant.numeric.bpf' },
      4: { name: 'storage.modifier.ll.bpf' },
    },
  },
  'llvm-memory-type': {
    patterns: [
      {
        // `*(u32 *)(r1 + 4)`, `(u64 *)(r1 + 0)` in atomics, `*(u8 *)skb[4]`
        match: String.raw`(\*)?\s*(\()\s*([us](?:8|16|32|64))\s*(\*)\s*(\))`,
        captures: {
          1: { name: 'keyword.operator.dereference.bpf' },
          2: { name: 'punctuation.definition.type.begin.bpf' },
          3: { name: 'storage.type.bpf' },
          4: { name: 'storage.modifier.pointer.bpf' },
          5: { name: 'punctuation.definition.type.end.bpf' },
        },
      },
      {
        // sign-extending moves: `r1 = (s8)r2`
        match: String.raw`(\()\s*(s(?:8|16|32))\s*(\))`,
        captures: {
          1: { name: 'punctuation.definition.type.begin.bpf' },
          2: { name: 'storage.type.bpf' },
          3: { name: 'punctuation.definition.type.end.bpf' },
        },
      },
    ],
  },
  'llvm-keywords': {
    patterns: [
      { match: String.raw`\b(exit)\b${NOT_LABEL_DEF}`, captures: { 1: { name: 'keyword.control.exit.bpf' } } },
      { match: String.raw`\b(lock)\b${NOT_LABEL_DEF}`, captures: { 1: { name: 'keyword.other.lock.bpf' } } },
      {
        name: 'keyword.other.atomic.bpf',
        match: String.raw`\b(?:atomic(?:64)?_fetch_(?:add|and|or|xor)|atomic(?:64)?_(?:xchg|cmpxchg)|(?:cmp)?xchg(?:32)?_(?:32|64)|load_acquire|store_release|addr_space_cast)\b`,
      },
      { name: 'keyword.other.byteswap.bpf', match: String.raw`\b${BYTESWAP}\b${NOT_LABEL_DEF}` },
      { name: 'storage.modifier.ll.bpf', match: String.raw`(?<=\d|\s)ll\b` },
      { name: 'variable.language.skb.bpf', match: String.raw`\bskb(?=\s*\[)` },
    ],
  },
  'llvm-operators': {
    patterns: [
      {
        name: 'keyword.operator.assignment.compound.bpf',
        match: String.raw`(?:\bs(?:>>|/|%)|<<|>>|[-+*/%|&^])=`,
      },
      { name: 'keyword.operator.comparison.bpf', match: String.raw`\bs(?:>=|<=|>|<)|==|!=|>=|<=|>|<` },
      { name: 'keyword.operator.assignment.bpf', match: '=' },
      { name: 'keyword.operator.bitwise.bpf', match: '&' },
      { name: 'keyword.operator.arithmetic.bpf', match: String.raw`[-+]` },
      { name: 'punctuation.section.parens.begin.bpf', match: String.raw`\(` },
      { name: 'punctuation.section.parens.end.bpf', match: String.raw`\)` },
      { name: 'punctuation.section.brackets.begin.bpf', match: String.raw`\[` },
      { name: 'punctuation.section.brackets.end.bpf', match: String.raw`\]` },
      { name: 'punctuation.separator.comma.bpf', match: ',' },
    ],
  },
};

// ---- mnemonic syntax: `ldxw %r0, [%r1+4]` ----

const statementEnd = String.raw`$|${COMMENT_AHEAD}`;

const mnemonicOperands = [
  { include: '#register' },
  { include: '#memory-brackets' },
  { include: '#number' },
  { name: 'punctuation.separator.comma.bpf', match: ',' },
];

const repositoryMnemonic = {
  'mnemonic-statement': {
    patterns: [
      {
        name: 'meta.instruction.jump.bpf',
        begin: String.raw`${STMT_START}\b(${JUMP})\b${NOT_LABEL_DEF}`,
        beginCaptures: { 1: { name: 'keyword.other.mnemonic.bpf' } },
        end: statementEnd,
        patterns: [
          ...mnemonicOperands,
          { match: String.raw`\b(${IDENT})`, captures: { 1: { name: 'entity.name.label.bpf' } } },
        ],
      },
      {
        name: 'meta.instruction.call.bpf',
        begin: String.raw`${STMT_START}\b(callx?)\b${NOT_LABEL_DEF}`,
        beginCaptures: { 1: { name: 'keyword.control.call.bpf' } },
        end: statementEnd,
        patterns: [
          { match: String.raw`\b(helper|local|runtime)\b(?=\s+\S)`, captures: { 1: { name: 'storage.modifier.call-kind.bpf' } } },
          { include: '#helper-name' },
          ...mnemonicOperands,
          { match: String.raw`\b(${IDENT})`, captures: { 1: { name: 'entity.name.function.bpf' } } },
        ],
      },
      {
        name: 'meta.instruction.atomic.bpf',
        begin: String.raw`${STMT_START}\b(lock)\s+(?:(fetch)\s+)?(${ATOMIC_OP})\b`,
        beginCaptures: {
          1: { name: 'keyword.other.mnemonic.bpf' },
          2: { name: 'keyword.other.mnemonic.bpf' },
          3: { name: 'keyword.other.mnemonic.bpf' },
        },
        end: statementEnd,
        patterns: mnemonicOperands,
      },
      {
        name: 'meta.instruction.lddw.bpf',
        begin: String.raw`${STMT_START}\b(lddw)\b${NOT_LABEL_DEF}`,
        beginCaptures: { 1: { name: 'keyword.other.mnemonic.bpf' } },
        end: statementEnd,
        patterns: [
          ...mnemonicOperands,
          {
            match: String.raw`\b(map_fd|map_value|btf_id|func|map_idx|map_idx_value)\b(?=\s+\S)`,
            captures: { 1: { name: 'storage.modifier.pseudo.bpf' } },
          },
          { match: String.raw`\b(${IDENT})`, captures: { 1: { name: 'variable.other.map.bpf' } } },
        ],
      },
      {
        name: 'meta.instruction.exit.bpf',
        begin: String.raw`${STMT_START}\b(exit)\b${NOT_LABEL_DEF}`,
        beginCaptures: { 1: { name: 'keyword.control.exit.bpf' } },
        end: statementEnd,
        patterns: mnemonicOperands,
      },
      {
        name: 'meta.instruction.bpf',
        begin: String.raw`${STMT_START}\b(${ALU}|${MOVSX}|${BYTESWAP}|${MEMORY})\b${NOT_LABEL_DEF}`,
        beginCaptures: { 1: { name: 'keyword.other.mnemonic.bpf' } },
        end: statementEnd,
        patterns: mnemonicOperands,
      },
    ],
  },
  'memory-brackets': {
    begin: String.raw`\[`,
    end: String.raw`\]|$`,
    name: 'meta.memory-operand.bpf',
    beginCaptures: { 0: { name: 'punctuation.section.brackets.begin.bpf' } },
    endCaptures: { 0: { name: 'punctuation.section.brackets.end.bpf' } },
    patterns: [
      { include: '#register' },
      { name: 'keyword.operator.arithmetic.bpf', match: String.raw`[-+](?=\s*\d)` },
      { include: '#number' },
    ],
  },
};

// ---- directives: `.section xdp`, `.map counters type=array key=4 value=8 max_entries=1` ----

const directiveEnd = String.raw`$|(?=//|#|/\*)`;

const repositoryDirectives = {
  directive: {
    patterns: [
      {
        name: 'meta.directive.map.bpf',
        begin: String.raw`^\s*(\.map)\b${NOT_LABEL_DEF}\s*(${IDENT})?`,
        beginCaptures: {
          1: { name: 'keyword.control.directive.bpf' },
          2: { name: 'entity.name.variable.map.bpf' },
        },
        end: directiveEnd,
        patterns: [
          {
            match: String.raw`\b(type)\s*(=)\s*(${MAP_TYPES.join('|')})\b`,
            captures: {
              1: { name: 'variable.parameter.attribute.bpf' },
              2: { name: 'keyword.operator.assignment.bpf' },
              3: { name: 'support.type.map-type.bpf' },
            },
          },
          {
            match: String.raw`\b(inner)\s*(=)\s*(${IDENT})`,
            captures: {
              1: { name: 'variable.parameter.attribute.bpf' },
              2: { name: 'keyword.operator.assignment.bpf' },
              3: { name: 'variable.other.map.bpf' },
            },
          },
          {
            match: String.raw`\b([A-Za-z_]\w*)\s*(=)`,
            captures: {
              1: { name: 'variable.parameter.attribute.bpf' },
              2: { name: 'keyword.operator.assignment.bpf' },
            },
          },
          { include: '#number' },
          { name: 'punctuation.separator.comma.bpf', match: ',' },
        ],
      },
      {
        name: 'meta.directive.section.bpf',
        begin: String.raw`^\s*(\.section)\b${NOT_LABEL_DEF}\s*("[^"]*"|[^\s,#"/]+)?`,
        beginCaptures: {
          1: { name: 'keyword.control.directive.bpf' },
          2: { name: 'entity.name.namespace.section.bpf' },
        },
        end: directiveEnd,
        patterns: [
          { include: '#string' },
          { name: 'constant.language.section-type.bpf', match: String.raw`[@%]\w+` },
          { include: '#number' },
          { name: 'punctuation.separator.comma.bpf', match: ',' },
        ],
      },
      {
        name: 'meta.directive.bpf',
        begin: String.raw`^\s*(\.[A-Za-z_][\w.]*)\b${NOT_LABEL_DEF}`,
        beginCaptures: { 1: { name: 'keyword.control.directive.bpf' } },
        end: directiveEnd,
        patterns: [
          { include: '#string' },
          { name: 'constant.language.symbol-type.bpf', match: String.raw`[@%]\w+` },
          { include: '#number' },
          { name: 'punctuation.separator.comma.bpf', match: ',' },
          { name: 'keyword.operator.arithmetic.bpf', match: String.raw`[-+]` },
          { name: 'variable.other.symbol.bpf', match: IDENT },
        ],
      },
    ],
  },
};

const sharedRepository = {
  comments,
  register,
  number,
  string,
  'label-definition': labelDefinition,
  'helper-name': helperName,
  'program-counter': programCounter,
};

// ---- the grammars ----

/** LLVM syntax and mnemonic syntax in one grammar: each line is recognised by its shape. */
export function bpfAsmGrammar() {
  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    name: 'eBPF Assembly',
    scopeName: 'source.bpf-asm',
    comment: 'Generated by syntaxes/generate.mjs; edit that file, not this one.',
    patterns: [
      { include: '#comments' },
      { include: '#directive' },
      { include: '#label-definition' },
      { include: '#mnemonic-statement' },
      { include: '#string' },
      { include: '#llvm' },
    ],
    repository: {
      ...sharedRepository,
      ...repositoryDirectives,
      ...repositoryMnemonic,
      llvm,
      ...repositoryLlvm,
    },
  };
}

const CONFORMANCE_SECTION = String.raw`(?=^--\s)`;

/** Mnemonic syntax. */
export function bpfAsmMnemonicGrammar() {
  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    name: 'eBPF Assembly (mnemonic syntax)',
    scopeName: 'source.bpf-asm.mnemonic',
    comment: 'Generated by syntaxes/generate.mjs; edit that file, not this one.',
    patterns: [
      { include: '#comments' },
      { include: '#directive' },
      { include: '#label-definition' },
      { include: '#mnemonic-statement' },
      { include: '#register' },
      { include: '#number' },
    ],
    repository: {
      ...sharedRepository,
      ...repositoryDirectives,
      ...repositoryMnemonic,
    },
  };
}

/** bpf_conformance `.data` files: `-- asm` (mnemonic syntax), `-- mem`, `-- result`, ... sections. */
export function bpfConformanceGrammar() {
  const headerCaptures = {
    1: { name: 'punctuation.definition.heading.bpf' },
    2: { name: 'entity.name.section.conformance.bpf' },
  };
  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    name: 'bpf_conformance test',
    scopeName: 'source.bpf-conformance',
    comment: 'Generated by syntaxes/generate.mjs; edit that file, not this one.',
    patterns: [
      {
        name: 'meta.section.asm.conformance.bpf',
        begin: String.raw`^(--)\s+(asm)\s*$`,
        beginCaptures: headerCaptures,
        end: CONFORMANCE_SECTION,
        contentName: 'meta.embedded.block.bpf-asm-mnemonic',
        patterns: [{ include: 'source.bpf-asm.mnemonic' }],
      },
      {
        name: 'meta.section.data.conformance.bpf',
        begin: String.raw`^(--)\s+(mem|raw|result)\s*$`,
        beginCaptures: headerCaptures,
        end: CONFORMANCE_SECTION,
        patterns: [
          { include: '#comments' },
          { name: 'constant.numeric.hex.bpf', match: String.raw`\b(?:0[xX])?[0-9a-fA-F]+\b` },
        ],
      },
      {
        name: 'meta.section.c.conformance.bpf',
        begin: String.raw`^(--)\s+(c)\s*$`,
        beginCaptures: headerCaptures,
        end: CONFORMANCE_SECTION,
        contentName: 'meta.embedded.block.c',
        patterns: [{ include: 'source.c' }],
      },
      {
        name: 'meta.section.other.conformance.bpf',
        begin: String.raw`^(--)\s+(.+?)\s*$`,
        beginCaptures: headerCaptures,
        end: CONFORMANCE_SECTION,
        contentName: 'string.unquoted.conformance.bpf',
      },
      { include: '#comments' },
    ],
    repository: { comments },
  };
}

// ---- verifier logs: `5: (bf) r1 = r6 ; R1_w=ctx() R6=ctx()` ----

const ERROR_WORDS = [
  'invalid', 'not allowed', 'unbounded', 'out of range', 'unreachable', 'back-edge', 'too large',
  'too complex', 'too many', 'unknown', 'Unreleased', 'misaligned', 'cannot', "can't", 'must',
  'expected', 'exceeds', 'unsupported', 'denied', 'prohibited', '!read_ok', 'not supported',
  'not permitted', 'not initialized', "isn't", 'outside', 'failed', 'Error', 'unsafe', 'leaks',
  'only', 'is not', 'does not', "doesn't", 'unrecognized', 'mismatch', 'disallowed', 'infinite loop',
  'should have been', 'too deep', 'Too large', 'out of bounds', 'might sleep', 'negative', 'loop detected',
].map((w) => w.replace(/[.*+?^${}()|[\]\\!]/g, '\\$&'));

export function bpfVerifierLogGrammar() {
  const stateEnd = '$';
  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    name: 'eBPF Verifier Log',
    scopeName: 'source.bpf-verifier-log',
    comment: 'Generated by syntaxes/generate.mjs; edit that file, not this one.',
    patterns: [
      { include: '#libbpf' },
      { include: '#instruction-line' },
      { include: '#state-line' },
      { include: '#branch-line' },
      { include: '#function-header' },
      { include: '#source-line' },
      { include: '#summary-line' },
      { include: '#frame-line' },
      { include: '#precision-line' },
      { include: '#error-line' },
    ],
    repository: {
      ...sharedRepository,
      llvm,
      ...repositoryLlvm,
      libbpf: {
        patterns: [
          {
            match: String.raw`^\s*(libbpf:)\s*(?:(prog)\s+('[^']*'):\s*)?(--\s*(?:BEGIN|END) PROG LOAD LOG\s*--)`,
            captures: {
              1: { name: 'entity.name.tag.libbpf.bpf-verifier-log' },
              2: { name: 'keyword.other.bpf-verifier-log' },
              3: { name: 'string.quoted.single.bpf-verifier-log' },
              4: { name: 'markup.heading.bpf-verifier-log' },
            },
          },
          {
            name: 'invalid.illegal.error.bpf-verifier-log',
            match: String.raw`^\s*(?:libbpf:.*\b(?:failed|error|Error)\b.*|Error:.*)$`,
          },
          {
            name: 'comment.line.libbpf.bpf-verifier-log',
            match: String.raw`^\s*(?:libbpf|Warning|bpftool):.*$`,
          },
          {
            // bpftool's advice after its strict-mode warning: no error, whatever words it uses
            name: 'comment.line.libbpf.bpf-verifier-log',
            match: String.raw`^\s*If it used to work for this object file but now doesn't, see --legacy option for more details\.?\s*$`,
          },
          {
            name: 'markup.heading.bpf-verifier-log',
            match: String.raw`^\s*--\s*(?:BEGIN|END) PROG LOAD LOG\s*--\s*$`,
          },
        ],
      },
      'instruction-line': {
        // `5: (bf) r1 = r6 ; R1_w=ctx()`, and the liveness listing `  5: .1....6... (bf) r1 = r6`
        name: 'meta.instruction.bpf-verifier-log',
        begin: String.raw`^\s*(\d+)(:)\s*(?:(frame\d+)(:)\s*)?(?:([.0-9]{10,11})\s+)?(\()([0-9a-fA-F]{2})(\))`,
        beginCaptures: {
          1: { name: 'constant.numeric.instruction-index.bpf-verifier-log' },
          2: { name: 'punctuation.separator.bpf-verifier-log' },
          3: { name: 'keyword.other.frame.bpf-verifier-log' },
          4: { name: 'punctuation.separator.bpf-verifier-log' },
          5: { name: 'constant.other.live-registers.bpf-verifier-log' },
          6: { name: 'punctuation.definition.opcode.begin.bpf-verifier-log' },
          7: { name: 'constant.numeric.opcode.bpf-verifier-log' },
          8: { name: 'punctuation.definition.opcode.end.bpf-verifier-log' },
        },
        end: stateEnd,
        patterns: [
          {
            name: 'meta.register-state.bpf-verifier-log',
            begin: ';',
            beginCaptures: { 0: { name: 'punctuation.separator.state.bpf-verifier-log' } },
            end: '$',
            patterns: [{ include: '#state' }],
          },
          { include: '#llvm' },
        ],
      },
      'state-line': {
        name: 'meta.register-state.bpf-verifier-log',
        begin: String.raw`^\s*(?:(\d+)(:)\s*)?(?=(?:frame\d+:\s*)?(?:R\d+(?:_\w+)?=|fp-\d+(?:_\w+)?=))`,
        beginCaptures: {
          1: { name: 'constant.numeric.instruction-index.bpf-verifier-log' },
          2: { name: 'punctuation.separator.bpf-verifier-log' },
        },
        end: stateEnd,
        patterns: [{ include: '#state' }],
      },
      'branch-line': {
        name: 'meta.branch.bpf-verifier-log',
        begin: String.raw`^\s*(from)\s+(\d+)\s+(to)\s+(\d+)(:)`,
        beginCaptures: {
          1: { name: 'keyword.control.flow.bpf-verifier-log' },
          2: { name: 'constant.numeric.instruction-index.bpf-verifier-log' },
          3: { name: 'keyword.control.flow.bpf-verifier-log' },
          4: { name: 'constant.numeric.instruction-index.bpf-verifier-log' },
          5: { name: 'punctuation.separator.bpf-verifier-log' },
        },
        end: stateEnd,
        patterns: [{ include: '#state' }],
      },
      'function-header': {
        match: String.raw`^\s*(func)(#)(\d+)\s+(@)(\d+)`,
        captures: {
          1: { name: 'entity.name.function.bpf-verifier-log' },
          2: { name: 'punctuation.separator.bpf-verifier-log' },
          3: { name: 'constant.numeric.decimal.bpf-verifier-log' },
          4: { name: 'punctuation.separator.bpf-verifier-log' },
          5: { name: 'constant.numeric.instruction-index.bpf-verifier-log' },
        },
      },
      'source-line': {
        // BTF line info: `; return d[20] == 1; @ bad.c:5`
        name: 'comment.line.source.bpf-verifier-log',
        match: String.raw`^\s*(;)(.*?)(?:\s(@)\s+(\S+?)(:)(\d+))?\s*$`,
        captures: {
          1: { name: 'punctuation.definition.comment.bpf-verifier-log' },
          3: { name: 'punctuation.separator.bpf-verifier-log' },
          4: { name: 'string.unquoted.filename.bpf-verifier-log' },
          6: { name: 'constant.numeric.line-number.bpf-verifier-log' },
        },
      },
      'summary-line': {
        patterns: [
          {
            name: 'meta.summary.bpf-verifier-log',
            begin: String.raw`^\s*(processed)\s+(\d+)\s+(insns)\b`,
            beginCaptures: {
              1: { name: 'keyword.other.summary.bpf-verifier-log' },
              2: { name: 'constant.numeric.decimal.bpf-verifier-log' },
              3: { name: 'keyword.other.summary.bpf-verifier-log' },
            },
            end: '$',
            patterns: [
              {
                match: String.raw`\b([a-z_]+)\s+(\d+)`,
                captures: {
                  1: { name: 'keyword.other.summary.bpf-verifier-log' },
                  2: { name: 'constant.numeric.decimal.bpf-verifier-log' },
                },
              },
            ],
          },
          {
            name: 'meta.summary.bpf-verifier-log',
            match: String.raw`^\s*(verification time|stack depth)\s+([\d+]+)(?:\s+(usec))?\s*$`,
            captures: {
              1: { name: 'keyword.other.summary.bpf-verifier-log' },
              2: { name: 'constant.numeric.decimal.bpf-verifier-log' },
              3: { name: 'keyword.other.unit.bpf-verifier-log' },
            },
          },
          {
            name: 'keyword.other.summary.bpf-verifier-log',
            match: String.raw`^\s*(?:Live regs before insn|caller|callee|returning from callee|Validating .*|Func#\d+ .*):\s*$`,
          },
          {
            match: String.raw`^\s*(to caller at)\s+(\d+)(:)\s*$`,
            captures: {
              1: { name: 'keyword.other.summary.bpf-verifier-log' },
              2: { name: 'constant.numeric.instruction-index.bpf-verifier-log' },
              3: { name: 'punctuation.separator.bpf-verifier-log' },
            },
          },
        ],
      },
      'frame-line': {
        name: 'meta.register-state.bpf-verifier-log',
        begin: String.raw`^\s*(?=frame\d+:)`,
        end: '$',
        patterns: [{ include: '#state' }],
      },
      'precision-line': {
        // precision backtracking and liveness debugging: `mark_precise: frame0: ...`, `(0) frame 0 insn 7 +live -8`
        name: 'comment.line.precision.bpf-verifier-log',
        match: String.raw`^\s*(?:mark_precise:|regs=|\(\d+\) frame \d+|\(\d+\) live stack|last_idx\s|parent didn't have|Validating \S+ func#|Func#\d+ \(|propagating ).*$`,
      },
      'error-line': {
        name: 'invalid.illegal.error.bpf-verifier-log',
        match: String.raw`^(?!\s*\d+:).*(?:${ERROR_WORDS.join('|')}).*$`,
      },
      state: {
        patterns: [
          {
            match: String.raw`\b(frame\d+)(:)`,
            captures: {
              1: { name: 'keyword.other.frame.bpf-verifier-log' },
              2: { name: 'punctuation.separator.bpf-verifier-log' },
            },
          },
          {
            match: String.raw`\b(R(?:10|\d))(?:(_)(\w+))?(=)`,
            captures: {
              1: { name: 'variable.language.register.bpf-verifier-log' },
              2: { name: 'punctuation.separator.bpf-verifier-log' },
              3: { name: 'storage.modifier.liveness.bpf-verifier-log' },
              4: { name: 'keyword.operator.assignment.bpf-verifier-log' },
            },
          },
          {
            match: String.raw`\b(fp-\d+)(?:(_)(\w+))?(=)(?:([0-9mMzfdirs?]{1,8})(?=\s|$))?`,
            captures: {
              1: { name: 'variable.language.stack-slot.bpf-verifier-log' },
              2: { name: 'punctuation.separator.bpf-verifier-log' },
              3: { name: 'storage.modifier.liveness.bpf-verifier-log' },
              4: { name: 'keyword.operator.assignment.bpf-verifier-log' },
              5: { name: 'string.unquoted.stack-slot-types.bpf-verifier-log' },
            },
          },
          { name: 'support.type.register-type.bpf-verifier-log', match: String.raw`\bfp-?\d+\b` },
          {
            match: String.raw`(?<==)(P)(?=-?\d|[a-z])`,
            captures: { 1: { name: 'storage.modifier.precise.bpf-verifier-log' } },
          },
          {
            match: String.raw`\b([a-z_][\w]*)(\()`,
            captures: {
              1: { name: 'support.type.register-type.bpf-verifier-log' },
              2: { name: 'punctuation.definition.parameters.begin.bpf-verifier-log' },
            },
          },
          {
            match: String.raw`\b(map)(=)([\w.]+)`,
            captures: {
              1: { name: 'variable.parameter.bpf-verifier-log' },
              2: { name: 'keyword.operator.assignment.bpf-verifier-log' },
              3: { name: 'variable.other.map.bpf-verifier-log' },
            },
          },
          {
            match: String.raw`\b([a-z_][\w]*)(=)`,
            captures: {
              1: { name: 'variable.parameter.bpf-verifier-log' },
              2: { name: 'keyword.operator.assignment.bpf-verifier-log' },
            },
          },
          { include: '#number' },
          { name: 'punctuation.definition.parameters.end.bpf-verifier-log', match: String.raw`\)` },
        ],
      },
    },
  };
}

// ---- fenced code blocks in Markdown: ```bpf, ```bpf-mnemonic, ```bpf-verifier-log ----

const BT = '`';

function fencedBlock(languageNames, contentScope, include) {
  return {
    name: 'markup.fenced_code.block.markdown',
    begin: String.raw`(^|\G)(\s*)(${BT}{3,}|~{3,})\s*(?i:(${languageNames})((?:\s|:|,|\{)[^${BT}]*)?$)`,
    beginCaptures: {
      3: { name: 'punctuation.definition.markdown' },
      4: { name: 'fenced_code.block.language.markdown' },
      5: { name: 'fenced_code.block.language.attributes.markdown' },
    },
    end: String.raw`(^|\G)(\2|\s{0,3})(\3)\s*$`,
    endCaptures: { 3: { name: 'punctuation.definition.markdown' } },
    patterns: [
      {
        begin: String.raw`(^|\G)(\s*)(.*)`,
        while: String.raw`(^|\G)(?!\s*([${BT}~]{3,})\s*$)`,
        contentName: contentScope,
        patterns: [{ include }],
      },
    ],
  };
}

/** Injected into Markdown, so fenced code blocks tagged with a BPF language are highlighted. */
export function bpfMarkdownInjection() {
  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    scopeName: 'markdown.bpf-asm.codeblock',
    comment: 'Generated by syntaxes/generate.mjs; edit that file, not this one.',
    injectionSelector: 'L:text.html.markdown',
    patterns: [
      fencedBlock('bpf-asm-mnemonic|bpf-mnemonic|ubpf', 'meta.embedded.block.bpf-asm-mnemonic', 'source.bpf-asm.mnemonic'),
      fencedBlock('bpf-verifier-log|verifier-log', 'meta.embedded.block.bpf-verifier-log', 'source.bpf-verifier-log'),
      fencedBlock('bpf-asm|ebpf|bpf', 'meta.embedded.block.bpf-asm', 'source.bpf-asm'),
    ],
  };
}

export const GRAMMARS = {
  'bpf-asm.tmLanguage.json': bpfAsmGrammar,
  'bpf-asm-mnemonic.tmLanguage.json': bpfAsmMnemonicGrammar,
  'bpf-conformance.tmLanguage.json': bpfConformanceGrammar,
  'bpf-verifier-log.tmLanguage.json': bpfVerifierLogGrammar,
  'bpf-markdown-injection.tmLanguage.json': bpfMarkdownInjection,
};

export function grammarText(build) {
  return JSON.stringify(build(), null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = dirname(fileURLToPath(import.meta.url));
  for (const [file, build] of Object.entries(GRAMMARS)) writeFileSync(join(dir, file), grammarText(build));
}
