// The language service in-process: each feature against a real program, positions found by text.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble, parse } from '../core/asm';
import { kernelBpfAvailable, verifyInKernel } from '../core/kernel';
import { kernelLogError } from '../core/verifier/kernel-log';
import { openDoc } from './server-helpers';

const COUNTER = readFileSync(join(__dirname, 'fixtures/server/counter.bpf.s'), 'utf8');
const FIXED = COUNTER.replace('\tr1 = 1\n', '\tif r0 == 0 goto out\n\tr1 = 1\n').replace('\tr0 = 2\n', 'out:\n\tr0 = 2\n');
const kernel = kernelBpfAvailable();
if (!kernel.ok) console.warn(`kernel comparisons skipped: ${kernel.reason}`);

const firstLine = (m: string | { value: string }): string => (typeof m === 'string' ? m : m.value).split('\n')[0]!;

const hoverText = (h: ReturnType<ReturnType<typeof openDoc>['service']['hover']>): string =>
  h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '';

describe('diagnostics', () => {
  it('reports the verifier error on the dereferencing line with the kernel message', () => {
    const d = openDoc(COUNTER);
    const diags = d.service.diagnostics(d.uri).filter((x) => x.severity === 1);
    expect(diags).toHaveLength(1);
    const [diag] = diags;
    expect(firstLine(diag!.message)).toBe("R0 invalid mem access 'map_value_or_null'");
    expect(diag!.range.start.line).toBe(d.at('lock *(u64 *)').line);
    expect(diag!.code).toBe('missing-null-check');
    // The path leads back through the call that made R0.
    const related = diag!.relatedInformation ?? [];
    expect(related.some((r) => r.location.range.start.line === d.at('call bpf_map_lookup_elem').line)).toBe(true);
  });

  it.skipIf(!kernel.ok)('says what the running kernel says', () => {
    const file = assemble(parse(COUNTER));
    const load = verifyInKernel(file.programs[0]!, file.maps, file.data);
    expect(load.fd).toBeUndefined();
    const d = openDoc(COUNTER);
    const ours = d.service.diagnostics(d.uri).find((x) => x.severity === 1)!;
    expect(firstLine(ours.message)).toBe(kernelLogError(load.log)?.message);
  });

  it('is clean once the NULL check is there, and the kernel agrees', () => {
    const d = openDoc(FIXED);
    expect(d.service.diagnostics(d.uri).filter((x) => x.severity === 1)).toEqual([]);
    if (kernel.ok) {
      const file = assemble(parse(FIXED));
      expect(verifyInKernel(file.programs[0]!, file.maps, file.data).errno).toBe(0);
    }
  });

  it('reports parse errors at their place and warns about unused labels and maps', () => {
    const d = openDoc('.map unused type=hash key=4 value=4 max_entries=8\n.section xdp\nprog:\n\tr0 = 0\nspare:\n\tr0 +=\n\texit\n');
    const diags = d.service.diagnostics(d.uri);
    const err = diags.find((x) => x.severity === 1)!;
    expect(err.range.start.line).toBe(d.at('r0 +=').line);
    expect(diags.some((x) => x.code === 'unused-map' && x.range.start.line === 0)).toBe(true);
    expect(diags.some((x) => x.code === 'unused-label' && x.range.start.line === d.at('spare:').line)).toBe(true);
  });
});

describe('hover', () => {
  it('shows the helper signature, docs and verifier argument types on a call', () => {
    const d = openDoc(FIXED);
    const text = hoverText(d.service.hover(d.uri, d.at('bpf_map_lookup_elem', 4)));
    expect(text).toContain('void *bpf_map_lookup_elem(void *map, const void *key)');
    expect(text).toContain('ARG_CONST_MAP_PTR');
    expect(text).toContain('RET_PTR_TO_MAP_VALUE_OR_NULL');
  });

  it("shows a register's verifier state", () => {
    const d = openDoc(FIXED);
    const text = hoverText(d.service.hover(d.uri, d.at('lock *(u64 *)(r0', 15)));
    expect(text).toContain('R0=map_value(');
  });

  it('shows the state joined over paths, and each path where they differ', () => {
    const d = openDoc('.section socket\nprog:\n\tcall 7\n\tr1 = 0\n\tif r0 > 5 goto a\n\tr1 = 1\na:\n\tr0 = r1\n\texit\n');
    const text = hoverText(d.service.hover(d.uri, d.at('r0 = r1', 0)));
    expect(text).toContain('R0=scalar(smin=smin32=0,smax=umax=smax32=umax32=1,var_off=(0x0; 0x1))');
    expect(text).toMatch(/on each path: R0=(1, R0=0|0, R0=1)/);
  });

  it('shows an instruction encoding and index', () => {
    const d = openDoc(FIXED);
    const text = hoverText(d.service.hover(d.uri, d.at('exit')));
    expect(text).toContain('95 00 00 00 00 00 00 00');
  });

  it('shows a map definition', () => {
    const d = openDoc(FIXED);
    const text = hoverText(d.service.hover(d.uri, d.at('counters ll', 2)));
    expect(text).toContain('type=hash key=4 value=8 max_entries=64');
  });

  it('names the ctx field a load reads', () => {
    const d = openDoc('.section xdp\nprog:\n\tr2 = *(u32 *)(r1 + 4)\n\tr0 = 2\n\texit\n');
    const text = hoverText(d.service.hover(d.uri, d.at('r2 = *', 5)));
    expect(text).toContain('xdp_md->data_end');
  });
});

