// The Debug Adapter Protocol side of the eBPF debugger: translates DAP requests into runtime calls
// and runtime events into DAP events. All program knowledge lives in runtime.ts and views.ts.
import { basename } from 'node:path';
import {
  Breakpoint, InitializedEvent, InvalidatedEvent, LoggingDebugSession, OutputEvent, Scope, Source, StackFrame,
  StoppedEvent, TerminatedEvent, Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { printLlvm } from '../core/disasm';
import { helperById } from '../core/helpers/table';
import { splitAddr } from '../core/vm/memory';
import { EvalError } from './expr';
import { BpfRuntime, codeAddress, codeLocation, type LaunchArgs, type ResolvedBreakpoint, type StopInfo } from './runtime';
import { callerRegisterNodes, contextNodes, mapNodes, numberText, packetNodes, registerNodes, stackNodes, type VarNode } from './views';

const THREAD_ID = 1;
/** Most elements of a big array sent at once. */
const PAGE_LIMIT = 1000;

interface LaunchRequestArguments extends DebugProtocol.LaunchRequestArguments, LaunchArgs {}

/** Resolves once configurationDone arrived (or after a timeout, as VS Code may not send it). */
class Latch {
  private done = false;
  private waiters: (() => void)[] = [];
  open(): void {
    this.done = true;
    for (const w of this.waiters.splice(0)) w();
  }
  wait(ms: number): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise((res) => {
      const t = setTimeout(res, ms);
      this.waiters.push(() => { clearTimeout(t); res(); });
    });
  }
}

const hex = (v: bigint): string => '0x' + v.toString(16);

function parseAddress(ref: string | undefined): bigint | undefined {
  if (!ref || !/^\s*(0x[0-9a-f]+|\d+)\s*$/i.test(ref)) return undefined;
  return BigInt(ref.trim());
}

