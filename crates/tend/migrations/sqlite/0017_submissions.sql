-- Exactly-once creation (issue 13, the offline queue): a form that creates a
-- record carries a fresh random submission id, and an API call may carry an
-- Idempotency-Key. The first request with it stores here, in the same
-- transaction as the record, the account, a tag of the id with the kind of
-- record and the words (an HMAC under the person's data key, so nothing here
-- can be tested against a guess of what was written) and the id of the
-- record it created; a repeat creates nothing and is answered with that
-- record. Rows are forgotten after seven days by the housekeeping job and go
-- with the account.
CREATE TABLE submissions (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    key_hash   BLOB NOT NULL,
    record_id  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, key_hash)
);
CREATE INDEX submissions_created ON submissions (created_at);
