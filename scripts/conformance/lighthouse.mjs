// Scores pages with Lighthouse in Debian's Chromium and prints one line per
// page and category: "ok lighthouse PATH CATEGORY: SCORE" when the score is
// at least the minimum, "FAIL ..." with the audits that cost points when not.
//
// usage: node lighthouse.mjs MIN URL...   (CHROME_PATH names the browser)
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';

const [min, ...urls] = process.argv.slice(2);
const categories = ['performance', 'accessibility', 'best-practices', 'seo'];
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = 0;
try {
  for (const url of urls) {
    const path = new URL(url).pathname;
    const run = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: categories });
    const lhr = run.lhr;
    if (lhr.runtimeError) {
      console.log(`FAIL lighthouse ${path}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
      failed++;
      continue;
    }
    for (const id of categories) {
      const cat = lhr.categories[id];
      const score = Math.round(cat.score * 100);
      if (score >= Number(min)) {
        console.log(`ok lighthouse ${path} ${id}: ${score}`);
        continue;
      }
      failed++;
      const lost = cat.auditRefs
        .filter((ref) => ref.weight > 0 && lhr.audits[ref.id].score !== null && lhr.audits[ref.id].score < 1)
        .map((ref) => `${ref.id} (${lhr.audits[ref.id].displayValue || lhr.audits[ref.id].score})`);
      console.log(`FAIL lighthouse ${path} ${id}: ${score} < ${min}: ${lost.join(', ')}`);
    }
  }
} finally {
  await chrome.kill();
}
process.exitCode = 0; // the lines say what failed; a crash is the only error
