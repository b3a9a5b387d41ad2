//! "Leave a Reply" under Learn articles: pseudonymous, pre-moderated by
//! default, with the same risk hold and identifier note as circles. The
//! replies live in the built-in `learn` circle, so its moderators use the
//! usual queue and log.

use std::sync::LazyLock;

use super::posts::{Identifier, identifiers, risky};
use super::{Circles, LEARN, new_id, random_pseudonym};
use crate::domain::Invalid;
use crate::domain::circles::{self, Role, Status};
use crate::service::{Limit, ServiceResult, Unlocked};
use crate::store::{MembershipRow, ReplyRow, ReplyView, StoreError, ThreadRow};

/// Replies wait for a moderator unless the deployment sets
/// `TEND_LEARN_PREMODERATION=off`. Read once, at first use.
static PREMODERATED: LazyLock<bool> = LazyLock::new(|| {
    !matches!(
        std::env::var("TEND_LEARN_PREMODERATION").as_deref(),
        Ok("off" | "0" | "false")
    )
});

pub fn learn_premoderated() -> bool {
    *PREMODERATED
}

/// The thread that holds an article's replies.
pub fn learn_thread_id(slug: &str) -> String {
    format!("learn-{slug}")
}

/// The replies under an article, as one reader may see them.
pub struct LearnPage {
    /// May open the Learn moderation queue.
    pub moderator: bool,
    pub replies: Vec<ReplyView>,
}

#[derive(Debug)]
pub enum LearnReply {
    Saved {
        id: String,
        urgent: bool,
        held: bool,
    },
    Invalid(Vec<Invalid>),
    /// A moderator paused this reader's replies until then.
    Paused(i64),
    CheckIdentifiers(Vec<Identifier>),
    SlowDown {
        secs: u64,
        kept: String,
    },
}

impl Circles<'_> {
    /// The newest `limit` replies under an article that this reader may see.
    pub async fn learn_page(
        &self,
        who: &Unlocked,
        slug: &str,
        limit: i64,
    ) -> ServiceResult<LearnPage> {
        let store = self.store();
        let me = store.membership(LEARN, &who.account_id).await?;
        let moderator = me
            .as_ref()
            .is_some_and(|m| m.role == Role::Moderator.as_str())
            || self.is_admin(&who.account_id).await?;
        let my_id = me.as_ref().map(|m| m.id.clone()).unwrap_or_default();
        let replies = store
            .recent_replies(&learn_thread_id(slug), &my_id, limit)
            .await?;
        Ok(LearnPage { moderator, replies })
    }

    /// The reader's pseudonym for Learn replies, made on their first reply.
    async fn learn_member(&self, who: &Unlocked, now: i64) -> ServiceResult<MembershipRow> {
        let store = self.store();
        for _ in 0..5 {
            if let Some(m) = store.membership(LEARN, &who.account_id).await? {
                return Ok(m);
            }
            let m = MembershipRow {
                id: new_id(),
                circle_id: LEARN.into(),
                account_id: who.account_id.clone(),
                role: Role::Member.as_str().into(),
                pseudonym: random_pseudonym(),
                joined_at: now,
                suspended_until: None,
            };
            match store.add_member(&m).await {
                Ok(()) => return Ok(m),
                // A clashing pseudonym, or the same person in another tab: look again.
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(super::no_free_pseudonym())
    }

    /// A reply under the article `slug` (whose title the content gives).
    #[allow(clippy::too_many_arguments)]
    pub async fn learn_reply(
        &self,
        who: &Unlocked,
        slug: &str,
        title: &str,
        body: &str,
        identifiers_ok: bool,
        now: i64,
    ) -> ServiceResult<LearnReply> {
        let body = match circles::post_body(body) {
            Ok(b) => b,
            Err(e) => return Ok(LearnReply::Invalid(vec![e])),
        };
        let me = self.learn_member(who, now).await?;
        if let Some(until) = me.suspended_until.filter(|u| *u > now) {
            return Ok(LearnReply::Paused(until));
        }
        if !identifiers_ok {
            let found = identifiers(&[&body]);
            if !found.is_empty() {
                return Ok(LearnReply::CheckIdentifiers(found));
            }
        }
        if let Err(secs) =
            crate::service::limits::slow_down(self.services, Limit::Replies, &who.account_id, now)
                .await?
        {
            return Ok(LearnReply::SlowDown { secs, kept: body });
        }
        let store = self.store();
        let thread_id = learn_thread_id(slug);
        store
            .ensure_thread(&ThreadRow {
                id: thread_id.clone(),
                circle_id: LEARN.into(),
                author_id: "tend".into(),
                title: title.to_owned(),
                body: String::new(),
                status: Status::Visible.as_str().into(),
                urgent: 0,
                locked: 0,
                reply_count: 0,
                created_at: now,
                last_activity: now,
            })
            .await?;
        let urgent = risky(&[&body]);
        let held = urgent || learn_premoderated();
        let r = ReplyRow {
            id: new_id(),
            thread_id,
            circle_id: LEARN.into(),
            author_id: me.id,
            body,
            status: if held { Status::Held } else { Status::Visible }
                .as_str()
                .into(),
            urgent: i64::from(urgent),
            created_at: now,
        };
        store.create_reply(&r).await?;
        if urgent {
            self.held_post(who, LEARN, &r.id, now).await;
        }
        if !held {
            self.live().announce(&r.thread_id).await;
        }
        Ok(LearnReply::Saved {
            id: r.id,
            urgent,
            held,
        })
    }
}
