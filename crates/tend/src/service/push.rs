//! Web Push (issue 13): each person's devices, the server's VAPID key, and
//! sending.
//!
//! - **The key** (RFC 8292) is made once and kept in the database
//!   (`push_keys`), so every process on the database signs with the same
//!   key; each process reads it once and keeps it.
//! - **Sending** never holds up the request that caused it: after the
//!   notification rows are written, [`Services::push_after`] spawns one task
//!   that reads the devices, leaves out non-urgent pushes in each device's
//!   quiet hours, and posts to at most [`IN_FLIGHT`] push services at a time
//!   per process, each with a [`TIMEOUT`]. A device the push service says is
//!   gone (404, 410) is removed. Failures are logged with the status and the
//!   push service's host only: never the endpoint's path, the keys or the
//!   payload.
//! - **The payload** (RFC 8291, aes128gcm, through `web-push-native`) is one
//!   generic sentence and two paths inside tend (`domain::push::payload`).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;

use super::{ServiceError, ServiceResult, Services, Unlocked};
use crate::domain::Invalid;
use crate::domain::circles::Schedule;
use crate::domain::notifications::{NoticeKind, Reminders, parse_muted};
use crate::domain::push::{
    self as rules, DEVICES_MAX, PushRemindersInput, ReminderKind, SubscriptionInput, endpoint_host,
};
use crate::store::{PushKeyRow, PushSubscriptionRow, Store};

/// Pushes in flight at once, per process.
pub const IN_FLIGHT: usize = 8;
/// How long one push service may take to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How long the VAPID token is valid (RFC 8292 allows at most 24 hours).
const TOKEN_SECONDS: i64 = 12 * 3600;
/// How often each process asks to run the push job (reminders, pushes held
/// by quiet hours), in seconds; the database lets one process run it.
pub const JOB_EVERY: i64 = 30;

/// Settings for Web Push (`--push-contact`, tests).
#[derive(Debug, Clone, Default)]
pub struct PushConfig {
    /// Off with `--no-web-push`.
    pub disabled: bool,
    /// The VAPID `sub` claim: a `mailto:` or `https:` address the push
    /// services may use to reach the operator. Apple's service needs one.
    pub contact: Option<String>,
    /// Tests only: allow `http://` endpoints on loopback (a push service
    /// inside the test). Never set from the command line.
    pub allow_loopback_http: bool,
}

/// The server's VAPID signing key, once read from the database.
struct Vapid {
    key: p256::ecdsa::SigningKey,
    /// The uncompressed public point, base64url: the page's
    /// `applicationServerKey` and the `k=` of every push.
    public: String,
}

/// Sends pushes for one `Services`.
pub struct Pusher {
    client: reqwest::Client,
    config: PushConfig,
    key: tokio::sync::OnceCell<Arc<Vapid>>,
    slots: Arc<tokio::sync::Semaphore>,
}

impl Pusher {
    pub fn new(config: &PushConfig) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            // A push service answers; it does not send tend elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("tend")
            .build()
            .map_err(|e| format!("could not make the push client: {e}"))?;
        Ok(Self {
            client,
            config: config.clone(),
            key: tokio::sync::OnceCell::new(),
            slots: Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT)),
        })
    }

    /// The key, made and stored by whichever process needs it first.
    async fn vapid(&self, store: &dyn Store, now: i64) -> ServiceResult<Arc<Vapid>> {
        self.key
            .get_or_try_init(|| async {
                let row = match store.push_key().await? {
                    Some(row) => row,
                    None => {
                        let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
                        let public = URL_SAFE_NO_PAD
                            .encode(secret.public_key().to_encoded_point(false).as_bytes());
                        store
                            .offer_push_key(
                                &PushKeyRow {
                                    private_key: secret.to_bytes().to_vec(),
                                    public_key: public,
                                },
                                now,
                            )
                            .await?;
                        // Another process may have stored its key first:
                        // everyone uses the one in the database.
                        store.push_key().await?.ok_or_else(|| {
                            crate::store::StoreError::Config("the push key was not stored".into())
                        })?
                    }
                };
                let key = p256::ecdsa::SigningKey::from_slice(&row.private_key).map_err(|_| {
                    crate::store::StoreError::Config(
                        "the stored push key is not a P-256 key".into(),
                    )
                })?;
                Ok::<_, ServiceError>(Arc::new(Vapid {
                    key,
                    public: row.public_key,
                }))
            })
            .await
            .cloned()
    }
}

