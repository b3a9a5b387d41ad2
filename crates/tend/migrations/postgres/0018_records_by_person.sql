-- A record with no day stores '' instead of NULL, as on SQLite, where `day`
-- became part of the table's clustered key (see the SQLite 0018 for why), so
-- one SQL text (COALESCE on write, NULLIF on read) serves both databases and
-- "newest day first" puts day-less records last on both. PostgreSQL keeps its
-- heap table and its indexes: its pages are not the cost there.
UPDATE records SET day = '' WHERE day IS NULL;
ALTER TABLE records ALTER COLUMN day SET DEFAULT '';
ALTER TABLE records ALTER COLUMN day SET NOT NULL;

-- Every read the creation-time index served (a kind's count, the export) is
-- served by records_by_day's (account_id, kind) prefix, and SQLite's 0018
-- drops it too: one index less to write with every record.
DROP INDEX records_by_created;
