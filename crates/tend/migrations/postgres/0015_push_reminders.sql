-- Web Push, part two (issue 13): reminders a person chose to have pushed to
-- one device, pushes held back by quiet hours, and which sign-in turned push
-- on (so signing out there turns it off).
--
-- Which of the person's reminders come to this device as a push, as a list
-- like ',checkin,practice,' (',' for none). The reminder times themselves
-- are the ones in notification_settings; the device's zone is time_zone.
-- Times of day, a zone and names of kinds: nothing the person wrote.
ALTER TABLE push_subscriptions ADD COLUMN reminder_kinds TEXT NOT NULL DEFAULT ',';
-- The time (unix seconds) of the latest reminder sent to this device, or of
-- the moment the choice was saved. A reminder goes only if it is later than
-- this, set by one conditional UPDATE, so it goes once across processes.
ALTER TABLE push_subscriptions ADD COLUMN reminded_at BIGINT;
-- The hash of the session that turned push on (sessions.id_hash).
ALTER TABLE push_subscriptions ADD COLUMN session_hash BYTEA;
CREATE INDEX push_subscriptions_by_session ON push_subscriptions(session_hash);

-- A push that fell in the device's quiet hours waits here until they end;
-- one row per device and kind, so several collapse into one. Any process
-- may send it: the one whose DELETE .. RETURNING takes the row.
CREATE TABLE push_pending (
    subscription_id TEXT NOT NULL REFERENCES push_subscriptions(id) ON DELETE CASCADE ON UPDATE CASCADE,
    kind TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, kind)
);
CREATE INDEX push_pending_by_due ON push_pending(due_at);
