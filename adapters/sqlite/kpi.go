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

var _ crier.KPIStore = (*DB)(nil)

// AddSamples stores gauge readings in one transaction.
func (d *DB) AddSamples(ctx context.Context, ss []crier.Sample) error {
	if len(ss) == 0 {
		return nil
	}
	return d.inTx(ctx, "store readings", func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, "INSERT INTO metric_samples (metric, account, at, value) VALUES (?, ?, ?, ?)")
		if err != nil {
			return err
		}
		defer st.Close()
		for _, s := range ss {
			if _, err := st.ExecContext(ctx, s.Metric, s.Account, s.At.UnixMilli(), s.Value); err != nil {
				return err
			}
		}
		return nil
	})
}

// Gauge returns metric's latest reading for account before each of ends:
// one index seek each, in one query.
func (d *DB) Gauge(ctx context.Context, metric, account string, ends []time.Time) ([]crier.Reading, error) {
	if len(ends) == 0 {
		return nil, nil
	}
	at := make([]int64, len(ends))
	for i, e := range ends {
		at[i] = e.UnixMilli()
	}
	raw, err := json.Marshal(at)
	if err != nil {
		return nil, fmt.Errorf("gauge: %w", err)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT e.key, (SELECT json_array(value, at) FROM metric_samples INDEXED BY metric_samples_at
		WHERE metric = ? AND account = ? AND at < e.value ORDER BY at DESC LIMIT 1)
		FROM json_each(?) e ORDER BY e.key`, metric, account, string(raw))
	if err != nil {
		return nil, fmt.Errorf("gauge %s of %s: %w", metric, account, err)
	}
	out := make([]crier.Reading, len(ends))
	type reading struct {
		i int
		v sql.NullString // [value, at]
	}
	got, err := collect(rows, func(row scanner) (reading, error) {
		var r reading
		return r, row.Scan(&r.i, &r.v)
	})
	if err != nil {
		return nil, fmt.Errorf("gauge %s of %s: %w", metric, account, err)
	}
	for _, g := range got {
		if g.i < 0 || g.i >= len(out) || !g.v.Valid {
			continue
		}
		var pair [2]float64
		if err := json.Unmarshal([]byte(g.v.String), &pair); err != nil {
			return nil, fmt.Errorf("gauge %s of %s: %w", metric, account, err)
		}
		out[g.i] = crier.Reading{Value: pair[0], At: time.UnixMilli(int64(pair[1])).UTC(), OK: true}
	}
	return out, nil
}

// PostsToMeasure returns the remote ids of the posts published on network
// since since.
func (d *DB) PostsToMeasure(ctx context.Context, network string, since time.Time) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT remote_id FROM deliveries INDEXED BY deliveries_published
		WHERE status = 'published' AND published_at >= ? AND target = ? AND remote_id != '' ORDER BY published_at`,
		since.UnixMilli(), network)
	if err != nil {
		return nil, fmt.Errorf("posts to measure: %w", err)
	}
	out, err := collect(rows, func(row scanner) (string, error) {
		var s string
		return s, row.Scan(&s)
	})
	if err != nil {
		return nil, fmt.Errorf("posts to measure: %w", err)
	}
	return out, nil
}

// SetPostStats stores the latest counts of posts on network.
func (d *DB) SetPostStats(ctx context.Context, network string, at time.Time, stats []crier.PostStats) error {
	if len(stats) == 0 {
		return nil
	}
	return d.inTx(ctx, "store post counts", func(tx *sql.Tx) error {
		for _, s := range stats {
			if _, err := tx.ExecContext(ctx, `INSERT INTO post_stats (network, remote_id, likes, reposts, replies, quotes, measured_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (network, remote_id) DO UPDATE SET likes = excluded.likes,
				reposts = excluded.reposts, replies = excluded.replies, quotes = excluded.quotes, measured_at = excluded.measured_at`,
				network, s.RemoteID, s.Likes, s.Reposts, s.Replies, s.Quotes, at.UnixMilli()); err != nil {
				return err
			}
		}
		return nil
	})
}

