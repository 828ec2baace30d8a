-- Composing (issue 9): a post's own text per network, its approval, and a
-- revision that goes up with every edit (an approval names the revision the
-- approver saw). The deliveries of a post waiting for approval (or
-- rejected) are held: pending with no next_at, so never claimed.
ALTER TABLE posts ADD COLUMN variants TEXT NOT NULL DEFAULT '{}'; -- JSON object: network name → its own text
ALTER TABLE posts ADD COLUMN approval TEXT NOT NULL DEFAULT '' CHECK (approval IN ('', 'awaiting', 'approved', 'rejected'));
ALTER TABLE posts ADD COLUMN approval_by TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN approval_note TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN approval_at INTEGER;
ALTER TABLE posts ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE posts ADD COLUMN edited_by TEXT NOT NULL DEFAULT ''; -- who wrote the last change: they may not approve it
CREATE INDEX posts_awaiting ON posts (approval, due_at) WHERE approval = 'awaiting';
