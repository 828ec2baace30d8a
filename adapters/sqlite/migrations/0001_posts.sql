-- Posts and their deliveries. Instants are INTEGER unix milliseconds, UTC.
CREATE TABLE posts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    text            TEXT    NOT NULL CHECK (length(text) > 0),
    status          TEXT    NOT NULL CHECK (status IN ('draft', 'scheduled', 'published', 'partial', 'failed', 'canceled')),
    due_at          INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    author_id       TEXT    NOT NULL,
    author_name     TEXT    NOT NULL,
    origin_platform TEXT    NOT NULL,
    origin_channel  TEXT    NOT NULL,
    origin_thread   TEXT    NOT NULL DEFAULT '',
    targets         TEXT    NOT NULL -- JSON array of network names
);
CREATE INDEX posts_status_due ON posts (status, due_at);

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id         INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    target          TEXT    NOT NULL,
    occurrence      INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT    NOT NULL UNIQUE,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'publishing', 'published', 'failed', 'maybe', 'canceled')),
    due_at          INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    remote_id       TEXT    NOT NULL DEFAULT '',
    url             TEXT    NOT NULL DEFAULT '',
    last_error      TEXT    NOT NULL DEFAULT '',
    started_at      INTEGER,
    published_at    INTEGER,
    job_id          INTEGER,
    UNIQUE (post_id, target, occurrence)
);
CREATE INDEX deliveries_post ON deliveries (post_id);
CREATE INDEX deliveries_status_due ON deliveries (status, due_at);
