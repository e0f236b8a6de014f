// Starts the language server (dist/server.js) over IPC and connects it to VS Code.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { SERVED_LANGUAGES } from './languages';
import { SERVER_EXEC_ARGV } from '../server/launch-flags';

export const CLIENT_ID = 'bpfAsm';

/** Starts the server, or returns undefined (after telling the user) when it is not built. */
export async function startLanguageClient(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
): Promise<LanguageClient | undefined> {
  const serverModule = context.asAbsolutePath('dist/server.js');
  if (!existsSync(serverModule)) {
    output.appendLine(`The language server is missing (${serverModule}); run "npm run build". Highlighting still works.`);
    return undefined;
  }
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_EXEC_ARGV] } },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_EXEC_ARGV, '--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: SERVED_LANGUAGES.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    outputChannel: output,
    synchronize: { configurationSection: CLIENT_ID },
    initializationOptions: { settings: vscode.workspace.getConfiguration(CLIENT_ID) },
  };
  let client: LanguageClient;
  try {
    // The constructor throws on a VS Code older than vscode-languageclient supports (1.91).
    client = new LanguageClient(CLIENT_ID, 'eBPF Assembly Language Server', serverOptions, clientOptions);
    await client.start();
  } catch (e) {
    output.appendLine(`The language server did not start: ${e instanceof Error ? e.message : String(e)}`);
    void vscode.window.showWarningMessage('The eBPF language server did not start; see the "eBPF Assembly" output.');
    return undefined;
  }
  return client;
}
