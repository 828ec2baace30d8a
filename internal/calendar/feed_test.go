package calendar_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/calendar"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
	"github.com/crier-bot/crier/internal/publish"
)

// feedBundle is crier's core with the feed mounted on a mux as crier's
// HTTP server mounts it, next to nothing else: any other path is unknown.
type feedBundle struct {
	*criertest.Bundle
	srv *httptest.Server
	log *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func setupFeed(t *testing.T) *feedBundle {
	t.Helper()
	b := criertest.Setup(t)
	log := &syncBuffer{}
	h := calendar.FeedHandler(b.DB, func(ctx context.Context, from, to time.Time) ([]*crier.Post, error) {
		return b.Publish.Posts(ctx, publish.PostFilter{From: from, To: to})
	}, calendar.FeedOptions{
		Installation: b.DB.Installation(), Name: "crier plan", Clock: b.Now,
		Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	mux := http.NewServeMux()
	mux.Handle("/calendar.ics", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &feedBundle{Bundle: b, srv: srv, log: log}
}

func (fb *feedBundle) token(t *testing.T, user string) string {
	t.Helper()
	tok, err := fb.DB.CreateFeedToken(context.Background(), "slack", user, "ana")
	require.NoError(t, err)
	return tok
}

func (fb *feedBundle) do(t *testing.T, method, path string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, fb.srv.URL+path, nil)
	require.NoError(t, err)
	resp, err := fb.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

// fetch gets the feed with token, as a calendar app does, and parses it.
func (fb *feedBundle) fetch(t *testing.T, token string) map[string]*ics.VEvent {
	t.Helper()
	resp, body := fb.do(t, http.MethodGet, "/calendar.ics?token="+token)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Equal(t, "text/calendar; charset=utf-8", resp.Header.Get("Content-Type"))
	require.Contains(t, resp.Header.Get("Cache-Control"), "private")
	physicalLines(t, body)
	return events(t, parse(t, body))
}

func TestFeedUIDsStayTheSameAndSequenceGoesUpWithEachChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fb := setupFeed(t)
	tok := fb.token(t, "U1")
	origin := crier.ChannelRef{Platform: "slack", ID: "C1"}
	p := fb.Schedule(t, "Launch day", 2*time.Hour, origin)
	other := fb.Schedule(t, "The day after", 26*time.Hour, origin)
	uid := calendar.UID(fb.DB.Installation(), p.ID)

	first := fb.fetch(t, tok)
	fb.Clock.Add(time.Minute)
	second := fb.fetch(t, tok)
	require.Len(t, first, 2)
	require.Equal(t, keys(first), keys(second), "the same UIDs on every fetch")
	require.Contains(t, first, uid)
	require.Contains(t, first, calendar.UID(fb.DB.Installation(), other.ID))
	seq0 := seq(t, first[uid])
	require.Equal(t, seq0, seq(t, second[uid]), "nothing changed, nothing bumped")
	require.Equal(t, "CONFIRMED", prop(t, first[uid], ics.ComponentPropertyStatus))

	edited := "Launch day, moved words"
	_, _, err := fb.Publish.Edit(ctx, p.ID, crier.PostEdit{Text: &edited, By: "u1"})
	require.NoError(t, err)
	afterEdit := fb.fetch(t, tok)
	require.Equal(t, keys(first), keys(afterEdit), "an edit keeps the UID")
	require.Greater(t, seq(t, afterEdit[uid]), seq0, "an edit bumps SEQUENCE")
	require.Equal(t, edited, text(t, afterEdit[uid], ics.ComponentPropertySummary))
	otherUID := calendar.UID(fb.DB.Installation(), other.ID)
	require.Equal(t, seq(t, first[otherUID]), seq(t, afterEdit[otherUID]), "the post not edited keeps its SEQUENCE")

	due := p.DueAt.Add(3 * time.Hour)
	_, err = fb.Publish.Reschedule(ctx, p.ID, due)
	require.NoError(t, err)
	moved := fb.fetch(t, tok)
	require.Greater(t, seq(t, moved[uid]), seq(t, afterEdit[uid]), "a new time bumps SEQUENCE")
	start, err := moved[uid].GetStartAt()
	require.NoError(t, err)
	require.True(t, start.Equal(due))
	require.True(t, strings.HasSuffix(prop(t, moved[uid], ics.ComponentPropertyDtStart), "Z"))

	_, err = fb.Publish.Cancel(ctx, p.ID)
	require.NoError(t, err)
	cancelled := fb.fetch(t, tok)
	require.Contains(t, cancelled, uid, "a cancelled post stays, so apps remove it")
	require.Equal(t, "CANCELLED", prop(t, cancelled[uid], ics.ComponentPropertyStatus))
	require.Greater(t, seq(t, cancelled[uid]), seq(t, moved[uid]), "cancelling bumps SEQUENCE")
}

func keys(m map[string]*ics.VEvent) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func seq(t *testing.T, e *ics.VEvent) int {
	t.Helper()
	n, err := strconv.Atoi(prop(t, e, ics.ComponentPropertySequence))
	require.NoError(t, err)
	return n
}

func TestFeedShowsAMonthBackAndAYearAhead(t *testing.T) {
	t.Parallel()
	fb := setupFeed(t)
	tok := fb.token(t, "U1")
	origin := crier.ChannelRef{Platform: "slack", ID: "C1"}
	old := fb.Schedule(t, "Long gone", time.Hour, origin)
	fb.Clock.Add(40 * 24 * time.Hour)
	recent := fb.Schedule(t, "Soon", time.Hour, origin)
	far := fb.Schedule(t, "Next year", 400*24*time.Hour, origin)
	within := fb.Schedule(t, "This year", 300*24*time.Hour, origin)

	evs := fb.fetch(t, tok)
	inst := fb.DB.Installation()
	require.NotContains(t, evs, calendar.UID(inst, old.ID), "older than 30 days")
	require.NotContains(t, evs, calendar.UID(inst, far.ID), "more than 365 days ahead")
	require.Contains(t, evs, calendar.UID(inst, recent.ID))
	require.Contains(t, evs, calendar.UID(inst, within.ID))
}

func TestAWrongRevokedOrMissingTokenGetsTheSame404AsAnUnknownPath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fb := setupFeed(t)
	fb.Schedule(t, "Secret plan", time.Hour, crier.ChannelRef{Platform: "slack", ID: "C1"})
	revoked := fb.token(t, "U1")
	good := fb.token(t, "U2")
	_, err := fb.DB.RevokeFeedTokens(ctx, "slack", "U1")
	require.NoError(t, err)
	fb.fetch(t, good) // a good token works meanwhile

	unknown, unknownBody := fb.do(t, http.MethodGet, "/no-such-path")
	require.Equal(t, http.StatusNotFound, unknown.StatusCode)
	tests := []struct{ name, path string }{
		{"a wrong token", "/calendar.ics?token=" + good[:len(good)-2] + "xx"},
		{"a revoked token", "/calendar.ics?token=" + revoked},
		{"no token", "/calendar.ics"},
		{"an empty token", "/calendar.ics?token="},
		{"the token under another name", "/calendar.ics?key=" + good},
	}
	for _, tt := range tests {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			resp, body := fb.do(t, method, tt.path)
			require.Equal(t, http.StatusNotFound, resp.StatusCode, "%s %s", method, tt.name)
			if method == http.MethodGet {
				require.Equal(t, unknownBody, body, tt.name)
			}
			require.Equal(t, sameHeaders(unknown.Header), sameHeaders(resp.Header), "%s %s", method, tt.name)
		}
	}
	require.NotContains(t, fb.log.String(), revoked, "tokens are never logged")
	require.NotContains(t, fb.log.String(), good)
}

// sameHeaders are a response's headers but for its date.
func sameHeaders(h http.Header) http.Header {
	h = h.Clone()
	h.Del("Date")
	return h
}

func TestFeedAnswersGetAndHeadOnly(t *testing.T) {
	t.Parallel()
	fb := setupFeed(t)
	tok := fb.token(t, "U1")
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		resp, _ := fb.do(t, method, "/calendar.ics?token="+tok)
		require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, method)
		require.Equal(t, "GET, HEAD", resp.Header.Get("Allow"), method)
	}
	resp, _ := fb.do(t, http.MethodPost, "/calendar.ics?token=wrong")
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "the method is checked before the token: no hint either way")
}

