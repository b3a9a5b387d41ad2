//! Peer support: circles, invites, meetings, threads and replies, reports,
//! moderation and the Learn discussions, as use cases the pages call.
//!
//! Every use case asks one policy ([`policy`]) whether this person may do
//! this here. Anything a person may not see answers [`ServiceError::NotFound`],
//! the same as something that does not exist. Time comes in as `now`
//! (seconds); nothing here reads the clock.

mod learn;
mod live;
mod moderation;
mod policy;
mod posts;

use sha2::{Digest, Sha256};

use rand::RngCore;

pub use self::learn::{LearnPage, LearnReply, learn_premoderated, learn_thread_id};
pub use self::live::{
    InProcess, LiveFeed, MAX_LIFETIME, Notify, RECHECK, SAFETY_POLL, STREAM_LEASE, STREAM_RENEW,
    STREAMS_PER_ACCOUNT, Subscription,
};
pub use self::moderation::{Moderated, ModerationRequest, Queue, ReachOutRequest, Reported};
pub use self::policy::{
    Action, ModAction, Place, PostFacts, Refusal, Standing, allows, may_moderate,
};
pub use self::posts::{
    Identifier, Posted, ReplyOutcome, ReportOutcome, ThreadPage, Watch, identifiers,
};
use super::{Limit, ServiceError, ServiceResult, Services, Unlocked};
use crate::domain::circles::{
    self, CircleInput, InviteInput, MeetingInput, Role, SERVER_ADMIN, SERVER_FACILITATOR, Status,
};
use crate::domain::notifications::NoticeKind;
use crate::service::notifications::Event;
pub use crate::store::{
    CircleRow, FeedMeetingRow, InviteRow, JoinOutcome, MeetingRow, MembershipRow, ModLogRow,
    MyCircleRow, ReplyView, ReportRow, ThreadView,
};
use crate::store::{Store, StoreError};

/// The built-in circle that holds the Learn discussions.
pub const LEARN: &str = "learn";

/// Circle use cases for one request.
pub struct Circles<'a> {
    services: &'a Services,
    live: Box<dyn LiveFeed + 'a>,
}

impl Services {
    /// Peer support, with the live feed that fits the database: `NOTIFY` on
    /// PostgreSQL (several processes may share it), an in-process channel on
    /// SQLite.
    pub fn circles(&self) -> Circles<'_> {
        Circles::new(self, live_feed(self))
    }
}

/// The live fan-out that fits the database (see [`Services::circles`]), for
/// other services that wake people (notifications).
pub(crate) fn live_feed(services: &Services) -> Box<dyn LiveFeed + '_> {
    match services.store.signals() {
        Some(signals) => Box::new(Notify(signals)),
        None => Box::new(&*live::IN_PROCESS),
    }
}

/// One person in one circle: who they are there, and so what they may do.
#[derive(Debug, Clone)]
pub struct Access {
    pub circle: CircleRow,
    pub me: Option<MembershipRow>,
    pub admin: bool,
    /// When this was looked up, for suspensions.
    at: i64,
}

