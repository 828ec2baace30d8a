package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

// slotsBase has two networks on lines 1 and 2 and the timezone on line 3;
// the slots section follows on line 4.
const slotsBase = "networks: [{name: sandbox, kind: file, outbox: o}, {name: mastodon, kind: file, outbox: m}]\nchat: {shell: {}}\ntimezone: Europe/Bucharest\n"

func TestParseSlotsReadsDaysTimesNetworksAndTimezone(t *testing.T) {
	t.Parallel()
	c, err := parse(slotsBase+`slots:
  timezone: Europe/Lisbon
  all: {mon: ["09:00", 1pm], weekends: "10:30"}
  mastodon: {TUE: ["9:15 am"]}
`, nil)
	require.NoError(t, err)
	lisbon, err := time.LoadLocation("Europe/Lisbon")
	require.NoError(t, err)
	require.Equal(t, []crier.Slot{
		{Weekday: time.Monday, Hour: 9, Location: lisbon},
		{Weekday: time.Monday, Hour: 13, Location: lisbon},
		{Weekday: time.Saturday, Hour: 10, Minute: 30, Location: lisbon},
		{Weekday: time.Sunday, Hour: 10, Minute: 30, Location: lisbon},
		{Weekday: time.Tuesday, Hour: 9, Minute: 15, Location: lisbon, Network: "mastodon"},
	}, c.Slots)
	require.False(t, c.SlotsShared)
}

func TestParseSlotsDefaultsToTheTopLevelTimezoneWrittenAfterThem(t *testing.T) {
	t.Parallel()
	c, err := parse("networks: [{name: sandbox, kind: file, outbox: o}]\nslots: {shared: true, all: {daily: [\"08:00\"]}}\ntimezone: America/New_York\n", nil)
	require.NoError(t, err)
	require.Len(t, c.Slots, 7)
	require.Equal(t, "America/New_York", c.Slots[0].Location.String())
	require.True(t, c.SlotsShared)

	none, err := parse("networks: [{name: sandbox, kind: file, outbox: o}]\n", nil)
	require.NoError(t, err)
	require.Nil(t, none.Slots)
}

func TestParseSlotsRejects(t *testing.T) {
	t.Parallel()
	const timeHelp = `write one like "09:00" (24 h) or 9am or "9:30 pm"`
	tests := []struct {
		name, input, want string
	}{
		{"a list where the mapping goes is refused", slotsBase + "slots: [\"09:00\"]\n",
			`bot.yaml:4: slots: expected a mapping like {all: {mon: ["09:00"]}}, got a list`},
		{"an hour alone is refused with what to write", slotsBase + "slots:\n  all: {mon: [\"9\"]}\n",
			`bot.yaml:5: slots.all.mon[0]: "9" has no minutes and no am or pm; write "09:00" or 9am`},
		{"an hour past 23 is refused", slotsBase + "slots:\n  all:\n    fri: \"25:00\"\n",
			`bot.yaml:6: slots.all.fri: "25:00" is not a time of day: hours go from 00 to 23 and minutes from 00 to 59; ` + timeHelp},
		{"words are refused", slotsBase + "slots:\n  all: {mon: [lunchtime]}\n",
			`bot.yaml:5: slots.all.mon[0]: "lunchtime" is not a time of day; ` + timeHelp},
		{"an unknown day gets the closest suggested", slotsBase + "slots:\n  all: {thr: [\"09:00\"]}\n",
			`bot.yaml:5: slots.all.thr: "thr" is not a day; write monday or mon (to sunday), weekdays, weekends or daily; did you mean thu?`},
		{"a misspelt day gets the closest suggested", slotsBase + "slots:\n  all: {wednsday: [\"09:00\"]}\n",
			`bot.yaml:5: slots.all.wednsday: "wednsday" is not a day; write monday or mon (to sunday), weekdays, weekends or daily; did you mean wednesday?`},
		{"a day with no times is refused", slotsBase + "slots:\n  all: {mon: []}\n",
			`bot.yaml:5: slots.all.mon: no times; write them like mon: ["09:00", "13:00"], or leave the day out`},
		{"an unknown network gets the closest suggested", slotsBase + "slots:\n  mastdon: {mon: [\"09:00\"]}\n",
			`bot.yaml:5: slots.mastdon: unknown network "mastdon"; write all, timezone, shared or a name from networks: (sandbox, mastodon); did you mean mastodon?`},
		{"an unknown timezone is refused", slotsBase + "slots: {timezone: Lisbon}\n",
			`bot.yaml:4: slots.timezone: unknown timezone "Lisbon"; write an IANA name like "Europe/Bucharest" or "UTC", or leave timezone out for the top-level one`},
		{"shared must be true or false", slotsBase + "slots: {shared: yes}\n",
			`bot.yaml:4: slots.shared: "yes" is not true or false; write true or false`},
		{"one time twice on one day is refused with both lines", slotsBase + "slots:\n  mastodon:\n    mon:\n      - \"09:00\"\n      - 9am\n",
			`bot.yaml:8: slots.mastodon.mon[1]: Mon 09:00 is a mastodon slot twice (also slots.mastodon.mon[0], line 7); remove one of them`},
		{"a day written twice over is refused", slotsBase + "slots:\n  all:\n    weekdays: [\"09:00\"]\n    tue: [\"09:00\"]\n",
			`bot.yaml:7: slots.all.tue[0]: Tue 09:00 is a slot for all networks twice (also slots.all.weekdays[0], line 6); remove one of them`},
		{"a network slot at an all slot's time is refused with both lines", slotsBase + "slots:\n  all: {mon: [\"09:00\"]}\n  mastodon: {mon: [\"09:00\"]}\n",
			`bot.yaml:6: slots.mastodon.mon[0]: Mon 09:00 is a slot for all networks and for mastodon too (slots.all.mon[0], line 5), so they would overlap; remove the one for mastodon, or move it`},
		{"an all slot after a network slot at its time is refused too", slotsBase + "slots:\n  mastodon: {fri: [\"17:30\"]}\n  all: {weekdays: [5:30pm]}\n",
			`bot.yaml:6: slots.all.weekdays[0]: Fri 17:30 is a slot for all networks and for mastodon too (slots.mastodon.fri[0], line 5), so they would overlap; remove the one for mastodon, or move it`},
		{"a day written twice is refused", slotsBase + "slots:\n  all: {mon: [\"09:00\"], mon: [\"10:00\"]}\n",
			`bot.yaml:5: slots.all.mon: duplicate key (first on line 5)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parse(tt.input, nil)
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestTwoNetworksMayHaveSlotsAtOneTime(t *testing.T) {
	t.Parallel()
	c, err := parse(slotsBase+"slots:\n  sandbox: {mon: [\"09:00\"]}\n  mastodon: {mon: [\"09:00\"]}\n", nil)
	require.NoError(t, err)
	require.Len(t, c.Slots, 2)
}
