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

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::Invalid;
use super::circles::Schedule;
use super::notifications::{NoticeKind, Reminders, TimeOfDay};

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

/// A short tag for an endpoint, for the settings page to mark "this
/// device": the first 16 hex digits of its SHA-256. The page's script
/// works out the same from its own subscription; the endpoint itself (a
/// capability) never goes into the page.
pub fn endpoint_tag(endpoint: &str) -> String {
    use sha2::{Digest, Sha256};
    super::hex(&Sha256::digest(endpoint.as_bytes())[..8])
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

/// The reminders a person may also have pushed to one device (their times
/// are the ones chosen for the calendar feed, in `Reminders`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReminderKind {
    Checkin,
    Practice,
    Review,
    Questionnaires,
    Meetings,
}

impl ReminderKind {
    pub const ALL: [Self; 5] = [
        Self::Checkin,
        Self::Practice,
        Self::Review,
        Self::Questionnaires,
        Self::Meetings,
    ];

    /// Also the form field and the `reminder=` of the one-click off page.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Checkin => "checkin",
            Self::Practice => "practice",
            Self::Review => "review",
            Self::Questionnaires => "questionnaires",
            Self::Meetings => "meetings",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Checkin => "The daily check-in",
            Self::Practice => "Practice times",
            Self::Review => "The weekly review",
            Self::Questionnaires => "A questionnaire on the day it is due",
            Self::Meetings => "Your circles' meetings, 15 minutes before",
        }
    }

    /// Where a click on the push goes.
    pub fn path(self) -> &'static str {
        match self {
            Self::Checkin => "/checkin",
            Self::Practice => "/practices",
            Self::Review => "/review",
            Self::Questionnaires => "/questionnaires",
            Self::Meetings => "/circles",
        }
    }

    /// Whether the person set this reminder up (a time, or the box).
    pub fn is_set(self, r: &Reminders) -> bool {
        match self {
            Self::Checkin => r.checkin.is_some(),
            Self::Practice => !r.practice.is_empty(),
            Self::Review => r.review.is_some(),
            Self::Questionnaires => r.questionnaires,
            Self::Meetings => r.meetings,
        }
    }
}

/// Stored as `,checkin,practice,` (`,` for none).
pub fn kinds_text(kinds: &[ReminderKind]) -> String {
    let mut s = String::from(",");
    for k in ReminderKind::ALL {
        if kinds.contains(&k) {
            s.push_str(k.as_str());
            s.push(',');
        }
    }
    s
}

pub fn parse_kinds(s: &str) -> Vec<ReminderKind> {
    s.split(',').filter_map(ReminderKind::parse).collect()
}

/// The form beside one device: a checkbox per reminder.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PushRemindersInput {
    pub checkin: Option<String>,
    pub practice: Option<String>,
    pub review: Option<String>,
    pub questionnaires: Option<String>,
    pub meetings: Option<String>,
}

impl PushRemindersInput {
    /// The chosen kinds. A box must say `on`; a reminder with no time set
    /// cannot be chosen (there would be nothing to push). Every problem is
    /// reported at once.
    pub fn validate(&self, reminders: &Reminders) -> Result<Vec<ReminderKind>, Vec<Invalid>> {
        let mut errors = Vec::new();
        let mut kinds = Vec::new();
        for (kind, value) in [
            (ReminderKind::Checkin, &self.checkin),
            (ReminderKind::Practice, &self.practice),
            (ReminderKind::Review, &self.review),
            (ReminderKind::Questionnaires, &self.questionnaires),
            (ReminderKind::Meetings, &self.meetings),
        ] {
            match value.as_deref() {
                None => {}
                Some("on") if kind.is_set(reminders) => kinds.push(kind),
                Some("on") => errors.push(Invalid::new(
                    kind.as_str(),
                    format!(
                        "{}: turn that reminder on in your reminders above first; then it can also come as a push.",
                        kind.label()
                    ),
                )),
                Some(_) => errors.push(Invalid::new(
                    kind.as_str(),
                    format!("{}: that is not a choice this form has.", kind.label()),
                )),
            }
        }
        if errors.is_empty() {
            Ok(kinds)
        } else {
            Err(errors)
        }
    }
}

