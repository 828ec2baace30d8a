package crier

import "time"

// Metrics records what operators watch (served as Prometheus /metrics by the
// HTTP listener). Chat adapters report through it without knowing Prometheus.
type Metrics interface {
	// CommandHandled counts a command run for a platform ("slack", …);
	// outcome is "ok", "error" or "forbidden".
	CommandHandled(platform, command, outcome string)
	// Acked observes how long an inbound request took to acknowledge.
	Acked(platform string, d time.Duration)
	// MessageSent counts a message crier sent to a platform.
	MessageSent(platform string)
	// RateLimited counts a 429 (or rate-limit error) received from a platform.
	RateLimited(platform string)
}

// NopMetrics records nothing.
type NopMetrics struct{}

func (NopMetrics) CommandHandled(string, string, string) {}
func (NopMetrics) Acked(string, time.Duration)           {}
func (NopMetrics) MessageSent(string)                    {}
func (NopMetrics) RateLimited(string)                    {}
