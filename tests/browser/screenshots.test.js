'use strict';
// Screenshots of the basic book and of the shipped guide for people to look at (target/browser-artifacts,
// not committed). The assertions only check that each picture is what it says:
// the right size, and light and dark really differ.

const fs = require('node:fs');
const path = require('node:path');
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

let browser, server, guide, outDir;
before(async () => {
  browser = await h.launch();
  server = await h.serve(h.siteDir('basic'));
  guide = await h.serve(h.siteDir('guide'));
  outDir = h.artifactsDir();
});
after(async () => {
  await browser?.close();
  await server?.close();
  await guide?.close();
});

// Width and height from a PNG's IHDR chunk.
function pngSize(file) {
  const b = fs.readFileSync(file);
  assert.equal(b.toString('latin1', 1, 4), 'PNG', `${file} is not a PNG`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

const VIEWPORTS = { 1280: { width: 1280, height: 800 }, 390: { width: 390, height: 844 } };

describe('screenshots of the basic book', () => {
  // index.html is the book's start page; start.html ("Getting started") adds
  // a code block and the in-page contents.
  for (const name of ['index', 'start']) {
    for (const width of [1280, 390]) {
      it(`${name}.html at ${width} px, light and dark`, async () => {
        const shots = {};
        for (const scheme of ['light', 'dark']) {
          const phone = width < 800;
          const context = await h.newContext(browser, {
            viewport: VIEWPORTS[width], colorScheme: scheme, isMobile: phone, hasTouch: phone, reducedMotion: 'reduce',
          });
          const page = await context.newPage();
          await page.goto(server.url(`${name}.html`));
          const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
          assert.equal(h.luminance(bg) > 0.5, scheme === 'light', `${scheme} page has background ${bg}`);
          const file = path.join(outDir, `basic-${name}-${width}-${scheme}.png`);
          await page.screenshot({ path: file });
          assert.deepEqual(pngSize(file), VIEWPORTS[width]);
          shots[scheme] = fs.readFileSync(file);
          if (phone && name === 'start') {
            // The open drawer is worth a look too.
            await page.locator('.menu-toggle').click();
            await h.waitUntil(page, () => getComputedStyle(document.querySelector('#sidebar')).visibility === 'visible', null, 'the drawer opened');
            await page.screenshot({ path: path.join(outDir, `basic-${name}-${width}-${scheme}-menu.png`) });
          }
          assert.deepEqual(context.problems, []);
          await context.close();
        }
        assert.ok(!shots.light.equals(shots.dark), 'light and dark screenshots are identical');
      });
    }
  }
});

describe('screenshots of the guide', () => {
  // The landing page (with its checklist, answered down to a recommendation),
  // the benchmarks chapter and its memory section (a log-scale chart), whole
  // pages: what a reader scrolls through.
  for (const width of [1280, 390]) {
    for (const scheme of ['light', 'dark']) {
      it(`index.html, benchmarks.html and bench-memory.html at ${width} px, ${scheme}`, async () => {
        const phone = width < 800;
        const context = await h.newContext(browser, {
          viewport: VIEWPORTS[width], colorScheme: scheme, isMobile: phone, hasTouch: phone, reducedMotion: 'reduce',
        });
        const page = await context.newPage();
        for (const name of ['index', 'benchmarks', 'bench-memory']) {
          await page.goto(guide.url(`${name}.html`));
          const file = path.join(outDir, `guide-${name}-${width}-${scheme}.png`);
          await page.screenshot({ path: file, fullPage: true });
          assert.equal(pngSize(file).width, width);
        }
        await page.goto(guide.url('index.html'));
        await page.locator('.checklist-answer').nth(1).click();
        await page.locator('#checklist-q-task-size .checklist-answer').first().click();
        const rec = page.locator('#checklist-r-processes');
        assert.ok(await rec.isVisible(), 'the chooser reached the processes recommendation');
        await page.locator('.checklist').screenshot({ path: path.join(outDir, `guide-checklist-${width}-${scheme}.png`) });
        assert.deepEqual(context.problems, []);
        await context.close();
      });
    }
  }
});
