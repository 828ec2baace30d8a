package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

var _ crier.InboxStore = (*DB)(nil)

// AddComments stores new comments in their conversations and saves the
// network's cursor, in one transaction.
func (d *DB) AddComments(ctx context.Context, network string, cs []crier.Comment, cursor string, score func(crier.Comment) string) ([]crier.StoredComment, error) {
	var added []crier.StoredComment
	err := d.inTx(ctx, "store comments", func(tx *sql.Tx) error {
		now := d.clock.Now().UnixMilli()
		for _, c := range cs {
			if c.RemoteID == "" || c.Text == "" && c.Kind != "quote" {
				continue
			}
			c.Network = network
			var exists int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM comments WHERE network = ? AND remote_id = ?", network, c.RemoteID).Scan(&exists); err != nil {
				return err
			}
			if exists > 0 {
				continue
			}
			// crier's own replies and posts come back in some feeds: never
			// relay them as comments.
			var own int
			if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM replies WHERE network = ? AND remote_id = ?)
				+ (SELECT count(*) FROM deliveries WHERE target = ? AND remote_id = ?)`,
				network, c.RemoteID, network, c.RemoteID).Scan(&own); err != nil {
				return err
			}
			if own > 0 {
				continue
			}
			// One of crier's answers echoed back before crier recorded its
			// id (a receiver forwarding every new message as it stores it):
			// under the comment it answers, with its text, alone or after
			// @handles (Mastodon puts the author's first).
			if c.ParentID != "" {
				rows, err := tx.QueryContext(ctx, `SELECT r.text FROM replies r JOIN comments a ON a.id = r.comment_id
					WHERE r.network = ?1 AND a.network = ?1 AND a.remote_id = ?2 AND r.status IN ('pending', 'publishing', 'maybe') AND r.remote_id = ''`,
					network, c.ParentID)
				if err != nil {
					return err
				}
				answers, err := collect(rows, func(row scanner) (string, error) {
					var t string
					return t, row.Scan(&t)
				})
				if err != nil {
					return err
				}
				if slices.ContainsFunc(answers, func(a string) bool { return isEcho(c.Text, a) }) {
					continue
				}
			}
			convID, err := d.fileComment(ctx, tx, c)
			if err != nil {
				return err
			}
			sentiment := "neutral"
			if score != nil {
				sentiment = score(c)
			}
			created := c.CreatedAt
			if created.IsZero() {
				created = d.clock.Now()
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO comments (conversation_id, network, remote_id, url, kind, root_remote_id,
				parent_id, author_id, author_handle, author_name, text, created_at, reply_ref, sentiment, stored_at, relay, relay_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
				convID, network, c.RemoteID, c.URL, c.Kind, c.RootRemoteID, c.ParentID, c.AuthorID, c.AuthorHandle, c.AuthorName,
				c.Text, created.UnixMilli(), c.ReplyRef, sentiment, now, now)
			if err != nil {
				return err
			}
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			c.CreatedAt = created.UTC()
			added = append(added, crier.StoredComment{Comment: c, ID: id, ConversationID: convID, Sentiment: sentiment})
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO inbox_cursors (network, cursor, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (network) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`, network, cursor, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}

// fileComment returns the conversation c belongs to: the one under its root
// post (crier's, when one of its deliveries is that post), opened when this
// is its first comment and reopened when the team had answered or closed it.
func (d *DB) fileComment(ctx context.Context, tx *sql.Tx, c crier.Comment) (int64, error) {
	root := c.RootRemoteID
	if root == "" {
		root = c.ParentID
	}
	if root == "" {
		root = c.RemoteID // a mention of no post: a conversation of its own
	}
	created := c.CreatedAt
	if created.IsZero() {
		created = d.clock.Now()
	}
	var id int64
	// An answer to a comment crier has, or to one of crier's replies, is in
	// that conversation, whatever root the network names (Mastodon names
	// only the parent).
	err := tx.QueryRowContext(ctx, `SELECT conversation_id FROM comments WHERE network = ? AND remote_id = ?
		UNION ALL SELECT conversation_id FROM replies WHERE network = ? AND remote_id = ? LIMIT 1`,
		c.Network, c.ParentID, c.Network, c.ParentID).Scan(&id)
	if err == nil && c.ParentID != "" {
		_, err = tx.ExecContext(ctx, `UPDATE conversations SET status = 'open', last_customer_at = max(last_customer_at, ?) WHERE id = ?`,
			created.UnixMilli(), id)
		return id, err
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	err = tx.QueryRowContext(ctx, "SELECT id FROM conversations WHERE network = ? AND root_remote_id = ?", c.Network, root).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		var postID sql.NullInt64
		err := tx.QueryRowContext(ctx, "SELECT post_id FROM deliveries WHERE target = ? AND remote_id = ? LIMIT 1", c.Network, root).Scan(&postID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO conversations (network, root_remote_id, post_id, status, opened_at, last_customer_at)
			VALUES (?, ?, ?, 'open', ?, ?)`, c.Network, root, postID, created.UnixMilli(), created.UnixMilli())
		if err != nil {
			return 0, err
		}
		return res.LastInsertId()
	case err != nil:
		return 0, err
	}
	// Opened at publish time with no comment yet: its first comment opens it.
	_, err = tx.ExecContext(ctx, `UPDATE conversations SET status = 'open',
		opened_at = CASE WHEN EXISTS (SELECT 1 FROM comments WHERE conversation_id = conversations.id) THEN opened_at ELSE ? END,
		last_customer_at = CASE WHEN EXISTS (SELECT 1 FROM comments WHERE conversation_id = conversations.id) THEN max(last_customer_at, ?) ELSE ? END
		WHERE id = ?`, created.UnixMilli(), created.UnixMilli(), created.UnixMilli(), id)
	return id, err
}

// NegativeSince returns when each negative comment stored since then was
// stored, oldest first.
func (d *DB) NegativeSince(ctx context.Context, since time.Time) ([]time.Time, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT stored_at FROM comments WHERE sentiment = 'negative' AND stored_at >= ? ORDER BY stored_at", since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("recent negative comments: %w", err)
	}
	ats, err := collect(rows, scanInt64)
	if err != nil {
		return nil, fmt.Errorf("recent negative comments: %w", err)
	}
	out := make([]time.Time, len(ats))
	for i, at := range ats {
		out[i] = time.UnixMilli(at).UTC()
	}
	return out, nil
}

// InboxCursor returns the cursor saved for network.
func (d *DB) InboxCursor(ctx context.Context, network string) (string, error) {
	var cursor string
	err := d.db.QueryRowContext(ctx, "SELECT cursor FROM inbox_cursors WHERE network = ?", network).Scan(&cursor)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("inbox cursor: %w", err)
	}
	return cursor, nil
}

// NextComment returns when the earliest comment waiting to be relayed is due.
func (d *DB) NextComment(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	if err := d.db.QueryRowContext(ctx, "SELECT min(relay_at) FROM comments INDEXED BY comments_relay WHERE relay = 'pending'").Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next comment: %w", err)
	}
	return fromMS(next), next.Valid, nil
}

const commentColumns = `c.id, c.conversation_id, c.network, c.remote_id, c.url, c.kind, c.root_remote_id, c.parent_id,
	c.author_id, c.author_handle, c.author_name, c.text, c.created_at, c.reply_ref, c.sentiment,
	c.message_platform, c.message_channel, c.message_id`

func scanComment(row scanner) (crier.StoredComment, error) {
	var (
		c       crier.StoredComment
		created int64
	)
	err := row.Scan(&c.ID, &c.ConversationID, &c.Network, &c.RemoteID, &c.URL, &c.Kind, &c.RootRemoteID, &c.ParentID,
		&c.AuthorID, &c.AuthorHandle, &c.AuthorName, &c.Text, &created, &c.ReplyRef, &c.Sentiment,
		&c.Message.Platform, &c.Message.Channel, &c.Message.ID)
	c.CreatedAt = time.UnixMilli(created).UTC()
	return c, err
}

const conversationColumns = `v.id, v.network, v.root_remote_id, coalesce(v.post_id, 0), coalesce(p.text, ''),
	coalesce((SELECT url FROM deliveries WHERE post_id = v.post_id AND target = v.network LIMIT 1), ''),
	v.status, v.assignee_id, v.assignee_name, v.thread_platform, v.thread_channel, v.thread_id,
	v.opened_at, v.last_customer_at, v.first_response_at, (SELECT count(*) FROM comments WHERE conversation_id = v.id)`

const conversationFrom = ` FROM conversations v LEFT JOIN posts p ON p.id = v.post_id`

func scanConversation(row scanner) (crier.Conversation, error) {
	var (
		v              crier.Conversation
		opened, latest int64
		first          sql.NullInt64
	)
	err := row.Scan(&v.ID, &v.Network, &v.RootRemoteID, &v.PostID, &v.PostText, &v.PostURL, &v.Status, &v.AssigneeID, &v.AssigneeName,
		&v.Thread.Platform, &v.Thread.Channel, &v.Thread.ID, &opened, &latest, &first, &v.Comments)
	v.OpenedAt, v.LastCustomerAt, v.FirstResponseAt = time.UnixMilli(opened).UTC(), time.UnixMilli(latest).UTC(), fromMS(first)
	return v, err
}

// ClaimComments takes up to n comments waiting to be relayed, oldest first,
// with their conversations.
func (d *DB) ClaimComments(ctx context.Context, n int) ([]crier.CommentClaim, error) {
	var out []crier.CommentClaim
	err := d.inTx(ctx, "claim comments", func(tx *sql.Tx) error {
		now := d.clock.Now().UnixMilli()
		rows, err := tx.QueryContext(ctx, `UPDATE comments SET relay = 'relaying', relay_tries = relay_tries + 1,
			relay_started_at = coalesce(relay_started_at, ?)
			WHERE id IN (SELECT id FROM comments INDEXED BY comments_relay WHERE relay = 'pending' AND relay_at <= ? ORDER BY relay_at, id LIMIT ?)
			RETURNING id, relay_tries, relay_started_at`, now, now, n)
		if err != nil {
			return err
		}
		type claimed struct {
			id, tries, started int64
		}
		got, err := collect(rows, func(row scanner) (claimed, error) {
			var c claimed
			return c, row.Scan(&c.id, &c.tries, &c.started)
		})
		if err != nil || len(got) == 0 {
			return err
		}
		ids := make([]int64, len(got))
		tried := map[int64]time.Time{}
		started := map[int64]time.Time{}
		for i, c := range got {
			ids[i] = c.id
			started[c.id] = time.UnixMilli(c.started).UTC()
			if c.tries > 1 {
				tried[c.id] = started[c.id]
			}
		}
		rows, err = tx.QueryContext(ctx, "SELECT "+commentColumns+" FROM comments c WHERE c.id IN (SELECT value FROM json_each(?)) ORDER BY c.id", idList(ids))
		if err != nil {
			return err
		}
		cs, err := collect(rows, scanComment)
		if err != nil {
			return err
		}
		convs := map[int64]crier.Conversation{} // a burst is mostly one conversation's
		for _, c := range cs {
			v, ok := convs[c.ConversationID]
			if !ok {
				if v, err = scanConversation(tx.QueryRowContext(ctx, "SELECT "+conversationColumns+conversationFrom+" WHERE v.id = ?", c.ConversationID)); err != nil {
					return err
				}
				convs[c.ConversationID] = v
			}
			out = append(out, crier.CommentClaim{Comment: c, Conversation: v, TriedSince: tried[c.ID], StartedAt: started[c.ID]})
		}
		return nil
	})
	return out, err
}

// RecoverComments gives back comments a crash left being relayed.
func (d *DB) RecoverComments(ctx context.Context) (int, error) {
	var n int64
	err := d.inTx(ctx, "recover comments", func(tx *sql.Tx) error {
		// Their place in line is kept: a thread shows comments as written.
		res, err := tx.ExecContext(ctx, "UPDATE comments SET relay = 'pending' WHERE relay = 'relaying'")
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// CommentRelayed records where a comment was relayed, and the
// conversation's thread when this opened it; failed makes it due again at
// retryAt.
func (d *DB) CommentRelayed(ctx context.Context, id int64, thread, msg crier.MessageRef, retryAt time.Time, failed bool) error {
	return d.inTx(ctx, "record relayed comment", func(tx *sql.Tx) error {
		if thread.ID != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE conversations SET thread_platform = ?, thread_channel = ?, thread_id = ?
				WHERE id = (SELECT conversation_id FROM comments WHERE id = ?) AND thread_id = ''`,
				thread.Platform, thread.Channel, thread.ID, id); err != nil {
				return err
			}
		}
		if failed {
			_, err := tx.ExecContext(ctx, "UPDATE comments SET relay = 'pending', relay_at = ? WHERE id = ? AND relay = 'relaying'", ms(retryAt), id)
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE comments SET relay = 'relayed', relay_at = NULL, message_platform = ?, message_channel = ?, message_id = ?
			WHERE id = ?`, msg.Platform, msg.Channel, msg.ID, id)
		return err
	})
}

// OpenConversation returns (opening it when needed) the conversation under
// root on network.
func (d *DB) OpenConversation(ctx context.Context, network, root string, postID int64) (*crier.Conversation, error) {
	var v crier.Conversation
	err := d.inTx(ctx, "open conversation", func(tx *sql.Tx) error {
		now := d.clock.Now().UnixMilli()
		var post any
		if postID != 0 {
			post = postID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO conversations (network, root_remote_id, post_id, status, opened_at, last_customer_at)
			VALUES (?, ?, ?, 'open', ?, ?) ON CONFLICT (network, root_remote_id) DO NOTHING`, network, root, post, now, now); err != nil {
			return err
		}
		var err error
		v, err = scanConversation(tx.QueryRowContext(ctx, "SELECT "+conversationColumns+conversationFrom+" WHERE v.network = ? AND v.root_remote_id = ?", network, root))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// StartThread records that crier is about to post the message opening
// conversation id's thread, and returns when the first attempt began when
// this is not it.
func (d *DB) StartThread(ctx context.Context, id int64) (time.Time, error) {
	var before sql.NullInt64
	err := d.inTx(ctx, "start thread", func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT thread_started_at FROM conversations WHERE id = ?", id).Scan(&before); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return crier.Errorf(crier.ENOTFOUND, "there is no conversation %d", id)
			}
			return err
		}
		if before.Valid {
			return nil
		}
		_, err := tx.ExecContext(ctx, "UPDATE conversations SET thread_started_at = ? WHERE id = ?", d.clock.Now().UnixMilli(), id)
		return err
	})
	if err != nil {
		return time.Time{}, err
	}
	return fromMS(before), nil
}