func TestFeedHeadHasTheHeadersOfGetAndNoBody(t *testing.T) {
	t.Parallel()
	fb := setupFeed(t)
	tok := fb.token(t, "U1")
	fb.Schedule(t, "Launch day", time.Hour, crier.ChannelRef{Platform: "slack", ID: "C1"})
	get, getBody := fb.do(t, http.MethodGet, "/calendar.ics?token="+tok)
	head, headBody := fb.do(t, http.MethodHead, "/calendar.ics?token="+tok)
	require.Equal(t, http.StatusOK, head.StatusCode)
	require.Empty(t, headBody)
	require.Equal(t, sameHeaders(get.Header), sameHeaders(head.Header))
	require.Equal(t, strconv.Itoa(len(getBody)), head.Header.Get("Content-Length"))
	require.Contains(t, string(getBody), "SUMMARY:Launch day\r\n")
}

type brokenTokens struct{}

func (brokenTokens) FeedUser(context.Context, string) (string, string, bool, error) {
	return "", "", false, errors.New("disk I/O error")
}

func TestAFeedStoreErrorIsA500AndLogsNoToken(t *testing.T) {
	t.Parallel()
	log := &syncBuffer{}
	h := calendar.FeedHandler(brokenTokens{}, func(context.Context, time.Time, time.Time) ([]*crier.Post, error) {
		t.Error("no posts are listed without a person")
		return nil, nil
	}, calendar.FeedOptions{Installation: "i", Clock: crier.NewManualClock(now), Logger: slog.New(slog.NewTextHandler(log, nil))})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/calendar.ics?token=s3cr3t-token-value", nil))
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.Contains(t, log.String(), "disk I/O error")
	require.NotContains(t, log.String(), "s3cr3t-token-value")
	require.NotContains(t, rec.Body.String(), "disk")
}
