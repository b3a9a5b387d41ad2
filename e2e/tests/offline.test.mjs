// Issue 13: a check-in or journal entry written with no connection is kept on
// this device by the service worker, survives closing the page, and is sent
// once the connection is back; Lock clears it; a refused one keeps its words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { startTend, launchBrowser, signUp, checkA11y, repoRoot } from '../harness.mjs';

const PHONE = { width: 390, height: 844 };
const PASS = 'kettle maple orbit';

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

async function shot(page, name) {
  if (process.env.TEND_SCREENSHOTS !== '1') return;
  const dir = join(repoRoot, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}

/** Signed up, with the worker installed and in control of the page. */
async function personWithWorker() {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  const who = await signUp(page, tend.base);
  await page.evaluate(() => navigator.serviceWorker.ready);
  // A page opened after the worker took over is controlled by it.
  await page.goto(`${tend.base}/today`);
  assert.ok(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)));
  return { context, page, who };
}

/** What the worker holds: { waiting, refused }. */
function queueStatus(page) {
  return page.evaluate(() => new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (e) => resolve(e.data);
    navigator.serviceWorker.controller.postMessage('status', [channel.port2]);
  }));
}

/** Waits (without a clock) until the worker has nothing waiting. */
async function untilSent(page) {
  for (;;) {
    const s = await queueStatus(page);
    if (s.waiting === 0) return s;
    await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
  }
}

async function fillCheckin(page, joy) {
  await page.getByRole('radio', { name: '4 · Good' }).first().check();
  await page.locator('fieldset#energy').getByRole('radio', { name: '2 · Low' }).check();
  await page.getByLabel('Hours slept last night').fill('6.5');
  await page.getByLabel('I ate regular meals').check();
  await page.getByLabel('One joyful thing').fill(joy);
}

test('a check-in written offline survives closing the page and arrives once online', async () => {
  const { context, page } = await personWithWorker();
  // One online visit keeps the form on this device.
  await page.goto(`${tend.base}/checkin`);
  await context.setOffline(true);
  await page.goto(`${tend.base}/checkin`);
  await page.getByRole('heading', { name: 'Daily check-in' }).waitFor();
  await fillCheckin(page, 'OFFLINE-joy <kept>');
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await page.getByRole('heading', { name: 'Kept on this device until you are connected' }).waitFor();
  // Said plainly, with the words shown back as text, and what a lock does.
  assert.ok(await page.getByText('OFFLINE-joy <kept>').isVisible());
  assert.ok(await page.getByText('Lock or Sign out clears it').isVisible());
  await checkA11y(page, 'kept on this device');
  await shot(page, 'offline-kept-phone');
  assert.deepEqual(await queueStatus(page), { waiting: 1, refused: 0 });
  // The words are sealed: IndexedDB never holds them as text.
  const stored = await page.evaluate(() => new Promise((resolve) => {
    const req = indexedDB.open('tend-offline');
    req.onsuccess = () => {
      const all = req.result.transaction('entries').objectStore('entries').getAll();
      all.onsuccess = () => { resolve(JSON.stringify(all.result.map((i) => [i.action, i.state, new TextDecoder().decode(i.data)]))); req.result.close(); };
    };
  }));
  assert.match(stored, /\/checkin/);
  assert.ok(!stored.includes('OFFLINE-joy'), 'no plain words in storage');

  // Closed, then the connection comes back and a new page opens.
  await page.close();
  await context.setOffline(false);
  const later = await context.newPage();
  await later.goto(`${tend.base}/today`);
  await untilSent(later);
  await later.goto(`${tend.base}/today`);
  await later.getByText('OFFLINE-joy <kept>').waitFor();
  const csv = await (await later.request.get(`${tend.base}/account/export/checkins.csv`)).text();
  assert.match(csv, /OFFLINE-joy <kept>/);
  await context.close();
});

test('a journal entry written offline survives closing the page and arrives once online', async () => {
  const { context, page } = await personWithWorker();
  await page.goto(`${tend.base}/journal/new`);
  await context.setOffline(true);
  await page.goto(`${tend.base}/journal/new`);
  await page.getByLabel("What's on your mind?").fill('JOURNAL-offline words\nsecond line');
  await page.getByRole('button', { name: 'Save entry' }).click();
  await page.getByRole('heading', { name: 'Kept on this device until you are connected' }).waitFor();
  assert.ok(await page.getByText('JOURNAL-offline words').isVisible());
  // Other pages say something is waiting, with a way to see it.
  await page.goto(`${tend.base}/hard-moment`);
  await page.getByText('1 entry written offline is kept on this device').waitFor();
  await page.close();
  await context.setOffline(false);
  const later = await context.newPage();
  await later.goto(`${tend.base}/journal`);
  await untilSent(later);
  await later.goto(`${tend.base}/journal`);
  await later.getByText('JOURNAL-offline words').first().waitFor();
  // Sent once, not twice.
  assert.equal(await later.getByText('JOURNAL-offline words').count(), 1);
  await later.goto(`${tend.base}/unsent`);
  await later.getByRole('heading', { name: 'Nothing is waiting on this device' }).waitFor();
  await context.close();
});

