// Issue 12, the design: every main page on a phone (390×844) and a desktop
// (1280×800), light and dark, is screenshot and checked by axe; the first call
// button is on screen without scrolling wherever help comes first; Today leads
// with one next step chosen from how the person is.
//
// Screenshots go to docs/screenshots/screens/ with TEND_SCREENSHOTS=1 (to
// refresh the docs), otherwise to a temporary folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startTend, launchBrowser, newPage, signUp, checkA11y, repoRoot } from '../harness.mjs';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const SIZES = [['phone', PHONE], ['desktop', DESKTOP]];
const SCHEMES = ['light', 'dark'];

const outDir = process.env.TEND_SCREENSHOTS === '1'
  ? join(repoRoot, 'docs', 'screenshots', 'screens')
  : mkdtempSync(join(tmpdir(), 'tend-screens-'));
mkdirSync(outDir, { recursive: true });

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

/** The phone shot is the whole page (what a person scrolls through); the
 *  desktop shot is the window, which keeps the PNGs small. */
async function shot(page, name, size) {
  await page.screenshot({ path: join(outDir, `${name}.png`), fullPage: size === 'phone' });
}

/** Opens `path` in every size and scheme: a screenshot and an axe check each. */
async function everyWay(page, path, name) {
  for (const [size, viewport] of SIZES) {
    await page.setViewportSize(viewport);
    for (const colorScheme of SCHEMES) {
      await page.emulateMedia({ colorScheme });
      await page.goto(`${tend.base}${path}`);
      await checkA11y(page, `${path} (${size}, ${colorScheme})`);
      await shot(page, `${name}-${size}-${colorScheme}`, size);
    }
  }
  await page.setViewportSize(PHONE);
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The first call button lies wholly inside a phone's window as the page opens. */
async function assertFirstCallOnScreen(page, label) {
  assert.equal(await page.evaluate(() => window.scrollY), 0, `${label}: not scrolled`);
  const box = await page.locator('main a[href^="tel:"]').first().boundingBox();
  assert.ok(box, `${label}: a call button`);
  assert.ok(box.y >= 0 && box.y + box.height <= PHONE.height, `${label}: first call button at ${box.y}+${box.height}`);
}

async function answerPhq9(page, item9) {
  await page.goto(`${tend.base}/questionnaires/phq9/q/1`);
  for (let n = 1; n <= 9; n++) {
    await page.getByText(`Question ${n} of 9`).waitFor();
    const label = n === 9 ? item9 : '0 · Not at all';
    await page.getByRole('radio', { name: label, exact: true }).check();
    await page.getByRole('button', { name: /^Next/ }).click();
  }
}

test('signed out: the welcome, sign-in and help pages, every size and scheme', async () => {
  const page = await newPage(browser, PHONE);
  for (const [path, name] of [['/', 'welcome'], ['/signup', 'signup'], ['/signin', 'signin'], ['/help', 'help-signed-out'], ['/hard-moment', 'hard-moment-signed-out'], ['/practices', 'practices-signed-out']]) {
    await everyWay(page, path, name);
  }
  for (const path of ['/help', '/hard-moment']) {
    await page.goto(`${tend.base}${path}`);
    await assertFirstCallOnScreen(page, `${path} signed out`);
  }
  // Every page says what it is to a search engine or a link preview.
  for (const path of ['/', '/signup', '/signin', '/help', '/hard-moment', '/practices', '/learn']) {
    await page.goto(`${tend.base}${path}`);
    const d = await page.locator('meta[name="description"]').getAttribute('content');
    assert.ok(d && d.length > 20, `${path} has a description`);
  }
  await page.context().close();
});

test('Today: one next step, the check-in stays on Today, tools folded away', async () => {
  const page = await newPage(browser, PHONE);
  await signUp(page, tend.base, { timeZone: 'Europe/London' });

  // A new day: the step is the check-in itself, and the tools are folded.
  const step = page.locator('section.next-step');
  assert.equal(await step.locator('h2').textContent(), 'How are you, right now?');
  assert.equal(await page.locator('details.tools-fold').getAttribute('open'), null);
  assert.ok(!(await page.getByRole('link', { name: 'Your critic log' }).isVisible()), 'tools start folded');
  // Required fields say so before anyone submits.
  assert.match(await page.locator('fieldset#mood legend').innerText(), /required/);
  assert.match(await page.locator('label[for="sleep_hours"]').innerText(), /required/);

  // A mistake on Today is shown on Today, with what was typed kept.
  await page.locator('fieldset#mood').getByRole('radio', { name: '2 · Low' }).check();
  await page.getByLabel('Hours slept last night').fill('lots');
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Save check-in' }).click(),
  ]);
  assert.equal(res.status(), 422);
  assert.match(new URL(page.url()).pathname, /^\/today$/);
  await page.locator('#errors').waitFor();
  assert.match(await page.locator('#errors').innerText(), /Hours slept is a number/);
  assert.ok(await page.locator('fieldset#mood').getByRole('radio', { name: '2 · Low' }).isChecked());
  assert.equal(await page.getByLabel('Hours slept last night').inputValue(), 'lots');
  await checkA11y(page, 'today with an error');

  // The radios are real radios: the keyboard moves along the scale.
  await page.locator('fieldset#energy').getByRole('radio', { name: '1 · Drained' }).focus();
  await page.keyboard.press('ArrowRight');
  assert.ok(await page.locator('fieldset#energy').getByRole('radio', { name: '2 · Low' }).isChecked());

  // A low day: the step is rest, and no questionnaire is offered.
  await page.getByLabel('Hours slept last night').fill('5');
  await page.getByLabel('I skipped some').check();
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await page.waitForURL(/saved=checkin/);
  assert.equal(await step.locator('h2').textContent(), 'Go easy on yourself today');
  assert.ok(await step.getByRole('link', { name: /self-compassion break/ }).isVisible());
  assert.doesNotMatch(await page.locator('main').innerText(), /questionnaire is ready/i);
  await everyWay(page, '/today', 'today-low-day');

  // The tools open with one tap.
  await page.getByText('All tools').click();
  assert.ok(await page.getByRole('link', { name: 'Your critic log' }).isVisible());

  // A better day, with a questionnaire due: now it may be offered.
  await page.goto(`${tend.base}/checkin`);
  await page.locator('fieldset#mood').getByRole('radio', { name: '4 · Good' }).check();
  await page.locator('fieldset#energy').getByRole('radio', { name: '4 · Good' }).check();
  await page.getByRole('button', { name: "Update today's check-in" }).click();
  await page.waitForURL(/saved=checkin/);
  assert.equal(await step.locator('h2').textContent(), 'A questionnaire is ready');

  // After a PHQ-9 answer about being better off dead: help, not another questionnaire.
  await answerPhq9(page, '1 · Several days');
  await page.getByRole('heading', { name: 'Before you go on' }).waitFor();
  await assertFirstCallOnScreen(page, 'PHQ-9 item 9');
  await everyWay(page, new URL(page.url()).pathname, 'phq9-item9');
  await page.getByRole('link', { name: 'Continue the questionnaire' }).click();
  await page.getByText('One last, optional question').waitFor();
  await page.getByRole('radio', { name: 'Somewhat difficult', exact: true }).check();
  await page.getByRole('button', { name: /^Next/ }).click();
  await page.getByRole('button', { name: 'See my result' }).click();
  await page.getByRole('heading', { name: 'Your PHQ-9 result' }).waitFor();
  await everyWay(page, new URL(page.url()).pathname, 'phq9-result');
  await page.goto(`${tend.base}/today`);
  assert.equal(await step.locator('h2').textContent(), 'Please reach out today');
  // The person's own emergency number and a crisis line, callable from Today, on screen.
  const tels = await step.locator('a[href^="tel:"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(tels.slice(0, 2), ['tel:999', 'tel:116123']);
  await assertFirstCallOnScreen(page, 'Today after item 9');
  assert.doesNotMatch(await page.locator('main').innerText(), /questionnaire is ready/i);
  await everyWay(page, '/today', 'today-after-worrying-result');
  await page.context().close();
});

