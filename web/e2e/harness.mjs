// The browser tests' harness: Debian's chromium (installed with apt when
// missing, never downloaded), a real `atrium serve` built with the embedded UI
// on a temporary SQLite file and a free port, an API client for setup and
// checks, the axe-core accessibility check, and screenshots.
//
// Environment:
//   ATRIUM_BIN         the binary to serve (default ../bin/atrium, built by `make build`)
//   ATRIUM_E2E_OUT     where screenshots and the server log go (default web/e2e/output)
//   ATRIUM_E2E_HEADED  set to 1 to watch the browser (needs a display)
//   ATRIUM_E2E_SLOWMO  milliseconds between browser actions, for watching
//   ATRIUM_E2E_KEEP    set to 1 to keep the temporary store and server log
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const CHROMIUM = '/usr/bin/chromium';
export const VIEWPORT = { width: 1280, height: 800 };
export const ADMIN = {
  email: 'admin@example.com',
  password: 'e2e-password-not-secret',
  clientId: 'e2e-admin',
  clientSecret: 'e2e-secret-not-for-production',
};

export const outDir = resolve(process.env.ATRIUM_E2E_OUT || join(here, 'output'));
/** failureDir gets a picture of the page when a step fails (never docs/screenshots). */
export const failureDir = join(here, 'output');

/** ensureChromium installs Debian's chromium with apt when /usr/bin/chromium is missing. */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  console.log('# chromium missing: apt-get install -y chromium fonts-liberation');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', 'chromium', 'fonts-liberation'], { stdio: 'inherit', env });
  if (!existsSync(CHROMIUM)) throw new Error(`apt installed chromium but ${CHROMIUM} is still missing`);
}

export async function launchBrowser() {
  ensureChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: process.env.ATRIUM_E2E_HEADED !== '1',
    slowMo: Number(process.env.ATRIUM_E2E_SLOWMO || 0) || undefined,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ].filter((a) => a !== '--headless' || process.env.ATRIUM_E2E_HEADED !== '1'),
  });
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/**
 * startServer runs `atrium serve --demo` on a temporary SQLite file and a free
 * port, with the bootstrap admin's password and credential from the env, and
 * resolves once the API answers. stop() ends it and removes the file.
 */
