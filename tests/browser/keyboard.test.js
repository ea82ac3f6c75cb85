'use strict';
// What main.js adds for keyboard and scrolling readers: ← / → follow the
// previous/next chapter (but not while the reader works in code), and the
// in-page contents marks the section being read.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

let browser, server;
before(async () => {
  browser = await h.launch();
  server = await h.serve(h.siteDir('basic'));
});
after(async () => {
  await browser?.close();
  await server?.close();
});

describe('arrow keys', () => {
  it('→ goes to the next chapter and ← to the previous one', async () => {
    const context = await h.newContext(browser, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(server.url('start.html'));
    await Promise.all([page.waitForURL(server.url('guide/nested.html')), page.keyboard.press('ArrowRight')]);
    await Promise.all([page.waitForURL(server.url('start.html')), page.keyboard.press('ArrowLeft')]);
    await Promise.all([page.waitForURL(server.url('preface.html')), page.keyboard.press('ArrowLeft')]);
    assert.deepEqual(context.problems, []);
    await context.close();
  });

  it('do nothing after a click in a code block (the reader may be scrolling it)', async () => {
    const context = await h.newContext(browser, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(server.url('start.html'));
    await page.locator('pre.code').first().click();
    await page.keyboard.press('ArrowRight');
    // Had it navigated, the next page would be loading by now.
    await page.waitForTimeout(300);
    assert.equal(page.url(), server.url('start.html'));
    await context.close();
  });
});

describe('in-page contents', () => {
  it('marks the section that a contents link jumped to', async () => {
    // 1400 px: the contents is a column beside the article (from 75em up).
    const context = await h.newContext(browser, { viewport: { width: 1400, height: 500 } });
    const page = await context.newPage();
    await page.goto(server.url('start.html'));
    assert.equal(await page.locator('.page-toc details').evaluate((d) => d.open), true, 'the contents column is collapsed');
    await page.locator('.page-toc a[href="#usage-1"]').click();
    await h.waitUntil(page, () => document.querySelector('.page-toc a[aria-current="location"]')?.getAttribute('href') === '#usage-1',
      null, 'the "Usage" (second) entry is marked as the current section');
    assert.equal(await page.locator('.page-toc a.active').count(), 1);
    await context.close();
  });

  it('is collapsed above the article on a phone', async () => {
    const context = await h.newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(server.url('start.html'));
    assert.equal(await page.locator('.page-toc details').evaluate((d) => d.open), false);
    await page.locator('.page-toc summary').click();
    assert.ok(await page.locator('.page-toc a[href="#install"]').isVisible());
    await context.close();
  });
});
