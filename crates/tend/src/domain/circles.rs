//! Peer support: the rules of circles, posts, invites, meetings and moderation.
//! Pure: the web layer supplies randomness and the clock.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, Zoned};
use serde::Deserialize;

use super::{Invalid, bounded_text};

pub const NAME_MAX: usize = 80;
pub const DESCRIPTION_MAX: usize = 1_000;
pub const GUIDELINES_MAX: usize = 4_000;
pub const TITLE_MAX: usize = 150;
/// Long enough for a heartfelt post, short enough to read on a phone.
pub const POST_MAX: usize = 5_000;
pub const REASON_MAX: usize = 500;
pub const NOTE_MAX: usize = 1_000;
/// A private note to the author of a held post.
pub const REACH_OUT_MAX: usize = 1_000;
pub const LINK_MAX: usize = 300;
pub const INVITE_DAYS_MAX: i64 = 365;
pub const INVITE_USES_MAX: i64 = 1_000;
pub const SUSPEND_DAYS_MAX: i64 = 365;

/// A person's role in one circle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Member,
    Moderator,
    Facilitator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Moderator => "moderator",
            Self::Facilitator => "facilitator",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "member" => Some(Self::Member),
            "moderator" => Some(Self::Moderator),
            "facilitator" => Some(Self::Facilitator),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Member => "Member",
            Self::Moderator => "Moderator",
            Self::Facilitator => "Facilitator",
        }
    }
}

/// Server-wide roles, granted only on the command line.
pub const SERVER_ADMIN: &str = "admin";
/// May create circles.
pub const SERVER_FACILITATOR: &str = "facilitator";

