package criertest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
)

func TestABundlePublishesThroughItsFileNetworkAndReportsToItsChat(t *testing.T) {
	t.Parallel()
	b := criertest.Setup(t, criertest.Started())
	p := b.Schedule(t, "Hello", time.Hour, crier.ChannelRef{Platform: "shell", ID: "general"})
	b.WaitIdle(t)
	require.Empty(t, b.OutboxRecords(t, "sandbox"), "nothing before its time")

	b.Clock.Add(time.Hour)
	b.WaitIdle(t)
	require.Len(t, b.OutboxRecords(t, "sandbox"), 1)
	n := b.Chat.Find(t, "✓ Post #1 published to sandbox")
	require.Equal(t, crier.ChannelRef{Platform: "shell", ID: "general"}, n.Channel)
	require.Equal(t, crier.PostPublished, b.Post(t, p.ID).Status)
}

func TestARestartedBundleKeepsItsStoreAndClock(t *testing.T) {
	t.Parallel()
	b := criertest.Setup(t, criertest.WithFileNetwork("masto", 500), criertest.WithFileNetwork("sky", 300))
	p := b.Schedule(t, "Later", 2*time.Hour, crier.ChannelRef{Platform: "shell", ID: "general"})
	b.Close(t)
	b.Clock.Add(time.Hour)
	b.Open(t)
	require.Equal(t, []string{"masto", "sky"}, b.Publish.Targets())
	require.Equal(t, crier.PostScheduled, b.Post(t, p.ID).Status)
	require.Equal(t, criertest.Start.Add(time.Hour), b.Clock.Now())
}

func TestMaybeLeavesThePostWaitingForAPerson(t *testing.T) {
	t.Parallel()
	b := criertest.Setup(t, criertest.WithTimezone("Europe/Bucharest"))
	resp := b.Say(t, "test", criertest.Ana, "/schedule tomorrow 9am Maybe out")
	require.False(t, resp.Error, resp.Text)
	b.Maybe(t, 1, "no answer")
	require.Equal(t, crier.DeliveryMaybe, b.DeliveryStatus(t, 1, "sandbox"))
	require.Equal(t, crier.PostScheduled, b.Post(t, 1).Status)
	require.Equal(t, crier.EFORBIDDEN, b.Say(t, "test", criertest.Guest, "/published #1 sandbox").Code)
	require.False(t, b.Say(t, "test", criertest.Ana, "/published #1 sandbox").Error)
	require.Equal(t, crier.DeliveryPublished, b.DeliveryStatus(t, 1, "sandbox"))
}
