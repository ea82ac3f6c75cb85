'use strict';
// The measurements a build publishes: the comparison chart is drawn (an
// SVG with its text table), and the results page sorts by any column when
// its header is clicked, while it reads in book order without JavaScript.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

let browser, server;
before(async () => {
  browser = await h.launch();
  server = await h.serve(h.siteDir('measure'));
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const sortKeys = (page, col) =>
  page.$$eval('table.results tbody tr', (rows, c) => rows.map((r) => +r.cells[c].getAttribute('data-sort')), col);

describe('results page', () => {
  it('sorts by a column when its header is clicked, both ways', async () => {
    const context = await h.newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(server.url('results.html'));
    const median = page.locator('table.results thead th').nth(3);
    await median.locator('button.sort').click();
    assert.equal(await median.getAttribute('aria-sort'), 'ascending');
    const up = await sortKeys(page, 3);
    assert.ok(up.length >= 12, `${up.length} rows`);
    assert.deepEqual(up, [...up].sort((a, b) => a - b));
    await median.locator('button.sort').click();
    assert.equal(await median.getAttribute('aria-sort'), 'descending');
    const down = await sortKeys(page, 3);
    assert.deepEqual(down, [...up].sort((a, b) => b - a));
    assert.deepEqual(context.problems, []);
    await context.close();
  });

  it('is a plain table in book order without JavaScript', async () => {
    const context = await h.newContext(browser, { viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(server.url('results.html'));
    assert.equal(await page.locator('table.results button.sort').count(), 0);
    const first = await page.locator('table.results tbody tr th a').first().textContent();
    assert.equal(first, 'cpu-seq');
    await context.close();
  });
});

describe('comparison chart', () => {
  it('draws one bar per member, readable in both colour schemes', async () => {
    for (const colorScheme of ['light', 'dark']) {
      const context = await h.newContext(browser, { viewport: { width: 1280, height: 900 }, colorScheme });
      const page = await context.newPage();
      await page.goto(server.url('cpu.html'));
      const chart = page.locator('figure.comparison svg.chart-svg');
      assert.equal(await chart.locator('rect.bar').count(), 3);
      const box = await chart.boundingBox();
      assert.ok(box && box.width > 300 && box.height > 60, JSON.stringify(box));
      // Bars are filled with a colour that differs from the page background.
      const [bar, bg] = await page.evaluate(() => [
        getComputedStyle(document.querySelector('rect.bar:not(.baseline)')).fill,
        getComputedStyle(document.body).backgroundColor,
      ]);
      assert.notEqual(bar, bg, colorScheme);
      assert.equal(await page.locator('figure.comparison table tbody tr').count(), 3);
      assert.deepEqual(context.problems, []);
      await context.close();
    }
  });

  it('fits a 360 px phone: every label and value inside the frame, nothing to scroll', async () => {
    const context = await h.newContext(browser, { viewport: { width: 360, height: 800 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(server.url('cpu.html'));
    const r = await page.evaluate(() => {
      const fig = document.querySelector('figure.comparison');
      const frame = fig.getBoundingClientRect();
      const texts = [...fig.querySelectorAll('svg.chart-svg text')].map((t) => {
        const b = t.getBoundingClientRect();
        return { text: t.textContent, left: b.left, right: b.right, height: b.height };
      });
      const table = fig.querySelector('table.comparison-table');
      return { left: frame.left, right: frame.right, scroll: fig.scrollWidth - fig.clientWidth, tableScroll: table.scrollWidth - table.clientWidth, texts };
    });
    assert.equal(r.scroll, 0, 'the chart does not scroll inside its frame');
    assert.equal(r.tableScroll, 0, 'the table\'s columns fit without scrolling');
    assert.ok(r.texts.length >= 6, JSON.stringify(r.texts));
    for (const t of r.texts) {
      assert.ok(t.left >= r.left && t.right <= r.right, `"${t.text}" spans ${t.left}–${t.right}, outside ${r.left}–${r.right}`);
      // A drawing scaled down to fit would shrink its text with it.
      assert.ok(t.height >= 12, `"${t.text}" is drawn ${t.height}px tall`);
    }
    assert.deepEqual(context.problems, []);
    await context.close();
  });
});
