// Loading programs into the kernel (verdict + verifier log) and linking assembled programs to real maps.
import { decodeProgram, encodeProgram, isWide, PseudoSrc, type Instruction } from '../isa';
import type { DataSection, Program } from '../asm/program';
import type { MapDef } from '../map-types';
import { PROG_TYPES, type ProgType } from '../program-types';
import { BpfCmd, LogLevel, PROG_INFO, readLogTrueSize, writeObjInfo, writeProgLoad } from './bpf-attr';
import { attrView, bpfCall, closeFd, createMap, freshAttr, kernelBpfAvailable, loadBtf, mapUpdate, scratch } from './bpf';
import { functionStarts, minimalFuncBtf, needsFuncInfo } from './btf';
import { ERRNO, errnoName } from './errno';

export interface LoadOptions {
  insns: Uint8Array | readonly Instruction[];
  progType: ProgType;
  license?: string;
  /** 0 (no log), 1 (verifier trace), 2 (with every state), 4 (stats only); bits may be or-ed. */
  logLevel?: number;
  /** Initial log buffer size; grown automatically when the kernel says it was too small. */
  logSize?: number;
  /** enum bpf_attach_type value (needed by a few program types). */
  expectedAttachType?: number;
  progFlags?: number;
  /** Program name shown by bpftool (sanitised to the kernel's 15 allowed characters). */
  name?: string;
}

export interface LoadResult {
  /** The program fd when the kernel accepted it; the caller must closeFd it. */
  fd?: number;
  /** 0 when accepted. */
  errno: number;
  /** 'EACCES: <the verifier's last message>' and the like, when rejected. */
  error?: string;
  log: string;
  /** Set when even the largest buffer we tried could not hold the whole log. */
  logTruncated?: boolean;
  verificationTimeUsec?: number;
  processedInsns?: number;
}

const DEFAULT_LOG_SIZE = 1 << 16;
const MAX_LOG_SIZE = 1 << 28;

const insnBytes = (insns: LoadOptions['insns']): Uint8Array =>
  insns instanceof Uint8Array ? insns : encodeProgram(insns);

interface FuncInfo {
  btfFd: number;
  records: Uint8Array;
}

/** For programs that pass functions as callbacks: a minimal BTF and its func_info (else undefined). */
function funcInfoFor(code: Uint8Array): FuncInfo | { error: string } | undefined {
  const insns = decodeProgram(code).map((d) => d.insn);
  if (!needsFuncInfo(insns)) return undefined;
  const { btf, funcInfo } = minimalFuncBtf(functionStarts(insns));
  const loaded = loadBtf(btf);
  if ('fd' in loaded) return { btfFd: loaded.fd, records: funcInfo };
  return { error: `${errnoName(loaded.errno)}: BTF for the program's functions was refused: ${lastLogLine(loaded.log) ?? ''}` };
}

function loadOnce(code: Uint8Array, opts: LoadOptions, logLevel: number, logSize: number, funcs: FuncInfo | undefined) {
  const license = new TextEncoder().encode((opts.license ?? 'GPL') + '\0');
  const sc = scratch();
  sc.reserve(code.length + license.length + logSize + (funcs?.records.length ?? 0) + 48);
  const insns = sc.put(code);
  const lic = sc.put(license);
  const funcInfo = funcs ? sc.put(funcs.records) : undefined;
  const log = logSize > 0 ? sc.take(logSize) : undefined;
  writeProgLoad(freshAttr(), {
    progType: PROG_TYPES[opts.progType],
    insnCnt: code.length / 8,
    insns: insns.addr,
    license: lic.addr,
    logLevel,
    logSize,
    logBuf: log?.addr ?? 0n,
    progFlags: opts.progFlags ?? 0,
    name: opts.name,
    expectedAttachType: opts.expectedAttachType ?? 0,
    btfFd: funcs?.btfFd,
    funcInfo: funcInfo?.addr,
    funcInfoCnt: funcs ? funcs.records.length / 8 : 0,
  });
  const { ret, errno } = bpfCall(BpfCmd.PROG_LOAD);
  const trueSize = readLogTrueSize(attrView());
  let text = '';
  if (log) {
    const end = log.bytes.indexOf(0);
    text = new TextDecoder().decode(log.bytes.subarray(0, end < 0 ? log.bytes.length : end));
  }
  return { fd: ret >= 0 ? ret : undefined, errno, log: text, trueSize };
}

/** The last non-empty line of a verifier log: the reason for a rejection. */
export function lastLogLine(log: string): string | undefined {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l && !/^(processed \d+ insns|verification time|stack depth)/.test(l));
  return lines.at(-1);
}

function verifiedInsns(fd: number): number | undefined {
  const sc = scratch();
  sc.reserve(PROG_INFO.size);
  const info = sc.take(PROG_INFO.size);
  writeObjInfo(freshAttr(), { fd, infoLen: PROG_INFO.size, info: info.addr });
  if (bpfCall(BpfCmd.OBJ_GET_INFO_BY_FD).errno) return undefined;
  const n = new DataView(info.bytes.buffer, info.bytes.byteOffset, PROG_INFO.size).getUint32(PROG_INFO.verifiedInsns, true);
  return n || undefined;
}

