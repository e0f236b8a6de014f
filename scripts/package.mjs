// Builds the bundles, then packs the extension with vsce into bpf-asm-<version>.vsix
// (no node_modules: everything the extension loads is bundled into dist/).
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const out = `${pkg.name}-${pkg.version}.vsix`;

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
execFileSync(
  process.execPath,
  [
    'node_modules/@vscode/vsce/vsce', 'package',
    '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links',
    '--out', out,
  ],
  { stdio: 'inherit' },
);
console.log(`${out}: ${(statSync(out).size / 1024).toFixed(0)} KiB`);
