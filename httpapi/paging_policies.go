package httpapi

import (
	"net/http"
	"strings"

	"github.com/warroom/warroom"
)

// policyInput is the body of POST and PUT /api/v1/escalation-policies: the
// whole policy. Targets name users by ID or handle and schedules by ID or
// name; they are stored by ID.
type policyInput struct {
	Name   string                   `json:"name"`
	Steps  []warroom.EscalationStep `json:"steps"`
	Repeat int                      `json:"repeat"`
}

// policyList is the answer of GET /api/v1/escalation-policies.
type policyList struct {
	Policies []*warroom.EscalationPolicy `json:"policies"`
}

func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) error {
	store, err := s.escalationStore()
	if err != nil {
		return err
	}
	list, err := store.ListEscalationPolicies(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, policyList{Policies: nonNil(list)})
	return nil
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.findPolicy(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) findPolicy(r *http.Request) (*warroom.EscalationPolicy, error) {
	store, err := s.escalationStore()
	if err != nil {
		return nil, err
	}
	ref := r.PathValue("policy")
	p, err := store.FindEscalationPolicy(r.Context(), ref)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, warroom.Errorf(warroom.ENotFound, "escalation policy %s not found", ref)
	}
	return p, err
}

func (s *Server) createPolicy(w http.ResponseWriter, r *http.Request) error {
	store, err := s.escalationStore()
	if err != nil {
		return err
	}
	p := &warroom.EscalationPolicy{}
	if err := s.readPolicy(w, r, p); err != nil {
		return err
	}
	if err := store.CreateEscalationPolicy(r.Context(), p); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) updatePolicy(w http.ResponseWriter, r *http.Request) error {
	store, err := s.escalationStore()
	if err != nil {
		return err
	}
	p, err := s.findPolicy(r)
	if err != nil {
		return err
	}
	if err := s.readPolicy(w, r, p); err != nil {
		return err
	}
	if err := store.UpdateEscalationPolicy(r.Context(), p); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// readPolicy decodes, validates and resolves a policy body into p.
func (s *Server) readPolicy(w http.ResponseWriter, r *http.Request, p *warroom.EscalationPolicy) error {
	var in policyInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	p.Name, p.Steps, p.Repeat = strings.TrimSpace(in.Name), in.Steps, in.Repeat
	if len(p.Name) > 100 {
		return warroom.Invalid("name", "name must be at most 100 characters")
	}
	if err := p.Validate(); err != nil {
		return err
	}
	for i := range p.Steps {
		for j := range p.Steps[i].Targets {
			if err := s.resolveTarget(r, &p.Steps[i].Targets[j]); err != nil {
				return err
			}
		}
	}
	return nil
}

// resolveTarget replaces a target's handle or schedule name by its ID.
func (s *Server) resolveTarget(r *http.Request, t *warroom.Target) error {
	switch t.Type {
	case warroom.TargetUser:
		u, err := s.store.FindUser(r.Context(), strings.TrimPrefix(t.ID, "@"))
		if warroom.ErrorCode(err) == warroom.ENotFound {
			return warroom.Invalid("steps.targets", "no user %q", t.ID)
		} else if err != nil {
			return err
		}
		t.ID = u.ID
	case warroom.TargetSchedule:
		store, err := s.scheduleStore()
		if err != nil {
			return err
		}
		sc, err := store.FindSchedule(r.Context(), t.ID)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			return warroom.Invalid("steps.targets", "no schedule %q", t.ID)
		} else if err != nil {
			return err
		}
		t.ID = sc.ID
	}
	return nil
}
