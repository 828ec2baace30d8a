package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

var _ crier.SeriesStore = (*DB)(nil)

// seriesTemplate is what the series table keeps of the post every
// occurrence copies.
type seriesTemplate struct {
	Text       string            `json:"text"`
	AuthorID   string            `json:"author_id"`
	AuthorName string            `json:"author_name"`
	Origin     crier.ChannelRef  `json:"origin"`
	Targets    []string          `json:"targets"`
	Images     []crier.Image     `json:"images,omitempty"`
	Campaign   string            `json:"campaign,omitempty"`
	Variants   map[string]string `json:"variants,omitempty"`
	Approval   crier.Approval    `json:"approval,omitempty"`
}

// AddSeries stores a series and its first occurrences in one transaction.
func (d *DB) AddSeries(ctx context.Context, s *crier.Series, first []*crier.Post, r crier.DeliveryRules) error {
	return d.inTx(ctx, "add series", func(tx *sql.Tx) error {
		t := s.Template
		tmpl, err := json.Marshal(seriesTemplate{Text: t.Text, AuthorID: t.AuthorID, AuthorName: t.AuthorName, Origin: t.Origin,
			Targets: t.Targets, Images: t.Images, Campaign: t.Campaign, Variants: t.Variants, Approval: t.Approval})
		if err != nil {
			return err
		}
		now := d.clock.Now().UTC()
		if s.Status == "" {
			s.Status = crier.SeriesActive
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO series (rule, timezone, template, status, made, created_at, updated_at, evergreen)
			VALUES (?, ?, ?, ?, 0, ?, ?, ?)`, s.Rule, s.Timezone, string(tmpl), s.Status, now.UnixMilli(), now.UnixMilli(), s.Evergreen)
		if err != nil {
			return err
		}
		if s.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		s.CreatedAt, s.Made, s.LastAt = now, 0, time.Time{}
		if err := d.addOccurrences(ctx, tx, s, first, s.Status == crier.SeriesEnded, r); err != nil {
			return err
		}
		if s.Evergreen && s.Made == 0 {
			return errNoEvergreen
		}
		return nil
	})
}

// AddOccurrences adds the next occurrences of an active series that has
// made occurrences so far, and nothing when it has made another count.
func (d *DB) AddOccurrences(ctx context.Context, id int64, made int, posts []*crier.Post, ended bool, r crier.DeliveryRules) error {
	return d.inTx(ctx, "add occurrences", func(tx *sql.Tx) error {
		s, err := findSeries(ctx, tx, id)
		if err != nil {
			return err
		}
		if s.Status != crier.SeriesActive {
			return crier.Errorf(crier.ECONFLICT, "Series %d is %s; no more posts are made for it.", id, s.Status)
		}
		if s.Made != made {
			return crier.Errorf(crier.ECONFLICT, "Series %d changed meanwhile (%d posts made, not %d); its next posts are made on the next top-up.", id, s.Made, made)
		}
		return d.addOccurrences(ctx, tx, s, posts, ended, r)
	})
}

// ApproveSeries approves series id when its first occurrence is approved:
// its awaiting occurrences are approved alike (and released), and those
// made later are made approved.
func (d *DB) ApproveSeries(ctx context.Context, id int64) (approved bool, skipped []int64, err error) {
	err = d.inTx(ctx, "approve series", func(tx *sql.Tx) error {
		approved, skipped = false, nil
		s, err := findSeries(ctx, tx, id)
		if err != nil {
			return err
		}
		if s.Template.Approval != crier.ApprovalAwaiting {
			return nil
		}
		var (
			approval string
			by       string
			at       sql.NullInt64
		)
		err = tx.QueryRowContext(ctx, "SELECT COALESCE(approval, ''), COALESCE(approval_by, ''), approval_at FROM posts WHERE series_id = ? AND occurrence_no = 1", id).
			Scan(&approval, &by, &at)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && crier.Approval(approval) != crier.ApprovalApproved) {
			return nil
		}
		if err != nil {
			return err
		}
		now := d.clock.Now().UTC()
		t := s.Template
		t.Approval = crier.ApprovalApproved
		tmpl, err := json.Marshal(seriesTemplate{Text: t.Text, AuthorID: t.AuthorID, AuthorName: t.AuthorName, Origin: t.Origin,
			Targets: t.Targets, Images: t.Images, Campaign: t.Campaign, Variants: t.Variants, Approval: t.Approval})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE series SET template = ?, updated_at = ? WHERE id = ?", string(tmpl), now.UnixMilli(), id); err != nil {
			return err
		}
		when := now.UnixMilli()
		if at.Valid {
			when = at.Int64
		}
		// Occurrences whose time passed while the series waited are
		// skipped, not posted late: a series is a rhythm, and approving a
		// daily series on its third day must not send three posts at once.
		// (The first stands for the series, and its approver chose.)
		skipped, err = queryIDs(ctx, tx, `SELECT id FROM posts WHERE series_id = ? AND occurrence_no > 1 AND approval = 'awaiting'
			AND status = 'scheduled' AND due_at < ? ORDER BY due_at, id`, id, now.UnixMilli())
		if err != nil {
			return err
		}
		for _, pid := range skipped {
			p, err := findPost(ctx, tx, pid)
			if err != nil {
				return err
			}
			if err := d.cancelPost(ctx, tx, p); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET next_at = max(due_at, ?) WHERE status = 'pending' AND post_id IN
			(SELECT id FROM posts WHERE series_id = ? AND approval = 'awaiting' AND status = 'scheduled')`, now.UnixMilli(), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET approval = 'approved', approval_by = ?, approval_at = ?, updated_at = ?, sequence = sequence + 1
			WHERE series_id = ? AND approval = 'awaiting' AND status = 'scheduled'`, by, when, now.UnixMilli(), id); err != nil {
			return err
		}
		approved = true
		return nil
	})
	if err != nil {
		return false, nil, err
	}
	return approved, skipped, nil
}

// errNoEvergreen refuses an evergreen series when no post is marked.
var errNoEvergreen = crier.Errorf(crier.ENOTFOUND, "There are no evergreen posts: mark some with /evergreen #id, then schedule the series again.")

// addOccurrences inserts posts as the next occurrences of s, each a
// scheduled post with its deliveries, and records how many were made. Of
// an evergreen series, each copies the next evergreen post, which moves to
// the end of the rotation; when none is marked the rest are not made.
func (d *DB) addOccurrences(ctx context.Context, tx *sql.Tx, s *crier.Series, posts []*crier.Post, ended bool, r crier.DeliveryRules) error {
	now := d.clock.Now().UTC()
	for _, p := range posts {
		if p.Status != crier.PostScheduled || p.DueAt.IsZero() {
			return fmt.Errorf("occurrence %d of series %d: not a scheduled post", s.Made+1, s.ID)
		}
		var of sql.NullInt64
		if s.Evergreen {
			orig, err := nextEvergreen(ctx, tx)
			if err != nil {
				return err
			}
			if orig == nil {
				ended = false // made when posts are marked again
				break
			}
			copyEvergreen(p, orig)
			of = sql.NullInt64{Int64: orig.ID, Valid: true}
		}
		targets, err := json.Marshal(p.Targets)
		if err != nil {
			return err
		}
		images, err := json.Marshal(imagesOrEmpty(p.Images))
		if err != nil {
			return err
		}
		variants, err := json.Marshal(variantsOrEmpty(p.Variants))
		if err != nil {
			return err
		}
		if p.Revision == 0 {
			p.Revision = 1
		}
		s.Made++
		res, err := tx.ExecContext(ctx, `INSERT INTO posts (text, status, due_at, created_at, updated_at,
			author_id, author_name, origin_platform, origin_channel, origin_thread, targets, images, campaign, variants, approval, revision,
			series_id, occurrence_no, evergreen_of)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Text, p.Status, p.DueAt.UnixMilli(), now.UnixMilli(), now.UnixMilli(),
			p.AuthorID, p.AuthorName, p.Origin.Platform, p.Origin.ID, p.Origin.Thread, string(targets), string(images), p.Campaign,
			string(variants), p.Approval, p.Revision, s.ID, s.Made, of)
		if err != nil {
			return err
		}
		if p.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		p.CreatedAt, p.UpdatedAt = now, now
		if p.Deliveries, err = d.createDeliveries(ctx, tx, p, r); err != nil {
			return err
		}
		s.LastAt = p.DueAt.UTC()
		if of.Valid {
			if _, err := tx.ExecContext(ctx, `UPDATE evergreen SET turn = (SELECT MAX(turn) FROM evergreen) + 1, reposts = reposts + 1,
				last_repost_id = ?, last_repost_at = ? WHERE post_id = ?`, p.ID, p.DueAt.UnixMilli(), of.Int64); err != nil {
				return err
			}
		}
	}
	if ended {
		s.Status = crier.SeriesEnded
	}
	_, err := tx.ExecContext(ctx, "UPDATE series SET made = ?, last_at = ?, status = ?, updated_at = ? WHERE id = ?",
		s.Made, ms(s.LastAt), s.Status, now.UnixMilli(), s.ID)
	return err
}

// FindSeries returns a series.
func (d *DB) FindSeries(ctx context.Context, id int64) (*crier.Series, error) {
	var s *crier.Series
	err := d.inReadTx(ctx, "find series", func(tx *sql.Tx) error {
		var err error
		s, err = findSeries(ctx, tx, id)
		return err
	})
	return s, err
}

// SeriesOf returns the series a post is an occurrence of, or nil.
func (d *DB) SeriesOf(ctx context.Context, postID int64) (*crier.Series, int, error) {
	var (
		s  *crier.Series
		no int
	)
	err := d.inReadTx(ctx, "series of post", func(tx *sql.Tx) error {
		var id, n sql.NullInt64
		err := tx.QueryRowContext(ctx, "SELECT series_id, occurrence_no FROM posts WHERE id = ?", postID).Scan(&id, &n)
		if errors.Is(err, sql.ErrNoRows) {
			return &crier.PostError{Code: crier.ENOTFOUND, Reason: crier.RefusedNoPost, PostID: postID}
		}
		if err != nil || !id.Valid {
			return err
		}
		no = int(n.Int64)
		s, err = findSeries(ctx, tx, id.Int64)
		return err
	})
	return s, no, err
}

// ActiveSeries returns the series that may need more occurrences.
func (d *DB) ActiveSeries(ctx context.Context) ([]*crier.Series, error) {
	var out []*crier.Series
	err := d.inReadTx(ctx, "active series", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT "+seriesColumns+" FROM series WHERE status = 'active' ORDER BY id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			s, err := scanSeries(rows)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	return out, err
}

// CancelSeries cancels a series and its scheduled occurrences that have
// not started publishing, in one transaction: those due at or after from,
// and those overdue (due before from) whose deliveries have had no
// attempt, which would otherwise still go out.
func (d *DB) CancelSeries(ctx context.Context, id int64, from time.Time) (canceled, started []int64, err error) {
	err = d.inTx(ctx, "cancel series", func(tx *sql.Tx) error {
		canceled, started = nil, nil
		s, err := findSeries(ctx, tx, id)
		if err != nil {
			return err
		}
		// Overdue and upcoming alike: anyStarted tells those that had an
		// attempt, wherever their time is relative to from.
		ids, err := queryIDs(ctx, tx, `SELECT id FROM posts WHERE series_id = ? AND status = 'scheduled' ORDER BY due_at, id`, id)
		if err != nil {
			return err
		}
		for _, pid := range ids {
			p, err := findPost(ctx, tx, pid)
			if err != nil {
				return err
			}
			if notStarted(p, false) != nil || anyStarted(p) {
				started = append(started, pid)
				continue
			}
			if err := d.cancelPost(ctx, tx, p); err != nil {
				return err
			}
			canceled = append(canceled, pid)
		}
		s.Status = crier.SeriesCanceled
		_, err = tx.ExecContext(ctx, "UPDATE series SET status = 'canceled', updated_at = ? WHERE id = ?", d.clock.Now().UnixMilli(), id)
		return err
	})
	return canceled, started, err
}

// queryIDs returns the ids a query selects, in its order.
func queryIDs(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// anyStarted reports whether a delivery of p has had an attempt: a
// series cancel leaves such an occurrence to a person.
func anyStarted(p *crier.Post) bool {
	for _, dl := range p.Deliveries {
		if dl.Attempts > 0 || !dl.StartedAt.IsZero() || dl.Status != crier.DeliveryPending {
			return true
		}
	}
	return false
}

const seriesColumns = `id, rule, timezone, template, status, made, last_at, created_at, evergreen`

func findSeries(ctx context.Context, tx *sql.Tx, id int64) (*crier.Series, error) {
	s, err := scanSeries(tx.QueryRowContext(ctx, "SELECT "+seriesColumns+" FROM series WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crier.Errorf(crier.ENOTFOUND, "There is no series %d.", id)
	}
	return s, err
}

func scanSeries(row scanner) (*crier.Series, error) {
	var (
		s       crier.Series
		tmpl    string
		last    sql.NullInt64
		created int64
	)
	if err := row.Scan(&s.ID, &s.Rule, &s.Timezone, &tmpl, &s.Status, &s.Made, &last, &created, &s.Evergreen); err != nil {
		return nil, err
	}
	var t seriesTemplate
	if err := json.Unmarshal([]byte(tmpl), &t); err != nil {
		return nil, fmt.Errorf("series %d template: %w", s.ID, err)
	}
	s.Template = crier.Post{Text: t.Text, AuthorID: t.AuthorID, AuthorName: t.AuthorName, Origin: t.Origin, Targets: t.Targets,
		Images: t.Images, Campaign: t.Campaign, Variants: t.Variants, Approval: t.Approval}
	s.LastAt, s.CreatedAt = fromMS(last), time.UnixMilli(created).UTC()
	return &s, nil
}

// nextEvergreen returns the next post of the rotation: marked, least
// recently re-posted, ties by id; neither cancelled nor held for approval.
// nil when there is none.
func nextEvergreen(ctx context.Context, tx *sql.Tx) (*crier.Post, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT e.post_id FROM evergreen e JOIN posts p ON p.id = e.post_id
		WHERE e.marked = 1 AND p.status != 'canceled' AND COALESCE(p.approval, '') NOT IN ('awaiting', 'rejected')
		ORDER BY e.turn, e.post_id LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return findPost(ctx, tx, id)
}

// copyEvergreen makes p, an occurrence of an evergreen series, a re-post of
// orig: its text, networks, networks' own texts, pictures and campaign. The
// author, origin and approval stay the series'; the networks too when orig
// names none.
func copyEvergreen(p, orig *crier.Post) {
	p.Text, p.Campaign = orig.Text, orig.Campaign
	if len(orig.Targets) > 0 {
		p.Targets = append([]string(nil), orig.Targets...)
	}
	p.Images = append([]crier.Image(nil), orig.Images...)
	p.Variants = nil
	if len(orig.Variants) > 0 {
		p.Variants = make(map[string]string, len(orig.Variants))
		for k, v := range orig.Variants {
			p.Variants[k] = v
		}
	}
}

// MarkEvergreen marks a post evergreen, or unmarks it.
func (d *DB) MarkEvergreen(ctx context.Context, id int64, on bool, by string) (*crier.Evergreen, error) {
	var e *crier.Evergreen
	err := d.inTx(ctx, "mark evergreen", func(tx *sql.Tx) error {
		p, err := findPost(ctx, tx, id)
		if err != nil {
			return err
		}
		if !on {
			res, err := tx.ExecContext(ctx, "UPDATE evergreen SET marked = 0 WHERE post_id = ? AND marked = 1", id)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				if err == nil {
					err = crier.Errorf(crier.ENOTFOUND, "Post #%d is not evergreen. Type /evergreen to see the evergreen posts.", id)
				}
				return err
			}
			e, err = findEvergreen(ctx, tx, p)
			return err
		}
		if p.Status == crier.PostCanceled {
			return crier.Errorf(crier.ECONFLICT, "Post #%d is cancelled, so it is not re-posted. Mark a published or scheduled post, or a draft.", id)
		}
		var of sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT evergreen_of FROM posts WHERE id = ?", id).Scan(&of); err != nil {
			return err
		}
		if of.Valid {
			return crier.Errorf(crier.ECONFLICT, "Post #%d is a re-post of evergreen post #%d, which is in the rotation already.", id, of.Int64)
		}
		now := d.clock.Now().UTC()
		if _, err := tx.ExecContext(ctx, `INSERT INTO evergreen (post_id, marked, marked_by, marked_at) VALUES (?, 1, ?, ?)
			ON CONFLICT (post_id) DO UPDATE SET marked = 1, marked_by = excluded.marked_by, marked_at = excluded.marked_at WHERE marked = 0`,
			id, by, now.UnixMilli()); err != nil {
			return err
		}
		e, err = findEvergreen(ctx, tx, p)
		return err
	})
	return e, err
}

// EvergreenPosts returns the marked posts in rotation order.
func (d *DB) EvergreenPosts(ctx context.Context) ([]*crier.Evergreen, error) {
	var out []*crier.Evergreen
	err := d.inReadTx(ctx, "evergreen posts", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT post_id FROM evergreen WHERE marked = 1 ORDER BY turn, post_id")
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
			e, err := findEvergreen(ctx, tx, p)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// findEvergreen reads p's row of the rotation.
func findEvergreen(ctx context.Context, tx *sql.Tx, p *crier.Post) (*crier.Evergreen, error) {
	var (
		e        = crier.Evergreen{Post: p}
		marked   int64
		repostID sql.NullInt64
		repostAt sql.NullInt64
	)
	err := tx.QueryRowContext(ctx, "SELECT marked_by, marked_at, reposts, last_repost_id, last_repost_at FROM evergreen WHERE post_id = ?", p.ID).
		Scan(&e.MarkedBy, &marked, &e.Reposts, &repostID, &repostAt)
	if err != nil {
		return nil, err
	}
	e.MarkedAt, e.LastRepostID, e.LastRepostAt = time.UnixMilli(marked).UTC(), repostID.Int64, fromMS(repostAt)
	return &e, nil
}
