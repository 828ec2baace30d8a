package digest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// IngestStore is what the API handler needs of the KPI store.
type IngestStore interface {
	CheckStore
	// SetValues stores values, all or none.
	SetValues(ctx context.Context, vs []crier.Value) error
}

var _ IngestStore = crier.KPIStore(nil)

// MaxAPIBody is the largest body POST /api/metrics reads.
const MaxAPIBody = 1 << 20

// apiValue is one item of a POST /api/metrics body.
type apiValue struct {
	Date     string          `json:"date"`
	Metric   string          `json:"metric"`
	Value    json.RawMessage `json:"value"`
	Account  string          `json:"account"`
	Campaign string          `json:"campaign"`
	Currency string          `json:"currency"`
}

type apiRequest struct {
	Values []apiValue `json:"values"`
}

type apiItemError struct {
	Index int    `json:"index"`
	Error string `json:"error"`
}

// APIHandler serves POST /api/metrics, through which other systems (a
// shop, web analytics) feed in the numbers no network gives:
//
//	POST /api/metrics
//	Authorization: Bearer <token>
//	{"values":[{"date":"2026-12-05","metric":"conversions","value":42,
//	            "account":"","campaign":"launch","currency":""}]}
//
// date is a day like 2026-12-05 (in loc), today or earlier; metric one of
// the numbers the team sets (FindTeamMetric); value a JSON number, 0 or
// more, whole for counts; account, campaign and currency (an ISO 4217
// code) may be left out. A money value without a currency takes its
// campaign's, else currency (bot.yaml's metrics.currency; "" for none);
// see Check. The values are
// stored all together or not at all. The answers, each a JSON object:
//
//	200 {"stored": n}
//	400 {"error": "…"}   the body is not such JSON, or has no values
//	401 {"error": "…"}   no bearer token, or the wrong one (WWW-Authenticate: Bearer)
//	404                   token is "": the API is off
//	405 {"error": "…"}   not a POST (Allow: POST)
//	413 {"error": "…"}   the body is over 1 MiB (MaxAPIBody)
//	422 {"errors": [{"index": 3, "error": "…"}]}   every bad value, by its
//	                      position in values (0-based); nothing was stored
//	500 {"error": "…"}   the store failed; the log says why
//
// The token is compared in constant time and never logged.
func APIHandler(store IngestStore, token string, loc *time.Location, currency string, clock crier.Clock, log *slog.Logger) http.Handler {
	if loc == nil {
		loc = time.UTC
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token == "" {
			http.NotFound(w, r)
			return
		}
		fail := func(status int, reason string) {
			log.Warn("metrics refused", slog.String("path", r.URL.Path), slog.Int("status", status), slog.String("reason", reason))
			writeJSON(w, status, map[string]string{"error": reason})
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			fail(http.StatusMethodNotAllowed, "send the numbers with POST")
			return
		}
		got, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="crier"`)
			fail(http.StatusUnauthorized, "send the API token from bot.yaml (http.api_token) as Authorization: Bearer <token>")
			return
		}
		if sum := sha256.Sum256([]byte(got)); subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="crier", error="invalid_token"`)
			fail(http.StatusUnauthorized, "the API token is wrong; use the one in bot.yaml (http.api_token)")
			return
		}
		const tooBig = "the body is over 1 MiB; send the values in smaller batches"
		if r.ContentLength > MaxAPIBody {
			fail(http.StatusRequestEntityTooLarge, tooBig)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxAPIBody))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				fail(http.StatusRequestEntityTooLarge, tooBig)
				return
			}
			fail(http.StatusBadRequest, "the body could not be read")
			return
		}
		vs, bad, msg := readAPIValues(body, clock.Now(), loc)
		if msg != "" {
			fail(http.StatusBadRequest, msg)
			return
		}
		// Every bad value is listed: the store is asked about those that
		// read well.
		good, idx := keepGood(vs, bad)
		checked, err := Check(r.Context(), store, good, currency)
		if err != nil {
			log.Error("metrics not stored", slog.Any("error", err))
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "crier could not check the values; its log says why. Try again."})
			return
		}
		for i, v := range good {
			vs[idx[i]] = v // with its campaign's currency
		}
		for _, e := range checked {
			e.Index = idx[e.Index]
			bad = append(bad, e)
		}
		// Two good values that are the same number: which is meant?
		good, idx = keepGood(vs, bad)
		for _, e := range dedupe(good, func(i int) string { return "values[" + strconv.Itoa(idx[i]) + "]" }) {
			e.Index = idx[e.Index]
			bad = append(bad, e)
		}
		if len(bad) > 0 {
			sortRowErrors(bad)
			out := make([]apiItemError, len(bad))
			for i, e := range bad {
				out[i] = apiItemError{Index: e.Index, Error: e.Message}
			}
			log.Warn("metrics refused", slog.String("path", r.URL.Path), slog.Int("status", http.StatusUnprocessableEntity), slog.Int("bad_values", len(bad)))
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"errors": out})
			return
		}
		if err := store.SetValues(r.Context(), vs); err != nil {
			log.Error("metrics not stored", slog.Any("error", err))
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "crier could not store the values; its log says why. Try again."})
			return
		}
		log.Info("metrics stored", slog.Int("values", len(vs)))
		writeJSON(w, http.StatusOK, map[string]int{"stored": len(vs)})
	})
}