/// Where a post or reply stands. Only `Visible` is shown to the whole circle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Visible,
    /// Waiting for a moderator: risk language, or pre-moderation.
    Held,
    Hidden,
    Removed,
    /// Taken down by its author.
    Deleted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visible => "visible",
            Self::Held => "held",
            Self::Hidden => "hidden",
            Self::Removed => "removed",
            Self::Deleted => "deleted",
        }
    }
    pub fn parse(s: &str) -> Self {
        match s {
            "visible" => Self::Visible,
            "held" => Self::Held,
            "hidden" => Self::Hidden,
            "deleted" => Self::Deleted,
            // Unknown values fail closed: not shown.
            _ => Self::Removed,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CircleInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub guidelines: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CircleDraft {
    pub name: String,
    pub description: String,
    pub guidelines: String,
}

impl CircleInput {
    pub fn validate(&self) -> Result<CircleDraft, Vec<Invalid>> {
        let mut errors = Vec::new();
        let mut take =
            |r: Result<String, Invalid>| r.map_err(|e| errors.push(e)).unwrap_or_default();
        let name = take(bounded_text("name", "The name", &self.name, NAME_MAX, true));
        let description = take(bounded_text(
            "description",
            "The description",
            &self.description,
            DESCRIPTION_MAX,
            false,
        ));
        let guidelines = take(bounded_text(
            "guidelines",
            "The guidelines",
            &self.guidelines,
            GUIDELINES_MAX,
            false,
        ));
        if errors.is_empty() {
            Ok(CircleDraft {
                name,
                description,
                guidelines,
            })
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ThreadInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// The author saw the note that their words might identify a patient
    /// and chose to post them as they are.
    #[serde(default)]
    pub identifiers_ok: bool,
}

impl ThreadInput {
    pub fn validate(&self) -> Result<(String, String), Vec<Invalid>> {
        let mut errors = Vec::new();
        let title = bounded_text("title", "The title", &self.title, TITLE_MAX, true)
            .map_err(|e| errors.push(e))
            .ok();
        let body = post_body(&self.body).map_err(|e| errors.push(e)).ok();
        match (title, body) {
            (Some(t), Some(b)) => Ok((t, b)),
            _ => Err(errors),
        }
    }
}

/// The text of a post or reply: plain text, required, bounded.
pub fn post_body(input: &str) -> Result<String, Invalid> {
    bounded_text("body", "Your words", input, POST_MAX, true)
}

/// A private note to the author of a post held for risk: 1 to
/// [`REACH_OUT_MAX`] characters.
pub fn reach_out_note(input: &str) -> Result<String, Invalid> {
    bounded_text("note", "The note", input, REACH_OUT_MAX, true)
}

/// The note a moderator starts from when reaching out: kind, plain, no
/// pressure, and nothing about what the post said.
pub fn reach_out_template(circle: &str) -> String {
    format!(
        "Hi. I help look after {circle}, and I read what you shared. Thank you for trusting \
         the circle with it; you haven't done anything wrong. I wanted to check in and say \
         you're not alone. If things feel heavy right now, the people on the help lines \
         below are there at any hour. Whenever you're ready, the circle is here for you."
    )
}

pub fn reason(input: &str) -> Result<String, Invalid> {
    bounded_text("reason", "The reason", input, REASON_MAX, true)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct InviteInput {
    /// Days until it expires; empty for never.
    #[serde(default)]
    pub days: String,
    /// How many people may use it; empty for no limit.
    #[serde(default)]
    pub uses: String,
}

/// A checked invite: seconds until expiry and the use limit, each optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InviteDraft {
    pub valid_seconds: Option<i64>,
    pub max_uses: Option<i64>,
}

fn optional_count(
    field: &'static str,
    input: &str,
    max: i64,
    what: &str,
) -> Result<Option<i64>, Invalid> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<i64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
        _ => Err(Invalid::new(
            field,
            format!("Enter a whole number of {what} from 1 to {max}, or leave it empty."),
        )),
    }
}

impl InviteInput {
    pub fn validate(&self) -> Result<InviteDraft, Vec<Invalid>> {
        let mut errors = Vec::new();
        let days = optional_count("days", &self.days, INVITE_DAYS_MAX, "days")
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let uses = optional_count("uses", &self.uses, INVITE_USES_MAX, "uses")
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        if errors.is_empty() {
            Ok(InviteDraft {
                valid_seconds: days.map(|d| d * 86_400),
                max_uses: uses,
            })
        } else {
            Err(errors)
        }
    }
}

/// Normalises a typed invite code: case and spaces or dashes don't matter.
pub fn normalise_code(input: &str) -> String {
    input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Invite codes use letters and digits that can't be mistaken for each other.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
pub const CODE_LEN: usize = 10;

/// A code from random bytes (the web layer draws them).
pub fn code_from(bytes: &[u8; CODE_LEN]) -> String {
    bytes
        .iter()
        .map(|b| char::from(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()]))
        .collect()
}

const ADJECTIVES: &[&str] = &[
    "Quiet", "Gentle", "Steady", "Bright", "Patient", "Warm", "Calm", "Brave", "Kind", "Hopeful",
    "Curious", "Tender", "Morning", "Evening", "Silver", "Golden", "Amber", "Misty", "Sunny",
    "Willow",
];
const NOUNS: &[&str] = &[
    "Heron", "Otter", "Fern", "Maple", "Sparrow", "River", "Harbor", "Lantern", "Meadow", "Pine",
    "Robin", "Cedar", "Finch", "Brook", "Wren", "Aspen", "Moss", "Tide", "Lark", "Birch",
];

/// A pseudonym like "Quiet Heron 42", from random numbers. Never derived from
/// the handle, so it can't be traced back to it.
pub fn pseudonym(a: u32, b: u32, n: u32) -> String {
    let adj = ADJECTIVES[a as usize % ADJECTIVES.len()];
    let noun = NOUNS[b as usize % NOUNS.len()];
    format!("{adj} {noun} {}", n % 90 + 10)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MeetingInput {
    #[serde(default)]
    pub title: String,
    /// `YYYY-MM-DD`, the first (or only) date.
    #[serde(default)]
    pub date: String,
    /// `HH:MM`, local to `time_zone`.
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub time_zone: String,
    /// `once` or `weekly`.
    #[serde(default)]
    pub repeat: String,
    #[serde(default)]
    pub duration: String,
    #[serde(default)]
    pub link: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingDraft {
    pub title: String,
    pub start: DateTime,
    pub time_zone: String,
    pub weekly: bool,
    pub duration_minutes: i64,
    pub link: String,
    pub note: String,
}

impl MeetingInput {
    pub fn validate(&self) -> Result<MeetingDraft, Vec<Invalid>> {
        let mut errors = Vec::new();
        let title = bounded_text("title", "The title", &self.title, TITLE_MAX, true)
            .map_err(|e| errors.push(e))
            .ok();
        let date = self.date.trim().parse::<Date>().map_err(|_| {
            errors.push(Invalid::new("date", "Enter the date like 2026-03-14."));
        });
        let time = self.time.trim().parse::<Time>().map_err(|_| {
            errors.push(Invalid::new("time", "Enter the time like 19:30."));
        });
        let zone = self.time_zone.trim();
        if TimeZone::get(zone).is_err() || zone.is_empty() {
            errors.push(Invalid::new(
                "time_zone",
                "We don't know that time zone. Use a name like Europe/London or America/Chicago.",
            ));
        }
        let weekly = match self.repeat.trim() {
            "weekly" => Some(true),
            "once" | "" => Some(false),
            _ => {
                errors.push(Invalid::new("repeat", "Choose once or weekly."));
                None
            }
        };
        let duration = match self.duration.trim() {
            "" => Some(60),
            d => match d.parse::<i64>() {
                Ok(n) if (5..=480).contains(&n) => Some(n),
                _ => {
                    errors.push(Invalid::new(
                        "duration",
                        "Enter the length in minutes, from 5 to 480.",
                    ));
                    None
                }
            },
        };
        let link = bounded_text("link", "The video-call link", &self.link, LINK_MAX, false)
            .map_err(|e| errors.push(e))
            .ok();
        let note = bounded_text("note", "The note", &self.note, NOTE_MAX, false)
            .map_err(|e| errors.push(e))
            .ok();
        match (title, date, time, weekly, duration, link, note) {
            (
                Some(title),
                Ok(d),
                Ok(t),
                Some(weekly),
                Some(duration_minutes),
                Some(link),
                Some(note),
            ) if errors.is_empty() => Ok(MeetingDraft {
                title,
                start: d.to_datetime(t),
                time_zone: zone.to_owned(),
                weekly,
                duration_minutes,
                link,
                note,
            }),
            _ => Err(errors),
        }
    }
}

/// The start of a meeting's occurrences. A weekly meeting keeps its wall-clock
/// time in its own zone, so it moves in UTC when that zone changes to or from
/// daylight saving time; a time that doesn't exist that day moves forward.
pub struct Schedule {
    pub start: DateTime,
    pub tz: TimeZone,
    pub weekly: bool,
    pub duration_minutes: i64,
}

impl Schedule {
    pub fn parse(starts_local: &str, time_zone: &str, weekly: bool, duration: i64) -> Option<Self> {
        Some(Self {
            start: starts_local.parse().ok()?,
            tz: TimeZone::get(time_zone).ok()?,
            weekly,
            duration_minutes: duration,
        })
    }

    fn occurrence(&self, week: i64) -> Option<Zoned> {
        let dt = self
            .start
            .checked_add(Span::new().days(week.checked_mul(7)?))
            .ok()?;
        self.tz.to_zoned(dt).ok()
    }

    /// Up to `n` occurrences that have not ended by `now`.
    pub fn upcoming(&self, now: Timestamp, n: usize) -> Vec<Zoned> {
        let Some(first) = self.occurrence(0) else {
            return Vec::new();
        };
        let length = self.duration_minutes * 60;
        if !self.weekly {
            return if first.timestamp().as_second() + length > now.as_second() {
                vec![first]
            } else {
                Vec::new()
            };
        }
        let elapsed = now.as_second() - first.timestamp().as_second();
        // Start a week early: DST shifts an occurrence by up to an hour.
        let mut week = (elapsed / (7 * 86_400) - 1).max(0);
        let mut out = Vec::new();
        while out.len() < n && week < 10_000 {
            if let Some(z) = self.occurrence(week)
                && z.timestamp().as_second() + length > now.as_second()
            {
                out.push(z);
            }
            week += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekly_meetings_keep_their_local_time_across_dst() {
        // 19:00 in New York, weekly from 2026-10-26; US DST ends 2026-11-01.
        let s = Schedule::parse("2026-10-26T19:00", "America/New_York", true, 60).unwrap();
        let now: Timestamp = "2026-10-20T00:00Z".parse().unwrap();
        let next = s.upcoming(now, 2);
        assert_eq!(next.len(), 2);
        assert_eq!(next[0].timestamp().to_string(), "2026-10-26T23:00:00Z");
        assert_eq!(next[1].timestamp().to_string(), "2026-11-03T00:00:00Z");
        // The same meeting as a Londoner sees it: 23:00 then 00:00 next day,
        // and after UK DST ended (25 Oct) too.
        let london = TimeZone::get("Europe/London").unwrap();
        assert_eq!(
            next[0]
                .with_time_zone(london.clone())
                .strftime("%H:%M")
                .to_string(),
            "23:00"
        );
        // Far in the future: still 19:00 local.
        let later: Timestamp = "2027-07-01T00:00Z".parse().unwrap();
        let z = &s.upcoming(later, 1)[0];
        assert_eq!(z.strftime("%H:%M %A").to_string(), "19:00 Monday");
    }

    #[test]
    fn one_off_meetings_disappear_once_over() {
        let s = Schedule::parse("2026-01-10T10:00", "UTC", false, 30).unwrap();
        assert_eq!(s.upcoming("2026-01-10T10:20Z".parse().unwrap(), 3).len(), 1);
        assert!(
            s.upcoming("2026-01-10T10:31Z".parse().unwrap(), 3)
                .is_empty()
        );
    }

    #[test]
    fn meeting_input_reports_every_problem() {
        let bad = MeetingInput {
            title: String::new(),
            date: "tomorrow".into(),
            time: "25:00".into(),
            time_zone: "Mars/Olympus".into(),
            repeat: "daily".into(),
            duration: "0".into(),
            link: String::new(),
            note: String::new(),
        };
        let e = bad.validate().unwrap_err();
        let fields: Vec<_> = e.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["title", "date", "time", "time_zone", "repeat", "duration"]
        );
    }

    #[test]
    fn codes_and_pseudonyms() {
        assert_eq!(normalise_code(" abcd-efgh 23 "), "ABCDEFGH23");
        let c = code_from(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 255]);
        assert_eq!(c.len(), CODE_LEN);
        assert!(pseudonym(3, 4, 5).starts_with("Bright Sparrow"));
        assert!(
            InviteInput {
                days: "0".into(),
                uses: "x".into()
            }
            .validate()
            .is_err()
        );
        assert_eq!(
            InviteInput {
                days: "2".into(),
                uses: String::new()
            }
            .validate()
            .unwrap(),
            InviteDraft {
                valid_seconds: Some(172_800),
                max_uses: None
            }
        );
    }
}
