// Golden DAP transcripts: scripted sessions whose every message (requests, responses, events, in
// stream order) must match test/fixtures/debug/golden/<name>.txt, with sequence numbers, variable
// references and paths normalised. After an intended change, regenerate with UPDATE_GOLDEN=1.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BpfDebugClient, FIXTURES, adapterBuilt, findMarker, fixture, ipv4Packet, toHex } from './fixtures/debug/debug-client';

if (!adapterBuilt) console.warn('skipping golden transcript tests: dist/debugAdapter.js is missing (run `npm run build`)');

const GOLDEN = join(FIXTURES, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Records every message in stream order and renders them as normalised text. */
class Transcript {
  private readonly lines: string[] = [];
  private readonly refs = new Map<number, number>();

  constructor(dc: BpfDebugClient) {
    const client = dc as unknown as { dispatch(body: string): void; send(command: string, args?: unknown): Promise<unknown> };
    const dispatch = client.dispatch.bind(client);
    client.dispatch = (body: string) => {
      const msg = JSON.parse(body) as { type: string; event?: string; command?: string; success?: boolean; message?: string; body?: unknown };
      if (msg.type === 'event') this.lines.push(`<- event ${msg.event} ${this.render(msg.body)}`);
      else if (msg.type === 'response') this.lines.push(`<- ${msg.command} ${msg.success ? 'ok' : `failed: ${msg.message}`} ${this.render(msg.body)}`);
      dispatch(body);
    };
    const send = client.send.bind(client);
    client.send = (command: string, args?: unknown) => {
      this.lines.push(`-> ${command} ${this.render(args)}`);
      return send(command, args);
    };
  }

  private render(value: unknown): string {
    if (value === undefined) return '';
    return JSON.stringify(value, (key, v: unknown) => {
      if (key === 'variablesReference' && typeof v === 'number' && v > 0) {
        if (!this.refs.has(v)) this.refs.set(v, this.refs.size + 1);
        return `<ref${this.refs.get(v)}>`;
      }
      // a variable's type is the verifier's view of it (kernel notation) when it has one
      if (key === 'type' && typeof v === 'string' && /[(=]|^fp|^\d|^-/.test(v)) return '…';
      if (typeof v === 'string') {
        return v.split(FIXTURES).join('<fixtures>')
          .replace(/\(\d+ insns processed\)/, '(… insns processed)')
          // the verifier's notation is the verifier's business (asserted in debug.test.ts)
          .replace(/verifier: .*?(?=  ⚠|$)/g, 'verifier: …');
      }
      return v;
    });
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

function compare(name: string, actual: string): void {
  const file = join(GOLDEN, `${name}.txt`);
  if (UPDATE) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`no golden transcript ${file}: run with UPDATE_GOLDEN=1 to create it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe.skipIf(!adapterBuilt)('golden DAP transcripts', () => {
  let dc: BpfDebugClient;
  let t: Transcript;
  beforeEach(async () => {
    dc = new BpfDebugClient();
    t = new Transcript(dc);
    await dc.start();
  });
  afterEach(async () => {
    await dc.stop();
  });

  it('xdp_count: entry, a conditional breakpoint, registers, stepping into and over the call, stepping back, the end', async () => {
    const path = fixture('xdp_count.s');
    await dc.launchAndStop({ program: path, packet: toHex(ipv4Packet(17)) }, () => dc.setBreakpointsRequest({
      source: { path },
      breakpoints: [{ line: findMarker(path, 'proto'), condition: 'r5 == 8' }, { line: findMarker(path, 'lookup'), logMessage: 'key={*(u32 *)r2}' }],
    }));
    await dc.stackTraceRequest({ threadId: 1 });
    await dc.move('continue');
    const scopes = (await dc.scopesRequest({ frameId: 0 })).body.scopes;
    await dc.variablesRequest({ variablesReference: scopes[0]!.variablesReference });
    await dc.move('next');
    await dc.move('next');
    await dc.move('stepIn');
    await dc.stackTraceRequest({ threadId: 1 });
    await dc.move('stepOut');
    await dc.evaluateRequest({ expression: 'counters[17]', context: 'watch' });
    await dc.move('stepBack');
    await dc.stackTraceRequest({ threadId: 1 });
    await dc.move('continue');
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
    compare('xdp_count', t.text());
  });

  it('sum_loop: hit counts, a data breakpoint, reverse continue, the stack and maps', async () => {
    const path = fixture('sum_loop.s');
    await dc.launchAndStop({ program: path }, () => dc.setBreakpointsRequest({
      source: { path }, breakpoints: [{ line: findMarker(path, 'loop_head'), hitCondition: '%4' }],
    }));
    await dc.move('continue');
    await dc.move('continue');
    const stack = (await dc.scopesRequest({ frameId: 0 })).body.scopes.find((s) => s.name === 'Stack')!;
    const vars = (await dc.variablesRequest({ variablesReference: stack.variablesReference, start: 0, count: 3 })).body.variables;
    const info = await dc.dataBreakpointInfoRequest({ variablesReference: stack.variablesReference, name: vars[0]!.name });
    await dc.setBreakpointsRequest({ source: { path }, breakpoints: [] });
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId! }] });
    await dc.move('continue');
    await dc.move('reverseContinue');
    await dc.move('reverseContinue');
    await dc.setDataBreakpointsRequest({ breakpoints: [] });
    await dc.move('continue');
    const maps = (await dc.scopesRequest({ frameId: 0 })).body.scopes.find((s) => s.name === 'Maps')!;
    const m = (await dc.variablesRequest({ variablesReference: maps.variablesReference })).body.variables;
    await dc.variablesRequest({ variablesReference: m[0]!.variablesReference });
    compare('sum_loop', t.text());
  });
});
