// Code actions: quick fixes for the common verifier errors (missing NULL check, missing packet
// bounds check, uninitialised register), converting the file's syntax, and naming helper calls.
import { CodeActionKind, type CodeAction, type Diagnostic, type Range, type TextEdit } from 'vscode-languageserver-types';
import { printParsed } from '../../core/asm/convert';
import type { Syntax } from '../../core/asm/ast';
import { CALL } from '../../core/isa';
import type { DocumentAnalysis, InsnLocation } from '../analysis';
import type { HelperDocs } from '../helper-docs';
import { stateBefore } from '../verifier-view';

/** One line of code in the file's syntax. */
const lines = {
  jumpIfNonZero: (s: Syntax, reg: number, skip: number) => (s === 'llvm' ? `if r${reg} != 0 goto +${skip}` : `jne %r${reg}, 0, +${skip}`),
  jumpIfLe: (s: Syntax, a: number, b: number, skip: number) => (s === 'llvm' ? `if r${a} <= r${b} goto +${skip}` : `jle %r${a}, %r${b}, +${skip}`),
  movImm: (s: Syntax, reg: number, v: number) => (s === 'llvm' ? `r${reg} = ${v}` : `mov %r${reg}, ${v}`),
  movReg: (s: Syntax, d: number, r: number) => (s === 'llvm' ? `r${d} = r${r}` : `mov %r${d}, %r${r}`),
  addImm: (s: Syntax, d: number, v: number) => (s === 'llvm' ? `r${d} += ${v}` : `add %r${d}, ${v}`),
  exit: () => 'exit',
};

/** Larger files are converted with the bpfAsm.convertSyntax command instead, not on every request. */
const CONVERT_LINE_LIMIT = 5000;

export function codeActions(doc: DocumentAnalysis, range: Range, context: Diagnostic[], helpers: HelperDocs): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of context) {
    const loc = doc.insnAt(doc.lines.offset(d.range.start.line, d.range.start.character));
    if (!loc) continue;
    const fix = quickFix(doc, loc, d);
    if (fix) out.push({ ...fix, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: true });
  }
  out.push(...callNaming(doc, range, helpers));
  const other: Syntax = doc.syntax === 'llvm' ? 'mnemonic' : 'llvm';
  if (doc.lines.lineCount <= CONVERT_LINE_LIMIT) out.push({
    title: `Convert file to ${other === 'llvm' ? 'LLVM' : 'mnemonic'} syntax`,
    kind: CodeActionKind.RefactorRewrite,
    edit: lazyConvertEdit(doc, other),
  });
  return out;
}

function lazyConvertEdit(doc: DocumentAnalysis, to: Syntax): { changes: Record<string, TextEdit[]> } | undefined {
  if (doc.parsed.diagnostics.some((d) => d.severity === 'error')) return undefined;
  const text = printParsed(doc.text, doc.parsed, to);
  if (text === doc.text) return undefined;
  return { changes: { [doc.uri]: [{ range: { start: { line: 0, character: 0 }, end: doc.lines.position(doc.text.length) }, newText: text }] } };
}

/** Inserts `code` as new lines before the instruction at `loc` (or after it), indented like it. */
function insertLines(doc: DocumentAnalysis, loc: InsnLocation, code: string[], after = false): TextEdit {
  const pi = loc.program.insns[loc.index]!;
  const line = doc.lines.position(pi.range!.start).line;
  const lineText = doc.text.slice(doc.lines.lineStart(line), doc.lineRangeAt(pi.range!.start).end);
  const indent = /^\s*/.exec(lineText)?.[0] || '\t';
  const text = code.map((c) => indent + c + '\n').join('');
  const at = after ? line + 1 : line;
  return { range: { start: { line: at, character: 0 }, end: { line: at, character: 0 } }, newText: text };
}

