// Inlay hints: the register an instruction writes with its verifier type and range afterwards, the
// ctx field a load reads, and the helper parameter each argument register is being set up for.
import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver-types';
import { CALL, Class, JmpOp, LD_IMM64, insnClass, jmpOp } from '../../core/isa';
import type { ProgramInsn } from '../../core/asm/program';
import type { DocumentAnalysis, InsnLocation } from '../analysis';
import type { HelperDocs } from '../helper-docs';
import { ctxAccessName, stateAfter } from '../verifier-view';

const MAX_HINT = 60;
const clip = (s: string): string => (s.length > MAX_HINT ? s.slice(0, MAX_HINT - 1) + '…' : s);

/** The register an instruction sets, if any. */
function writtenRegister(code: number, dst: number): number | undefined {
  const cls = insnClass(code);
  if (cls === Class.ALU || cls === Class.ALU64 || cls === Class.LDX || code === LD_IMM64) return dst;
  if (code === CALL) return 0;
  return undefined;
}

export function inlayHints(doc: DocumentAnalysis, range: Range, helpers: HelperDocs): InlayHint[] {
  const { inlayHints: show } = doc.settings;
  const out: InlayHint[] = [];
  const from = doc.lines.offset(range.start.line, 0);
  const to = doc.lines.offset(range.end.line + 1, 0);
  for (const program of doc.assembled.programs) {
    const insns = program.insns;
    for (let index = 0; index < insns.length; index++) {
      const pi = insns[index]!;
      if (!pi.range || pi.range.end < from || pi.range.start > to) continue;
      const loc: InsnLocation = { program, index };
      const position = doc.lines.position(doc.lineRangeAt(pi.range.start).end);
      const labels: string[] = [];
      const reg = writtenRegister(pi.insn.code, pi.insn.dst);
      if (show.ctxFields && insnClass(pi.insn.code) === Class.LDX) {
        const field = ctxAccessName(doc, loc);
        if (field) labels.push(field);
      }
      if (show.registerTypes && reg !== undefined) {
        const after = stateAfter(doc, loc)?.get(`R${reg}`);
        if (after !== undefined) labels.push(`R${reg}=${clip(after)}`);
      }
      if (show.helperArgs && reg !== undefined && reg >= 1 && reg <= 5 && pi.insn.code !== CALL) {
        const param = argumentFor(program.insns, index, reg, helpers);
        if (param) labels.push(`→ ${param}`);
      }
      if (labels.length) {
        out.push({ position, label: ' ' + labels.join('  '), kind: InlayHintKind.Type, paddingLeft: true });
      }
    }
  }
  return out;
}

/** The helper parameter register `reg` is being loaded for: the next call, if nothing else writes reg first. */
function argumentFor(insns: readonly ProgramInsn[], index: number, reg: number, helpers: HelperDocs): string | undefined {
  for (let i = index + 1; i < insns.length && i < index + 16; i++) {
    const { insn } = insns[i]!;
    if (insn.code === CALL && insn.src === 0) {
      const h = helpers.byId(insn.imm);
      const p = h?.params[reg - 1];
      return p && h ? `${h.name.replace(/^bpf_/, '')}(${p.name})` : undefined;
    }
    const cls = insnClass(insn.code);
    if ((cls === Class.JMP || cls === Class.JMP32) && jmpOp(insn.code) !== JmpOp.CALL) return undefined;
    if (writtenRegister(insn.code, insn.dst) === reg) return undefined;
  }
  return undefined;
}
