// Issue 3 in the app: check-in questionnaires as a new student would use them.
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

/** Viewport-only screenshots keep the committed PNGs small. */
async function shot(page, name) {
  if (process.env.TEND_SCREENSHOTS !== '1') return;
  const dir = join(repoRoot, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `questionnaires-${name}.png`) });
}

async function answer(page, label) {
  await page.getByRole('radio', { name: label, exact: true }).check();
  await page.getByRole('button', { name: /^Next/ }).click();
}

test('a new student answers WHO-5, goes back, leaves, resumes, and sees the result and chart', async () => {
  const page = await newPage(browser);
  await signUp(page, tend.base);
  await page.goto(`${tend.base}/questionnaires`);
  await checkA11y(page, 'check-ins list');
  await shot(page, 'list');
  const ready = await page.locator('section[aria-labelledby="due-h"]').innerText();
  assert.match(ready, /WHO-5/);
  assert.ok(!/streak|you missed/i.test(await page.locator('main').innerText()));

  await page.locator('section[aria-labelledby="due-h"]').getByRole('link', { name: 'WHO-5' }).click();
  await checkA11y(page, 'WHO-5 intro');
  await page.getByRole('link', { name: 'Start' }).click();
  await page.getByText('Question 1 of 5').waitFor();
  await checkA11y(page, 'WHO-5 question 1');
  await shot(page, 'question');

  // Question 1 by keyboard only: focus the first option, move with the arrows, Enter submits.
  await page.getByRole('radio', { name: '0 · At no time' }).focus();
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
  assert.ok(await page.getByRole('radio', { name: '4 · Most of the time' }).isChecked());
  await page.keyboard.press('Enter');
  await page.getByText('Question 2 of 5').waitFor();

  await answer(page, '3 · More than half of the time');
  await page.getByText('Question 3 of 5').waitFor();
  // Back shows the saved answer.
  await page.getByRole('link', { name: 'Back' }).click();
  await page.getByText('Question 2 of 5').waitFor();
  assert.ok(await page.getByRole('radio', { name: '3 · More than half of the time' }).isChecked());

  // An empty answer is refused with a plain message next to the question.
  await page.goto(`${tend.base}/questionnaires/who5/q/3`);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText('Please choose the answer closest to how it has been for you.').first().waitFor();
  await checkA11y(page, 'question with an error');

  // Leave, come back: it resumes at question 3.
  await page.getByRole('link', { name: 'Leave for now' }).click();
  await page.goto(`${tend.base}/questionnaires/who5`);
  await page.getByRole('link', { name: /Carry on \(2 of 5 answered\)/ }).click();
  await page.getByText('Question 3 of 5').waitFor();
  await answer(page, '3 · More than half of the time');
  await answer(page, '2 · Less than half of the time');
  await answer(page, '3 · More than half of the time');

  await page.getByRole('heading', { name: 'Check your answers' }).waitFor();
  await checkA11y(page, 'WHO-5 review');
  await page.getByRole('button', { name: 'See my result' }).click();
  await page.getByRole('heading', { name: 'Your WHO-5 result' }).waitFor();
  // 4+3+3+2+3 = 15 raw, index 60.
  const result = await page.locator('.q-result').innerText();
  assert.match(result, /Score\s*60/);
  assert.match(result, /Good well-being/);
  assert.ok(await page.locator('svg.chart[role="img"]:visible').isVisible(), 'the chart renders');
  const box = await page.locator('svg.chart:visible').boundingBox();
  assert.ok(box.width > 300 && box.height > 100, `chart has a real size: ${JSON.stringify(box)}`);
  assert.match(await page.locator('table.chart-table').innerText(), /60/);
  await checkA11y(page, 'WHO-5 result');
  await page.locator('.q-chart').scrollIntoViewIfNeeded();
  await shot(page, 'result');

  // Dark mode keeps contrast.
  await page.emulateMedia({ colorScheme: 'dark' });
  await checkA11y(page, 'WHO-5 result (dark)');
  await page.emulateMedia({ colorScheme: 'light' });

  // Back on the list, WHO-5 has a last result and is not due again yet.
  await page.getByRole('link', { name: 'Back to questionnaires' }).click();
  assert.match(await page.locator('main').innerText(), /Last time .*: 60, Good well-being/);
  assert.doesNotMatch(await page.locator('section[aria-labelledby="due-h"]').innerText(), /WHO-5/);

  // Choosing check-ins and pausing.
  await page.getByRole('checkbox', { name: /PHQ-9/ }).check();
  await page.getByRole('radio', { name: 'Pause for two weeks' }).check();
  await page.getByRole('button', { name: 'Save my choices' }).click();
  await page.getByText('Your choices are saved.').waitFor();
  assert.match(await page.locator('main').innerText(), /Your questionnaires are paused until/);
  assert.ok(await page.getByRole('checkbox', { name: /PHQ-9/ }).isChecked());
  await checkA11y(page, 'check-ins list (paused)');

  // Nothing about the answers is readable in the database file.
  assert.equal(databaseContains(tend.dbFile, 'who5'), false);
});

test('a PHQ-9 item 9 answer above 0 shows the help screen first, then the score', async () => {
  const page = await newPage(browser);
  await signUp(page, tend.base);
  await page.goto(`${tend.base}/questionnaires`);
  await page.locator('section[aria-labelledby="others-h"]').getByRole('link', { name: 'PHQ-9' }).click();
  await page.getByRole('link', { name: 'Start' }).click();
  for (let n = 1; n <= 8; n++) {
    await page.getByText(`Question ${n} of 9`).waitFor();
    await answer(page, n === 2 ? '1 · Several days' : '0 · Not at all');
  }
  await page.getByText('Question 9 of 9').waitFor();
  await answer(page, '1 · Several days');

  // At once: the help screen, with crisis lines, before any score.
  await page.getByRole('heading', { name: 'Before you go on' }).waitFor();
  assert.match(page.url(), /\/questionnaires\/phq9\/help$/);
  const help = await page.locator('main').innerText();
  assert.match(help, /You don.t have to carry this alone/);
  // The person's own country's lines (the test browser's time zone decides).
  assert.match(help, /Call [\d -]+/);
  assert.doesNotMatch(help, /Score/);
  await checkA11y(page, 'PHQ-9 help screen');
  await shot(page, 'help-first');

  await page.getByRole('link', { name: 'Continue the questionnaire' }).click();
  await page.getByText('One last, optional question').waitFor();
  await checkA11y(page, 'PHQ-9 follow-up');
  await answer(page, 'Somewhat difficult');
  await page.getByRole('button', { name: 'See my result' }).click();
  await page.getByRole('heading', { name: 'Your PHQ-9 result' }).waitFor();

  // On the result too, help comes before the score, whatever the total (here 2, "Minimal").
  const order = await page.evaluate(() => {
    const helpEl = document.querySelector('.q-crisis');
    const scoreEl = document.querySelector('.q-score');
    return helpEl && scoreEl ? Boolean(helpEl.compareDocumentPosition(scoreEl) & Node.DOCUMENT_POSITION_FOLLOWING) : null;
  });
  assert.equal(order, true, 'crisis help is before the score');
  assert.match(await page.locator('.q-result').innerText(), /Score\s*2[\s\S]*Minimal/);
  assert.ok(await page.locator('svg.chart-phq9:visible').isVisible());
  await checkA11y(page, 'PHQ-9 result');
});
