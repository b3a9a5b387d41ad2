// tend's service worker: the help lines, the hard-moment page, the practices
// and the person's own safety plan open without a connection. Everything else
// goes to the network as usual. The server fills in the two constants below.
'use strict';

const VERSION = '__VERSION__';
// Pages and files kept from the start: help, hard moment, the practices.
const PRECACHE = __PRECACHE__;
// Personal pages: kept only after the person opens them while signed in, and
// thrown away on sign-out, lock, a new sign-in, or when the server says the
// session is over. The two forms let someone write offline (see the queue below).
const PERSONAL = ['/safety-plan', '/checkin', '/journal/new'];
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
    // A lock pressed offline ends the session before anything else is shown.
    await endPendingSession();
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
    const copy = await cache.match(path);
    if (copy && PERSONAL.includes(path)) return freshSubmission(copy);
    const kept = copy || (await cache.match(OFFLINE));
    if (kept) return kept;
    throw err;
  }
}

/** A kept form page is shown with a fresh submission id each time, as the
 *  server gives each form page its own (it saves one record per id and set
 *  of words): two check-ins written offline from the one copy on two days,
 *  even with the same answers, are two submissions, not a repeat. */
async function freshSubmission(response) {
  const html = await response.text();
  const id = crypto.randomUUID().replaceAll('-', '');
  const headers = new Headers(response.headers);
  // The body is already decoded, and the same length.
  headers.delete('content-encoding');
  headers.delete('content-length');
  return new Response(html.replace(/name="submission" value="[0-9a-f]{32}"/g, `name="submission" value="${id}"`), {
    status: response.status, statusText: response.statusText, headers,
  });
}

const SECRET = /pass|recovery|code|token/i;
// Headings for the words shown back; other fields are shown without one.
const LABELS = {
  title: 'Title', body: 'Your entry', note: 'Note', text: 'Text', thought: 'Thought',
  reframe: 'Kinder answer', letter: 'Letter', warning_signs: 'Warning signs',
  on_my_own: 'Things I can do on my own', distractions: 'People and places that take my mind off things',
  people: 'People I can ask for help', professionals: 'Professionals and help lines',
  environment: 'Making where I am safer', reasons: 'My reasons to keep going',
  mood: 'Mood (1 to 5)', energy: 'Energy (1 to 5)', meals: 'Meals', sleep_hours: 'Sleep (hours)',
  movement_minutes: 'Movement (minutes)', joy: 'Joyful thing',
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

  // Sign-out and lock: clear what was kept (pages and unsent words) before
  // the server ends the session.
  if (request.method === 'POST' && (url.pathname === '/signout' || url.pathname === '/lock')) {
    event.respondWith(endSession(request, url.pathname, event));
    return;
  }
  // A new sign-in: copies of someone's pages never outlive their session.
  // (Unsent words stay: they were refused or are still waiting, see the queue.)
  if (request.method === 'POST' && (url.pathname === '/signin' || url.pathname === '/signup')) {
    event.respondWith(forgetPersonalPages().catch(() => {}).then(() => fetch(request)));
    return;
  }
  if (request.method === 'POST' && request.mode === 'navigate') {
    if (url.pathname === UNSENT) {
      event.respondWith(unsentAction(request));
    } else if (queueable(url.pathname)) {
      event.respondWith(sendOrQueue(request, event));
    } else {
      event.respondWith(sendOrKeep(request));
    }
    return;
  }
  if (request.method !== 'GET') return;

  if (url.pathname.startsWith('/static/')) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request)));
    return;
  }
  if (request.mode === 'navigate' && url.pathname === UNSENT) {
    event.respondWith(unsentPage());
    return;
  }
  if (request.mode === 'navigate') {
    event.respondWith(networkFirst(request, url.pathname).then((response) => {
      // A page came back from the server: the connection works, so anything
      // waiting goes now.
      if (response.ok) event.waitUntil(flushQueue());
      return response;
    }));
  }
});

// The page asks for this when it has just locked (idle lock).
self.addEventListener('message', (event) => {
  if (event.data === 'forget') event.waitUntil(forgetPersonal().then(queueClear).then(refill));
  else queueMessage(event);
});

// Background Sync (Chromium has it): the browser wakes the worker when the
// connection is back, even with no tend page open.
self.addEventListener('sync', (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(flushQueue());
});

