// Issue 13, Web Push in Chromium: the settings page says plainly, before the
// button, that the browser maker's push service carries the message and that
// it says nothing personal; without JavaScript the page says push needs it;
// and the service worker shows a push with tend's own words and paths (a push
// delivered through the DevTools protocol, since no vendor's push service is
// reachable here; tests/it/push.rs checks what tend sends). Each device's
// choice of reminders to push is made on the same page, and signing out
// removes the device that sign-in turned on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
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

/** The keys a browser makes when it subscribes: a P-256 public key (the
 *  uncompressed point) and a 16-byte auth secret, base64url. */
function browserKeys() {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
  return { p256dh: point.toString('base64url'), auth: randomBytes(16).toString('base64url') };
}

test('each device chooses which reminders come as a push, and signing out removes it', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const me = await signUp(page, tend.base);
  await page.goto(`${tend.base}/notifications/settings`);
  await page.getByLabel('A daily check-in at').fill('08:30');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Saved.').first().waitFor();

  // A device with push, sent through the page's own form as push.js sends
  // it once the browser has subscribed. (Chromium here cannot subscribe:
  // it cannot reach Google's push service. The address is never contacted
  // in this test.)
  await page.goto(`${tend.base}/notifications/settings`);
  await page.evaluate((keys) => {
    const form = document.getElementById('push-form');
    form.elements.endpoint.value = 'https://push.example/e2e-device';
    form.elements.p256dh.value = keys.p256dh;
    form.elements.auth.value = keys.auth;
    form.elements.time_zone.value = 'Europe/London';
    form.submit();
  }, browserKeys());
  await page.getByText('Push is on for that device.').waitFor();
  const section = page.locator('#push');
  const text = await section.innerText();
  assert.ok(text.indexOf('never any words') < text.indexOf('Turn on push on this device'), 'what tend keeps is said before the button');
  const choice = page.locator('form.push-reminders');
  assert.equal(await choice.getByLabel(/The daily check-in/).isChecked(), false, 'off until chosen');
  await choice.getByLabel(/The daily check-in/).check();
  await choice.getByRole('button', { name: 'Save reminders for this device' }).click();
  await page.getByText('Saved. Those reminders come to that device as a push.').waitFor();
  assert.equal(await page.locator('form.push-reminders').getByLabel(/The daily check-in/).isChecked(), true);
  await checkA11y(page, 'push reminders for a device');
  await screenshot(page, 'push-reminders');

  // A reminder with no time set above cannot be pushed: a plain message,
  // nothing saved.
  await page.locator('form.push-reminders').getByLabel(/The weekly review/).check();
  await page.locator('form.push-reminders').getByRole('button', { name: 'Save reminders for this device' }).click();
  await page.getByRole('heading', { name: 'Reminders were not saved' }).waitFor();
  assert.match(await page.locator('main').innerText(), /turn that reminder on in your reminders above first/);
  await checkA11y(page, 'push reminders not saved');
  await page.goto(`${tend.base}/notifications/settings`);
  assert.equal(await page.locator('form.push-reminders').getByLabel(/The daily check-in/).isChecked(), true);
  assert.equal(await page.locator('form.push-reminders').getByLabel(/The weekly review/).isChecked(), false);

  // Signing out (through the service worker, which also unsubscribes the
  // browser when it has a subscription) removes the device this sign-in
  // turned on.
  await page.getByRole('button', { name: /^Sign out/ }).click();
  await page.waitForURL(`${tend.base}/`);
  await page.goto(`${tend.base}/signin`);
  await page.getByLabel('Handle').fill(me.handle);
  await page.getByLabel('Passphrase').fill(me.passphrase);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/today/);
  await page.goto(`${tend.base}/notifications/settings`);
  await page.locator('#push').getByText('No device has push turned on.').waitFor();
  await context.close();
});
