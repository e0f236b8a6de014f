// The userspace eBPF VM. Typical use:
//
//   const loaded = loadVm(assembledFile, { section: 'xdp', cpus: 2 });   // or new Machine({ programs: [...] })
//   if (typeof loaded === 'string') throw new Error(loaded);
//   applyMapJson(loaded.machine, { counts: [{ key: 1, value: 5 }] });     // optional initial map contents
//   const r = loaded.machine.run({ packet });                             // { r0 | fault, packet, ctx, output, instructions }
//   loaded.machine.dumpMaps();                                            // map name -> [{ key, value | per-CPU values }]
//
// Each run starts with fresh registers, stack and context; maps keep their contents across runs
// (as in the kernel). A fault (out-of-bounds access, NULL dereference, write to read-only memory,
// unknown helper, instruction budget) stops the run with `r.fault` = { kind, message, insn, line,
// address, region, access, size }; the VM never throws for bad programs.
//
// Debugging (the same Machine): begin(input, record) prepares a run (record = keep the undo log);
// step(n); continue() (to a breakpoint from setBreakpoints(slots) or slotsAtLine(line)); runUntil(pred);
// continueWatching(ranges) (data breakpoints, recording only); stepBack(n) (recording only);
// registers(), readMemory(addr, size), stackTrace(), lastWrites() (what the last step wrote), result().
// Plain run() pays for none of this: the program is compiled to a JS function in a 'fast' flavour,
// a 'fastbp' flavour (the same, checking a flag per basic block: continue without recording) and a
// 'debug' flavour (stop checks and the undo log). Breakpoints are flags those functions read, so
// setting them compiles nothing and the warm code is reused.
export { Machine, MAX_CALL_FRAMES, MAX_TAIL_CALLS, MAY_GOTO_BUDGET, PROG_FD_BASE, MAP_FD_BASE } from './machine';
export type { MachineOptions, RunResult, VmFault, OutputRecord, DebugState, StopReason, WriteEvent } from './machine';
export type { RunInput } from './context';
export { programFromInsns, programFromAssembled, type VmProgram, type PseudoRef } from './program';
export { loadVm, pickProgram, applyMapJson, mapsToJson, bytesFromJson, bytesToHex, retvalMeaning } from './loader';
export { runConformance, conformanceMachine, conformanceProgram, type ConformanceOutcome } from './conformance';
export { readCapture } from './pcap';
export { emulatedHelpers } from './helpers';
export { formatKernel } from './printf';
export type { VmMap, VmMapEntry } from './maps';
