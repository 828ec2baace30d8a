-- The calendar (issue 10): a post's sequence goes up with every change a
-- calendar shows (text, time, state), as an ICS feed's SEQUENCE must.
ALTER TABLE posts ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
