package web

import (
	"net/http"
	"time"

	"github.com/warroom/warroom"
)

// policyListView lists the escalation policies, each step's targets by
// name, and the services each one pages for.
type policyListView struct {
	base
	Policies []policyRow
}

// policyRow is one policy as people read it.
type policyRow struct {
	*warroom.EscalationPolicy
	Steps    []policyStep
	Services []*warroom.Service
}

// policyStep is one step: whom it pages, then how long it waits.
type policyStep struct {
	Targets []policyTarget
	Wait    string
}

// policyTarget is a person or a schedule, with the page it is on.
type policyTarget struct {
	Kind, Name, Link string
}

// policyList shows the escalation policies.
func (h *Handler) policyList(w http.ResponseWriter, r *http.Request) error {
	store, err := h.escalationStore()
	if err != nil {
		return err
	}
	list, err := store.ListEscalationPolicies(r.Context())
	if err != nil {
		return err
	}
	usedBy, err := h.servicesByPolicy(r)
	if err != nil {
		return err
	}
	who := h.people(r.Context())
	v := policyListView{base: h.base(r, "Escalation policies")}
	for _, p := range list {
		row := policyRow{EscalationPolicy: p, Services: usedBy[p.ID]}
		for _, s := range p.Steps {
			step := policyStep{Wait: warroom.ShortDuration(time.Duration(s.Delay))}
			for _, t := range s.Targets {
				pt := policyTarget{Kind: string(t.Type)}
				switch t.Type {
				case warroom.TargetUser:
					u := who(t.ID)
					pt.Name = u.Name + " (@" + u.Handle + ")"
				case warroom.TargetSchedule:
					pt.Name, pt.Link = t.ID, "/oncall/schedules/"+t.ID
					if h.pages.schedules != nil {
						if sc, err := h.pages.schedules.FindSchedule(r.Context(), t.ID); err == nil {
							pt.Name = sc.Name
						}
					}
				}
				step.Targets = append(step.Targets, pt)
			}
			row.Steps = append(row.Steps, step)
		}
		v.Policies = append(v.Policies, row)
	}
	return h.ok(w, "policy_list", v)
}

// servicesByPolicy returns the services each escalation policy pages for.
func (h *Handler) servicesByPolicy(r *http.Request) (map[string][]*warroom.Service, error) {
	out := map[string][]*warroom.Service{}
	alerts, err := h.alertStore()
	if err != nil {
		return out, nil // no alerting: no service pages anyone
	}
	services, err := h.store.ListServices(r.Context())
	if err != nil {
		return nil, err
	}
	for _, s := range services {
		sp, err := alerts.GetServicePaging(r.Context(), s.ID)
		if err != nil {
			return nil, err
		}
		if sp.EscalationPolicyID != "" {
			out[sp.EscalationPolicyID] = append(out[sp.EscalationPolicyID], s)
		}
	}
	return out, nil
}
