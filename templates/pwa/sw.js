// DevThread's service worker, served at /sw.js (app/pwa/views.py) for the whole site, /app/ too.
//
// What it keeps, and why nothing of one account can reach another (docs/pwa.md):
// - The app shell (offline page, manifest, style sheets, scripts, icons), fetched without
//   cookies when the worker installs, in a cache named by the deploy's version: a deploy
//   changes this file, the new worker fills a new cache and deletes the old ones.
// - /static/ and the SPA's content-hashed files: cache first (the same bytes for everyone).
// - The SPA's entry page (/app/, the same for everyone: the SPA's data comes from the API).
// - Never: pages (each is one account's HTML, and this cache is shared by every account of
//   the browser and outlives signing out), the API, the socket, anything but GET.
// Pages go to the network; without one, a navigation gets the offline page.
"use strict";

const VERSION = {{ version|tojson }};
const SHELL = "devthread-shell-" + VERSION;
const SPA = "devthread-spa-" + VERSION;
const PRECACHE = {{ precache|tojson }};
const OFFLINE_URL = {{ offline_url|tojson }};
const STATIC_PREFIX = {{ static_prefix|tojson }};
const SPA_PREFIX = {{ spa_prefix|tojson }};
// The SPA's built files carry their content's hash in their name (main-AB12CD34.js).
const HASHED = /-[A-Z0-9]{8,}\.(js|css|woff2?)$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) =>
        cache.addAll(
          PRECACHE.map((url) => new Request(url, { cache: "reload", credentials: "omit" })),
        ),
      )
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("devthread-") && name !== SHELL && name !== SPA)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

function cacheFirst(request, cacheName) {
  return caches.match(request, { cacheName: cacheName }).then((kept) => {
    if (kept) {
      return kept;
    }
    return fetch(request).then((response) => {
      if (response.ok && response.type === "basic") {
        const copy = response.clone();
        caches.open(cacheName).then((cache) => cache.put(request, copy));
      }
      return response;
    });
  });
}

function offlinePage() {
  return caches.match(OFFLINE_URL, { cacheName: SHELL }).then(
    (page) => page || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } }),
  );
}

function page(request) {
  // Network only: a page is never stored (see the top of this file).
  return fetch(request).catch(offlinePage);
}

function spaPage(request) {
  const entry = new Request(SPA_PREFIX);
  return fetch(request)
    .then((response) => {
      const html = (response.headers.get("Content-Type") || "").startsWith("text/html");
      if (response.ok && response.type === "basic" && html) {
        const copy = response.clone();
        caches.open(SPA).then((cache) => cache.put(entry, copy));
      }
      return response;
    })
    .catch(() =>
      caches.match(entry, { cacheName: SPA }).then((kept) => kept || offlinePage()),
    );
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  const path = url.pathname;
  if (path.startsWith(STATIC_PREFIX) || (PRECACHE.includes(path) && request.mode !== "navigate")) {
    event.respondWith(cacheFirst(request, SHELL));
  } else if (request.mode === "navigate") {
    event.respondWith(path.startsWith(SPA_PREFIX) ? spaPage(request) : page(request));
  } else if (path.startsWith(SPA_PREFIX) && HASHED.test(path)) {
    event.respondWith(cacheFirst(request, SPA));
  }
  // Anything else (the API, the socket, feeds, pictures) is the browser's own business.
});
