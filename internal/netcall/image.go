package netcall

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// UserAgent is how crier names itself to the servers it calls.
const UserAgent = "crier (+https://github.com/crier-bot/crier)"

// ImageLimits are what a network takes: the largest image and how long the
// fetch may take, reading included.
type ImageLimits struct {
	MaxBytes int64
	Timeout  time.Duration
}

// Problem says why an image could not be fetched.
type Problem int

const (
	// BadAddress: the address is not an http:// or https:// URL with a host.
	BadAddress Problem = iota + 1
	// Unanswered: no answer, or the body could not be read (Err says why).
	Unanswered
	// BadStatus: the server answered something other than 200 (Status).
	BadStatus
	// TooLarge: the image is larger than MaxBytes (Size: the length
	// announced, or what was read: MaxBytes+1).
	TooLarge
	// NotImage: neither the bytes nor the Content-Type say image/…
	// (Header: the Content-Type sent; Sniffed: what the bytes look like).
	NotImage
)

// ImageError is a failed image fetch: the adapter turns it into its words.
type ImageError struct {
	Problem Problem
	URL     string
	Status  int
	Size    int64
	Header  string
	Sniffed string
	Err     error
}

func (e *ImageError) Error() string {
	switch e.Problem {
	case BadAddress:
		return fmt.Sprintf("fetch image %q: not an http(s) address", e.URL)
	case Unanswered:
		return fmt.Sprintf("fetch image %s: %v", e.URL, e.Err)
	case BadStatus:
		return fmt.Sprintf("fetch image %s: HTTP %d", e.URL, e.Status)
	case TooLarge:
		return fmt.Sprintf("fetch image %s: %d bytes", e.URL, e.Size)
	default:
		return fmt.Sprintf("fetch image %s: not an image (%s)", e.URL, e.Header)
	}
}

func (e *ImageError) Unwrap() error { return e.Err }

// Temporary reports a failure that may pass: no answer, or a status that says
// later (408, 429, 5xx). Every other one needs a different link or image.
func (e *ImageError) Temporary() bool {
	switch e.Problem {
	case Unanswered:
		return true
	case BadStatus:
		return e.Status == http.StatusRequestTimeout || e.Status == http.StatusTooManyRequests || e.Status >= 500
	}
	return false
}

// FetchImage downloads the image at rawURL with c, within lim, and returns it
// with its media type: the one its bytes show (what the network will check),
// else the one the server names. Every failure is an *ImageError.
func FetchImage(ctx context.Context, c *http.Client, rawURL string, lim ImageLimits) ([]byte, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, "", &ImageError{Problem: BadAddress, URL: rawURL, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", &ImageError{Problem: BadAddress, URL: rawURL, Err: err}
	}
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("Accept", "image/*")
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", &ImageError{Problem: Unanswered, URL: rawURL, Err: err}
	}
	defer Drain(resp.Body)
	switch {
	case resp.StatusCode != http.StatusOK:
		return nil, "", &ImageError{Problem: BadStatus, URL: rawURL, Status: resp.StatusCode}
	case resp.ContentLength > lim.MaxBytes:
		return nil, "", &ImageError{Problem: TooLarge, URL: rawURL, Size: resp.ContentLength}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, lim.MaxBytes+1))
	if err != nil {
		return nil, "", &ImageError{Problem: Unanswered, URL: rawURL, Err: err}
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, "", &ImageError{Problem: TooLarge, URL: rawURL, Size: int64(len(data))}
	}
	sniffed := http.DetectContentType(data)
	if mt, _, _ := mime.ParseMediaType(sniffed); strings.HasPrefix(mt, "image/") {
		return data, mt, nil
	}
	header := resp.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(header); strings.HasPrefix(mt, "image/") {
		return data, mt, nil
	}
	return nil, "", &ImageError{Problem: NotImage, URL: rawURL, Status: resp.StatusCode, Header: header, Sniffed: sniffed}
}

// Drain reads a little of a body and closes it, so the connection can be
// reused.
func Drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}
