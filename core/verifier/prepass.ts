// The load-time pass over every instruction that runs before the control-flow check (the kernel's
// resolve_pseudo_ldimm64): LDX reserved fields, ld_imm64 map references, and opcodes the kernel's
// instruction table does not have. Its errors come with no instruction walked (processed 0).
import type { MapDef } from '../map-types';
import type { Slots } from './cfg';

/** BPF_MAX_VAR_OFF: the largest direct map value offset. */
const MAX_VAR_OFF = 1 << 29;

/** Whether the kernel's instruction table (bpf_opcode_in_insntable) has this opcode byte. */
export function opcodeInKernelTable(code: number): boolean {
  const cls = code & 7;
  const op = code & 0xf0;
  const x = (code & 8) !== 0;
  switch (cls) {
    case 0x00: // LD: ld_imm64, and LD_ABS / LD_IND of 1, 2, 4 bytes
      return code === 0x18 || code === 0x20 || code === 0x28 || code === 0x30 || code === 0x40 || code === 0x48 || code === 0x50;
    case 0x01: { // LDX: MEM of any size, MEMSX of 1, 2, 4 bytes
      const mode = code & 0xe0;
      return mode === 0x60 || (mode === 0x80 && (code & 0x18) !== 0x18);
    }
    case 0x02: // ST MEM
      return (code & 0xe0) === 0x60;
    case 0x03: { // STX MEM, and ATOMIC of every size (load-acquire/store-release take 1 and 2 bytes)
      const mode = code & 0xe0;
      return mode === 0x60 || mode === 0xc0;
    }
    case 0x04: case 0x07:
      if (op <= 0x70 || op === 0x90 || op === 0xa0 || op === 0xb0 || op === 0xc0) return true;
      if (op === 0x80) return !x; // NEG
      if (op === 0xd0) return cls === 0x04 || !x; // END: to_le/to_be, and ALU64 bswap
      return false;
    case 0x05: case 0x06:
      if (op === 0x00) return !x; // JA
      if (op === 0x80 || op === 0x90) return cls === 0x05 && !x; // CALL, EXIT
      if (op === 0xe0) return cls === 0x05 && !x; // JCOND (may_goto)
      return op !== 0xf0;
  }
  return false;
}

export interface PrepassError {
  message: string;
  insn: number;
}

/** The first load-time error, in instruction order, or undefined. Map references index `maps`. */
export function loadTimeCheck(slots: Slots, maps: readonly MapDef[]): PrepassError | undefined {
  for (let i = 0; i < slots.count; i++) {
    const insn = slots.at[i];
    if (!insn) continue;
    const { code } = insn;
    if ((code & 7) === 0x01 && (((code & 0xe0) !== 0x60 && (code & 0xe0) !== 0x80) || insn.imm !== 0)) {
      return { message: 'BPF_LDX uses reserved fields', insn: i };
    }
    if (code === 0x18) {
      const src = insn.src;
      if (src === 0 || src === 3 || src === 4) continue;
      if (src === 5 || src === 6) return { message: 'fd_idx without fd_array is invalid', insn: i };
      if (src !== 1 && src !== 2) return { message: 'unrecognized bpf_ld_imm64 insn', insn: i };
      const map = maps[insn.imm];
      if (!map) return { message: `fd ${insn.imm} is not pointing to valid bpf_map`, insn: i };
      if (src === 2) {
        const off = (insn.hi ?? 0) >>> 0;
        if (off >= MAX_VAR_OFF) return { message: `direct value offset of ${off} is not allowed`, insn: i };
        if (map.type !== 'array') return { message: 'no direct value access support for this map type', insn: i };
        // array_map_direct_value_addr: one-element arrays only (global data), offset inside the value
        if (map.maxEntries !== 1 || off >= map.valueSize) return { message: `invalid access to map value pointer, value_size=${map.valueSize} off=${off}`, insn: i };
      }
      continue;
    }
    if (!opcodeInKernelTable(code)) return { message: `unknown opcode ${code.toString(16).padStart(2, '0')}`, insn: i };
  }
  return undefined;
}
