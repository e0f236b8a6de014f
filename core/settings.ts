// The extension's settings: names, types, defaults and descriptions. package.json's
// `contributes.configuration` is checked against this table by test/package.test.ts.
import { PROG_TYPES, type ProgType } from './program-types';

export interface SettingSpec {
  type: 'string' | 'boolean' | 'number';
  default: string | boolean | number;
  description: string;
  enum?: readonly string[];
}

export const PROG_TYPE_NAMES = Object.keys(PROG_TYPES) as ProgType[];

export const SETTINGS = {
  'bpfAsm.helperDefsPath': {
    type: 'string',
    default: '',
    description:
      'Path to a bpf_helper_defs.h to read helper signatures and documentation from. Empty: look for a libbpf ' +
      'checkout in the workspace, then use /usr/include/bpf/bpf_helper_defs.h.',
  },
  'bpfAsm.defaultProgramType': {
    type: 'string',
    default: 'xdp',
    enum: PROG_TYPE_NAMES,
    description:
      'Program type used to verify and run code whose section name does not name one (such as `.text` or no ' +
      '`.section` at all).',
  },
  'bpfAsm.unprivileged': {
    type: 'boolean',
    default: false,
    description:
      'Verify as an unprivileged user would be verified (no CAP_BPF / CAP_PERFMON): pointer leaks, ' +
      'speculative-execution checks and the smaller set of allowed program types apply.',
  },
  'bpfAsm.inlayHints.registerTypes': {
    type: 'boolean',
    default: true,
    description: "Show the verifier's register types and value ranges after each instruction.",
  },
  'bpfAsm.inlayHints.ctxFields': {
    type: 'boolean',
    default: true,
    description: 'Show the context field name (such as `xdp_md->data`) beside loads from the context pointer.',
  },
  'bpfAsm.inlayHints.helperArgs': {
    type: 'boolean',
    default: true,
    description: 'Show the helper parameter names beside the registers set up before a `call`.',
  },
  'bpfAsm.trace.server': {
    type: 'string',
    default: 'off',
    enum: ['off', 'messages', 'verbose'],
    description: 'Traces the messages between VS Code and the eBPF language server (in the output panel).',
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;

/** The settings as the language server reads them: the `bpfAsm` section, without its prefix. */
export interface BpfAsmSettings {
  helperDefsPath: string;
  defaultProgramType: ProgType;
  unprivileged: boolean;
  inlayHints: { registerTypes: boolean; ctxFields: boolean; helperArgs: boolean };
  trace: { server: 'off' | 'messages' | 'verbose' };
}

export const DEFAULT_SETTINGS: BpfAsmSettings = {
  helperDefsPath: SETTINGS['bpfAsm.helperDefsPath'].default,
  defaultProgramType: SETTINGS['bpfAsm.defaultProgramType'].default,
  unprivileged: SETTINGS['bpfAsm.unprivileged'].default,
  inlayHints: {
    registerTypes: SETTINGS['bpfAsm.inlayHints.registerTypes'].default,
    ctxFields: SETTINGS['bpfAsm.inlayHints.ctxFields'].default,
    helperArgs: SETTINGS['bpfAsm.inlayHints.helperArgs'].default,
  },
  trace: { server: SETTINGS['bpfAsm.trace.server'].default },
};

/**
 * Reads the `bpfAsm` section as a client sends it (any shape), keeping defaults for missing or
 * mistyped values, so bad user settings never break the server.
 */
export function normalizeSettings(raw: unknown): BpfAsmSettings {
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  const r = obj(raw);
  const hints = obj(r.inlayHints);
  const trace = obj(r.trace);
  const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d);
  const d = DEFAULT_SETTINGS;
  const progType = typeof r.defaultProgramType === 'string' && Object.hasOwn(PROG_TYPES, r.defaultProgramType)
    ? (r.defaultProgramType as ProgType)
    : d.defaultProgramType;
  const traceLevel = trace.server === 'messages' || trace.server === 'verbose' ? trace.server : 'off';
  return {
    helperDefsPath: typeof r.helperDefsPath === 'string' ? r.helperDefsPath : d.helperDefsPath,
    defaultProgramType: progType,
    unprivileged: bool(r.unprivileged, d.unprivileged),
    inlayHints: {
      registerTypes: bool(hints.registerTypes, d.inlayHints.registerTypes),
      ctxFields: bool(hints.ctxFields, d.inlayHints.ctxFields),
      helperArgs: bool(hints.helperArgs, d.inlayHints.helperArgs),
    },
    trace: { server: traceLevel },
  };
}
