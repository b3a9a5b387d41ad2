// Issue 6, steps 2, 8 and 10 and the Learn section, as a person would use them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { startTend, launchBrowser, newPage, signUp, checkA11y, databaseContains, repoRoot } from '../harness.mjs';

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

/** A viewport-sized screenshot for docs/ when TEND_SCREENSHOTS=1 (small files). */
async function shot(page, name) {
  if (process.env.TEND_SCREENSHOTS !== '1') return;
  const dir = join(repoRoot, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

const circleTransform = (page) => page.locator('#pacer .circle').evaluate((el) => getComputedStyle(el).transform);

test('a hard moment needs no account and shows everything at once', async () => {
  const page = await newPage(browser);
  await page.goto(tend.base);
  await page.getByRole('link', { name: 'Hard moment' }).click();
  await page.waitForURL(/\/hard-moment$/);
  for (const name of ['Talk to someone now', 'Two-minute self-compassion break', '5-4-3-2-1 grounding']) {
    assert.ok(await page.getByRole('heading', { name }).isVisible(), `${name} visible without a click`);
  }
  assert.ok(await page.getByText('5 things you can see').isVisible());
  // No country chosen yet: emergency help for anywhere, and the country
  // picker, the page's only form. (Before help lines had countries this page
  // showed everyone the US lines.)
  assert.equal(await page.locator('a[href="tel:112"]').count(), 1);
  assert.equal(await page.locator('main form').count(), 1, 'nothing to fill in but the country');
  await page.getByLabel('Which country are you in?').selectOption({ label: 'United States' });
  await page.getByRole('button', { name: 'Show lines' }).click();
  // The form posts and comes back to this same address, so wait for what it
  // changes (the US line) rather than for a URL the page already had.
  await page.locator('a[href="tel:988"]').waitFor();
  assert.match(page.url(), /\/hard-moment$/);
  assert.equal(await page.locator('a[href="tel:988"]').count(), 1);
  assert.equal(await page.locator('a[href="sms:988"]').count(), 1);
  await checkA11y(page, 'hard moment');
  await shot(page, 'hard-moment');

  const dark = await newPage(browser, { colorScheme: 'dark' });
  for (const path of ['/hard-moment', '/practices/breathing-space', '/learn/gratitude']) {
    await dark.goto(`${tend.base}${path}`);
    await checkA11y(dark, `${path} (dark)`);
  }
  await dark.context().close();
  await page.context().close();
});

test('Learn is open to everyone, in order, with links to each feature', async () => {
  const page = await newPage(browser);
  await page.goto(tend.base);
  await page.getByRole('link', { name: 'Learn' }).first().click();
  await page.getByRole('heading', { name: 'Start here' }).waitFor();
  await page.getByRole('heading', { name: 'The ten steps' }).waitFor();
  await checkA11y(page, 'learn');
  await shot(page, 'learn');
  await page.getByRole('link', { name: 'Step 2: Practise mindfulness' }).click();
  await page.getByRole('heading', { level: 1, name: 'Step 2: Practise mindfulness' }).waitFor();
  assert.ok(await page.getByRole('heading', { name: 'References' }).isVisible());
  assert.equal(await page.getByRole('link', { name: 'Try a practice' }).getAttribute('href'), '/practices');
  await checkA11y(page, 'learn article');
  await shot(page, 'learn-article');
  await page.locator('a[rel=next]').click();
  await page.waitForURL(/\/learn\/talk-to-yourself-as-a-friend$/);
  await page.locator('a[rel=prev]').click();
  await page.waitForURL(/\/learn\/mindfulness$/);
  const res = await page.goto(`${tend.base}/learn/not-an-article`);
  assert.equal(res.status(), 404);
  await checkA11y(page, 'learn 404');
  await page.context().close();
});

test('a practice with JavaScript: timer, pacer, bell, and the minutes are logged', async () => {
  const page = await newPage(browser);
  await signUp(page, tend.base);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Practise' }).click();
  await page.getByRole('heading', { level: 1, name: 'Practise' }).waitFor();
  assert.ok(await page.getByText('Your minutes will add up here').isVisible());
  await checkA11y(page, 'practices (empty)');
  await page.getByRole('link', { name: 'Three-minute breathing space' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Three-minute breathing space' }).waitFor();
  assert.ok(await page.locator('#player').isVisible(), 'the timer appears with JavaScript');
  assert.equal(await page.locator('#timer').textContent(), '3:00');
  await checkA11y(page, 'practice');

  await page.getByLabel('Ring a soft bell at each step').check();
  await page.getByLabel('3 minutes').check();
  await page.getByRole('button', { name: 'Start' }).click();
  assert.ok(!page.url().includes('length='), 'JavaScript starts the timer in place');
  await page.waitForFunction(() => document.getElementById('timer').textContent !== '3:00');
  assert.match(await page.locator('#timer').textContent(), /^2:5\d$/);
  assert.ok(Number(await page.locator('#player').getAttribute('data-bells')) >= 1, 'the bell rang');
  assert.equal(await page.locator('#steps > li[aria-current=step]').count(), 1);
  assert.match(await page.locator('#player-status').textContent(), /Step 1 of 3/);
  assert.match(await page.locator('#pacer-text').textContent(), /Breathe (in|out) · \d of \d/);
  // With motion allowed the circle grows and shrinks.
  const before = await circleTransform(page);
  await page.waitForTimeout(1200);
  assert.notEqual(await circleTransform(page), before, 'the pacer moves');
  await checkA11y(page, 'practice (running)');
  await shot(page, 'practice');

  await page.getByRole('button', { name: 'Pause' }).click();
  const paused = await page.locator('#timer').textContent();
  await page.waitForTimeout(1200);
  assert.equal(await page.locator('#timer').textContent(), paused, 'paused');
  await page.getByRole('button', { name: 'Resume' }).click();
  await page.getByRole('button', { name: 'Finish now' }).click();
  assert.equal(await page.getByLabel('Minutes practised').inputValue(), '1');
  assert.match(await page.locator('#player-status').textContent(), /Every minute counts/);
  await page.getByRole('button', { name: 'Finish and save minutes' }).click();
  await page.waitForURL(/saved=breathing-space/);
  await page.getByText('Saved your time with Three-minute breathing space').waitFor();
  const minutes = await page.locator('section[aria-labelledby="minutes-h"]').innerText();
  assert.match(minutes, /Last 7 days\s*1 minute, on 1 day/);
  assert.ok(!/streak|you missed/i.test(await page.locator('main').innerText()));
  await checkA11y(page, 'practices (with minutes)');
  await shot(page, 'practice-history');

  // Reduced motion: the circle stays still and a text count paces the breath.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto(`${tend.base}/practices/affectionate-breathing`);
  await page.getByRole('button', { name: 'Start' }).click();
  await page.waitForFunction(() => document.getElementById('timer').textContent !== '3:00');
  assert.ok(await page.locator('#pacer.still').count() === 1, 'pacer marked still');
  const still = await circleTransform(page);
  await page.waitForTimeout(1500);
  assert.equal(await circleTransform(page), still, 'no movement under reduced motion');
  assert.match(await page.locator('#pacer-text').textContent(), /Breathe (in|out) · \d of \d/);
  await checkA11y(page, 'practice (reduced motion)');
  await shot(page, 'practice-reduced-motion');
  await page.context().close();
});

test('a practice without JavaScript: start and finish forms log the minutes', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false });
  const page = await context.newPage();
  await signUp(page, tend.base);
  await page.goto(`${tend.base}/practices/body-scan`);
  assert.equal(await page.locator('#player').isVisible(), false, 'no timer without JavaScript');
  await page.getByLabel('10 minutes').check();
  await page.getByRole('button', { name: 'Start' }).click();
  await page.waitForURL(/length=10/);
  await page.getByText('Started: 10 minutes').waitFor();
  // (axe-core cannot run with JavaScript off; the same markup is checked in the test above.)
  assert.equal(await page.getByLabel('Minutes practised').inputValue(), '10');
  await page.getByLabel('Minutes practised').fill('0');
  await page.getByRole('button', { name: 'Finish and save minutes' }).click();
  await page.getByText('Enter at least 1 minute').first().waitFor();
  await page.getByLabel('Minutes practised').fill('7');
  await page.getByRole('button', { name: 'Finish and save minutes' }).click();
  await page.waitForURL(/saved=body-scan/);
  assert.match(await page.locator('section[aria-labelledby="minutes-h"]').innerText(), /7 minutes, on 1 day/);
  assert.ok(await page.getByText('Body scan · 7 minutes').isVisible());
  await context.close();
});

test('three good things: save, edit, and a reminder for a hard day', async () => {
  const page = await newPage(browser);
  await signUp(page, tend.base);
  await page.goto(`${tend.base}/gratitude`);
  await checkA11y(page, 'gratitude (empty)');
  await page.getByRole('button', { name: 'Remind me' }).click();
  await page.getByRole('heading', { name: 'Nothing here yet' }).waitFor();
  await checkA11y(page, 'gratitude remind (empty)');
  await page.getByRole('link', { name: 'Three good things' }).click();

  const first = `the night nurse saved me a coffee ${Date.now()}`;
  const third = `I explained a diagnosis clearly ${Date.now()}`;
  await page.getByRole('button', { name: 'Save good things' }).click();
  await page.getByText('Write at least one good thing').first().waitFor();
  await checkA11y(page, 'gratitude (error)');
  await page.getByLabel(/^Good thing 1/).fill(first);
  await page.getByLabel(/^Good thing 3/).fill(third);
  await page.getByRole('button', { name: 'Save good things' }).click();
  await page.waitForURL(/saved=1/);
  await page.getByText('Saved. Thank you').waitFor();
  assert.equal(await page.getByLabel(/^Good thing 1/).inputValue(), first);
  assert.equal(await page.getByLabel(/^Good thing 2/).inputValue(), third, 'blanks close up');

  await page.getByLabel(/^Good thing 3/).fill('a walk home in the rain');
  await page.getByRole('button', { name: "Update today's good things" }).click();
  await page.waitForURL(/saved=1/);
  assert.equal(await page.getByLabel(/^Good thing 3/).inputValue(), 'a walk home in the rain');
  await checkA11y(page, 'gratitude (saved)');
  await shot(page, 'gratitude');

  await page.getByRole('button', { name: 'Remind me' }).click();
  await page.getByRole('heading', { name: /A good thing from/ }).waitFor();
  const shown = await page.locator('#reminder blockquote').innerText();
  assert.ok([first, third, 'a walk home in the rain'].includes(shown.trim()), shown);
  await page.getByRole('button', { name: 'Another one' }).click();
  await page.getByRole('heading', { name: /A good thing from/ }).waitFor();
  await checkA11y(page, 'gratitude remind');
  await shot(page, 'gratitude-remind');
  for (const secret of [first, third]) {
    assert.equal(databaseContains(tend.dbFile, secret), false, `"${secret}" is readable in the database file`);
  }
  await page.context().close();
});
