package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

const deliveryColumns = `id, post_id, target, occurrence, idempotency_key, status, due_at, attempts,
	remote_id, url, last_error, started_at, published_at, job_id, unclear_at, asked_at`

func scanDelivery(row scanner) (crier.Delivery, error) {
	var (
		dl                 crier.Delivery
		due                int64
		started, published sql.NullInt64
		job, unclear       sql.NullInt64
		asked              sql.NullInt64
	)
	err := row.Scan(&dl.ID, &dl.PostID, &dl.Target, &dl.Occurrence, &dl.IdempotencyKey, &dl.Status, &due,
		&dl.Attempts, &dl.RemoteID, &dl.URL, &dl.LastError, &started, &published, &job, &unclear, &asked)
	dl.DueAt = time.UnixMilli(due).UTC()
	dl.StartedAt, dl.PublishedAt, dl.JobID = fromMS(started), fromMS(published), job.Int64
	dl.UnclearAt, dl.AskedAt = fromMS(unclear), fromMS(asked)
	return dl, err
}

func findDeliveries(ctx context.Context, tx *sql.Tx, postID int64) ([]crier.Delivery, error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE post_id = ? ORDER BY id", postID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ds []crier.Delivery
	for rows.Next() {
		dl, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		ds = append(ds, dl)
	}
	return ds, rows.Err()
}

