-- The numbers the daily digest reads (issue 8). Instants are INTEGER unix
-- milliseconds, UTC; a day is the calendar date a number is for, as text.

-- Gauges read from each network account on a schedule: followers, following,
-- posts. A year of hourly readings for 50 accounts is about 440,000 rows; the
-- digest reads the latest before each day's end through the index.
CREATE TABLE metric_samples (
    id      INTEGER PRIMARY KEY,
    metric  TEXT    NOT NULL,
    account TEXT    NOT NULL,
    at      INTEGER NOT NULL,
    value   REAL    NOT NULL
);
CREATE INDEX metric_samples_at ON metric_samples (metric, account, at);

-- How the last reading of each account went: the digest says why an
-- account's numbers are missing, across restarts.
CREATE TABLE collect_status (
    account  TEXT PRIMARY KEY,
    at       INTEGER NOT NULL,
    error    TEXT    NOT NULL DEFAULT '' -- '' when it worked
);

-- The latest counts read from each of crier's published posts.
CREATE TABLE post_stats (
    network     TEXT    NOT NULL,
    remote_id   TEXT    NOT NULL,
    likes       INTEGER NOT NULL DEFAULT 0,
    reposts     INTEGER NOT NULL DEFAULT 0,
    replies     INTEGER NOT NULL DEFAULT 0,
    quotes      INTEGER NOT NULL DEFAULT 0,
    measured_at INTEGER NOT NULL,
    PRIMARY KEY (network, remote_id)
);
CREATE INDEX deliveries_published ON deliveries (published_at) WHERE status = 'published';
-- What the digest counts per day: comments in, answers out, first responses.
CREATE INDEX comments_stored ON comments (stored_at);
CREATE INDEX replies_published ON replies (last_attempt_at) WHERE status = 'published';
CREATE INDEX conversations_first_response ON conversations (first_response_at) WHERE first_response_at IS NOT NULL;

-- Numbers no network gives, fed in by the team for a day: through chat, a CSV
-- file or the API. Setting one again replaces it.
CREATE TABLE kpi_values (
    day        TEXT    NOT NULL,
    metric     TEXT    NOT NULL,
    account    TEXT    NOT NULL DEFAULT '',
    campaign   TEXT    NOT NULL DEFAULT '',
    value      REAL    NOT NULL,
    currency   TEXT    NOT NULL DEFAULT '',
    source     TEXT    NOT NULL,
    set_by     TEXT    NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (day, metric, account, campaign)
);
CREATE INDEX kpi_values_campaign ON kpi_values (campaign, day) WHERE campaign != '';

-- Campaigns; a post joins one with a "campaign: name" line.
CREATE TABLE campaigns (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL UNIQUE,
    budget     REAL,
    currency   TEXT    NOT NULL DEFAULT '',
    ends_on    TEXT    NOT NULL DEFAULT '',
    status     TEXT    NOT NULL CHECK (status IN ('open', 'closed')),
    created_by TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    closed_at  INTEGER
);
ALTER TABLE posts ADD COLUMN campaign TEXT NOT NULL DEFAULT '';
CREATE INDEX posts_campaign ON posts (campaign) WHERE campaign != '';

-- Each posting of a digest: a queue row, due at its local time. Daily and
-- weekly runs are unique per digest and local day, so no digest is posted
-- twice, however many times crier starts or how many share the database.
CREATE TABLE digest_runs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    digest           TEXT    NOT NULL,
    kind             TEXT    NOT NULL CHECK (kind IN ('daily', 'weekly', 'now')),
    day              TEXT    NOT NULL,
    seq              INTEGER NOT NULL DEFAULT 0, -- tells apart the runs asked for with /digest now on one day
    due_at           INTEGER NOT NULL,
    late             INTEGER NOT NULL DEFAULT 0,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'posting', 'posted', 'failed', 'skipped')),
    manual           INTEGER NOT NULL DEFAULT 0, -- moved earlier by /digest now: the plan leaves its time alone
    rendered         TEXT    NOT NULL DEFAULT '', -- the message as first rendered (JSON): every attempt posts the same
    attempts         INTEGER NOT NULL DEFAULT 0,
    started_at       INTEGER,
    message_platform TEXT    NOT NULL DEFAULT '',
    message_channel  TEXT    NOT NULL DEFAULT '',
    message_id       TEXT    NOT NULL DEFAULT '',
    last_error       TEXT    NOT NULL DEFAULT '',
    ended_at         INTEGER,
    UNIQUE (digest, kind, day, seq)
);
CREATE INDEX digest_runs_due ON digest_runs (due_at, id) WHERE status = 'pending';
