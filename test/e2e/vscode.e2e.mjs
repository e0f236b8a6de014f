// The extension in a real VS Code (code-server in headless Chromium), checked through the UI:
// highlighting, verifier errors in the Problems panel, a helper hover, a debug session
// (breakpoint, registers, a step, a map) and F5 on a launch configuration. Run by
// scripts/e2e/run.mjs, not by vitest.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BROWSER_LAUNCH_MS = 30_000;
const UI_MS = 30_000;
const HELPER_DEFS = '/usr/include/bpf/bpf_helper_defs.h';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until fn() returns a truthy value (polling), or throws with what was last seen. */
async function until(what, fn, timeout = UI_MS) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e instanceof Error ? e.message : String(e); }
    await sleep(250);
  }
  throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}${last !== undefined ? ` (last seen: ${JSON.stringify(last)?.slice(0, 400)})` : ''}`);
}

/** A line's 1-based number in a file, found by its text. */
function lineOf(path, needle) {
  const i = readFileSync(path, 'utf8').split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${path}: no line contains ${needle}`);
  return i + 1;
}

export async function runSteps({ url, workspace, artifacts, log, media }) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    timeout: BROWSER_LAUNCH_MS,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const results = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(UI_MS);
    const shot = async (name) => { await page.screenshot({ path: join(artifacts, `${name}.png`) }); };
    /** A cropped picture for the README (only when asked for: E2E_MEDIA=media). */
    const mediaShot = async (name, clip) => {
      if (!media) return;
      const box = typeof clip === 'string' ? await page.locator(clip).first().boundingBox() : clip;
      if (box) await page.screenshot({ path: join(media, `${name}.png`), clip: box });
    };
    const step = async (name, fn) => {
      log(`step: ${name}`);
      try {
        await fn();
        results.push({ name, ok: true });
      } catch (e) {
        results.push({ name, ok: false, error: e instanceof Error ? e.message : String(e) });
        const tag = `FAILED-${name.replace(/\W+/g, '-')}`;
        await shot(tag).catch(() => undefined);
        const html = await page.evaluate(() => ['.debug-variables', '.context-view']
          .map((sel) => document.querySelector(sel)?.outerHTML ?? '').join('\n\n')).catch(() => '');
        if (html) writeFileSync(join(artifacts, `${tag}.html`), html);
      }
    };

    await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await sleep(1500);
    await dismissNotifications(page);

    await step('1 highlighting: tokens coloured by the eBPF grammar', async () => {
      await openFile(page, 'xdp_counter.bpf.s');
      await until('the language mode eBPF Assembly in the status bar', async () =>
        (await page.locator('.statusbar-item[id="status.editor.mode"]').textContent())?.includes('eBPF Assembly'));
      const colours = await until('tokens in at least 5 colours (the grammar applied)', async () => {
        const c = await tokenColours(page);
        return new Set(Object.values(c)).size >= 5 ? c : undefined;
      });
      // Dark Modern's colours for comments and numbers (fixed by the theme); a register must not look
      // like plain text, nor like the mnemonic keyword `exit`.
      const plain = await page.evaluate(() => getComputedStyle(document.querySelector('.monaco-editor .view-lines')).color);
      const colourOf = (text) => colours[text];
      if (colourOf('// key = 0') !== 'rgb(106, 153, 85)') throw new Error(`comment colour ${colourOf('// key = 0')}, want Dark Modern's rgb(106, 153, 85); tokens: ${JSON.stringify(colours)}`);
      if (colourOf('bpf_map_lookup_elem') === undefined || colourOf('bpf_map_lookup_elem') === plain) throw new Error(`helper name not coloured: ${JSON.stringify(colours)}`);
      if (!colourOf('r10') || colourOf('r10') === plain) throw new Error(`register r10 not coloured: ${JSON.stringify(colours)}`);
      if (!colourOf('exit') || colourOf('exit') === plain || colourOf('exit') === colourOf('r10')) throw new Error(`exit not coloured apart from registers: ${JSON.stringify(colours)}`);
      await shot('1-highlighting');
      const editor = await page.locator('.part.editor').boundingBox();
      await mediaShot('highlighting', { x: editor.x, y: editor.y, width: Math.min(editor.width, 760), height: 470 });
    });

    await step('2 verifier error in the Problems panel on the right line', async () => {
      const file = join(workspace, 'broken/missing_null_check.bpf.s');
      const expected = /Expected verifier error: (.*)$/m.exec(readFileSync(file, 'utf8'))[1].trim();
      const line = lineOf(file, 'lock *(u64 *)(r0 + 0) += r1');
      await openFile(page, 'missing_null_check.bpf.s');
      await page.keyboard.press('Control+Shift+M');
      const row = await until(`a Problems row with "${expected}"`, async () => {
        const rows = await page.locator('.markers-panel .monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent));
        return rows.find((r) => r.includes(expected));
      });
      if (!new RegExp(`\\b(line|Ln) ${line}\\b`, 'i').test(row)) throw new Error(`problem not on line ${line}: ${row}`);
      // The squiggle sits on that line of the editor too.
      await until('an error squiggle in the editor', () => page.locator('.monaco-editor .squiggly-error').count());
      await shot('2-problems');
      const ed = await page.locator('.part.editor').boundingBox();
      const panel = await page.locator('.part.panel').boundingBox();
      await mediaShot('problems', { x: ed.x, y: ed.y, width: ed.width, height: panel.y + Math.min(panel.height, 200) - ed.y });
    });

    await step('2b every broken example shows the kernel\'s message in the Problems panel', async () => {
      const dir = join(workspace, 'broken');
      const expected = readdirSync(dir).filter((f) => f.endsWith('.bpf.s')).map((f) =>
        [f, /Expected verifier error: (.*)$/m.exec(readFileSync(join(dir, f), 'utf8'))[1].trim()]);
      if (expected.length < 5) throw new Error(`only ${expected.length} broken examples`);
      for (const [f] of expected) await openFile(page, f);
      await runCommand(page, 'View: Toggle Maximized Panel');
      try {
        await until('every expected message in the Problems panel', async () => {
          const rows = (await page.locator('.markers-panel .monaco-list-row').evaluateAll((els) =>
            els.map((e) => e.getAttribute('aria-label') ?? e.textContent))).join('\n');
          const missing = expected.filter(([, msg]) => !rows.includes(msg));
          if (missing.length) throw new Error(`missing: ${missing.map(([f, msg]) => `${f}: ${msg}`).join('; ')}`);
          return true;
        });
        await shot('2b-all-broken');
      } finally {
        await runCommand(page, 'View: Toggle Maximized Panel');
      }
    });

    await step('3 hover over a call shows the helper signature', async () => {
      const proto = /static (.+?)\(\*\s*(?:const\s+)?bpf_map_lookup_elem\)\((.*?)\)/.exec(readFileSync(HELPER_DEFS, 'utf8'));
      if (!proto) throw new Error(`${HELPER_DEFS}: no bpf_map_lookup_elem prototype`);
      const params = proto[2].split(',').map((p) => p.trim());
      await openFile(page, 'xdp_counter.bpf.s');
      await page.keyboard.press('Escape');
      const token = page.locator('.monaco-editor .view-line span span', { hasText: /^bpf_map_lookup_elem$/ }).first();
      await token.hover();
      const text = await until('the hover widget', async () => {
        const t = await page.locator('.monaco-hover-content').allTextContents().catch(() => []);
        const joined = t.join('\n');
        return joined.includes('bpf_map_lookup_elem') && params.every((p) => joined.includes(p)) ? joined : undefined;
      });
      log(`hover: ${text.slice(0, 160).replace(/\s+/g, ' ')}`);
      await shot('3-hover');
      const hover = await page.locator('.monaco-hover').filter({ visible: true }).first().boundingBox();
      const ed3 = await page.locator('.part.editor').boundingBox();
      await mediaShot('hover', { x: ed3.x, y: ed3.y, width: Math.min(ed3.width, hover.x + hover.width + 40 - ed3.x), height: 340 });
    });

    await step('4 F5 runs the first launch configuration to its end: UDP to port 9999 is dropped', async () => {
      await openFile(page, 'xdp_drop_udp.bpf.s');
      // A fresh profile selects the first configuration of launch.json; F5 starts it.
      await page.keyboard.press('F5');
      await until('the debug toolbar', () => page.locator('.debug-toolbar').isVisible());
      await until('the first configuration running', async () =>
        (await page.locator('.statusbar-item', { hasText: 'XDP: drop UDP to port 9999' }).count()) > 0);
      await showDebugView(page);
      const entry = lineOf(join(workspace, 'xdp_drop_udp.bpf.s'), 'r2 = *(u32 *)(r1 + 4)');
      await until(`a stop at entry, line ${entry}`, async () => (await currentLine(page)) === entry);
      await page.keyboard.press('F5');
      // XDP_DROP is 1 in the kernel's enum xdp_action.
      const text = await until('the exit in the Debug Console', async () => {
        const t = (await page.locator('.repl').allTextContents()).join('\n');
        return /The program exited: r0 = 1 \(0x1\)/.test(t) ? t : undefined;
      });
      log(`debug console: ${/The program exited:[^\n]*/.exec(text)?.[0]}`);
      await shot('4-f5-run');
      await page.keyboard.press('Shift+F5');
      await until('the session ended', async () => !(await page.locator('.debug-toolbar').isVisible()));
    });

    await step('5 debug: stop at a breakpoint, registers shown, a step changes them', async () => {
      await page.keyboard.press('Escape');
      const file = join(workspace, 'xdp_counter.bpf.s');
      const bpLine = lineOf(file, 'r1 = *(u64 *)(r0 + 0)');
      await openFile(page, 'xdp_counter.bpf.s');
      await goToLine(page, bpLine);
      await page.keyboard.press('F9');
      await until('a breakpoint glyph', () => page.locator('.monaco-editor .codicon-debug-breakpoint').count());
      await runCommand(page, 'Debug: Select and Start Debugging');
      await page.keyboard.type('per-CPU packet counter');
      await page.keyboard.press('Enter');
      await until('the debug toolbar', () => page.locator('.debug-toolbar').isVisible());
      await showDebugView(page);
      await widenSideBar(page, 560);
      // stopOnEntry: stopped at the first instruction; continue to the breakpoint.
      const entryLine = lineOf(file, '*(u32 *)(r10 - 4) = 0');
      await until(`a stop at entry, line ${entryLine}`, async () => (await currentLine(page)) === entryLine);
      await page.keyboard.press('F5');
      await until(`a stop on line ${bpLine}`, async () => (await currentLine(page)) === bpLine);
      await expandVariable(page, 'Registers');
      // After the NULL check, r0 points at the map value: the view shows this stop's registers.
      const before = await until('registers r0-r10 of this stop, r0 a map value', async () => {
        const v = await variables(page);
        return /^map_value\(pkt_count\)/.test(v.r0 ?? '') && v.r10 !== undefined ? v : undefined;
      });
      await shot('5a-breakpoint');
      await page.keyboard.press('F10');
      await until(`a stop on line ${bpLine + 1}`, async () => (await currentLine(page)) === bpLine + 1);
      // r1 = *(u64 *)(r0 + 0) read the map value, which the launch configuration sets to 41 on CPU 0.
      const after = await until('r1 changed to the map value 41', async () => {
        const v = await variables(page);
        return v.r1 !== undefined && v.r1 !== before.r1 && /\(41\)/.test(v.r1) ? v : undefined;
      });
      log(`r1: ${before.r1} -> ${after.r1}`);
      await shot('5b-step');
      await mediaShot('debug', { x: 0, y: 0, width: 1400, height: 560 });
    });

    await step('6 a map\'s contents in the Variables view', async () => {
      const file = join(workspace, 'xdp_counter.bpf.s');
      await page.keyboard.press('F10'); // r1 += 1
      const storeLine = lineOf(file, '*(u64 *)(r0 + 0) = r1');
      await until(`a stop on line ${storeLine}`, async () => (await currentLine(page)) === storeLine);
      await page.keyboard.press('F10'); // *(u64 *)(r0 + 0) = r1
      const nextLine = lineOf(file, 'r0 = 2');
      await until(`a stop on line ${nextLine}`, async () => (await currentLine(page)) === nextLine);
      // r1 += 1 made r1 42: the view shows this stop (it refreshes after each step).
      await until('r1 = 42 in the Variables view', async () => /\(42\)/.test((await variables(page)).r1 ?? ''));
      await showScope(page, 'Maps', 'Registers');
      await expandVariable(page, 'pkt_count');
      // 42 = 41 + 1, stored back on CPU 0: the entry's value holds its little-endian bytes.
      const v = await until('pkt_count[0] holding 42 (2a 00 00 00 00 00 00 00) after the store', async () => {
        const vars = await variables(page);
        return /^(per-CPU: )?2a 00 00 00 00 00 00 00\b/.test(vars['[0]'] ?? '') ? vars : undefined;
      });
      log(`pkt_count[0] = ${v['[0]']}`);
      await shot('6-map');
      const side = await page.locator('.part.sidebar').boundingBox();
      await mediaShot('map', { x: side.x, y: side.y, width: side.width, height: 260 });
      await setExpanded(page, 'Stack', true);
      await shot('6b-stack');
      await page.keyboard.press('Shift+F5');
    });

  } finally {
    await browser.close();
  }
  return results;
}

