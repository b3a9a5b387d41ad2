//! The moderators' queue, their actions, and the log.
//!
//! An action is one transaction in the store: the change (a status, a lock,
//! a suspension), the reports on the post resolved, and the log line. Either
//! all of it happens or none of it, so the log never misses an action.

use super::{Access, Action, Circles, ModAction, PostFacts, may_moderate, new_id};
use crate::domain::Invalid;
use crate::domain::circles::{self, Role, Status};
use crate::domain::notifications::NoticeKind;
use crate::service::limits::{Limit, slow_down};
use crate::service::notifications::Event;
use crate::service::{ServiceError, ServiceResult, Unlocked};
use crate::store::{ModChange, ModLogRow, NewNotice, ReplyView, ReportRow, ThreadView};

/// What waits for the moderators of one circle.
pub struct Queue {
    pub access: Access,
    /// Held threads and replies, urgent first.
    pub threads: Vec<ThreadView>,
    pub replies: Vec<ReplyView>,
    pub reported: Vec<Reported>,
    /// The private notes already sent about the held posts, newest first:
    /// who wrote and when, never the words.
    pub notes: Vec<NoteSent>,
}

/// That someone wrote privately to the author of a held post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSent {
    pub target_id: String,
    /// The sender's pseudonym in the circle, as in the log.
    pub by: String,
    pub at: i64,
}

impl Queue {
    /// The action of the log line a private note leaves ("… wrote privately
    /// to the author of reply"): the note itself stays with the author.
    pub const NOTE_LOGGED: &str = "wrote privately to the author of";

    /// The notes already sent about one post, newest first.
    pub fn notes_on<'a>(&'a self, target_id: &'a str) -> impl Iterator<Item = &'a NoteSent> {
        self.notes.iter().filter(move |n| n.target_id == target_id)
    }
}

/// An open report with the words it is about.
pub struct Reported {
    pub report: ReportRow,
    pub text: String,
    pub author: Option<String>,
    pub status: String,
}

/// A moderator's form, as sent.
#[derive(Debug, Clone, Default)]
pub struct ModerationRequest {
    pub target_kind: String,
    pub target_id: String,
    pub action: String,
    pub reason: String,
    pub days: String,
}

/// A private note to the author of a post held for risk, as sent.
#[derive(Debug, Clone, Default)]
pub struct ReachOutRequest {
    pub target_kind: String,
    pub target_id: String,
    pub note: String,
}

#[derive(Debug)]
pub enum Moderated {
    Done,
    /// Nothing changed; why, for the moderator.
    Refused(Vec<Invalid>),
}

impl ModAction {
    /// Whether the log must say why: the actions that take something away.
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            Self::Hide | Self::Remove | Self::Lock | Self::Suspend(_)
        )
    }

    /// Reads the form's action; suspensions need 1 to the maximum days.
    fn parse(action: &str, target_kind: &str, days: &str) -> Result<Self, Invalid> {
        Ok(match (action, target_kind) {
            ("approve", _) => Self::Approve,
            ("hide", _) => Self::Hide,
            ("remove", _) => Self::Remove,
            ("lock", "thread") => Self::Lock,
            ("unlock", "thread") => Self::Unlock,
            ("unsuspend", _) => Self::Unsuspend,
            ("dismiss", _) => Self::Dismiss,
            ("suspend", _) => match days.trim().parse::<i64>() {
                Ok(d) if (1..=circles::SUSPEND_DAYS_MAX).contains(&d) => Self::Suspend(d),
                _ => {
                    return Err(Invalid::new(
                        "days",
                        format!(
                            "Enter the days of suspension, from 1 to {}.",
                            circles::SUSPEND_DAYS_MAX
                        ),
                    ));
                }
            },
            _ => {
                return Err(Invalid::new(
                    "action",
                    "Choose one of the actions in the list.",
                ));
            }
        })
    }
}

fn refused(field: &'static str, message: &str) -> Moderated {
    Moderated::Refused(vec![Invalid::new(field, message)])
}

