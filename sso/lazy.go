package sso

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/warroom/warroom"
)

// DiscoveryRetry is how long Lazy waits after a failed discovery before
// it asks the provider again.
const DiscoveryRetry = 30 * time.Second

// DefaultCallbackPath is where the server mounts Finish when the redirect
// URL is derived from the public URL.
const DefaultCallbackPath = "/auth/oidc/callback"

// Lazy is a Provider discovered on first use, and again on later uses
// while the provider cannot be reached (at most every DiscoveryRetry):
// warroom starts, and its API tokens and passwords keep working, while
// the identity provider is down, which is when an incident tool is
// needed most. It is safe for concurrent use.
type Lazy struct {
	cfg   Config
	users Users
	now   warroom.Clock

	mu      sync.Mutex
	p       *Provider
	lastErr error
	retryAt time.Time
}

// NewLazy checks cfg (EInvalid naming the field) without contacting the
// provider.
func NewLazy(cfg Config, users Users, now warroom.Clock) (*Lazy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Lazy{cfg: cfg, users: users, now: now}, nil
}

// Provider returns the discovered Provider, discovering it if it is
// time to try; the last discovery error (EUnavailable) otherwise.
func (l *Lazy) Provider(ctx context.Context) (*Provider, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.p != nil {
		return l.p, nil
	}
	if l.lastErr != nil && l.now().Before(l.retryAt) {
		return nil, l.lastErr
	}
	p, err := New(ctx, l.cfg, l.users, l.now)
	if err != nil {
		l.lastErr, l.retryAt = err, l.now().Add(DiscoveryRetry)
		return nil, err
	}
	l.p = p
	return p, nil
}

// CallbackPath is the path of the redirect URL: where Finish is mounted.
// It needs no discovery.
func (l *Lazy) CallbackPath() string {
	u, _ := url.Parse(l.cfg.RedirectURL) // Validate parsed it
	return u.EscapedPath()
}

// Start is Provider.Start; ErrUnavailable while discovery fails.
func (l *Lazy) Start(w http.ResponseWriter, r *http.Request, returnTo string) error {
	p, err := l.Provider(r.Context())
	if err != nil {
		return err
	}
	return p.Start(w, r, returnTo)
}

// Finish is Provider.Finish; ErrUnavailable while discovery fails.
func (l *Lazy) Finish(w http.ResponseWriter, r *http.Request) (*warroom.User, string, error) {
	p, err := l.Provider(r.Context())
	if err != nil {
		return nil, "", err
	}
	return p.Finish(w, r)
}
