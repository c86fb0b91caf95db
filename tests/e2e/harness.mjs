// Shared set-up for the end-to-end suite: a static server for dist/ on 127.0.0.1 and headless
// Chromium driven by playwright-core (Debian's chromium; no browser download).
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');
export const dist = join(root, 'dist');
export const artifacts = join(here, 'artifacts');

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
};

/** Serves dist/ on 127.0.0.1 at a free port. */
export async function serve() {
  if (!existsSync(join(dist, 'index.html'))) {
    throw new Error('dist/index.html is missing: run `trunk build index.html --release` first');
  }
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dist, path === '/' ? 'index.html' : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/`;
  return { url, close: () => new Promise((resolve) => server.close(resolve)) };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
  });
}

/** A new page in a fresh context that records console errors and page errors. */
export async function openPage(browser, { colorScheme = 'light', context } = {}) {
  const ctx = context ?? (await browser.newContext({ viewport: { width: 1400, height: 860 }, colorScheme }));
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await ctx.newPage();
  page.errors = [];
  page.on('console', (m) => {
    // Chromium notes that it ignores `integrity` on wasm preloads: a notice, not our error.
    if (m.type() === 'error') page.errors.push(m.text());
  });
  page.on('pageerror', (e) => page.errors.push(e.message));
  return page;
}

/** Waits until the app rendered its tabs. */
export async function ready(page) {
  await page.waitForSelector('[data-testid=file-tab]');
}

export async function screenshot(page, name) {
  await mkdir(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
}

/** Replaces the active file's text in CodeMirror as one user edit. */
export async function replaceText(page, text) {
  await page.click('.cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

export async function tabNames(page) {
  return page.$$eval('[data-testid=file-tab]', (tabs) => tabs.map((t) => t.dataset.name));
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Registers before/after hooks that serve dist/ and launch Chromium for the calling test file;
 * the returned object's `url` and `browser` are set once the hooks ran.
 */
export function suite() {
  const env = { url: '', browser: null, server: null };
  before(async () => {
    env.server = await serve();
    env.url = env.server.url;
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}