impl Circles<'_> {
    pub async fn queue(
        &self,
        who: &Unlocked,
        id: &str,
        limit: i64,
        now: i64,
    ) -> ServiceResult<Queue> {
        let access = self.open(who, id, Action::Moderate, now).await?;
        let store = self.store();
        let threads = store.held_threads(id, limit).await?;
        let replies = store.held_replies(id, limit).await?;
        let reports = store.open_reports(id, limit).await?;
        // The reported text, fetched per report (the queue is short by nature).
        let mut reported = Vec::with_capacity(reports.len());
        for report in reports {
            let (text, author, status) = match report.target_kind.as_str() {
                "thread" => match store.thread(id, &report.target_id).await? {
                    Some(t) => (format!("{}: {}", t.title, t.body), t.author_name, t.status),
                    None => continue,
                },
                _ => match store.reply(id, &report.target_id).await? {
                    Some(x) => (x.body, x.author_name, x.status),
                    None => continue,
                },
            };
            // Deleted by its author: gone for moderators too.
            if Status::parse(&status) == Status::Deleted {
                continue;
            }
            reported.push(Reported {
                report,
                text,
                author,
                status,
            });
        }
        // Notes on the posts still waiting, so nobody writes unaware that
        // someone already did.
        let notes = store
            .moderation_log_of(id, Queue::NOTE_LOGGED, limit)
            .await?
            .into_iter()
            .filter(|e| {
                threads.iter().any(|t| t.id == e.target_id)
                    || replies.iter().any(|r| r.id == e.target_id)
            })
            .map(|e| NoteSent {
                target_id: e.target_id,
                by: e.actor,
                at: e.created_at,
            })
            .collect();
        Ok(Queue {
            access,
            threads,
            replies,
            reported,
            notes,
        })
    }

    /// One moderation action, checked against the policy and written in one
    /// transaction with its log line.
    pub async fn moderate(
        &self,
        who: &Unlocked,
        id: &str,
        req: &ModerationRequest,
        now: i64,
    ) -> ServiceResult<Moderated> {
        let a = self.open(who, id, Action::Moderate, now).await?;
        let store = self.store();
        // The target must be in this circle.
        let (author_id, thread_id, status) = match req.target_kind.as_str() {
            "thread" => {
                let t = store
                    .thread(id, &req.target_id)
                    .await?
                    .ok_or(ServiceError::NotFound)?;
                (t.author_id, t.id, t.status)
            }
            "reply" => {
                let r = store
                    .reply(id, &req.target_id)
                    .await?
                    .ok_or(ServiceError::NotFound)?;
                (r.author_id, r.thread_id, r.status)
            }
            _ => return Err(ServiceError::NotFound),
        };
        let status = Status::parse(&status);
        let author = store.membership_by_id(&author_id).await?;
        let author_member = author.clone();
        let mut errors = Vec::new();
        let action = ModAction::parse(&req.action, &req.target_kind, &req.days)
            .map_err(|e| errors.push(e))
            .ok();
        // A reason is asked for only where an action takes something away
        // (hide, remove, lock, suspend); undoing or approving may carry one.
        let reason = if action.is_none_or(ModAction::needs_reason) {
            circles::reason(&req.reason)
        } else {
            crate::domain::bounded_text(
                "reason",
                "The reason",
                &req.reason,
                circles::REASON_MAX,
                false,
            )
        }
        .map_err(|e| errors.push(e))
        .ok();
        // The policy first: what the person may not do at all, they hear
        // before being asked to fix a reason. An unreadable action is
        // checked as an approval, so "it's deleted" still comes first.
        let post = PostFacts {
            author: &author_id,
            author_role: author
                .as_ref()
                .filter(|m| m.circle_id == id)
                .and_then(|m| Role::parse(&m.role)),
            status,
        };
        let asked = action.unwrap_or(ModAction::Approve);
        if let Err(refusal) = may_moderate(
            &a.standing(),
            a.me.as_ref().map(|m| m.id.as_str()),
            asked,
            &post,
        ) {
            // Only refusals that hold whatever the action are final here.
            if action.is_some() || refusal == super::Refusal::Deleted {
                return Ok(refused("action", refusal.message()));
            }
        }
        let (Some(reason), Some(action)) = (reason, action) else {
            return Ok(Moderated::Refused(errors));
        };
        let kind = req.target_kind.as_str();
        let target = req.target_id.clone();
        let status_change = |s: Status| {
            if kind == "thread" {
                ModChange::ThreadStatus {
                    id: target.clone(),
                    status: s.as_str().into(),
                }
            } else {
                ModChange::ReplyStatus {
                    id: target.clone(),
                    status: s.as_str().into(),
                }
            }
        };
        let post_entry = |what: &str| ModLogRow {
            id: new_id(),
            circle_id: id.to_owned(),
            actor: a.actor(),
            action: what.into(),
            target_kind: kind.into(),
            target_id: target.clone(),
            reason: reason.clone(),
            created_at: now,
        };
        let (change, entry) = match action {
            ModAction::Approve => (
                status_change(Status::Visible),
                post_entry("approved / restored"),
            ),
            ModAction::Hide => (status_change(Status::Hidden), post_entry("hid")),
            ModAction::Remove => (status_change(Status::Removed), post_entry("removed")),
            ModAction::Lock => (
                ModChange::ThreadLocked {
                    id: target.clone(),
                    locked: true,
                },
                post_entry("locked"),
            ),
            ModAction::Unlock => (
                ModChange::ThreadLocked {
                    id: target.clone(),
                    locked: false,
                },
                post_entry("unlocked"),
            ),
            ModAction::Dismiss => (
                ModChange::ReportsOnly,
                post_entry("dismissed the reports on"),
            ),
            ModAction::Suspend(_) | ModAction::Unsuspend => {
                let Some(name) = author.filter(|m| m.circle_id == id).map(|m| m.pseudonym) else {
                    return Ok(refused(
                        "action",
                        "The author has left the circle, so there is nobody to suspend.",
                    ));
                };
                let (until, label) = match action {
                    ModAction::Suspend(d) => {
                        (Some(now + d * 86_400), format!("suspended for {d} days"))
                    }
                    _ => (None, "ended the suspension of".to_owned()),
                };
                (
                    ModChange::Suspension {
                        member_id: author_id.clone(),
                        until,
                    },
                    ModLogRow {
                        id: new_id(),
                        circle_id: id.to_owned(),
                        actor: a.actor(),
                        action: label,
                        target_kind: "member".into(),
                        target_id: name,
                        reason: reason.clone(),
                        created_at: now,
                    },
                )
            }
        };
        if !store.moderate(&change, &req.target_id, &entry).await? {
            // Deleted or gone between reading and writing: nothing changed.
            let msg = if matches!(change, ModChange::Suspension { .. }) {
                "The author has left the circle, so there is nobody to suspend."
            } else {
                super::Refusal::Deleted.message()
            };
            return Ok(refused("action", msg));
        }
        if action == ModAction::Approve && kind == "reply" {
            self.live.announce(&thread_id).await;
        }
        if status == Status::Held
            && matches!(
                change,
                ModChange::ThreadStatus { .. } | ModChange::ReplyStatus { .. }
            )
        {
            // Handled: the urgent notice is settled for every moderator.
            self.services.settle_held(id, &req.target_id, now).await;
            if action == ModAction::Approve
                && let Some(m) = author_member.filter(|m| m.circle_id == id)
            {
                let link = if id == super::LEARN {
                    "/learn".to_owned()
                } else {
                    format!("/circles/{id}/threads/{thread_id}")
                };
                let ev = Event {
                    kind: NoticeKind::Approved,
                    circle_id: id,
                    target_id: &req.target_id,
                    link,
                    now,
                };
                self.services
                    .tell_account(self.live.as_ref(), &ev, &m.account_id)
                    .await;
            }
        }
        Ok(Moderated::Done)
    }

    pub async fn log(
        &self,
        who: &Unlocked,
        id: &str,
        limit: i64,
        now: i64,
    ) -> ServiceResult<(Access, Vec<ModLogRow>)> {
        let a = self.open(who, id, Action::ReadLog, now).await?;
        let entries = self.store().moderation_log(id, limit).await?;
        Ok((a, entries))
    }
}

