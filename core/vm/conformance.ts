// Runs bpf_conformance test files (*.data): r1 = the `-- mem` bytes, r2 = their length, and the
// suite's helper 5 ("unwind": returns its argument; a zero stops the program with r0 = 0).
import { parseDataFile, type DataFile } from '../asm/data-file';
import { parseMnemonic } from '../asm/mnemonic-parser';
import { assemble } from '../asm/assembler';
import { decodeProgram } from '../isa';
import { LineIndex } from '../asm/ast';
import { Machine, type RunInput, type RunResult, type VmFault } from './machine';
import { programFromAssembled, programFromInsns, type VmProgram } from './program';

export interface ConformanceOutcome {
  /** The file cannot be run (no program, assembly errors); nothing else is set. */
  error?: string;
  expected?: bigint;
  expectedError?: string;
  r0?: bigint;
  fault?: VmFault;
  instructions: number;
  /** r0 equals `-- result`, or the run faulted where `-- error` expects it. */
  pass: boolean;
  /** How the file spells `-- result` (`0x10000000A`, `0`), for printing r0 the same way. */
  resultText?: string;
}

/** r0 as the file's `-- result` spells it when they are equal, else as lowercase 0x hex. */
export function spellResult(o: ConformanceOutcome): string | undefined {
  if (o.r0 === undefined) return undefined;
  return o.r0 === o.expected && o.resultText ? o.resultText : '0x' + o.r0.toString(16);
}

const UNWIND_HELPER = 5;

/** The program of a conformance file: from `-- raw` when present, else assembled from `-- asm`. */
export function conformanceProgram(file: DataFile, name: string, text: string): VmProgram | string {
  if (file.raw) {
    const decoded = decodeProgram(file.raw.bytes);
    return programFromInsns(decoded.map((d) => d.insn), name);
  }
  if (!file.asm) return 'no -- asm section';
  const parsed = parseMnemonic(file.asm.text);
  const lines = new LineIndex(file.asm.text);
  const assembled = assemble(parsed, { lines });
  const errors = [...parsed.diagnostics, ...assembled.diagnostics].filter((d) => d.severity === 'error');
  if (errors.length) {
    const at = lines.position(errors[0].range.start);
    return `line ${at.line + 1}: ${errors[0].message}`;
  }
  const prog = assembled.programs[0];
  if (!prog) return 'the -- asm section has no instructions';
  const { program, errors: linkErrors } = programFromAssembled(prog, new Set(), new Map());
  if (linkErrors.length) return linkErrors[0];
  // Report lines of the data file, not of the asm section.
  const lineOffset = new LineIndex(text.slice(0, file.asm.offset)).lineCount - 1;
  program.lines = program.lines.map((l) => (l === undefined ? l : l + lineOffset));
  program.name = name;
  return program;
}

/** A machine set up for a conformance file, and its input (for stepping through it). */
export function conformanceMachine(text: string, name = 'conformance', opts: { limit?: number } = {}):
  { machine: Machine; input: RunInput; file: DataFile; unwound: () => boolean } | string {
  const file = parseDataFile(text);
  const program = conformanceProgram(file, name, text);
  if (typeof program === 'string') return program;
  let unwound = false;
  const machine = new Machine({
    programs: [program],
    limit: opts.limit ?? 10_000_000,
    helperOverrides: new Map([[UNWIND_HELPER, (vm: Machine, args: bigint[]) => {
      if (args[0] === 0n) { unwound = true; vm.raise(vm.pc, 'unwind'); }
      return args[0];
    }]]),
  });
  return { machine, input: { mem: file.mem ?? new Uint8Array(0) }, file, unwound: () => unwound };
}

export function runConformance(text: string, name = 'conformance', opts: { limit?: number } = {}): ConformanceOutcome {
  const setup = conformanceMachine(text, name, opts);
  if (typeof setup === 'string') return { error: setup, instructions: 0, pass: false };
  const { machine, input, file } = setup;
  const res: RunResult = machine.run(input);
  const out = judge(file, res, setup.unwound());
  const section = file.sections.find((x) => x.name.toLowerCase() === 'result');
  const spelled = section ? text.slice(section.body.start, section.body.end).replace(/#.*/g, '').trim() : '';
  if (/^(0x[0-9a-f]+|\d+)$/i.test(spelled)) out.resultText = spelled;
  return out;
}

/** Compares a run with the file's expectation. */
export function judge(file: DataFile, res: Pick<RunResult, 'r0' | 'fault' | 'instructions'>, unwound = false): ConformanceOutcome {
  const out: ConformanceOutcome = { expected: file.result, instructions: res.instructions, pass: false };
  if (file.error !== undefined) out.expectedError = file.error;
  if (unwound) out.r0 = 0n;
  else if (res.fault) out.fault = res.fault;
  else out.r0 = res.r0;
  if (out.expectedError !== undefined) out.pass = out.fault !== undefined;
  else out.pass = out.r0 !== undefined && out.r0 === file.result;
  return out;
}
