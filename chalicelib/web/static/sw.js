// Sampark's service worker: keeps the app's own files for offline use, nothing else. API calls are
// never cached here (the outbox in IndexedDB is what makes recording work offline).
// __BUILD__ and __SHELL__ are filled in by the server (chalicelib/web/routes.py): a deploy that
// changes any file changes this file too, so the browser installs the new version.

const BUILD = '__BUILD__';
const SHELL = __SHELL__;
const CACHE = `sampark-${BUILD}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('sampark-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const page = request.mode === 'navigate' && url.pathname === '/';
  if (!page && !SHELL.includes(url.pathname)) return; // the API: straight to the network
  event.respondWith(caches.open(CACHE)
    .then((cache) => cache.match(page ? '/' : url.pathname))
    .then((hit) => hit || fetch(request)));
});
