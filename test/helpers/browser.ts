// Serves the built app (dist/) from a sub-path on localhost and drives Debian's Chromium
// with playwright-core. Never downloads a browser.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { ROOT } from './fixtures';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.map': 'application/json', '.gz': 'application/gzip',
};

export interface StaticSite {
  url: string;
  server: Server;
  requests: string[];
  close(): Promise<void>;
}

/** Serves dir under `base` (a sub-path such as /tools/heaplens/), like any static host. */
export async function serveStatic(dir = join(ROOT, 'dist'), base = '/tools/heaplens/'): Promise<StaticSite> {
  if (!existsSync(join(dir, 'index.html'))) throw new Error(`${dir} has no index.html: run npm run build`);
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url.pathname);
    if (!url.pathname.startsWith(base)) {
      res.writeHead(404).end('not under ' + base);
      return;
    }
    let rel = decodeURIComponent(url.pathname.slice(base.length)) || 'index.html';
    if (rel.endsWith('/')) rel += 'index.html';
    const file = normalize(join(dir, rel));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}${base}`, server, requests, close: () => new Promise((r) => server.close(() => r())) };
}

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync('/usr/bin/chromium')) throw new Error('Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium)');
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

export interface OpenApp {
  site: StaticSite;
  browser: Browser;
  page: Page;
  close: () => Promise<void>;
}

/** The built app served, Chromium launched, a page on the start page (its drop zone shown). */
export async function openApp(): Promise<OpenApp> {
  const site = await serveStatic();
  const browser = await launchChromium();
  const page = await (await browser.newContext()).newPage();
  await page.goto(site.url);
  await page.getByTestId('dropzone').waitFor();
  return {
    site, browser, page,
    close: async () => {
      await browser.close();
      await site.close();
    },
  };
}
