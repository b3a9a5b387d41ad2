-- Live reply streams open now, so a per-account cap holds across every tend
-- process on this database (issue 18). A row is removed when its stream ends;
-- one left by a process that stopped abruptly lapses at expires_at (the
-- stream's longest life and a minute), so nobody is shut out for long.
CREATE TABLE live_streams (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX live_streams_by_account ON live_streams(account_id, expires_at);
CREATE INDEX live_streams_by_expiry ON live_streams(expires_at);