async function dismissNotifications(page) {
  await page.keyboard.press('Escape');
}

/** Opens the Run and Debug view unless it is open (clicking its icon again would close the side bar). */
async function showDebugView(page) {
  await until('the Run and Debug view', async () => {
    if (await page.locator('.debug-call-stack').isVisible()) return true;
    await page.locator('.activitybar .action-item a[aria-label*="Run and Debug"]').first().click({ force: true });
    return false;
  });
}

/** Drags the sash between the side bar and the editor to x (so the Variables view is readable). */
async function widenSideBar(page, x) {
  const sash = await page.locator('.monaco-sash.primary-sidebar-sash').boundingBox().catch(() => null);
  if (!sash) return;
  const y = sash.y + sash.height / 2;
  await page.mouse.move(sash.x + sash.width / 2, y);
  await page.mouse.down();
  await page.mouse.move(x, y, { steps: 8 });
  await page.mouse.up();
}

async function runCommand(page, name) {
  await page.keyboard.press('Escape');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' }).catch(() => undefined);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${name}`);
  await until(`the command ${name}`, () => page.locator('.quick-input-list .monaco-list-row', { hasText: name }).count());
  await page.keyboard.press('Enter');
}

async function openFile(page, name) {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(name);
      await until(`${name} first in quick open`, () =>
        page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).count(), 10_000);
      await page.keyboard.press('Enter');
      await until(`the editor tab ${name}`, () => page.locator('.tab.active', { hasText: name }).count(), 10_000);
      break;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
  // Quick open leaves the focus in the editor. (Clicking Monaco's view-lines would make Playwright
  // scroll the page to bring the whole, partly hidden element into view.)
  await until(`the focus in the ${name} editor`, () => page.evaluate(() => !!document.activeElement?.closest('.editor-instance .monaco-editor')));
}

