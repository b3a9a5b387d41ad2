-- The session carries its account's handle, copied when it is made, so
-- finding a session no longer reads `accounts` (issue 11; SQLite's 0019 also
-- clusters the table on the hash). A handle never changes: nothing updates
-- `accounts.handle`. The same SQL text serves both databases.
ALTER TABLE sessions ADD COLUMN handle TEXT;
UPDATE sessions SET handle = (SELECT a.handle FROM accounts a WHERE a.id = sessions.account_id);
ALTER TABLE sessions ALTER COLUMN handle SET NOT NULL;
