package cli

import (
	"net/url"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/forwarded"
)

// proxiesSetting is --trusted-proxies (package forwarded).
type proxiesSetting struct{ forwarded.Proxies }

// Set parses addresses and ranges separated by commas or spaces.
func (p *proxiesSetting) Set(s string) error {
	v, err := forwarded.ParseProxies(s)
	if err != nil {
		return err
	}
	p.Proxies = v
	return nil
}

// serveConfig is the server's configuration, loaded once by `warroom
// serve` from flags, environment, config file and defaults (in that
// order of precedence) and passed to the constructors.
type serveConfig struct {
	Listen          string        // TCP address; port 0 picks a free port
	Database        string        // sqlite:PATH or postgres://...
	PublicURL       string        // where people reach the server, if not the listen address
	BridgeURL       string        // bridge link template; see warroom.BridgeURL
	MaxBodyBytes    int64         // request bodies over this are refused
	SweepInterval   time.Duration // how often the major-incident safety net runs
	ShutdownTimeout time.Duration // how long in-flight requests get on shutdown
	Policy          warroom.Policy
	Paging          pagingConfig
	Tracker         trackerConfig   // issue trackers' secrets and poll (tracker_serve.go)
	Retention       retentionConfig // how long finished work is kept (retention.go)
	SSO             ssoConfig       // OIDC single sign-on (sso_serve_config.go)
	Chat            chatConfig      // incident channels and ChatOps (chat_serve_config.go)
	Comms           commsConfig     // update cadence (comms_serve.go)
	Status          statusConfig    // the public status page (statuspage_serve.go)
	TrustedProxies  proxiesSetting  // reverse proxies whose X-Forwarded-For is believed
	AfterFire       afterFireConfig // handoffs and the return to baseline (afterfire_serve.go)
	// Postmortem: action items' time zone, blame patterns (postmortem_serve.go).
	Postmortem postmortemConfig
}

// defaultServeConfig returns the defaults: a local SQLite file and the
// process's documented policy, so that `warroom serve` needs no setup.
func defaultServeConfig() serveConfig {
	return serveConfig{
		Listen:          "127.0.0.1:8080",
		Database:        "sqlite:warroom.db",
		BridgeURL:       "", // no call link unless configured: a made-up default looks real
		MaxBodyBytes:    1 << 20,
		SweepInterval:   30 * time.Second,
		ShutdownTimeout: 10 * time.Second,
		Policy:          servePolicy(),
		Paging:          pagingConfig{Throttle: defaultThrottles()},
		Tracker:         defaultTrackerConfig(),
		Retention:       defaultRetention(),
		SSO:             defaultSSOConfig(),
		Chat:            defaultChatConfig(),
		Comms:           defaultCommsConfig(),
		Status:          defaultStatusConfig(),
		AfterFire:       defaultAfterFireConfig(),
		Postmortem:      defaultPostmortemConfig(),
	}
}

// databaseSetting is shared by serve and bootstrap, which must open the
// same database.
func databaseSetting() setting[serveConfig] {
	return setting[serveConfig]{"db", "database: sqlite:PATH or postgres://user@host/db", func(c *serveConfig) any { return &c.Database }}
}

