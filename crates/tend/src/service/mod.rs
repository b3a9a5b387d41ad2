//! Application services: the use cases of tend, shared by the HTML pages and the
//! JSON API. They combine the domain, the vault and the store, and take time as
//! a parameter so they are testable.

mod accounts;
pub mod circles;
pub(crate) mod limits;
pub mod mail;
pub mod notifications;
pub mod programmes;
pub mod push;
pub mod questionnaires;
pub mod read_cache;
mod records;
pub mod summaries;
pub mod tokens;
pub mod transfer;

use std::sync::Arc;

pub use accounts::{Accounts, Credentials, NewAccount, Unlocked};
pub use circles::Circles;
pub use limits::{ACCOUNT_FAILURES, ACCOUNT_WINDOW, Limit, Limits};
pub use programmes::Programmes;
pub use records::{
    Created, Entry, Overview, RecordFilter, Records, SUBMISSION_KEEP_SECS, Stored, submission_key,
};

use crate::domain::Invalid;
use crate::store::{Store, StoreError};
use crate::vault::{KdfParams, VaultError};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid input")]
    Invalid(Vec<Invalid>),
    /// The same answer for an unknown handle and a wrong passphrase.
    #[error("handle or passphrase not recognised")]
    BadCredentials,
    #[error("that handle is taken")]
    HandleTaken,
    #[error("not found")]
    NotFound,
    /// Somebody (another tab, another device) changed the record first.
    #[error("changed elsewhere")]
    Stale,
    /// Too many attempts; the number is the seconds until the next is allowed.
    #[error("too many attempts")]
    TooManyAttempts(u64),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("vault: {0}")]
    Vault(#[from] VaultError),
    /// A record's contents did not turn into (or back from) JSON.
    #[error("record contents: {0}")]
    Json(#[from] serde_json::Error),
    #[error("background task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

impl From<Invalid> for ServiceError {
    fn from(e: Invalid) -> Self {
        Self::Invalid(vec![e])
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// Everything the use cases need, cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub store: Arc<dyn Store>,
    pub kdf: KdfParams,
    /// How long a sign-in lasts, in seconds.
    pub session_ttl: i64,
    /// E-mail for facilitators and leads; `None` when no SMTP server is set.
    pub mailer: Option<Arc<mail::Mailer>>,
    /// Web Push; `None` when turned off (`--no-web-push`) or in tools.
    pub push: Option<Arc<push::Pusher>>,
    /// Today's sealed rows between requests (`read_cache`); this process's
    /// own, and safe to lose.
    pub read_cache: Arc<read_cache::ReadCache>,
}

impl Services {
    /// The use cases over an opened store, with the settings they need.
    pub fn new(store: Arc<dyn Store>, config: &crate::config::Config) -> Self {
        let mailer = config
            .mail
            .as_ref()
            .and_then(|c| match mail::Mailer::new(c) {
                Ok(m) => Some(Arc::new(m)),
                Err(e) => {
                    tracing::error!(error = %e, "e-mail is off: the SMTP settings do not work");
                    None
                }
            });
        let push = (!config.push.disabled)
            .then(|| match push::Pusher::new(&config.push) {
                Ok(p) => Some(Arc::new(p)),
                Err(e) => {
                    tracing::error!(error = %e, "web push is off");
                    None
                }
            })
            .flatten();
        Self {
            store,
            kdf: config.kdf,
            session_ttl: config.session_ttl_seconds,
            mailer,
            push,
            read_cache: Arc::default(),
        }
    }

    /// Opens the database the settings name (SQLite in the data folder by
    /// default), brings its schema up to date, and serves the use cases on it.
    pub async fn open(config: &crate::config::Config) -> ServiceResult<Self> {
        let url =
            crate::store::DatabaseUrl::resolve(config.database_url.as_deref(), &config.data_dir)?;
        let store = crate::store::connect_sized(&url, config.db_pool_size).await?;
        Ok(Self::new(store, config))
    }

    /// Whether the database answers, for the health check.
    pub async fn ping(&self) -> ServiceResult<()> {
        Ok(self.store.ping().await?)
    }

    pub fn accounts(&self) -> Accounts<'_> {
        Accounts(self)
    }

    /// The periodic jobs: expired sessions, old attempt counts, lapsed
    /// live-stream places and submission keys older than seven days are removed,
    /// at most once an hour across all processes sharing the database (each
    /// process may ask every minute; the database lets one claim the run).
    /// Returns whether this call ran them. Failures are logged, not returned:
    /// the next run tries again.
    pub async fn housekeeping(&self, now: i64) -> bool {
        match self.store.claim_job("housekeeping", now, 3600).await {
            Ok(true) => {}
            Ok(false) => return false,
            Err(e) => {
                tracing::warn!(error = %e, "could not claim the housekeeping job");
                return false;
            }
        }
        if let Err(e) = self.store.purge_expired_sessions(now).await {
            tracing::warn!(error = %e, "could not purge expired sessions");
        }
        if let Err(e) = self.limits().purge(now).await {
            tracing::warn!(error = %e, "could not purge old attempt counts");
        }
        if let Err(e) = self.store.purge_live_streams(now).await {
            tracing::warn!(error = %e, "could not purge lapsed live streams");
        }
        if let Err(e) = self.purge_notifications(now).await {
            tracing::warn!(error = %e, "could not purge old notifications");
        }
        if let Err(e) = self
            .store
            .purge_submissions(now - records::SUBMISSION_KEEP_SECS)
            .await
        {
            tracing::warn!(error = %e, "could not purge old submission keys");
        }
        true
    }

    /// Database connections of this process: (open, idle).
    pub fn pool_use(&self) -> (u32, u32) {
        self.store.pool_use()
    }

    pub fn programmes(&self) -> Programmes<'_> {
        Programmes(self)
    }

    pub fn limits(&self) -> Limits<'_> {
        Limits(self)
    }

    pub fn records<'a>(&'a self, who: &'a Unlocked) -> Records<'a> {
        Records::new(self, who)
    }

    /// Importing an export into this account (moving between servers).
    pub fn transfer<'a>(&'a self, who: &'a Unlocked) -> transfer::Transfer<'a> {
        transfer::Transfer::new(self, who)
    }

    /// This person's API tokens.
    pub fn tokens<'a>(&'a self, who: &'a Unlocked) -> tokens::Tokens<'a> {
        tokens::Tokens::new(self, who)
    }

    pub fn summaries<'a>(&'a self, who: &'a Unlocked) -> summaries::Summaries<'a> {
        summaries::Summaries::new(self, who)
    }

    pub fn questionnaires<'a>(
        &'a self,
        who: &'a Unlocked,
        catalog: &'a tend_instruments::Catalog,
    ) -> questionnaires::Questionnaires<'a> {
        questionnaires::Questionnaires::new(self, who, catalog)
    }
}

/// Runs CPU-heavy work (Argon2) off the async executor, as many at once as
/// there are cores: more would not finish sooner, and each Argon2 run holds
/// its memory cost (19 MiB by default), so a burst of 200 sign-ins would
/// otherwise hold gigabytes at once (docs/benchmarks.md).
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> ServiceResult<T> {
    static HEAVY: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    let _permit = HEAVY
        .acquire()
        .await
        .map_err(|e| ServiceError::Store(crate::store::StoreError::Config(e.to_string())))?;
    Ok(tokio::task::spawn_blocking(f).await?)
}
