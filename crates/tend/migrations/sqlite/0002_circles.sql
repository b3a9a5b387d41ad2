-- Peer support: circles, their members, invites, meetings, threads, replies,
-- reports and the moderation log. This is shared content, shown only to a
-- circle's members; nothing here comes from a person's sealed records.
-- Flags are BIGINT 0/1 so both backends run the same SQL text.

-- Server-wide roles, granted only by `tend admin grant-role`.
CREATE TABLE server_roles (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    PRIMARY KEY (account_id, role)
);

CREATE TABLE circles (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    guidelines TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- A membership is the identity a person has in one circle: posts point at it,
-- not at the account, so leaving (deleting the row) leaves "a former member".
CREATE TABLE memberships (
    id TEXT PRIMARY KEY NOT NULL,
    circle_id TEXT NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    pseudonym TEXT NOT NULL,
    joined_at BIGINT NOT NULL,
    suspended_until BIGINT
);
CREATE UNIQUE INDEX memberships_one_per_circle ON memberships(circle_id, account_id);
CREATE UNIQUE INDEX memberships_pseudonym ON memberships(circle_id, pseudonym);
CREATE INDEX memberships_by_account ON memberships(account_id);

CREATE TABLE invites (
    code TEXT PRIMARY KEY NOT NULL,
    circle_id TEXT NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    max_uses BIGINT,
    uses BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX invites_by_circle ON invites(circle_id);

-- `starts_local` is the wall-clock start in `time_zone` (YYYY-MM-DDTHH:MM):
-- weekly meetings keep their local time across daylight-saving changes.
CREATE TABLE meetings (
    id TEXT PRIMARY KEY NOT NULL,
    circle_id TEXT NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    starts_local TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    weekly BIGINT NOT NULL,
    duration_minutes BIGINT NOT NULL,
    video_link TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX meetings_by_circle ON meetings(circle_id);

-- status: visible | held (risk language or pre-moderation) | hidden | removed | deleted
CREATE TABLE threads (
    id TEXT PRIMARY KEY NOT NULL,
    circle_id TEXT NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
    author_id TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    urgent BIGINT NOT NULL,
    locked BIGINT NOT NULL,
    reply_count BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_activity BIGINT NOT NULL
);
CREATE INDEX threads_by_circle ON threads(circle_id, last_activity);

CREATE TABLE replies (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    thread_id TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    circle_id TEXT NOT NULL,
    author_id TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    urgent BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX replies_by_thread ON replies(thread_id, seq);
CREATE INDEX replies_by_circle_status ON replies(circle_id, status);

CREATE TABLE reports (
    id TEXT PRIMARY KEY NOT NULL,
    circle_id TEXT NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    reporter_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE INDEX reports_open ON reports(circle_id, resolved_at);

CREATE TABLE moderation_log (
    id TEXT PRIMARY KEY NOT NULL,
    circle_id TEXT NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX moderation_log_by_circle ON moderation_log(circle_id, created_at);

-- One secret calendar link per account; only its hash is kept.
CREATE TABLE calendar_feeds (
    token_hash TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL UNIQUE REFERENCES accounts(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);

-- The discussions under Learn articles live in one built-in circle that every
-- signed-in person can reply in; its moderators are granted like any other.
INSERT INTO circles (id, name, description, guidelines, created_at)
VALUES ('learn', 'Learn discussions', 'Replies under the Learn articles.', 'Be kind. Speak from your own experience. No advice about medication or diagnosis.', 0);
