-- Notifications inside tend and the reminders each person chose (issue 13).
--
-- A notification holds no words anyone wrote: only what kind of thing
-- happened, in which circle, and where to look. Its text is made when it is
-- shown ("A post in <circle> is waiting for you"), from the kind and the
-- circle's name. So nothing here needs sealing; a person's own words stay in
-- the threads, visible only as the circle's rules allow.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- held_post | report | new_member | meeting | reply | approved
    kind TEXT NOT NULL,
    circle_id TEXT NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
    -- The post (thread or reply id) or meeting it is about, so handling a
    -- held post can clear it for every moderator at once.
    target_id TEXT NOT NULL,
    -- A path inside tend, e.g. /circles/<id>/moderation.
    link TEXT NOT NULL,
    urgent BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_by_account ON notifications(account_id, read_at, created_at);
CREATE INDEX notifications_by_target ON notifications(circle_id, target_id);

-- What each person chose: the kinds they do not want, and the reminders for
-- their calendar feed. Kept in the clear, not sealed with the person's key,
-- because the server needs them when the person is not there (someone else's
-- post makes a notification; a calendar app fetches the feed with no
-- session). They are choices and times of day, never anything written.
CREATE TABLE notification_settings (
    account_id TEXT PRIMARY KEY NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- Kinds turned off, as ",kind,kind," so one LIKE finds a kind.
    muted TEXT NOT NULL,
    -- The calendar reminders, as JSON (see domain::notifications::Reminders).
    reminders TEXT NOT NULL,
    -- An e-mail address, only from facilitators, moderators and programme
    -- leads who chose to give one, for "something needs you" messages about
    -- held risk posts. Not sealed: it is needed when someone else's post is
    -- held, with the person away. Deleted with the account.
    email TEXT,
    updated_at BIGINT NOT NULL
);
