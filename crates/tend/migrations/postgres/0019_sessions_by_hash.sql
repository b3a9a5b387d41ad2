-- The session carries its account's handle, copied when it is made, so
-- finding a session no longer reads `accounts` (issue 11; on SQLite, 0019 also
-- clusters the table on the hash). A handle never changes: nothing updates
-- `accounts.handle`. The column may be NULL: a tend process still running the
-- previous version during a rolling upgrade makes sessions without it, and
-- the lookup then reads the handle from `accounts` (`ACTIVE_SESSION_SQL`).
ALTER TABLE sessions ADD COLUMN handle TEXT;
UPDATE sessions SET handle = (SELECT a.handle FROM accounts a WHERE a.id = sessions.account_id);
