package warroom

import (
	"context"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// A person's contact methods and notification rules are theirs to manage;
// an admin manages anyone's. These are the rules every way of managing
// them (the API, the web pages) applies.

// Notification rule limits: a page that waits longer than a day is no
// page, and more rules than this is a mistake.
const (
	MaxRuleDelay         = 24 * time.Hour
	MaxNotificationRules = 20
)

// slackID is a Slack user or channel ID, as chat.postMessage takes it.
var slackID = regexp.MustCompile(`^[CDGUW][A-Z0-9]{2,}$`)

// CanManageContacts reports whether me may manage the contact methods
// and notification rules of owner: their own, or anyone's for an admin.
// The error is EForbidden.
func CanManageContacts(me, owner *User) error {
	if owner.ID != me.ID && me.Role != AccountAdmin {
		return Errorf(EForbidden, "you may manage only your own contact methods and notification rules; admins manage anyone's")
	}
	return nil
}

// Validate trims the address and checks it against the channel: a plain
// e-mail address, a Slack user or channel ID, an absolute http(s) URL.
// Whether the server may send to the URL is the outbound policy's to say.
func (m *ContactMethod) Validate() error {
	m.Address = strings.TrimSpace(m.Address)
	if len(m.Address) > MaxAddressBytes {
		return Invalid("address", "address must be at most %d bytes", MaxAddressBytes)
	}
	switch m.Channel {
	case ContactEmail:
		if a, err := mail.ParseAddress(m.Address); err != nil || a.Address != m.Address {
			return Invalid("address", "an email contact needs a plain address like ada@example.com")
		}
	case ContactSlack:
		if !slackID.MatchString(m.Address) {
			return Invalid("address", "a slack contact needs a Slack user or channel ID like U0123ABCD or C0123ABCD")
		}
	case ContactWebhook:
		u, err := url.Parse(m.Address)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Invalid("address", "a webhook contact needs an absolute http or https URL")
		}
	default:
		return Invalid("channel", "channel must be email, slack or webhook")
	}
	return nil
}

// ValidateNotificationRules checks a person's whole list of rules: at
// most MaxNotificationRules, each naming one of their own contact
// methods, with a delay from 0 to MaxRuleDelay. handle names the person
// in the error.
func ValidateNotificationRules(handle string, rules []NotificationRule, methods []*ContactMethod) error {
	if err := CheckNotificationRuleCount(len(rules)); err != nil {
		return err
	}
	for _, n := range rules {
		if !slices.ContainsFunc(methods, func(m *ContactMethod) bool { return m.ID == n.ContactMethodID }) {
			return Invalid("rules.contact_method_id", "@%s has no contact method %q", handle, n.ContactMethodID)
		}
		if n.Delay < 0 || time.Duration(n.Delay) > MaxRuleDelay {
			return Invalid("rules.delay", "a delay is between 0 (at once) and 24h")
		}
	}
	return nil
}

// CheckNotificationRuleCount refuses more than MaxNotificationRules
// rules, which a request can be refused for before anything is read.
func CheckNotificationRuleCount(n int) error {
	if n > MaxNotificationRules {
		return Invalid("rules", "at most %d notification rules", MaxNotificationRules)
	}
	return nil
}

// DeleteContactMethod removes contact method id of owner and the
// notification rules that used it, and returns it. ENotFound when owner
// has no such method.
func DeleteContactMethod(ctx context.Context, store EscalationStore, owner *User, id string) (*ContactMethod, error) {
	list, err := store.ListContactMethods(ctx, owner.ID)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(list, func(m *ContactMethod) bool { return m.ID == id })
	if i < 0 {
		return nil, Errorf(ENotFound, "@%s has no contact method %s", owner.Handle, id)
	}
	rules, err := store.ListNotificationRules(ctx, owner.ID)
	if err != nil {
		return nil, err
	}
	if kept := slices.DeleteFunc(slices.Clone(rules), func(n NotificationRule) bool { return n.ContactMethodID == id }); len(kept) != len(rules) {
		if err := store.SetNotificationRules(ctx, owner.ID, kept); err != nil {
			return nil, err
		}
	}
	if err := store.DeleteContactMethod(ctx, id); err != nil {
		return nil, err
	}
	return list[i], nil
}
