package sqlite_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
)

func TestUserTimezones(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		set  [][3]string // platform, user id, timezone, in order
		want map[[2]string]string
	}{
		{name: "a person with none has none",
			want: map[[2]string]string{{"slack", "U1"}: ""}},
		{name: "a set timezone is found",
			set:  [][3]string{{"slack", "U1", "Europe/Lisbon"}},
			want: map[[2]string]string{{"slack", "U1"}: "Europe/Lisbon"}},
		{name: "setting again replaces it",
			set:  [][3]string{{"slack", "U1", "Europe/Lisbon"}, {"slack", "U1", "America/New_York"}},
			want: map[[2]string]string{{"slack", "U1"}: "America/New_York"}},
		{name: "an empty timezone removes it",
			set:  [][3]string{{"slack", "U1", "Europe/Lisbon"}, {"slack", "U1", ""}},
			want: map[[2]string]string{{"slack", "U1"}: ""}},
		{name: "removing one that was never set is fine",
			set:  [][3]string{{"slack", "U1", ""}},
			want: map[[2]string]string{{"slack", "U1"}: ""}},
		{name: "each platform keeps its own",
			set:  [][3]string{{"slack", "U1", "Europe/Lisbon"}, {"shell", "U1", "Asia/Tokyo"}},
			want: map[[2]string]string{{"slack", "U1"}: "Europe/Lisbon", {"shell", "U1"}: "Asia/Tokyo", {"discord", "U1"}: ""}},
		{name: "each person keeps their own",
			set:  [][3]string{{"slack", "U1", "Europe/Lisbon"}, {"slack", "U2", "Asia/Tokyo"}, {"slack", "U2", ""}},
			want: map[[2]string]string{{"slack", "U1"}: "Europe/Lisbon", {"slack", "U2"}: ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, _ := mustOpen(t)
			for _, s := range tt.set {
				require.NoError(t, db.SetUserTimezone(ctx, s[0], s[1], s[2]))
			}
			for who, want := range tt.want {
				got, err := db.UserTimezone(ctx, who[0], who[1])
				require.NoError(t, err)
				require.Equal(t, want, got, "%s %s", who[0], who[1])
			}
		})
	}
}

func TestUserTimezoneRecordsWhenItWasSet(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	require.NoError(t, db.SetUserTimezone(context.Background(), "slack", "U1", "Europe/Lisbon"))
	var updated int64
	require.NoError(t, db.SQL().QueryRow("SELECT updated_at FROM user_timezones WHERE platform = 'slack' AND user_id = 'U1'").Scan(&updated))
	require.Equal(t, start.UnixMilli(), updated)
}

func TestUserTimezonesSurviveAReopen(t *testing.T) {
	t.Parallel()
	db, path := mustOpen(t)
	require.NoError(t, db.SetUserTimezone(context.Background(), "slack", "U1", "Europe/Lisbon"))
	require.NoError(t, db.Close())

	db2, err := sqlite.Open(context.Background(), path, crier.NewManualClock(start))
	require.NoError(t, err)
	defer db2.Close()
	tz, err := db2.UserTimezone(context.Background(), "slack", "U1")
	require.NoError(t, err)
	require.Equal(t, "Europe/Lisbon", tz)
}

func TestADatabaseFromBeforeTimezonesGainsTheTable(t *testing.T) {
	t.Parallel()
	db, path := mustOpen(t)
	// Make it look like a database written by a crier without migration 2.
	_, err := db.SQL().Exec("DROP TABLE user_timezones; DELETE FROM crier_migrations WHERE version = 2")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	db2, err := sqlite.Open(context.Background(), path, crier.NewManualClock(start))
	require.NoError(t, err)
	defer db2.Close()
	require.NoError(t, db2.SetUserTimezone(context.Background(), "slack", "U1", "Asia/Tokyo"))
	tz, err := db2.UserTimezone(context.Background(), "slack", "U1")
	require.NoError(t, err)
	require.Equal(t, "Asia/Tokyo", tz)
}
