package web

import (
	"net/http"

	"github.com/warroom/warroom"
)

// serviceView is one service: what it is, how it pages, and the
// integrations monitoring tools send its alerts through (admins add and
// remove them here).
type serviceView struct {
	base
	Service      *warroom.Service
	Team, Policy string
	Rules        []warroom.AlertRule
	Integrations []*warroom.Integration
	Kinds        []warroom.IntegrationKind
	Form         integrationForm
	Problem      *problem
	Done         string
}

// serviceShow is a service's page.
func (h *Handler) serviceShow(w http.ResponseWriter, r *http.Request) error {
	v, err := h.servicePage(r)
	if err != nil {
		return err
	}
	v.Done = r.URL.Query().Get("done")
	return h.ok(w, "service_show", v)
}

func (h *Handler) servicePage(r *http.Request) (*serviceView, error) {
	store, err := h.alertStore()
	if err != nil {
		return nil, err
	}
	svc, err := h.store.FindService(r.Context(), r.PathValue("service"))
	if err != nil {
		return nil, err
	}
	v := &serviceView{base: h.base(r, svc.Name), Service: svc, Form: integrationForm{Kind: string(warroom.IntegrationAlertmanager)},
		Kinds: []warroom.IntegrationKind{warroom.IntegrationAlertmanager, warroom.IntegrationPagerDuty, warroom.IntegrationWebhook}}
	if svc.TeamID != "" {
		if t, err := h.store.FindTeam(r.Context(), svc.TeamID); err == nil {
			v.Team = t.Name
		}
	}
	if v.Policy, err = h.policyName(r, svc.ID); err != nil {
		return nil, err
	}
	sp, err := store.GetServicePaging(r.Context(), svc.ID)
	if err != nil {
		return nil, err
	}
	v.Rules = sp.AlertRules
	if v.Integrations, err = store.ListIntegrations(r.Context(), svc.ID); err != nil {
		return nil, err
	}
	return v, nil
}
