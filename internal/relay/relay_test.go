package relay_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
	"github.com/crier-bot/crier/internal/jobs"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/relay"
	"github.com/crier-bot/crier/internal/sentiment"
)

var start = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

var inboxChannel = crier.ChannelRef{Platform: "shell", ID: "inbox"}

// world is crier with the sandbox file network (outbox and inbox), a fake
// chat, publishing and the relay, on a manual clock.
type world struct {
	clock    *crier.ManualClock
	db       *sqlite.DB
	chat     *criertest.Chat
	pub      *publish.Service
	relay    *relay.Service
	outbox   string
	inbox    string
	repliers map[string]bool
	sandbox  *file.Network
}

func setup(t *testing.T, more ...func(*relay.Options)) *world {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	w := &world{clock: crier.NewManualClock(start), chat: &criertest.Chat{},
		outbox: filepath.Join(dir, "outbox.jsonl"), inbox: filepath.Join(dir, "inbox.jsonl"), repliers: map[string]bool{"ana": true}}
	var err error
	w.db, err = sqlite.Open(ctx, filepath.Join(dir, "crier.db"), w.clock)
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.db.Close() })
	n, err := file.New(file.Options{Name: "sandbox", Outbox: w.outbox, Inbox: w.inbox, Limit: 100, Clock: w.clock})
	require.NoError(t, err)
	w.sandbox = n
	t.Cleanup(func() { _ = n.Close() })
	engine, err := jobs.New(ctx, jobs.Options{DB: w.db.SQL(), Clock: w.clock})
	require.NoError(t, err)
	w.pub, err = publish.New(ctx, publish.Options{Jobs: engine, Store: w.db, Networks: []crier.Network{n}, Chat: w.chat, Clock: w.clock,
		OnPublished: func(ctx context.Context, p *crier.Post, target string, res crier.PublishResult) {
			if w.relay != nil {
				w.relay.OpenThread(ctx, p, target, res)
			}
		}})
	require.NoError(t, err)
	ro := relay.Options{
		Jobs: engine, Store: w.db, Networks: []crier.Network{n}, Chat: w.chat,
		Channel:      func(string) crier.ChannelRef { return inboxChannel },
		MayReply:     func(r crier.ThreadReply) bool { return w.repliers[r.UserID] },
		Installation: w.db.Installation(), Poll: 30 * time.Second, Clock: w.clock,
	}
	for _, f := range more {
		f(&ro)
	}
	w.relay, err = relay.New(ro)
	require.NoError(t, err)
	require.NoError(t, w.pub.Start(ctx))
	require.NoError(t, w.relay.Start(ctx))
	t.Cleanup(func() {
		w.relay.Stop()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.pub.Stop(sctx)
	})
	return w
}

