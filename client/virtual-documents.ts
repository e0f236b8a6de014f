// Read-only documents made by commands (verifier logs, disassembly listings), served from memory
// under the `bpf-asm-view` scheme. The file name's extension picks the language.
import * as vscode from 'vscode';

export const VIEW_SCHEME = 'bpf-asm-view';

export class VirtualDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  /** Stores `text` under a name derived from `source` and `suffix`, and opens it beside the editor. */
  async show(source: vscode.Uri, suffix: string, text: string, languageId: string): Promise<void> {
    const base = source.path.split('/').pop() || 'untitled';
    const uri = vscode.Uri.from({
      scheme: VIEW_SCHEME,
      path: `/${base}${suffix}`,
      query: source.toString(),
    });
    this.contents.set(uri.toString(), text);
    this.changed.fire(uri);
    let doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== languageId) doc = await vscode.languages.setTextDocumentLanguage(doc, languageId);
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  }

  dispose(): void {
    this.changed.dispose();
    this.contents.clear();
  }
}
