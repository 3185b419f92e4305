package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/paging"
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

// contactOwner returns the user of the path if the caller may manage
// their contact methods and rules: their own, or anyone's for an admin.
func (s *Server) contactOwner(r *http.Request) (*warroom.User, error) {
	ref := strings.TrimPrefix(r.PathValue("user"), "@")
	u, err := s.store.FindUser(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	if err := warroom.CanManageContacts(caller(r), u); err != nil {
		return nil, err
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
		m := &warroom.ContactMethod{UserID: u.ID, Channel: in.Channel, Address: in.Address}
		if err := paging.AddContactMethod(ctx, store, s.paging.pager, s.outbound, m); err != nil {
			return nil, err
		}
		return m, nil
	})
}

// check trims the address and checks it against its channel
// (warroom.ContactMethod.Validate).
func (in *contactInput) check() error {
	m := warroom.ContactMethod{Channel: in.Channel, Address: in.Address}
	err := m.Validate()
	in.Address = m.Address
	return err
}

// deleteContactMethod removes a contact method and the notification
// rules that used it.
func (s *Server) deleteContactMethod(w http.ResponseWriter, r *http.Request) error {
	return s.ownerRoute(w, r, http.StatusOK, nil, func(ctx context.Context, store warroom.EscalationStore, u *warroom.User) (any, error) {
		return warroom.DeleteContactMethod(ctx, store, u, r.PathValue("contact"))
	})
}

// testContactMethod sends the user a test notification by one of their
// contact methods (paging.Pager.SendTestNotification) and answers the
// message, 202: it is delivered by the outbox like any other. The body
// is optional ({}).
func (s *Server) testContactMethod(w http.ResponseWriter, r *http.Request) error {
	var in struct{}
	if _, err := s.decodeOptional(w, r, &in); err != nil {
		return err
	}
	p, err := s.pager()
	if err != nil {
		return err
	}
	return s.ownerRoute(w, r, http.StatusAccepted, nil, func(ctx context.Context, _ warroom.EscalationStore, u *warroom.User) (any, error) {
		m, err := p.SendTestNotification(ctx, u, r.PathValue("contact"))
		if err != nil {
			return nil, err
		}
		return viewMessage(m, nil, isAdmin(r)), nil
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
	return warroom.CheckNotificationRuleCount(len(in.Rules))
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
		if err := warroom.ValidateNotificationRules(u.Handle, in.Rules, methods); err != nil {
			return nil, err
		}
		if err := store.SetNotificationRules(ctx, u.ID, nonNil(in.Rules)); err != nil {
			return nil, err
		}
		return ruleList{Rules: nonNil(in.Rules)}, nil
	})
}