// comment appends a line to the inbox, as a customer's comment.
func (w *world) comment(t *testing.T, line string) {
	t.Helper()
	f, err := os.OpenFile(w.inbox, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	require.NoError(t, err)
	_, err = f.WriteString(line + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// poll reads the network as the poll loop does, and waits until what it
// read is relayed.
func (w *world) poll(t *testing.T) {
	t.Helper()
	require.NoError(t, w.relay.ReadOnce(context.Background(), "sandbox", w.sandbox))
	w.idle(t)
}

func (w *world) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, w.pub.WaitIdle(ctx))
	require.NoError(t, w.relay.WaitIdle(ctx))
}

// publish schedules a post due now and waits until it is out.
func (w *world) publish(t *testing.T, text string) *crier.Post {
	t.Helper()
	p := &crier.Post{Text: text, DueAt: w.clock.Now(), AuthorID: "ana", AuthorName: "ana", Origin: crier.ChannelRef{Platform: "shell", ID: "general"}}
	_, err := w.pub.Schedule(context.Background(), p)
	require.NoError(t, err)
	w.idle(t)
	return p
}

// inThread returns the messages posted in the thread of message ref.
func (w *world) inThread(ref crier.MessageRef) []criertest.Posted {
	var out []criertest.Posted
	for _, m := range w.chat.Messages() {
		if m.Channel.Thread == ref.ID && m.Channel.ID == ref.Channel {
			out = append(out, m)
		}
	}
	return out
}

// inChannel returns the messages posted in a channel and its threads.
func (w *world) inChannel(id string) []criertest.Posted {
	var out []criertest.Posted
	for _, m := range w.chat.Messages() {
		if m.Channel.ID == id {
			out = append(out, m)
		}
	}
	return out
}

func (w *world) outboxLines(t *testing.T) []file.Record {
	t.Helper()
	recs, err := file.ReadOutbox(w.outbox)
	require.NoError(t, err)
	return recs
}

func TestACommentComesToItsPostsThreadAndTheAnswerGoesBack(t *testing.T) {
	t.Parallel()
	w := setup(t)
	p := w.publish(t, "Launch day is here!")
	require.Len(t, w.outboxLines(t), 1)

	w.comment(t, `{"id":"c1","post_id":"1","author":"bo","author_name":"Bo Lind","text":"Love it, but the link is broken"}`)
	w.poll(t)

	header := w.chat.Find(t, "💬 Post #1 “")
	require.Equal(t, inboxChannel, header.Channel, "the thread starts in the inbox channel")
	require.Contains(t, header.Text, "“Launch day is here!”")
	thread := w.inThread(header.Ref)
	require.Len(t, thread, 1)
	require.Contains(t, thread[0].Text, "Bo Lind (bo) on sandbox, ")
	require.Contains(t, thread[0].Text, ": Love it, but the link is broken")
	require.Equal(t, []string{"Reply", "Assign to me", "Mark handled"}, labels(thread[0].Buttons))

	vs, err := w.relay.Conversations(context.Background(), crier.InboxFilter{})
	require.NoError(t, err)
	require.Len(t, vs, 1)
	require.Equal(t, crier.ConversationOpen, vs[0].Status)
	require.Equal(t, p.ID, vs[0].PostID)

	// A teammate answers in the thread.
	w.chat.Reply(context.Background(), crier.ThreadReply{Platform: "shell", Channel: "inbox", Thread: header.Ref.ID, MessageID: "m9", UserID: "ana", Text: "Thanks Bo! Fixed now."})
	w.idle(t)
	recs := w.outboxLines(t)
	require.Len(t, recs, 2)
	require.Equal(t, "Thanks Bo! Fixed now.", recs[1].Text)
	require.Equal(t, "inbox:c1", recs[1].InReplyTo, "the reply answers the comment")
	require.Contains(t, texts(w.inThread(header.Ref)), "✅ Sent to sandbox: "+fileURL(w.outbox, recs[1].ID))

	vs, err = w.relay.Conversations(context.Background(), crier.InboxFilter{})
	require.NoError(t, err)
	require.Equal(t, crier.ConversationWaiting, vs[0].Status, "answered: waiting for the customer")
	require.False(t, vs[0].FirstResponseAt.IsZero())

	// The customer writes again: the same thread, open again; read once.
	w.comment(t, `{"id":"c2","in_reply_to":"c1","author":"bo","text":"Works, thanks"}`)
	w.poll(t)
	w.poll(t)
	require.Len(t, w.inThread(header.Ref), 3, "one thread per post; each comment once")
	vs, err = w.relay.Conversations(context.Background(), crier.InboxFilter{})
	require.NoError(t, err)
	require.Equal(t, crier.ConversationOpen, vs[0].Status)
	require.Equal(t, 2, vs[0].Comments)
}

func TestOnlyRepliersAnswerAndOnlyInCriersThreads(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.publish(t, "Launch day is here!")
	w.comment(t, `{"id":"c1","post_id":"1","author":"bo","text":"When does it ship?"}`)
	w.poll(t)
	header := w.chat.Find(t, "💬 Post #1 “")

	w.chat.Reply(context.Background(), crier.ThreadReply{Platform: "shell", Channel: "inbox", Thread: header.Ref.ID, MessageID: "m1", UserID: "rui", Text: "Friday"})
	w.chat.Reply(context.Background(), crier.ThreadReply{Platform: "shell", Channel: "inbox", Thread: "999", MessageID: "m2", UserID: "ana", Text: "not a comment thread"})
	w.chat.Reply(context.Background(), crier.ThreadReply{Platform: "shell", Channel: "inbox", Thread: header.Ref.ID, MessageID: "m3", UserID: "ana", Text: strings.Repeat("a", 101)})
	w.chat.Reply(context.Background(), crier.ThreadReply{Platform: "shell", Channel: "inbox", Thread: header.Ref.ID, MessageID: "m4", UserID: "ana", Text: "Fri\u202Eday"})
	w.idle(t)

	require.Len(t, w.outboxLines(t), 1, "nothing was sent")
	got := texts(w.inThread(header.Ref))
	require.Contains(t, got, "✗ Only people with the replier role can answer customers; ask an admin to add you under roles: replier in bot.yaml.")
	require.Contains(t, got, "✗ The answer is 1 character too long for sandbox (101/100). Shorten it and send it again.")
	require.Contains(t, got, "✗ The answer contains a direction override, which networks show wrongly or not at all. Remove it and send the answer again.")
	for _, m := range w.chat.Messages() {
		require.NotEqual(t, "999", m.Channel.Thread, "crier stays out of threads it did not start")
	}
}

func TestPausedPublishingWaitsAndACommentStillArrives(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := setup(t)
	w.publish(t, "First")
	require.NoError(t, w.pub.Pause(ctx, "ana"))
	p := &crier.Post{Text: "Second", DueAt: w.clock.Now(), Origin: crier.ChannelRef{Platform: "shell", ID: "general"}}
	_, err := w.pub.Schedule(ctx, p)
	require.NoError(t, err)
	w.comment(t, `{"id":"c1","post_id":"1","author":"bo","text":"This is awful"}`)
	w.poll(t)
	require.Len(t, w.outboxLines(t), 1, "paused: the second post waits")
	w.chat.Find(t, "💬 Post #1 “")
	require.NoError(t, w.pub.Resume(ctx))
	w.idle(t)
	require.Len(t, w.outboxLines(t), 2)
}

func labels(bs []crier.Button) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Label)
	}
	return out
}

