// Links the instruction numbers and line-info notes of a verifier log view to source lines.
import * as vscode from 'vscode';
import { logInsnLinks, logSourceLinks } from './log-links';
import { VIEW_SCHEME, type VirtualDocuments } from './virtual-documents';

export function registerLogLinks(views: VirtualDocuments): vscode.Disposable {
  return vscode.languages.registerDocumentLinkProvider({ scheme: VIEW_SCHEME, language: 'bpf-verifier-log' }, {
    provideDocumentLinks(document) {
      const shown = views.renderedView(document.uri);
      if (!shown) return [];
      const text = document.getText();
      const links = [
        ...(shown.view.insnLines ? logInsnLinks(text, shown.view.insnLines) : []),
        ...logSourceLinks(text, shown.source.path.split('/').pop() ?? ''),
      ];
      return links.map((l) => {
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
