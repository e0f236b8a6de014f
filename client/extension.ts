// The VS Code extension's entry point: wires the language server, the debugger, the commands
// and the status bar together. All eBPF knowledge lives in the server and the debug adapter.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { registerCommands } from './commands';
import { registerDebugger } from './debug';
import { startLanguageClient } from './language-client';
import { registerLogLinks } from './log-link-provider';
import { STATUS_NOTIFICATION, type StatusParams } from './protocol';
import { VerdictStatusBar } from './status';
import { VIEW_SCHEME, VirtualDocuments } from './virtual-documents';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('eBPF Assembly', { log: true });
  const runOutput = vscode.window.createOutputChannel('eBPF Run');
  const views = new VirtualDocuments();
  const status = new VerdictStatusBar();
  context.subscriptions.push(
    output, runOutput, views, status,
    vscode.workspace.registerTextDocumentContentProvider(VIEW_SCHEME, views),
    registerLogLinks(views),
  );
  // A rebuilt object file refreshes its open disassembly.
  const objects = vscode.workspace.createFileSystemWatcher('**/*.o');
  context.subscriptions.push(objects, objects.onDidChange((uri) => views.refresh(uri.toString())));

  const start = async (): Promise<void> => {
    client = await startLanguageClient(context, output);
    client?.onNotification(STATUS_NOTIFICATION, (params: StatusParams) => {
      status.update(params);
      if (params.verdict !== 'pending') views.refresh(params.uri);
    });
  };
  const restart = async (): Promise<void> => {
    const old = client;
    client = undefined;
    await old?.stop().catch(() => undefined);
    await start();
  };

  context.subscriptions.push(
    ...registerCommands({
      client: () => client,
      restartClient: restart,
      views,
      runOutput,
      statusOf: (u) => status.statusOf(u),
      lastInput: () => context.workspaceState.get<string>('bpfAsm.lastRunInput', ''),
      setLastInput: (input) => void context.workspaceState.update('bpfAsm.lastRunInput', input),
    }),
    ...registerDebugger(),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
