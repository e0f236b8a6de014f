// The mnemonic syntax's instruction names (uBPF / bpf_conformance / rbpf), shared by its parser and printer.

export type MnemonicShape =
  | 'alu' | 'movsx' | 'neg' | 'end' | 'lddw' | 'ldx' | 'st' | 'stx' | 'atomic' | 'ldabs' | 'ldind'
  | 'ja' | 'ja32' | 'jcc' | 'call' | 'callx' | 'exit' | 'maygoto' | 'lock';

export interface MnemonicSpec {
  shape: MnemonicShape;
  /** The opcode byte, without the source bit (added for register operands). */
  code: number;
  off?: number;
  imm?: number;
}

const ALU = 0x04;
const ALU64 = 0x07;
const JMP = 0x05;
const JMP32 = 0x06;

/** ALU operation names and their op bits, plus `off` for the signed forms. */
export const ALU_OPS: readonly { name: string; op: number; off?: number }[] = [
  { name: 'add', op: 0x00 }, { name: 'sub', op: 0x10 }, { name: 'mul', op: 0x20 }, { name: 'div', op: 0x30 },
  { name: 'sdiv', op: 0x30, off: 1 }, { name: 'or', op: 0x40 }, { name: 'and', op: 0x50 },
  { name: 'lsh', op: 0x60 }, { name: 'rsh', op: 0x70 }, { name: 'mod', op: 0x90 },
  { name: 'smod', op: 0x90, off: 1 }, { name: 'xor', op: 0xa0 }, { name: 'mov', op: 0xb0 },
  { name: 'arsh', op: 0xc0 },
];

export const JMP_OPS: readonly { name: string; op: number }[] = [
  { name: 'jeq', op: 0x10 }, { name: 'jgt', op: 0x20 }, { name: 'jge', op: 0x30 }, { name: 'jset', op: 0x40 },
  { name: 'jne', op: 0x50 }, { name: 'jsgt', op: 0x60 }, { name: 'jsge', op: 0x70 }, { name: 'jlt', op: 0xa0 },
  { name: 'jle', op: 0xb0 }, { name: 'jslt', op: 0xc0 }, { name: 'jsle', op: 0xd0 },
];

/** Memory size suffixes and their size bits. */
export const SIZE_SUFFIXES: readonly { suffix: string; size: number }[] = [
  { suffix: 'w', size: 0x00 }, { suffix: 'h', size: 0x08 }, { suffix: 'b', size: 0x10 }, { suffix: 'dw', size: 0x18 },
];

/** `lock <op>` names: the opcode (STX|ATOMIC|size) and the imm. */
export const ATOMIC_OPS_BY_NAME: ReadonlyMap<string, { code: number; imm: number; fetchable: boolean }> = (() => {
  const m = new Map<string, { code: number; imm: number; fetchable: boolean }>();
  const ops: [string, number, boolean][] = [
    ['add', 0x00, true], ['or', 0x40, true], ['and', 0x50, true], ['xor', 0xa0, true],
    ['xchg', 0xe1, false], ['cmpxchg', 0xf1, false],
  ];
  for (const [name, imm, fetchable] of ops) {
    m.set(name, { code: 0xdb, imm, fetchable });
    m.set(name + '32', { code: 0xc3, imm, fetchable });
  }
  return m;
})();

/** `call <kind> <target>`: the src field for each kind. */
export const CALL_MODES: ReadonlyMap<string, number> = new Map([['helper', 0], ['local', 1], ['runtime', 2]]);

/** `lddw %rN, <pseudo> <value>`: the src field of ld_imm64 for each pseudo source. */
export const LDDW_PSEUDO_BY_NAME: ReadonlyMap<string, number> = new Map([
  ['map_fd', 1], ['map_value', 2], ['btf_id', 3], ['func', 4], ['map_idx', 5], ['map_idx_value', 6],
]);
export const LDDW_PSEUDO_NAMES: readonly string[] = ['', 'map_fd', 'map_value', 'btf_id', 'func', 'map_idx', 'map_idx_value'];

/** Every mnemonic, including the aliases other tools accept (add64, swap16, neg64, ...). */
export const MNEMONICS: ReadonlyMap<string, MnemonicSpec> = (() => {
  const m = new Map<string, MnemonicSpec>();
  for (const { name, op, off } of ALU_OPS) {
    const base = off === undefined ? {} : { off };
    m.set(name, { shape: 'alu', code: ALU64 | op, ...base });
    m.set(name + '64', { shape: 'alu', code: ALU64 | op, ...base });
    m.set(name + '32', { shape: 'alu', code: ALU | op, ...base });
  }
  for (const bits of [8, 16]) {
    m.set(`movsx${bits}32`, { shape: 'movsx', code: ALU | 0xb0 | 0x08, off: bits });
  }
  for (const bits of [8, 16, 32]) {
    m.set(`movsx${bits}64`, { shape: 'movsx', code: ALU64 | 0xb0 | 0x08, off: bits });
  }
  m.set('neg', { shape: 'neg', code: ALU64 | 0x80 });
  m.set('neg64', { shape: 'neg', code: ALU64 | 0x80 });
  m.set('neg32', { shape: 'neg', code: ALU | 0x80 });
  for (const bits of [16, 32, 64]) {
    m.set(`le${bits}`, { shape: 'end', code: 0xd4, imm: bits });
    m.set(`be${bits}`, { shape: 'end', code: 0xdc, imm: bits });
    m.set(`bswap${bits}`, { shape: 'end', code: 0xd7, imm: bits });
    m.set(`swap${bits}`, { shape: 'end', code: 0xd7, imm: bits });
  }
  m.set('lddw', { shape: 'lddw', code: 0x18 });
  for (const { suffix, size } of SIZE_SUFFIXES) {
    m.set('ldx' + suffix, { shape: 'ldx', code: 0x61 | size });
    m.set('st' + suffix, { shape: 'st', code: 0x62 | size });
    m.set('stx' + suffix, { shape: 'stx', code: 0x63 | size });
    // ldabsdw / ldinddw: rbpf spells them, though no kernel accepts the encodings.
    m.set('ldabs' + suffix, { shape: 'ldabs', code: 0x20 | size });
    m.set('ldind' + suffix, { shape: 'ldind', code: 0x40 | size });
    if (suffix !== 'dw') m.set('ldxs' + suffix, { shape: 'ldx', code: 0x81 | size });
  }
  m.set('ja', { shape: 'ja', code: JMP });
  m.set('ja32', { shape: 'ja32', code: JMP32 });
  m.set('may_goto', { shape: 'maygoto', code: JMP | 0xe0 });
  for (const { name, op } of JMP_OPS) {
    m.set(name, { shape: 'jcc', code: JMP | op });
    m.set(name + '32', { shape: 'jcc', code: JMP32 | op });
  }
  m.set('call', { shape: 'call', code: JMP | 0x80 });
  m.set('callx', { shape: 'callx', code: JMP | 0x80 | 0x08 });
  m.set('exit', { shape: 'exit', code: JMP | 0x90 });
  m.set('lock', { shape: 'lock', code: 0 });
  return m;
})();
