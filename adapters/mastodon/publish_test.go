package mastodon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/mastodon/mastodontest"
	"github.com/crier-bot/crier/internal/crier"
)

func TestNewChecksOptions(t *testing.T) {
	t.Parallel()
	good := Options{Name: "social", Server: "https://mastodon.social", AccessToken: "t"}
	tests := []struct {
		name   string
		mutate func(*Options)
		want   string
	}{
		{"a network without a name is refused", func(o *Options) { o.Name = "" }, "needs a name"},
		{"a server that is not a URL is refused", func(o *Options) { o.Server = "mastodon.social" }, "server must be"},
		{"a server with a query is refused", func(o *Options) { o.Server = "https://mastodon.social/?x=1" }, "server must be"},
		{"a missing token is refused", func(o *Options) { o.AccessToken = " " }, "access_token is required"},
		{"an unknown visibility is refused", func(o *Options) { o.Visibility = "friends" }, `visibility "friends"`},
		{"a language that is not a code is refused", func(o *Options) { o.Language = "English" }, `language "English"`},
		{"a negative limit is refused", func(o *Options) { o.Limit = -1 }, "limit must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := good
			tt.mutate(&o)
			_, err := New(o)
			require.Error(t, err)
			require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
			require.Contains(t, err.Error(), tt.want)
		})
	}
	t.Run("good options make no request", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		require.Empty(t, b.srv.Requests())
		require.Equal(t, "mastodon", b.net.Kind())
		require.Equal(t, "social", b.net.Name())
		require.Equal(t, 55*time.Minute, b.net.KeyWindow())
		require.Equal(t, crier.Count{Used: 5, Limit: 500, Unit: "characters"}, b.net.Check("hello"))
	})
}

func TestPublishSendsTheKeyAndReturnsTheLink(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) { o.Visibility = "unlisted"; o.Language = "pt" })
	ctx := testContext(t)
	text := "Olá! Read https://example.com/a/very/long/path/that/counts/as/twenty-three?really=yes"
	require.Equal(t, 10+23, b.net.Check(text).Used)

	res, err := b.net.Publish(ctx, publishReq("post-1:social:0", text))
	require.NoError(t, err)

	statuses := b.srv.Statuses()
	require.Len(t, statuses, 1)
	st := statuses[0]
	require.Equal(t, st.ID, res.RemoteID)
	require.Equal(t, b.srv.URL+"/@crier/"+st.ID, res.URL)
	require.Equal(t, text, st.Text)
	require.Equal(t, "unlisted", st.Visibility)
	require.Equal(t, "pt", st.Language)
	require.Equal(t, "post-1:social:0", st.IdempotencyKey)

	creates := requestsTo(b.srv, http.MethodPost, "/api/v1/statuses")
	require.Len(t, creates, 1)
	require.Equal(t, "post-1:social:0", creates[0].IdempotencyKey)
	require.NotEmpty(t, requestsTo(b.srv, http.MethodGet, "/api/v2/instance"), "the limits are read before the first publish")
}

func TestRepeatedKeyCreatesOneStatus(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := testContext(t)
	first, err := b.net.Publish(ctx, publishReq("k1", "once"))
	require.NoError(t, err)
	again, err := b.net.Publish(ctx, publishReq("k1", "once"))
	require.NoError(t, err)
	require.Equal(t, first, again)
	other, err := b.net.Publish(ctx, publishReq("k2", "once"))
	require.NoError(t, err)
	require.NotEqual(t, first.RemoteID, other.RemoteID)

	require.Len(t, b.srv.Statuses(), 2)
	require.Equal(t, map[string]int{"k1": 1, "k2": 1}, b.srv.CreatesByKey())
}

func TestPublishUploadsImagesAndWaitsForProcessing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	imgs := imageServer(t)
	req := publishReq("img", "Two pets")
	req.Images = []crier.Image{{URL: imgs.URL + "/cat.png", Alt: "A cat asleep"}, {URL: imgs.URL + "/dog.png", Alt: "A dog"}}

	res, err := b.net.Publish(testContext(t), req)
	require.NoError(t, err)

	st, ok := b.srv.Status(res.RemoteID)
	require.True(t, ok)
	require.Len(t, st.MediaIDs, 2)
	media := b.srv.Media()
	require.Len(t, media, 2)
	alts := map[string]bool{}
	for _, m := range media {
		require.True(t, m.Processed, "the status was created only after processing")
		require.Equal(t, "image/png", m.ContentType)
		alts[m.Description] = true
	}
	require.Equal(t, map[string]bool{"A cat asleep": true, "A dog": true}, alts)
	// Each upload answered 202, so each was polled: 206, then 200.
	require.Len(t, requestsTo(b.srv, http.MethodGet, "/api/v1/media/"), 4)
}

