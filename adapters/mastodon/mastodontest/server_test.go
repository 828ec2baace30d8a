package mastodontest

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// call sends a request to the fake with its token and returns the status,
// headers and body.
func call(t *testing.T, s *Server, method, path string, form url.Values, header map[string]string) (int, http.Header, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.URL+path, body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.Token)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(data)
}

func TestCreateDeduplicatesByKey(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	form := url.Values{"status": {"hello"}}
	code, hdr, first := call(t, s, "POST", "/api/v1/statuses", form, map[string]string{"Idempotency-Key": "k"})
	require.Equal(t, 200, code)
	require.NotEmpty(t, hdr.Get("X-RateLimit-Limit"))
	require.NotEmpty(t, hdr.Get("X-RateLimit-Remaining"))
	_, err := time.Parse(time.RFC3339Nano, hdr.Get("X-RateLimit-Reset"))
	require.NoError(t, err)
	_, _, again := call(t, s, "POST", "/api/v1/statuses", form, map[string]string{"Idempotency-Key": "k"})
	require.JSONEq(t, first, again)
	require.Len(t, s.Statuses(), 1)

	s.ForgetKeys()
	call(t, s, "POST", "/api/v1/statuses", form, map[string]string{"Idempotency-Key": "k"})
	require.Equal(t, map[string]int{"k": 2}, s.CreatesByKey(), "after an hour Mastodon forgets the key")
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	s.SetLimit(10)
	code, _, body := call(t, s, "POST", "/api/v1/statuses", url.Values{"status": {"this is too long"}}, nil)
	require.Equal(t, 422, code)
	require.JSONEq(t, `{"error":"Validation failed: Text character limit of 10 exceeded"}`, body)

	req, _ := http.NewRequest("GET", s.URL+"/api/v1/accounts/verify_credentials", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 401, resp.StatusCode)

	s.SetAccountStatus(403, `{"error":"Your login is currently disabled"}`)
	code, _, body = call(t, s, "GET", "/api/v1/accounts/verify_credentials", nil, nil)
	require.Equal(t, 403, code)
	require.JSONEq(t, `{"error":"Your login is currently disabled"}`, body)
}

func TestNotificationsPaginateLikeMastodon(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	for range 5 {
		s.AddMention(Mention{From: "ana@example.social", Text: "@crier hi"})
	}
	ids := func(body string) []string {
		var page []struct {
			ID string `json:"id"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &page))
		out := []string{}
		for _, p := range page {
			out = append(out, p.ID)
		}
		return out
	}
	_, hdr, body := call(t, s, "GET", "/api/v1/notifications?limit=2&types[]=mention", nil, nil)
	newest := ids(body)
	require.Len(t, newest, 2)
	require.Greater(t, newest[0], newest[1], "newest first")
	link := hdr.Get("Link")
	require.Contains(t, link, `max_id=`+newest[1])
	require.Contains(t, link, `min_id=`+newest[0])
	require.Contains(t, link, `types%5B%5D=mention`)

	_, _, body = call(t, s, "GET", "/api/v1/notifications?limit=2&max_id="+newest[1], nil, nil)
	older := ids(body)
	require.Len(t, older, 2)
	require.Less(t, older[0], newest[1])

	_, _, body = call(t, s, "GET", "/api/v1/notifications?limit=2&min_id="+older[1], nil, nil)
	require.Equal(t, []string{newest[1], older[0]}, ids(body), "min_id pages forward: the ones immediately newer, newest first")

	_, hdr, body = call(t, s, "GET", "/api/v1/notifications?since_id="+newest[0], nil, nil)
	require.Equal(t, "[]\n", body)
	require.Empty(t, hdr.Get("Link"))
}

func TestMediaIsProcessedAfterOnePoll(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	var b strings.Builder
	b.WriteString("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.gif\"\r\nContent-Type: image/gif\r\n\r\n")
	b.WriteString("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	b.WriteString("\r\n--x--\r\n")
	req, _ := http.NewRequest("POST", s.URL+"/api/v2/media", strings.NewReader(b.String()))
	req.Header.Set("Authorization", "Bearer "+s.Token)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var att struct {
		ID  string  `json:"id"`
		URL *string `json:"url"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&att))
	resp.Body.Close()
	require.Equal(t, 202, resp.StatusCode)
	require.Nil(t, att.URL)

	code, _, _ := call(t, s, "POST", "/api/v1/statuses", url.Values{"status": {"x"}, "media_ids[]": {att.ID}}, nil)
	require.Equal(t, 422, code, "not processed yet")
	code, _, _ = call(t, s, "GET", "/api/v1/media/"+att.ID, nil, nil)
	require.Equal(t, 206, code)
	code, _, _ = call(t, s, "GET", "/api/v1/media/"+att.ID, nil, nil)
	require.Equal(t, 200, code)
	code, _, _ = call(t, s, "POST", "/api/v1/statuses", url.Values{"status": {"x"}, "media_ids[]": {att.ID}}, nil)
	require.Equal(t, 200, code)
}

func TestEnforcedRateLimit(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	s.SetRateLimit(2, time.Minute)
	code, hdr, _ := call(t, s, "GET", "/api/v2/instance", nil, nil)
	require.Equal(t, 200, code)
	require.Equal(t, "1", hdr.Get("X-RateLimit-Remaining"))
	code, hdr, _ = call(t, s, "GET", "/api/v2/instance", nil, nil)
	require.Equal(t, 200, code)
	require.Equal(t, "0", hdr.Get("X-RateLimit-Remaining"))
	code, _, body := call(t, s, "GET", "/api/v2/instance", nil, nil)
	require.Equal(t, 429, code)
	require.JSONEq(t, `{"error":"Too many requests"}`, body)
}

