// The `bpf` debugger's VS Code side: where the adapter runs, what F5 launches without a
// launch.json, and the registers shown inline while stopped.
import * as vscode from 'vscode';
import { BpfDebugSession } from '../debugger/session';
import { DEBUG_TYPE, defaultLaunchConfig, resolveLaunchConfig } from './debug-config';
import { ASM_LANGUAGES } from './languages';
import { INLINE_VALUE_LINES_ABOVE, inlineValueRange, registerReferences } from './inline-values';

/** Runs the debug adapter in the extension host's process: no separate adapter to start. */
class InlineAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    return new vscode.DebugAdapterInlineImplementation(new BpfDebugSession());
  }
}

class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [defaultLaunchConfig('${file}')];
  }

  resolveDebugConfiguration(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.ProviderResult<vscode.DebugConfiguration> {
    const doc = vscode.window.activeTextEditor?.document;
    const active = doc ? { path: doc.uri.fsPath, languageId: doc.languageId } : undefined;
    const resolved = resolveLaunchConfig(config, active, folder?.uri.fsPath);
    if (!resolved.config) {
      void vscode.window.showErrorMessage(resolved.error);
      return undefined;
    }
    return resolved.config as vscode.DebugConfiguration;
  }
}

/** Offers "Debug eBPF program" for the active file in the Run and Debug view's dropdown. */
class DynamicConfigurations implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    const doc = vscode.window.activeTextEditor?.document;
    return doc && ASM_LANGUAGES.includes(doc.languageId) ? [defaultLaunchConfig(doc.uri.fsPath)] : [];
  }
}

class RegisterInlineValues implements vscode.InlineValuesProvider {
  provideInlineValues(
    document: vscode.TextDocument,
    _viewPort: vscode.Range,
    context: vscode.InlineValueContext,
  ): vscode.InlineValue[] {
    const stopped = Math.min(context.stoppedLocation.end.line, document.lineCount - 1);
    const start = Math.max(0, stopped - INLINE_VALUE_LINES_ABOVE);
    const lines: string[] = [];
    for (let i = start; i <= stopped; i++) lines.push(document.lineAt(i).text);
    const { first, last } = inlineValueRange(lines, stopped - start);
    return registerReferences(lines.slice(first, last + 1), start + first).map(
      (r) => new vscode.InlineValueVariableLookup(new vscode.Range(r.line, r.start, r.line, r.end), r.variable, false),
    );
  }
}

export function registerDebugger(): vscode.Disposable[] {
  const selector = ASM_LANGUAGES.map((language) => ({ language }));
  return [
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new InlineAdapterFactory()),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider()),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new DynamicConfigurations(), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.languages.registerInlineValuesProvider(selector, new RegisterInlineValues()),
  ];
}
