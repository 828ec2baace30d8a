package digest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/digest"
)

const apiToken = "s3cret-api-token-0123456789"

type apiBundle struct {
	db      *sqlite.DB
	handler http.Handler
	log     *bytes.Buffer
}

func setupAPI(t *testing.T, token string) apiBundle {
	t.Helper()
	return setupAPIWith(t, token, "")
}

// setupAPIWith is setupAPI with bot.yaml's metrics.currency.
func setupAPIWith(t *testing.T, token, currency string) apiBundle {
	t.Helper()
	clock := crier.NewManualClock(ingestNow)
	db := openKPIStore(t, clock)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return apiBundle{db: db, handler: digest.APIHandler(db, token, bucharest(t), currency, clock, log), log: &logs}
}

// post sends body to POST /api/metrics with authorization (none when "").
func (b apiBundle) post(t *testing.T, authorization string, body io.Reader) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/api/metrics", body)
	r.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	w := httptest.NewRecorder()
	b.handler.ServeHTTP(w, r)
	return w
}

func (b apiBundle) stored(t *testing.T) []crier.Value {
	t.Helper()
	vs, err := b.db.Values(context.Background(), "2000-01-01", "2100-01-01")
	require.NoError(t, err)
	return vs
}

func TestAPIStoresTheValues(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiToken)
	w := b.post(t, "Bearer "+apiToken, strings.NewReader(`{"values":[
		{"date":"2026-12-05","metric":"conversions","value":42,"account":"","campaign":"launch","currency":""},
		{"date":"2026-12-05","metric":"Spend","value":120.5,"campaign":"Launch"},
		{"date":"2026-12-06","metric":"reach","value":1e3,"account":"masto"}]}`))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"))
	require.JSONEq(t, `{"stored":3}`, w.Body.String())
	require.Equal(t, []crier.Value{
		{Day: "2026-12-05", Metric: "conversions", Campaign: "launch", Value: 42, Source: crier.SourceAPI, SetBy: "api"},
		{Day: "2026-12-05", Metric: "spend", Campaign: "launch", Value: 120.5, Currency: "EUR", Source: crier.SourceAPI, SetBy: "api"},
		{Day: "2026-12-06", Metric: "reach", Account: "masto", Value: 1000, Source: crier.SourceAPI, SetBy: "api"},
	}, b.stored(t))
}

