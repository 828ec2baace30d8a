package mastodon

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/crier-bot/crier/internal/netcall"
)

// apiError is a non-2xx answer from the instance, with Mastodon's "error"
// text.
type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// maxJSON bounds what crier reads of one JSON answer.
const maxJSON = 8 << 20

// do sends a request to the instance (an absolute URL on it) through the
// API client and decodes a 200 or 202 answer into out (when not nil). It
// returns the status and headers of any 2xx answer; other answers are an
// *apiError.
func (n *Network) do(ctx context.Context, method, rawURL string, body io.Reader, contentType string, out any) (int, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+n.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := n.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer netcall.Drain(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, resp.Header, readAPIError(resp)
	}
	if out != nil && (resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusAccepted) {
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSON)).Decode(out); err != nil {
			return resp.StatusCode, resp.Header, fmt.Errorf("decode %s %s: %w", method, req.URL.Path, err)
		}
	}
	return resp.StatusCode, resp.Header, nil
}

// readAPIError reads Mastodon's {"error": "…"} body (or the first line of
// whatever came instead).
func readAPIError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var e struct {
		Error string `json:"error"`
	}
	msg := ""
	if json.Unmarshal(data, &e) == nil {
		msg = e.Error
	} else if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/plain") {
		msg, _, _ = strings.Cut(strings.TrimSpace(string(data)), "\n")
		if len(msg) > 200 {
			msg = msg[:200]
		}
	}
	return &apiError{Status: resp.StatusCode, Message: msg}
}

// linkRel returns the URL of the link with relation rel in a Link header
// (RFC 8288): `<https://…?max_id=1>; rel="next", <https://…?min_id=9>; rel="prev"`.
func linkRel(header, rel string) string {
	for header != "" {
		open := strings.IndexByte(header, '<')
		if open < 0 {
			return ""
		}
		end := strings.IndexByte(header[open:], '>')
		if end < 0 {
			return ""
		}
		target := header[open+1 : open+end]
		header = header[open+end+1:]
		params := header
		if next := strings.IndexByte(header, '<'); next >= 0 {
			params = header[:next]
		}
		for _, p := range strings.Split(params, ";") {
			name, value, ok := strings.Cut(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(p), ",")), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
				continue
			}
			for _, r := range strings.Fields(strings.Trim(strings.TrimSpace(value), `"`)) {
				if strings.EqualFold(r, rel) {
					return target
				}
			}
		}
	}
	return ""
}
