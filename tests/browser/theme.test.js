'use strict';
// Light and dark: the header toggle, the reader's remembered choice, and the
// system preference when the reader has made none, code blocks included.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

let browser, basic, compat, wide;
before(async () => {
  browser = await h.launch();
  basic = await h.serve(h.siteDir('basic'));
  compat = await h.serve(h.siteDir('mdbook-compat'));
  wide = await h.serve(h.siteDir('wide'));
});
after(async () => {
  await browser?.close();
  for (const s of [basic, compat, wide]) await s?.close();
});

// What a reader sees: page and code colours, and the colour of every kind of
// highlighted token on the page (the first of each class).
function palette(page) {
  return page.evaluate(() => {
    const css = (el, prop) => getComputedStyle(el).getPropertyValue(prop);
    const pre = document.querySelector('pre.hl-code');
    const tokens = {};
    for (const span of document.querySelectorAll('pre.hl-code [class^="hl-"]')) {
      if (!(span.className in tokens)) tokens[span.className] = css(span, 'color');
    }
    return {
      theme: document.documentElement.getAttribute('data-theme'),
      pressed: document.querySelector('.theme-toggle')?.getAttribute('aria-pressed') ?? null,
      bg: css(document.body, 'background-color'),
      fg: css(document.body, 'color'),
      codeBg: pre && css(pre, 'background-color'),
      codeFg: pre && css(pre, 'color'),
      tokens,
    };
  });
}

const stored = (page) => page.evaluate(() => localStorage.getItem('proofbook-theme'));

describe('theme toggle', () => {
  it('switches html[data-theme], the page colours, and is remembered across reloads and pages', async () => {
    // A light system, so the page starts light whatever the machine prefers.
    const context = await h.newContext(browser, { colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto(basic.url('start.html'));
    const light = await palette(page);
    assert.equal(light.theme, null, 'no data-theme before the reader chooses');
    assert.equal(light.pressed, 'false');
    assert.ok(h.luminance(light.bg) > 0.8, `light page background is ${light.bg}`);

    await page.locator('.theme-toggle').click();
    const dark = await palette(page);
    assert.equal(dark.theme, 'dark');
    assert.equal(dark.pressed, 'true', 'the button reports the dark theme as on');
    assert.notEqual(dark.bg, light.bg, 'page background did not change');
    assert.ok(h.luminance(dark.bg) < 0.05, `dark page background is ${dark.bg}`);
    assert.ok(h.contrast(dark.fg, dark.bg) >= 4.5, `dark text ${dark.fg} on ${dark.bg}`);
    assert.equal(await stored(page), 'dark');

    // The head script re-applies the choice before the first paint.
    await page.reload();
    assert.deepEqual(await palette(page), dark, 'the dark choice was lost on reload');
    await page.goto(basic.url('preface.html'));
    assert.equal((await palette(page)).theme, 'dark', 'the dark choice was lost on another page');
    assert.equal((await palette(page)).bg, dark.bg);

    // And back: light is remembered too, as an explicit choice.
    await page.locator('.theme-toggle').click();
    assert.equal(await stored(page), 'light');
    await page.reload();
    const back = await palette(page);
    assert.equal(back.theme, 'light');
    assert.equal(back.bg, light.bg);
    assert.equal(back.pressed, 'false');
    assert.deepEqual(context.problems, []);
    await context.close();
  });

  it('on a dark system, the first click goes to light', async () => {
    const context = await h.newContext(browser, { colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(basic.url('start.html'));
    const before = await palette(page);
    await page.locator('.theme-toggle').click();
    const after = await palette(page);
    assert.equal(after.theme, 'light', 'the toggle must switch away from what the reader sees');
    assert.ok(h.luminance(after.bg) > h.luminance(before.bg), `${before.bg} -> ${after.bg}`);
    await context.close();
  });
});

describe('prefers-color-scheme: dark with no stored choice', () => {
  for (const [name, site, path] of [['basic', () => basic, 'start.html'], ['mdbook-compat', () => compat, 'code.html']]) {
    it(`${name}/${path}: dark page and dark code, the same as the explicit dark theme`, async () => {
      const system = await h.newContext(browser, { colorScheme: 'dark' });
      const page = await system.newPage();
      await page.goto(site().url(path));
      const auto = await palette(page);
      assert.equal(auto.theme, null, 'no stored choice, so no data-theme');
      assert.equal(auto.pressed, 'true', 'the toggle shows that dark is on');

      // Reference colours: the same page in a light system, explicitly light and explicitly dark.
      const chosen = await h.newContext(browser, { colorScheme: 'light' });
      const ref = await chosen.newPage();
      await ref.goto(site().url(path));
      const light = await palette(ref);
      await ref.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
      const dark = await palette(ref);

      assert.ok(h.luminance(auto.bg) < 0.05, `page background ${auto.bg} is not dark`);
      assert.ok(h.luminance(auto.codeBg) < 0.05, `code background ${auto.codeBg} is not dark`);
      assert.notEqual(auto.codeBg, light.codeBg);
      assert.notEqual(auto.codeFg, light.codeFg);
      assert.ok(Object.keys(auto.tokens).length >= 3, 'expected highlighted tokens on the page');
      // Token colours must change with the palette: compare keywords/strings/functions.
      for (const cls of ['hl-kd', 'hl-s', 'hl-nf']) {
        if (cls in auto.tokens) assert.notEqual(auto.tokens[cls], light.tokens[cls], `.${cls} kept its light colour`);
      }
      // The system-dark palette is exactly the explicit dark one.
      for (const key of ['bg', 'fg', 'codeBg', 'codeFg', 'tokens']) {
        assert.deepEqual(auto[key], dark[key], `${key} differs between system dark and chosen dark`);
      }
      await system.close();
      await chosen.close();
    });
  }
});

describe('code stays readable', () => {
  // The theme README promises WCAG AA for its text; the syntax colours are
  // adjusted to AA too. Check every token colour against the background the
  // code block really has (the theme's --code-bg), in both palettes.
  for (const [name, site, path] of [['basic', () => basic, 'start.html'], ['mdbook-compat', () => compat, 'code.html'], ['wide', () => wide, 'python.html']]) {
    for (const scheme of ['light', 'dark']) {
      it(`${name}/${path}: token colours reach 4.5:1 on the ${scheme} code background`, async () => {
        const context = await h.newContext(browser, { colorScheme: scheme });
        const page = await context.newPage();
        await page.goto(site().url(path));
        const p = await palette(page);
        const low = [];
        for (const [cls, color] of Object.entries({ code: p.codeFg, ...p.tokens })) {
          const ratio = h.contrast(color, p.codeBg);
          if (ratio < 4.5) low.push(`.${cls} ${color} on ${p.codeBg}: ${ratio.toFixed(2)}:1`);
        }
        assert.deepEqual(low, []);
        await context.close();
      });
    }
  }
});
