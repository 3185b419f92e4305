package sqlstore

import (
	"context"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// IncidentReactor returns the jobs that an incident command calls for
// (paging.Reactor: the announcement, the first responder's 10-minute
// check, the major-duration check). The store calls it inside the
// command's transaction with the incident's state after the events, so
// the jobs are committed atomically with the events: a declared incident
// always has its checks scheduled, and a failed command schedules nothing.
// It must be quick and must not touch the store.
type IncidentReactor func(inc *warroom.Incident, events []warroom.Event) []engine.Job

// SetIncidentReactor makes every later DeclareIncident and UpdateIncident
// schedule the jobs r returns, in the same transaction. nil removes it.
// Call it once at startup, before commands run.
func (s *Store) SetIncidentReactor(r IncidentReactor) { s.reactor = r }

// react schedules the jobs the reactor returns for a command's events,
// inside the command's transaction t, and announces the commit to the
// live views (announceCommit, incidentcommits.go).
func (s *Store) react(ctx context.Context, t *tx, inc *warroom.Incident, events []warroom.Event) error {
	if len(events) > 0 {
		if err := s.announceCommit(ctx, t, inc); err != nil {
			return err
		}
	}
	if s.reactor == nil || len(events) == 0 {
		return nil
	}
	return s.enqueueJobs(ctx, t, s.reactor(inc, events))
}
