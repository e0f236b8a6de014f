// Whole-program disassembly: a source listing in either syntax that re-assembles to the same bytes
// (jump targets as labels on request, `.quad` for encodings the syntax cannot express), or an
// llvm-objdump style listing.
import { encodeProgram, type Instruction } from '../isa';
import type { Syntax } from '../asm/ast';
import type { Program } from '../asm/program';
import { fullyShown } from './fields';
import { formatJump, printLlvm, UNKNOWN, type NumberStyle } from './llvm';
import { printMnemonic } from './mnemonic';
import { objdumpLines } from './objdump';
import { helperById } from '../helpers/table';

export interface DisassembleOptions {
  syntax: Syntax;
  /** Name jump targets with labels instead of relative offsets (local calls always get labels in LLVM syntax). */
  labels?: boolean;
  /** 'source' (default): text to assemble again. 'objdump': address, bytes and LLVM text, as llvm-objdump prints. */
  format?: 'source' | 'objdump';
  /** objdump format: show the instruction bytes (default true). */
  rawBytes?: boolean;
  /** Section name for the objdump header and jump annotations. */
  section?: string;
  /** Source format: call helpers by name (`call bpf_map_lookup_elem`) instead of number. */
  helperNames?: boolean;
  /** Source format: 'objdump' (default) writes numbers as the disassemblers do; 'source' writes small ones in decimal. */
  numbers?: NumberStyle;
}

/** One decoded source line of a listing. */
export interface ListedInsn {
  slot: number;
  /** Slots taken: 2 for ld_imm64, else 1. */
  size: 1 | 2;
  insn: Instruction;
  /** The instruction's text, or a `.quad` line when the syntax cannot express it. */
  text: string;
  /** True when `text` is raw data rather than an instruction. */
  raw: boolean;
}

export function disassemble(input: Uint8Array | Program, options: DisassembleOptions): string {
  const program = input instanceof Uint8Array ? undefined : input;
  const bytes = program ? encodeProgram(program.insns.map((p) => p.insn)) : input as Uint8Array;
  if (options.format === 'objdump') {
    return objdumpLines(bytes, {
      section: options.section ?? program?.section ?? '.text',
      rawBytes: options.rawBytes ?? true,
      ...(program ? { symbol: program.name } : {}),
    }).join('\n') + '\n';
  }
  return sourceListing(bytes, options, program);
}

/** Splits bytes into instructions the way our assembler writes them: ld_imm64 is wide when its second slot is clean. */
function decodeSlots(bytes: Uint8Array): { slot: number; size: 1 | 2; insn: Instruction; clean: boolean }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = Math.floor(bytes.byteLength / 8);
  const out: { slot: number; size: 1 | 2; insn: Instruction; clean: boolean }[] = [];
  for (let slot = 0; slot < total; ) {
    const at = slot * 8;
    const insn: Instruction = {
      code: view.getUint8(at),
      dst: view.getUint8(at + 1) & 0xf,
      src: view.getUint8(at + 1) >> 4,
      off: view.getInt16(at + 2, true),
      imm: view.getInt32(at + 4, true),
    };
    if (insn.code === 0x18) {
      if (slot + 1 < total && view.getUint32(at + 8, true) === 0) {
        insn.hi = view.getInt32(at + 12, true);
        out.push({ slot, size: 2, insn, clean: true });
        slot += 2;
        continue;
      }
      out.push({ slot, size: 1, insn, clean: false });
      slot += 1;
      continue;
    }
    out.push({ slot, size: 1, insn, clean: true });
    slot += 1;
  }
  return out;
}

/** Raw data for the instruction at `slot`: `.quad` with one word per slot it takes. */
function quadLine(bytes: Uint8Array, slot: number, size: 1 | 2 = 1): string {
  const out: string[] = [];
  for (let s = slot; s < slot + size; s++) {
    let v = 0n;
    for (let j = 7; j >= 0; j--) v = (v << 8n) | BigInt(bytes[s * 8 + j]!);
    out.push(`0x${v.toString(16).padStart(16, '0')}`);
  }
  return `.quad ${out.join(', ')}`;
}

/** Relative target of a jump or local call, and which field holds it. */
function branchDelta(insn: Instruction): { delta: number; call: boolean } | undefined {
  const cls = insn.code & 7;
  const op = insn.code & 0xf0;
  if (cls !== 5 && cls !== 6) return undefined;
  if (op === 0x80) return cls === 5 && insn.code === 0x85 && insn.src === 1 ? { delta: insn.imm, call: true } : undefined;
  if (op === 0x90 || op === 0xf0) return undefined;
  if (cls === 6 && op === 0x00) return { delta: insn.imm, call: false };
  return { delta: insn.off, call: false };
}

/** The listing's instructions, with text, for the CLI and the debugger's views. */
export function listInstructions(bytes: Uint8Array, syntax: Syntax): ListedInsn[] {
  return decodeSlots(bytes).map((d) => {
    const text = d.clean ? instructionText(d.insn, syntax) : undefined;
    return text === undefined
      ? { slot: d.slot, size: d.size, insn: d.insn, text: quadLine(bytes, d.slot, d.size), raw: true }
      : { slot: d.slot, size: d.size, insn: d.insn, text, raw: false };
  });
}