/**
 * BPF_PROG_LOAD; never throws (ENOSYS with the reason when bpf() is unusable here). Programs that
 * pass functions as callbacks get a minimal BTF with func_info, as the kernel requires. With no logLevel the program is loaded without a log and, if rejected, loaded
 * again at level 1 to get the verifier's reason. The log buffer grows while the kernel says ENOSPC.
 */
export function loadProgram(opts: LoadOptions): LoadResult {
  const avail = kernelBpfAvailable();
  if (!avail.ok) return { errno: ERRNO.ENOSYS, error: `ENOSYS: ${avail.reason}`, log: '' };
  const code = insnBytes(opts.insns);
  if (code.length === 0 || code.length % 8 !== 0) {
    return { errno: ERRNO.EINVAL, error: 'EINVAL: the program is empty or not a whole number of instructions', log: '' };
  }
  const funcs = funcInfoFor(code);
  if (funcs && 'error' in funcs) return { errno: ERRNO.EINVAL, error: funcs.error, log: '' };
  try {
    return loadWithLog(code, opts, funcs);
  } finally {
    closeFd(funcs?.btfFd);
  }
}

function loadWithLog(code: Uint8Array, opts: LoadOptions, funcs: FuncInfo | undefined): LoadResult {
  let level = opts.logLevel ?? LogLevel.OFF;
  let size = level ? Math.max(opts.logSize ?? DEFAULT_LOG_SIZE, 128) : 0;
  let r = loadOnce(code, opts, level, size, funcs);
  if (r.fd === undefined && opts.logLevel === undefined) {
    level = LogLevel.VERBOSE;
    size = Math.max(opts.logSize ?? DEFAULT_LOG_SIZE, 128);
    r = loadOnce(code, opts, level, size, funcs);
  }
  while (r.errno === ERRNO.ENOSPC && level !== 0 && size < MAX_LOG_SIZE) {
    closeFd(r.fd);
    size = Math.min(MAX_LOG_SIZE, Math.max(r.trueSize + 1, size * 4));
    r = loadOnce(code, opts, level, size, funcs);
  }
  const result: LoadResult = { errno: r.errno, log: r.log };
  if (r.fd !== undefined) result.fd = r.fd;
  if (r.errno === ERRNO.ENOSPC) result.logTruncated = true;
  if (r.errno) {
    const why = lastLogLine(r.log);
    result.error = `${errnoName(r.errno)}${why ? `: ${why}` : ''}`;
  }
  const time = /verification time (\d+) usec/.exec(r.log);
  if (time) result.verificationTimeUsec = Number(time[1]);
  const processed = /processed (\d+) insns/.exec(r.log);
  if (processed) result.processedInsns = Number(processed[1]);
  else if (r.fd !== undefined) {
    const n = verifiedInsns(r.fd);
    if (n !== undefined) result.processedInsns = n;
  }
  return result;
}

/** Loads, hands the fd to `use`, and always closes it. `value` is absent when the load failed. */
export function withProgram<T>(opts: LoadOptions, use: (fd: number, load: LoadResult) => T): { load: LoadResult; value?: T } {
  const load = loadProgram(opts);
  if (load.fd === undefined) return { load };
  try {
    return { load, value: use(load.fd, load) };
  } finally {
    closeFd(load.fd);
  }
}

/** A relocation the linker could not resolve, with the slot of the instruction. */
export class LinkError extends Error {
  constructor(readonly slot: number | undefined, message: string) {
    super(slot === undefined ? message : `instruction ${slot}: ${message}`);
    this.name = 'LinkError';
  }
}

export interface LinkedProgram {
  insns: Instruction[];
  /** Map name (and data section name) to the fd created for it. */
  mapFds: Map<string, number>;
  /** Closes every map fd. */
  close(): void;
}

/** Kernel name for a data section's array map, as libbpf derives it (".rodata" -> "rodata"). */
const dataMapName = (section: string): string => section.replace(/^\./, '');

/**
 * Creates the maps (inner maps first; data sections become one-element arrays holding their
 * bytes) and patches every ld_imm64 relocation: a map becomes src=BPF_PSEUDO_MAP_FD, imm=fd;
 * a data symbol becomes src=BPF_PSEUDO_MAP_VALUE, imm=fd, second imm=offset. Throws LinkError,
 * having closed what it created.
 */
export function linkForKernel(program: Program, maps: readonly MapDef[], data: readonly DataSection[] = []): LinkedProgram {
  const mapFds = new Map<string, number>();
  const close = (): void => {
    for (const fd of mapFds.values()) closeFd(fd);
    mapFds.clear();
  };
  try {
    createAllMaps(maps, mapFds);
    for (const section of data) {
      const fd = createMap({
        name: dataMapName(section.name), type: 'array', keySize: 4,
        valueSize: Math.max(section.bytes.length, 1), maxEntries: 1, flags: 0,
      });
      mapFds.set(section.name, fd);
      if (section.bytes.length) mapUpdate(fd, new Uint8Array(4), section.bytes);
    }
    const insns = relocateForKernel(program, mapFds, maps, data);
    return { insns, mapFds, close };
  } catch (e) {
    close();
    if (e instanceof LinkError) throw e;
    throw new LinkError(undefined, e instanceof Error ? e.message : String(e));
  }
}