func TestFaultsAreSeeded(t *testing.T) {
	t.Parallel()
	run := func() []int {
		s := New()
		defer s.Close()
		s.SetFaults(Faults{Rate: 0.5, Seed: 7, Modes: []Fault{Fault500BeforeStore, Fault429}})
		var codes []int
		for range 20 {
			code, _, _ := call(t, s, "POST", "/api/v1/statuses", url.Values{"status": {"x"}}, nil)
			codes = append(codes, code)
		}
		return codes
	}
	first := run()
	require.Equal(t, first, run())
	require.Contains(t, first, 200)
	require.Contains(t, first, 500)
	require.Contains(t, first, 429)
}

func TestStreamingServesNotificationsAsServerSentEvents(t *testing.T) {
	s := New()
	defer s.Close()
	s.SetHeartbeat(time.Millisecond)

	for token, want := range map[string]string{"": "Error: Missing access token", "wrong": "Error: Invalid access token"} {
		req, err := http.NewRequest(http.MethodGet, s.URL+"/api/v1/streaming/user/notification", nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var body struct{ Error string }
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		require.Equal(t, want, body.Error)
	}

	req, err := http.NewRequest(http.MethodGet, s.URL+"/api/v1/streaming/user/notification", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.Token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	require.Eventually(t, func() bool { return s.Streams() == 1 }, 5*time.Second, time.Millisecond)
	id := s.AddMention(Mention{From: "ana@example.social", Text: "@crier hi"})

	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(nil, 1<<20)
	require.True(t, lines.Scan())
	require.Equal(t, ":)", lines.Text())
	var event, data string
	for event == "" || data == "" {
		require.True(t, lines.Scan(), "the stream ended")
		switch line := lines.Text(); {
		case line == ":thump": // a heartbeat, between events
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		default:
			t.Fatalf("unexpected line %q", line)
		}
	}
	require.Equal(t, "notification", event)
	var n struct {
		ID     string `json:"id"`
		Type   string `json:"type"`
		Status struct {
			ID string `json:"id"`
		} `json:"status"`
	}
	require.NoError(t, json.Unmarshal([]byte(data), &n))
	require.Equal(t, "mention", n.Type)
	require.Equal(t, id, n.Status.ID)
	require.True(t, lines.Scan())
	require.Empty(t, lines.Text(), "a blank line ends the event")

	s.DropStreams()
	for lines.Scan() {
	}
	require.Equal(t, 0, s.Streams())
}

func TestStatusIndex(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	var ids []string
	for i := range 3 {
		code, _, body := call(t, s, "POST", "/api/v1/statuses", url.Values{"status": {"post " + strconv.Itoa(i)}}, nil)
		require.Equal(t, 200, code)
		var st struct{ ID string }
		require.NoError(t, json.Unmarshal([]byte(body), &st))
		ids = append(ids, st.ID)
	}
	s.Delete(ids[1])
	index := func(q url.Values) (int, []string, string) {
		t.Helper()
		code, _, body := call(t, s, "GET", "/api/v1/statuses?"+q.Encode(), nil, nil)
		if code != 200 {
			return code, nil, body
		}
		var got []struct{ ID string }
		require.NoError(t, json.Unmarshal([]byte(body), &got))
		out := []string{}
		for _, g := range got {
			out = append(out, g.ID)
		}
		return code, out, body
	}

	code, got, _ := index(url.Values{"id[]": {ids[0], ids[1], ids[2], "999", "abc"}})
	require.Equal(t, 200, code)
	require.Equal(t, []string{ids[2], ids[0]}, got, "deleted and unknown ids are left out; database order, not the request's")

	code, got, _ = index(url.Values{"id": {ids[0]}})
	require.Equal(t, 200, code)
	require.Empty(t, got, "only id[] is read")

	code, got, _ = index(url.Values{"id[]": {ids[0] + "abc"}})
	require.Equal(t, 200, code)
	require.Equal(t, []string{ids[0]}, got, "ids go through Ruby's to_i")

	many := url.Values{}
	for i := range 20 {
		many.Add("id[]", strconv.Itoa(1000+i))
	}
	many.Add("id[]", "1000") // a repeat does not count against the limit
	code, got, _ = index(many)
	require.Equal(t, 200, code)
	require.Empty(t, got)
	many.Add("id[]", "2000")
	code, _, body := index(many)
	require.Equal(t, 422, code)
	require.JSONEq(t, `{"error":"Mastodon::ValidationError"}`, body)

	s.SetStatusIndex(false)
	code, _, _ = index(url.Values{"id[]": {ids[0]}})
	require.Equal(t, 404, code, "Mastodon before 4.3 has no such route")
	code, _, _ = call(t, s, "GET", "/api/v1/statuses/"+ids[0], nil, nil)
	require.Equal(t, 200, code)
}

func TestThrottleAfter(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	s.ThrottleAfter(2)
	for range 2 {
		code, hdr, _ := call(t, s, "GET", "/api/v1/accounts/verify_credentials", nil, nil)
		require.Equal(t, 200, code)
		require.NotEqual(t, "0", hdr.Get("X-RateLimit-Remaining"))
	}
	for range 2 {
		code, hdr, body := call(t, s, "GET", "/api/v1/accounts/verify_credentials", nil, nil)
		require.Equal(t, 429, code)
		require.Equal(t, "0", hdr.Get("X-RateLimit-Remaining"))
		require.Empty(t, hdr.Get("Retry-After"), "rack-attack sends none")
		_, err := time.Parse(time.RFC3339Nano, hdr.Get("X-RateLimit-Reset"))
		require.NoError(t, err)
		require.JSONEq(t, `{"error":"Too many requests"}`, body)
	}
}
