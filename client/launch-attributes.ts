// The `bpf` debugger's launch attributes: the JSON schema package.json declares (checked by
// test/package.test.ts) and the matching type, for the debug adapter to read its launch request.
// No vscode imports.
import { PROG_TYPE_NAMES } from '../core/settings';
import type { ProgType } from '../core/program-types';

export const LAUNCH_ATTRIBUTES = {
  program: {
    type: 'string',
    markdownDescription: 'The eBPF assembly file (or ELF .o file) to run.',
    default: '${file}',
  },
  section: {
    type: 'string',
    markdownDescription: 'The program to run, by ELF section name (such as `xdp` or `kprobe/sys_open`). Default: the first program.',
  },
  programType: {
    type: 'string',
    enum: PROG_TYPE_NAMES,
    markdownDescription: 'Program type, when the section name does not say. Default: from the section name, else the `bpfAsm.defaultProgramType` setting.',
  },
  packet: {
    type: ['string', 'array'],
    items: { type: 'integer', minimum: 0, maximum: 255 },
    markdownDescription: 'Packet bytes for packet programs (xdp, tc, socket filters): a hex string such as "ff ff ff ff ff ff 00 11" or an array of byte values.',
  },
  packetFile: { type: 'string', description: 'A file whose raw bytes are the packet.' },
  pcap: { type: 'string', description: 'A .pcap file to take the packet from (see pcapIndex).' },
  pcapIndex: { type: 'integer', minimum: 0, default: 0, description: 'Which packet of the pcap file to use, counting from 0.' },
  ctx: {
    type: ['object', 'string'],
    markdownDescription: 'The context: for non-packet programs, an object of context field values (such as {"ingress_ifindex": 2}) or the raw context bytes as a hex string.',
  },
  maps: {
    type: ['object', 'string'],
    additionalProperties: { type: ['object', 'array'] },
    markdownDescription: 'Initial map contents: map name -> { key: value }, each a number, a "0x..." integer (little-endian) or hex bytes such as "01 00 00 00" (such as {"counters": {"0": 5}}); or a list of {"key", "value"} objects, where a per-CPU map may take {"key", "values": [...]} with one value per possible CPU (the program runs as CPU 0, missing CPUs start at 0); or the path of a JSON file holding the same.',
    default: {},
  },
  helpers: {
    type: 'object',
    additionalProperties: { type: ['integer', 'string'] },
    markdownDescription: 'Return values for helpers the VM does not implement, by helper name (such as {"bpf_get_prandom_u32": 4}).',
    default: {},
  },
  stopOnEntry: { type: 'boolean', default: true, description: 'Stop at the first instruction.' },
  maxInstructions: {
    type: 'integer',
    minimum: 1,
    default: 1000000,
    markdownDescription: 'Stop the run after this many instructions (a guard against endless loops).',
  },
  cwd: {
    type: 'string',
    markdownDescription: 'Where relative paths (program, packetFile, pcap, maps) start. Default: the workspace folder.',
  },
  verifyFirst: {
    type: 'boolean',
    default: true,
    markdownDescription: 'Run the verifier before the program and refuse to run what it rejects.',
  },
} as const;

export interface BpfLaunchArguments {
  /** The assembly source or ELF object to run (absolute path). */
  program: string;
  /** ELF section of the program to run; the first program when omitted. */
  section?: string;
  programType?: ProgType;
  /** Packet bytes: hex text (`"ff 00 11"`, `"ff0011"`) or byte values. */
  packet?: string | number[];
  packetFile?: string;
  pcap?: string;
  /** Which packet of `pcap`, from 0 (default 0). */
  pcapIndex?: number;
  /** Context field values by name, or the raw context bytes as hex. */
  ctx?: Record<string, number | string> | string;
  /** Initial map contents by map name (see the schema's description), or a JSON file's path. */
  maps?: Record<string, unknown> | string;
  /** Return values of helpers the VM does not implement, by helper name. */
  helpers?: Record<string, number | string>;
  /** Default true. */
  stopOnEntry?: boolean;
  /** Default 1000000. */
  maxInstructions?: number;
  /** Default true. */
  verifyFirst?: boolean;
  /** Where relative paths start. */
  cwd?: string;
}
