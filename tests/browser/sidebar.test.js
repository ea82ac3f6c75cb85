'use strict';
// The table of contents: a drawer on a phone (closed until the menu button
// opens it), a column on a desktop, and the current chapter marked in it.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

let browser;
const servers = {};
before(async () => {
  browser = await h.launch();
  for (const book of h.BOOKS) servers[book] = await h.serve(h.siteDir(book));
});
after(async () => {
  await browser?.close();
  for (const s of Object.values(servers)) await s.close();
});

// Whether a reader can see the sidebar: rendered, not visibility:hidden, and
// on screen (the closed drawer is moved off to the left).
function sidebarState(page) {
  return page.evaluate(() => {
    const nav = document.querySelector('#sidebar');
    const r = nav.getBoundingClientRect();
    const s = getComputedStyle(nav);
    const onScreen = r.width > 0 && r.right > 1 && r.left < window.innerWidth - 1;
    const link = nav.querySelector('a[href]');
    let linkOnTop = false;
    if (link) {
      // Is a sidebar link the topmost thing at its own centre (not covered, clickable)?
      const lr = link.getBoundingClientRect();
      const hit = document.elementFromPoint(lr.left + lr.width / 2, lr.top + lr.height / 2);
      linkOnTop = !!hit && link.contains(hit);
    }
    return {
      visible: s.display !== 'none' && s.visibility !== 'hidden' && onScreen,
      linkOnTop,
      expanded: document.querySelector('.menu-toggle').getAttribute('aria-expanded'),
      left: r.left,
      right: r.right,
    };
  });
}

describe('sidebar on a 390 px phone', () => {
  it('is hidden at first, the menu button opens it, and it closes again', async () => {
    const context = await h.newContext(browser, { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    await page.goto(servers.basic.url('start.html'));

    const closed = await sidebarState(page);
    assert.equal(closed.visible, false, `sidebar is visible before the menu is used (${closed.left}..${closed.right})`);
    assert.equal(closed.linkOnTop, false, 'a sidebar link can be clicked while the drawer is closed');
    assert.equal(closed.expanded, 'false');

    const menu = page.locator('.menu-toggle');
    // The script puts a real button in the place of the label (a label may not take the role).
    assert.equal(await menu.evaluate((e) => e.tagName), 'BUTTON', 'the menu is a button');
    assert.equal(await page.locator('label[for="sidebar-toggle"]:not(.sidebar-backdrop)').isVisible(), false);
    await menu.click();
    // The drawer slides in (a CSS transition): wait until it has arrived.
    await h.waitUntil(page, () => {
      const r = document.querySelector('#sidebar').getBoundingClientRect();
      return r.left >= 0 && r.right <= window.innerWidth && getComputedStyle(document.querySelector('#sidebar')).visibility === 'visible';
    }, null, 'the drawer is fully on screen');
    const open = await sidebarState(page);
    assert.equal(open.visible, true);
    assert.equal(open.linkOnTop, true, 'the open drawer is covered by something');
    assert.equal(open.expanded, 'true');
    // The current chapter is visible in the open drawer.
    assert.ok(await page.locator('#sidebar a[aria-current="page"]').isVisible());

    // Escape closes it (the script's promise), and so does the backdrop.
    await page.keyboard.press('Escape');
    await h.waitUntil(page, () => getComputedStyle(document.querySelector('#sidebar')).visibility === 'hidden', null, 'Escape closed the drawer');
    assert.equal((await sidebarState(page)).expanded, 'false');
    await menu.click();
    await h.waitUntil(page, () => getComputedStyle(document.querySelector('#sidebar')).visibility === 'visible', null, 'the drawer reopened');
    // Tap the backdrop to the right of the drawer.
    await page.mouse.click(385, 400);
    await h.waitUntil(page, () => getComputedStyle(document.querySelector('#sidebar')).visibility === 'hidden', null, 'the backdrop closed the drawer');
    assert.deepEqual(context.problems, []);
    await context.close();
  });

  it('a chapter link in the open drawer goes to that chapter', async () => {
    const context = await h.newContext(browser, { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    await page.goto(servers.basic.url('start.html'));
    await page.locator('.menu-toggle').click();
    await Promise.all([
      page.waitForURL(servers.basic.url('reference.html')),
      page.locator('#sidebar a', { hasText: 'Reference' }).click(),
    ]);
    assert.equal(await page.locator('main h1').textContent(), 'Reference');
    await context.close();
  });
});

describe('sidebar on a 1280 px desktop', () => {
  it('is a visible column; the menu button hides it and the choice is remembered', async () => {
    const context = await h.newContext(browser, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(servers.basic.url('start.html'));
    assert.equal((await sidebarState(page)).visible, true);
    assert.equal((await sidebarState(page)).expanded, 'true');
    await page.locator('.menu-toggle').click();
    assert.equal((await sidebarState(page)).visible, false);
    await page.reload();
    assert.equal((await sidebarState(page)).visible, false, 'hidden sidebar came back after a reload');
    assert.equal(await page.evaluate(() => document.documentElement.getAttribute('data-sidebar')), 'hidden');
    await page.locator('.menu-toggle').click();
    assert.equal((await sidebarState(page)).visible, true);
    await context.close();
  });
});

describe('the current chapter is marked in the sidebar', () => {
  for (const book of h.BOOKS) {
    it(`${book}: each chapter page has exactly one aria-current="page" link, pointing at itself`, async () => {
      const context = await h.newContext(browser, { viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      const server = servers[book];
      const chapters = h.summaryChapters(book).map((c) => h.pagePathOf(c.file));
      const wrong = [];
      for (const p of [...chapters, 'index.html']) {
        await page.goto(server.url(p));
        const marked = await page.evaluate(() => [...document.querySelectorAll('#sidebar [aria-current="page"]')]
          .map((a) => ({ href: a.href, active: a.classList.contains('active'), title: document.title })));
        if (marked.length !== 1) {
          wrong.push(`${p}: ${marked.length} links have aria-current="page"`);
          continue;
        }
        // index.html is the first chapter's page under a second name: it marks that chapter.
        const expected = p === 'index.html' ? server.url(chapters[0]) : server.url(p);
        if (marked[0].href !== expected) wrong.push(`${p}: aria-current is on ${marked[0].href}`);
        if (!marked[0].active) wrong.push(`${p}: the current link lacks class "active"`);
      }
      assert.deepEqual(wrong, []);
      await context.close();
    });
  }
});
