import { describe, expect, it } from 'vitest';
import { decodeProgram, encodeProgram, imm64, splitImm64, validate, type Instruction } from '../core/isa';

const rand = (n: number) => Math.floor(Math.random() * n);

describe('instruction encoding', () => {
  it('round-trips random slots through decode and encode', () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = new Uint8Array(8 * 4).map(() => rand(256));
      // avoid wide opcodes so every slot stands alone
      for (let s = 0; s < 4; s++) if (bytes[s * 8] === 0x18) bytes[s * 8] = 0x17;
      const decoded = decodeProgram(bytes);
      expect(decoded).toHaveLength(4);
      expect(encodeProgram(decoded.map((d) => d.insn))).toEqual(bytes);
    }
  });

  it('decodes ld_imm64 into one instruction with a 64-bit constant', () => {
    const { imm, hi } = splitImm64(0x123456789abcdef0n);
    const insn: Instruction = { code: 0x18, dst: 1, src: 0, off: 0, imm, hi };
    const bytes = encodeProgram([insn, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }]);
    expect(bytes.length).toBe(24);
    const [first, second] = decodeProgram(bytes);
    expect(first!.error).toBeUndefined();
    expect(imm64(first!.insn)).toBe(0x123456789abcdef0n);
    expect(second!.slot).toBe(2);
  });

  it('describes invalid encodings instead of throwing', () => {
    const bad = decodeProgram(new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0, 0x18, 0x01, 0, 0, 1, 0, 0, 0, 0x95]));
    expect(bad[0]!.error).toMatch(/opcode|reserved/);
    expect(bad[1]!.error).toBe('ld_imm64 is missing its second slot');
    expect(bad.at(-1)!.error).toMatch(/trailing 1 bytes/);
    expect(validate({ code: 0xdc, dst: 1, src: 0, off: 0, imm: 17 })).toMatch(/byte swap width/);
    expect(validate({ code: 0x07, dst: 11, src: 0, off: 0, imm: 0 })).toMatch(/dst register/);
    expect(validate({ code: 0xdb, dst: 1, src: 2, off: 0, imm: 0x99 })).toMatch(/atomic opcode/);
  });
});
