// From a launch configuration to a loaded program: reads and assembles (or reads the ELF object),
// builds the VM with the initial maps, and reads the packet and context. Every problem becomes a
// message naming the attribute at fault.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { assembleText } from '../core/asm';
import type { AssembledFile, Program } from '../core/asm/program';
import { isElf, readObject, type ElfObject } from '../core/elf';
import type { BtfLineInfo } from '../core/elf/btf';
import { helperById, helperByName } from '../core/helpers/table';
import type { ProgType } from '../core/program-types';
import type { VerifyResult } from '../core/verifier';
import { possibleCpus } from '../core/kernel/cpus';
import { applyMapJson, loadVm } from '../core/vm/loader';
import type { Machine, RunInput } from '../core/vm/machine';
import { readCapture } from '../core/vm/pcap';
import { parseHex } from '../core/hex';

/** Launch attributes (package.json's `debuggers` contribution). */
export interface LaunchArgs {
  program: string;
  section?: string;
  programType?: string;
  packet?: string | number[];
  packetFile?: string;
  pcap?: string;
  pcapIndex?: number;
  ctx?: Record<string, unknown> | string;
  maps?: Record<string, unknown> | string;
  helpers?: Record<string, number | string>;
  stopOnEntry?: boolean;
  maxInstructions?: number;
  verifyFirst?: boolean;
  /** Where relative paths start (default: the adapter's working directory). */
  cwd?: string;
  /** Not a launch.json attribute: skips the verifier (benchmarks of programs it takes long on). */
  skipVerifier?: boolean;
  /** Not a launch.json attribute: how long the verifier may take on a program with loops (default 10 s). */
  verifierTimeoutMs?: number;
}

export interface ProgramInfo {
  index: number;
  program: Program;
  /** Functions and labels, by slot ascending (for frame names). */
  functions: { name: string; slot: number }[];
  verifier?: VerifyResult;
}

/** Base address of program code in the VM (as the machine hands out function addresses). */
/** A program ready to debug. */
export interface Prepared {
  file: AssembledFile;
  machine: Machine;
  progType: ProgType | undefined;
  /** The program run first, then the file's others (tail-call targets). */
  programs: ProgramInfo[];
  /** Absolute path of the program file. */
  sourcePath: string;
  input: RunInput;
  /** BTF line info of an object built with clang -g (undefined for assembly). */
  lineInfo?: BtfLineInfo[];
  cwd: string;
}

/** Loads what a launch configuration names; a message for the user when something is wrong. */
export function prepareLaunch(args: LaunchArgs): Prepared | string {
  const cwd = args.cwd ?? process.cwd();
  const path = (p: string): string => resolve(cwd, p);
  if (typeof args.program !== 'string' || !args.program.trim()) return 'The launch configuration needs "program": an assembly file or ELF .o file.';
  const sourcePath = path(args.program);
  if (!existsSync(sourcePath)) return `program: ${sourcePath} does not exist`;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(sourcePath);
  } catch (e) {
    return `program: cannot read ${sourcePath}: ${(e as Error).message}`;
  }
  let file: AssembledFile;
  if (isElf(bytes)) {
    file = readObject(bytes);
  } else {
    const text = new TextDecoder().decode(bytes);
    file = assembleText(text);
    const errors = file.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) {
      const lineOf = (pos: number): number => text.slice(0, pos).split('\n').length;
      return `${sourcePath} has assembly errors:\n` + errors.slice(0, 5).map((d) => `  line ${lineOf(d.range.start)}: ${d.message}`).join('\n');
    }
  }
  const fileErrors = file.diagnostics.filter((d) => d.severity === 'error');
  if (isElf(bytes) && !file.programs.length) {
    return `${sourcePath}: no programs${fileErrors.length ? ` (${fileErrors[0]!.message})` : ''}`;
  }

  const helperReturns: Record<string, number | bigint> = {};
  let seed: number | undefined;
  let clockNs: bigint | undefined;
  for (const [k, v] of Object.entries(args.helpers ?? {})) {
    let n: bigint;
    try {
      n = BigInt(typeof v === 'string' ? v.trim() : v);
    } catch {
      return `helpers.${k}: expected an integer, found ${JSON.stringify(v)}`;
    }
    if (k === 'seed' || k === 'prandomSeed') seed = Number(BigInt.asUintN(32, n));
    else if (k === 'clockNs' || k === 'clock') clockNs = n;
    else if (helperByName(k) || helperByName(`bpf_${k}`) || (/^\d+$/.test(k) && helperById(Number(k)))) helperReturns[helperByName(k) ? k : /^\d+$/.test(k) ? k : `bpf_${k}`] = n;
    else return `helpers: unknown helper '${k}' (use helper names such as bpf_get_prandom_u32, or "seed" and "clockNs")`;
  }
  const limit = args.maxInstructions ?? 1_000_000;
  if (!Number.isInteger(limit) || limit < 1) return `maxInstructions: expected a positive integer, found ${JSON.stringify(args.maxInstructions)}`;
  // per-CPU maps hold a value for each CPU the kernel considers possible; the program runs as CPU 0
  const loaded = loadVm(file, { section: args.section, progType: args.programType, limit, seed, clockNs, helperReturns, cpus: possibleCpus(), cpu: 0 });
  if (typeof loaded === 'string') return loaded;
  const machine = loaded.machine;
  const progType = loaded.progType;
  const ordered = [loaded.program, ...file.programs.filter((p) => p !== loaded.program)];
  const programs: ProgramInfo[] = ordered.map((program, index) => {
    // Frames are named after functions: the entry, function symbols, and targets of bpf-to-bpf calls.
    const fns = new Map<number, string>([[0, program.name]]);
    const nameAt = new Map<number, string>();
    for (const [name, slot] of program.labels) if (!nameAt.has(slot)) nameAt.set(slot, name);
    for (const f of program.functions) fns.set(f.slot, f.name);
    for (const p of program.insns) {
      if (p.insn.code !== 0x85 || p.insn.src !== 1) continue;
      const target = p.slot + 1 + p.insn.imm;
      if (!fns.has(target)) fns.set(target, nameAt.get(target) ?? `func_${target}`);
    }
    return { index, program, functions: [...fns].map(([slot, name]) => ({ name, slot })).sort((a, b) => a.slot - b.slot) };
  });

  if (args.maps !== undefined) {
    let json: unknown = args.maps;
    if (typeof args.maps === 'string') {
      const p = path(args.maps);
      if (!existsSync(p)) return `maps: ${p} does not exist`;
      try {
        json = JSON.parse(readFileSync(p, 'utf8'));
      } catch (e) {
        return `maps: ${p} is not valid JSON (${(e as Error).message})`;
      }
    }
    const err = applyMapJson(machine, json);
    if (err) return `maps: ${err}`;
  }

  const input = readInput(args, path);
  if (typeof input === 'string') return input;

  return { file, machine, progType, programs, sourcePath, input, cwd, lineInfo: isElf(bytes) ? (file as ElfObject).lineInfo : undefined };
}

