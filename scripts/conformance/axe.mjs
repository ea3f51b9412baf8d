// Runs axe-core (WCAG 2.1 A and AA, and best practices) on pages in Debian's
// Chromium and prints "ok axe PATH" or "FAIL axe PATH: violations". With
// --login BASE EMAIL PASSWORD it first signs in to the editors' desk, so
// the desk's pages can be checked too.
//
// usage: node axe.mjs [--login BASE EMAIL PASSWORD] URL...
import puppeteer from 'puppeteer-core';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
let args = process.argv.slice(2);
let login = null;
if (args[0] === '--login') {
  login = { base: args[1], email: args[2], password: args[3] };
  args = args.slice(4);
}
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  if (login) {
    await page.goto(login.base + '/admin/login', { waitUntil: 'load' });
    await page.type('input[name=email]', login.email);
    await page.type('input[name=password]', login.password);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')]);
    if (new URL(page.url()).pathname.startsWith('/admin/login')) {
      console.log('FAIL axe: could not sign in to the desk');
    }
  }
  for (const url of args) {
    const path = new URL(url).pathname;
    for (const width of [1280, 375]) {
      await page.setViewport({ width, height: 900 });
      const resp = await page.goto(url, { waitUntil: 'load' });
      if (!resp || resp.status() !== 200) {
        console.log(`FAIL axe ${path} at ${width}px: status ${resp && resp.status()}`);
        continue;
      }
      await page.evaluate(axeSource);
      const result = await page.evaluate(() => axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      }));
      if (result.violations.length === 0) {
        console.log(`ok axe ${path} at ${width}px: ${result.passes.length} rules pass`);
      } else {
        const v = result.violations.map((x) => `${x.id} (${x.nodes.length}: ${x.nodes[0].target.join(' ')})`);
        console.log(`FAIL axe ${path} at ${width}px: ${v.join(', ')}`);
      }
    }
  }
} finally {
  await browser.close();
}
