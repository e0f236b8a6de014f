// The client's debugger wiring against the real debug session, in process as the extension runs
// it: the configuration F5 makes (resolveLaunchConfig) launches and stops on entry, and the
// variables the inline values provider looks up (r0-r10) are the ones the session lists.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveLaunchConfig } from '../client/debug-config';
import { inlineValueRange, registerReferences } from '../client/inline-values';
import { BpfDebugSession } from '../debugger/session';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'package-debug-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Drives a debug session in process, the way DebugAdapterInlineImplementation does. */
class Driver {
  private seq = 1;
  private readonly pending = new Map<number, (r: DebugProtocol.Response) => void>();
  private readonly events: DebugProtocol.Event[] = [];
  private readonly waiters: { event: string; resolve: (e: DebugProtocol.Event) => void }[] = [];

  constructor(private readonly session: BpfDebugSession) {
    session.onDidSendMessage((m) => {
      const msg = m as DebugProtocol.ProtocolMessage;
      if (msg.type === 'response') {
        const r = msg as DebugProtocol.Response;
        this.pending.get(r.request_seq)?.(r);
        this.pending.delete(r.request_seq);
      } else if (msg.type === 'event') {
        const e = msg as DebugProtocol.Event;
        const w = this.waiters.findIndex((x) => x.event === e.event);
        if (w >= 0) this.waiters.splice(w, 1)[0]!.resolve(e);
        else this.events.push(e);
      }
    });
  }

  request<R extends DebugProtocol.Response>(command: string, args?: unknown): Promise<R> {
    const seq = this.seq++;
    return new Promise((resolve) => {
      this.pending.set(seq, resolve as (r: DebugProtocol.Response) => void);
      this.session.handleMessage({ seq, type: 'request', command, arguments: args } as DebugProtocol.Request);
    });
  }

  event(name: string): Promise<DebugProtocol.Event> {
    const i = this.events.findIndex((e) => e.event === name);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      this.waiters.push({ event: name, resolve });
      setTimeout(() => reject(new Error(`no '${name}' event within 10 s`)), 10_000);
    });
  }
}

describe('debugging from the client', () => {
  it('F5 on an open snippet stops on entry, and every register inline values look up is a variable', async () => {
    const snippets = JSON.parse(readFileSync(join(ROOT, 'snippets/bpf-asm.code-snippets'), 'utf8')) as Record<string, { body: string[] }>;
    const text = snippets['XDP program: keep IPv4 only']!.body.join('\n').replace(/\$\{\d+:([^}]*)\}/g, '$1');
    const program = join(work, 'ipv4.bpf.s');
    writeFileSync(program, text);

    const resolved = resolveLaunchConfig({}, { path: program, languageId: 'bpf-asm' }, work);
    expect(resolved.error).toBeUndefined();

    const session = new BpfDebugSession();
    const d = new Driver(session);
    try {
      const init = await d.request<DebugProtocol.InitializeResponse>('initialize', {
        adapterID: 'bpf', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path',
      });
      expect(init.success).toBe(true);
      const launched = d.request<DebugProtocol.LaunchResponse>('launch', resolved.config);
      await d.event('initialized');
      await d.request('configurationDone');
      expect((await launched).success, (await launched).message).toBe(true);
      const stopped = (await d.event('stopped')) as DebugProtocol.StoppedEvent;
      expect(stopped.body.reason).toBe('entry');

      const stack = await d.request<DebugProtocol.StackTraceResponse>('stackTrace', { threadId: stopped.body.threadId ?? 1 });
      const top = stack.body.stackFrames[0]!;
      expect(top.source?.path).toBe(program);
      const lines = text.split('\n');
      expect(lines[top.line - 1]).toMatch(/r2 = \*\(u32 \*\)\(r1 \+ 4\)/);

      const scopes = await d.request<DebugProtocol.ScopesResponse>('scopes', { frameId: top.id });
      const names = new Set<string>();
      for (const scope of scopes.body.scopes) {
        if (scope.expensive) continue;
        const vars = await d.request<DebugProtocol.VariablesResponse>('variables', { variablesReference: scope.variablesReference });
        for (const v of vars.body.variables) names.add(v.name);
      }
      // The inline values provider's lookups for the stopped line and the lines above it.
      const { first, last } = inlineValueRange(lines, top.line - 1);
      const lookups = registerReferences(lines.slice(first, last + 1), first).map((r) => r.variable);
      expect(lookups.length).toBeGreaterThan(0);
      for (const v of lookups) expect(names.has(v), `variable ${v}`).toBe(true);
      for (let r = 0; r <= 10; r++) expect(names.has(`r${r}`), `r${r}`).toBe(true);
    } finally {
      await d.request('disconnect', {});
      session.dispose();
    }
  });
});
