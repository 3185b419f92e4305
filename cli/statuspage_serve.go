package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/sqlstore"
	"github.com/warroom/warroom/statuspage"
)

// statusConfig is the status page part of the server's configuration
// (docs/status-page.md).
type statusConfig struct {
	Listen    string // its own listen address, serving only /status; "": none
	PublicURL string // where the public reaches the page's server; "": public-url
	Name      string
	LogoURL   string
	Links     statusLinks
	TimeZone  string
}

func defaultStatusConfig() statusConfig {
	return statusConfig{Name: "Status", TimeZone: "UTC"}
}

func statusSettings() []setting[serveConfig] {
	p := func(f func(*statusConfig) any) func(*serveConfig) any {
		return func(c *serveConfig) any { return f(&c.Status) }
	}
	return []setting[serveConfig]{
		{"status-listen", "a second listen address serving only the public status page (/status), to face the internet while the rest stays internal; empty: none",
			p(func(c *statusConfig) any { return &c.Listen })},
		{"status-public-url", "URL the public reaches the status page's server at (links in mails and feeds); empty: --public-url",
			p(func(c *statusConfig) any { return &c.PublicURL })},
		{"status-name", "the organisation's name at the top of the status page", p(func(c *statusConfig) any { return &c.Name })},
		{"status-logo-url", "URL of the logo shown on the status page; empty: none", p(func(c *statusConfig) any { return &c.LogoURL })},
		{"status-links", "links in the status page's header, NAME=URL, comma-separated", p(func(c *statusConfig) any { return &c.Links })},
		{"status-time-zone", "IANA time zone the status page's days and times are in", p(func(c *statusConfig) any { return &c.TimeZone })},
	}
}

// validate reports the first status setting that makes no sense.
func (c statusConfig) validate() error {
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		return usageErrorf("--status-time-zone %q is not an IANA time zone (e.g. Europe/Paris)", c.TimeZone)
	}
	if c.PublicURL != "" && !isHTTPURL(c.PublicURL) {
		return usageErrorf("--status-public-url %q is not an http(s) URL", c.PublicURL)
	}
	if c.LogoURL != "" && !isHTTPURL(c.LogoURL) {
		return usageErrorf("--status-logo-url %q is not an http(s) URL", c.LogoURL)
	}
	if strings.TrimSpace(c.Name) == "" {
		return usageErrorf("--status-name is empty")
	}
	return nil
}

// statusLinks is --status-links: NAME=URL, comma-separated.
type statusLinks []statuspage.Link

// Set parses the setting.
func (l *statusLinks) Set(v string) error {
	out := statusLinks{}
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, u, ok := strings.Cut(part, "=")
		if !ok || strings.TrimSpace(name) == "" || !isHTTPURL(strings.TrimSpace(u)) {
			return fmt.Errorf("%q is not NAME=URL with an http(s) URL, e.g. Support=https://example.com/support", part)
		}
		out = append(out, statuspage.Link{Name: strings.TrimSpace(name), URL: strings.TrimSpace(u)})
	}
	*l = out
	return nil
}

func (l statusLinks) String() string {
	var parts []string
	for _, x := range l {
		parts = append(parts, x.Name+"="+x.URL)
	}
	return strings.Join(parts, ",")
}

// startStatusPage builds the status page on the store: its links are
// signed with a key derived from the ack secret, its notices go out by the
// server's email and (outbound-guarded) webhook notifiers.
func (a *app) startStatusPage(cfg serveConfig, store *sqlstore.Store, sender *notify.Registry, secret []byte, baseURL string, log *slog.Logger) (*statuspage.Service, error) {
	loc, err := time.LoadLocation(cfg.Status.TimeZone)
	if err != nil {
		return nil, usageErrorf("--status-time-zone: %v", err)
	}
	pub := cfg.Status.PublicURL
	if pub == "" {
		pub = baseURL
	}
	return statuspage.New(statuspage.Config{Store: store, Now: a.now, Policy: cfg.Policy, Sender: sender, Key: secret,
		BaseURL: pub, Name: cfg.Status.Name, LogoURL: cfg.Status.LogoURL, Links: cfg.Status.Links, Location: loc, Logger: log,
		CheckURL: cfg.Paging.outboundPolicy().CheckURL})
}

// withStatusPage serves the public page at /status in front of the rest.
func withStatusPage(sp *statuspage.Service, rest http.Handler) http.Handler {
	public := sp.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/status" || strings.HasPrefix(r.URL.Path, "/status/") {
			public.ServeHTTP(w, r)
			return
		}
		rest.ServeHTTP(w, r)
	})
}

// statusListener serves only the status page on --status-listen until
// ctx is done; the cache follows incident commits.
func statusListener(cfg serveConfig, sp *statuspage.Service, store *sqlstore.Store, log *slog.Logger) (func(context.Context), error) {
	var ln net.Listener
	if cfg.Status.Listen != "" {
		var err error
		if ln, err = net.Listen("tcp", cfg.Status.Listen); err != nil {
			return nil, fmt.Errorf("listen on %s: %w (choose another with --status-listen)", cfg.Status.Listen, err)
		}
		log.Info("status page listening", "addr", ln.Addr().String())
	}
	return func(ctx context.Context) {
		if err := sp.Follow(ctx, store); err != nil {
			log.Warn("the status page cannot follow commits; its cache expires on its own", "err", err)
		}
		if ln == nil {
			return
		}
		srv := &http.Server{Handler: cfg.TrustedProxies.Handler(sp.Handler()), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("status page listener failed", "err", err)
			}
		}()
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		<-done
	}, nil
}
