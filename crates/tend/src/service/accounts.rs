use crate::domain::Kind;
use crate::domain::account::{Handle, Passphrase};
use crate::domain::profile::Profile;
use crate::store::{AccountRow, SessionRow};
use crate::vault::{
    self, DataKey, KdfParams, PassphraseHash, RecoveryCode, SessionToken, WrappedKey,
};

use super::{Limit, ServiceError, ServiceResult, Services, blocking};

/// A signed-in person: who they are, and their data key, unwrapped for this request only.
pub struct Unlocked {
    pub account_id: String,
    pub handle: String,
    pub key: DataKey,
    /// Hash of the session id, to end this session or keep it while ending others.
    pub session_hash: Vec<u8>,
    /// The anti-forgery token forms must send back.
    pub csrf: String,
    /// The profile, read at most once per request (several parts of a page need
    /// the person's time zone).
    pub(super) profile: tokio::sync::OnceCell<Profile>,
    /// Unread notifications when the request began, for the navigation.
    pub unread: i64,
    /// The account's records count when the request began (migration
    /// 0020), for `read_cache`; `None` where it was not read.
    pub records_gen: Option<i64>,
}

impl Unlocked {
    /// The profile if it came with the session (it does for every account
    /// with one), for page parts that cannot wait on a read, such as the
    /// crisis box's choice of country.
    pub fn loaded_profile(&self) -> Option<&Profile> {
        self.profile.get()
    }
}

impl std::fmt::Debug for Unlocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unlocked")
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

/// What sign-up hands back once: a session and the recovery code.
pub struct NewAccount {
    pub token: SessionToken,
    pub recovery_code: RecoveryCode,
    pub handle: String,
}

pub struct Credentials<'a> {
    pub handle: &'a str,
    pub passphrase: &'a str,
}

pub struct Accounts<'a>(pub(super) &'a Services);

/// Key material for one account, built off the executor.
struct Sealed {
    hash: PassphraseHash,
    pass_salt: Vec<u8>,
    by_pass: WrappedKey,
    rec_salt: Vec<u8>,
    by_rec: WrappedKey,
}

fn seal_account(
    kdf: KdfParams,
    account_id: &str,
    passphrase: &str,
    code: &RecoveryCode,
    key: &DataKey,
) -> ServiceResult<Sealed> {
    let hash = vault::hash_passphrase(kdf, passphrase)?;
    let (pass_salt, by_pass) = vault::wrap_with_passphrase(kdf, account_id, passphrase, key)?;
    let (rec_salt, by_rec) = vault::wrap_with_recovery(kdf, account_id, code, key)?;
    Ok(Sealed {
        hash,
        pass_salt,
        by_pass,
        rec_salt,
        by_rec,
    })
}

