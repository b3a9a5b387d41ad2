-- API tokens (issue 14): a named, long-lived session a second client holds
-- instead of the passphrase. They live in `sessions` so every check that
-- already asks "is this session still valid" (sign-out everywhere, passphrase
-- change, account deletion, live streams) covers them too. `label` is the
-- token's name, sealed under the account's data key like any record (a
-- non-null label marks the row as a token); `last_used_at` is NULL until first use.
ALTER TABLE sessions ADD COLUMN label BLOB;
ALTER TABLE sessions ADD COLUMN last_used_at BIGINT;
