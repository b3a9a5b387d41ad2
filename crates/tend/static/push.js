// Turns on Web Push for this device (issue 13), from the notification
// settings page. Only a script can ask the browser for a push subscription;
// without JavaScript the page says so. The subscription (the push service's
// address for this browser and its two keys) goes to tend through the same
// form as everything else, with the anti-forgery token.
'use strict';

(function () {
  const form = document.getElementById('push-form');
  const status = document.getElementById('push-status');
  if (!form || !status) return;
  const say = (text) => { status.textContent = text; };

  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    say('This browser cannot receive push notifications. Your Notifications page and calendar reminders still work.');
    return;
  }
  form.hidden = false;

  function keyBytes(base64url) {
    const padded = (base64url + '==='.slice((base64url.length + 3) % 4)).replace(/-/g, '+').replace(/_/g, '/');
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  async function turnOn() {
    const button = document.getElementById('push-on');
    if (button) button.disabled = true;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') {
        say('Push was not turned on: this browser was not allowed to show notifications. You can change that in its site settings.');
        return;
      }
      const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' })
        .then(() => navigator.serviceWorker.ready);
      let subscription = await registration.pushManager.getSubscription();
      if (!subscription) {
        subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(form.dataset.key),
        });
      }
      const json = subscription.toJSON();
      form.elements.endpoint.value = json.endpoint || '';
      form.elements.p256dh.value = (json.keys && json.keys.p256dh) || '';
      form.elements.auth.value = (json.keys && json.keys.auth) || '';
      try {
        form.elements.time_zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
      } catch (e) { /* tend uses the time zone in your profile */ }
      say('Turning push on…');
      form.submit();
    } catch (e) {
      say('Push could not be turned on in this browser just now. Please try again later.');
    } finally {
      if (button) button.disabled = false;
    }
  }

  const button = document.getElementById('push-on');
  if (button) button.addEventListener('click', turnOn);

  // Marks this browser's own device in the list: the page holds a short
  // SHA-256 tag of each device's push address, never the address itself.
  async function markThisDevice() {
    const registration = await navigator.serviceWorker.getRegistration('/');
    const subscription = registration && await registration.pushManager.getSubscription();
    if (!subscription || !crypto.subtle) return;
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(subscription.endpoint));
    const tag = Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
    for (const item of document.querySelectorAll('li[data-device]')) {
      if (item.dataset.device !== tag) continue;
      const mark = document.createElement('strong');
      mark.textContent = 'This device. ';
      item.prepend(mark);
    }
  }
  markThisDevice().catch(() => {});
})();
