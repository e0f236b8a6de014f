// bpf-asm run: runs a program in the VM on a packet, context and maps; or runs conformance files.
import { assembleText } from '../../core/asm';
import type { AssembledFile } from '../../core/asm/program';
import { isElf, readObject } from '../../core/elf';
import { runConformance, spellResult } from '../../core/vm/conformance';
import { applyMapJson, bytesToHex, loadVm, mapsToJson, retvalMeaning } from '../../core/vm/loader';
import type { OutputRecord, RunInput, RunResult, VmFault } from '../../core/vm/machine';
import { readCapture } from '../../core/vm/pcap';
import { hex64 } from '../../core/vm/int64';
import { EXIT_ERROR, EXIT_OK, UsageError, type CliIO } from '../io';
import { formatDiagnostics, helpText, parseArgs, readInput, type CommandSpec, type OptionDefs } from '../args';
import { parseHex as parseHexText } from '../../core/hex';

const OPTIONS = {
  section: { type: 'string', placeholder: 'S', help: 'the program to run, by section or function name (default the first)' },
  type: { type: 'string', placeholder: 'T', help: 'program type (default: from the section name), such as xdp, sched_cls, kprobe' },
  data: { type: 'string', placeholder: 'HEX', help: 'packet bytes in hex' },
  'data-file': { type: 'string', placeholder: 'F', help: 'packet bytes from a binary file' },
  pcap: { type: 'string', placeholder: 'F', help: 'run once per packet of a pcap or pcapng capture' },
  ctx: { type: 'string', placeholder: 'JSON', help: 'context: JSON fields ({"mark":1}, pt_regs {"di":5}, {"args":[1,2]}), a "hex" string of raw bytes, or @FILE' },
  maps: { type: 'string', placeholder: 'JSON', help: 'initial map contents, {"map": [{"key":..,"value":..}]}, or @FILE' },
  memory: { type: 'string', placeholder: 'JSON', help: 'memory bpf_probe_read* can read: {"0xffff888000001000": "hex bytes"}, or @FILE' },
  'helper-return': { type: 'string', placeholder: 'LIST', help: 'return values for helpers the VM does not emulate: bpf_get_socket_cookie=7,46=0' },
  task: { type: 'string', placeholder: 'JSON', help: 'the current task for get_current_*: {"pid":1,"tgid":1,"uid":0,"gid":0,"comm":"x"}' },
  limit: { type: 'string', placeholder: 'N', help: 'instruction budget (default 200000000)' },
  cpus: { type: 'string', placeholder: 'N', help: 'number of CPUs for per-CPU maps (default 1)' },
  seed: { type: 'string', placeholder: 'N', help: 'seed of bpf_get_prandom_u32' },
  syntax: { type: 'string', values: ['llvm', 'mnemonic'], help: 'assembly syntax (default: detected)' },
  json: { type: 'boolean', help: 'print JSON, one line per run' },
} as const satisfies OptionDefs;

const SPEC: CommandSpec<typeof OPTIONS> = {
  usage: 'run FILE... [options]',
  description:
    'Runs a program of an assembly file or ELF object in the VM and prints its return value,\n' +
    'the packet after the run, map contents, trace_printk output and ring buffer records.\n' +
    'A FILE ending in .data is a bpf_conformance test: r0 is printed as its -- result spells it.',
  options: OPTIONS,
  minPositionals: 1,
  epilog:
    'JSON output (one line per run): {"file", "index"? (packet number with --pcap), "retval": "0x..", "action"?,\n' +
    '  "packet"?: hex, "maps": {name: [{"key","value"|"values"}]}, "output": [{"kind","text"|"data",...}],\n' +
    '  "instructions": N} or {"file", "fault": {"message","insn","line","address"?,"region"?,"access"?}}.\n' +
    'Conformance files: {"file", "retval": "0x..", "expected": "0x..", "pass": bool}.\n' +
    'Exit status: 0 when every run exited (and every conformance file passed), 1 otherwise, 2 for bad arguments.',
};

const parseJsonArg = (value: string, what: string): unknown => {
  const text = value.startsWith('@') ? new TextDecoder().decode(readInput(value.slice(1))) : value;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--${what}: not valid JSON (${(e as Error).message})`);
  }
};

const parseHex = (text: string, what: string): Uint8Array => {
  const bytes = parseHexText(text);
  if (typeof bytes === 'string') throw new UsageError(`${what}: ${bytes}`);
  return bytes;
};

const intOption = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name}: expected a non-negative integer, found '${v}'`);
  return n;
};