// ---------------------------------------------------------------------------
// The offline queue: a check-in or journal entry written with no connection is
// kept in this browser (IndexedDB, encrypted with a key that cannot be read
// out) and sent when the connection is back: on the next page that loads from
// the server, when a page says it is online again, or by Background Sync. It
// is sent exactly as written, anti-forgery token included, so the server's
// usual rules decide: a session that ended or a token from another session is
// refused, a stale journal edit gets the 409. Refused words are kept and shown
// on /unsent to copy or send again; only the person (Delete, Lock, sign out)
// ever removes them. Sending is at least once (the worker may be stopped after
// the server saved an entry and before it is taken off the queue); the form's
// hidden submission id, replayed with it, makes the server save it once. See
// docs/offline.md.
// ---------------------------------------------------------------------------

const UNSENT = '/unsent';
const SYNC_TAG = 'tend-unsent';
const QUEUE_DB = 'tend-offline';
const QUEUE_STORE = 'entries';
const KEY_STORE = 'keys';
const QUEUEABLE = [/^\/checkin$/, /^\/today$/, /^\/journal\/new$/, /^\/journal\/[0-9a-f-]{36}\/edit$/];

function queueable(path) {
  return QUEUEABLE.some((re) => re.test(path));
}

/** Only forms sent from one of tend's own pages are queued: the server
 *  refuses cross-site forms, and the worker must not undo that. Pages send no
 *  referrer (Referrer-Policy: no-referrer), so instead each tend page tells the
 *  worker its anti-forgery token (app.js), which another site cannot do and
 *  cannot know; a form is queued only with a token seen that way. */
async function fromTendPage(fields) {
  const token = (fields.find(([k]) => k === 'csrf') || [])[1];
  if (!token) return false;
  const seen = await queueTx('readonly', ({ keys }) => idbRequest(keys.get('tokens'))).catch(() => null);
  return Array.isArray(seen) && seen.includes(token);
}

async function rememberToken(token) {
  if (typeof token !== 'string' || token.length < 16 || token.length > 200) return;
  await queueTx('readwrite', async ({ keys }) => {
    const seen = (await idbRequest(keys.get('tokens'))) || [];
    if (!seen.includes(token)) keys.put([token, ...seen].slice(0, 8), 'tokens');
  });
}

/** A random value in the worker's own /unsent forms, so no other site can
 *  make it delete or resend anything. */
async function pageNonce() {
  const have = await queueTx('readonly', ({ keys }) => idbRequest(keys.get('nonce')));
  if (have) return have;
  const nonce = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
  await queueTx('readwrite', ({ keys }) => idbRequest(keys.put(nonce, 'nonce')));
  return nonce;
}

function kindOf(path) {
  if (path === '/checkin' || path === '/today') return 'checkin';
  return path.endsWith('/edit') ? 'edit' : 'journal';
}

const KIND_WORDS = {
  checkin: 'check-in',
  journal: 'journal entry',
  edit: 'change to a journal entry',
};

function idbRequest(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function queueOpen() {
  const req = indexedDB.open(QUEUE_DB, 1);
  req.onupgradeneeded = () => {
    const db = req.result;
    if (!db.objectStoreNames.contains(QUEUE_STORE)) db.createObjectStore(QUEUE_STORE, { keyPath: 'id', autoIncrement: true });
    if (!db.objectStoreNames.contains(KEY_STORE)) db.createObjectStore(KEY_STORE);
  };
  return idbRequest(req);
}

/** Runs `work(stores)` in one transaction and waits for it to be written. */
async function queueTx(mode, work) {
  const db = await queueOpen();
  try {
    const tx = db.transaction([QUEUE_STORE, KEY_STORE], mode);
    const done = new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    const result = await work({ entries: tx.objectStore(QUEUE_STORE), keys: tx.objectStore(KEY_STORE) });
    await done;
    return result;
  } finally {
    db.close();
  }
}

/** The key the words are sealed with: AES-GCM, made here, never extractable. */
async function queueKey() {
  const have = await queueTx('readonly', ({ keys }) => idbRequest(keys.get('words')));
  if (have) return have;
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  await queueTx('readwrite', ({ keys }) => idbRequest(keys.put(key, 'words')));
  return key;
}

async function seal(fields) {
  const key = await queueKey();
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode(JSON.stringify(fields)));
  return { iv, data };
}

async function unseal(item) {
  const key = await queueTx('readonly', ({ keys }) => idbRequest(keys.get('words')));
  if (!key) return null;
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: item.iv }, key, item.data);
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return null;
  }
}

async function queueAdd(action, fields) {
  const sealed = await seal(fields);
  return queueTx('readwrite', ({ entries }) => idbRequest(entries.add({
    action, kind: kindOf(action), created: Date.now(), state: 'waiting', reason: '', ...sealed,
  })));
}