impl Access {
    pub fn place(&self) -> Place {
        if self.circle.id == LEARN {
            Place::Learn
        } else {
            Place::Circle
        }
    }
    pub fn role(&self) -> Option<Role> {
        self.me.as_ref().and_then(|m| Role::parse(&m.role))
    }
    pub fn standing(&self) -> Standing {
        Standing {
            role: self.role(),
            admin: self.admin,
            suspended: self.suspended_until().is_some(),
        }
    }
    /// Asks the policy.
    pub fn may(&self, action: Action) -> bool {
        allows(&self.standing(), self.place(), action)
    }
    pub fn moderates(&self) -> bool {
        self.standing().moderates()
    }
    /// The end of this member's suspension, if they may not post right now.
    pub fn suspended_until(&self) -> Option<i64> {
        self.me
            .as_ref()
            .and_then(|m| m.suspended_until)
            .filter(|u| *u > self.at)
    }
    pub fn member_id(&self) -> &str {
        self.me.as_ref().map_or("", |m| m.id.as_str())
    }
    pub fn is_author(&self, author_id: &str) -> bool {
        self.me.as_ref().is_some_and(|m| m.id == author_id)
    }
    /// The name an action is logged under.
    pub fn actor(&self) -> String {
        match &self.me {
            Some(m) => format!("{} ({})", m.pseudonym, m.role),
            None => "a server admin".into(),
        }
    }
    /// Whether this person may open a thread at all.
    pub fn sees_thread(&self, t: &ThreadView) -> bool {
        match Status::parse(&t.status) {
            Status::Visible | Status::Removed | Status::Deleted => true,
            Status::Held | Status::Hidden => self.moderates() || self.is_author(&t.author_id),
        }
    }
    /// Whether this person sees the thread's words and replies once open. A
    /// removed thread is a neutral note for everyone but moderators (who may
    /// restore it); a deleted one is a neutral note for everyone.
    pub fn shows_thread(&self, t: &ThreadView) -> bool {
        self.sees_thread(t)
            && match Status::parse(&t.status) {
                Status::Removed => self.moderates(),
                Status::Deleted => false,
                _ => true,
            }
    }
    /// Whether this person sees the words of a post with this status.
    pub fn shows_body(&self, status: Status, author_id: &str) -> bool {
        match status {
            Status::Visible => true,
            Status::Held | Status::Hidden => self.is_author(author_id) || self.moderates(),
            Status::Removed => self.moderates(),
            Status::Deleted => false,
        }
    }
}

/// The circles someone is in, and whether they may start one.
pub struct MyCircles {
    pub circles: Vec<MyCircleRow>,
    pub may_create: bool,
}

/// A circle's front page.
pub struct Home {
    pub access: Access,
    pub threads: Vec<ThreadView>,
    pub meetings: Vec<MeetingRow>,
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn random_pseudonym() -> String {
    let mut r = rand::rngs::OsRng;
    circles::pseudonym(r.next_u32(), r.next_u32(), r.next_u32())
}

/// The calendar link's secret is never stored, only this fingerprint.
pub(crate) fn token_hash(token: &str) -> String {
    crate::domain::hex(&Sha256::digest(token.as_bytes()))
}

/// Drew five pseudonyms and every one was taken: not the person's fault.
fn no_free_pseudonym() -> ServiceError {
    ServiceError::Store(StoreError::Config("could not draw a free pseudonym".into()))
}

impl<'a> Circles<'a> {
    /// With another live feed (a cross-process one, say).
    pub fn new(services: &'a Services, live: Box<dyn LiveFeed + 'a>) -> Self {
        Self { services, live }
    }

    fn store(&self) -> &dyn Store {
        self.services.store.as_ref()
    }

    async fn is_admin(&self, account_id: &str) -> ServiceResult<bool> {
        Ok(self
            .store()
            .has_server_role(account_id, SERVER_ADMIN)
            .await?)
    }

    /// Loads a circle for a signed-in person. Members and server admins get
    /// in; everyone else, and every unknown id, gets `NotFound`.
    pub async fn access(&self, who: &Unlocked, id: &str, now: i64) -> ServiceResult<Access> {
        let row = self
            .store()
            .circle_access(id, &who.account_id, SERVER_ADMIN)
            .await?
            .ok_or(ServiceError::NotFound)?;
        Self::admit(row, now)
    }

    /// Members and server admins get in; everyone else gets `NotFound`.
    fn admit(row: crate::store::AccessRow, now: i64) -> ServiceResult<Access> {
        if row.me.is_none() && !row.admin {
            return Err(ServiceError::NotFound);
        }
        Ok(Access {
            circle: row.circle,
            me: row.me,
            admin: row.admin,
            at: now,
        })
    }

    /// [`Self::access`], then the policy: `NotFound` unless `action` is allowed.
    pub async fn open(
        &self,
        who: &Unlocked,
        id: &str,
        action: Action,
        now: i64,
    ) -> ServiceResult<Access> {
        let a = self.access(who, id, now).await?;
        if a.may(action) {
            Ok(a)
        } else {
            Err(ServiceError::NotFound)
        }
    }

    /// Server admins and server facilitators may start circles.
    pub async fn may_create(&self, who: &Unlocked) -> ServiceResult<bool> {
        let s = self.store();
        Ok(s.has_server_role(&who.account_id, SERVER_ADMIN).await?
            || s.has_server_role(&who.account_id, SERVER_FACILITATOR)
                .await?)
    }

