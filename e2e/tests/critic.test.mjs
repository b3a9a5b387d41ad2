// Issue 6 steps 1, 3 and 4, as a new student would do them in a real browser:
// notice a thought, see the patterns, answer it kindly, take a break, debrief
// a mistake, write a letter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTend, launchBrowser, newPage, signUp, checkA11y, databaseContains, repoRoot } from '../harness.mjs';

/** A viewport-sized screenshot for docs/ when TEND_SCREENSHOTS=1: small enough to commit. */
async function screenshot(page, name) {
  if (process.env.TEND_SCREENSHOTS !== '1') return;
  await page.screenshot({ path: join(repoRoot, 'docs', 'screenshots', `${name}.png`) });
}

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

for (const colorScheme of ['light', 'dark']) {
  test(`notice, reframe, break, debrief and letter (${colorScheme})`, async () => {
    const page = await newPage(browser, { colorScheme });
    const shots = colorScheme === 'light';
    const shot = async (name) => { if (shots) await screenshot(page, name); };
    await signUp(page, tend.base);

    // One click from any page.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Notice the critic' }).click();
    await page.waitForURL(/\/critic\/new/);
    await checkA11y(page, `capture (${colorScheme})`);
    // Distinctive words rather than numbers: a long number would (rightly) look
    // like a record number to the patient-identifier guard.
    const thought = "I froze when the attending asked me about heart sounds. I'm such an idiot.";
    await page.getByLabel('What is the critic saying?').fill(thought);
    await page.getByLabel('Ward').check();
    await page.getByLabel('How loud is it, from 0 to 10?').fill('7');
    await shot('critic-capture');
    await page.getByRole('button', { name: 'Save the thought' }).click();
    await page.waitForURL(/\/critic\/[0-9a-f-]+\?saved=thought/);

    // The patterns, with the words that triggered them, as questions.
    await page.getByText('Saved. Only you can read it.').waitFor();
    assert.equal((await page.locator('.thought mark').first().textContent()).trim(), "I'm such an idiot");
    await page.getByText('Could this be labeling?').waitFor();
    assert.match(await page.locator('.findings').innerText(), /sounds like it might be labeling/);
    await checkA11y(page, `thought (${colorScheme})`);
    await shot('critic-patterns');

    // What would you say to a friend? Saved with the thought and shown back.
    const answer = "You froze once, on a hard question, and you're still learning. Anyone would.";
    await page.getByLabel('Your kinder answer').fill(answer);
    await page.getByRole('button', { name: 'Save my kinder answer' }).click();
    await page.getByText('Your kinder answer is saved.').waitFor();
    assert.ok(await page.locator('.reframe').getByText(answer).isVisible());
    await checkA11y(page, `thought with answer (${colorScheme})`);
    // Editable.
    await page.getByLabel('Change your kinder answer').fill(`${answer} Go gently.`);
    await page.getByRole('button', { name: 'Save my kinder answer' }).click();
    await page.locator('.reframe').getByText('Go gently.').waitFor();

    // The private log.
    await page.getByRole('link', { name: 'Your critic log' }).click();
    await page.waitForURL(/\/critic$/);
    await checkA11y(page, `critic log (${colorScheme})`);
    const log = await page.locator('main').innerText();
    assert.match(log, /Ward\s+1/);
    assert.match(log, /answered kindly/);
    assert.ok(!/streak|you missed/i.test(log), 'no streaks, no "you missed"');
    await shot('critic-log');
    await page.getByRole('link', { name: /I froze when the attending asked me about heart sounds/ }).click();
    await page.locator('.reframe').getByText('Go gently.').waitFor();

    // The self-compassion break, with a note.
    await page.goto(`${tend.base}/kindness/break`);
    await checkA11y(page, `break (${colorScheme})`);
    await page.getByRole('heading', { name: "Remember: I'm not alone" }).waitFor();
    const note = 'A hand on my heart helped more than I expected.';
    await page.getByLabel('A note for yourself').fill(note);
    await page.getByRole('button', { name: 'I took the break' }).click();
    await page.getByText('Thank you for being kind to yourself').waitFor();
    assert.ok(await page.getByText(note).isVisible());
    await shot('kindness-break');

    // The mistake debrief, ending on the kind sentence.
    await page.goto(`${tend.base}/debrief`);
    await checkA11y(page, `debriefs (empty) (${colorScheme})`);
    await page.getByRole('link', { name: 'Start a debrief' }).click();
    await checkA11y(page, `debrief form (${colorScheme})`);
    // Nothing filled in: a kind message next to the fields, nothing saved.
    await page.getByRole('button', { name: 'Save the debrief' }).click();
    await page.locator('#what_happened-error').waitFor();
    await checkA11y(page, `debrief errors (${colorScheme})`);
    const kind = "I'm learning, and this is what learning feels like sometimes.";
    await page.getByLabel('1. What happened?').fill('I missed a low potassium on the morning bloods.');
    await page.getByLabel('2. What did I feel?').fill('Shame. My face went hot.');
    await page.getByLabel('3. Who else has been here?').fill('Every resident I admire.');
    await page.getByLabel('4. One lesson').fill('Check overnight labs before rounds.');
    await page.getByLabel('5. One kind sentence to myself').fill(kind);
    await shot('debrief-form');
    await page.getByRole('button', { name: 'Save the debrief' }).click();
    await page.getByText('Your debrief is saved.').waitFor();
    const last = page.locator('main > *').last();
    // The kind sentence is the last thing before the links, and prominent.
    const kindBox = page.locator('.kind-sentence');
    assert.equal((await kindBox.locator('.kind-words').textContent()).trim(), kind);
    const order = await page.evaluate(() => {
      const main = document.querySelector('main');
      const dl = main.querySelector('dl.debrief');
      const box = main.querySelector('.kind-sentence');
      return Boolean(dl.compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING);
    });
    assert.ok(order, 'the kind sentence comes after the other parts');
    assert.match(await last.innerText(), /All debriefs/);
    await checkA11y(page, `debrief (${colorScheme})`);
    await shot('debrief');

    // A compassionate letter: prompt, write, save, list, read, delete.
    await page.goto(`${tend.base}/kindness/letter`);
    await checkA11y(page, `letters (${colorScheme})`);
    const before = await page.locator('#letter-prompt').innerText();
    await page.getByRole('link', { name: 'Show another prompt' }).click();
    const prompt = await page.locator('#letter-prompt').innerText();
    assert.notEqual(prompt, before);
    const letter = 'Dear me, you are doing better than you think, and you are allowed to rest.';
    await page.getByLabel('Your letter').fill(letter);
    await shot('kindness-letter');
    await page.getByRole('button', { name: 'Save the letter' }).click();
    await page.getByText('Your letter is saved.').waitFor();
    assert.ok(await page.getByText(letter).isVisible());
    assert.ok(await page.getByText(`Prompt: ${prompt}`).isVisible());
    await checkA11y(page, `letter (${colorScheme})`);
    await page.getByRole('link', { name: 'All letters' }).click();
    await page.getByRole('link', { name: /Dear me, you are doing better/ }).click();
    await page.getByRole('link', { name: 'Delete' }).click();
    await checkA11y(page, `delete letter (${colorScheme})`);
    await page.getByRole('button', { name: 'Delete the letter' }).click();
    await page.getByText('Letters you save will be here').waitFor();

    // The week, in kind words.
    await page.goto(`${tend.base}/kindness`);
    await checkA11y(page, `kindness (${colorScheme})`);
    const week = await page.locator('.critic-week').innerText();
    assert.match(week, /You noticed 1 thought from the inner critic, and answered 1 of them/);
    assert.match(week, /1 hard moment/);

    // Encrypted at rest.
    for (const secret of [thought, answer, note, kind, letter]) {
      assert.equal(databaseContains(tend.dbFile, secret), false, `"${secret}" is readable in the database file`);
    }
    await page.context().close();
  });
}