func texts(ms []criertest.Posted) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Text)
	}
	return out
}

func fileURL(outbox, id string) string { return "file://" + outbox + "#" + id }

func TestThePollLoopReadsTheNetworkEveryPoll(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.publish(t, "Launch day is here!")
	w.comment(t, `{"id":"c1","post_id":"1","author":"bo","text":"Nice"}`)
	w.clock.Add(30 * time.Second)
	require.Eventually(t, func() bool {
		for _, m := range w.chat.Messages() {
			if strings.HasPrefix(m.Text, "bo on sandbox") {
				return true
			}
		}
		return false
	}, 10*time.Second, 5*time.Millisecond, "the comment is read at the next poll and relayed")
}

func TestASpikeOfNegativeCommentsRaisesOneAlarm(t *testing.T) {
	t.Parallel()
	scorer, err := sentiment.New()
	require.NoError(t, err)
	alarm, err := sentiment.NewAlarm(sentiment.AlarmOptions{Negative: 3, Window: 30 * time.Minute, Ratio: 2, Baseline: 7 * 24 * time.Hour})
	require.NoError(t, err)
	w := setup(t, func(o *relay.Options) {
		o.Score = func(text string) string { return string(scorer.Score(text).Label) }
		o.Crisis = alarm.Observe
		o.Alert = []string{"ana", "rui"}
	})
	w.publish(t, "Launch day is here!")
	w.comment(t, `{"id":"c1","post_id":"1","author":"bo","text":"This is terrible, the app crashes all the time"}`)
	w.comment(t, `{"id":"c2","post_id":"1","author":"cy","text":"Worst update ever. I hate it."}`)
	w.comment(t, `{"id":"c3","post_id":"1","author":"di","text":"Péssimo, não funciona nada"}`)
	w.comment(t, `{"id":"c4","post_id":"1","author":"ed","text":"Awful. Refund please."}`)
	w.comment(t, `{"id":"c5","post_id":"1","author":"fi","text":"Love the new colours!"}`)
	w.poll(t)

	var alerts []criertest.Posted
	for _, m := range w.chat.Messages() {
		if strings.HasPrefix(m.Text, "🚨") {
			alerts = append(alerts, m)
		}
	}
	require.Len(t, alerts, 1, "one alert per episode")
	a := alerts[0]
	require.Equal(t, inboxChannel, a.Channel)
	require.Equal(t, []string{"ana", "rui"}, a.Mention, "the alert role's people are notified")
	require.Len(t, a.Buttons, 1)
	require.Equal(t, "Pause publishing", a.Buttons[0].Label)
	require.Equal(t, "/pause", a.Buttons[0].Command)
	require.Contains(t, strings.Join(a.Lines, "\n"), "Péssimo, não funciona nada", "Portuguese counts too")
	header := w.chat.Find(t, "💬 Post #1 “")
	require.Contains(t, texts(w.inThread(header.Ref))[0], "😟", "a negative comment is marked")
}

