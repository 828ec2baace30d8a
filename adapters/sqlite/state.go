package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/crier-bot/crier/internal/crier"
)

var _ crier.StateStore = (*DB)(nil)

// LoadState returns the value a network adapter saved under key (a login
// session, a notifications cursor), or "" when there is none.
func (d *DB) LoadState(ctx context.Context, network, key string) (string, error) {
	var v string
	err := d.inReadTx(ctx, "load network state", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT value FROM network_state WHERE network = ? AND key = ?", network, key).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return v, err
}

// SaveState stores value under (network, key), replacing the old one; an
// empty value removes it.
func (d *DB) SaveState(ctx context.Context, network, key, value string) error {
	return d.inTx(ctx, "save network state", func(tx *sql.Tx) error {
		if value == "" {
			_, err := tx.ExecContext(ctx, "DELETE FROM network_state WHERE network = ? AND key = ?", network, key)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO network_state (network, key, value, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (network, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			network, key, value, d.clock.Now().UnixMilli())
		return err
	})
}
