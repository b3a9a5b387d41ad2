// Issue 5, peer support, as people would use it in a real browser: a
// facilitator starts a circle and a weekly meeting, a member in another time
// zone joins by code, two people watch a thread live, a risk post is held with
// help, and a moderator hides a reported reply that then shows in the log.
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

/** Roles come only from the command line, as on a real server. */
function grant(handle, role, circle) {
  const args = ['admin', 'grant-role', '--data-dir', tend.dataDir, handle, role];
  if (circle) args.push('--circle', circle);
  execFileSync(tendBin, args, { stdio: 'pipe' });
}

const s = {};

test('a facilitator starts a circle, makes an invite and schedules a weekly meeting', async () => {
  const fac = await newPage(browser, { timezoneId: 'America/New_York' });
  s.facWho = await signUp(fac, tend.base, { timeZone: 'America/New_York' });
  grant(s.facWho.handle, 'facilitator');
  await fac.getByRole('link', { name: 'Circles', exact: true }).click();
  await checkA11y(fac, 'circles (empty)');
  await fac.getByRole('link', { name: 'Start a circle' }).click();
  await checkA11y(fac, 'start a circle');
  await fac.getByLabel('Name').fill('Third-year night shift');
  await fac.getByLabel('What the circle is for').fill('A weekly place to land after nights.');
  await fac.getByRole('button', { name: 'Create circle' }).click();
  await fac.waitForURL(/\/circles\/[0-9a-f]+\/invites\?created=1$/);
  await fac.getByText("is ready, and you are its facilitator").waitFor();
  s.circle = new URL(fac.url()).pathname.split('/')[2];
  await fac.getByLabel('How many people can use it').fill('5');
  await fac.getByRole('button', { name: 'Make an invite' }).click();
  s.code = (await fac.locator('.invite-code').first().textContent()).trim();
  // The copy button gives the whole join address, ready to paste.
  await fac.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: tend.base });
  await fac.getByRole('button', { name: `Copy link for invite ${s.code}` }).click();
  await fac.getByText('Copied.').waitFor();
  assert.equal(await fac.evaluate(() => navigator.clipboard.readText()), `${tend.base}/circles/join/${s.code}`);
  assert.match(s.code, /^[A-Z2-9]{10}$/);
  await checkA11y(fac, 'invites');
  await screenshot(fac, 'circles-invites');

  await fac.getByRole('navigation', { name: 'Circle' }).getByRole('link', { name: 'Meetings' }).click();
  await fac.getByLabel('Title').fill('Sunday check-in');
  await fac.getByLabel('Date').fill('2030-01-06');
  await fac.getByLabel('Start time').fill('19:00');
  await fac.getByLabel('Meeting time zone').fill('America/New_York');
  await fac.getByRole('radio', { name: 'Every week' }).check();
  await fac.getByLabel('Video-call link').fill('https://meet.example/night-shift');
  await fac.getByLabel('Note').fill('Cameras optional. Come as you are.');
  await fac.getByRole('button', { name: 'Save meeting' }).click();
  await fac.waitForURL(/\/meetings$/);
  const text = await fac.locator('main').innerText();
  assert.match(text, /Sunday 6 January, 19:00/);
  assert.match(text, /https:\/\/meet\.example\/night-shift/);
  // An https address is a link to open (issue 12), with no referrer sent.
  assert.equal(await fac.locator('a[href="https://meet.example/night-shift"][rel="noopener noreferrer"]').count(), 1, 'the meeting link opens');
  await checkA11y(fac, 'meetings (facilitator)');
  s.fac = fac;
});

