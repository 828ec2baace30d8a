package httpserver

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/crier-bot/crier/internal/crier"
)

// ackBuckets spans a fast acknowledgement (1 ms) to Slack's 3 s deadline,
// with the 2 s ack budget as its own bucket so near misses stand out.
var ackBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3}

// metrics is crier.Metrics on one server's own Prometheus registry.
type metrics struct {
	commands    *prometheus.CounterVec
	ack         *prometheus.HistogramVec
	sent        *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
}

var _ crier.Metrics = (*metrics)(nil)

// newMetrics creates crier's metrics and registers them with reg.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crier_commands_total",
			Help: "Chat commands handled, by platform, command and outcome (ok, error, forbidden).",
		}, []string{"platform", "command", "outcome"}),
		ack: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "crier_ack_seconds",
			Help:    "Time taken to acknowledge an inbound chat request, by platform.",
			Buckets: ackBuckets,
		}, []string{"platform"}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crier_messages_sent_total",
			Help: "Messages crier sent, by platform.",
		}, []string{"platform"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crier_rate_limited_total",
			Help: "Rate-limit answers (HTTP 429 or equivalent) received, by platform.",
		}, []string{"platform"}),
	}
	reg.MustRegister(m.commands, m.ack, m.sent, m.rateLimited)
	return m
}

func (m *metrics) CommandHandled(platform, command, outcome string) {
	m.commands.WithLabelValues(label(platform), label(command), label(outcome)).Inc()
}

func (m *metrics) Acked(platform string, d time.Duration) {
	m.ack.WithLabelValues(label(platform)).Observe(d.Seconds())
}

func (m *metrics) MessageSent(platform string) {
	m.sent.WithLabelValues(label(platform)).Inc()
}

func (m *metrics) RateLimited(platform string) {
	m.rateLimited.WithLabelValues(label(platform)).Inc()
}

// label makes v a valid label value: client_golang panics on invalid UTF-8,
// and a command name typed by a user must not crash the bot.
func label(v string) string {
	return strings.ToValidUTF8(v, "\uFFFD")
}