async function goToLine(page, line) {
  await page.keyboard.press('Control+G');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
}

/** Text -> computed colour of every token span in the visible editor lines. */
function tokenColours(page) {
  return page.evaluate(() => {
    const out = {};
    for (const span of document.querySelectorAll('.editor-instance .monaco-editor .view-line span span')) {
      const text = span.textContent.replace(/\u00a0/g, ' ').trim();
      if (text) out[text] = getComputedStyle(span).color;
    }
    return out;
  });
}

/** The 1-based line of the top stack frame, as the Call Stack view shows it (`13:1`). */
async function currentLine(page) {
  const text = await page.locator('.debug-call-stack .monaco-list-row .line-number').first().textContent({ timeout: 2000 }).catch(() => '');
  const m = /^(\d+):/.exec(text?.trim() ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Name -> value of the rows shown in the Variables view, from their accessible labels (`r0, value 0x0 (0)`). */
function variables(page) {
  return page.evaluate(() => {
    const out = {};
    for (const row of document.querySelectorAll('.debug-variables .monaco-list-row')) {
      const m = /^(.+?), value (.*)$/s.exec(row.getAttribute('aria-label') ?? '');
      if (m) out[m[1]] = m[2];
    }
    return out;
  });
}

/** A scope (`Registers`) or variable (`pkt_count`) row of the Variables view. */
function variableRow(page, name) {
  return page.locator(`.debug-variables .monaco-list-row[aria-label="Scope ${name}"], .debug-variables .monaco-list-row[aria-label^="${name}, value "]`).first();
}

async function setExpanded(page, name, expanded) {
  const row = variableRow(page, name);
  await row.waitFor({ state: 'visible' });
  if ((await row.getAttribute('aria-expanded')) !== String(expanded)) await row.click();
  await until(`${name} ${expanded ? 'expanded' : 'collapsed'}`, async () => (await row.getAttribute('aria-expanded')) === String(expanded));
}

const expandVariable = (page, name) => setExpanded(page, name, true);

/** Expands a scope that may be scrolled out of the (virtualized) view, collapsing `other` to make room. */
async function showScope(page, name, other) {
  await until(`the ${name} scope expanded`, async () => {
    const row = variableRow(page, name);
    if (await row.count() && await row.isVisible()) {
      if ((await row.getAttribute('aria-expanded')) === 'true') return true;
      await row.click();
      return false;
    }
    const otherRow = variableRow(page, other);
    if ((await otherRow.getAttribute('aria-expanded', { timeout: 1000 }).catch(() => null)) === 'true') await otherRow.click();
    return false;
  });
}
