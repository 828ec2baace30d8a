package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

var _ crier.PostStore = (*DB)(nil)

// CreatePost stores a draft, or a scheduled post with one delivery per target
// due at its time, in one transaction.
func (d *DB) CreatePost(ctx context.Context, p *crier.Post, r crier.DeliveryRules) error {
	return d.inTx(ctx, "create post", func(tx *sql.Tx) error {
		return d.insertPost(ctx, tx, p, r)
	})
}

// CreatePosts stores posts as CreatePost does, all in one transaction: all
// of them, or none (an imported calendar).
func (d *DB) CreatePosts(ctx context.Context, posts []*crier.Post, r crier.DeliveryRules) error {
	err := d.inTx(ctx, "create posts", func(tx *sql.Tx) error {
		for _, p := range posts {
			if err := d.insertPost(ctx, tx, p, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for _, p := range posts {
			p.ID, p.Deliveries = 0, nil // nothing was stored
		}
	}
	return err
}

// insertPost inserts p and, when it is scheduled, its deliveries.
func (d *DB) insertPost(ctx context.Context, tx *sql.Tx, p *crier.Post, r crier.DeliveryRules) error {
	now := d.clock.Now()
	targets, err := json.Marshal(p.Targets)
	if err != nil {
		return err
	}
	images, err := json.Marshal(imagesOrEmpty(p.Images))
	if err != nil {
		return err
	}
	var due any
	if p.Status == crier.PostScheduled {
		due = ms(p.DueAt)
	}
	variants, err := json.Marshal(variantsOrEmpty(p.Variants))
	if err != nil {
		return err
	}
	if p.Revision == 0 {
		p.Revision = 1
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO posts (text, status, due_at, created_at, updated_at,
		author_id, author_name, origin_platform, origin_channel, origin_thread, targets, images, campaign, variants, approval, revision)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.Text, p.Status, due, now.UnixMilli(), now.UnixMilli(),
		p.AuthorID, p.AuthorName, p.Origin.Platform, p.Origin.ID, p.Origin.Thread, string(targets), string(images), p.Campaign,
		string(variants), p.Approval, p.Revision)
	if err != nil {
		return err
	}
	if p.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	p.CreatedAt, p.UpdatedAt = now.UTC(), now.UTC()
	if p.Status == crier.PostScheduled {
		p.Deliveries, err = d.createDeliveries(ctx, tx, p, r)
	}
	return err
}

// createDeliveries inserts one pending delivery per target, due at the
// post's time.
func (d *DB) createDeliveries(ctx context.Context, tx *sql.Tx, p *crier.Post, r crier.DeliveryRules) ([]crier.Delivery, error) {
	ds := make([]crier.Delivery, 0, len(p.Targets))
	for _, target := range p.Targets {
		dl := crier.Delivery{
			PostID: p.ID, Target: target, Occurrence: 0,
			Status: crier.DeliveryPending, DueAt: p.DueAt.UTC(), NextAt: p.DueAt.UTC(),
		}
		if p.Held() {
			dl.NextAt = time.Time{} // held until approved
		}
		dl.IdempotencyKey = r.Key(d.installation, dl)
		res, err := tx.ExecContext(ctx, `INSERT INTO deliveries (post_id, target, occurrence, idempotency_key, status, due_at, next_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, dl.PostID, dl.Target, dl.Occurrence, dl.IdempotencyKey, dl.Status, dl.DueAt.UnixMilli(), ms(dl.NextAt))
		if err != nil {
			return nil, err
		}
		if dl.ID, err = res.LastInsertId(); err != nil {
			return nil, err
		}
		ds = append(ds, dl)
	}
	return ds, nil
}

// FindPost returns a post with its deliveries.
func (d *DB) FindPost(ctx context.Context, id int64) (*crier.Post, error) {
	var p *crier.Post
	err := d.inReadTx(ctx, "find post", func(tx *sql.Tx) error {
		var err error
		p, err = findPost(ctx, tx, id)
		return err
	})
	return p, err
}

// ListPosts returns posts matching f, scheduled ones by due time, then the
// rest newest first.
func (d *DB) ListPosts(ctx context.Context, f crier.PostFilter) ([]*crier.Post, error) {
	var posts []*crier.Post
	err := d.inReadTx(ctx, "list posts", func(tx *sql.Tx) error {
		q := "SELECT " + postColumns + " FROM posts"
		var args []any
		var where []string
		if len(f.Statuses) > 0 {
			where = append(where, "status IN ("+strings.TrimSuffix(strings.Repeat("?,", len(f.Statuses)), ",")+")")
			for _, s := range f.Statuses {
				args = append(args, s)
			}
		}
		if f.Approval != crier.ApprovalNone {
			where = append(where, "approval = ?")
			args = append(args, f.Approval)
		}
		if !f.From.IsZero() {
			where = append(where, "due_at >= ?")
			args = append(args, f.From.UnixMilli())
		}
		if !f.To.IsZero() {
			where = append(where, "due_at < ?")
			args = append(args, f.To.UnixMilli())
		}
		if len(where) > 0 {
			q += " WHERE " + strings.Join(where, " AND ")
		}
		q += " ORDER BY due_at IS NULL, due_at, id DESC"
		if f.Limit > 0 {
			q += " LIMIT ?"
			args = append(args, f.Limit)
		}
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPost(rows)
			if err != nil {
				return err
			}
			posts = append(posts, p)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, p := range posts {
			if p.Deliveries, err = findDeliveries(ctx, tx, p.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return posts, err
}

// SchedulePost turns a draft into a scheduled post; with awaiting, its
// deliveries are held until it is approved.
func (d *DB) SchedulePost(ctx context.Context, id int64, due time.Time, awaiting bool, r crier.DeliveryRules) (*crier.Post, error) {
	var p *crier.Post
	err := d.inTx(ctx, "schedule post", func(tx *sql.Tx) error {
		var err error
		if p, err = findPost(ctx, tx, id); err != nil {
			return err
		}
		if p.Status != crier.PostDraft {
			return refused(crier.ECONFLICT, crier.RefusedNotDraft, p, nil)
		}
		p.Status, p.DueAt = crier.PostScheduled, due.UTC()
		if awaiting {
			p.Approval = crier.ApprovalAwaiting
			if _, err := tx.ExecContext(ctx, "UPDATE posts SET approval = 'awaiting' WHERE id = ?", p.ID); err != nil {
				return err
			}
		}
		if err := d.touch(ctx, tx, p); err != nil {
			return err
		}
		p.Deliveries, err = d.createDeliveries(ctx, tx, p, r)
		return err
	})
	return p, err
}

// EditPost changes a post none of whose deliveries has started.
func (d *DB) EditPost(ctx context.Context, id int64, e crier.PostEdit) (*crier.Post, error) {
	var p *crier.Post
	err := d.inTx(ctx, "edit post", func(tx *sql.Tx) error {
		var err error
		if p, err = findUnstarted(ctx, tx, id, true); err != nil {
			return err
		}
		if e.Targets != nil && p.Status != crier.PostDraft {
			return refused(crier.ECONFLICT, crier.RefusedNotDraftNetworks, p, nil)
		}
		if e.Text != nil {
			p.Text = *e.Text
		}
		for network, text := range e.Variants {
			if p.Variants == nil {
				p.Variants = map[string]string{}
			}
			if text == "" {
				delete(p.Variants, network)
			} else {
				p.Variants[network] = text
			}
		}
		if e.Targets != nil {
			p.Targets = e.Targets
		}
		if p.Status == crier.PostScheduled && (p.Approval != crier.ApprovalNone || e.NeedsApproval) {
			// Back to the approvers, whatever they said before.
			p.Approval, p.ApprovalBy, p.ApprovalNote, p.ApprovalAt = crier.ApprovalAwaiting, "", "", time.Time{}
		}
		p.Revision++
		p.Sequence++
		p.EditedBy = e.By
		variants, err := json.Marshal(variantsOrEmpty(p.Variants))
		if err != nil {
			return err
		}
		targets, err := json.Marshal(p.Targets)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET text = ?, variants = ?, targets = ?, approval = ?, approval_by = ?, approval_note = ?,
			approval_at = ?, revision = ?, edited_by = ?, updated_at = ?, sequence = sequence + 1 WHERE id = ?`, p.Text, string(variants), string(targets), p.Approval, p.ApprovalBy,
			p.ApprovalNote, ms(p.ApprovalAt), p.Revision, p.EditedBy, d.clock.Now().UnixMilli(), p.ID); err != nil {
			return err
		}
		if p.Held() {
			for i := range p.Deliveries {
				if p.Deliveries[i].Status == crier.DeliveryPending {
					p.Deliveries[i].NextAt = time.Time{}
				}
			}
			_, err = tx.ExecContext(ctx, "UPDATE deliveries SET next_at = NULL WHERE post_id = ? AND status = 'pending'", p.ID)
		}
		return err
	})
	return p, err
}

// DecideApproval approves or rejects post id at revision.
func (d *DB) DecideApproval(ctx context.Context, id int64, revision int, approve bool, by, note string, now time.Time) (*crier.Post, error) {
	var p *crier.Post
	err := d.inTx(ctx, "decide approval", func(tx *sql.Tx) error {
		var err error
		if p, err = findPost(ctx, tx, id); err != nil {
			return err
		}
		switch {
		case p.Status == crier.PostCanceled:
			return refused(crier.ECONFLICT, crier.RefusedCanceled, p, nil)
		case p.Approval != crier.ApprovalAwaiting:
			return refused(crier.ECONFLICT, crier.RefusedNotAwaiting, p, nil)
		case revision != p.Revision:
			return refused(crier.ECONFLICT, crier.RefusedRevision, p, nil)
		}
		p.Approval, p.ApprovalBy, p.ApprovalNote, p.ApprovalAt = crier.ApprovalRejected, by, note, now.UTC()
		if approve {
			p.Approval = crier.ApprovalApproved
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET approval = ?, approval_by = ?, approval_note = ?, approval_at = ?, updated_at = ?, sequence = sequence + 1
			WHERE id = ?`, p.Approval, by, note, now.UnixMilli(), now.UnixMilli(), p.ID); err != nil {
			return err
		}
		if !approve || p.Status != crier.PostScheduled {
			return nil
		}
		// Released: due at their time, or now when it has passed.
		for i := range p.Deliveries {
			if dl := &p.Deliveries[i]; dl.Status == crier.DeliveryPending {
				dl.NextAt = dl.DueAt
				if dl.NextAt.Before(now) {
					dl.NextAt = now.UTC()
				}
			}
		}
		_, err = tx.ExecContext(ctx, "UPDATE deliveries SET next_at = max(due_at, ?) WHERE post_id = ? AND status = 'pending'", now.UnixMilli(), p.ID)
		return err
	})
	return p, err
}

func variantsOrEmpty(v map[string]string) map[string]string {
	if v == nil {
		return map[string]string{}
	}
	return v
}

// ReschedulePost moves a scheduled post whose deliveries have not started.
func (d *DB) ReschedulePost(ctx context.Context, id int64, due time.Time) (*crier.Post, error) {
	var p *crier.Post
	err := d.inTx(ctx, "reschedule post", func(tx *sql.Tx) error {
		var err error
		if p, err = findPost(ctx, tx, id); err != nil {
			return err
		}
		switch {
		case p.Status == crier.PostDraft:
			return refused(crier.ECONFLICT, crier.RefusedDraft, p, nil)
		case p.Status != crier.PostScheduled:
			return refused(crier.ECONFLICT, crier.RefusedNotScheduled, p, nil)
		}
		if err := notStarted(p, true); err != nil {
			return err
		}
		p.DueAt = due.UTC()
		if err := d.touch(ctx, tx, p); err != nil {
			return err
		}
		next := p.DueAt
		if p.Held() {
			next = time.Time{} // still waiting for its approvers
		}
		for i := range p.Deliveries {
			if p.Deliveries[i].Status == crier.DeliveryPending {
				p.Deliveries[i].DueAt, p.Deliveries[i].NextAt, p.Deliveries[i].Failures = p.DueAt, next, 0
			}
		}
		// A new time starts the attempts afresh, as a new schedule would.
		_, err = tx.ExecContext(ctx, "UPDATE deliveries SET due_at = ?, next_at = ?, failures = 0 WHERE post_id = ? AND status = 'pending'",
			p.DueAt.UnixMilli(), ms(next), p.ID)
		return err
	})
	return p, err
}

// CancelPost cancels a draft or a scheduled post that has not started.
func (d *DB) CancelPost(ctx context.Context, id int64) (*crier.Post, error) {
	var p *crier.Post
	err := d.inTx(ctx, "cancel post", func(tx *sql.Tx) error {
		var err error
		if p, err = findUnstarted(ctx, tx, id, false); err != nil {
			return err
		}
		return d.cancelPost(ctx, tx, p)
	})
	return p, err
}

// cancelPost cancels p, none of whose deliveries started, and its
// deliveries: none of them falls due again.
func (d *DB) cancelPost(ctx context.Context, tx *sql.Tx, p *crier.Post) error {
	p.Status = crier.PostCanceled
	if err := d.touch(ctx, tx, p); err != nil {
		return err
	}
	for i := range p.Deliveries {
		p.Deliveries[i].Status, p.Deliveries[i].NextAt = crier.DeliveryCanceled, time.Time{}
	}
	_, err := tx.ExecContext(ctx, "UPDATE deliveries SET status = 'canceled', next_at = NULL WHERE post_id = ?", p.ID)
	return err
}

// findUnstarted finds post id to change it: a draft, or a scheduled post
// none of whose deliveries has started (notStarted; moving for an edit,
// not for a cancel). A cancelled post, or one that went out, is refused,
// and returned with the refusal.
func findUnstarted(ctx context.Context, tx *sql.Tx, id int64, moving bool) (*crier.Post, error) {
	p, err := findPost(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	switch p.Status {
	case crier.PostDraft, crier.PostScheduled:
	case crier.PostCanceled:
		return p, refused(crier.ECONFLICT, crier.RefusedCanceled, p, nil)
	default:
		return p, refused(crier.ECONFLICT, crier.RefusedNotScheduled, p, nil)
	}
	return p, notStarted(p, moving)
}

// notStarted refuses to change a post some of whose deliveries have started.
// moving is true for a reschedule, false for a cancel.
func notStarted(p *crier.Post, moving bool) error {
	for i := range p.Deliveries {
		dl := &p.Deliveries[i]
		switch dl.Status {
		case crier.DeliveryPublishing:
			return refused(crier.ECONFLICT, crier.RefusedPublishing, p, dl)
		case crier.DeliveryPublished:
			return refused(crier.ECONFLICT, crier.RefusedPublished, p, dl)
		case crier.DeliveryPending:
			if !dl.UnclearAt.IsZero() && moving {
				// Its record on the network may exist under this time's key.
				return refused(crier.ECONFLICT, crier.RefusedUnclear, p, dl)
			}
		case crier.DeliveryMaybe:
			if moving {
				return refused(crier.ECONFLICT, crier.RefusedUndecided, p, dl)
			}
		}
	}
	return nil
}

// refused is the store's refusal about p (and the delivery dl, if one stood
// in the way), in facts for the commands to put in words.
func refused(code, reason string, p *crier.Post, dl *crier.Delivery) error {
	e := &crier.PostError{Code: code, Reason: reason, PostID: p.ID, Status: p.Status}
	if dl != nil {
		e.Target, e.Delivery = dl.Target, dl.Status
	}
	return e
}

func (d *DB) touch(ctx context.Context, tx *sql.Tx, p *crier.Post) error {
	now := d.clock.Now().UTC()
	p.UpdatedAt = now
	p.Sequence++
	_, err := tx.ExecContext(ctx, "UPDATE posts SET status = ?, due_at = ?, updated_at = ?, sequence = sequence + 1 WHERE id = ?",
		p.Status, ms(p.DueAt), now.UnixMilli(), p.ID)
	return err
}

const postColumns = `id, text, status, due_at, created_at, updated_at, author_id, author_name,
	origin_platform, origin_channel, origin_thread, targets, images, campaign, variants, approval, approval_by, approval_note,
	approval_at, revision, edited_by, sequence`

type scanner interface{ Scan(dest ...any) error }

func scanPost(row scanner) (*crier.Post, error) {
	var (
		p                         crier.Post
		due, approvalAt           sql.NullInt64
		created, updated          int64
		targets, images, variants string
	)
	if err := row.Scan(&p.ID, &p.Text, &p.Status, &due, &created, &updated, &p.AuthorID, &p.AuthorName,
		&p.Origin.Platform, &p.Origin.ID, &p.Origin.Thread, &targets, &images, &p.Campaign, &variants, &p.Approval,
		&p.ApprovalBy, &p.ApprovalNote, &approvalAt, &p.Revision, &p.EditedBy, &p.Sequence); err != nil {
		return nil, err
	}
	p.ApprovalAt = fromMS(approvalAt)
	if err := json.Unmarshal([]byte(variants), &p.Variants); err != nil {
		return nil, fmt.Errorf("post %d variants: %w", p.ID, err)
	}
	if len(p.Variants) == 0 {
		p.Variants = nil
	}
	p.DueAt = fromMS(due)
	p.CreatedAt = time.UnixMilli(created).UTC()
	p.UpdatedAt = time.UnixMilli(updated).UTC()
	if err := json.Unmarshal([]byte(targets), &p.Targets); err != nil {
		return nil, fmt.Errorf("post %d targets: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(images), &p.Images); err != nil {
		return nil, fmt.Errorf("post %d images: %w", p.ID, err)
	}
	if len(p.Images) == 0 {
		p.Images = nil
	}
	return &p, nil
}

func findPost(ctx context.Context, tx *sql.Tx, id int64) (*crier.Post, error) {
	p, err := scanPost(tx.QueryRowContext(ctx, "SELECT "+postColumns+" FROM posts WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &crier.PostError{Code: crier.ENOTFOUND, Reason: crier.RefusedNoPost, PostID: id}
	}
	if err != nil {
		return nil, err
	}
	p.Deliveries, err = findDeliveries(ctx, tx, id)
	return p, err
}

// inTx runs fn in an immediate (write) transaction.
func (d *DB) inTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		var ce *crier.Error
		if errors.As(err, &ce) {
			return err
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// inReadTx runs fn in a read-only transaction (one consistent snapshot).
func (d *DB) inReadTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		var ce *crier.Error
		if errors.As(err, &ce) {
			return err
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

func imagesOrEmpty(im []crier.Image) []crier.Image {
	if im == nil {
		return []crier.Image{}
	}
	return im
}
