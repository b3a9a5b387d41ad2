//! Web Push (issue 13): what a browser's subscription must look like before
//! tend will send to it, and the only words a push ever carries.
//!
//! Push messages travel through the browser vendor's push service (Google's,
//! Mozilla's, Apple's, Microsoft's). The payload is encrypted for the browser
//! (RFC 8291), but the vendor also makes the browser that decrypts it, so a
//! push says nothing personal: one generic sentence and a path inside tend.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::Invalid;
use super::notifications::NoticeKind;

/// Longest endpoint accepted. The push services' URLs are a few hundred
/// characters (FCM's about 190, Mozilla's about 220, Windows' about 300).
pub const ENDPOINT_MAX: usize = 1024;

/// Devices one person may subscribe.
pub const DEVICES_MAX: i64 = 10;

/// The subscribe form (or JSON) as sent: the fields of the browser's
/// `PushSubscription.toJSON()`, flattened, and the device's time zone.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SubscriptionInput {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub time_zone: String,
}

/// A checked subscription.
#[derive(Clone, PartialEq, Eq)]
pub struct Subscription {
    pub endpoint: String,
    /// Base64url without padding, as stored.
    pub p256dh: String,
    pub auth: String,
    /// An IANA name; empty when the browser gave none (the caller fills it).
    pub time_zone: String,
}

/// Never prints the endpoint's path or the keys (they let anyone push).
impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("endpoint_host", &endpoint_host(&self.endpoint))
            .field("time_zone", &self.time_zone)
            .finish_non_exhaustive()
    }
}

/// The host of an endpoint, for the settings page and for logs.
pub fn endpoint_host(endpoint: &str) -> &str {
    endpoint
        .split_once("://")
        .map_or("", |(_, rest)| rest)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("")
}

/// Decodes base64url with or without padding.
pub fn base64url(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim().trim_end_matches('=')).ok()
}

/// Where tend will send.
///
/// The rule: `https://`, a host name (not an address, not `localhost`), the
/// standard port, no user name or password, at most [`ENDPOINT_MAX`]
/// characters. Every browser's push service has such an address, and tend
/// posts to whatever a signed-in person gives here, so nothing on the
/// server's own network (an address, another port) can be reached through
/// it. `allow_loopback_http` is for tests only (a push service inside the
/// test): it also allows `http://127.0.0.1:PORT/…` and `http://[::1]:PORT/…`.
pub fn check_endpoint(input: &str, allow_loopback_http: bool) -> Result<String, Invalid> {
    let s = input.trim();
    let bad = |why: &str| Invalid::new("endpoint", why.to_owned());
    if s.is_empty() {
        return Err(bad(
            "The browser did not give an address for push messages. Try turning push on again.",
        ));
    }
    if s.chars().count() > ENDPOINT_MAX {
        return Err(bad(
            "That push address is too long to be a browser's push service.",
        ));
    }
    if s.chars()
        .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
    {
        return Err(bad(
            "That push address has characters an address cannot have.",
        ));
    }
    let uri: http::Uri = s
        .parse()
        .map_err(|_| bad("That is not a web address a push service would have."))?;
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return Err(bad("That is not a web address a push service would have."));
    }
    let host = uri.host().unwrap_or("").to_ascii_lowercase();
    let loopback = matches!(host.as_str(), "127.0.0.1" | "[::1]");
    match uri.scheme_str() {
        Some("http") if allow_loopback_http && loopback => return Ok(s.to_owned()),
        Some("https") => {}
        _ => {
            return Err(bad(
                "Push addresses must start with https:// (a browser's push service).",
            ));
        }
    }
    let is_name = host.contains('.')
        && !host.starts_with('[')
        && !host.ends_with(".localhost")
        && !host.ends_with('.')
        && host.parse::<std::net::Ipv4Addr>().is_err()
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| !tld.is_empty() && tld.chars().all(|c| c.is_ascii_alphabetic()));
    if !is_name {
        return Err(bad(
            "Push addresses must name a push service's host, not a numeric address or this machine.",
        ));
    }
    if uri.port_u16().is_some_and(|p| p != 443) {
        return Err(bad("Push addresses use the standard https port."));
    }
    Ok(s.to_owned())
}

