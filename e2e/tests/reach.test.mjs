// Issue 13, reaching people: a facilitator watching their notifications sees
// a held risk post arrive live, marked urgent and without its words; a member
// is told of a reply in their thread; the settings form refuses bad input
// plainly; and a chosen reminder reaches the calendar feed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startTend, launchBrowser, newPage, signUp, checkA11y, screenshot, tendBin } from '../harness.mjs';

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

const s = {};
const RISK = "Some nights I think I'd be better off dead.";

test('a facilitator sees a held post’s urgent notification arrive live', async () => {
  const fac = await newPage(browser, { timezoneId: 'Europe/London' });
  s.facWho = await signUp(fac, tend.base, { timeZone: 'Europe/London' });
  grant(s.facWho.handle, 'facilitator');
  await fac.goto(`${tend.base}/circles/new`);
  await fac.getByLabel('Name').fill('Ward nine');
  await fac.getByLabel('What the circle is for').fill('Somewhere to land after a shift.');
  await fac.getByRole('button', { name: 'Create circle' }).click();
  await fac.waitForURL(/\/circles\/[0-9a-f]+\/invites(\?created=1)?$/);
  s.circle = new URL(fac.url()).pathname.split('/')[2];
  await fac.getByRole('button', { name: 'Make an invite' }).click();
  s.code = (await fac.locator('.invite-code').first().textContent()).trim();

  const member = await newPage(browser, { timezoneId: 'Europe/London', colorScheme: 'dark' });
  s.memberWho = await signUp(member, tend.base, { timeZone: 'Europe/London' });
  await member.goto(`${tend.base}/circles/join/${s.code}`);
  await member.getByRole('button', { name: 'Join circle' }).click();
  await member.getByText("Welcome. You're in.").waitFor();
  s.member = member;

  // The facilitator heard of the new member; reading clears the count.
  await fac.getByRole('link', { name: /^Notifications/ }).click();
  await fac.getByText('Someone new joined Ward nine.').waitFor();
  await checkA11y(fac, 'notifications');
  await fac.getByRole('button', { name: 'Mark all as read' }).click();
  await fac.getByText('All marked as read.').waitFor();
  assert.equal(await fac.locator('#notice-count').isHidden(), true);

  // The page stays open; the member posts words that sound like risk.
  await member.goto(`${tend.base}/circles/${s.circle}`);
  await member.getByLabel('Title').fill('Nights');
  await member.getByLabel('What would you like to share?').fill(RISK);
  await member.getByRole('button', { name: 'Post thread' }).click();
  await member.getByRole('heading', { name: 'Thank you for sharing this' }).waitFor();

  // It arrives without a reload: urgent, with how long it has waited, and
  // never the words themselves.
  const item = fac.locator('li.notice-item.urgent', { hasText: 'A post in Ward nine is waiting for you.' });
  await item.waitFor({ timeout: 10000 });
  assert.match(await item.innerText(), /Urgent/);
  assert.match(await item.innerText(), /Waiting less than a minute/);
  assert.ok(!(await fac.locator('body').innerText()).includes('better off dead'));
  assert.match(await fac.locator('#notice-count').innerText(), /1/);
  await checkA11y(fac, 'notifications with an urgent one (live)');
  await screenshot(fac, 'notifications-urgent');

  // One click opens the queue, which also says how long it has waited.
  await item.getByRole('link').click();
  await fac.waitForURL(/\/moderation$/);
  assert.match(await fac.locator('main').innerText(), /waiting less than a minute/);
  s.fac = fac;
});

test('a member is told of a reply in their thread, and can turn that kind off', async () => {
  const { fac, member } = s;
  await member.goto(`${tend.base}/circles/${s.circle}`);
  await member.getByLabel('Title').fill('Coffee after rounds');
  await member.getByLabel('What would you like to share?').fill('Who is around on Thursday?');
  await member.getByRole('button', { name: 'Post thread' }).click();
  await member.waitForURL(/\/threads\//);
  const thread = member.url().split('#')[0];
  await fac.goto(thread);
  await fac.getByLabel('Your reply').fill('I am, see you by the lifts.');
  await fac.getByRole('button', { name: 'Send reply' }).click();
  await fac.waitForURL(/\/threads\//);

  await member.goto(`${tend.base}/today`);
  const link = member.getByRole('link', { name: /^Notifications/ });
  assert.match(await link.innerText(), /Notifications\s*1/);
  await link.click();
  const item = member.locator('li.notice-item', { hasText: 'Someone replied in your thread in Ward nine.' });
  await item.waitFor();
  assert.ok(!(await member.locator('main').innerText()).includes('see you by the lifts'));
  await checkA11y(member, 'notifications (member, dark)');
  await item.getByRole('link', { name: 'Someone replied in your thread in Ward nine.' }).click();
  await member.waitForURL(thread);
  await member.goto(`${tend.base}/notifications`);
  await member.getByText('Nothing new.').waitFor();
  await member.locator('li.notice-item').first()
    .getByRole('button', { name: 'Turn off notifications like this' }).click();
  await member.getByText('Turned off.').waitFor();
  await member.goto(`${tend.base}/notifications/settings`);
  assert.equal(await member.getByLabel('Replies in your threads').isChecked(), false);
});

test('the settings form refuses bad input plainly and keeps what was typed', async () => {
  const { member } = s;
  await member.goto(`${tend.base}/notifications/settings`);
  await checkA11y(member, 'notification settings');
  await member.getByLabel('A daily check-in at').fill('08:30');
  await member.getByLabel('The weekly review on').selectOption('6');
  // A day without a time, and quiet hours with only a start.
  await member.getByLabel('Quiet from').fill('22:00');
  await member.getByRole('button', { name: 'Save' }).click();
  const errors = member.locator('.errors');
  await errors.waitFor();
  const text = await errors.innerText();
  assert.match(text, /choose both a day and a time/);
  assert.match(text, /give both a start and an end/);
  assert.equal(await member.getByLabel('A daily check-in at').inputValue(), '08:30');
  await checkA11y(member, 'notification settings with errors');

  await member.getByLabel('The weekly review at').fill('18:00');
  await member.getByLabel('Quiet until').fill('07:00');
  await member.getByRole('button', { name: 'Save' }).click();
  await member.getByText('Saved.').waitFor();
});

test('the chosen reminders reach a private calendar feed', async () => {
  const { member } = s;
  await member.goto(`${tend.base}/circles/calendar`);
  await member.getByRole('button', { name: 'Make a calendar link' }).click();
  const feedUrl = (await member.locator('.feed-url').textContent()).trim();
  const feed = await (await fetch(feedUrl)).text();
  assert.match(feed, /SUMMARY:tend: a moment to check in\\, if you'd like/);
  assert.match(feed, /DTSTART:\d{8}T083000\r\n/);
  assert.match(feed, /RRULE:FREQ=WEEKLY;BYDAY=SU/);
  assert.ok(!/missed|streak/i.test(feed));
  await member.context().close();
  await s.fac.context().close();
});