// SetThread records conversation id's chat thread unless it has one.
func (d *DB) SetThread(ctx context.Context, id int64, thread crier.MessageRef) (*crier.Conversation, error) {
	return d.updateConversation(ctx, id, `UPDATE conversations SET
		thread_platform = CASE WHEN thread_id = '' THEN ? ELSE thread_platform END,
		thread_channel = CASE WHEN thread_id = '' THEN ? ELSE thread_channel END,
		thread_id = CASE WHEN thread_id = '' THEN ? ELSE thread_id END WHERE id = ?`,
		thread.Platform, thread.Channel, thread.ID, id)
}

// PostThread returns the thread a conversation of post postID has in ch.
func (d *DB) PostThread(ctx context.Context, postID int64, ch crier.ChannelRef) (crier.MessageRef, bool, error) {
	ref := crier.MessageRef{Platform: ch.Platform, Channel: ch.ID}
	err := d.db.QueryRowContext(ctx, `SELECT thread_id FROM conversations WHERE post_id = ? AND thread_platform = ? AND thread_channel = ?
		AND thread_id != '' ORDER BY id LIMIT 1`, postID, ch.Platform, ch.ID).Scan(&ref.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return crier.MessageRef{}, false, nil
	}
	if err != nil {
		return crier.MessageRef{}, false, fmt.Errorf("find the post's thread: %w", err)
	}
	return ref, true, nil
}

