package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Every zone crier knows must load, and be accepted by its name, in any
// case, and by its city with spaces; no two may share a city, or taking a
// city as its zone would be a guess.
func TestEveryZoneLoads(t *testing.T) {
	t.Parallel()
	r := New(Deps{})
	cities := map[string]string{}
	for _, zone := range tzZones() {
		_, err := time.LoadLocation(zone)
		require.NoError(t, err, zone)
		for _, typed := range []string{zone, strings.ToLower(zone), strings.ReplaceAll(zone[strings.LastIndex(zone, "/")+1:], "_", " ")} {
			name, loc, err := r.parseZone(typed)
			require.NoError(t, err, typed)
			require.Equal(t, zone, name, typed)
			require.Equal(t, zone, loc.String(), typed)
		}
		city := zoneKey(zone[strings.LastIndex(zone, "/")+1:])
		require.Empty(t, cities[city], "%s and %s share a city", cities[city], zone)
		cities[city] = zone
	}
}

func TestACityOfTwoZonesFindsBoth(t *testing.T) {
	t.Parallel()
	idx := newZoneIndex([]string{"America/Argentina/San_Juan", "America/Puerto_Rico/San_Juan", "Europe/Lisbon"})
	require.Equal(t, []string{"America/Argentina/San_Juan", "America/Puerto_Rico/San_Juan"}, idx.find("san juan"))
	require.Equal(t, []string{"Europe/Lisbon"}, idx.find("LISBON"))
	require.Nil(t, idx.find("Lisbonne"))
}

func TestZoneKey(t *testing.T) {
	t.Parallel()
	for typed, want := range map[string]string{
		"São Paulo":      "sao_paulo",
		"  new   york ":  "new_york",
		"Port-au-Prince": "port_au_prince",
		"Bogotá":         "bogota",
		"Zürich":         "zurich",
		"Curaçao":        "curacao",
		"Asunción":       "asuncion",
		"Ürümqi":         "urumqi",
		"Europe/Lisbon":  "europe/lisbon",
	} {
		require.Equal(t, want, zoneKey(typed), typed)
	}
}
