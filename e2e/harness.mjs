// Shared helpers for tend's browser tests: start a real tend server on a
// fresh SQLite data folder, drive Debian's Chromium with playwright-core, and
// check each page with axe-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const repoRoot = join(here, '..');

/** The tend binary under test: TEND_BIN, or the debug build. */
export const tendBin = process.env.TEND_BIN || join(repoRoot, 'target', 'debug', 'tend');

export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Starts tend on a free port with its own data folder. Returns { base, dataDir, stop }. */
export async function startTend(extraEnv = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tend-e2e-'));
  // Port 0: the system picks a free port and tend prints the address it got,
  // so parallel or leftover processes can never collide with a test.
  const child = spawn(tendBin, ['serve', '--addr', '127.0.0.1:0', '--data-dir', dataDir], {
    env: {
      ...process.env,
      // Cheap key derivation keeps sign-up fast in tests; production uses the default.
      TEND_ARGON2_MEMORY_KIB: '1024',
      TEND_AUTH_ATTEMPTS_PER_MINUTE: '1000',
      TEND_LOG: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tend did not start:\n${output}`)), 15000);
    const onData = (d) => {
      output += d;
      const m = output.match(/tend is running at (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => { output += d; });
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`tend exited early:\n${output}`));
    });
  });
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) break;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    dataDir,
    dbFile: join(dataDir, 'tend.db'),
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
}

/** A page in a fresh context (its own cookies): a phone-sized screen by default. */
export async function newPage(browser, { width = 360, height = 740, colorScheme = 'light', timezoneId } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, timezoneId });
  return context.newPage();
}

let counter = 0;
/** Signs up through the form as a person would. Returns { handle, passphrase, recoveryCode }. */
export async function signUp(page, base, { handle, passphrase = 'kettle maple orbit', timeZone } = {}) {
  handle = handle || `student_${process.pid}_${++counter}`;
  await page.goto(`${base}/signup`);
  await page.getByLabel('Handle').fill(handle);
  await page.getByLabel('Passphrase').fill(passphrase);
  if (timeZone) await page.getByLabel('Your time zone').fill(timeZone);
  await page.getByRole('button', { name: 'Create account' }).click();
  const recoveryCode = (await page.locator('.recovery-code').textContent()).trim();
  await page.getByLabel('I have saved my recovery code somewhere safe').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(/\/today/);
  return { handle, passphrase, recoveryCode };
}

/** Runs axe-core on the current page; fails on any serious or critical violation. */
export async function checkA11y(page, label = page.url()) {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol, which the page's
  // Content-Security-Policy (no inline script) does not apply to.
  await page.evaluate(source);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    throw new Error(`accessibility problems on ${label}:\n${JSON.stringify(bad, null, 2)}`);
  }
  return result;
}

/** Saves a screenshot into docs/screenshots/ when TEND_SCREENSHOTS=1 (used to refresh the docs). */
export async function screenshot(page, name) {
  if (process.env.TEND_SCREENSHOTS !== '1') return;
  const dir = join(repoRoot, 'docs', 'screenshots');
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** True when the bytes of `text` appear anywhere in the SQLite files of a data folder. */
export function databaseContains(dbFile, text) {
  const needle = Buffer.from(text, 'utf8');
  for (const suffix of ['', '-wal', '-shm']) {
    const f = dbFile + suffix;
    if (existsSync(f) && readFileSync(f).includes(needle)) return true;
  }
  return false;
}
