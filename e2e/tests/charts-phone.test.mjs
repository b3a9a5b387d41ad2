// Issue 12: charts readable on a phone (390×844), light and dark, no script
// needed. Each chart follows one plain sentence; its text is drawn at 12 px
// or more, its labels never overlap, and it never makes the page scroll
// sideways.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTend, launchBrowser, newPage, signUp, checkA11y, screenshot } from '../harness.mjs';

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

/** Rendered heights and boxes of every text in the visible charts. */
async function chartTexts(page) {
  return page.evaluate(() => [...document.querySelectorAll('svg.chart text')]
    .filter((t) => t.getClientRects().length > 0 && t.closest('svg').getBoundingClientRect().width > 0)
    .map((t) => {
      // The drawn size: the font size in the SVG's own units times how much
      // the SVG is scaled on screen (its drawn box over its own box), which
      // also counts any letterboxing.
      const b = t.getBoundingClientRect();
      const own = t.getBBox();
      const scale = own.height > 0 ? b.height / own.height : 0;
      return { text: t.textContent, size: parseFloat(getComputedStyle(t).fontSize) * scale, x: b.x, y: b.y, w: b.width, h: b.height };
    }));
}

function assertReadable(texts, label) {
  assert.ok(texts.length > 0, `${label}: a chart with text is shown`);
  for (const t of texts) assert.ok(t.size >= 12, `${label}: “${t.text}” is drawn at ${t.size.toFixed(1)}px`);
  // No two labels overlap.
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i];
      const b = texts[j];
      const overlap = a.x < b.x + b.w - 1 && b.x < a.x + a.w - 1 && a.y < b.y + b.h - 1 && b.y < a.y + a.h - 1;
      assert.ok(!overlap, `${label}: “${a.text}” overlaps “${b.text}”`);
    }
  }
}

async function fitsThePhone(page, label) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= PHONE.width, `${label}: the page is ${wide}px wide`);
}

test('questionnaire and self-care charts read at phone size, after a plain sentence', async () => {
  const page = await newPage(browser, PHONE);
  await signUp(page, tend.base);

  // A WHO-5 result.
  await page.goto(`${tend.base}/questionnaires/who5/q/1`);
  for (const label of ['4 · Most of the time', '3 · More than half of the time', '3 · More than half of the time',
    '2 · Less than half of the time', '3 · More than half of the time']) {
    await page.getByRole('radio', { name: label, exact: true }).check();
    await page.getByRole('button', { name: /^Next/ }).click();
  }
  await page.getByRole('button', { name: 'See my result' }).click();
  await page.getByRole('heading', { name: 'Your WHO-5 result' }).waitFor();
  const sentence = page.locator('p.chart-sentence');
  assert.match(await sentence.innerText(), /This is your first WHO-5 score, 60\./);
  // The sentence comes before the chart.
  const order = await page.evaluate(() => {
    const p = document.querySelector('p.chart-sentence');
    const svg = [...document.querySelectorAll('.q-chart svg')].find((s) => s.getBoundingClientRect().width > 0);
    return p.compareDocumentPosition(svg) & Node.DOCUMENT_POSITION_FOLLOWING;
  });
  assert.ok(order, 'sentence first');
  // The phone layout is the one shown, and it fits without scrolling.
  assert.ok(await page.locator('svg.chart-narrow').isVisible());
  assert.equal(await page.locator('.chart-wide svg').isVisible(), false);
  assertReadable(await chartTexts(page), 'WHO-5 chart');
  await fitsThePhone(page, 'WHO-5 result');
  await checkA11y(page, 'WHO-5 result (phone)');
  await page.locator('.q-chart').scrollIntoViewIfNeeded();
  await screenshot(page, 'charts-who5-phone');
  await page.emulateMedia({ colorScheme: 'dark' });
  await checkA11y(page, 'WHO-5 result (phone, dark)');
  await page.emulateMedia({ colorScheme: 'light' });

  // Self-care after one check-in.
  await page.goto(`${tend.base}/checkin`);
  await page.getByRole('radio', { name: '4 · Good' }).first().check();
  await page.locator('fieldset#energy').getByRole('radio', { name: '3 · Steady' }).check();
  await page.getByLabel('Hours slept last night').fill('6');
  await page.getByLabel('Minutes of movement').fill('20');
  await page.getByLabel('I ate regular meals').check();
  await page.getByRole('button', { name: /check-in/ }).click();
  await page.waitForURL(/saved=checkin/);
  for (const days of ['7', '30']) {
    await page.goto(`${tend.base}/selfcare?days=${days}`);
    const first = page.locator('p.chart-sentence').first();
    assert.match(await first.innerText(), /^Sleep on the one day with a check-in in the last \d+ days: 6 hours\./);
    assertReadable(await chartTexts(page), `self-care charts, ${days} days`);
    await fitsThePhone(page, `self-care, ${days} days`);
    await checkA11y(page, `self-care ${days} days (phone)`);
  }
  await page.emulateMedia({ colorScheme: 'dark' });
  await checkA11y(page, 'self-care (phone, dark)');
  await page.locator('#sleep-h').scrollIntoViewIfNeeded();
  await screenshot(page, 'charts-selfcare-phone-dark');
});
