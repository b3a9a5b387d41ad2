//! Notifications inside tend and the reminders a person chose (issue 13).
//!
//! A notification never carries anything anyone wrote: it is a kind, a circle
//! and a place to look, and its words are made here from the kind and the
//! circle's name. Reminders are times of day for the person's calendar feed;
//! their wording is kind and never counts what was missed.

use serde::{Deserialize, Serialize};

use super::Invalid;

/// What happened, for whom. The order is the order of importance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoticeKind {
    /// A post held for risk language waits for a moderator: always urgent.
    HeldPost,
    /// A member asked a moderator to look at a post.
    Report,
    /// Someone joined a circle the person facilitates or moderates.
    NewMember,
    /// A meeting was scheduled or cancelled in one of the person's circles.
    Meeting,
    /// Someone replied in the person's thread.
    Reply,
    /// The person's held post was looked at and is now visible.
    Approved,
    /// Someone who looks after a circle wrote privately to the author of a
    /// post held for risk. The only kind that carries words: the note.
    ReachOut,
}

impl NoticeKind {
    pub const ALL: [Self; 7] = [
        Self::HeldPost,
        Self::Report,
        Self::NewMember,
        Self::Meeting,
        Self::Reply,
        Self::Approved,
        Self::ReachOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::HeldPost => "held_post",
            Self::Report => "report",
            Self::NewMember => "new_member",
            Self::Meeting => "meeting",
            Self::Reply => "reply",
            Self::Approved => "approved",
            Self::ReachOut => "reach_out",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether only facilitators and moderators get this kind.
    pub fn for_moderators(self) -> bool {
        matches!(self, Self::HeldPost | Self::Report | Self::NewMember)
    }

    /// The words shown for one notification: the circle's name and what kind
    /// of thing happened, nothing anyone wrote.
    pub fn text(self, circle: &str) -> String {
        match self {
            Self::HeldPost => format!(
                "A post in {circle} is waiting for you. It was held because it may be about risk."
            ),
            Self::Report => format!("Someone in {circle} asked a moderator to look at a post."),
            Self::NewMember => format!("Someone new joined {circle}."),
            Self::Meeting => format!("The meetings in {circle} changed."),
            Self::Reply => format!("Someone replied in your thread in {circle}."),
            Self::Approved => format!("Your post in {circle} was looked at and is visible now."),
            Self::ReachOut => {
                format!("Someone who looks after {circle} wrote to you privately.")
            }
        }
    }

    /// The label of the kind on the settings page.
    pub fn label(self) -> &'static str {
        match self {
            Self::HeldPost => "Posts held because they may be about risk (urgent)",
            Self::Report => "Reports about posts",
            Self::NewMember => "New members",
            Self::Meeting => "Meetings scheduled or cancelled",
            Self::Reply => "Replies in your threads",
            Self::Approved => "Your held post was looked at",
            Self::ReachOut => "Private notes from the people who look after your circles",
        }
    }
}

/// How long something has waited, in plain words ("12 minutes").
pub fn waited(seconds: i64) -> String {
    let s = seconds.max(0);
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if s < 60 {
        "less than a minute".into()
    } else if s < 3_600 {
        plural(s / 60, "minute")
    } else if s < 86_400 {
        plural(s / 3_600, "hour")
    } else {
        plural(s / 86_400, "day")
    }
}

/// The kinds a person turned off, stored as `,kind,kind,` so one SQL `LIKE
/// '%,kind,%'` finds a kind.
pub fn muted_text(muted: &[NoticeKind]) -> String {
    let mut s = String::from(",");
    for k in NoticeKind::ALL {
        if muted.contains(&k) {
            s.push_str(k.as_str());
            s.push(',');
        }
    }
    s
}

pub fn parse_muted(s: &str) -> Vec<NoticeKind> {
    s.split(',').filter_map(NoticeKind::parse).collect()
}

