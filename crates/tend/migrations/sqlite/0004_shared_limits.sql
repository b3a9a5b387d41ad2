-- Limits and periodic jobs shared by every tend process on this database
-- (issue 18): counts live here, not in a process's memory.

-- Attempts per key in a fixed window. The key is a SHA-256 of the limit's name
-- and its subject (a client address, a handle), so neither is stored readable.
CREATE TABLE attempt_counts (
    key_hash BLOB PRIMARY KEY,
    window_start BIGINT NOT NULL,
    count BIGINT NOT NULL
);
CREATE INDEX attempt_counts_by_window ON attempt_counts(window_start);

-- When each periodic job last ran, so one process runs it per interval.
CREATE TABLE job_runs (
    name TEXT PRIMARY KEY,
    last_run BIGINT NOT NULL
);
