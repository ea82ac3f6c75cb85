'use strict';
// The Rust playground (playground.js): runnable Rust blocks get a Run button
// that sends the block's code to the playground service only when pressed.
// The service is played here by a route that answers as it would; the
// harness refuses every other outside request, so a fetch at page load
// would show up as a problem.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

const SERVICE = 'https://play.rust-lang.org/evaluate.json';

let browser, server;
before(async () => {
  browser = await h.launch();
  server = await h.serve(h.siteDir('mdbook-compat'));
});
after(async () => {
  await browser?.close();
  await server?.close();
});

// code.html with the service answered by `answer(request)`; the requests
// it got are in `sent`.
async function open(answer) {
  const context = await h.newContext(browser, { viewport: { width: 1280, height: 800 } });
  const sent = [];
  await context.route(SERVICE, (route) => {
    sent.push(route.request());
    return answer(route);
  });
  const page = await context.newPage();
  await page.goto(server.url('code.html'));
  return { context, page, sent };
}

describe('playground', () => {
  it('reaches the service only on Run, with the whole program, and shows what it printed', async () => {
    const { context, page, sent } = await open((route) => route.fulfill({
      status: 200,
      contentType: 'application/json',
      headers: { 'access-control-allow-origin': '*' },
      body: JSON.stringify({ result: 'hi from the playground\n', error: null }),
    }));
    const blocks = page.locator('.code-block:has(pre.playground)');
    assert.ok(await blocks.count() >= 2, 'code.html should have runnable Rust blocks');
    // Plain Rust blocks marked `ignore` get no Run button.
    assert.equal(await page.locator('.code-block:has(code.ignore) button.run').count(), 0);
    assert.equal(sent.length, 0, 'nothing is sent before Run is pressed');
    assert.ok(!context.requests.some((u) => u.startsWith('https://')), 'no outside request at load');

    const block = blocks.first();
    const program = await block.locator('code').evaluate((c) => c.textContent.replace(/\n$/, ''));
    await block.hover();
    await block.locator('button.run').click();
    await h.waitUntil(page, () => /hi from the playground/.test(document.querySelector('output.playground-result')?.textContent || ''),
      null, 'the answer is shown under the block');
    assert.equal(sent.length, 1);
    const body = JSON.parse(sent[0].postData());
    assert.equal(body.code, program, 'the code sent is the block, hidden lines included');
    assert.match(body.code, /fn main\(\)/);
    assert.equal(body.edition, '2021', 'the book\'s [rust] edition');
    assert.equal(body.version, 'stable');
    assert.deepEqual(context.problems, []);
    await context.close();
  });

  it('says so when the service cannot be reached', async () => {
    const { context, page } = await open((route) => route.abort('internetdisconnected'));
    const block = page.locator('.code-block:has(pre.playground)').first();
    await block.hover();
    await block.locator('button.run').click();
    await h.waitUntil(page, () => /Could not run it on the Rust playground/.test(document.querySelector('output.playground-result')?.textContent || ''),
      null, 'the failure is shown');
    assert.ok(await page.locator('output.playground-result.playground-error').count() === 1);
    // The button works again for another try.
    assert.equal(await block.locator('button.run').isDisabled(), false);
    await context.close();
  });
});
