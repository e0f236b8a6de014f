// The launch configuration of the `bpf` debugger: what F5 with no launch.json starts, and the
// checks made before a launch. No vscode imports, so it can be tested without an editor.
import { ASM_LANGUAGES } from './languages';

export const DEBUG_TYPE = 'bpf';

export interface BpfLaunchConfig {
  type: string;
  request: string;
  name: string;
  program?: string;
  stopOnEntry?: boolean;
  [key: string]: unknown;
}

export interface ActiveFile {
  path: string;
  languageId: string;
}

/** Is `path` something the debugger can load: an assembly source or an ELF object? */
export function isDebuggableFile(file: ActiveFile): boolean {
  return ASM_LANGUAGES.includes(file.languageId) || /\.o$/i.test(file.path);
}

/** The configuration to launch when the user pressed F5 without a launch.json. */
export function defaultLaunchConfig(program: string): BpfLaunchConfig {
  return { type: DEBUG_TYPE, request: 'launch', name: 'Debug eBPF program', program, stopOnEntry: true };
}

/**
 * Fills in what a launch needs. An empty configuration (no launch.json) becomes a launch of the
 * active file. Returns an error message instead when there is nothing to debug.
 */
export function resolveLaunchConfig(
  config: Partial<BpfLaunchConfig>,
  active: ActiveFile | undefined,
  workspaceFolder?: string,
): { config: BpfLaunchConfig; error?: undefined } | { error: string; config?: undefined } {
  const cwd = typeof config.cwd === 'string' ? config.cwd : workspaceFolder;
  const withCwd = (c: BpfLaunchConfig): BpfLaunchConfig => (cwd === undefined ? c : { ...c, cwd });
  if (!config.type && !config.request && !config.name) {
    if (!active || !isDebuggableFile(active)) {
      return { error: 'Open an eBPF assembly file (or an ELF .o file) to debug it.' };
    }
    return { config: withCwd(defaultLaunchConfig(active.path)) };
  }
  const program = config.program ?? active?.path;
  if (typeof program !== 'string' || program.trim() === '') {
    return { error: 'The launch configuration needs a "program": the assembly or .o file to debug.' };
  }
  return {
    config: withCwd({
      ...config,
      type: config.type ?? DEBUG_TYPE,
      request: config.request ?? 'launch',
      name: config.name ?? 'Debug eBPF program',
      program,
    }),
  };
}
