// End-to-end tests of the web UI in a real Chromium against a real
// `atrium serve` (issue 5 §4). Run with `make test-browser`; `make screenshots`
// runs them with ATRIUM_E2E_OUT=docs/screenshots.
//
// The tests find things by role and accessible name, as a user (and a screen
// reader) would; the names they rely on are listed in web/e2e/README.md.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ADMIN, VIEWPORT, apiClient, axeViolations, failureDir, launchBrowser, screenshot, startServer, trackErrors } from './harness.mjs';

let server;
let browser;
let context;
let page;
let api;
let errors = [];
// Serious and critical axe findings of every main page; the last test fails on any.
const a11y = [];

async function checkA11y(p, label) {
  a11y.push(...(await axeViolations(p, label)));
}

const T = 15_000; // a generous wait for one UI reaction on a loaded 2-core machine

async function newPage() {
  context = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'light', reducedMotion: 'reduce', locale: 'en-US', timezoneId: 'UTC' });
  context.setDefaultTimeout(T);
  page = await context.newPage();
  errors = trackErrors(page);
  return page;
}

async function signIn(p = page, { returnTo } = {}) {
  await p.getByRole('heading', { name: 'Sign in to Atrium' }).waitFor();
  await p.getByLabel('Email').fill(ADMIN.email);
  await p.getByLabel(/^Password/).fill(ADMIN.password);
  await p.getByRole('button', { name: 'Sign in', exact: true }).click();
  if (returnTo) await p.waitForURL((u) => u.pathname + u.search === returnTo);
  else await p.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}

/** openPalette presses Ctrl+K and waits until the search box has the focus. */
async function openPalette() {
  await page.keyboard.press('Control+k');
  const box = page.getByRole('combobox', { name: 'Search entities' }).or(page.getByRole('textbox', { name: 'Search entities' }));
  await box.waitFor();
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Search entities' && document.activeElement.tagName === 'INPUT');
  return box;
}

