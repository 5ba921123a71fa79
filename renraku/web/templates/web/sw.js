// renraku service worker. Served from / so that it controls the whole app.
// It keeps an offline page, shows pushed notices, and says when it has shown one.
const CACHE = "renraku-v1";
const OFFLINE_URL = "/offline/";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.add(OFFLINE_URL)));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) =>
      Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))
    ).then(() => self.clients.claim())
  );
});

// Pages always come from the network (alerts must never be stale); the offline page only
// when the network is gone.
self.addEventListener("fetch", (event) => {
  if (event.request.mode !== "navigate") return;
  event.respondWith(fetch(event.request).catch(() => caches.match(OFFLINE_URL)));
});

self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {body: event.data.text()}; }
  const title = data.title || "renraku";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.tag || undefined,
    data: {url: data.url || "/"},
    requireInteraction: Boolean(data.requireInteraction),
  }).then(() => sendReceipt(data.receipt)));
});

// Once the notification is on screen, tell the server (a display receipt): proof that
// this device showed it, not merely that the push service took it. The token is signed by
// the server and is all it needs; no cookies are sent. keepalive: the worker may be
// stopped as soon as the push event is done. A receipt that cannot be sent is lost, and
// the server then treats the push as not shown (an alert moves to its next channel).
function sendReceipt(receipt) {
  if (!receipt) return undefined;
  return fetch("{% url 'notices:receipt' %}", {
    method: "POST",
    body: String(receipt),
    headers: {"Content-Type": "text/plain"},
    credentials: "omit",
    keepalive: true,
  }).catch(() => undefined);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(clients.openWindow(url));
});
