// Reads the verifier's per-instruction state (kernel notation, `R0=map_value(ks=4,vs=8) fp-8=mmmmmmmm`)
// for hovers, inlay hints and code actions.
import { ctxFieldName } from '../core/ctx-layouts';
import { Class, insnClass } from '../core/isa';
import type { DocumentAnalysis, InsnLocation } from './analysis';
import { parseStateText } from '../core/verifier/state-text';

/** The joined state after the instruction ran (what the kernel's log prints after `;`). */
export function stateAfter(doc: DocumentAnalysis, loc: InsnLocation): Map<string, string> | undefined {
  const text = doc.verification(loc.program)?.states[loc.program.insns[loc.index]!.slot];
  return text === undefined ? undefined : parseStateText(text);
}

/** The state the instruction starts from: the entry state, or what the previous instruction left. */
export function stateBefore(doc: DocumentAnalysis, loc: InsnLocation): Map<string, string> | undefined {
  if (loc.index === 0) return doc.verification(loc.program) ? new Map([['R1', 'ctx()'], ['R10', 'fp0']]) : undefined;
  return stateAfter(doc, { program: loc.program, index: loc.index - 1 });
}

/** `R0=map_value(ks=4,vs=8)` with a readable gloss, or undefined when nothing is known. */
export function registerStateText(doc: DocumentAnalysis, loc: InsnLocation, reg: number): string | undefined {
  const result = doc.verification(loc.program);
  if (!result) return undefined;
  const after = stateAfter(doc, loc);
  if (!after) return `R${reg}: the verifier never reaches this instruction`;
  const before = stateBefore(doc, loc)?.get(`R${reg}`);
  const value = after.get(`R${reg}`);
  const lines = [value === undefined ? `R${reg} is not initialized (!read_ok)` : `R${reg}=${value}`];
  if (before !== undefined && before !== value) lines.unshift(`before: R${reg}=${before}`);
  const perPath = [...new Set((result.statePaths[loc.program.insns[loc.index]!.slot] ?? [])
    .map((p) => parseStateText(p).get(`R${reg}`) ?? 'not initialized'))];
  if (perPath.length > 1) lines.push(`on each path: ${perPath.map((v) => (v === 'not initialized' ? v : `R${reg}=${v}`)).join(', ')}`);
  const gloss = value ? glossScalar(value) : undefined;
  return ['```\n' + lines.join('\n') + '\n```', gloss, 'verifier state after this instruction, joined over every path'].filter(Boolean).join('\n\n');
}

/** Turns `scalar(smin=0,smax=255,umax=255,var_off=(0x0; 0xff))` into words. */
export function glossScalar(value: string): string | undefined {
  if (/^-?\d+$/.test(value)) return `the constant ${value}`;
  const m = /^scalar\((.*)\)$/.exec(value);
  if (!m) return undefined;
  if (!m[1]) return 'any 64-bit value';
  const fields = Object.fromEntries(m[1].split(',').map((kv) => kv.split('=') as [string, string]));
  const parts: string[] = [];
  const lo = fields.smin ?? fields.umin ?? fields.smin32 ?? fields.umin32;
  const hi = fields.smax ?? fields.umax ?? fields.smax32 ?? fields.umax32;
  if (lo !== undefined || hi !== undefined) parts.push(`between ${lo ?? 'min'} and ${hi ?? 'max'}`);
  if (fields.var_off) parts.push(`known bits ${fields.var_off}`);
  return parts.length ? `a scalar ${parts.join(', ')}` : undefined;
}

/** The ctx field a load or store reaches, when its base register holds the context pointer. */
export function ctxAccessName(doc: DocumentAnalysis, loc: InsnLocation): string | undefined {
  const { insn } = loc.program.insns[loc.index]!;
  const base = insnClass(insn.code) === Class.LDX ? insn.src : insn.dst;
  const value = stateBefore(doc, loc)?.get(`R${base}`);
  if (value === undefined || !value.startsWith('ctx')) return undefined;
  const off = Number(/off=(-?\d+)/.exec(value)?.[1] ?? 0);
  return ctxFieldName(doc.progTypeOf(loc.program), insn.off + off);
}
