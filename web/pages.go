package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/outbound"
	"github.com/warroom/warroom/oncall"
	"github.com/warroom/warroom/paging"
)

// PagesConfig is what the alert, on-call, service, people and profile
// pages need besides Config's store: the paging engine (acknowledging,
// declaring and attaching alerts; test notifications) and the outbound
// policy for webhook contact methods, exactly as the API gets them.
// Without Paging, alerts are read-only and the actions answer 503.
type PagesConfig struct {
	Paging   *paging.Pager
	Outbound outbound.Policy
}

// ScheduleStore keeps on-call schedules (sqlstore implements it).
type ScheduleStore interface {
	// FindSchedule returns a schedule by ID or name; ENotFound.
	FindSchedule(ctx context.Context, idOrName string) (*oncall.Schedule, error)
	// ListSchedules returns every schedule.
	ListSchedules(ctx context.Context) ([]*oncall.Schedule, error)
	// UpdateSchedule replaces a schedule; ENotFound, EConflict.
	UpdateSchedule(ctx context.Context, s *oncall.Schedule) error
}

// MessageStore reads the notifications sent about alerts.
type MessageStore interface {
	ListMessages(ctx context.Context, incidentID, alertID string) ([]*notify.Outbox, error)
}

// pagesDeps are the stores and services of these pages; each store is
// the web store when it implements it (sqlstore does), else nil and the
// page answers 503.
type pagesDeps struct {
	pager       *paging.Pager
	outbound    outbound.Policy
	alerts      warroom.AlertStore
	escalations warroom.EscalationStore
	schedules   ScheduleStore
	messages    MessageStore
	publicURL   string
}

func newPagesDeps(cfg Config) *pagesDeps {
	d := &pagesDeps{pager: cfg.Pages.Paging, outbound: cfg.Pages.Outbound, publicURL: cfg.PublicURL}
	d.alerts, _ = cfg.Store.(warroom.AlertStore)
	d.escalations, _ = cfg.Store.(warroom.EscalationStore)
	d.schedules, _ = cfg.Store.(ScheduleStore)
	d.messages, _ = cfg.Store.(MessageStore)
	return d
}

// notConfigured is the answer of a page whose part of warroom this
// server runs without: 503, as the API answers.
func notConfigured(what string) error {
	return warroom.Errorf(warroom.EUnavailable, "%s is not configured on this server", what)
}

func (h *Handler) alertStore() (warroom.AlertStore, error) {
	if h.pages.alerts == nil {
		return nil, notConfigured("alerting")
	}
	return h.pages.alerts, nil
}

func (h *Handler) escalationStore() (warroom.EscalationStore, error) {
	if h.pages.escalations == nil {
		return nil, notConfigured("paging")
	}
	return h.pages.escalations, nil
}

func (h *Handler) scheduleStore() (ScheduleStore, error) {
	if h.pages.schedules == nil {
		return nil, notConfigured("on-call scheduling")
	}
	return h.pages.schedules, nil
}

func (h *Handler) pager() (*paging.Pager, error) {
	if h.pages.pager == nil {
		return nil, notConfigured("paging")
	}
	return h.pages.pager, nil
}

// pageRoutes registers the alert, on-call, service, people and profile
// pages (one file each, noun_verb.go).
func (h *Handler) pageRoutes() {
	h.handle("GET /alerts", signedIn, h.alertList)
	h.handle("GET /alerts/{alert}", signedIn, h.alertShow)
	h.handle("POST /alerts/{alert}/acknowledge", writer, h.alertAcknowledge)
	h.handle("POST /alerts/{alert}/declare", writer, h.alertDeclare)
	h.handle("POST /alerts/{alert}/attach", writer, h.alertAttach)

	h.handle("GET /oncall", signedIn, h.oncallShow)
	h.handle("GET /oncall/schedules/{schedule}", signedIn, h.scheduleShow)
	h.handle("POST /oncall/schedules/{schedule}/overrides", admin, h.overrideCreate)
	h.handle("GET /oncall/policies", signedIn, h.policyList)

	h.handle("GET /services", signedIn, h.serviceList)
	h.handle("GET /services/{service}", signedIn, h.serviceShow)
	h.handle("POST /services/{service}/integrations", admin, h.integrationCreate)
	h.handle("POST /services/{service}/integrations/{integration}/delete", admin, h.integrationDelete)

	h.handle("GET /people", signedIn, h.peopleList)
	h.handle("POST /people/users", admin, h.userCreate)
	h.handle("POST /people/teams", admin, h.teamCreate)
	h.handle("GET /people/{user}", admin, h.userShow)
	h.handle("POST /people/{user}", admin, h.userUpdate)
	h.handle("POST /people/{user}/sessions/{session}/revoke", admin, h.userSessionRevoke)
	h.handle("POST /people/{user}/sessions/revoke-all", admin, h.userSessionsRevokeAll)
	h.handle("GET /tokens", admin, h.tokenList)
	h.handle("POST /tokens/{token}/revoke", signedIn, h.tokenRevoke)

	h.handle("GET /profile", signedIn, h.profileShow)
	h.handle("POST /profile", signedIn, h.profileSave)
	h.handle("POST /profile/contacts", signedIn, h.contactCreate)
	h.handle("POST /profile/contacts/{contact}/delete", signedIn, h.contactDelete)
	h.handle("POST /profile/contacts/{contact}/test", signedIn, h.contactTest)
	h.handle("POST /profile/rules", signedIn, h.rulesSave)
	h.handle("POST /profile/tokens", signedIn, h.tokenCreate)
	h.handle("POST /profile/calendar", signedIn, h.calendarCreate)
	h.handle("POST /profile/sessions/{session}/revoke", signedIn, h.sessionRevoke)
	h.handle("POST /profile/sessions/revoke-others", signedIn, h.sessionsRevokeOthers)
}

// problem is a service's refusal of a form, shown next to the field it
// names (For) or above the form when it names none the form has (Other).
type problem struct {
	err    *warroom.Error
	fields []string
}

// newProblem keeps err for a form with the given fields; nil for nil.
func newProblem(err error, fields ...string) *problem {
	if err == nil {
		return nil
	}
	return &problem{err: asError(err), fields: fields}
}

// For is the message about field, or "".
func (p *problem) For(field string) string {
	if p == nil || p.err.Field != field {
		return ""
	}
	return p.err.Message
}

// Other is the message when it is about no field of the form, or "".
func (p *problem) Other() string {
	if p == nil {
		return ""
	}
	for _, f := range p.fields {
		if f == p.err.Field {
			return ""
		}
	}
	return p.err.Message
}

// formProblem answers a form the service refused: the user's mistakes
// (EInvalid, EConflict) re-render the form with the message next to the
// field and what was typed kept; anything else is the error page.
func formProblem(err error) (int, bool) {
	switch warroom.ErrorCode(err) {
	case warroom.EInvalid:
		return http.StatusBadRequest, true
	case warroom.EConflict:
		return http.StatusConflict, true
	}
	return 0, false
}

// pageNumber reads ?page= (from 1).
func pageNumber(r *http.Request) int {
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	return max(n, 1)
}

// Base is the view's base itself, for partials that need the viewer's
// time zone and CSRF token beside their own data.
func (b base) Base() base { return b }
