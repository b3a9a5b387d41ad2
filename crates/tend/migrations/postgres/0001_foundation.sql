-- Accounts are anonymous: a handle and key material, nothing else in the clear.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    handle TEXT NOT NULL UNIQUE,
    passphrase_hash TEXT NOT NULL,
    passphrase_salt BYTEA NOT NULL,
    key_by_passphrase BYTEA NOT NULL,
    recovery_salt BYTEA NOT NULL,
    key_by_recovery BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- Only a hash of the session id is kept; the key wrapped here opens only with
-- the secret in the person's cookie.
CREATE TABLE sessions (
    id_hash BYTEA PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    wrapped_key BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_account ON sessions(account_id);
CREATE INDEX sessions_by_expiry ON sessions(expires_at);

-- Every personal record, of every kind, sealed. `day` and `slot` are the only
-- plaintext a query needs: `slot` makes "one per day" kinds unique.
CREATE TABLE records (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    day TEXT,
    slot TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    sealed BYTEA NOT NULL
);
CREATE INDEX records_by_created ON records(account_id, kind, created_at);
CREATE INDEX records_by_day ON records(account_id, kind, day);
CREATE UNIQUE INDEX records_one_per_slot ON records(account_id, kind, slot);
