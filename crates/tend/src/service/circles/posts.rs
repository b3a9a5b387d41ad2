//! Threads, replies, reports, live updates and the Learn discussions.
//!
//! Posting runs two checks on the words before they reach anyone:
//! - the risk hold: words that sound like risk of self-harm wait for a
//!   moderator (marked urgent), and their author is shown help at once;
//! - the patient-identifier check: words that might identify a patient get
//!   the same gentle note as private writing, before they are shared, and the
//!   author chooses to change them or post them as they are.

use std::sync::Arc;

use super::{Access, Action, Circles, LiveFeed, STREAMS_PER_ACCOUNT, Subscription, new_id};
use crate::domain::Invalid;
use crate::domain::circles::{self, Status, ThreadInput};
use crate::domain::notifications::NoticeKind;
use crate::service::limits::{counted, slow_down, wait_after};
use crate::service::notifications::Event;
use crate::service::{Limit, ServiceError, ServiceResult, Unlocked};
use crate::store::{ReplyPosted, ReplyRow, ReplyView, ReportRow, Store, ThreadRow, ThreadView};

/// One place where the words might identify a patient, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    pub words: String,
    pub why: String,
}

/// What in `texts` might identify a patient (the detector's guard, the same
/// one private pages use).
pub fn identifiers(texts: &[&str]) -> Vec<Identifier> {
    let mut out = Vec::new();
    for text in texts {
        for w in tend_detector::patient_identifiers(text) {
            if let Some(words) = text.get(w.start..w.end) {
                out.push(Identifier {
                    words: words.to_owned(),
                    why: w.explanation.clone(),
                });
            }
        }
    }
    out
}

/// Risk language in any of the texts: the same check that shows crisis help
/// beside private writing.
pub(super) fn risky(texts: &[&str]) -> bool {
    texts
        .iter()
        .any(|t| tend_detector::risk_language(t).is_some())
}

/// What became of a new thread.
#[derive(Debug)]
pub enum Posted {
    /// Saved; `held` when it waits for a moderator (risk language).
    Saved { id: String, held: bool },
    /// Nothing saved: the words need changing. With the circle's name, for
    /// the way back.
    Invalid {
        errors: Vec<Invalid>,
        circle: String,
    },
    /// Nothing saved yet: the words might identify a patient.
    CheckIdentifiers {
        found: Vec<Identifier>,
        circle: String,
    },
    /// Nothing saved: too many in a minute. The checked words, to keep.
    SlowDown { secs: u64, kept: String },
}

/// What became of a reply in a circle.
#[derive(Debug)]
pub enum ReplyOutcome {
    Saved {
        id: String,
        /// Its position in the thread.
        seq: i64,
        /// How many replies the thread had before this one.
        before: i64,
        held: bool,
    },
    /// The thread takes no replies now (or the person may not post); why.
    Refused(&'static str),
    Invalid(Vec<Invalid>),
    CheckIdentifiers(Vec<Identifier>),
    SlowDown {
        secs: u64,
        kept: String,
    },
}

/// A thread as one person may see it, with one page of its replies.
pub struct ThreadPage {
    pub access: Access,
    pub thread: ThreadView,
    /// Empty when the thread shows no words to this person.
    pub replies: crate::store::ReplyList,
    /// Whether there are newer replies than this page.
    pub more: bool,
}

pub enum ReportOutcome {
    Sent(Access),
    Invalid {
        access: Access,
        excerpt: String,
        errors: Vec<Invalid>,
    },
    SlowDown {
        secs: u64,
        kept: String,
    },
}

/// A live view of one thread, for a server-sent event stream. Owns what it
/// needs, so it can run in its own task. While it exists it holds one of its
/// account's [`STREAMS_PER_ACCOUNT`] places (a row in `live_streams`, so the
/// cap holds across processes); dropping it gives the place back.
pub struct Watch {
    store: Arc<dyn Store>,
    sub: Box<dyn Subscription>,
    access: Access,
    account: String,
    /// The session that opened the stream, re-checked every [`super::RECHECK`].
    session_hash: Vec<u8>,
    stream_id: String,
    /// When the stream's place was last renewed (see [`super::STREAM_LEASE`]).
    renewed_at: i64,
    pub thread_id: String,
}

impl Watch {
    /// Replies after `cursor`, oldest first; `None` once this person should
    /// stop receiving (the thread was removed, deleted or hidden meanwhile, or
    /// the store failed). Two queries; [`Self::still_allowed`] covers the
    /// person.
    pub async fn next(&mut self, cursor: i64, limit: i64) -> Option<Vec<ReplyView>> {
        let circle = self.access.circle.id.as_str();
        let t = self.store.thread(circle, &self.thread_id).await.ok()??;
        if !self.access.shows_thread(&t) {
            return None;
        }
        self.store
            .replies(&self.thread_id, cursor, limit)
            .await
            .ok()
    }