impl SubscriptionInput {
    /// Checks every field and reports every problem at once.
    pub fn validate(&self, allow_loopback_http: bool) -> Result<Subscription, Vec<Invalid>> {
        let mut errors = Vec::new();
        let endpoint = check_endpoint(&self.endpoint, allow_loopback_http)
            .map_err(|e| errors.push(e))
            .ok();
        let p256dh = match base64url(&self.p256dh) {
            Some(k) if k.len() == 65 && p256::PublicKey::from_sec1_bytes(&k).is_ok() => {
                Some(URL_SAFE_NO_PAD.encode(k))
            }
            _ => {
                errors.push(Invalid::new(
                    "p256dh",
                    "The browser's key for push messages did not come through whole. Try turning push on again.",
                ));
                None
            }
        };
        let auth = match base64url(&self.auth) {
            Some(a) if a.len() == 16 => Some(URL_SAFE_NO_PAD.encode(a)),
            _ => {
                errors.push(Invalid::new(
                    "auth",
                    "The browser's secret for push messages did not come through whole. Try turning push on again.",
                ));
                None
            }
        };
        let time_zone = match self.time_zone.trim() {
            "" => Some(String::new()),
            tz => super::profile::Profile::parse_time_zone(tz)
                .map_err(|e| errors.push(e))
                .ok(),
        };
        match (endpoint, p256dh, auth, time_zone) {
            (Some(endpoint), Some(p256dh), Some(auth), Some(time_zone)) if errors.is_empty() => {
                Ok(Subscription {
                    endpoint,
                    p256dh,
                    auth,
                    time_zone,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Everything a push carries: a generic sentence and paths inside tend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    pub title: String,
    pub body: String,
    /// Where a click goes.
    pub link: String,
    /// The one-click way to turn this kind off.
    pub off: String,
}

/// The words for a kind: "something needs you" for what a facilitator or
/// moderator is asked to look at, "something new" for the rest. Neither says
/// which circle, who, or what.
pub fn payload(kind: NoticeKind) -> Payload {
    let (title, body) = if kind.for_moderators() {
        ("tend: something needs you", "Open tend to see what.")
    } else {
        (
            "tend: something new for you",
            "Open tend when you have a moment.",
        )
    };
    Payload {
        title: title.into(),
        body: body.into(),
        link: "/notifications".into(),
        off: format!("/notifications/off?kind={}", kind.as_str()),
    }
}

/// Whether a push of this kind goes at once even in quiet hours.
pub fn urgent(kind: NoticeKind) -> bool {
    kind == NoticeKind::HeldPost
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_follow_the_rule() {
        for ok in [
            "https://fcm.googleapis.com/fcm/send/abc:def",
            "https://updates.push.services.mozilla.com/wpush/v2/gAAA",
            "https://web.push.apple.com/QGx",
            "https://wns2-par02p.notify.windows.com:443/w/?token=x",
        ] {
            assert_eq!(check_endpoint(ok, false).as_deref(), Ok(ok), "{ok}");
        }
        for bad in [
            "",
            "http://fcm.googleapis.com/x",
            "https://127.0.0.1/x",
            "https://10.0.0.5/x",
            "https://[::1]/x",
            "https://localhost/x",
            "https://a.localhost/x",
            "https://push.example:8443/x",
            "https://user:pw@push.example/x",
            "ftp://push.example/x",
            "https://push.example/ x",
            "https://intranet/x",
            "javascript:alert(1)",
            "http://127.0.0.1:9000/x",
        ] {
            assert!(check_endpoint(bad, false).is_err(), "{bad}");
        }
        let long = format!("https://push.example/{}", "a".repeat(ENDPOINT_MAX));
        assert!(check_endpoint(&long, false).is_err());
        // Tests may use a push service on loopback, over plain HTTP.
        assert!(check_endpoint("http://127.0.0.1:9000/x", true).is_ok());
        assert!(check_endpoint("http://[::1]:9000/x", true).is_ok());
        assert!(check_endpoint("http://10.0.0.5:9000/x", true).is_err());
    }

    #[test]
    fn keys_must_be_whole() {
        let key = p256::SecretKey::from_slice(&[7; 32]).unwrap();
        let public =
            p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&key.public_key(), false);
        let input = SubscriptionInput {
            endpoint: "https://push.example/x".into(),
            p256dh: URL_SAFE_NO_PAD.encode(public.as_bytes()),
            auth: URL_SAFE_NO_PAD.encode([1; 16]),
            time_zone: "Europe/London".into(),
        };
        assert!(input.validate(false).is_ok());
        let mut bad = input.clone();
        bad.p256dh = "not base64!".into();
        bad.auth = URL_SAFE_NO_PAD.encode([1; 15]);
        bad.time_zone = "Mars/Olympus".into();
        let errors = bad.validate(false).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["p256dh", "auth", "time_zone"]);
        // 65 bytes that are not a point on the curve.
        let mut off_curve = input.clone();
        let mut bytes = vec![4u8];
        bytes.extend([0xff; 64]);
        off_curve.p256dh = URL_SAFE_NO_PAD.encode(bytes);
        assert!(off_curve.validate(false).is_err());
    }

    #[test]
    fn payloads_say_nothing_personal() {
        for kind in NoticeKind::ALL {
            let p = payload(kind);
            let json = serde_json::to_string(&p).unwrap();
            assert!(json.contains("tend: something"));
            assert!(p.link.starts_with('/') && p.off.starts_with("/notifications/off?kind="));
            for word in ["circle", "post", "reply", "risk", "member"] {
                assert!(!p.title.contains(word) && !p.body.contains(word), "{word}");
            }
        }
        assert!(urgent(NoticeKind::HeldPost));
        assert!(!urgent(NoticeKind::Reply));
    }
}
