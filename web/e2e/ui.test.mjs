// End-to-end tests of the web UI in a real Chromium against a real
// `atrium serve` (issue 5 §4). Run with `make test-browser`; `make screenshots`
// runs them with ATRIUM_E2E_OUT=docs/screenshots.
//
// The tests find things by role and accessible name, as a user (and a screen
// reader) would; the names they rely on are listed in web/e2e/README.md.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, VIEWPORT, apiClient, axeViolations, launchBrowser, screenshot, startServer, trackErrors } from './harness.mjs';

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
    await checkA11y(page, 'sign-in');
    await screenshot(page, 'sign-in');

    // A wrong password is refused on the page, with the fields kept.
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel(/^Password/).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'The email or password is not right.' }).waitFor();
    assert.equal(path(), '/sign-in?returnTo=%2F');

    await page.getByLabel(/^Password/).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    assert.ok(await page.getByRole('button', { name: /^Account: / }).isVisible(), 'the user menu shows who is signed in');
  });

  it('shows the home page with counts per blueprint and recent changes', async () => {
    await page.getByRole('heading', { name: 'Entities per blueprint' }).waitFor();
    // The demo catalog: one tile per blueprint, with its count in the accessible name.
    await page.getByRole('link', { name: /^Services?: \d+ entities$/ }).first().waitFor();
    await page.getByRole('heading', { name: 'Recently changed' }).waitFor();
    await page.getByRole('list', { name: 'Recently changed entities' }).waitFor();
    await checkA11y(page, 'home');
    await screenshot(page, 'home');
  });

  it('searches every entity with Ctrl+K and opens the hit with the keyboard', async () => {
    await page.keyboard.press('Control+k');
    const box = page.getByRole('combobox', { name: 'Search entities' }).or(page.getByRole('textbox', { name: 'Search entities' }));
    await box.waitFor();
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
    await page.getByRole('button', { name: 'Switch to light mode' }).click();
    await page.waitForFunction(() => document.documentElement.getAttribute('data-mantine-color-scheme') === 'light');
  });

  it('serves a deep link on reload (SPA fallback) while /v1 never falls back', async () => {
    await page.goto(`${server.base}/catalog/service`);
    await page.waitForURL((u) => u.pathname === '/catalog/service');
    await page.reload();
    assert.equal(path(), '/catalog/service');
    await page.getByRole('link', { name: 'Catalog' }).first().waitFor();
    const res = await page.request.get(`${server.base}/v1/no-such-route`);
    assert.equal(res.status(), 404);
    assert.match(res.headers()['content-type'] ?? '', /json/);
    const miss = await page.request.get(`${server.base}/assets/no-such-file.js`);
    assert.equal(miss.status(), 404, 'a missing asset is a 404, not the app');
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

  it('has raised no script error or CSP refusal', () => {
    assert.deepEqual(errors, []);
  });
});