// ConversationByThread returns the conversation in ch's thread with the
// latest comment.
func (d *DB) ConversationByThread(ctx context.Context, ch crier.ChannelRef) (*crier.Conversation, *crier.StoredComment, error) {
	var v crier.Conversation
	var latest *crier.StoredComment
	err := d.inReadTx(ctx, "find conversation", func(tx *sql.Tx) error {
		var err error
		v, err = scanConversation(tx.QueryRowContext(ctx, "SELECT "+conversationColumns+conversationFrom+
			" WHERE v.thread_platform = ? AND v.thread_channel = ? AND v.thread_id = ?"+
			" ORDER BY (SELECT max(id) FROM comments WHERE conversation_id = v.id AND relay = 'relayed') DESC NULLS LAST, v.id LIMIT 1",
			ch.Platform, ch.ID, ch.Thread))
		if errors.Is(err, sql.ErrNoRows) {
			return crier.Errorf(crier.ENOTFOUND, "this thread is not one of crier's comment threads")
		}
		if err != nil {
			return err
		}
		latest, err = latestComment(ctx, tx, v.ID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return &v, latest, nil
}

// Conversation returns conversation id with its latest comment.
func (d *DB) Conversation(ctx context.Context, id int64) (*crier.Conversation, *crier.StoredComment, error) {
	var v crier.Conversation
	var latest *crier.StoredComment
	err := d.inReadTx(ctx, "find conversation", func(tx *sql.Tx) error {
		var err error
		v, err = scanConversation(tx.QueryRowContext(ctx, "SELECT "+conversationColumns+conversationFrom+" WHERE v.id = ?", id))
		if errors.Is(err, sql.ErrNoRows) {
			return crier.Errorf(crier.ENOTFOUND, "there is no conversation %d", id)
		}
		if err != nil {
			return err
		}
		latest, err = latestComment(ctx, tx, v.ID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return &v, latest, nil
}

func latestComment(ctx context.Context, tx *sql.Tx, conversationID int64) (*crier.StoredComment, error) {
	// The latest the team has seen: relayed, in the order relayed (not by
	// the time the network claims, which a customer's client sets).
	c, err := scanComment(tx.QueryRowContext(ctx, "SELECT "+commentColumns+" FROM comments c WHERE c.conversation_id = ? AND c.relay = 'relayed' ORDER BY c.id DESC LIMIT 1", conversationID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// ConversationComments returns the latest limit comments of conversation
// id, oldest first.
func (d *DB) ConversationComments(ctx context.Context, id int64, limit int) ([]crier.StoredComment, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT "+commentColumns+" FROM (SELECT * FROM comments WHERE conversation_id = ? ORDER BY id DESC LIMIT ?) c ORDER BY c.id", id, limit)
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	out, err := collect(rows, scanComment)
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	return out, nil
}

// Comment returns comment id.
func (d *DB) Comment(ctx context.Context, id int64) (*crier.StoredComment, error) {
	c, err := scanComment(d.db.QueryRowContext(ctx, "SELECT "+commentColumns+" FROM comments c WHERE c.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crier.Errorf(crier.ENOTFOUND, "there is no comment %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find comment: %w", err)
	}
	return &c, nil
}

// Conversations lists conversations by f, the one waiting longest first.
func (d *DB) Conversations(ctx context.Context, f crier.InboxFilter) ([]crier.Conversation, error) {
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []crier.ConversationStatus{crier.ConversationOpen, crier.ConversationWaiting}
	}
	q := "SELECT " + conversationColumns + conversationFrom + " WHERE v.status IN (" + strings.TrimSuffix(strings.Repeat("?,", len(statuses)), ",") + ")" +
		" AND EXISTS (SELECT 1 FROM comments WHERE conversation_id = v.id)" +
		" ORDER BY v.status = 'open' DESC, v.last_customer_at, v.id"
	args := make([]any, 0, len(statuses)+1)
	for _, s := range statuses {
		args = append(args, s)
	}
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	out, err := collect(rows, scanConversation)
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	return out, nil
}

// Assign gives conversation id to a teammate.
func (d *DB) Assign(ctx context.Context, id int64, userID, userName string) (*crier.Conversation, error) {
	return d.updateConversation(ctx, id, "UPDATE conversations SET assignee_id = ?, assignee_name = ? WHERE id = ?", userID, userName, id)
}

// MarkHandled closes conversation id until the customer writes again.
func (d *DB) MarkHandled(ctx context.Context, id int64) (*crier.Conversation, error) {
	return d.updateConversation(ctx, id, "UPDATE conversations SET status = 'handled' WHERE id = ?", id)
}

func (d *DB) updateConversation(ctx context.Context, id int64, query string, args ...any) (*crier.Conversation, error) {
	var v crier.Conversation
	err := d.inTx(ctx, "update conversation", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = crier.Errorf(crier.ENOTFOUND, "there is no conversation %d", id)
			}
			return err
		}
		v, err = scanConversation(tx.QueryRowContext(ctx, "SELECT "+conversationColumns+conversationFrom+" WHERE v.id = ?", id))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// ChooseComment records that userID's next message in the thread of
// comment id's conversation answers that comment.
func (d *DB) ChooseComment(ctx context.Context, platform, userID string, conversationID, id int64) (*crier.StoredComment, *crier.Conversation, error) {
	var (
		c crier.StoredComment
		v crier.Conversation
	)
	err := d.inTx(ctx, "choose comment", func(tx *sql.Tx) error {
		var err error
		c, err = scanComment(tx.QueryRowContext(ctx, "SELECT "+commentColumns+" FROM comments c WHERE c.id = ?", id))
		if errors.Is(err, sql.ErrNoRows) || err == nil && c.ConversationID != conversationID {
			return crier.Errorf(crier.ENOTFOUND, "there is no comment %d in conversation %d", id, conversationID)
		}
		if err != nil {
			return err
		}
		v, err = scanConversation(tx.QueryRowContext(ctx, "SELECT "+conversationColumns+conversationFrom+" WHERE v.id = ?", c.ConversationID))
		if err != nil {
			return err
		}
		if err != nil {
			return err
		}
		if v.Thread.ID == "" || v.Thread.Platform != platform {
			return crier.Errorf(crier.ENOTFOUND, "conversation %d has no thread on %s", conversationID, platform)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO reply_choices (platform, user_id, channel, thread_id, comment_id, chosen_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, user_id, channel, thread_id)
			DO UPDATE SET comment_id = excluded.comment_id, chosen_at = excluded.chosen_at`,
			platform, userID, v.Thread.Channel, v.Thread.ID, id, d.clock.Now().UnixMilli())
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return &c, &v, nil
}

// ChosenComment returns and forgets the comment userID chose to answer in
// thread; nil when they chose none.
func (d *DB) ChosenComment(ctx context.Context, platform, userID string, thread crier.MessageRef) (*crier.StoredComment, error) {
	var c *crier.StoredComment
	err := d.inTx(ctx, "find chosen comment", func(tx *sql.Tx) error {
		var id int64
		var at int64
		err := tx.QueryRowContext(ctx, `DELETE FROM reply_choices WHERE platform = ? AND user_id = ? AND channel = ? AND thread_id = ?
			RETURNING comment_id, chosen_at`, platform, userID, thread.Channel, thread.ID).Scan(&id, &at)
		if err == nil && d.clock.Now().Sub(time.UnixMilli(at)) > crier.ChoiceLife {
			return nil // chosen too long ago: the latest comment again
		}
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		got, err := scanComment(tx.QueryRowContext(ctx, "SELECT "+commentColumns+" FROM comments c WHERE c.id = ?", id))
		if err != nil {
			return err
		}
		c = &got
		return nil
	})
	return c, err
}

// AddReply stores a reply due now, with its idempotency key.
func (d *DB) AddReply(ctx context.Context, r *crier.Reply, key func(id int64) string) error {
	return d.inTx(ctx, "store reply", func(tx *sql.Tx) error {
		now := d.clock.Now()
		if r.Asked.ID != "" {
			// A chat platform may deliver one message twice (Slack retries
			// an event it thinks was missed): one message, one reply.
			got, err := scanReply(tx.QueryRowContext(ctx, "SELECT "+replyColumns+` FROM replies
				WHERE asked_platform = ? AND asked_channel = ? AND asked_id = ?`, r.Asked.Platform, r.Asked.Channel, r.Asked.ID))
			if err == nil {
				*r = got
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO replies (conversation_id, comment_id, network, text, author_id, author_name, status,
			next_at, asked_platform, asked_channel, asked_thread, asked_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
			r.ConversationID, r.CommentID, r.Network, r.Text, r.AuthorID, r.AuthorName, now.UnixMilli(),
			r.Asked.Platform, r.Asked.Channel, r.Asked.Thread, r.Asked.ID, now.UnixMilli())
		if err != nil {
			return err
		}
		if r.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		r.IdempotencyKey, r.Status, r.NextAt, r.CreatedAt = key(r.ID), crier.DeliveryPending, now.UTC(), now.UTC()
		_, err = tx.ExecContext(ctx, "UPDATE replies SET idempotency_key = ? WHERE id = ?", r.IdempotencyKey, r.ID)
		return err
	})
}

// NextReply returns when the earliest pending reply is due.
func (d *DB) NextReply(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	if err := d.db.QueryRowContext(ctx, "SELECT min(next_at) FROM replies INDEXED BY replies_next WHERE status = 'pending'").Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next reply: %w", err)
	}
	return fromMS(next), next.Valid, nil
}

const replyColumns = `id, conversation_id, comment_id, network, text, author_id, author_name, idempotency_key, status, attempts,
	remote_id, url, last_error, unclear_at, next_at, asked_platform, asked_channel, asked_thread, asked_id, created_at`

func scanReply(row scanner) (crier.Reply, error) {
	var (
		r             crier.Reply
		unclear, next sql.NullInt64
		created       int64
	)
	err := row.Scan(&r.ID, &r.ConversationID, &r.CommentID, &r.Network, &r.Text, &r.AuthorID, &r.AuthorName, &r.IdempotencyKey,
		&r.Status, &r.Attempts, &r.RemoteID, &r.URL, &r.LastError, &unclear, &next,
		&r.Asked.Platform, &r.Asked.Channel, &r.Asked.Thread, &r.Asked.ID, &created)
	r.UnclearAt, r.NextAt, r.CreatedAt = fromMS(unclear), fromMS(next), time.UnixMilli(created).UTC()
	return r, err
}

// ClaimReplies takes up to n pending replies due at or before now, with the
// comments they answer.
func (d *DB) ClaimReplies(ctx context.Context, now time.Time, n int) ([]crier.ReplyClaim, error) {
	var out []crier.ReplyClaim
	err := d.inTx(ctx, "claim replies", func(tx *sql.Tx) error {
		at := now.UnixMilli()
		rows, err := tx.QueryContext(ctx, `UPDATE replies SET status = 'publishing', attempts = attempts + 1, last_attempt_at = ?, next_at = NULL
			WHERE id IN (SELECT id FROM replies INDEXED BY replies_next WHERE status = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?)
			RETURNING `+replyColumns, at, at, n)
		if err != nil {
			return err
		}
		rs, err := collect(rows, scanReply)
		if err != nil {
			return err
		}
		for _, r := range rs {
			c, err := scanComment(tx.QueryRowContext(ctx, "SELECT "+commentColumns+" FROM comments c WHERE c.id = ?", r.CommentID))
			if err != nil {
				return err
			}
			out = append(out, crier.ReplyClaim{Reply: r, Comment: c})
		}
		return nil
	})
	return out, err
}

// RecoverReplies makes replies a crash left publishing pending again, due
// now and unclear since their attempt.
func (d *DB) RecoverReplies(ctx context.Context) (int, error) {
	var n int64
	err := d.inTx(ctx, "recover replies", func(tx *sql.Tx) error {
		now := d.clock.Now().UnixMilli()
		res, err := tx.ExecContext(ctx, `UPDATE replies SET status = 'pending', next_at = ?, unclear_at = coalesce(unclear_at, last_attempt_at, ?)
			WHERE status = 'publishing'`, now, now)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// EndReplies records how attempts ended: a published reply moves its
// conversation to waiting for the customer and sets its first response.
func (d *DB) EndReplies(ctx context.Context, ends []crier.ReplyEnd) error {
	if len(ends) == 0 {
		return nil
	}
	return d.inTx(ctx, "record replies", func(tx *sql.Tx) error {
		now := d.clock.Now().UnixMilli()
		for _, e := range ends {
			var (
				res sql.Result
				err error
			)
			switch {
			case e.Released:
				res, err = tx.ExecContext(ctx, "UPDATE replies SET status = 'pending', attempts = attempts - 1, next_at = ? WHERE id = ? AND status = 'publishing'",
					msOrNow(e.NextAt, now), e.ID)
			case e.Status == crier.DeliveryPublished:
				res, err = tx.ExecContext(ctx, `UPDATE replies SET status = 'published', remote_id = ?, url = ?, last_error = '' WHERE id = ? AND status = 'publishing'`,
					e.Result.RemoteID, e.Result.URL, e.ID)
				if err == nil {
					// Waiting for the customer, unless they wrote again after
					// the comment this answers.
					_, err = tx.ExecContext(ctx, `UPDATE conversations SET
						status = CASE WHEN status = 'open' AND NOT EXISTS (SELECT 1 FROM comments c, replies r
							WHERE r.id = ? AND c.conversation_id = r.conversation_id AND c.id > r.comment_id) THEN 'waiting' ELSE status END,
						first_response_at = coalesce(first_response_at, ?) WHERE id = (SELECT conversation_id FROM replies WHERE id = ?)`, e.ID, now, e.ID)
				}
			default:
				var unclear, next any
				if e.Unclear {
					unclear = now
				}
				if e.Status == crier.DeliveryPending {
					next = msOrNow(e.NextAt, now)
				}
				res, err = tx.ExecContext(ctx, `UPDATE replies SET status = ?, last_error = ?, unclear_at = coalesce(unclear_at, ?), next_at = ?
					WHERE id = ? AND status = 'publishing'`, e.Status, e.Reason, unclear, next, e.ID)
			}
			if err != nil {
				return fmt.Errorf("reply %d: %w", e.ID, err)
			}
			_ = res
		}
		return nil
	})
}

func msOrNow(t time.Time, now int64) int64 {
	if t.IsZero() {
		return now
	}
	return t.UnixMilli()
}

// pause is the publishing pause as the settings table keeps it.
type pause struct {
	By    string `json:"by"`
	Since int64  `json:"since"`
}

// Paused returns whether publishing is paused, since when and by whom.
func (d *DB) Paused(ctx context.Context) (bool, time.Time, string, error) {
	var v string
	err := d.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'paused'").Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, "", nil
	}
	if err != nil {
		return false, time.Time{}, "", fmt.Errorf("read pause: %w", err)
	}
	var p pause
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return false, time.Time{}, "", fmt.Errorf("read pause: %w", err)
	}
	return true, time.UnixMilli(p.Since).UTC(), p.By, nil
}

// SetPaused pauses or resumes publishing.
func (d *DB) SetPaused(ctx context.Context, paused bool, by string) error {
	return d.inTx(ctx, "pause publishing", func(tx *sql.Tx) error {
		if !paused {
			_, err := tx.ExecContext(ctx, "DELETE FROM settings WHERE key = 'paused'")
			return err
		}
		now := d.clock.Now().UnixMilli()
		v, err := json.Marshal(pause{By: by, Since: now})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('paused', ?, ?)
			ON CONFLICT (key) DO NOTHING`, string(v), now)
		return err
	})
}

// isEcho says whether text is answer as a network shows it back: the same
// words, alone or after @handles.
func isEcho(text, answer string) bool {
	text, answer = strings.TrimSpace(text), strings.TrimSpace(answer)
	if text == answer {
		return true
	}
	prefix, ok := strings.CutSuffix(text, answer)
	if !ok || prefix == "" {
		return false
	}
	for _, w := range strings.Fields(prefix) {
		if !strings.HasPrefix(w, "@") || len(w) < 2 {
			return false
		}
	}
	return true
}