test('Lock while an entry is waiting clears it: nothing is sent, the words are gone', async () => {
  const { context, page, who } = await personWithWorker();
  await page.goto(`${tend.base}/journal/new`);
  await page.goto(`${tend.base}/checkin`);
  await context.setOffline(true);
  await page.goto(`${tend.base}/journal/new`);
  await page.getByLabel("What's on your mind?").fill('LOCKED-words never sent');
  await page.getByRole('button', { name: 'Save entry' }).click();
  await page.getByRole('heading', { name: 'Kept on this device until you are connected' }).waitFor();
  // Still offline: Lock from a kept page.
  await page.goto(`${tend.base}/checkin`);
  await page.getByRole('button', { name: 'Lock' }).click();
  await page.getByRole('heading', { name: 'Locked on this device' }).waitFor();
  assert.deepEqual(await queueStatus(page), { waiting: 0, refused: 0 });
  assert.equal(await page.evaluate(() => caches.match('/journal/new').then((r) => r === undefined)), true);
  // Online again: the lock reaches the server first, so the session is over.
  await context.setOffline(false);
  await page.goto(`${tend.base}/today`);
  await page.waitForURL(/\/signin/);
  await page.getByLabel('Handle').fill(who.handle);
  await page.getByLabel('Passphrase').fill(PASS);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/today/);
  await page.goto(`${tend.base}/journal`);
  assert.equal(await page.getByText('LOCKED-words').count(), 0);
  await page.goto(`${tend.base}/unsent`);
  await page.getByRole('heading', { name: 'Nothing is waiting on this device' }).waitFor();
  await context.close();
});

test('a refused entry keeps its words to copy, and can be sent again after signing in', async () => {
  const { context, page, who } = await personWithWorker();
  await page.goto(`${tend.base}/journal/new`);
  await context.setOffline(true);
  await page.goto(`${tend.base}/journal/new`);
  await page.getByLabel("What's on your mind?").fill('REFUSED-words kept');
  await page.getByRole('button', { name: 'Save entry' }).click();
  await page.getByRole('heading', { name: 'Kept on this device until you are connected' }).waitFor();
  await page.close();

  // Meanwhile, on another device, "Sign out everywhere else" ends this session.
  const other = await browser.newContext({ viewport: PHONE });
  const elsewhere = await other.newPage();
  await elsewhere.goto(`${tend.base}/signin`);
  await elsewhere.getByLabel('Handle').fill(who.handle);
  await elsewhere.getByLabel('Passphrase').fill(PASS);
  await elsewhere.getByRole('button', { name: 'Sign in' }).click();
  await elsewhere.waitForURL(/\/today/);
  await elsewhere.goto(`${tend.base}/account`);
  await elsewhere.getByRole('button', { name: 'Sign out everywhere else' }).click();
  await other.close();

  // Back online: the server refuses it (the sign-in ended); the words stay.
  await context.setOffline(false);
  const later = await context.newPage();
  await later.goto(`${tend.base}/help`);
  for (;;) {
    const s = await queueStatus(later);
    if (s.refused === 1) break;
    await later.evaluate(() => new Promise((r) => setTimeout(r, 100)));
  }
  await later.goto(`${tend.base}/hard-moment`);
  await later.getByText('1 entry written offline could not be sent').waitFor();
  await later.getByRole('link', { name: 'See them' }).click();
  await later.getByRole('heading', { name: /Could not be sent: journal entry/ }).waitFor();
  assert.ok(await later.getByText('Your sign-in had ended before it arrived.').isVisible());
  assert.equal(await later.locator('textarea[readonly]').inputValue(), 'REFUSED-words kept');
  await checkA11y(later, 'written offline, refused');
  await shot(later, 'offline-refused-phone');

  // Send again: asked to sign in, then it goes with this session's form.
  await later.getByRole('button', { name: 'Send again' }).click();
  await later.waitForURL(/\/signin/);
  await later.getByLabel('Handle').fill(who.handle);
  await later.getByLabel('Passphrase').fill(PASS);
  await later.getByRole('button', { name: 'Sign in' }).click();
  await later.waitForURL(/\/unsent/);
  await later.getByRole('button', { name: 'Send again' }).click();
  await later.waitForURL(/\/journal\/[0-9a-f-]{36}$/);
  assert.equal(await later.locator('h1').innerText(), 'REFUSED-words kept');
  assert.deepEqual(await queueStatus(later), { waiting: 0, refused: 0 });
  await context.close();
});

