//! Web Push (issue 13) over real HTTP, on SQLite and PostgreSQL.
//!
//! The browser vendors' push services cannot be reached here, so the test
//! plays both of their parts: a push service (an HTTP server inside the
//! test that keeps what it is sent) and a browser (a real P-256 key pair and
//! auth secret, made here as a browser makes them). A person subscribes
//! through tend's own form, a post is held for risk, and the push that
//! arrives is checked the way a push service and a browser would: the VAPID
//! token's ES256 signature against the key the page gave out, its audience
//! and expiry (RFC 8292); then the body is decrypted with the browser's
//! private key by this file's own RFC 8291 code (not tend's, not
//! `web-push-native`'s), and must say nothing personal.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aes_gcm::aead::{Aead, KeyInit};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Verifier as _;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use reqwest::StatusCode;
use tend::domain::notifications::NoticeKind;
use tend::service::push::Sent;

use crate::helpers::{Backend, Person, TestApp, csrf_of};

const RISKY: &str = "Honestly I want to kill myself after today.";
const TITLE: &str = "Done tonight";
const CIRCLE: &str = "Night shift";

/// What the push service inside the test received: (path, headers, body).
type Inbox = Arc<Mutex<Vec<(String, HeaderMap, Vec<u8>)>>>;

/// A push service on loopback: keeps every POST; answers 201 Created, or
/// 410 Gone for a device whose path starts with `gone`.
async fn start_push_service() -> (SocketAddr, Inbox) {
    async fn receive(
        State(inbox): State<Inbox>,
        Path(device): Path<String>,
        headers: HeaderMap,
        body: Bytes,
    ) -> AxumStatus {
        let gone = device.starts_with("gone");
        inbox.lock().unwrap().push((device, headers, body.to_vec()));
        if gone {
            AxumStatus::GONE
        } else {
            AxumStatus::CREATED
        }
    }
    let inbox: Inbox = Arc::default();
    let app = axum::Router::new()
        .route("/push/{device}", axum::routing::post(receive))
        .with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, inbox)
}

/// What a browser makes when it subscribes: a P-256 key pair and a 16-byte
/// auth secret (RFC 8291 section 2).
struct BrowserKeys {
    secret: p256::SecretKey,
    auth: [u8; 16],
}

impl BrowserKeys {
    fn new() -> Self {
        let mut auth = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut auth);
        Self {
            secret: p256::SecretKey::random(&mut rand::rngs::OsRng),
            auth,
        }
    }
    fn public(&self) -> Vec<u8> {
        self.secret
            .public_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec()
    }
    fn p256dh(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.public())
    }
    fn auth(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.auth)
    }

    /// RFC 8291 section 3.4 and RFC 8188, written out here: the header
    /// (salt, record size, key id = the sender's public key), the keys from
    /// the ECDH secret and the auth secret, AES-128-GCM, then the padding
    /// delimiter (2 for the last record).
    fn decrypt(&self, body: &[u8]) -> Vec<u8> {
        let salt = &body[..16];
        let rs = u32::from_be_bytes(body[16..20].try_into().unwrap()) as usize;
        let idlen = body[20] as usize;
        assert_eq!(
            idlen, 65,
            "the key id is the sender's uncompressed public key"
        );
        let as_public = &body[21..21 + idlen];
        let ciphertext = &body[21 + idlen..];
        assert!(ciphertext.len() <= rs, "one record");
        let sender = p256::PublicKey::from_sec1_bytes(as_public).unwrap();
        let shared =
            p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), sender.as_affine());
        let mut key_info = b"WebPush: info\0".to_vec();
        key_info.extend_from_slice(&self.public());
        key_info.extend_from_slice(as_public);
        let mut ikm = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(&self.auth), shared.raw_secret_bytes())
            .expand(&key_info, &mut ikm)
            .unwrap();
        let prk = hkdf::Hkdf::<sha2::Sha256>::new(Some(salt), &ikm);
        let mut cek = [0u8; 16];
        prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
            .unwrap();
        let mut nonce = [0u8; 12];
        prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
            .unwrap();
        let plain = aes_gcm::Aes128Gcm::new_from_slice(&cek)
            .unwrap()
            .decrypt(aes_gcm::Nonce::from_slice(&nonce), ciphertext)
            .expect("the payload decrypts with the browser's keys");
        let end = plain.iter().rposition(|&b| b != 0).unwrap();
        assert_eq!(plain[end], 2, "the last record's padding delimiter");
        plain[..end].to_vec()
    }
}