export async function startServer() {
  const bin = resolve(process.env.ATRIUM_BIN || join(here, '..', '..', 'bin', 'atrium'));
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`make build\` first (it embeds the UI)`);
  const dir = mkdtempSync(join(tmpdir(), 'atrium-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  mkdirSync(outDir, { recursive: true });
  const logPath = join(dir, 'server.log');
  const log = createWriteStream(logPath);
  const proc = spawn(bin, ['serve', '--demo', '--db', join(dir, 'atrium.db'), '--addr', `127.0.0.1:${port}`], {
    env: {
      ...process.env,
      ATRIUM_ADMIN_EMAIL: ADMIN.email,
      ATRIUM_ADMIN_PASSWORD: ADMIN.password,
      ATRIUM_ADMIN_CLIENT_ID: ADMIN.clientId,
      ATRIUM_ADMIN_CLIENT_SECRET: ADMIN.clientSecret,
      ATRIUM_LOG_LEVEL: 'info',
      // The flow signs in more than the sign-in limit allows per address otherwise.
      ATRIUM_RATE_LIMIT: '-1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout.pipe(log);
  proc.stderr.pipe(log);
  let exited = null;
  proc.on('exit', (code, signal) => {
    exited = { code, signal };
  });

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`atrium serve exited (${JSON.stringify(exited)}):\n${safeRead(logPath)}`);
    try {
      const r = await fetch(`${base}/v1/auth/providers`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`atrium serve did not answer on ${base} in 30 s:\n${safeRead(logPath)}`);
    await sleep(100);
  }

  return {
    base,
    logPath,
    log: () => safeRead(logPath),
    async stop() {
      if (!exited) {
        proc.kill('SIGTERM');
        const t = Date.now();
        while (!exited && Date.now() - t < 5000) await sleep(50);
        if (!exited) proc.kill('SIGKILL');
      }
      log.end();
      if (process.env.ATRIUM_E2E_KEEP === '1') console.log(`# kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

function safeRead(p) {
  try {
    return readFileSync(p, 'utf8').split('\n').slice(-60).join('\n');
  } catch {
    return '';
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** apiClient calls the public API with the bootstrap admin's access token (setup and checks). */
export async function apiClient(base) {
  const r = await fetch(`${base}/v1/auth/access_token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ clientId: ADMIN.clientId, clientSecret: ADMIN.clientSecret }),
  });
  const tok = await r.json();
  if (!r.ok || !tok.accessToken) throw new Error(`access token: ${r.status} ${JSON.stringify(tok)}`);
  async function call(method, path, body) {
    const res = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${tok.accessToken}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return data;
  }
  return {
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b),
    patch: (p, b) => call('PATCH', p, b),
    put: (p, b) => call('PUT', p, b),
    delete: (p) => call('DELETE', p),
  };
}

/** settle waits (up to 5 s) until nothing on the page is loading: no busy region, skeleton or loader. */
export async function settle(page) {
  await page
    .waitForFunction(
      () =>
        !document.querySelector('[aria-busy="true"], .mantine-Skeleton-root[data-visible="true"], .mantine-Loader-root') &&
        document.fonts.status === 'loaded',
      null,
      { timeout: 5000, polling: 100 },
    )
    .catch(() => {});
}

/** screenshot saves the viewport (1280x800) as <outDir>/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(outDir, { recursive: true });
  // The live event stream keeps a request open, so "network idle" never comes: wait for the page instead.
  await settle(page);
  // No hover highlight from the last click in the picture.
  await page.mouse.move(VIEWPORT.width - 1, VIEWPORT.height - 1);
  await sleep(250);
  // Toasts ("Saved", "Created") would cover the header in the pictures.
  await page.screenshot({
    path: join(outDir, `${name}.png`),
    fullPage: false,
    animations: 'disabled',
    caret: 'hide',
    style: '.mantine-Notifications-root { display: none !important; }',
  });
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axeViolations runs axe-core in the page (WCAG 2 A/AA rules) and returns the
 * serious and critical violations as readable lines naming the rule and the
 * elements (minor and moderate ones are printed as diagnostics). axe goes in
 * through the DevTools protocol, so the app's CSP stays as served.
 */
export async function axeViolations(page, label, { exclude = [] } = {}) {
  const has = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!has) await page.evaluate(axeSource);
  const result = await page.evaluate(
    async ({ exclude }) => {
      const r = await window.axe.run(
        { include: [document], exclude: exclude.map((s) => [s]) },
        { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] },
      );
      return r.violations.map((v) => ({
        id: v.id,
        experimental: v.tags.includes('experimental'),
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(0, 2).join(' ')}`),
      }));
    },
    { exclude },
  );
  // Experimental rules (axe leaves them out of its default run) are reported, not failed on.
  const bad = result.filter((v) => !v.experimental && (v.impact === 'serious' || v.impact === 'critical'));
  const minor = result.filter((v) => !bad.includes(v));
  if (minor.length) console.log(`# axe ${label}: ${minor.map((v) => `${v.id} (${v.impact}${v.experimental ? ', experimental' : ''})`).join(', ')}`);
  return bad.map((v) => `${label}: ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`);
}

/**
 * trackErrors collects uncaught page errors, console errors (CSP refusals
 * among them) and server errors (5xx) the page ran into. The browser's own
 * "Failed to load resource" lines are left out: a 4xx the app handles (401 on
 * /auth/me, a refused parameter it falls back from) is not a fault.
 */
export function trackErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const t = m.text();
    if (t.startsWith('Failed to load resource:')) return;
    errors.push(`console: ${t}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 500) errors.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return errors;
}
