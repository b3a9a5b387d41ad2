//! Notifications inside tend, each person's choice of kinds, and the
//! reminders for their calendar feed (issue 13).
//!
//! Events come from the circle use cases (a held post, a report, a new member,
//! a meeting change, a reply, an approval): [`Services::tell_circle`] and
//! [`Services::tell_account`] write one row per person who wants that kind and
//! wake their live view through the same fan-out as live replies (`NOTIFY` on
//! PostgreSQL, so it reaches every process). A failed notification is logged
//! and never fails the post that caused it.
//!
//! Nothing here carries anything anyone wrote: the words of a notification are
//! made from its kind and the circle's name when it is shown. The one
//! exception is [`NoticeKind::ReachOut`], a private note to the author of a
//! post held for risk, written for them alone (never e-mailed, never shown to
//! anyone else).

use std::sync::Arc;

use super::circles::{LiveFeed, Subscription, live_feed};
use super::{ServiceError, ServiceResult, Services, Unlocked};
use crate::domain::Invalid;
use crate::domain::notifications::{
    NoticeKind, Reminders, Settings, SettingsInput, muted_text, parse_muted,
};
use crate::store::{ModLogRow, NewNotice, NoticeSettingsRow, Store};

/// How long read notifications are kept.
pub const KEEP_READ_SECONDS: i64 = 90 * 86_400;

/// One notification as its person sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: String,
    pub kind: NoticeKind,
    /// Made from the kind and the circle's name; nothing anyone wrote.
    pub text: String,
    pub link: String,
    pub urgent: bool,
    pub created_at: i64,
    pub read: bool,
    /// Only on a `reach_out` notice: the private note its sender wrote for
    /// this person (the one kind that carries words; see migration 0016).
    pub note: Option<String>,
}

/// Something that happened in a circle, for [`Services::tell_circle`].
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub kind: NoticeKind,
    pub circle_id: &'a str,
    /// The post or meeting it is about.
    pub target_id: &'a str,
    pub link: String,
    pub now: i64,
}

impl Event<'_> {
    pub(crate) fn notice(&self) -> NewNotice {
        NewNotice {
            event_id: super::circles::new_id(),
            kind: self.kind.as_str().into(),
            circle_id: self.circle_id.into(),
            target_id: self.target_id.into(),
            link: self.link.clone(),
            urgent: self.kind == NoticeKind::HeldPost,
            created_at: self.now,
            note: None,
        }
    }
}

/// The wake-up key of one person's notifications in the live fan-out.
fn wake_key(account_id: &str) -> String {
    format!("notice:{account_id}")
}

impl Services {
    pub fn notifications<'a>(&'a self, who: &'a Unlocked) -> Notifications<'a> {
        Notifications {
            services: self,
            account: &who.account_id,
            session: &who.session_hash,
        }
    }

    /// Tells the circle's members (only its facilitators and moderators for
    /// their kinds) except the person who did it. Never fails.
    pub(crate) async fn tell_circle(&self, live: &dyn LiveFeed, ev: &Event<'_>, actor: &str) {
        let notice = ev.notice();
        match self
            .store
            .notify_circle(&notice, ev.kind.for_moderators(), actor)
            .await
        {
            Ok(reached) => {
                for account in &reached {
                    live.announce(&wake_key(account)).await;
                }
                if ev.kind == NoticeKind::HeldPost {
                    self.mail_those_who_asked(&reached).await;
                }
                // Web Push to the devices of those it reached (in the
                // background; see service/push.rs).
                self.push_after(ev.kind, reached, ev.now);
            }
            Err(e) => {
                tracing::warn!(error = %e, kind = ev.kind.as_str(), "could not write notifications");
            }
        }
    }