func TestAPublishedPostOpensItsThreadAtOnce(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.publish(t, "Launch day is here!")
	header := w.chat.Find(t, "💬 Post #1 “Launch day is here!” is out")
	require.Equal(t, inboxChannel, header.Channel)
	require.Equal(t, []string{fileURL(w.outbox, "1")}, header.Lines, "with the post on the network")
	vs, err := w.relay.Conversations(context.Background(), crier.InboxFilter{})
	require.NoError(t, err)
	require.Empty(t, vs, "no comment yet: nothing for the inbox")

	w.comment(t, `{"id":"c1","post_id":"1","author":"bo","text":"Nice"}`)
	w.poll(t)
	require.Len(t, w.inThread(header.Ref), 1, "the comment goes into the thread opened at publish")
	n := 0
	for _, m := range w.chat.Messages() {
		if strings.HasPrefix(m.Text, "💬") {
			n++
		}
	}
	require.Equal(t, 1, n, "one thread per post")
}

func TestOneChatMessageIsOneReplyAndAnEmptyThreadSaysSo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := setup(t)
	w.publish(t, "Launch day is here!")
	header := w.chat.Find(t, "💬 Post #1 “")
	w.chat.Reply(ctx, crier.ThreadReply{Platform: "shell", Channel: "inbox", Thread: header.Ref.ID, MessageID: "m1", UserID: "ana", Text: "Anyone?"})
	require.Contains(t, texts(w.inThread(header.Ref)), "✗ Nobody has commented on this post yet, so there is nothing to answer. Comments appear in this thread as they come.")

	w.comment(t, `{"id":"c1","post_id":"1","author":"bo","text":"When?"}`)
	w.poll(t)
	// Slack delivers an event again when it thinks crier missed it.
	answer := crier.ThreadReply{Platform: "shell", Channel: "inbox", Thread: header.Ref.ID, MessageID: "m2", UserID: "ana", Text: "Friday"}
	w.chat.Reply(ctx, answer)
	w.chat.Reply(ctx, answer)
	w.idle(t)
	require.Len(t, w.outboxLines(t), 2, "the post and one reply")
}

func TestARoleTheChatResolvedLetsAPersonAnswer(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.publish(t, "Launch day is here!")
	w.comment(t, `{"id":"c1","post_id":"1","author":"bo","text":"When?"}`)
	w.poll(t)
	header := w.chat.Find(t, "💬 Post #1 “")
	// rui is no replier by user id, but a Slack user group or Discord role
	// the chat resolved makes him one.
	w.chat.Reply(context.Background(), crier.ThreadReply{Platform: "shell", Channel: "inbox", Thread: header.Ref.ID, MessageID: "m1",
		UserID: "rui", UserName: "Rui", Roles: []crier.Role{crier.RoleReplier}, Text: "Friday"})
	w.idle(t)
	require.Len(t, w.outboxLines(t), 2)
}

