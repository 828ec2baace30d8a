package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

var _ crier.ReplayStore = (*DB)(nil)

// installationIDBytes is the size of the random installation id: 6 bytes, 12
// hex digits, enough that two installations posting to one account never
// meet, and short enough to read in a key.
const installationIDBytes = 6

// ensureInstallation reads this database's installation id, making one the
// first time.
func (d *DB) ensureInstallation(ctx context.Context) error {
	err := d.inTx(ctx, "installation id", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT id FROM installation WHERE one = 1").Scan(&d.installation)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		d.installation, err = newInstallationID()
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO installation (one, id, created_at) VALUES (1, ?, ?)", d.installation, d.clock.Now().UnixMilli())
		return err
	})
	return err
}

// renewInstallation gives a backup copy an installation id of its own, so
// that a restored backup never derives the keys the original goes on
// deriving. (Keys already stored with deliveries stay as they are.) A copy
// of a database an older crier made has no installation yet: the first Open
// of the copy makes one, as it does for the original, each its own.
func renewInstallation(ctx context.Context, conn *sql.Conn) error {
	var has int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'installation'").Scan(&has); err != nil {
		return fmt.Errorf("new installation id: %w", err)
	}
	if has == 0 {
		return nil
	}
	id, err := newInstallationID()
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "UPDATE installation SET id = ? WHERE one = 1", id)
	if err != nil {
		return fmt.Errorf("new installation id: %w", err)
	}
	return nil
}

func newInstallationID() (string, error) {
	b := make([]byte, installationIDBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("installation id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Installation returns this database's random installation id, part of every
// idempotency key it mints.
func (d *DB) Installation() string { return d.installation }

// SeenRequest records a chat platform's request signature until expires and
// reports whether it was already recorded and not expired. One statement, on
// the hot path of every signed request: a record that expired is taken over
// by the new one, and the expired others are deleted at most once a minute.
func (d *DB) SeenRequest(ctx context.Context, platform, key string, expires time.Time) (bool, error) {
	now := d.clock.Now()
	var fresh int
	err := d.db.QueryRowContext(ctx, `INSERT INTO seen_requests (platform, key, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (platform, key) DO UPDATE SET expires_at = excluded.expires_at WHERE seen_requests.expires_at < ?
		RETURNING 1`, platform, key, expires.UnixMilli(), now.UnixMilli()).Scan(&fresh)
	seen := errors.Is(err, sql.ErrNoRows) // the conflict kept a record that has not expired
	if err != nil && !seen {
		return false, fmt.Errorf("seen request: %w", err)
	}
	d.purgeMu.Lock()
	purge := now.Sub(d.purgedAt) >= time.Minute
	if purge {
		d.purgedAt = now
	}
	d.purgeMu.Unlock()
	if purge {
		if _, err := d.db.ExecContext(ctx, "DELETE FROM seen_requests WHERE expires_at < ?", now.UnixMilli()); err != nil {
			return seen, fmt.Errorf("forget expired requests: %w", err)
		}
	}
	return seen, nil
}
