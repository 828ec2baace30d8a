-- Recurring posts (issue 10): a series is a rule and the post each
-- occurrence copies; each occurrence is a post of its own that names its
-- series and its number in it. Instants are INTEGER unix milliseconds, UTC.
CREATE TABLE series (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    rule       TEXT    NOT NULL, -- RFC 5545 RRULE with its DTSTART
    timezone   TEXT    NOT NULL, -- IANA zone the rule is computed in
    template   TEXT    NOT NULL, -- JSON: the post every occurrence copies
    status     TEXT    NOT NULL CHECK (status IN ('active', 'ended', 'canceled')),
    made       INTEGER NOT NULL DEFAULT 0,
    last_at    INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX series_status ON series (status);

ALTER TABLE posts ADD COLUMN series_id INTEGER REFERENCES series (id);
ALTER TABLE posts ADD COLUMN occurrence_no INTEGER;
CREATE UNIQUE INDEX posts_series_occurrence ON posts (series_id, occurrence_no) WHERE series_id IS NOT NULL;
