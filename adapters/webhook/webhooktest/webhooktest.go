// Package webhooktest is a webhook receiver for tests: an httptest.Server
// that checks crier's signatures, deduplicates by Idempotency-Key (keys kept
// for ever) like a receiver configured with deduplicates: true, records what
// it was sent, and can answer with a forced status or deterministic faults.
package webhooktest

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/crier-bot/crier/adapters/webhook"
	"github.com/crier-bot/crier/internal/crier"
)

// Fault is a way the receiver misbehaves.
type Fault int

// Faults. "Store" means the delivery is recorded (and counted in
// CreatesByKey) before the fault.
const (
	Fault500BeforeStore          Fault = iota + 1 // 500, nothing stored
	Fault500AfterStore                            // stored, then 500
	Fault429                                      // 429 with Retry-After: 1, nothing stored
	Fault429NoHeader                              // 429 without Retry-After, nothing stored
	FaultHangAfterStore                           // stored, then no answer until the client gives up
	FaultMalformedJSONAfterStore                  // stored, then 200 with a broken JSON body
	FaultResetAfterStore                          // stored, then the connection is closed without an answer
)

// AllFaults returns every fault.
func AllFaults() []Fault {
	return []Fault{
		Fault500BeforeStore, Fault500AfterStore, Fault429, Fault429NoHeader,
		FaultHangAfterStore, FaultMalformedJSONAfterStore, FaultResetAfterStore,
	}
}

func (f Fault) String() string {
	switch f {
	case Fault500BeforeStore:
		return "500 before store"
	case Fault500AfterStore:
		return "500 after store"
	case Fault429:
		return "429"
	case Fault429NoHeader:
		return "429 without Retry-After"
	case FaultHangAfterStore:
		return "hang after store"
	case FaultMalformedJSONAfterStore:
		return "malformed JSON after store"
	case FaultResetAfterStore:
		return "reset after store"
	}
	return "fault " + strconv.Itoa(int(f))
}

// Faults makes a share of posts and replies fail. Pings never fail.
type Faults struct {
	Rate  float64 // 0..1: the share of requests that fail
	Seed  int64   // the same seed and request order give the same faults
	Modes []Fault // chosen from evenly; empty means AllFaults()
}

// Delivery is one post or reply the receiver stored.
type Delivery struct {
	Key        string // Idempotency-Key
	RemoteID   string // the id it answered with
	URL        string // the url it answered with
	Payload    webhook.Payload
	Header     http.Header
	Body       []byte
	ReceivedAt time.Time
}

// answer is what a stored key is answered with when sent again.
type answer struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// Server is a fake webhook receiver. Safe for concurrent use.
type Server struct {
	*httptest.Server
	secret string
	done   chan struct{} // closed by Close: hung requests return

	mu         sync.Mutex
	clock      crier.Clock
	dedupe     bool
	status     int
	statusBody string
	header     http.Header
	faults     Faults
	rng        *rand.Rand
	deliveries []Delivery
	creates    map[string]int
	stored     map[string]answer
	pings      int
	refused    int
	faulted    map[Fault]int
	onStore    func(Delivery)
}

// New starts a receiver that checks signatures made with secret.
func New(secret string) *Server {
	s := &Server{
		secret:  secret,
		done:    make(chan struct{}),
		clock:   crier.SystemClock{},
		dedupe:  true,
		header:  http.Header{},
		creates: map[string]int{},
		stored:  map[string]answer{},
		faulted: map[Fault]int{},
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close releases hung requests and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.mu.Unlock()
	s.Server.Close()
}

// SetClock sets the clock signatures are checked against (default: the
// system clock).
func (s *Server) SetClock(c crier.Clock) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = c
}

// OnStore sets a function called with each new delivery after it is stored
// and before it is answered, as a receiver that forwards every new message
// on its platform (crier's own included) to crier's comment endpoint.
func (s *Server) OnStore(f func(Delivery)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onStore = f
}

// SetDedupe turns deduplication by Idempotency-Key on (the default) or off;
// off, a repeated key is stored again as a second delivery.
func (s *Server) SetDedupe(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dedupe = on
}

