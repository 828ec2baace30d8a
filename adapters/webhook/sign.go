package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of the signing scheme.
const (
	HeaderTimestamp = "X-Crier-Timestamp"
	HeaderSignature = "X-Crier-Signature"
	HeaderEvent     = "X-Crier-Event"
)

// Tolerance is how far a request's timestamp may be from the receiver's
// clock, either way, before the request is refused.
const Tolerance = 5 * time.Minute

// sigPrefix names the signature's algorithm inside X-Crier-Signature.
const sigPrefix = "sha256="

// Reasons Verify refuses a request. Each is a sentence a receiver can answer
// with (crier's comment handler does, with 401).
var (
	ErrMissingSignature = errors.New("the request has no X-Crier-Timestamp or X-Crier-Signature header")
	ErrBadTimestamp     = errors.New("X-Crier-Timestamp is not a number of seconds since 1970")
	ErrStaleTimestamp   = errors.New("X-Crier-Timestamp is more than 5 minutes away from the receiver's clock")
	ErrBadSignature     = errors.New("X-Crier-Signature does not match the body and the shared secret")
)

// Sign returns the X-Crier-Signature value for body sent at ts:
// "sha256=" + hex(HMAC-SHA256(secret, "<unix seconds>." + body)).
func Sign(secret string, ts time.Time, body []byte) string {
	return sigPrefix + hex.EncodeToString(mac(secret, strconv.FormatInt(ts.Unix(), 10), body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks the X-Crier-Timestamp and X-Crier-Signature headers of a
// request whose body is body: the timestamp must be within Tolerance of now
// and the signature must be Sign(secret, timestamp, body). The hex digits may
// be in either case; the comparison takes constant time. It returns nil or
// one of ErrMissingSignature, ErrBadTimestamp, ErrStaleTimestamp and
// ErrBadSignature.
//
// Verify does not remember signatures: a receiver that must not act twice on
// the same request keeps the signatures it accepted until their timestamps
// expire, or deduplicates by the body's id.
func Verify(secret string, header http.Header, body []byte, now time.Time) error {
	ts, sig := header.Get(HeaderTimestamp), header.Get(HeaderSignature)
	if ts == "" || sig == "" {
		return ErrMissingSignature
	}
	at, err := timestamp(ts)
	if err != nil {
		return err
	}
	if now.Sub(at).Abs() > Tolerance {
		return ErrStaleTimestamp
	}
	if len(sig) < len(sigPrefix) || !strings.EqualFold(sig[:len(sigPrefix)], sigPrefix) {
		return ErrBadSignature
	}
	got, err := hex.DecodeString(sig[len(sigPrefix):])
	if err != nil {
		return ErrBadSignature
	}
	if !hmac.Equal(got, mac(secret, ts, body)) {
		return ErrBadSignature
	}
	return nil
}

// timestamp parses an X-Crier-Timestamp value: decimal digits only, so that
// "+123" or " 123" (which would sign differently) are refused.
func timestamp(ts string) (time.Time, error) {
	if ts == "" || len(ts) > 12 || strings.Trim(ts, "0123456789") != "" {
		return time.Time{}, ErrBadTimestamp
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, ErrBadTimestamp
	}
	return time.Unix(secs, 0), nil
}
