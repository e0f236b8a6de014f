// The language server process: the only module that speaks LSP. Each handler forwards to a plain
// method of BpfLanguageService; diagnostics are recomputed after edits, superseded work skipped.
import {
  createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, ResponseError, ErrorCodes,
  type InitializeResult, type Connection, type CancellationToken,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fileURLToPath } from 'node:url';
import { SEMANTIC_LEGEND } from './features/semantic-tokens';
import { BpfLanguageService } from './service';
import { registerCustomRequests } from './custom-requests';
import { isMainThread, workerData } from 'node:worker_threads';
import { AsyncVerifier, VERIFY_WORKER_FLAG } from './async-verifier';
import { serveVerifyJobs } from './verify-worker';

/**
 * How long the worker may verify one program before the server gives up on it: a safety net only,
 * since the verifier stops runaway loops itself at the kernel's limits (a million processed
 * instructions, 8,192 queued paths) in a few seconds at most.
 */
const VERIFY_TIMEOUT_MS = 10_000;

export function startServer(connection: Connection): void {
  const worker = new AsyncVerifier(__filename, VERIFY_TIMEOUT_MS);
  const service: BpfLanguageService = new BpfLanguageService((m) => connection.console.error(m), worker, () => {
    for (const uri of service.uris()) schedule(uri);
  });
  const documents = new TextDocuments(TextDocument);
  let canPullConfig = false;
  const pending = new Set<string>();
  let flushScheduled = false;

  const publish = (uri: string): void => {
    const version = service.version(uri);
    if (version === undefined) return;
    const diagnostics = service.diagnostics(uri);
    if (service.version(uri) !== version) return; // superseded while computing
    void connection.sendDiagnostics({ uri, version, diagnostics });
    registerStatus(uri);
  };

  const registerStatus = (uri: string): void => {
    const status = service.status(uri);
    if (status) void connection.sendNotification('bpfAsm/status', status);
  };

  const flush = (): void => {
    flushScheduled = false;
    const uris = [...pending];
    pending.clear();
    for (const uri of uris) publish(uri);
  };

  const schedule = (uri: string): void => {
    pending.add(uri);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };

  const pullSettings = async (): Promise<void> => {
    if (!canPullConfig) return;
    try {
      const raw: unknown = await connection.workspace.getConfiguration('bpfAsm');
      service.configure(raw);
      for (const uri of service.uris()) schedule(uri);
    } catch {
      // The client may not answer configuration requests; the defaults stand.
    }
  };

  connection.onInitialize((params): InitializeResult => {
    canPullConfig = !!params.capabilities.workspace?.configuration;
    const folders = (params.workspaceFolders ?? []).map((f) => {
      try {
        return fileURLToPath(f.uri);
      } catch {
        return '';
      }
    }).filter(Boolean);
    if (!folders.length && params.rootUri) {
      try {
        folders.push(fileURLToPath(params.rootUri));
      } catch {
        // not a file: URI
      }
    }
    service.configure(params.initializationOptions?.settings ?? {}, folders);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['.', '%', ' ', '='], resolveProvider: false },
        signatureHelpProvider: { triggerCharacters: [' '], retriggerCharacters: [' '] },
        definitionProvider: true,
        referencesProvider: true,
        documentHighlightProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        semanticTokensProvider: { legend: SEMANTIC_LEGEND, full: true },
        inlayHintProvider: true,
        foldingRangeProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix', 'refactor.rewrite'] },
        documentFormattingProvider: true,
        documentRangeFormattingProvider: true,
      },
      serverInfo: { name: 'bpf-asm', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => void pullSettings());
  connection.onDidChangeConfiguration((change) => {
    const raw = (change.settings as { bpfAsm?: unknown } | undefined)?.bpfAsm;
    if (raw !== undefined) {
      service.configure(raw);
      for (const uri of service.uris()) schedule(uri);
    } else void pullSettings();
  });

  documents.onDidOpen((e) => {
    const { languageId } = e.document;
    service.open(e.document.uri, e.document.getText(), e.document.version, languageId === 'bpf-asm-mnemonic' ? 'mnemonic' : undefined, languageId);
    schedule(e.document.uri);
  });
  documents.onDidChangeContent((e) => {
    service.update(e.document.uri, e.document.getText(), e.document.version);
    schedule(e.document.uri);
  });
  documents.onDidClose((e) => {
    service.close(e.document.uri);
    pending.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  const unlessCancelled = <T>(token: CancellationToken, fallback: T, run: () => T): T =>
    token.isCancellationRequested ? fallback : run();

  connection.onHover((p, token) => unlessCancelled(token, null, () => service.hover(p.textDocument.uri, p.position)));
  connection.onCompletion((p, token) => unlessCancelled(token, [], () => service.completion(p.textDocument.uri, p.position)));
  connection.onSignatureHelp((p, token) => unlessCancelled(token, null, () => service.signatureHelp(p.textDocument.uri, p.position)));
  connection.onDefinition((p) => service.definition(p.textDocument.uri, p.position));
  connection.onReferences((p) => service.references(p.textDocument.uri, p.position, p.context.includeDeclaration));
  connection.onDocumentHighlight((p) => service.documentHighlights(p.textDocument.uri, p.position));
  connection.onPrepareRename((p) => service.prepareRename(p.textDocument.uri, p.position));
  connection.onRenameRequest((p) => {
    const result = service.rename(p.textDocument.uri, p.position, p.newName);
    if (typeof result === 'string') return new ResponseError(ErrorCodes.InvalidParams, result);
    return result;
  });
  connection.onDocumentSymbol((p) => service.documentSymbols(p.textDocument.uri));
  connection.onWorkspaceSymbol((p) => service.workspaceSymbols(p.query));
  connection.languages.semanticTokens.on((p) => service.semanticTokens(p.textDocument.uri));
  connection.languages.inlayHint.on((p) => service.inlayHints(p.textDocument.uri, p.range));
  connection.onFoldingRanges((p) => service.foldingRanges(p.textDocument.uri));
  connection.onCodeAction((p) => service.codeActions(p.textDocument.uri, p.range, p.context.diagnostics));
  connection.onDocumentFormatting((p) => service.formatting(p.textDocument.uri));
  connection.onDocumentRangeFormatting((p) => service.rangeFormatting(p.textDocument.uri, p.range));
  registerCustomRequests(connection, service);

  documents.listen(connection);
  connection.listen();
}

if (!isMainThread && (workerData as Record<string, unknown> | undefined)?.[VERIFY_WORKER_FLAG]) {
  serveVerifyJobs();
} else if (require.main === module) {
  process.on('uncaughtException', (e) => process.stderr.write(`bpf-asm server: ${e.stack ?? e}\n`));
  startServer(createConnection(ProposedFeatures.all));
}