/// A time of day, `HH:MM`, in the person's own time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TimeOfDay {
    pub hour: u8,
    pub minute: u8,
}

impl TimeOfDay {
    pub fn parse(field: &'static str, label: &str, input: &str) -> Result<Option<Self>, Invalid> {
        let s = input.trim();
        if s.is_empty() {
            return Ok(None);
        }
        let bad = || {
            Invalid::new(
                field,
                format!("{label}: enter a time of day like 08:30, or leave it empty."),
            )
        };
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        let hour: u8 = h.parse().map_err(|_| bad())?;
        let minute: u8 = m.get(..2).unwrap_or(m).parse().map_err(|_| bad())?;
        // Browsers may send seconds ("08:30:00"); nothing else may follow.
        let rest = m.get(2..).unwrap_or("");
        if hour > 23 || minute > 59 || !(rest.is_empty() || rest == ":00") || m.len() < 2 {
            return Err(bad());
        }
        Ok(Some(Self { hour, minute }))
    }

    pub fn minutes(self) -> u32 {
        u32::from(self.hour) * 60 + u32::from(self.minute)
    }
}

impl std::fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// The reminders a person chose for their calendar feed. Everything is off
/// until they turn it on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Reminders {
    pub checkin: Option<TimeOfDay>,
    /// Up to [`PRACTICE_TIMES`] times a day.
    pub practice: Vec<TimeOfDay>,
    /// The weekly review: day (0 = Monday … 6 = Sunday) and time.
    pub review: Option<(u8, TimeOfDay)>,
    /// Questionnaires when due: the next day one is due, worked out when the
    /// person last looked at their settings (the schedule itself is sealed).
    pub questionnaires: bool,
    pub questionnaire_day: Option<String>,
    /// Meetings of the person's circles in the feed.
    pub meetings: bool,
    /// No reminders from `from` until `to` (may cross midnight).
    pub quiet: Option<(TimeOfDay, TimeOfDay)>,
}

pub const PRACTICE_TIMES: usize = 3;

pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The settings form as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SettingsInput {
    /// Kinds to receive, one checkbox each (`want_<kind>=on`).
    pub want_held_post: Option<String>,
    pub want_report: Option<String>,
    pub want_new_member: Option<String>,
    pub want_meeting: Option<String>,
    pub want_reply: Option<String>,
    pub want_approved: Option<String>,
    pub want_reach_out: Option<String>,
    pub checkin: String,
    pub practice1: String,
    pub practice2: String,
    pub practice3: String,
    pub review_day: String,
    pub review_time: String,
    pub questionnaires: Option<String>,
    pub meetings: Option<String>,
    pub quiet_from: String,
    pub quiet_to: String,
    /// For facilitators, moderators and leads only (the service checks).
    pub email: String,
}

/// Checked settings: the kinds turned off and the reminders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub muted: Vec<NoticeKind>,
    pub reminders: Reminders,
    pub email: Option<String>,
}

/// Longest e-mail address accepted (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;

/// An optional e-mail address: empty is none; otherwise one `@` with
/// something on each side, no spaces, at most [`EMAIL_MAX`] characters.
pub fn email(input: &str) -> Result<Option<String>, Invalid> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let ok = s.chars().count() <= EMAIL_MAX
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        && matches!(s.split_once('@'), Some((a, b)) if !a.is_empty() && b.contains('.') && !b.contains('@') && !b.starts_with('.') && !b.ends_with('.'));
    if ok {
        Ok(Some(s.to_owned()))
    } else {
        Err(Invalid::new(
            "email",
            "Enter an e-mail address like name@school.example, or leave it empty.",
        ))
    }
}

