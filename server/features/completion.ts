// Completion: instruction snippets in the file's syntax, registers, helpers, labels, maps,
// directives, section names and map types, chosen by what precedes the cursor on the line.
import {
  CompletionItemKind, InsertTextFormat, type CompletionItem, type Position,
} from 'vscode-languageserver-types';
import type { Syntax } from '../../core/asm/ast';
import { MAP_TYPES } from '../../core/map-types';
import { SECTION_NAMES } from '../../core/program-types';
import type { DocumentAnalysis } from '../analysis';
import type { HelperDocs } from '../helper-docs';

const LLVM_SNIPPETS: [label: string, snippet: string, detail: string][] = [
  ['mov', 'r${1:0} = ${2:0}', 'move an immediate or register'],
  ['alu', 'r${1:0} ${2|+=,-=,*=,/=,%=,&=,|=,^=,<<=,>>=,s>>=|} ${3:1}', 'ALU operation (64-bit)'],
  ['alu32', 'w${1:0} ${2|+=,-=,*=,/=,%=,&=,|=,^=,<<=,>>=,s>>=|} ${3:1}', 'ALU operation (32-bit)'],
  ['load', 'r${1:0} = *(${2|u8,u16,u32,u64|} *)(r${3:1} + ${4:0})', 'load from memory'],
  ['store', '*(${1|u8,u16,u32,u64|} *)(r${2:10} - ${3:8}) = r${4:1}', 'store a register'],
  ['store-imm', '*(${1|u8,u16,u32,u64|} *)(r${2:10} - ${3:8}) = ${4:0}', 'store an immediate'],
  ['if', 'if r${1:0} ${2|==,!=,>,>=,<,<=,s>,s>=,s<,s<=,&|} ${3:0} goto ${4:label}', 'conditional jump'],
  ['goto', 'goto ${1:label}', 'unconditional jump'],
  ['call', 'call ${1:bpf_map_lookup_elem}', 'call a helper'],
  ['lddw', 'r${1:1} = ${2:map} ll', 'load a 64-bit constant or map address'],
  ['lock', 'lock *(u64 *)(r${1:0} + ${2:0}) += r${3:1}', 'atomic add'],
  ['exit', 'exit', 'return r0'],
];

const MNEMONIC_SNIPPETS: [label: string, snippet: string, detail: string][] = [
  ['mov', 'mov %r${1:0}, ${2:0}', 'move (64-bit)'],
  ['mov32', 'mov32 %r${1:0}, ${2:0}', 'move (32-bit)'],
  ['add', '${1|add,sub,mul,div,mod,and,or,xor,lsh,rsh,arsh|} %r${2:0}, ${3:1}', 'ALU operation (64-bit)'],
  ['ldx', 'ldx${1|b,h,w,dw|} %r${2:0}, [%r${3:1}+${4:0}]', 'load from memory'],
  ['stx', 'stx${1|b,h,w,dw|} [%r${2:10}-${3:8}], %r${4:1}', 'store a register'],
  ['st', 'st${1|b,h,w,dw|} [%r${2:10}-${3:8}], ${4:0}', 'store an immediate'],
  ['jcc', '${1|jeq,jne,jgt,jge,jlt,jle,jsgt,jsge,jslt,jsle,jset|} %r${2:0}, ${3:0}, ${4:label}', 'conditional jump'],
  ['ja', 'ja ${1:label}', 'unconditional jump'],
  ['call', 'call ${1:1}', 'call a helper'],
  ['lddw', 'lddw %r${1:0}, ${2:0}', 'load a 64-bit constant'],
  ['lock', 'lock ${1|add,or,and,xor,xchg,cmpxchg|} [%r${2:10}-${3:8}], %r${4:1}', 'atomic operation'],
  ['exit', 'exit', 'return r0'],
];

