-- A small sealed field beside a record's body, for lists that show only a
-- title (the journal list, Today): sealed under the person's data key with
-- its own label ("journal.title"), bound to the account and the record id like
-- the body. NULL until written: tend cannot fill it for existing rows here,
-- because only the owner's unlocked key can open the bodies, so the first
-- list its owner opens fills the missing ones (service/records.rs). Any change
-- to a record's body clears it in the same statement, so it is never stale.
ALTER TABLE records ADD COLUMN title BYTEA;