/**
 * Patches a program's ld_imm64 relocations with fds already created (by linkForKernel, say), so
 * several programs can share maps (a prog_array's targets). Throws LinkError.
 */
export function relocateForKernel(
  program: Program, mapFds: ReadonlyMap<string, number>, maps: readonly MapDef[], data: readonly DataSection[] = [],
): Instruction[] {
  const bySlot = new Map(program.insns.map((p) => [p.slot, p.insn] as const));
  const patched = new Map<number, Instruction>();
  for (const rel of program.relocations) {
    if (rel.kind !== 'imm64') {
      throw new LinkError(rel.slot, `call to '${rel.symbol}' cannot be linked: it is not in this program`);
    }
    const insn = bySlot.get(rel.slot);
    if (!insn || !isWide(insn)) throw new LinkError(rel.slot, `relocation for '${rel.symbol}' is not on an ld_imm64`);
    const mapFd = mapFds.get(rel.symbol);
    if (mapFd !== undefined && maps.some((m) => m.name === rel.symbol)) {
      // src=2 on a map name means the address of its value (offset in the second slot)
      patched.set(rel.slot, insn.src === PseudoSrc.MAP_VALUE
        ? { ...insn, imm: mapFd }
        : { ...insn, src: PseudoSrc.MAP_FD, imm: mapFd, hi: 0 });
      continue;
    }
    const target = findDataSymbol(data, rel.symbol);
    const fd = target && mapFds.get(target.section);
    if (!target || fd === undefined) throw new LinkError(rel.slot, `'${rel.symbol}' is neither a map nor a data symbol`);
    patched.set(rel.slot, { ...insn, src: PseudoSrc.MAP_VALUE, imm: fd, hi: target.offset + insn.imm });
  }
  return program.insns.map((p) => patched.get(p.slot) ?? p.insn);
}

function createAllMaps(maps: readonly MapDef[], fds: Map<string, number>): void {
  const byName = new Map(maps.map((m) => [m.name, m] as const));
  const creating = new Set<string>();
  const create = (def: MapDef): number => {
    const existing = fds.get(def.name);
    if (existing !== undefined) return existing;
    if (creating.has(def.name)) throw new LinkError(undefined, `map '${def.name}' is its own inner map`);
    creating.add(def.name);
    let innerFd: number | undefined;
    if (def.inner !== undefined) {
      const inner = byName.get(def.inner);
      if (!inner) throw new LinkError(undefined, `map '${def.name}' names inner map '${def.inner}', which is not defined`);
      innerFd = create(inner);
    }
    const fd = createMap({ ...def, innerFd });
    fds.set(def.name, fd);
    return fd;
  };
  for (const def of maps) create(def);
}

function findDataSymbol(data: readonly DataSection[], symbol: string): { section: string; offset: number } | undefined {
  for (const section of data) {
    if (section.name === symbol) return { section: section.name, offset: 0 };
    const sym = section.symbols.find((s) => s.name === symbol);
    if (sym) return { section: section.name, offset: sym.offset };
  }
  return undefined;
}

/** Links, hands the linked program to `use`, and always closes the maps. */
export function withLinkedProgram<T>(
  program: Program, maps: readonly MapDef[], data: readonly DataSection[], use: (linked: LinkedProgram) => T,
): T {
  const linked = linkForKernel(program, maps, data);
  try {
    return use(linked);
  } finally {
    linked.close();
  }
}

export interface VerifyOptions extends Omit<LoadOptions, 'insns' | 'progType'> {
  /** Defaults to the program's own type. */
  progType?: ProgType;
}

/**
 * The kernel verifier's verdict on an assembled program: links it to fresh maps, loads it with a
 * log (level 1 unless told), and closes everything. A link failure comes back as EINVAL with its reason.
 */
export function verifyInKernel(
  program: Program, maps: readonly MapDef[], data: readonly DataSection[] = [], options: VerifyOptions = {},
): LoadResult {
  const progType = options.progType ?? program.progType;
  if (!progType) {
    return { errno: ERRNO.EINVAL, error: `EINVAL: section '${program.section}' has no program type`, log: '' };
  }
  let linked: LinkedProgram;
  try {
    linked = linkForKernel(program, maps, data);
  } catch (e) {
    return { errno: ERRNO.EINVAL, error: `EINVAL: ${e instanceof Error ? e.message : String(e)}`, log: '' };
  }
  try {
    const load = loadProgram({ ...options, insns: linked.insns, progType, logLevel: options.logLevel ?? LogLevel.VERBOSE, name: options.name ?? program.name });
    closeFd(load.fd);
    delete load.fd;
    return load;
  } finally {
    linked.close();
  }
}
