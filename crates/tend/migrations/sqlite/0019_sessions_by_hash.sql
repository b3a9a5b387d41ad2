-- Every signed-in page starts by finding its session (issue 11). Until now
-- that was four searches: the session's hash in the automatic index of
-- `sessions`, the row in the table, the account's id in the automatic index
-- of `accounts`, and the row there, for the handle shown on every page. Under
-- load each of the four landed on a page the read connection had to fetch,
-- and together they were about a tenth of Today's CPU.
--
-- Now `sessions` is clustered on the hash (WITHOUT ROWID): one search finds
-- the row. It carries the account's handle, copied when the session is made
-- (a handle never changes: nothing updates `accounts.handle`), so the lookup
-- no longer reads `accounts`. The column may be NULL: a tend process still
-- running the previous version beside one that ran this migration makes
-- sessions without it, and the lookup then reads the handle from `accounts`
-- (`ACTIVE_SESSION_SQL`), so nobody's sign-in fails during an upgrade. A
-- session still goes with its account (ON DELETE CASCADE). Nothing refers to
-- `sessions`, so dropping the old table takes nothing with it.
CREATE TABLE sessions_by_hash (
    id_hash BLOB PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    handle TEXT,
    wrapped_key BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    label BLOB,
    last_used_at BIGINT
) WITHOUT ROWID;

INSERT INTO sessions_by_hash (id_hash, account_id, handle, wrapped_key, created_at, expires_at, label, last_used_at)
SELECT s.id_hash, s.account_id, a.handle, s.wrapped_key, s.created_at, s.expires_at, s.label, s.last_used_at
FROM sessions s JOIN accounts a ON a.id = s.account_id;

DROP TABLE sessions;
ALTER TABLE sessions_by_hash RENAME TO sessions;

CREATE INDEX sessions_by_account ON sessions(account_id);
CREATE INDEX sessions_by_expiry ON sessions(expires_at);
