package webhook_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/webhook"
)

// vector was computed outside Go:
//
//	printf '%s' '1764000000.{"type":"ping","network":"hooks"}' | openssl dgst -sha256 -hmac shh-its-a-secret
const (
	vectorSecret = "shh-its-a-secret"
	vectorBody   = `{"type":"ping","network":"hooks"}`
	vectorSig    = "sha256=02dbea03251ecc867bd944ea350ca414bfd66c1b99bf587583c65e10519e61eb"
)

var vectorTime = time.Unix(1764000000, 0)

func TestSignMatchesAnIndependentHMAC(t *testing.T) {
	t.Parallel()
	require.Equal(t, vectorSig, webhook.Sign(vectorSecret, vectorTime, []byte(vectorBody)))
}

func TestVerify(t *testing.T) {
	t.Parallel()
	signed := func(ts time.Time, sig string) http.Header {
		h := http.Header{}
		h.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
		h.Set(webhook.HeaderSignature, sig)
		return h
	}
	tests := []struct {
		name   string
		header http.Header
		body   string
		now    time.Time
		want   error
	}{
		{"a good signature is accepted", signed(vectorTime, vectorSig), vectorBody, vectorTime, nil},
		{"upper-case hex is accepted", signed(vectorTime, "sha256="+strings.ToUpper(strings.TrimPrefix(vectorSig, "sha256="))), vectorBody, vectorTime, nil},
		{"a timestamp 5 minutes old is accepted", signed(vectorTime, vectorSig), vectorBody, vectorTime.Add(5 * time.Minute), nil},
		{"a timestamp over 5 minutes old is refused", signed(vectorTime, vectorSig), vectorBody, vectorTime.Add(5*time.Minute + time.Second), webhook.ErrStaleTimestamp},
		{"a timestamp over 5 minutes ahead is refused", signed(vectorTime, vectorSig), vectorBody, vectorTime.Add(-6 * time.Minute), webhook.ErrStaleTimestamp},
		{"a changed body is refused", signed(vectorTime, vectorSig), vectorBody + " ", vectorTime, webhook.ErrBadSignature},
		{"another secret's signature is refused", signed(vectorTime, webhook.Sign("other", vectorTime, []byte(vectorBody))), vectorBody, vectorTime, webhook.ErrBadSignature},
		{"a signature for another timestamp is refused", signed(vectorTime, webhook.Sign(vectorSecret, vectorTime.Add(time.Second), []byte(vectorBody))), vectorBody, vectorTime, webhook.ErrBadSignature},
		{"a signature without its prefix is refused", signed(vectorTime, strings.TrimPrefix(vectorSig, "sha256=")), vectorBody, vectorTime, webhook.ErrBadSignature},
		{"a signature that is not hex is refused", signed(vectorTime, "sha256=zz"), vectorBody, vectorTime, webhook.ErrBadSignature},
		{"a missing signature is refused", http.Header{webhook.HeaderTimestamp: {"1764000000"}}, vectorBody, vectorTime, webhook.ErrMissingSignature},
		{"a missing timestamp is refused", http.Header{webhook.HeaderSignature: {vectorSig}}, vectorBody, vectorTime, webhook.ErrMissingSignature},
		{"a timestamp with a sign is refused", http.Header{webhook.HeaderTimestamp: {"+1764000000"}, webhook.HeaderSignature: {vectorSig}}, vectorBody, vectorTime, webhook.ErrBadTimestamp},
		{"a timestamp in milliseconds is refused", http.Header{webhook.HeaderTimestamp: {"1764000000000"}, webhook.HeaderSignature: {vectorSig}}, vectorBody, vectorTime, webhook.ErrBadTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := webhook.Verify(vectorSecret, tt.header, []byte(tt.body), tt.now)
			require.ErrorIs(t, err, tt.want)
			if tt.want == nil {
				require.NoError(t, err)
			}
		})
	}
}
