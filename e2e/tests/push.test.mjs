// Issue 13, Web Push in Chromium: the settings page says plainly, before the
// button, that the browser maker's push service carries the message and that
// it says nothing personal; without JavaScript the page says push needs it;
// and the service worker shows a push with tend's own words and paths (a push
// delivered through the DevTools protocol, since no vendor's push service is
// reachable here; tests/it/push.rs checks what tend sends).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTend, launchBrowser, signUp, checkA11y, screenshot } from '../harness.mjs';

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

/** The notifications the worker is showing with this title (polled, bounded). */
async function shown(page, title) {
  return page.evaluate(async (title) => {
    const registration = await navigator.serviceWorker.ready;
    for (let i = 0; i < 60; i++) {
      const list = (await registration.getNotifications()).filter((n) => n.title === title);
      if (list.length) {
        return list.map((n) => ({ title: n.title, body: n.body, data: n.data, actions: n.actions.map((a) => a.action) }));
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return [];
  }, title);
}

/** Delivers a push through DevTools until the worker shows it. Chromium may
 *  drop a push that arrives while the worker is still starting, so this
 *  tries a few times (bounded) rather than once. */
async function deliver(cdp, page, registrationId, payload) {
  for (let attempt = 0; attempt < 5; attempt++) {
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: tend.base,
      registrationId,
      data: JSON.stringify(payload),
    });
    const got = await shown(page, payload.title);
    if (got.length) return got;
  }
  return [];
}

test('the page explains push first, and the worker shows a push with nothing personal', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  await context.grantPermissions(['notifications'], { origin: tend.base });
  const page = await context.newPage();
  await signUp(page, tend.base);
  await page.goto(`${tend.base}/notifications/settings`);
  const section = page.locator('#push');
  await section.getByRole('heading', { name: 'Push notifications on this device' }).waitFor();
  const button = section.getByRole('button', { name: 'Turn on push on this device' });
  await button.waitFor();
  const text = await section.innerText();
  assert.ok(text.indexOf('travel through the push service') < text.indexOf('Turn on push on this device'));
  assert.match(text, /never says which circle, who, or what anyone wrote/);
  assert.match(text, /No device has push turned on\./);
  await checkA11y(page, 'notification settings with push');
  await screenshot(page, 'push-settings');

  // The worker's push handler, fed through the DevTools protocol.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  const cdp = await context.newCDPSession(page);
  const registrationId = new Promise((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
      const r = e.registrations.find((x) => x.scopeURL.startsWith(tend.base) && !x.isDeleted);
      if (r) resolve(r.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  const id = await registrationId;
  let got = await deliver(cdp, page, id, {
    title: 'tend: something needs you',
    body: 'Open tend to see what.',
    link: '/notifications',
    off: '/notifications/off?kind=held_post',
  });
  assert.equal(got.length, 1);
  assert.equal(got[0].title, 'tend: something needs you');
  assert.equal(got[0].body, 'Open tend to see what.');
  assert.deepEqual(got[0].data, { link: '/notifications', off: '/notifications/off?kind=held_post' });
  assert.deepEqual(got[0].actions, ['off']);

  // A push pointing elsewhere is shown with tend's own paths only.
  got = await deliver(cdp, page, id, {
    title: 'tend: something new for you', link: 'https://elsewhere.example/', off: '//elsewhere.example/x',
  });
  const last = got[0];
  assert.ok(last, JSON.stringify(got));
  assert.deepEqual(last.data, { link: '/notifications', off: '/notifications/settings' });

  // Turning it on: Chromium here cannot reach Google's push service, so the
  // page says kindly that it did not work (where a push service answers,
  // the form is sent and the page says push is on).
  await button.click();
  await page.waitForFunction(() => {
    const status = document.getElementById('push-status');
    return (status && status.textContent !== '' && status.textContent !== 'Turning push on…')
      || document.body.textContent.includes('Push is on for that device.');
  });
  const status = await page.locator('#push-status').textContent().catch(() => '');
  if (status) assert.match(status, /^Push (could not be turned on|was not turned on)/);
  await context.close();
});

test('without JavaScript the page says push needs it', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false });
  const page = await context.newPage();
  await signUp(page, tend.base);
  await page.goto(`${tend.base}/notifications/settings`);
  const section = page.locator('#push');
  // (Playwright's text search skips <noscript>; a CSS locator reaches it.)
  const says = section.locator('noscript p');
  assert.equal(await says.isVisible(), true);
  assert.match(await says.innerText(), /Turning on push needs JavaScript, which is off in this browser\./);
  assert.equal(await section.getByRole('button', { name: 'Turn on push on this device' }).isVisible(), false);
  // The rest of the settings form still saves.
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved.').waitFor();
  await context.close();
});
