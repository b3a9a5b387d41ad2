// tend's service worker: the help lines, the hard-moment page, the practices
// and the person's own safety plan open without a connection. Everything else
// goes to the network as usual. The server fills in the two constants below.
'use strict';

const VERSION = '__VERSION__';
// Pages and files kept from the start: help, hard moment, the practices.
const PRECACHE = __PRECACHE__;
// Personal pages: kept only after the person opens them while signed in, and
// thrown away on sign-out, lock, or when the server says the session is over.
const PERSONAL = ['/safety-plan'];
const CACHE = `tend-${VERSION}`;
const OFFLINE = '/offline';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('tend-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

/** Forgets everything personal this worker kept, then fetches the public pages
 *  again (as they look signed out) so help still opens offline. */
async function forgetPersonal() {
  await caches.delete(CACHE);
}

async function refill() {
  const cache = await caches.open(CACHE);
  await cache.addAll(PRECACHE).catch(() => {});
}

const offlineSet = new Set([...PRECACHE, ...PERSONAL]);

async function networkFirst(request, path) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (PERSONAL.includes(path)) {
      if (response.ok && !response.redirected) {
        await cache.put(path, response.clone());
      } else {
        // Sent to sign in: whoever this plan belonged to is not signed in here.
        await cache.delete(path);
      }
    } else if (offlineSet.has(path) && response.ok && !response.redirected) {
      await cache.put(path, response.clone());
    }
    return response;
  } catch (err) {
    const kept = (await cache.match(path)) || (await cache.match(OFFLINE));
    if (kept) return kept;
    throw err;
  }
}

const SECRET = /pass|recovery|code|token/i;
// Headings for the words shown back; other fields are shown without one.
const LABELS = {
  title: 'Title', body: 'Your entry', note: 'Note', text: 'Text', thought: 'Thought',
  reframe: 'Kinder answer', letter: 'Letter', warning_signs: 'Warning signs',
  on_my_own: 'Things I can do on my own', distractions: 'People and places that take my mind off things',
  people: 'People I can ask for help', professionals: 'Professionals and help lines',
  environment: 'Making where I am safer', reasons: 'My reasons to keep going',
};

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A form sent with no connection: instead of the browser's error page, the
 *  person's own words, shown back to them with a button that sends the same
 *  form again once the connection is back. Nothing is stored anywhere. */
async function sendOrKeep(request) {
  const copy = request.clone();
  try {
    return await fetch(request);
  } catch (err) {
    let fields = [];
    try {
      fields = [...(await copy.formData()).entries()].filter(([, v]) => typeof v === 'string');
    } catch { /* not a plain form */ }
    const secret = fields.some(([k]) => SECRET.test(k));
    const words = fields.filter(([k, v]) => !secret && k !== 'csrf' && k !== 'version' && v.trim() !== '');
    const action = new URL(request.url).pathname;
    const body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Not sent yet · tend</title>
<link rel="stylesheet" href="/static/tend.css"><script src="/static/app.js" defer></script></head><body><main id="main">
<h1>Not sent yet: there is no connection</h1>
${secret ? '<p>Nothing was sent. Please try again once you are connected.</p>' : `
<p class="lead">What you wrote is below and has not been lost. Keep this page open: it is sent
by itself as soon as the connection is back, or press <strong>Send again</strong>.</p>
${words.map(([k, v]) => `${LABELS[k] ? `<h2>${LABELS[k]}</h2>` : ''}<div class="card"><p>${escape(v).replace(/\n/g, '<br>')}</p></div>`).join('')}
<form method="post" action="${escape(action)}" data-resend>
${fields.map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`).join('')}
<div class="actions"><button type="submit">Send again</button></div></form>`}
<p><a href="/hard-moment">Hard moment</a> · <a href="/help">Help lines</a> (these open without a connection)</p>
</main></body></html>`;
    return new Response(body, {
      status: 503,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        'cache-control': 'no-store',
      },
    });
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  // Sign-out and lock: clear what was kept before the server ends the session.
  if (request.method === 'POST' && (url.pathname === '/signout' || url.pathname === '/lock')) {
    event.respondWith((async () => {
      await forgetPersonal();
      const response = await fetch(request);
      event.waitUntil(refill());
      return response;
    })());
    return;
  }
  if (request.method === 'POST' && request.mode === 'navigate') {
    event.respondWith(sendOrKeep(request));
    return;
  }
  if (request.method !== 'GET') return;

  if (url.pathname.startsWith('/static/')) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request)));
    return;
  }
  if (request.mode === 'navigate') {
    event.respondWith(networkFirst(request, url.pathname));
  }
});

// The page asks for this when it has just locked (idle lock).
self.addEventListener('message', (event) => {
  if (event.data === 'forget') event.waitUntil(forgetPersonal().then(refill));
});

// ---- Web Push (issue 13) ---------------------------------------------------
// A push from tend carries only a generic sentence and two paths inside tend
// (where to look, and how to turn that kind off), never anything personal:
// it travels through the browser maker's push service. These functions are
// kept apart from the caching above.

/** Only paths inside tend, never another site. */
function pushPath(path, fallback) {
  return typeof path === 'string' && path.startsWith('/') && !path.startsWith('//') ? path : fallback;
}

/** Shows one push as a notification, with a button to turn its kind off. */
async function showPush(event) {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) { /* shown with the generic words below */ }
  const title = typeof data.title === 'string' && data.title ? data.title : 'tend: something new for you';
  const body = typeof data.body === 'string' ? data.body : 'Open tend when you have a moment.';
  await self.registration.showNotification(title, {
    body,
    icon: '/static/icon-192.png',
    badge: '/static/icon-192.png',
    tag: 'tend',
    renotify: true,
    data: {
      link: pushPath(data.link, '/notifications'),
      off: pushPath(data.off, '/notifications/settings'),
    },
    actions: [{ action: 'off', title: 'Turn these off' }],
  });
}

/** A click opens tend where the push points (an open tend window if there
 *  is one); "Turn these off" opens the one-button page for that kind. */
async function openFromPush(event) {
  const data = event.notification.data || {};
  const path = event.action === 'off' ? pushPath(data.off, '/notifications/settings') : pushPath(data.link, '/notifications');
  const url = new URL(path, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows) {
    if (new URL(client.url).origin === self.location.origin && 'navigate' in client) {
      await client.focus();
      return client.navigate(url);
    }
  }
  return self.clients.openWindow(url);
}

self.addEventListener('push', (event) => {
  event.waitUntil(showPush(event));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openFromPush(event));
});
