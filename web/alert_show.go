package web

import (
	"net/http"
	"slices"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
)

// alertView is one alert's page: what it says, where it stands, the
// pages sent for it, and (for responders) what can be done with it.
type alertView struct {
	base
	Alert    *warroom.Alert
	Service  *warroom.Service
	Incident *warroom.Incident // nil: none
	Labels   [][2]string
	Notes    [][2]string // annotations
	Messages []messageRow
	// The actions: Acknowledge while it fires; Declare (at Severity by
	// default) unless it belongs to an open incident of its own; Attach
	// to one of the open incidents the viewer may see.
	CanAck, CanDeclare bool
	Severity           warroom.Severity
	Severities         []warroom.Severity
	OpenIncidents      []*warroom.Incident
	Attach             string // the incident the attach form had chosen
	Problem            *problem
	Done               string // what the last action did
}

// alertShow is an alert's page. An alert of a private incident the
// viewer takes no part in is not found, exactly as one that does not
// exist (warroom.FindVisibleAlert).
func (h *Handler) alertShow(w http.ResponseWriter, r *http.Request) error {
	v, err := h.alertPage(r)
	if err != nil {
		return err
	}
	v.Done = r.URL.Query().Get("done")
	return h.ok(w, "alert_show", v)
}

// alertPage reads what an alert's page shows.
func (h *Handler) alertPage(r *http.Request) (*alertView, error) {
	store, err := h.alertStore()
	if err != nil {
		return nil, err
	}
	a, inc, err := warroom.FindVisibleAlert(r.Context(), store, h.store, actor(r), r.PathValue("alert"))
	if err != nil {
		return nil, err
	}
	v := &alertView{base: h.base(r, a.Summary), Alert: a, Incident: inc, Severities: warroom.Severities}
	if v.Service, err = h.store.FindService(r.Context(), a.ServiceID); err != nil {
		return nil, err
	}
	v.Labels, v.Notes = sortedPairs(a.Labels), sortedPairs(a.Annotations)
	if h.pages.messages != nil {
		msgs, err := h.pages.messages.ListMessages(r.Context(), "", a.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			v.Messages = append(v.Messages, messageRow{Outbox: m, To: notify.ShownDestination(m.Channel, m.Destination)})
		}
	}
	if !v.CanWrite() || h.pages.pager == nil {
		return v, nil
	}
	v.CanAck = a.Status == warroom.AlertFiring
	v.CanDeclare = inc == nil || !inc.Stage.Open()
	if v.CanDeclare {
		sp, err := store.GetServicePaging(r.Context(), a.ServiceID)
		if err != nil {
			return nil, err
		}
		v.Severity = warroom.DeclareSeverity(sp.AlertRules, a)
	}
	if a.IncidentID == "" {
		open := true
		list, err := h.incidents.List(r.Context(), actor(r), warroom.IncidentFilter{Open: &open, Limit: 100})
		if err != nil {
			return nil, err
		}
		v.OpenIncidents = list
	}
	return v, nil
}

// messageRow is a notification as people are shown it: its destination
// cut to what identifies it (notify.ShownDestination).
type messageRow struct {
	*notify.Outbox
	To string
}

// sortedPairs returns a map's entries sorted by key.
func sortedPairs(m map[string]string) [][2]string {
	out := make([][2]string, 0, len(m))
	for k, v := range m {
		out = append(out, [2]string{k, v})
	}
	slices.SortFunc(out, func(a, b [2]string) int {
		if a[0] < b[0] {
			return -1
		}
		if a[0] > b[0] {
			return 1
		}
		return 0
	})
	return out
}
