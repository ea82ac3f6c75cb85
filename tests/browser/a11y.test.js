'use strict';
// Accessibility, checked by axe-core (Deque's rules engine, the one browser
// devtools and Lighthouse use) on every page of every book, in the light and
// the dark palette: WCAG 2.1 A and AA (contrast included) and axe's best
// practices (landmarks, heading order, one main, regions a keyboard can
// scroll). A page passes with no violation at all.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

const AXE = require.resolve('axe-core/axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

let browser;
before(async () => { browser = await h.launch(); });
after(async () => { await browser?.close(); });

async function violations(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), TAGS);
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}; at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

for (const book of h.BOOKS) {
  const { pages } = h.sitePages(book);
  for (const colorScheme of ['light', 'dark']) {
    describe(`${book}, ${colorScheme}: axe finds nothing`, () => {
      let server, context, page;
      before(async () => {
        server = await h.serve(h.siteDir(book));
        context = await h.newContext(browser, { viewport: { width: 1280, height: 900 }, colorScheme });
        page = await context.newPage();
      });
      after(async () => {
        await context?.close();
        await server?.close();
      });
      for (const p of pages) {
        it(p, async () => {
          await page.goto(server.url(p));
          assert.deepEqual(await violations(page), []);
        });
      }
    });
  }
}

describe('interactive states: axe finds nothing', () => {
  let server;
  before(async () => { server = await h.serve(h.siteDir('guide')); });
  after(async () => { await server?.close(); });

  for (const colorScheme of ['light', 'dark']) {
    it(`the guide's checklist at a recommendation, and the phone drawer, ${colorScheme}`, async () => {
      const context = await h.newContext(browser, { viewport: { width: 390, height: 844 }, colorScheme, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      await page.goto(server.url('index.html'));
      await page.locator('.checklist-answer').first().click();
      await page.locator('#checklist-q-waits .checklist-answer').first().click();
      assert.ok(await page.locator('#checklist-r-asyncio').isVisible());
      assert.deepEqual(await violations(page), []);
      await page.locator('button.menu-toggle').click();
      await h.waitUntil(page, () => getComputedStyle(document.querySelector('#sidebar')).visibility === 'visible', null, 'the drawer opened');
      assert.deepEqual(await violations(page), []);
      await context.close();
    });
  }
});
