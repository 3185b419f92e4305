package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/statuspage"
)

// statusAdminView is the status page's admin screen: the components with
// their status now, the forms to add one, set a status by hand, make an
// incident public and schedule maintenance; the windows; and (admins) the
// subscribers. The public page itself is /status (package statuspage).
type statusAdminView struct {
	base
	Page        *statuspage.Page
	Components  []*warroom.StatusComponent
	Services    []*warroom.Service
	Windows     []*warroom.Maintenance
	Subscribers []*warroom.Subscriber
	Statuses    []warroom.ComponentStatus
	// Form names the form a refusal is about; Error its message; Typed
	// what was typed in it.
	Form, Error string
	Typed       map[string]string
	// Secret is a new webhook subscriber's signing secret, shown once.
	Secret string
}

// Status is a component's status on the page now.
func (v statusAdminView) Status(id string) string {
	if c, ok := v.Page.Component(id); ok {
		return c.StatusLabel
	}
	return ""
}

// Phase is a window's phase now.
func (v statusAdminView) Phase(m *warroom.Maintenance) string { return m.Phase(v.now) }

func (h *Handler) statusPage() (*statuspage.Service, error) {
	if h.status == nil {
		return nil, warroom.Errorf(warroom.EUnavailable, "the status page is not available on this server")
	}
	return h.status, nil
}

func (h *Handler) statusAdminPage(r *http.Request) (*statusAdminView, error) {
	sp, err := h.statusPage()
	if err != nil {
		return nil, err
	}
	v := &statusAdminView{base: h.base(r, "Status page"), Statuses: warroom.ComponentStatuses, Typed: map[string]string{}}
	ctx := r.Context()
	if v.Page, err = sp.Build(ctx, h.now()); err != nil {
		return nil, err
	}
	if v.Components, err = sp.Components(ctx); err != nil {
		return nil, err
	}
	if v.Services, err = h.store.ListServices(ctx); err != nil {
		return nil, err
	}
	if v.Windows, err = sp.Maintenance(ctx, h.now().Add(-7*24*time.Hour)); err != nil {
		return nil, err
	}
	if v.IsAdmin() {
		if v.Subscribers, err = sp.Subscribers(ctx, actor(r)); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// statusAdmin is the status page's admin screen.
func (h *Handler) statusAdmin(w http.ResponseWriter, r *http.Request) error {
	v, err := h.statusAdminPage(r)
	if err != nil {
		return err
	}
	return h.ok(w, "status_admin", v)
}

// statusRefused renders the screen again with a refusal next to its form
// and what was typed; other errors go to the error page.
func (h *Handler) statusRefused(w http.ResponseWriter, r *http.Request, form string, err error) error {
	switch warroom.ErrorCode(err) {
	case warroom.EInvalid, warroom.EConflict, warroom.ENotFound:
	default:
		return err
	}
	v, perr := h.statusAdminPage(r)
	if perr != nil {
		return perr
	}
	v.Form, v.Error = form, warroom.ErrorMessage(err)
	for k, vals := range r.PostForm {
		if k != "csrf" {
			v.Typed[k] = strings.Join(vals, ",")
		}
	}
	return h.render(w, http.StatusUnprocessableEntity, "status_admin", v)
}

func parsePost(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return warroom.Invalid("form", "the form could not be read")
	}
	return nil
}

// statusComponentCreate adds a component (admins).
func (h *Handler) statusComponentCreate(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.statusPage()
	if err != nil {
		return err
	}
	if err := parsePost(r); err != nil {
		return err
	}
	in := statuspage.ComponentInput{Name: r.PostFormValue("name"), Group: r.PostFormValue("group"),
		Description: r.PostFormValue("description"), Services: r.PostForm["services"]}
	if _, err := sp.CreateComponent(r.Context(), actor(r), in); err != nil {
		return h.statusRefused(w, r, "component", err)
	}
	return redirect(w, r, "/status-admin")
}

// statusComponentSet sets a component's status by hand, or clears it.
func (h *Handler) statusComponentSet(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.statusPage()
	if err != nil {
		return err
	}
	if err := parsePost(r); err != nil {
		return err
	}
	in := statuspage.StatusInput{Status: warroom.ComponentStatus(r.PostFormValue("status")), Reason: r.PostFormValue("reason")}
	if _, err := sp.SetStatus(r.Context(), actor(r), r.PathValue("id"), in); err != nil {
		return h.statusRefused(w, r, "set-"+r.PathValue("id"), err)
	}
	return redirect(w, r, "/status-admin")
}

// statusPublish makes an incident public under its published title.
func (h *Handler) statusPublish(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.statusPage()
	if err != nil {
		return err
	}
	if err := parsePost(r); err != nil {
		return err
	}
	in := warroom.MakePublic{Title: r.PostFormValue("title"), Impact: warroom.ComponentStatus(r.PostFormValue("impact"))}
	if _, err := sp.MakePublic(r.Context(), actor(r), r.PostFormValue("incident"), in, warroom.Idempotency{}); err != nil {
		return h.statusRefused(w, r, "publish", err)
	}
	return redirect(w, r, "/status-admin")
}

// statusMaintenanceCreate schedules a window; times are in the viewer's
// zone (datetime-local inputs).
func (h *Handler) statusMaintenanceCreate(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.statusPage()
	if err != nil {
		return err
	}
	if err := parsePost(r); err != nil {
		return err
	}
	loc := h.base(r, "").loc
	parse := func(field string) (time.Time, error) {
		t, err := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue(field), loc)
		if err != nil {
			return t, warroom.Invalid(field, "give the %s as a date and time", strings.ReplaceAll(field, "_", " "))
		}
		return t, nil
	}
	in := statuspage.MaintenanceInput{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"), Components: r.PostForm["components"]}
	if in.StartsAt, err = parse("starts_at"); err == nil {
		in.EndsAt, err = parse("ends_at")
	}
	if err == nil {
		_, err = sp.ScheduleMaintenance(r.Context(), actor(r), in)
	}
	if err != nil {
		return h.statusRefused(w, r, "maintenance", err)
	}
	return redirect(w, r, "/status-admin")
}

// statusMaintenanceCancel cancels a window.
func (h *Handler) statusMaintenanceCancel(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.statusPage()
	if err != nil {
		return err
	}
	if err := sp.CancelMaintenance(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return h.statusRefused(w, r, "maintenance", err)
	}
	return redirect(w, r, "/status-admin")
}

// statusWebhookCreate adds a webhook subscriber (admins) and shows its
// secret this once.
func (h *Handler) statusWebhookCreate(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.statusPage()
	if err != nil {
		return err
	}
	if err := parsePost(r); err != nil {
		return err
	}
	nw, err := sp.AddWebhook(r.Context(), actor(r), statuspage.WebhookInput{URL: r.PostFormValue("url"), Components: r.PostForm["components"]})
	if err != nil {
		return h.statusRefused(w, r, "webhook", err)
	}
	v, err := h.statusAdminPage(r)
	if err != nil {
		return err
	}
	v.Secret = nw.Secret
	w.Header().Set("Cache-Control", "no-store")
	return h.ok(w, "status_admin", v)
}

// statusSubscriberRemove removes a subscriber (admins).
func (h *Handler) statusSubscriberRemove(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.statusPage()
	if err != nil {
		return err
	}
	if err := sp.RemoveSubscriber(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return h.statusRefused(w, r, "subscribers", err)
	}
	return redirect(w, r, "/status-admin")
}
