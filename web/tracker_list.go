package web

import (
	"net/http"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/tracker"
	"github.com/warroom/warroom/tracker/tickets"
)

// trackersView is the issue trackers page (admins): which tracker each
// service or team sends its incident and action-item tickets to, with the
// webhook to register there, and the form to add one (docs/trackers.md).
type trackersView struct {
	base
	Trackers    []*tracker.Config
	Services    []*warroom.Service
	Teams       []*warroom.Team
	Names       map[string]string // scope ID -> "service Checkout", "team Payments"
	WebhookBase string            // the server's URL, for the webhook each tracker calls
	Form        trackerForm
}

// trackerForm is the add-a-tracker form; For is "service:SLUG" or
// "team:SLUG".
type trackerForm struct {
	For, Kind, BaseURL, Project, Credentials, WebhookSecret, IssueType string
	Errors                                                             map[string]string
}

func (f trackerForm) input() tickets.ConfigInput {
	in := tickets.ConfigInput{Kind: tracker.Kind(f.Kind), BaseURL: f.BaseURL, Project: f.Project,
		Credentials: f.Credentials, WebhookSecret: f.WebhookSecret, IssueType: f.IssueType}
	switch scope, slug, _ := strings.Cut(f.For, ":"); scope {
	case "service":
		in.Service = slug
	case "team":
		in.Team = slug
	}
	return in
}

func (h *Handler) trackerService() (*tickets.Service, error) {
	if h.tracker == nil {
		return nil, warroom.Errorf(warroom.EUnavailable, "issue tracking is not available on this server")
	}
	return h.tracker, nil
}

func (h *Handler) trackersPage(r *http.Request, f trackerForm) (*trackersView, error) {
	ts, err := h.trackerService()
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	v := &trackersView{base: h.base(r, "Issue trackers"), Form: f, Names: map[string]string{}, WebhookBase: h.serverURL(r)}
	if v.Trackers, err = ts.Configs(ctx); err != nil {
		return nil, err
	}
	if v.Services, err = h.store.ListServices(ctx); err != nil {
		return nil, err
	}
	if v.Teams, err = h.store.ListTeams(ctx); err != nil {
		return nil, err
	}
	for _, s := range v.Services {
		v.Names[s.ID] = "service " + s.Name
	}
	for _, t := range v.Teams {
		v.Names[t.ID] = "team " + t.Name
	}
	return v, nil
}

// serverURL is where trackers reach this server: the public URL, else
// the address the browser used.
func (h *Handler) serverURL(r *http.Request) string {
	if h.publicURL != "" {
		return strings.TrimRight(h.publicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// trackerList is the issue trackers page.
func (h *Handler) trackerList(w http.ResponseWriter, r *http.Request) error {
	v, err := h.trackersPage(r, trackerForm{Kind: string(tracker.Jira)})
	if err != nil {
		return err
	}
	return h.ok(w, "tracker_list", v)
}

// trackerCreate adds a tracker (admins); a refused one comes back with
// the message next to the field at fault and what was typed.
func (h *Handler) trackerCreate(w http.ResponseWriter, r *http.Request) error {
	ts, err := h.trackerService()
	if err != nil {
		return err
	}
	if err := parsePost(r); err != nil {
		return err
	}
	f := trackerForm{For: r.PostFormValue("for"), Kind: r.PostFormValue("kind"), BaseURL: r.PostFormValue("base_url"),
		Project: r.PostFormValue("project"), Credentials: r.PostFormValue("credentials"),
		WebhookSecret: r.PostFormValue("webhook_secret"), IssueType: r.PostFormValue("issue_type")}
	_, err = ts.CreateConfig(r.Context(), f.input())
	if err == nil {
		return redirect(w, r, "/trackers")
	}
	switch warroom.ErrorCode(err) {
	case warroom.EInvalid, warroom.EConflict, warroom.ENotFound:
	default:
		return err
	}
	field := warroom.ErrorField(err)
	switch field {
	case "service", "team", "scope", "scope_id":
		field = "for"
	case "kind", "base_url", "project", "credentials", "webhook_secret", "issue_type":
	default:
		field = "form"
	}
	f.Errors = map[string]string{field: warroom.ErrorMessage(err)}
	v, perr := h.trackersPage(r, f)
	if perr != nil {
		return perr
	}
	return h.render(w, http.StatusUnprocessableEntity, "tracker_list", v)
}

// trackerRemove removes a tracker (admins); its tickets stay.
func (h *Handler) trackerRemove(w http.ResponseWriter, r *http.Request) error {
	ts, err := h.trackerService()
	if err != nil {
		return err
	}
	if err := ts.DeleteConfig(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return redirect(w, r, "/trackers")
}

// SetTracker sets the tickets service of the trackers page and the
// incidents' tickets pages (as Config.Tracker); call it before serving.
func (h *Handler) SetTracker(t *tickets.Service) { h.tracker = t }