func TestTheCrisisAlarmRemembersAcrossARestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	alarm, err := sentiment.NewAlarm(sentiment.AlarmOptions{Negative: 3, Window: 30 * time.Minute, Ratio: 2, Baseline: 7 * 24 * time.Hour})
	require.NoError(t, err)
	var observe func(time.Time, bool) bool = alarm.Observe
	w := setup(t, func(o *relay.Options) {
		o.Score = func(text string) string { return "negative" }
		o.Crisis = func(at time.Time, negative bool) bool { return observe(at, negative) }
		o.CrisisHistory = 7*24*time.Hour + 30*time.Minute
	})
	w.publish(t, "Launch day is here!")
	for _, id := range []string{"c1", "c2", "c3"} {
		w.comment(t, `{"id":"`+id+`","post_id":"1","author":"bo","text":"bad"}`)
	}
	w.poll(t)
	alerts := func() int {
		n := 0
		for _, m := range w.chat.Messages() {
			if strings.HasPrefix(m.Text, "🚨") {
				n++
			}
		}
		return n
	}
	require.Equal(t, 1, alerts())

	// crier restarts: a new alarm, told of what is stored.
	w.relay.Stop()
	fresh, err := sentiment.NewAlarm(sentiment.AlarmOptions{Negative: 3, Window: 30 * time.Minute, Ratio: 2, Baseline: 7 * 24 * time.Hour})
	require.NoError(t, err)
	observe = fresh.Observe
	require.NoError(t, w.relay.Prime(ctx))
	require.NoError(t, w.relay.Start(ctx))
	for _, id := range []string{"c4", "c5", "c6"} {
		w.comment(t, `{"id":"`+id+`","post_id":"1","author":"bo","text":"still bad"}`)
	}
	w.poll(t)
	require.Equal(t, 1, alerts(), "the same episode: no second alert after the restart")
}

func TestTheReplyButtonChoosesTheCommentTheNextMessageAnswers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := setup(t)
	w.publish(t, "Launch day is here!")
	w.comment(t, `{"id":"c1","post_id":"1","author":"bo","text":"When does it ship?"}`)
	w.comment(t, `{"id":"c2","post_id":"1","author":"cy","text":"Love it"}`)
	w.poll(t)
	header := w.chat.Find(t, "💬 Post #1 “")
	first := w.inThread(header.Ref)[0]
	require.Equal(t, "Reply", first.Buttons[0].Label)
	commentID, err := strconv.ParseInt(first.Buttons[0].Ref, 10, 64)
	require.NoError(t, err, "the Reply button names its comment")

	// ana presses Reply on bo's comment, then types in the thread.
	c, _, err := w.relay.Choose(ctx, "shell", "ana", first.Buttons[0].PostID, commentID)
	require.NoError(t, err)
	require.Equal(t, "When does it ship?", c.Text)
	w.chat.Reply(ctx, crier.ThreadReply{Platform: "shell", Channel: "inbox", Thread: header.Ref.ID, MessageID: "m1", UserID: "ana", Text: "Friday, Bo"})
	w.chat.Reply(ctx, crier.ThreadReply{Platform: "shell", Channel: "inbox", Thread: header.Ref.ID, MessageID: "m2", UserID: "ana", Text: "Thanks Cy"})
	w.idle(t)
	recs := w.outboxLines(t)
	require.Len(t, recs, 3)
	got := map[string]string{recs[1].Text: recs[1].InReplyTo, recs[2].Text: recs[2].InReplyTo}
	require.Equal(t, map[string]string{"Friday, Bo": "inbox:c1", "Thanks Cy": "inbox:c2"}, got,
		"the chosen comment first, then the latest again")

	// A choice nobody used for a quarter of an hour is forgotten.
	_, _, err = w.relay.Choose(ctx, "shell", "ana", first.Buttons[0].PostID, commentID)
	require.NoError(t, err)
	w.clock.Add(crier.ChoiceLife + time.Minute)
	w.chat.Reply(ctx, crier.ThreadReply{Platform: "shell", Channel: "inbox", Thread: header.Ref.ID, MessageID: "m3", UserID: "ana", Text: "Later"})
	w.idle(t)
	recs = w.outboxLines(t)
	require.Equal(t, "inbox:c2", recs[len(recs)-1].InReplyTo, "the latest comment again")
	_, _, err = w.relay.Choose(ctx, "shell", "ana", first.Buttons[0].PostID+1, commentID)
	require.Error(t, err, "a comment of another conversation cannot be chosen here")
}

