// The server's view of the user's settings (section `bpfAsm`), with the defaults of core/settings.ts.
import type { ProgType } from '../core/program-types';
import { isProgType } from '../core/program-types';
import { SETTINGS } from '../core/settings';

export interface ServerSettings {
  helperDefsPath: string;
  defaultProgramType: ProgType;
  unprivileged: boolean;
  inlayHints: { registerTypes: boolean; ctxFields: boolean; helperArgs: boolean };
}

export const DEFAULT_SETTINGS: ServerSettings = {
  helperDefsPath: SETTINGS['bpfAsm.helperDefsPath'].default,
  defaultProgramType: SETTINGS['bpfAsm.defaultProgramType'].default,
  unprivileged: SETTINGS['bpfAsm.unprivileged'].default,
  inlayHints: {
    registerTypes: SETTINGS['bpfAsm.inlayHints.registerTypes'].default,
    ctxFields: SETTINGS['bpfAsm.inlayHints.ctxFields'].default,
    helperArgs: SETTINGS['bpfAsm.inlayHints.helperArgs'].default,
  },
};

const record = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? v as Record<string, unknown> : {});
const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d);

/** Merges the client's `bpfAsm` section (possibly partial or malformed) over the defaults. */
export function readSettings(raw: unknown): ServerSettings {
  const s = record(raw);
  const hints = record(s.inlayHints);
  const d = DEFAULT_SETTINGS;
  return {
    helperDefsPath: typeof s.helperDefsPath === 'string' ? s.helperDefsPath : d.helperDefsPath,
    defaultProgramType:
      typeof s.defaultProgramType === 'string' && isProgType(s.defaultProgramType) ? s.defaultProgramType : d.defaultProgramType,
    unprivileged: bool(s.unprivileged, d.unprivileged),
    inlayHints: {
      registerTypes: bool(hints.registerTypes, d.inlayHints.registerTypes),
      ctxFields: bool(hints.ctxFields, d.inlayHints.ctxFields),
      helperArgs: bool(hints.helperArgs, d.inlayHints.helperArgs),
    },
  };
}