/// The origin of an endpoint (RFC 6454: scheme, host, and the port unless
/// it is the scheme's default), the `aud` of the VAPID token.
pub fn origin(endpoint: &str) -> Option<String> {
    let uri: http::Uri = endpoint.parse().ok()?;
    let scheme = uri.scheme_str()?;
    let host = uri.host()?;
    Some(match (scheme, uri.port_u16()) {
        ("https", Some(443)) | ("http", Some(80)) | (_, None) => format!("{scheme}://{host}"),
        (_, Some(port)) => format!("{scheme}://{host}:{port}"),
    })
}

/// An RFC 8292 `Authorization` header value: `vapid t=<JWT>, k=<key>`,
/// the token signed with ES256 (the signature is r and s, 64 bytes).
fn authorization(vapid: &Vapid, audience: &str, contact: Option<&str>, now: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
    let mut claims = serde_json::json!({ "aud": audience, "exp": now + TOKEN_SECONDS });
    if let Some(sub) = contact {
        claims["sub"] = serde_json::Value::from(sub);
    }
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{claims}");
    let signature: p256::ecdsa::Signature = vapid.key.sign(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(signature.to_bytes());
    format!("vapid t={signing_input}.{signature}, k={}", vapid.public)
}

/// What one push came to, for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Delivered,
    /// The push service said the subscription is gone; it was removed.
    Gone,
    Failed,
    /// In the device's quiet hours: kept, and sent when they end.
    Held,
}

/// How a push asks the push service to treat it (RFC 8030 headers).
#[derive(Debug, Clone)]
struct How {
    urgent: bool,
    /// Seconds the push service keeps it for a device that is offline.
    ttl: u32,
    /// One waiting message per topic: a newer one replaces it.
    topic: String,
}

impl How {
    fn notice(kind: NoticeKind) -> Self {
        let urgent = rules::urgent(kind);
        Self {
            urgent,
            ttl: if urgent { 86_400 } else { 43_200 },
            topic: kind.as_str().replace('_', "-"),
        }
    }

    /// A reminder that arrives much later is no use: the push service keeps
    /// it only as long as it may be late.
    fn reminder() -> Self {
        Self {
            urgent: false,
            ttl: u32::try_from(rules::LATE_MAX).unwrap_or(1800),
            topic: "reminder".into(),
        }
    }
}

/// What one run of the push job did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushRun {
    /// Reminders sent (one entry per device).
    pub reminders: Vec<Sent>,
    /// Pushes held by quiet hours and sent now.
    pub released: Vec<Sent>,
}

impl Services {
    /// The server's public VAPID key for the page (made on first use);
    /// `None` when push is off.
    pub async fn push_public_key(&self, now: i64) -> ServiceResult<Option<String>> {
        let Some(pusher) = &self.push else {
            return Ok(None);
        };
        Ok(Some(
            pusher.vapid(self.store.as_ref(), now).await?.public.clone(),
        ))
    }

    /// One person's devices.
    pub fn push_devices<'a>(&'a self, who: &'a Unlocked) -> PushDevices<'a> {
        PushDevices {
            services: self,
            who,
        }
    }

    /// After notifications of `kind` were written for `accounts`: push to
    /// their devices in the background. Returns at once.
    pub(crate) fn push_after(&self, kind: NoticeKind, accounts: Vec<String>, now: i64) {
        if self.push.is_none() || accounts.is_empty() {
            return;
        }
        let services = self.clone();
        tokio::spawn(async move {
            services.push_now(kind, &accounts, now).await;
        });
    }

