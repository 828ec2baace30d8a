package sqlite

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/crier-bot/crier/internal/crier"
)

var _ crier.FeedStore = (*DB)(nil)

// feedTokenBytes is the randomness of a calendar feed token: 32 bytes, 43
// characters of base64url, safe in a query string as it is.
const feedTokenBytes = 32

// feedHash is what the store keeps of a token: its SHA-256, in hex. A
// token is random and long, so no salt or slow hash is needed; and a
// lookup by hash compares no secret byte by byte.
func feedHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateFeedToken makes a new calendar feed token for the person and
// keeps its hash. A person holding crier.MaxFeedTokens already is refused.
func (d *DB) CreateFeedToken(ctx context.Context, platform, userID, userName string) (string, error) {
	b := make([]byte, feedTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("create feed token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	err := d.inTx(ctx, "create feed token", func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM feed_tokens WHERE platform = ? AND user_id = ?", platform, userID).Scan(&n); err != nil {
			return err
		}
		if n >= crier.MaxFeedTokens {
			return crier.Errorf(crier.ECONFLICT, "You have %d calendar addresses already. Type /calendar revoke to stop them all, then /calendar link for a new one.", n)
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO feed_tokens (hash, platform, user_id, user_name, created_at) VALUES (?, ?, ?, ?, ?)",
			feedHash(token), platform, userID, userName, d.clock.Now().UnixMilli())
		return err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// RevokeFeedTokens forgets every calendar feed token of the person.
func (d *DB) RevokeFeedTokens(ctx context.Context, platform, userID string) (int, error) {
	var n int64
	err := d.inTx(ctx, "revoke feed tokens", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM feed_tokens WHERE platform = ? AND user_id = ?", platform, userID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// RevokeAllFeedTokens forgets every calendar feed token of everyone.
func (d *DB) RevokeAllFeedTokens(ctx context.Context) (int, error) {
	var n int64
	err := d.inTx(ctx, "revoke all feed tokens", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM feed_tokens")
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// FeedUser finds the person a calendar feed token belongs to.
func (d *DB) FeedUser(ctx context.Context, token string) (platform, userID string, ok bool, err error) {
	if token == "" {
		return "", "", false, nil
	}
	err = d.inReadTx(ctx, "find feed token", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT platform, user_id FROM feed_tokens WHERE hash = ?", feedHash(token)).Scan(&platform, &userID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		ok = err == nil
		return err
	})
	return platform, userID, ok, err
}
