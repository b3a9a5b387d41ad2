// Issue 12: help for the country the person is in. A student in London sees the
// UK's lines first everywhere help appears, and on a phone the first call
// button is on screen without scrolling.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { startTend, launchBrowser, newPage, signUp, checkA11y, repoRoot } from '../harness.mjs';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

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

/** What the person sees first: viewport-only screenshots. */
async function shot(page, name) {
  if (process.env.TEND_SCREENSHOTS !== '1') return;
  const dir = join(repoRoot, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

/** The call links inside `scope`, in page order, as their tel: targets. */
async function telLinks(page, scope = 'main') {
  return page.locator(`${scope} a[href^="tel:"]`).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
}

/** The first call button lies wholly inside the window, as the page opens. */
async function assertFirstCallOnScreen(page, scope, label) {
  assert.equal(await page.evaluate(() => window.scrollY), 0, `${label}: not scrolled`);
  const box = await page.locator(`${scope} a[href^="tel:"]`).first().boundingBox();
  const { height } = page.viewportSize();
  assert.ok(box, `${label}: a call button`);
  assert.ok(box.y >= 0 && box.y + box.height <= height, `${label}: first call button at ${box.y}+${box.height} of ${height}`);
}

/** UK lines first: 999, then Samaritans, and no US number before the lines for anywhere. */
async function assertUkFirst(page, scope, label) {
  const tels = await telLinks(page, scope);
  assert.equal(tels[0], 'tel:999', `${label}: ${tels}`);
  assert.ok(tels.indexOf('tel:116123') > 0, `${label}: Samaritans listed`);
  const text = await page.locator(scope).first().innerText();
  const uk = text.indexOf('Samaritans');
  const anywhere = text.indexOf('Find a Helpline');
  assert.ok(uk >= 0 && (anywhere < 0 || uk < anywhere), `${label}: UK lines before the lines for anywhere`);
  assert.ok(!tels.slice(0, tels.indexOf('tel:116123')).includes('tel:988'), `${label}: no US line first`);
  // Numbers read as people write them.
  assert.match(text, /Call 116 123/);
}

test('signed up in Europe/London: UK lines first on help, hard moment, the crisis box and PHQ-9 item 9', async () => {
  const page = await newPage(browser, PHONE);
  await signUp(page, tend.base, { timeZone: 'Europe/London' });

  for (const path of ['/help', '/hard-moment']) {
    await page.goto(`${tend.base}${path}`);
    await assertUkFirst(page, 'main', path);
    await assertFirstCallOnScreen(page, 'main', path);
  }
  // Cards are full width on a phone: no bullets, no indent.
  await page.goto(`${tend.base}/help`);
  const list = await page.locator('ul.lines').first().evaluate((ul) => {
    const s = getComputedStyle(ul);
    return { style: s.listStyleType, pad: s.paddingLeft, ulWidth: ul.getBoundingClientRect().width, mainWidth: ul.closest('main').clientWidth };
  });
  assert.equal(list.style, 'none');
  assert.equal(list.pad, '0px');
  assert.ok(list.mainWidth - list.ulWidth <= 32 + 1, `cards use the width: ${JSON.stringify(list)}`);
  await checkA11y(page, 'help (UK)');

  // The crisis box beside worrying words.
  await page.goto(`${tend.base}/critic/new`);
  await page.getByLabel('What is the critic saying?').fill("I'm a failure and I want to die");
  await page.getByRole('button', { name: 'Save the thought' }).click();
  await page.locator('section.crisis').waitFor();
  await assertUkFirst(page, 'section.crisis', 'crisis box');
  await checkA11y(page, 'crisis box (UK)');

  // PHQ-9 item 9 answered above 0: the help screen, first call button on screen.
  await page.goto(`${tend.base}/questionnaires/phq9/q/1`);
  for (let n = 1; n <= 9; n++) {
    await page.getByText(`Question ${n} of 9`).waitFor();
    await page.getByRole('radio', { name: n === 9 ? '1 · Several days' : '0 · Not at all', exact: true }).check();
    await page.getByRole('button', { name: /^Next/ }).click();
  }
  await page.getByRole('heading', { name: 'Before you go on' }).waitFor();
  await assertUkFirst(page, 'main', 'PHQ-9 item 9');
  await assertFirstCallOnScreen(page, 'main', 'PHQ-9 item 9');
  const bullets = await page.locator('.q-crisis ul.lines').evaluate((ul) => [getComputedStyle(ul).listStyleType, getComputedStyle(ul).paddingLeft]);
  assert.deepEqual(bullets, ['none', '0px']);
  await page.context().close();
});

test('signed out, choosing a country (no script needed) puts its lines first, and it is remembered', async () => {
  const page = await newPage(browser, PHONE);
  await page.goto(`${tend.base}/help`);
  // No country yet: emergency help for anywhere, then the picker.
  assert.equal((await telLinks(page))[0], 'tel:112');
  await assertFirstCallOnScreen(page, 'main', '/help (no country)');
  await page.getByLabel('Which country are you in?').selectOption({ label: 'United Kingdom' });
  await page.getByRole('button', { name: 'Show lines' }).click();
  await page.waitForURL(/\/help$/);
  await assertUkFirst(page, 'main', '/help after choosing');
  await assertFirstCallOnScreen(page, 'main', '/help after choosing');
  await checkA11y(page, 'help (signed out, UK)');
  await shot(page, 'help-phone');

  await page.goto(`${tend.base}/hard-moment`);
  await assertUkFirst(page, 'main', '/hard-moment (remembered)');
  await assertFirstCallOnScreen(page, 'main', '/hard-moment');
  await checkA11y(page, 'hard moment (signed out, UK)');
  await shot(page, 'hard-moment-phone');

  // The cookie holds only the country.
  const cookies = await page.context().cookies();
  const country = cookies.find((c) => c.name === 'tend_country');
  assert.equal(country.value, 'GB');
  assert.ok(country.httpOnly);

  // Changed again from the hard-moment page, it comes back there.
  await page.getByLabel('Which country are you in?').selectOption({ label: 'Australia' });
  await page.getByRole('button', { name: 'Show lines' }).click();
  await page.waitForURL(/\/hard-moment$/);
  assert.equal((await telLinks(page))[0], 'tel:000');
  await page.context().close();

  // The same pages on a desktop screen, for the docs.
  const wide = await newPage(browser, DESKTOP);
  await wide.context().addCookies([{ name: 'tend_country', value: 'GB', url: tend.base }]);
  for (const [path, name] of [['/help', 'help-desktop'], ['/hard-moment', 'hard-moment-desktop']]) {
    await wide.goto(`${tend.base}${path}`);
    await assertUkFirst(wide, 'main', `${path} (desktop)`);
    await assertFirstCallOnScreen(wide, 'main', `${path} (desktop)`);
    await shot(wide, name);
  }
  await wide.context().close();
});