impl Circles<'_> {
    /// Sends a private, kind note to the author of a post that is held for
    /// risk, as a `reach_out` notification addressed to their account alone.
    ///
    /// The sender learns nothing new: the answer is the same whether or not
    /// the author turned these notes off, and nobody is told whether or when
    /// the note is read. Only someone who may moderate the circle may send
    /// one, only while the post waits in the queue, and never to themselves.
    ///
    /// Each note sent leaves a line in the moderation log (who, when, which
    /// post; never the words), so other moderators see that someone wrote;
    /// the line and the note are one transaction, so neither is kept alone.
    /// A moderator may send [`crate::service::limits::NOTES_PER_HOUR`] notes
    /// an hour; past that the answer is
    /// [`ServiceError::TooManyAttempts`] with the seconds to wait, and
    /// nothing is sent or logged.
    pub async fn reach_out(
        &self,
        who: &Unlocked,
        id: &str,
        req: &ReachOutRequest,
        now: i64,
    ) -> ServiceResult<Moderated> {
        let a = self.open(who, id, Action::Moderate, now).await?;
        let store = self.store();
        let (author_id, status, urgent) = match req.target_kind.as_str() {
            "thread" => {
                let t = store
                    .thread(id, &req.target_id)
                    .await?
                    .ok_or(ServiceError::NotFound)?;
                (t.author_id, t.status, t.urgent)
            }
            "reply" => {
                let r = store
                    .reply(id, &req.target_id)
                    .await?
                    .ok_or(ServiceError::NotFound)?;
                (r.author_id, r.status, r.urgent)
            }
            _ => return Err(ServiceError::NotFound),
        };
        if Status::parse(&status) != Status::Held || urgent != 1 {
            return Ok(refused(
                "note",
                "This post is no longer waiting for a moderator, so the note was not sent. \
                 A private note is for a post held because it may be about risk.",
            ));
        }
        if a.is_author(&author_id) {
            return Ok(refused("note", "This is your own post."));
        }
        let note = match circles::reach_out_note(&req.note) {
            Ok(n) => n,
            Err(e) => return Ok(Moderated::Refused(vec![e])),
        };
        let Some(author) = store
            .membership_by_id(&author_id)
            .await?
            .filter(|m| m.circle_id == id)
        else {
            return Ok(refused(
                "note",
                "The author has left the circle, so a note can't reach them.",
            ));
        };
        if let Err(secs) = slow_down(self.services, Limit::ReachOuts, &who.account_id, now).await? {
            return Err(ServiceError::TooManyAttempts(secs));
        }
        let notice = NewNotice {
            event_id: new_id(),
            kind: NoticeKind::ReachOut.as_str().into(),
            circle_id: id.to_owned(),
            target_id: req.target_id.clone(),
            link: "/hard-moment".into(),
            urgent: false,
            created_at: now,
            note: Some(note),
        };
        // Logged whether or not the author turned these notes off: the log
        // says what the sender did, and the sender learns nothing either way.
        // The line and the note are written together or not at all.
        let line = ModLogRow {
            id: new_id(),
            circle_id: id.to_owned(),
            actor: a.actor(),
            action: Queue::NOTE_LOGGED.into(),
            target_kind: req.target_kind.clone(),
            target_id: req.target_id.clone(),
            reason: String::new(),
            created_at: now,
        };
        self.services
            .deliver(self.live.as_ref(), &notice, &author.account_id, Some(&line))
            .await?;
        Ok(Moderated::Done)
    }
}
