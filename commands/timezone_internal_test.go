package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Every zone crier may suggest must be one it accepts when typed back, and
// no two may share a city, or a suggestion would be a guess.
func TestEverySuggestedZoneIsAccepted(t *testing.T) {
	t.Parallel()
	cities := map[string]string{}
	for _, zone := range commonZones {
		name, loc, err := parseZone(zone)
		require.NoError(t, err, zone)
		require.Equal(t, zone, name)
		require.Equal(t, zone, loc.String())
		_, err = time.LoadLocation(zone)
		require.NoError(t, err, zone)

		city := strings.ToLower(zone[strings.LastIndex(zone, "/")+1:])
		require.Empty(t, cities[city], "%s and %s share a city", cities[city], zone)
		cities[city] = zone
		require.Equal(t, zone, suggestZone(strings.ReplaceAll(city, "_", " ")))
	}
}
