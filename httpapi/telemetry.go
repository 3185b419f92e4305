package httpapi

import (
	"errors"
	"net/http"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/intake"
)

// IntakeObserver is told what intake did with each delivery, for
// warroom's own /metrics (package telemetry implements it). Its methods
// must return at once.
type IntakeObserver interface {
	// ObserveIngest is told the outcomes of a delivery's stored alerts.
	ObserveIngest(kind warroom.IntegrationKind, results []warroom.IngestResult)
	// ObserveRefused is told a delivery nothing of which was stored, and
	// why: "invalid", "unknown_integration" or "unavailable".
	ObserveRefused(kind warroom.IntegrationKind, reason string)
}

func (s *Server) observeIngest(kind warroom.IntegrationKind, results []warroom.IngestResult) {
	if s.intakeObs != nil {
		s.intakeObs.ObserveIngest(kind, results)
	}
}

// observeRefused reports a delivery that failed with err; nil is no
// refusal.
func (s *Server) observeRefused(kind warroom.IntegrationKind, err error) {
	if s.intakeObs == nil || err == nil {
		return
	}
	reason := "invalid"
	switch {
	case errors.Is(err, errStoreDown):
		reason = "unavailable"
	case errors.Is(err, intake.ErrUnknownIntegration):
		reason = "unknown_integration"
	}
	s.intakeObs.ObserveRefused(kind, reason)
}

// RoutePattern returns the pattern of the API route r matches ("GET
// /api/v1/incidents/{incident}"), "" for none: a label that names a route
// without the IDs in its path.
func (s *Server) RoutePattern(r *http.Request) string {
	_, p := s.mux.Handler(r)
	return p
}

// ObserveIntake makes the server tell o what intake stores and refuses.
// Call it before the server serves.
func (s *Server) ObserveIntake(o IntakeObserver) { s.intakeObs = o }
