// The extension's commands. Each asks the language server (bpfAsm/* requests, see protocol.ts)
// and shows the answer; none of them does any assembling itself.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { COMMANDS } from './command-ids';
import { ASM_LANGUAGES } from './languages';
import { hexInputProblem } from './hex-input';
import { objectPathFor } from './output-paths';
import {
  ASSEMBLE_REQUEST, CONVERT_SYNTAX_REQUEST, DISASSEMBLE_REQUEST, RUN_REQUEST, VERIFIER_LOG_REQUEST,
  type AsmSyntax, type AssembleParams, type AssembleResult, type ConvertSyntaxParams, type ConvertSyntaxResult,
  type DisassembleParams, type DisassembleResult, type RunParams, type RunResult, type StatusParams,
  type VerifierLogParams, type VerifierLogResult,
} from './protocol';
import type { RenderedView, VirtualDocuments } from './virtual-documents';

export interface CommandContext {
  client(): LanguageClient | undefined;
  restartClient(): Promise<void>;
  views: VirtualDocuments;
  runOutput: vscode.OutputChannel;
  statusOf(uri: vscode.Uri): StatusParams | undefined;
  /** The packet last typed for a run, offered again. */
  lastInput(): string;
  setLastInput(input: string): void;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The assembly document a command acts on: the one it was invoked on, or the active editor's. */
async function targetDocument(arg: unknown): Promise<vscode.TextDocument | undefined> {
  let doc: vscode.TextDocument | undefined;
  try {
    doc = arg instanceof vscode.Uri ? await vscode.workspace.openTextDocument(arg) : vscode.window.activeTextEditor?.document;
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot open ${(arg as vscode.Uri).fsPath}: ${errorText(e)}`);
    return undefined;
  }
  if (!doc || !ASM_LANGUAGES.includes(doc.languageId)) {
    void vscode.window.showErrorMessage('Open an eBPF assembly file first.');
    return undefined;
  }
  return doc;
}

/** Sends a request; throws an Error fit to show the user when the server is not there or fails. */
async function request<P, R>(ctx: CommandContext, method: string, params: P): Promise<R> {
  const client = ctx.client();
  if (!client) throw new Error('The eBPF language server is not running; see the "eBPF Assembly" output.');
  try {
    return await client.sendRequest<R>(method, params);
  } catch (e) {
    throw new Error(`eBPF language server: ${errorText(e)}`);
  }
}

/** Sends a request, telling the user (and answering undefined) when the server is not there or fails. */
async function ask<P, R>(ctx: CommandContext, method: string, params: P): Promise<R | undefined> {
  try {
    return await request<P, R>(ctx, method, params);
  } catch (e) {
    void vscode.window.showErrorMessage(errorText(e));
    return undefined;
  }
}

async function renderVerifierLog(ctx: CommandContext, source: vscode.Uri): Promise<RenderedView> {
  // Opening the document (again, after a reload) hands it to the language server.
  await vscode.workspace.openTextDocument(source);
  const r = await request<VerifierLogParams, VerifierLogResult>(ctx, VERIFIER_LOG_REQUEST, { uri: source.toString() });
  if (!r.ok && !r.log) throw new Error(r.error ?? 'No verifier log for this file.');
  return { text: r.log, ...(r.insnLines ? { insnLines: r.insnLines } : {}) };
}

async function renderDisassembly(ctx: CommandContext, object: vscode.Uri): Promise<RenderedView> {
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(object);
  } catch (e) {
    throw new Error(`Cannot read ${object.fsPath}: ${errorText(e)}`);
  }
  const params: DisassembleParams = { uri: object.toString(), elfBase64: Buffer.from(bytes).toString('base64'), syntax: 'llvm' };
  const r = await request<DisassembleParams, DisassembleResult>(ctx, DISASSEMBLE_REQUEST, params);
  if (!r.ok) throw new Error(r.error ?? `Cannot disassemble ${object.fsPath}.`);
  return { text: r.text };
}

async function showVerifierLog(ctx: CommandContext, arg: unknown): Promise<void> {
  const doc = await targetDocument(arg);
  if (doc) await ctx.views.open(VIEWS.verifierLog, doc.uri);
}

async function assemble(ctx: CommandContext, arg: unknown): Promise<void> {
  const doc = await targetDocument(arg);
  if (!doc) return;
  const r = await ask<AssembleParams, AssembleResult>(ctx, ASSEMBLE_REQUEST, { uri: doc.uri.toString() });
  if (!r) return;
  if (!r.ok || !r.elfBase64) {
    const first = r.errors[0] ?? 'unknown error';
    void vscode.window.showErrorMessage(`Cannot assemble ${doc.uri.path.split('/').pop()}: ${first}` +
      (r.errors.length > 1 ? ` (and ${r.errors.length - 1} more)` : ''));
    return;
  }
  let target: vscode.Uri | undefined = doc.uri.scheme === 'file' ? doc.uri.with({ path: objectPathFor(doc.uri.path) }) : undefined;
  target ??= await vscode.window.showSaveDialog({ filters: { 'ELF object': ['o'] } });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, Buffer.from(r.elfBase64, 'base64'));
  const choice = await vscode.window.showInformationMessage(`Wrote ${vscode.workspace.asRelativePath(target)}.`, 'Disassemble');
  if (choice === 'Disassemble') await disassemble(ctx, target);
}

async function pickObjectFile(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  // A .o opened in VS Code shows as a binary tab, not a text editor: look at the active tab.
  const tabInput = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (tabInput instanceof vscode.TabInputText || tabInput instanceof vscode.TabInputCustom) {
    if (/\.o$/i.test(tabInput.uri.path)) return tabInput.uri;
  }
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ELF object': ['o'], 'All files': ['*'] } });
  return picked?.[0];
}

async function disassemble(ctx: CommandContext, arg: unknown): Promise<void> {
  const uri = await pickObjectFile(arg);
  if (uri) await ctx.views.open(VIEWS.disassembly, uri);
}

async function convertSyntax(ctx: CommandContext, arg: unknown): Promise<void> {
  const doc = await targetDocument(arg);
  if (!doc) return;
  const known = ctx.statusOf(doc.uri)?.syntax ?? (doc.languageId === 'bpf-asm-mnemonic' ? 'mnemonic' : undefined);
  let to: AsmSyntax | undefined = known === 'llvm' ? 'mnemonic' : known === 'mnemonic' ? 'llvm' : undefined;
  if (!to) {
    const pick = await vscode.window.showQuickPick(
      [{ label: 'LLVM syntax', description: 'r0 = *(u32 *)(r1 + 4)', to: 'llvm' as const },
        { label: 'Mnemonic syntax', description: 'ldxw %r0, [%r1+4]', to: 'mnemonic' as const }],
      { placeHolder: 'Convert to' },
    );
    to = pick?.to;
  }
  if (!to) return;
  const r = await ask<ConvertSyntaxParams, ConvertSyntaxResult>(ctx, CONVERT_SYNTAX_REQUEST, { uri: doc.uri.toString(), to });
  if (!r) return;
  if (!r.ok) {
    void vscode.window.showErrorMessage(r.error ?? 'Cannot convert this file.');
    return;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), r.text);
  await vscode.workspace.applyEdit(edit);
  // The mnemonic grammar does not highlight LLVM syntax; the bpf-asm grammar highlights both.
  if (to === 'llvm' && doc.languageId === 'bpf-asm-mnemonic') await vscode.languages.setTextDocumentLanguage(doc, 'bpf-asm');
}

async function runProgramWithInput(ctx: CommandContext, arg: unknown): Promise<void> {
  const doc = await targetDocument(arg);
  if (!doc) return;
  const input = await vscode.window.showInputBox({
    title: 'Run eBPF program',
    prompt: 'Packet (or context) bytes in hex; empty for 64 zero bytes',
    value: ctx.lastInput(),
    validateInput: hexInputProblem,
  });
  if (input === undefined) return;
  ctx.setLastInput(input);
  await runProgram(ctx, doc.uri, input.trim() || undefined);
}

async function runProgram(ctx: CommandContext, arg: unknown, input?: string): Promise<void> {
  const doc = await targetDocument(arg);
  if (!doc) return;
  const out = ctx.runOutput;
  const name = doc.uri.path.split('/').pop();
  const params: RunParams = { uri: doc.uri.toString(), ...(input ? { input } : {}) };
  const r = await ask<RunParams, RunResult>(ctx, RUN_REQUEST, params);
  if (!r) return;
  out.appendLine(`--- ${name}${input ? ` on ${input}` : ''} (${new Date().toLocaleTimeString()})`);
  for (const line of r.output) out.appendLine(line);
  if (r.ok) {
    const named = r.returnName ? ` (${r.returnName})` : '';
    const count = r.instructionsExecuted !== undefined ? `, ${r.instructionsExecuted} instructions executed` : '';
    out.appendLine(`r0 = ${r.returnValue ?? '?'}${named}${count}`);
  } else {
    out.appendLine(`error: ${r.error ?? 'the run failed'}`);
  }
  out.show(true);
}

async function debugProgram(arg: unknown): Promise<void> {
  const doc = await targetDocument(arg);
  if (!doc) return;
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  await vscode.debug.startDebugging(folder, {
    type: 'bpf', request: 'launch', name: 'Debug eBPF program', program: doc.uri.fsPath, stopOnEntry: true,
  });
}

/** The virtual documents the commands open. */
export const VIEWS = { verifierLog: 'verifier-log', disassembly: 'disassembly' } as const;

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  ctx.views.define(VIEWS.verifierLog, {
    suffix: '.verifier.log', languageId: 'bpf-verifier-log', render: (source) => renderVerifierLog(ctx, source),
  });
  ctx.views.define(VIEWS.disassembly, {
    suffix: '.bpf.s', languageId: 'bpf-asm', render: (object) => renderDisassembly(ctx, object),
  });
  const reg = vscode.commands.registerCommand;
  return [
    reg(COMMANDS.showVerifierLog, (arg: unknown) => showVerifierLog(ctx, arg)),
    reg(COMMANDS.assemble, (arg: unknown) => assemble(ctx, arg)),
    reg(COMMANDS.disassemble, (arg: unknown) => disassemble(ctx, arg)),
    reg(COMMANDS.convertSyntax, (arg: unknown) => convertSyntax(ctx, arg)),
    reg(COMMANDS.runProgram, (arg: unknown) => runProgram(ctx, arg)),
    reg(COMMANDS.runProgramWithInput, (arg: unknown) => runProgramWithInput(ctx, arg)),
    reg(COMMANDS.debugProgram, (arg: unknown) => debugProgram(arg)),
    reg(COMMANDS.restartServer, () => ctx.restartClient()),
  ];
}
