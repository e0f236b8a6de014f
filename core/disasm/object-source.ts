// A whole object (programs, maps, license) as source text that assembles back to the same content.
import type { Syntax } from '../asm/ast';
import type { AssembledFile } from '../asm/program';
import { disassemble } from './disassemble';

export function objectSource(file: Pick<AssembledFile, 'programs' | 'maps' | 'license'>, syntax: Syntax): string {
  const out: string[] = [];
  for (const m of file.maps) {
    out.push(`.map ${m.name} type=${m.type} key=${m.keySize} value=${m.valueSize} max_entries=${m.maxEntries}` +
      `${m.flags ? ` flags=${m.flags}` : ''}${m.inner ? ` inner=${m.inner}` : ''}`);
  }
  if (file.maps.length) out.push('');
  for (const program of file.programs) {
    let text = disassemble(program, { syntax, labels: true });
    if (!/^\s*\.section\b/m.test(text)) text = `.section ${program.section}\n${text}`;
    out.push(text.trimEnd(), '');
  }
  if (file.license !== undefined) {
    out.push('.section license,"aw",@progbits', `.asciz ${JSON.stringify(file.license)}`, '');
  }
  return out.join('\n');
}
