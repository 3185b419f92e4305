package httpapi

import (
	"context"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// contactInput is the body of POST /api/v1/users/{user}/contact-methods.
type contactInput struct {
	Channel warroom.ContactChannel `json:"channel"`
	Address string                 `json:"address"`
}

// contactList is the answer of GET .../contact-methods.
type contactList struct {
	ContactMethods []*warroom.ContactMethod `json:"contact_methods"`
}

// rulesInput is the body of PUT /api/v1/users/{user}/notification-rules:
// the whole list, which replaces the user's rules.
type rulesInput struct {
	Rules []warroom.NotificationRule `json:"rules"`
}

// ruleList is the answer of the notification-rules routes.
type ruleList struct {
	Rules []warroom.NotificationRule `json:"rules"`
}

// Notification rule limits: a page that waits longer than a day is no
// page, and more rules than this is a mistake.
const (
	maxRuleDelay = 24 * time.Hour
	maxRules     = 20
)

// slackID is a Slack user or channel ID, as chat.postMessage takes it.
var slackID = regexp.MustCompile(`^[CDGUW][A-Z0-9]{2,}$`)

// contactOwner returns the user of the path if the caller may manage
// their contact methods and rules: their own, or anyone's for an admin.
func (s *Server) contactOwner(r *http.Request) (*warroom.User, error) {
	ref := strings.TrimPrefix(r.PathValue("user"), "@")
	u, err := s.store.FindUser(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	if me := caller(r); u.ID != me.ID && me.Role != warroom.AccountAdmin {
		return nil, warroom.Errorf(warroom.EForbidden, "you may manage only your own contact methods and notification rules; admins manage anyone's")
	}
	return u, nil
}

// ownerRoute is resourceRoute for /api/v1/users/{user}/…: the paging
// store and the user, if the caller may manage them.
func (s *Server) ownerRoute(w http.ResponseWriter, r *http.Request, status int, in checkedInput,
	do func(ctx context.Context, store warroom.EscalationStore, u *warroom.User) (any, error)) error {
	return resourceRoute(s, w, r, status, s.escalationStore, s.contactOwner, in, do)
}

func (s *Server) listContactMethods(w http.ResponseWriter, r *http.Request) error {
	return s.ownerRoute(w, r, http.StatusOK, nil, func(ctx context.Context, store warroom.EscalationStore, u *warroom.User) (any, error) {
		list, err := store.ListContactMethods(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		return contactList{ContactMethods: nonNil(list)}, nil
	})
}

func (s *Server) createContactMethod(w http.ResponseWriter, r *http.Request) error {
	var in contactInput
	return s.ownerRoute(w, r, http.StatusCreated, &in, func(ctx context.Context, store warroom.EscalationStore, u *warroom.User) (any, error) {
		if pg := s.paging.pager; pg != nil {
			// A contact this server cannot send to (a webhook without
			// the signing secret) would be accepted and never notified.
			if err := pg.CheckContactChannel(in.Channel); err != nil {
				return nil, err
			}
		}
		if in.Channel == warroom.ContactWebhook {
			// Refused here already when the URL names an internal
			// address; a name is checked each time it is dialed.
			if err := s.outbound.CheckURL(in.Address); err != nil {
				return nil, warroom.Invalid("address", "%s", strings.TrimPrefix(err.Error(), "outbound: "))
			}
		}
		m := &warroom.ContactMethod{UserID: u.ID, Channel: in.Channel, Address: in.Address}
		if err := store.CreateContactMethod(ctx, m); err != nil {
			return nil, err
		}
		return m, nil
	})
}

// check trims the address and checks it against its channel.
func (in *contactInput) check() error {
	in.Address = strings.TrimSpace(in.Address)
	if len(in.Address) > warroom.MaxAddressBytes {
		return warroom.Invalid("address", "address must be at most %d bytes", warroom.MaxAddressBytes)
	}
	switch in.Channel {
	case warroom.ContactEmail:
		if a, err := mail.ParseAddress(in.Address); err != nil || a.Address != in.Address {
			return warroom.Invalid("address", "an email contact needs a plain address like ada@example.com")
		}
	case warroom.ContactSlack:
		if !slackID.MatchString(in.Address) {
			return warroom.Invalid("address", "a slack contact needs a Slack user or channel ID like U0123ABCD or C0123ABCD")
		}
	case warroom.ContactWebhook:
		u, err := url.Parse(in.Address)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return warroom.Invalid("address", "a webhook contact needs an absolute http or https URL")
		}
	default:
		return warroom.Invalid("channel", "channel must be email, slack or webhook")
	}
	return nil
}

// deleteContactMethod removes a contact method and the notification
// rules that used it.
func (s *Server) deleteContactMethod(w http.ResponseWriter, r *http.Request) error {
	return s.ownerRoute(w, r, http.StatusOK, nil, func(ctx context.Context, store warroom.EscalationStore, u *warroom.User) (any, error) {
		list, err := store.ListContactMethods(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		id := r.PathValue("contact")
		i := slices.IndexFunc(list, func(m *warroom.ContactMethod) bool { return m.ID == id })
		if i < 0 {
			return nil, warroom.Errorf(warroom.ENotFound, "@%s has no contact method %s", u.Handle, id)
		}
		rules, err := store.ListNotificationRules(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		if kept := slices.DeleteFunc(slices.Clone(rules), func(n warroom.NotificationRule) bool { return n.ContactMethodID == id }); len(kept) != len(rules) {
			if err := store.SetNotificationRules(ctx, u.ID, kept); err != nil {
				return nil, err
			}
		}
		if err := store.DeleteContactMethod(ctx, id); err != nil {
			return nil, err
		}
		return list[i], nil
	})
}

func (s *Server) listNotificationRules(w http.ResponseWriter, r *http.Request) error {
	return s.ownerRoute(w, r, http.StatusOK, nil, func(ctx context.Context, store warroom.EscalationStore, u *warroom.User) (any, error) {
		rules, err := store.ListNotificationRules(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		return ruleList{Rules: nonNil(rules)}, nil
	})
}

// check bounds the number of rules; what each rule names is checked
// against the user's contact methods once the user is known.
func (in *rulesInput) check() error {
	if len(in.Rules) > maxRules {
		return warroom.Invalid("rules", "at most %d notification rules", maxRules)
	}
	return nil
}

// setNotificationRules replaces a user's rules. Every rule names one of
// the user's own contact methods.
func (s *Server) setNotificationRules(w http.ResponseWriter, r *http.Request) error {
	var in rulesInput
	return s.ownerRoute(w, r, http.StatusOK, &in, func(ctx context.Context, store warroom.EscalationStore, u *warroom.User) (any, error) {
		methods, err := store.ListContactMethods(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		for _, n := range in.Rules {
			if !slices.ContainsFunc(methods, func(m *warroom.ContactMethod) bool { return m.ID == n.ContactMethodID }) {
				return nil, warroom.Invalid("rules.contact_method_id", "@%s has no contact method %q", u.Handle, n.ContactMethodID)
			}
			if n.Delay < 0 || time.Duration(n.Delay) > maxRuleDelay {
				return nil, warroom.Invalid("rules.delay", "a delay is between 0 (at once) and 24h")
			}
		}
		if err := store.SetNotificationRules(ctx, u.ID, nonNil(in.Rules)); err != nil {
			return nil, err
		}
		return ruleList{Rules: nonNil(in.Rules)}, nil
	})
}
