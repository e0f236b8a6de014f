// Everything the server knows about one version of one document, computed lazily and cached:
// the parse, the assembled programs, the symbol index and each program's verification. A
// bpf_conformance test file (.data) is parsed whole, its `-- asm` program at its place in the file;
// it is run in the VM against its `-- result` instead of being verified.
import { LineIndex, type ParsedFile, type Syntax } from '../core/asm/ast';
import { assemble, parse } from '../core/asm';
import { parseDataFileProgram } from '../core/asm/data-file';
import type { AssembledFile, Program } from '../core/asm/program';
import { indexSymbols, type SymbolIndex } from '../core/asm/symbols';
import type { ProgType } from '../core/program-types';
import { verifyProgram, type VerifyResult } from '../core/verifier';
import { runConformance, type ConformanceOutcome } from '../core/vm/conformance';
import type { VerifyCache, VerifyOutcome } from './verify-cache';
import type { ServerSettings } from './settings';

export interface InsnLocation {
  program: Program;
  /** Index into program.insns. */
  index: number;
}

/** Instructions a .data file's run may take before the server stops it (the suite's longest takes under 1,000). */
export const CONFORMANCE_LIMIT = 1_000_000;

export class DocumentAnalysis {
  private parsedCache?: ParsedFile;
  private assembledCache?: AssembledFile;
  private symbolsCache?: SymbolIndex;
  private insnByStart?: Map<number, InsnLocation>;
  private readonly verified = new Map<Program, VerifyOutcome>();
  private conformanceCache?: ConformanceOutcome;
  readonly lines: LineIndex;

  constructor(
    readonly uri: string,
    readonly text: string,
    readonly version: number,
    readonly settings: ServerSettings,
    readonly forcedSyntax?: Syntax,
    private readonly cache?: VerifyCache,
    /** A bpf_conformance test file: the program is its `-- asm` section. */
    readonly dataFile = false,
  ) {
    this.lines = new LineIndex(text);
  }

  get parsed(): ParsedFile {
    return (this.parsedCache ??= this.dataFile ? parseDataFileProgram(this.text) : parse(this.text, { syntax: this.forcedSyntax }));
  }

  get syntax(): Syntax {
    return this.parsed.syntax;
  }

  get assembled(): AssembledFile {
    return (this.assembledCache ??= assemble(this.parsed));
  }

  get symbols(): SymbolIndex {
    return (this.symbolsCache ??= indexSymbols(this.parsed, this.text.length));
  }

  progTypeOf(program: Program): ProgType {
    return program.progType ?? this.settings.defaultProgramType;
  }

  /** The verifier's outcome for a program; undefined while the file has assembly errors or the worker is busy. */
  verificationOutcome(program: Program): VerifyOutcome | undefined {
    if (this.dataFile) return undefined; // a conformance program is run, not loaded into the kernel
    if (this.assembled.diagnostics.some((d) => d.severity === 'error')) return undefined;
    const known = this.verified.get(program);
    if (known) return known;
    const progType = this.progTypeOf(program);
    const outcome = this.cache
      ? this.cache.lookup(program, this.assembled.maps, progType, this.settings.unprivileged)
      : verifyProgram(program, this.assembled.maps, { progType, unprivileged: this.settings.unprivileged, collectStates: true });
    if (outcome) this.verified.set(program, outcome);
    return outcome;
  }

  /** The verifier's result for a program, when it has one. */
  verification(program: Program): VerifyResult | undefined {
    const outcome = this.verificationOutcome(program);
    return outcome && !('incomplete' in outcome) ? outcome : undefined;
  }

  /** A fresh verification with the kernel-format log at `logLevel` (not cached). */
  verifyWithLog(program: Program, logLevel: number): VerifyResult {
    return verifyProgram(program, this.assembled.maps, {
      progType: this.progTypeOf(program),
      unprivileged: this.settings.unprivileged,
      logLevel,
    });
  }

  /** A .data file's program run in the VM, judged against its `-- result` or `-- error`. */
  get conformance(): ConformanceOutcome {
    return (this.conformanceCache ??= runConformance(this.text, 'conformance', { limit: CONFORMANCE_LIMIT }));
  }

  /** The instruction whose statement contains this offset. */
  insnAt(offset: number): InsnLocation | undefined {
    if (!this.insnByStart) {
      this.insnByStart = new Map();
      for (const program of this.assembled.programs) {
        program.insns.forEach((pi, index) => {
          if (pi.range) this.insnByStart!.set(pi.range.start, { program, index });
        });
      }
    }
    for (const st of this.parsed.statements) {
      if (st.kind !== 'insn' || offset < st.range.start) continue;
      if (offset > st.range.end) continue;
      return this.insnByStart.get(st.range.start);
    }
    return undefined;
  }

  /** Offset range of the line holding this offset. */
  lineRangeAt(offset: number): { start: number; end: number } {
    const { line } = this.lines.position(offset);
    const start = this.lines.lineStart(line);
    const nl = this.text.indexOf('\n', start);
    return { start, end: nl < 0 ? this.text.length : nl };
  }
}
