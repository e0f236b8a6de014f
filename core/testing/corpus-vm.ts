// Runs a corpus case in our VM (through the same loader the CLI uses) and reports the same outcome
// shape as the kernel runner.
import { loadVm } from '../vm/loader';
import { PROG_FD_BASE } from '../vm/machine';
import type { CorpusCase } from './corpus';
import { comparableMap, ctxOutView, entriesHex, packetView, type CaseOutcome, type MapContents, type RunOutcome } from './corpus-kernel';

export function runCaseInVm(c: CorpusCase): CaseOutcome | { error: string } {
  const programs = [c.program, ...(c.tailTargets ?? [])];
  const loaded = loadVm({ programs, maps: c.maps, data: c.data ?? [], diagnostics: [] }, { progType: c.progType });
  if (typeof loaded === 'string') return { error: `VM could not load ${c.name}: ${loaded}` };
  const { machine } = loaded;
  for (const t of c.tailCalls ?? []) {
    // the VM names programs by their index in the file, from PROG_FD_BASE
    const value = new Uint8Array(new Uint32Array([PROG_FD_BASE + 1 + t.target]).buffer);
    const err = machine.mapsByName.get(t.map)?.update(new Uint8Array(new Uint32Array([t.key]).buffer), value, 0);
    if (err) return { error: `VM could not fill ${t.map}[${t.key}]: ${err}` };
  }
  for (const init of c.initial ?? []) {
    const err = machine.mapsByName.get(init.map)?.update(init.key, init.value, 0);
    if (err) return { error: `VM could not initialise map ${init.map}: ${err}` };
  }
  const runs: RunOutcome[] = [];
  for (const run of c.runs) {
    const r = machine.run({ packet: run.data, ctx: run.ctx });
    if (r.r0 === undefined) return { error: `VM faulted in ${c.name}: ${r.fault?.message ?? 'no result'} (insn ${r.fault?.insn})` };
    const out: RunOutcome = { retval: Number(r.r0 & 0xffff_ffffn), dataOut: packetView(c.progType, r.packet ?? new Uint8Array(0)) };
    if (run.ctx) out.ctxOut = ctxOutView(r.ctx ?? new Uint8Array(0));
    runs.push(out);
  }
  const maps: MapContents = {};
  const dumped = machine.dumpMaps();
  for (const def of c.maps) if (comparableMap(def)) maps[def.name] = entriesHex(dumped.get(def.name) ?? []);
  for (const section of c.data ?? []) maps[section.name] = entriesHex(dumped.get(section.name) ?? []);
  return { runs, maps };
}