    pub async fn mine(&self, who: &Unlocked) -> ServiceResult<MyCircles> {
        Ok(MyCircles {
            circles: self.store().circles_of(&who.account_id).await?,
            may_create: self.may_create(who).await?,
        })
    }

    /// Starts a circle with its creator as facilitator; returns its id.
    /// `Invalid` carries what to fix in the form.
    pub async fn create(
        &self,
        who: &Unlocked,
        input: &CircleInput,
        now: i64,
    ) -> ServiceResult<String> {
        if !self.may_create(who).await? {
            return Err(ServiceError::NotFound);
        }
        let draft = input.validate().map_err(ServiceError::Invalid)?;
        let circle = CircleRow {
            id: new_id(),
            name: draft.name,
            description: draft.description,
            guidelines: draft.guidelines,
            created_at: now,
        };
        let first = MembershipRow {
            id: new_id(),
            circle_id: circle.id.clone(),
            account_id: who.account_id.clone(),
            role: Role::Facilitator.as_str().into(),
            pseudonym: random_pseudonym(),
            joined_at: now,
            suspended_until: None,
        };
        self.store().create_circle(&circle, &first).await?;
        Ok(circle.id)
    }

    /// Uses an invite code. `Joined` and `AlreadyMember` come with the circle.
    /// `TooManyAttempts` once this account has tried too many codes in a
    /// minute (counted in the database, across processes), so codes cannot be
    /// guessed quickly.
    pub async fn join(
        &self,
        who: &Unlocked,
        code: &str,
        now: i64,
    ) -> ServiceResult<(JoinOutcome, Option<String>)> {
        self.services
            .limits()
            .attempt(Limit::Joins, &who.account_id, now)
            .await?;
        // A pseudonym can clash with one already in the circle; draw again.
        for _ in 0..5 {
            let m = MembershipRow {
                id: new_id(),
                circle_id: String::new(),
                account_id: who.account_id.clone(),
                role: Role::Member.as_str().into(),
                pseudonym: random_pseudonym(),
                joined_at: now,
                suspended_until: None,
            };
            let (outcome, circle) = self.store().join_with_invite(code, &m, now).await?;
            if let (JoinOutcome::Joined, Some(cid)) = (outcome, circle.as_deref()) {
                let ev = Event {
                    kind: NoticeKind::NewMember,
                    circle_id: cid,
                    target_id: &m.id,
                    link: format!("/circles/{cid}"),
                    now,
                };
                self.services
                    .tell_circle(self.live.as_ref(), &ev, &who.account_id)
                    .await;
            }
            if outcome != JoinOutcome::PseudonymTaken {
                return Ok((outcome, circle));
            }
        }
        Err(no_free_pseudonym())
    }

    pub async fn home(
        &self,
        who: &Unlocked,
        id: &str,
        limit: i64,
        now: i64,
    ) -> ServiceResult<Home> {
        let access = self.open(who, id, Action::Read, now).await?;
        let store = self.store();
        let threads = store
            .threads(id, access.member_id(), access.moderates(), limit)
            .await?;
        let meetings = store.meetings(id).await?;
        Ok(Home {
            access,
            threads,
            meetings,
        })
    }

