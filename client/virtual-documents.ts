// Read-only documents computed on demand (verifier logs, disassembly listings), under the
// `bpf-asm-view` scheme. The URI names what to show and for which file, so a view restored after
// a reload renders again, and `refresh` re-renders the open views of a file when it changes.
import * as vscode from 'vscode';

export const VIEW_SCHEME = 'bpf-asm-view';

export interface ViewKind {
  /** Appended to the source file's name; its extension picks the view's language. */
  suffix: string;
  languageId: string;
  /** The text to show, or throws an Error whose message is shown instead. */
  render(source: vscode.Uri): Promise<RenderedView>;
}

export interface RenderedView {
  text: string;
  /** For verifier logs: the source line of each instruction number (see VerifierLogResult). */
  insnLines?: (number | null)[];
}

export class VirtualDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly kinds = new Map<string, ViewKind>();
  private readonly rendered = new Map<string, RenderedView>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  define(name: string, kind: ViewKind): void {
    this.kinds.set(name, kind);
  }

  private uriFor(name: string, source: vscode.Uri): vscode.Uri {
    const kind = this.kinds.get(name)!;
    const base = source.path.split('/').pop() || 'untitled';
    const query = new URLSearchParams({ view: name, source: source.toString() }).toString();
    return vscode.Uri.from({ scheme: VIEW_SCHEME, path: `/${base}${kind.suffix}`, query });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const query = new URLSearchParams(uri.query);
    const kind = this.kinds.get(query.get('view') ?? '');
    const source = query.get('source');
    if (!kind || !source) return `Unknown view: ${uri.toString()}`;
    let view: RenderedView;
    try {
      view = await kind.render(vscode.Uri.parse(source));
    } catch (e) {
      view = { text: e instanceof Error ? e.message : String(e) };
    }
    this.rendered.set(uri.toString(), view);
    return view.text;
  }

  /** What the view at `uri` last showed, and the source it shows it for. */
  renderedView(uri: vscode.Uri): { view: RenderedView; source: vscode.Uri } | undefined {
    const view = this.rendered.get(uri.toString());
    const source = new URLSearchParams(uri.query).get('source');
    return view && source ? { view, source: vscode.Uri.parse(source) } : undefined;
  }

  /** Opens (or re-renders and shows) the view `name` of `source` beside the active editor. */
  async open(name: string, source: vscode.Uri): Promise<void> {
    const uri = this.uriFor(name, source);
    const kind = this.kinds.get(name)!;
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) this.changed.fire(uri);
    let doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== kind.languageId) doc = await vscode.languages.setTextDocumentLanguage(doc, kind.languageId);
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  }

  /** Re-renders every open view of `source`. */
  refresh(source: string): void {
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme === VIEW_SCHEME && new URLSearchParams(doc.uri.query).get('source') === source) this.changed.fire(doc.uri);
    }
  }

  dispose(): void {
    this.changed.dispose();
    this.rendered.clear();
  }
}
