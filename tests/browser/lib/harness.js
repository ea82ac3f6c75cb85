'use strict';
// Shared plumbing for the browser tests: where the built fixture sites are,
// a static server on 127.0.0.1, Chromium with the flags we need, and a
// recorder for everything on a page that a reader would call broken.
//
// scripts/test-browser builds the fixture books and sets PROOFBOOK_BROWSER_WORK;
// nothing here is skipped when something is missing: it throws, so the test
// that needed it fails with the reason.

const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.PROOFBOOK_CHROMIUM || '/usr/bin/chromium';
// Flags from the brief: a headless browser that talks to nothing but the pages we load.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// The fixture books: the shared ones in tests/books/, "wide" from
// tests/browser/books/ (content that is wide on a phone, Python hidden lines),
// and "guide", the shipped guide (built from the repository; books/guide has
// a copy of its book.toml and content/).
const BOOKS = ['basic', 'mdbook-compat', 'wide', 'measure', 'guide'];

function fail(message) {
  throw new Error(`${message}\n(run the suite with scripts/test-browser, which builds the fixture sites)`);
}

// The work folder that scripts/test-browser made: books/NAME (the copied
// sources) and sites/NAME (what proofbook built from them).
function workDir() {
  const dir = process.env.PROOFBOOK_BROWSER_WORK;
  if (!dir) fail('PROOFBOOK_BROWSER_WORK is not set.');
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) fail(`PROOFBOOK_BROWSER_WORK=${dir} is not a folder.`);
  return dir;
}

function siteDir(book) {
  const dir = path.join(workDir(), 'sites', book);
  if (!fs.existsSync(path.join(dir, 'index.html'))) fail(`No built site for the fixture book "${book}" at ${dir}.`);
  return dir;
}

function bookDir(book) {
  const dir = path.join(workDir(), 'books', book);
  if (!fs.existsSync(path.join(dir, 'book.toml'))) fail(`No copy of the fixture book "${book}" at ${dir}.`);
  return dir;
}

// Screenshots go to target/browser-artifacts (git-ignored with target/).
function artifactsDir() {
  const dir = process.env.PROOFBOOK_BROWSER_ARTIFACTS || path.resolve(__dirname, '../../../target/browser-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

// Every HTML file of a built site, as URL paths ("guide/nested.html"), sorted.
// Redirect stubs (from [output.html.redirect]) are listed apart: they are not
// pages a reader stays on, they send the browser elsewhere.
function sitePages(book) {
  const root = siteDir(book);
  const pages = [];
  const redirects = [];
  (function walk(rel) {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.html')) {
        const html = fs.readFileSync(path.join(root, child), 'utf8');
        (/<meta http-equiv="refresh"/i.test(html) ? redirects : pages).push(child);
      }
    }
  })('');
  pages.sort();
  redirects.sort();
  if (pages.length < 3) fail(`The site of "${book}" has only ${pages.length} pages; the build looks broken.`);
  return { pages, redirects };
}

// Where a redirect stub sends the reader (its <meta http-equiv="refresh"> URL),
// relative to the stub.
function redirectTarget(book, stub) {
  const html = fs.readFileSync(path.join(siteDir(book), stub), 'utf8');
  const m = /<meta http-equiv="refresh" content="\d+;\s*URL=([^"]+)"/i.exec(html);
  if (!m) fail(`${book}/${stub} has no refresh URL.`);
  return m[1].replace(/&amp;/g, '&');
}

