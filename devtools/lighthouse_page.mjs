// One Lighthouse run (npm lighthouse, mobile defaults) on one page of the web client, in Debian's chromium
// driven by puppeteer-core (a dependency of lighthouse). For a signed-in screen the session goes where the
// client keeps it (api.js: sessionStorage 'sampark.session', for this tab), set on a same-origin page that
// loads nothing of the app, so that Lighthouse's own navigation still starts cold: its storage reset clears
// the service worker and the caches, not the tab's session, and the browser cache is emptied as usual.
//
//   node lighthouse_page.mjs <url> <report.json> <chromium> [<session json>]
//
// Run by devtools/lighthouse.py from the folder lighthouse is installed in (test-output/lighthouse/).

import { writeFileSync } from 'node:fs';
import lighthouse from 'lighthouse';
import puppeteer from 'puppeteer-core';

const [url, reportPath, chromium, session] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  if (session) {
    await page.goto(new URL('/health', url).href);
    await page.evaluate((value) => sessionStorage.setItem('sampark.session', value), session);
  }
  const result = await lighthouse(url, {
    output: 'json', logLevel: 'error', formFactor: 'mobile',
    onlyCategories: ['performance', 'accessibility', 'best-practices'],
  }, undefined, page);
  writeFileSync(reportPath, result.report);
  const final = result.lhr.finalDisplayedUrl;
  const screen = new URL(url).hash.replace(/^#\/?/, '').split('/')[0];
  if (session && (final !== url || !(await page.$(`.screen-${screen}`)))) {
    throw new Error(`the signed-in screen ${screen} was not shown: the page ended at ${final}`);
  }
} finally {
  await browser.close();
}
