package bluesky

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// session is a login, as stored under the "session" state key.
type session struct {
	Identifier string `json:"identifier"` // what crier logged in with
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	DID        string `json:"did"`
	Handle     string `json:"handle"`
}

// sessionAnswer is what createSession and refreshSession return.
type sessionAnswer struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	DID        string `json:"did"`
	Handle     string `json:"handle"`
	Active     *bool  `json:"active"`
	Status     string `json:"status"`
}

// current returns the session in memory, if any.
func (n *Network) current() (session, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.sess == nil {
		return session{}, false
	}
	return *n.sess, true
}

func (n *Network) setSession(s session) {
	n.mu.Lock()
	n.sess = &s
	n.mu.Unlock()
}

// takeTurn waits for the right to log in or refresh (one at a time), or for
// ctx to end.
func (n *Network) takeTurn(ctx context.Context) error {
	select {
	case n.sessTurn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (n *Network) giveTurn() { <-n.sessTurn }

// session returns a session: the one in memory, else the stored one, else
// a new login. Parallel callers share one login.
func (n *Network) session(ctx context.Context) (session, error) {
	if s, ok := n.current(); ok {
		return s, nil
	}
	if err := n.takeTurn(ctx); err != nil {
		return session{}, err
	}
	defer n.giveTurn()
	if s, ok := n.current(); ok {
		return s, nil
	}
	s, ok, err := n.loadSession(ctx)
	if err != nil {
		return session{}, err
	}
	if ok {
		n.setSession(s)
		return s, nil
	}
	return n.login(ctx)
}

// renew replaces a session whose access token failed: it takes a newer
// session if another caller (or another crier network sharing the store)
// already made one, else refreshes it, else logs in again.
func (n *Network) renew(ctx context.Context, failed string) (session, error) {
	if err := n.takeTurn(ctx); err != nil {
		return session{}, err
	}
	defer n.giveTurn()
	cur, ok := n.current()
	if ok && cur.AccessJwt != failed {
		return cur, nil
	}
	if stored, ok, err := n.loadSession(ctx); err == nil && ok && stored.AccessJwt != failed {
		n.setSession(stored)
		return stored, nil
	}
	if cur.RefreshJwt != "" {
		var ans sessionAnswer
		err := n.do(ctx, call{post: true, nsid: "com.atproto.server.refreshSession"}, cur.RefreshJwt, &ans)
		if err == nil {
			n.log.Info("bluesky session refreshed", "network", n.name)
			return n.keep(ctx, ans)
		}
		var xe *xrpcError
		if !errors.As(err, &xe) || (!isTokenError(err) && xe.Status != http.StatusUnauthorized) ||
			xe.Name == "AccountTakedown" || xe.Name == "AccountDeactivated" {
			return session{}, n.explain("refresh session", err)
		}
		n.log.Info("bluesky refresh token refused; logging in again", "network", n.name, "error", xe.Name)
	}
	return n.login(ctx)
}

// login makes a new session with the app password.
func (n *Network) login(ctx context.Context) (session, error) {
	n.mu.Lock()
	refused, until := n.refused, n.refusedUntil
	n.mu.Unlock()
	if refused == nil {
		until, refused = n.loadRefusal(ctx)
	}
	if refused != nil && (until.IsZero() || n.clock.Now().Before(until)) {
		return session{}, refused
	}
	body, err := json.Marshal(map[string]string{"identifier": n.ident, "password": n.password})
	if err != nil {
		return session{}, fmt.Errorf("bluesky login: %w", err)
	}
	var ans sessionAnswer
	err = n.do(ctx, call{post: true, nsid: "com.atproto.server.createSession", body: body}, "", &ans)
	if err != nil {
		// explainLogin may not wrap the PDS's answer (a takedown, for one),
		// so the answer is read from raw.
		raw := err
		err = n.explainLogin(raw)
		if crier.IsAuth(err) {
			var xe *xrpcError
			until := time.Time{}
			if errors.As(raw, &xe) && (xe.Name == "AccountTakedown" || xe.Name == "AccountDeactivated") {
				until = n.clock.Now().Add(refuseRetry) // Bluesky may restore it
			}
			n.refuse(ctx, err, until)
		}
		return session{}, err
	}
	n.log.Info("bluesky login", "network", n.name, "handle", ans.Handle)
	s, err := n.keep(ctx, ans)
	if crier.IsAuth(err) {
		// The login worked but the account is not active (deactivated,
		// taken down, suspended): logging in again spends another of the
		// day's logins for the same answer, until Bluesky restores it.
		n.refuse(ctx, err, n.clock.Now().Add(refuseRetry))
	} else if err == nil {
		n.refuse(ctx, nil, time.Time{})
	}
	return s, err
}

// refuseRetry is how long crier waits before logging in again to an
// account Bluesky refused as taken down or not active.
const refuseRetry = 15 * time.Minute

// stateRefused is the state key of a refused login.
const stateRefused = "login_refused"

// refusal is a refused login as stored under stateRefused: it holds for the
// handle and app password whose hash it keeps (never the password), so a
// restart does not spend another of the day's logins on the same answer,
// and a new password in bot.yaml is tried at once.
type refusal struct {
	Salt    string `json:"salt"`            // random, hex; made for each refusal
	Login   string `json:"login"`           // loginHash of the handle and password refused, with Salt
	Message string `json:"message"`         // what the person read
	Until   int64  `json:"until,omitempty"` // unix seconds; 0 = until bot.yaml changes
}

// loginHash identifies the handle and password crier logs in with, salted
// with a random salt (kept beside it) and the network's name, without
// keeping the password: a copy of the database tells no one the password,
// nor, without trying each guess against this salt, whether two networks
// share one.
func (n *Network) loginHash(salt string) string {
	sum := sha256.Sum256([]byte("crier bluesky login\x00" + salt + "\x00" + n.name + "\x00" + strings.ToLower(n.ident) + "\x00" + n.password))
	return hex.EncodeToString(sum[:])
}

// refuse records a refused login (or, with a nil err, forgets it): crier
// does not log in again until until (for ever when until is zero), nor
// after a restart while bot.yaml holds the same password.
func (n *Network) refuse(ctx context.Context, err error, until time.Time) {
	n.mu.Lock()
	n.refused, n.refusedUntil = err, until
	n.mu.Unlock()
	if n.state == nil {
		return
	}
	value := ""
	if err != nil {
		salt := make([]byte, 16)
		if _, rerr := rand.Read(salt); rerr != nil {
			n.log.Warn("bluesky refused login not saved", "network", n.name, "error", rerr)
			return
		}
		r := refusal{Salt: hex.EncodeToString(salt), Message: crier.ErrorMessage(err)}
		r.Login = n.loginHash(r.Salt)
		if !until.IsZero() {
			r.Until = until.Unix()
		}
		raw, merr := json.Marshal(r)
		if merr != nil {
			return
		}
		value = string(raw)
	}
	if serr := n.state.SaveState(ctx, n.name, stateRefused, value); serr != nil {
		n.log.Warn("bluesky refused login not saved", "network", n.name, "error", serr)
	}
}

// loadRefusal returns a stored refusal of the handle and password in
// bot.yaml, if any; a refusal of another password does not count.
func (n *Network) loadRefusal(ctx context.Context) (time.Time, error) {
	if n.state == nil {
		return time.Time{}, nil
	}
	raw, err := n.state.LoadState(ctx, n.name, stateRefused)
	if err != nil || raw == "" {
		return time.Time{}, nil
	}
	var r refusal
	if json.Unmarshal([]byte(raw), &r) != nil || r.Salt == "" || r.Login != n.loginHash(r.Salt) || r.Message == "" {
		return time.Time{}, nil
	}
	until := time.Time{}
	if r.Until != 0 {
		until = time.Unix(r.Until, 0)
	}
	err = crier.AuthFailed(fmt.Errorf("bluesky login (refused before): %w", crier.Errorf(crier.EPERMANENT, "%s", r.Message)))
	n.mu.Lock()
	n.refused, n.refusedUntil = err, until
	n.mu.Unlock()
	return until, err
}

// keep checks a new session, keeps it in memory and saves it.
func (n *Network) keep(ctx context.Context, ans sessionAnswer) (session, error) {
	if ans.Active != nil && !*ans.Active {
		status := ans.Status
		if status == "" {
			status = "inactive"
		}
		return session{}, crier.AuthFailed(fmt.Errorf("bluesky login: %w", crier.Errorf(crier.EPERMANENT,
			"The Bluesky account %s of %s is %s; log in at bsky.app to see why, then crier can post again.", n.ident, n.name, status)))
	}
	if ans.AccessJwt == "" || ans.DID == "" {
		return session{}, fmt.Errorf("bluesky login: the PDS answered without a session")
	}
	s := session{Identifier: n.ident, AccessJwt: ans.AccessJwt, RefreshJwt: ans.RefreshJwt, DID: ans.DID, Handle: ans.Handle}
	n.setSession(s)
	if n.state != nil {
		raw, err := json.Marshal(s)
		if err == nil {
			err = n.state.SaveState(ctx, n.name, stateSession, string(raw))
		}
		if err != nil {
			// Still usable in memory; the next start logs in again.
			n.log.Warn("bluesky session not saved", "network", n.name, "error", err)
		}
	}
	return s, nil
}

// loadSession reads the stored session; ok is false when there is none or
// it was made for another account.
func (n *Network) loadSession(ctx context.Context) (session, bool, error) {
	if n.state == nil {
		return session{}, false, nil
	}
	raw, err := n.state.LoadState(ctx, n.name, stateSession)
	if err != nil {
		return session{}, false, fmt.Errorf("bluesky load session of %s: %w", n.name, err)
	}
	if raw == "" {
		return session{}, false, nil
	}
	var s session
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		n.log.Warn("bluesky stored session unreadable; logging in again", "network", n.name)
		return session{}, false, nil
	}
	if !strings.EqualFold(s.Identifier, n.ident) || s.AccessJwt == "" || s.DID == "" {
		return session{}, false, nil
	}
	return s, true, nil
}

// explainLogin turns a createSession failure into plain words.
func (n *Network) explainLogin(err error) error {
	var xe *xrpcError
	if !errors.As(err, &xe) {
		return fmt.Errorf("bluesky login: %w", err)
	}
	switch {
	case xe.Status == http.StatusTooManyRequests:
		return crier.RateLimited(fmt.Errorf("bluesky login: %w", crier.Errorf(crier.EUNAVAIL,
			"Bluesky allows only a few logins a day and refused one more for %s.", n.name)), xe.After)
	case xe.Name == "AccountTakedown" || xe.Name == "AccountDeactivated":
		return n.explain("login", err)
	case xe.Name == "AuthFactorTokenRequired":
		return crier.AuthFailed(fmt.Errorf("bluesky login: %w", crier.Errorf(crier.EPERMANENT,
			"Bluesky asks for an e-mail code to log in to %s: put an app password in bot.yaml, not the account password (Settings → Privacy and security → App passwords).", n.name)))
	case xe.Status >= 500:
		return n.explain("login", err)
	default:
		return crier.AuthFailed(fmt.Errorf("bluesky login: %w", crier.Errorf(crier.EPERMANENT,
			"Bluesky refused the handle or app password for %s. Make an app password in Settings → Privacy and security → App passwords and put it in bot.yaml.", n.name)))
	}
}

// xrpc makes an authenticated call: with an expired or refused access
// token it renews the session once and tries again.
func (n *Network) xrpc(ctx context.Context, c call, out any) error {
	s, err := n.session(ctx)
	if err != nil {
		return err
	}
	err = n.do(ctx, c, s.AccessJwt, out)
	if !isTokenError(err) {
		return err
	}
	if s, err = n.renew(ctx, s.AccessJwt); err != nil {
		return err
	}
	return n.do(ctx, c, s.AccessJwt, out)
}
