#!/usr/bin/env bash
# A preparation step for bench/ab.sh (TEND_AB_PREPARE): turns side A's copy
# of the database back into the layout before migration 0018 (records as a
# rowid table, rows in arrival order, NULL for no day, migration 18 not
# applied), so a binary built before 0018 can serve it beside a current one
# on side B. Both copies are VACUUMed, so neither has a head start.
#
#   TEND_A=OLD_BINARY TEND_B=target/release/tend TEND_AB_PREPARE=bench/rowid-records.sh \
#     bench/ab.sh 4 5 200 365
#
# Needs the sqlite3 command (apt-get install -y sqlite3).
set -euo pipefail
side=$1
db="$2/tend.db"
if [ "$side" = a ]; then
  sqlite3 "$db" <<'SQL'
BEGIN;
CREATE TABLE records_old (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    day TEXT,
    slot TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    sealed BLOB NOT NULL,
    title BLOB
);
INSERT INTO records_old (id, account_id, kind, day, slot, created_at, updated_at, version, sealed, title)
  SELECT id, account_id, kind, NULLIF(day, ''), slot, created_at, updated_at, version, sealed, title
  FROM records ORDER BY created_at, account_id, kind;
DROP TABLE records;
ALTER TABLE records_old RENAME TO records;
CREATE INDEX records_by_created ON records(account_id, kind, created_at);
CREATE INDEX records_by_day ON records(account_id, kind, day);
CREATE UNIQUE INDEX records_one_per_slot ON records(account_id, kind, slot);
DELETE FROM _sqlx_migrations WHERE version = 18;
COMMIT;
SQL
fi
sqlite3 "$db" 'VACUUM;'