// StartDelivery claims one publish attempt for a delivery still due at dueAt.
// A delivery left "publishing" by a crash is claimed again and marked unclear
// since its cut-short attempt: the network's idempotency key makes the
// repeat harmless while the network remembers it, and a person decides after. The post comes back without
// its deliveries (the hot path needs only its text and origin).
func (d *DB) StartDelivery(ctx context.Context, id int64, dueAt time.Time) (*crier.Post, *crier.Delivery, error) {
	var (
		p  *crier.Post
		dl crier.Delivery
	)
	err := d.inTx(ctx, "start delivery", func(tx *sql.Tx) error {
		var err error
		// A delivery still "publishing" was cut short by a crash: its last
		// attempt may have published, so it is unclear since that attempt
		// started. (SET reads the row as it was before the update.)
		now := d.clock.Now().UnixMilli()
		dl, err = scanDelivery(tx.QueryRowContext(ctx, `UPDATE deliveries
			SET status = 'publishing', attempts = attempts + 1, started_at = coalesce(started_at, ?),
				unclear_at = CASE WHEN status = 'publishing' THEN coalesce(unclear_at, last_attempt_at, ?) ELSE unclear_at END,
				last_attempt_at = ?
			WHERE id = ? AND status IN ('pending', 'publishing') AND due_at = ?
			RETURNING `+deliveryColumns, now, now, now, id, dueAt.UnixMilli()))
		if errors.Is(err, sql.ErrNoRows) {
			// Cancelled, finished, or rescheduled (a newer job carries the new time).
			return crier.ErrSkip
		}
		if err != nil {
			return err
		}
		p, err = scanPost(tx.QueryRowContext(ctx, "SELECT "+postColumns+" FROM posts WHERE id = ?", dl.PostID))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return p, &dl, nil
}

// EndDelivery records how an attempt ended and settles the post by s's rule.
// A published delivery gets its remote id and URL; a failed attempt its
// reason, and, when unclear (the post may be out), unclear_at the first time.
func (d *DB) EndDelivery(ctx context.Context, id int64, end crier.DeliveryEnd, s crier.Scheduler) (*crier.Post, error) {
	now := d.clock.Now().UnixMilli()
	if end.Status == crier.DeliveryPublished {
		return d.endDelivery(ctx, "finish delivery", s, `UPDATE deliveries SET status = 'published', remote_id = ?, url = ?,
			last_error = '', published_at = ? WHERE id = ? RETURNING post_id`, end.Result.RemoteID, end.Result.URL, now, id)
	}
	var at any
	if end.Unclear {
		at = now
	}
	return d.endDelivery(ctx, "fail delivery", s, `UPDATE deliveries SET status = ?, last_error = ?, unclear_at = coalesce(unclear_at, ?)
		WHERE id = ? RETURNING post_id`, end.Status, end.Reason, at, id)
}

// ResolveMaybe settles a delivery whose outcome was unknown, as a person
// decided: published (it is on the network) or not (publish it again, with
// a fresh idempotency key so a network that remembers the old one does not
// swallow it, and a new job due now).
func (d *DB) ResolveMaybe(ctx context.Context, postID int64, target string, published bool, s crier.Scheduler) (*crier.Post, error) {
	var p *crier.Post
	err := d.inTx(ctx, "resolve delivery", func(tx *sql.Tx) error {
		var err error
		if p, err = findPost(ctx, tx, postID); err != nil {
			return err
		}
		var dl *crier.Delivery
		for i := range p.Deliveries {
			if p.Deliveries[i].Target == target {
				dl = &p.Deliveries[i]
			}
		}
		if dl == nil {
			return &crier.PostError{Code: crier.ENOTFOUND, Reason: crier.RefusedNoDelivery, PostID: p.ID, Status: p.Status, Target: target}
		}
		if dl.Status != crier.DeliveryMaybe {
			return refused(crier.ECONFLICT, crier.RefusedNotUndecided, p, dl)
		}
		now := d.clock.Now()
		if published {
			dl.Status, dl.PublishedAt = crier.DeliveryPublished, now.UTC()
			if _, err := tx.ExecContext(ctx, "UPDATE deliveries SET status = 'published', last_error = '', published_at = ? WHERE id = ?", now.UnixMilli(), dl.ID); err != nil {
				return err
			}
		} else {
			dl.IdempotencyKey = s.Rekey(d.installation, *dl)
			dl.Status, dl.DueAt, dl.UnclearAt, dl.AskedAt, dl.LastError = crier.DeliveryPending, now.UTC(), time.Time{}, time.Time{}, ""
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', idempotency_key = ?, due_at = ?,
				unclear_at = NULL, asked_at = NULL, last_error = '' WHERE id = ?`, dl.IdempotencyKey, dl.DueAt.UnixMilli(), dl.ID); err != nil {
				return err
			}
			if err := d.enqueue(ctx, tx, []crier.Delivery{*dl}, s); err != nil {
				return err
			}
		}
		settled, err := d.settle(ctx, tx, postID, s)
		if err != nil {
			return err
		}
		p.Status, p.UpdatedAt = settled.Status, settled.UpdatedAt
		return nil
	})
	return p, err
}

// MarkAsked records that the channel was asked about a "maybe published"
// delivery.
func (d *DB) MarkAsked(ctx context.Context, id int64) error {
	return d.inTx(ctx, "mark delivery asked", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE deliveries SET asked_at = ? WHERE id = ?", d.clock.Now().UnixMilli(), id)
		return err
	})
}

// Unasked returns the posts with a "maybe published" delivery nobody was
// asked about yet (crier stopped, or chat was down, before the question went
// out), with their deliveries.
func (d *DB) Unasked(ctx context.Context) ([]*crier.Post, error) {
	var posts []*crier.Post
	err := d.inReadTx(ctx, "find unasked deliveries", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT DISTINCT post_id FROM deliveries WHERE status = 'maybe' AND asked_at IS NULL ORDER BY post_id")
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			p, err := findPost(ctx, tx, id)
			if err != nil {
				return err
			}
			posts = append(posts, p)
		}
		return nil
	})
	return posts, err
}

// endDelivery runs one delivery update and settles its post.
func (d *DB) endDelivery(ctx context.Context, op string, s crier.Scheduler, query string, args ...any) (*crier.Post, error) {
	var p *crier.Post
	err := d.inTx(ctx, op, func(tx *sql.Tx) error {
		var postID int64
		err := tx.QueryRowContext(ctx, query, args...).Scan(&postID)
		if errors.Is(err, sql.ErrNoRows) {
			return crier.ErrSkip
		}
		if err != nil {
			return err
		}
		p, err = d.settle(ctx, tx, postID, s)
		return err
	})
	return p, err
}

// settle gives the post the status the scheduler's rule derives from its
// deliveries, in the caller's transaction; the post comes back with its
// deliveries.
func (d *DB) settle(ctx context.Context, tx *sql.Tx, postID int64, s crier.Scheduler) (*crier.Post, error) {
	p, err := findPost(ctx, tx, postID)
	if err != nil {
		return nil, err
	}
	if status := s.Settle(p); status != p.Status {
		p.Status = status
		return p, d.touch(ctx, tx, p)
	}
	return p, nil
}

// Lag returns, for every delivery that has started, how long after its due
// time its first publish attempt started. For benchmarks and the status page.
func (d *DB) Lag(ctx context.Context) ([]time.Duration, error) {
	var out []time.Duration
	err := d.inReadTx(ctx, "lag", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT started_at - due_at FROM deliveries WHERE started_at IS NOT NULL")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				return err
			}
			out = append(out, time.Duration(v)*time.Millisecond)
		}
		return rows.Err()
	})
	return out, err
}