test('risk language shows help at once; patient details get a gentle warning with a way to edit', async () => {
  const page = await newPage(browser);
  await signUp(page, tend.base);
  await page.goto(`${tend.base}/critic/new`);
  await page.getByLabel('What is the critic saying?').fill("I'm a burden and I want to die");
  await page.getByRole('button', { name: 'Save the thought' }).click();
  await page.getByRole('heading', { name: "You don't have to carry this alone" }).waitFor();
  assert.ok(await page.locator('.crisis a[href^="tel:"]').first().isVisible());
  // Beside crisis help: no thinking-pattern guesses or highlights, and no
  // placeholder line ("your programme can add its number here").
  assert.equal(await page.getByText(/Could this be/).count(), 0);
  assert.equal(await page.locator('.thought mark').count(), 0);
  assert.doesNotMatch(await page.locator('.crisis').innerText(), /add its number/);
  await checkA11y(page, 'thought with crisis help');
  await screenshot(page, 'critic-crisis');

  await page.goto(`${tend.base}/critic/new`);
  await page.getByLabel('What is the critic saying?').fill("I mixed up Mrs Okafor's meds in bed 12. I'm hopeless.");
  await page.getByRole('button', { name: 'Save the thought' }).click();
  await page.getByRole('heading', { name: 'This might identify a patient' }).waitFor();
  await checkA11y(page, 'thought with patient warning');
  await page.getByRole('link', { name: 'Change the words' }).click();
  await checkA11y(page, 'edit thought');
  await page.getByLabel('What is the critic saying?').fill("I mixed up a patient's meds. I'm hopeless.");
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Your changes are saved.').waitFor();
  assert.equal(await page.getByRole('heading', { name: 'This might identify a patient' }).count(), 0);
  await page.context().close();
});

