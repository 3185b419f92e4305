package web

import (
	"net/http"

	"github.com/warroom/warroom"
)

// serviceListView lists the services with their team and escalation
// policy.
type serviceListView struct {
	base
	Services []serviceRow
}

// serviceRow is a service with the names it is shown with.
type serviceRow struct {
	*warroom.Service
	Team, Policy string
}

// serviceList shows every service.
func (h *Handler) serviceList(w http.ResponseWriter, r *http.Request) error {
	services, err := h.store.ListServices(r.Context())
	if err != nil {
		return err
	}
	teams, err := h.teamNames(r)
	if err != nil {
		return err
	}
	v := serviceListView{base: h.base(r, "Services")}
	for _, s := range services {
		row := serviceRow{Service: s, Team: teams[s.TeamID]}
		if row.Policy, err = h.policyName(r, s.ID); err != nil {
			return err
		}
		v.Services = append(v.Services, row)
	}
	return h.ok(w, "service_list", v)
}

// teamNames maps team IDs to names.
func (h *Handler) teamNames(r *http.Request) (map[string]string, error) {
	teams, err := h.store.ListTeams(r.Context())
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, t := range teams {
		out[t.ID] = t.Name
	}
	return out, nil
}

// policyName is the name of the escalation policy that pages for a
// service, "" when none does (or this server does not page).
func (h *Handler) policyName(r *http.Request, serviceID string) (string, error) {
	if h.pages.alerts == nil || h.pages.escalations == nil {
		return "", nil
	}
	sp, err := h.pages.alerts.GetServicePaging(r.Context(), serviceID)
	if err != nil || sp.EscalationPolicyID == "" {
		return "", err
	}
	p, err := h.pages.escalations.FindEscalationPolicy(r.Context(), sp.EscalationPolicyID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return p.Name, nil
}