    /// Pushes one kind to every device of `accounts`, waiting for the
    /// answers. Non-urgent kinds are held for devices in their quiet hours
    /// (a `push_pending` row, one per device and kind) and sent when the
    /// quiet hours end, by whichever process runs [`Services::push_job`].
    pub async fn push_now(&self, kind: NoticeKind, accounts: &[String], now: i64) -> Vec<Sent> {
        let Some(pusher) = self.push.clone() else {
            return Vec::new();
        };
        let vapid = match pusher.vapid(self.store.as_ref(), now).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "push is unavailable: no key");
                return Vec::new();
            }
        };
        let payload = match serde_json::to_vec(&rules::payload(kind)) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "could not write a push payload");
                return Vec::new();
            }
        };
        let urgent = rules::urgent(kind);
        let mut sends = tokio::task::JoinSet::new();
        for account in accounts {
            let devices = match self.store.push_subscriptions(account).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!(error = %e, "could not read push devices");
                    continue;
                }
            };
            if devices.is_empty() {
                continue;
            }
            let reminders: Reminders = if urgent {
                Reminders::default()
            } else {
                match self.store.notification_settings(account).await {
                    Ok(s) => s
                        .and_then(|s| serde_json::from_str(&s.reminders).ok())
                        .unwrap_or_default(),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not read quiet hours");
                        continue;
                    }
                }
            };
            for device in devices {
                if !urgent && let Some(until) = rules::quiet_end(&reminders, &device.time_zone, now)
                {
                    match self
                        .store
                        .hold_push(&device.id, kind.as_str(), until, now)
                        .await
                    {
                        Ok(()) => sends.spawn(async { Sent::Held }),
                        Err(e) => {
                            tracing::warn!(error = %e, "could not keep a push for after quiet hours");
                            sends.spawn(async { Sent::Failed })
                        }
                    };
                    continue;
                }
                let (services, pusher, vapid, payload) =
                    (self.clone(), pusher.clone(), vapid.clone(), payload.clone());
                sends.spawn(async move {
                    let Ok(_slot) = pusher.slots.clone().acquire_owned().await else {
                        return Sent::Failed;
                    };
                    services
                        .send_one(&pusher, &vapid, &device, payload, How::notice(kind), now)
                        .await
                });
            }
        }
        sends.join_all().await
    }

    /// The push job, run by the server every 30 seconds: at most one process
    /// runs it at a time (`claim_job`), and every send in it is claimed in
    /// the database on its own, so nothing goes twice even if two ran.
    /// Returns `None` when another process had the turn.
    pub async fn push_job(&self, now: i64) -> Option<PushRun> {
        self.push.as_ref()?;
        match self.store.claim_job("push", now, JOB_EVERY - 5).await {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => {
                tracing::warn!(error = %e, "could not claim the push job");
                return None;
            }
        }
        Some(PushRun {
            reminders: self.push_reminders(now).await,
            released: self.release_held_pushes(now).await,
        })
    }

    /// Sends each device the reminder due now, if any (see
    /// `domain::push::due_reminder`: only the latest, at most 30 minutes
    /// late, never in quiet hours). Each is claimed with one conditional
    /// UPDATE first, so across processes and restarts it goes once.
    pub async fn push_reminders(&self, now: i64) -> Vec<Sent> {
        let Some((pusher, vapid)) = self.pusher_and_key(now).await else {
            return Vec::new();
        };
        let devices = match self.store.push_reminder_devices().await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the devices with reminders");
                return Vec::new();
            }
        };
        let mut sends = tokio::task::JoinSet::new();
        for row in devices {
            let device = row.device;
            let reminders: Reminders = serde_json::from_str(&row.settings).unwrap_or_default();
            let chosen = rules::parse_kinds(&device.reminder_kinds);
            let mut meetings = Vec::new();
            if chosen.contains(&ReminderKind::Meetings) && reminders.meetings {
                match self.store.meetings_for_account(&device.account_id).await {
                    Ok(rows) => {
                        meetings = rows
                            .iter()
                            .filter_map(|m| {
                                Schedule::parse(
                                    &m.starts_local,
                                    &m.time_zone,
                                    m.weekly == 1,
                                    m.duration_minutes,
                                )
                            })
                            .collect();
                    }
                    Err(e) => tracing::warn!(error = %e, "could not read meetings for reminders"),
                }
            }
            let Some((kind, at)) = rules::due_reminder(
                &reminders,
                &chosen,
                &meetings,
                &device.time_zone,
                now,
                device.reminded_at,
            ) else {
                continue;
            };
            match self.store.claim_push_reminder(&device.id, at).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim a reminder");
                    continue;
                }
            }
            let Ok(payload) = serde_json::to_vec(&rules::reminder_payload(kind)) else {
                continue;
            };
            let (services, pusher, vapid) = (self.clone(), pusher.clone(), vapid.clone());
            sends.spawn(async move {
                let Ok(_slot) = pusher.slots.clone().acquire_owned().await else {
                    return Sent::Failed;
                };
                services
                    .send_one(&pusher, &vapid, &device, payload, How::reminder(), now)
                    .await
            });
        }
        sends.join_all().await
    }

    /// Sends the pushes held by quiet hours that are due now. Each held row
    /// is taken by one `DELETE … RETURNING`, so one process sends it. A held
    /// push still relevant goes (the person has an unread notification of
    /// that kind and has not turned the kind off); otherwise it is dropped.
    pub async fn release_held_pushes(&self, now: i64) -> Vec<Sent> {
        let Some((pusher, vapid)) = self.pusher_and_key(now).await else {
            return Vec::new();
        };
        let held = match self.store.take_held_pushes(now).await {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!(error = %e, "could not read held pushes");
                return Vec::new();
            }
        };
        let mut sends = tokio::task::JoinSet::new();
        for (device, kind) in held {
            let Some(kind) = NoticeKind::parse(&kind) else {
                continue;
            };
            if !self.still_relevant(&device.account_id, kind).await {
                continue;
            }
            let Ok(payload) = serde_json::to_vec(&rules::payload(kind)) else {
                continue;
            };
            let (services, pusher, vapid) = (self.clone(), pusher.clone(), vapid.clone());
            sends.spawn(async move {
                let Ok(_slot) = pusher.slots.clone().acquire_owned().await else {
                    return Sent::Failed;
                };
                services
                    .send_one(&pusher, &vapid, &device, payload, How::notice(kind), now)
                    .await
            });
        }
        sends.join_all().await
    }

    async fn still_relevant(&self, account: &str, kind: NoticeKind) -> bool {
        let muted = match self.store.notification_settings(account).await {
            Ok(s) => s.is_some_and(|s| parse_muted(&s.muted).contains(&kind)),
            Err(_) => return false,
        };
        !muted
            && self
                .store
                .unread_of_kind(account, kind.as_str())
                .await
                .is_ok_and(|n| n > 0)
    }

    async fn pusher_and_key(&self, now: i64) -> Option<(Arc<Pusher>, Arc<Vapid>)> {
        let pusher = self.push.clone()?;
        match pusher.vapid(self.store.as_ref(), now).await {
            Ok(v) => Some((pusher, v)),
            Err(e) => {
                tracing::warn!(error = %e, "push is unavailable: no key");
                None
            }
        }
    }

    async fn send_one(
        &self,
        pusher: &Pusher,
        vapid: &Vapid,
        device: &PushSubscriptionRow,
        payload: Vec<u8>,
        how: How,
        now: i64,
    ) -> Sent {
        let host = endpoint_host(&device.endpoint).to_owned();
        let keys = rules::base64url(&device.p256dh)
            .and_then(|k| p256::PublicKey::from_sec1_bytes(&k).ok())
            .zip(rules::base64url(&device.auth).filter(|a| a.len() == 16));
        let (Some((public, auth)), Some(audience)) = (keys, origin(&device.endpoint)) else {
            tracing::warn!(host, "a stored push device has unusable keys");
            return Sent::Failed;
        };
        let auth = web_push_native::Auth::clone_from_slice(&auth);
        let body = match web_push_native::encrypt(payload, &public, &auth) {
            Ok(b) => b,
            Err(_) => {
                tracing::warn!(host, "could not encrypt a push");
                return Sent::Failed;
            }
        };
        let urgent = how.urgent;
        let request = pusher
            .client
            .post(&device.endpoint)
            .header(
                "authorization",
                authorization(vapid, &audience, pusher.config.contact.as_deref(), now),
            )
            .header("content-encoding", "aes128gcm")
            .header("content-type", "application/octet-stream")
            // RFC 8030: how long the push service keeps it for an offline
            // device, how hard it tries, and one waiting message per kind.
            .header("ttl", how.ttl.to_string())
            .header("urgency", if urgent { "high" } else { "normal" })
            .header("topic", how.topic)
            .body(body);
        match request.send().await {
            Ok(res) if res.status().is_success() => {
                if let Err(e) = self.store.push_sent(&device.id, now).await {
                    tracing::warn!(error = %e, "could not note a push as sent");
                }
                Sent::Delivered
            }
            Ok(res) if matches!(res.status().as_u16(), 404 | 410) => {
                tracing::info!(
                    host,
                    status = res.status().as_u16(),
                    "a push device is gone; removed"
                );
                if let Err(e) = self.store.forget_push_endpoint(&device.id).await {
                    tracing::warn!(error = %e, "could not remove a gone push device");
                }
                Sent::Gone
            }
            Ok(res) => {
                tracing::warn!(
                    host,
                    status = res.status().as_u16(),
                    "a push service refused a push"
                );
                Sent::Failed
            }
            Err(e) => {
                // reqwest's error text includes the URL: log only its kind.
                let what = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "could not connect"
                } else {
                    "failed"
                };
                tracing::warn!(host, what, "a push did not reach its push service");
                Sent::Failed
            }
        }
    }
}

