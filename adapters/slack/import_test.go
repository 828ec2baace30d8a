package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/stretchr/testify/require"
)

// uploadEvent is the Events API delivery of a person's message that shares
// files, as Slack sends it (subtype file_share; see the fake's comment).
func uploadEvent(eventID, user, text string, files ...map[string]any) []byte {
	ev := map[string]any{"type": "message", "subtype": "file_share", "upload": true, "display_as_bot": false,
		"user": user, "text": text, "ts": "1700000100.000100", "event_ts": "1700000100.000100",
		"channel": "C0LAUNCH1", "channel_type": "channel", "files": files}
	b, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": "T1", "api_app_id": "A1",
		"event_id": eventID, "event_time": 1700000100, "event": ev})
	return b
}

// calendar is a calendar CSV with rows dated next month, so that they are
// in the future whenever the test runs.
func calendar(rows ...string) []byte {
	day := time.Now().UTC().AddDate(0, 1, 0).Format("2006-01-02")
	return []byte("date,time,timezone,networks,text\n" + strings.ReplaceAll(strings.Join(rows, "\n"), "DAY", day) + "\n")
}

func TestAnUploadedCalendarWithCrierImportSchedulesItsRows(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"crier import", "  Crier IMPORT ", "<@" + botUserID + "> import", "@crier import"} {
		t.Run(text, func(t *testing.T) {
			t.Parallel()
			f := newFakeSlack(t)
			w := newWorld(t)
			srv := listener(t, newAdapter(t, f, w, "http"))
			file := f.share("plan.csv", "text/csv", calendar("DAY,09:00,UTC,sandbox,Launch day", "DAY,15:00,UTC,sandbox,Launch recap"))

			status, _ := send(t, srv, signedReq{path: "/slack/events", body: string(uploadEvent("EvUP1", "U_ANA", text, file))})
			require.Equal(t, http.StatusOK, status)

			var reply map[string][]string
			require.Eventually(t, func() bool {
				for _, p := range f.postsCopy() {
					if p.Get("thread_ts") == "1700000100.000100" {
						reply = p
					}
				}
				return reply != nil
			}, 5*time.Second, 10*time.Millisecond)
			require.Equal(t, "C0LAUNCH1", reply["channel"][0])
			require.Equal(t, "✓ Imported 2 posts from plan.csv (#1, #2). /calendar shows them.", reply["text"][0])
			posts := w.upcoming(t)
			require.Len(t, posts, 2)
			require.Equal(t, "Launch day", posts[0].Text)
			require.Equal(t, "U_ANA", posts[0].AuthorID, "the rows are the uploader's posts")
			require.Equal(t, "C0LAUNCH1", posts[0].Origin.ID)
			require.Equal(t, []string{file["id"].(string)}, f.downloaded())
			require.Empty(t, f.ephemeralsCopy())
		})
	}
}

func TestAnUploadedCalendarWithBadRowsAnswersTheUploaderLineByLine(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "http")
	file := f.share("plan.csv", "text/csv", calendar("DAY,09:00,UTC,sandbox,Launch day", "DAY,25:00,UTC,sandbox,Oops", "DAY,09:00,UTC,sandbx,Typo"))

	a.HandleEvent(context.Background(), uploadEvent("EvUP1", "U_ANA", "crier import", file))

	eph := f.ephemeralsCopy()
	require.Len(t, eph, 1)
	require.Equal(t, "U_ANA", eph[0].Get("user"), "only the uploader sees what is wrong")
	require.Equal(t, "C0LAUNCH1", eph[0].Get("channel"))
	text := eph[0].Get("text")
	require.True(t, strings.HasPrefix(text, "✗ Nothing was imported: 2 rows of plan.csv are wrong."), text)
	require.Contains(t, text, "line 3: ")
	require.Contains(t, text, "line 4: ")
	require.Contains(t, eph[0].Get("blocks"), "line 3: ")
	require.Empty(t, w.upcoming(t))
	require.Empty(t, f.postsCopy())
}

func TestAnUploadedCalendarOver1MBIsRefusedWithoutDownloadingIt(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "http")
	big := calendar("DAY,09:00,UTC,sandbox," + strings.Repeat("x", 1<<20))
	file := f.share("huge.csv", "text/csv", big)
	require.Greater(t, file["size"], 1<<20)

	a.HandleEvent(context.Background(), uploadEvent("EvUP1", "U_ANA", "crier import", file))

	eph := f.ephemeralsCopy()
	require.Len(t, eph, 1)
	require.Equal(t, "✗ huge.csv is larger than 1 MB; split it, or import it with crier import on the server.", eph[0].Get("text"))
	require.Empty(t, f.downloaded())
	require.Empty(t, w.upcoming(t))
}

