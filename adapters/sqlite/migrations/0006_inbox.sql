-- The comment relay (issue 7): conversations with customers, their comments
-- (each stored once, then relayed to a chat thread), and the team's replies
-- (published on the network exactly once, like deliveries). Comments and
-- replies are queues, as deliveries are.
CREATE TABLE conversations (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    network           TEXT    NOT NULL,
    root_remote_id    TEXT    NOT NULL,        -- the network post the comments hang on
    post_id           INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    status            TEXT    NOT NULL CHECK (status IN ('open', 'waiting', 'handled')),
    assignee_id       TEXT    NOT NULL DEFAULT '',
    assignee_name     TEXT    NOT NULL DEFAULT '',
    thread_platform   TEXT    NOT NULL DEFAULT '',
    thread_channel    TEXT    NOT NULL DEFAULT '',
    thread_id         TEXT    NOT NULL DEFAULT '', -- the chat message whose thread holds it
    opened_at         INTEGER NOT NULL,
    last_customer_at  INTEGER NOT NULL,
    first_response_at INTEGER,
    UNIQUE (network, root_remote_id)
);
CREATE INDEX conversations_thread ON conversations (thread_platform, thread_channel, thread_id);
CREATE INDEX conversations_status ON conversations (status, last_customer_at);

CREATE TABLE comments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    network         TEXT    NOT NULL,
    remote_id       TEXT    NOT NULL,
    url             TEXT    NOT NULL DEFAULT '',
    kind            TEXT    NOT NULL DEFAULT '',
    root_remote_id  TEXT    NOT NULL DEFAULT '',
    parent_id       TEXT    NOT NULL DEFAULT '',
    author_id       TEXT    NOT NULL DEFAULT '',
    author_handle   TEXT    NOT NULL DEFAULT '',
    author_name     TEXT    NOT NULL DEFAULT '',
    text            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    reply_ref       TEXT    NOT NULL DEFAULT '', -- what the network needs to answer it (Bluesky: uri and cid)
    sentiment       TEXT    NOT NULL DEFAULT 'neutral',
    stored_at       INTEGER NOT NULL,
    relay           TEXT    NOT NULL DEFAULT 'pending' CHECK (relay IN ('pending', 'relaying', 'relayed')),
    relay_at        INTEGER,                      -- when a pending comment is due to be relayed
    message_platform TEXT   NOT NULL DEFAULT '',
    message_channel TEXT    NOT NULL DEFAULT '',
    message_id      TEXT    NOT NULL DEFAULT '',
    UNIQUE (network, remote_id)
);
CREATE INDEX comments_relay ON comments (relay_at, id) WHERE relay = 'pending';
CREATE INDEX comments_conversation ON comments (conversation_id, id);

CREATE TABLE replies (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    comment_id      INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    network         TEXT    NOT NULL,
    text            TEXT    NOT NULL CHECK (length(text) > 0),
    author_id       TEXT    NOT NULL,
    author_name     TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'publishing', 'published', 'failed', 'maybe')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    remote_id       TEXT    NOT NULL DEFAULT '',
    url             TEXT    NOT NULL DEFAULT '',
    last_error      TEXT    NOT NULL DEFAULT '',
    unclear_at      INTEGER,
    last_attempt_at INTEGER,
    next_at         INTEGER,
    asked_platform  TEXT    NOT NULL DEFAULT '',
    asked_channel   TEXT    NOT NULL DEFAULT '',
    asked_thread    TEXT    NOT NULL DEFAULT '',
    asked_id        TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);
CREATE INDEX replies_next ON replies (next_at, id) WHERE status = 'pending';
-- One chat message is one reply, however often the platform delivers it.
CREATE UNIQUE INDEX replies_asked ON replies (asked_platform, asked_channel, asked_id) WHERE asked_id != '';

-- The comment a teammate chose to answer with its Reply button: their next
-- message in that thread answers it (not the thread's latest comment).
CREATE TABLE reply_choices (
    platform   TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    thread_id  TEXT    NOT NULL,
    comment_id INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    chosen_at  INTEGER NOT NULL,
    PRIMARY KEY (platform, user_id, channel, thread_id)
);

-- crier's own posts and replies, found by their id on the network: a comment
-- that is one of them is never relayed (checked for every comment read).
CREATE INDEX deliveries_remote ON deliveries (target, remote_id);
CREATE INDEX replies_remote ON replies (network, remote_id);

-- The network cursors of the relay (what was read up to), and crier-wide
-- switches such as a publishing pause.
CREATE TABLE inbox_cursors (
    network    TEXT PRIMARY KEY,
    cursor     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