func TestImageProblems(t *testing.T) {
	t.Parallel()
	imgs := imageServer(t)
	tests := []struct {
		name      string
		images    []string
		permanent bool
		want      string
	}{
		{"a missing image is permanent and named", []string{"/gone.png"}, true,
			"crier could not fetch the image " + imgs.URL + "/gone.png: the server answered 404 Not Found. Fix the link and schedule the post again."},
		{"a web page instead of an image is permanent", []string{"/page"}, true, "is not an image (the server sent text/html, status 200 OK)"},
		{"more images than the instance takes is permanent", []string{"/cat.png", "/cat.png", "/cat.png", "/cat.png", "/cat.png"}, true,
			"Mastodon (social) takes at most 4 images per post; this one has 5."},
		{"an image server error is retried", []string{"/broken"}, false, "500 Internal Server Error."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			req := publishReq("k", "with a picture")
			for _, p := range tt.images {
				req.Images = append(req.Images, crier.Image{URL: imgs.URL + p})
			}
			_, err := b.net.Publish(testContext(t), req)
			require.Error(t, err)
			require.Equal(t, tt.permanent, crier.IsPermanent(err), "%v", err)
			require.False(t, crier.IsUnclear(err))
			require.Contains(t, crier.ErrorMessage(err), tt.want)
			require.Empty(t, b.srv.Statuses())
		})
	}
}

func TestRefusedAccounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		code   int
		body   string
		badKey bool
		want   string
	}{
		{"a revoked token asks for a new one", 401, `{"error":"The access token was revoked"}`, false,
			"Mastodon refused the access token for social (it expired or was revoked). Make a new one in Preferences → Development on HOST and put it in bot.yaml."},
		{"a wrong token asks for a new one", 0, "", true,
			"Mastodon refused the access token for social (it expired or was revoked). Make a new one in Preferences → Development on HOST and put it in bot.yaml."},
		{"a suspended account says what Mastodon said", 403, `{"error":"Your login is currently disabled"}`, false,
			`Mastodon (social) refused the account ("Your login is currently disabled"): it may be suspended, limited or not yet approved; log in on HOST to see why.`},
		{"a token without the write scope names the scope", 403, `{"error":"This action is outside the authorized scopes"}`, false,
			"The access token for social may not do this (it lacks the read or write:statuses scope). Make a new one with read and write in Preferences → Development on HOST and put it in bot.yaml."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var sent string // the token crier sends
			b := setup(t, func(o *Options) {
				if tt.badKey {
					o.AccessToken = "not-the-token"
				}
				sent = o.AccessToken
			})
			b.srv.SetAccountStatus(tt.code, tt.body)
			_, err := b.net.Publish(testContext(t), publishReq("k", "hello"))
			require.Error(t, err)
			require.True(t, crier.IsAuth(err), "%v", err)
			require.False(t, crier.IsUnclear(err))
			want := strings.ReplaceAll(tt.want, "HOST", b.host)
			require.Equal(t, want, crier.ErrorMessage(err))
			require.NotContains(t, err.Error(), b.srv.Token)
			require.NotContains(t, err.Error(), sent)
			require.Empty(t, b.srv.Statuses())

			_, err = b.net.Verify(testContext(t))
			require.True(t, crier.IsAuth(err), "%v", err)
			require.Equal(t, want, crier.ErrorMessage(err))
		})
	}
}

func TestRateLimitAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault mastodontest.Fault
		after time.Duration
	}{
		{"a 429 with Retry-After says how long to wait", mastodontest.Fault429, time.Second},
		{"a 429 without headers asks to wait without saying how long", mastodontest.Fault429NoHeader, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			require.NoError(t, b.net.Refresh(testContext(t)))
			b.srv.SetFaults(mastodontest.Faults{Rate: 1, Modes: []mastodontest.Fault{tt.fault}})
			_, err := b.net.Publish(testContext(t), publishReq("k", "hello"))
			require.Error(t, err)
			var rl *crier.RateLimitError
			require.True(t, errors.As(err, &rl), "%v", err)
			require.Equal(t, tt.after, rl.After)
			require.False(t, crier.IsUnclear(err))
			require.Contains(t, crier.ErrorMessage(err), "Mastodon (social) asked crier to slow down")
			// go-mastodon's own retry loop did not run: one request only.
			require.Len(t, requestsTo(b.srv, http.MethodPost, "/api/v1/statuses"), 1)
			require.Empty(t, b.srv.Statuses())
		})
	}
}

func TestFailuresAfterSendingAreUnclearAndTheRetryPublishesOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fault   mastodontest.Fault
		stored  bool
		message string
	}{
		{"a 500 before storing", mastodontest.Fault500BeforeStore, false, "answered 500 Internal Server Error before saying whether it stored the post"},
		{"a 500 after storing", mastodontest.Fault500AfterStore, true, "answered 500 Internal Server Error before saying whether it stored the post"},
		{"malformed JSON after storing", mastodontest.FaultMalformedJSONAfterStore, true, "sent an answer crier could not read"},
		{"a dropped connection after storing", mastodontest.FaultDropAfterStore, true, "before it said whether it stored the post"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			require.NoError(t, b.net.Refresh(testContext(t)))
			b.srv.SetFaults(mastodontest.Faults{Rate: 1, Modes: []mastodontest.Fault{tt.fault}})
			_, err := b.net.Publish(testContext(t), publishReq("k", "hello"))
			require.Error(t, err)
			require.True(t, crier.IsUnclear(err), "%v", err)
			require.False(t, crier.IsPermanent(err))
			require.Contains(t, crier.ErrorMessage(err), tt.message)
			require.Equal(t, tt.stored, len(b.srv.Statuses()) == 1)

			b.srv.SetFaults(mastodontest.Faults{})
			res, err := b.net.Publish(testContext(t), publishReq("k", "hello"))
			require.NoError(t, err)
			statuses := b.srv.Statuses()
			require.Len(t, statuses, 1)
			require.Equal(t, statuses[0].ID, res.RemoteID)
			require.Equal(t, map[string]int{"k": 1}, b.srv.CreatesByKey())
		})
	}
}

func TestHangIsUnclearAtTheDeadlineAndTheRetryPublishesOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.net.Refresh(testContext(t)))
	b.srv.SetFaults(mastodontest.Faults{Rate: 1, Modes: []mastodontest.Fault{mastodontest.FaultHangAfterStore}})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := b.net.Publish(ctx, publishReq("k", "hello"))
	require.Error(t, err)
	require.True(t, crier.IsUnclear(err), "%v", err)
	require.Equal(t, "Mastodon (social) did not answer in time, so it is not known whether it stored the post.", crier.ErrorMessage(err))

	b.srv.SetFaults(mastodontest.Faults{})
	res, err := b.net.Publish(testContext(t), publishReq("k", "hello"))
	require.NoError(t, err)
	require.Len(t, b.srv.Statuses(), 1)
	require.Equal(t, b.srv.Statuses()[0].ID, res.RemoteID)
	require.Equal(t, map[string]int{"k": 1}, b.srv.CreatesByKey())
}

func TestInstanceLoweringItsLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := testContext(t)
	require.NoError(t, b.net.Refresh(ctx))
	text := strings.Repeat("a", 432)
	require.Equal(t, crier.Count{Used: 432, Limit: 500, Unit: "characters"}, b.net.Check(text))

	b.srv.SetLimit(400)
	_, err := b.net.Publish(ctx, publishReq("k", text))
	require.Error(t, err)
	require.True(t, crier.IsPermanent(err), "%v", err)
	require.Equal(t, "Mastodon (social) now allows 400 characters; the text has 432. Shorten it and schedule it again.", crier.ErrorMessage(err))
	require.Equal(t, crier.Count{Used: 432, Limit: 400, Unit: "characters"}, b.net.Check(text))
	require.Empty(t, b.srv.Statuses())
}

func TestConfiguredLimitOnlyLowersTheInstances(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) { o.Limit = 300 })
	require.Equal(t, 300, b.net.Check("").Limit)
	require.NoError(t, b.net.Refresh(testContext(t)))
	require.Equal(t, 300, b.net.Check("").Limit)
	b.srv.SetLimit(200)
	require.NoError(t, b.net.Refresh(testContext(t)))
	require.Equal(t, 200, b.net.Check("").Limit)
}

func TestTextRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want string
	}{
		{"invalid UTF-8 is permanent and never sent", "bad \xff byte",
			"The text for social is not valid UTF-8 (it may have been pasted from a damaged file); retype it and schedule it again."},
		{"a blank text is refused with Mastodon's words", "   ",
			"Mastodon (social) refused the post: Validation failed: Text can't be blank."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, err := b.net.Publish(testContext(t), publishReq("k", tt.text))
			require.Error(t, err)
			require.True(t, crier.IsPermanent(err), "%v", err)
			require.Equal(t, tt.want, crier.ErrorMessage(err))
			require.Empty(t, b.srv.Statuses())
		})
	}
	t.Run("invalid UTF-8 sends nothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.net.Publish(testContext(t), publishReq("k", "\xff"))
		require.True(t, crier.IsPermanent(err))
		require.Empty(t, b.srv.Requests())
	})
}

func TestLimitsAreRefreshedHourly(t *testing.T) {
	t.Parallel()
	clock := crier.NewManualClock(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	b := setup(t, func(o *Options) { o.Clock = clock })
	ctx := testContext(t)
	instanceReads := func() int { return len(requestsTo(b.srv, http.MethodGet, "/api/v2/instance")) }

	_, err := b.net.Publish(ctx, publishReq("k1", "one"))
	require.NoError(t, err)
	require.Equal(t, 1, instanceReads())
	clock.Add(59 * time.Minute)
	_, err = b.net.Publish(ctx, publishReq("k2", "two"))
	require.NoError(t, err)
	require.Equal(t, 1, instanceReads())
	b.srv.SetLimit(1000)
	clock.Add(2 * time.Minute)
	_, err = b.net.Publish(ctx, publishReq("k3", "three"))
	require.NoError(t, err)
	require.Equal(t, 2, instanceReads())
	require.Equal(t, 1000, b.net.Check("").Limit)
}

func TestABrokenInstancePageIsAskedAgainOnlyHourly(t *testing.T) {
	t.Parallel()
	clock := crier.NewManualClock(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	b := setup(t, func(o *Options) { o.Clock = clock })
	b.srv.SetInstanceStatus(http.StatusInternalServerError)
	ctx := testContext(t)
	instanceReads := func() int { return len(requestsTo(b.srv, http.MethodGet, "/api/v2/instance")) }

	for i := range 5 {
		_, err := b.net.Publish(ctx, publishReq(fmt.Sprintf("k%d", i), "hello"))
		require.NoError(t, err)
		clock.Add(10 * time.Minute)
	}
	require.Equal(t, 1, instanceReads(), "a failing instance page is not asked on every publish")
	require.Len(t, b.srv.Statuses(), 5)

	clock.Add(20 * time.Minute) // an hour since the failed read
	b.srv.SetInstanceStatus(0)
	b.srv.SetLimit(1000)
	_, err := b.net.Publish(ctx, publishReq("k5", "hello"))
	require.NoError(t, err)
	require.Equal(t, 2, instanceReads())
	require.Equal(t, 1000, b.net.Check("").Limit)
}

func TestAHangingInstancePageDoesNotEatThePublish(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.SetInstanceHang(true)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	res, err := b.net.Publish(ctx, publishReq("k", "hello"))
	require.NoError(t, err)
	require.NotEmpty(t, res.RemoteID)
	require.Len(t, b.srv.Statuses(), 1)
	require.Len(t, requestsTo(b.srv, http.MethodGet, "/api/v2/instance"), 1)
	require.Equal(t, defaultMaxChars, b.net.Check("").Limit, "the last known limit stays")
}

func TestAnOversizedAnswerIsAnError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.SetLimit(2 * maxJSON)
	require.NoError(t, b.net.Refresh(testContext(t)))
	// The fake echoes the text in the created status: the answer is larger
	// than crier reads.
	_, err := b.net.Publish(testContext(t), publishReq("k", strings.Repeat("a", maxJSON)))
	require.Error(t, err)
	require.True(t, crier.IsUnclear(err), "%v", err)
}

func TestOldServersAreReadThroughV1(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.SetInstanceV2(false)
	b.srv.SetLimit(5000)
	require.NoError(t, b.net.Refresh(testContext(t)))
	require.Equal(t, 5000, b.net.Check("").Limit)
	require.NotEmpty(t, requestsTo(b.srv, http.MethodGet, "/api/v1/instance"))
}

// docsServer answers like the examples in Mastodon's documentation, copied
// into testdata/: the instance, a 401 and a 500 on the instance.
func docsServer(t *testing.T, instanceStatus int) *httptest.Server {
	t.Helper()
	serve := func(w http.ResponseWriter, code int, file string) {
		data, err := os.ReadFile("testdata/" + file)
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(code)
		_, _ = w.Write(data)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/instance":
			if instanceStatus != http.StatusOK {
				http.Error(w, "boom", instanceStatus)
				return
			}
			serve(w, http.StatusOK, "instance_v2.json")
		case "/api/v1/notifications":
			if r.URL.Query().Has("min_id") {
				_, _ = w.Write([]byte("[]"))
				return
			}
			serve(w, http.StatusOK, "notifications.json")
		case "/api/v1/statuses":
			serve(w, http.StatusUnprocessableEntity, "error_422_blank.json")
		default:
			serve(w, http.StatusUnauthorized, "error_401.json")
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAgainstTheDocumentationsExamples(t *testing.T) {
	t.Parallel()
	t.Run("the instance's domain and limits are read", func(t *testing.T) {
		t.Parallel()
		srv := docsServer(t, http.StatusOK)
		n, err := New(Options{Name: "social", Server: srv.URL, AccessToken: "t"})
		require.NoError(t, err)
		require.NoError(t, n.Refresh(testContext(t)))
		require.Equal(t, crier.Count{Used: 23, Limit: 500, Unit: "characters"}, n.Check("https://example.com/x/y/z/long/long/long"))
		require.Equal(t, "mastodon.social", n.domain)
		_, err = n.Verify(testContext(t))
		require.True(t, crier.IsAuth(err))
	})
	t.Run("a refused text is permanent with Mastodon's words", func(t *testing.T) {
		t.Parallel()
		srv := docsServer(t, http.StatusOK)
		n, err := New(Options{Name: "social", Server: srv.URL, AccessToken: "t"})
		require.NoError(t, err)
		_, err = n.Publish(testContext(t), publishReq("k", "x"))
		require.True(t, crier.IsPermanent(err))
		require.Equal(t, "Mastodon (social) refused the post: Validation failed: Text can't be blank.", crier.ErrorMessage(err))
	})
	t.Run("an instance page that fails does not stop a publish", func(t *testing.T) {
		t.Parallel()
		srv := docsServer(t, http.StatusBadGateway)
		n, err := New(Options{Name: "social", Server: srv.URL, AccessToken: "t"})
		require.NoError(t, err)
		_, err = n.Publish(testContext(t), publishReq("k", "x"))
		// The publish went on to the create, which this server refuses.
		require.Equal(t, "Mastodon (social) refused the post: Validation failed: Text can't be blank.", crier.ErrorMessage(err))
		require.Equal(t, 500, n.Check("").Limit)
	})
}

func TestRemainingZeroWaitsForTheReset(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.SetRateLimit(2, time.Second)
	ctx := testContext(t)
	_, err := b.net.AccountStats(ctx) // remaining 1
	require.NoError(t, err)
	_, err = b.net.AccountStats(ctx) // remaining 0
	require.NoError(t, err)

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = b.net.AccountStats(short)
	var rl *crier.RateLimitError
	require.True(t, errors.As(err, &rl), "%v", err)
	require.Greater(t, rl.After, time.Duration(0))
	require.Len(t, b.srv.Requests(), 2, "nothing was sent while the limit was spent")

	_, err = b.net.AccountStats(ctx) // waits for the new window instead of getting a 429
	require.NoError(t, err)
	require.Len(t, b.srv.Requests(), 3)
}

func TestTheLimiterPacesRequests(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) { o.Limiter = nil })
	b.net.limiter.SetBurst(1)
	ctx := testContext(t)
	_, err := b.net.AccountStats(ctx)
	require.NoError(t, err)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = b.net.AccountStats(short)
	after, ok := crier.RetryAfter(err)
	require.True(t, ok, "%v", err)
	require.LessOrEqual(t, after, time.Second)
	require.Len(t, b.srv.Requests(), 1)
}
