package cli

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
)

// pagingConfig is the paging part of the server's configuration: how
// pages reach people (SMTP, Slack, webhooks), where incidents are
// announced, who is paged for a missing Incident Commander, and the key
// that signs one-click acknowledgement links.
type pagingConfig struct {
	// AckSecret signs one-click ack links (at least 16 characters). Empty:
	// with SQLite, a random secret kept in a file beside the database
	// (PATH.ack-secret, mode 0600), made on first start; with PostgreSQL a
	// random one per process, so links break on restart and across
	// replicas: set it there.
	AckSecret          string
	SMTPAddr           string // host:port of the mail relay; empty: no email
	SMTPFrom           string
	SMTPUsername       string
	SMTPPassword       string
	SlackToken         string // bot token with chat:write; empty: no Slack Web API
	SlackAPIURL        string // Slack Web API root; default https://slack.com/api
	WebhookSecret      string // signs webhook pages and announcements (HMAC-SHA256)
	Announce           string // comma-separated CHANNEL:ADDRESS where incidents are announced
	ICEscalationPolicy string // paged when no Incident Commander joins in time
	// Throttle limits the sends to each destination, by channel (paging
	// Config.Throttles); defaultThrottles for the channels not set.
	Throttle throttleSetting
	// OutboundAllow lists the internal ranges user-set destinations may
	// reach (outbound.go).
	OutboundAllow allowSetting
}

func pagingSettings() []setting[serveConfig] {
	p := func(f func(*pagingConfig) any) func(*serveConfig) any {
		return func(c *serveConfig) any { return f(&c.Paging) }
	}
	return []setting[serveConfig]{
		{"ack-secret", "key that signs one-click acknowledgement links (16+ characters; prefer the environment or config file); " +
			"default: SQLite keeps a random one in PATH.ack-secret beside the database, PostgreSQL needs it set", p(func(c *pagingConfig) any { return &c.AckSecret })},
		{"smtp-addr", "mail relay host:port for email pages (port 465: TLS from the start, else STARTTLS when offered); empty: no email", p(func(c *pagingConfig) any { return &c.SMTPAddr })},
		{"smtp-from", "sender of email pages, e.g. \"warroom <warroom@example.com>\"", p(func(c *pagingConfig) any { return &c.SMTPFrom })},
		{"smtp-username", "SMTP AUTH user (sent over TLS only)", p(func(c *pagingConfig) any { return &c.SMTPUsername })},
		{"smtp-password", "SMTP AUTH password (prefer the environment or config file)", p(func(c *pagingConfig) any { return &c.SMTPPassword })},
		{"slack-token", "Slack bot token (xoxb-..., scope chat:write) for Slack pages and announcements; empty: none", p(func(c *pagingConfig) any { return &c.SlackToken })},
		{"slack-api-url", "Slack Web API base URL", p(func(c *pagingConfig) any { return &c.SlackAPIURL })},
		{"webhook-secret", "HMAC key signing webhook pages and announcements; required for webhook contact methods", p(func(c *pagingConfig) any { return &c.WebhookSecret })},
		{"announce", "where incidents are announced, comma-separated: slack:CHANNEL_ID, slack-webhook:URL, email:ADDRESS, webhook:URL", p(func(c *pagingConfig) any { return &c.Announce })},
		{"ic-escalation-policy", "escalation policy (name or ID) paged when no Incident Commander joined in time", p(func(c *pagingConfig) any { return &c.ICEscalationPolicy })},
		{"outbound-allow", "CIDR ranges (comma-separated) that webhook contact methods set by users may reach although they are loopback, " +
			"private, link-local, CGNAT or cloud-metadata addresses, which are refused otherwise, e.g. 10.20.0.0/16; " +
			"announcement webhooks, set by the admin, are never refused", p(func(c *pagingConfig) any { return &c.OutboundAllow })},
		{"throttle", "limits on sends to one destination (inbox, URL, Slack channel), by channel: CHANNEL=COUNT/WINDOW[,COUNT/WINDOW...], " +
			"CHANNEL email, webhook, slack or slack-webhook, WINDOW at most 24h, e.g. --throttle email=10/1m,30/1h --throttle webhook=60/1m,600/1h " +
			"(repeatable; in the environment and config file separate channels with ';'); a message over a limit waits, and says why; " +
			"channels not given keep their defaults", p(func(c *pagingConfig) any { return &c.Throttle })},
	}
}

// throttleSetting is --throttle: the throttle of each notify channel.
type throttleSetting map[string]notify.Throttle

// defaultThrottles is notify.DefaultThrottle for every channel: a short
// window against bursts and a longer one against a slow flood (the
// reasons are written there).
func defaultThrottles() throttleSetting {
	t := throttleSetting{}
	for _, ch := range announceChannels {
		t[ch] = notify.DefaultThrottle(ch)
	}
	return t
}

// maxThrottleWindow is the longest window a throttle may have: the sends
// it counts are deleted after --message-retention, at least 24h.
const maxThrottleWindow = minMessageRetention