/// One person's push devices.
pub struct PushDevices<'a> {
    services: &'a Services,
    who: &'a Unlocked,
}

impl PushDevices<'_> {
    pub async fn list(&self) -> ServiceResult<Vec<PushSubscriptionRow>> {
        Ok(self
            .services
            .store
            .push_subscriptions(&self.who.account_id)
            .await?)
    }

    /// Saves a browser's subscription. `Invalid` (nothing saved) lists every
    /// problem. Without a time zone from the browser, the person's own (from
    /// their profile) is used.
    pub async fn add(&self, input: &SubscriptionInput, now: i64) -> ServiceResult<String> {
        let Some(pusher) = &self.services.push else {
            return Err(Invalid::new(
                "endpoint",
                "Push notifications are turned off on this server.",
            )
            .into());
        };
        let mut s = input
            .validate(pusher.config.allow_loopback_http)
            .map_err(ServiceError::Invalid)?;
        let store = self.services.store.as_ref();
        let existing = store.push_subscriptions(&self.who.account_id).await?;
        if !existing.iter().any(|d| d.endpoint == s.endpoint)
            && i64::try_from(existing.len()).unwrap_or(i64::MAX) >= DEVICES_MAX
        {
            return Err(Invalid::new(
                "endpoint",
                format!("You have push on {DEVICES_MAX} devices already. Remove one first."),
            )
            .into());
        }
        if s.time_zone.is_empty() {
            s.time_zone = self
                .services
                .records(self.who)
                .profile()
                .await
                .map(|p| p.time_zone)
                .unwrap_or_else(|_| "UTC".into());
        }
        Ok(store
            .save_push_subscription(&PushSubscriptionRow {
                id: super::circles::new_id(),
                account_id: self.who.account_id.clone(),
                endpoint: s.endpoint,
                p256dh: s.p256dh,
                auth: s.auth,
                time_zone: s.time_zone,
                created_at: now,
                last_sent_at: None,
                reminder_kinds: ",".into(),
                reminded_at: Some(now),
                session_hash: Some(self.who.session_hash.clone()),
            })
            .await?)
    }

    /// Chooses which of the person's reminders also come to one device as a
    /// push. `Invalid` (nothing saved) for a choice that is not one, or for a
    /// reminder with no time set; `NotFound` for a device not theirs.
    /// Reminders due before now are counted as done, so saving never sends
    /// one at once.
    pub async fn set_reminders(
        &self,
        id: &str,
        input: &PushRemindersInput,
        now: i64,
    ) -> ServiceResult<Vec<ReminderKind>> {
        let store = self.services.store.as_ref();
        if !store
            .push_subscriptions(&self.who.account_id)
            .await?
            .iter()
            .any(|d| d.id == id)
        {
            return Err(ServiceError::NotFound);
        }
        let reminders = self.services.reminders_of(&self.who.account_id).await?;
        let kinds = input.validate(&reminders).map_err(ServiceError::Invalid)?;
        if self
            .services
            .store
            .set_push_reminders(&self.who.account_id, id, &rules::kinds_text(&kinds), now)
            .await?
        {
            Ok(kinds)
        } else {
            Err(ServiceError::NotFound)
        }
    }

    /// Removes this person's device with this endpoint (the browser asks on
    /// sign-out and lock). Whether there was one.
    pub async fn forget_endpoint(&self, endpoint: &str) -> ServiceResult<bool> {
        Ok(self
            .services
            .store
            .forget_push_of_endpoint(&self.who.account_id, endpoint.trim())
            .await?)
    }

    /// `NotFound` for a device that is not this person's.
    pub async fn remove(&self, id: &str) -> ServiceResult<()> {
        if self
            .services
            .store
            .delete_push_subscription(&self.who.account_id, id)
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_keep_non_default_ports() {
        assert_eq!(
            origin("https://fcm.googleapis.com/fcm/send/x").as_deref(),
            Some("https://fcm.googleapis.com")
        );
        assert_eq!(
            origin("https://push.example:443/x").as_deref(),
            Some("https://push.example")
        );
        assert_eq!(
            origin("http://127.0.0.1:9000/x").as_deref(),
            Some("http://127.0.0.1:9000")
        );
    }
}
