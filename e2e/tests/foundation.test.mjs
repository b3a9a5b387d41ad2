// Issue 2, steps 2-7, as a person would do them in a real browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTend, launchBrowser, newPage, signUp, checkA11y, screenshot, databaseContains } from '../harness.mjs';

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

test('a student signs up, checks in, journals, and nothing they wrote is on disk in the clear', async () => {
  const page = await newPage(browser);
  await page.goto(tend.base);
  await checkA11y(page, 'start page');
  await screenshot(page, 'start');
  await page.goto(`${tend.base}/signup`);
  await checkA11y(page, 'sign-up');
  const who = await signUp(page, tend.base, { timeZone: 'Europe/London' });
  assert.match(who.recoveryCode, /^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);
  await checkA11y(page, 'today (empty)');
  await screenshot(page, 'today-empty');
  const text = await page.locator('main').innerText();
  assert.ok(!/streak|you missed/i.test(text), 'no streaks, no "you missed"');

  // The daily check-in, straight from Today.
  const joy = `a warm coffee ${Date.now()}`;
  const note = `note-${Date.now()}-quiet`;
  await page.getByRole('radio', { name: '4 · Good' }).first().check();
  await page.locator('fieldset#energy').getByRole('radio', { name: '2 · Low' }).check();
  await page.getByLabel('Hours slept last night').fill('6.5');
  // Today's check-in is compact: the optional fields open on request.
  await page.getByText('Add movement, a joyful thing or a note').click();
  await page.getByLabel('Minutes of movement').fill('20');
  await page.getByLabel('I ate regular meals').check();
  await page.getByLabel('One joyful thing').fill(joy);
  await page.getByLabel('A note').fill(note);
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await page.waitForURL(/saved=checkin/);
  await page.getByText('Check-in saved').waitFor();
  assert.ok(await page.getByText(joy).isVisible());
  await checkA11y(page, 'today (checked in)');
  await screenshot(page, 'today');

  // Editing the same day replaces the check-in.
  await page.getByRole('link', { name: "Change today's check-in" }).click();
  await checkA11y(page, 'check-in form');
  await page.getByLabel('Hours slept last night').fill('7');
  await page.getByRole('button', { name: "Update today's check-in" }).click();
  await page.waitForURL(/saved=checkin/);
  const week = await page.locator('section[aria-labelledby="week-h"]').innerText();
  assert.match(week, /Days you checked in\s*1/);
  assert.match(week, /7\.0 hours/);

  // A journal entry: write, read, edit, list.
  const body = `I froze on rounds today ${Date.now()} and my face went hot.`;
  await page.getByRole('link', { name: 'Journal', exact: true }).click();
  await checkA11y(page, 'journal (empty)');
  await page.getByRole('link', { name: 'Write an entry' }).click();
  await checkA11y(page, 'new entry');
  await page.getByLabel('Title').fill('Rounds');
  await page.getByLabel("What's on your mind?").fill(body);
  await page.getByRole('button', { name: 'Save entry' }).click();
  await page.getByRole('heading', { name: 'Rounds' }).waitFor();
  assert.ok(await page.getByText(body).isVisible());
  await checkA11y(page, 'entry');
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByLabel("What's on your mind?").fill(`${body} It passed.`);
  await page.getByRole('button', { name: 'Save entry' }).click();
  await page.getByText('It passed.').waitFor();

  // The database file holds none of it in the clear.
  for (const secret of [joy, note, body, 'Rounds', 'Europe/London']) {
    assert.equal(databaseContains(tend.dbFile, secret), false, `"${secret}" is readable in the database file`);
  }

  // Sign out, sign in, read everything back.
  await page.getByRole('button', { name: /^Sign out \(/ }).click();
  await page.goto(`${tend.base}/signin`);
  await checkA11y(page, 'sign-in');
  await page.getByLabel('Handle').fill(who.handle);
  await page.getByLabel('Passphrase').fill('not the right one');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText("don't match an account").waitFor();
  await page.getByLabel('Passphrase').fill(who.passphrase);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/today/);
  assert.ok(await page.getByText(joy).isVisible());
  await page.getByRole('link', { name: 'Journal', exact: true }).click();
  await page.getByRole('link', { name: 'Rounds' }).click();
  assert.ok(await page.getByText('It passed.').isVisible());

  // Change the passphrase.
  await page.getByRole('link', { name: 'Account' }).click();
  await checkA11y(page, 'account');
  await page.getByLabel('Current passphrase').fill(who.passphrase);
  await page.getByLabel('New passphrase').fill('lantern quietly rivers');
  await page.getByRole('button', { name: 'Change passphrase' }).click();
  await page.getByText('Passphrase changed').waitFor();

  // Forgot it: the recovery code sets a new one and everything is still there.
  await page.getByRole('button', { name: /^Sign out \(/ }).click();
  await page.goto(`${tend.base}/recover`);
  await checkA11y(page, 'recover');
  await page.getByLabel('Handle').fill(who.handle);
  await page.getByLabel('Recovery code').fill(who.recoveryCode.toLowerCase());
  await page.getByLabel('New passphrase').fill('orchid tundra paddle');
  await page.getByRole('button', { name: 'Set new passphrase' }).click();
  const fresh = (await page.locator('.recovery-code').textContent()).trim();
  assert.notEqual(fresh, who.recoveryCode);
  await page.getByLabel('I have saved my recovery code somewhere safe').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(/\/today/);
  assert.ok(await page.getByText(joy).isVisible());

  // Delete the account: gone, and the handle is free again.
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByRole('link', { name: 'Delete my account…' }).click();
  await checkA11y(page, 'delete account');
  await page.getByLabel('Your passphrase, to confirm').fill('orchid tundra paddle');
  await page.getByRole('button', { name: 'Delete everything' }).click();
  await page.getByText('Your account was deleted').waitFor();
  const again = await newPage(browser);
  await signUp(again, tend.base, { handle: who.handle });
  assert.equal(databaseContains(tend.dbFile, 'Rounds'), false);
});

test('crisis help is one click away on every page, signed in or not', async () => {
  const page = await newPage(browser);
  for (const path of ['/', '/signin', '/signup', '/recover', '/nowhere']) {
    await page.goto(`${tend.base}${path}`);
    await page.getByRole('link', { name: 'Get help now' }).click();
    await page.getByRole('heading', { name: 'Get help now' }).waitFor();
  }
  // No country chosen yet: emergency help for anywhere first. (Before help
  // lines had countries, everyone saw the US lines here.)
  assert.ok(await page.getByRole('link', { name: 'Call 112' }).isVisible());
  await page.getByLabel('Which country are you in?').selectOption({ label: 'United States' });
  await page.getByRole('button', { name: 'Show lines' }).click();
  await page.getByRole('link', { name: 'Call 988' }).waitFor();
  assert.ok(await page.getByRole('link', { name: 'Call 988' }).isVisible());
  assert.ok(await page.getByRole('link', { name: 'Text 988' }).isVisible());
  assert.ok(await page.getByRole('link', { name: 'Call 1-888-409-0141' }).isVisible());
  assert.ok(await page.getByText(/not monitored/).first().isVisible());
  await checkA11y(page, 'help');
  await screenshot(page, 'help');
  await signUp(page, tend.base);
  for (const path of ['/today', '/checkin', '/journal', '/account']) {
    await page.goto(`${tend.base}${path}`);
    assert.ok(await page.getByRole('link', { name: 'Get help now' }).isVisible(), path);
  }
});

test('everything works without JavaScript', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false });
  const page = await context.newPage();
  await signUp(page, tend.base);
  await page.getByRole('radio', { name: '3 · Okay' }).first().check();
  await page.locator('fieldset#energy').getByRole('radio', { name: '3 · Steady' }).check();
  await page.getByLabel('Hours slept last night').fill('5');
  await page.getByLabel('I skipped some').check();
  await page.getByText('Add movement, a joyful thing or a note').click();
  await page.getByLabel('One joyful thing').fill('no-js joy');
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await page.getByText('no-js joy').waitFor();
  await page.goto(`${tend.base}/journal/new`);
  await page.getByLabel("What's on your mind?").fill('written with scripts off');
  await page.getByRole('button', { name: 'Save entry' }).click();
  await page.locator('article p', { hasText: 'written with scripts off' }).waitFor();
  await context.close();
});

test('pages fit a phone, follow dark mode, and start with a skip link', async () => {
  const page = await newPage(browser, { colorScheme: 'dark' });
  await signUp(page, tend.base);
  for (const path of ['/today', '/checkin', '/journal/new', '/account', '/help']) {
    await page.goto(`${tend.base}${path}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, `no sideways scrolling at 360 px on ${path}`);
    await checkA11y(page, `${path}, dark`);
  }
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(17, 22, 24)', 'dark colours follow the system preference (--bg #111618)');
  await page.goto(`${tend.base}/today`);
  await screenshot(page, 'today-dark');
  // Keyboard: the first Tab reaches the skip link.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
});