test('signed in: every main page, every size and scheme, axe clean', async () => {
  const page = await newPage(browser, PHONE);
  await signUp(page, tend.base, { timeZone: 'Europe/London' });
  await everyWay(page, '/today', 'today-new');
  // A little to show: a check-in and a journal entry.
  await page.locator('fieldset#mood').getByRole('radio', { name: '4 · Good' }).check();
  await page.locator('fieldset#energy').getByRole('radio', { name: '3 · Steady' }).check();
  await page.getByLabel('Hours slept last night').fill('7');
  await page.getByLabel('I ate regular meals').check();
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await page.waitForURL(/saved=checkin/);
  await page.goto(`${tend.base}/journal/new`);
  await page.getByLabel("What's on your mind?").fill('Long day on the ward. The registrar was kind about my slow bloods.');
  await page.getByRole('button', { name: 'Save entry' }).click();
  await page.waitForURL(/\/journal\//);

  const pages = [
    ['/today', 'today'], ['/checkin', 'checkin'], ['/journal', 'journal'], ['/critic/new', 'critic-new'],
    ['/critic', 'critic-log'], ['/practices', 'practices'], ['/practices/breathing-space', 'practice'],
    ['/kindness/break', 'kindness-break'], ['/debrief/new', 'debrief-new'], ['/goals', 'goals'],
    ['/selfcare', 'selfcare'], ['/gratitude', 'gratitude'], ['/questionnaires', 'questionnaires'],
    ['/review', 'review'], ['/support', 'support'], ['/safety-plan', 'safety-plan'], ['/learn', 'learn'],
    ['/circles', 'circles'], ['/account', 'account'], ['/help', 'help'], ['/hard-moment', 'hard-moment'],
  ];
  for (const [path, name] of pages) {
    await everyWay(page, path, name);
  }
  for (const path of ['/help', '/hard-moment']) {
    await page.goto(`${tend.base}${path}`);
    await assertFirstCallOnScreen(page, `${path} signed in`);
  }
  for (const [path] of pages) {
    await page.goto(`${tend.base}${path}`);
    const d = await page.locator('meta[name="description"]').getAttribute('content');
    assert.ok(d && d.length > 20, `${path} has a description`);
  }
  await page.context().close();
});
