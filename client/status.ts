// The status bar item: program type and verifier verdict of the active document, as the
// language server last reported them with the bpfAsm/status notification.
import * as vscode from 'vscode';
import type { StatusParams } from './protocol';
import { statusText } from './status-text';
import { COMMANDS } from './command-ids';
import { ASM_LANGUAGES } from './languages';

export class VerdictStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('bpfAsm.verdict', vscode.StatusBarAlignment.Left, 100);
  private readonly byUri = new Map<string, StatusParams>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.item.name = 'eBPF verifier verdict';
    this.item.command = COMMANDS.showVerifierLog;
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.refresh()),
      vscode.workspace.onDidCloseTextDocument((d) => this.byUri.delete(d.uri.toString())),
    );
    this.refresh();
  }

  /** The last status the server sent for a document. */
  statusOf(uri: vscode.Uri): StatusParams | undefined {
    return this.byUri.get(uri.toString());
  }

  update(status: StatusParams): void {
    this.byUri.set(status.uri, status);
    this.refresh();
  }

  private refresh(): void {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !ASM_LANGUAGES.includes(doc.languageId)) {
      this.item.hide();
      return;
    }
    const status = this.byUri.get(doc.uri.toString());
    if (!status) {
      this.item.text = '$(sync~spin) eBPF: verifying';
      this.item.tooltip = undefined;
    } else {
      this.item.text = statusText(status);
      this.item.tooltip = status.message ?? 'Show the verifier log';
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