/// The words of every pushed reminder, whatever it is for: nothing says
/// which reminder beyond the path, and nothing counts.
pub fn reminder_payload(kind: ReminderKind) -> Payload {
    Payload {
        title: "tend: a reminder you asked for".into(),
        body: "Open tend when it suits you. It can wait.".into(),
        link: kind.path().into(),
        off: format!("/notifications/off?reminder={}", kind.as_str()),
    }
}

/// How late a reminder may still go (the process was down, the job ran
/// late); an older one is left out rather than sent late.
pub const LATE_MAX: i64 = 30 * 60;

/// Meeting reminders come this long before the start.
pub const MEETING_LEAD: i64 = 15 * 60;

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// The local time of day at `now` in an IANA zone (UTC if unknown).
pub fn local_time(now: i64, zone_name: &str) -> Option<TimeOfDay> {
    let z = Timestamp::from_second(now).ok()?.to_zoned(zone(zone_name));
    Some(TimeOfDay {
        hour: u8::try_from(z.hour()).ok()?,
        minute: u8::try_from(z.minute()).ok()?,
    })
}

/// The one reminder a device should get at `now`, if any: of the reminders
/// chosen for it, the latest whose time (in the device's zone) is in
/// `(now - LATE_MAX, now]` and later than `after` (the last one sent). Only
/// the latest: a device that missed several gets one, never a burst.
/// Reminders in quiet hours are left out, as in the calendar feed.
pub fn due_reminder(
    r: &Reminders,
    chosen: &[ReminderKind],
    meetings: &[Schedule],
    zone_name: &str,
    now: i64,
    after: Option<i64>,
) -> Option<(ReminderKind, i64)> {
    let tz = zone(zone_name);
    let today = Timestamp::from_second(now)
        .ok()?
        .to_zoned(tz.clone())
        .date();
    let mut best: Option<(ReminderKind, i64)> = None;
    let mut consider = |kind: ReminderKind, at: i64| {
        let fits = at <= now
            && at > now - LATE_MAX
            && after.is_none_or(|a| at > a)
            && best.is_none_or(|(_, b)| at > b)
            && local_time(at, zone_name).is_some_and(|t| !r.is_quiet(t));
        if fits {
            best = Some((kind, at));
        }
    };
    let questionnaire_day = r
        .questionnaire_day
        .as_deref()
        .and_then(|d| d.parse::<Date>().ok());
    for day in [today.yesterday().ok(), Some(today)].into_iter().flatten() {
        let at = |t: TimeOfDay| {
            day.at(
                i8::try_from(t.hour).ok()?,
                i8::try_from(t.minute).ok()?,
                0,
                0,
            )
            .to_zoned(tz.clone())
            .ok()
            .map(|z| z.timestamp().as_second())
        };
        for &kind in chosen {
            let times: Vec<TimeOfDay> = match kind {
                ReminderKind::Checkin => r.checkin.into_iter().collect(),
                ReminderKind::Practice => r.practice.clone(),
                ReminderKind::Review => r
                    .review
                    .filter(|(d, _)| {
                        i16::from(*d) == i16::from(day.weekday().to_monday_zero_offset())
                    })
                    .map(|(_, t)| t)
                    .into_iter()
                    .collect(),
                ReminderKind::Questionnaires
                    if r.questionnaires && questionnaire_day == Some(day) =>
                {
                    // As in the calendar feed: at the check-in time or 09:00,
                    // moved to the end of quiet hours if it falls in them.
                    let mut t = r.checkin.unwrap_or(TimeOfDay { hour: 9, minute: 0 });
                    if let Some((_, end)) = r.quiet.filter(|_| r.is_quiet(t)) {
                        t = end;
                    }
                    vec![t]
                }
                ReminderKind::Questionnaires | ReminderKind::Meetings => Vec::new(),
            };
            for t in times {
                if let Some(at) = at(t) {
                    consider(kind, at);
                }
            }
        }
    }
    if chosen.contains(&ReminderKind::Meetings) && r.meetings {
        let from = Timestamp::from_second(now - MEETING_LEAD - LATE_MAX).ok()?;
        for s in meetings {
            for start in s.upcoming(from, 3) {
                consider(
                    ReminderKind::Meetings,
                    start.timestamp().as_second() - MEETING_LEAD,
                );
            }
        }
    }
    best
}

