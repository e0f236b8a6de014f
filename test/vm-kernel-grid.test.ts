// Every ALU operation (both widths, register and immediate forms, signed division, movsx, byte
// swaps) followed by every conditional jump on its result, over corner-value operands: the VM's
// results and jump outcomes must match the kernel's byte for byte.
import { describe, expect, it } from 'vitest';
import { kernelBpfAvailable } from '../core/kernel';
import { aluJumpGridCases, GRID_PACKET_SIZE } from '../core/testing/alu-jump-grid';
import { runCaseInKernel } from '../core/testing/corpus-kernel';
import { runCaseInVm } from '../core/testing/corpus-vm';

const avail = kernelBpfAvailable();
if (!avail.ok) console.warn(`skipping the ALU/jump grid against the kernel: ${avail.reason}`);

const FLAGS = 32;

describe.skipIf(!avail.ok)('ALU then jump, VM against the kernel', () => {
  it('agrees on every operation, operand pair and comparison', () => {
    const problems: string[] = [];
    for (const c of aluJumpGridCases()) {
      const kernel = runCaseInKernel(c);
      if ('error' in kernel) throw new Error(kernel.error);
      const vm = runCaseInVm(c);
      if ('error' in vm) {
        problems.push(`${c.name}: ${vm.error}`);
        continue;
      }
      kernel.runs.forEach((k, i) => {
        const v = vm.runs[i]!;
        if (k.retval === v.retval && k.dataOut === v.dataOut) return;
        const operands = k.dataOut.slice(0, 32);
        const result = `result kernel ${k.dataOut.slice(48, 64)} VM ${v.dataOut.slice(48, 64)}`;
        const jumps: number[] = [];
        for (let j = FLAGS; j < GRID_PACKET_SIZE; j++) if (k.dataOut.slice(2 * j, 2 * j + 2) !== v.dataOut.slice(2 * j, 2 * j + 2)) jumps.push(j - FLAGS);
        problems.push(`${c.name}, operands ${operands}: ${result}; jumps differing: ${jumps.join(',') || 'none'}`);
      });
    }
    if (problems.length) console.error(problems.slice(0, 10).join('\n'));
    expect(problems.length, problems[0]).toBe(0);
  });
});
