package relay_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/crier-bot/crier/adapters/webhook"
	"github.com/crier-bot/crier/adapters/webhook/webhooktest"
	"github.com/crier-bot/crier/internal/crier"
)

const loopSecret = "loop-test-secret-0123456789"

// sendSigned POSTs body to url signed with secret at crier's time now, as
// a receiver sends a comment, and returns the status and the answer.
func sendSigned(t *testing.T, client *http.Client, url string, clock crier.Clock, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	ts := clock.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(loopSecret, ts, []byte(body)))
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func TestAWebhookCommentComesToItsPostsThreadAndTheAnswerGoesBack(t *testing.T) {
	t.Parallel()
	clock := crier.NewManualClock(start)
	receiver := webhooktest.New(loopSecret)
	t.Cleanup(receiver.Close)
	receiver.SetClock(clock)
	n, err := webhook.New(webhook.Options{Name: "hook", URL: receiver.URL, Secret: loopSecret, Deduplicates: true,
		RatePerSecond: float64(rate.Inf), HTTPClient: &http.Client{Transport: receiver.Client().Transport}, Clock: clock})
	require.NoError(t, err)
	l := newNetLoop(t, clock, n)
	// crier's comment endpoint, mounted as cmd/crier mounts it.
	endpoint := httptest.NewServer(n.CommentHandler(func(ctx context.Context, c crier.Comment) error {
		return l.relay.Take(ctx, "hook", c)
	}))
	t.Cleanup(endpoint.Close)

	p := l.publish(t, "Launch day is here!")
	ds := receiver.Deliveries()
	require.Len(t, ds, 1)
	post := ds[0]
	require.Equal(t, "post", post.Payload.Type)
	header := l.chat.Find(t, "💬 Post #1 “Launch day is here!” is out")

	comment, err := json.Marshal(map[string]any{"id": "c-1", "parent_id": post.RemoteID, "url": "https://forum.example/t/1#c-1",
		"author_id": "u-7", "author_handle": "@bo", "author_name": "Bo Lind", "text": "Love it, but the link is broken"})
	require.NoError(t, err)
	code, msg := sendSigned(t, endpoint.Client(), endpoint.URL, clock, string(comment))
	require.Equal(t, http.StatusNoContent, code, msg)
	l.idle(t)

	thread := l.inThread(header.Ref)
	require.Len(t, thread, 1, "the comment is relayed into the post's thread")
	require.Contains(t, thread[0].Text, "Bo Lind (@bo) on hook, ")
	require.Contains(t, thread[0].Text, ": Love it, but the link is broken")
	require.Contains(t, thread[0].Lines, "https://forum.example/t/1#c-1")
	vs, err := l.relay.Conversations(t.Context(), crier.InboxFilter{})
	require.NoError(t, err)
	require.Len(t, vs, 1)
	require.Equal(t, p.ID, vs[0].PostID, "the comment is filed under crier's post")

	// The receiver sends the same comment again a second later, signed
	// anew: stored once.
	clock.Add(time.Second)
	code, msg = sendSigned(t, endpoint.Client(), endpoint.URL, clock, string(comment))
	require.Equal(t, http.StatusNoContent, code, msg)
	l.idle(t)
	require.Len(t, l.inThread(header.Ref), 1, "a comment sent twice is relayed once")

	// The receiver forwards every new message on its platform to crier,
	// crier's own answer too, before it answers crier's POST: crier has not
	// recorded the answer's id yet, and still must not relay it.
	receiver.OnStore(func(d webhooktest.Delivery) {
		if d.Payload.Type != "reply" {
			return
		}
		echo, err := json.Marshal(map[string]any{"id": d.RemoteID, "parent_id": d.Payload.InReplyTo, "author_id": "crier-bot",
			"author_handle": "@crier", "text": d.Payload.Text})
		if err == nil {
			code, msg := sendSigned(t, endpoint.Client(), endpoint.URL, clock, string(echo))
			require.Equal(t, http.StatusNoContent, code, msg)
		}
	})
	l.answer(t, header.Ref, "Thanks Bo! Fixed now.")
	ds = receiver.Deliveries()
	require.Len(t, ds, 2, "the post and one answer; the thread says: %q", texts(l.inThread(header.Ref)))
	reply := ds[1]
	require.Equal(t, "reply", reply.Payload.Type)
	require.Equal(t, "c-1", reply.Payload.InReplyTo, "the answer names the comment it answers")
	require.Equal(t, "Thanks Bo! Fixed now.", reply.Payload.Text)
	require.Equal(t, "hook", reply.Payload.Network)
	require.Regexp(t, `^crier-[0-9a-f]+-reply-1$`, reply.Key)
	require.Equal(t, reply.Key, reply.Payload.ID)
	require.NoError(t, webhook.Verify(loopSecret, reply.Header, reply.Body, clock.Now()), "the answer is signed")
	require.Equal(t, 1, receiver.CreatesByKey()[reply.Key], "published once")
	require.Contains(t, texts(l.inThread(header.Ref)), "✅ Sent to hook: "+reply.URL)
	relayed := 0
	for _, m := range texts(l.inThread(header.Ref)) {
		if strings.Contains(m, " on hook, ") {
			relayed++
		}
	}
	require.Equal(t, 1, relayed, "only the customer's comment is relayed; crier's own answer, echoed back, is not: %q", texts(l.inThread(header.Ref)))
	vs, err = l.relay.Conversations(t.Context(), crier.InboxFilter{})
	require.NoError(t, err)
	require.Equal(t, crier.ConversationWaiting, vs[0].Status, "answered: waiting for the customer")
}