func TestAPIListsEveryBadValueAndStoresNothing(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiToken)
	w := b.post(t, "bearer "+apiToken, strings.NewReader(`{"values":[
		{"date":"2026-12-05","metric":"conversions","value":42,"campaign":"launch"},
		{"date":"2026-12-05","metric":"convresions","value":1},
		{"date":"2026-12-05","metric":"clicks","value":-3},
		{"date":"2026-12-07","metric":"clicks","value":3},
		{"date":"2026-12-05","metric":"conversions","value":2,"campaign":"lanch"},
		{"date":"2026-12-05","metric":"revenue","value":300,"campaign":"launch","currency":"USD"},
		{"date":"2026-12-05","metric":"clicks","value":"12"},
		{"date":"2026-12-05","metric":"impressions","value":4.5},
		{"metric":"reach","value":4},
		{"date":"2026-12-05","metric":"reach"},
		{"date":"2026-12-05","metric":"conversions","value":43,"campaign":"Launch"}]}`))
	require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
	var got struct {
		Errors []struct {
			Index int    `json:"index"`
			Error string `json:"error"`
		} `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	var lines []string
	for _, e := range got.Errors {
		lines = append(lines, itoa(e.Index)+": "+e.Error)
	}
	require.Equal(t, []string{
		`1: crier knows no number called "convresions". Did you mean conversions? /kpi help lists them.`,
		"2: clicks cannot be negative (-3); type 0 or more.",
		"3: 2026-12-07 is in the future; numbers are for today or earlier.",
		"4: There is no campaign named lanch; create it first with /campaign new lanch, or check the spelling (/campaign list shows them).",
		"5: Campaign launch counts money in EUR, not USD; convert the revenue to EUR first.",
		`6: value must be a JSON number like 42, not "12".`,
		"7: impressions is a count of whole things; type 5, not 4.5.",
		"8: date is missing; send the day the number is for, like 2026-12-05.",
		"9: value is missing; send a number like 42.",
		"10: conversions of 2026-12-05 for campaign launch is in values[0] too; send it once.",
	}, lines)
	require.Empty(t, b.stored(t), "nothing is stored when a value is bad")
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestAPIWantsTheToken(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiToken)
	body := `{"values":[{"date":"2026-12-05","metric":"conversions","value":42}]}`
	for _, tc := range []struct {
		name, authorization, challenge string
	}{
		{"without a token", "", `Bearer realm="crier"`},
		{"with another scheme", "Basic " + apiToken, `Bearer realm="crier"`},
		{"with an empty bearer token", "Bearer ", `Bearer realm="crier"`},
		{"with a wrong token", "Bearer wrong-token-0123456789", `Bearer realm="crier", error="invalid_token"`},
		{"with the token's beginning only", "Bearer " + apiToken[:10], `Bearer realm="crier", error="invalid_token"`},
		{"with the token and more", "Bearer " + apiToken + "x", `Bearer realm="crier", error="invalid_token"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := b.post(t, tc.authorization, strings.NewReader(body))
			require.Equal(t, http.StatusUnauthorized, w.Code)
			require.Equal(t, tc.challenge, w.Header().Get("WWW-Authenticate"))
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e))
			require.Contains(t, e.Error, "http.api_token")
		})
	}
	require.Empty(t, b.stored(t))
	require.NotContains(t, b.log.String(), "wrong-token", "no token is logged")
	require.NotContains(t, b.log.String(), apiToken[:10])
	require.Contains(t, b.log.String(), "status=401")
}

// endless is a body of n bytes that counts how many were read.
type endless struct{ n, read int }

func (e *endless) Read(p []byte) (int, error) {
	if e.read >= e.n {
		return 0, io.EOF
	}
	k := min(len(p), e.n-e.read)
	for i := range p[:k] {
		p[i] = ' '
	}
	e.read += k
	return k, nil
}

func TestAPIRefusesA10MBBody(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiToken)
	const tenMB = 10 << 20
	t.Run("with its length announced", func(t *testing.T) {
		body := &endless{n: tenMB}
		r := httptest.NewRequest(http.MethodPost, "/api/metrics", body)
		r.ContentLength = tenMB
		r.Header.Set("Authorization", "Bearer "+apiToken)
		w := httptest.NewRecorder()
		b.handler.ServeHTTP(w, r)
		require.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
		require.JSONEq(t, `{"error":"the body is over 1 MiB; send the values in smaller batches"}`, w.Body.String())
		require.Zero(t, body.read, "nothing is read")
	})
	t.Run("sent in chunks, length unknown", func(t *testing.T) {
		body := &endless{n: tenMB}
		r := httptest.NewRequest(http.MethodPost, "/api/metrics", body)
		r.ContentLength = -1
		r.Header.Set("Authorization", "Bearer "+apiToken)
		w := httptest.NewRecorder()
		b.handler.ServeHTTP(w, r)
		require.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
		require.LessOrEqual(t, body.read, digest.MaxAPIBody+64<<10, "reading stops after 1 MiB")
	})
	t.Run("unauthenticated, nothing is read", func(t *testing.T) {
		body := &endless{n: tenMB}
		w := b.post(t, "", body)
		require.Equal(t, http.StatusUnauthorized, w.Code)
		require.Zero(t, body.read)
	})
	require.Empty(t, b.stored(t))
}

