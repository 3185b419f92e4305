package httpapi

import (
	"context"
	"net/http"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/afterfire"
)

// This file serves what happens around and after recovery
// (docs/after-the-fire.md): shift handoffs with their brief, the checked
// return to baseline, and the timeline session's draft follow-ups.

func (s *Server) afterFireRoutes() []route {
	routes := []route{
		{"GET", "/api/v1/incidents/{incident}/handoff", reader, s.getHandoff, nil},
		{"POST", "/api/v1/incidents/{incident}/handoff", writer, s.startHandoff, handoffStartInput{}},
		{"POST", "/api/v1/incidents/{incident}/handoff/team", writer, s.nameHandoffTeam, handoffTeamInput{}},
		{"POST", "/api/v1/incidents/{incident}/handoff/complete", writer, s.completeHandoff, handoffCompleteInput{}},
		{"POST", "/api/v1/incidents/{incident}/handoff/acknowledge", writer, s.acknowledgeHandoff, warroom.AcknowledgeHandoff{}},
		{"GET", "/api/v1/incidents/{incident}/baseline/silences", reader, s.baselineSilences, nil},
		{"POST", "/api/v1/incidents/{incident}/baseline", writer, s.completeBaseline, baselineInput{}},
		{"POST", "/api/v1/incidents/{incident}/follow-ups", writer, s.draftFollowUp, followUpInput{}},
	}
	routes = append(routes, s.reviewRoutes()...)
	return routes
}

// newAfterFire is Config.AfterFire, or the service on the API's store
// without Alertmanager (the silence check then has no sources): the
// server passes the one configured with Alertmanager's URLs.
func newAfterFire(cfg Config, store warroom.Store) *afterfire.Service {
	if cfg.AfterFire != nil {
		return cfg.AfterFire
	}
	c := afterfire.Config{Incidents: cfg.Incidents}
	if u, ok := store.(afterfire.Updates); ok {
		c.Updates = u
	}
	if a, ok := store.(afterfire.Alerts); ok {
		c.Alerts = a
	}
	if ch, ok := store.(afterfire.ChatStates); ok {
		c.Chat = ch
	}
	if rs, ok := store.(afterfire.ReviewStore); ok {
		c.Review.Store = rs
	}
	svc, err := afterfire.New(c)
	if err != nil {
		return nil
	}
	return svc
}

// runAfterFire is runCommand for the after-the-fire commands, which go
// through the service (it gathers what the rule needs from outside the
// incident).
func runAfterFire[T any](s *Server, w http.ResponseWriter, r *http.Request, optional bool,
	run func(ctx context.Context, svc *afterfire.Service, a warroom.Actor, ref string, in T, idem warroom.Idempotency) (*warroom.CommandResult, error)) error {
	in, idem, err := decodeCommand[T](s, w, r, optional)
	if err != nil {
		return err
	}
	res, err := run(r.Context(), s.afterfire, actor(r), r.PathValue("incident"), in, idem)
	if err != nil {
		return incidentError(r, err)
	}
	writeResult(w, http.StatusOK, res)
	return nil
}

func (s *Server) getHandoff(w http.ResponseWriter, r *http.Request) error {
	v, err := s.afterfire.Handoff(r.Context(), actor(r), r.PathValue("incident"))
	if err != nil {
		return incidentError(r, err)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// handoffStartInput names the incoming Incident Commander by ID or handle.
type handoffStartInput struct {
	IncomingCommander string `json:"incoming_commander"`
}

func (s *Server) startHandoff(w http.ResponseWriter, r *http.Request) error {
	return runAfterFire(s, w, r, false, func(ctx context.Context, svc *afterfire.Service, a warroom.Actor, ref string, in handoffStartInput, idem warroom.Idempotency) (*warroom.CommandResult, error) {
		return svc.StartHandoff(ctx, a, ref, in.IncomingCommander, idem)
	})
}

// handoffTeamInput names the incoming Technical Lead and supporting
// responders by ID or handle.
type handoffTeamInput struct {
	TechnicalLead string   `json:"technical_lead"`
	Supporting    []string `json:"supporting"`
}

func (s *Server) nameHandoffTeam(w http.ResponseWriter, r *http.Request) error {
	return runAfterFire(s, w, r, false, func(ctx context.Context, svc *afterfire.Service, a warroom.Actor, ref string, in handoffTeamInput, idem warroom.Idempotency) (*warroom.CommandResult, error) {
		return svc.NameHandoffTeam(ctx, a, ref, in.TechnicalLead, in.Supporting, idem)
	})
}

// handoffCompleteInput is the brief; the parts warroom knows may be left
// out and are filled in.
type handoffCompleteInput struct {
	Brief warroom.HandoffBrief `json:"brief"`
}

func (s *Server) completeHandoff(w http.ResponseWriter, r *http.Request) error {
	return runAfterFire(s, w, r, false, func(ctx context.Context, svc *afterfire.Service, a warroom.Actor, ref string, in handoffCompleteInput, idem warroom.Idempotency) (*warroom.CommandResult, error) {
		return svc.CompleteHandoff(ctx, a, ref, in.Brief, idem)
	})
}

func (s *Server) acknowledgeHandoff(w http.ResponseWriter, r *http.Request) error {
	return runAfterFire(s, w, r, true, func(ctx context.Context, svc *afterfire.Service, a warroom.Actor, ref string, _ warroom.AcknowledgeHandoff, idem warroom.Idempotency) (*warroom.CommandResult, error) {
		return svc.AcknowledgeHandoff(ctx, a, ref, idem)
	})
}

func (s *Server) baselineSilences(w http.ResponseWriter, r *http.Request) error {
	c, err := s.afterfire.CheckSilences(r.Context(), actor(r), r.PathValue("incident"))
	if err != nil {
		return incidentError(r, err)
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// baselineInput is the return-to-baseline checklist and, to complete
// despite the silence check, the reason to override it.
type baselineInput struct {
	Checklist      warroom.BaselineChecklist `json:"checklist"`
	OverrideReason string                    `json:"override_reason"`
}

func (s *Server) completeBaseline(w http.ResponseWriter, r *http.Request) error {
	return runAfterFire(s, w, r, false, func(ctx context.Context, svc *afterfire.Service, a warroom.Actor, ref string, in baselineInput, idem warroom.Idempotency) (*warroom.CommandResult, error) {
		return svc.CompleteBaseline(ctx, a, ref, in.Checklist, in.OverrideReason, idem)
	})
}

// followUpInput is a follow-up drafted at the timeline session; the
// proposed owner by ID or handle, optional.
type followUpInput struct {
	Title         string `json:"title"`
	ProposedOwner string `json:"proposed_owner"`
}

func (s *Server) draftFollowUp(w http.ResponseWriter, r *http.Request) error {
	return runAfterFire(s, w, r, false, func(ctx context.Context, svc *afterfire.Service, a warroom.Actor, ref string, in followUpInput, idem warroom.Idempotency) (*warroom.CommandResult, error) {
		return svc.DraftFollowUp(ctx, a, ref, in.Title, in.ProposedOwner, idem)
	})
}