describe('completion and signature help', () => {
  it('offers helpers after call, and labels after goto', () => {
    const d = openDoc(FIXED + '\n');
    const afterCall = d.service.completion(d.uri, d.at('call bpf_map', 5));
    expect(afterCall.some((c) => c.label === 'bpf_ktime_get_ns')).toBe(true);
    const afterGoto = d.service.completion(d.uri, d.at('goto out', 5));
    expect(afterGoto.map((c) => c.label)).toContain('out');
  });

  it('offers map types inside .map and snippets at the start of a line', () => {
    const d = openDoc('.map m type=\n');
    expect(d.service.completion(d.uri, d.at('type=', 5)).map((c) => c.label)).toContain('lru_hash');
    const d2 = openDoc('\t\n');
    expect(d2.service.completion(d2.uri, { line: 0, character: 1 }).some((c) => c.label === 'exit')).toBe(true);
  });

  it('shows which parameter an argument register is set up for', () => {
    const d = openDoc(FIXED);
    const help = d.service.signatureHelp(d.uri, d.at('r2 += -4', 1));
    expect(help?.signatures[0]!.label).toContain('bpf_map_lookup_elem');
    expect(help?.activeParameter).toBe(1);
  });
});

describe('navigation', () => {
  it('goes to a label definition, finds references and renames consistently', () => {
    const d = openDoc(FIXED);
    const def = d.service.definition(d.uri, d.at('goto out', 6));
    expect(def?.range.start.line).toBe(d.at('out:').line);
    const refs = d.service.references(d.uri, d.at('out:'), true);
    expect(refs).toHaveLength(2);
    const edit = d.service.rename(d.uri, d.at('out:'), 'done');
    expect(typeof edit).toBe('object');
    const edits = (edit as { changes: Record<string, unknown[]> }).changes[d.uri]!;
    expect(edits).toHaveLength(2);
    expect(d.service.rename(d.uri, d.at('out:'), 'xdp_count')).toMatch(/already defined/);
  });

  it('lists programs, labels and maps as symbols', () => {
    const d = openDoc(FIXED);
    const names = JSON.stringify(d.service.documentSymbols(d.uri));
    for (const n of ['xdp', 'counters', 'out']) expect(names).toContain(`"name":"${n}"`);
  });
});

describe('code actions', () => {
  it('inserts a NULL check that makes the kernel accept the program', () => {
    const d = openDoc(COUNTER);
    const diag = d.service.diagnostics(d.uri).find((x) => x.severity === 1)!;
    const action = d.service.codeActions(d.uri, diag.range, [diag]).find((a) => a.kind === 'quickfix')!;
    expect(action.title).toMatch(/NULL check/);
    const edit = action.edit!.changes![d.uri]![0]!;
    const lines = COUNTER.split('\n');
    lines.splice(edit.range.start.line, 0, ...edit.newText.replace(/\n$/, '').split('\n'));
    const fixed = lines.join('\n');
    const after = openDoc(fixed);
    expect(after.service.diagnostics(after.uri).filter((x) => x.severity === 1)).toEqual([]);
    if (kernel.ok) {
      const file = assemble(parse(fixed));
      expect(verifyInKernel(file.programs[0]!, file.maps, file.data).errno).toBe(0);
    }
  });

  it('converts the file to the mnemonic syntax, which assembles to the same bytes', () => {
    const d = openDoc(FIXED);
    const action = d.service.codeActions(d.uri, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, [])
      .find((a) => a.title.includes('mnemonic'))!;
    const converted = action.edit!.changes![d.uri]![0]!.newText;
    const a = assemble(parse(FIXED)).programs[0]!.insns.map((p) => p.insn);
    const b = assemble(parse(converted)).programs[0]!.insns.map((p) => p.insn);
    expect(b).toEqual(a);
  });
});