function quickFix(doc: DocumentAnalysis, loc: InsnLocation, d: Diagnostic): Omit<CodeAction, 'kind'> | undefined {
  const s = doc.syntax;
  const message = (typeof d.message === 'string' ? d.message : d.message.value).split('\n')[0] ?? '';
  const edit = (e: TextEdit) => ({ changes: { [doc.uri]: [e] } });

  const nullable = /^R(\d+) invalid mem access '(map_value_or_null|[a-z_]+_or_null)'/.exec(message);
  if (nullable) {
    const reg = Number(nullable[1]);
    // Put the check right after the call that produced the pointer, else before the access.
    const { insns } = loc.program;
    let callIndex = -1;
    for (let i = loc.index - 1; i >= 0; i--) if (insns[i]!.insn.code === CALL) { callIndex = i; break; }
    const at = callIndex >= 0 && reg === 0 ? { program: loc.program, index: callIndex } : loc;
    const code = [lines.jumpIfNonZero(s, reg, 2), lines.movImm(s, 0, 0), lines.exit()];
    return { title: `Add a NULL check on R${reg}`, edit: edit(insertLines(doc, at, code, at !== loc)) };
  }

  const packet = /^R(\d+) offset is outside of the packet/.exec(message) ?? /^invalid access to packet, off=(-?\d+) size=(\d+)/.exec(message);
  if (packet) {
    const state = stateBefore(doc, loc);
    const { insn } = loc.program.insns[loc.index]!;
    const base = /^R\d+/.test(message) ? Number(packet[1]) : insn.src;
    if (!state) return undefined;
    let end = -1;
    let scratch = -1;
    for (let r = 0; r <= 9; r++) {
      const v = state.get(`R${r}`);
      if (v?.startsWith('pkt_end')) end = r;
      if (v === undefined && scratch < 0 && r !== base) scratch = r;
    }
    if (end < 0 || scratch < 0) return undefined;
    const size = ({ 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 } as Record<number, number>)[insn.code & 0x18] ?? 8;
    const reach = insn.off + size;
    const code = [lines.movReg(s, scratch, base), lines.addImm(s, scratch, reach), lines.jumpIfLe(s, scratch, end, 2), lines.movImm(s, 0, 0), lines.exit()];
    return { title: `Check that R${base}+${reach} is within the packet (against R${end})`, edit: edit(insertLines(doc, loc, code)) };
  }

  const uninit = /^R(\d+) !read_ok/.exec(message);
  if (uninit) {
    const reg = Number(uninit[1]);
    if (reg === 10) return undefined;
    return { title: `Initialise R${reg} to 0`, edit: edit(insertLines(doc, loc, [lines.movImm(s, reg, 0)])) };
  }
  return undefined;
}

/** `call 1` ⇄ `call bpf_map_lookup_elem` on the call lines the range touches. */
function callNaming(doc: DocumentAnalysis, range: Range, helpers: HelperDocs): CodeAction[] {
  const out: CodeAction[] = [];
  const from = doc.lines.offset(range.start.line, 0);
  const to = doc.lineRangeAt(doc.lines.offset(range.end.line, 0)).end;
  for (const st of doc.parsed.statements) {
    if (st.kind !== 'insn' || st.range.end < from || st.range.start > to) continue;
    if (st.insn.code !== CALL || st.insn.src !== 0) continue;
    const text = doc.text.slice(st.range.start, st.range.end);
    const m = /^(call\s+)(\w+)/.exec(text);
    if (!m) continue;
    const start = st.range.start + m[1]!.length;
    const lspRange = { start: doc.lines.position(start), end: doc.lines.position(start + m[2]!.length) };
    const byNumber = /^\d+$/.test(m[2]!);
    const h = byNumber ? helpers.byId(Number(m[2])) : helpers.byName(m[2]!);
    if (!h) continue;
    const newText = byNumber ? h.name : String(h.id);
    out.push({
      title: byNumber ? `Call the helper by name (${h.name})` : `Call the helper by number (${h.id})`,
      kind: CodeActionKind.RefactorRewrite,
      edit: { changes: { [doc.uri]: [{ range: lspRange, newText }] } },
    });
  }
  return out;
}