    /// Whether the stream may go on: its session is still signed in (not
    /// signed out, not ended by a passphrase change, the account not deleted)
    /// and the person is still in the circle (or a server admin). One query;
    /// a failing database ends the stream too, and the browser reconnects.
    pub async fn still_allowed(&mut self, now: i64) -> bool {
        if now - self.renewed_at >= secs(super::STREAM_RENEW) {
            let lease = now + secs(super::STREAM_LEASE);
            if let Err(e) = self.store.renew_live_stream(&self.stream_id, lease).await {
                tracing::warn!(error = %e, "could not renew a live stream's place");
                return false;
            }
            self.renewed_at = now;
        }
        self.store
            .live_stream_allowed(
                &self.session_hash,
                &self.account,
                &self.access.circle.id,
                circles::SERVER_ADMIN,
                now,
            )
            .await
            .unwrap_or(false)
    }

    /// Waits until a reply may have been saved in this thread.
    pub async fn wait(&mut self) {
        self.sub.wait_for(&self.thread_id).await;
    }

    pub fn account(&self) -> &str {
        &self.account
    }
}

impl Drop for Watch {
    /// Gives the stream's place back. Best effort: without a runtime (or if
    /// the delete fails) the row lapses by itself.
    fn drop(&mut self) {
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let store = self.store.clone();
            let id = std::mem::take(&mut self.stream_id);
            rt.spawn(async move {
                if let Err(e) = store.close_live_stream(&id).await {
                    tracing::warn!(error = %e, "could not close a live stream's row");
                }
            });
        }
    }
}

