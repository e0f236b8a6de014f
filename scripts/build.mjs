// Bundles the four entry points into dist/.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entries = [
  { in: 'client/extension.ts', out: 'extension', external: ['vscode'] },
  { in: 'server/main.ts', out: 'server' },
  { in: 'debugger/main.ts', out: 'debugAdapter' },
  { in: 'cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
];

for (const e of entries) {
  if (!existsSync(e.in)) continue;
  await build({
    entryPoints: [e.in],
    outfile: `dist/${e.out}.js`,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    sourcemap: true,
    external: [...(e.external ?? []), 'koffi'],
    banner: e.banner ? { js: e.banner } : undefined,
    logLevel: 'warning',
  });
}
