// The work behind the bpfAsm/* requests, as plain functions over a document analysis.
import type {
  AssembleResult, ConvertSyntaxResult, DisassembleParams, DisassembleResult, StatusParams, VerifierLogResult,
} from '../../client/protocol';
import { printParsed } from '../../core/asm/convert';
import { objectSource } from '../../core/elf/source';
import { readObject, writeObject } from '../../core/elf';
import type { Program } from '../../core/asm/program';
import { isWide } from '../../core/isa';
import type { Syntax } from '../../core/asm/ast';
import type { DocumentAnalysis } from '../analysis';

const pickProgram = (doc: DocumentAnalysis, section?: string): Program | undefined =>
  section ? doc.assembled.programs.find((p) => p.section === section) : doc.assembled.programs[0];

const errorLines = (doc: DocumentAnalysis): string[] =>
  [...doc.parsed.diagnostics, ...doc.assembled.diagnostics].filter((d) => d.severity === 'error').map((d) => {
    const p = doc.lines.position(d.range.start);
    return `${p.line + 1}:${p.character + 1}: ${d.message}`;
  });

export function verifierLog(doc: DocumentAnalysis, section?: string): VerifierLogResult {
  const errors = errorLines(doc);
  if (errors.length) return { ok: false, log: '', verdict: 'error', error: `The file does not assemble: ${errors[0]}` };
  const program = pickProgram(doc, section);
  if (!program) return { ok: false, log: '', verdict: 'error', error: section ? `No program in section '${section}'.` : 'The file has no program.' };
  const result = doc.verifyWithLog(program, 2);
  return { ok: true, log: result.log, verdict: result.accepted ? 'accepted' : 'rejected', insnLines: insnLines(doc, program) };
}

/** The source line of each instruction slot, for links from the log's instruction numbers. */
function insnLines(doc: DocumentAnalysis, program: Program): (number | null)[] {
  const lines: (number | null)[] = [];
  for (const { insn, slot, range } of program.insns) {
    const line = range ? doc.lines.position(range.start).line : null;
    lines[slot] = line;
    if (isWide(insn)) lines[slot + 1] = line;
  }
  return Array.from(lines, (l) => l ?? null);
}

export function assembleObject(doc: DocumentAnalysis): AssembleResult {
  const errors = errorLines(doc);
  if (errors.length) return { ok: false, errors };
  return { ok: true, elfBase64: Buffer.from(writeObject(doc.assembled)).toString('base64'), errors: [] };
}

export function disassembleObject(p: DisassembleParams): DisassembleResult {
  const bytes = Buffer.from(p.elfBase64 ?? '', 'base64');
  const obj = readObject(bytes);
  const fatal = obj.diagnostics.find((d) => d.severity === 'error');
  if (fatal && obj.programs.length === 0) return { ok: false, text: '', error: `${p.uri}: ${fatal.message}` };
  const header = `// Disassembled from ${p.uri.split('/').pop() ?? p.uri} by bpf-asm\n`;
  return { ok: true, text: header + objectSource(obj, p.syntax) };
}

export function convertSyntax(doc: DocumentAnalysis, to: Syntax): ConvertSyntaxResult {
  const from = doc.syntax;
  if (from === to) return { ok: true, text: doc.text, from };
  const problem = doc.parsed.diagnostics.find((d) => d.severity === 'error');
  if (problem) {
    const p = doc.lines.position(problem.range.start);
    return { ok: false, text: '', from, error: `Fix the errors first: ${p.line + 1}:${p.character + 1}: ${problem.message}` };
  }
  return { ok: true, text: printParsed(doc.text, doc.parsed, to), from };
}

export function status(doc: DocumentAnalysis, section?: string): StatusParams {
  const errors = errorLines(doc);
  const program = pickProgram(doc, section);
  const base = { uri: doc.uri, syntax: doc.syntax, programType: program ? doc.progTypeOf(program) : undefined, section: program?.section };
  if (errors.length) return { ...base, verdict: 'error', message: errors[0] };
  if (!program) return { ...base, verdict: 'pending' };
  const outcomes = doc.assembled.programs.map((p) => ({ p, r: doc.verificationOutcome(p) }));
  if (outcomes.some(({ r }) => !r)) return { ...base, verdict: 'pending' };
  const failed = outcomes.map(({ p }) => ({ p, r: doc.verification(p) })).find(({ r }) => r && !r.accepted);
  const result = doc.verification(program);
  if (failed) return { ...base, verdict: 'rejected', message: failed.r!.errors[0]?.message, section: failed.p.section, processedInsns: failed.r!.processed };
  return { ...base, verdict: 'accepted', processedInsns: result?.processed };
}
