package web

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/sso"
)

// lateSSO is the single sign-on of a test server, whose redirect URL is
// known only once the server listens: the provider is set after New.
type lateSSO struct {
	mu sync.Mutex
	p  *sso.Provider
}

func (l *lateSSO) provider() *sso.Provider { l.mu.Lock(); defer l.mu.Unlock(); return l.p }

func (l *lateSSO) Start(w http.ResponseWriter, r *http.Request, returnTo string) error {
	return l.provider().Start(w, r, returnTo)
}

func (l *lateSSO) Finish(w http.ResponseWriter, r *http.Request) (*warroom.User, string, error) {
	return l.provider().Finish(w, r)
}

func (l *lateSSO) CallbackPath() string { return sso.DefaultCallbackPath }

// TestSingleSignOnThroughTheWebUI: the sign-in page offers single
// sign-on; the button goes to the identity provider (a real OIDC
// provider speaking discovery, authorization, token and JWKS), its
// answer at the callback starts a session and returns the browser to the
// page it asked for; the same answer replayed by another browser is
// refused on the sign-in page and starts no session.
func TestSingleSignOnThroughTheWebUI(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		idp, err := mockoidc.Run()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = idp.Shutdown() })
		late := &lateSSO{}
		e := newEnvOn(t, openStore(t, testDSN(t, db)), func(c *Config) { c.SSO, c.SSOLabel = late, "Sign in with Example SSO" })
		// The provider stamps tokens with its own (real) time, so the
		// token's expiry is checked on the real clock here; expiry on an
		// injected clock is package sso's test.
		p, err := sso.New(context.Background(), sso.Config{IssuerURL: idp.Issuer(), ClientID: idp.ClientID,
			ClientSecret: idp.ClientSecret, RedirectURL: e.srv.URL + sso.DefaultCallbackPath, AllowSignup: true},
			e.store, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		late.mu.Lock()
		late.p = p
		late.mu.Unlock()

		b := e.browser()
		if _, body := b.get("/signin?return=/incidents"); !strings.Contains(body, "Sign in with Example SSO") ||
			!strings.Contains(body, ssoStartPath+"?return=%2fincidents") {
			t.Fatalf("the sign-in page offers no single sign-on:\n%s", body)
		}
		resp, _ := b.get(ssoStartPath + "?return=/incidents")
		toIdP, err := resp.Location()
		if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(toIdP.String(), idp.Issuer()) {
			t.Fatalf("start: %d, Location %v", resp.StatusCode, toIdP)
		}
		resp, _ = b.do(mustRequest(t, toIdP.String()))
		callback, err := resp.Location()
		if resp.StatusCode != http.StatusFound || err != nil || callback.Path != sso.DefaultCallbackPath {
			t.Fatalf("provider: %d, Location %v", resp.StatusCode, callback)
		}
		resp, body := b.do(mustRequest(t, callback.String()))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/incidents" || b.cookie(sessionCookie) == "" {
			t.Fatalf("callback: %d, Location %q, session %q: %s", resp.StatusCode, resp.Header.Get("Location"), b.cookie(sessionCookie), body)
		}
		u, err := e.store.FindUserByEmail(context.Background(), mockoidc.DefaultUser().Email)
		if err != nil {
			t.Fatalf("the provider's user was not created: %v", err)
		}
		if resp, body := b.get("/incidents"); resp.StatusCode != http.StatusOK || !strings.Contains(body, u.Handle) {
			t.Fatalf("signed in by single sign-on, /incidents: %d, no %q", resp.StatusCode, u.Handle)
		}

		other := e.browser()
		resp, body = other.do(mustRequest(t, callback.String()))
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, warroom.ErrorMessage(sso.ErrState)) ||
			other.cookie(sessionCookie) != "" {
			t.Fatalf("replayed callback: %d, session %q: %s", resp.StatusCode, other.cookie(sessionCookie), body)
		}
	})
}

func mustRequest(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
