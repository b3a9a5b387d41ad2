-- Web Push (issue 13): a person's devices that asked for push notifications,
-- and the server's one VAPID key pair (RFC 8292).
--
-- The key pair lives here, not in a file, so every tend process that shares
-- the database signs with the same key: browsers tie a subscription to the
-- public key they were given, and any process may be the one that sends.
-- The first process that needs it makes it (INSERT .. ON CONFLICT DO
-- NOTHING, then everyone reads the row that won). It is not sealed: the
-- server must sign when nobody is signed in. Whoever holds a copy of the
-- database could send pushes to these devices as this server; the payload
-- tend sends never says anything personal, so neither could they learn
-- anything from the devices.
CREATE TABLE push_keys (
    id TEXT PRIMARY KEY NOT NULL,
    -- The P-256 private scalar, 32 bytes.
    private_key BLOB NOT NULL,
    -- The public key as browsers take it (applicationServerKey): the
    -- uncompressed point, base64url without padding.
    public_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One row per browser that subscribed (RFC 8030 push resource + RFC 8291
-- keys). The endpoint is the browser vendor's URL for that browser; it is
-- unique, so a browser that subscribes again (or for a different account on
-- a shared computer) replaces its old row. Not sealed: tend sends when the
-- person is away. Nothing here is anything the person wrote.
CREATE TABLE push_subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL UNIQUE,
    -- The browser's P-256 public key and auth secret, base64url, as the
    -- browser's PushSubscription.toJSON() gives them.
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    -- The device's IANA time zone when it subscribed, so quiet hours hold in
    -- the person's own time (an IANA zone name).
    time_zone TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- When the push service last accepted a message for it.
    last_sent_at BIGINT
);
CREATE INDEX push_subscriptions_by_account ON push_subscriptions(account_id);