/// When the quiet hours `now` falls in end (in the device's zone), or `None`
/// when `now` is not in quiet hours.
pub fn quiet_end(r: &Reminders, zone_name: &str, now: i64) -> Option<i64> {
    let (_, to) = r.quiet?;
    if !r.is_quiet(local_time(now, zone_name)?) {
        return None;
    }
    let tz = zone(zone_name);
    let today = Timestamp::from_second(now)
        .ok()?
        .to_zoned(tz.clone())
        .date();
    [Some(today), today.tomorrow().ok()]
        .into_iter()
        .flatten()
        .filter_map(|d| {
            d.at(
                i8::try_from(to.hour).ok()?,
                i8::try_from(to.minute).ok()?,
                0,
                0,
            )
            .to_zoned(tz.clone())
            .ok()
            .map(|z| z.timestamp().as_second())
        })
        .find(|&at| at > now)
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

    fn at(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    fn t(hour: u8, minute: u8) -> TimeOfDay {
        TimeOfDay { hour, minute }
    }

    #[test]
    fn the_latest_due_reminder_goes_once_and_never_late() {
        let r = Reminders {
            checkin: Some(t(8, 0)),
            practice: vec![t(8, 10), t(23, 50)],
            quiet: Some((t(22, 0), t(7, 0))),
            ..Reminders::default()
        };
        let both = [ReminderKind::Checkin, ReminderKind::Practice];
        // 08:00 in Tokyo is 23:00 UTC the day before.
        let eight = at("2026-03-09T23:00:00Z");
        assert_eq!(
            due_reminder(&r, &both, &[], "Asia/Tokyo", eight + 30, None),
            Some((ReminderKind::Checkin, eight))
        );
        // Already sent: nothing more until the next one.
        assert_eq!(
            due_reminder(&r, &both, &[], "Asia/Tokyo", eight + 300, Some(eight)),
            None
        );
        // Down from 07:55 to 08:20: only the latest (08:10), once.
        assert_eq!(
            due_reminder(
                &r,
                &both,
                &[],
                "Asia/Tokyo",
                eight + 1200,
                Some(eight - 86_400)
            ),
            Some((ReminderKind::Practice, eight + 600))
        );
        // More than 30 minutes late: left out.
        assert_eq!(
            due_reminder(
                &r,
                &[ReminderKind::Checkin],
                &[],
                "Asia/Tokyo",
                eight + 1900,
                None
            ),
            None
        );
        // Not chosen for push: never.
        assert_eq!(
            due_reminder(
                &r,
                &[ReminderKind::Review],
                &[],
                "Asia/Tokyo",
                eight + 30,
                None
            ),
            None
        );
        // 23:50 is in quiet hours: left out, as in the calendar.
        let late = at("2026-03-10T14:50:00Z");
        assert_eq!(
            due_reminder(&r, &both, &[], "Asia/Tokyo", late + 60, None),
            None
        );
        // The same reminder in another zone is at another instant.
        assert_eq!(
            due_reminder(&r, &both, &[], "Europe/London", eight + 30, None),
            None
        );
    }

    #[test]
    fn weekly_questionnaire_and_meeting_reminders() {
        let r = Reminders {
            review: Some((1, t(18, 0))),
            questionnaires: true,
            questionnaire_day: Some("2026-03-10".into()),
            meetings: true,
            ..Reminders::default()
        };
        // Tuesday 2026-03-10 18:00 UTC.
        let review = at("2026-03-10T18:00:00Z");
        assert_eq!(
            due_reminder(&r, &[ReminderKind::Review], &[], "UTC", review + 5, None),
            Some((ReminderKind::Review, review))
        );
        assert_eq!(
            due_reminder(
                &r,
                &[ReminderKind::Review],
                &[],
                "UTC",
                review + 5 + 86_400,
                None
            ),
            None,
            "not on Wednesday"
        );
        let nine = at("2026-03-10T09:00:00Z");
        assert_eq!(
            due_reminder(
                &r,
                &[ReminderKind::Questionnaires],
                &[],
                "UTC",
                nine + 60,
                None
            ),
            Some((ReminderKind::Questionnaires, nine))
        );
        let meeting = Schedule::parse("2026-03-03T19:00", "Europe/Paris", true, 60).unwrap();
        // Weekly at 19:00 Paris (18:00 UTC); the push goes at 17:45 UTC.
        let lead = at("2026-03-10T17:45:00Z");
        assert_eq!(
            due_reminder(
                &r,
                &[ReminderKind::Meetings],
                std::slice::from_ref(&meeting),
                "UTC",
                lead + 10,
                None
            ),
            Some((ReminderKind::Meetings, lead))
        );
        assert_eq!(
            due_reminder(
                &r,
                &[ReminderKind::Meetings],
                &[meeting],
                "UTC",
                lead - 10,
                None
            ),
            None
        );
    }

    #[test]
    fn local_time_is_the_device_zone() {
        // 2026-01-15 23:30 UTC is 23:30 in London and 18:30 in New York.
        let now = 1_768_519_800;
        assert_eq!(local_time(now, "Europe/London"), Some(t(23, 30)));
        assert_eq!(local_time(now, "America/New_York"), Some(t(18, 30)));
    }

    #[test]
    fn quiet_hours_end_in_the_device_zone() {
        let r = Reminders {
            quiet: Some((t(22, 0), t(7, 0))),
            ..Reminders::default()
        };
        // 23:30 in London; quiet until 07:00 the next morning.
        assert_eq!(
            quiet_end(&r, "Europe/London", at("2026-01-15T23:30:00Z")),
            Some(at("2026-01-16T07:00:00Z"))
        );
        assert_eq!(
            quiet_end(&r, "Europe/London", at("2026-01-16T05:00:00Z")),
            Some(at("2026-01-16T07:00:00Z"))
        );
        assert_eq!(
            quiet_end(&r, "Europe/London", at("2026-01-16T12:00:00Z")),
            None
        );
    }

    #[test]
    fn push_reminder_choices_are_checked() {
        let r = Reminders {
            checkin: Some(t(8, 0)),
            ..Reminders::default()
        };
        let ok = PushRemindersInput {
            checkin: Some("on".into()),
            ..PushRemindersInput::default()
        };
        assert_eq!(ok.validate(&r).unwrap(), [ReminderKind::Checkin]);
        let bad = PushRemindersInput {
            checkin: Some("yes please".into()),
            review: Some("on".into()),
            ..PushRemindersInput::default()
        };
        let fields: Vec<_> = bad
            .validate(&r)
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["checkin", "review"]);
        assert_eq!(
            parse_kinds(&kinds_text(&ReminderKind::ALL)),
            ReminderKind::ALL
        );
        assert_eq!(kinds_text(&[]), ",");
        // SHA-256("https://push.example/x"), as crypto.subtle gives it.
        assert_eq!(endpoint_tag("https://push.example/x"), "6f531242b783a6b7");
        for k in ReminderKind::ALL {
            let p = reminder_payload(k);
            assert_eq!(p.title, "tend: a reminder you asked for");
            assert!(p.link.starts_with('/'));
            let all = format!("{} {}", p.title, p.body).to_lowercase();
            assert!(!all.contains("missed") && !all.contains("streak") && !all.contains("haven't"));
        }
    }
}
