package warroom

import "context"

// TimelineTailReader is a store that reads a timeline from its end:
// the events with Seq < before (before 0: from the last), newest first,
// at most limit. sqlstore implements it; a page of a long timeline then
// costs one index range scan instead of reading every event.
type TimelineTailReader interface {
	TimelineBefore(ctx context.Context, incidentID string, before int64, limit int) ([]Event, error)
}

// GetRecent returns the incident idOrRef as a sees it, like Get, but with
// only the newest limit events of its timeline before seq before (0: the
// newest), newest first: a page shows the latest entries and loads
// earlier ones on demand. ENotFound as for Get.
func (s *Incidents) GetRecent(ctx context.Context, a Actor, idOrRef string, before int64, limit int) (*IncidentView, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	events, err := s.TimelineBefore(ctx, a, inc.ID, before, limit)
	if err != nil {
		return nil, err
	}
	v := &IncidentView{Incident: inc, Holders: EffectiveHolders(inc), Timeline: events, NextStage: NextStages(inc.Stage)}
	if !inc.Major {
		v.Major = MajorReasons(inc, s.Now(), s.Policy)
	}
	v.People, err = s.people(ctx, inc, events)
	return v, err
}

// TimelineBefore returns the events of an incident a may see with Seq <
// before (0: all), newest first, at most limit (0: all).
func (s *Incidents) TimelineBefore(ctx context.Context, a Actor, idOrRef string, before int64, limit int) ([]Event, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	if r, ok := s.Store.(TimelineTailReader); ok {
		return r.TimelineBefore(ctx, inc.ID, before, limit)
	}
	all, err := s.Store.Timeline(ctx, inc.ID, 0, 0)
	if err != nil {
		return nil, err
	}
	var out []Event
	for i := len(all) - 1; i >= 0 && (limit <= 0 || len(out) < limit); i-- {
		if before <= 0 || all[i].Seq < before {
			out = append(out, all[i])
		}
	}
	return out, nil
}
