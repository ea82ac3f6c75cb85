'use strict';
// The decision checklist (the measure fixture's choose.md): with JavaScript a
// chooser that asks one question at a time and ends at a recommendation with
// this build's evidence; without it a list whose answers link to where they
// lead.

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

// The ids of the checklist's steps a reader can see.
const visibleSteps = (page) =>
  page.$$eval('.checklist-question, .checklist-recommendation', (els) =>
    els.filter((e) => e.getClientRects().length > 0).map((e) => e.id));

describe('checklist chooser', () => {
  it('asks one question at a time and ends at a recommendation with its evidence', async () => {
    const context = await h.newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(server.url('choose.html'));
    assert.deepEqual(await visibleSteps(page), ['checklist-q-kind']);
    assert.equal(await page.locator('.checklist-step').textContent(), 'Question 1');
    assert.equal(await page.locator('.checklist-back').isDisabled(), true);

    await page.getByRole('link', { name: 'It computes' }).click();
    assert.deepEqual(await visibleSteps(page), ['checklist-q-cores']);
    assert.equal(await page.locator('.checklist-step').textContent(), 'Question 2');
    // The answers so far, above the question.
    assert.deepEqual(await page.locator('.checklist-trail li').allTextContents(),
      ['What does the program do? It computes']);
    // Focus follows the chooser, so a keyboard or screen reader user is at the new question.
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Do you have two cores?');

    // Keyboard: Tab to an answer and press Enter.
    await page.getByRole('link', { name: 'Yes' }).focus();
    await page.keyboard.press('Enter');
    assert.deepEqual(await visibleSteps(page), ['checklist-r-processes']);
    assert.equal(await page.locator('.checklist-step').textContent(), 'Recommendation');
    const rec = page.locator('#checklist-r-processes');
    assert.equal(await rec.locator('.checklist-title').textContent(), 'Use processes');
    // Evidence: a number measured in this build, linked to its example, and a verdict.
    const measured = rec.locator('.checklist-evidence a.measured');
    // Three significant digits with trailing zeros dropped (format.rs), so a
    // measured 1.10 reads `1.1×`, 2.00 reads `2×` and 0.8431 (a slower run on
    // a busy machine) reads `0.843×`.
    assert.match(await measured.first().textContent(),
      /^(0\.\d{1,3}|[1-9](\.\d{1,2})?|[1-9]\d(\.\d)?|[1-9]\d{2,})×$/);
    assert.equal(await measured.first().getAttribute('href'), 'cpu.html#example-cpu-procs');
    assert.equal(await rec.locator('.verdict a[href="cpu.html#claim-processes-speed-up"]').count(), 1);
    assert.equal(await rec.locator('.verdict').count(), 2);

    // Back (the chooser's, then the browser's) steps back through the answers.
    await page.locator('.checklist-back').click();
    await h.waitUntil(page, () => document.querySelector('#checklist-q-cores').classList.contains('is-current'), null, 'Back showed question 2');
    assert.deepEqual(await visibleSteps(page), ['checklist-q-cores']);
    await page.getByRole('link', { name: 'Yes' }).click();
    assert.equal(new URL(page.url()).hash, '#checklist-r-processes');
    await page.goBack();
    await h.waitUntil(page, () => document.querySelector('#checklist-q-cores').classList.contains('is-current'), null, 'the browser\'s Back showed question 2');
    assert.equal(new URL(page.url()).pathname.endsWith('choose.html'), true, 'still on the page');
    await page.locator('.checklist-restart').click();
    assert.deepEqual(await visibleSteps(page), ['checklist-q-kind']);
    assert.equal(await page.locator('.checklist-trail li').count(), 0);

    await page.locator('.checklist-all').click();
    assert.equal((await visibleSteps(page)).length, 5);
    assert.equal(await page.locator('.checklist-all').getAttribute('aria-pressed'), 'true');
    assert.deepEqual(context.problems, []);
    await context.close();
  });

  it('opens at the step a link names', async () => {
    const context = await h.newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(server.url('choose.html#checklist-r-sequential'));
    assert.deepEqual(await visibleSteps(page), ['checklist-r-sequential']);
    assert.equal(await page.locator('.checklist-back').isDisabled(), false);
    await page.locator('.checklist-back').click();
    assert.deepEqual(await visibleSteps(page), ['checklist-q-kind']);
    assert.deepEqual(context.problems, []);
    await context.close();
  });

  it('fits a 360 px phone without sideways scrolling', async () => {
    const context = await h.newContext(browser, { viewport: { width: 360, height: 800 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(server.url('choose.html'));
    await page.getByRole('link', { name: 'It computes' }).click();
    await page.getByRole('link', { name: 'Yes' }).click();
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(wide <= 0, `the page is ${wide} px wider than the screen`);
    await context.close();
  });
});

describe('checklist without JavaScript', () => {
  it('lists every question and recommendation, and answers jump to where they lead', async () => {
    const context = await h.newContext(browser, { viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(server.url('choose.html'));
    assert.deepEqual(await visibleSteps(page), [
      'checklist-q-kind', 'checklist-q-cores',
      'checklist-r-processes', 'checklist-r-threads', 'checklist-r-sequential',
    ]);
    assert.equal(await page.locator('.checklist-bar').count(), 0);
    // Each answer says where it leads.
    assert.equal(await page.locator('#checklist-q-kind .checklist-then').first().textContent(), '→ question 2');
    await page.getByRole('link', { name: 'It waits' }).click();
    assert.equal(new URL(page.url()).hash, '#checklist-r-threads');
    const inView = await page.locator('#checklist-r-threads').evaluate((e) => {
      const r = e.getBoundingClientRect();
      return r.top >= 0 && r.top < window.innerHeight;
    });
    assert.ok(inView, 'the recommendation is on screen');
    await context.close();
  });
});
