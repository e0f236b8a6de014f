// The bpfAsm/run request: one run of a program of the document in the VM.
import type { RunParams, RunResult } from '../../client/protocol';
import { parseHex } from '../../core/hex';
import { loadVm, retvalMeaning } from '../../core/vm/loader';
import type { DocumentAnalysis } from '../analysis';

/** A packet for program types that take one when the user gave none: 64 zero bytes. */
const DEFAULT_PACKET_BYTES = 64;

export function runProgram(doc: DocumentAnalysis, p: RunParams): RunResult {
  const errors = [...doc.parsed.diagnostics, ...doc.assembled.diagnostics].filter((d) => d.severity === 'error');
  if (errors.length) return { ok: false, output: [], error: `The file does not assemble: ${errors[0]!.message}` };
  if (p.kernel) return { ok: false, output: [], error: 'Running in the kernel is available from the CLI (bpf-asm run) and the tests, not the editor.' };
  const loaded = loadVm(doc.assembled, { section: p.section, progType: doc.assembled.programs[0]?.progType ? undefined : doc.settings.defaultProgramType });
  if (typeof loaded === 'string') return { ok: false, output: [], error: loaded };
  const packet = p.input ? parseHex(p.input) : new Uint8Array(DEFAULT_PACKET_BYTES);
  if (typeof packet === 'string') return { ok: false, output: [], error: packet };
  const result = loaded.machine.run({ packet });
  const output = result.output.map((o) => (o.kind === 'printk' ? o.text : `${o.kind} record in ${o.map}: ${o.data.length} bytes`));
  if (result.fault) {
    const f = result.fault;
    return { ok: false, output, instructionsExecuted: result.instructions, error: `fault at insn ${f.insn}${f.line !== undefined ? ` (line ${f.line + 1})` : ''}: ${f.message}` };
  }
  const r0 = BigInt.asUintN(64, result.r0 ?? 0n);
  return { ok: true, returnValue: r0.toString(), returnName: retvalMeaning(loaded.progType, r0), instructionsExecuted: result.instructions, output };
}
