-- Chat messages have no idempotency key a chat keeps for good, so the relay
-- remembers when it first tried to post each one: a later attempt looks for
-- the message first (crier.MessageFinder) instead of posting it twice.
-- relay_tries counts the attempts to relay a comment; relay_started_at is
-- when the first began.
ALTER TABLE comments ADD COLUMN relay_tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN relay_started_at INTEGER;
-- When crier first tried to open a conversation's thread.
ALTER TABLE conversations ADD COLUMN thread_started_at INTEGER;
-- The replies to a comment: one of crier's answers echoed back before its id
-- was recorded is recognised by them.
CREATE INDEX replies_comment ON replies (comment_id);
