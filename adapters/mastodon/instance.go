package mastodon

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// stateLimits is the StateStore key under which the instance's limits are
// remembered: "max_characters,characters_reserved_per_url,max_media_attachments".
const stateLimits = "instance_limits"

type statusLimits struct {
	MaxCharacters            int `json:"max_characters"`
	MaxMediaAttachments      int `json:"max_media_attachments"`
	CharactersReservedPerURL int `json:"characters_reserved_per_url"`
}

// Refresh reads the instance's limits: GET /api/v2/instance, or
// /api/v1/instance on servers older than Mastodon 4.0.
func (n *Network) Refresh(ctx context.Context) error {
	var v2 struct {
		Domain        string `json:"domain"`
		Configuration struct {
			URLs struct {
				Streaming string `json:"streaming"`
			} `json:"urls"`
			Statuses statusLimits `json:"statuses"`
		} `json:"configuration"`
	}
	_, _, err := n.do(ctx, http.MethodGet, n.url("/api/v2/instance"), nil, "", &v2)
	limits, domain, streaming := v2.Configuration.Statuses, v2.Domain, v2.Configuration.URLs.Streaming
	if status, _, ok := statusOf(err); ok && (status == http.StatusNotFound || status == http.StatusGone) {
		var v1 struct {
			URI          string `json:"uri"`
			MaxTootChars int    `json:"max_toot_chars"` // Pleroma, Akkoma and some forks
			URLs         struct {
				StreamingAPI string `json:"streaming_api"`
			} `json:"urls"`
			Configuration struct {
				Statuses statusLimits `json:"statuses"`
			} `json:"configuration"`
		}
		_, _, err = n.do(ctx, http.MethodGet, n.url("/api/v1/instance"), nil, "", &v1)
		limits, domain, streaming = v1.Configuration.Statuses, v1.URI, v1.URLs.StreamingAPI
		if limits.MaxCharacters == 0 {
			limits.MaxCharacters = v1.MaxTootChars
		}
	}
	if err != nil {
		n.loadLimits(ctx)
		return n.readFailed("read the instance's limits", err)
	}
	n.setLimits(limits, domain)
	n.mu.Lock()
	n.streamingURL = streaming
	n.mu.Unlock()
	if n.state != nil {
		maxChars, urlLength, maxMedia := n.instanceLimits()
		v := fmt.Sprintf("%d,%d,%d", maxChars, urlLength, maxMedia)
		if err := n.state.SaveState(ctx, n.name, stateLimits, v); err != nil {
			n.log.Warn("remember mastodon limits", slog.String(keyNetwork, n.name), slog.Any(keyError, err))
		}
	}
	return nil
}

// setLimits takes the limits an instance announced; zeros (servers that do
// not say) keep Mastodon's defaults.
func (n *Network) setLimits(l statusLimits, domain string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if l.MaxCharacters > 0 {
		n.maxChars = l.MaxCharacters
	}
	if l.CharactersReservedPerURL > 0 {
		n.urlLength = l.CharactersReservedPerURL
	}
	if l.MaxMediaAttachments > 0 {
		n.maxMedia = l.MaxMediaAttachments
	}
	if domain = strings.TrimSpace(domain); domain != "" && !strings.ContainsAny(domain, "/ ") {
		n.domain = domain
	}
	n.known = true
	n.refreshedAt = n.clock.Now()
}

func (n *Network) instanceLimits() (maxChars, urlLength, maxMedia int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.maxChars, n.urlLength, n.maxMedia
}

// loadLimits takes the limits remembered in State when none have been read
// in this run.
func (n *Network) loadLimits(ctx context.Context) {
	n.mu.Lock()
	known := n.known
	n.mu.Unlock()
	if known || n.state == nil {
		return
	}
	v, err := n.state.LoadState(ctx, n.name, stateLimits)
	if err != nil || v == "" {
		return
	}
	parts := strings.Split(v, ",")
	if len(parts) != 3 {
		return
	}
	var nums [3]int
	for i, p := range parts {
		if nums[i], err = strconv.Atoi(p); err != nil || nums[i] <= 0 {
			return
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.known {
		n.maxChars, n.urlLength, n.maxMedia, n.known = nums[0], nums[1], nums[2], true
	}
}

// refreshTimeout bounds a refresh made on the way to a publish: a slow or
// hanging instance page must not eat the attempt.
const refreshTimeout = 5 * time.Second

// refreshIfStale reads the limits again when they are older than an hour. A
// failure is logged: the last limits known stay in use. The attempt counts
// even when it fails, so a broken instance page is asked again only after
// refreshEvery, not on every publish. The read runs under a short timeout
// (refreshTimeout, or a quarter of what is left of ctx when that is less)
// so the publish keeps most of its time.
func (n *Network) refreshIfStale(ctx context.Context) {
	n.mu.Lock()
	now := n.clock.Now()
	stale := n.refreshedAt.IsZero() || now.Sub(n.refreshedAt) >= refreshEvery
	if stale {
		n.refreshedAt = now
	}
	n.mu.Unlock()
	if !stale {
		return
	}
	timeout := refreshTimeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(deadline)/4)
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := n.Refresh(rctx); err != nil {
		n.loadLimits(ctx) // Refresh's own try may have run out of time
		n.log.Warn("mastodon instance limits not refreshed", slog.String(keyNetwork, n.name), slog.Any(keyError, err))
	}
}

var characterLimit = regexp.MustCompile(`(?i)character limit of (\d+)`)

// tooLong reports whether Mastodon's 422 text says the text is too long,
// and the limit it names (0 when it names none).
func tooLong(msg string) (bool, int) {
	if m := characterLimit.FindStringSubmatch(msg); m != nil {
		limit, _ := strconv.Atoi(m[1])
		return true, limit
	}
	lower := strings.ToLower(msg)
	return strings.Contains(lower, "too long") || strings.Contains(lower, "character limit"), 0
}

// lowerLimit takes a limit named in a refusal when the instance could not
// be read again.
func (n *Network) lowerLimit(limit int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if limit > 0 && limit < n.maxChars {
		n.maxChars = limit
	}
}
