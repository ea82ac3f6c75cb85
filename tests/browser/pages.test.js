'use strict';
// Every page of every fixture book loads cleanly: no console error, no
// uncaught exception, no failed or 4xx/5xx request, and no request to any
// host but 127.0.0.1 (the theme promises a site that needs no network).
// While each page is open we also note its links and ids, so that afterwards
// every same-site link can be checked against the page it points to.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

let browser;
before(async () => { browser = await h.launch(); });
after(async () => { await browser?.close(); });

for (const book of h.BOOKS) {
  describe(`every page of ${book}`, () => {
    const { pages, redirects } = h.sitePages(book);
    let server, context, page;
    const seen = new Map(); // URL path -> { ids, links }

    before(async () => {
      server = await h.serve(h.siteDir(book));
      context = await h.newContext(browser);
      page = await context.newPage();
    });
    after(async () => {
      await context?.close();
      await server?.close();
    });

    for (const p of pages) {
      it(`${p} loads with no errors and no outside requests`, async () => {
        context.problems.length = 0;
        context.requests.length = 0;
        const response = await page.goto(server.url(p), { waitUntil: 'load' });
        assert.equal(response.status(), 200, `${p} answered ${response.status()}`);
        // 'load' has waited for every stylesheet, script and image, and main.js
        // runs on DOMContentLoaded, so its errors have been reported by now.
        assert.deepEqual(context.problems, [], `problems on ${p}`);
        assert.ok(context.requests.length > 0);
        for (const url of context.requests) {
          if (/^(data|blob):/.test(url)) continue; // inline, no host involved
          assert.equal(new URL(url).hostname, '127.0.0.1', `${p} requested ${url}`);
        }
        // The page actually rendered with its stylesheet: the theme's body
        // font stack applies and there is a visible first heading or content.
        const rendered = await page.evaluate(() => ({
          styled: getComputedStyle(document.body).fontFamily.includes('system-ui'),
          text: (document.querySelector('main') || document.body).innerText.trim().length,
          ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
          // Links to other pages; "#id" links are checked apart, just below.
          // Links written to climb above the site's root (`../README.md` from a
          // top-level page) point outside the book on purpose: proofbook leaves
          // them alone, as mdBook does, so they are not checked here.
          links: [...document.querySelectorAll('a[href]:not([href^="#"])')]
            .filter((a) => {
              const raw = a.getAttribute('href');
              if (/^[a-z][a-z0-9+.-]*:|^\//i.test(raw)) return true;
              const depth = location.pathname.split('/').length - 2; // folders below the root
              const ups = (raw.match(/\.\.\//g) || []).length;
              return ups <= depth;
            })
            .map((a) => a.href),
          // Links written as "#id" must stay on this page (a <base href> can send them elsewhere).
          inPage: [...document.querySelectorAll('a[href^="#"]')]
            .filter((a) => a.href.split('#')[0] !== location.href.split('#')[0])
            .map((a) => `${a.getAttribute('href')} (${a.textContent.trim()}) goes to ${a.href}`),
        }));
        assert.ok(rendered.styled, `${p}: main.css did not apply`);
        assert.ok(rendered.text > 0, `${p}: <main> is empty`);
        seen.set(new URL(page.url()).pathname, { ids: new Set(rendered.ids), links: rendered.links, inPage: rendered.inPage });
      });
    }

    for (const r of redirects) {
      it(`redirect ${r} lands on a page with no errors`, async () => {
        context.problems.length = 0;
        const target = new URL(h.redirectTarget(book, r), server.url(r)).href;
        await Promise.all([
          page.waitForURL((u) => u.href.split('#')[0] === target.split('#')[0]),
          page.goto(server.url(r)),
        ]);
        await page.waitForLoadState('load');
        assert.deepEqual(context.problems, [], `problems following ${r}`);
        assert.ok(await page.locator('main h1').count() > 0, `${r} did not land on a chapter`);
      });
    }

    it('links to "#id" stay on their own page', () => {
      assert.equal(seen.size, pages.length, 'not every page was visited');
      const leaving = [];
      for (const [from, { inPage }] of seen) for (const l of inPage) leaving.push(`${from}: ${l}`);
      assert.deepEqual(leaving, []);
    });

    it('every same-site link points to an existing page and #id', async () => {
      assert.equal(seen.size, pages.length, 'not every page was visited');
      const broken = [];
      for (const [from, { links }] of seen) {
        for (const href of links) {
          const u = new URL(href);
          if (u.origin !== server.origin) continue; // external links are not followed
          const target = u.pathname.endsWith('/') ? `${u.pathname}index.html` : u.pathname;
          if (target.endsWith('.html')) {
            const info = seen.get(target);
            if (!info) {
              // A redirect stub or a file that does not exist.
              const res = await fetch(u.href.split('#')[0], { redirect: 'manual' });
              if (res.status !== 200) broken.push(`${from} -> ${href} (HTTP ${res.status})`);
              continue;
            }
            const id = decodeURIComponent(u.hash.slice(1));
            if (id && !info.ids.has(id)) broken.push(`${from} -> ${href} (no element with id "${id}")`);
          } else {
            const res = await fetch(u.href, { method: 'HEAD' });
            if (res.status !== 200) broken.push(`${from} -> ${href} (HTTP ${res.status})`);
          }
        }
      }
      assert.deepEqual(broken, []);
    });

    it('a missing URL deep in the site shows the styled 404 page', async () => {
      context.problems.length = 0;
      const missing = server.url('no/such/deep/page.html');
      context.expectedErrorUrls.add(missing);
      const response = await page.goto(missing, { waitUntil: 'load' });
      assert.equal(response.status(), 404);
      // Its stylesheet and links are absolute from the site URL, so they resolve at any depth.
      assert.deepEqual(context.problems, [], 'problems on the 404 page');
      assert.ok(await page.evaluate(() => getComputedStyle(document.body).fontFamily.includes('system-ui')),
        '404 page is unstyled at a nested URL');
      const home = await page.locator('a.book-title').evaluate((a) => a.href);
      assert.equal(home, server.url('index.html'));
      // The page tells the reader to use the table of contents: its links must work from here.
      const first = h.pagePathOf(h.summaryChapters(book)[0].file);
      assert.equal(await page.locator('#sidebar a[href]').first().evaluate((a) => a.href), server.url(first));
    });
  });
}