impl Accounts<'_> {
    async fn start_session(
        &self,
        account_id: &str,
        key: &DataKey,
        now: i64,
    ) -> ServiceResult<SessionToken> {
        let token = SessionToken::generate();
        let wrapped = vault::wrap_with_session(&token, key)?;
        self.0
            .store
            .create_session(&SessionRow {
                id_hash: token.lookup_hash(),
                account_id: account_id.to_owned(),
                wrapped_key: wrapped.0,
                created_at: now,
                expires_at: now + self.0.session_ttl,
            })
            .await?;
        Ok(token)
    }

    /// Creates an account with its first session and its sealed profile.
    pub async fn sign_up(
        &self,
        handle: &str,
        passphrase: &str,
        time_zone: &str,
        now: i64,
    ) -> ServiceResult<NewAccount> {
        let mut problems = Vec::new();
        let handle = Handle::parse(handle).map_err(|e| problems.push(e)).ok();
        let passphrase = Passphrase::parse(passphrase)
            .map_err(|e| problems.push(e))
            .ok();
        let time_zone = Profile::parse_time_zone(time_zone)
            .map_err(|e| problems.push(e))
            .ok();
        let (Some(handle), Some(passphrase), Some(time_zone)) = (handle, passphrase, time_zone)
        else {
            return Err(ServiceError::Invalid(problems));
        };
        if self
            .0
            .store
            .account_by_handle(handle.as_str())
            .await?
            .is_some()
        {
            return Err(ServiceError::HandleTaken);
        }
        let account_id = uuid::Uuid::new_v4().to_string();
        let kdf = self.0.kdf;
        let id = account_id.clone();
        let (key, code, sealed) = blocking(move || {
            let key = DataKey::generate();
            let code = RecoveryCode::generate();
            let sealed = seal_account(kdf, &id, passphrase.expose(), &code, &key);
            sealed.map(|s| (key, code, s))
        })
        .await??;
        self.0
            .store
            .create_account(&AccountRow {
                id: account_id.clone(),
                handle: handle.as_str().to_owned(),
                passphrase_hash: sealed.hash.0,
                passphrase_salt: sealed.pass_salt,
                key_by_passphrase: sealed.by_pass.0,
                recovery_salt: sealed.rec_salt,
                key_by_recovery: sealed.by_rec.0,
                created_at: now,
            })
            .await
            .map_err(|e| match e {
                crate::store::StoreError::Conflict => ServiceError::HandleTaken,
                e => e.into(),
            })?;
        let token = self.start_session(&account_id, &key, now).await?;
        let who = Unlocked {
            account_id,
            handle: handle.as_str().to_owned(),
            key,
            session_hash: token.lookup_hash(),
            csrf: token.csrf_token(),
            profile: tokio::sync::OnceCell::new(),
            unread: 0,
            records_gen: None,
        };
        self.0
            .records(&who)
            .put_slot(
                "profile",
                None,
                Profile {
                    time_zone,
                    country: None,
                },
                now,
            )
            .await?;
        Ok(NewAccount {
            token,
            recovery_code: code,
            handle: who.handle,
        })
    }

    /// Checks the passphrase and unwraps the data key. Unknown handles cost the
    /// same Argon2 work as known ones, so timing does not reveal which exist.
    async fn unlock_with_passphrase(
        &self,
        handle: &str,
        passphrase: &str,
    ) -> ServiceResult<(AccountRow, DataKey)> {
        let folded = handle.trim().to_lowercase();
        let account = self.0.store.account_by_handle(&folded).await?;
        let kdf = self.0.kdf;
        let passphrase = passphrase.to_owned();
        let Some(account) = account else {
            blocking(move || vault::hash_passphrase(kdf, &passphrase)).await??;
            return Err(ServiceError::BadCredentials);
        };
        let acct = account.clone();
        let key = blocking(move || {
            if !vault::verify_passphrase(&PassphraseHash(acct.passphrase_hash.clone()), &passphrase)
            {
                return None;
            }
            vault::unwrap_with_passphrase(
                kdf,
                &acct.id,
                &passphrase,
                &acct.passphrase_salt,
                &WrappedKey(acct.key_by_passphrase.clone()),
            )
            .ok()
        })
        .await?
        .ok_or(ServiceError::BadCredentials)?;
        Ok((account, key))
    }

    /// Signs in. Wrong passphrases for one handle are limited across every
    /// address and process ([`Limit::SignInFailures`]).
    pub async fn sign_in(&self, c: Credentials<'_>, now: i64) -> ServiceResult<SessionToken> {
        let folded = c.handle.trim().to_lowercase();
        self.0
            .limits()
            .guard_failures(Limit::SignInFailures, &folded, now, async {
                let (account, key) = self.unlock_with_passphrase(c.handle, c.passphrase).await?;
                self.start_session(&account.id, &key, now).await
            })
            .await
    }

    /// Resolves a cookie or bearer value to a signed-in person, or `None` when
    /// the session is unknown, expired, or its secret does not fit.
    pub async fn authenticate(&self, token: &str, now: i64) -> ServiceResult<Option<Unlocked>> {
        let api_token = super::tokens::strip_prefix(token);
        let Some(token) = SessionToken::parse(api_token.unwrap_or(token)) else {
            return Ok(None);
        };
        let hash = token.lookup_hash();
        let Some(session) = self.0.store.active_session(&hash, now).await? else {
            return Ok(None);
        };
        if api_token.is_some() {
            // "Last used" on the account page; written at most once a minute.
            self.0
                .store
                .touch_api_token(&hash, now, super::tokens::TOUCH_EVERY)
                .await?;
        }
        let Ok(key) = vault::unwrap_with_session(&token, &WrappedKey(session.wrapped_key)) else {
            return Ok(None);
        };
        // The profile came with the session; open it now so pages need not ask
        // again. A profile that does not open is simply left for a later read.
        let profile = tokio::sync::OnceCell::new();
        if let (Some(id), Some(sealed)) = (&session.profile_id, &session.profile_sealed) {
            let opened = vault::open_record(&key, &session.account_id, id, Profile::KIND, sealed)
                .ok()
                .and_then(|json| serde_json::from_slice::<Profile>(&json).ok());
            if let Some(p) = opened {
                let _ = profile.set(p);
            }
        }
        Ok(Some(Unlocked {
            account_id: session.account_id,
            handle: session.handle,
            key,
            session_hash: hash,
            csrf: token.csrf_token(),
            profile,
            unread: session.unread,
            records_gen: Some(session.records_gen),
        }))
    }

    /// Ends this session; the push devices it turned on stop getting pushes
    /// (the browser also unsubscribes itself, see static/sw.js).
    pub async fn sign_out(&self, who: &Unlocked) -> ServiceResult<()> {
        self.0
            .store
            .forget_push_of_session(&who.session_hash)
            .await?;
        self.0.store.delete_session(&who.session_hash).await?;
        Ok(())
    }

    /// Removes sessions that expired before `now` (they are already refused).
    pub async fn purge_expired_sessions(&self, now: i64) -> ServiceResult<()> {
        self.0.store.purge_expired_sessions(now).await?;
        Ok(())
    }

    /// Ends every session of this account except the one making the request
    /// ("sign out everywhere else").
    /// Their push devices go too, except those this session turned on.
    pub async fn sign_out_elsewhere(&self, who: &Unlocked) -> ServiceResult<()> {
        self.0
            .store
            .forget_push_of_account(&who.account_id, Some(&who.session_hash))
            .await?;
        self.0
            .store
            .delete_sessions_of(&who.account_id, Some(&who.session_hash))
            .await?;
        Ok(())
    }

    /// Re-wraps the data key under a new passphrase and ends every other session.
    pub async fn change_passphrase(
        &self,
        who: &Unlocked,
        current: &str,
        new: &str,
    ) -> ServiceResult<()> {
        let new = Passphrase::parse(new).map_err(|mut e| {
            e.field = "new_passphrase";
            e
        })?;
        let (mut account, key) = self
            .unlock_with_passphrase(&who.handle, current)
            .await
            .map_err(|e| match e {
                ServiceError::BadCredentials => {
                    ServiceError::Invalid(vec![crate::domain::Invalid::new(
                        "current_passphrase",
                        "That isn't your current passphrase.",
                    )])
                }
                e => e,
            })?;
        let kdf = self.0.kdf;
        let id = account.id.clone();
        let (hash, salt, wrapped) = blocking(move || -> ServiceResult<_> {
            let hash = vault::hash_passphrase(kdf, new.expose())?;
            let (salt, wrapped) = vault::wrap_with_passphrase(kdf, &id, new.expose(), &key)?;
            Ok((hash, salt, wrapped))
        })
        .await??;
        account.passphrase_hash = hash.0;
        account.passphrase_salt = salt;
        account.key_by_passphrase = wrapped.0;
        self.0.store.update_account_keys(&account).await?;
        self.0
            .store
            .forget_push_of_account(&account.id, Some(&who.session_hash))
            .await?;
        self.0
            .store
            .delete_sessions_of(&account.id, Some(&who.session_hash))
            .await?;
        Ok(())
    }

    /// Sets a new passphrase with the recovery code. The used code is replaced by
    /// a fresh one (shown once, like the first), and every old session ends.
    /// Wrong codes for one handle are limited like wrong passphrases.
    pub async fn recover(
        &self,
        handle: &str,
        code: &str,
        new: &str,
        now: i64,
    ) -> ServiceResult<NewAccount> {
        let folded = handle.trim().to_lowercase();
        self.0
            .limits()
            .guard_failures(
                Limit::RecoveryFailures,
                &folded,
                now,
                self.recover_unlimited(handle, code, new, now),
            )
            .await
    }

    async fn recover_unlimited(
        &self,
        handle: &str,
        code: &str,
        new: &str,
        now: i64,
    ) -> ServiceResult<NewAccount> {
        let mut problems = Vec::new();
        let code = RecoveryCode::parse(code);
        if code.is_none() {
            problems.push(crate::domain::Invalid::new(
                "recovery_code",
                "A recovery code is 25 letters and digits, like 7KQ2M-0XH4T-….",
            ));
        }
        let new = Passphrase::parse(new).map_err(|mut e| {
            e.field = "new_passphrase";
            problems.push(e)
        });
        let (Some(code), Ok(new)) = (code, new) else {
            return Err(ServiceError::Invalid(problems));
        };
        let folded = handle.trim().to_lowercase();
        let kdf = self.0.kdf;
        let Some(mut account) = self.0.store.account_by_handle(&folded).await? else {
            blocking(move || vault::hash_passphrase(kdf, "equal work")).await??;
            return Err(ServiceError::BadCredentials);
        };
        let acct = account.clone();
        let (key, fresh, sealed) = blocking(move || -> ServiceResult<_> {
            let key = vault::unwrap_with_recovery(
                kdf,
                &acct.id,
                &code,
                &acct.recovery_salt,
                &WrappedKey(acct.key_by_recovery.clone()),
            )
            .map_err(|_| ServiceError::BadCredentials)?;
            let fresh = RecoveryCode::generate();
            let sealed = seal_account(kdf, &acct.id, new.expose(), &fresh, &key)?;
            Ok((key, fresh, sealed))
        })
        .await??;
        account.passphrase_hash = sealed.hash.0;
        account.passphrase_salt = sealed.pass_salt;
        account.key_by_passphrase = sealed.by_pass.0;
        account.recovery_salt = sealed.rec_salt;
        account.key_by_recovery = sealed.by_rec.0;
        self.0.store.update_account_keys(&account).await?;
        self.0
            .store
            .forget_push_of_account(&account.id, None)
            .await?;
        self.0.store.delete_sessions_of(&account.id, None).await?;
        let token = self.start_session(&account.id, &key, now).await?;
        Ok(NewAccount {
            token,
            recovery_code: fresh,
            handle: account.handle,
        })
    }

    /// Deletes the account and everything in it, after checking the passphrase.
    pub async fn delete(&self, who: &Unlocked, passphrase: &str) -> ServiceResult<()> {
        self.unlock_with_passphrase(&who.handle, passphrase)
            .await
            .map_err(|e| match e {
                ServiceError::BadCredentials => {
                    ServiceError::Invalid(vec![crate::domain::Invalid::new(
                        "passphrase",
                        "That isn't your passphrase, so nothing was deleted.",
                    )])
                }
                e => e,
            })?;
        // Programme insight: take this person's contributions out of the totals.
        self.0.programmes().withdraw_for_deletion(who).await?;
        self.0.store.delete_account(&who.account_id).await?;
        self.0.read_cache.forget(&who.account_id);
        Ok(())
    }
}
