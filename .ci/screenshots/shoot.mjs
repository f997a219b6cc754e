// Screenshots of pages and SVG files in Debian's headless Chromium, for CI's artefacts.
//
//   node shoot.mjs OUT_DIR NAME=FILE [NAME=FILE ...]
//
// Writes OUT_DIR/NAME.png for every FILE (an .svg or .html on disk) and checks that each is a
// PNG with a picture in it. Exits 1 when a page fails to load or a screenshot is empty.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [outDir, ...pairs] = process.argv.slice(2);
if (!outDir || pairs.length === 0) {
  console.error('usage: node shoot.mjs OUT_DIR NAME=FILE [NAME=FILE ...]');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

/** Width and height from a PNG's IHDR, or null when the file is no PNG. */
function pngSize(path) {
  const b = readFileSync(path);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (b.length < 33 || !b.subarray(0, 8).equals(signature) || b.toString('ascii', 12, 16) !== 'IHDR') {
    return null;
  }
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), bytes: b.length };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // No network but the package registries: nothing may phone home.
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
let failed = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1040, height: 800 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const file = resolve(pair.slice(eq + 1));
    const png = join(outDir, `${name}.png`);
    errors.length = 0;
    const response = await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    if (response && !response.ok()) {
      console.error(`${file}: ${response.status()}`);
      failed++;
      continue;
    }
    // An SVG document has no scrolling page for a full-page screenshot (it times out):
    // the viewport takes the drawing's own size instead.
    const svgSize = await page.evaluate(() => {
      const root = document.documentElement;
      if (root.localName !== 'svg') return null;
      const box = root.getBoundingClientRect();
      return { width: Math.ceil(box.width), height: Math.ceil(box.height) };
    });
    if (svgSize && svgSize.width > 0 && svgSize.height > 0) {
      await page.setViewportSize(svgSize);
      await page.screenshot({ path: png });
      await page.setViewportSize({ width: 1040, height: 800 });
    } else {
      await page.screenshot({ path: png, fullPage: true });
    }
    const size = pngSize(png);
    if (!size || size.width === 0 || size.height === 0 || statSync(png).size < 2048) {
      console.error(`${png}: not a PNG with a picture in it`);
      failed++;
    } else if (errors.length > 0) {
      console.error(`${file}: ${errors.join('; ')}`);
      failed++;
    } else {
      console.log(`${png}: ${size.width}x${size.height}, ${size.bytes} bytes`);
    }
  }
} finally {
  await browser.close();
}
process.exit(failed > 0 ? 1 : 0);