function faultJson(f: VmFault): Record<string, unknown> {
  return {
    message: f.message, kind: f.kind, insn: f.insn, line: f.line === undefined ? null : f.line + 1, program: f.program,
    ...(f.address !== undefined ? { address: '0x' + f.address.toString(16) } : {}),
    ...(f.region ? { region: f.region } : {}), ...(f.access ? { access: f.access, size: f.size } : {}),
  };
}

function outputJson(o: OutputRecord): Record<string, unknown> {
  if (o.kind === 'printk') return { kind: 'printk', text: o.text };
  if (o.kind === 'ringbuf') return { kind: 'ringbuf', map: o.map, data: bytesToHex(o.data) };
  return { kind: 'perf', map: o.map, cpu: o.cpu, data: bytesToHex(o.data) };
}

export async function run(args: string[], io: CliIO): Promise<number> {
  const { options, positionals, help } = parseArgs(args, SPEC);
  if (help) {
    io.out(helpText(SPEC));
    return EXIT_OK;
  }
  const sources = [options.data, options['data-file'], options.pcap].filter((x) => x !== undefined);
  if (sources.length > 1) throw new UsageError('give at most one of --data, --data-file and --pcap');
  let packets: (Uint8Array | undefined)[] = [undefined];
  if (options.data !== undefined) packets = [parseHex(options.data, '--data')];
  if (options['data-file'] !== undefined) packets = [readInput(options['data-file'])];
  if (options.pcap !== undefined) {
    const cap = readCapture(readInput(options.pcap));
    if (typeof cap === 'string') throw new UsageError(`--pcap ${options.pcap}: ${cap}`);
    packets = cap.packets;
  }
  const input: RunInput = {};
  if (options.ctx !== undefined) {
    const ctx = parseJsonArg(options.ctx, 'ctx');
    if (typeof ctx === 'string') input.ctx = parseHex(ctx, '--ctx');
    else if (ctx && typeof ctx === 'object' && !Array.isArray(ctx)) input.ctxFields = ctx as RunInput['ctxFields'];
    else throw new UsageError('--ctx: expected a JSON object of fields or a string of hex bytes');
  }
  const mapsJson = options.maps !== undefined ? parseJsonArg(options.maps, 'maps') : undefined;
  const memoryImage: { addr: bigint; bytes: Uint8Array }[] = [];
  if (options.memory !== undefined) {
    const mem = parseJsonArg(options.memory, 'memory');
    if (!mem || typeof mem !== 'object' || Array.isArray(mem)) throw new UsageError('--memory: expected an object of address: hex bytes');
    for (const [addr, bytes] of Object.entries(mem as Record<string, unknown>)) {
      if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(addr)) throw new UsageError(`--memory: '${addr}' is not an address`);
      if (typeof bytes !== 'string') throw new UsageError(`--memory: the bytes at ${addr} must be a hex string`);
      memoryImage.push({ addr: BigInt(addr), bytes: parseHex(bytes, `--memory ${addr}`) });
    }
  }
  const helperReturns: Record<string, bigint> = {};
  for (const item of options['helper-return']?.split(',').filter(Boolean) ?? []) {
    const m = /^\s*([A-Za-z_][\w]*|\d+)\s*=\s*(-?(?:0x[0-9a-f]+|\d+))\s*$/i.exec(item);
    if (!m) throw new UsageError(`--helper-return: expected NAME=VALUE, found '${item}'`);
    helperReturns[m[1]!] = BigInt(m[2]!);
  }
  let task: { pid?: number; tgid?: number; uid?: number; gid?: number; comm?: string } | undefined;
  if (options.task !== undefined) {
    const t = parseJsonArg(options.task, 'task') as Record<string, unknown>;
    if (!t || typeof t !== 'object' || Array.isArray(t)) throw new UsageError('--task: expected a JSON object');
    for (const [k, v] of Object.entries(t)) {
      if (k === 'comm' ? typeof v !== 'string' : !['pid', 'tgid', 'uid', 'gid'].includes(k) || !Number.isInteger(v)) {
        throw new UsageError(`--task: '${k}' must be ${k === 'comm' ? 'a string' : 'one of pid, tgid, uid, gid (integers) or comm'}`);
      }
    }
    task = t as typeof task;
  }
  const limit = intOption(options.limit, 'limit');
  const cpus = intOption(options.cpus, 'cpus');
  const seed = intOption(options.seed, 'seed');

  let status = EXIT_OK;
  const print = (obj: Record<string, unknown>, text: string): void => {
    if (options.json) io.out(JSON.stringify(obj) + '\n');
    else io.out(text);
  };
  for (const file of positionals) {
    const bytes = readInput(file);
    if (file.endsWith('.data')) {
      const r = runConformance(new TextDecoder().decode(bytes), file, { limit });
      if (!r.pass) status = EXIT_ERROR;
      if (r.error) { print({ file, error: r.error }, ''); if (!options.json) io.err(`${file}: ${r.error}\n`); continue; }
      if (r.fault) {
        print({ file, fault: faultJson(r.fault), pass: r.pass }, '');
        if (!options.json) io.err(`${file}: ${describeFault(r.fault)}\n`);
        continue;
      }
      const retval = spellResult(r)!;
      print({ file, retval, expected: r.resultText ?? (r.expected === undefined ? null : '0x' + r.expected.toString(16)), pass: r.pass }, `${positionals.length > 1 ? file + ': ' : ''}${retval}\n`);
      continue;
    }
    let assembled: AssembledFile;
    if (isElf(bytes)) assembled = readObject(bytes);
    else {
      const text = new TextDecoder().decode(bytes);
      assembled = assembleText(text, { syntax: options.syntax as 'llvm' | 'mnemonic' | undefined });
      if (assembled.diagnostics.some((d) => d.severity === 'error')) {
        io.err(formatDiagnostics(file, text, assembled.diagnostics.filter((d) => d.severity === 'error')));
        if (options.json) io.out(JSON.stringify({ file, error: 'the file has assembly errors' }) + '\n');
        status = EXIT_ERROR;
        continue;
      }
    }
    const loaded = loadVm(assembled, { section: options.section, progType: options.type, limit, cpus, seed, memoryImage, helperReturns, task });
    if (typeof loaded === 'string') throw new UsageError(`${file}: ${loaded}`);
    const { machine, progType } = loaded;
    if (mapsJson !== undefined) {
      const err = applyMapJson(machine, mapsJson);
      if (err) throw new UsageError(`--maps: ${err}`);
    }
    for (const [i, packet] of packets.entries()) {
      const res: RunResult = machine.run({ ...input, packet });
      const head: Record<string, unknown> = { file };
      if (options.pcap !== undefined) head.index = i;
      if (res.fault) {
        status = EXIT_ERROR;
        print({ ...head, fault: faultJson(res.fault), instructions: res.instructions }, '');
        if (!options.json) io.err(`${file}: ${describeFault(res.fault)}\n`);
        continue;
      }
      const r0 = res.r0!;
      const retval = hex64(Number(r0 & 0xffffffffn) | 0, Number(r0 >> 32n) | 0);
      const action = retvalMeaning(progType, r0);
      const obj: Record<string, unknown> = { ...head, retval, ...(action ? { action } : {}) };
      if (res.packet) obj.packet = bytesToHex(res.packet).replace(/ /g, '');
      obj.maps = mapsToJson(machine);
      obj.output = res.output.map(outputJson);
      obj.instructions = res.instructions;
      const lines = [`${options.pcap !== undefined ? `packet ${i}: ` : ''}retval ${retval}${action ? ` (${action})` : ''}, ${res.instructions} instructions`];
      if (res.packet) lines.push(`packet: ${bytesToHex(res.packet)}`);
      for (const o of res.output) {
        lines.push(o.kind === 'printk' ? `printk: ${o.text}` : `${o.kind} ${o.map}: ${bytesToHex(o.data)}`);
      }
      for (const [name, entries] of Object.entries(obj.maps as Record<string, { key: string; value?: string; values?: string[] }[]>)) {
        if (!entries.length) continue;
        lines.push(`map ${name}:`);
        const isZero = (v: string): boolean => /^[0 ]*$/.test(v);
        for (const e of entries) {
          // Arrays hold every index; the text view leaves out the all-zero ones.
          if (machine.mapsByName.get(name)?.type.includes('array') && (e.value !== undefined ? isZero(e.value) : e.values!.every(isZero))) continue;
          lines.push(`  ${e.key || '-'} => ${e.value ?? e.values!.join(' | ')}`);
        }
      }
      print(obj, lines.join('\n') + '\n');
    }
  }
  return status;
}

function describeFault(f: VmFault): string {
  return `fault at instruction ${f.insn}${f.line !== undefined ? ` (line ${f.line + 1})` : ''}: ${f.message}`;
}

