// Issue 13: a safety plan written through the plain form, one tap from the
// hard-moment page; help, the hard-moment page and the plan open offline after
// one visit; "Lock" signs out and takes the plan out of the offline copies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { startTend, launchBrowser, signUp, checkA11y, databaseContains, repoRoot } from '../harness.mjs';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

let tend;
let browser;
before(async () => {
  tend = await startTend();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await tend?.stop();
});

async function shot(page, name, fullPage = true) {
  if (process.env.TEND_SCREENSHOTS !== '1') return;
  const dir = join(repoRoot, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage });
}

const PLAN = {
  warning_signs: 'Lying awake after a night shift\nCancelling on friends',
  on_my_own: 'Cold water on my face\nWalk round the park',
  distractions: 'The library café',
  people: 'Amira 07700 900123',
  environment: 'Ask Amira to keep my tablets',
  reasons: 'REASON-my little brother\nQualifying next summer',
};

test('a safety plan: written, one tap from a hard moment, offline after one visit, gone on lock', async () => {
  const context = await browser.newContext({ viewport: PHONE, timezoneId: 'Europe/London' });
  const page = await context.newPage();
  await signUp(page, tend.base, { timeZone: 'Europe/London' });
  // app.js installed the worker on the way in.
  assert.ok(await page.evaluate(() => navigator.serviceWorker.ready.then((r) => Boolean(r.active))));

  // One tap from the hard-moment page.
  await page.goto(`${tend.base}/hard-moment`);
  await page.getByRole('link', { name: 'Open my safety plan' }).click();
  await page.waitForURL(/\/safety-plan$/);
  await page.getByRole('heading', { name: 'Write your safety plan' }).waitFor();
  // Step 5 starts with the UK's lines: the emergency number, then Samaritans.
  const pro = await page.locator('#professionals').inputValue();
  assert.match(pro, /call 999[\s\S]*Samaritans: call 116 123/);
  await checkA11y(page, 'safety plan form');
  await shot(page, 'safety-plan-form-phone', false);

  for (const [field, text] of Object.entries(PLAN)) {
    await page.locator(`#${field}`).fill(text);
  }
  await page.getByRole('button', { name: 'Save my plan' }).click();
  await page.getByRole('heading', { name: 'My safety plan' }).waitFor();
  const steps = await page.locator('ol.plan-steps > li > h2').allInnerTexts();
  assert.deepEqual(steps, [
    'Warning signs', 'Things I can do on my own', 'People and places that take my mind off things',
    'People I can ask for help', 'Professionals and help lines', 'Making where I am safer', 'My reasons to keep going',
  ]);
  assert.ok(await page.getByText('REASON-my little brother').isVisible());
  await checkA11y(page, 'safety plan');
  // With script, a Print button; the no-JS test below checks it stays hidden.
  assert.ok(await page.getByRole('button', { name: 'Print' }).isVisible());
  await shot(page, 'safety-plan-phone');
  await page.setViewportSize(DESKTOP);
  await shot(page, 'safety-plan-desktop');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('header.top').isVisible(), false, 'no navigation on paper');
  assert.ok(await page.getByText('REASON-my little brother').isVisible());
  await shot(page, 'safety-plan-print');
  await page.emulateMedia({ media: 'screen' });
  await page.setViewportSize(PHONE);
  // Sealed in the database.
  assert.equal(databaseContains(tend.dbFile, 'REASON-my little brother'), false);

  // One online visit to each (the worker keeps them), then no connection.
  for (const path of ['/help', '/hard-moment', '/safety-plan']) {
    await page.goto(`${tend.base}${path}`);
  }
  await context.setOffline(true);
  await page.goto(`${tend.base}/hard-moment`);
  await page.getByRole('heading', { name: 'A hard moment' }).waitFor();
  assert.ok(await page.locator('a[href="tel:999"]').first().isVisible());
  await page.goto(`${tend.base}/help`);
  assert.ok(await page.locator('a[href="tel:116123"]').first().isVisible());
  await page.goto(`${tend.base}/hard-moment`);
  await page.getByRole('link', { name: 'Open my safety plan' }).click();
  await page.getByText('REASON-my little brother').waitFor();
  await page.goto(`${tend.base}/practices`);
  assert.equal(await page.locator('h1').innerText(), 'Practise');
  // A page it never kept: a calm note, with the ones that do work.
  await page.goto(`${tend.base}/journal`);
  await page.getByRole('heading', { name: 'No connection right now' }).waitFor();
  await context.setOffline(false);

  // Lock: signed out on the server, and the plan gone from the offline copies.
  await page.goto(`${tend.base}/today`);
  await page.getByRole('button', { name: 'Lock' }).click();
  await page.getByRole('heading', { name: 'tend is locked' }).waitFor();
  assert.equal(await page.evaluate(() => caches.match('/safety-plan').then((r) => r === undefined)), true);
  await page.goto(`${tend.base}/safety-plan`);
  await page.waitForURL(/\/signin/);
  await context.setOffline(true);
  await page.goto(`${tend.base}/safety-plan`);
  await page.getByRole('heading', { name: 'No connection right now' }).waitFor();
  assert.equal(await page.getByText('REASON-my little brother').count(), 0);
  await context.close();
});

