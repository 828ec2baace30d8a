-- The timezone each person set with /timezone, per chat platform. It wins
-- over the platform's own (a Slack profile's tz). updated_at is INTEGER unix
-- milliseconds, UTC, like every instant in this database.
CREATE TABLE user_timezones (
    platform   TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    timezone   TEXT    NOT NULL CHECK (length(timezone) > 0),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (platform, user_id)
);
