'use strict';
// `proofbook serve` in a real browser: a page reloads when its chapter is
// saved and keeps its scroll position, the print link opens every chapter
// with the edit, a broken chapter shows the error overlay (no reload), and
// fixing it removes the overlay with a reload.
// The book is a temp copy of tests/books/basic, so the test can edit it; the
// binary is the release build that scripts/test-browser makes (PROOFBOOK_BIN
// overrides it).

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

const ROOT = path.resolve(__dirname, '../..');
const BIN = process.env.PROOFBOOK_BIN || path.join(ROOT, 'target/release/proofbook');
const FIXTURE = path.join(ROOT, 'tests/books/basic');
const EVENTS = '/__proofbook/events';
const SCROLL = 1500;
const WAIT = 10_000;

// `proofbook serve BOOK --port 0`, with its stderr kept (and shown when a test fails).
function startServe(book) {
  if (!fs.existsSync(BIN)) throw new Error(`No proofbook binary at ${BIN} (scripts/test-browser builds it).`);
  const child = spawn(BIN, ['serve', book, '--port', '0'], {
    env: { ...process.env, CI: 'true' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const proc = { child, log: '', exited: null };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => { proc.log += s; });
  child.on('exit', (code, signal) => { proc.exited = signal || `exit status ${code}`; });
  child.on('error', (e) => { proc.exited = `spawn failed: ${e.message}`; });
  return proc;
}

// Waits until serve's stderr, from character `from` on, matches `re`.
async function waitForLog(proc, re, from = 0, what = String(re), timeout = WAIT) {
  const end = Date.now() + timeout;
  for (;;) {
    const m = re.exec(proc.log.slice(from));
    if (m) return m;
    if (proc.exited) throw new Error(`proofbook serve ended (${proc.exited}) before ${what}`);
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} on serve's stderr`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function stopServe(proc) {
  if (!proc || proc.exited) return;
  const gone = new Promise((resolve) => proc.child.once('exit', resolve));
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 3_000);
  await gone;
  clearTimeout(timer);
}

// The chapter with `line` as a paragraph right after its first heading, so
// the change is above where the reader has scrolled to.
function afterHeading(text, line) {
  const out = text.replace(/^(# [^\n]*\n)/, `$1\n${line}\n`);
  assert.notEqual(out, text, 'the chapter has no "# " heading to insert after');
  return out;
}

describe('proofbook serve', () => {
  let proc, browser, dir, book, chapter;
  const kill = () => { if (proc && !proc.exited) proc.child.kill('SIGKILL'); };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proofbook-serve-'));
    book = path.join(dir, 'basic');
    fs.cpSync(FIXTURE, book, {
      recursive: true,
      filter: (src) => !/[\\/](\.proofbook-cache|book)$/.test(src),
    });
    chapter = path.join(book, 'content/reference.md');
    // Long enough to scroll well past SCROLL at 1280×800.
    const filler = Array.from({ length: 200 }, (_, i) =>
      `Filler paragraph ${i + 1}: enough words to make the chapter long enough to scroll, so the reload has a position to keep.`);
    fs.appendFileSync(chapter, `\n${filler.join('\n\n')}\n`);
    process.once('exit', kill); // should the runner die before `after`
    browser = await h.launch();
  });

  after(async () => {
    await browser?.close();
    await stopServe(proc);
    process.removeListener('exit', kill);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serve reloads a saved chapter where the reader was, and shows and clears a build error', async (t) => {
    const started = Date.now();
    const times = {};
    const mark = (name) => { times[name] = Date.now() - started; };
    try {
      // 1. Start the server; it prints the URL, then the first build.
      proc = startServe(book);
      const m = await waitForLog(proc, /serving the preview at (http:\/\/127\.0\.0\.1:\d+\/)/, 0, 'the URL');
      const origin = m[1];
      await waitForLog(proc, /^built in \d+ ms/m, 0, 'the first build');
      mark('first build');

      // 2. Open the chapter, scrolled down, with its event stream connected.
      const context = await h.newContext(browser, { viewport: { width: 1280, height: 800 } });
      // Chromium restores the scroll position of a reloaded page by itself;
      // turn that off, so what is checked is the live-reload script's own
      // restore (sessionStorage), as in a browser that does not.
      await context.addInitScript(() => { history.scrollRestoration = 'manual'; });
      const page = await context.newPage();
      // Every Server-Sent Event the page receives, from DevTools (the page's
      // EventSource is private to the script, and the stream never ends, so
      // it has no resource timing entry while open).
      const sse = [];
      const cdp = await context.newCDPSession(page);
      cdp.on('Network.eventSourceMessageReceived', (e) => sse.push({ event: e.eventName, data: e.data }));
      await cdp.send('Network.enable');
      const waitForEvent = async (event, from, what) => {
        const end = Date.now() + WAIT;
        while (!sse.slice(from).some((e) => e.event === event)) {
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}; events so far: ${JSON.stringify(sse)}`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      };

      const url = `${origin}reference.html`;
      const response = await page.goto(url, { waitUntil: 'load' });
      assert.equal(response.status(), 200);
      await waitForEvent('hello', 0, 'the page\'s event stream to connect (its hello event)');
      mark('page open, stream connected');
      const max = await page.evaluate(() => document.documentElement.scrollHeight - innerHeight);
      assert.ok(max > SCROLL + 100, `the chapter scrolls only ${max} px`);
      await page.evaluate((y) => window.scrollTo(0, y), SCROLL);
      const start = await page.evaluate(() => window.scrollY);
      assert.ok(Math.abs(start - SCROLL) <= 1, `scrolled to ${start}, not ${SCROLL}`);
      await page.evaluate(() => { window.__notReloaded = true; });

      // 3. Save the chapter with a new sentence above the reader: the page
      // reloads with it and comes back to where the reader was.
      const original = fs.readFileSync(chapter, 'utf8');
      const tag = `${process.pid}-${Date.now().toString(36)}`;
      const sentence = `Live reload sentence ${tag}.`;
      let log = proc.log.length;
      let events = sse.length;
      fs.writeFileSync(chapter, afterHeading(original, sentence));
      await page.waitForFunction((s) => document.readyState === 'complete' && document.body.innerText.includes(s),
        sentence, { timeout: WAIT });
      mark('reloaded with the edit');
      assert.equal(await page.evaluate(() => window.__notReloaded), undefined, 'the page changed without reloading');
      await waitForLog(proc, /^built in \d+ ms/m, log, 'the rebuild');
      assert.ok(sse.slice(events).some((e) => e.event === 'reload' && JSON.parse(e.data).pages.includes('reference.html')),
        `no reload event naming reference.html: ${JSON.stringify(sse.slice(events))}`);
      // Restored on "load", which has fired by now (readyState is "complete").
      const restored = await page.evaluate(() => ({
        y: window.scrollY,
        max: document.documentElement.scrollHeight - innerHeight,
        saved: sessionStorage.getItem('proofbook-scroll:reference.html'),
      }));
      const want = Math.min(start, restored.max);
      assert.ok(Math.abs(restored.y - want) <= 5, `scrollY is ${restored.y} after the reload, not ${want}`);
      assert.equal(restored.saved, null, 'the saved position was not used up');
      await page.evaluate(() => { window.__notReloaded = true; });

      // The header's print link works in the preview too: print.html is
      // made when asked for and holds every chapter, the edit included.
      const printing = await context.newPage();
      await printing.goto(url, { waitUntil: 'load' });
      await Promise.all([
        printing.waitForURL(`${origin}print.html`, { timeout: WAIT }),
        printing.locator('a[href$="print.html"]').first().click(),
      ]);
      const printed = await printing.evaluate(() => document.querySelector('main').innerText);
      assert.ok(printed.includes(sentence), 'print.html does not show the edit');
      for (const title of ['Preface', 'Getting started', 'Nested page', 'Reference', 'Appendix']) {
        assert.ok(printed.includes(title), `print.html lacks the chapter ${title}`);
      }
      await printing.close();
      mark('print page');

      // 4. Break the chapter: the overlay shows the error, and the page stays.
      // First the reloaded page's own stream must be open: a hello after the reload event.
      const reloadAt = sse.findIndex((e, i) => i >= events && e.event === 'reload');
      await waitForEvent('hello', reloadAt + 1, 'the reloaded page\'s event stream to connect');
      mark('reloaded page connected');
      // A second page, not the one edited, must show the error too, and
      // lose it when the fix (which does not change it) arrives.
      const other = await context.newPage();
      const otherCdp = await context.newCDPSession(other);
      otherCdp.on('Network.eventSourceMessageReceived', (e) => sse.push({ event: e.eventName, data: e.data }));
      await otherCdp.send('Network.enable');
      const otherEvents = sse.length;
      await other.goto(`${origin}start.html`, { waitUntil: 'load' });
      await waitForEvent('hello', otherEvents, 'the second page\'s event stream to connect');
      await other.evaluate(() => { window.__notReloaded = true; });
      const saved = fs.readFileSync(chapter, 'utf8');
      log = proc.log.length;
      fs.writeFileSync(chapter, afterHeading(saved, '[gone](missing.md)'));
      const overlay = page.locator('div[role="alert"]', { hasText: 'proofbook: the build failed' });
      await overlay.waitFor({ state: 'visible', timeout: WAIT });
      mark('overlay shown');
      const text = await overlay.innerText();
      assert.match(text, /missing\.md/);
      assert.match(text, /reference\.md:\d+:\d+/);
      await waitForLog(proc, /^build failed in \d+ ms/m, log, 'the failed build');
      assert.equal(await page.evaluate(() => window.__notReloaded), true, 'an error reloaded the page');
      await page.screenshot({ path: path.join(h.artifactsDir(), 'serve-error.png') });

      // Fix it: the page reloads with the fix and the overlay is gone.
      const fixed = `Fixed sentence ${tag}, with a [working link](start.md).`;
      fs.writeFileSync(chapter, afterHeading(saved, fixed));
      await page.waitForFunction((s) => document.readyState === 'complete' && document.body.innerText.includes(s),
        fixed.replace(/\[([^\]]+)\]\([^)]*\)/, '$1'), { timeout: WAIT });
      mark('reloaded with the fix');
      assert.equal(await page.evaluate(() => window.__notReloaded), undefined, 'the fix did not reload the page');
      assert.equal(await overlay.count(), 0, 'the overlay is still there after the fix');
      const otherOverlay = other.locator('div[role="alert"]', { hasText: 'proofbook: the build failed' });
      await otherOverlay.waitFor({ state: 'detached', timeout: WAIT });
      assert.equal(await other.evaluate(() => window.__notReloaded), true, 'a page the fix did not change reloaded');
      const y = await page.evaluate(() => window.scrollY);
      assert.ok(Math.abs(y - want) <= 5, `scrollY is ${y} after the fix, not ${want}`);

      // 5. Nothing broke on the way, and nothing left 127.0.0.1.
      // A reload ends the old page's event stream: Chromium reports that
      // request as aborted, which is how a stream ends, not a fault.
      const aborted = `request failed: ${origin}${EVENTS.slice(1)} (net::ERR_ABORTED)`;
      assert.deepEqual(context.problems.filter((p) => p !== aborted), []);
      const outside = context.requests.filter((u) => !/^(data|blob):/.test(u) && new URL(u).hostname !== '127.0.0.1');
      assert.deepEqual(outside, []);
      await context.close();
      t.diagnostic(`timings (ms since start): ${JSON.stringify(times)}`);
    } catch (e) {
      e.message += `\n--- proofbook serve stderr ---\n${proc?.log ?? '(not started)'}`;
      throw e;
    } finally {
      await stopServe(proc);
    }
  });
});
