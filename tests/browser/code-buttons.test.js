'use strict';
// The buttons main.js adds to code blocks: copy (hidden set-up lines included,
// so the copied program runs) and "show hidden lines".

const fs = require('node:fs');
const path = require('node:path');
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

let browser, server;
before(async () => {
  browser = await h.launch();
  server = await h.serve(h.siteDir('mdbook-compat'));
});
after(async () => {
  await browser?.close();
  await server?.close();
});

// The first block of the fixture's code.md, as the author wrote it, with
// mdBook's hidden-line marker "# " removed: exactly what a reader should get
// from the copy button. Read from the source so the site is checked against it.
function firstBlockSource() {
  const md = fs.readFileSync(path.join(h.bookDir('mdbook-compat'), 'src', 'code.md'), 'utf8');
  const m = /```rust,ignore\n([\s\S]*?)```/.exec(md);
  assert.ok(m, 'the fixture code.md no longer starts with a rust,ignore block with a hidden line');
  assert.match(m[1], /^# /m, 'the fixture block has no hidden line');
  return m[1].replace(/^# /gm, '').replace(/\n$/, '');
}

async function open(options = {}) {
  const context = await h.newContext(browser, { viewport: { width: 1280, height: 800 }, ...options });
  // Real clipboard, not a stub: http://127.0.0.1 is a secure context, so the
  // page uses navigator.clipboard, and we read back what it wrote.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
  const page = await context.newPage();
  await page.goto(server.url('code.html'));
  return { context, page };
}

describe('copy button', () => {
  it('is left out when the book says copyable = false', async () => {
    const context = await h.newContext(browser, { viewport: { width: 1280, height: 800 } });
    // The page as proofbook writes it with `[output.html.playground]
    // copyable = false` (tests/mdbook_parity.rs checks the attribute).
    await context.route('**/code.html', async (route) => {
      const res = await route.fetch();
      const body = (await res.text()).replace('<html ', '<html data-copyable="false" ');
      await route.fulfill({ response: res, body });
    });
    const page = await context.newPage();
    await page.goto(server.url('code.html'));
    await h.waitUntil(page, () => document.querySelectorAll('.code-block').length > 0, null, 'the code blocks are wrapped');
    assert.equal(await page.locator('button.code-button.copy').count(), 0);
    // The other buttons stay.
    assert.ok(await page.locator('button.code-button.toggle-hidden').count() > 0);
    await context.close();
  });

  it('copies the full text of a block with hidden lines, hidden lines included', async () => {
    const { context, page } = await open();
    const block = page.locator('.code-block').first();
    assert.ok(await block.locator('.hidden-line').count() > 0, 'first block should have hidden lines');
    await page.evaluate(() => navigator.clipboard.writeText('stale'));

    // The buttons appear when the pointer is over the block.
    const copy = block.locator('button.code-button.copy');
    assert.equal(await copy.evaluate((b) => getComputedStyle(b.parentElement).opacity), '0');
    await block.hover();
    await h.waitUntil(page, () => getComputedStyle(document.querySelector('.code-buttons')).opacity === '1', null, 'the buttons show on hover');
    assert.equal(await copy.getAttribute('aria-label'), 'Copy code');

    await copy.click();
    await h.waitUntil(page, () => document.querySelector('button.copy').classList.contains('copied'), null, 'the copy button reports success');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, firstBlockSource());
    // Screen readers hear that it worked.
    await h.waitUntil(page, () => /Copied/.test(document.querySelector('[role="status"]')?.textContent || ''), null, '"Copied" is announced');
    assert.deepEqual(context.problems, []);
    await context.close();
  });

  it('every block copies exactly its code, hidden lines included', async () => {
    const { context, page } = await open();
    const blocks = page.locator('.code-block');
    const n = await blocks.count();
    assert.ok(n >= 3, `expected several code blocks on code.html, found ${n}`);
    for (let i = 0; i < n; i++) {
      const block = blocks.nth(i);
      const expected = await block.locator('code').evaluate((c) => c.textContent.replace(/\n$/, ''));
      const hidden = await block.locator('.hidden-line').allTextContents();
      await block.hover();
      await block.locator('button.copy').click();
      await h.waitUntil(page, (i) => document.querySelectorAll('button.copy')[i].classList.contains('copied'), i, `block ${i} reports it copied`);
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      assert.equal(copied, expected, `block ${i}`);
      for (const line of hidden) assert.ok(copied.includes(line.replace(/\n$/, '')), `block ${i} lost hidden line ${JSON.stringify(line)}`);
    }
    await context.close();
  });
});

describe('Python set-up lines ("#! ")', () => {
  it('are hidden on the page and copied without their marker', async () => {
    const wide = await h.serve(h.siteDir('wide'));
    try {
      const context = await h.newContext(browser, { viewport: { width: 1280, height: 800 } });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: wide.origin });
      const page = await context.newPage();
      await page.goto(wide.url('python.html'));
      const md = fs.readFileSync(path.join(h.bookDir('wide'), 'src', 'python.md'), 'utf8');
      const source = /```python norun\n([\s\S]*?)```/.exec(md)[1];
      // "#! x" -> "x", and a bare "#!" is an empty hidden line.
      const expected = source.replace(/^#! ?/gm, '').replace(/\n$/, '');
      const block = page.locator('.code-block').first();
      assert.equal(await block.locator('.hidden-line').count(), (source.match(/^#!/gm) || []).length);
      assert.equal(await block.locator('.hidden-line').first().isVisible(), false);
      assert.ok(!(await block.locator('pre').innerText()).includes('import asyncio'), 'a hidden line is on screen');
      await block.hover();
      await block.locator('button.copy').click();
      await h.waitUntil(page, () => document.querySelector('button.copy').classList.contains('copied'), null, 'the copy button reports success');
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), expected);
      await context.close();
    } finally {
      await wide.close();
    }
  });
});

describe('show hidden lines', () => {
  it('reveals the .hidden-line elements, and hides them again', async () => {
    const { context, page } = await open();
    const block = page.locator('.code-block').first();
    const lines = block.locator('.hidden-line');
    const count = await lines.count();
    assert.ok(count > 0);
    const visible = async () => {
      const v = [];
      for (let i = 0; i < count; i++) v.push(await lines.nth(i).isVisible());
      return v;
    };
    assert.deepEqual(await visible(), Array(count).fill(false), 'hidden lines are shown before the toggle');
    const heightBefore = (await block.locator('pre').boundingBox()).height;

    const toggle = block.locator('button.toggle-hidden');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    await block.hover();
    await toggle.click();
    assert.deepEqual(await visible(), Array(count).fill(true), 'hidden lines still hidden after the toggle');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    // The text of the hidden line is now really on screen: the block grew.
    assert.ok((await block.locator('pre').boundingBox()).height > heightBefore, 'the block did not grow');

    await toggle.click();
    assert.deepEqual(await visible(), Array(count).fill(false), 'hidden lines stay visible after the second click');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');

    // A block without hidden lines gets no toggle.
    const plain = page.locator('.code-block').filter({ hasNot: page.locator('.hidden-line') }).first();
    assert.equal(await plain.locator('button.toggle-hidden').count(), 0);
    await context.close();
  });

  it('on a touch screen (no hover) the buttons are always shown', async () => {
    const { context, page } = await open({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const opacity = await page.locator('.code-buttons').first().evaluate((b) => getComputedStyle(b).opacity);
    assert.equal(opacity, '1');
    await context.close();
  });
});