// A chat that posted a message but whose answer was lost (a timeout, or a
// crash before crier recorded it): the next attempt finds the message by its
// key instead of posting it again, for the thread's header and for a comment.
func TestAMessageWhoseAnswerWasLostIsFoundNotPostedAgain(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.chat.LoseAnswers("inbox", 1) // the header posted when the post is published
	w.publish(t, "Launch day is here!")
	require.Len(t, w.inChannel("inbox"), 1, "the header got through; crier did not hear so")

	w.chat.LoseAnswers("inbox", 1) // the comment's message
	w.comment(t, `{"id":"c1","post_id":"1","author":"bo","text":"When does it ship?"}`)
	w.poll(t)
	w.clock.Add(time.Minute) // the relay's retry
	w.idle(t)

	require.Len(t, w.inChannel("inbox"), 2, "one header and one comment, each once: %q", w.chat.Texts())
	header := w.chat.Find(t, "💬 Post #1 “")
	thread := w.inThread(header.Ref)
	require.Len(t, thread, 1)
	require.Contains(t, thread[0].Text, "When does it ship?")

	// The thread is the header found: an answer there goes to the customer.
	w.chat.Reply(context.Background(), crier.ThreadReply{Platform: "shell", Channel: "inbox", Thread: header.Ref.ID, MessageID: "m1", UserID: "ana", Text: "Friday!"})
	w.idle(t)
	recs := w.outboxLines(t)
	require.Len(t, recs, 2)
	require.Equal(t, "inbox:c1", recs[1].InReplyTo)
}

// A thread that refuses comments (a moderator locked it) is said once in
// the channel, in plain words; crier tries again every hour, and the
// comments arrive once it can post there.
func TestAThreadThatRefusesCommentsIsSaidOnceAndTriedHourly(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.publish(t, "Launch day is here!")
	header := w.chat.Find(t, "💬 Post #1 “")
	w.chat.RefuseThread(header.Ref.ID, crier.Permanent(crier.Errorf(crier.EPERMANENT, "The thread is locked; unlock it in Discord")))
	w.comment(t, `{"id":"c1","post_id":"1","author":"bo","text":"When does it ship?"}`)
	w.comment(t, `{"id":"c2","post_id":"1","author":"cy","text":"And where?"}`)
	w.poll(t)
	for range 3 {
		w.clock.Add(10 * time.Minute)
		w.idle(t)
	}
	var told []string
	for _, m := range w.inChannel("inbox") {
		if strings.HasPrefix(m.Text, "⚠") {
			told = append(told, m.Text)
		}
	}
	require.Equal(t, []string{"⚠ Comments cannot be posted in a comment thread here: The thread is locked; unlock it in Discord. crier tries again every hour; until then, answer on the network directly."}, told)
	require.Empty(t, w.inThread(header.Ref))

	w.chat.RefuseThread(header.Ref.ID, nil)
	w.clock.Add(time.Hour)
	w.idle(t)
	require.Len(t, w.inThread(header.Ref), 2, "both comments, once the thread takes them")
}

// With an AI writer set up, each relayed comment also offers Suggest a
// reply; without one the button is hidden.
func TestSuggestAReplyIsOfferedOnlyWithAWriter(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{false, true} {
		w := setup(t, func(o *relay.Options) { o.Suggest = on })
		w.publish(t, "Launch day is here!")
		w.comment(t, `{"id":"c1","post_id":"1","author":"bo","text":"When?"}`)
		w.poll(t)
		header := w.chat.Find(t, "💬 Post #1 “")
		got := labels(w.inThread(header.Ref)[0].Buttons)
		if on {
			require.Equal(t, []string{"Reply", "Assign to me", "Mark handled", "Suggest a reply"}, got)
		} else {
			require.Equal(t, []string{"Reply", "Assign to me", "Mark handled"}, got)
		}
	}
}
