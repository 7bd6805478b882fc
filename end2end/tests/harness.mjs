// Starts the real `medals` binary on a free port with a fresh SQLite database, and Debian's
// Chromium through playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..', '..');
export const PASSWORD = 'e2e-password-123';

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'medals-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const bin = process.env.MEDALS_BIN || join(root, 'target', 'debug', 'medals');
  const proc = spawn(bin, ['serve', '--demo'], {
    cwd: dir,
    env: {
      ...process.env,
      MEDALS_DATABASE_URL: `sqlite:${join(dir, 'medals.db')}`,
      MEDALS_LISTEN: `127.0.0.1:${port}`,
      MEDALS_PUBLIC_URL: base,
      MEDALS_SITE_ROOT: process.env.MEDALS_SITE_ROOT || join(root, 'target', 'site'),
      MEDALS_SECRET_KEY_FILE: join(dir, 'secret.key'),
      MEDALS_DEMO_PASSWORD: PASSWORD,
      MEDALS_LOG: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`medals exited early:\n${output}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    dbPath: join(dir, 'medals.db'),
    output: () => output,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/// A page that records console errors and uncaught exceptions.
export async function newPage(browser, { javaScriptEnabled }) {
  const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => {
    // The browser logs every 4xx answer; a 422 for a form with mistakes is the app working as meant.
    if (m.type() === 'error' && !/status of 422/.test(m.text())) page.problems.push(`console at ${page.url()}: ${m.text().split('\n')[0]}`);
  });
  page.on('pageerror', (e) => page.problems.push(`pageerror at ${page.url()}: ${e.message}`));
  // Confirmation dialogs (ConfirmSubmit) are answered "yes"; a test that wants "no" listens itself.
  page.on('dialog', (d) => (page.dialogs = (page.dialogs || 0) + 1, d.accept()));
  return { context, page };
}

/// Waits until every island on the page runs in the browser (each marks its root
/// `data-ready="1"` once it does), so what the test types or clicks is handled by it. Pages
/// without islands are plain server-rendered HTML and need nothing.
export async function hydrated(page) {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => [...document.querySelectorAll('leptos-island')]
    .every((i) => i.querySelector('[data-ready="1"]')));
}

export const fixture = (name) => join(root, 'end2end', 'fixtures', name);

/// A fresh server, a browser and a page signed in as the demo admin; `stop()` ends all three.
export async function signedIn({ javaScriptEnabled }) {
  const server = await startServer();
  const browser = await launch();
  const { context, page } = await newPage(browser, { javaScriptEnabled });
  await page.goto(`${server.base}/login`);
  if (javaScriptEnabled) await hydrated(page);
  await page.getByLabel('用户名').fill('admin');
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return {
    server, browser, context, page,
    async stop() {
      await context?.close();
      await browser?.close();
      await server?.stop();
    },
  };
}
