// Package criertest builds crier's core for tests, as river's tests do with
// testfactory and setup(t): a real SQLite store in a temporary directory,
// the job engine, the publish service over file networks, the command
// router, a fake chat that records what crier posts, and a manual clock.
// Only tests import it.
package criertest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/jobs"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/series"
	"github.com/crier-bot/crier/internal/timeparse"
)

// Start is where the manual clock starts: Mon 2026-11-23 08:00 UTC (10:00
// in Bucharest).
var Start = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// Bundle is crier's core for one test.
type Bundle struct {
	Dir string // the temporary directory the database and outboxes are in
	// Clock is the manual clock everything uses; nil when WithClock gave a
	// clock of another kind (Now is always set).
	Clock *crier.ManualClock
	Now   crier.Clock

	DB       *sqlite.DB
	Jobs     *jobs.Engine
	Publish  *publish.Service
	Router   *commands.Router
	Chat     *Chat
	Networks []crier.Network // in publish's order: the file networks and those WithNetwork gave

	cfg     config
	files   []*file.Network
	started bool
}

type network struct {
	file  string // a file network's name; "" for n
	limit int
	n     crier.Network
}

type config struct {
	clock     crier.Clock
	networks  []network
	location  *time.Location
	timezones bool
	start     bool
	publish   func(*publish.Options)
	commands  func(*commands.Deps)
}

// An Option changes what Setup builds.
type Option func(*config)

// WithClock makes everything use c instead of a manual clock at Start.
func WithClock(c crier.Clock) Option { return func(o *config) { o.clock = c } }

// WithFileNetwork adds a file network (crier's sandbox) with the given
// character limit; its outbox is Outbox(name). Without any network option
// there is one, "sandbox", limited to 500.
func WithFileNetwork(name string, limit int) Option {
	return func(o *config) { o.networks = append(o.networks, network{file: name, limit: limit}) }
}

// WithNetwork adds a network of the test's own (a fake service's adapter).
func WithNetwork(n crier.Network) Option {
	return func(o *config) { o.networks = append(o.networks, network{n: n}) }
}

// WithTimezone sets the router's timezone for people whose platform gives
// none (an IANA name; UTC without it).
func WithTimezone(name string) Option {
	return func(o *config) {
		loc, err := time.LoadLocation(name)
		if err != nil {
			panic(fmt.Sprintf("criertest: timezone %q: %v", name, err))
		}
		o.location = loc
	}
}

// WithUserTimezones lets people set their own timezone with /timezone (the
// store keeps it).
func WithUserTimezones() Option { return func(o *config) { o.timezones = true } }

// Started starts publishing (and the job engine) at setup and at each Open.
func Started() Option { return func(o *config) { o.start = true } }

// WithPublish changes the publish service's options (attempts, timeouts,
// poll interval) before it is built.
func WithPublish(f func(*publish.Options)) Option { return func(o *config) { o.publish = f } }

// WithCommands changes the commands' dependencies (approvals, a writer)
// before the router is built; Deps.Chat is the bundle's chat unless set.
func WithCommands(f func(*commands.Deps)) Option { return func(o *config) { o.commands = f } }

// Setup builds the bundle and closes it when the test ends.
func Setup(t testing.TB, opts ...Option) *Bundle {
	t.Helper()
	b := &Bundle{Dir: t.TempDir(), Chat: &Chat{}}
	for _, o := range opts {
		o(&b.cfg)
	}
	if b.cfg.clock == nil {
		b.Clock = crier.NewManualClock(Start)
		b.cfg.clock = b.Clock
	} else if mc, ok := b.cfg.clock.(*crier.ManualClock); ok {
		b.Clock = mc
	}
	b.Now = b.cfg.clock
	if len(b.cfg.networks) == 0 {
		b.cfg.networks = []network{{file: "sandbox", limit: 500}}
	}
	if b.cfg.location == nil {
		b.cfg.location = time.UTC
	}
	b.Open(t)
	t.Cleanup(func() { b.Close(t) })
	return b
}

// Outbox is the outbox file of the file network called name.
func (b *Bundle) Outbox(name string) string {
	if name == "sandbox" {
		return filepath.Join(b.Dir, "outbox.jsonl")
	}
	return filepath.Join(b.Dir, name+".jsonl")
}

// OutboxRecords returns what the file network called name published.
func (b *Bundle) OutboxRecords(t testing.TB, name string) []file.Record {
	t.Helper()
	recs, err := file.ReadOutbox(b.Outbox(name))
	require.NoError(t, err)
	return recs
}

// Open opens the store, the file networks, the job engine, publish and the
// router over Dir, as crier does at start (Setup calls it; a test that
// restarts crier calls Close, then Open).
func (b *Bundle) Open(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	clock := b.cfg.clock
	db, err := sqlite.Open(ctx, filepath.Join(b.Dir, "crier.db"), clock)
	require.NoError(t, err)
	b.files, b.Networks = nil, nil
	for _, n := range b.cfg.networks {
		if n.n != nil {
			b.Networks = append(b.Networks, n.n)
			continue
		}
		fn, err := file.Open(n.file, b.Outbox(n.file), n.limit, clock)
		require.NoError(t, err)
		b.files = append(b.files, fn)
		b.Networks = append(b.Networks, fn)
	}
	log := logger(t)
	po := publish.Options{Store: db, Networks: b.Networks, Chat: b.Chat, Clock: clock, Logger: log}
	if b.cfg.publish != nil {
		b.cfg.publish(&po)
	}
	engine, err := jobs.New(ctx, jobs.Options{
		DB: db.SQL(), Clock: clock, Logger: po.Logger,
	})
	require.NoError(t, err)
	po.Jobs = engine
	svc, err := publish.New(ctx, po)
	require.NoError(t, err)
	deps := commands.Deps{Publisher: svc, Times: timeparse.New(timeparse.Options{}), Clock: clock, Location: b.cfg.location, KPIs: db,
		Series: series.New(series.Options{Store: db, Publisher: svc, Rules: svc.Rules(), Wake: svc.Wake, Clock: clock, Logger: log})}
	if b.cfg.timezones {
		deps.Timezones = db
	}
	if b.cfg.commands != nil {
		deps.Chat = b.Chat
		b.cfg.commands(&deps)
	}
	b.DB, b.Jobs, b.Publish, b.Router = db, engine, svc, commands.New(deps)
	if b.cfg.start {
		require.NoError(t, svc.Start(ctx))
		b.started = true
	}
}

// Close stops publishing (letting running attempts end, for 10 s at most)
// and closes the store and the file networks. It does nothing when closed.
func (b *Bundle) Close(t testing.TB) {
	t.Helper()
	if b.Publish == nil {
		return
	}
	if b.started {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, b.Publish.Stop(ctx))
	}
	require.NoError(t, b.DB.Close())
	for _, fn := range b.files {
		_ = fn.Close()
	}
	b.Publish, b.started = nil, false
}

// WaitIdle waits (20 s at most) until no publish job is running or due.
func (b *Bundle) WaitIdle(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, b.Publish.WaitIdle(ctx))
}

// logger keeps the services' (and River's) log, and shows it when the test
// fails: a failure under load says what happened.
func logger(t testing.TB) *slog.Logger {
	buf := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
