// Hovers: a register's verifier state, a helper's signature and docs, an instruction's meaning and
// encoding, a map's definition, and the ctx field a load or store touches.
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver-types';
import type { Token } from '../../core/asm/ast';
import { CALL, Class, describeInsn, encodeProgram, insnClass } from '../../core/isa';
import { helperName } from '../../core/helpers/table';
import type { DocumentAnalysis } from '../analysis';
import type { HelperDocs } from '../helper-docs';
import { toLspRange } from '../positions';
import { ctxAccessName, registerStateText } from '../verifier-view';

/** The token containing the offset (binary search; tokens are in source order). */
export function tokenAt(tokens: readonly Token[], offset: number): Token | undefined {
  let lo = 0;
  let hi = tokens.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = tokens[mid]!;
    if (offset < t.range.start) hi = mid - 1;
    else if (offset > t.range.end) lo = mid + 1;
    else return t;
  }
  return undefined;
}

const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');

export function hover(doc: DocumentAnalysis, position: Position, helpers: HelperDocs): Hover | undefined {
  const offset = doc.lines.offset(position.line, position.character);
  const token = tokenAt(doc.parsed.tokens, offset);
  if (!token) return undefined;
  const word = doc.text.slice(token.range.start, token.range.end);
  const range = toLspRange(doc.lines, token.range);
  const md = (value: string): Hover => ({ contents: { kind: MarkupKind.Markdown, value }, range });
  const loc = doc.insnAt(offset);
  const progType = loc ? doc.progTypeOf(loc.program) : undefined;

  if (token.kind === 'helper' || (loc && loc.program.insns[loc.index]!.insn.code === CALL && loc.program.insns[loc.index]!.insn.src === 0 && token.kind === 'number')) {
    const id = loc?.program.insns[loc.index]!.insn.imm ?? helpers.byName(word.replace(/#\d+$/, ''))?.id;
    const text = id !== undefined ? helpers.markdown(id, progType) : undefined;
    if (text) return md(text);
  }

  if (token.kind === 'symbol' || token.kind === 'label') {
    const def = doc.symbols.byName.get(word);
    const map = doc.assembled.maps.find((m) => m.name === word);
    if (map) {
      return md(['```\n' + `.map ${map.name} type=${map.type} key=${map.keySize} value=${map.valueSize} max_entries=${map.maxEntries}${map.flags ? ` flags=${map.flags}` : ''}` + '\n```',
        `map of type \`${map.type}\`: ${map.keySize}-byte keys, ${map.valueSize}-byte values, up to ${map.maxEntries} entries`].join('\n\n'));
    }
    if (def) return md(`${def.kind} \`${def.name}\` (line ${doc.lines.position(def.range.start).line + 1})`);
  }

  if (!loc) return undefined;
  const pi = loc.program.insns[loc.index]!;

  if (token.kind === 'register') {
    const reg = Number(/\d+/.exec(word)?.[0] ?? NaN);
    const state = Number.isInteger(reg) ? registerStateText(doc, loc, reg) : undefined;
    if (state) return md(state);
  }

  const parts = ['```\n' + describeInsn(pi.insn, helperName) + '\n```'];
  const cls = insnClass(pi.insn.code);
  if (cls === Class.LDX || cls === Class.STX || cls === Class.ST) {
    const field = ctxAccessName(doc, loc);
    if (field) parts.push(`context field \`${field}\``);
  }
  parts.push(`instruction ${pi.slot} in \`${loc.program.section}\` · opcode 0x${pi.insn.code.toString(16).padStart(2, '0')} · bytes \`${hex(encodeProgram([pi.insn]))}\``);
  return md(parts.join('\n\n'));
}
