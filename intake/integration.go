package intake

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/warroom/warroom"
)

// Integration keys chosen by a person: IntegrationKeyMin to
// IntegrationKeyMax characters of [A-Za-z0-9_-], which go unescaped in a
// URL path segment, a Bearer credential and a basic auth password; a
// pagerduty integration's key is its routing key, which the Events API
// (ours as PagerDuty's) takes only at exactly PagerDutyRoutingKeyLen
// characters. The minimum keeps a key unguessable enough to be the
// sender's only credential.
const (
	IntegrationKeyMin = 20
	IntegrationKeyMax = 128
)

// NewIntegration is what a person asks for to create an integration: its
// kind, a name (the kind's name when empty) and, optionally, the key a
// sender already uses (nil: a random one).
type NewIntegration struct {
	Kind warroom.IntegrationKind
	Name string
	Key  *string
}

// Check requires a known kind, names the integration after it when no
// name is given, and checks a given key (CheckKey). EInvalid naming the
// field at fault.
func (in *NewIntegration) Check() error {
	if !in.Kind.Valid() {
		return warroom.Invalid("kind", "kind must be alertmanager, pagerduty or webhook")
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		in.Name = string(in.Kind)
	}
	if len(in.Name) > 100 {
		return warroom.Invalid("name", "name must be at most 100 characters")
	}
	if in.Key != nil {
		return CheckKey(in.Kind, *in.Key)
	}
	return nil
}

// CheckKey validates a key given for an integration of kind:
// IntegrationKeyMin to IntegrationKeyMax characters of [A-Za-z0-9_-]; for
// pagerduty, exactly PagerDutyRoutingKeyLen.
func CheckKey(kind warroom.IntegrationKind, key string) error {
	if key == "" {
		return warroom.Invalid("key", "key is empty: give the key the sender uses, or omit key to have one generated")
	}
	for i, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return warroom.Invalid("key", "key may contain only letters A-Z and a-z, digits, '-' and '_'; %q at position %d is not allowed",
				r, utf8.RuneCountInString(key[:i])+1)
		}
	}
	n := len(key)
	if kind == warroom.IntegrationPagerDuty {
		if n != PagerDutyRoutingKeyLen {
			return warroom.Invalid("key", "the key of a pagerduty integration is its routing key, which is exactly %d characters; this one has %d",
				PagerDutyRoutingKeyLen, n)
		}
		return nil
	}
	if n < IntegrationKeyMin || n > IntegrationKeyMax {
		return warroom.Invalid("key", "key must be %d to %d characters; this one has %d", IntegrationKeyMin, IntegrationKeyMax, n)
	}
	return nil
}

// CreateIntegration stores a new integration of service serviceID as in
// (checked with Check first) asks, and returns it with its key: the only
// time the key exists outside the sender, since only its hash is stored.
// A random key is 32 hex digits, also a valid PagerDuty routing key. A key
// already used by any integration is the store's EConflict, which says
// nothing of whose it is.
func CreateIntegration(ctx context.Context, store warroom.AlertStore, serviceID string, in NewIntegration, now time.Time) (*warroom.Integration, string, error) {
	if err := in.Check(); err != nil {
		return nil, "", err
	}
	key := RandomKey()
	if in.Key != nil {
		key = *in.Key
	}
	ig := &warroom.Integration{ServiceID: serviceID, Kind: in.Kind, Name: in.Name, CreatedAt: now.UTC()}
	if err := store.CreateIntegration(ctx, ig, warroom.HashTokenSecret(key)); err != nil {
		return nil, "", err
	}
	return ig, key, nil
}

// SenderURL is where a sender of kind posts, on the server reached at
// base ("https://warroom.example.com"): for a webhook, with the key as
// the last path segment (a bearer token works as well); for PagerDuty,
// the Events API URL, the key going in routing_key.
func SenderURL(base string, kind warroom.IntegrationKind, key string) string {
	base = strings.TrimRight(base, "/")
	switch kind {
	case warroom.IntegrationAlertmanager:
		return base + "/webhook/" + url.PathEscape(key)
	case warroom.IntegrationPagerDuty:
		return base + "/v2/enqueue"
	}
	return base + "/api/v1/integrations/webhook/" + url.PathEscape(key)
}

// BaseURL is where people and senders reach this server: publicURL (the
// public-url setting) when set, else the scheme and host r came in on.
func BaseURL(publicURL string, r *http.Request) string {
	if base := strings.TrimRight(publicURL, "/"); base != "" {
		return base
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// AlertmanagerReceiver is a ready-to-paste Alertmanager receiver (the
// receivers: entry of alertmanager.yml) that sends to an integration of
// kind alertmanager (webhook_configs) or pagerduty (pagerduty_configs,
// the routing key and our Events API URL), named name. It is "" for
// other kinds.
func AlertmanagerReceiver(base, name string, kind warroom.IntegrationKind, key string) string {
	u := SenderURL(base, kind, key)
	switch kind {
	case warroom.IntegrationAlertmanager:
		return fmt.Sprintf("receivers:\n  - name: %s\n    webhook_configs:\n      - url: %s\n        send_resolved: true\n",
			yamlString(name), yamlString(u))
	case warroom.IntegrationPagerDuty:
		return fmt.Sprintf("receivers:\n  - name: %s\n    pagerduty_configs:\n      - routing_key: %s\n        url: %s\n        send_resolved: true\n",
			yamlString(name), yamlString(key), yamlString(u))
	}
	return ""
}

// yamlString quotes s for YAML: a double-quoted scalar, whose escapes
// are JSON's for the characters a name or URL holds.
func yamlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// DeleteIntegration removes integration id of service svc (an
// integration is named through its own service only) and returns it: its
// key stops working at once; its alerts stay. ENotFound.
func DeleteIntegration(ctx context.Context, store warroom.AlertStore, svc *warroom.Service, id string) (*warroom.Integration, error) {
	list, err := store.ListIntegrations(ctx, svc.ID)
	if err != nil {
		return nil, err
	}
	for _, ig := range list {
		if ig.ID == id {
			if err := store.DeleteIntegration(ctx, ig.ID); err != nil {
				return nil, err
			}
			return ig, nil
		}
	}
	return nil, warroom.Errorf(warroom.ENotFound, "service %s has no integration %s", svc.Slug, id)
}
