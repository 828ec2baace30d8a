package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// inboundComment is the JSON body of a comment sent to CommentHandler.
type inboundComment struct {
	ID           string    `json:"id"`
	URL          string    `json:"url"`
	Kind         string    `json:"kind"`
	RootID       string    `json:"root_id"`
	ParentID     string    `json:"parent_id"`
	AuthorID     string    `json:"author_id"`
	AuthorHandle string    `json:"author_handle"`
	AuthorName   string    `json:"author_name"`
	Text         string    `json:"text"`
	CreatedAt    time.Time `json:"created_at"`
}

// CommentHandler returns the endpoint a receiver POSTs comments to. Before
// anything reads the body as JSON the request must be signed like crier's
// own posts (see the package documentation), with a timestamp within 5
// minutes of crier's clock, and its signature must not have been accepted
// before (while the timestamp is valid). The answers, each with a one-line
// reason as plain text:
//
//	204  the comment was handed to fn
//	400  the body is not JSON or lacks id or text
//	401  missing headers, stale timestamp, bad or replayed signature
//	405  not a POST
//	413  the body is over 1 MiB
//	500  fn failed (the sender may send the comment again, signed anew)
//
// The comment's Network is set to this network's name; a missing kind
// becomes "reply" when parent_id or root_id is set, else "mention"; a
// missing created_at becomes the time it arrived.
func (n *Network) CommentHandler(fn func(ctx context.Context, c crier.Comment) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reject := func(status int, reason string) {
			n.log.Warn("webhook comment rejected", slog.String(logNetwork, n.name),
				slog.String("path", r.URL.Path), slog.Int(logStatus, status), slog.String(logReason, reason))
			http.Error(w, reason, status)
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			reject(http.StatusMethodNotAllowed, "comments are sent with POST")
			return
		}
		ts, sig := r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature)
		if ts == "" || sig == "" {
			reject(http.StatusUnauthorized, ErrMissingSignature.Error())
			return
		}
		if r.ContentLength > maxBody {
			reject(http.StatusRequestEntityTooLarge, "the body is over 1 MiB")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				reject(http.StatusRequestEntityTooLarge, "the body is over 1 MiB")
				return
			}
			reject(http.StatusBadRequest, "the body could not be read")
			return
		}
		now := n.clock.Now()
		if err := Verify(n.secret, r.Header, body, now); err != nil {
			reject(http.StatusUnauthorized, err.Error())
			return
		}
		at, _ := timestamp(ts) // valid: Verify checked it
		replay := strings.ToLower(sig)
		if n.replayed(replay, now, at.Add(Tolerance)) {
			reject(http.StatusUnauthorized, "this signature was accepted before (a replayed request); sign each request anew")
			return
		}
		var in inboundComment
		if err := json.Unmarshal(body, &in); err != nil {
			n.forget(replay)
			reject(http.StatusBadRequest, "the body is not a JSON comment: "+jsonProblem(err))
			return
		}
		switch {
		case in.ID == "":
			n.forget(replay)
			reject(http.StatusBadRequest, `the comment has no "id"`)
			return
		case in.Text == "":
			n.forget(replay)
			reject(http.StatusBadRequest, `the comment has no "text"`)
			return
		}
		switch in.Kind {
		case "":
			in.Kind = "mention"
			if in.ParentID != "" || in.RootID != "" {
				in.Kind = "reply"
			}
		case "reply", "mention", "quote":
		default:
			n.forget(replay)
			reject(http.StatusBadRequest, `"kind" must be reply, mention or quote`)
			return
		}
		if in.CreatedAt.IsZero() {
			in.CreatedAt = now
		}
		c := crier.Comment{
			Network: n.name, RemoteID: in.ID, URL: in.URL, Kind: in.Kind,
			RootRemoteID: in.RootID, ParentID: in.ParentID,
			AuthorID: in.AuthorID, AuthorHandle: in.AuthorHandle, AuthorName: in.AuthorName,
			Text: in.Text, CreatedAt: in.CreatedAt.UTC(),
		}
		if err := fn(r.Context(), c); err != nil {
			// The sender may try again with the same body, signed anew or not.
			n.forget(replay)
			n.log.Error("webhook comment not taken", slog.String(logNetwork, n.name),
				slog.String("comment_id", c.RemoteID), slog.String(logError, err.Error()))
			http.Error(w, "crier could not take the comment; send it again later", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// jsonProblem says in a few words what is wrong with a JSON body, without
// quoting it.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return `"` + typeErr.Field + `" has the wrong type`
	case errors.As(err, &syntaxErr):
		return "syntax error"
	case strings.Contains(err.Error(), "parsing time"):
		return `"created_at" is not an RFC 3339 time`
	}
	return "it cannot be decoded"
}

// replayed records a signature until it expires and reports whether it was
// accepted already. Expired signatures are swept at most every 30 seconds.
func (n *Network) replayed(sig string, now, expires time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if now.After(n.nextSweep) {
		for k, exp := range n.replays {
			if now.After(exp) {
				delete(n.replays, k)
			}
		}
		n.nextSweep = now.Add(30 * time.Second)
	}
	if exp, ok := n.replays[sig]; ok && !now.After(exp) {
		return true
	}
	n.replays[sig] = expires
	return false
}

// forget lets a signature be used again: its request was not acted on.
func (n *Network) forget(sig string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.replays, sig)
}