impl Circles<'_> {
    pub(super) fn live(&self) -> &dyn LiveFeed {
        self.live.as_ref()
    }

    /// A post was held for risk language: every facilitator and moderator of
    /// the circle hears at once, marked urgent.
    pub(super) async fn held_post(&self, who: &Unlocked, id: &str, post: &str, now: i64) {
        let ev = Event {
            kind: NoticeKind::HeldPost,
            circle_id: id,
            target_id: post,
            link: format!("/circles/{id}/moderation"),
            now,
        };
        self.services
            .tell_circle(self.live(), &ev, &who.account_id)
            .await;
    }

    /// A thread this person may open, or `NotFound`.
    async fn visible_thread(&self, a: &Access, tid: &str) -> ServiceResult<ThreadView> {
        let t = self
            .store()
            .thread(&a.circle.id, tid)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if a.sees_thread(&t) {
            Ok(t)
        } else {
            Err(ServiceError::NotFound)
        }
    }

    /// A thread and the page of up to `limit` replies after position `after`.
    pub async fn thread_page(
        &self,
        who: &Unlocked,
        id: &str,
        tid: &str,
        after: i64,
        limit: i64,
        now: i64,
    ) -> ServiceResult<ThreadPage> {
        // The access check, the thread and its replies in one store call
        // (one blocking call on SQLite); one extra row says whether there is
        // a newer page.
        let rows = self
            .store()
            .thread_page(
                id,
                &who.account_id,
                circles::SERVER_ADMIN,
                tid,
                after,
                limit + 1,
            )
            .await?
            .ok_or(ServiceError::NotFound)?;
        let access = Self::admit(rows.access, now)?;
        if !access.may(Action::Read) {
            return Err(ServiceError::NotFound);
        }
        let thread = rows.thread.ok_or(ServiceError::NotFound)?;
        if !access.sees_thread(&thread) {
            return Err(ServiceError::NotFound);
        }
        if !access.shows_thread(&thread) {
            return Ok(ThreadPage {
                access,
                thread,
                replies: crate::store::ReplyList::default(),
                more: false,
            });
        }
        let mut replies = rows.replies;
        let more = replies.len() as i64 > limit;
        replies.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(ThreadPage {
            access,
            thread,
            replies,
            more,
        })
    }

    /// Starts a thread. The per-account limit (shared by every process
    /// through the database) is asked just before saving, with the checked
    /// words, so a refusal can hand them back.
    pub async fn start_thread(
        &self,
        who: &Unlocked,
        id: &str,
        input: &ThreadInput,
        now: i64,
    ) -> ServiceResult<Posted> {
        let a = self.open(who, id, Action::Read, now).await?;
        let Some(me) = a.me.clone() else {
            return Err(ServiceError::NotFound);
        };
        let circle = a.circle.name.clone();
        if !a.may(Action::Post) {
            let errors = vec![Invalid::new(
                "body",
                "You can't post in this circle right now; a moderator paused posting for you for a while.",
            )];
            return Ok(Posted::Invalid { errors, circle });
        }
        let (title, body) = match input.validate() {
            Ok(v) => v,
            Err(errors) => return Ok(Posted::Invalid { errors, circle }),
        };
        if !input.identifiers_ok {
            let found = identifiers(&[&title, &body]);
            if !found.is_empty() {
                return Ok(Posted::CheckIdentifiers { found, circle });
            }
        }
        if let Err(secs) = slow_down(self.services, Limit::Threads, &who.account_id, now).await? {
            return Ok(Posted::SlowDown { secs, kept: body });
        }
        let held = risky(&[&title, &body]);
        let t = ThreadRow {
            id: new_id(),
            circle_id: id.to_owned(),
            author_id: me.id,
            title,
            body,
            status: if held { Status::Held } else { Status::Visible }
                .as_str()
                .into(),
            urgent: i64::from(held),
            locked: 0,
            reply_count: 0,
            created_at: now,
            last_activity: now,
        };
        self.store().create_thread(&t).await?;
        if held {
            self.held_post(who, id, &t.id, now).await;
        }
        Ok(Posted::Saved { id: t.id, held })
    }

    /// Replies in a circle thread.
    pub async fn reply(
        &self,
        who: &Unlocked,
        id: &str,
        tid: &str,
        body: &str,
        identifiers_ok: bool,
        now: i64,
    ) -> ServiceResult<ReplyOutcome> {
        // The access check and the thread in one store call (as the thread
        // page, without its replies).
        let rows = self
            .store()
            .thread_page(id, &who.account_id, circles::SERVER_ADMIN, tid, 0, 0)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let a = Self::admit(rows.access, now)?;
        let t = rows.thread.ok_or(ServiceError::NotFound)?;
        if !a.may(Action::Read) || !a.sees_thread(&t) {
            return Err(ServiceError::NotFound);
        }
        let Some(me) = a.me.clone() else {
            return Err(ServiceError::NotFound);
        };
        let refused = match Status::parse(&t.status) {
            Status::Removed => Some(
                "This thread was removed by a moderator, so it can't take new replies. Your words are below if you'd like to keep them.",
            ),
            Status::Deleted => Some(
                "This thread was deleted by its author, so it can't take new replies. Your words are below if you'd like to keep them.",
            ),
            Status::Hidden | Status::Held => Some(
                "This thread can't take replies right now. Your words are below if you'd like to keep them.",
            ),
            Status::Visible if t.locked == 1 => Some(
                "This thread was locked, so it can't take new replies. Your words are below if you'd like to keep them.",
            ),
            Status::Visible if !a.may(Action::Reply) => Some(
                "A moderator paused posting for you for a while. Your words are below if you'd like to keep them.",
            ),
            Status::Visible => None,
        };
        if let Some(note) = refused {
            return Ok(ReplyOutcome::Refused(note));
        }
        let body = match circles::post_body(body) {
            Ok(b) => b,
            Err(e) => return Ok(ReplyOutcome::Invalid(vec![e])),
        };
        if !identifiers_ok {
            let found = identifiers(&[&body]);
            if !found.is_empty() {
                return Ok(ReplyOutcome::CheckIdentifiers(found));
            }
        }
        let held = risky(&[&body]);
        let r = ReplyRow {
            id: new_id(),
            thread_id: t.id.clone(),
            circle_id: id.to_owned(),
            author_id: me.id,
            body,
            status: if held { Status::Held } else { Status::Visible }
                .as_str()
                .into(),
            urgent: i64::from(held),
            created_at: now,
        };
        // A visible reply in someone else's thread: its author hears (not
        // after they left the circle), in the same transaction as the reply
        // and the rate limit's count.
        let notice = match t.author_account.as_deref() {
            Some(author) if !held && author != who.account_id => Some((
                Event {
                    kind: NoticeKind::Reply,
                    circle_id: id,
                    target_id: &t.id,
                    link: format!("/circles/{id}/threads/{}", t.id),
                    now,
                }
                .notice(),
                author,
            )),
            _ => None,
        };
        let limit = counted(Limit::Replies, &who.account_id, now);
        let posted = self
            .store()
            .post_reply(&limit, &r, notice.as_ref().map(|(n, a)| (n, *a)))
            .await?;
        let seq = match posted {
            ReplyPosted::SlowDown { window_start, .. } => {
                return Ok(ReplyOutcome::SlowDown {
                    secs: wait_after(Limit::Replies, window_start, now),
                    kept: r.body,
                });
            }
            ReplyPosted::Saved { seq, notified } => {
                if let (true, Some((n, author))) = (notified, &notice) {
                    self.services.delivered(self.live(), n, author).await;
                }
                seq
            }
        };
        if held {
            self.held_post(who, id, &r.id, now).await;
        } else {
            self.live().announce(&t.id).await;
        }
        Ok(ReplyOutcome::Saved {
            id: r.id,
            seq,
            before: t.reply_count,
            held,
        })
    }

    /// A live view of a thread; `None` when its words are not shown to this
    /// person (so there is nothing to stream); `TooManyAttempts` when this
    /// account already has [`STREAMS_PER_ACCOUNT`] streams open.
    pub async fn watch(
        &self,
        who: &Unlocked,
        id: &str,
        tid: &str,
        now: i64,
    ) -> ServiceResult<Option<Watch>> {
        let access = self.open(who, id, Action::Read, now).await?;
        let t = self.visible_thread(&access, tid).await?;
        if !access.shows_thread(&t) {
            return Ok(None);
        }
        let stream_id = new_id();
        // A lease, renewed while the stream runs: one left behind by a
        // process that stopped abruptly lapses within a minute.
        let lapses = now + secs(super::STREAM_LEASE);
        if !self
            .store()
            .open_live_stream(
                &stream_id,
                &who.account_id,
                now,
                lapses,
                STREAMS_PER_ACCOUNT,
            )
            .await?
        {
            return Err(ServiceError::TooManyAttempts(60));
        }
        Ok(Some(Watch {
            store: self.services.store.clone(),
            sub: self.live().subscribe(),
            access,
            account: who.account_id.clone(),
            session_hash: who.session_hash.clone(),
            stream_id,
            renewed_at: now,
            thread_id: t.id,
        }))
    }

    /// The author takes their thread down; its words go.
    pub async fn delete_thread(
        &self,
        who: &Unlocked,
        id: &str,
        tid: &str,
        now: i64,
    ) -> ServiceResult<()> {
        let a = self.open(who, id, Action::Read, now).await?;
        let t = self.visible_thread(&a, tid).await?;
        if !a.is_author(&t.author_id) {
            return Err(ServiceError::NotFound);
        }
        self.store().delete_thread_text(id, tid).await?;
        Ok(())
    }

    /// The author takes their reply down; returns its thread.
    pub async fn delete_reply(
        &self,
        who: &Unlocked,
        id: &str,
        rid: &str,
        now: i64,
    ) -> ServiceResult<String> {
        let a = self.open(who, id, Action::Read, now).await?;
        let r = self
            .store()
            .reply(id, rid)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if !a.is_author(&r.author_id) {
            return Err(ServiceError::NotFound);
        }
        self.store().delete_reply_text(id, rid).await?;
        Ok(r.thread_id)
    }

    /// The visible words a report would be about, if this member may report
    /// them (the reply's thread must be one they can read, as on its page).
    async fn report_excerpt(&self, a: &Access, kind: &str, target: &str) -> ServiceResult<String> {
        let store = self.store();
        let cid = a.circle.id.as_str();
        let text = match kind {
            "thread" => store
                .thread(cid, target)
                .await?
                .filter(|t| Status::parse(&t.status) == Status::Visible)
                .map(|t| t.title),
            "reply" => match store
                .reply(cid, target)
                .await?
                .filter(|r| Status::parse(&r.status) == Status::Visible)
            {
                Some(r) => store
                    .thread(cid, &r.thread_id)
                    .await?
                    .filter(|t| a.shows_thread(t))
                    .map(|_| r.body),
                None => None,
            },
            _ => None,
        };
        text.ok_or(ServiceError::NotFound)
    }

    pub async fn report_target(
        &self,
        who: &Unlocked,
        id: &str,
        kind: &str,
        target: &str,
        now: i64,
    ) -> ServiceResult<(Access, String)> {
        let a = self.open(who, id, Action::Report, now).await?;
        let excerpt = self.report_excerpt(&a, kind, target).await?;
        Ok((a, excerpt))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn report(
        &self,
        who: &Unlocked,
        id: &str,
        kind: &str,
        target: &str,
        reason: &str,
        now: i64,
    ) -> ServiceResult<ReportOutcome> {
        let a = self.open(who, id, Action::Report, now).await?;
        let excerpt = self.report_excerpt(&a, kind, target).await?;
        let reason = match circles::reason(reason) {
            Ok(r) => r,
            Err(e) => {
                return Ok(ReportOutcome::Invalid {
                    access: a,
                    excerpt,
                    errors: vec![e],
                });
            }
        };
        if let Err(secs) = slow_down(self.services, Limit::Reports, &who.account_id, now).await? {
            return Ok(ReportOutcome::SlowDown { secs, kept: reason });
        }
        let r = ReportRow {
            id: new_id(),
            circle_id: id.to_owned(),
            target_kind: kind.to_owned(),
            target_id: target.to_owned(),
            reporter_id: a.member_id().to_owned(),
            reason,
            created_at: now,
            resolved_at: None,
        };
        self.store().create_report(&r).await?;
        let ev = Event {
            kind: NoticeKind::Report,
            circle_id: id,
            target_id: target,
            link: format!("/circles/{id}/moderation"),
            now,
        };
        self.services
            .tell_circle(self.live(), &ev, &who.account_id)
            .await;
        Ok(ReportOutcome::Sent(a))
    }
}

fn secs(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 4)
}
