package discord_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

// openThread posts a header in the inbox channel and a comment in the
// thread it starts; it returns the thread's id.
func openThread(t *testing.T, a interface {
	Post(context.Context, crier.ChannelRef, crier.Message) (crier.MessageRef, error)
}, n string) string {
	t.Helper()
	ctx := context.Background()
	top, err := a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: inbox}, crier.Message{Text: "💬 Post #" + n + " is out", Key: "crier-test-thread-" + n})
	require.NoError(t, err)
	_, err = a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: inbox, Thread: top.ID}, crier.Message{Text: "first comment on #" + n, Key: "crier-test-comment-" + n + "-1"})
	require.NoError(t, err)
	return top.ID
}

func TestThreadLimitArchivesCriersOldestThreadInTheChannel(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	// Two threads are active already (crier's in another channel, and
	// someone else's); two more and the guild is full.
	f.activeThreads = 4
	a := newAdapter(t, f, newWorld(t), "")
	ctx := context.Background()
	first := openThread(t, a, "1")
	second := openThread(t, a, "2")
	// The first thread is the older, but the second has been quiet longer.
	_, err := a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: inbox, Thread: first}, crier.Message{Text: "another comment on #1", Key: "crier-test-comment-1-2"})
	require.NoError(t, err)

	third := openThread(t, a, "3")

	archived, ok := f.threadState(second)
	require.True(t, ok)
	require.True(t, archived, "crier's thread quiet longest in the channel is archived")
	for _, id := range []string{first, thread, other} {
		archived, _ := f.threadState(id)
		require.False(t, archived, "thread %s stays open", id)
	}
	require.Equal(t, []string{"first comment on #3"}, f.messagesIn(third), "the new thread opens with its comment")
}

func TestThreadLimitWithNothingToArchiveSaysWhatToDo(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	f.activeThreads = 2 // full: crier has no thread in the inbox channel
	a := newAdapter(t, f, newWorld(t), "")
	ctx := context.Background()
	top, err := a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: inbox}, crier.Message{Text: "💬 Post #1 is out", Key: "crier-test-thread-1"})
	require.NoError(t, err)
	_, err = a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: inbox, Thread: top.ID}, crier.Message{Text: "a comment", Key: "crier-test-comment-1"})
	require.Error(t, err)
	require.Equal(t, crier.EUNAVAIL, crier.ErrorCode(err), "%v", err)
	require.Contains(t, crier.ErrorMessage(err), "active threads")
	archived, _ := f.threadState(thread)
	require.False(t, archived, "crier's thread in another channel is left alone")
}

func TestArchivedThreadGetsTheComment(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	ctx := context.Background()
	quiet := openThread(t, a, "1")
	busy := openThread(t, a, "2")

	// Discord archived the quiet thread after a week: a comment reopens it.
	f.setThread(quiet, true, false)
	_, err := a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: inbox, Thread: quiet}, crier.Message{Text: "a late comment", Key: "crier-test-comment-1-2"})
	require.NoError(t, err)
	archived, _ := f.threadState(quiet)
	require.False(t, archived)

	// Archived again, and now the guild is full: reopening it would pass the
	// limit, so crier's quietest other thread in the channel is archived.
	f.setThread(quiet, true, false)
	f.mu.Lock()
	f.activeThreads = f.activeCount()
	f.mu.Unlock()
	_, err = a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: inbox, Thread: quiet}, crier.Message{Text: "a later comment", Key: "crier-test-comment-1-3"})
	require.NoError(t, err)
	require.Equal(t, []string{"first comment on #1", "a late comment", "a later comment"}, f.messagesIn(quiet))
	archived, _ = f.threadState(quiet)
	require.False(t, archived, "the thread is open again")
	archived, _ = f.threadState(busy)
	require.True(t, archived, "to make room, the other thread was archived")
}

func TestLockedThreadSaysSo(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		archived bool
	}{
		{"a locked thread", false},
		{"a locked and archived thread", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeDiscord(t)
			a := newAdapter(t, f, newWorld(t), "")
			id := openThread(t, a, "1")
			f.setThread(id, tt.archived, true)
			_, err := a.Post(context.Background(), crier.ChannelRef{Platform: "discord", ID: inbox, Thread: id}, crier.Message{Text: "a comment", Key: "crier-test-comment-1-2"})
			require.Error(t, err)
			require.Equal(t, crier.EPERMANENT, crier.ErrorCode(err), "%v", err)
			require.Contains(t, crier.ErrorMessage(err), "locked")
			require.Equal(t, []string{"first comment on #1"}, f.messagesIn(id))
			archived, _ := f.threadState(id)
			require.Equal(t, tt.archived, archived, "a locked thread is left as the moderator left it")
		})
	}
}