    pub async fn leave(&self, who: &Unlocked, id: &str, now: i64) -> ServiceResult<()> {
        self.open(who, id, Action::Leave, now).await?;
        if self.store().leave_circle(id, &who.account_id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }

    pub async fn invites(
        &self,
        who: &Unlocked,
        id: &str,
        now: i64,
    ) -> ServiceResult<(Access, Vec<InviteRow>)> {
        let a = self.open(who, id, Action::Invite, now).await?;
        let list = self.store().invites(id).await?;
        Ok((a, list))
    }

    pub async fn create_invite(
        &self,
        who: &Unlocked,
        id: &str,
        input: &InviteInput,
        now: i64,
    ) -> ServiceResult<String> {
        self.open(who, id, Action::Invite, now).await?;
        let draft = input.validate().map_err(ServiceError::Invalid)?;
        self.services
            .limits()
            .attempt(Limit::Invites, &who.account_id, now)
            .await?;
        let mut bytes = [0u8; circles::CODE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let invite = InviteRow {
            code: circles::code_from(&bytes),
            circle_id: id.to_owned(),
            created_at: now,
            expires_at: draft.valid_seconds.map(|s| now + s),
            max_uses: draft.max_uses,
            uses: 0,
            revoked_at: None,
        };
        self.store().create_invite(&invite).await?;
        Ok(invite.code)
    }

    pub async fn revoke_invite(
        &self,
        who: &Unlocked,
        id: &str,
        code: &str,
        now: i64,
    ) -> ServiceResult<()> {
        self.open(who, id, Action::Invite, now).await?;
        if self.store().revoke_invite(id, code, now).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }

    pub async fn meetings(
        &self,
        who: &Unlocked,
        id: &str,
        now: i64,
    ) -> ServiceResult<(Access, Vec<MeetingRow>)> {
        let a = self.open(who, id, Action::Read, now).await?;
        let list = self.store().meetings(id).await?;
        Ok((a, list))
    }

    pub async fn schedule(
        &self,
        who: &Unlocked,
        id: &str,
        input: &MeetingInput,
        now: i64,
    ) -> ServiceResult<()> {
        self.schedule_meeting(who, id, input, now).await.map(|_| ())
    }

    /// [`Self::schedule`], returning the new meeting (the API answers with it).
    pub async fn schedule_meeting(
        &self,
        who: &Unlocked,
        id: &str,
        input: &MeetingInput,
        now: i64,
    ) -> ServiceResult<MeetingRow> {
        self.open(who, id, Action::Schedule, now).await?;
        let d = input.validate().map_err(ServiceError::Invalid)?;
        let m = MeetingRow {
            id: new_id(),
            circle_id: id.to_owned(),
            title: d.title,
            starts_local: d.start.strftime("%Y-%m-%dT%H:%M").to_string(),
            time_zone: d.time_zone,
            weekly: i64::from(d.weekly),
            duration_minutes: d.duration_minutes,
            video_link: d.link,
            note: d.note,
            created_at: now,
        };
        self.store().create_meeting(&m).await?;
        self.meeting_changed(who, id, &m.id, now).await;
        Ok(m)
    }

    /// Tells the circle its meetings changed.
    async fn meeting_changed(&self, who: &Unlocked, id: &str, meeting: &str, now: i64) {
        let ev = Event {
            kind: NoticeKind::Meeting,
            circle_id: id,
            target_id: meeting,
            link: format!("/circles/{id}/meetings"),
            now,
        };
        self.services
            .tell_circle(self.live.as_ref(), &ev, &who.account_id)
            .await;
    }

    pub async fn cancel_meeting(
        &self,
        who: &Unlocked,
        id: &str,
        meeting: &str,
        now: i64,
    ) -> ServiceResult<()> {
        self.open(who, id, Action::Schedule, now).await?;
        if self.store().delete_meeting(id, meeting).await? {
            self.meeting_changed(who, id, meeting, now).await;
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }

    pub async fn has_calendar_link(&self, who: &Unlocked) -> ServiceResult<bool> {
        Ok(self.store().has_calendar_feed(&who.account_id).await?)
    }

    /// Replaces the person's calendar link with one for `token` (the old one
    /// stops working). Only the token's fingerprint is kept.
    pub async fn set_calendar_link(
        &self,
        who: &Unlocked,
        token: &str,
        now: i64,
    ) -> ServiceResult<()> {
        Ok(self
            .store()
            .set_calendar_feed(&who.account_id, &token_hash(token), now)
            .await?)
    }

    pub async fn end_calendar_link(&self, who: &Unlocked) -> ServiceResult<()> {
        self.store().delete_calendar_feed(&who.account_id).await?;
        Ok(())
    }

    /// The meetings behind a calendar link; no session, the token is the key.
    pub async fn calendar(&self, token: &str) -> ServiceResult<Vec<FeedMeetingRow>> {
        let store = self.store();
        let account = store
            .calendar_feed_account(&token_hash(token))
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok(store.meetings_for_account(&account).await?)
    }
}
