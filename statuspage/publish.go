package statuspage

import (
	"context"
	"fmt"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// MakePublic puts an incident on the status page under its published
// title (responders and admins who can see it). The act is recorded on
// the incident's timeline (incident.made_public); a private incident is
// refused (EConflict). Doing it again changes the title or impact.
func (s *Service) MakePublic(ctx context.Context, a warroom.Actor, idOrRef string, in warroom.MakePublic, idem warroom.Idempotency) (*warroom.PublicIncident, error) {
	inc, err := s.cfg.Store.FindIncident(ctx, idOrRef)
	if err != nil {
		return nil, err
	}
	if !inc.VisibleTo(a) {
		return nil, warroom.Errorf(warroom.ENotFound, "incident %s not found", idOrRef)
	}
	if err := requireWriter(a); err != nil {
		return nil, err
	}
	components, err := s.cfg.Store.ListStatusComponents(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.cfg.Store.PublishIncident(ctx, inc.ID, idem, func(cur *warroom.Incident) (*warroom.PublicIncident, []warroom.Event, error) {
		events, err := warroom.Decide(cur, a, in, s.cfg.Now().UTC(), s.cfg.Policy)
		if err != nil {
			return nil, nil, err
		}
		return warroom.PublicIncidentOf(cur, in, events[0], components), events, nil
	})
	if err != nil {
		return nil, err
	}
	s.Invalidate()
	return p, nil
}

// PublicRecord returns the public record of an incident the actor can
// see; ENotFound when it is not public.
func (s *Service) PublicRecord(ctx context.Context, a warroom.Actor, idOrRef string) (*warroom.PublicIncident, error) {
	inc, err := s.cfg.Store.FindIncident(ctx, idOrRef)
	if err != nil {
		return nil, err
	}
	if !inc.VisibleTo(a) {
		return nil, warroom.Errorf(warroom.ENotFound, "incident %s not found", idOrRef)
	}
	return s.cfg.Store.FindPublicIncident(ctx, inc.ID)
}

// refreshJob handles status.refresh: the public record of an incident
// follows its state (the components of its services, its impact start,
// its recovery), then the components' statuses are recomputed; the first
// publication is also a notice to subscribers. Nothing for an incident
// that is not public.
func (s *Service) refreshJob(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var p RefreshPayload
	if err := decode(job, &p); err != nil {
		return nil, err
	}
	pub, err := s.cfg.Store.FindPublicIncident(ctx, p.IncidentID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	inc, err := s.cfg.Store.FindIncident(ctx, p.IncidentID)
	if err != nil {
		return nil, err
	}
	components, err := s.cfg.Store.ListStatusComponents(ctx)
	if err != nil {
		return nil, err
	}
	next := *pub
	next.ComponentIDs = warroom.AffectedComponents(inc.Impact.ServiceIDs, components)
	next.StartedAt = inc.ImpactStartedAt
	next.ResolvedAt = nil
	if inc.Stage.Recovered() && inc.RecoveredAt != nil {
		t := *inc.RecoveredAt
		next.ResolvedAt = &t
	}
	if err := s.cfg.Store.PutPublicIncident(ctx, &next); err != nil {
		return nil, err
	}
	s.Invalidate()
	if err := s.recompute(ctx, now, "", ""); err != nil {
		return nil, err
	}
	if inc.Private {
		return nil, nil
	}
	// Told once: when it was first made public, and when it resolved.
	var jobs []engine.Job
	n := Notice{Key: "published:" + inc.ID, Components: next.ComponentIDs,
		Subject: fmt.Sprintf("%s: %s", next.Impact.Label(), next.Title),
		Body:    fmt.Sprintf("We are investigating: %s.\nAffected: %s.", next.Title, s.componentNames(components, next.ComponentIDs)),
		URL:     s.pageURL("/status/incidents/" + next.Slug)}
	jobs = append(jobs, newJob(KindFanout, "status-fanout:"+n.Key, now, n))
	if next.ResolvedAt != nil {
		r := Notice{Key: fmt.Sprintf("resolved:%s:%d", inc.ID, next.ResolvedAt.UnixMicro()), Components: next.ComponentIDs,
			Subject: "Resolved: " + next.Title, Body: fmt.Sprintf("%s is resolved.", next.Title), URL: n.URL}
		jobs = append(jobs, newJob(KindFanout, "status-fanout:"+r.Key, now, r))
	}
	return jobs, nil
}

func (s *Service) componentNames(components []*warroom.StatusComponent, ids []string) string {
	out := ""
	for _, c := range components {
		for _, id := range ids {
			if c.ID == id {
				if out != "" {
					out += ", "
				}
				out += c.Name
			}
		}
	}
	if out == "" {
		return "no component in particular"
	}
	return out
}

func (s *Service) recomputeJob(ctx context.Context, _ engine.Job, now time.Time) ([]engine.Job, error) {
	return nil, s.recompute(ctx, now, "", "")
}
