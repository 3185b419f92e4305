package sso

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/warroom/warroom"
)

// TestLazyRetriesDiscovery: while the provider is down, sign-in answers
// ErrUnavailable without asking it more than every DiscoveryRetry; once
// it is back, the next attempt after the wait discovers it and works.
func TestLazyRetriesDiscovery(t *testing.T) {
	e := newEnv(t)
	issuer, _ := url.Parse(e.idp.Addr())
	var up atomic.Bool
	var asked atomic.Int32
	proxy := httputil.NewSingleHostReverseProxy(issuer)
	// The provider as warroom reaches it: a proxy in front of it that
	// answers 503 while "down"; warroom's HTTP client sends every request
	// to the proxy (rewriteHost), so the issuer stays the provider's.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		if !up.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()

	cfg := e.sso.cfg
	cfg.IssuerURL = e.idp.Issuer()
	cfg.HTTPClient = &http.Client{Transport: rewriteHost{to: front.URL, inner: http.DefaultTransport}}
	lazy, err := NewLazy(cfg, e.store, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	start := func() (int, error) {
		rec := httptest.NewRecorder()
		err := lazy.Start(rec, httptest.NewRequest("GET", "/login", nil), "/incidents")
		return rec.Code, err
	}
	if _, err := start(); !errors.Is(err, ErrUnavailable) || warroom.ErrorCode(err) != warroom.EUnavailable {
		t.Fatalf("provider down: %v, want ErrUnavailable", err)
	}
	up.Store(true)
	if _, err := start(); !errors.Is(err, ErrUnavailable) || asked.Load() != 1 {
		t.Fatalf("within %s of the failure: %v after %d requests, want the remembered error and no new request", DiscoveryRetry, err, asked.Load())
	}
	e.clock.Advance(DiscoveryRetry)
	if code, err := start(); err != nil || code != http.StatusFound {
		t.Fatalf("provider back: %d, %v", code, err)
	}
	if lazy.CallbackPath() != callbackPath {
		t.Errorf("callback path %q", lazy.CallbackPath())
	}
	if _, err := lazy.Provider(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// rewriteHost sends every request to another host (the proxy in front
// of the provider), keeping the path.
type rewriteHost struct {
	to    string
	inner http.RoundTripper
}

func (rh rewriteHost) RoundTrip(r *http.Request) (*http.Response, error) {
	u, _ := url.Parse(rh.to)
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = u.Scheme, u.Host, u.Host
	return rh.inner.RoundTrip(r)
}