impl SettingsInput {
    /// Checks every field and reports every problem at once.
    pub fn validate(&self) -> Result<Settings, Vec<Invalid>> {
        let mut errors = Vec::new();
        let wanted: Vec<NoticeKind> = [
            (NoticeKind::HeldPost, &self.want_held_post),
            (NoticeKind::Report, &self.want_report),
            (NoticeKind::NewMember, &self.want_new_member),
            (NoticeKind::Meeting, &self.want_meeting),
            (NoticeKind::Reply, &self.want_reply),
            (NoticeKind::Approved, &self.want_approved),
            (NoticeKind::ReachOut, &self.want_reach_out),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k)
        .collect();
        let mut time = |field: &'static str, label: &str, v: &str| {
            TimeOfDay::parse(field, label, v).unwrap_or_else(|e| {
                errors.push(e);
                None
            })
        };
        let checkin = time("checkin", "Daily check-in", &self.checkin);
        let mut practice: Vec<TimeOfDay> = [
            ("practice1", &self.practice1),
            ("practice2", &self.practice2),
            ("practice3", &self.practice3),
        ]
        .into_iter()
        .filter_map(|(f, v)| time(f, "Practice time", v))
        .collect();
        practice.sort();
        practice.dedup();
        let review_time = time("review_time", "Weekly review", &self.review_time);
        let quiet_from = time("quiet_from", "Quiet hours", &self.quiet_from);
        let quiet_to = time("quiet_to", "Quiet hours", &self.quiet_to);
        let review_day = match self.review_day.trim() {
            "" => None,
            d => match d.parse::<u8>() {
                Ok(n) if n < 7 => Some(n),
                _ => {
                    errors.push(Invalid::new(
                        "review_day",
                        "Choose a day of the week for the weekly review.",
                    ));
                    None
                }
            },
        };
        let review = match (review_day, review_time) {
            (Some(d), Some(t)) => Some((d, t)),
            (None, None) => None,
            _ => {
                errors.push(Invalid::new(
                    "review_day",
                    "For the weekly review, choose both a day and a time, or neither.",
                ));
                None
            }
        };
        let email = email(&self.email).unwrap_or_else(|e| {
            errors.push(e);
            None
        });
        let quiet = match (quiet_from, quiet_to) {
            (Some(a), Some(b)) if a == b => {
                errors.push(Invalid::new(
                    "quiet_from",
                    "Quiet hours need different start and end times.",
                ));
                None
            }
            (Some(a), Some(b)) => Some((a, b)),
            (None, None) => None,
            _ => {
                errors.push(Invalid::new(
                    "quiet_from",
                    "For quiet hours, give both a start and an end, or neither.",
                ));
                None
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Settings {
            muted: NoticeKind::ALL
                .into_iter()
                .filter(|k| !wanted.contains(k))
                .collect(),
            reminders: Reminders {
                checkin,
                practice,
                review,
                questionnaires: self.questionnaires.is_some(),
                questionnaire_day: None,
                meetings: self.meetings.is_some(),
                quiet,
            },
            email,
        })
    }
}

impl Reminders {
    /// Whether a time falls in the quiet hours (which may cross midnight).
    pub fn is_quiet(&self, t: TimeOfDay) -> bool {
        match self.quiet {
            None => false,
            Some((from, to)) if from < to => from <= t && t < to,
            Some((from, to)) => t >= from || t < to,
        }
    }

    /// The daily and weekly reminders to put in a calendar, skipping any in
    /// quiet hours: (title, description, time, weekday for weekly ones).
    pub fn repeating(&self) -> Vec<Reminder> {
        let mut out = Vec::new();
        if let Some(t) = self.checkin {
            out.push(Reminder {
                uid: "checkin".into(),
                title: "tend: a moment to check in, if you'd like".into(),
                description: "A reminder you asked for. A minute or two is plenty.".into(),
                time: t,
                weekday: None,
                path: "/checkin",
            });
        }
        for (i, t) in self.practice.iter().enumerate() {
            out.push(Reminder {
                uid: format!("practice-{i}"),
                title: "tend: a short practice, if now suits you".into(),
                description: "A reminder you asked for. Any practice counts, even a few breaths."
                    .into(),
                time: *t,
                weekday: None,
                path: "/practices",
            });
        }
        if let Some((day, t)) = self.review {
            out.push(Reminder {
                uid: "review".into(),
                title: "tend: your week, looked at kindly".into(),
                description: "A reminder you asked for: the weekly review is ready when you are."
                    .into(),
                time: t,
                weekday: Some(day),
                path: "/review",
            });
        }
        out.retain(|r| !self.is_quiet(r.time));
        out
    }
}