function queueAll() {
  return queueTx('readonly', ({ entries }) => idbRequest(entries.getAll()));
}

function queuePut(item) {
  return queueTx('readwrite', ({ entries }) => idbRequest(entries.put(item)));
}

function queueDelete(id) {
  return queueTx('readwrite', ({ entries }) => idbRequest(entries.delete(id)));
}

/** Sign-out and lock: this browser's copies and unsent words go first, then the
 *  server ends the session. With no connection the server cannot be told, so
 *  the worker remembers to send the same form (its token included) as soon as
 *  the connection is back, before any page or entry, and says so plainly. */
async function endSession(request, path, event) {
  const body = await request.clone().text().catch(() => '');
  await forgetPersonalPages();
  await queueClear();
  await endPush(body);
  try {
    const response = await fetch(request);
    await forgetPersonal();
    event.waitUntil(refill());
    return response;
  } catch {
    // Offline: the public pages stay, so help still opens (they may show the
    // handle in their footer until the connection is back and they are fetched
    // again signed out).
    await queueTx('readwrite', ({ keys }) => idbRequest(keys.put({ path, body }, 'end-session'))).catch(() => {});
    return page('Locked on this device', `<h1>Locked on this device</h1>
<p class="lead">The copies of your pages and anything written offline are gone from this browser.</p>
<p>There is no connection, so tend's server has not heard yet: your sign-in ends the moment this
browser is connected again, before any page opens.</p>`, 503);
  }
}

/** Sign-out and lock: this browser stops getting pushes. The server is told
 *  which subscription to delete (with the sign-out form's own anti-forgery
 *  token), then the browser unsubscribes from its push service. Offline, the
 *  browser still unsubscribes; the server also deletes the devices that this
 *  sign-in turned on when the sign-out reaches it, and any other it is left
 *  with is removed the first time its push service answers "gone". */
async function endPush(body) {
  const subscription = await self.registration.pushManager?.getSubscription().catch(() => null);
  if (!subscription) return;
  const csrf = new URLSearchParams(body).get('csrf') || '';
  const form = new URLSearchParams({ csrf, endpoint: subscription.endpoint });
  await fetch('/notifications/push/forget', {
    method: 'POST',
    body: form,
    credentials: 'same-origin',
    redirect: 'manual',
    // A slow connection must not hold up the sign-out itself.
    signal: AbortSignal.timeout ? AbortSignal.timeout(5000) : undefined,
  }).catch(() => {});
  await subscription.unsubscribe().catch(() => {});
}

/** Sends a sign-out or lock that was pressed offline. True when there is
 *  none left to send. */
async function endPendingSession() {
  const pending = await queueTx('readonly', ({ keys }) => idbRequest(keys.get('end-session'))).catch(() => null);
  if (!pending) return true;
  try {
    await fetch(pending.path, {
      method: 'POST',
      body: pending.body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      credentials: 'same-origin',
      redirect: 'manual',
    });
  } catch {
    return false;
  }
  await queueTx('readwrite', ({ keys }) => idbRequest(keys.delete('end-session'))).catch(() => {});
  await forgetPersonal();
  await refill();
  return true;
}

/** Every copy except the public pages kept from the start. */
async function forgetPersonalPages() {
  const cache = await caches.open(CACHE);
  const keep = new Set(PRECACHE);
  for (const request of await cache.keys()) {
    if (!keep.has(new URL(request.url).pathname)) await cache.delete(request);
  }
}

/** Lock and sign-out: the unsent words and their key, gone. */
function queueClear() {
  return queueTx('readwrite', ({ entries, keys }) => Promise.all([idbRequest(entries.clear()), idbRequest(keys.clear())]))
    .catch(() => {});
}

/** What a reply from the server means for a queued form. */
function outcome(response) {
  const path = new URL(response.url).pathname;
  if (response.ok && response.redirected && path !== '/signin') return { sent: true, to: response.url };
  if (response.status === 429 || response.status >= 500) return { later: true };
  const reasons = {
    401: 'Your sign-in had ended before it arrived.',
    403: 'It was written while someone was signed in with a session that has since ended.',
    409: 'The entry had been changed somewhere else in the meantime.',
    413: 'It is too long to save in one go.',
    422: 'Something in it needs a change before it can be saved.',
  };
  if (path === '/signin') return { reason: reasons[401] };
  return { reason: reasons[response.status] || `The server did not accept it (status ${response.status}).` };
}

function post(action, fields) {
  return fetch(action, {
    method: 'POST',
    body: new URLSearchParams(fields),
    credentials: 'same-origin',
    redirect: 'follow',
  });
}

