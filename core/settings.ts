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
