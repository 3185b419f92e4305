package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
)

// timelinePageSize is how many entries the incident page shows at first
// and loads at each "earlier entries": the newest first, so an incident
// with 10,000 entries opens as fast as one with ten.
const timelinePageSize = 50

// alertLister and messageLister are the optional stores of the incident
// page's alerts and pages panels (sqlstore.Store is both).
type alertLister interface {
	ListAlerts(ctx context.Context, f warroom.AlertFilter) ([]*warroom.Alert, error)
}
type messageLister interface {
	ListMessages(ctx context.Context, incidentID, alertID string) ([]*notify.Outbox, error)
}

// incidentView is the incident page.
type incidentView struct {
	base
	Inc        *warroom.Incident
	MajorNow   []string // reasons it would become major now
	Services   []string // affected services' names
	Holders    []holderView
	Assignable []warroom.Role // roles the viewer may assign or hand over
	Users      []*warroom.User
	NextStages []warroom.Stage
	CanReopen  bool
	Hypotheses []warroom.Hypothesis
	Alerts     []*warroom.Alert
	Messages   []*notify.Outbox

	TL          *timelineView
	Events      []warroom.Event // newest first
	Earlier     string          // the next page of earlier entries ("": none)
	Filter      timelineFilter
	EntryTypes  []warroom.EventType
	Composer    composerForm
	FormErrors  map[string]*warroom.Error // form ("role", "stage", ...) -> its error
	StateSrc    string
	TimelineURL string
}

// holderView is one role holder.
type holderView struct {
	warroom.RoleHolder
	Name       string
	CanRelease bool
}

// incidentShow is the incident page: its state, roles, stages, timeline
// (newest first, earlier entries on demand), hypotheses, alerts and
// pages. An htmx request for ?before= gets the earlier entries alone.
func (h *Handler) incidentShow(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	f := timelineFilter{Type: q.Get("type"), Starred: q.Get("starred") == "1"}
	if !f.valid() {
		f = timelineFilter{}
	}
	v, err := h.incidentPage(r, r.PathValue("ref"), before, f)
	if err != nil {
		return err
	}
	if isHTMX(r) && before > 0 {
		return h.fragment(w, http.StatusOK, "timeline_page", v)
	}
	return h.ok(w, "incident_show", v)
}

// incidentPage reads everything the incident page shows, as the viewer
// may see it.
func (h *Handler) incidentPage(r *http.Request, ref string, before int64, f timelineFilter) (*incidentView, error) {
	ctx := r.Context()
	a := actor(r)
	iv, err := h.incidents.GetRecent(ctx, a, ref, before, timelinePageSize)
	if err != nil {
		return nil, err
	}
	inc := iv.Incident
	v := &incidentView{base: h.base(r, inc.Ref+": "+inc.Title), Inc: inc, MajorNow: iv.Major, Filter: f,
		EntryTypes: entryTypes, Hypotheses: inc.Hypotheses}
	v.Composer = composerForm{Type: string(warroom.EntryNote), Ref: inc.Ref, CSRF: v.CSRF, Key: newFormKey()}
	if h.live.enabled() {
		v.Stream = "/incidents/" + inc.Ref + "/stream?" + streamQuery(inc.Version, f)
	}
	v.StateSrc = "/incidents/" + inc.Ref + "/state"
	v.TimelineURL = "/incidents/" + inc.Ref
	events := iv.Timeline
	if f != (timelineFilter{}) {
		if events, err = h.filteredPage(ctx, a, inc, before, f); err != nil {
			return nil, err
		}
		iv.People, _ = h.peopleMap(ctx, inc, events)
	}
	v.Events = events
	if n := len(events); n == timelinePageSize && events[n-1].Seq > 1 {
		v.Earlier = v.TimelineURL + "?" + earlierQuery(events[n-1].Seq, f)
	}
	v.TL = newTimelineView(v.base, inc, iv.People)
	if err := h.fillState(ctx, v, iv); err != nil {
		return nil, err
	}
	return v, nil
}

