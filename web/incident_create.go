package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// declareForm is the declare form: the fields of the API's declaration.
// Times are typed in the viewer's time zone.
type declareForm struct {
	Title, Summary, Severity, Detection    string
	DetectedAt, ImpactStartedAt            string // datetime-local, viewer's zone
	ImpactDescription, Customers, UsersPct string
	Frequency                              string
	Services                               []string // slugs
	CustomerImpact, SLAImpact              bool
	Private, Major                         bool
}

func parseDeclareForm(r *http.Request) declareForm {
	_ = r.ParseForm()
	p := r.PostForm
	return declareForm{
		Title: p.Get("title"), Summary: p.Get("summary"), Severity: p.Get("severity"), Detection: p.Get("detection"),
		DetectedAt: p.Get("detected_at"), ImpactStartedAt: p.Get("impact_started_at"),
		ImpactDescription: p.Get("impact_description"), Customers: p.Get("customers"), UsersPct: strings.TrimSpace(p.Get("users_percent")),
		Frequency: p.Get("frequency"), Services: p["services"],
		CustomerImpact: p.Get("customer_impact") == "on", SLAImpact: p.Get("sla_impact") == "on",
		Private: p.Get("private") == "on", Major: p.Get("major") == "on",
	}
}

// declaration turns the form into the service's declaration. Only what
// the form itself must parse (times, a number) is checked here; every
// rule is the service's (warroom.Declaration.Validate), with the same
// field names the API reports.
func (f declareForm) declaration(loc *time.Location) (warroom.Declaration, error) {
	d := warroom.Declaration{Title: f.Title, Summary: f.Summary, Severity: warroom.Severity(f.Severity),
		Detection: warroom.Detection(f.Detection), Private: f.Private, Major: f.Major,
		Impact: warroom.Impact{Description: f.ImpactDescription, Frequency: warroom.Frequency(f.Frequency),
			CustomerImpact: f.CustomerImpact, SLAImpact: f.SLAImpact, ServiceIDs: f.Services}}
	for _, c := range strings.Split(f.Customers, ",") {
		if c = strings.TrimSpace(c); c != "" {
			d.Impact.Customers = append(d.Impact.Customers, c)
		}
	}
	if f.UsersPct != "" {
		pct, err := strconv.ParseFloat(f.UsersPct, 64)
		if err != nil {
			return d, warroom.Invalid("impact.users_percent", "share of users must be a number between 0 and 100")
		}
		d.Impact.UsersPercent = pct
	}
	var err error
	if d.DetectedAt, err = localTime("detected_at", f.DetectedAt, loc); err != nil {
		return d, err
	}
	if d.ImpactStartedAt, err = localTime("impact_started_at", f.ImpactStartedAt, loc); err != nil {
		return d, err
	}
	return d, nil
}

// localTime parses a datetime-local value in loc; nil for "".
func localTime(field, v string, loc *time.Location) (*time.Time, error) {
	if v = strings.TrimSpace(v); v == "" {
		return nil, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, warroom.Invalid(field, "%q is not a date and time like 2026-03-02T14:05", v)
}

// declareView is the declare form's page.
type declareView struct {
	base
	Key        string // the form's idempotency key (idempotency.go)
	Form       declareForm
	Errors     map[string]string
	Services   []*warroom.Service
	Severities []warroom.Severity
}

// HasService reports whether the form selected the service slug.
func (v declareView) HasService(slug string) bool {
	for _, s := range v.Form.Services {
		if s == slug {
			return true
		}
	}
	return false
}

func (h *Handler) declareView(r *http.Request, f declareForm, errs map[string]string) (declareView, error) {
	services, err := h.store.ListServices(r.Context())
	return declareView{base: h.base(r, "Declare an incident"), Key: newFormKey(), Form: f, Errors: errs, Services: services,
		Severities: warroom.Severities}, err
}

// incidentNew shows the declare form.
func (h *Handler) incidentNew(w http.ResponseWriter, r *http.Request) error {
	v, err := h.declareView(r, declareForm{Severity: string(warroom.SEV3), Detection: string(warroom.DetectedByStaff)}, nil)
	if err != nil {
		return err
	}
	return h.ok(w, "incident_new", v)
}

// incidentCreate declares the incident through the same service as the
// API and opens its page; a refusal is shown next to the field at fault,
// with everything typed kept.
func (h *Handler) incidentCreate(w http.ResponseWriter, r *http.Request) error {
	f := parseDeclareForm(r)
	v := h.base(r, "")
	d, err := f.declaration(v.loc)
	var res *warroom.CommandResult
	if err == nil {
		res, err = h.incidents.Declare(r.Context(), actor(r), d, formIdempotency(r))
	}
	if err != nil {
		if code := warroom.ErrorCode(err); code != warroom.EInvalid && code != warroom.ENotFound {
			return err
		}
		field := warroom.ErrorField(err)
		if field == "" || field == "impact.service_ids" {
			field = map[string]string{"": "form", "impact.service_ids": "services"}[field]
		}
		dv, verr := h.declareView(r, f, map[string]string{field: warroom.ErrorMessage(err)})
		if verr != nil {
			return verr
		}
		return h.render(w, http.StatusUnprocessableEntity, "incident_new", dv)
	}
	return redirect(w, r, "/incidents/"+res.Incident.Ref)
}
