// Issue 17: a student joins a programme and consents, answers WHO-5, and a
// lead sees "not enough people yet" until ten students contribute, then the
// group dashboard. Every page is checked with axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { startTend, launchBrowser, newPage, signUp, checkA11y, tendBin, repoRoot } from '../harness.mjs';

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

/** Viewport-only screenshots (TEND_SCREENSHOTS=1) keep the committed PNGs small. */
async function shot(page, name) {
  if (process.env.TEND_SCREENSHOTS !== '1') return;
  const dir = join(repoRoot, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `programmes-${name}.png`) });
}

function admin(...args) {
  return execFileSync(tendBin, ['admin', 'programme', ...args, '--data-dir', tend.dataDir], {
    env: { ...process.env, TEND_LOG: 'warn' },
  }).toString();
}

async function joinAndConsent(page, code, { a11y = false } = {}) {
  await page.goto(`${tend.base}/programmes`);
  if (a11y) await checkA11y(page, 'programme (not joined)');
  await page.getByLabel('Programme code').fill(code);
  await page.getByRole('button', { name: 'Join' }).click();
  await page.getByText('You are not contributing anything unless you choose to.').waitFor();
  if (a11y) await checkA11y(page, 'programme (joined)');
  await page.getByRole('link', { name: 'Read what contributing means' }).click();
  await page.getByRole('heading', { name: 'What is never shared' }).waitFor();
  if (a11y) await checkA11y(page, 'consent');
  if (a11y) await shot(page, 'consent');
  await page.getByRole('button', { name: 'Yes, add my answers to the group totals' }).click();
  await page.getByText('You are contributing.').waitFor();
  if (a11y) await checkA11y(page, 'programme (contributing)');
}

async function answerWho5(page) {
  await page.goto(`${tend.base}/questionnaires/who5`);
  await page.getByRole('link', { name: 'Start' }).click();
  for (let i = 1; i <= 5; i++) {
    await page.getByText(`Question ${i} of 5`).waitFor();
    await page.getByRole('radio', { name: '3 · More than half of the time' }).check();
    await page.getByRole('button', { name: /^Next/ }).click();
  }
  await page.getByRole('button', { name: 'See my result' }).click();
  await page.getByRole('heading', { name: 'Your WHO-5 result' }).waitFor();
}

async function checkIn(page) {
  await page.goto(`${tend.base}/checkin`);
  await page.locator('fieldset#mood').getByRole('radio', { name: '3 · Okay' }).check();
  await page.locator('fieldset#energy').getByRole('radio', { name: '3 · Steady' }).check();
  await page.getByLabel('Hours slept last night').fill('7');
  await page.getByLabel('Minutes of movement').fill('10');
  await page.getByLabel('I ate regular meals').check();
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await page.waitForURL(/saved=checkin/);
}

// Released counts carry Laplace noise and are rounded to 5, so ten contributors
// mostly read as "about 5", "about 10" or "about 15" (noise of scale 2 reaches
// past ±12 about once in a thousand). The test checks the
// count is in that neighbourhood, not one exact draw of the noise.
function assertAboutTen(text, what) {
  const m = text.match(/about (\d+)/);
  assert.ok(m, `${what} shows a rounded count`);
  const n = Number(m[1]);
  assert.ok(n % 5 === 0 && n <= 25, `${what}: about ${n} is near ten`);
}

test('a lead sees nothing until ten students contribute, then only group figures', async () => {
  const created = admin('create', 'Year 3 Medicine');
  const code = created.match(/code ([A-Z0-9]{10})/)[1];

  const lead = await newPage(browser);
  const leadAccount = await signUp(lead, tend.base);
  admin('lead', 'Year 3 Medicine', leadAccount.handle);
  await lead.goto(`${tend.base}/programmes`);
  await lead.getByRole('link', { name: 'Year 3 Medicine dashboard' }).click();
  await lead.getByText('Not enough people yet.').first().waitFor();
  await checkA11y(lead, 'dashboard (empty)');

  // The first student joins, reads the consent page, agrees, and answers WHO-5.
  const first = await newPage(browser);
  const firstAccount = await signUp(first, tend.base);
  await joinAndConsent(first, code, { a11y: true });
  await answerWho5(first);

  await lead.reload();
  assert.match(await lead.locator('main').innerText(), /Not enough people yet/);

  // Eight more: still not enough.
  const handles = [firstAccount.handle];
  for (let i = 0; i < 8; i++) {
    const page = await newPage(browser);
    const acc = await signUp(page, tend.base);
    handles.push(acc.handle);
    await joinAndConsent(page, code);
    await answerWho5(page);
    if (i === 0) await checkIn(page);
    await page.context().close();
  }
  await lead.reload();
  assert.match(await lead.locator('main').innerText(), /Not enough people yet/);

  // The tenth.
  const last = await newPage(browser);
  const lastAccount = await signUp(last, tend.base);
  handles.push(lastAccount.handle);
  await joinAndConsent(last, code);
  await answerWho5(last);

  await lead.reload();
  const text = await lead.locator('main').innerText();
  assert.match(text, /Participation/);
  assertAboutTen(text, 'participation');
  assert.match(text, /learning and work environment/);
  assert.match(text, /What the research says and what your cohort shows/);
  // Everyone answered WHO-5, so its table shows a (noisy) mean for about ten people.
  const who5 = await lead.getByRole('table', { name: /WHO-5 well-being index/ }).innerText();
  assertAboutTen(who5, 'WHO-5 table');
  assert.match(who5, /\d+ to \d+/, 'a mean with its interval');
  // Only one person checked in: sleep stays hidden.
  assert.match(text, /Sleep from check-ins[^]*?Not enough people yet/);
  for (const h of handles) assert.ok(!text.includes(h), `the dashboard never shows a handle (${h})`);
  await checkA11y(lead, 'dashboard (ten contributors)');
  await lead.setViewportSize({ width: 900, height: 900 });
  await lead.locator('svg.chart').first().scrollIntoViewIfNeeded();
  await shot(lead, 'dashboard');
  // The admin page (for a server admin), checked too.
  execFileSync(tendBin, ['admin', 'grant-role', leadAccount.handle, 'admin', '--data-dir', tend.dataDir], {
    env: { ...process.env, TEND_LOG: 'warn' },
  });
  await lead.goto(`${tend.base}/programmes/admin`);
  assert.match(await lead.locator('main').innerText(), /Year 3 Medicine/);
  await checkA11y(lead, 'programmes admin');
  await lead.goBack();
  await lead.emulateMedia({ colorScheme: 'dark' });
  await checkA11y(lead, 'dashboard (dark)');
});
