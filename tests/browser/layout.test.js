'use strict';
// Phones: no page of either book may scroll sideways at 360 or 390 px
// (the theme promises that wide tables and code scroll inside themselves).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

let browser;
before(async () => { browser = await h.launch(); });
after(async () => { await browser?.close(); });

// Measured by the browser; also reports the elements that stick out past the
// right edge, so a failure names the culprit.
// `width` is the device width we asked for: on a mobile viewport Chromium
// widens the layout viewport (and innerWidth) to fit content that overflows,
// zooming the page out, so innerWidth alone would hide the problem.
function overflow(page, width) {
  return page.evaluate((width) => {
    const root = document.documentElement;
    const offenders = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width && r.right > width + 0.5) {
        // Only report the outermost element that sticks out.
        if (!offenders.some((o) => o.el.contains(el))) offenders.push({ el, right: Math.round(r.right) });
      }
    }
    return {
      scrollWidth: root.scrollWidth,
      innerWidth: window.innerWidth,
      // Overflow hidden on html/body would make scrollWidth lie while still cutting content off.
      clipped: [root, document.body].map((e) => getComputedStyle(e).overflowX).filter((v) => v === 'hidden' || v === 'clip'),
      offenders: offenders.slice(0, 5).map((o) => `${o.el.tagName.toLowerCase()}${o.el.id ? '#' + o.el.id : ''}${o.el.className && typeof o.el.className === 'string' ? '.' + o.el.className.trim().split(/\s+/).join('.') : ''} (right edge ${o.right})`),
    };
  }, width);
}

for (const book of h.BOOKS) {
  const { pages } = h.sitePages(book);
  for (const width of [360, 390]) {
    describe(`${book} at ${width} px`, () => {
      let server, context, page;
      before(async () => {
        server = await h.serve(h.siteDir(book));
        context = await h.newContext(browser, { viewport: { width, height: 800 }, isMobile: true, hasTouch: true });
        page = await context.newPage();
      });
      after(async () => {
        await context?.close();
        await server?.close();
      });
      for (const p of pages) {
        it(`${p} does not scroll sideways`, async () => {
          await page.goto(server.url(p));
          const o = await overflow(page, width);
          assert.ok(o.scrollWidth <= o.innerWidth && o.scrollWidth <= width,
            `scrollWidth ${o.scrollWidth} > ${width} px (innerWidth ${o.innerWidth}); sticking out: ${o.offenders.join(', ') || 'nothing found'}`);
          assert.equal(o.innerWidth, width, 'the browser zoomed the page out to fit it');
          assert.deepEqual(o.clipped, [], 'html/body hide horizontal overflow');
        });
      }
    });
  }
}
