package slack

import (
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/crier-bot/crier/commands"
)

// somethingWentWrong answers a person whose request made crier panic, in
// the sentence Discord's adapter uses, with Slack's /crier help.
func somethingWentWrong() commands.Response {
	return commands.Response{
		Text:      "✗ Something went wrong in crier; whoever runs it can find the details in its log. Try again, or type /crier help.",
		Ephemeral: true, Error: true,
	}
}

// recoverPanic, deferred at the top of every function slack-go's events or
// net/http lead to on a goroutine of its own, turns a panic into an error
// log with the stack, then calls answer (when there is a way to tell the
// person). crier goes on running.
func (a *Adapter) recoverPanic(where string, answer func()) {
	v := recover()
	if v == nil {
		return
	}
	a.logPanic(where, v)
	if answer != nil {
		answer()
	}
}

func (a *Adapter) logPanic(where string, v any) {
	a.log.Error("slack handler panicked", slog.String("handler", where), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
}

// goSafe runs f on a goroutine of its own; a panic in it is logged.
func (a *Adapter) goSafe(where string, f func()) {
	go func() {
		defer a.recoverPanic(where, nil)
		f()
	}()
}

// recovered wraps an HTTP endpoint: a panic is logged with its stack and
// answered, if nothing was written yet, with fallback (a one-line answer the
// person sees) or else a 500.
func (a *Adapter) recovered(fallback func(w http.ResponseWriter), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &writeRecorder{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { // net/http's way to abort quietly
				panic(v)
			}
			a.logPanic(r.URL.Path, v)
			switch {
			case rw.wrote:
				panic(http.ErrAbortHandler) // a cut answer must not pass for a whole one
			case fallback != nil:
				fallback(w)
			default:
				http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(rw, r)
	})
}

// writeRecorder remembers whether a handler began its answer.
type writeRecorder struct {
	http.ResponseWriter
	wrote bool
}

func (w *writeRecorder) WriteHeader(status int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *writeRecorder) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *writeRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
