'use strict';
// JavaScript turned off: the theme promises every page can still be read and
// navigated (the script only adds to a page that already works).

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

const noJs = (options) => h.newContext(browser, { javaScriptEnabled: false, ...options });

function sidebarOnScreen(page) {
  return page.evaluate(() => {
    const nav = document.querySelector('#sidebar');
    const r = nav.getBoundingClientRect();
    const s = getComputedStyle(nav);
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.right > 1 && r.left < window.innerWidth - 1;
  });
}

for (const book of h.BOOKS) {
  describe(`${book} without JavaScript`, () => {
    const { pages, redirects } = h.sitePages(book);
    let context, page;
    before(async () => {
      context = await noJs({ viewport: { width: 360, height: 800 }, isMobile: true, hasTouch: true });
      page = await context.newPage();
    });
    after(async () => { await context?.close(); });

    for (const p of pages) {
      it(`${p} renders and fits a 360 px phone`, async () => {
        context.problems.length = 0;
        await page.goto(servers[book].url(p));
        const r = await page.evaluate(() => ({
          js: document.documentElement.classList.contains('js'),
          styled: getComputedStyle(document.body).fontFamily.includes('system-ui'),
          h1: document.querySelector('main h1')?.getBoundingClientRect().height || 0,
          toggleShown: (() => { const t = document.querySelector('.theme-toggle'); return !!t && getComputedStyle(t).display !== 'none'; })(),
          tocOpen: document.querySelector('.page-toc details')?.open ?? null,
          scrollWidth: document.documentElement.scrollWidth,
        }));
        assert.equal(r.js, false, 'scripts ran although JavaScript is off');
        assert.ok(r.styled, 'main.css did not apply');
        assert.ok(r.h1 > 0, 'no visible h1 in <main>');
        assert.equal(r.toggleShown, false, 'the theme button (which needs JavaScript) is shown');
        // Without the script the in-page contents stay open rather than collapsed out of reach.
        if (r.tocOpen !== null) assert.equal(r.tocOpen, true, 'the in-page contents are collapsed');
        assert.ok(r.scrollWidth <= 360, `page is ${r.scrollWidth} px wide`);
        assert.deepEqual(context.problems, []);
      });
    }

    for (const r of redirects) {
      it(`redirect ${r} still works (meta refresh)`, async () => {
        const target = new URL(h.redirectTarget(book, r), servers[book].url(r)).href.split('#')[0];
        await Promise.all([
          page.waitForURL((u) => u.href.split('#')[0] === target),
          page.goto(servers[book].url(r)),
        ]);
      });
    }
  });
}

describe('navigation without JavaScript', () => {
  it('on a 390 px phone the CSS-only menu opens the sidebar, and a chapter link in it works', async () => {
    const context = await noJs({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const server = servers.basic;
    await page.goto(server.url('start.html'));
    assert.equal(await sidebarOnScreen(page), false, 'the drawer is open at first');
    // The label toggles the checkbox #sidebar-toggle; CSS does the rest.
    await page.locator('label.menu-toggle').click();
    await h.waitUntil(page, () => {
      const r = document.querySelector('#sidebar').getBoundingClientRect();
      return r.left >= 0 && getComputedStyle(document.querySelector('#sidebar')).visibility === 'visible';
    }, null, 'the drawer opened');
    assert.equal(await page.locator('#sidebar-toggle').isChecked(), true);
    const link = page.locator('#sidebar a', { hasText: 'Nested page' });
    await Promise.all([page.waitForURL(server.url('guide/nested.html')), link.click()]);
    assert.equal(await page.locator('main h1').textContent(), 'Nested page');
    // Its picture (a relative URL one folder down) loaded.
    assert.ok(await page.locator('main img').evaluate((img) => img.complete && img.naturalWidth > 0), 'the image did not load');

    // The backdrop closes the drawer too.
    await page.locator('label.menu-toggle').click();
    await h.waitUntil(page, () => getComputedStyle(document.querySelector('#sidebar')).visibility === 'visible', null, 'the drawer reopened');
    await page.mouse.click(385, 400);
    await h.waitUntil(page, () => getComputedStyle(document.querySelector('#sidebar')).visibility === 'hidden', null, 'the backdrop closed the drawer');
    assert.deepEqual(context.problems, []);
    await context.close();
  });

  it('on a desktop, previous/next, sidebar and in-text links go to the right chapters', async () => {
    const context = await noJs({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const server = servers.basic;
    await page.goto(server.url('index.html'));
    assert.equal(await sidebarOnScreen(page), true, 'the sidebar column is not shown');

    await Promise.all([page.waitForURL(server.url('start.html')), page.locator('a.page-nav-link.next').click()]);
    assert.equal(await page.locator('main h1').textContent(), 'Getting started');
    await Promise.all([page.waitForURL(server.url('reference.html#tables')), page.locator('article a', { hasText: 'reference' }).click()]);
    assert.equal(await page.locator('main h1').textContent(), 'Reference');
    // The linked section is scrolled into view below the sticky header.
    const top = await page.locator('#tables').evaluate((e) => e.getBoundingClientRect().top);
    const header = await page.locator('.site-header').evaluate((e) => e.getBoundingClientRect().bottom);
    assert.ok(top >= header - 1 && top < 400, `#tables is at ${top}px, header ends at ${header}px`);
    await Promise.all([page.waitForURL(server.url('guide/nested.html')), page.locator('#sidebar a', { hasText: 'Nested page' }).click()]);
    await Promise.all([page.waitForURL(server.url('start.html')), page.locator('a.page-nav-link.prev').click()]);
    await Promise.all([page.waitForURL(server.url('index.html')), page.locator('a.book-title').click()]);

    // The CSS-only menu also hides the sidebar column.
    await page.locator('label.menu-toggle').click();
    assert.equal(await sidebarOnScreen(page), false, 'the menu did not hide the sidebar column');
    assert.deepEqual(context.problems, []);
    await context.close();
  });

  it('a dark system gets the dark palette without JavaScript', async () => {
    const context = await noJs({ colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(servers.basic.url('start.html'));
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.ok(h.luminance(bg) < 0.05, `background ${bg}`);
    await context.close();
  });
});
