// Layouts of `union bpf_attr` for the bpf(2) commands we use, written by hand from the UAPI
// field offsets (all little-endian; pointers are u64).

export const enum BpfCmd {
  MAP_CREATE = 0,
  MAP_LOOKUP_ELEM = 1,
  MAP_UPDATE_ELEM = 2,
  MAP_DELETE_ELEM = 3,
  MAP_GET_NEXT_KEY = 4,
  PROG_LOAD = 5,
  PROG_TEST_RUN = 10,
  OBJ_GET_INFO_BY_FD = 15,
  BTF_LOAD = 18,
}

/** Bytes we pass as the attr size: larger than every field we set, tail left zero. */
export const ATTR_SIZE = 160;

/** Flags of BPF_MAP_UPDATE_ELEM. */
export const enum UpdateFlag {
  ANY = 0,
  NOEXIST = 1,
  EXIST = 2,
  LOCK = 4,
}

/** log_level bits of BPF_PROG_LOAD. */
export const enum LogLevel {
  OFF = 0,
  VERBOSE = 1,
  INSN_STATES = 2,
  STATS = 4,
}

export const OBJ_NAME_LEN = 16;

const MAP_CREATE = {
  mapType: 0, keySize: 4, valueSize: 8, maxEntries: 12, mapFlags: 16, innerMapFd: 20,
  numaNode: 24, mapName: 28, mapIfindex: 44, btfFd: 48, mapExtra: 64,
} as const;

const MAP_ELEM = { mapFd: 0, key: 8, value: 16, flags: 24 } as const;

const PROG_LOAD = {
  progType: 0, insnCnt: 4, insns: 8, license: 16, logLevel: 24, logSize: 28, logBuf: 32,
  kernVersion: 40, progFlags: 44, progName: 48, progIfindex: 64, expectedAttachType: 68,
  progBtfFd: 72, funcInfoRecSize: 76, funcInfo: 80, funcInfoCnt: 88, attachBtfId: 108, fdArray: 120, logTrueSize: 140,
} as const;

const TEST_RUN = {
  progFd: 0, retval: 4, dataSizeIn: 8, dataSizeOut: 12, dataIn: 16, dataOut: 24, repeat: 32,
  duration: 36, ctxSizeIn: 40, ctxSizeOut: 44, ctxIn: 48, ctxOut: 56, flags: 64, cpu: 68,
  batchSize: 72,
} as const;

const u32 = (v: DataView, at: number, x: number): void => v.setUint32(at, x >>> 0, true);
const u64 = (v: DataView, at: number, x: bigint): void => v.setBigUint64(at, x, true);

/** Writes an object name: at most 15 bytes of [A-Za-z0-9_.], NUL-terminated (the kernel rejects others). */
function writeObjName(v: DataView, at: number, name: string | undefined): void {
  if (!name) return;
  const clean = name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, OBJ_NAME_LEN - 1);
  for (let i = 0; i < clean.length; i++) v.setUint8(at + i, clean.charCodeAt(i));
}

export interface MapCreateAttr {
  mapType: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  mapFlags: number;
  innerMapFd?: number;
  name?: string;
}

export function writeMapCreate(v: DataView, a: MapCreateAttr): void {
  u32(v, MAP_CREATE.mapType, a.mapType);
  u32(v, MAP_CREATE.keySize, a.keySize);
  u32(v, MAP_CREATE.valueSize, a.valueSize);
  u32(v, MAP_CREATE.maxEntries, a.maxEntries);
  u32(v, MAP_CREATE.mapFlags, a.mapFlags);
  u32(v, MAP_CREATE.innerMapFd, a.innerMapFd ?? 0);
  writeObjName(v, MAP_CREATE.mapName, a.name);
}

export interface MapElemAttr {
  mapFd: number;
  key: bigint;
  /** value, or next_key for GET_NEXT_KEY. */
  value: bigint;
  flags: bigint;
}

export function writeMapElem(v: DataView, a: MapElemAttr): void {
  u32(v, MAP_ELEM.mapFd, a.mapFd);
  u64(v, MAP_ELEM.key, a.key);
  u64(v, MAP_ELEM.value, a.value);
  u64(v, MAP_ELEM.flags, a.flags);
}