// bearer returns the token of an "Authorization: Bearer <token>" header
// (the scheme in any case).
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// readAPIValues reads a body's values (one for each item, bad or not); bad
// lists what is wrong with them by index; msg says why the body as a whole
// cannot be read.
func readAPIValues(body []byte, now time.Time, loc *time.Location) (vs []crier.Value, bad []RowError, msg string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req apiRequest
	if err := dec.Decode(&req); err != nil {
		return nil, nil, "the body is not JSON like " + apiExample + ": " + jsonProblem(err)
	}
	if dec.More() {
		return nil, nil, "the body has more than one JSON value; send one like " + apiExample
	}
	if len(req.Values) == 0 {
		return nil, nil, "there are no values; send them like " + apiExample
	}
	vs = make([]crier.Value, len(req.Values))
	for i, item := range req.Values {
		v, problems := readAPIValue(item, now, loc)
		for _, p := range problems {
			bad = append(bad, RowError{Index: i, Message: p})
		}
		vs[i] = v
	}
	return vs, bad, ""
}

// keepGood returns the values of vs no error in bad is about, and the
// index in vs of each.
func keepGood(vs []crier.Value, bad []RowError) ([]crier.Value, []int) {
	isBad := make(map[int]bool, len(bad))
	for _, e := range bad {
		isBad[e.Index] = true
	}
	good, idx := make([]crier.Value, 0, len(vs)), make([]int, 0, len(vs))
	for i, v := range vs {
		if !isBad[i] {
			good, idx = append(good, v), append(idx, i)
		}
	}
	return good, idx
}

const apiExample = `{"values":[{"date":"2026-12-05","metric":"conversions","value":42,"campaign":"launch"}]}`

func readAPIValue(item apiValue, now time.Time, loc *time.Location) (crier.Value, []string) {
	v := crier.Value{Account: strings.TrimSpace(item.Account), Campaign: strings.ToLower(strings.TrimSpace(item.Campaign)),
		Source: crier.SourceAPI, SetBy: "api"}
	var problems []string
	if strings.TrimSpace(item.Date) == "" {
		problems = append(problems, "date is missing; send the day the number is for, like 2026-12-05.")
	} else if day, err := ParseDay(item.Date, now, loc); err != nil {
		problems = append(problems, crier.ErrorMessage(err))
	} else {
		v.Day = day
	}
	m, err := FindTeamMetric(item.Metric)
	if err != nil {
		return v, append(problems, crier.ErrorMessage(err))
	}
	v.Metric = m.Name
	raw := strings.TrimSpace(string(item.Value))
	switch {
	case raw == "" || raw == "null":
		problems = append(problems, "value is missing; send a number like 42.")
	case !strings.ContainsAny(raw[:1], "-0123456789"):
		problems = append(problems, fmt.Sprintf("value must be a JSON number like 42, not %s.", raw))
	default:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			problems = append(problems, fmt.Sprintf("value %s is not a number crier can store.", raw))
			break
		}
		// ParseValue says what is wrong in the words /kpi set and the CSV use.
		if v.Value, _, err = ParseValue(m, strconv.FormatFloat(f, 'f', -1, 64)); err != nil {
			problems = append(problems, crier.ErrorMessage(err))
		}
	}
	if item.Currency != "" {
		c, msg := readCurrency(m, item.Currency, "")
		if msg != "" {
			problems = append(problems, msg)
		}
		v.Currency = c
	}
	return v, problems
}

// jsonProblem says where encoding/json stopped, without echoing the body.
func jsonProblem(err error) string {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("it stops being JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		field := "it"
		if te.Field != "" {
			field = te.Field
		}
		return fmt.Sprintf("%s must be %s, not %s", field, jsonKind(te.Type.Kind().String()), jsonKind(te.Value))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "it ends too soon"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ") + " (the fields are date, metric, value, account, campaign, currency)"
	}
	return "it cannot be read"
}

// jsonKind names a Go kind or a JSON value's kind for a person.
func jsonKind(k string) string {
	switch k {
	case "slice", "array":
		return "a list"
	case "struct", "map", "object":
		return "an object"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "null":
		return "null"
	}
	return "a number"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