impl Person {
    async fn subscribe(
        &self,
        app: &TestApp,
        endpoint: &str,
        keys: &BrowserKeys,
        zone: &str,
    ) -> reqwest::Response {
        self.post(
            app,
            "/notifications/push",
            &[
                ("endpoint", endpoint),
                ("p256dh", &keys.p256dh()),
                ("auth", &keys.auth()),
                ("time_zone", zone),
            ],
        )
        .await
    }
}

/// The value of `data-key` on the settings page: the VAPID public key.
fn page_key(page: &str) -> String {
    let rest = page
        .split("data-key=\"")
        .nth(1)
        .expect("the page gives out the key");
    rest[..rest.find('"').unwrap()].to_owned()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// A facilitator (circle creator) and a member of one circle.
async fn circle(app: &TestApp) -> (String, Person, Person) {
    let fac = Person::new(app, "fac_p").await;
    app.db
        .store
        .grant_server_role(&fac.account, "facilitator")
        .await
        .unwrap();
    let res = fac
        .post(
            app,
            "/circles/new",
            &[
                ("name", CIRCLE),
                ("description", "Third-years"),
                ("guidelines", "Be kind."),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id = location(&res)
        .trim_start_matches("/circles/")
        .trim_end_matches("/invites?created=1")
        .to_owned();
    fac.post(
        app,
        &format!("/circles/{id}/invites"),
        &[("days", ""), ("uses", "")],
    )
    .await;
    let page = fac.page(app, &format!("/circles/{id}/invites")).await;
    let code = page
        .split("class=\"invite-code\">")
        .nth(1)
        .map(|s| s[..s.find('<').unwrap()].to_owned())
        .unwrap();
    let member = Person::new(app, "member_p").await;
    let res = member.post(app, "/circles/join", &[("code", &code)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    (id, fac, member)
}

/// Waits (bounded) until the push service has received `n` pushes.
async fn received(inbox: &Inbox, n: usize) -> Vec<(String, HeaderMap, Vec<u8>)> {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            {
                let got = inbox.lock().unwrap();
                if got.len() >= n {
                    return got.clone();
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the push arrived at the push service")
}

/// Checks an RFC 8292 `Authorization: vapid t=..., k=...` header: the key
/// is the one the page gave out, the ES256 signature verifies with it, the
/// audience is the push service's origin and the token has not expired.
/// Returns the claims.
fn check_vapid(headers: &HeaderMap, key: &str, origin: &str) -> serde_json::Value {
    check_vapid_at(headers, key, origin, jiff::Timestamp::now().as_second())
}

/// [`check_vapid`] for a push sent at `now` (a test's own clock).
fn check_vapid_at(headers: &HeaderMap, key: &str, origin: &str, now: i64) -> serde_json::Value {
    let value = headers["authorization"].to_str().unwrap();
    let rest = value.strip_prefix("vapid ").expect("the vapid scheme");
    let mut token = "";
    let mut k = "";
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(t) = part.strip_prefix("t=") {
            token = t;
        } else if let Some(v) = part.strip_prefix("k=") {
            k = v;
        }
    }
    assert_eq!(k, key, "signed with the key the page gave the browser");
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "ES256");
    let verifying =
        p256::ecdsa::VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(k).unwrap()).unwrap();
    let signature =
        p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
    verifying
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the VAPID signature verifies");
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["aud"], origin);
    let exp = claims["exp"].as_i64().unwrap();
    assert!(exp > now && exp <= now + 24 * 3600, "exp {exp}, now {now}");
    claims
}

/// Nothing personal in a decrypted payload: only the generic words and
/// paths.
fn check_payload(plain: &[u8], kind: &str) -> serde_json::Value {
    let text = String::from_utf8(plain.to_vec()).unwrap();
    for private in [
        CIRCLE,
        "kill myself",
        TITLE,
        "fac_p",
        "member_p",
        "Third-years",
        "circles/",
    ] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["body", "link", "off", "title"]);
    assert_eq!(v["link"], "/notifications");
    assert_eq!(v["off"], format!("/notifications/off?kind={kind}"));
    v
}

async fn push(backend: Backend) {
    let (addr, inbox) = start_push_service().await;
    let Some(app) = TestApp::spawn_with(backend, |c| c.push.allow_loopback_http = true).await
    else {
        return;
    };
    let origin = format!("http://{addr}");
    let (circle_id, fac, member) = circle(&app).await;
    let store = &app.db.store;

    // The plain words come before the button; without JavaScript the page
    // says push needs it.
    let page = fac.page(&app, "/notifications/settings").await;
    let words = page.find("travel through the push service").unwrap();
    assert!(words < page.find("Turn on push on this device").unwrap());
    assert!(page.contains("It never says which circle, who, or what anyone wrote."));
    assert!(page.contains("<noscript>") && page.contains("Turning on push needs JavaScript"));
    assert!(page.contains("No device has push turned on."));
    let key = page_key(&page);
    assert_eq!(URL_SAFE_NO_PAD.decode(&key).unwrap().len(), 65);
    // One key for everyone (it lives in the database).
    assert_eq!(
        page_key(&member.page(&app, "/notifications/settings").await),
        key
    );

    // Bad input: a plain message, 422, nothing saved.
    let keys = BrowserKeys::new();
    let device = format!("{origin}/push/fac-phone");
    let long = format!("https://push.example/{}", "a".repeat(1100));
    let (pk, au) = (keys.p256dh(), keys.auth());
    let bad: [(&str, &str, &str, &str, &str); 9] = [
        (
            &device,
            "not base64!!",
            &au,
            "UTC",
            "did not come through whole",
        ),
        (&device, &pk[..40], &au, "UTC", "did not come through whole"),
        (&device, &pk, "c2hvcnQ", "UTC", "did not come through whole"),
        (
            "http://push.example/x",
            &pk,
            &au,
            "UTC",
            "must start with https://",
        ),
        (
            "https://10.1.2.3/x",
            &pk,
            &au,
            "UTC",
            "not a numeric address",
        ),
        (
            "https://localhost/x",
            &pk,
            &au,
            "UTC",
            "not a numeric address",
        ),
        (&long, &pk, &au, "UTC", "too long"),
        ("", &pk, &au, "UTC", "did not give an address"),
        (&device, &pk, &au, "Mars/Base", "Choose a time zone"),
    ];
    for (endpoint, p256dh, auth, zone, says) in bad {
        let res = fac
            .post(
                &app,
                "/notifications/push",
                &[
                    ("endpoint", endpoint),
                    ("p256dh", p256dh),
                    ("auth", auth),
                    ("time_zone", zone),
                ],
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{endpoint} {p256dh}"
        );
        let body = res.text().await.unwrap();
        assert!(body.contains(says), "{says}: {body}");
        assert!(body.contains("Nothing was saved."));
    }
    assert!(
        store
            .push_subscriptions(&fac.account)
            .await
            .unwrap()
            .is_empty()
    );
    // Without the anti-forgery token: refused.
    let res = fac
        .b
        .post(app.url("/notifications/push"))
        .form(&[
            ("endpoint", device.as_str()),
            ("p256dh", &keys.p256dh()),
            ("auth", &keys.auth()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        store
            .push_subscriptions(&fac.account)
            .await
            .unwrap()
            .is_empty()
    );

    // The facilitator turns push on (as push.js would send it).
    let res = fac.subscribe(&app, &device, &keys, "Europe/London").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/notifications/settings?push=on#push");
    let page = fac.page(&app, "/notifications/settings?push=on").await;
    assert!(page.contains("Push is on for that device."));
    assert!(
        page.contains(&format!("Through {addr}")) && page.contains("quiet hours in Europe/London")
    );

    // A held risk post: the facilitator's device gets one push at once.
    let res = member
        .post(
            &app,
            &format!("/circles/{circle_id}/threads"),
            &[("title", TITLE), ("body", RISKY)],
        )
        .await;
    assert!(location(&res).contains("held=risk"));
    let got = received(&inbox, 1).await;
    let (path, headers, body) = &got[0];
    assert_eq!(path, "fac-phone");
    assert_eq!(headers["content-encoding"], "aes128gcm");
    assert_eq!(headers["urgency"], "high");
    assert!(headers["ttl"].to_str().unwrap().parse::<u64>().unwrap() > 0);
    check_vapid(headers, &key, &origin);
    let payload = check_payload(&keys.decrypt(body), "held_post");
    assert_eq!(payload["title"], "tend: something needs you");

    // Another process on the same database signs with the same key, and
    // quiet hours (in the device's zone) hold back all but held posts.
    let mut config = tend::config::Config::for_data_dir(app.db.dir.path().to_path_buf()).unwrap();
    config.push.allow_loopback_http = true;
    let other = tend::service::Services::new(store.clone(), &config);
    let london = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::get("Europe/London").unwrap());
    let hhmm = |z: &jiff::Zoned| format!("{:02}:{:02}", z.hour(), z.minute());
    let from = london
        .checked_sub(jiff::SignedDuration::from_hours(1))
        .unwrap();
    let to = london
        .checked_add(jiff::SignedDuration::from_hours(1))
        .unwrap();
    let res = fac
        .post(
            &app,
            "/notifications/settings",
            &[
                ("want_held_post", "on"),
                ("want_reply", "on"),
                ("want_meeting", "on"),
                ("quiet_from", &hhmm(&from)),
                ("quiet_to", &hhmm(&to)),
                ("email", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let now = jiff::Timestamp::now().as_second();
    let accounts = [fac.account.clone()];
    assert_eq!(
        other.push_now(NoticeKind::Reply, &accounts, now).await,
        [Sent::Held],
        "quiet hours: kept for later, not sent now"
    );
    assert_eq!(
        other.push_now(NoticeKind::HeldPost, &accounts, now).await,
        [Sent::Delivered]
    );
    let got = received(&inbox, 2).await;
    check_vapid(&got[1].1, &key, &origin);
    check_payload(&keys.decrypt(&got[1].2), "held_post");
    // A kind turned off is never written, so never pushed.
    let res = fac
        .post(&app, "/notifications/off", &[("kind", "new_member")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let newcomer = Person::new(&app, "newcomer_p").await;
    let page = fac
        .page(&app, &format!("/circles/{circle_id}/invites"))
        .await;
    let code = page
        .split("class=\"invite-code\">")
        .nth(1)
        .map(|s| s[..s.find('<').unwrap()].to_owned())
        .unwrap();
    newcomer
        .post(&app, "/circles/join", &[("code", &code)])
        .await;

    // A device the push service says is gone (410) is removed.
    let member_keys = BrowserKeys::new();
    let res = member
        .subscribe(
            &app,
            &format!("{origin}/push/gone-laptop"),
            &member_keys,
            "",
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let devices = store.push_subscriptions(&member.account).await.unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(
        devices[0].time_zone, "America/Chicago",
        "the profile's zone when the browser gave none"
    );
    assert_eq!(
        other
            .push_now(
                NoticeKind::Approved,
                std::slice::from_ref(&member.account),
                now
            )
            .await,
        [Sent::Gone]
    );
    assert!(
        store
            .push_subscriptions(&member.account)
            .await
            .unwrap()
            .is_empty()
    );
    let got = received(&inbox, 3).await;
    assert_eq!(got.len(), 3, "nothing for the new member: that kind is off");
    assert_eq!(got[2].0, "gone-laptop");
    let plain = member_keys.decrypt(&got[2].2);
    assert_eq!(
        check_payload(&plain, "approved")["title"],
        "tend: something new for you"
    );

    // Removing: only one's own devices.
    let mine = store.push_subscriptions(&fac.account).await.unwrap();
    assert_eq!(mine.len(), 1);
    let res = member
        .post(
            &app,
            &format!("/notifications/push/{}/remove", mine[0].id),
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = fac
        .post(
            &app,
            &format!("/notifications/push/{}/remove", mine[0].id),
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        store
            .push_subscriptions(&fac.account)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        fac.page(&app, "/notifications/settings?push=removed")
            .await
            .contains("That device gets no more pushes from tend.")
    );

    // Deleting an account deletes its devices.
    member
        .subscribe(&app, &format!("{origin}/push/m2"), &member_keys, "UTC")
        .await;
    assert!(store.delete_account(&member.account).await.unwrap());
    assert!(
        store
            .push_subscriptions(&member.account)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Another tend process on the test's database, with push to loopback.
fn process(app: &TestApp) -> tend::service::Services {
    let mut config = tend::config::Config::for_data_dir(app.db.dir.path().to_path_buf()).unwrap();
    config.push.allow_loopback_http = true;
    tend::service::Services::new(app.db.store.clone(), &config)
}

/// The same person signed in again from another browser (a second session).
async fn sign_in_again(app: &TestApp, handle: &str, account: &str) -> Person {
    let b = app.browser();
    let page = b
        .get(app.url("/signin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = b
        .post(app.url("/signin"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("handle", handle),
            ("passphrase", "kettle maple orbit"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = b
        .get(app.url("/notifications"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    Person {
        b,
        csrf: csrf_of(&page),
        account: account.to_owned(),
    }
}

/// A pushed reminder: the generic words, the reminder's path and its
/// one-click off link; nothing else.
fn check_reminder(plain: &[u8], path: &str, which: &str) {
    let text = String::from_utf8(plain.to_vec()).unwrap();
    for private in [CIRCLE, "member_p", "fac_p"] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 4);
    assert_eq!(v["title"], "tend: a reminder you asked for");
    assert_eq!(v["link"], path);
    assert_eq!(v["off"], format!("/notifications/off?reminder={which}"));
}

async fn scheduled(backend: Backend) {
    let (addr, inbox) = start_push_service().await;
    let Some(app) = TestApp::spawn_with(backend, |c| c.push.allow_loopback_http = true).await
    else {
        return;
    };
    let origin = format!("http://{addr}");
    let store = &app.db.store;
    let (circle_id, fac, member) = circle(&app).await;
    // Two more processes on the same database; the tests pass them the
    // time, so nothing here waits for a clock.
    let (a, b) = (process(&app), process(&app));
    let key = page_key(&member.page(&app, "/notifications/settings").await);

    // The member gets a reply notification before any device has push.
    let res = member
        .post(
            &app,
            &format!("/circles/{circle_id}/threads"),
            &[("title", TITLE), ("body", "A long day on the ward.")],
        )
        .await;
    let thread = location(&res);
    let thread = thread.split(['?', '#']).next().unwrap();
    let res = fac
        .post(
            &app,
            &format!("{thread}/replies"),
            &[("body", "Same here.")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        store
            .unread_of_kind(&member.account, "reply")
            .await
            .unwrap(),
        1
    );

    // Reminder times in Tokyo (the device's zone, not the profile's
    // Chicago) three hours from the real clock, so the server's own job,
    // which runs on the real clock, never has one due during the test.
    let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
    let real = jiff::Timestamp::now().to_zoned(tokyo.clone());
    let h = (real.hour() + 3) % 24;
    let hh = |plus: i8| format!("{:02}:00", (h + plus) % 24);
    let res = member
        .post(
            &app,
            "/notifications/settings",
            &[
                ("want_reply", "on"),
                ("want_approved", "on"),
                ("want_meeting", "on"),
                ("checkin", &hh(0)),
                ("practice1", &hh(1)),
                ("quiet_from", &hh(6)),
                ("quiet_to", &hh(8)),
                ("email", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let keys = BrowserKeys::new();
    let res = member
        .subscribe(
            &app,
            &format!("{origin}/push/member-phone"),
            &keys,
            "Asia/Tokyo",
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let device = store.push_subscriptions(&member.account).await.unwrap()[0].clone();
    assert_eq!(
        device.reminder_kinds, ",",
        "no reminder is pushed until chosen"
    );
    let page = member.page(&app, "/notifications/settings").await;
    assert!(page.contains("Reminders pushed to this device"));
    // A short hash of the endpoint marks the device for push.js ("This
    // device"); the endpoint itself is not in the page.
    let endpoint = format!("{origin}/push/member-phone");
    let digest = <sha2::Sha256 as sha2::Digest>::digest(endpoint.as_bytes());
    let tag: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    assert!(page.contains(&format!("data-device=\"{tag}\"")));
    assert!(!page.contains("/push/member-phone"));
    assert!(page.contains("never any words"));
    assert!(
        page.find("never any words").unwrap() < page.find("Turn on push on this device").unwrap(),
        "the plain words come before the button"
    );

    // Bad input on the choice: 422, a plain message, nothing saved.
    let choose = format!("/notifications/push/{}/reminders", device.id);
    for (form, says) in [
        (
            vec![("checkin", "maybe")],
            "that is not a choice this form has",
        ),
        (
            vec![("checkin", "on"), ("review", "on")],
            "turn that reminder on in your reminders above first",
        ),
    ] {
        let res = member.post(&app, &choose, &form).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = res.text().await.unwrap();
        assert!(body.contains(says), "{says}: {body}");
        assert!(body.contains("Nothing was saved."));
        assert_eq!(
            store.push_subscriptions(&member.account).await.unwrap()[0].reminder_kinds,
            ","
        );
    }
    // Someone else's device: 404; no anti-forgery token: 403.
    let res = fac.post(&app, &choose, &[("checkin", "on")]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = member
        .b
        .post(app.url(&choose))
        .form(&[("checkin", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        store.push_subscriptions(&member.account).await.unwrap()[0].reminder_kinds,
        ","
    );
    // The check-in, and only it, comes to this device as a push.
    let res = member.post(&app, &choose, &[("checkin", "on")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res),
        "/notifications/settings?push=reminders#push"
    );
    assert_eq!(
        store.push_subscriptions(&member.account).await.unwrap()[0].reminder_kinds,
        ",checkin,"
    );
    let page = member
        .page(&app, "/notifications/settings?push=reminders")
        .await;
    assert!(page.contains("Saved. Those reminders come to that device as a push."));
    assert!(
        page.contains("name=\"checkin\" checked"),
        "the box is ticked"
    );

    // Two days on, at the check-in time in Tokyo.
    let day = real.date().checked_add(jiff::Span::new().days(2)).unwrap();
    let checkin = day
        .at(h, 0, 0, 0)
        .to_zoned(tokyo.clone())
        .unwrap()
        .timestamp()
        .as_second();
    assert_eq!(a.push_reminders(checkin - 60).await, [], "not yet");
    assert_eq!(a.push_reminders(checkin + 20).await, [Sent::Delivered]);
    // Again, and from the other process: it went once.
    assert_eq!(b.push_reminders(checkin + 25).await, []);
    assert_eq!(a.push_reminders(checkin + 50).await, []);
    let got = received(&inbox, 1).await;
    assert_eq!(got.len(), 1);
    let (path, headers, body) = &got[0];
    assert_eq!(path, "member-phone");
    assert_eq!(headers["topic"], "reminder");
    assert_eq!(headers["urgency"], "normal");
    assert_eq!(headers["ttl"], "1800");
    check_vapid_at(headers, &key, &origin, checkin + 20);
    check_reminder(&keys.decrypt(body), "/checkin", "checkin");
    // The practice time was not chosen for push: nothing at it.
    assert_eq!(a.push_reminders(checkin + 3600 + 30).await, []);
    // The next day the job was down until 31 minutes after: nothing late,
    // no burst.
    assert_eq!(b.push_reminders(checkin + 86_400 + 31 * 60).await, []);
    // The day after, the job (claimed by one process) sends it 10 minutes
    // late; the other process's turn finds nothing to do.
    let third = checkin + 2 * 86_400 + 600;
    let run = a.push_job(third).await.expect("a claims the job");
    assert_eq!(run.reminders, [Sent::Delivered]);
    assert_eq!(b.push_job(third + 1).await, None);
    assert_eq!(b.push_reminders(third + 2).await, []);
    let got = received(&inbox, 2).await;
    assert_eq!(got.len(), 2);
    check_reminder(&keys.decrypt(&got[1].2), "/checkin", "checkin");
    // The push's one-click off link turns the check-in reminder off, and
    // with it the push; the device's box is no longer ticked.
    let res = member
        .post(&app, "/notifications/off", &[("reminder", "checkin")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(a.push_reminders(checkin + 3 * 86_400 + 10).await, []);
    let page = member.page(&app, "/notifications/settings").await;
    assert!(!page.contains("name=\"checkin\" checked"), "{page}");

    // Quiet hours (in Tokyo) hold a reply's push; two collapse into one,
    // sent once when they end, by whichever process gets there.
    let quiet = checkin + 7 * 3600;
    let accounts = [member.account.clone()];
    assert_eq!(
        a.push_now(NoticeKind::Reply, &accounts, quiet).await,
        [Sent::Held]
    );
    assert_eq!(
        b.push_now(NoticeKind::Reply, &accounts, quiet + 60).await,
        [Sent::Held]
    );
    assert_eq!(a.release_held_pushes(quiet + 120).await, [], "still quiet");
    let end = checkin + 8 * 3600;
    assert_eq!(b.release_held_pushes(end).await, [Sent::Delivered]);
    assert_eq!(a.release_held_pushes(end + 1).await, []);
    let got = received(&inbox, 3).await;
    assert_eq!(got.len(), 3);
    assert_eq!(got[2].1["topic"], "reply");
    check_payload(&keys.decrypt(&got[2].2), "reply");
    // No longer relevant (read in tend meanwhile): held, then dropped.
    assert_eq!(
        a.push_now(NoticeKind::Reply, &accounts, quiet + 86_400)
            .await,
        [Sent::Held]
    );
    let res = member.post(&app, "/notifications/read-all", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(a.release_held_pushes(end + 86_400).await, []);
    assert_eq!(b.release_held_pushes(end + 86_400 + 60).await, []);
    assert_eq!(inbox.lock().unwrap().len(), 3);
    // Turning push on again in the same browser (same endpoint, new row id)
    // keeps the device's choice and what it holds.
    assert_eq!(
        a.push_now(NoticeKind::Reply, &accounts, quiet + 2 * 86_400)
            .await,
        [Sent::Held]
    );
    let res = member
        .subscribe(
            &app,
            &format!("{origin}/push/member-phone"),
            &keys,
            "Asia/Tokyo",
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let again = store.push_subscriptions(&member.account).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_ne!(again[0].id, device.id);
    assert_eq!(again[0].reminder_kinds, ",checkin,");

    // Signing out removes the device this sign-in turned on.
    let res = member.post(&app, "/signout", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        store
            .push_subscriptions(&member.account)
            .await
            .unwrap()
            .is_empty()
    );

    // The browser names its subscription when it signs out (static/sw.js):
    // only that person's device with that endpoint goes.
    let fac_keys = BrowserKeys::new();
    let laptop = format!("{origin}/push/fac-laptop");
    fac.subscribe(&app, &laptop, &fac_keys, "UTC").await;
    let res = member
        .post(&app, "/notifications/push/forget", &[("endpoint", &laptop)])
        .await;
    assert_ne!(res.status(), StatusCode::NO_CONTENT, "signed out: refused");
    assert_eq!(
        store.push_subscriptions(&fac.account).await.unwrap().len(),
        1
    );
    let res = fac
        .post(&app, "/notifications/push/forget", &[("endpoint", &laptop)])
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(
        store
            .push_subscriptions(&fac.account)
            .await
            .unwrap()
            .is_empty()
    );

    // "Sign out everywhere else" removes the devices other sign-ins turned
    // on, and keeps this one's.
    fac.subscribe(&app, &laptop, &fac_keys, "UTC").await;
    let tablet = sign_in_again(&app, "fac_p", &fac.account).await;
    let tablet_keys = BrowserKeys::new();
    tablet
        .subscribe(
            &app,
            &format!("{origin}/push/fac-tablet"),
            &tablet_keys,
            "UTC",
        )
        .await;
    assert_eq!(
        store.push_subscriptions(&fac.account).await.unwrap().len(),
        2
    );
    let res = tablet.post(&app, "/account/sign-out-others", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let left = store.push_subscriptions(&fac.account).await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].endpoint.ends_with("/fac-tablet"));
    // Locking ends the session like signing out.
    let res = tablet.post(&app, "/lock", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        store
            .push_subscriptions(&fac.account)
            .await
            .unwrap()
            .is_empty()
    );

    // Changing the passphrase ends the other sign-ins and removes their
    // devices; this one's stays.
    // (Both earlier sign-ins have ended.)
    let desk = sign_in_again(&app, "fac_p", &fac.account).await;
    desk.subscribe(&app, &laptop, &fac_keys, "UTC").await;
    let phone = sign_in_again(&app, "fac_p", &fac.account).await;
    phone
        .subscribe(
            &app,
            &format!("{origin}/push/fac-phone2"),
            &BrowserKeys::new(),
            "UTC",
        )
        .await;
    assert_eq!(
        store.push_subscriptions(&fac.account).await.unwrap().len(),
        2
    );
    let res = desk
        .post(
            &app,
            "/account/passphrase",
            &[
                ("current_passphrase", "kettle maple orbit"),
                ("new_passphrase", "lantern quietly rivers"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/account?done=passphrase");
    let left = store.push_subscriptions(&fac.account).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].endpoint, laptop);
}

#[tokio::test]
async fn chosen_reminders_are_pushed_once_and_quiet_hours_hold_pushes_on_sqlite() {
    scheduled(Backend::Sqlite).await;
}

#[tokio::test]
async fn chosen_reminders_are_pushed_once_and_quiet_hours_hold_pushes_on_postgres() {
    scheduled(Backend::Postgres).await;
}

#[tokio::test]
async fn push_reaches_a_device_encrypted_and_says_nothing_personal_on_sqlite() {
    push(Backend::Sqlite).await;
}

#[tokio::test]
async fn push_reaches_a_device_encrypted_and_says_nothing_personal_on_postgres() {
    push(Backend::Postgres).await;
}
