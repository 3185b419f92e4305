package web

import (
	"context"
	"html/template"
	"net/http"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/comms"
)

// updatesView is an incident's communications page: the cadence of its
// internal and customer updates (what is due, updates sent, deadlines
// missed, the longest gap), the executive summary, the form to send an
// update prefilled from the audience's template, the updates sent, newest
// first, and where the customer updates went.
type updatesView struct {
	base
	Inc        *warroom.Incident
	Cadence    []warroom.CadenceStatus
	Summary    string
	Audiences  []warroom.Audience
	Form       updateForm
	Updates    []*warroom.Update
	Deliveries []*warroom.CustomerDelivery
	Owners     map[string]string // user ID -> @handle

	// The first assessment (seed 003) and asking for help.
	Questions  []warroom.AssessmentQuestion
	Unanswered map[string]bool
	Assess     assessForm
	Teams      []*warroom.Team
	Policies   []*warroom.EscalationPolicy
	Help       helpForm
}

// assessForm is the assessment form; StartedAt is datetime-local text in
// the viewer's zone.
type assessForm struct {
	WhoAffected, ActualImpact, StartedAt string
	Errors                               map[string]string
}

// helpForm is the ask-for-help form: a team or an escalation policy.
type helpForm struct {
	Target, Reason string // Target is "team:<slug>" or "policy:<name>"
	Errors         map[string]string
}

// policyLister is the optional store of the help form's policies
// (sqlstore.Store is one).
type policyLister interface {
	ListEscalationPolicies(ctx context.Context) ([]*warroom.EscalationPolicy, error)
}

// updateForm is the send form.
type updateForm struct {
	Audience, Subject, Body string
	Errors                  map[string]string
}

// Is reports whether the form's audience is a (for the select).
func (f updateForm) Is(a warroom.Audience) bool { return f.Audience == string(a) }

// Duration shows a cadence duration ("30m"), "-" for none.
func (updatesView) Duration(d warroom.Duration) string {
	if d <= 0 {
		return "-"
	}
	return warroom.ShortDuration(time.Duration(d).Truncate(time.Second))
}

// Answer shows the answer to an assessment question.
func (v updatesView) Answer(field string) template.HTML {
	a := v.Inc.Assessment
	if a == nil {
		return ""
	}
	switch field {
	case "who_affected":
		return template.HTML(template.HTMLEscapeString(a.WhoAffected))
	case "actual_impact":
		return template.HTML(template.HTMLEscapeString(a.ActualImpact))
	case "started_at":
		if a.StartedAt != nil {
			return v.Time(*a.StartedAt)
		}
	}
	return ""
}

// Owner shows a user ID as @handle.
func (v updatesView) Owner(id string) string {
	if n, ok := v.Owners[id]; ok {
		return n
	}
	return id
}

func (h *Handler) commsService() (*comms.Service, error) {
	if h.comms == nil {
		return nil, warroom.Errorf(warroom.EUnavailable, "communications are not available on this server")
	}
	return h.comms, nil
}

// updatesShow is the communications page of an incident; ?audience=
// prefills the send form from that audience's template.
func (h *Handler) updatesShow(w http.ResponseWriter, r *http.Request) error {
	f := updateForm{Audience: r.URL.Query().Get("audience")}
	if !warroom.Audience(f.Audience).Valid() {
		f.Audience = string(warroom.AudienceInternal)
	}
	v, err := h.updatesPage(r, r.PathValue("ref"), f, true)
	if err != nil {
		return err
	}
	return h.ok(w, "updates_show", v)
}

// updatesPage reads everything the page shows, as the viewer sees it;
// prefill fills the form from the template.
func (h *Handler) updatesPage(r *http.Request, ref string, f updateForm, prefill bool) (*updatesView, error) {
	c, err := h.commsService()
	if err != nil {
		return nil, err
	}
	ctx, a := r.Context(), actor(r)
	inc, err := h.incidents.Get(ctx, a, ref)
	if err != nil {
		return nil, err
	}
	v := &updatesView{base: h.base(r, inc.Incident.Ref+" updates"), Inc: inc.Incident, Audiences: warroom.Audiences, Form: f,
		Owners: map[string]string{}}
	for id, handle := range inc.People {
		v.Owners[id] = "@" + handle
	}
	cad, err := c.Cadence(ctx, a, ref)
	if err != nil {
		return nil, err
	}
	v.Cadence = cad.Audiences
	for _, s := range v.Cadence {
		if _, ok := v.Owners[s.OwnerID]; !ok && s.OwnerID != "" {
			if u, err := h.store.FindUser(ctx, s.OwnerID); err == nil {
				v.Owners[s.OwnerID] = "@" + u.Handle
			}
		}
	}
	sum, err := c.Summary(ctx, a, ref)
	if err != nil {
		return nil, err
	}
	v.Summary = sum.Text
	if v.Updates, err = c.ListUpdates(ctx, a, ref, ""); err != nil {
		return nil, err
	}
	if v.Deliveries, err = c.Deliveries(ctx, a, ref); err != nil {
		return nil, err
	}
	v.Questions, v.Unanswered = warroom.AssessmentQuestions, map[string]bool{}
	for _, q := range warroom.Unanswered(v.Inc) {
		v.Unanswered[q] = true
	}
	if v.Teams, err = h.store.ListTeams(ctx); err != nil {
		return nil, err
	}
	if pl, ok := h.store.(policyLister); ok {
		if v.Policies, err = pl.ListEscalationPolicies(ctx); err != nil {
			return nil, err
		}
	}
	if prefill {
		d, err := c.Draft(ctx, a, ref, warroom.Audience(v.Form.Audience))
		if err != nil {
			return nil, err
		}
		v.Form.Subject, v.Form.Body = d.Subject, d.Body
	}
	return v, nil
}
