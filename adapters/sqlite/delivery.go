package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

const deliveryColumns = `id, post_id, target, occurrence, idempotency_key, status, due_at, attempts,
	remote_id, url, last_error, started_at, published_at, unclear_at, asked_at, next_at, failures`

func scanDelivery(row scanner) (crier.Delivery, error) {
	var (
		dl                 crier.Delivery
		due                int64
		started, published sql.NullInt64
		unclear, asked     sql.NullInt64
		next               sql.NullInt64
	)
	err := row.Scan(&dl.ID, &dl.PostID, &dl.Target, &dl.Occurrence, &dl.IdempotencyKey, &dl.Status, &due,
		&dl.Attempts, &dl.RemoteID, &dl.URL, &dl.LastError, &started, &published, &unclear, &asked, &next, &dl.Failures)
	dl.DueAt = time.UnixMilli(due).UTC()
	dl.StartedAt, dl.PublishedAt = fromMS(started), fromMS(published)
	dl.UnclearAt, dl.AskedAt, dl.NextAt = fromMS(unclear), fromMS(asked), fromMS(next)
	return dl, err
}

func findDeliveries(ctx context.Context, tx *sql.Tx, postID int64) ([]crier.Delivery, error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE post_id = ? ORDER BY id", postID)
	if err != nil {
		return nil, err
	}
	return scanDeliveries(rows)
}

func scanDeliveries(rows *sql.Rows) ([]crier.Delivery, error) { return collect(rows, scanDelivery) }

