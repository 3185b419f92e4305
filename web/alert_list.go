package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/warroom/warroom"
)

// alertPageSize is how many alerts a list page shows.
const alertPageSize = 50

// alertFilter is the alert list's filter form (GET: the filter is in the
// address). warroom.AlertQuery.Filter checks it, as it does the API's.
type alertFilter struct {
	Status, Service, Severity, Q string
	Page                         int
}

func parseAlertFilter(r *http.Request) alertFilter {
	q := r.URL.Query()
	return alertFilter{Status: q.Get("status"), Service: q.Get("service"), Severity: q.Get("severity"),
		Q: strings.TrimSpace(q.Get("q")), Page: pageNumber(r)}
}

// query returns the filter as a URL query, on page.
func (f alertFilter) query(page int) string {
	q := url.Values{}
	for _, kv := range [][2]string{{"status", f.Status}, {"service", f.Service}, {"severity", f.Severity}, {"q", f.Q}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	return q.Encode()
}

// alertRow is one alert of a list, with the names it is shown with.
type alertRow struct {
	*warroom.Alert
	Service  string
	Incident *warroom.Incident // nil: none, or not visible
}

// alertListView is the alert list.
type alertListView struct {
	base
	Filter     alertFilter
	Problem    *problem
	Alerts     []alertRow
	Services   []*warroom.Service
	Statuses   []warroom.AlertStatus
	Severities []string
	Prev, Next string
	// CanAck: the list offers Acknowledge on firing alerts (a
	// responder, on a server that pages). Done is what it did.
	CanAck bool
	Done   string
}

// alertSeverities are the alert severities, worst first.
var alertSeverities = []string{"critical", "error", "warning", "info"}

// alertList shows the alerts the viewer may see, newest first, filtered
// and a page at a time.
func (h *Handler) alertList(w http.ResponseWriter, r *http.Request) error {
	store, err := h.alertStore()
	if err != nil {
		return err
	}
	f := parseAlertFilter(r)
	v := alertListView{base: h.base(r, "Alerts"), Filter: f, Severities: alertSeverities, Done: r.URL.Query().Get("done"),
		Statuses: []warroom.AlertStatus{warroom.AlertFiring, warroom.AlertAcknowledged, warroom.AlertResolved}}
	v.CanAck = v.CanWrite() && h.pages.pager != nil
	if v.Services, err = h.store.ListServices(r.Context()); err != nil {
		return err
	}
	q := warroom.AlertQuery{Status: f.Status, Service: f.Service, Severity: f.Severity, Text: f.Q,
		Limit: alertPageSize + 1, Offset: (f.Page - 1) * alertPageSize}
	status := http.StatusOK
	filter, err := q.Filter(r.Context(), h.store, h.store, actor(r))
	var list []*warroom.Alert
	if err == nil {
		list, err = store.ListAlerts(r.Context(), filter)
	}
	if err != nil {
		if warroom.ErrorCode(err) != warroom.EInvalid {
			return err
		}
		v.Problem, status = newProblem(err, "status", "service", "severity", "q"), http.StatusBadRequest
	}
	if len(list) > alertPageSize {
		list = list[:alertPageSize]
		v.Next = "/alerts?" + f.query(f.Page+1)
	}
	if f.Page > 1 {
		v.Prev = "/alerts?" + f.query(f.Page-1)
	}
	if v.Alerts, err = h.alertRows(r, v.Services, list); err != nil {
		return err
	}
	return h.render(w, status, "alert_list", v)
}

// alertRows names the services and incidents of alerts (every alert of a
// list for a person is visible to them, and so is its incident).
func (h *Handler) alertRows(r *http.Request, services []*warroom.Service, list []*warroom.Alert) ([]alertRow, error) {
	names := map[string]string{}
	for _, s := range services {
		names[s.ID] = s.Name
	}
	incidents := map[string]*warroom.Incident{}
	rows := make([]alertRow, 0, len(list))
	for _, a := range list {
		row := alertRow{Alert: a, Service: names[a.ServiceID]}
		if id := a.IncidentID; id != "" {
			inc, ok := incidents[id]
			if !ok {
				found, err := h.store.FindIncident(r.Context(), id)
				if err != nil && warroom.ErrorCode(err) != warroom.ENotFound {
					return nil, err
				}
				if found != nil && found.VisibleTo(actor(r)) {
					inc = found
				}
				incidents[id] = inc
			}
			row.Incident = inc
		}
		rows = append(rows, row)
	}
	return rows, nil
}