let flushing = null;

/** Sends whatever is waiting, oldest first; one run at a time. Stops at the
 *  first sign there is still no connection. Returns how many were sent. */
function flushQueue() {
  if (!flushing) {
    flushing = sendWaiting().catch(() => 0).finally(() => { flushing = null; });
  }
  return flushing;
}

async function sendWaiting() {
  if (!(await endPendingSession())) return 0;
  let sent = 0;
  const items = (await queueAll()).filter((i) => i.state === 'waiting');
  for (const item of items) {
    const fields = await unseal(item);
    if (!fields) continue;
    let response;
    try {
      response = await post(item.action, fields);
    } catch {
      break;
    }
    const result = outcome(response);
    if (result.sent) {
      await queueDelete(item.id);
      sent += 1;
    } else if (result.later) {
      break;
    } else {
      await queuePut({ ...item, state: 'refused', reason: result.reason });
    }
  }
  if (sent) notifyPages();
  return sent;
}

async function notifyPages() {
  for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage('tend-queue-changed');
}

async function queueStatus() {
  const items = await queueAll().catch(() => []);
  return {
    waiting: items.filter((i) => i.state === 'waiting').length,
    refused: items.filter((i) => i.state === 'refused').length,
  };
}

/** Messages from app.js: "flush" (a page loaded, or the connection is back)
 *  and "status" (for the note at the top of a page). */
function queueMessage(event) {
  const port = event.ports && event.ports[0];
  if (event.data === 'flush') {
    event.waitUntil(flushQueue().then(async (sent) => port?.postMessage({ sent, ...(await queueStatus()) })));
  } else if (event.data && typeof event.data === 'object' && 'seen' in event.data) {
    event.waitUntil(rememberToken(event.data.seen).catch(() => {}));
  } else if (event.data === 'ping') {
    event.waitUntil(fetch('/healthz', { cache: 'no-store' }).then((r) => r.ok, () => false).then((ok) => port?.postMessage(ok)));
  } else if (event.data === 'status') {
    event.waitUntil(queueStatus().then((s) => port?.postMessage(s)));
  }
}

function formFields(formData) {
  return [...formData.entries()].filter(([, v]) => typeof v === 'string');
}

/** A check-in or journal form: sent as usual; with no connection, kept on this
 *  device and a page says so plainly. */
async function sendOrQueue(request, event) {
  const copy = request.clone();
  try {
    const response = await fetch(request);
    event.waitUntil(flushQueue());
    return response;
  } catch {
    let fields;
    try {
      fields = formFields(await copy.formData());
    } catch {
      return sendOrKeepPage([], '/');
    }
    const action = new URL(request.url).pathname;
    if (!(await fromTendPage(fields))) return sendOrKeepPage(fields, action);
    try {
      await queueAdd(action, fields);
    } catch {
      // Storage refused (private mode, full disk): the old page, words shown.
      return sendOrKeepPage(fields, action);
    }
    if (self.registration.sync) self.registration.sync.register(SYNC_TAG).catch(() => {});
    return keptPage(fields, action);
  }
}

function page(title, main, status = 200) {
  const body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · tend</title>
<link rel="stylesheet" href="/static/tend.css"><script src="/static/app.js" defer></script></head><body><main id="main">
${main}
<p><a href="/hard-moment">Hard moment</a> · <a href="/help">Help lines</a> (these open without a connection)</p>
</main></body></html>`;
  return new Response(body, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
      'cache-control': 'no-store',
    },
  });
}

function wordsOf(fields) {
  return fields.filter(([k, v]) => k !== 'csrf' && k !== 'version' && LABELS[k] && v.trim() !== '');
}

function shownWords(fields) {
  return wordsOf(fields).map(([k, v]) => `<h2>${LABELS[k]}</h2><div class="card"><p>${escape(v).replace(/\n/g, '<br>')}</p></div>`).join('');
}

const SHARED_NOTE = `<p>Until it is sent, it stays in this browser on this device. On a shared
computer, <strong>Lock</strong> or <strong>Sign out</strong> clears it, and then it is not sent.</p>`;

function keptPage(fields, action) {
  const what = KIND_WORDS[kindOf(action)];
  return page('Kept on this device', `<h1>Kept on this device until you are connected</h1>
<p class="lead" data-queued>There is no connection, so your ${what} is kept here and will be sent
by itself when the connection is back, even if you close this page.</p>
<p class="notice" role="status" data-queue-status hidden></p>
${SHARED_NOTE}
${shownWords(fields)}
<p><a href="${UNSENT}">Written offline, not sent yet</a></p>`, 202);
}

/** Words that could not be kept (storage refused): shown back, with the form. */
function sendOrKeepPage(fields, action) {
  return page('Not sent yet', `<h1>Not sent yet: there is no connection</h1>
<p class="lead">What you wrote is below and has not been lost. Keep this page open: it is sent
by itself as soon as the connection is back, or press <strong>Send again</strong>.</p>
${shownWords(fields)}
<form method="post" action="${escape(action)}" data-resend>
${fields.map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`).join('')}
<div class="actions"><button type="submit">Send again</button></div></form>`, 503);
}

