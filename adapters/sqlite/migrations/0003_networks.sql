-- Social networks: images attached to posts, deliveries whose outcome became
-- unclear, and the small state network adapters keep (sessions, cursors).
ALTER TABLE posts ADD COLUMN images TEXT NOT NULL DEFAULT '[]'; -- JSON array of {"url","alt"}

-- When an attempt first ended without a clear answer (a timeout after the
-- request was sent); NULL while every answer was clear.
ALTER TABLE deliveries ADD COLUMN unclear_at INTEGER;
-- When the latest attempt started: an attempt a crash cut short became
-- unclear at that moment.
ALTER TABLE deliveries ADD COLUMN last_attempt_at INTEGER;
-- When the channel was asked about a "maybe published" delivery; NULL while
-- the question has not reached it (crier asks again at the next start).
ALTER TABLE deliveries ADD COLUMN asked_at INTEGER;

CREATE TABLE network_state (
    network    TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (network, key)
);
