// The "state lines" measure: do our level-2 logs print the same register and stack knowledge as the
// kernel's at every instruction? Compares the per-instruction lines (`N: (xx) insn ; R1=...`,
// `from X to Y: ...`, `N: R0=...`, `N: safe`) and, separately, the liveness listing that opens the log.
import { type Case, loadCaseInKernel } from './verifier-conformance';
import { verify } from '../core/verifier';
import { parseStateText } from '../core/verifier/state-text';
import { randomProgram } from '../core/testing/random-programs';

type KernelApi = typeof import('../core/kernel');

const STATE_LINE = /^\d+: \(|^from \d+ to \d+:|^\d+: (?:R\d|frame\d|fp-)|^\d+: safe$/;
const LIVE_LINE = /^\s*(?:\d+\s+)?\d+: [.0-9]{10} \(/;

/**
 * The per-instruction state lines of a level-2 log, in order. A map load prints the map's kernel
 * address in the kernel's log and `map[id:N]` in ours: both become `<map>`.
 */
export function stateLines(log: string): string[] {
  return log.split('\n').filter((l) => STATE_LINE.test(l)).map((l) => (MAP_LOAD.test(l) ? l.replace(MAP_LOAD, '$1<map>').replace(/\s+;/, ' ;') : l));
}

const MAP_LOAD = /^(\d+: \(18\) r\d+ = )(?:0x[0-9a-f]{16}|map\[id:\d+\](?:\[0\]\+\d+)?)/;

/** The `Live regs before insn:` listing (with the kernel's loop-component column when it prints one). */
export function liveLines(log: string): string[] {
  return log.split('\n').filter((l) => LIVE_LINE.test(l)).map((l) => l.replace(LIVE_MAP_LOAD, '$1<map>'));
}

const LIVE_MAP_LOAD = /(\(18\) r\d+ = )(?:0x[0-9a-f]{16}|map\[id:\d+\](?:\[0\]\+\d+)?)$/;

export interface StateComparison {
  name: string;
  /** Left out: the program runs too long for a level-2 log of reasonable size. */
  skipped?: string;
  same: boolean;
  sameLiveness: boolean;
  /** First differing state line (index into the state lines) and both sides' text. */
  line?: number;
  kernel?: string;
  ours?: string;
  /** Grouping key of the first difference. */
  kind?: string;
  /** Both walks processed the same number of instructions (else pruning differs, which shows in the states). */
  sameProcessed?: boolean;
}

/** Programs whose walk is longer than this are left out (their level-2 logs run to many megabytes). */
export const MAX_PROCESSED = 20_000;

/** The text of one log line after `;` (or after `N:` / `from X to Y:`), as entries. */
function entriesOf(line: string): Map<string, string> {
  const semi = line.indexOf(';');
  if (semi >= 0) return parseStateText(line.slice(semi + 1));
  const m = /^(?:from \d+ to \d+|\d+):(.*)$/.exec(line);
  return m ? parseStateText(m[1]!) : new Map();
}

const shape = (line: string): string => {
  const insn = /^\d+: (\([0-9a-f]{2}\) [^;]*?)\s*(?:;|$)/.exec(line)?.[1];
  if (insn) return insn.slice(0, 5) + insn.slice(5).replace(/\b([rw])\d\b/g, '$1N').replace(/[-+]?\b(0x[0-9a-f]+|\d+)\b/g, 'K');
  if (line.startsWith('from ')) return 'from X to Y';
  if (/^\d+: safe$/.test(line)) return 'N: safe';
  return 'N: state';
};

/** A short description of how two state lines differ, for grouping. */
export function differenceKind(k: string | undefined, o: string | undefined): string {
  if (k === undefined) return `extra line in ours: ${shape(o ?? '')}`;
  if (o === undefined) return `line missing in ours: ${shape(k)}`;
  const ks = shape(k);
  if (ks !== shape(o)) return `different line: kernel ${ks} | ours ${shape(o)}`;
  const hasK = k.includes(';') || !/^\d+: \(/.test(k);
  const hasO = o.includes(';') || !/^\d+: \(/.test(o);
  if (hasK && !hasO) return `${ks}: state printed by the kernel only`;
  if (!hasK && hasO) return `${ks}: state printed by us only`;
  const ke = entriesOf(k);
  const oe = entriesOf(o);
  for (const name of new Set([...ke.keys(), ...oe.keys()])) {
    const a = ke.get(name);
    const b = oe.get(name);
    if (a === b) continue;
    if (a === undefined) return `${ks}: ${name} printed by us only`;
    if (b === undefined) return `${ks}: ${name} printed by the kernel only`;
    const ida = /\bid=(\d+(?:\+-?\d+)?)/.exec(a)?.[1];
    const idb = /\bid=(\d+(?:\+-?\d+)?)/.exec(b)?.[1];
    if ((ida === undefined) !== (idb === undefined)) return `${ks}: ${ida ? 'id kept by the kernel only' : 'id kept by us only'}`;
    const strip = (t: string): string => t.replace(/\bid=[^,)]*,?/, '');
    if (strip(a) === strip(b)) return `${ks}: different id numbers`;
    const kindA = a.replace(/\(.*$/, '');
    const kindB = b.replace(/\(.*$/, '');
    if (kindA !== kindB && !/^-?\d|^0x/.test(kindA + kindB)) return `${ks}: different kinds`;
    return `${ks}: different bounds`;
  }
  return `${ks}: same entries, different text`;
}

/** Loads the case at log level 2 in the kernel and verifies it at level 2 here, and compares the lines. */
export function compareStates(kernel: KernelApi, c: Case): StateComparison {
  const ours = verify(c.insns, { maps: c.maps, progType: c.progType, logLevel: 2 });
  if (ours.processed > MAX_PROCESSED) return { name: c.name, skipped: `processed ${ours.processed}`, same: false, sameLiveness: false };
  const load = loadCaseInKernel(kernel, c, { logLevel: 2, logSize: 1 << 20 });
  if ('mapError' in load) return { name: c.name, skipped: 'the kernel refuses a map', same: false, sameLiveness: false };
  if (load.logTruncated) return { name: c.name, skipped: 'kernel log truncated', same: false, sameLiveness: false };
  return compareLogs(c.name, load.log, ours.log);
}

/** Compares two level-2 logs (kernel's first). */
export function compareLogs(name: string, kernelLog: string, ourLog: string): StateComparison {
  const kl = stateLines(kernelLog);
  const ol = stateLines(ourLog);
  const kLive = liveLines(kernelLog);
  const oLive = liveLines(ourLog);
  const sameLiveness = kLive.length === oLive.length && kLive.every((l, i) => l === oLive[i]);
  const processed = (log: string): string | undefined => /^processed (\d+) insns/m.exec(log)?.[1];
  const sameProcessed = processed(kernelLog) === processed(ourLog);
  for (let i = 0; i < Math.max(kl.length, ol.length); i++) {
    if (kl[i] === ol[i]) continue;
    return { name, same: false, sameLiveness, sameProcessed, line: i, kernel: kl[i], ours: ol[i], kind: differenceKind(kl[i], ol[i]) };
  }
  return { name, same: true, sameLiveness, sameProcessed };
}

export interface StateSummary {
  total: number;
  compared: number;
  same: number;
  sameLiveness: number;
  /** Programs whose processed counts agree, and how many of those have equal state lines. */
  sameProcessed: number;
  sameWhenSameProcessed: number;
  skipped: StateComparison[];
  /** First differences grouped by kind, most frequent first. */
  groups: { kind: string; count: number; example: StateComparison }[];
}

export function summarizeStates(results: readonly StateComparison[]): StateSummary {
  const groups = new Map<string, { kind: string; count: number; example: StateComparison }>();
  let same = 0;
  let sameLiveness = 0;
  let sameProcessed = 0;
  let sameWhenSameProcessed = 0;
  const skipped: StateComparison[] = [];
  for (const r of results) {
    if (r.skipped) { skipped.push(r); continue; }
    if (r.sameLiveness) sameLiveness++;
    if (r.sameProcessed) sameProcessed++;
    if (r.same && r.sameProcessed) sameWhenSameProcessed++;
    if (r.same) { same++; continue; }
    const g = groups.get(r.kind!);
    if (g) g.count++;
    else groups.set(r.kind!, { kind: r.kind!, count: 1, example: r });
  }
  return {
    total: results.length, compared: results.length - skipped.length, same, sameLiveness, sameProcessed, sameWhenSameProcessed, skipped,
    groups: [...groups.values()].sort((a, b) => b.count - a.count),
  };
}

const pct = (a: number, b: number): string => (b ? ((100 * a) / b).toFixed(1) : '0.0') + '%';

export function stateReport(title: string, s: StateSummary, maxGroups = 25): string {
  const lines = [`${title}: state lines equal to the kernel's in ${s.same}/${s.compared} programs (${pct(s.same, s.compared)}), liveness listing equal in ${s.sameLiveness}/${s.compared} (${pct(s.sameLiveness, s.compared)}); among the ${s.sameProcessed} with the kernel's processed count: ${s.sameWhenSameProcessed} (${pct(s.sameWhenSameProcessed, s.sameProcessed)})${s.skipped.length ? `, ${s.skipped.length} left out (too long)` : ''}`];
  for (const g of s.groups.slice(0, maxGroups)) {
    lines.push(`  ${g.count} x ${g.kind}   [${g.example.name}, line ${g.example.line}${g.example.sameProcessed ? '' : ', processed count differs'}]`);
    lines.push(`      K: ${g.example.kernel ?? '(none)'}`);
    lines.push(`      O: ${g.example.ours ?? '(none)'}`);
  }
  if (s.groups.length > maxGroups) lines.push(`  ... and ${s.groups.length - maxGroups} more kinds`);
  return lines.join('\n');
}

/** Random XDP programs (core/testing/random-programs.ts, 30 body operations), seeds 1..count. */
export function randomStateCases(count: number, first = 1): Case[] {
  const out: Case[] = [];
  for (let seed = first; seed < first + count; seed++) {
    const p = randomProgram(seed, { length: 30 });
    out.push({ name: `random-${seed}`, insns: p.insns, maps: [], progType: 'xdp' });
  }
  return out;
}

async function main(): Promise<void> {
  const { generatedCases, kernelForComparison, loadCorpus } = await import('./verifier-conformance');
  const kernel = await kernelForComparison();
  if (!kernel) return;
  const groups = Number(process.env.GROUPS ?? 25);
  const which = (process.env.ONLY ?? 'corpus,generated,random').split(',');
  if (which.includes('corpus')) {
    const { cases } = loadCorpus();
    console.log(stateReport('state lines, own corpus', summarizeStates(cases.map((c) => compareStates(kernel, c))), groups));
  }
  if (which.includes('generated')) {
    const gen = generatedCases(Number(process.env.GEN ?? 500), Number(process.env.SEED ?? 1));
    console.log(stateReport('state lines, generated', summarizeStates(gen.map((c) => compareStates(kernel, c))), groups));
  }
  if (which.includes('random')) {
    const rnd = randomStateCases(Number(process.env.RANDOM ?? 150));
    console.log(stateReport('state lines, random XDP programs', summarizeStates(rnd.map((c) => compareStates(kernel, c))), groups));
  }
}

if (require.main === module) void main();