// idList is ids as a JSON array, for "IN (SELECT value FROM json_each(?))":
// one statement for a whole batch, whatever its size.
func idList(ids []int64) string {
	b := make([]byte, 0, 8*len(ids)+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// NextDelivery returns when the earliest pending delivery is due.
func (d *DB) NextDelivery(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	err := d.db.QueryRowContext(ctx, "SELECT min(next_at) FROM deliveries INDEXED BY deliveries_next WHERE status = 'pending'").Scan(&next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next delivery: %w", err)
	}
	return fromMS(next), next.Valid, nil
}

// ClaimDeliveries marks up to limit due deliveries as publishing, with one
// more attempt started now, and returns them with their posts (without the
// posts' deliveries: the hot path needs only text, images and origin), in
// two statements however many there are. The due ones are read from the
// pending-only index in due order (SQLite would otherwise pick the status
// index and sort every pending delivery: 6 ms a claim with 10,000 waiting,
// against 0.3 ms).
func (d *DB) ClaimDeliveries(ctx context.Context, now time.Time, limit int) ([]crier.Claim, error) {
	var claims []crier.Claim
	err := d.inTx(ctx, "claim deliveries", func(tx *sql.Tx) error {
		at := now.UnixMilli()
		rows, err := tx.QueryContext(ctx, `UPDATE deliveries
			SET status = 'publishing', attempts = attempts + 1, started_at = coalesce(started_at, ?),
				last_attempt_at = ?, next_at = NULL
			WHERE id IN (SELECT id FROM deliveries INDEXED BY deliveries_next
				WHERE status = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?)
			RETURNING `+deliveryColumns, at, at, at, limit)
		if err != nil {
			return err
		}
		ds, err := scanDeliveries(rows)
		if err != nil || len(ds) == 0 {
			return err
		}
		// RETURNING gives no order: the earliest due first.
		slices.SortFunc(ds, func(a, b crier.Delivery) int {
			return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.ID, b.ID))
		})
		ids := make([]int64, 0, len(ds))
		for _, dl := range ds {
			ids = append(ids, dl.PostID)
		}
		rows, err = tx.QueryContext(ctx, "SELECT "+postColumns+" FROM posts WHERE id IN (SELECT value FROM json_each(?))", idList(ids))
		if err != nil {
			return err
		}
		defer rows.Close()
		posts := make(map[int64]*crier.Post, len(ds))
		for rows.Next() {
			p, err := scanPost(rows)
			if err != nil {
				return err
			}
			posts[p.ID] = p
		}
		if err := rows.Err(); err != nil {
			return err
		}
		claims = make([]crier.Claim, 0, len(ds))
		for _, dl := range ds {
			p, ok := posts[dl.PostID]
			if !ok {
				return fmt.Errorf("delivery %d: post %d is missing", dl.ID, dl.PostID)
			}
			claims = append(claims, crier.Claim{Post: p, Delivery: dl})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return claims, nil
}

// RecoverDeliveries makes deliveries left publishing by a crash pending
// again, due now, and unclear since their cut-short attempt: the network's
// idempotency key makes the repeat harmless while the network remembers
// it, and a person decides after. Safe because crier holds the database's
// exclusive lock: no other process is publishing them.
func (d *DB) RecoverDeliveries(ctx context.Context) (int, error) {
	var n int64
	err := d.inTx(ctx, "recover deliveries", func(tx *sql.Tx) error {
		now := d.clock.Now().UnixMilli()
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', next_at = ?,
			unclear_at = coalesce(unclear_at, last_attempt_at, ?) WHERE status = 'publishing'`, now, now)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// EndDeliveries records how claimed attempts ended and settles their posts
// by r's rule, in one transaction: a published delivery gets its remote id
// and URL; a failed attempt its reason, and, when unclear (the post may be
// out), unclear_at the first time; a released claim is pending as before.
// Each kind of end is one statement over the whole batch (its rows passed as
// JSON), so a batch costs the same few statements whatever its size. The
// unary + keeps SQLite from walking the status index instead of the batch's
// ids (measured: 10,000 ends took 48 s that way).
func (d *DB) EndDeliveries(ctx context.Context, ends []crier.DeliveryEnd, r crier.DeliveryRules) error {
	if len(ends) == 0 {
		return nil
	}
	type (
		publishedRow struct {
			ID     int64  `json:"id"`
			Remote string `json:"remote"`
			URL    string `json:"url"`
		}
		failedRow struct {
			ID      int64  `json:"id"`
			Status  string `json:"status"`
			Reason  string `json:"reason"`
			Unclear *int64 `json:"unclear"`
			Counted int    `json:"counted"`
			Next    *int64 `json:"next"`
		}
		releasedRow struct {
			ID   int64 `json:"id"`
			Next int64 `json:"next"`
		}
	)
	now := d.clock.Now().UnixMilli()
	var (
		published []publishedRow
		failed    []failedRow
		released  []releasedRow
	)
	for _, end := range ends {
		switch {
		case end.Released:
			next := now
			if !end.NextAt.IsZero() {
				next = end.NextAt.UnixMilli()
			}
			released = append(released, releasedRow{ID: end.ID, Next: next})
		case end.Status == crier.DeliveryPublished:
			published = append(published, publishedRow{ID: end.ID, Remote: end.Result.RemoteID, URL: end.Result.URL})
		default:
			row := failedRow{ID: end.ID, Status: string(end.Status), Reason: end.Reason}
			if end.Unclear {
				row.Unclear = &now
			}
			if end.Counted {
				row.Counted = 1
			}
			if end.Status == crier.DeliveryPending {
				next := now
				if !end.NextAt.IsZero() {
					next = end.NextAt.UnixMilli()
				}
				row.Next = &next
			}
			failed = append(failed, row)
		}
	}
	return d.inTx(ctx, "record deliveries", func(tx *sql.Tx) error {
		var postIDs []int64
		run := func(rows any, query string, args ...any) error {
			list, err := json.Marshal(rows)
			if err != nil {
				return err
			}
			res, err := tx.QueryContext(ctx, query, append(args, string(list))...)
			if err != nil {
				return err
			}
			ids, err := collect(res, scanInt64)
			postIDs = append(postIDs, ids...)
			return err
		}
		if len(published) > 0 {
			if err := run(published, `UPDATE deliveries SET status = 'published', remote_id = e.remote, url = e.url,
				last_error = '', published_at = ?
				FROM (SELECT value->>'id' AS id, value->>'remote' AS remote, value->>'url' AS url FROM json_each(?)) AS e
				WHERE deliveries.id = e.id AND +deliveries.status IN ('pending', 'publishing')
				RETURNING deliveries.post_id`, now); err != nil {
				return err
			}
		}
		if len(failed) > 0 {
			if err := run(failed, `UPDATE deliveries SET status = e.status, last_error = e.reason,
				unclear_at = coalesce(deliveries.unclear_at, e.unclear), failures = deliveries.failures + e.counted, next_at = e.next
				FROM (SELECT value->>'id' AS id, value->>'status' AS status, value->>'reason' AS reason,
					value->>'unclear' AS unclear, value->>'counted' AS counted, value->>'next' AS next FROM json_each(?)) AS e
				WHERE deliveries.id = e.id AND +deliveries.status IN ('pending', 'publishing')
				RETURNING deliveries.post_id`); err != nil {
				return err
			}
		}
		if len(released) > 0 {
			if err := run(released, `UPDATE deliveries SET status = 'pending', attempts = deliveries.attempts - 1,
				started_at = CASE WHEN deliveries.attempts = 1 THEN NULL ELSE deliveries.started_at END, next_at = e.next
				FROM (SELECT value->>'id' AS id, value->>'next' AS next FROM json_each(?)) AS e
				WHERE deliveries.id = e.id AND +deliveries.status = 'publishing'
				RETURNING deliveries.post_id`); err != nil {
				return err
			}
		}
		return d.settleMany(ctx, tx, postIDs, r)
	})
}

// ResolveMaybe settles a delivery whose outcome was unknown, as a person
// decided: published (it is on the network) or not (publish it again, with
// a fresh idempotency key so a network that remembers the old one does not
// swallow it, due now).
func (d *DB) ResolveMaybe(ctx context.Context, postID int64, target string, published bool, r crier.DeliveryRules) (*crier.Post, error) {
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
			dl.IdempotencyKey = r.Rekey(d.installation, *dl)
			dl.Status, dl.DueAt, dl.NextAt, dl.UnclearAt, dl.AskedAt, dl.LastError = crier.DeliveryPending, now.UTC(), now.UTC(), time.Time{}, time.Time{}, ""
			dl.Failures = 0
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', idempotency_key = ?, due_at = ?, next_at = ?, failures = 0,
				unclear_at = NULL, asked_at = NULL, last_error = '' WHERE id = ?`, dl.IdempotencyKey, dl.DueAt.UnixMilli(), dl.NextAt.UnixMilli(), dl.ID); err != nil {
				return err
			}
		}
		settled, err := d.settle(ctx, tx, postID, r)
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
		ids, err := collect(rows, scanInt64)
		if err != nil {
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

// settleMany gives each post the status r's rule derives from its
// deliveries, in the caller's transaction: the posts and their deliveries
// are read in two statements, and the posts whose status changes are
// written in one.
func (d *DB) settleMany(ctx context.Context, tx *sql.Tx, postIDs []int64, r crier.DeliveryRules) error {
	if len(postIDs) == 0 {
		return nil
	}
	slices.Sort(postIDs)
	postIDs = slices.Compact(postIDs)
	// Only what the rule looks at: the post's status and its deliveries'
	// targets and statuses (the hot path settles thousands a second).
	list := idList(postIDs)
	rows, err := tx.QueryContext(ctx, "SELECT id, status FROM posts WHERE id IN (SELECT value FROM json_each(?))", list)
	if err != nil {
		return err
	}
	posts := make(map[int64]*crier.Post, len(postIDs))
	for rows.Next() {
		p := &crier.Post{}
		if err := rows.Scan(&p.ID, &p.Status); err != nil {
			rows.Close()
			return err
		}
		posts[p.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx, "SELECT id, post_id, target, status FROM deliveries WHERE post_id IN (SELECT value FROM json_each(?)) ORDER BY id", list)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var dl crier.Delivery
		if err := rows.Scan(&dl.ID, &dl.PostID, &dl.Target, &dl.Status); err != nil {
			return err
		}
		if p := posts[dl.PostID]; p != nil {
			p.Deliveries = append(p.Deliveries, dl)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	type change struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	var changed []change
	for _, id := range postIDs {
		p := posts[id]
		if p == nil {
			continue
		}
		if status := r.Settle(p); status != p.Status {
			changed = append(changed, change{ID: p.ID, Status: string(status)})
		}
	}
	if len(changed) == 0 {
		return nil
	}
	rows2, err := json.Marshal(changed)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE posts SET status = c.status, updated_at = ?, sequence = sequence + 1
		FROM (SELECT value->>'id' AS id, value->>'status' AS status FROM json_each(?)) AS c WHERE posts.id = c.id`,
		d.clock.Now().UnixMilli(), string(rows2))
	return err
}

// settle gives one post the status r's rule derives from its deliveries, in
// the caller's transaction; the post comes back with its deliveries.
func (d *DB) settle(ctx context.Context, tx *sql.Tx, postID int64, r crier.DeliveryRules) (*crier.Post, error) {
	p, err := findPost(ctx, tx, postID)
	if err != nil {
		return nil, err
	}
	if status := r.Settle(p); status != p.Status {
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
