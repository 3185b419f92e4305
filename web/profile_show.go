package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/warroom/warroom"
)

// profileView is the signed-in person's own settings: time zone, how
// they are reached when paged and when (contact methods, notification
// rules, a test notification), API tokens, the calendar feed of their
// shifts, and the browsers signed in as them.
type profileView struct {
	base
	Me       *warroom.User
	TimeZone string
	Contacts []*warroom.ContactMethod
	Channels []warroom.ContactChannel
	Contact  contactForm
	Rules    []ruleRow
	Tokens   []*warroom.Token
	Sessions []*warroom.WebSession
	Current  string // this browser's session ID
	// NewToken and FeedURL are shown once, on the answer that made them.
	NewToken, NewTokenName, FeedURL string
	Problem                         *problem
	// Section names the form Problem is about (tz, contact, rules,
	// token), so its message shows there.
	Section string
	Done    string
}

// ruleRow is one line of the notification rules form: a contact method
// and the minutes to wait after the page before using it.
type ruleRow struct {
	ContactID string
	Minutes   string
}

// profileShow is the signed-in person's profile.
func (h *Handler) profileShow(w http.ResponseWriter, r *http.Request) error {
	v, err := h.profilePage(r)
	if err != nil {
		return err
	}
	v.Done = r.URL.Query().Get("done")
	return h.ok(w, "profile_show", v)
}

// profilePage reads what the profile shows. The person is read again:
// the session's copy may predate a change just made.
func (h *Handler) profilePage(r *http.Request) (*profileView, error) {
	me, err := h.store.FindUser(r.Context(), currentUser(r).ID)
	if err != nil {
		return nil, err
	}
	v := &profileView{base: h.base(r, "Your profile"), Me: me, TimeZone: me.TimeZone,
		Channels: []warroom.ContactChannel{warroom.ContactEmail, warroom.ContactSlack, warroom.ContactWebhook},
		Contact:  contactForm{Channel: string(warroom.ContactEmail)}}
	if s := visitOf(r).session; s != nil {
		v.Current = s.ID
	}
	if h.pages.escalations != nil {
		if v.Contacts, err = h.pages.escalations.ListContactMethods(r.Context(), me.ID); err != nil {
			return nil, err
		}
		rules, err := h.pages.escalations.ListNotificationRules(r.Context(), me.ID)
		if err != nil {
			return nil, err
		}
		for _, n := range rules {
			v.Rules = append(v.Rules, ruleRow{ContactID: n.ContactMethodID, Minutes: minutes(time.Duration(n.Delay))})
		}
		v.Rules = append(v.Rules, ruleRow{}) // room for one more
	}
	if v.Tokens, err = h.store.ListTokens(r.Context(), me.ID); err != nil {
		return nil, err
	}
	if v.Sessions, err = h.store.ListSessions(r.Context(), me.ID, h.now()); err != nil {
		return nil, err
	}
	return v, nil
}

// profileProblem shows the profile again with a form's refusal in its
// section; other errors are the error page.
func (h *Handler) profileProblem(w http.ResponseWriter, r *http.Request, section string, err error, keep func(*profileView), fields ...string) error {
	code, ok := formProblem(err)
	if !ok {
		return err
	}
	v, perr := h.profilePage(r)
	if perr != nil {
		return perr
	}
	keep(v)
	v.Problem, v.Section = newProblem(err, fields...), section
	return h.render(w, code, "profile_show", v)
}

// minutes prints a delay in whole minutes.
func minutes(d time.Duration) string {
	return strconv.Itoa(int(d / time.Minute))
}
