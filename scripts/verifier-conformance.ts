// Differential run of our verifier against the running kernel's: every program of the corpus
// (test/fixtures/verifier/**/*.s) plus generated random/mutated programs. Reports verdict agreement,
// exact first-message agreement and the disagreements. `npm run conformance:verifier`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { assembleText } from '../core/asm';
import type { Instruction } from '../core/isa';
import type { LoadResult } from '../core/kernel';
import type { MapDef } from '../core/map-types';
import type { ProgType } from '../core/program-types';
import { linkedInsns, verify } from '../core/verifier';
import { generatePrograms, mutatePrograms } from '../core/verifier/generate';
import { kernelLogError } from '../core/verifier/kernel-log';

export interface Case {
  name: string;
  /** Program instructions after map references were resolved to indexes into `maps`. */
  insns: Instruction[];
  maps: MapDef[];
  progType: ProgType;
  /** What the corpus file says it expects (`; expect: ...`), if anything. */
  expect?: string;
}

export interface Comparison {
  name: string;
  kernelAccepted: boolean;
  kernelMessage: string;
  ourAccepted: boolean;
  ourMessage: string;
  kernelProcessed?: number;
  ourProcessed: number;
}

export interface Summary {
  total: number;
  verdictAgree: number;
  messageAgree: number;
  /** Programs where our processed-instruction count equals the kernel's. */
  processedAgree: number;
  disagreements: Comparison[];
}

export const CORPUS_DIR = join(__dirname, '..', 'test', 'fixtures', 'verifier');

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else if (name.endsWith('.s')) out.push(p);
  }
  return out;
}

