// Issue 12, for facilitators, on a phone (390×844), in light and dark mode: a
// facilitator badge beside their words (also on replies that arrive live), a
// private note to the author of a held post, and moderation forms that ask
// only for what each action needs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startTend, launchBrowser, newPage, signUp, checkA11y, screenshot, tendBin } from '../harness.mjs';

const PHONE = { width: 390, height: 844 };

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

function grant(handle, role, circle) {
  const args = ['admin', 'grant-role', '--data-dir', tend.dataDir, handle, role];
  if (circle) args.push('--circle', circle);
  execFileSync(tendBin, args, { stdio: 'pipe' });
}

/** Nothing on the page is wider than the phone. */
async function fitsThePhone(page, label) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= PHONE.width, `${label}: the page is ${wide}px wide on a ${PHONE.width}px phone`);
}

const s = {};

test('a member sees the facilitator badge beside the facilitator’s words, also live', async () => {
  const fac = await newPage(browser, { ...PHONE, timezoneId: 'Europe/London' });
  const facWho = await signUp(fac, tend.base, { timeZone: 'Europe/London' });
  grant(facWho.handle, 'facilitator');
  await fac.goto(`${tend.base}/circles/new`);
  await fac.getByLabel('Name').fill('Ward nine');
  await fac.getByLabel('What the circle is for').fill('After long days.');
  await fac.getByRole('button', { name: 'Create circle' }).click();
  await fac.waitForURL(/\/invites\?created=1$/);
  s.circle = new URL(fac.url()).pathname.split('/')[2];
  await fac.getByRole('button', { name: 'Make an invite' }).click();
  const code = (await fac.locator('.invite-code').first().textContent()).trim();

  const member = await newPage(browser, { ...PHONE, colorScheme: 'dark', timezoneId: 'Europe/London' });
  await signUp(member, tend.base, { timeZone: 'Europe/London' });
  await member.goto(`${tend.base}/circles/join/${code}`);
  await member.getByRole('button', { name: 'Join circle' }).click();
  await member.getByText("Welcome. You're in.").waitFor();
  await member.getByLabel('Title').fill('Handover nerves');
  await member.getByLabel('What would you like to share?').fill('Does anyone else rehearse handovers in the shower?');
  await member.getByRole('button', { name: 'Post thread' }).click();
  await member.waitForURL(/\/threads\//);
  s.thread = member.url().split('#')[0];
  // The member's own words carry no badge.
  assert.equal(await member.locator('.role-badge').count(), 0);

  // The facilitator replies while the member watches: the reply arrives live,
  // with the badge, built by the page's script.
  await fac.goto(s.thread);
  await fac.getByLabel('Your reply').fill('Every week. You are in good company.');
  await fac.getByRole('button', { name: 'Send reply' }).click();
  const live = member.locator('li.reply', { hasText: 'You are in good company.' });
  await live.waitFor({ timeout: 10000 });
  assert.equal(await live.locator('.role-badge').textContent(), ', facilitator');
  assert.ok(await live.locator('.role-badge').isVisible());

  // After a reload (no script needed) it is the same, a word and not only a
  // colour, and a screen reader hears "…, facilitator".
  await member.reload();
  const reply = member.locator('li.reply', { hasText: 'You are in good company.' });
  const badge = reply.locator('.role-badge');
  assert.ok(await badge.isVisible());
  assert.equal(await badge.textContent(), ', facilitator');
  // The comma is for screen readers only; the eye sees the word.
  assert.ok(!(await badge.locator('.visually-hidden').isVisible()) || (await badge.locator('.visually-hidden').boundingBox()).width <= 1);
  assert.equal(await member.locator('.role-badge').count(), 1, 'only the facilitator wears it');
  await checkA11y(member, 'thread with a facilitator badge (phone, dark)');
  await fitsThePhone(member, 'thread');
  await screenshot(member, 'circles-badge-phone-dark');
  await member.emulateMedia({ colorScheme: 'light' });
  await checkA11y(member, 'thread with a facilitator badge (phone, light)');
  await member.emulateMedia({ colorScheme: 'dark' });
  Object.assign(s, { fac, member });
});

test('a facilitator writes privately to the author of a held post; only the author reads it', async () => {
  const { fac, member } = s;
  await member.goto(s.thread);
  await member.getByLabel('Your reply').fill("Some nights I think I'd be better off dead.");
  await member.getByRole('button', { name: 'Send reply' }).click();
  await member.getByRole('heading', { name: 'Thank you for sharing this' }).waitFor();

  await fac.goto(`${tend.base}/circles/${s.circle}/moderation`);
  const item = fac.locator('li.queue-item.urgent');
  await item.waitFor();
  await item.locator('summary', { hasText: 'Write to the author privately' }).click();
  const note = item.getByLabel('Your note');
  // A kind template to start from, which never quotes the post.
  const template = await note.inputValue();
  assert.match(template, /you haven't done anything wrong/);
  assert.ok(!template.includes('better off dead'));
  assert.match(await item.innerText(), /You won't learn anything new about them/);
  await checkA11y(fac, 'moderation queue with the note open (phone, light)');
  await fitsThePhone(fac, 'moderation queue');
  await screenshot(fac, 'circles-reach-out-phone');

  // An empty note is refused plainly, and nothing is sent.
  await note.fill('   ');
  await item.getByRole('button', { name: 'Send the note' }).click();
  await fac.getByText("The note can't be empty.").first().waitFor();
  await checkA11y(fac, 'note refused');

  const words = 'Hi. I read what you shared, and I am glad you did. I am around tonight if you want to talk.';
  // The box stays open with what was typed, the message beside it.
  const again = fac.locator('li.queue-item.urgent');
  assert.equal(await again.locator('details.reach-out').getAttribute('open'), '');
  assert.equal(await again.getByLabel('Your note').getAttribute('aria-invalid'), 'true');
  await again.getByLabel('Your note').fill(words);
  await again.getByRole('button', { name: 'Send the note' }).click();
  await fac.getByText('Your note was sent.').waitFor();
  assert.match(await fac.locator('main').innerText(), /won't tell you whether or when they do/);
  // The held post now says someone already wrote (who and when, never the words).
  const sent = fac.locator('li.queue-item.urgent p.note-sent');
  assert.match(await sent.innerText(), /A private note was already sent to the author by /);
  assert.ok(!(await sent.innerText()).includes('around tonight'));
  await fac.emulateMedia({ colorScheme: 'dark' });
  await checkA11y(fac, 'note sent (phone, dark)');
  await fac.emulateMedia({ colorScheme: 'light' });

  // The author finds it among their notifications, with help one tap away.
  await member.goto(`${tend.base}/notifications`);
  const notice = member.locator('li.notice-item', { hasText: 'wrote to you privately' });
  await notice.waitFor();
  assert.match(await notice.locator('blockquote.reach-note').innerText(), /I am around tonight/);
  assert.equal(await notice.locator('a[href="/hard-moment"]').count(), 1);
  assert.equal(await notice.locator('a[href="/help"]').count(), 1);
  await checkA11y(member, 'a private note (phone, dark)');
  await fitsThePhone(member, 'notifications');
  await screenshot(member, 'circles-reach-out-note-phone-dark');

  // The facilitator's own notifications and the log never hold the note.
  await fac.goto(`${tend.base}/notifications`);
  assert.ok(!(await fac.locator('main').innerText()).includes('around tonight'));
  await fac.goto(`${tend.base}/circles/${s.circle}/log`);
  const log = await fac.locator('main').innerText();
  assert.ok(!log.includes('around tonight'));
  // ...but the log says that a note was sent.
  assert.match(log, /wrote privately to the author of reply/);
  assert.match(log, /the note stays private/);
});

test('each moderation action asks only for what it needs', async () => {
  const { fac } = s;
  await fac.goto(`${tend.base}/circles/${s.circle}/moderation`);
  const item = fac.locator('li.queue-item.urgent');
  // No list of every action, no reason or days for approving.
  assert.equal(await item.locator('select').count(), 0);
  const approve = item.getByRole('button', { name: /^Approve/ });
  assert.equal(await approve.count(), 1);
  const approveForm = item.locator('form', { has: fac.getByRole('button', { name: /^Approve/ }) });
  assert.equal(await approveForm.locator('input[name=reason], input[name=days], textarea').count(), 0);
  // The reason and days are in the suspension form alone, folded away.
  assert.equal(await item.locator('input[name=days]').count(), 1);
  assert.equal(await item.locator('input[name=days]').isVisible(), false);
  await item.locator('summary', { hasText: 'Suspend the author' }).click();
  assert.equal(await item.locator('input[name=days]').isVisible(), true);
  await fac.emulateMedia({ colorScheme: 'dark' });
  await checkA11y(fac, 'moderation forms (phone, dark)');
  await fitsThePhone(fac, 'moderation forms');
  await screenshot(fac, 'circles-moderation-phone-dark');
  await fac.emulateMedia({ colorScheme: 'light' });

  // Approving is one tap, with no reason to invent; the log says so.
  await approve.click();
  await fac.getByText('Done. It is in the moderation log.').waitFor();
  assert.match(await fac.locator('main').innerText(), /Nothing is waiting/);
  await fac.goto(`${tend.base}/circles/${s.circle}/log`);
  const log = await fac.locator('main').innerText();
  assert.match(log, /approved \/ restored reply/);
  assert.match(log, /no reason given/);
  await checkA11y(fac, 'moderation log');
});
