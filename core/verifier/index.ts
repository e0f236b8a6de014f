// The verifier's public API: verify(program, options) -> verdict, the kernel's messages on the
// failing instruction with the path that led there, the log, and per-instruction states.
import type { Instruction } from '../isa';
import type { Program } from '../asm/program';
import type { Range } from '../asm/ast';
import type { MapDef } from '../map-types';
import type { ProgType } from '../program-types';
import { toSlots } from './cfg';
import { explain } from './explain';
import { helperNameOf } from './helper-names';
import { COMPLEXITY_LIMIT, type RawPathStep, RoundAbort, Verifier } from './verifier';

/** Walks that may stop early at a new precise comparison before the walks run to the end. */
const MAX_ABORTED_ROUNDS = 64;

export interface VerifyOptions {
  /** Maps: ld_imm64 with src=1 (map fd) / src=2 (map value) uses imm as an index into this list. */
  maps?: readonly MapDef[];
  progType?: ProgType;
  unprivileged?: boolean;
  /** 0 (none), 1 or 2: a log in the kernel's format. */
  logLevel?: number;
  /** Record the joined register/stack state after each instruction. */
  collectStates?: boolean;
}

export interface PathEntry {
  insn: number;
  /** Source range of that instruction, when verifying an assembled Program. */
  range?: Range;
  /** What happened there: `branch taken`, `branch not taken`, `call`, `return`, `R0 set here`. */
  note: string;
}

export interface VerifierDiagnostic {
  /** The kernel's first line, exactly. */
  message: string;
  /** The kernel's further lines. */
  notes: string[];
  /** Slot index of the failing instruction (the kernel's insn numbering). */
  insn: number;
  /** Source range of the failing instruction, when verifying an assembled Program. */
  range?: Range;
  path: PathEntry[];
  /**
   * Set when bpf_prog_load refuses the program before the verifier runs (unprivileged loads):
   * the errno the syscall returns. The message is then ours, not a verifier message.
   */
  errno?: 'EPERM' | 'E2BIG';
  /** Our plain-language explanation and suggested fix, for common errors. */
  explanation?: string;
  fix?: string;
}

export interface VerifyResult {
  accepted: boolean;
  errors: VerifierDiagnostic[];
  log: string;
  processed: number;
  /** Per slot: the state after the instruction joined over all paths (kernel notation; `a|b` where kinds differ). */
  states: (string | undefined)[];
  /** Per slot: the distinct states after the instruction, one per path shape (at most 16). */
  statePaths: (string[] | undefined)[];
  warnings: { insn: number; message: string }[];
  totalStates: number;
  peakStates: number;
}

function pathEntries(steps: RawPathStep[]): PathEntry[] {
  return steps.map((s) => ({
    insn: s.insn,
    note: s.kind === 'branch' ? (s.taken ? 'branch taken' : 'branch not taken')
      : s.kind === 'def' ? `R${s.reg} set here` : s.kind,
  }));
}

/**
 * Verifies one program: instructions (ld_imm64 counts as two slots, as in the kernel; map
 * references are indexes into options.maps), or an assembled Program (relocations resolved
 * against options.maps, diagnostics carrying source ranges).
 */
export function verify(program: readonly Instruction[] | Program, options: VerifyOptions = {}): VerifyResult {
  if (!Array.isArray(program)) return verifyProgram(program as Program, options.maps ?? [], options);
  return verifyInsns(program as readonly Instruction[], options);
}

/** BPF_MAXINSNS: the most instructions a loader without CAP_BPF may submit. */
const MAX_INSNS_UNPRIV = 4096;
/** The only program types bpf_prog_load accepts without CAP_BPF. */
const UNPRIVILEGED_TYPES: ReadonlySet<ProgType> = new Set(['socket_filter', 'cgroup_skb']);

/** bpf_prog_load's checks for a loader without capabilities, made before the verifier runs. */
function unprivilegedLoadRefusal(progType: ProgType, insnCount: number): VerifierDiagnostic | undefined {
  const where = 'bpf_prog_load refuses it before the verifier runs (and refuses every unprivileged load while kernel.unprivileged_bpf_disabled is not 0)';
  if (insnCount > MAX_INSNS_UNPRIV) {
    return {
      message: `unprivileged load refused (E2BIG): ${insnCount} instructions, more than the ${MAX_INSNS_UNPRIV} allowed without CAP_BPF`,
      notes: [where], insn: 0, path: [], errno: 'E2BIG',
    };
  }
  if (!UNPRIVILEGED_TYPES.has(progType)) {
    return {
      message: `unprivileged load refused (EPERM): program type ${progType} needs CAP_BPF; without it only socket_filter and cgroup_skb programs load`,
      notes: [where], insn: 0, path: [], errno: 'EPERM',
    };
  }
  return undefined;
}

