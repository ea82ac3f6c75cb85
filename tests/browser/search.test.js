'use strict';
// The search (search.js and searchindex.js): "/" or "s" opens a dialog,
// typed words find headings and prose, Enter follows a result, Esc closes
// and gives focus back; the index loads only when the search opens, also
// from file://, and the button is hidden without JavaScript.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
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

const desktop = { viewport: { width: 1280, height: 800 } };

// What the result list shows: each option's link, text and HTML.
function results(page) {
  return page.locator('#search-results [role="option"]').evaluateAll((as) => as.map((a) => ({
    href: a.getAttribute('href'),
    title: a.querySelector('.search-result-title').textContent,
    titleHtml: a.querySelector('.search-result-title').innerHTML,
    teaserHtml: a.querySelector('.search-result-teaser').innerHTML,
    selected: a.getAttribute('aria-selected'),
    id: a.id,
  })));
}

async function searchFor(page, words) {
  await page.locator('#search-input').fill(words);
  await h.waitUntil(page, () => document.querySelectorAll('#search-results [role="option"]').length > 0
    || /No results/.test(document.querySelector('#search-status')?.textContent || ''), null, `results for "${words}"`);
}

describe('search', () => {
  it('"/" opens it, a heading word finds its section with a marked snippet, Enter goes there', async () => {
    const context = await h.newContext(browser, desktop);
    const page = await context.newPage();
    await page.goto(server.url('reference.html'));
    assert.equal(await page.locator('.search-button').isVisible(), true, 'no search button');
    assert.ok(!context.requests.some((u) => u.endsWith('/searchindex.js')), 'the index loaded before the search opened');
    await page.keyboard.press('/');
    const dialog = page.locator('dialog.search-dialog');
    assert.equal(await dialog.evaluate((d) => d.open), true, 'the dialog did not open');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'search-input');
    assert.equal(await page.locator('#search-input').getAttribute('role'), 'combobox');

    await page.keyboard.type('instal');
    await h.waitUntil(page, () => document.querySelectorAll('#search-results [role="option"]').length > 0, null, 'results');
    assert.ok(context.requests.some((u) => u === server.url('searchindex.js')), 'the index was not loaded from the site root');
    const found = await results(page);
    assert.equal(found[0].href, server.url('start.html#install'));
    assert.equal(found[0].title, 'Getting started › Install');
    assert.match(found[0].titleHtml, /<mark>Install<\/mark>/, 'the prefix match is not marked in the title');
    assert.equal(found[0].selected, 'true');
    assert.equal(await page.locator('#search-input').getAttribute('aria-activedescendant'), found[0].id);
    // "install" is also in the prose of the second "Usage" section.
    const usage = found.find((r) => r.href === server.url('start.html#usage-1'));
    assert.ok(usage, JSON.stringify(found));
    assert.match(usage.teaserHtml, /back to the <mark>install<\/mark> step/);
    assert.match(await page.locator('#search-status').textContent(), /^\d+ results?$/);

    await Promise.all([page.waitForURL(server.url('start.html#install')), page.keyboard.press('Enter')]);
    assert.equal(await page.locator('main h1').textContent(), 'Getting started');
    assert.deepEqual(context.problems, []);
    await context.close();
  });

  it('ranks a title match first, needs every word, and snippets prose around the match', async () => {
    const context = await h.newContext(browser, desktop);
    const page = await context.newPage();
    await page.goto(server.url('preface.html'));
    await page.keyboard.press('s');
    await searchFor(page, 'blocking threads');
    let found = await results(page);
    assert.deepEqual(found.map((r) => r.href), [server.url('reference.html#tables')]);
    assert.match(found[0].teaserHtml, /<mark>threads<\/mark> <mark>blocking<\/mark> I\/O/);
    // Words that are never in one section together find nothing.
    await searchFor(page, 'blocking demo');
    assert.equal(await page.locator('#search-results [role="option"]').count(), 0);
    assert.match(await page.locator('#search-status').textContent(), /No results for “blocking demo”/);
    // Code is not indexed: the demo program prints "hello from the demo".
    await searchFor(page, 'hello');
    assert.equal(await page.locator('#search-results [role="option"]').count(), 0);
    // "nested" is the title of one page and a word in the preface.
    await searchFor(page, 'nested');
    found = await results(page);
    assert.deepEqual(found.map((r) => r.href), [server.url('guide/nested.html#nested-page'), server.url('preface.html#preface')]);
    assert.deepEqual(context.problems, []);
    await context.close();
  });

  it('is keyboard operable: ↑/↓ move the selection, ← → stay in the field, Esc closes and gives focus back', async () => {
    const context = await h.newContext(browser, desktop);
    const page = await context.newPage();
    await page.goto(server.url('start.html'));
    await page.locator('.search-button').focus();
    await page.keyboard.press('Enter');
    await searchFor(page, 'getting');
    const n = await page.locator('#search-results [role="option"]').count();
    assert.ok(n >= 3, `${n} results for "getting"`);
    const selected = () => page.locator('#search-input').getAttribute('aria-activedescendant');
    assert.equal(await selected(), 'search-result-0');
    await page.keyboard.press('ArrowDown');
    assert.equal(await selected(), 'search-result-1');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.equal(await selected(), `search-result-${n - 1}`, '↑ from the first result wraps to the last');
    assert.equal(await page.locator('[aria-selected="true"]').count(), 1);
    // The page's ←/→ chapter keys must not fire while the search is open.
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(300);
    assert.equal(page.url(), server.url('start.html'));

    await page.keyboard.press('Escape');
    assert.equal(await page.locator('dialog.search-dialog').evaluate((d) => d.open), false, 'Esc did not close');
    assert.equal(await page.evaluate(() => document.activeElement.classList.contains('search-button')), true, 'focus did not return to the button');
    // Reopening keeps the query and its results.
    await page.keyboard.press('/');
    assert.equal(await page.locator('#search-input').inputValue(), 'getting');
    assert.equal(await page.locator('#search-results [role="option"]').count(), n);
    await page.keyboard.press('Escape');
    // Closed again, the arrow keys go to the next chapter as before.
    await page.locator('main h1').click();
    await Promise.all([page.waitForURL(server.url('guide/nested.html')), page.keyboard.press('ArrowRight')]);
    assert.deepEqual(context.problems, []);
    await context.close();
  });

  it('the shortcut does nothing in a form field or with a modifier key', async () => {
    const context = await h.newContext(browser, desktop);
    const page = await context.newPage();
    await page.goto(server.url('start.html'));
    const open = () => page.evaluate(() => !!document.querySelector('dialog.search-dialog')?.open);
    for (const key of ['Control+s', 'Alt+s', 'Meta+/', 'Shift+S']) {
      await page.keyboard.press(key);
      assert.equal(await open(), false, `${key} opened the search`);
    }
    await page.evaluate(() => {
      const field = document.createElement('input');
      field.id = 'field';
      document.querySelector('main').prepend(field);
    });
    await page.locator('#field').focus();
    await page.keyboard.type('s/');
    assert.equal(await open(), false, 'typing in a field opened the search');
    assert.equal(await page.locator('#field').inputValue(), 's/');
    assert.deepEqual(context.problems, []);
    await context.close();
  });

  for (const scheme of ['light', 'dark']) {
    it(`results keep AA contrast in the ${scheme} palette`, async () => {
      const context = await h.newContext(browser, { ...desktop, colorScheme: scheme });
      const page = await context.newPage();
      await page.goto(server.url('start.html'));
      await page.keyboard.press('/');
      await searchFor(page, 'usage');
      const c = await page.evaluate(() => {
        const bg = (el) => {
          for (; el; el = el.parentElement) {
            const b = getComputedStyle(el).backgroundColor;
            if (!/rgba\(0, 0, 0, 0\)|transparent/.test(b)) return b;
          }
          return 'rgb(255, 255, 255)';
        };
        const pair = (sel) => { const el = document.querySelector(sel); return [getComputedStyle(el).color, bg(el)]; };
        return {
          input: pair('#search-input'),
          title: pair('[aria-selected="true"] .search-result-title'),
          crumbs: pair('[aria-selected="true"] .search-result-crumbs'),
          teaser: pair('[aria-selected="true"] .search-result-teaser'),
          mark: pair('[aria-selected="true"] mark'),
          other: pair('[aria-selected="false"] .search-result-teaser'),
          status: pair('#search-status'),
        };
      });
      for (const [what, [fg, bg]] of Object.entries(c)) {
        const ratio = h.contrast(fg, bg);
        assert.ok(ratio >= 4.5, `${what}: ${fg} on ${bg} is ${ratio.toFixed(2)}:1`);
      }
      await page.screenshot({ path: path.join(h.artifactsDir(), `search-${scheme}.png`) });
      assert.deepEqual(context.problems, []);
      await context.close();
    });
  }

  it('works from file:// (the index is a script, not a fetch)', async () => {
    const context = await browser.newContext(desktop);
    const problems = [];
    context.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    context.on('weberror', (e) => problems.push(e.error().message));
    context.on('request', (r) => { if (!r.url().startsWith('file:')) problems.push(`request to ${r.url()}`); });
    const page = await context.newPage();
    const site = h.siteDir('basic');
    await page.goto(pathToFileURL(path.join(site, 'guide', 'nested.html')).href);
    await page.keyboard.press('/');
    await searchFor(page, 'tables');
    const found = await results(page);
    const target = pathToFileURL(path.join(site, 'reference.html')).href + '#tables';
    assert.equal(found[0].href, target);
    await Promise.all([page.waitForURL(target), page.keyboard.press('Enter')]);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('without JavaScript the button is hidden and the page works as before', async () => {
    const context = await h.newContext(browser, { ...desktop, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(server.url('start.html'));
    assert.equal(await page.locator('.search-button').count(), 1);
    assert.equal(await page.locator('.search-button').isVisible(), false, 'the search button shows without JavaScript');
    assert.ok(!context.requests.some((u) => u.endsWith('searchindex.js')));
    assert.deepEqual(context.problems, []);
    await context.close();
  });
});