export class BpfDebugSession extends LoggingDebugSession {
  private readonly rt = new BpfRuntime();
  private readonly configured = new Latch();
  private containers = new Map<number, { make: () => VarNode[]; nodes?: VarNode[]; range?: (start: number, count: number) => VarNode[] }>();
  private nextRef = 1;
  private launchArgs: LaunchRequestArguments | undefined;
  private lastException: StopInfo | undefined;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.rt.on('stop', (s: StopInfo) => {
      this.containers.clear();
      if (s.reason === 'exception') this.lastException = s;
      const e = new StoppedEvent(s.reason, THREAD_ID, s.text) as DebugProtocol.StoppedEvent;
      if (s.description) e.body.description = s.description;
      if (s.breakpointIds?.length) e.body.hitBreakpointIds = s.breakpointIds;
      e.body.allThreadsStopped = true;
      this.sendEvent(e);
    });
    this.rt.on('output', (o) => this.sendEvent(new OutputEvent(o.text, o.category)));
    this.rt.on('end', () => this.sendEvent(new TerminatedEvent()));
  }

  /** The runtime under this session (for in-process tests and the benchmark). */
  get runtime(): BpfRuntime {
    return this.rt;
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsStepBack: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsFunctionBreakpoints: true,
      supportsDataBreakpoints: true,
      supportsInstructionBreakpoints: true,
      supportsDisassembleRequest: true,
      supportsSteppingGranularity: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsSetVariable: true,
      supportsEvaluateForHovers: true,
      supportsExceptionInfoRequest: true,
      supportsRestartRequest: true,
      supportsTerminateRequest: true,
      supportsBreakpointLocationsRequest: true,
      supportsValueFormattingOptions: false,
      supportsCompletionsRequest: true,
      supportsRestartFrame: true,
      supportsSetExpression: true,
      completionTriggerCharacters: ['(', '['],
      exceptionBreakpointFilters: [
        { filter: 'faults', label: 'Runtime faults', description: 'Stop where the program faults (bad memory access, budget exceeded...)', default: true },
        { filter: 'helperErrors', label: 'Helper errors', description: 'Stop after a helper call that returned a negative error code', default: false },
      ],
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    this.configured.open();
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchRequestArguments): Promise<void> {
    this.launchArgs = args;
    let err: string | undefined;
    try {
      err = await this.rt.load(args);
    } catch (e) {
      err = `internal error while loading: ${e instanceof Error ? e.stack ?? e.message : String(e)}`;
    }
    if (err) {
      this.sendEvent(new OutputEvent(err + '\n', 'stderr'));
      this.sendErrorResponse(response, { id: 1001, format: '{_error}', variables: { _error: err }, showUser: true });
      return;
    }
    const rt = this.rt;
    const v = rt.programs[0]!.verifier!;
    const name = rt.programs[0]!.program.name;
    this.sendEvent(new OutputEvent(
      `Loaded ${name} (${rt.progType ?? 'unknown type'}) from ${basename(rt.sourcePath)}: ${rt.machine.programs[0]!.slots.length} instructions; ` +
      `${rt.verifierMissing ? `not verified (${rt.verifierMissing})` : v.accepted ? `the verifier accepts it (${v.processed} insns processed)` : 'the verifier REJECTS it'}.\n`, 'console'));
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
    await this.configured.wait(2000);
    this.guard(() => rt.start(args.stopOnEntry ?? true));
  }

  protected override async restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): Promise<void> {
    const launch = (args?.arguments as LaunchRequestArguments | undefined) ?? this.launchArgs;
    let err: string | undefined;
    try {
      err = launch ? await this.rt.load(launch) : 'nothing to restart';
    } catch (e) {
      err = `internal error while loading: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (err) { this.sendErrorResponse(response, { id: 1002, format: '{_error}', variables: { _error: err }, showUser: true }); return; }
    this.sendResponse(response);
    this.guard(() => this.rt.start(launch?.stopOnEntry ?? true));
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  /** Runs a runtime action; an unexpected exception becomes a stop with its message, never a crash. */
  private guard(action: () => void): void {
    try {
      action();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.sendEvent(new OutputEvent(`internal error: ${e instanceof Error ? e.stack ?? msg : msg}\n`, 'stderr'));
      const ev = new StoppedEvent('exception', THREAD_ID, msg) as DebugProtocol.StoppedEvent;
      ev.body.description = `internal error: ${msg}`;
      this.sendEvent(ev);
    }
  }

  private notLoaded(response: DebugProtocol.Response): boolean {
    if (this.rt.machine) return false;
    this.sendErrorResponse(response, { id: 1003, format: 'no program is loaded', showUser: false });
    return true;
  }

  // ---- breakpoints ------------------------------------------------------------------------------

  private toDapBreakpoint(b: ResolvedBreakpoint, source?: DebugProtocol.Source): DebugProtocol.Breakpoint {
    const bp = new Breakpoint(b.verified, b.line !== undefined ? this.convertDebuggerLineToClient(b.line + 1) : undefined) as DebugProtocol.Breakpoint;
    bp.id = b.id;
    if (b.message) bp.message = b.message;
    if (b.line !== undefined && source) bp.source = source;
    if (b.prog !== undefined && b.slot !== undefined) bp.instructionReference = hex(codeAddress(b.prog, b.slot));
    return bp;
  }

  private bpSource(b: ResolvedBreakpoint): Source | undefined {
    return b.prog !== undefined && b.slot !== undefined ? this.sourceFor(this.rt.location(b.prog, b.slot)?.path) : undefined;
  }

  private sameFile(path: string | undefined): boolean {
    return !!path && !!this.rt.machine && this.rt.knowsFile(path);
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const reqs: DebugProtocol.SourceBreakpoint[] = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
    if (!this.sameFile(args.source.path)) {
      response.body = { breakpoints: reqs.map(() => ({ verified: false, message: 'this file is not the program being debugged' })) };
      this.sendResponse(response);
      return;
    }
    const resolved = this.rt.setSourceBreakpoints(args.source.path!, reqs.map((b) => ({
      line: this.convertClientLineToDebugger(b.line) - 1,
      condition: b.condition || undefined, hitCondition: b.hitCondition || undefined, logMessage: b.logMessage,
    })));
    response.body = { breakpoints: resolved.map((b) => this.toDapBreakpoint(b, args.source)) };
    this.sendResponse(response);
  }

  protected override breakpointLocationsRequest(response: DebugProtocol.BreakpointLocationsResponse, args: DebugProtocol.BreakpointLocationsArguments): void {
    if (!this.rt.machine || !this.sameFile(args.source.path)) { response.body = { breakpoints: [] }; this.sendResponse(response); return; }
    const from = this.convertClientLineToDebugger(args.line) - 1;
    const to = this.convertClientLineToDebugger(args.endLine ?? args.line) - 1;
    const lines = new Set(this.rt.lineSlots(args.source.path!).filter((x) => x.line >= from && x.line <= to).map((x) => x.line));
    response.body = { breakpoints: [...lines].map((l) => ({ line: this.convertDebuggerLineToClient(l + 1) })) };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    if (this.notLoaded(response)) return;
    const resolved = this.rt.setFunctionBreakpoints(args.breakpoints.map((b) => ({ name: b.name, condition: b.condition, hitCondition: b.hitCondition })));
    response.body = { breakpoints: resolved.map((b) => this.toDapBreakpoint(b, this.bpSource(b))) };
    this.sendResponse(response);
  }

  protected override setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    if (this.notLoaded(response)) return;
    const resolved = this.rt.setInstructionBreakpoints(args.breakpoints.map((b) => {
      const base = parseAddress(b.instructionReference) ?? -1n;
      return { address: base + BigInt(b.offset ?? 0), condition: b.condition, hitCondition: b.hitCondition };
    }));
    response.body = { breakpoints: resolved.map((b) => this.toDapBreakpoint(b, this.bpSource(b))) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    const filters = new Set([...args.filters, ...(args.filterOptions ?? []).map((f) => f.filterId)]);
    this.rt.breakOnFaults = filters.has('faults');
    this.rt.breakOnHelperErrors = filters.has('helperErrors');
    response.body = { breakpoints: [...filters].map(() => ({ verified: true })) };
    this.sendResponse(response);
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    let dataId: string | null = null;
    let description = `cannot watch ${args.name}`;
    if (args.variablesReference !== undefined && args.variablesReference !== 0) {
      const node = this.findNode(args.variablesReference, args.name);
      if (node?.dataId) { dataId = node.dataId; description = `writes to ${args.name}`; }
    } else if (this.rt.machine) {
      const reg = /^\s*r(10|[0-9])\s*$/.exec(args.name);
      if (reg) { dataId = `reg:${reg[1]}`; description = `changes of r${reg[1]}`; } else {
        try {
          const v = this.rt.evaluate(args.name);
          if (v.address !== undefined) { dataId = `mem:${hex(v.address)}:${v.bytes?.length ?? 8}`; description = `writes to ${args.name}`; }
        } catch { /* not watchable */ }
      }
    }
    response.body = { dataId, description, accessTypes: dataId ? ['write'] : undefined, canPersist: false };
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    const res = this.rt.setDataBreakpoints(args.breakpoints.map((b) => ({ dataId: b.dataId, condition: b.condition })));
    response.body = { breakpoints: res.map((r) => ({ id: r.id, verified: r.verified, message: r.message })) };
    this.sendResponse(response);
  }

  // ---- execution ----------------------------------------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD_ID, `eBPF program${this.rt.progType ? ` (${this.rt.progType})` : ''}`)] };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    if (this.notLoaded(response)) return;
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    this.guard(() => this.rt.continue());
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    if (this.notLoaded(response)) return;
    this.sendResponse(response);
    this.guard(() => this.rt.next(true, args.granularity === 'instruction' ? 'instruction' : 'line'));
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    if (this.notLoaded(response)) return;
    this.sendResponse(response);
    this.guard(() => this.rt.stepIn(args.granularity === 'instruction' ? 'instruction' : 'line'));
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    if (this.notLoaded(response)) return;
    this.sendResponse(response);
    this.guard(() => this.rt.stepOut());
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse): void {
    if (this.notLoaded(response)) return;
    this.sendResponse(response);
    this.guard(() => this.rt.stepBack());
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    if (this.notLoaded(response)) return;
    this.sendResponse(response);
    this.guard(() => this.rt.reverseContinue());
  }

  protected override restartFrameRequest(response: DebugProtocol.RestartFrameResponse, args: DebugProtocol.RestartFrameArguments): void {
    if (this.notLoaded(response)) return;
    const frames = this.rt.frames();
    if (!frames[args.frameId] || frames[args.frameId]!.tail) {
      this.sendErrorResponse(response, { id: 1010, format: 'only bpf-to-bpf frames can be restarted', showUser: true });
      return;
    }
    this.sendResponse(response);
    this.guard(() => { this.rt.restartFrame(args.frameId); });
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    // Runs are synchronous and bounded by maxInstructions, so there is never anything running to pause.
    this.sendResponse(response);
  }

  // ---- inspection ---------------------------------------------------------------------------------

  private readonly virtualRefs = new Map<string, number>();

  /** The DAP source of a path: the file itself, or (when only BTF's line texts are known) a reference to them. */
  private sourceFor(path: string | undefined): Source | undefined {
    if (!path) return undefined;
    if (!this.rt.virtualSources.has(path)) return new Source(basename(path), path);
    let ref = this.virtualRefs.get(path);
    if (ref === undefined) { ref = 1000 + this.virtualRefs.size; this.virtualRefs.set(path, ref); }
    return new Source(basename(path), undefined, ref, 'from BTF line info');
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    const ref = args.source?.sourceReference ?? args.sourceReference;
    const path = [...this.virtualRefs].find(([, r]) => r === ref)?.[0];
    const lines = path ? this.rt.virtualSources.get(path) : undefined;
    if (!lines) { this.sendErrorResponse(response, { id: 1009, format: 'no such source', showUser: false }); return; }
    response.body = { content: Array.from(lines, (l) => l ?? '').join('\n'), mimeType: 'text/x-c' };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    if (this.notLoaded(response)) return;
    const frames = this.rt.frames();
    const start = args.startFrame ?? 0;
    const count = args.levels || frames.length;
    response.body = {
      totalFrames: frames.length,
      stackFrames: frames.slice(start, start + count).map((f, i) => {
        const src = f.line !== undefined ? this.sourceFor(f.path) : undefined;
        const line = src ? this.convertDebuggerLineToClient(f.line! + 1) : 0;
        const sf = new StackFrame(start + i, f.name, src, line, this.convertDebuggerColumnToClient(1)) as DebugProtocol.StackFrame;
        sf.instructionPointerReference = hex(codeAddress(f.prog, f.slot));
        if (f.tail) sf.presentationHint = 'label';
        sf.canRestart = !f.tail;
        return sf;
      }),
    };
    this.sendResponse(response);
  }

  private container(make: () => VarNode[]): number {
    const ref = this.nextRef++;
    this.containers.set(ref, { make });
    return ref;
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    if (this.notLoaded(response)) return;
    const frames = this.rt.frames();
    const f = frames[args.frameId] ?? frames[0]!;
    const scopes: DebugProtocol.Scope[] = [];
    const rt = this.rt;
    const scope = (name: string, make: () => VarNode[], hint?: string, expensive = false): void => {
      const s = new Scope(name, this.container(make), expensive) as DebugProtocol.Scope;
      if (hint) s.presentationHint = hint;
      scopes.push(s);
    };
    if (args.frameId === 0 || !frames[args.frameId]) {
      scope('Registers', () => registerNodes(rt), 'registers');
      scope('Stack', () => stackNodes(rt, rt.machine.depth), 'locals');
      scope('Context', () => contextNodes(rt));
      if (rt.machine.ctx?.packet) scope('Packet', () => packetNodes(rt));
    } else if (!f.tail) {
      scope('Registers', () => callerRegisterNodes(rt, f.depth), 'registers');
      scope('Stack', () => stackNodes(rt, f.depth), 'locals');
    }
    scope('Maps', () => mapNodes(rt), undefined, false);
    response.body = { scopes };
    this.sendResponse(response);
  }

  private nodesOf(ref: number): VarNode[] | undefined {
    const c = this.containers.get(ref);
    if (!c) return undefined;
    c.nodes ??= c.make();
    return c.nodes;
  }

  private findNode(ref: number, name: string): VarNode | undefined {
    return this.nodesOf(ref)?.find((n) => n.name === name);
  }

  private toVariable(n: VarNode): DebugProtocol.Variable {
    const v: DebugProtocol.Variable = {
      name: n.name, value: n.value, variablesReference: n.children ? this.container(n.children) : 0,
    };
    if (n.indexed) {
      const paged = n.indexed;
      const ref = this.nextRef++;
      this.containers.set(ref, { make: () => paged.make(0, Math.min(paged.total, PAGE_LIMIT)), range: paged.make });
      v.variablesReference = ref;
      v.indexedVariables = paged.total;
    }
    if (n.type) v.type = n.type;
    if (n.evaluateName) v.evaluateName = n.evaluateName;
    if (n.memoryReference) v.memoryReference = n.memoryReference;
    if (n.readOnly || (!n.set && !n.children)) v.presentationHint = { attributes: ['readOnly'] };
    return v;
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const c = this.containers.get(args.variablesReference);
    let slice: VarNode[];
    if (c?.range && args.filter !== 'named') {
      // A page of a big array: made for the range asked (and kept, so it can be set).
      slice = c.range(args.start ?? 0, args.count || PAGE_LIMIT);
      c.nodes = [...(c.nodes ?? []).filter((n) => !slice.some((x) => x.name === n.name)), ...slice];
    } else {
      const nodes = this.nodesOf(args.variablesReference) ?? [];
      const start = args.start ?? 0;
      slice = args.count ? nodes.slice(start, start + args.count) : nodes.slice(start);
    }
    try {
      response.body = { variables: slice.map((n) => this.toVariable(n)) };
    } catch (e) {
      response.body = { variables: [{ name: 'error', value: e instanceof Error ? e.message : String(e), variablesReference: 0 }] };
    }
    this.sendResponse(response);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const node = this.findNode(args.variablesReference, args.name);
    if (!node?.set) {
      this.sendErrorResponse(response, { id: 1004, format: '{_error}', variables: { _error: `${args.name} cannot be changed` }, showUser: true });
      return;
    }
    const err = node.set(args.value);
    if (err) {
      this.sendErrorResponse(response, { id: 1005, format: '{_error}', variables: { _error: `${args.name}: ${err}` }, showUser: true });
      return;
    }
    // Rebuild the container to show the new value.
    const c = this.containers.get(args.variablesReference)!;
    let updated: VarNode | undefined;
    const index = /^\[(\d+)\]$/.exec(args.name);
    if (c.range && index) updated = c.range(Number(index[1]), 1)[0];
    else {
      c.nodes = c.make();
      updated = c.nodes.find((n) => n.name === args.name);
    }
    updated ??= node;
    response.body = { value: updated.value, type: updated.type };
    this.sendResponse(response);
    this.sendEvent(new InvalidatedEvent(['variables']));
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    if (this.notLoaded(response)) return;
    const text = args.expression.trim();
    const map = this.rt.machine.mapsByName.get(text);
    if (map) {
      const node = mapNodes(this.rt).find((n) => n.name === text)!;
      response.body = { result: node.value, variablesReference: node.children ? this.container(node.children) : 0 };
      this.sendResponse(response);
      return;
    }
    const reg = /^%?r(10|[0-9])$/.exec(text);
    if (reg) {
      // a register alone reads as in the Registers view: region, value, the verifier's view
      const node = registerNodes(this.rt)[Number(reg[1])]!;
      response.body = { result: node.value, type: node.type, variablesReference: 0, memoryReference: node.memoryReference };
      this.sendResponse(response);
      return;
    }
    try {
      const v = this.rt.evaluate(text);
      const wide = v.bytes && v.bytes.length > 8;
      const result = wide ? `${[...v.bytes!].map((b) => b.toString(16).padStart(2, '0')).join(' ')}` : numberText(v.value);
      response.body = { result, variablesReference: 0 };
      if (v.address !== undefined) response.body.memoryReference = hex(v.address);
      else if (this.rt.machine.readMemory(v.value, 1) instanceof Uint8Array) response.body.memoryReference = hex(v.value);
      this.sendResponse(response);
    } catch (e) {
      const msg = e instanceof EvalError || e instanceof Error ? e.message : String(e);
      this.sendErrorResponse(response, { id: 1006, format: '{_error}', variables: { _error: msg }, showUser: args.context === 'repl' });
    }
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    const before = args.text.slice(0, Math.max(0, this.convertClientColumnToDebugger(args.column) - 1));
    const word = /[\w.$]*$/.exec(before)![0];
    const names: DebugProtocol.CompletionItem[] = [
      ...Array.from({ length: 11 }, (_, i) => ({ label: `r${i}`, type: 'variable' as const })),
      ...Array.from({ length: 11 }, (_, i) => ({ label: `w${i}`, detail: `low 32 bits of r${i}`, type: 'variable' as const })),
      ...(this.rt.machine?.maps ?? []).map((m) => ({ label: m.def.name, text: `${m.def.name}[`, detail: `${m.def.type} map`, type: 'module' as const })),
      ...['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64'].map((t) => ({ label: t, detail: `*(${t} *)(address)`, type: 'keyword' as const })),
    ];
    response.body = { targets: names.filter((n) => n.label.startsWith(word)).map((n) => ({ ...n, start: before.length - word.length, length: word.length })) };
    this.sendResponse(response);
  }

  /** Assigns to a register (`r3`), a load (`*(u16 *)(r10 - 6)`) or a map element (`counters[2]`). */
  protected override setExpressionRequest(response: DebugProtocol.SetExpressionResponse, args: DebugProtocol.SetExpressionArguments): void {
    if (this.notLoaded(response)) return;
    const fail = (msg: string): void => this.sendErrorResponse(response, { id: 1011, format: '{_error}', variables: { _error: msg }, showUser: true });
    const target = args.expression.trim();
    let value: bigint;
    try {
      value = BigInt.asUintN(64, this.rt.evaluate(args.value).value);
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
      return;
    }
    const reg = /^%?r(10|[0-9])$/.exec(target);
    if (reg) {
      const node = registerNodes(this.rt)[Number(reg[1])]!;
      const err = node.set ? node.set(value.toString()) : 'r10 cannot be changed';
      if (err) { fail(err); return; }
    } else {
      let place;
      try {
        place = this.rt.evaluate(target);
      } catch (e) {
        fail(e instanceof Error ? e.message : String(e));
        return;
      }
      if (place.address === undefined || !place.bytes) { fail(`${target} is not something in memory or a register`); return; }
      const bytes = Uint8Array.from({ length: place.bytes.length }, (_, i) => (i < 8 ? Number((value >> BigInt(8 * i)) & 0xffn) : 0));
      const err = this.rt.writeMemory(place.address, bytes);
      if (err) { fail(err); return; }
    }
    const now = this.rt.evaluate(target);
    response.body = { value: numberText(now.value) };
    this.sendResponse(response);
    this.sendEvent(new InvalidatedEvent(['variables']));
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const f = this.rt.machine?.fault;
    const s = this.lastException;
    response.body = {
      exceptionId: f ? `fault:${f.kind}` : 'helperError',
      description: s?.text ?? s?.description ?? f?.message ?? 'no exception',
      breakMode: f ? 'always' : 'userUnhandled',
      details: f ? {
        message: f.message, typeName: `${f.kind} fault`,
        stackTrace: `instruction ${f.insn}${f.line !== undefined ? ` (line ${f.line + 1})` : ''} of ${f.program}` +
          (f.address !== undefined ? `\naddress 0x${f.address.toString(16)}${f.region ? ` near ${f.region}` : ''}${f.access ? `, ${f.access} of ${f.size} bytes` : ''}` : ''),
      } : undefined,
    };
    this.sendResponse(response);
  }

  // ---- memory and instructions --------------------------------------------------------------------

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    if (this.notLoaded(response)) return;
    const base = parseAddress(args.memoryReference);
    if (base === undefined) { this.sendErrorResponse(response, { id: 1007, format: `bad memory reference '${args.memoryReference}'`, showUser: false }); return; }
    const addr = base + BigInt(args.offset ?? 0);
    const { hi, lo } = splitAddr(addr);
    const region = this.rt.machine.space.near(hi);
    let readable = 0;
    if (region) {
      const off = (lo >>> 0) - (region.lo >>> 0);
      if (off >= 0 && off < region.size) readable = Math.min(args.count, region.size - off);
    }
    const bytes = readable ? this.rt.machine.readMemory(addr, readable) : new Uint8Array(0);
    const data = typeof bytes === 'string' ? new Uint8Array(0) : bytes;
    response.body = { address: hex(addr), data: Buffer.from(data).toString('base64'), unreadableBytes: args.count - data.length };
    this.sendResponse(response);
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    if (this.notLoaded(response)) return;
    const base = parseAddress(args.memoryReference);
    const bytes = new Uint8Array(Buffer.from(args.data, 'base64'));
    const err = base === undefined ? `bad memory reference '${args.memoryReference}'` : this.rt.writeMemory(base + BigInt(args.offset ?? 0), bytes);
    if (err) { this.sendErrorResponse(response, { id: 1008, format: '{_error}', variables: { _error: err }, showUser: true }); return; }
    response.body = { bytesWritten: bytes.length };
    this.sendResponse(response);
    this.sendEvent(new InvalidatedEvent(['variables']));
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    if (this.notLoaded(response)) return;
    const base = parseAddress(args.memoryReference);
    const loc = base === undefined ? undefined : codeLocation(base + BigInt(args.offset ?? 0));
    const prog = loc?.prog ?? 0;
    const vm = this.rt.machine.programs[prog];
    const insnSlots: number[] = [];
    vm?.slots.forEach((insn, s) => { if (insn) insnSlots.push(s); });
    let at = loc ? insnSlots.findIndex((s) => s >= loc.slot) : 0;
    if (at < 0) at = insnSlots.length;
    const out: DebugProtocol.DisassembledInstruction[] = [];
    for (let k = 0; k < args.instructionCount; k++) {
      const i = at + (args.instructionOffset ?? 0) + k;
      const slot = insnSlots[i];
      if (slot === undefined || !vm) {
        const pseudo = i < 0 ? i : (insnSlots.at(-1) ?? -1) + 1 + (i - insnSlots.length);
        out.push({ address: hex(codeAddress(prog, 0) + BigInt(pseudo) * 8n), instruction: '', presentationHint: 'invalid' });
        continue;
      }
      const insn = vm.slots[slot]!;
      let text = printLlvm(insn);
      if (insn.code === 0x85 && insn.src === 0) text += `  ; ${helperById(insn.imm)?.name ?? 'unknown helper'}`;
      const d: DebugProtocol.DisassembledInstruction = {
        address: hex(codeAddress(prog, slot)), instruction: text,
        instructionBytes: [insn.code, (insn.src << 4) | insn.dst, insn.off & 0xff, (insn.off >> 8) & 0xff, insn.imm & 0xff, (insn.imm >>> 8) & 0xff, (insn.imm >>> 16) & 0xff, (insn.imm >>> 24) & 0xff]
          .map((b) => b.toString(16).padStart(2, '0')).join(' '),
      };
      const fn = this.rt.programs[prog]?.functions.find((f) => f.slot === slot);
      if (fn) d.symbol = fn.name;
      const loc = this.rt.location(prog, slot);
      const src = this.sourceFor(loc?.path);
      if (loc && src) { d.location = src; d.line = this.convertDebuggerLineToClient(loc.line + 1); }
      out.push(d);
    }
    response.body = { instructions: out };
    this.sendResponse(response);
  }
}

