package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// SetUserTimezone stores the timezone a person set on a platform with
// /timezone, replacing any earlier one; tz "" removes it.
func (d *DB) SetUserTimezone(ctx context.Context, platform, userID, tz string) error {
	return d.inTx(ctx, "set user timezone", func(tx *sql.Tx) error {
		if tz == "" {
			_, err := tx.ExecContext(ctx, "DELETE FROM user_timezones WHERE platform = ? AND user_id = ?", platform, userID)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO user_timezones (platform, user_id, timezone, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (platform, user_id) DO UPDATE SET timezone = excluded.timezone, updated_at = excluded.updated_at`,
			platform, userID, tz, d.clock.Now().UnixMilli())
		return err
	})
}

// UserTimezone returns the timezone a person set on a platform, or "" when
// they set none.
func (d *DB) UserTimezone(ctx context.Context, platform, userID string) (string, error) {
	var tz string
	err := d.inReadTx(ctx, "find user timezone", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT timezone FROM user_timezones WHERE platform = ? AND user_id = ?", platform, userID).Scan(&tz)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return tz, err
}