// Published returns the deliveries published in [from, to) with their
// latest counts.
func (d *DB) Published(ctx context.Context, from, to time.Time) ([]crier.PublishedPost, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT d.post_id, d.target, d.remote_id, d.url, p.text, p.campaign, d.published_at,
		coalesce(s.likes, 0), coalesce(s.reposts, 0), coalesce(s.replies, 0), coalesce(s.quotes, 0), s.measured_at IS NOT NULL
		FROM deliveries d INDEXED BY deliveries_published JOIN posts p ON p.id = d.post_id
		LEFT JOIN post_stats s ON s.network = d.target AND s.remote_id = d.remote_id
		WHERE d.status = 'published' AND d.published_at >= ? AND d.published_at < ? ORDER BY d.published_at, d.id`,
		from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("published posts: %w", err)
	}
	out, err := collect(rows, func(row scanner) (crier.PublishedPost, error) {
		var (
			p  crier.PublishedPost
			at int64
		)
		err := row.Scan(&p.PostID, &p.Network, &p.RemoteID, &p.URL, &p.Text, &p.Campaign, &at,
			&p.Stats.Likes, &p.Stats.Reposts, &p.Stats.Replies, &p.Stats.Quotes, &p.Measured)
		p.PublishedAt = time.UnixMilli(at).UTC()
		p.Stats.RemoteID = p.RemoteID
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("published posts: %w", err)
	}
	return out, nil
}

// Activity counts what crier did and saw in [from, to).
func (d *DB) Activity(ctx context.Context, from, to, scheduledUntil time.Time) (crier.Activity, error) {
	var a crier.Activity
	f, t := from.UnixMilli(), to.UnixMilli()
	err := d.inReadTx(ctx, "activity", func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT
			(SELECT count(DISTINCT post_id) FROM deliveries INDEXED BY deliveries_published WHERE status = 'published' AND published_at >= ?1 AND published_at < ?2),
			(SELECT count(*) FROM deliveries WHERE status = 'failed' AND coalesce(last_attempt_at, due_at) >= ?1 AND coalesce(last_attempt_at, due_at) < ?2),
			(SELECT count(*) FROM comments INDEXED BY comments_stored WHERE stored_at >= ?1 AND stored_at < ?2),
			(SELECT count(*) FROM replies INDEXED BY replies_published WHERE status = 'published' AND last_attempt_at >= ?1 AND last_attempt_at < ?2),
			(SELECT count(*) FROM conversations INDEXED BY conversations_status WHERE status = 'open' AND EXISTS (SELECT 1 FROM comments WHERE conversation_id = conversations.id))`,
			f, t).Scan(&a.Published, &a.Failed, &a.Comments, &a.RepliesSent, &a.Open); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT first_response_at - opened_at FROM conversations INDEXED BY conversations_first_response
			WHERE first_response_at >= ? AND first_response_at < ? ORDER BY first_response_at`, f, t)
		if err != nil {
			return err
		}
		waits, err := collect(rows, scanInt64)
		if err != nil {
			return err
		}
		for _, w := range waits {
			a.FirstResponse = append(a.FirstResponse, time.Duration(max(w, 0))*time.Millisecond)
		}
		rows, err = tx.QueryContext(ctx, "SELECT "+postColumns+" FROM posts INDEXED BY posts_status_due WHERE status = 'scheduled' AND approval NOT IN ('awaiting', 'rejected') AND due_at >= ? AND due_at < ? ORDER BY due_at, id",
			t, scheduledUntil.UnixMilli())
		if err != nil {
			return err
		}
		ps, err := collect(rows, scanPost)
		if err != nil {
			return err
		}
		for _, p := range ps {
			a.Scheduled = append(a.Scheduled, *p)
		}
		return nil
	})
	return a, err
}

// SetValues stores fed-in values, all or none; a value for the same day,
// metric, account and campaign replaces the one before.
func (d *DB) SetValues(ctx context.Context, vs []crier.Value) error {
	if len(vs) == 0 {
		return nil
	}
	return d.inTx(ctx, "store values", func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO kpi_values (day, metric, account, campaign, value, currency, source, set_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, metric, account, campaign) DO UPDATE SET value = excluded.value,
			currency = excluded.currency, source = excluded.source, set_by = excluded.set_by, updated_at = excluded.updated_at`)
		if err != nil {
			return err
		}
		defer st.Close()
		now := d.clock.Now().UnixMilli()
		for _, v := range vs {
			if _, err := st.ExecContext(ctx, v.Day, v.Metric, v.Account, strings.ToLower(v.Campaign), v.Value, v.Currency, v.Source, v.SetBy, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// Values returns the values of the days first to last, in day order.
func (d *DB) Values(ctx context.Context, first, last string) ([]crier.Value, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT day, metric, account, campaign, value, currency, source, set_by FROM kpi_values
		WHERE day >= ? AND day <= ? ORDER BY day, metric, account, campaign`, first, last)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	out, err := collect(rows, scanValue)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	return out, nil
}

const campaignColumns = "id, name, budget, currency, ends_on, status, created_by, created_at, closed_at"

func scanCampaign(row scanner) (crier.Campaign, error) {
	var (
		c       crier.Campaign
		budget  sql.NullFloat64
		status  string
		created int64
		closed  sql.NullInt64
	)
	err := row.Scan(&c.ID, &c.Name, &budget, &c.Currency, &c.EndsOn, &status, &c.CreatedBy, &created, &closed)
	c.Budget, c.HasBudget = budget.Float64, budget.Valid
	c.Closed = status == "closed"
	c.CreatedAt = time.UnixMilli(created).UTC()
	c.ClosedAt = fromMS(closed)
	return c, err
}

// CampaignPosts counts campaign's posts published before end and their
// engagement.
func (d *DB) CampaignPosts(ctx context.Context, campaign string, end time.Time) (int, int, error) {
	var posts, engagement int
	err := d.db.QueryRowContext(ctx, `SELECT count(DISTINCT d.post_id), coalesce(sum(s.likes + s.reposts + s.replies + s.quotes), 0)
		FROM posts p INDEXED BY posts_campaign CROSS JOIN deliveries d INDEXED BY deliveries_post ON d.post_id = p.id
		LEFT JOIN post_stats s ON s.network = d.target AND s.remote_id = d.remote_id
		WHERE p.campaign = ? AND p.campaign != '' AND d.status = 'published' AND d.published_at < ?`,
		strings.ToLower(campaign), end.UnixMilli()).Scan(&posts, &engagement)
	if err != nil {
		return 0, 0, fmt.Errorf("campaign posts: %w", err)
	}
	return posts, engagement, nil
}

// CampaignValues returns campaign's values up to day last.
func (d *DB) CampaignValues(ctx context.Context, campaign, last string) ([]crier.Value, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT day, metric, account, campaign, value, currency, source, set_by FROM kpi_values
		INDEXED BY kpi_values_campaign WHERE campaign = ? AND campaign != '' AND day <= ? ORDER BY day, metric, account`, strings.ToLower(campaign), last)
	if err != nil {
		return nil, fmt.Errorf("campaign values: %w", err)
	}
	out, err := collect(rows, scanValue)
	if err != nil {
		return nil, fmt.Errorf("campaign values: %w", err)
	}
	return out, nil
}

func scanValue(row scanner) (crier.Value, error) {
	var v crier.Value
	return v, row.Scan(&v.Day, &v.Metric, &v.Account, &v.Campaign, &v.Value, &v.Currency, &v.Source, &v.SetBy)
}

// SetCollectStatus records how reading account's numbers went.
func (d *DB) SetCollectStatus(ctx context.Context, account string, at time.Time, errText string) error {
	if _, err := d.db.ExecContext(ctx, `INSERT INTO collect_status (account, at, error) VALUES (?, ?, ?)
		ON CONFLICT (account) DO UPDATE SET at = excluded.at, error = excluded.error`, account, at.UnixMilli(), errText); err != nil {
		return fmt.Errorf("collect status: %w", err)
	}
	return nil
}

// CollectStatuses returns the last reading's outcome of each account.
func (d *DB) CollectStatuses(ctx context.Context) ([]crier.CollectStatus, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT account, at, error FROM collect_status ORDER BY account")
	if err != nil {
		return nil, fmt.Errorf("collect statuses: %w", err)
	}
	out, err := collect(rows, func(row scanner) (crier.CollectStatus, error) {
		var (
			c  crier.CollectStatus
			at int64
		)
		err := row.Scan(&c.Account, &at, &c.Error)
		c.At = time.UnixMilli(at).UTC()
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("collect statuses: %w", err)
	}
	return out, nil
}

// AddCampaign stores a new campaign.
func (d *DB) AddCampaign(ctx context.Context, c *crier.Campaign) error {
	var budget any
	if c.HasBudget {
		budget = c.Budget
	}
	c.Name = strings.ToLower(c.Name)
	return d.inTx(ctx, "add campaign", func(tx *sql.Tx) error {
		now := d.clock.Now()
		res, err := tx.ExecContext(ctx, `INSERT INTO campaigns (name, budget, currency, ends_on, status, created_by, created_at)
			VALUES (?, ?, ?, ?, 'open', ?, ?) ON CONFLICT (name) DO NOTHING`, c.Name, budget, c.Currency, c.EndsOn, c.CreatedBy, now.UnixMilli())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return crier.Errorf(crier.ECONFLICT, "There is a campaign named %s already; pick another name, or see it with /campaign show %s.", c.Name, c.Name)
		}
		c.ID, err = res.LastInsertId()
		c.CreatedAt = now.UTC()
		return err
	})
}

// Campaign returns the campaign named name.
func (d *DB) Campaign(ctx context.Context, name string) (*crier.Campaign, error) {
	c, err := scanCampaign(d.db.QueryRowContext(ctx, "SELECT "+campaignColumns+" FROM campaigns WHERE name = ?", strings.ToLower(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crier.Errorf(crier.ENOTFOUND, "There is no campaign named %s; /campaign list shows them.", name)
	}
	if err != nil {
		return nil, fmt.Errorf("find campaign: %w", err)
	}
	return &c, nil
}

// Campaigns lists campaigns, open ones first, by name.
func (d *DB) Campaigns(ctx context.Context, withClosed bool) ([]crier.Campaign, error) {
	q := "SELECT " + campaignColumns + " FROM campaigns"
	if !withClosed {
		q += " WHERE status = 'open'"
	}
	rows, err := d.db.QueryContext(ctx, q+" ORDER BY status = 'closed', name")
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	out, err := collect(rows, scanCampaign)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	return out, nil
}

// CloseCampaign closes the campaign named name.
func (d *DB) CloseCampaign(ctx context.Context, name string) (*crier.Campaign, error) {
	res, err := d.db.ExecContext(ctx, "UPDATE campaigns SET status = 'closed', closed_at = ? WHERE name = ? AND status = 'open'",
		d.clock.Now().UnixMilli(), strings.ToLower(name))
	if err != nil {
		return nil, fmt.Errorf("close campaign: %w", err)
	}
	c, err := d.Campaign(ctx, name)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return c, crier.Errorf(crier.EINVALID, "Campaign %s is closed already.", c.Name)
	}
	return c, nil
}

// AddDigestRun stores a run unless its digest, kind, day and seq have one;
// a pending one takes r's time unless /digest now moved it, and a manual r
// moves a pending one earlier only.
func (d *DB) AddDigestRun(ctx context.Context, r crier.DigestRun) (bool, error) {
	late, manual := 0, 0
	if r.Late {
		late = 1
	}
	if r.Manual {
		manual = 1
	}
	res, err := d.db.ExecContext(ctx, `INSERT INTO digest_runs (digest, kind, day, seq, due_at, late, manual, status)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT (digest, kind, day, seq) DO UPDATE SET due_at = excluded.due_at,
		manual = max(digest_runs.manual, excluded.manual)
		WHERE digest_runs.status = 'pending' AND excluded.due_at != digest_runs.due_at
		AND (excluded.manual = 1 AND excluded.due_at < digest_runs.due_at OR excluded.manual = 0 AND digest_runs.manual = 0)`,
		r.Digest, r.Kind, r.Day, r.Seq, r.DueAt.UnixMilli(), late, manual)
	if err != nil {
		return false, fmt.Errorf("add digest run: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("add digest run: %w", err)
	}
	return n > 0, nil
}

// SkipDigestRuns marks a digest's pending runs of kind for days before day
// as skipped.
func (d *DB) SkipDigestRuns(ctx context.Context, digest, kind, day string) error {
	if _, err := d.db.ExecContext(ctx, `UPDATE digest_runs SET status = 'skipped', last_error = 'a later digest stood for it', ended_at = ?
		WHERE digest = ? AND kind = ? AND day < ? AND status = 'pending'`, d.clock.Now().UnixMilli(), digest, kind, day); err != nil {
		return fmt.Errorf("skip digest runs: %w", err)
	}
	return nil
}

// SaveDigestRender keeps run id's message as first rendered.
func (d *DB) SaveDigestRender(ctx context.Context, id int64, rendered string, late bool) error {
	l := 0
	if late {
		l = 1
	}
	if _, err := d.db.ExecContext(ctx, "UPDATE digest_runs SET rendered = ?, late = max(late, ?) WHERE id = ? AND rendered = ''", rendered, l, id); err != nil {
		return fmt.Errorf("save digest: %w", err)
	}
	return nil
}

// LastDigestRun returns the latest day digest has a run of kind for.
func (d *DB) LastDigestRun(ctx context.Context, digest, kind string) (string, error) {
	var day sql.NullString
	if err := d.db.QueryRowContext(ctx, "SELECT max(day) FROM digest_runs WHERE digest = ? AND kind = ?", digest, kind).Scan(&day); err != nil {
		return "", fmt.Errorf("last digest run: %w", err)
	}
	return day.String, nil
}

// NextDigestRun returns when the earliest pending run is due.
func (d *DB) NextDigestRun(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	if err := d.db.QueryRowContext(ctx, "SELECT min(due_at) FROM digest_runs INDEXED BY digest_runs_due WHERE status = 'pending'").Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next digest run: %w", err)
	}
	return fromMS(next), next.Valid, nil
}

// ClaimDigestRuns claims pending runs due by now; SQLite's one writer at a
// time gives each to one claimer.
func (d *DB) ClaimDigestRuns(ctx context.Context, now time.Time, n int) ([]crier.DigestRun, error) {
	var out []crier.DigestRun
	err := d.inTx(ctx, "claim digest runs", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE digest_runs SET status = 'posting', attempts = attempts + 1,
			started_at = coalesce(started_at, ?1)
			WHERE id IN (SELECT id FROM digest_runs INDEXED BY digest_runs_due WHERE status = 'pending' AND due_at <= ?1 ORDER BY due_at, id LIMIT ?2)
			RETURNING id, digest, kind, day, seq, due_at, late, manual, attempts, started_at, rendered`, now.UnixMilli(), n)
		if err != nil {
			return err
		}
		out, err = collect(rows, func(row scanner) (crier.DigestRun, error) {
			var (
				r            crier.DigestRun
				due, started int64
			)
			err := row.Scan(&r.ID, &r.Digest, &r.Kind, &r.Day, &r.Seq, &due, &r.Late, &r.Manual, &r.Attempts, &started, &r.Rendered)
			r.DueAt = time.UnixMilli(due).UTC()
			if r.Attempts > 1 {
				r.TriedSince = time.UnixMilli(started).UTC()
			}
			return r, err
		})
		return err
	})
	return out, err
}

// RecoverDigestRuns makes runs a crash left claimed due again.
func (d *DB) RecoverDigestRuns(ctx context.Context) (int, error) {
	res, err := d.db.ExecContext(ctx, "UPDATE digest_runs SET status = 'pending' WHERE status = 'posting'")
	if err != nil {
		return 0, fmt.Errorf("recover digest runs: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// EndDigestRuns records how runs ended.
func (d *DB) EndDigestRuns(ctx context.Context, ends []crier.DigestEnd) error {
	return d.inTx(ctx, "end digest runs", func(tx *sql.Tx) error {
		now := d.clock.Now().UnixMilli()
		for _, e := range ends {
			var err error
			switch {
			case e.Released:
				_, err = tx.ExecContext(ctx, "UPDATE digest_runs SET status = 'pending', attempts = max(attempts - 1, 0) WHERE id = ? AND status = 'posting'", e.ID)
			case e.Failed:
				_, err = tx.ExecContext(ctx, "UPDATE digest_runs SET status = 'failed', last_error = ?, ended_at = ? WHERE id = ?", e.Reason, now, e.ID)
			case !e.RetryAt.IsZero():
				_, err = tx.ExecContext(ctx, "UPDATE digest_runs SET status = 'pending', due_at = ?, last_error = ? WHERE id = ? AND status = 'posting'",
					e.RetryAt.UnixMilli(), e.Reason, e.ID)
			default:
				_, err = tx.ExecContext(ctx, `UPDATE digest_runs SET status = 'posted', message_platform = ?, message_channel = ?, message_id = ?,
					ended_at = ? WHERE id = ?`, e.Message.Platform, e.Message.Channel, e.Message.ID, now, e.ID)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}
