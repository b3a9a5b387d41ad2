//! Limits on attempts, counted in the database so that every tend process
//! behind a load balancer sees the same counts (one truth, many processes).
//!
//! Subjects (a client address, a handle, an account id) are never stored as
//! they are: the key is a SHA-256 of the limit's name and the subject.

use sha2::{Digest, Sha256};

use super::{ServiceError, ServiceResult, Services};

/// Failed sign-ins (or recovery attempts) allowed per handle in
/// [`ACCOUNT_WINDOW`] seconds. Guessing spread over many addresses still meets
/// this; the owner is held up for at most one window, never locked out.
pub const ACCOUNT_FAILURES: i64 = 10;
pub const ACCOUNT_WINDOW: i64 = 15 * 60;

/// Private notes a moderator may send to authors of held posts in
/// [`NOTES_WINDOW`] seconds: enough for a hard night in several circles, and
/// a ceiling on anyone using the notes to press on people.
pub const NOTES_PER_HOUR: i64 = 10;
pub const NOTES_WINDOW: i64 = 60 * 60;

/// The longest window of any limit: counts older than this are forgotten.
const LONGEST_WINDOW: i64 = if NOTES_WINDOW > ACCOUNT_WINDOW {
    NOTES_WINDOW
} else {
    ACCOUNT_WINDOW
};

/// Which limit an attempt counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Sign-up, sign-in and recovery requests from one client address.
    Address { per_minute: u32 },
    /// Passphrase checks by a signed-in person (change, delete), per account.
    PassphraseCheck { per_minute: u32 },
    /// Wrong passphrases for one handle, from anywhere.
    SignInFailures,
    /// Wrong recovery codes for one handle, from anywhere.
    RecoveryFailures,
    /// New circle threads per account.
    Threads,
    /// Replies per account, in circles and under Learn articles.
    Replies,
    /// Reports per account.
    Reports,
    /// Invite codes tried per account (joining a circle).
    Joins,
    /// Invite codes made per account.
    Invites,
    /// Private notes to authors of held posts, per moderator's account.
    ReachOuts,
}

impl Limit {
    fn name(self) -> &'static str {
        match self {
            Self::Address { .. } => "address",
            Self::PassphraseCheck { .. } => "passphrase",
            Self::SignInFailures => "sign-in",
            Self::RecoveryFailures => "recovery",
            Self::Threads => "threads",
            Self::Replies => "replies",
            Self::Reports => "reports",
            Self::Joins => "joins",
            Self::Invites => "invites",
            Self::ReachOuts => "reach-outs",
        }
    }

    /// (attempts allowed, window in seconds)
    fn allowance(self) -> (i64, i64) {
        match self {
            Self::Address { per_minute } | Self::PassphraseCheck { per_minute } => {
                (i64::from(per_minute), 60)
            }
            Self::SignInFailures | Self::RecoveryFailures => (ACCOUNT_FAILURES, ACCOUNT_WINDOW),
            // Per minute, enough for anyone taking part and little for a
            // script; each refusal keeps the person's words and says how
            // long to wait.
            Self::Threads => (5, 60),
            Self::Replies => (20, 60),
            Self::Reports | Self::Joins | Self::Invites => (10, 60),
            Self::ReachOuts => (NOTES_PER_HOUR, NOTES_WINDOW),
        }
    }

    fn key(self, subject: &str) -> Vec<u8> {
        let mut h = Sha256::new();
        h.update(b"tend-limit-v1\0");
        h.update(self.name().as_bytes());
        h.update(b"\0");
        h.update(subject.as_bytes());
        h.finalize().to_vec()
    }
}

pub struct Limits<'a>(pub(super) &'a Services);

impl Limits<'_> {
    /// Counts one attempt against `limit`; refuses with the seconds to wait
    /// once the allowance for the window is used up. A refused attempt
    /// counts too, so hammering does not shorten the wait.
    pub async fn attempt(&self, limit: Limit, subject: &str, now: i64) -> ServiceResult<()> {
        let (allowed, window) = limit.allowance();
        let (start, count) = self
            .0
            .store
            .add_attempt(&limit.key(subject), now, window)
            .await?;
        if count > allowed {
            return Err(ServiceError::TooManyAttempts(wait(start, window, now)));
        }
        Ok(())
    }

    /// Runs `attempt` unless the subject's failures are used up, and counts it
    /// as a failure when it ends in [`ServiceError::BadCredentials`]. Only
    /// failures count, so the owner signing in often is never held up.
    pub(super) async fn guard_failures<T>(
        &self,
        limit: Limit,
        subject: &str,
        now: i64,
        attempt: impl std::future::Future<Output = ServiceResult<T>>,
    ) -> ServiceResult<T> {
        let (allowed, window) = limit.allowance();
        let key = limit.key(subject);
        if let Some((start, count)) = self.0.store.attempts(&key, now, window).await?
            && count >= allowed
        {
            return Err(ServiceError::TooManyAttempts(wait(start, window, now)));
        }
        let result = attempt.await;
        if matches!(result, Err(ServiceError::BadCredentials)) {
            self.0.store.add_attempt(&key, now, window).await?;
        }
        result
    }

    /// Forgets counts from windows that have ended (the longest is
    /// [`NOTES_WINDOW`]); run by the periodic job.
    pub async fn purge(&self, now: i64) -> ServiceResult<u64> {
        Ok(self.0.store.purge_attempts(now - LONGEST_WINDOW).await?)
    }
}

/// What the circle use cases ask before saving: `Err(seconds)` means wait.
pub(crate) async fn slow_down(
    services: &Services,
    limit: Limit,
    account_id: &str,
    now: i64,
) -> ServiceResult<Result<(), u64>> {
    match services.limits().attempt(limit, account_id, now).await {
        Ok(()) => Ok(Ok(())),
        Err(ServiceError::TooManyAttempts(secs)) => Ok(Err(secs)),
        Err(e) => Err(e),
    }
}

/// `limit` for `subject`, for a store call that counts it in the same
/// transaction as the write it guards (see `CommunityStore::post_reply`).
pub(crate) fn counted(limit: Limit, subject: &str, now: i64) -> crate::store::AttemptLimit {
    let (allowed, window) = limit.allowance();
    crate::store::AttemptLimit {
        key_hash: limit.key(subject),
        now,
        window,
        allowed,
    }
}

/// The seconds to wait after a [`counted`] limit refused, its window having
/// started at `start`.
pub(crate) fn wait_after(limit: Limit, start: i64, now: i64) -> u64 {
    wait(start, limit.allowance().1, now)
}

fn wait(start: i64, window: i64, now: i64) -> u64 {
    u64::try_from(start + window - now).unwrap_or(0).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_the_limit_and_the_subject_and_hide_both() {
        let a = Limit::SignInFailures.key("sam");
        assert_ne!(a, Limit::RecoveryFailures.key("sam"));
        assert_ne!(a, Limit::SignInFailures.key("kim"));
        assert!(!a.windows(3).any(|w| w == b"sam"));
    }

    #[test]
    fn the_wait_is_what_is_left_of_the_window_and_at_least_a_second() {
        assert_eq!(wait(100, 60, 130), 30);
        assert_eq!(wait(100, 60, 160), 1);
    }

    #[test]
    fn counts_are_kept_for_the_longest_window() {
        for limit in [
            Limit::SignInFailures,
            Limit::Threads,
            Limit::Invites,
            Limit::ReachOuts,
        ] {
            assert!(limit.allowance().1 <= LONGEST_WINDOW, "{limit:?}");
        }
    }
}
