package commands_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
)

// In Chile the clocks jump from 00:00 to 01:00 on 6 Sep 2026: every day of
// the month is listed once, in order.
func TestTheCalendarListsEachDayOnceWhereClocksChangeAtMidnight(t *testing.T) {
	t.Parallel()
	santiago, err := time.LoadLocation("America/Santiago")
	require.NoError(t, err)
	b := criertest.Setup(t, criertest.WithTimezone("America/Santiago"), criertest.WithClock(crier.NewManualClock(time.Date(2026, 9, 1, 8, 0, 0, 0, santiago))))
	b.Say(t, "shell", scheduler, "/schedule 2026-09-06 10:00 | Spring is here")
	resp := b.Say(t, "shell", scheduler, "/calendar september")
	require.False(t, resp.Error, resp.Text)
	text := strings.Join(resp.Lines, "\n")
	require.Equal(t, "Tue 1 Sep – Sat 5 Sep — nothing planned\nSun 6 Sep\n  10:00  #1  sandbox  scheduled  by ana  “Spring is here”\nMon 7 Sep – Wed 30 Sep — nothing planned",
		strings.SplitN(text, "\nTo open", 2)[0], "each day once, the post on its day")
}

// Two people typing /schedule next at once get two slots.
func TestScheduleNextAtOnceTakesTwoSlots(t *testing.T) {
	t.Parallel()
	b := criertest.Setup(t, criertest.WithCommands(func(d *commands.Deps) {
		for _, wd := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday} {
			d.Slots = append(d.Slots, crier.Slot{Weekday: wd, Hour: 9})
		}
	}))
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			resp := b.Say(t, "shell", scheduler, fmt.Sprintf("/schedule next Post %d", i))
			require.False(t, resp.Error, resp.Text)
		})
	}
	wg.Wait()
	require.NotEqual(t, b.Post(t, 1).DueAt, b.Post(t, 2).DueAt)
}
