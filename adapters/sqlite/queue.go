package sqlite

import (
	"context"
	"database/sql"

	"github.com/crier-bot/crier/internal/crier"
)

// QueuePage returns one page of scheduled posts (by due time, then id) and
// of drafts (newest first) with their deliveries, and how many of each f
// matches, all in one snapshot so the counts match the page.
func (d *DB) QueuePage(ctx context.Context, f crier.QueueFilter) (*crier.Queue, error) {
	q := &crier.Queue{}
	err := d.inReadTx(ctx, "queue", func(tx *sql.Tx) error {
		due := "status = 'scheduled'"
		var args []any
		if !f.DueBefore.IsZero() {
			due += " AND due_at < ?"
			args = append(args, f.DueBefore.UnixMilli())
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM posts WHERE "+due, args...).Scan(&q.ScheduledTotal); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM posts WHERE status = 'draft'").Scan(&q.DraftTotal); err != nil {
			return err
		}
		var err error
		if q.Scheduled, err = pageOfPosts(ctx, tx, "WHERE "+due+" ORDER BY due_at, id", args, f.ScheduledOffset, f.ScheduledLimit); err != nil {
			return err
		}
		q.Drafts, err = pageOfPosts(ctx, tx, "WHERE status = 'draft' ORDER BY id DESC", nil, f.DraftOffset, f.DraftLimit)
		return err
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// pageOfPosts returns the posts the clause selects, from offset, at most
// limit of them (none when limit is 0), with their deliveries.
func pageOfPosts(ctx context.Context, tx *sql.Tx, clause string, args []any, offset, limit int) ([]*crier.Post, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+postColumns+" FROM posts "+clause+" LIMIT ? OFFSET ?",
		append(args, limit, max(offset, 0))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var posts []*crier.Post
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, err
		}
		posts = append(posts, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, p := range posts {
		if p.Deliveries, err = findDeliveries(ctx, tx, p.ID); err != nil {
			return nil, err
		}
	}
	return posts, nil
}