function verifyInsns(insns: readonly Instruction[], options: VerifyOptions): VerifyResult {
  const slots = toSlots(insns);
  const refusal = options.unprivileged ? unprivilegedLoadRefusal(options.progType ?? 'socket_filter', slots.count) : undefined;
  if (refusal) {
    Object.assign(refusal, explain(refusal.message));
    return { accepted: false, errors: [refusal], log: '', processed: 0, states: [], statePaths: [], warnings: [], totalStates: 0, peakStates: 0 };
  }
  const maps = (options.maps ?? []).map((m, index) => Object.assign({}, m, { index })); // (spread is slower)
  const make = (): Verifier => new Verifier(slots, {
    progType: options.progType ?? 'socket_filter',
    maps,
    unprivileged: options.unprivileged ?? false,
    logLevel: options.logLevel ?? 0,
    collectStates: options.collectStates ?? false,
    helperName: helperNameOf,
  });
  let raw;
  try {
    // Comparisons start out imprecise (as in the kernel); any whose outcome a value decided makes
    // its operands precise, and the walk is repeated until that set is stable. A walk stops as
    // soon as it meets a new one (a bounded number of times, within a budget of instructions).
    let sinks = new Set<number>();
    let abortedWork = 0;
    let aborts = 0;
    for (let round = 0; ;) {
      const v = make();
      const early = aborts < MAX_ABORTED_ROUNDS && abortedWork < COMPLEXITY_LIMIT;
      try {
        raw = v.run(sinks, early);
      } catch (e) {
        if (!(e instanceof RoundAbort)) throw e;
        aborts++;
        abortedWork += v.processedCount;
        sinks = new Set([...sinks, ...v.decided]);
        continue;
      }
      const missing = [...v.decided].filter((i) => !sinks.has(i));
      if (missing.length === 0 || round >= 6) break;
      round++;
      sinks = new Set([...sinks, ...v.decided]);
    }
  } catch (e) {
    // An internal failure must not take the caller down; report it as a rejection on insn 0.
    const message = `internal verifier error: ${e instanceof Error ? e.message : String(e)}`;
    return { accepted: false, errors: [{ message, notes: [], insn: 0, path: [] }], log: '', processed: 0, states: [], statePaths: [], warnings: [], totalStates: 0, peakStates: 0 };
  }
  const errors: VerifierDiagnostic[] = [];
  if (raw.error) {
    const [message, ...notes] = raw.error.lines;
    const ex = explain(message);
    errors.push({ message, notes, insn: raw.error.insn, path: pathEntries(raw.error.path), ...ex });
  }
  const warnings = [...raw.unreachable.map((insn) => ({ insn, message: `unreachable insn ${insn}` })), ...raw.unchecked];
  return {
    accepted: !raw.error, errors, log: raw.log, processed: raw.processed, states: raw.states ?? [], statePaths: raw.statePaths ?? [],
    warnings, totalStates: raw.totalStates, peakStates: raw.peakStates,
  };
}

/**
 * The program's instructions as the kernel sees them after linking: a map reference becomes the
 * map's index in `maps` (src=1, or src=2 for a value address), and the address of code in the same
 * section (`r2 = callback ll`, section-relative as LLVM emits it) becomes BPF_PSEUDO_FUNC (src=4,
 * imm = slots from the next instruction), as libbpf does for callbacks.
 */
export function linkedInsns(program: Program, maps: readonly MapDef[]): Instruction[] {
  const index = new Map(maps.map((m, i) => [m.name, i]));
  const bySlot = new Map(program.relocations.map((r) => [r.slot, r]));
  return program.insns.map((p) => {
    const rel = bySlot.get(p.slot);
    if (!rel || rel.kind !== 'imm64') return p.insn;
    const i = index.get(rel.symbol);
    if (i !== undefined) return p.insn.src === 2 ? { ...p.insn, imm: i } : { ...p.insn, src: 1, imm: i, hi: 0 };
    const base = rel.symbol === program.section ? 0 : program.labels.get(rel.symbol);
    if (base === undefined || p.insn.src !== 0) return p.insn;
    const target = base + Math.trunc((p.insn.imm | 0) / 8);
    return { ...p.insn, src: 4, imm: target - p.slot - 1, hi: 0 };
  });
}

/**
 * Verifies an assembled program: map relocations become map references by index into `maps`
 * (the file's maps), as the kernel would see them after linking.
 */
export function verifyProgram(program: Program, maps: readonly MapDef[], options: Omit<VerifyOptions, 'maps'> = {}): VerifyResult {
  const insns = linkedInsns(program, maps);
  const result = verifyInsns(insns, { ...options, maps, progType: options.progType ?? program.progType ?? 'socket_filter' });
  const rangeOf = new Map(program.insns.map((p) => [p.slot, p.range] as const));
  for (const e of result.errors) {
    const r = rangeOf.get(e.insn);
    if (r) e.range = r;
    for (const p of e.path) {
      const pr = rangeOf.get(p.insn);
      if (pr) p.range = pr;
    }
  }
  return result;
}

export { kernelInsnText } from './kernel-disasm';
