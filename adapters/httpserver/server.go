// Package httpserver is crier's HTTP listener: it serves the Slack adapter's
// signed HTTP mode (and later webhooks and an API) on routes other packages
// mount, plus /healthz and Prometheus /metrics from the server's own registry.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/crier-bot/crier/internal/crier"
)

// Defaults for Options left zero.
const (
	DefaultAddr              = "127.0.0.1:8080"
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 10 * time.Second
	DefaultWriteTimeout      = 10 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
)

// Log keys.
const (
	keyAddr     = "addr"
	keyMethod   = "method"
	keyPath     = "path"
	keyRoute    = "route"
	keyStatus   = "status"
	keyDuration = "duration"
	keyPanic    = "panic"
	keyStack    = "stack"
	keyError    = "error"
)

// Options configure a Server.
type Options struct {
	Addr   string       // host:port to listen on; "" means DefaultAddr, ":0" picks a free port
	Logger *slog.Logger // nil discards

	// Zero means the Default… value.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
}

// Server is crier's HTTP listener. Mount handlers with Handle, then Start;
// stop it with Shutdown.
type Server struct {
	addr    string // as configured
	log     *slog.Logger
	mux     *http.ServeMux
	srv     *http.Server
	metrics *metrics

	mu       sync.Mutex
	watched  []watched // what /healthz reports on, in the order Watch was called
	started  bool
	listener string        // the real address, once listening
	done     chan struct{} // closed when Serve returns
	serveErr error         // why Serve stopped, if not Shutdown; read after done
}

// New builds a server with /healthz and /metrics mounted. Nothing listens
// until Start.
func New(opts Options) *Server {
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ReadHeaderTimeout <= 0 {
		opts.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = DefaultReadTimeout
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)

	s := &Server{
		addr:    opts.Addr,
		log:     opts.Logger,
		mux:     http.NewServeMux(),
		metrics: newMetrics(reg),
	}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      promLogger{s.log},
		ErrorHandling: promhttp.ContinueOnError, // a failing collector must not hide crier's own metrics
		Registry:      reg,
	}))
	s.srv = &http.Server{
		Handler:           s.logRequests(s.recoverPanics(s.mux)),
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		ReadTimeout:       opts.ReadTimeout,
		WriteTimeout:      opts.WriteTimeout,
		IdleTimeout:       opts.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	return s
}

// Handle mounts h at pattern, in Go 1.22+ ServeMux syntax
// ("POST /slack/commands"). Call it before Start. Like ServeMux, it panics on
// an invalid or conflicting pattern (the built-in routes included).
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		panic("httpserver: Handle " + pattern + " after Start")
	}
	s.mux.Handle(pattern, h)
}

// Start listens and serves in the background. It returns once the listener
// is open (so Addr is known) or with the listen error. ctx bounds the listen
// call and lends its values, not its cancellation, to request contexts: the
// server runs until Shutdown, so that a stop can drain in-flight requests.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("httpserver: already started")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("httpserver: listen on %s: %w", s.addr, err)
	}
	base := context.WithoutCancel(ctx)
	s.srv.BaseContext = func(net.Listener) context.Context { return base }
	s.started = true
	addr := ln.Addr().String()
	s.listener = addr
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", slog.String(keyAddr, addr), slog.Any(keyError, err))
			s.serveErr = fmt.Errorf("httpserver: serve on %s: %w", addr, err)
		}
	}()
	s.log.Info("http listening", slog.String(keyAddr, addr))
	return nil
}

// Addr is the address the server listens on (the real port after ":0"), or
// "" before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listener
}

// URL is "http://" + Addr().
func (s *Server) URL() string {
	return "http://" + s.Addr()
}

// Shutdown stops accepting connections and waits for in-flight requests to
// finish until ctx ends; then it closes the connections still open and
// returns ctx's error. A server never started shuts down at once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	started, done := s.started, s.done
	s.mu.Unlock()
	if !started {
		return nil
	}
	if err := s.srv.Shutdown(ctx); err != nil {
		return errors.Join(fmt.Errorf("httpserver: shutdown: %w", err), s.srv.Close())
	}
	<-done
	return s.serveErr
}

// Metrics is crier.Metrics backed by this server's own registry, served at
// /metrics.
func (s *Server) Metrics() crier.Metrics {
	return s.metrics
}

// watched is an outside service /healthz reports on.
type watched struct {
	name string
	h    crier.HealthReporter
}

// Watch makes /healthz report on h under name ("slack", "discord"). Call it
// before Start.
func (s *Server) Watch(name string, h crier.HealthReporter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watched = append(s.watched, watched{name: name, h: h})
}

// healthz answers 200 "ok" while everything watched answers, and 503 with
// one line per part otherwise, naming what is down ("slack: Slack is not
// answering …"). crier keeps running and retrying meanwhile, so this is for
// alerts, not for restarting crier.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	s.mu.Lock()
	parts := slices.Clone(s.watched)
	s.mu.Unlock()
	var b strings.Builder
	down := false
	for _, p := range parts {
		if err := p.h.Health(); err != nil {
			down = true
			fmt.Fprintf(&b, "%s: %s\n", p.name, strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Fprintf(&b, "%s: ok\n", p.name)
		}
	}
	if !down {
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = io.WriteString(w, b.String())
}

// logRequests logs every request at debug level: method, path, route, status
// and duration. Never the query string, headers or body: they carry tokens
// and signatures.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			// Runs even when the handler aborts with http.ErrAbortHandler.
			s.log.LogAttrs(r.Context(), slog.LevelDebug, "http request",
				slog.String(keyMethod, r.Method),
				slog.String(keyPath, r.URL.Path),
				slog.String(keyRoute, r.Pattern), // set by the mux; "" when nothing matched
				slog.Int(keyStatus, rec.Status()),
				slog.Duration(keyDuration, time.Since(start)),
			)
		}()
		next.ServeHTTP(rec, r)
	})
}

// recoverPanics turns a handler's panic into a 500 and an error log. If the
// response had already begun, the connection is cut instead (a truncated
// body must not pass for a whole one).
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { // net/http's way to abort quietly
				panic(v)
			}
			s.log.LogAttrs(r.Context(), slog.LevelError, "http handler panicked",
				slog.String(keyMethod, r.Method),
				slog.String(keyPath, r.URL.Path),
				slog.Any(keyPanic, v),
				slog.String(keyStack, string(debug.Stack())),
			)
			if rec, ok := w.(*statusRecorder); ok && rec.wrote {
				rec.status = http.StatusInternalServerError // for the request log: the client saw a cut
				panic(http.ErrAbortHandler)
			}
			http.Error(w, "internal server error", http.StatusInternalServerError)
		}()
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote && code >= 200 { // 1xx are informational: the real status follows
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	if !r.wrote {
		r.status, r.wrote = http.StatusOK, true
	}
	return r.ResponseWriter.Write(p)
}

// Flush keeps streaming handlers working through the wrapper.
func (r *statusRecorder) Flush() {
	if !r.wrote {
		r.status, r.wrote = http.StatusOK, true
	}
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Status is the status written so far; 200 if the handler wrote nothing
// (net/http sends 200 then).
func (r *statusRecorder) Status() int {
	if !r.wrote {
		return http.StatusOK
	}
	return r.status
}

// promLogger sends promhttp's errors to the server's logger.
type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) {
	l.log.Error("serve metrics", slog.String(keyError, fmt.Sprint(v...)))
}
