package cli

import (
	"net"
	"net/mail"
	"net/url"
	"strings"

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
	}
}

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
