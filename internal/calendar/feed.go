package calendar

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// The feed's window: what a calendar app shows of the plan.
const (
	WindowBack  = 30 * 24 * time.Hour  // a month of what went out
	WindowAhead = 365 * 24 * time.Hour // a year of what is planned
)

// Tokens finds whose feed token it is (crier.FeedStore does).
type Tokens interface {
	FeedUser(ctx context.Context, token string) (platform, userID string, ok bool, err error)
}

// Posts lists the posts due in [from, to), cancelled ones included
// (publish.Service.Posts with a PostFilter{From, To}).
type Posts func(ctx context.Context, from, to time.Time) ([]*crier.Post, error)

// FeedOptions configure FeedHandler.
type FeedOptions struct {
	Installation string        // the database's installation id, for stable UIDs
	Name         string        // the calendar's name in people's apps; "crier" when empty
	Clock        crier.Clock   // nil: the system clock
	Logger       *slog.Logger  // nil: no log
	CacheMaxAge  time.Duration // how long an app or proxy may keep a copy; 5 minutes when zero
}

// Log keys.
const (
	keyError    = "error"
	keyPlatform = "platform"
	keyUser     = "user_id"
	keyEvents   = "posts"
)

// FeedHandler serves GET (and HEAD) /calendar.ics?token=…: the plan from
// WindowBack ago to WindowAhead from now, as ICS. A token that is wrong,
// revoked or missing gets the very 404 an unknown path gets (net/http's),
// so the answer never says whether a token existed; the token is never
// logged. Any other method gets 405.
func FeedHandler(tokens Tokens, posts Posts, opts FeedOptions) http.Handler {
	if opts.Clock == nil {
		opts.Clock = crier.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.CacheMaxAge <= 0 {
		opts.CacheMaxAge = 5 * time.Minute
	}
	cache := "private, max-age=" + strconv.Itoa(int(opts.CacheMaxAge/time.Second))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		ctx := r.Context()
		token := r.URL.Query().Get("token")
		if token == "" {
			http.NotFound(w, r)
			return
		}
		platform, user, ok, err := tokens.FeedUser(ctx, token)
		if err != nil {
			opts.Logger.LogAttrs(ctx, slog.LevelError, "calendar feed: find token", slog.Any(keyError, err))
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		now := opts.Clock.Now()
		ps, err := posts(ctx, now.Add(-WindowBack), now.Add(WindowAhead))
		if err != nil {
			opts.Logger.LogAttrs(ctx, slog.LevelError, "calendar feed: list posts", slog.Any(keyError, err),
				slog.String(keyPlatform, platform), slog.String(keyUser, user))
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		body := ICS(ps, ICSOptions{Installation: opts.Installation, Name: opts.Name, Now: now})
		h := w.Header()
		h.Set("Content-Type", "text/calendar; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		h.Set("Cache-Control", cache)
		h.Set("Content-Disposition", `inline; filename="crier.ics"`)
		h.Set("X-Content-Type-Options", "nosniff")
		// The address carries the token: pages opened from the feed do not
		// get it as a referrer.
		h.Set("Referrer-Policy", "no-referrer")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodHead {
			return
		}
		if _, err := w.Write(body); err != nil {
			opts.Logger.LogAttrs(ctx, slog.LevelDebug, "calendar feed: write", slog.Any(keyError, err))
		}
		opts.Logger.LogAttrs(ctx, slog.LevelDebug, "calendar feed served",
			slog.String(keyPlatform, platform), slog.String(keyUser, user), slog.Int(keyEvents, len(ps)))
	})
}
