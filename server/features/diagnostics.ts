// Diagnostics: assembly errors, the verifier's verdict per program, and warnings for unused
// labels and maps, unreachable code and helpers the program type may not call.
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic, type DiagnosticRelatedInformation, type Range } from 'vscode-languageserver-types';
import { helperAvailability } from '../../core/helpers/allowed';
import { helperName } from '../../core/helpers/table';
import { CALL } from '../../core/isa';
import { looksLikeLog } from '../../core/asm/llvm-parser';
import { kernelLogError, type KernelLogError } from '../../core/verifier/kernel-log';
import type { DocumentAnalysis } from '../analysis';
import { toLspRange } from '../positions';
import { parseDataFile } from '../../core/asm/data-file';

export const SOURCE = 'bpf-asm';

export function diagnostics(doc: DocumentAnalysis): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const d of [...doc.parsed.diagnostics, ...doc.assembled.diagnostics]) {
    const key = `${d.range.start}:${d.range.end}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      range: toLspRange(doc.lines, d.range),
      severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      message: d.message,
      code: d.code,
      source: SOURCE,
    });
  }
  // the suite's labels are often only notes (its jumps use offsets)
  if (!doc.dataFile) out.push(...unusedSymbols(doc));
  if (out.some((d) => d.severity === DiagnosticSeverity.Error)) return out;
  if (doc.dataFile) return [...out, ...conformanceDiagnostics(doc)];
  out.push(...helperAvailabilityWarnings(doc));
  // A pasted log of a rejected load lists the program only up to the error: show the kernel's own
  // verdict there instead of verifying the cut-off program.
  const logged = looksLikeLog(doc.text) ? kernelLogError(doc.text) : undefined;
  if (logged) out.push(loggedError(doc, logged));
  else out.push(...verifierDiagnostics(doc));
  return out;
}

/** A .data file whose program, run in the VM, does not give its `-- result` (or `-- error`). */
function conformanceDiagnostics(doc: DocumentAnalysis): Diagnostic[] {
  const data = parseDataFile(doc.text);
  const at = (name: string): Range | undefined => {
    const s = data.sections.find((x) => x.name.toLowerCase() === name);
    return s && toLspRange(doc.lines, s.header);
  };
  const diagnostic = (range: Range | undefined, message: string, severity: DiagnosticSeverity = DiagnosticSeverity.Warning): Diagnostic => ({
    range: range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity, message, code: 'conformance-result', source: SOURCE,
  });
  if (!data.asm && !data.raw) return [diagnostic(undefined, "no '-- asm' or '-- raw' section: there is no program to run", DiagnosticSeverity.Error)];
  if (data.result === undefined && data.error === undefined) return [diagnostic(at('asm') ?? at('raw'), "no '-- result' (nor '-- error'): nothing to check the run against")];
  const o = doc.conformance;
  if (o.error) return [diagnostic(at('asm') ?? at('raw'), `the program cannot run: ${o.error}`, DiagnosticSeverity.Error)];
  if (o.pass) return [];
  const where = o.fault?.line !== undefined ? ` (line ${o.fault.line + 1})` : '';
  const outcome = o.fault ? `stops with: ${o.fault.message}${where}` : `returns r0 = 0x${o.r0!.toString(16)}`;
  if (o.expectedError !== undefined) return [diagnostic(at('error'), `-- error expects the run to fail, but in the VM it ${outcome}`)];
  return [diagnostic(at('result'), `-- result expects 0x${o.expected!.toString(16)}, but in the VM the program ${outcome}`)];
}

function loggedError(doc: DocumentAnalysis, e: KernelLogError): Diagnostic {
  const lines = doc.text.split('\n');
  let line = e.line;
  if (e.insn !== undefined) {
    // `5: (85) call ...`, or at log level 2 with the liveness column: `5: .12....... (85) call ...`
    const re = new RegExp(`^\\s*${e.insn}:\\s*(?:[.0-9]+\\s+)?\\([0-9a-fA-F]{2}\\)`);
    for (let i = e.line - 1; i >= 0; i--) if (re.test(lines[i]!)) { line = i; break; }
  }
  return {
    range: { start: { line, character: 0 }, end: { line, character: lines[line]?.length ?? 0 } },
    severity: DiagnosticSeverity.Error,
    message: [e.message, ...e.notes].join('\n'),
    code: verifierCode(e.message),
    source: 'kernel verifier (from the log)',
  };
}

function unusedSymbols(doc: DocumentAnalysis): Diagnostic[] {
  const used = new Set(doc.symbols.uses.filter((u) => u.role !== 'directive').map((u) => u.name));
  const out: Diagnostic[] = [];
  for (const d of doc.symbols.defs) {
    if ((d.kind !== 'label' && d.kind !== 'map') || used.has(d.name)) continue;
    if (d.kind === 'label' && d.name.startsWith('.L')) continue; // compiler-made labels
    // A label at the start of a section names the program; it is not unused.
    if (d.kind === 'label' && doc.assembled.programs.some((p) => p.functions.some((f) => f.name === d.name))) continue;
    out.push({
      range: toLspRange(doc.lines, d.range),
      severity: DiagnosticSeverity.Warning,
      message: d.kind === 'map' ? `map '${d.name}' is never used` : `label '${d.name}' is never used`,
      code: d.kind === 'map' ? 'unused-map' : 'unused-label',
      source: SOURCE,
      tags: [DiagnosticTag.Unnecessary],
    });
  }
  return out;
}

function helperAvailabilityWarnings(doc: DocumentAnalysis): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const program of doc.assembled.programs) {
    const progType = doc.progTypeOf(program);
    for (const pi of program.insns) {
      if (pi.insn.code !== CALL || pi.insn.src !== 0 || !pi.range) continue;
      const a = helperAvailability(progType, pi.insn.imm);
      if (a !== 'not-allowed' && a !== 'sleepable-only') continue;
      out.push({
        range: toLspRange(doc.lines, pi.range),
        severity: DiagnosticSeverity.Warning,
        message: `${helperName(pi.insn.imm)} is not available to ${progType} programs${a === 'sleepable-only' ? ' unless they are sleepable' : ''}`,
        code: 'helper-not-allowed',
        source: SOURCE,
      });
    }
  }
  return out;
}

function verifierDiagnostics(doc: DocumentAnalysis): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const program of doc.assembled.programs) {
    const outcome = doc.verificationOutcome(program);
    if (!outcome) continue;
    const rangeOf = (slot: number) => {
      const pi = program.insns.find((p) => p.slot === slot) ?? program.insns.at(-1);
      return pi?.range ? toLspRange(doc.lines, pi.range) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    };
    if ('incomplete' in outcome) {
      out.push({
        range: rangeOf(program.insns[0]?.slot ?? 0),
        severity: DiagnosticSeverity.Warning,
        message: `Verification of ${program.section} stopped: ${outcome.incomplete}. The kernel gives up after 1,000,000 processed instructions.`,
        code: 'verifier-incomplete',
        source: SOURCE,
      });
      continue;
    }
    const result = outcome;
    for (const e of result.errors) {
      const related: DiagnosticRelatedInformation[] = (e.path ?? []).slice(-20).map((step) => ({
        location: { uri: doc.uri, range: rangeOf(step.insn) },
        message: step.note,
      }));
      const explanation = [e.explanation, e.fix && `Fix: ${e.fix}`].filter(Boolean).join('\n');
      out.push({
        range: rangeOf(e.insn),
        severity: DiagnosticSeverity.Error,
        message: [e.message, ...e.notes].join('\n') + (explanation ? `\n\n${explanation}` : ''),
        code: verifierCode(e.message),
        // an unprivileged load bpf_prog_load refuses never reaches the verifier
        source: e.errno ? `bpf_prog_load (${program.section})` : `verifier (${program.section})`,
        relatedInformation: related.length ? related : undefined,
      });
    }
    for (const w of result.warnings ?? []) {
      out.push({
        range: rangeOf(w.insn),
        severity: DiagnosticSeverity.Warning,
        message: w.message,
        code: verifierCode(w.message),
        source: SOURCE,
        tags: w.message.startsWith('unreachable') ? [DiagnosticTag.Unnecessary] : undefined,
      });
    }
  }
  return out;
}

const CODES: [RegExp, string][] = [
  [/^R\d+ !read_ok/, 'uninitialized-register'],
  [/^frame pointer is read only/, 'frame-pointer-write'],
  [/^invalid (write to|read from) stack/, 'stack-out-of-bounds'],
  [/invalid mem access '\w+_or_null'/, 'missing-null-check'],
  [/invalid mem access/, 'invalid-mem-access'],
  [/^invalid access to map value/, 'map-value-out-of-bounds'],
  [/type=\w+ expected=/, 'helper-argument-type'],
  [/^invalid bpf_context access/, 'context-access'],
  [/offset is outside of the packet|^invalid access to packet/, 'packet-out-of-bounds'],
  [/^unreachable insn/, 'unreachable'],
  [/^jump out of range/, 'jump-out-of-range'],
  [/^div by zero/, 'div-by-zero'],
  [/pointer arithmetic/, 'pointer-arithmetic'],
  [/^Unreleased reference/, 'unreleased-reference'],
  [/^At program exit/, 'return-value-range'],
  [/^back-edge|^infinite loop/, 'loop'],
  [/^BPF program is too large/, 'complexity-limit'],
];

/** A stable code naming the kind of verifier message. */
export function verifierCode(message: string): string {
  for (const [re, code] of CODES) if (re.test(message)) return code;
  return 'verifier';
}