describe('robustness', () => {
  it('answers every request on garbage without throwing', () => {
    const garbage = Array.from({ length: 2000 }, (_, i) => String.fromCharCode((i * 7919) % 500)).join('');
    const d = openDoc(garbage);
    for (let line = 0; line < 5; line++) {
      const p = { line, character: 3 };
      d.service.hover(d.uri, p);
      d.service.completion(d.uri, p);
      d.service.signatureHelp(d.uri, p);
      d.service.definition(d.uri, p);
      d.service.codeActions(d.uri, { start: p, end: p }, []);
    }
    expect(Array.isArray(d.service.diagnostics(d.uri))).toBe(true);
    expect(d.service.semanticTokens(d.uri).data.length % 5).toBe(0);
  });
});

describe('run request', () => {
  it('runs the program in the VM and names the verdict', () => {
    const d = openDoc(FIXED);
    const r = d.service.run({ uri: d.uri });
    expect(r).toMatchObject({ ok: true, returnValue: '2', returnName: 'XDP_PASS' });
    // empty hash map: lookup, NULL branch taken, r0 = 2, exit
    expect(r.instructionsExecuted).toBe(8);
  });

  it('reports bad input instead of throwing', () => {
    const d = openDoc(FIXED);
    expect(d.service.run({ uri: d.uri, input: 'zz' })).toMatchObject({ ok: false });
    expect(d.service.run({ uri: d.uri, section: 'nope' }).error).toMatch(/no program/);
  });
});

describe('incremental verification', () => {
  it('re-verifies an edited program and reuses nothing stale', () => {
    const d = openDoc(COUNTER);
    const errors = () => d.service.diagnostics(d.uri).filter((x) => x.severity === 1).map((x) => firstLine(x.message));
    expect(errors()).toEqual(["R0 invalid mem access 'map_value_or_null'"]);
    d.service.update(d.uri, FIXED, 2);
    expect(errors()).toEqual([]);
    d.service.update(d.uri, COUNTER, 3);
    expect(errors()).toEqual(["R0 invalid mem access 'map_value_or_null'"]);
    d.service.update(d.uri, FIXED, 4);
    expect(errors()).toEqual([]);
    // Same instructions, smaller map values: the cached result for the old map must not answer.
    d.service.update(d.uri, FIXED.replace('value=8', 'value=4'), 5);
    expect(errors()).toEqual(['invalid access to map value, value_size=4 off=0 size=8']);
  });
});

describe('display features', () => {
  const decode = (data: number[]) => {
    const out: { line: number; char: number; length: number; type: number }[] = [];
    let line = 0;
    let char = 0;
    for (let i = 0; i < data.length; i += 5) {
      line += data[i]!;
      char = data[i]! === 0 ? char + data[i + 1]! : data[i + 1]!;
      out.push({ line, char, length: data[i + 2]!, type: data[i + 3]! });
    }
    return out;
  };

  it('gives semantic tokens for helpers, registers, labels and comments', async () => {
    const { SEMANTIC_LEGEND } = await import('../server/features/semantic-tokens');
    const d = openDoc(FIXED);
    const tokens = decode(d.service.semanticTokens(d.uri).data);
    const typeAt = (needle: string, delta = 0) => {
      const p = d.at(needle, delta);
      const t = tokens.find((x) => x.line === p.line && x.char <= p.character && p.character < x.char + x.length);
      return t && SEMANTIC_LEGEND.tokenTypes[t.type];
    };
    expect(typeAt('bpf_map_lookup_elem')).toBe('function');
    expect(typeAt('r2 = r10')).toBe('parameter');
    expect(typeAt('// Counts')).toBe('comment');
    expect(typeAt('goto out', 5)).toBe('label');
  });

  it('shows register types after instructions and helper argument names as inlay hints', () => {
    const d = openDoc(FIXED);
    const hints = d.service.inlayHints(d.uri, { start: { line: 0, character: 0 }, end: { line: 40, character: 0 } });
    const on = (needle: string) => hints.filter((h) => h.position.line === d.at(needle).line).map((h) => String(h.label)).join(' ');
    expect(on('call bpf_map_lookup_elem')).toContain('R0=map_value_or_null(');
    expect(on('r2 += -4')).toContain('map_lookup_elem(key)');
    expect(on('r2 += -4')).toContain('R2=fp-4');
    const off = openDoc(FIXED, { inlayHints: { registerTypes: false, helperArgs: false } });
    expect(off.service.inlayHints(off.uri, { start: { line: 0, character: 0 }, end: { line: 40, character: 0 } })).toEqual([]);
  });

  it('folds programs and formats to the canonical layout, keeping comments', () => {
    const d = openDoc(FIXED);
    expect(d.service.foldingRanges(d.uri).some((f) => f.startLine === d.at('.section xdp').line)).toBe(true);
    const messy = openDoc('.section xdp\nprog:\n  r0   =   2 // two\n      exit\n');
    const edits = messy.service.formatting(messy.uri);
    const lines = messy.text.split('\n');
    for (const e of edits) lines[e.range.start.line] = e.newText;
    expect(lines.join('\n')).toBe('\t.section\txdp\nprog:\n\tr0 = 2 // two\n\texit\n');
  });
});