    /// E-mails "something needs you" to those of `accounts` who gave an
    /// address, at once, in the background (a slow mail server never holds up
    /// the post). Failures are logged without the address.
    async fn mail_those_who_asked(&self, accounts: &[String]) {
        let Some(mailer) = self.mailer.clone() else {
            return;
        };
        let mut to = Vec::new();
        for account in accounts {
            match self.store.notification_settings(account).await {
                Ok(Some(NoticeSettingsRow {
                    email: Some(address),
                    ..
                })) => to.push(address),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not read who wants e-mail"),
            }
        }
        if to.is_empty() {
            return;
        }
        tokio::spawn(async move {
            for address in to {
                if let Err(e) = mailer.something_needs_you(&address).await {
                    tracing::warn!(error = %e, "could not send a notification e-mail");
                }
            }
        });
    }

    /// Tells one person (the author of a thread, of an approved post), unless
    /// they turned this kind off. Never fails.
    pub(crate) async fn tell_account(&self, live: &dyn LiveFeed, ev: &Event<'_>, account: &str) {
        if let Err(e) = self.deliver(live, &ev.notice(), account, None).await {
            tracing::warn!(error = %e, kind = ev.kind.as_str(), "could not write a notification");
        }
    }

    /// After a notice to `account` was written (in the caller's own
    /// transaction): wakes their live view and sends the device push.
    pub(crate) async fn delivered(&self, live: &dyn LiveFeed, notice: &NewNotice, account: &str) {
        live.announce(&wake_key(account)).await;
        if let Some(kind) = NoticeKind::parse(&notice.kind) {
            self.push_after(kind, vec![account.to_owned()], notice.created_at);
        }
    }

    /// Addresses a notice made by the caller (a `reach_out` note carries its
    /// words) to one account, unless they turned its kind off, and wakes
    /// their live view. The caller is not told which: a store failure is the
    /// only error. With `log`, that moderation log line is written in the
    /// same transaction, whether or not the notice was addressed: both are
    /// kept or neither.
    pub(crate) async fn deliver(
        &self,
        live: &dyn LiveFeed,
        notice: &NewNotice,
        account: &str,
        log: Option<&ModLogRow>,
    ) -> ServiceResult<()> {
        let addressed = match log {
            None => self.store.notify_account(notice, account).await?,
            Some(entry) => {
                self.store
                    .notify_account_logged(notice, account, entry)
                    .await?
            }
        };
        if addressed {
            // The device push says nothing of the notice's words (see
            // service/push.rs); a kind this person turned off never got here.
            self.delivered(live, notice, account).await;
        }
        Ok(())
    }

    /// A held post was handled (approved, hidden, removed): its urgent notices
    /// are settled for every moderator. Never fails.
    pub(crate) async fn settle_held(&self, circle_id: &str, target_id: &str, now: i64) {
        if let Err(e) = self
            .store
            .settle_notifications(circle_id, target_id, NoticeKind::HeldPost.as_str(), now)
            .await
        {
            tracing::warn!(error = %e, "could not settle held-post notifications");
        }
    }

    /// The reminders behind a calendar link, for its feed (no session).
    pub async fn reminders_of(&self, account_id: &str) -> ServiceResult<Reminders> {
        Ok(self
            .store
            .notification_settings(account_id)
            .await?
            .and_then(|s| serde_json::from_str(&s.reminders).ok())
            .unwrap_or_default())
    }

    /// The reminders behind a calendar link; `NotFound` for an unknown link.
    pub async fn reminders_for_link(&self, token: &str) -> ServiceResult<Reminders> {
        let account = self
            .store
            .calendar_feed_account(&super::circles::token_hash(token))
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.reminders_of(&account).await
    }

    /// Read notifications older than [`KEEP_READ_SECONDS`] go (housekeeping).
    pub async fn purge_notifications(&self, now: i64) -> ServiceResult<u64> {
        Ok(self
            .store
            .purge_notifications(now - KEEP_READ_SECONDS)
            .await?)
    }
}

/// One person's notifications.
pub struct Notifications<'a> {
    services: &'a Services,
    account: &'a str,
    session: &'a [u8],
}

