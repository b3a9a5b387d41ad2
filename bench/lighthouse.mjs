// Lighthouse over tend's main pages, signed in, on phone and desktop presets.
// Not part of CI: Lighthouse is an npm download of its own, and its
// performance score depends on the machine's load. Usage (docs/design.md):
//   npm install --prefix /tmp/lh lighthouse@12
//   TEND_BIN=target/release/tend LIGHTHOUSE_BIN=/tmp/lh/node_modules/.bin/lighthouse \
//     node bench/lighthouse.mjs [/path …]
// Prints one line per page and form factor: performance, accessibility,
// best practices, SEO.
import { execFileSync } from 'node:child_process';
import { startTend, newPage, signUp, CHROMIUM_FLAGS } from '../e2e/harness.mjs';
import { chromium } from '../e2e/node_modules/playwright-core/index.mjs';

const lighthouse = process.env.LIGHTHOUSE_BIN;
if (!lighthouse) throw new Error('set LIGHTHOUSE_BIN to the lighthouse command');
const pages = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['/', '/help', '/hard-moment', '/today', '/checkin', '/practices', '/journal', '/selfcare',
    '/goals', '/questionnaires', '/learn', '/support', '/critic', '/gratitude', '/safety-plan',
    '/notifications', '/account'];

const tend = await startTend();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
const page = await newPage(browser);
await signUp(page, tend.base);
const cookies = await page.context().cookies();
const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
await browser.close();

const categories = ['performance', 'accessibility', 'best-practices', 'seo'];
console.log(`page\tform\t${categories.join('\t')}`);
for (const path of pages) {
  for (const form of ['mobile', 'desktop']) {
    const args = [
      `${tend.base}${path}`, '--output=json', '--quiet',
      // Lighthouse traces reliably only with the new headless mode.
      `--chrome-flags=${CHROMIUM_FLAGS.map((f) => (f === '--headless' ? '--headless=new' : f)).join(' ')}`,
      `--extra-headers=${JSON.stringify({ Cookie: cookie })}`,
      `--only-categories=${categories.join(',')}`,
    ];
    if (form === 'desktop') args.push('--preset=desktop');
    let line;
    try {
      const out = execFileSync(lighthouse, args, {
        env: { ...process.env, CHROME_PATH: '/usr/bin/chromium' },
        maxBuffer: 64 * 1024 * 1024,
      });
      const report = JSON.parse(out.toString());
      line = categories.map((c) => Math.round((report.categories[c]?.score ?? 0) * 100)).join('\t');
    } catch (e) {
      line = `failed: ${String(e.message).split('\n')[0]}`;
    }
    console.log(`${path}\t${form}\t${line}`);
  }
}
await tend.stop();
