package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/publish"
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
			return publish.ErrSkip
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

// FinishDelivery records a published delivery and settles the post's status.
func (d *DB) FinishDelivery(ctx context.Context, id int64, res crier.PublishResult) (*crier.Post, error) {
	return d.endDelivery(ctx, "finish delivery", `UPDATE deliveries SET status = 'published', remote_id = ?, url = ?,
		last_error = '', published_at = ? WHERE id = ? RETURNING post_id`, res.RemoteID, res.URL, d.clock.Now().UnixMilli(), id)
}

// FailDelivery records a failed attempt. status is DeliveryPending when a
// retry will follow, or a final status (failed, maybe). An unclear failure
// (the post may be out) stamps unclear_at the first time.
func (d *DB) FailDelivery(ctx context.Context, id int64, reason string, status crier.DeliveryStatus, unclear bool) (*crier.Post, error) {
	var at any
	if unclear {
		at = d.clock.Now().UnixMilli()
	}
	return d.endDelivery(ctx, "fail delivery", `UPDATE deliveries SET status = ?, last_error = ?, unclear_at = coalesce(unclear_at, ?)
		WHERE id = ? RETURNING post_id`, status, reason, at, id)
}

// ResolveMaybe settles a delivery whose outcome was unknown, as a person
// decided: published (it is on the network) or not (publish it again, with
// a fresh idempotency key so a network that remembers the old one does not
// swallow it, and a new job due now).
func (d *DB) ResolveMaybe(ctx context.Context, postID int64, target string, published bool, jobs publish.Jobs) (*crier.Post, error) {
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
			return crier.Errorf(crier.ENOTFOUND, "Post #%d was not going to %q. Type /queue to see your posts.", postID, target)
		}
		if dl.Status != crier.DeliveryMaybe {
			return crier.Errorf(crier.ECONFLICT, "Post #%d on %s is %s, not waiting for a decision, so there is nothing to do.", postID, target, deliveryWord(dl.Status))
		}
		now := d.clock.Now()
		if published {
			dl.Status, dl.PublishedAt = crier.DeliveryPublished, now.UTC()
			if _, err := tx.ExecContext(ctx, "UPDATE deliveries SET status = 'published', last_error = '', published_at = ? WHERE id = ?", now.UnixMilli(), dl.ID); err != nil {
				return err
			}
		} else {
			// A new key: the attempt number keeps it unique and stable.
			dl.IdempotencyKey = fmt.Sprintf("%s-again%d", crier.IdempotencyKey(d.installation, p.ID, dl.Target, dl.Occurrence), dl.Attempts)
			dl.Status, dl.DueAt, dl.UnclearAt, dl.AskedAt, dl.LastError = crier.DeliveryPending, now.UTC(), time.Time{}, time.Time{}, ""
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', idempotency_key = ?, due_at = ?,
				unclear_at = NULL, asked_at = NULL, last_error = '' WHERE id = ?`, dl.IdempotencyKey, dl.DueAt.UnixMilli(), dl.ID); err != nil {
				return err
			}
			if err := d.enqueue(ctx, tx, []crier.Delivery{*dl}, jobs); err != nil {
				return err
			}
		}
		settled, err := d.settle(ctx, tx, postID)
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

func deliveryWord(s crier.DeliveryStatus) string {
	switch s {
	case crier.DeliveryPending:
		return "still scheduled"
	case crier.DeliveryPublishing:
		return "being published right now"
	case crier.DeliveryCanceled:
		return "cancelled"
	}
	return string(s)
}

// endDelivery runs one delivery update and settles its post; the post comes
// back without its deliveries.
func (d *DB) endDelivery(ctx context.Context, op, query string, args ...any) (*crier.Post, error) {
	var p *crier.Post
	err := d.inTx(ctx, op, func(tx *sql.Tx) error {
		var postID int64
		err := tx.QueryRowContext(ctx, query, args...).Scan(&postID)
		if errors.Is(err, sql.ErrNoRows) {
			return publish.ErrSkip
		}
		if err != nil {
			return err
		}
		p, err = d.settle(ctx, tx, postID)
		return err
	})
	return p, err
}

// settle derives the post's status from its deliveries once none is left to
// happen by itself.
func (d *DB) settle(ctx context.Context, tx *sql.Tx, postID int64) (*crier.Post, error) {
	p, err := scanPost(tx.QueryRowContext(ctx, "SELECT "+postColumns+" FROM posts WHERE id = ?", postID))
	if err != nil {
		return nil, err
	}
	if p.Status != crier.PostScheduled {
		return p, nil
	}
	var total, published, open int
	if err := tx.QueryRowContext(ctx, `SELECT count(*),
		count(*) FILTER (WHERE status = 'published'),
		count(*) FILTER (WHERE status IN ('pending', 'publishing', 'maybe'))
		FROM deliveries WHERE post_id = ?`, postID).Scan(&total, &published, &open); err != nil {
		return nil, err
	}
	if open > 0 {
		return p, nil
	}
	switch {
	case published == total:
		p.Status = crier.PostPublished
	case published > 0:
		p.Status = crier.PostPartial
	default:
		p.Status = crier.PostFailed
	}
	return p, d.touch(ctx, tx, p)
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
