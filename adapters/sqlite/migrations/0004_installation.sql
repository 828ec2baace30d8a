-- This database's installation id: random, made once with the database. It
-- is part of every idempotency key, so two crier installations (staging and
-- production, or a restored backup) posting to the same account never derive
-- the same key, and so never the same Bluesky record key, for their post #1.
-- One row, written by crier right after the migrations (and anew in a backup).
CREATE TABLE installation (
    one        INTEGER PRIMARY KEY CHECK (one = 1),
    id         TEXT    NOT NULL CHECK (length(id) > 0),
    created_at INTEGER NOT NULL
);

-- Signed chat requests already served (Slack and Discord signatures), kept
-- until their signature expires so a replay is refused even after a restart.
CREATE TABLE seen_requests (
    platform   TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (platform, key)
);
CREATE INDEX seen_requests_expires ON seen_requests (expires_at);