impl Notifications<'_> {
    fn store(&self) -> &dyn Store {
        self.services.store.as_ref()
    }

    /// Unread first (urgent first among them), then newest.
    pub async fn list(&self, limit: i64) -> ServiceResult<Vec<Notice>> {
        let rows = self.store().notifications(self.account, limit).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let kind = NoticeKind::parse(&r.kind)?;
                Some(Notice {
                    text: kind.text(&r.circle_name),
                    kind,
                    id: r.id,
                    link: r.link,
                    urgent: r.urgent == 1,
                    created_at: r.created_at,
                    read: r.read_at.is_some(),
                    note: r.note.filter(|_| kind == NoticeKind::ReachOut),
                })
            })
            .collect())
    }

    /// (unread, of which urgent).
    pub async fn unread(&self) -> ServiceResult<(i64, i64)> {
        Ok(self.store().unread_notifications(self.account).await?)
    }

    /// `NotFound` for an id that is not this person's (or already read).
    pub async fn mark_read(&self, id: &str, now: i64) -> ServiceResult<()> {
        if self
            .store()
            .mark_notification_read(self.account, id, now)
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }

    pub async fn mark_all_read(&self, now: i64) -> ServiceResult<u64> {
        Ok(self
            .store()
            .mark_all_notifications_read(self.account, now)
            .await?)
    }

    /// The person's settings: every kind on and no reminders until they
    /// choose otherwise.
    pub async fn settings(&self) -> ServiceResult<Settings> {
        Ok(
            match self.store().notification_settings(self.account).await? {
                Some(row) => Settings {
                    muted: parse_muted(&row.muted),
                    reminders: serde_json::from_str(&row.reminders).unwrap_or_default(),
                    email: row.email,
                },
                None => Settings {
                    muted: Vec::new(),
                    reminders: Reminders::default(),
                    email: None,
                },
            },
        )
    }

    /// Saves the settings form; `Invalid` (nothing saved) lists every
    /// problem. `questionnaire_day` is the next day a questionnaire is due,
    /// worked out by the caller with the person's key.
    pub async fn save(
        &self,
        input: &SettingsInput,
        questionnaire_day: Option<String>,
        now: i64,
    ) -> ServiceResult<Settings> {
        let mut s = input.validate().map_err(ServiceError::Invalid)?;
        if let Some(address) = &s.email {
            let problem = if !self.may_email().await? {
                Some(
                    "E-mail is only for facilitators, moderators and programme leads. Leave it empty.",
                )
            } else if !super::mail::deliverable(address) {
                Some("Enter an e-mail address like name@school.example, or leave it empty.")
            } else {
                None
            };
            if let Some(p) = problem {
                return Err(Invalid::new("email", p).into());
            }
        }
        if s.reminders.questionnaires {
            s.reminders.questionnaire_day = questionnaire_day;
        }
        self.write(&s, now).await?;
        Ok(s)
    }

    /// Whether this person may give an e-mail address: facilitators and
    /// moderators (of a circle or of the server), admins and programme leads.
    pub async fn may_email(&self) -> ServiceResult<bool> {
        use crate::domain::circles::{SERVER_ADMIN, SERVER_FACILITATOR};
        let store = self.store();
        if store
            .has_server_role(self.account, SERVER_FACILITATOR)
            .await?
            || store.has_server_role(self.account, SERVER_ADMIN).await?
        {
            return Ok(true);
        }
        if store
            .circles_of(self.account)
            .await?
            .iter()
            .any(|c| c.role == "facilitator" || c.role == "moderator")
        {
            return Ok(true);
        }
        Ok(!store.programmes_led_by(self.account).await?.is_empty())
    }

    /// Turns one kind off (the one-click link in every notification).
    pub async fn mute(&self, kind: &str, now: i64) -> ServiceResult<NoticeKind> {
        let kind = NoticeKind::parse(kind).ok_or_else(|| {
            Invalid::new("kind", "That kind of notification is not one tend has.")
        })?;
        let mut s = self.settings().await?;
        if !s.muted.contains(&kind) {
            s.muted.push(kind);
        }
        self.write(&s, now).await?;
        Ok(kind)
    }

    /// Turns one calendar reminder off (the link inside each reminder).
    pub async fn stop_reminder(&self, which: &str, now: i64) -> ServiceResult<()> {
        let mut s = self.settings().await?;
        let r = &mut s.reminders;
        match which {
            "checkin" => r.checkin = None,
            "practice" => r.practice.clear(),
            "review" => r.review = None,
            "questionnaires" => r.questionnaires = false,
            "meetings" => r.meetings = false,
            "email" => s.email = None,
            _ => {
                return Err(Invalid::new("which", "That reminder is not one tend has.").into());
            }
        }
        self.write(&s, now).await
    }

    /// Refreshes the next questionnaire day (the settings page does this
    /// when shown, with the person's key at hand).
    pub async fn refresh_questionnaire_day(
        &self,
        day: Option<String>,
        now: i64,
    ) -> ServiceResult<()> {
        let mut s = self.settings().await?;
        if s.reminders.questionnaires && s.reminders.questionnaire_day != day {
            s.reminders.questionnaire_day = day;
            self.write(&s, now).await?;
        }
        Ok(())
    }

    async fn write(&self, s: &Settings, now: i64) -> ServiceResult<()> {
        self.store()
            .set_notification_settings(&NoticeSettingsRow {
                account_id: self.account.to_owned(),
                muted: muted_text(&s.muted),
                reminders: serde_json::to_string(&s.reminders)?,
                email: s.email.clone(),
                updated_at: now,
            })
            .await?;
        Ok(())
    }

    /// A live view of this person's notifications; `TooManyAttempts` when
    /// the account already has its share of live streams open.
    pub async fn watch(&self, now: i64) -> ServiceResult<NoticeWatch> {
        let stream_id = super::circles::new_id();
        let lapses = now
            + i64::try_from(super::circles::MAX_LIFETIME.as_secs()).unwrap_or(i64::MAX / 2)
            + 60;
        if !self
            .store()
            .open_live_stream(
                &stream_id,
                self.account,
                now,
                lapses,
                super::circles::STREAMS_PER_ACCOUNT,
            )
            .await?
        {
            return Err(ServiceError::TooManyAttempts(60));
        }
        Ok(NoticeWatch {
            services: self.services.clone(),
            sub: live_feed(self.services).subscribe(),
            account: self.account.to_owned(),
            session_hash: self.session.to_vec(),
            stream_id,
        })
    }
}