function path() {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

describe('web UI in Chromium', { timeout: 5 * 60_000 }, () => {
  before(async () => {
    server = await startServer();
    api = await apiClient(server.base);
    browser = await launchBrowser();
    await newPage();
  });

  after(async () => {
    await browser?.close();
    if (process.exitCode && server) console.log(`# server log (tail):\n${server.log()}`);
    await server?.stop();
  });

  it('sends a signed-out visitor to sign-in, refuses a wrong password and signs in', async () => {
    await page.goto(`${server.base}/`);
    await page.waitForURL((u) => u.pathname === '/sign-in');
    await page.getByLabel('Email').waitFor();
    // The first screen's JavaScript, as the browser received it (gzip), stays under 300 KB.
    const js = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((r) => new URL(r.name).pathname.endsWith('.js'))
        .reduce((n, r) => n + (r.encodedBodySize || 0), 0),
    );
    assert.ok(js > 0 && js < 300 * 1024, `first screen JS: ${(js / 1024).toFixed(1)} KB over the wire`);
    console.log(`# first screen JS over the wire: ${(js / 1024).toFixed(1)} KB`);
    await checkA11y(page, 'sign-in');
    await screenshot(page, 'sign-in');

    // A wrong password is refused on the page, with the fields kept.
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel(/^Password/).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'The email or password is not right.' }).waitFor();
    assert.equal(path(), '/sign-in?returnTo=%2F');
    assert.equal(await page.getByLabel('Email').inputValue(), ADMIN.email);
    await checkA11y(page, 'sign-in with an error');

    await page.getByLabel(/^Password/).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    assert.ok(await page.getByRole('button', { name: /^Account: / }).isVisible(), 'the user menu shows who is signed in');
  });

  it('shows the home page with counts per blueprint and recent changes', async () => {
    await page.getByRole('heading', { name: 'Entities per blueprint' }).waitFor();
    // The demo catalog: one tile per blueprint, with its count in the accessible name.
    await page.getByRole('link', { name: /^Services? [\d,]+ entities$/ }).first().waitFor();
    await page.getByRole('heading', { name: 'Recently changed' }).waitFor();
    await page.getByRole('list', { name: 'Recently changed entities' }).waitFor();
    await checkA11y(page, 'home');
    await screenshot(page, 'home');
  });

  it('searches every entity with Ctrl+K and opens the hit with the keyboard', async () => {
    const box = await openPalette();
    await page.keyboard.type('checkout');
    const hit = page.getByRole('option', { name: /checkout/i }).first().or(page.getByRole('button', { name: /checkout/i }).first());
    await hit.waitFor();
    await checkA11y(page, 'search palette');
    await screenshot(page, 'search');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname.startsWith('/entities/'));
    assert.ok(await box.isHidden(), 'the palette closes when a hit opens');
  });

  it('toggles dark mode and keeps it across a reload', async () => {
    await page.goto(`${server.base}/`);
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    const scheme = () => page.evaluate(() => document.documentElement.getAttribute('data-mantine-color-scheme'));
    assert.equal(await scheme(), 'light');
    await page.getByRole('button', { name: 'Switch to dark mode' }).click();
    await page.waitForFunction(() => document.documentElement.getAttribute('data-mantine-color-scheme') === 'dark');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(bg, 'rgb(255, 255, 255)', 'the dark page is not white');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    assert.equal(await scheme(), 'dark', 'the choice survives a reload');
    await checkA11y(page, 'home (dark)');
    await screenshot(page, 'home-dark');
    // The other main pages keep their contrast in the dark too.
    for (const [p, label] of [['/catalog/service', 'catalog (dark)'], ['/entities/service/billing', 'entity (dark)'], ['/data-model', 'data model (dark)'], ['/entities/service/billing?tab=history', 'history (dark)']]) {
      await page.goto(server.base + p);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.waitForFunction(() => !document.querySelector('[aria-busy="true"], .mantine-Skeleton-root'), null, { timeout: 5000 }).catch(() => {});
      await checkA11y(page, label);
    }
    await page.goto(`${server.base}/`);
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    await page.getByRole('button', { name: 'Switch to light mode' }).click();
    await page.waitForFunction(() => document.documentElement.getAttribute('data-mantine-color-scheme') === 'light');
  });

  it('serves a deep link on reload (SPA fallback) while /v1 never falls back', async () => {
    await page.goto(`${server.base}/catalog/service`);
    await page.waitForURL((u) => u.pathname === '/catalog/service');
    await page.reload();
    assert.equal(path(), '/catalog/service');
    await page.getByRole('table', { name: 'Service entities' }).getByRole('link').first().waitFor();
    await checkA11y(page, 'catalog (demo services)');
    await screenshot(page, 'catalog-services');
    const res = await page.request.get(`${server.base}/v1/no-such-route`);
    assert.equal(res.status(), 404);
    assert.match(res.headers()['content-type'] ?? '', /json/);
    const miss = await page.request.get(`${server.base}/assets/no-such-file.js`);
    assert.equal(miss.status(), 404, 'a missing asset is a 404, not the app');
  });

  it('is keyboard navigable: a skip link first, visible focus, the palette by keyboard alone', async () => {
    await page.goto(`${server.base}/`);
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    assert.ok(await skip.evaluate((el) => el === document.activeElement), 'the first Tab stop is "Skip to content"');
    assert.ok(await skip.isVisible(), 'the focused skip link is visible');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash === '#main');
    // Tab on from the main content reaches a link inside it, with a visible focus ring.
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const cs = getComputedStyle(el);
      return { inMain: !!el.closest('main'), outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0, shadow: cs.boxShadow !== 'none' };
    });
    assert.ok(focus?.inMain, 'Tab after the skip link stays in the main content');
    assert.ok(focus.outline || focus.shadow, 'the focused element shows a focus ring');
    // Search, move and open without the mouse.
    await openPalette();
    await page.keyboard.type('billing');
    await page.getByRole('button', { name: /^billing\b.*Service$/i }).first().waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === '/entities/service/billing');
    await page.keyboard.press('Escape');
  });

  it('fits a small laptop screen (1024x640) without sideways scrolling', async () => {
    await page.setViewportSize({ width: 1024, height: 640 });
    try {
      for (const p of ['/', '/catalog/service', '/entities/service/billing', '/data-model']) {
        await page.goto(server.base + p);
        await page.getByRole('heading', { level: 1 }).first().waitFor();
        await page.waitForTimeout(300);
        const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(over <= 1, `${p} is ${over}px wider than the window`);
      }
    } finally {
      await page.setViewportSize(VIEWPORT);
    }
  });

  it('sends the user to sign-in on a 401 and back where they were', async () => {
    await page.goto(`${server.base}/`);
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    // The session ends behind the app's back (expired, revoked): the next API call answers 401.
    await context.clearCookies();
    // A page whose data is not cached yet asks the API, which answers 401.
    await page.getByRole('navigation', { name: 'Blueprints' }).getByRole('link', { name: /^Environments?/ }).click();
    await page.waitForURL((u) => u.pathname === '/sign-in');
    assert.equal(new URL(page.url()).searchParams.get('returnTo'), '/catalog/environment');
    await signIn(page, { returnTo: '/catalog/environment' });
    await page.getByRole('heading', { level: 1, name: /Environment/ }).waitFor();
  });

  // The flow, one step per test; a step that fails skips the ones after it.
  describe('the catalog flow: builder → form → catalog → search → entity → history → as of', () => {
    let broken = '';
    const step = (name, fn, opts = {}) =>
      it(name, opts, async (t) => {
        if (broken) return t.skip(`an earlier step failed: ${broken}`);
        try {
          await fn(t);
        } catch (err) {
          broken = name;
          mkdirSync(failureDir, { recursive: true });
          await page.screenshot({ path: join(failureDir, `failure-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`) }).catch(() => {});
          throw err;
        }
      });
    let beforeEdit = ''; // an instant between the entity's creation and its edit

    step('sets up the blueprint the new one relates to (API)', async () => {
      await api.post('/v1/blueprints', {
        identifier: 'squad',
        title: 'Squad',
        icon: 'Team',
        schema: { properties: { mission: { type: 'string', title: 'Mission' } }, required: [] },
        relations: {},
      });
      await api.post('/v1/blueprints/squad/entities', { identifier: 'core-platform', title: 'Core Platform', properties: { mission: 'Paved roads' } });
    });

    step('creates a blueprint with a property and a relation in the data-model builder', async () => {
      await page.goto(`${server.base}/data-model`);
      await page.getByRole('heading', { level: 1, name: 'Data model' }).waitFor();
      await page.getByRole('figure', { name: 'Blueprint graph' }).waitFor();
      await checkA11y(page, 'data model');
      await screenshot(page, 'data-model');

      await page.getByRole('button', { name: 'New blueprint' }).click();
      const form = page.getByRole('form', { name: 'New blueprint' });
      await form.getByLabel(/^Identifier/).fill('library');
      await form.getByLabel(/^Title/).fill('Library');
      await form.getByLabel(/^Description/).fill('Shared code packages and who looks after them.');

      await form.getByRole('tab', { name: /^Properties/ }).click();
      await form.getByRole('button', { name: 'Add property' }).click();
      await form.getByLabel(/^Identifier/).fill('language');
      await form.getByLabel(/^Title/).fill('Language');

      await form.getByRole('tab', { name: /^Relations/ }).click();
      await form.getByRole('button', { name: 'Add relation' }).click();
      await form.getByLabel(/^Identifier/).fill('squad');
      await form.getByLabel(/^Title/).fill('Squad');
      await form.getByLabel(/^Target blueprint/).click();
      await page.getByRole('option', { name: 'Squad (squad)' }).click();
      await checkA11y(page, 'blueprint editor');
      await screenshot(page, 'data-model-editor');

      // A property identifier that is not allowed: the error shows on the field, nothing is created.
      await form.getByRole('tab', { name: /^Properties/ }).click();
      await form.getByLabel(/^Identifier/).fill('lan guage');
      await form.getByRole('button', { name: 'Create blueprint' }).click();
      await page.waitForFunction(() => [...document.querySelectorAll('input')].some((i) => i.value === 'lan guage' && i.getAttribute('aria-invalid') === 'true'));
      assert.equal(path(), '/data-model?new=1');
      await checkA11y(page, 'blueprint editor with an error');
      await form.getByLabel(/^Identifier/).fill('language');

      await form.getByRole('button', { name: 'Create blueprint' }).click();
      await page.waitForURL((u) => u.pathname === '/data-model/library');
      const bp = await api.get('/v1/blueprints/library');
      assert.equal(bp.blueprint.schema.properties.language?.type, 'string');
      assert.equal(bp.blueprint.relations.squad?.target, 'squad');
      // A second library, so the catalog filter has something to leave out.
      await api.post('/v1/blueprints/library/entities', { identifier: 'ml-toolkit', title: 'ML Toolkit', properties: { language: 'Python' }, relations: {} });
    });

    step('creates an entity through the form, setting the relation with the entity picker', async () => {
      await page.goto(`${server.base}/catalog/library/new`);
      const form = page.getByRole('form', { name: 'New Library' });
      await form.waitFor();
      await form.getByLabel(/^Title/).fill('Payments SDK');
      assert.equal(await form.getByLabel(/^Identifier/).inputValue(), 'payments-sdk', 'the identifier follows the title');
      await form.getByLabel(/^Language/).fill('Go');
      const picker = form.getByLabel(/^Squad/);
      await picker.click();
      await picker.fill('Core');
      await page.getByRole('option', { name: 'Core Platform (core-platform)' }).click();
      await checkA11y(page, 'entity form');
      await screenshot(page, 'entity-form');
      // An identifier the server refuses: the error shows on the field, nothing is created.
      await form.getByLabel(/^Identifier/).fill('payments sdk!');
      await form.getByRole('button', { name: 'Create Library' }).click();
      await page.waitForFunction(() => [...document.querySelectorAll('input')].some((i) => i.value === 'payments sdk!' && i.getAttribute('aria-invalid') === 'true'));
      assert.equal(path(), '/catalog/library/new');
      await checkA11y(page, 'entity form with a server error');
      await form.getByLabel(/^Identifier/).fill('payments-sdk');
      await form.getByRole('button', { name: 'Create Library' }).click();
      await page.waitForURL((u) => u.pathname === '/entities/library/payments-sdk');
      const e = await api.get('/v1/blueprints/library/entities/payments-sdk');
      assert.equal(e.entity.properties.language, 'Go');
      assert.equal(e.entity.relations.squad, 'core-platform');
    });

    step('finds it in the catalog with a filter on a property', async () => {
      await page.goto(`${server.base}/catalog/library`);
      const table = page.getByRole('table', { name: 'Library entities' });
      await table.getByRole('link', { name: 'ML Toolkit' }).waitFor();
      await table.getByRole('link', { name: 'Payments SDK' }).waitFor();
      await page.getByRole('button', { name: '+ Add filter' }).click();
      await page.getByRole('combobox', { name: 'Filter 1 property' }).click();
      await page.getByRole('option', { name: 'Language', exact: true }).click();
      await page.getByLabel('Language value').fill('Go');
      await table.getByRole('link', { name: 'ML Toolkit' }).waitFor({ state: 'detached' });
      await table.getByRole('link', { name: 'Payments SDK' }).waitFor();
      assert.equal(await page.getByLabel('Matching entities').innerText(), '1');
      await checkA11y(page, 'catalog');
      await screenshot(page, 'catalog');

      // Export: the CSV holds the filtered rows only.
      await page.getByRole('button', { name: 'Export' }).click();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: /^CSV/ }).click()]);
      assert.equal(download.suggestedFilename(), 'library.csv');
      const csv = await readFile(await download.path(), 'utf8');
      assert.match(csv, /Payments SDK/);
      assert.doesNotMatch(csv, /ML Toolkit/);

      // Live: an entity written elsewhere (here: the API) is announced on the
      // page as it happens, and one click shows it — no reload.
      await api.post('/v1/blueprints/library/entities', { identifier: 'go-kit', title: 'Go Kit', properties: { language: 'Go' }, relations: {} });
      await page.getByRole('status').filter({ hasText: '1 new change since this page loaded.' }).waitFor();
      await page.getByRole('button', { name: 'Refresh', exact: true }).click();
      await table.getByRole('link', { name: 'Go Kit' }).waitFor();
      assert.equal(await page.getByLabel('Matching entities').innerText(), '2');
    });

    step('finds it with Ctrl+K and opens it with Enter', async () => {
      // From inside the filter's text field: Ctrl+K works there too.
      await page.getByLabel('Language value').click();
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Language value');
      await openPalette();
      await page.keyboard.type('Payments SDK');
      await page.getByRole('button', { name: /^Payments SDK\b.*Library$/i }).or(page.getByRole('option', { name: /^Payments SDK\b.*Library$/i })).waitFor();
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.pathname === '/entities/library/payments-sdk');
    });

    step('shows the relation on the entity page and in the neighbourhood graph', async () => {
      await page.getByRole('heading', { level: 1, name: 'Payments SDK' }).waitFor();
      const props = page.getByRole('table', { name: 'Properties' });
      await props.getByText('Go', { exact: true }).waitFor();
      await page.getByRole('table', { name: 'Outgoing relations' }).getByRole('link', { name: /Core Platform/ }).waitFor();
      await checkA11y(page, 'entity');
      await screenshot(page, 'entity');

      await page.getByRole('tab', { name: 'Graph' }).click();
      const graph = page.getByRole('region', { name: 'Neighbourhood graph' });
      await graph.getByRole('button', { name: /^Open Core Platform/ }).or(graph.getByText('Core Platform')).first().waitFor();
      await graph.getByRole('button', { name: /^Open Payments SDK/ }).or(graph.getByText('Payments SDK')).first().waitFor();
      await checkA11y(page, 'entity graph');
      await screenshot(page, 'entity-graph');
    });

    step('edits it and shows the change in the History tab', async () => {
      await new Promise((r) => setTimeout(r, 1500));
      beforeEdit = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 1500));
      await page.getByRole('tab', { name: 'Overview' }).click();
      await page.getByRole('link', { name: 'Edit' }).or(page.getByRole('button', { name: 'Edit' })).first().click();
      await page.waitForURL((u) => u.pathname === '/entities/library/payments-sdk/edit');
      const form = page.getByRole('form', { name: 'Edit Payments SDK' });
      await form.getByLabel(/^Language/).fill('Rust');
      await form.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL((u) => u.pathname === '/entities/library/payments-sdk');
      await page.getByRole('table', { name: 'Properties' }).getByText('Rust', { exact: true }).waitFor();

      await page.getByRole('tab', { name: 'History' }).click();
      const changes = page.getByRole('table', { name: 'Changes' }).first();
      await changes.waitFor();
      await changes.getByLabel('old value').filter({ hasText: 'Go' }).first().waitFor();
      await changes.getByLabel('new value').filter({ hasText: 'Rust' }).first().waitFor();
      await checkA11y(page, 'history');
      await screenshot(page, 'history');
    });

    step('picks an earlier time in the "as of" picker and shows the old value', async () => {
      await page.getByRole('tab', { name: 'Overview' }).click();
      await page.getByRole('button', { name: 'As of…' }).click();
      const when = page.getByLabel('Show the entity as it was at');
      await when.fill(beforeEdit.slice(0, 19)); // the browser runs in UTC, so local time is the ISO time
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      await page.waitForURL((u) => u.searchParams.has('asOf'));
      await page.getByRole('status', { name: 'Time travel' }).waitFor();
      await page.getByRole('table', { name: 'Properties' }).getByText('Go', { exact: true }).waitFor();
      await screenshot(page, 'entity-as-of');
      await page.getByRole('button', { name: 'Back to now' }).click();
      await page.getByRole('table', { name: 'Properties' }).getByText('Rust', { exact: true }).waitFor();
    });
  });

  it('has no serious or critical accessibility violation on any main page (axe-core)', () => {
    assert.equal(a11y.length, 0, `axe found:\n${a11y.join('\n')}`);
  });

  it('has raised no script error or CSP refusal', () => {
    assert.deepEqual(errors, []);
  });
});