function readInput(args: LaunchArgs, path: (p: string) => string): RunInput | string {
  const input: RunInput = {};
  const given = ['packet', 'packetFile', 'pcap'].filter((k) => (args as unknown as Record<string, unknown>)[k] !== undefined);
  if (given.length > 1) return `give only one of ${given.join(', ')}`;
  if (args.packet !== undefined) {
    if (Array.isArray(args.packet)) {
      if (args.packet.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return 'packet: an array must hold byte values 0-255';
      input.packet = Uint8Array.from(args.packet);
    } else if (typeof args.packet === 'string') {
      const bytes = parseHex(args.packet);
      if (typeof bytes === 'string') return `packet: ${bytes}`;
      input.packet = bytes;
    } else return 'packet: expected a hex string or an array of bytes';
  }
  if (args.packetFile !== undefined) {
    const p = path(args.packetFile);
    if (!existsSync(p)) return `packetFile: ${p} does not exist`;
    input.packet = readFileSync(p);
  }
  if (args.pcap !== undefined) {
    const p = path(args.pcap);
    if (!existsSync(p)) return `pcap: ${p} does not exist`;
    const cap = readCapture(readFileSync(p));
    if (typeof cap === 'string') return `pcap: ${p}: ${cap}`;
    const i = args.pcapIndex ?? 0;
    if (!Number.isInteger(i) || i < 0 || i >= cap.packets.length) return `pcapIndex: ${i} is out of range (the capture has ${cap.packets.length} packets)`;
    input.packet = cap.packets[i];
  }
  if (args.ctx !== undefined) {
    if (typeof args.ctx === 'string') {
      const bytes = parseHex(args.ctx);
      if (typeof bytes === 'string') return `ctx: ${bytes}`;
      input.ctx = bytes;
    } else if (args.ctx && typeof args.ctx === 'object' && !Array.isArray(args.ctx)) {
      for (const [k, v] of Object.entries(args.ctx)) {
        const ok = (x: unknown): boolean => typeof x === 'number' || typeof x === 'string' || typeof x === 'bigint';
        if (!(ok(v) || (Array.isArray(v) && v.every(ok)))) return `ctx.${k}: expected a number (or an array of numbers)`;
        if (typeof v === 'string' && !/^\s*-?(0x[0-9a-f]+|\d+)\s*$/i.test(v)) return `ctx.${k}: '${v}' is not a number`;
      }
      input.ctxFields = args.ctx as RunInput['ctxFields'];
    } else return 'ctx: expected an object of field values or a hex string';
  }
  return input;
}

