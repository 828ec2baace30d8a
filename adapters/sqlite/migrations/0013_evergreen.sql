-- Evergreen posts (issue 10): posts marked evergreen are re-posted in turn
-- by evergreen series ("/schedule every 3 weeks from queue evergreen").
-- Instants are INTEGER unix milliseconds, UTC.
CREATE TABLE evergreen (
    post_id        INTEGER PRIMARY KEY REFERENCES posts (id),
    marked         INTEGER NOT NULL DEFAULT 1, -- 0: unmarked, its place kept
    marked_by      TEXT    NOT NULL,
    marked_at      INTEGER NOT NULL,
    turn           INTEGER NOT NULL DEFAULT 0, -- rotation: 0 never re-posted, else the order of its last re-post
    reposts        INTEGER NOT NULL DEFAULT 0,
    last_repost_id INTEGER REFERENCES posts (id),
    last_repost_at INTEGER
);
CREATE INDEX evergreen_rotation ON evergreen (marked, turn, post_id);

-- An evergreen series re-posts; a re-post names the post it copies.
ALTER TABLE series ADD COLUMN evergreen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN evergreen_of INTEGER REFERENCES posts (id);
