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
		res, err := tx.ExecContext(ctx, `INSERT INTO series (rule, timezone, template, status, made, created_at, updated_at)
			VALUES (?, ?, ?, ?, 0, ?, ?)`, s.Rule, s.Timezone, string(tmpl), s.Status, now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return err
		}
		if s.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		s.CreatedAt, s.Made, s.LastAt = now, 0, time.Time{}
		return d.addOccurrences(ctx, tx, s, first, s.Status == crier.SeriesEnded, r)
	})
}

// AddOccurrences adds the next occurrences of an active series.
func (d *DB) AddOccurrences(ctx context.Context, id int64, posts []*crier.Post, ended bool, r crier.DeliveryRules) error {
	return d.inTx(ctx, "add occurrences", func(tx *sql.Tx) error {
		s, err := findSeries(ctx, tx, id)
		if err != nil {
			return err
		}
		if s.Status != crier.SeriesActive {
			return crier.Errorf(crier.ECONFLICT, "Series %d is %s; no more posts are made for it.", id, s.Status)
		}
		return d.addOccurrences(ctx, tx, s, posts, ended, r)
	})
}

// addOccurrences inserts posts as the next occurrences of s, each a
// scheduled post with its deliveries, and records how many were made.
func (d *DB) addOccurrences(ctx context.Context, tx *sql.Tx, s *crier.Series, posts []*crier.Post, ended bool, r crier.DeliveryRules) error {
	now := d.clock.Now().UTC()
	for _, p := range posts {
		if p.Status != crier.PostScheduled || p.DueAt.IsZero() {
			return fmt.Errorf("occurrence %d of series %d: not a scheduled post", s.Made+1, s.ID)
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
			series_id, occurrence_no)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Text, p.Status, p.DueAt.UnixMilli(), now.UnixMilli(), now.UnixMilli(),
			p.AuthorID, p.AuthorName, p.Origin.Platform, p.Origin.ID, p.Origin.Thread, string(targets), string(images), p.Campaign,
			string(variants), p.Approval, p.Revision, s.ID, s.Made)
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

// CancelSeries cancels a series and its occurrences due at or after from
// that have not started publishing, in one transaction.
func (d *DB) CancelSeries(ctx context.Context, id int64, from time.Time) (canceled, started []int64, err error) {
	err = d.inTx(ctx, "cancel series", func(tx *sql.Tx) error {
		canceled, started = nil, nil
		s, err := findSeries(ctx, tx, id)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM posts WHERE series_id = ? AND status = 'scheduled' AND due_at >= ? ORDER BY due_at, id`,
			id, from.UnixMilli())
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var pid int64
			if err := rows.Scan(&pid); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, pid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
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
			p.Status = crier.PostCanceled
			if err := d.touch(ctx, tx, p); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE deliveries SET status = 'canceled', next_at = NULL WHERE post_id = ?", pid); err != nil {
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

const seriesColumns = `id, rule, timezone, template, status, made, last_at, created_at`

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
	if err := row.Scan(&s.ID, &s.Rule, &s.Timezone, &tmpl, &s.Status, &s.Made, &last, &created); err != nil {
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
