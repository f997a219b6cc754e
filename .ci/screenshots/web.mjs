// The web application (`loep serve`) in Debian's headless Chromium, as a person uses it:
// the login page, logging in as the demo's analist, the overview and the signal queue, and
// the public catalogue. Screenshots of each into OUT_DIR; exits 1 when a step fails.
//
//   node web.mjs BASE_URL OUT_DIR PASSWORD
import { chromium } from 'playwright-core';

const [base, outDir, password] = process.argv.slice(2);
if (!base || !outDir || !password) {
  console.error('usage: node web.mjs BASE_URL OUT_DIR PASSWORD');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = 0;
const check = (ok, what) => {
  if (!ok) {
    console.error(`web: ${what}`);
    failed++;
  }
};
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  await page.goto(`${base}/`);
  check(page.url() === `${base}/inloggen`, `without a session / leads to ${page.url()}`);
  await page.screenshot({ path: `${outDir}/web-inloggen.png` });

  await page.fill('#gebruiker', 'analist');
  await page.fill('#wachtwoord', password);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
  check((await page.textContent('body')).includes('Per thema'), 'the overview after login');
  check(await page.locator('figure.kaart svg').count() === 1, 'the map on the overview');
  await page.screenshot({ path: `${outDir}/web-overzicht.png`, fullPage: true });

  await page.click('nav a[href="/signalen"]');
  await page.waitForURL(`${base}/signalen`);
  await page.selectOption('#thema', 'overbewoning');
  await Promise.all([page.waitForURL(/thema=overbewoning/), page.click('.filter button[type=submit]')]);
  const status = await page.textContent('p[role=status]');
  check(/^\d+ signalen in scan/.test(status.trim()), `the queue says ${status}`);
  await page.screenshot({ path: `${outDir}/web-signalen.png` });

  await page.goto(`${base}/indicatoren`);
  check((await page.textContent('h1')).includes('indicatoren'), 'the catalogue page');
  await page.screenshot({ path: `${outDir}/web-indicatoren.png` });

  await page.goto(`${base}/`);
  await Promise.all([page.waitForURL(`${base}/inloggen`), page.click('.wie button[type=submit]')]);
  await page.goto(`${base}/signalen`);
  check(page.url() === `${base}/inloggen`, 'logged out: the queue leads to the login');
  check(errors.length === 0, `errors in the browser: ${errors.join('; ')}`);
} finally {
  await browser.close();
}
if (failed === 0) console.log('web: login, overview, queue, catalogue and logout work in Chromium');
process.exit(failed > 0 ? 1 : 0);
