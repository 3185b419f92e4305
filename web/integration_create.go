package web

import (
	"net/http"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/intake"
)

// integrationForm creates an integration: its kind and name; the key is
// generated (the API also takes one a sender already uses).
type integrationForm struct {
	Kind, Name string
}

// integrationCreatedView is the one page that shows an integration's
// key: only its hash is stored. It says where to send, with a
// ready-to-paste Alertmanager receiver.
type integrationCreatedView struct {
	base
	Service     *warroom.Service
	Integration *warroom.Integration
	Key, URL    string
	// Receiver is the alertmanager.yml receivers: entry; PagerDutyURL the
	// Events API v2 URL tools that page PagerDuty send to.
	Receiver     string
	PagerDutyURL string
}

// integrationCreate creates an integration (intake.CreateIntegration, as
// the API does) and shows its key, once. The answer is the page itself,
// not a redirect: the key must never sit in an address or a history.
func (h *Handler) integrationCreate(w http.ResponseWriter, r *http.Request) error {
	store, err := h.alertStore()
	if err != nil {
		return err
	}
	svc, err := h.store.FindService(r.Context(), r.PathValue("service"))
	if err != nil {
		return err
	}
	f := integrationForm{Kind: strings.TrimSpace(r.PostFormValue("kind")), Name: strings.TrimSpace(r.PostFormValue("name"))}
	ig, key, err := intake.CreateIntegration(r.Context(), store, svc.ID,
		intake.NewIntegration{Kind: warroom.IntegrationKind(f.Kind), Name: f.Name}, h.now())
	if err != nil {
		code, ok := formProblem(err)
		if !ok {
			return err
		}
		v, perr := h.servicePage(r)
		if perr != nil {
			return perr
		}
		v.Form, v.Problem = f, newProblem(err, "kind", "name")
		return h.render(w, code, "service_show", v)
	}
	base := intake.BaseURL(h.pages.publicURL, r)
	v := integrationCreatedView{base: h.base(r, "Integration created"), Service: svc, Integration: ig, Key: key,
		URL:          intake.SenderURL(base, ig.Kind, key),
		Receiver:     intake.AlertmanagerReceiver(base, "warroom-"+svc.Slug, ig.Kind, key),
		PagerDutyURL: intake.SenderURL(base, warroom.IntegrationPagerDuty, key)}
	w.Header().Set("Referrer-Policy", "no-referrer")
	return h.render(w, http.StatusCreated, "integration_created", v)
}