// fillState fills the panels about the incident's state: services,
// roles, stages, alerts and pages.
func (h *Handler) fillState(ctx context.Context, v *incidentView, iv *warroom.IncidentView) error {
	inc, a := v.Inc, v.User.Actor()
	for _, id := range inc.Impact.ServiceIDs {
		if s, err := h.store.FindService(ctx, id); err == nil {
			v.Services = append(v.Services, s.Name)
		}
	}
	people, err := h.peopleMap(ctx, inc, nil)
	if err != nil {
		return err
	}
	for k, n := range iv.People {
		people[k] = n
	}
	// Every role in order, with its holders; a role nobody holds (no IC
	// to hold it implicitly) shows as such, so a missing Incident
	// Commander is plain to see.
	for _, role := range warroom.Roles {
		n := len(v.Holders)
		for _, hd := range iv.Holders {
			if hd.Role != role {
				continue
			}
			hv := holderView{RoleHolder: hd, Name: people[hd.UserID]}
			hv.CanRelease = v.CanWrite() && !hd.Implicit && inc.Stage != warroom.StageClosed &&
				warroom.CheckRoleChange(inc, a, hd.Role, hd.UserID, true, "") == nil
			v.Holders = append(v.Holders, hv)
		}
		if len(v.Holders) == n {
			v.Holders = append(v.Holders, holderView{RoleHolder: warroom.RoleHolder{Role: role}})
		}
	}
	if v.CanWrite() && inc.Stage != warroom.StageClosed {
		for _, role := range warroom.Roles {
			// The reason is checked on submit; here only who may decide.
			if err := warroom.CheckRoleChange(inc, a, role, a.UserID, false, "reason"); warroom.ErrorCode(err) != warroom.EForbidden {
				v.Assignable = append(v.Assignable, role)
			}
		}
		if v.Users, err = h.store.ListUsers(ctx); err != nil {
			return err
		}
		v.NextStages = iv.NextStage
		v.CanReopen = inc.Stage == warroom.StageResolved
	}
	if al, ok := h.store.(alertLister); ok {
		if v.Alerts, err = al.ListAlerts(ctx, warroom.AlertFilter{IncidentID: inc.ID, Limit: 50, Viewer: &a}); err != nil {
			return err
		}
	}
	if ml, ok := h.store.(messageLister); ok {
		if v.Messages, err = ml.ListMessages(ctx, inc.ID, ""); err != nil {
			return err
		}
	}
	return nil
}

// peopleMap maps the users an incident and events mention to handles.
func (h *Handler) peopleMap(ctx context.Context, inc *warroom.Incident, events []warroom.Event) (map[string]string, error) {
	return h.peopleOf(ctx, inc, events, map[string]string{}), nil
}

// filteredPage reads the timeline backwards until a page of entries
// matching f is found or the timeline's start is reached.
func (h *Handler) filteredPage(ctx context.Context, a warroom.Actor, inc *warroom.Incident, before int64, f timelineFilter) ([]warroom.Event, error) {
	starred := map[int64]bool{}
	for _, s := range inc.Starred {
		starred[s] = true
	}
	var out []warroom.Event
	for len(out) < timelinePageSize {
		batch, err := h.incidents.TimelineBefore(ctx, a, inc.ID, before, 1000)
		if err != nil {
			return nil, err
		}
		for i := range batch {
			if f.match(&batch[i], func(s int64) bool { return starred[s] }) && len(out) < timelinePageSize {
				out = append(out, batch[i])
			}
		}
		if len(batch) < 1000 {
			break
		}
		before = batch[len(batch)-1].Seq
	}
	return out, nil
}

func streamQuery(after int64, f timelineFilter) string {
	q := url.Values{"after": {strconv.FormatInt(after, 10)}}
	addFilter(q, f)
	return q.Encode()
}

func earlierQuery(before int64, f timelineFilter) string {
	q := url.Values{"before": {strconv.FormatInt(before, 10)}}
	addFilter(q, f)
	return q.Encode()
}

func addFilter(q url.Values, f timelineFilter) {
	if f.Type != "" {
		q.Set("type", f.Type)
	}
	if f.Starred {
		q.Set("starred", "1")
	}
}

// incidentState is the incident page's state panels alone (header,
// roles, stage, hypotheses, alerts, pages): live updates reload it.
func (h *Handler) incidentState(w http.ResponseWriter, r *http.Request) error {
	v, err := h.incidentPage(r, r.PathValue("ref"), 0, timelineFilter{})
	if err != nil {
		return err
	}
	return h.fragment(w, http.StatusOK, "incident_state", v)
}

// Duration is how long the incident has lasted: until it was resolved, or
// until now.
func (v *incidentView) Duration() string {
	if t, ok := v.Inc.StageTimes[warroom.StageResolved]; ok && !v.Inc.Stage.Open() {
		return v.Since(v.Inc.ImpactStartedAt, &t)
	}
	return v.Since(v.Inc.ImpactStartedAt, nil)
}

// FormError is the error of the page's form named name, if it was
// refused.
func (v *incidentView) FormError(name string) *warroom.Error { return v.FormErrors[name] }

// ImpactFacts sums up the impact's facts in one line.
func (v *incidentView) ImpactFacts() string {
	im := v.Inc.Impact
	facts := []string{"no customer impact recorded"}
	if im.CustomerImpact {
		facts[0] = "customers affected"
	}
	if im.SLAImpact {
		facts = append(facts, "an SLA is affected")
	}
	if im.DataLoss {
		facts = append(facts, "data was lost")
	}
	if im.UsersPercent > 0 {
		facts = append(facts, strconv.FormatFloat(im.UsersPercent, 'f', -1, 64)+"% of users")
	}
	if len(im.Customers) > 0 {
		facts = append(facts, "customers: "+strings.Join(im.Customers, ", "))
	}
	if im.Frequency != "" {
		facts = append(facts, string(im.Frequency))
	}
	out := strings.Join(facts, "; ")
	return strings.ToUpper(out[:1]) + out[1:]
}