func TestAnUploadedCalendarFromSomeoneWithoutTheRoleIsRefused(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "http")
	file := f.share("plan.csv", "text/csv", calendar("DAY,09:00,UTC,sandbox,Launch day"))

	a.HandleEvent(context.Background(), uploadEvent("EvUP1", "U_RUI", "crier import", file))

	eph := f.ephemeralsCopy()
	require.Len(t, eph, 1)
	require.Equal(t, "U_RUI", eph[0].Get("user"))
	require.Equal(t, "✗ You need the scheduler role to use /import. Ask whoever runs crier to add you under roles: in bot.yaml.", eph[0].Get("text"))
	require.Empty(t, w.upcoming(t))
	require.Empty(t, f.downloaded(), "crier does not fetch a file it will not import")
}

func TestARedeliveredUploadImportsOnce(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "http")
	file := f.share("plan.csv", "text/csv", calendar("DAY,09:00,UTC,sandbox,Launch day"))
	ev := uploadEvent("EvUP1", "U_ANA", "crier import", file)

	a.HandleEvent(context.Background(), ev)
	a.HandleEvent(context.Background(), ev) // Slack's retry: same event_id

	require.Len(t, w.upcoming(t), 1)
	require.Len(t, f.downloaded(), 1)
	require.Len(t, f.postsCopy(), 1, "one answer")
	require.Empty(t, f.ephemeralsCopy(), "the retry is not answered either")
}

func TestUploadsThatAreNotAnImportDoNothing(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "http")
	file := f.share("plan.csv", "text/csv", calendar("DAY,09:00,UTC,sandbox,Launch day"))
	withBot := func(ev []byte) []byte {
		var m map[string]any
		require.NoError(t, json.Unmarshal(ev, &m))
		m["event"].(map[string]any)["bot_id"] = "B0OTHER"
		m["event"].(map[string]any)["subtype"] = "bot_message"
		b, _ := json.Marshal(m)
		return b
	}
	for i, ev := range [][]byte{
		uploadEvent("EvN1", "U_ANA", "", file),                                  // a plain upload
		uploadEvent("EvN2", "U_ANA", "here is the plan for crier import", file), // words around it
		uploadEvent("EvN3", "U_ANA", "crier import"),                            // no file
		uploadEvent("EvN4", botUserID, "crier import", file),                    // crier's own
		withBot(uploadEvent("EvN5", "U_BOT", "crier import", file)),             // another bot
		uploadEvent("EvN6", "U_ANA", "<@U0SOMEONE> import", file),               // someone else mentioned
	} {
		a.HandleEvent(context.Background(), ev)
		require.Empty(t, f.downloaded(), fmt.Sprint("event ", i))
	}
	require.Empty(t, f.postsCopy())
	require.Empty(t, f.ephemeralsCopy())
	require.Empty(t, w.upcoming(t))

	// The same file with the words imports it, once: only this event did.
	a.HandleEvent(context.Background(), uploadEvent("EvY1", "U_ANA", "crier import", file))
	require.Len(t, w.upcoming(t), 1)
	require.Equal(t, []string{file["id"].(string)}, f.downloaded())
	require.Len(t, f.postsCopy(), 1)
}

func TestAnUploadWithCrierImportInACommentThreadIsNotAReplyToTheCustomer(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "http")
	var replies []crier.ThreadReply
	a.OnThreadReply(func(_ context.Context, m crier.ThreadReply) { replies = append(replies, m) })
	file := f.share("plan.csv", "text/csv", calendar("DAY,09:00,UTC,sandbox,Launch day"))
	inThread := func(ev []byte) []byte {
		var m map[string]any
		require.NoError(t, json.Unmarshal(ev, &m))
		e := m["event"].(map[string]any)
		e["thread_ts"], e["parent_user_id"] = "1700000000.000001", botUserID // a thread crier started
		b, _ := json.Marshal(m)
		return b
	}

	a.HandleEvent(context.Background(), inThread(uploadEvent("EvT1", "U_ANA", "crier import", file)))
	require.Empty(t, replies, "the words are not sent to the customer")
	require.Len(t, w.upcoming(t), 1, "the file is imported")
	posts := f.postsCopy()
	require.Len(t, posts, 1)
	require.Equal(t, "1700000000.000001", posts[0].Get("thread_ts"), "answered under the thread's parent")

	// Other words with a file in that thread are a reply, as before.
	a.HandleEvent(context.Background(), inThread(uploadEvent("EvT2", "U_ANA", "see the attached plan", file)))
	require.Len(t, replies, 1)
	require.Equal(t, "see the attached plan", replies[0].Text)
}

func TestAnUploadCrierMayNotReadSaysWhatToAskFor(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	f.noFilesRead = true
	w := newWorld(t)
	a := newAdapter(t, f, w, "http")
	file := f.share("plan.csv", "text/csv", calendar("DAY,09:00,UTC,sandbox,Launch day"))

	a.HandleEvent(context.Background(), uploadEvent("EvUP1", "U_ANA", "crier import", file))

	eph := f.ephemeralsCopy()
	require.Len(t, eph, 1)
	require.Equal(t, "✗ crier could not read plan.csv from Slack; upload it again with \"crier import\", and if this repeats ask whoever runs crier to give its Slack app the files:read scope.", eph[0].Get("text"))
	require.Empty(t, w.upcoming(t), "Slack's sign-in page is not read as the calendar")
}