test('without JavaScript the plan is written and read the same way', async () => {
  const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
  const page = await context.newPage();
  await signUp(page, tend.base);
  await page.goto(`${tend.base}/safety-plan`);
  await page.locator('#reasons').fill('NOJS-reason');
  await page.locator('#people').fill(Array.from({ length: 13 }, (_, i) => `friend ${i + 1}`).join('\n'));
  await page.getByRole('button', { name: 'Save my plan' }).click();
  // Too many lines: said plainly, the words kept.
  await page.getByText('has 13 lines; it can hold 12').first().waitFor();
  assert.equal(await page.locator('#reasons').inputValue(), 'NOJS-reason');
  await page.locator('#people').fill('Amira');
  await page.getByRole('button', { name: 'Save my plan' }).click();
  await page.getByText('NOJS-reason').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Print' }).isVisible(), false);
  await context.close();
});

// Check-ins and journal entries are kept by the worker while offline (see
// offline.test.mjs); any other form, like the plan, is shown back to send again.
test('a plan sent with no connection is shown back; Send again offline keeps it; it goes once online', async () => {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  await signUp(page, tend.base);
  assert.ok(await page.evaluate(() => navigator.serviceWorker.ready.then((r) => Boolean(r.active))));
  await page.goto(`${tend.base}/safety-plan`);
  await page.locator('#reasons').fill('OFFLINE-reason <kept>\nsecond line');
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Save my plan' }).click();
  await page.getByRole('heading', { name: 'Not sent yet: there is no connection' }).waitFor();
  // The words are on screen, as text (not markup).
  assert.ok(await page.getByText('OFFLINE-reason <kept>').isVisible());
  await shot(page, 'offline-not-sent-phone', false);
  // Pressed while still offline: shown back again, nothing lost.
  await page.getByRole('button', { name: 'Send again' }).click();
  await page.getByRole('heading', { name: 'Not sent yet: there is no connection' }).waitFor();
  assert.ok(await page.getByText('OFFLINE-reason <kept>').isVisible());
  // Back online: the page sends it by itself (no button press).
  await context.setOffline(false);
  await page.getByRole('heading', { name: 'My safety plan' }).waitFor();
  assert.ok(await page.getByText('OFFLINE-reason <kept>').isVisible());
  await context.close();
});

test('the idle lock, once chosen for this browser, locks after that many quiet minutes', async () => {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  await page.clock.install();
  await signUp(page, tend.base);
  await page.goto(`${tend.base}/account`);
  await page.getByRole('link', { name: 'Lock on shared computers' }).click();
  await page.getByLabel('Lock by itself after').selectOption('5');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved for this browser.').waitFor();
  await checkA11y(page, 'lock settings');
  await page.goto(`${tend.base}/today`);
  // Four quiet minutes: still open.
  await page.clock.fastForward('04:00');
  assert.match(page.url(), /\/today$/);
  // Past five: locked, and signed out on the server.
  await page.clock.fastForward('01:30');
  await page.getByRole('heading', { name: 'tend is locked' }).waitFor();
  await page.goto(`${tend.base}/today`);
  await page.waitForURL(/\/signin/);
  await context.close();
});
