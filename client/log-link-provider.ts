// Links the instruction numbers of a verifier log view to their source lines.
import * as vscode from 'vscode';
import { logInsnLinks } from './log-links';
import { VIEW_SCHEME, type VirtualDocuments } from './virtual-documents';

export function registerLogLinks(views: VirtualDocuments): vscode.Disposable {
  return vscode.languages.registerDocumentLinkProvider({ scheme: VIEW_SCHEME, language: 'bpf-verifier-log' }, {
    provideDocumentLinks(document) {
      const shown = views.renderedView(document.uri);
      if (!shown?.view.insnLines) return [];
      return logInsnLinks(document.getText(), shown.view.insnLines).map((l) => {
        const link = new vscode.DocumentLink(
          new vscode.Range(l.line, l.start, l.line, l.end),
          shown.source.with({ fragment: `L${l.sourceLine + 1}` }),
        );
        link.tooltip = `Go to source line ${l.sourceLine + 1}`;
        return link;
      });
    },
  });
}