// A receiver whose comment was deleted meanwhile refuses the answer with
// 422 and a line saying why (README, "The webhook request"): the thread
// says so in one line, and crier does not try again.
func TestAnAnswerToAWebhookCommentDeletedMeanwhileFailsOnceWithOneLine(t *testing.T) {
	t.Parallel()
	clock := crier.NewManualClock(start)
	receiver := webhooktest.New(loopSecret)
	t.Cleanup(receiver.Close)
	receiver.SetClock(clock)
	n, err := webhook.New(webhook.Options{Name: "hook", URL: receiver.URL, Secret: loopSecret, Deduplicates: true,
		RatePerSecond: float64(rate.Inf), HTTPClient: &http.Client{Transport: receiver.Client().Transport}, Clock: clock})
	require.NoError(t, err)
	l := newNetLoop(t, clock, n)
	l.publish(t, "Launch day is here!")
	post := receiver.Deliveries()[0]
	header := l.chat.Find(t, "💬 Post #1 “Launch day is here!” is out")
	require.NoError(t, l.relay.Take(t.Context(), "hook", crier.Comment{RemoteID: "c-1", ParentID: post.RemoteID, AuthorHandle: "@bo", Text: "Where is the link?"}))
	l.idle(t)
	require.Len(t, l.inThread(header.Ref), 1)

	receiver.SetStatus(http.StatusUnprocessableEntity, "That comment was deleted.\n")
	l.answer(t, header.Ref, "Here it is: example.com")
	thread := l.inThread(header.Ref)
	require.Len(t, thread, 2, "%q", texts(thread))
	said := thread[1].Text
	require.Equal(t, "✗ Your answer was not sent to hook: The webhook for hook refused the answer: That comment was deleted.", said)
	rows := replyRows(t, l.db)
	require.Len(t, rows, 1)
	require.Equal(t, "failed", rows[0].Status)
	require.Equal(t, 1, rows[0].Attempts, "a refused answer is not tried again")
	for range 3 {
		clock.Add(time.Hour)
		l.idle(t)
	}
	require.Len(t, l.inThread(header.Ref), 2, "nothing more is said")
}
