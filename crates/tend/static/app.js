// Optional extras on every page: installs the service worker (so help opens
// offline) and, when the person chose one, the idle lock for shared computers.
// Without this script every page still works.
'use strict';

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
  offlineQueue();
}

/** Asks the worker something about the entries written offline; resolves with
 *  its answer, or null without a worker. */
function askWorker(what) {
  const worker = navigator.serviceWorker.controller;
  if (!worker) return Promise.resolve(null);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (e) => resolve(e.data);
    worker.postMessage(what, [channel.port2]);
  });
}

/** Entries written offline (kept by the worker until the connection is back):
 *  every page load and every return of the connection asks the worker to send
 *  them, and a short note at the top of the page says what is still kept. */
function offlineQueue() {
  const note = () => {
    let el = document.querySelector('[data-queue-status]');
    if (!el) {
      const main = document.querySelector('main');
      if (!main || location.pathname === '/unsent') return null;
      el = document.createElement('p');
      el.className = 'notice';
      el.setAttribute('role', 'status');
      el.dataset.queueStatus = '';
      el.hidden = true;
      main.prepend(el);
    }
    return el;
  };
  const show = (status) => {
    const el = note();
    if (!el || !status) return;
    const queued = document.querySelector('[data-queued]');
    const parts = [];
    const entries = (n) => `${n} ${n === 1 ? 'entry' : 'entries'} written offline`;
    if (status.waiting) parts.push(`${entries(status.waiting)} ${status.waiting === 1 ? 'is' : 'are'} kept on this device until the connection is back.`);
    if (status.refused) parts.push(`${entries(status.refused)} could not be sent; the words are kept.`);
    if (!parts.length && queued && status.sent) parts.push('Sent now that the connection is back.');
    el.textContent = '';
    if (!parts.length) { el.hidden = true; return; }
    el.append(parts.join(' ') + ' ');
    if (status.waiting || status.refused) {
      const link = document.createElement('a');
      link.href = '/unsent';
      link.textContent = 'See them';
      el.append(link);
    }
    el.hidden = false;
  };
  // This page's anti-forgery token: the worker queues only forms carrying one
  // it was told about by a tend page (see sw.js, fromTendPage).
  const token = document.querySelector('input[name="csrf"]');
  if (token) navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller?.postMessage({ seen: token.value }));
  const flush = () => { if (navigator.onLine) askWorker('flush').then(show); };
  navigator.serviceWorker.ready.then(() => askWorker('status')).then(show).then(flush).catch(() => {});
  addEventListener('online', flush);
  navigator.serviceWorker.addEventListener('message', (e) => {
    if (e.data === 'tend-queue-changed') askWorker('status').then((s) => show(s && { ...s, sent: 1 }));
  });
}

// "Print" buttons exist only for script users; without it the page says to
// use the browser's own Print.
for (const button of document.querySelectorAll('button[data-print]')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}

// "Copy link" beside an invite: the whole address, ready to paste into a
// message. Without a script (or a clipboard) the link itself is there to copy.
for (const button of document.querySelectorAll('button[data-copy]')) {
  if (!navigator.clipboard) continue;
  button.hidden = false;
  const status = button.parentElement.querySelector('.copy-status');
  button.addEventListener('click', async () => {
    const url = new URL(button.dataset.copy, location.href).href;
    try {
      await navigator.clipboard.writeText(url);
      if (status) status.textContent = 'Copied.';
    } catch {
      if (status) status.textContent = 'Could not copy here; copy the link above instead.';
    }
  });
}

// A form that could not be sent offline (the worker's "Not sent yet" page):
// sent once, by itself, when the connection comes back. The server's usual
// rules decide what happens, exactly as if the person pressed the button.
// The worker first checks it can reach tend (the page's `online` event can
// come a moment before the worker's own connection), trying again a little
// later each time until it can.
for (const form of document.querySelectorAll('form[data-resend]')) {
  let sent = false;
  let wait = 500;
  const send = async () => {
    if (sent || !navigator.onLine) return;
    if ((await askWorker('ping')) === false) {
      wait = Math.min(wait * 2, 30000);
      setTimeout(send, wait);
      return;
    }
    if (sent) return;
    sent = true;
    form.requestSubmit ? form.requestSubmit() : form.submit();
  };
  addEventListener('online', send);
  send();
}

(function idleLock() {
  const form = document.querySelector('form.lock-form');
  const match = document.cookie.match(/(?:^|;\s*)tend_idle_lock=(\d+)/);
  if (!form || !match) return;
  const minutes = Number(match[1]);
  if (!minutes) return;
  // Shared by every tab, so typing in one keeps the others open.
  const KEY = 'tend-last-active';
  const touch = () => {
    try { localStorage.setItem(KEY, String(Date.now())); } catch { /* private mode */ }
  };
  const last = () => {
    try { return Number(localStorage.getItem(KEY)) || 0; } catch { return 0; }
  };
  touch();
  let throttle = 0;
  for (const type of ['pointerdown', 'keydown', 'scroll', 'touchstart']) {
    addEventListener(type, () => {
      const now = Date.now();
      if (now - throttle > 5000) { throttle = now; touch(); }
    }, { passive: true });
  }
  const timer = setInterval(() => {
    if (Date.now() - last() >= minutes * 60 * 1000) {
      clearInterval(timer);
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  }, 15000);
})();
