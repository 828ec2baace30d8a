-- The deliveries table is the publish queue (issue 6): a pending delivery is
-- due at next_at, its post's time and then each retry's, and is claimed in
-- batches at that instant. It replaces one River job per delivery.
ALTER TABLE deliveries ADD COLUMN next_at INTEGER;
-- Failed attempts that count toward the attempt limit (a rate limit or a
-- refused token does not).
ALTER TABLE deliveries ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;

-- Deliveries waiting under the old jobs: due at their time, and a retry not
-- sooner than two minutes after the attempt before (the pause after an
-- attempt that got no answer; the old job's own backoff is not kept).
UPDATE deliveries
SET next_at = CASE WHEN attempts > 0 THEN max(due_at, coalesce(last_attempt_at, due_at) + 120000) ELSE due_at END,
    failures = attempts
WHERE status IN ('pending', 'publishing');

ALTER TABLE deliveries DROP COLUMN job_id;

CREATE INDEX deliveries_next ON deliveries (next_at, id) WHERE status = 'pending';