// serveSettings are the settings of `warroom serve`.
func serveSettings() []setting[serveConfig] {
	p := func(f func(*warroom.Policy) any) func(*serveConfig) any {
		return func(c *serveConfig) any { return f(&c.Policy) }
	}
	settings := []setting[serveConfig]{
		{"listen", "address to listen on; port 0 picks a free one", func(c *serveConfig) any { return &c.Listen }},
		databaseSetting(),
		{"public-url", "URL people use to reach this server", func(c *serveConfig) any { return &c.PublicURL }},
		{"trusted-proxies", "addresses or CIDR ranges of the reverse proxies in front of warroom, comma-separated: from them the client's address is " +
			"read from X-Forwarded-For (sign-in limits per address, session records, status-page subscription limits); empty: the header is ignored",
			func(c *serveConfig) any { return &c.TrustedProxies }},
		{"bridge-url", "bridge (call) link of each incident; {number}, {ref} and {id} are replaced; empty for none", func(c *serveConfig) any { return &c.BridgeURL }},
		{"max-body-bytes", "largest request body accepted", func(c *serveConfig) any { return &c.MaxBodyBytes }},
		{"sweep-interval", "how often to check open incidents against the major-duration rule", func(c *serveConfig) any { return &c.SweepInterval }},
		{"shutdown-timeout", "how long in-flight requests may finish on shutdown", func(c *serveConfig) any { return &c.ShutdownTimeout }},
		{"major-severity", "policy: this severity or worse is a major incident", p(func(p *warroom.Policy) any { return &p.MajorSeverity })},
		{"major-duration", "policy: an incident lasting longer is major", p(func(p *warroom.Policy) any { return &p.MajorDuration })},
		{"major-teams", "policy: an incident involving more teams is major", p(func(p *warroom.Policy) any { return &p.MajorTeams })},
		{"first-responder-ic-timeout", "policy: how long the first responder works before picking an Incident Commander", p(func(p *warroom.Policy) any { return &p.FirstResponderICTimeout })},
		{"customer-update-interval", "policy: customers are updated at least this often", p(func(p *warroom.Policy) any { return &p.CustomerUpdateInterval })},
		{"handoff-grace", "policy: outgoing responders disengage this long after handoff", p(func(p *warroom.Policy) any { return &p.HandoffGrace })},
		{"postmortem-review-business-days", "policy: business days after recovery for the post mortem review", p(func(p *warroom.Policy) any { return &p.PostmortemReviewBusinessDays })},
		{"assess-target", "policy: target time for the initial impact assessment", p(func(p *warroom.Policy) any { return &p.AssessTarget })},
		{"alert-incident-limit", "policy: most incidents declared from the alerts of one service per window, COUNT/WINDOW (e.g. 3/10m) or off; " +
			"further new alert groups join the service's newest open incident", p(func(p *warroom.Policy) any { return &p.AlertIncidentLimit })},
	}
	settings = append(settings, trackerSettings()...)
	settings = append(settings, commsSettings()...)
	settings = append(settings, statusSettings()...)
	settings = append(settings, afterFireSettings()...)
	settings = append(settings, postmortemSettings()...)
	return append(append(append(append(settings, pagingSettings()...), retentionSettings()...), ssoSettings()...), chatSettings()...)
}

// validate reports the first setting that makes no sense.
func (c *serveConfig) validate() error {
	switch {
	case c.Listen == "":
		return usageErrorf("--listen is empty; use host:port, e.g. 127.0.0.1:8080")
	case c.Database == "":
		return usageErrorf("--db is empty; use sqlite:PATH or a postgres:// URL")
	case c.MaxBodyBytes < 1024:
		return usageErrorf("--max-body-bytes must be at least 1024")
	case c.SweepInterval <= 0 || c.ShutdownTimeout <= 0:
		return usageErrorf("--sweep-interval and --shutdown-timeout must be positive")
	}
	if c.PublicURL != "" && !isHTTPURL(c.PublicURL) {
		return usageErrorf("--public-url %q is not an http(s) URL", c.PublicURL)
	}
	if c.BridgeURL != "" && !isHTTPURL(warroom.BridgeURL(c.BridgeURL, 1, "id")) {
		return usageErrorf("--bridge-url %q is not an http(s) URL template", c.BridgeURL)
	}
	if err := c.Paging.validate(); err != nil {
		return err
	}
	if err := c.Retention.validate(); err != nil {
		return err
	}
	if _, _, err := c.SSO.config(c.PublicURL); err != nil {
		return err
	}
	if err := c.Chat.validate(c.Paging); err != nil {
		return err
	}
	if err := c.Status.validate(); err != nil {
		return err
	}
	if err := c.AfterFire.validate(); err != nil {
		return err
	}
	if err := c.Postmortem.validate(); err != nil {
		return err
	}
	if err := c.Policy.Validate(); err != nil {
		return usageErrorf("%s (--%s)", warroom.ErrorMessage(err), strings.ReplaceAll(warroom.ErrorField(err), "_", "-"))
	}
	return c.Comms.validate(c.Policy)
}

// isHTTPURL reports whether s is an absolute http(s) URL.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
