-- A person's records, stored in the order their pages read them (issue 11).
--
-- Until now `records` was a rowid table: rows sat in the order they were
-- written, so a person's week of check-ins, written a day apart among
-- everyone else's, lay on as many pages as days, and every row found through
-- the (account_id, kind, day) index cost one more search of the table. Today
-- read a dozen such rows, and its time grew with the size of the database.
--
-- Now the table is clustered on (account_id, kind, day, created_at, id)
-- (WITHOUT ROWID): a person's records of one kind, by day, are neighbours on
-- one or two pages, and a ranged read is one search and a short walk in key
-- order, which is also the order the pages list them in, so nothing is
-- sorted. The same key serves "newest first" and the count by kind.
--
-- A key column may not be NULL in a WITHOUT ROWID table, so a record with no
-- day (a profile, a safety plan) stores '' here; every statement writes
-- COALESCE(day, '') and reads NULLIF(day, ''), so callers still see None.
-- PostgreSQL stores the same '' (its 0018), so one SQL text serves both.
--
-- The index by creation time is gone: the key covers every read it served.
-- `id` stays unique (by-id reads, the upsert's conflict target).
CREATE TABLE records_by_person (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    day TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    id TEXT NOT NULL,
    slot TEXT,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    title BLOB,
    sealed BLOB NOT NULL,
    PRIMARY KEY (account_id, kind, day, created_at, id)
) WITHOUT ROWID;

INSERT INTO records_by_person (account_id, kind, day, created_at, id, slot, updated_at, version, title, sealed)
SELECT account_id, kind, COALESCE(day, ''), created_at, id, slot, updated_at, version, title, sealed
FROM records;

DROP TABLE records;
ALTER TABLE records_by_person RENAME TO records;

CREATE UNIQUE INDEX records_by_id ON records(id);
CREATE UNIQUE INDEX records_one_per_slot ON records(account_id, kind, slot);
