// Issue 6, steps 5, 6, 7 and 9, as a new student would walk them in a real browser:
// weekly goals against the hours a week has, self-care trends from check-ins,
// their own support list, and the weekly review with a reflection.
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

/** A viewport-sized screenshot for docs/ (small files), when TEND_SCREENSHOTS=1. */
async function shot(page, name) {
  if (process.env.TEND_SCREENSHOTS !== '1') return;
  const dir = join(repoRoot, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

async function checkIn(page, { sleep, movement }) {
  await page.goto(`${tend.base}/checkin`);
  await page.getByRole('radio', { name: '4 · Good' }).first().check();
  await page.locator('fieldset#energy').getByRole('radio', { name: '3 · Steady' }).check();
  await page.getByLabel('Hours slept last night').fill(sleep);
  await page.getByLabel('Minutes of movement').fill(movement);
  await page.getByLabel('I ate regular meals').check();
  await page.getByRole('button', { name: /check-in/ }).click();
  await page.waitForURL(/saved=checkin/);
}

test('goals, self-care, support and the weekly review, end to end', async () => {
  const page = await newPage(browser);
  // Twelve hours behind UTC: later the person moves to fourteen hours ahead,
  // which is always another calendar day, to have two days of check-ins.
  await signUp(page, tend.base, { timeZone: 'Etc/GMT+12' });

  // --- Goals: set the fixed hours once, plan a week that does not fit.
  await page.goto(`${tend.base}/goals`);
  await page.getByRole('heading', { name: 'Goals for this week' }).waitFor();
  await checkA11y(page, 'goals (first visit)');
  await page.getByLabel('Sleep, hours per night').fill('7');
  await page.getByLabel('Meals, hours per day').fill('1.5');
  await page.getByLabel('Rotations or classes, hours per week').fill('60');
  await page.getByLabel('Call, hours per week').fill('12');
  await page.getByLabel('Commute, hours per day').fill('1');
  await page.getByRole('button', { name: 'Save my fixed hours' }).click();
  await page.getByText('Your fixed hours are saved.').waitFor();
  // 7 × (7 + 1.5 + 1) + 60 + 12 = 138.5 → 29.5 hours of room.
  assert.match(await page.locator('dl.summary').innerText(), /Room for goals\s*29\.5/);

  // A bad estimate is explained next to the field, and the words are kept.
  await page.getByRole('textbox', { name: /^Goal/ }).fill('Anki cards');
  await page.getByLabel('Hours it might take').fill('-3');
  await page.getByLabel('Good enough looks like').fill('150 cards a day');
  await page.getByRole('button', { name: 'Add goal' }).click();
  await page.locator('#hours-error').getByText("can't be negative").waitFor();
  assert.equal(await page.getByRole('textbox', { name: /^Goal/ }).inputValue(), 'Anki cards');
  // On a phone the answer lands on the message, not at the top of the page.
  assert.ok(new URL(page.url()).hash === '#errors');
  const box = await page.locator('#errors').boundingBox();
  assert.ok(box && box.y >= 0 && box.y < 740, `error summary off screen at y=${box && box.y}`);
  await checkA11y(page, 'goals (bad input)');
  await page.getByLabel('Hours it might take').fill('20');
  await page.getByRole('button', { name: 'Add goal' }).click();
  await page.getByText('Goal added.').waitFor();

  await page.getByRole('textbox', { name: /^Goal/ }).fill('Research poster');
  await page.getByLabel('Hours it might take').fill('12');
  await page.getByLabel('Good enough looks like').fill('a first draft of the methods');
  await page.getByRole('button', { name: 'Add goal' }).click();
  await page.getByText('Goal added.').waitFor();

  // 32 hours planned in 29.5: a gentle message and a suggestion, never an error.
  const fit = page.locator('#fit');
  await fit.getByText('This plan asks for 2.5 more hours than the week has room for.').waitFor();
  assert.match(await fit.innerText(), /Shrink “Anki cards” from 20 to 17\.5 hours/);
  assert.equal(await page.locator('.errors').count(), 0);
  await checkA11y(page, 'goals (plan does not fit)');
  await page.locator('#fit').scrollIntoViewIfNeeded();
  await shot(page, 'goals');

  // Ticking "good enough" counts as done.
  const anki = page.locator('li.goal', { has: page.getByRole('heading', { name: 'Anki cards' }) });
  await anki.getByRole('radio', { name: 'Good enough' }).check();
  await anki.getByRole('button', { name: /Save/ }).click();
  await page.getByText('Saved. Good enough is done.').waitFor();
  await page.getByText('1 of 2 done.').waitFor();
  assert.match(await page.locator('#fit').innerText(), /Shrink “Research poster” from 12 to 9\.5 hours/);
  await checkA11y(page, 'goals (ticked)');

  // --- Self-care: two check-ins on two different days.
  await checkIn(page, { sleep: '5', movement: '30' });
  await page.goto(`${tend.base}/account`);
  await page.locator('#time_zone').fill('Pacific/Kiritimati');
  await page.getByRole('button', { name: 'Save time zone' }).click();
  await checkIn(page, { sleep: '8', movement: '0' });

  await page.goto(`${tend.base}/selfcare`);
  await page.getByRole('heading', { name: 'Self-care', level: 1 }).waitFor();
  // One plain sentence first; the statistics open on request.
  assert.match(await page.locator('p.in-short').innerText(), /On the 2 days you checked in, you slept about 6\.5 hours a night, moved on 1 of them and ate regular meals every day\./);
  await page.getByText('Mood with and without movement').click();
  const main = await page.locator('main').innerText();
  assert.match(main, /You checked in on 2 days in the last 7 days\./);
  // 7.5 − 5 = 2.5 hours under the default need, one short night of two.
  assert.match(main, /2\.5 hours of sleep debt over the last 7 days, from 1 short night of the 2 you recorded/);
  assert.match(main, /Too few days to tell yet: 1 day with movement and 1 without\./);
  assert.ok(!/missed|streak/i.test(main));
  assert.equal(await page.locator('svg.chart rect.bar').count(), 6, 'two bars in each of three charts');
  assert.equal(await page.locator('svg#chart-sleep title').textContent(), 'Hours slept, last 7 days');
  await page.locator('#sleep-h').scrollIntoViewIfNeeded();
  await shot(page, 'goals-selfcare');
  await page.getByText('The same numbers as a table').click();
  const rows = page.locator('table tbody tr');
  assert.equal(await rows.count(), 2);
  assert.match(await rows.nth(1).innerText(), /5\s+4\s+30\s+Regular/);
  await checkA11y(page, 'self-care (7 days)');
  await page.getByRole('link', { name: 'Last 30 days' }).click();
  await page.getByText('You checked in on 2 days in the last 30 days.').waitFor();
  await page.getByText('Your sleep need, and how sleep debt is counted').click();
  await page.getByLabel('Your sleep need, in hours').fill('eight');
  await page.getByRole('button', { name: 'Save sleep need' }).click();
  await page.locator('#sleep_need-error').waitFor();
  await checkA11y(page, 'self-care (bad sleep need)');
  await page.getByLabel('Your sleep need, in hours').fill('8');
  await page.getByRole('button', { name: 'Save sleep need' }).click();
  await page.getByText('Your sleep need is saved.').waitFor();
  assert.match(await page.locator('main').innerText(), /3 hours of sleep debt over the last 30 days, from 1 short night/);

  // --- Support: help lines, a person added, edited, shown back.
  await page.goto(`${tend.base}/support`);
  await checkA11y(page, 'support (empty)');
  assert.match(await page.locator('main').innerText(), /Call [\d -]+/);
  assert.ok(await page.getByRole('link', { name: 'Go to your circles' }).isVisible());
  await page.getByRole('button', { name: 'Add to my people' }).click();
  await page.locator('#name-error').waitFor();
  await page.getByLabel('Name').fill('Priya');
  await page.getByLabel('How to reach them').fill('text first, after 6 pm');
  await page.getByLabel('Note').fill('makes me laugh about anatomy');
  await page.getByRole('button', { name: 'Add to my people' }).click();
  await page.getByText('Added to your people.').waitFor();
  await page.getByRole('heading', { name: 'Priya' }).waitFor();
  await page.getByRole('link', { name: 'Edit Priya' }).click();
  await checkA11y(page, 'support (edit)');
  await page.getByLabel('How to reach them').fill('call on Sundays');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('call on Sundays').waitFor();
  await checkA11y(page, 'support (one person)');
  await page.locator('#people-h').scrollIntoViewIfNeeded();
  await shot(page, 'goals-support');

  // --- Weekly review: the week gathered, a reflection saved and shown back.
  await page.goto(`${tend.base}/review`);
  await page.getByRole('heading', { name: "This week's review" }).waitFor();
  const review = await page.locator('main').innerText();
  assert.match(review, /Days you checked in\s*2/);
  assert.match(review, /1 of 2 goals done/);
  await checkA11y(page, 'review');
  const reflection = `Two long days, and I still walked ${Date.now()}.`;
  await page.getByLabel('Your reflection').fill(reflection);
  await page.getByRole('button', { name: 'Save reflection' }).click();
  await page.getByText('Reflection saved.').waitFor();
  assert.ok(await page.locator('.reflection').getByText(reflection).isVisible());
  assert.equal(await page.getByLabel('Edit your reflection').inputValue(), reflection);
  await checkA11y(page, 'review (reflection saved)');
  await shot(page, 'goals-review');
  await page.getByRole('link', { name: 'Previous week' }).click();
  await page.getByText('No check-ins this week.').waitFor();
  await checkA11y(page, 'review (previous week)');

  // Dark mode at phone width renders the charts and forms too.
  const dark = await newPage(browser, { colorScheme: 'dark' });
  await dark.context().addCookies(await page.context().cookies());
  await dark.goto(`${tend.base}/selfcare`);
  await checkA11y(dark, 'self-care (dark)');
  const width = await dark.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `no sideways scrolling at 360 px (${width})`);

  for (const secret of [reflection, 'Priya', 'Anki cards', 'makes me laugh']) {
    assert.equal(databaseContains(tend.dbFile, secret), false, `"${secret}" is readable in the database file`);
  }
});