// Set replaces the throttles of the channels s names, e.g.
// "email=10/1m,30/1h;webhook=60/1m,600/1h"; the others keep theirs.
func (t *throttleSetting) Set(s string) error {
	named := throttleSetting{}
	for entry := range strings.SplitSeq(s, listSeparator) {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, limits, ok := strings.Cut(entry, "=")
		name = strings.TrimSpace(name)
		if !ok {
			return fmt.Errorf("%q: write CHANNEL=COUNT/WINDOW[,COUNT/WINDOW...], e.g. email=10/1m,30/1h", entry)
		}
		ch, ok := announceChannels[name]
		if !ok {
			return fmt.Errorf("%q: unknown channel %q; use email, webhook, slack or slack-webhook", entry, name)
		}
		if _, dup := named[ch]; dup {
			return fmt.Errorf("channel %s is given twice", name)
		}
		windows, err := parseWindows(limits)
		if err != nil {
			return fmt.Errorf("%q: %w", entry, err)
		}
		named[ch] = notify.Throttle{Windows: windows}
	}
	if len(named) == 0 {
		return errors.New("no channel given; write CHANNEL=COUNT/WINDOW[,COUNT/WINDOW...], e.g. email=10/1m,30/1h")
	}
	if *t == nil {
		*t = throttleSetting{}
	}
	for ch, th := range named {
		(*t)[ch] = th
	}
	return nil
}

// parseWindows parses "10/1m,30/1h": at most COUNT sends in any WINDOW.
func parseWindows(s string) ([]notify.Window, error) {
	var out []notify.Window
	for limit := range strings.SplitSeq(s, ",") {
		limit = strings.TrimSpace(limit)
		count, window, ok := strings.Cut(limit, "/")
		if !ok {
			return nil, fmt.Errorf("limit %q is not COUNT/WINDOW, e.g. 10/1m", limit)
		}
		n, err := strconv.Atoi(strings.TrimSpace(count))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("count %q is not a whole number of at least 1", count)
		}
		per, err := time.ParseDuration(strings.TrimSpace(window))
		if err != nil || per <= 0 {
			return nil, fmt.Errorf("window %q is not a positive duration like 30s, 1m or 1h", window)
		}
		if per > maxThrottleWindow {
			return nil, fmt.Errorf("window %s is longer than %s: sends are kept only that long (--message-retention at its shortest), so it could not count them",
				warroom.ShortDuration(per), warroom.ShortDuration(maxThrottleWindow))
		}
		for _, w := range out {
			if w.Per == per {
				return nil, fmt.Errorf("window %s is given twice (%d/%s and %s); give each window one count", warroom.ShortDuration(per), w.Count, warroom.ShortDuration(w.Per), limit)
			}
		}
		out = append(out, notify.Window{Count: n, Per: per})
	}
	return out, nil
}

// String writes the throttles as Set reads them, channels in name order.
func (t *throttleSetting) String() string {
	var names []string
	for name, ch := range announceChannels {
		if _, ok := (*t)[ch]; ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var entries []string
	for _, name := range names {
		var limits []string
		for _, w := range (*t)[announceChannels[name]].Windows {
			limits = append(limits, strconv.Itoa(w.Count)+"/"+warroom.ShortDuration(w.Per))
		}
		entries = append(entries, name+"="+strings.Join(limits, ","))
	}
	return strings.Join(entries, listSeparator)
}

func (*throttleSetting) repeatable() {}

// validate reports the first paging setting that makes no sense.
func (c *pagingConfig) validate() error {
	if c.AckSecret != "" && len(c.AckSecret) < 16 {
		return usageErrorf("--ack-secret must have at least 16 characters")
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			return usageErrorf("--smtp-addr %q is not host:port", c.SMTPAddr)
		}
		if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
			return usageErrorf("--smtp-from %q is not an address; email pages need one", c.SMTPFrom)
		}
	}
	if c.SlackAPIURL != "" && !isHTTPURL(c.SlackAPIURL) {
		return usageErrorf("--slack-api-url %q is not an http(s) URL", c.SlackAPIURL)
	}
	_, err := c.announce()
	return err
}

// announceChannels maps the --announce prefixes to notify channels.
var announceChannels = map[string]string{
	"slack":         notify.ChannelSlack,
	"slack-webhook": notify.ChannelSlackWebhook,
	"email":         notify.ChannelEmail,
	"webhook":       notify.ChannelWebhook,
}

// announce parses --announce.
func (c *pagingConfig) announce() ([]paging.Destination, error) {
	var out []paging.Destination
	for entry := range strings.SplitSeq(c.Announce, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		kind, addr, _ := strings.Cut(entry, ":")
		ch, ok := announceChannels[kind]
		if !ok || addr == "" {
			return nil, usageErrorf("--announce %q: write CHANNEL:ADDRESS with CHANNEL slack, slack-webhook, email or webhook", entry)
		}
		d := paging.Destination{Channel: ch, Address: addr}
		switch ch {
		case notify.ChannelEmail:
			if _, err := mail.ParseAddress(addr); err != nil {
				return nil, usageErrorf("--announce %q: not an email address", entry)
			}
			if c.SMTPAddr == "" {
				return nil, usageErrorf("--announce %q needs --smtp-addr", entry)
			}
		case notify.ChannelSlack:
			if c.SlackToken == "" {
				return nil, usageErrorf("--announce %q needs --slack-token", entry)
			}
		case notify.ChannelSlackWebhook, notify.ChannelWebhook:
			if u, err := url.Parse(addr); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return nil, usageErrorf("--announce %q: not an http(s) URL", kind+":…")
			}
			if ch == notify.ChannelWebhook {
				if c.WebhookSecret == "" {
					return nil, usageErrorf("--announce webhook:… needs --webhook-secret to sign it")
				}
				d.Secret = c.WebhookSecret
			}
		}
		out = append(out, d)
	}
	return out, nil
}