test('an offline edit of an entry changed elsewhere is refused (409), never overwrites, and keeps the words', async () => {
  const { context, page, who } = await personWithWorker();
  await page.goto(`${tend.base}/journal/new`);
  await page.getByLabel("What's on your mind?").fill('ORIGINAL entry');
  await page.getByRole('button', { name: 'Save entry' }).click();
  await page.waitForURL(/\/journal\/[0-9a-f-]{36}$/);
  const entry = page.url();
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByLabel("What's on your mind?").waitFor();
  await context.setOffline(true);
  await page.getByLabel("What's on your mind?").fill('MINE-offline edit');
  await page.getByRole('button', { name: 'Save entry' }).click();
  await page.getByRole('heading', { name: 'Kept on this device until you are connected' }).waitFor();

  // Meanwhile the same entry is changed on another device.
  const other = await browser.newContext({ viewport: PHONE });
  const elsewhere = await other.newPage();
  await elsewhere.goto(`${tend.base}/signin`);
  await elsewhere.getByLabel('Handle').fill(who.handle);
  await elsewhere.getByLabel('Passphrase').fill(PASS);
  await elsewhere.getByRole('button', { name: 'Sign in' }).click();
  await elsewhere.waitForURL(/\/today/);
  await elsewhere.goto(`${entry}/edit`);
  await elsewhere.getByLabel("What's on your mind?").fill('THEIRS-elsewhere');
  await elsewhere.getByRole('button', { name: 'Save entry' }).click();
  await elsewhere.waitForURL(/\/journal\/[0-9a-f-]{36}$/);
  await other.close();

  await context.setOffline(false);
  await page.goto(`${tend.base}/help`);
  for (;;) {
    const s = await queueStatus(page);
    if (s.refused === 1) break;
    await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
  }
  // The other device's words stand; these are kept to copy.
  await page.goto(entry);
  assert.ok(await page.getByText('THEIRS-elsewhere').count() >= 1);
  assert.equal(await page.getByText('MINE-offline edit').count(), 0);
  await page.goto(`${tend.base}/unsent`);
  await page.getByRole('heading', { name: /Could not be sent: change to a journal entry/ }).waitFor();
  assert.ok(await page.getByText('The entry had been changed somewhere else in the meantime.').isVisible());
  assert.equal(await page.locator('textarea[readonly]').inputValue(), 'MINE-offline edit');
  // Only the person deletes them.
  await page.getByRole('button', { name: 'Delete these words from this device' }).click();
  await page.getByRole('heading', { name: 'Nothing is waiting on this device' }).waitFor();
  assert.deepEqual(await queueStatus(page), { waiting: 0, refused: 0 });
  await context.close();
});

/** The fields of every queued entry, opened in the page with the queue's own
 *  key (usable here, never readable out), and each entry's IndexedDB id. */
function queuedFields(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('tend-offline');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const tx = req.result.transaction(['entries', 'keys']);
      const all = tx.objectStore('entries').getAll();
      const key = tx.objectStore('keys').get('words');
      tx.oncomplete = async () => {
        req.result.close();
        const out = [];
        for (const item of all.result) {
          const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: item.iv }, key.result, item.data);
          out.push({ id: item.id, fields: JSON.parse(new TextDecoder().decode(plain)) });
        }
        resolve(out);
      };
    };
  }));
}