const DIRECTIVES: [name: string, snippet: string][] = [
  ['.section', '.section ${1:xdp}'],
  ['.map', '.map ${1:name} type=${2|array,hash,percpu_array,lru_hash,ringbuf,prog_array|} key=${3:4} value=${4:8} max_entries=${5:1}'],
  ['.globl', '.globl ${1:name}'],
  ['.type', '.type ${1:name},@function'],
  ['.text', '.text'],
  ['.byte', '.byte ${1:0}'],
  ['.short', '.short ${1:0}'],
  ['.long', '.long ${1:0}'],
  ['.quad', '.quad ${1:0}'],
  ['.ascii', '.ascii "${1}"'],
  ['.asciz', '.asciz "${1}"'],
  ['.zero', '.zero ${1:8}'],
  ['.p2align', '.p2align ${1:3}'],
];

const registers = (syntax: Syntax): CompletionItem[] => {
  const items: CompletionItem[] = [];
  for (let i = 0; i <= 10; i++) {
    const detail = i === 0 ? 'return value' : i <= 5 ? `argument ${i}` : i === 10 ? 'frame pointer (read only)' : 'callee saved';
    items.push({ label: syntax === 'mnemonic' ? `%r${i}` : `r${i}`, kind: CompletionItemKind.Variable, detail, sortText: `0${i.toString().padStart(2, '0')}` });
    if (syntax === 'llvm') items.push({ label: `w${i}`, kind: CompletionItemKind.Variable, detail: `lower 32 bits of r${i}`, sortText: `1${i.toString().padStart(2, '0')}` });
  }
  return items;
};

function helperItems(helpers: HelperDocs, withCall: boolean): CompletionItem[] {
  return helpers.all().map((h) => ({
    label: h.name,
    kind: CompletionItemKind.Function,
    detail: `#${h.id} ${h.signature}`,
    insertText: withCall ? `call ${h.name}` : h.name,
    filterText: h.name,
    data: { helper: h.id },
  }));
}

export function completion(doc: DocumentAnalysis, position: Position, helpers: HelperDocs): CompletionItem[] {
  const lineStart = doc.lines.lineStart(position.line);
  const offset = doc.lines.offset(position.line, position.character);
  const before = doc.text.slice(lineStart, offset);
  const syntax = doc.syntax;
  const labels = (kinds: string[]): CompletionItem[] =>
    doc.symbols.defs.filter((d) => kinds.includes(d.kind)).map((d) => ({
      label: d.name,
      kind: d.kind === 'map' ? CompletionItemKind.Variable : d.kind === 'function' ? CompletionItemKind.Function : CompletionItemKind.Reference,
      detail: d.kind,
    }));

  if (/^\s*\.section\s+\S*$/.test(before)) {
    return SECTION_NAMES.map((s) => ({ label: s, kind: CompletionItemKind.Module, detail: 'program section' }));
  }
  if (/^\s*\.map\b.*\btype=\w*$/.test(before)) {
    return Object.keys(MAP_TYPES).map((t) => ({ label: t, kind: CompletionItemKind.EnumMember, detail: 'map type' }));
  }
  if (/\bcall\s+(local\s+)?[\w.]*$/.test(before)) {
    return [...labels(['function', 'label']), ...helperItems(helpers, false)];
  }
  if (/\b(goto|gotol|may_goto|ja|ja32)\s+[\w.]*$/.test(before) || /^\s*j\w+\s+[^,]+,\s*[^,]+,\s*[\w.]*$/.test(before)) {
    return labels(['label', 'function']);
  }
  if (/^\s*\.[\w.]*$/.test(before)) {
    return DIRECTIVES.map(([name, snippet]) => ({ label: name, kind: CompletionItemKind.Keyword, insertText: snippet, insertTextFormat: InsertTextFormat.Snippet }));
  }
  if (/^\s*[\w]*$/.test(before)) {
    const snippets = (syntax === 'mnemonic' ? MNEMONIC_SNIPPETS : LLVM_SNIPPETS).map(([label, snippet, detail]) => ({
      label, kind: CompletionItemKind.Snippet, detail, insertText: snippet, insertTextFormat: InsertTextFormat.Snippet, sortText: `0${label}`,
    }));
    return [...snippets, ...registers(syntax), ...helperItems(helpers, true)];
  }
  return [...registers(syntax), ...labels(['map', 'data', 'label', 'function'])];
}