// The chapters a book's SUMMARY.md links to, in order: { title, file }.
// Read from the source, not from the site, so the site is checked against
// what the author wrote. Enough of mdBook's grammar for the fixtures: every
// "[Title](file.md)" with a non-empty target; drafts "[Title]()" are skipped.
function summaryChapters(book) {
  const dir = bookDir(book);
  const toml = fs.readFileSync(path.join(dir, 'book.toml'), 'utf8');
  const src = (toml.match(/^\s*src\s*=\s*"([^"]+)"/m) || [])[1]
    || (fs.existsSync(path.join(dir, 'src', 'SUMMARY.md')) ? 'src' : 'content');
  const text = fs.readFileSync(path.join(dir, src, 'SUMMARY.md'), 'utf8').replace(/<!--[\s\S]*?-->/g, '');
  const chapters = [];
  for (const m of text.matchAll(/\[([^\]]+)\]\(([^)]+)\)/g)) {
    chapters.push({ title: m[1].trim(), file: m[2].trim().replace(/^\.\//, '') });
  }
  if (chapters.length === 0) fail(`Found no chapters in the SUMMARY.md of "${book}".`);
  return chapters;
}

// "part1/README.md" -> "part1/index.html", "x.md" -> "x.html" (proofbook's page_path rule).
function pagePathOf(mdFile) {
  return mdFile.replace(/(^|\/)README\.md$/, '$1index.md').replace(/\.md$/, '.html');
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

// A static server for one site, at the root of its own origin (404.html uses
// <base href="/">, so a site must not sit under a prefix). Like common static
// hosts, a missing file gets the site's 404.html with status 404.
async function serve(root) {
  const realRoot = fs.realpathSync(root);
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let file = path.join(realRoot, rel);
    // Never serve anything outside the site.
    if (file !== realRoot && !file.startsWith(realRoot + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) file = path.join(file, 'index.html');
    let status = 200;
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
      status = 404;
      file = path.join(realRoot, '404.html');
      if (!fs.existsSync(file)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
    }
    const body = fs.readFileSync(file);
    res.writeHead(status, {
      'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    url: (p = '') => `http://127.0.0.1:${port}/${p}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

async function launch() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM} (Debian: apt-get install chromium; scripts/test-browser does it).`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

// A browser context that refuses to reach any host but 127.0.0.1 and writes
// down everything a reader (or the developer console) would see as broken.
// `problems` collects strings; tests assert it is empty.
async function newContext(browser, options = {}) {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  const problems = [];
  const requests = [];
  // Abort, rather than just note, anything off the machine: the pages must
  // work with no network, and the tests must send nothing outside 127.0.0.1.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.fallback();
    problems.push(`request to another host: ${url}`);
    return route.abort('blockedbyclient');
  });
  context.on('request', (req) => requests.push(req.url()));
  context.on('requestfailed', (req) => {
    // Chromium fetches the tab icon after the page and cancels that fetch
    // when the test moves on to the next page; a missing icon is still
    // caught, as an HTTP 404 below.
    if (req.url().endsWith('/favicon.svg') && req.failure()?.errorText === 'net::ERR_ABORTED') return;
    if (isLocal(req.url())) problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
  });
  context.on('response', (res) => {
    if (res.status() >= 400 && !context.expectedErrorUrls?.has(res.url())) {
      problems.push(`HTTP ${res.status()}: ${res.url()}`);
    }
  });
  context.on('console', (msg) => {
    // Chromium logs every 4xx response as a console error too; a test that
    // asks for a missing page on purpose lists that URL as expected.
    if (msg.type() === 'error' && context.expectedErrorUrls.has(msg.location()?.url)) return;
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()} (at ${msg.location()?.url || msg.page()?.url()})`);
  });
  context.on('weberror', (err) => problems.push(`uncaught exception: ${err.error().message} (on ${err.page()?.url()})`));
  context.problems = problems;
  context.requests = requests;
  context.expectedErrorUrls = new Set();
  return context;
}

function isLocal(url) {
  const u = new URL(url);
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
  return u.hostname === '127.0.0.1';
}

// Polls a condition in the page (CSS transitions, timers) instead of sleeping.
// The loop runs here, not in the page: with JavaScript disabled the page's own
// timers do not run, so page.waitForFunction would check only once.
async function waitUntil(page, fn, arg, what, timeout = 5_000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(fn, arg)) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Computed style values of the first element matching each selector.
function styles(page, pairs) {
  return page.evaluate((pairs) => {
    const out = {};
    for (const [key, selector, prop] of pairs) {
      const el = document.querySelector(selector);
      out[key] = el ? getComputedStyle(el).getPropertyValue(prop) : null;
    }
    return out;
  }, pairs);
}

// "rgb(1, 2, 3)" / "rgba(1, 2, 3, 0.5)" -> [1, 2, 3, a]
function parseColor(css) {
  const m = /rgba?\(([^)]+)\)/.exec(css || '');
  if (!m) throw new Error(`not an rgb colour: ${css}`);
  const parts = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
  return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
}

// WCAG 2 relative luminance and contrast ratio.
function luminance(css) {
  const [r, g, b] = parseColor(css).map((v, i) => (i < 3 ? v / 255 : v));
  const lin = (c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

module.exports = {
  BOOKS,
  siteDir,
  bookDir,
  artifactsDir,
  sitePages,
  redirectTarget,
  summaryChapters,
  pagePathOf,
  serve,
  launch,
  newContext,
  waitUntil,
  styles,
  parseColor,
  luminance,
  contrast,
};