describe('a pasted verifier log', () => {
  it("shows the kernel's message on the instruction where the log stopped", () => {
    const log = [
      '0: R1=ctx() R10=fp0',
      '0: (61) r2 = *(u32 *)(r1 +4)          ; R1=ctx() R2=pkt_end()',
      '1: (61) r1 = *(u32 *)(r1 +0)          ; R1=pkt(r=0)',
      '2: (69) r0 = *(u16 *)(r1 +12)',
      'invalid access to packet, off=12 size=2, R1(id=0,off=12,r=0)',
      'R1 offset is outside of the packet',
      'processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0',
      '',
    ].join('\n');
    if (kernel.ok) {
      // the text above is what the kernel prints for examples/broken/packet_bounds.bpf.s
      const file = assemble(parse(readFileSync(join(__dirname, '../examples/broken/packet_bounds.bpf.s'), 'utf8')));
      expect(verifyInKernel(file.programs[0]!, file.maps, file.data).log).toBe(log);
    }
    const d = openDoc(log);
    const errors = d.service.diagnostics(d.uri).filter((x) => x.severity === 1);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.range.start.line).toBe(d.at('2: (69)').line);
    expect(String(errors[0]!.message)).toBe('invalid access to packet, off=12 size=2, R1(id=0,off=12,r=0)\nR1 offset is outside of the packet');
    expect(errors[0]!.code).toBe('packet-out-of-bounds');
  });
});

describe('assemble and disassemble requests', () => {
  it('round-trips the document through an ELF object', () => {
    const d = openDoc(FIXED);
    const obj = d.service.assembleObject({ uri: d.uri });
    expect(obj.ok).toBe(true);
    const dis = d.service.disassembleObject({ uri: 'file:///x.o', elfBase64: obj.elfBase64!, syntax: 'llvm' });
    expect(dis.ok).toBe(true);
    const again = assemble(parse(dis.text));
    expect(again.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    expect(again.programs[0]!.insns.map((p) => p.insn)).toEqual(assemble(parse(FIXED)).programs[0]!.insns.map((p) => p.insn));
    expect(again.maps).toEqual(assemble(parse(FIXED)).maps);
    expect(d.service.disassembleObject({ uri: 'file:///bad.o', elfBase64: 'AAAA', syntax: 'llvm' }).ok).toBe(false);
  });
});

describe('more quick fixes', () => {
  const applyFirstFix = (text: string): string => {
    const d = openDoc(text);
    const diag = d.service.diagnostics(d.uri).find((x) => x.severity === 1)!;
    const action = d.service.codeActions(d.uri, diag.range, [diag]).find((a) => a.kind === 'quickfix');
    expect(action, `a quick fix for ${String(diag.message)}`).toBeDefined();
    const edit = action!.edit!.changes![d.uri]![0]!;
    const lines = text.split('\n');
    lines.splice(edit.range.start.line, 0, ...edit.newText.replace(/\n$/, '').split('\n'));
    return lines.join('\n');
  };
  const acceptedEverywhere = (text: string): void => {
    const d = openDoc(text);
    expect(d.service.diagnostics(d.uri).filter((x) => x.severity === 1).map((x) => x.message)).toEqual([]);
    if (kernel.ok) {
      const file = assemble(parse(text));
      expect(verifyInKernel(file.programs[0]!, file.maps, file.data).error ?? '').toBe('');
    }
  };

  it('adds the packet bounds check the verifier asks for', () => {
    const broken = readFileSync(join(__dirname, '../examples/broken/packet_bounds.bpf.s'), 'utf8');
    acceptedEverywhere(applyFirstFix(broken));
  });

  it('initialises a register read before it is written', () => {
    const broken = readFileSync(join(__dirname, '../examples/broken/uninitialized_register.bpf.s'), 'utf8');
    acceptedEverywhere(applyFirstFix(broken));
  });

  it('switches a helper call between its number and its name', () => {
    const d = openDoc('.section xdp\nprog:\n\tcall 5\n\tr0 = 2\n\texit\n');
    const toName = d.service.codeActions(d.uri, { start: d.at('call 5'), end: d.at('call 5') }, []).find((a) => a.title.includes('by name'))!;
    expect(toName.edit!.changes![d.uri]![0]!.newText).toBe('bpf_ktime_get_ns');
    const d2 = openDoc('.section xdp\nprog:\n\tcall bpf_ktime_get_ns\n\tr0 = 2\n\texit\n');
    const toNumber = d2.service.codeActions(d2.uri, { start: d2.at('call'), end: d2.at('call') }, []).find((a) => a.title.includes('by number'))!;
    expect(toNumber.edit!.changes![d2.uri]![0]!.newText).toBe('5');
  });
});
