package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// sessionCookie names the cookie holding a session's secret. Only the
// secret's hash is stored (warroom.HashTokenSecret).
const sessionCookie = "warroom_session"

// touchEvery is how stale a session's last-seen time may get before a
// request records it again: one write a minute per browser, not one per
// request.
const touchEvery = time.Minute

// visit is what the middleware learned about a request's browser.
type visit struct {
	user    *warroom.User
	session *warroom.WebSession
	secret  string // the session cookie's secret ("" when signed out)
	anon    string // the anonymous CSRF cookie's value, for sign-in forms
}

type visitKey struct{}

func visitOf(r *http.Request) *visit {
	v, _ := r.Context().Value(visitKey{}).(*visit)
	if v == nil {
		return &visit{}
	}
	return v
}

// currentUser returns the signed-in user of r, or nil.
func currentUser(r *http.Request) *warroom.User { return visitOf(r).user }

// actor returns the signed-in user as the actor of a command; pages that
// call it are registered for signed-in users only.
func actor(r *http.Request) warroom.Actor { return currentUser(r).Actor() }

// loadSession resolves the session cookie of r. A missing, unknown or
// expired session leaves the visit signed out.
func (h *Handler) loadSession(r *http.Request) (*visit, error) {
	v := &visit{}
	if c, err := r.Cookie(anonCookie); err == nil {
		v.anon = c.Value
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return v, nil
	}
	now := h.now().UTC()
	s, u, err := h.store.FindSession(r.Context(), warroom.HashTokenSecret(c.Value), now)
	if warroom.ErrorCode(err) == warroom.EUnauthorized {
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		expires := h.expiry(s.CreatedAt, now)
		if err := h.store.TouchSession(r.Context(), s.ID, now, expires); err != nil && warroom.ErrorCode(err) != warroom.ENotFound {
			return nil, err
		}
		s.LastSeenAt, s.ExpiresAt = now, expires
	}
	v.user, v.session, v.secret = u, s, c.Value
	return v, nil
}

// expiry is when a session created at created and used at now expires:
// idle time after its last use, but never later than its maximum age.
func (h *Handler) expiry(created, now time.Time) time.Time {
	e := now.Add(h.idle)
	if limit := created.Add(h.max); e.After(limit) {
		e = limit
	}
	return e
}

// StartSession signs u in on this browser: it stores a new session, sets
// its cookie and redirects (303) to returnTo, a path on this server ("/"
// if it is empty or points elsewhere). The sign-in form, one-time links
// and the OIDC callback call it once they have authenticated u; any
// session the browser had is ended first, so a session fixed by someone
// else is never reused.
func (h *Handler) StartSession(w http.ResponseWriter, r *http.Request, u *warroom.User, returnTo string) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := h.store.DeleteSession(r.Context(), warroom.HashTokenSecret(c.Value)); err != nil {
			return err
		}
	}
	secret, err := randomToken()
	if err != nil {
		return err
	}
	now := h.now().UTC()
	s := &warroom.WebSession{UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: h.expiry(now, now),
		UserAgent: truncate(r.UserAgent(), 300), Address: clientAddress(r)}
	if err := h.store.CreateSession(r.Context(), s, warroom.HashTokenSecret(secret)); err != nil {
		return err
	}
	h.setCookie(w, r, sessionCookie, secret, s.ExpiresAt)
	http.Redirect(w, r, safeReturn(returnTo), http.StatusSeeOther)
	return nil
}

// setCookie sets a cookie the way every cookie of the UI is set:
// HttpOnly, SameSite=Lax, Secure over HTTPS or behind an https public URL.
// A zero expiry deletes the cookie. The cookie's lifetime is sent as
// Max-Age (relative), so a browser's clock does not matter.
func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, name, value string, expires time.Time) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: h.secure || r.TLS != nil, MaxAge: -1}
	if !expires.IsZero() {
		c.MaxAge = max(1, int(expires.Sub(h.now()).Seconds()))
	}
	http.SetCookie(w, c)
}

// randomToken returns 256 random bits, URL-safe.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// safeReturn keeps a return address only if it is a path on this server:
// never another host ("//evil.example", "/\evil.example", "https://...").
func safeReturn(to string) string {
	if to == "" || !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.HasPrefix(to, "/\\") {
		return "/"
	}
	u, err := url.Parse(to)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return to
}

// clientAddress is the address the request came from: the connection's,
// which warroom serve sets to the client's behind the reverse proxies of
// --trusted-proxies (package forwarded).
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func withVisit(ctx context.Context, v *visit) context.Context {
	return context.WithValue(ctx, visitKey{}, v)
}
