// heaplens service worker (generated into dist/sw.js by vite.config.ts). Precaches the whole
// build; serves same-origin GETs cache-first; never touches other origins (there are none).
const VERSION = '__VERSION__';
const FILES = __FILES__;
const CACHE = `heaplens-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(FILES.map((f) => new Request(new URL(f, self.registration.scope), { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('heaplens-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const url = new URL(req.url);
      url.search = '';
      url.hash = '';
      const hit = (await cache.match(url.href)) ?? (req.mode === 'navigate' ? await cache.match(new URL('./', self.registration.scope).href) : undefined);
      if (hit) return hit;
      const res = await fetch(req);
      if (res.ok && res.type === 'basic') cache.put(url.href, res.clone());
      return res;
    })(),
  );
});