test('works without JavaScript, fits a phone, and marks patterns in journal entries', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false });
  const page = await context.newPage();
  await signUp(page, tend.base);
  await page.goto(`${tend.base}/critic/new`);
  await page.getByLabel('What is the critic saying?').fill('I should have known that dose by now.');
  await page.getByLabel('Exam or studying').check();
  await page.getByRole('button', { name: 'Save the thought' }).click();
  await page.getByText('Could this be should statements?').waitFor();
  await page.getByLabel('Your kinder answer').fill('Nobody knows every dose. Looking it up is good practice.');
  await page.getByRole('button', { name: 'Save my kinder answer' }).click();
  await page.locator('.reframe').getByText('Looking it up is good practice.').waitFor();
  const thoughtUrl = page.url().split('?')[0];

  await page.goto(`${tend.base}/journal/new`);
  await page.getByLabel("What's on your mind?").fill('Long day on the ward.\nI always mess up handovers.');
  await page.getByRole('button', { name: 'Save entry' }).click();
  await page.locator('article mark').first().waitFor();
  await page.getByText('Could this be overgeneralizing?').waitFor();
  const journalUrl = page.url().split('?')[0];

  // A pasted link or a long unbroken word wraps instead of widening the page.
  await page.goto(`${tend.base}/journal/new`);
  await page.getByLabel('Title').fill('x'.repeat(300));
  await page.getByLabel("What's on your mind?").fill(`See https://example.org/${'a'.repeat(300)}`);
  await page.getByRole('button', { name: 'Save entry' }).click();
  await page.locator('article').waitFor();

  for (const path of [page.url(), journalUrl, '/journal', '/today', thoughtUrl, '/critic', '/critic/new', '/kindness', '/kindness/break', '/kindness/letter', '/debrief', '/debrief/new']) {
    await page.goto(path.startsWith('http') ? path : `${tend.base}${path}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, `no sideways scrolling at 360 px on ${path}`);
  }
  await context.close();
});
