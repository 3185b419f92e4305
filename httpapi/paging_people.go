package httpapi

import (
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

func (s *Server) listContactMethods(w http.ResponseWriter, r *http.Request) error {
	store, err := s.escalationStore()
	if err != nil {
		return err
	}
	u, err := s.contactOwner(r)
	if err != nil {
		return err
	}
	list, err := store.ListContactMethods(r.Context(), u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, contactList{ContactMethods: nonNil(list)})
	return nil
}

func (s *Server) createContactMethod(w http.ResponseWriter, r *http.Request) error {
	store, err := s.escalationStore()
	if err != nil {
		return err
	}
	var in contactInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	in.Address = strings.TrimSpace(in.Address)
	if err := validateContact(in); err != nil {
		return err
	}
	u, err := s.contactOwner(r)
	if err != nil {
		return err
	}
	m := &warroom.ContactMethod{UserID: u.ID, Channel: in.Channel, Address: in.Address}
	if err := store.CreateContactMethod(r.Context(), m); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

// validateContact checks an address against its channel.
func validateContact(in contactInput) error {
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
	store, err := s.escalationStore()
	if err != nil {
		return err
	}
	u, err := s.contactOwner(r)
	if err != nil {
		return err
	}
	list, err := store.ListContactMethods(r.Context(), u.ID)
	if err != nil {
		return err
	}
	id := r.PathValue("contact")
	i := slices.IndexFunc(list, func(m *warroom.ContactMethod) bool { return m.ID == id })
	if i < 0 {
		return warroom.Errorf(warroom.ENotFound, "@%s has no contact method %s", u.Handle, id)
	}
	rules, err := store.ListNotificationRules(r.Context(), u.ID)
	if err != nil {
		return err
	}
	if kept := slices.DeleteFunc(slices.Clone(rules), func(n warroom.NotificationRule) bool { return n.ContactMethodID == id }); len(kept) != len(rules) {
		if err := store.SetNotificationRules(r.Context(), u.ID, kept); err != nil {
			return err
		}
	}
	if err := store.DeleteContactMethod(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[i])
	return nil
}

func (s *Server) listNotificationRules(w http.ResponseWriter, r *http.Request) error {
	store, err := s.escalationStore()
	if err != nil {
		return err
	}
	u, err := s.contactOwner(r)
	if err != nil {
		return err
	}
	rules, err := store.ListNotificationRules(r.Context(), u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ruleList{Rules: nonNil(rules)})
	return nil
}

// setNotificationRules replaces a user's rules. Every rule names one of
// the user's own contact methods.
func (s *Server) setNotificationRules(w http.ResponseWriter, r *http.Request) error {
	store, err := s.escalationStore()
	if err != nil {
		return err
	}
	var in rulesInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	if len(in.Rules) > maxRules {
		return warroom.Invalid("rules", "at most %d notification rules", maxRules)
	}
	u, err := s.contactOwner(r)
	if err != nil {
		return err
	}
	methods, err := store.ListContactMethods(r.Context(), u.ID)
	if err != nil {
		return err
	}
	for _, n := range in.Rules {
		if !slices.ContainsFunc(methods, func(m *warroom.ContactMethod) bool { return m.ID == n.ContactMethodID }) {
			return warroom.Invalid("rules.contact_method_id", "@%s has no contact method %q", u.Handle, n.ContactMethodID)
		}
		if n.Delay < 0 || time.Duration(n.Delay) > maxRuleDelay {
			return warroom.Invalid("rules.delay", "a delay is between 0 (at once) and 24h")
		}
	}
	if err := store.SetNotificationRules(r.Context(), u.ID, nonNil(in.Rules)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ruleList{Rules: nonNil(in.Rules)})
	return nil
}