/// One repeating reminder in the calendar feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub uid: String,
    pub title: String,
    pub description: String,
    pub time: TimeOfDay,
    /// 0 = Monday; `None` for daily ones.
    pub weekday: Option<u8>,
    /// Where in tend it leads.
    pub path: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SettingsInput {
        SettingsInput {
            want_held_post: Some("on".into()),
            want_reply: Some("on".into()),
            checkin: "08:30".into(),
            practice1: "13:00".into(),
            practice2: "".into(),
            practice3: "13:00".into(),
            review_day: "6".into(),
            review_time: "18:00".into(),
            questionnaires: Some("on".into()),
            meetings: None,
            quiet_from: "22:00".into(),
            quiet_to: "07:00".into(),
            ..SettingsInput::default()
        }
    }

    #[test]
    fn email_addresses_are_checked_plainly() {
        assert_eq!(email(" ").unwrap(), None);
        assert_eq!(email(" a@b.org ").unwrap().as_deref(), Some("a@b.org"));
        for bad in [
            "a",
            "a@b",
            "@b.org",
            "a b@c.org",
            "a@b@c.org",
            "<a@b.org>",
            "a@.org",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(email(&format!("{}@b.org", "a".repeat(260))).is_err());
    }

    #[test]
    fn waits_read_plainly() {
        assert_eq!(waited(5), "less than a minute");
        assert_eq!(waited(60), "1 minute");
        assert_eq!(waited(7_300), "2 hours");
        assert_eq!(waited(86_400 * 3), "3 days");
    }

    #[test]
    fn settings_parse_and_mute_the_kinds_not_chosen() {
        let s = input().validate().unwrap();
        assert_eq!(s.muted.len(), 5);
        assert!(!s.muted.contains(&NoticeKind::HeldPost));
        assert_eq!(s.reminders.practice.len(), 1);
        assert_eq!(s.reminders.review.unwrap().0, 6);
        assert_eq!(parse_muted(&muted_text(&s.muted)), s.muted);
    }

    #[test]
    fn bad_times_and_half_pairs_are_all_reported() {
        let mut i = input();
        i.checkin = "25:00".into();
        i.practice1 = "noon".into();
        i.review_time = "".into();
        i.quiet_to = "".into();
        let errors = i.validate().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        for f in ["checkin", "practice1", "review_day", "quiet_from"] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn quiet_hours_cross_midnight_and_drop_reminders() {
        let mut r = input().validate().unwrap().reminders;
        let t = |h, m| TimeOfDay { hour: h, minute: m };
        assert!(r.is_quiet(t(23, 0)) && r.is_quiet(t(6, 59)) && !r.is_quiet(t(7, 0)));
        r.checkin = Some(t(6, 0));
        assert!(r.repeating().iter().all(|x| x.uid != "checkin"));
        r.quiet = Some((t(12, 0), t(14, 0)));
        assert!(r.repeating().iter().all(|x| !x.uid.starts_with("practice")));
    }

    #[test]
    fn wording_never_counts_or_carries_text() {
        let r = input().validate().unwrap().reminders;
        for x in r.repeating() {
            let all = format!("{} {}", x.title, x.description).to_lowercase();
            assert!(!all.contains("missed") && !all.contains("streak") && !all.contains("haven't"));
        }
        assert_eq!(
            NoticeKind::HeldPost.text("Year 3"),
            "A post in Year 3 is waiting for you. It was held because it may be about risk."
        );
    }
}
