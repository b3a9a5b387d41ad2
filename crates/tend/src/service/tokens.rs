//! API tokens: a named key a second client (a phone app, a script) keeps
//! instead of the passphrase (issue 14).
//!
//! A token is a session that lasts until it is revoked: like a sign-in it
//! wraps the account's data key under a secret only the client holds, and
//! the database keeps only the hash of its id (never the token). So the same
//! rules end it as end a sign-in: revoking it, "sign out everywhere else", a
//! passphrase change or recovery, and deleting the account. Its name is
//! sealed under the data key, like every record.

use crate::domain::{Invalid, hex};
use crate::store::SessionRow;
use crate::vault::{self, SessionToken};

use super::{ServiceError, ServiceResult, Services, Unlocked};

/// What an API token starts with, so people and secret scanners can tell it
/// from a browser's session value.
pub const TOKEN_PREFIX: &str = "tend_pat_";
/// The longest name.
pub const NAME_MAX: usize = 60;
/// Tokens one account may hold at once.
pub const MAX_TOKENS: usize = 20;
/// Last use is written at most this often (seconds) per token.
pub const TOUCH_EVERY: i64 = 60;

/// The kind the sealed name is bound to (never stored as a record).
const LABEL_KIND: &str = "api-token-name";

/// A token as its owner's list shows it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenInfo {
    /// Names the token for revoking; not enough to use it.
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A new token: shown once, then only its hash is kept.
pub struct NewToken {
    pub token: String,
    pub info: TokenInfo,
}

pub struct Tokens<'a> {
    services: &'a Services,
    who: &'a Unlocked,
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The session value inside an API token, if it is one.
pub fn strip_prefix(token: &str) -> Option<&str> {
    token.strip_prefix(TOKEN_PREFIX)
}

impl<'a> Tokens<'a> {
    pub(super) fn new(services: &'a Services, who: &'a Unlocked) -> Self {
        Self { services, who }
    }

    /// Creates a token with a name the person chooses ("my phone").
    pub async fn create(&self, name: &str, now: i64) -> ServiceResult<NewToken> {
        let name = crate::domain::bounded_text("name", "The token's name", name, NAME_MAX, true)?;
        let existing = self.services.store.api_tokens(&self.who.account_id).await?;
        if existing.len() >= MAX_TOKENS {
            return Err(ServiceError::Invalid(vec![Invalid::new(
                "name",
                format!(
                    "You have {MAX_TOKENS} tokens already, the most an account can hold. Revoke one you no longer use first."
                ),
            )]));
        }
        let token = SessionToken::generate();
        let id_hash = token.lookup_hash();
        let wrapped = vault::wrap_with_session(&token, &self.who.key)?;
        let label = vault::seal_record(
            &self.who.key,
            &self.who.account_id,
            &hex(&id_hash),
            LABEL_KIND,
            name.as_bytes(),
        )?;
        self.services
            .store
            .create_api_token(
                &SessionRow {
                    id_hash: id_hash.clone(),
                    account_id: self.who.account_id.clone(),
                    wrapped_key: wrapped.0,
                    created_at: now,
                    // Until revoked: the sweep of expired sessions never takes it.
                    expires_at: i64::MAX,
                },
                &label,
            )
            .await?;
        Ok(NewToken {
            token: format!("{TOKEN_PREFIX}{}", token.encode()),
            info: TokenInfo {
                id: hex(&id_hash),
                name,
                created_at: now,
                last_used_at: None,
            },
        })
    }

    /// This person's tokens, oldest first. A name that does not open (it
    /// never should) is shown as "(unnamed)" rather than hiding the token.
    pub async fn list(&self) -> ServiceResult<Vec<TokenInfo>> {
        let rows = self.services.store.api_tokens(&self.who.account_id).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let id = hex(&r.id_hash);
                let name = vault::open_record(
                    &self.who.key,
                    &self.who.account_id,
                    &id,
                    LABEL_KIND,
                    &r.label,
                )
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_else(|| "(unnamed)".to_owned());
                TokenInfo {
                    id,
                    name,
                    created_at: r.created_at,
                    last_used_at: r.last_used_at,
                }
            })
            .collect())
    }

    /// Revokes one of this person's tokens: clients holding it are refused
    /// from the next request on. `NotFound` for an unknown id.
    pub async fn revoke(&self, id: &str) -> ServiceResult<()> {
        let Some(id_hash) = unhex(id.trim()) else {
            return Err(ServiceError::NotFound);
        };
        if self
            .services
            .store
            .revoke_api_token(&self.who.account_id, &id_hash)
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }
}