test('a queued journal entry sent twice (the worker stopped after the server saved it) is saved once', async () => {
  const { context, page } = await personWithWorker();
  await page.goto(`${tend.base}/journal/new`);
  await context.setOffline(true);
  // The kept copy of the form gets a fresh submission id each time it is shown.
  await page.goto(`${tend.base}/journal/new`);
  const shown = await page.locator('input[name="submission"]').inputValue();
  await page.goto(`${tend.base}/journal/new`);
  const id = await page.locator('input[name="submission"]').inputValue();
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.notEqual(id, shown);
  await page.getByLabel("What's on your mind?").fill('TWICE-sent words');
  await page.getByRole('button', { name: 'Save entry' }).click();
  await page.getByRole('heading', { name: 'Kept on this device until you are connected' }).waitFor();
  // The queue keeps the form as written, its submission id included.
  const [queued] = await queuedFields(page);
  assert.deepEqual(queued.fields.find(([k]) => k === 'submission'), ['submission', id]);
  // As if the worker had been stopped after the server saved it and before
  // it took it off the queue: the same sealed entry is in the queue twice,
  // and both go to the server.
  await page.evaluate((itemId) => new Promise((resolve, reject) => {
    const req = indexedDB.open('tend-offline');
    req.onsuccess = () => {
      const tx = req.result.transaction('entries', 'readwrite');
      const store = tx.objectStore('entries');
      const get = store.get(itemId);
      get.onsuccess = () => store.add({ ...get.result, id: itemId + 1000 });
      tx.oncomplete = () => { req.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }), queued.id);
  assert.deepEqual(await queueStatus(page), { waiting: 2, refused: 0 });
  await context.setOffline(false);
  await page.goto(`${tend.base}/journal`);
  await untilSent(page);
  // Both were answered as sent; the server saved one entry.
  assert.deepEqual(await queueStatus(page), { waiting: 0, refused: 0 });
  await page.goto(`${tend.base}/journal`);
  await page.getByText('TWICE-sent words').first().waitFor();
  assert.equal(await page.getByText('TWICE-sent words').count(), 1);
  const md = await (await context.request.get(`${tend.base}/account/export/journal.md`)).text();
  // One entry in the download (its heading is its first words).
  assert.equal(md.split('\n## ').length - 1, 1);
  assert.match(md, /\n## TWICE-sent words/);
  await context.close();
});

test('Background Sync sends a queued check-in with no page load and no online event', async () => {
  const { context, page } = await personWithWorker();
  // A page that is not tend's (no app.js: it never asks the worker to send)
  // holds the DevTools session for the rest of the test.
  const blank = await context.newPage();
  const cdp = await context.newCDPSession(blank);
  const registrations = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
  await cdp.send('ServiceWorker.enable');
  // What Chromium does with sync registrations (the DevTools "Background
  // services" record): "Registered sync", "Dispatched sync event", "Sync completed".
  const syncLog = [];
  cdp.on('BackgroundService.backgroundServiceEventReceived', (e) => syncLog.push(e.backgroundServiceEvent.eventName));
  await cdp.send('BackgroundService.startObserving', { service: 'backgroundSync' });
  await cdp.send('BackgroundService.setRecording', { shouldRecord: true, service: 'backgroundSync' });
  const pause = () => blank.evaluate(() => new Promise((r) => setTimeout(r, 50)));

  await page.goto(`${tend.base}/checkin`);
  await context.setOffline(true);
  await page.goto(`${tend.base}/checkin`);
  await fillCheckin(page, 'SYNC-joy');
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await page.getByRole('heading', { name: 'Kept on this device until you are connected' }).waitFor();
  assert.deepEqual(await queueStatus(page), { waiting: 1, refused: 0 });
  // sw.js asked for a sync with its tag. Chromium's own network is up (only
  // the pages' and the worker's are emulated offline), so Chromium fires that
  // sync at once, and the attempt can still be under way (its request held by
  // the emulated network) when the connection comes back: either that sync
  // event or the one sent below sends the entry. (Stopping the worker first
  // to rule the first out made Playwright's setOffline(false) hang.) No tend
  // page is open from here on, so no page load and no online event can.
  while (!syncLog.includes('Registered sync')) await pause();
  await page.close();
  await context.setOffline(false);
  // context.request does not go through the worker, so looking does not send.
  const exported = async () => (await context.request.get(`${tend.base}/account/export/checkins.csv`)).text();

  while (!registrations.some((r) => r.scopeURL === `${tend.base}/` && !r.isDeleted)) await pause();
  const { registrationId } = registrations.find((r) => r.scopeURL === `${tend.base}/` && !r.isDeleted);
  // The tag sw.js registers when it keeps an entry.
  await cdp.send('ServiceWorker.dispatchSyncEvent', {
    origin: tend.base, registrationId, tag: 'tend-unsent', lastChance: false,
  });
  while (!/SYNC-joy/.test(await exported())) await pause();
  // Sent once and taken off the queue.
  const later = await context.newPage();
  await later.goto(`${tend.base}/help`);
  assert.deepEqual(await queueStatus(later), { waiting: 0, refused: 0 });
  assert.equal((await exported()).split('SYNC-joy').length - 1, 1);
  await context.close();
});