func TestAPIOtherRequests(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiToken)
	for _, tc := range []struct {
		name, method, body string
		status             int
		want               string
	}{
		{"a GET", http.MethodGet, "", http.StatusMethodNotAllowed, `{"error":"send the numbers with POST"}`},
		{"not JSON", http.MethodPost, "date,metric\n", http.StatusBadRequest,
			`{"error":"the body is not JSON like {\"values\":[{\"date\":\"2026-12-05\",\"metric\":\"conversions\",\"value\":42,\"campaign\":\"launch\"}]}: it stops being JSON at byte 1"}`},
		{"a misspelt field", http.MethodPost, `{"values":[{"date":"2026-12-05","metric":"clicks","vaule":3}]}`, http.StatusBadRequest,
			`{"error":"the body is not JSON like {\"values\":[{\"date\":\"2026-12-05\",\"metric\":\"conversions\",\"value\":42,\"campaign\":\"launch\"}]}: unknown field \"vaule\" (the fields are date, metric, value, account, campaign, currency)"}`},
		{"no values", http.MethodPost, `{"values":[]}`, http.StatusBadRequest,
			`{"error":"there are no values; send them like {\"values\":[{\"date\":\"2026-12-05\",\"metric\":\"conversions\",\"value\":42,\"campaign\":\"launch\"}]}"}`},
		{"a list, not an object", http.MethodPost, `[{"date":"2026-12-05"}]`, http.StatusBadRequest,
			`{"error":"the body is not JSON like {\"values\":[{\"date\":\"2026-12-05\",\"metric\":\"conversions\",\"value\":42,\"campaign\":\"launch\"}]}: it must be an object, not a list"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/api/metrics", strings.NewReader(tc.body))
			r.Header.Set("Authorization", "Bearer "+apiToken)
			w := httptest.NewRecorder()
			b.handler.ServeHTTP(w, r)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			require.JSONEq(t, tc.want, w.Body.String())
			if tc.status == http.StatusMethodNotAllowed {
				require.Equal(t, http.MethodPost, w.Header().Get("Allow"))
			}
		})
	}
}

func TestAPIIsOffWithoutAToken(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, "")
	for _, authorization := range []string{"", "Bearer ", "Bearer anything"} {
		w := b.post(t, authorization, strings.NewReader(`{"values":[{"date":"2026-12-05","metric":"conversions","value":42}]}`))
		require.Equal(t, http.StatusNotFound, w.Code)
	}
	require.Empty(t, b.stored(t))
}

func TestAPIGivesAmountsTheDefaultCurrencyAndChecksCodes(t *testing.T) {
	t.Parallel()
	b := setupAPIWith(t, apiToken, "USD")
	w := b.post(t, "Bearer "+apiToken, strings.NewReader(`{"values":[
		{"date":"2026-12-05","metric":"spend","value":10,"currency":"XYZ"},
		{"date":"2026-12-05","metric":"spend","value":10,"currency":"chf","campaign":"organic"},
		{"date":"2026-12-04","metric":"revenue","value":10,"campaign":"organic","currency":"usd"}]}`))
	require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
	require.JSONEq(t, `{"errors":[{"index":0,"error":"XYZ is not a currency code; write one like EUR or USD."},
		{"index":2,"error":"Campaign organic counts money in CHF so far, not USD; convert the revenue to CHF first."}]}`, w.Body.String(),
		"organic has no currency: the first amount sent for it decides")
	require.Empty(t, b.stored(t))

	w = b.post(t, "Bearer "+apiToken, strings.NewReader(`{"values":[
		{"date":"2026-12-05","metric":"spend","value":10},
		{"date":"2026-12-05","metric":"revenue","value":20,"campaign":"launch"},
		{"date":"2026-12-05","metric":"clicks","value":30}]}`))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, []crier.Value{
		{Day: "2026-12-05", Metric: "clicks", Value: 30, Source: crier.SourceAPI, SetBy: "api"},
		{Day: "2026-12-05", Metric: "revenue", Campaign: "launch", Value: 20, Currency: "EUR", Source: crier.SourceAPI, SetBy: "api"},
		{Day: "2026-12-05", Metric: "spend", Value: 10, Currency: "USD", Source: crier.SourceAPI, SetBy: "api"},
	}, b.stored(t))
}
