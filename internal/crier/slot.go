package crier

import (
	"slices"
	"time"
)

// Slot is a posting slot (as Buffer's posting schedule): a weekday and a
// local time, for one network or all.
type Slot struct {
	Weekday  time.Weekday
	Hour     int
	Minute   int
	Location *time.Location // nil: UTC
	Network  string         // "" for every network
}

// SlotTimes returns the instants of slots in [from, to), in order, each
// counted on the calendar of its own location (a slot at a time the clocks
// skip moves past the jump; one they repeat is taken once).
func SlotTimes(slots []Slot, from, to time.Time) []SlotTime {
	var out []SlotTime
	for _, s := range slots {
		loc := s.Location
		if loc == nil {
			loc = time.UTC
		}
		l := from.In(loc)
		day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
		for ; ; day = day.AddDate(0, 0, 1) {
			at := WallTime(day.Year(), day.Month(), day.Day(), s.Hour, s.Minute, loc)
			if !at.Before(to) {
				break
			}
			if day.Weekday() == s.Weekday && !at.Before(from) {
				out = append(out, SlotTime{At: at, Slot: s})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b SlotTime) int { return a.At.Compare(b.At) })
	return out
}

// SlotTime is one slot's instant.
type SlotTime struct {
	At   time.Time
	Slot Slot
}