export interface ProgLoadAttr {
  progType: number;
  insnCnt: number;
  insns: bigint;
  license: bigint;
  logLevel: number;
  logSize: number;
  logBuf: bigint;
  progFlags: number;
  name?: string;
  expectedAttachType: number;
  /** BTF with a FUNC per function, and one {insn_off, type_id} record (8 bytes) per function. */
  btfFd?: number;
  funcInfo?: bigint;
  funcInfoCnt?: number;
}

export function writeProgLoad(v: DataView, a: ProgLoadAttr): void {
  u32(v, PROG_LOAD.progType, a.progType);
  u32(v, PROG_LOAD.insnCnt, a.insnCnt);
  u64(v, PROG_LOAD.insns, a.insns);
  u64(v, PROG_LOAD.license, a.license);
  u32(v, PROG_LOAD.logLevel, a.logLevel);
  u32(v, PROG_LOAD.logSize, a.logSize);
  u64(v, PROG_LOAD.logBuf, a.logBuf);
  u32(v, PROG_LOAD.progFlags, a.progFlags);
  writeObjName(v, PROG_LOAD.progName, a.name);
  u32(v, PROG_LOAD.expectedAttachType, a.expectedAttachType);
  if (a.btfFd !== undefined && a.funcInfo !== undefined && a.funcInfoCnt) {
    u32(v, PROG_LOAD.progBtfFd, a.btfFd);
    u32(v, PROG_LOAD.funcInfoRecSize, 8);
    u64(v, PROG_LOAD.funcInfo, a.funcInfo);
    u32(v, PROG_LOAD.funcInfoCnt, a.funcInfoCnt);
  }
}

export interface BtfLoadAttr {
  btf: bigint;
  btfSize: number;
  logBuf: bigint;
  logSize: number;
  logLevel: number;
}

export function writeBtfLoad(v: DataView, a: BtfLoadAttr): void {
  u64(v, 0, a.btf);
  u64(v, 8, a.logBuf);
  u32(v, 16, a.btfSize);
  u32(v, 20, a.logSize);
  u32(v, 24, a.logLevel);
}

/** The log size the kernel needed (set by kernels since 6.4, on success and on ENOSPC). */
export const readLogTrueSize = (v: DataView): number => v.getUint32(PROG_LOAD.logTrueSize, true);

export interface TestRunAttr {
  progFd: number;
  dataIn: bigint;
  dataSizeIn: number;
  dataOut: bigint;
  dataSizeOut: number;
  ctxIn: bigint;
  ctxSizeIn: number;
  ctxOut: bigint;
  ctxSizeOut: number;
  repeat: number;
  flags: number;
  cpu: number;
}

export function writeTestRun(v: DataView, a: TestRunAttr): void {
  u32(v, TEST_RUN.progFd, a.progFd);
  u32(v, TEST_RUN.dataSizeIn, a.dataSizeIn);
  u32(v, TEST_RUN.dataSizeOut, a.dataSizeOut);
  u64(v, TEST_RUN.dataIn, a.dataIn);
  u64(v, TEST_RUN.dataOut, a.dataOut);
  u32(v, TEST_RUN.repeat, a.repeat);
  u32(v, TEST_RUN.ctxSizeIn, a.ctxSizeIn);
  u32(v, TEST_RUN.ctxSizeOut, a.ctxSizeOut);
  u64(v, TEST_RUN.ctxIn, a.ctxIn);
  u64(v, TEST_RUN.ctxOut, a.ctxOut);
  u32(v, TEST_RUN.flags, a.flags);
  u32(v, TEST_RUN.cpu, a.cpu);
}

export interface TestRunResult {
  retval: number;
  dataSizeOut: number;
  ctxSizeOut: number;
  durationNs: number;
}

export function readTestRun(v: DataView): TestRunResult {
  return {
    retval: v.getUint32(TEST_RUN.retval, true),
    dataSizeOut: v.getUint32(TEST_RUN.dataSizeOut, true),
    ctxSizeOut: v.getUint32(TEST_RUN.ctxSizeOut, true),
    durationNs: v.getUint32(TEST_RUN.duration, true),
  };
}

export interface ObjInfoAttr {
  fd: number;
  infoLen: number;
  info: bigint;
}

export function writeObjInfo(v: DataView, a: ObjInfoAttr): void {
  u32(v, 0, a.fd);
  u32(v, 4, a.infoLen);
  u64(v, 8, a.info);
}

/** Offsets inside struct bpf_prog_info that we read. */
export const PROG_INFO = { size: 232, verifiedInsns: 216 } as const;
