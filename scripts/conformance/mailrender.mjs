// Renders mail HTML in Debian's Chromium at a phone's width, light and
// dark, saves a screenshot of each and prints "ok mail NAME at 375px SCHEME"
// when nothing is wider than the screen, "FAIL ..." when something is.
//
// usage: node mailrender.mjs OUTDIR FILE.html...
import puppeteer from 'puppeteer-core';
import { basename } from 'node:path';

const [outdir, ...files] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  for (const file of files) {
    const name = basename(file, '.html');
    for (const scheme of ['light', 'dark']) {
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
      await page.setViewport({ width: 375, height: 800 });
      await page.goto('file://' + file, { waitUntil: 'load' });
      const wide = await page.evaluate(() => {
        const w = document.documentElement.clientWidth;
        const over = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > w + 1);
        return { scroll: document.documentElement.scrollWidth, width: w, over: over.slice(0, 3).map((e) => e.tagName + '.' + e.className) };
      });
      const shot = `${outdir}/${name}-375-${scheme}.png`;
      await page.screenshot({ path: shot, fullPage: true });
      if (wide.scroll <= wide.width && wide.over.length === 0) {
        console.log(`ok mail: ${name} fits 375px in ${scheme} mode (${shot})`);
      } else {
        console.log(`FAIL mail: ${name} is ${wide.scroll}px wide at 375px in ${scheme} mode: ${wide.over.join(' ')}`);
      }
    }
  }
} finally {
  await browser.close();
}
