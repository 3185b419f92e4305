package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/warroom/warroom"
)

// listPageSize is how many incidents a list page shows.
const listPageSize = 50

// listFilter is the incident list's filter form (a GET form: the filter
// is in the address, so a filtered list can be bookmarked and shared).
type listFilter struct {
	Status   string // open (default), closed, all
	Stage    string
	Severity string
	Service  string // slug
	Major    string // "", yes, no
	Q        string
	Page     int // from 1
}

func parseListFilter(q url.Values) listFilter {
	f := listFilter{Status: q.Get("status"), Stage: q.Get("stage"), Severity: strings.ToUpper(q.Get("severity")),
		Service: q.Get("service"), Major: q.Get("major"), Q: strings.TrimSpace(q.Get("q"))}
	if f.Status == "" {
		f.Status = "open"
	}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	f.Page = max(f.Page, 1)
	return f
}

// query returns the filter as a URL query, on page.
func (f listFilter) query(page int) string {
	q := url.Values{}
	for k, v := range map[string]string{"status": f.Status, "stage": f.Stage, "severity": f.Severity,
		"service": f.Service, "major": f.Major, "q": f.Q} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	return q.Encode()
}

// toFilter turns the form into the service's filter; the service checks
// the values (unknown stage, severity or service are EInvalid).
func (f listFilter) toFilter() (warroom.IncidentFilter, error) {
	var out warroom.IncidentFilter
	switch f.Status {
	case "open", "closed":
		open := f.Status == "open"
		out.Open = &open
	case "all":
	default:
		return out, warroom.Invalid("status", "status must be open, closed or all")
	}
	switch f.Major {
	case "yes", "no":
		major := f.Major == "yes"
		out.Major = &major
	case "":
	default:
		return out, warroom.Invalid("major", "major must be yes or no")
	}
	out.Stage, out.Severity, out.ServiceID, out.Query = warroom.Stage(f.Stage), warroom.Severity(f.Severity), f.Service, f.Q
	out.Limit, out.Offset = listPageSize+1, (f.Page-1)*listPageSize
	return out, nil
}

// incidentListView is the incident list.
type incidentListView struct {
	base
	Filter     listFilter
	Error      *warroom.Error
	Incidents  []*warroom.Incident
	Services   []*warroom.Service
	ServiceOf  map[string]string // service ID -> name
	Stages     []warroom.Stage
	Severities []warroom.Severity
	Prev, Next string // page links ("": none)
	Self       string // this list's fragment, reloaded by live updates
}

// incidentList shows the incidents the viewer may see, open ones by
// default, with filters and pages; it updates live. An htmx request (the
// live reload) gets the rows alone.
func (h *Handler) incidentList(w http.ResponseWriter, r *http.Request) error {
	f := parseListFilter(r.URL.Query())
	v := incidentListView{base: h.base(r, "Incidents"), Filter: f, Stages: warroom.Stages,
		Severities: warroom.Severities}
	v.Stream = "/incidents/stream"
	v.Self = "/incidents?" + f.query(f.Page)
	services, err := h.store.ListServices(r.Context())
	if err != nil {
		return err
	}
	v.Services, v.ServiceOf = services, map[string]string{}
	for _, s := range services {
		v.ServiceOf[s.ID] = s.Name
	}
	filter, err := f.toFilter()
	if err == nil {
		v.Incidents, err = h.incidents.List(r.Context(), actor(r), filter)
	}
	status := http.StatusOK
	if err != nil {
		if warroom.ErrorCode(err) != warroom.EInvalid {
			return err
		}
		v.Error, status = asError(err), http.StatusBadRequest
	}
	if len(v.Incidents) > listPageSize {
		v.Incidents = v.Incidents[:listPageSize]
		v.Next = "/incidents?" + f.query(f.Page+1)
	}
	if f.Page > 1 {
		v.Prev = "/incidents?" + f.query(f.Page-1)
	}
	if isHTMX(r) {
		return h.fragment(w, status, "incident_rows", v)
	}
	return h.render(w, status, "incident_list", v)
}

// asError returns err as the domain's error type.
func asError(err error) *warroom.Error {
	return &warroom.Error{Code: warroom.ErrorCode(err), Message: warroom.ErrorMessage(err), Field: warroom.ErrorField(err)}
}