function instructionText(insn: Instruction, syntax: Syntax, numbers: NumberStyle = 'objdump'): string | undefined {
  if (!fullyShown(insn, syntax)) return undefined;
  if (syntax === 'mnemonic') return printMnemonic(insn, { numbers });
  const t = printLlvm(insn, { numbers });
  return t === UNKNOWN ? undefined : t;
}

function sourceListing(bytes: Uint8Array, options: DisassembleOptions, program: Program | undefined): string {
  const syntax = options.syntax;
  const decoded = decodeSlots(bytes);
  const total = Math.floor(bytes.byteLength / 8);
  const starts = new Set<number>(decoded.map((d) => d.slot));
  starts.add(total);

  // Names: the program's own labels and functions first, then generated ones for targets.
  const names = new Map<number, string>();
  const taken = new Set<string>();
  const globals = new Set<string>();
  if (program) {
    for (const fn of program.functions) {
      if (!names.has(fn.slot)) names.set(fn.slot, fn.name);
      taken.add(fn.name);
      if (fn.global) globals.add(fn.name);
    }
    for (const [name, slot] of program.labels) {
      if (!names.has(slot)) names.set(slot, name);
      taken.add(name);
    }
  }
  const relocs = new Map<number, { symbol: string; kind: 'imm64' | 'call' }>();
  for (const r of program?.relocations ?? []) relocs.set(r.slot, r);
  const fresh = (base: string): string => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
  for (const d of decoded) {
    const b = branchDelta(d.insn);
    if (!b || !d.clean || relocs.has(d.slot)) continue;
    const wanted = b.call ? true : options.labels === true;
    const target = d.slot + 1 + b.delta;
    if (!wanted || !starts.has(target) || names.has(target)) continue;
    names.set(target, fresh(b.call ? `func${target}` : `L${target}`));
  }

  const lines: string[] = [];
  if (program && syntax === 'llvm' && program.section !== '.text') {
    lines.push(`\t.section\t${program.section},"ax",@progbits`);
  }
  const label = (slot: number): void => {
    const name = names.get(slot);
    if (name === undefined) return;
    if (syntax === 'llvm' && globals.has(name)) lines.push(`\t.globl\t${name}`);
    lines.push(`${name}:`);
  };
  for (const d of decoded) {
    label(d.slot);
    const helper = options.helperNames && !relocs.has(d.slot) && d.insn.code === 0x85 && d.insn.src === 0 && d.insn.dst === 0 && d.insn.off === 0
      ? helperById(d.insn.imm)?.name : undefined;
    lines.push('\t' + (helper ? `call ${helper}` : lineFor(d, bytes, syntax, names, relocs.get(d.slot), options.labels === true, options.numbers ?? 'objdump')));
  }
  label(total);
  if (bytes.byteLength > total * 8) {
    // A trailing partial slot: keep its bytes so the listing still holds everything.
    const tail = Array.from(bytes.subarray(total * 8), (b) => '0x' + b.toString(16).padStart(2, '0'));
    lines.push(`\t.byte ${tail.join(', ')}`);
  }
  return lines.join('\n') + '\n';
}

function lineFor(
  d: { slot: number; size: 1 | 2; insn: Instruction; clean: boolean },
  bytes: Uint8Array,
  syntax: Syntax,
  names: Map<number, string>,
  reloc: { symbol: string; kind: 'imm64' | 'call' } | undefined,
  labels: boolean,
  numbers: NumberStyle,
): string {
  const { insn, slot } = d;
  const raw = (): string => quadLine(bytes, slot, d.size);
  if (!d.clean) return raw();
  if (reloc) {
    if (reloc.kind === 'imm64' && insn.code === 0x18) {
      return syntax === 'llvm' ? `r${insn.dst} = ${reloc.symbol} ll` : `lddw %r${insn.dst}, ${reloc.symbol}`;
    }
    if (reloc.kind === 'call' && insn.code === 0x85) {
      return syntax === 'llvm' ? `call ${reloc.symbol}` : `call ${insn.src === 1 ? 'local ' : ''}${reloc.symbol}`;
    }
  }
  const b = branchDelta(insn);
  const targetName = b ? names.get(slot + 1 + b.delta) : undefined;
  const useName = targetName !== undefined && (b!.call || labels);
  if (syntax === 'mnemonic') {
    if (!fullyShown(insn, 'mnemonic')) return raw();
    const text = printMnemonic(insn, useName ? { slot, labelFor: (t) => names.get(t), numbers } : { numbers });
    return text ?? raw();
  }
  // LLVM syntax: a local call only exists as `call <label>`.
  if (b?.call) return useName && insn.dst === 0 && insn.off === 0 ? `call ${targetName}` : raw();
  // llvm-mc takes a numeric gotol offset only when it fits in 16 bits.
  if (insn.code === 0x06 && !useName && (insn.imm < -32768 || insn.imm > 32767)) return raw();
  const text = instructionText(insn, 'llvm', numbers);
  if (text === undefined) return raw();
  if (useName) {
    const suffix = formatJump((insn.code & 7) === 6 && (insn.code & 0xf0) === 0 ? insn.imm : insn.off, numbers);
    if (text.endsWith(suffix)) return text.slice(0, text.length - suffix.length) + targetName;
  }
  return text;
}