function when(ms) {
  try {
    return new Date(ms).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
  } catch {
    return '';
  }
}

/** GET /unsent: what this browser is keeping, waiting or refused, to read,
 *  copy, send again or delete. */
async function unsentPage() {
  const items = await queueAll().catch(() => []);
  const nonce = escape(await pageNonce().catch(() => ''));
  const parts = [];
  for (const item of items) {
    const fields = await unseal(item);
    if (!fields) continue;
    const words = wordsOf(fields).map(([k, v]) => `<label>${LABELS[k]}<textarea readonly rows="6">${escape(v)}</textarea></label>`).join('');
    const head = item.state === 'refused'
      ? `<h2>Could not be sent: ${KIND_WORDS[item.kind]}, written ${escape(when(item.created))}</h2><p>${escape(item.reason)}</p>`
      : `<h2>Waiting for a connection: ${KIND_WORDS[item.kind]}, written ${escape(when(item.created))}</h2>`;
    const again = item.state === 'refused'
      ? `<p class="hint">Send again sends it to the account signed in now in this browser, with a new form${item.kind === 'edit' ? ' (a change made elsewhere in the meantime is not overwritten: you would see it and decide)' : ''}.</p>
<form method="post" action="${UNSENT}"><input type="hidden" name="nonce" value="${nonce}"><input type="hidden" name="id" value="${item.id}"><input type="hidden" name="do" value="send">
<div class="actions"><button type="submit">Send again</button></div></form>`
      : '';
    parts.push(`<section class="card unsent-item">${head}${words}${again}
<form method="post" action="${UNSENT}"><input type="hidden" name="nonce" value="${nonce}"><input type="hidden" name="id" value="${item.id}"><input type="hidden" name="do" value="delete">
<div class="actions"><button type="submit" class="secondary">Delete these words from this device</button></div></form></section>`);
  }
  const main = parts.length
    ? `<h1>Written offline, not sent yet</h1>
<p class="lead">These are kept in this browser only. Copy the words from any box if you want them somewhere else.</p>
${SHARED_NOTE}${parts.join('')}`
    : `<h1>Nothing is waiting on this device</h1><p class="lead">Everything written here while offline has been sent.</p>`;
  return page('Written offline', main);
}

/** POST /unsent (only from the page above): delete, or send again with the
 *  anti-forgery token of whoever is signed in now. Never reaches the server. */
async function unsentAction(request) {
  let id;
  let what;
  try {
    const form = await request.formData();
    id = Number(form.get('id'));
    what = form.get('do');
    if (form.get('nonce') !== (await pageNonce())) return Response.redirect(UNSENT, 303);
  } catch {
    return Response.redirect(UNSENT, 303);
  }
  const item = (await queueAll()).find((i) => i.id === id);
  if (!item) return Response.redirect(UNSENT, 303);
  if (what === 'delete') {
    await queueDelete(id);
    return Response.redirect(UNSENT, 303);
  }
  const fields = await unseal(item);
  if (what !== 'send' || !fields) return Response.redirect(UNSENT, 303);
  try {
    // The form page gives this session's token; for an edit, the entry's
    // version stays the one it was written against.
    const form = await fetch(item.action, { credentials: 'same-origin' });
    if (form.redirected && new URL(form.url).pathname === '/signin') {
      return Response.redirect(`/signin?next=${encodeURIComponent(UNSENT)}`, 303);
    }
    const token = (await form.text()).match(/name="csrf" value="([^"]+)"/);
    const fresh = fields.map(([k, v]) => [k, k === 'csrf' && token ? token[1] : v]);
    const result = outcome(await post(item.action, fresh));
    if (result.sent) {
      await queueDelete(id);
      return Response.redirect(result.to, 303);
    }
    if (result.reason) await queuePut({ ...item, reason: result.reason });
  } catch { /* still offline: it stays as it was */ }
  return Response.redirect(UNSENT, 303);
}

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
