package crier

import (
	"context"
	"time"
)

// ReplayStore remembers the signed requests a chat adapter has already
// served, across restarts, so that a captured request sent again within its
// signature's lifetime is refused even after crier restarted.
type ReplayStore interface {
	// SeenRequest records key (a platform's request signature) for platform
	// until expires and reports whether it was recorded already and has not
	// expired. Expired records are forgotten.
	SeenRequest(ctx context.Context, platform, key string, expires time.Time) (bool, error)
}

// HealthReporter is a part of crier connected to an outside service (a chat
// platform) that can be down for a while without stopping crier.
type HealthReporter interface {
	// Health returns nil while the service answers, or an error saying, in
	// words an operator can act on and without secrets, what is down and
	// when crier tries again ("Slack is not answering (auth.test: …); trying
	// again in 30s").
	Health() error
}