// SetStatus makes every request, signed or not, answered with code and body
// and nothing stored; SetStatus(0, "") goes back to normal.
func (s *Server) SetStatus(code int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.statusBody = code, body
}

// SetHeader adds a header to the answers SetStatus forces ("" removes it).
func (s *Server) SetHeader(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if value == "" {
		s.header.Del(key)
		return
	}
	s.header.Set(key, value)
}

// SetFaults sets the faults (Faults{} turns them off) and reseeds them.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(f.Modes) == 0 {
		f.Modes = AllFaults()
	}
	s.faults = f
	s.rng = rand.New(rand.NewPCG(uint64(f.Seed), uint64(f.Seed)^0x9e3779b97f4a7c15))
}

// Deliveries returns the stored posts and replies, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.deliveries))
	copy(out, s.deliveries)
	return out
}

// CreatesByKey returns how many deliveries were stored per idempotency key.
func (s *Server) CreatesByKey() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.creates))
	for k, v := range s.creates {
		out[k] = v
	}
	return out
}

// Pings returns how many signed pings were answered.
func (s *Server) Pings() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pings
}

// Refused returns how many requests were refused for their signature.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// Faulted returns how many times each fault was injected.
func (s *Server) Faulted() map[Fault]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[Fault]int, len(s.faulted))
	for k, v := range s.faulted {
		out[k] = v
	}
	return out
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "body over 1 MiB", http.StatusRequestEntityTooLarge)
		return
	}

	s.mu.Lock()
	if s.status != 0 {
		code, text := s.status, s.statusBody
		for k, v := range s.header {
			w.Header()[k] = v
		}
		s.mu.Unlock()
		w.WriteHeader(code)
		_, _ = io.WriteString(w, text)
		return
	}
	if err := webhook.Verify(s.secret, r.Header, body, s.clock.Now()); err != nil {
		s.refused++
		s.mu.Unlock()
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if r.Header.Get(webhook.HeaderEvent) == "ping" {
		s.pings++
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
		return
	}
	var p webhook.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		s.mu.Unlock()
		http.Error(w, "body is not JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	switch {
	case key == "":
		s.mu.Unlock()
		http.Error(w, "missing Idempotency-Key", http.StatusBadRequest)
		return
	case key != p.ID:
		s.mu.Unlock()
		http.Error(w, "Idempotency-Key and id differ", http.StatusBadRequest)
		return
	case p.Type != "post" && p.Type != "reply":
		s.mu.Unlock()
		http.Error(w, "unknown type "+strconv.Quote(p.Type), http.StatusBadRequest)
		return
	}

	fault := Fault(0)
	if s.rng != nil && s.faults.Rate > 0 && s.rng.Float64() < s.faults.Rate {
		fault = s.faults.Modes[s.rng.IntN(len(s.faults.Modes))]
		s.faulted[fault]++
	}
	switch fault {
	case Fault500BeforeStore:
		s.mu.Unlock()
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case Fault429:
		s.mu.Unlock()
		w.Header().Set("Retry-After", "1")
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	case Fault429NoHeader:
		s.mu.Unlock()
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	}

	ans, ok := s.stored[key]
	if !ok || !s.dedupe {
		n := len(s.deliveries) + 1
		ans = answer{ID: "d" + strconv.Itoa(n), URL: s.URL + "/deliveries/" + strconv.Itoa(n)}
		s.deliveries = append(s.deliveries, Delivery{
			Key: key, RemoteID: ans.ID, URL: ans.URL, Payload: p,
			Header: r.Header.Clone(), Body: body, ReceivedAt: s.clock.Now(),
		})
		s.creates[key]++
		if !ok {
			s.stored[key] = ans
		}
		if f := s.onStore; f != nil {
			d := s.deliveries[len(s.deliveries)-1]
			s.mu.Unlock()
			f(d)
			s.mu.Lock()
		}
	}
	s.mu.Unlock()

	switch fault {
	case Fault500AfterStore:
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case FaultHangAfterStore:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return
	case FaultMalformedJSONAfterStore:
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"%s","url":`, ans.ID)
		return
	case FaultResetAfterStore:
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			if tcp, ok := conn.(*net.TCPConn); ok {
				_ = tcp.SetLinger(0) // RST rather than FIN
			}
			_ = conn.Close()
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(ans)
}