/** Resolves relocations to map indexes (as verifyProgram does) so both sides see the same code. */
export function loadCorpus(dir = CORPUS_DIR): { cases: Case[]; problems: string[] } {
  const cases: Case[] = [];
  const problems: string[] = [];
  for (const file of listFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    const asm = assembleText(text);
    const errs = asm.diagnostics.filter((d) => d.severity === 'error');
    if (errs.length) {
      problems.push(`${relative(dir, file)}: ${errs[0].message}`);
      continue;
    }
    const expect = /^\s*(?:\/\/|#)\s*expect:\s*(.*)$/m.exec(text)?.[1]?.trim();
    for (const prog of asm.programs) {
      const insns = linkedInsns(prog, asm.maps);
      const name = relative(dir, file) + (asm.programs.length > 1 ? `#${prog.section}` : '');
      cases.push({ name, insns, maps: asm.maps, progType: prog.progType ?? 'socket_filter', expect });
    }
  }
  return { cases, problems };
}

/** First line of the kernel's error text (the log's last block). */
export function kernelFirstMessage(log: string): string {
  return kernelLogError(log)?.message ?? '';
}

type KernelApi = typeof import('../core/kernel');

/**
 * Loads a case into the kernel with its maps created and linked, then closes them all again (the
 * program too: `accepted` says whether the kernel took it). `mapError` when the kernel refuses a map.
 */
export function loadCaseInKernel(kernel: KernelApi, c: Case, options: { logLevel: number; logSize?: number }):
  (Omit<LoadResult, 'fd'> & { accepted: boolean }) | { mapError: string } {
  const fds: number[] = [];
  try {
    try {
      for (const m of c.maps) fds.push(kernel.createMap(m));
    } catch (e) {
      return { mapError: (e as Error).message };
    }
    const insns = c.insns.map((i) => (i.code === 0x18 && (i.src === 1 || i.src === 2) ? { ...i, imm: fds[i.imm] ?? -1 } : i));
    const { fd, ...load } = kernel.loadProgram({ insns, progType: c.progType, ...options });
    if (fd !== undefined) kernel.closeFd(fd);
    return { ...load, accepted: fd !== undefined };
  } finally {
    for (const fd of fds) kernel.closeFd(fd);
  }
}

export function compareCase(kernel: KernelApi, c: Case): Comparison {
  const ours = verify(c.insns, { maps: c.maps, progType: c.progType });
  const load = loadCaseInKernel(kernel, c, { logLevel: 1 });
  if ('mapError' in load) {
    // the kernel refuses the map itself: report it as the kernel's verdict on this input
    return {
      name: c.name, kernelAccepted: false, kernelMessage: `map: ${load.mapError}`, ourAccepted: ours.accepted,
      ourMessage: ours.errors[0]?.message ?? '', ourProcessed: ours.processed,
    };
  }
  return {
    name: c.name, kernelAccepted: load.accepted, kernelMessage: load.accepted ? '' : kernelFirstMessage(load.log) || (load.error ?? ''),
    ourAccepted: ours.accepted, ourMessage: ours.errors[0]?.message ?? '', kernelProcessed: load.processedInsns, ourProcessed: ours.processed,
  };
}

export function summarize(results: Comparison[]): Summary {
  let verdictAgree = 0;
  let messageAgree = 0;
  let processedAgree = 0;
  const disagreements: Comparison[] = [];
  for (const r of results) {
    if (r.kernelProcessed === r.ourProcessed) processedAgree++;
    const v = r.kernelAccepted === r.ourAccepted;
    const m = v && (r.kernelAccepted || r.kernelMessage === r.ourMessage);
    if (v) verdictAgree++;
    if (m) messageAgree++;
    if (!m) disagreements.push(r);
  }
  return { total: results.length, verdictAgree, messageAgree, processedAgree, disagreements };
}

const pct = (a: number, b: number): string => (b ? ((100 * a) / b).toFixed(1) : '0.0') + '%';

export function report(title: string, s: Summary, maxShown = 40): string {
  const lines = [`${title}: ${s.total} programs, verdict agreement ${s.verdictAgree}/${s.total} (${pct(s.verdictAgree, s.total)}), exact first message ${s.messageAgree}/${s.total} (${pct(s.messageAgree, s.total)}), same processed count ${s.processedAgree}/${s.total} (${pct(s.processedAgree, s.total)})`];
  for (const d of s.disagreements.slice(0, maxShown)) {
    lines.push(`  ${d.name}: kernel ${d.kernelAccepted ? 'ACCEPT' : `REJECT '${d.kernelMessage}'`} | ours ${d.ourAccepted ? 'ACCEPT' : `REJECT '${d.ourMessage}'`}`);
  }
  if (s.disagreements.length > maxShown) lines.push(`  ... and ${s.disagreements.length - maxShown} more`);
  return lines.join('\n');
}

export function generatedCases(count: number, seed: number): Case[] {
  return generatePrograms(count, seed).map((g, i) => ({ name: `gen-${seed}-${i}`, insns: g.insns, maps: g.maps, progType: g.progType }));
}

/** One-change mutants of corpus programs (the slow complexity-limit programs left out). */
export function mutantCases(cases: readonly Case[], count: number, seed: number): Case[] {
  const base = cases.filter((c) => !c.name.startsWith('gen/loop/') && !c.name.startsWith('loops/')).map((c) => ({ insns: c.insns, maps: c.maps, progType: c.progType }));
  return mutatePrograms(base, count, seed).map((g, i) => ({ name: `mutant-${seed}-${i}`, insns: g.insns, maps: g.maps, progType: g.progType }));
}

/** The kernel API when bpf() works here; otherwise says why and sets exit status 2. */
export async function kernelForComparison(): Promise<KernelApi | undefined> {
  const kernel = await import('../core/kernel');
  const avail = kernel.kernelBpfAvailable();
  if (avail.ok) return kernel;
  console.log(`bpf() is not available here (${avail.reason}); nothing to compare against.`);
  process.exitCode = 2;
  return undefined;
}

async function main(): Promise<void> {
  const kernel = await kernelForComparison();
  if (!kernel) return;
  const { cases, problems } = loadCorpus();
  for (const p of problems) console.log(`corpus problem: ${p}`);
  const corpus = summarize(cases.map((c) => compareCase(kernel, c)));
  console.log(report('own corpus', corpus, Number(process.env.SHOW ?? 60)));
  const mut = summarize(mutantCases(cases, Number(process.env.MUT ?? 500), Number(process.env.SEED ?? 1)).map((c) => compareCase(kernel, c)));
  console.log(report('mutated corpus programs', mut, Number(process.env.SHOW ?? 60)));
  const gen = summarize(generatedCases(Number(process.env.GEN ?? 500), Number(process.env.SEED ?? 1)).map((c) => compareCase(kernel, c)));
  console.log(report('generated', gen, Number(process.env.SHOW ?? 60)));
  if (process.env.STATES !== '0') await stateLineMetrics(kernel, cases);
}

/** The level-2 "state lines" measure (scripts/verifier-states.ts) on the corpus, generated and random programs. */
async function stateLineMetrics(kernel: KernelApi, cases: readonly Case[]): Promise<void> {
  const { compareStates, randomStateCases, stateReport, summarizeStates } = await import('./verifier-states');
  const groups = Number(process.env.GROUPS ?? 25);
  const seed = Number(process.env.SEED ?? 1);
  console.log(stateReport('state lines, own corpus', summarizeStates(cases.map((c) => compareStates(kernel, c))), groups));
  const gen = generatedCases(Number(process.env.GEN ?? 500), seed);
  console.log(stateReport('state lines, generated', summarizeStates(gen.map((c) => compareStates(kernel, c))), groups));
  const rnd = randomStateCases(Number(process.env.RANDOM ?? 150));
  console.log(stateReport('state lines, random XDP programs', summarizeStates(rnd.map((c) => compareStates(kernel, c))), groups));
}

if (require.main === module) void main();
