// `npm run bench`: runs each benchmark module that exists and prints its report.
// Every module exports `run(): Promise<string>` returning a printable report with ratios to an anchor
// measured in the same run (llvm-mc, the kernel's JIT through test_run, the kernel verifier).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const MODULES = ['asm', 'vm', 'verifier', 'verifier-loops', 'server', 'debugger'];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  for (const name of MODULES) {
    if (only.length && !only.includes(name)) continue;
    const file = join(__dirname, `${name}.ts`);
    if (!existsSync(file)) continue;
    const mod = (await import(file)) as { run?: () => Promise<string> };
    if (typeof mod.run !== 'function') continue;
    process.stdout.write(`== ${name}\n`);
    try {
      process.stdout.write((await mod.run()).trimEnd() + '\n\n');
    } catch (e) {
      process.stdout.write(`failed: ${e instanceof Error ? e.message : String(e)}\n\n`);
      process.exitCode = 1;
    }
  }
}

void main();