test('a member in another time zone joins by code and sees the meeting in their own time', async () => {
  const member = await newPage(browser, { timezoneId: 'Europe/Berlin', colorScheme: 'dark' });
  s.memberWho = await signUp(member, tend.base, { timeZone: 'Europe/Berlin' });
  await member.getByRole('link', { name: 'Circles', exact: true }).click();
  await member.getByLabel('Invite code').fill(s.code.toLowerCase());
  await member.getByRole('button', { name: 'Join circle' }).click();
  await member.getByText("Welcome. You're in.").waitFor();
  const main = await member.locator('main').innerText();
  assert.ok(!main.includes(s.memberWho.handle), 'the handle never shows in the circle');
  // 19:00 in New York on a January Sunday is 01:00 on Monday in Berlin.
  assert.match(main, /Sunday check-in: Monday 7 January, 01:00/);
  await checkA11y(member, 'circle home (dark)');
  await member.getByRole('navigation', { name: 'Circle' }).getByRole('link', { name: 'Meetings' }).click();
  const meetings = await member.locator('main').innerText();
  assert.match(meetings, /Europe\/Berlin/);
  assert.match(meetings, /Monday 7 January, 01:00/);
  await checkA11y(member, 'meetings (member)');
  await screenshot(member, 'circles-meetings');
  s.member = member;

  // The meetings, in any calendar app, from a private link.
  await member.getByRole('link', { name: 'Add your circles\' meetings to your calendar app' }).click();
  await member.getByRole('button', { name: 'Make a calendar link' }).click();
  const feedUrl = (await member.locator('.feed-url').textContent()).trim();
  assert.match(feedUrl, /\/calendar\/[A-Za-z0-9_-]+\.ics$/);
  await checkA11y(member, 'calendar link');
  const feed = await (await fetch(feedUrl)).text();
  assert.match(feed, /SUMMARY:Sunday check-in \(Third-year night shift\)/);
  assert.match(feed, /DTSTART:20300107T000000Z/);

  // A used-up or mistyped code gets a clear message.
  const stranger = await newPage(browser);
  await signUp(stranger, tend.base);
  await stranger.goto(`${tend.base}/circles/join`);
  await stranger.getByLabel('Invite code').fill('WRONG-CODE');
  await stranger.getByRole('button', { name: 'Join circle' }).click();
  await stranger.getByText("We don't recognise that code").first().waitFor();
  await checkA11y(stranger, 'join error');
  await stranger.context().close();
});

// A unique tag for a message, in letters: a long run of digits reads as a
// record or phone number, and would (rightly) get the patient-identifier note.
const tag = () => Date.now().toString().replace(/\d/g, (d) => 'abcdefghij'[d]);