/// A live view of one person's notifications, for a server-sent event
/// stream; owns what it needs. Holds one of the account's live-stream places
/// while it exists.
pub struct NoticeWatch {
    services: Services,
    sub: Box<dyn Subscription>,
    account: String,
    session_hash: Vec<u8>,
    stream_id: String,
}

impl NoticeWatch {
    /// The unread count and the newest notifications; `None` if the store
    /// failed (the stream ends and the browser reconnects).
    pub async fn next(&mut self, limit: i64) -> Option<((i64, i64), Vec<Notice>)> {
        let n = Notifications {
            services: &self.services,
            account: &self.account,
            session: &self.session_hash,
        };
        Some((n.unread().await.ok()?, n.list(limit).await.ok()?))
    }

    /// Whether the session is still signed in (one query).
    pub async fn still_allowed(&mut self, now: i64) -> bool {
        matches!(
            self.services
                .store
                .active_session(&self.session_hash, now)
                .await,
            Ok(Some(s)) if s.account_id == self.account
        )
    }

    pub async fn wait(&mut self) {
        let key = wake_key(&self.account);
        self.sub.wait_for(&key).await;
    }
}

impl Drop for NoticeWatch {
    fn drop(&mut self) {
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let store: Arc<dyn Store> = self.services.store.clone();
            let id = std::mem::take(&mut self.stream_id);
            rt.spawn(async move {
                if let Err(e) = store.close_live_stream(&id).await {
                    tracing::warn!(error = %e, "could not close a live stream's row");
                }
            });
        }
    }
}
