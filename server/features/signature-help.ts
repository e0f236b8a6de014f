// Signature help for helper calls: on `call bpf_x`, and on the lines that load R1-R5 before it.
import type { Position, SignatureHelp } from 'vscode-languageserver-types';
import { CALL, Class, JmpOp, insnClass, jmpOp } from '../../core/isa';
import type { DocumentAnalysis } from '../analysis';
import type { HelperDocs } from '../helper-docs';

const LOOKAHEAD = 16;

export function signatureHelp(doc: DocumentAnalysis, position: Position, helpers: HelperDocs): SignatureHelp | undefined {
  const offset = doc.lines.offset(position.line, position.character);
  const loc = doc.insnAt(offset) ?? doc.insnAt(doc.lineRangeAt(offset).start);
  let helperId: number | undefined;
  let activeParameter: number | undefined;
  const line = doc.text.slice(doc.lineRangeAt(offset).start, offset);
  const typed = /\bcall\s+([\w]+)/.exec(line);
  if (typed) helperId = helpers.byName(typed[1]!)?.id ?? (/^\d+$/.test(typed[1]!) ? Number(typed[1]) : undefined);
  if (helperId === undefined && loc) {
    const { insns } = loc.program;
    const here = insns[loc.index]!.insn;
    const writes = insnClass(here.code) === Class.ALU64 || insnClass(here.code) === Class.ALU || insnClass(here.code) === Class.LDX || here.code === 0x18;
    if (here.code === CALL && here.src === 0) helperId = here.imm;
    else if (writes && here.dst >= 1 && here.dst <= 5) {
      for (let i = loc.index + 1; i < Math.min(insns.length, loc.index + LOOKAHEAD); i++) {
        const next = insns[i]!.insn;
        if (next.code === CALL && next.src === 0) {
          helperId = next.imm;
          activeParameter = here.dst - 1;
          break;
        }
        const cls = insnClass(next.code);
        if ((cls === Class.JMP || cls === Class.JMP32) && jmpOp(next.code) !== JmpOp.CALL) break;
      }
    }
  }
  if (helperId === undefined) return undefined;
  const h = helpers.byId(helperId);
  if (!h) return undefined;
  const params = h.params.map((p, i) => ({ label: `R${i + 1}: ${p.type}${p.type.endsWith('*') ? '' : ' '}${p.name}` }));
  return {
    signatures: [{ label: `${h.name}(${params.map((p) => p.label).join(', ')}) → R0: ${h.returnType}`, parameters: params, documentation: h.signature }],
    activeSignature: 0,
    activeParameter: activeParameter ?? 0,
  };
}