test('two people watching a thread see each other’s replies appear', async () => {
  const { member, fac } = s;
  await member.goto(`${tend.base}/circles/${s.circle}`);
  await member.getByLabel('Title').fill('First week of nights');
  await member.getByLabel('What would you like to share?').fill('I keep replaying a handover I fumbled.\nAnyone else?');
  await member.getByRole('button', { name: 'Post thread' }).click();
  await member.waitForURL(/\/threads\//);
  s.thread = member.url().split('#')[0];
  await fac.goto(s.thread);
  await fac.getByText('I keep replaying a handover I fumbled.').waitFor();
  await checkA11y(fac, 'thread');

  const fromFac = `Every one of us has fumbled a handover. ${tag()}`;
  await fac.getByLabel('Your reply').fill(fromFac);
  await fac.getByRole('button', { name: 'Send reply' }).click();
  // The member's page updates without a reload.
  await member.locator('#replies').getByText(fromFac).waitFor({ timeout: 10000 });
  const fromMember = `Thank you, that helps. ${tag()}`;
  await member.getByLabel('Your reply').fill(fromMember);
  await member.getByRole('button', { name: 'Send reply' }).click();
  await fac.locator('#replies').getByText(fromMember).waitFor({ timeout: 10000 });
  // Words stay words: nothing typed becomes markup.
  await fac.getByLabel('Your reply').fill('<b>not bold</b> https://example.org');
  await fac.getByRole('button', { name: 'Send reply' }).click();
  await member.locator('#replies').getByText('<b>not bold</b> https://example.org').waitFor({ timeout: 10000 });
  assert.equal(await member.locator('#replies b').count(), 0);
  await checkA11y(member, 'thread with live replies');
  await screenshot(member, 'circles-thread');
});

test('a reply with risk language is held, and its author sees help at once', async () => {
  const { member } = s;
  await member.goto(s.thread);
  await member.getByLabel('Your reply').fill("Some nights I think I'd be better off dead.");
  await member.getByRole('button', { name: 'Send reply' }).click();
  await member.getByRole('heading', { name: 'Thank you for sharing this' }).waitFor();
  const help = await member.locator('.held-help').innerText();
  // The author's own country's lines (the test browser's time zone decides).
  assert.match(help, /Call [\d -]+/);
  assert.match(help, /You haven't done anything wrong/);
  assert.ok(!/reject|denied|not allowed|violat/i.test(help), 'holding never reads as a rejection');
  assert.match(await member.locator('#replies').innerText(), /only you can see this for now/);
  await checkA11y(member, 'held reply with help');
  await screenshot(member, 'circles-held');
  // The other watcher never sees it.
  const facText = await s.fac.locator('#replies').innerText();
  assert.ok(!facText.includes('better off dead'));
});

test('a moderator hides a reported reply, and the log shows it', async () => {
  const mod = await newPage(browser, { timezoneId: 'Asia/Kolkata' });
  const modWho = await signUp(mod, tend.base, { timeZone: 'Asia/Kolkata' });
  await mod.goto(`${tend.base}/circles/join/${s.code}`);
  await mod.getByRole('button', { name: 'Join circle' }).click();
  await mod.getByText("Welcome. You're in.").waitFor();
  grant(modWho.handle, 'moderator', s.circle);

  // The member reports the facilitator's markup-looking reply.
  const { member } = s;
  await member.goto(s.thread);
  const item = member.locator('li.reply', { hasText: '<b>not bold</b>' });
  await item.getByRole('link', { name: 'Report this reply' }).click();
  await checkA11y(member, 'report form');
  await member.getByLabel("What's the problem?").fill('Looks like spam to me');
  await member.getByRole('button', { name: 'Send report' }).click();
  await member.getByText('Your report was sent').waitFor();

  await mod.goto(`${tend.base}/circles/${s.circle}/moderation`);
  const queueText = await mod.locator('main').innerText();
  assert.match(queueText, /Urgent/, 'the held risk reply is marked urgent');
  assert.match(queueText, /Looks like spam to me/);
  await checkA11y(mod, 'moderation queue');
  await screenshot(mod, 'circles-moderation');
  const reported = mod.locator('li.queue-item', { hasText: 'Looks like spam to me' });
  // Each action is its own small form: hiding asks for a reason, nothing more.
  await reported.locator('summary', { hasText: 'Hide or remove' }).click();
  await reported.getByLabel(/^Why\?/).first().fill('Link-only post, hidden while we check');
  await reported.getByRole('button', { name: 'Hide', exact: true }).click();
  await mod.waitForURL(/\/moderation\?done=done$/);
  assert.ok(!(await mod.locator('main').innerText()).includes('Looks like spam to me'));

  await member.goto(s.thread);
  assert.ok(!(await member.locator('#replies').innerText()).includes('<b>not bold</b>'));

  // The facilitator reads the log.
  const { fac } = s;
  await fac.goto(`${tend.base}/circles/${s.circle}`);
  await fac.getByRole('link', { name: 'Moderation log' }).click();
  const log = await fac.locator('main').innerText();
  assert.match(log, /hid reply/);
  assert.match(log, /Link-only post, hidden while we check/);
  await checkA11y(fac, 'moderation log');
  await screenshot(fac, 'circles-log');
});

test('a reader leaves a reply under a Learn article; it waits for a moderator', async () => {
  const { member } = s;
  await member.goto(`${tend.base}/learn/seek-support/replies`);
  await checkA11y(member, 'Learn replies');
  const words = `Asking for help on my surgery rotation changed everything. ${tag()}`;
  await member.getByLabel('Leave a reply').fill(words);
  await member.getByRole('button', { name: 'Send reply' }).click();
  await member.getByText('will appear once a moderator has read it').waitFor();
  assert.match(await member.locator('ol.replies').innerText(), /only you can see this until a moderator has read it/);
  assert.ok(!(await member.locator('main').innerText()).includes(s.memberWho.handle));
  await checkA11y(member, 'Learn reply waiting');

  // Leaving the circle: old posts stay, as "a former member".
  await member.goto(`${tend.base}/circles/${s.circle}`);
  await member.getByRole('link', { name: 'Leave this circle' }).click();
  await checkA11y(member, 'leave circle');
  await member.getByRole('button', { name: 'Leave circle' }).click();
  await member.waitForURL(/\/circles$/);
  await s.fac.goto(s.thread);
  assert.match(await s.fac.locator('main').innerText(), /a former member/);
});
