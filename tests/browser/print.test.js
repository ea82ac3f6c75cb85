'use strict';
// print.html holds the whole book: every chapter of SUMMARY.md, in order,
// reachable from its contents list; and printing drops the screen furniture.

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

for (const book of h.BOOKS) {
  describe(`${book}: print.html`, () => {
    it('exists and holds every chapter title, in SUMMARY order, each linked to its chapter', async () => {
      const context = await h.newContext(browser);
      const page = await context.newPage();
      const server = servers[book];
      const chapters = h.summaryChapters(book);

      // The first heading of every chapter page, as the reader sees it there.
      const headings = [];
      for (const c of chapters) {
        await page.goto(server.url(h.pagePathOf(c.file)));
        headings.push((await page.locator('main article h1').first().textContent()).trim());
      }

      // Reached the way a reader would: the header's print link.
      await page.goto(server.url('index.html'));
      await Promise.all([page.waitForURL(server.url('print.html')), page.locator('a[href$="print.html"]').first().click()]);
      const print = await page.evaluate(() => ({
        text: document.querySelector('main').innerText,
        contents: [...document.querySelectorAll('.print-contents a')].map((a) => ({
          text: a.textContent.trim(),
          id: decodeURIComponent(a.hash.slice(1)),
        })),
        sections: [...document.querySelectorAll('section.print-chapter')].map((s) => ({
          h1: s.querySelector('h1')?.textContent.trim() ?? null,
          ids: [...s.querySelectorAll('[id]')].map((e) => e.id),
        })),
      }));

      assert.deepEqual(print.contents.map((c) => c.text), chapters.map((c) => c.title), 'contents list vs SUMMARY.md');
      for (const c of chapters) assert.ok(print.text.includes(c.title), `"${c.title}" is not on the print page`);
      assert.equal(print.sections.length, chapters.length, 'one section per chapter');
      assert.deepEqual(print.sections.map((s) => s.h1), headings, 'each section starts with its chapter\'s heading');
      // Each contents entry points into its own chapter's section.
      print.contents.forEach((entry, i) => {
        assert.ok(print.sections[i].ids.includes(entry.id), `contents entry "${entry.text}" -> #${entry.id} is not in section ${i + 1}`);
      });
      assert.deepEqual(context.problems, []);
      await context.close();
    });
  });
}

describe('printing', () => {
  it('hides the header, sidebar and buttons, shows hidden lines, and uses the light palette even in dark mode', async () => {
    const context = await h.newContext(browser, { colorScheme: 'dark', viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(servers['mdbook-compat'].url('print.html'));
    await page.emulateMedia({ media: 'print' });
    const r = await page.evaluate(() => {
      const shown = (sel) => [...document.querySelectorAll(sel)].some((e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden');
      return {
        header: shown('.site-header'),
        sidebar: shown('#sidebar'),
        buttons: shown('.code-buttons'),
        hidden: [...document.querySelectorAll('.hidden-line')].map((e) => e.getClientRects().length > 0),
        bg: getComputedStyle(document.body).backgroundColor,
        fg: getComputedStyle(document.body).color,
      };
    });
    assert.equal(r.header, false, 'the header is printed');
    assert.equal(r.sidebar, false, 'the sidebar is printed');
    assert.equal(r.buttons, false, 'the code buttons are printed');
    assert.ok(r.hidden.length > 0 && r.hidden.every(Boolean), 'hidden lines are not printed');
    assert.ok(h.luminance(r.bg) > 0.9, `printed background ${r.bg}`);
    assert.ok(h.contrast(r.fg, r.bg) >= 4.5);
    await context.close();
  });
});
