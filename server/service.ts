// The language service: every LSP feature as a plain method over the open documents, so tests can
// call it in-process. main.ts is the only module that speaks the protocol.
import type {
  CodeAction, CompletionItem, Diagnostic, DocumentHighlight, DocumentSymbol, FoldingRange, Hover,
  InlayHint, Location, Position, Range, SemanticTokens, SignatureHelp, SymbolInformation, TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver-types';
import type { Syntax } from '../core/asm/ast';
import { DocumentAnalysis } from './analysis';
import type {
  AssembleParams, AssembleResult, ConvertSyntaxParams, ConvertSyntaxResult, DisassembleParams, DisassembleResult,
  RunParams, RunResult, StatusParams, VerifierLogParams, VerifierLogResult,
} from '../client/protocol';
import { codeActions } from './features/code-actions';
import * as commands from './features/commands';
import { runProgram } from './features/run';
import { completion } from './features/completion';
import { diagnostics } from './features/diagnostics';
import { formatDocument, formatRange } from './features/formatting';
import { hover } from './features/hover';
import { inlayHints } from './features/inlay-hints';
import {
  definition, documentHighlights, documentSymbols, foldingRanges, prepareRename, references, rename, workspaceSymbols,
} from './features/navigation';
import { semanticTokens } from './features/semantic-tokens';
import { signatureHelp } from './features/signature-help';
import { HelperDocs } from './helper-docs';
import { DEFAULT_SETTINGS, readSettings, type ServerSettings } from './settings';
import { VerifyCache } from './verify-cache';
import { WorkspaceIndex } from './workspace-index';
import { fileURLToPath } from 'node:url';
import type { AsyncVerifier } from './async-verifier';

interface OpenDocument {
  text: string;
  version: number;
  syntax?: Syntax;
  /** A bpf_conformance test file (language bpf-conformance). */
  dataFile: boolean;
  analysis?: DocumentAnalysis;
}

export type Logger = (message: string) => void;

export class BpfLanguageService {
  private readonly docs = new Map<string, OpenDocument>();
  private settings: ServerSettings = DEFAULT_SETTINGS;
  private workspaceFolders: string[] = [];
  readonly helpers = new HelperDocs();
  private readonly verifyCache: VerifyCache;
  private readonly workspaceIndex = new WorkspaceIndex();

  /** With `worker`, programs with loops are verified off the main thread; `onVerified` hears when one is done. */
  constructor(private readonly log: Logger = () => {}, worker?: AsyncVerifier, onVerified?: () => void) {
    this.verifyCache = new VerifyCache(worker, onVerified);
  }

  configure(rawSettings: unknown, workspaceFolders?: string[]): void {
    this.settings = readSettings(rawSettings);
    if (workspaceFolders) this.workspaceFolders = workspaceFolders;
    this.helpers.configure(this.settings.helperDefsPath, this.workspaceFolders);
    for (const d of this.docs.values()) d.analysis = undefined;
  }

  /** Opens a document; `languageId` bpf-conformance (or, without one, a `.data` name) makes it a test file. */
  open(uri: string, text: string, version: number, syntax?: Syntax, languageId?: string): void {
    const dataFile = languageId !== undefined ? languageId === 'bpf-conformance' : /\.data$/i.test(uri);
    this.docs.set(uri, { text, version, syntax: dataFile ? 'mnemonic' : syntax, dataFile });
  }

  update(uri: string, text: string, version: number): void {
    const d = this.docs.get(uri);
    this.docs.set(uri, { text, version, syntax: d?.syntax, dataFile: d?.dataFile ?? false });
  }

  close(uri: string): void {
    this.docs.delete(uri);
  }

  has(uri: string): boolean {
    return this.docs.has(uri);
  }

  version(uri: string): number | undefined {
    return this.docs.get(uri)?.version;
  }

  uris(): string[] {
    return [...this.docs.keys()];
  }

  /** The analysis of the document's current version, built on first use. */
  analysis(uri: string): DocumentAnalysis | undefined {
    const d = this.docs.get(uri);
    if (!d) return undefined;
    return (d.analysis ??= new DocumentAnalysis(uri, d.text, d.version, this.settings, d.syntax, this.verifyCache, d.dataFile));
  }

  /** Runs a feature; a failure is logged and answered with the fallback, never thrown. */
  private guard<T>(name: string, uri: string, fallback: T, run: (doc: DocumentAnalysis) => T): T {
    const doc = this.analysis(uri);
    if (!doc) return fallback;
    try {
      return run(doc);
    } catch (e) {
      this.log(`${name} failed on ${uri}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      return fallback;
    }
  }

  diagnostics(uri: string): Diagnostic[] {
    return this.guard('diagnostics', uri, [], (doc) => diagnostics(doc));
  }

  hover(uri: string, position: Position): Hover | null {
    return this.guard('hover', uri, null, (doc) => hover(doc, position, this.helpers) ?? null);
  }

  completion(uri: string, position: Position): CompletionItem[] {
    return this.guard('completion', uri, [], (doc) => completion(doc, position, this.helpers));
  }

  signatureHelp(uri: string, position: Position): SignatureHelp | null {
    return this.guard('signatureHelp', uri, null, (doc) => signatureHelp(doc, position, this.helpers) ?? null);
  }

  definition(uri: string, position: Position): Location | null {
    return this.guard('definition', uri, null, (doc) => definition(doc, position) ?? null);
  }

  references(uri: string, position: Position, includeDeclaration: boolean): Location[] {
    return this.guard('references', uri, [], (doc) => references(doc, position, includeDeclaration));
  }

  documentHighlights(uri: string, position: Position): DocumentHighlight[] {
    return this.guard('highlights', uri, [], (doc) => documentHighlights(doc, position));
  }

  prepareRename(uri: string, position: Position): ReturnType<typeof prepareRename> | null {
    return this.guard('prepareRename', uri, null, (doc) => prepareRename(doc, position) ?? null);
  }

  /** The edit, or an error message to show the user. */
  rename(uri: string, position: Position, newName: string): WorkspaceEdit | string {
    return this.guard('rename', uri, 'The document is not open.', (doc) => rename(doc, position, newName));
  }

  documentSymbols(uri: string): DocumentSymbol[] {
    return this.guard('documentSymbols', uri, [], (doc) => documentSymbols(doc));
  }

  /** Symbols of the open documents, and of the workspace's other assembly files as saved. */
  workspaceSymbols(query: string): SymbolInformation[] {
    try {
      const open = workspaceSymbols(this.uris().map((u) => this.analysis(u)!), query);
      const openPaths = new Set(this.uris().flatMap((u) => {
        try {
          return [fileURLToPath(u)];
        } catch {
          return [];
        }
      }));
      return [...open, ...this.workspaceIndex.symbols(this.workspaceFolders, query, openPaths)];
    } catch (e) {
      this.log(`workspaceSymbols failed: ${String(e)}`);
      return [];
    }
  }

  semanticTokens(uri: string): SemanticTokens {
    return this.guard('semanticTokens', uri, { data: [] }, (doc) => semanticTokens(doc));
  }

  inlayHints(uri: string, range: Range): InlayHint[] {
    return this.guard('inlayHints', uri, [], (doc) => inlayHints(doc, range, this.helpers));
  }

  foldingRanges(uri: string): FoldingRange[] {
    return this.guard('foldingRanges', uri, [], (doc) => foldingRanges(doc));
  }

  codeActions(uri: string, range: Range, context: Diagnostic[]): CodeAction[] {
    return this.guard('codeActions', uri, [], (doc) => codeActions(doc, range, context, this.helpers));
  }

  formatting(uri: string): TextEdit[] {
    return this.guard('formatting', uri, [], (doc) => formatDocument(doc));
  }

  rangeFormatting(uri: string, range: Range): TextEdit[] {
    return this.guard('rangeFormatting', uri, [], (doc) => formatRange(doc, range));
  }

  status(uri: string): StatusParams | undefined {
    return this.guard('status', uri, undefined, (doc) => commands.status(doc));
  }

  verifierLog(p: VerifierLogParams): VerifierLogResult {
    const notOpen: VerifierLogResult = { ok: false, log: '', verdict: 'error', error: 'The document is not open.' };
    return this.guard('verifierLog', p.uri, notOpen, (doc) => commands.verifierLog(doc, p.section));
  }

  assembleObject(p: AssembleParams): AssembleResult {
    return this.guard('assemble', p.uri, { ok: false, errors: ['The document is not open.'] }, (doc) => commands.assembleObject(doc));
  }

  disassembleObject(p: DisassembleParams): DisassembleResult {
    try {
      return commands.disassembleObject(p);
    } catch (e) {
      this.log(`disassemble failed: ${String(e)}`);
      return { ok: false, text: '', error: `Cannot disassemble ${p.uri}: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  convertSyntax(p: ConvertSyntaxParams): ConvertSyntaxResult {
    return this.guard('convert', p.uri, { ok: false, text: '', error: 'The document is not open.' }, (doc) => commands.convertSyntax(doc, p.to));
  }

  run(p: RunParams): RunResult {
    return this.guard('run', p.uri, { ok: false, output: [], error: 'The document is not open.' }, (doc) => runProgram(doc, p));
  }
}
