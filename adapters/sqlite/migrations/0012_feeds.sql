-- Calendar feeds (issue 10): the tokens of GET /calendar.ics?token=…, one row
-- per token a person made with /calendar link. Only the token's SHA-256 (hex)
-- is kept, never the token; /calendar revoke deletes the person's rows.
-- created_at is INTEGER unix milliseconds, UTC.
CREATE TABLE feed_tokens (
    hash       TEXT    PRIMARY KEY CHECK (length(hash) = 64),
    platform   TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    user_name  TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX feed_tokens_person ON feed_tokens (platform, user_id);
