// Issue 14: moving your records. A person downloads "Everything (JSON)" on
// one tend server and imports it through the account page of another, in a
// browser without JavaScript; a second import adds nothing; a bad file is
// refused with one plain sentence. Then an API token is made and revoked on
// the account page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startTend, launchBrowser, signUp, checkA11y, screenshot } from '../harness.mjs';

let oldServer;
let newServer;
let browser;
let exportFile;
before(async () => {
  oldServer = await startTend();
  newServer = await startTend();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await oldServer?.stop();
  await newServer?.stop();
});

test('an export from one server is imported through the account page of another', async () => {
  // On the old server: a journal entry, then the download.
  const before = await browser.newContext({ viewport: { width: 1024, height: 900 }, acceptDownloads: true });
  const old = await before.newPage();
  await signUp(old, oldServer.base);
  await old.goto(`${oldServer.base}/journal/new`);
  await old.getByLabel('Title').fill('The night I moved servers');
  await old.getByLabel("What's on your mind?").fill('Taking this with me.');
  await old.getByRole('button', { name: 'Save entry' }).click();
  await old.goto(`${oldServer.base}/account`);
  const [download] = await Promise.all([
    old.waitForEvent('download'),
    old.getByRole('link', { name: 'Everything (JSON)' }).click(),
  ]);
  const keep = join(mkdtempSync(join(tmpdir(), 'tend-e2e-export-')), 'tend-export.json');
  await download.saveAs(keep);
  exportFile = keep;
  const file = keep;
  await before.close();

  // On the new server, without JavaScript, on a phone.
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false });
  const page = await context.newPage();
  await signUp(page, newServer.base);
  await page.goto(`${newServer.base}/account`);
  await page.getByRole('heading', { name: 'Bring your records from another tend server' }).waitFor();
  await page.getByLabel('Your export file').setInputFiles(file);
  await page.getByRole('button', { name: 'Import my records' }).click();
  await page.getByRole('heading', { name: 'Your records are here' }).waitFor();
  const row = page.getByRole('row', { name: /journal entries/ });
  assert.deepEqual(await row.locator('td').allInnerTexts(), ['journal entries', '1', '0']);
  await screenshot(page, 'transfer-import-report-phone');
  await page.goto(`${newServer.base}/journal`);
  assert.ok(await page.getByText('The night I moved servers').isVisible());

  // The same file again: nothing doubles.
  await page.goto(`${newServer.base}/account`);
  await page.getByLabel('Your export file').setInputFiles(file);
  await page.getByRole('button', { name: 'Import my records' }).click();
  await page.getByText('Everything in this file was already here').waitFor();
  await page.goto(`${newServer.base}/journal`);
  assert.equal(await page.getByText('The night I moved servers').count(), 1);

  // Not an export: one plain sentence, and the form to try again.
  const dir = mkdtempSync(join(tmpdir(), 'tend-e2e-transfer-'));
  const bad = join(dir, 'notes.json');
  writeFileSync(bad, '{"shopping": ["milk"]}');
  await page.goto(`${newServer.base}/account`);
  await page.getByLabel('Your export file').setInputFiles(bad);
  await page.getByRole('button', { name: 'Import my records' }).click();
  await page.getByText('Nothing was imported.').waitFor();
  assert.ok(await page.getByRole('alert').getByText("This file isn't a tend export").isVisible());
  assert.ok(await page.getByLabel('Your export file').isVisible(), 'the form is there to try again');
  await context.close();
});

test('an API token is made, listed and revoked on the account page', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false });
  const page = await context.newPage();
  await signUp(page, newServer.base);
  await page.goto(`${newServer.base}/account`);
  await page.getByText('You have no API tokens.').waitFor();
  await page.getByLabel('Name for a new token').fill('My phone');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = await page.getByLabel('Token').inputValue();
  assert.match(token, /^tend_pat_/);

  // A second client uses it, with no passphrase.
  const res = await fetch(`${newServer.base}/api/v1/today`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);

  await page.getByRole('link', { name: 'Done' }).click();
  const item = page.getByRole('listitem').filter({ hasText: 'My phone' });
  const text = await item.innerText();
  assert.match(text, /Created /);
  assert.doesNotMatch(text, /last used: not yet/, 'last use is shown');
  await item.getByRole('button', { name: 'Revoke My phone' }).click();
  await page.getByText('Token revoked.').waitFor();
  assert.equal(await page.getByRole('listitem').filter({ hasText: 'My phone' }).count(), 0);
  const after = await fetch(`${newServer.base}/api/v1/today`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(after.status, 401);
  await context.close();
});

test('the import and token sections are accessible, in dark mode too', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme: 'dark' });
  const page = await context.newPage();
  await signUp(page, newServer.base);
  await page.goto(`${newServer.base}/account`);
  await page.getByLabel('Name for a new token').fill('Tablet');
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByRole('link', { name: 'Done' }).click();
  await page.getByRole('listitem').filter({ hasText: 'Tablet' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'no sideways scrolling at 360 px on the account page');
  await checkA11y(page, 'account page with import and tokens, dark');
  await page.getByLabel('Your export file').setInputFiles(exportFile);
  await page.getByRole('button', { name: 'Import my records' }).click();
  await page.getByRole('heading', { name: 'Your records are here' }).waitFor();
  await checkA11y(page, 'import report, dark');
  await page.goto(`${newServer.base}/account`);
  await page.getByLabel('Your export file').setInputFiles({ name: 'x.json', mimeType: 'application/json', buffer: Buffer.from('not json') });
  await page.getByRole('button', { name: 'Import my records' }).click();
  await page.getByText('Nothing was imported.').waitFor();
  await checkA11y(page, 'import refused, dark');
  await context.close();
});
