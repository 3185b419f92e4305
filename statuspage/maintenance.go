package statuspage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// MaintenanceInput is a window as a responder schedules it: components by
// ID or name.
type MaintenanceInput struct {
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Components  []string  `json:"components"`
	StartsAt    time.Time `json:"starts_at"`
	EndsAt      time.Time `json:"ends_at"`
}

// MaintenanceUpdateInput is a note on a window.
type MaintenanceUpdateInput struct {
	Body string `json:"body"`
}

func (s *Service) resolveComponents(ctx context.Context, field string, in []string) ([]string, error) {
	list, err := s.cfg.Store.ListStatusComponents(ctx)
	if err != nil {
		return nil, err
	}
	out := []string{}
next:
	for _, ref := range in {
		ref = strings.TrimSpace(ref)
		if ref == "" {
			continue
		}
		for _, c := range list {
			if c.ID == ref || strings.EqualFold(c.Name, ref) {
				out = append(out, c.ID)
				continue next
			}
		}
		return nil, warroom.Invalid(field, "unknown component %q", ref)
	}
	return out, nil
}

// ScheduleMaintenance schedules a window (responders and admins):
// subscribers are told now, when it starts and when it ends (engine jobs
// due then), and its components show under maintenance during it.
func (s *Service) ScheduleMaintenance(ctx context.Context, a warroom.Actor, in MaintenanceInput) (*warroom.Maintenance, error) {
	if err := requireWriter(a); err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	m := &warroom.Maintenance{ID: newID(), Title: in.Title, Description: in.Description, StartsAt: in.StartsAt.UTC(),
		EndsAt: in.EndsAt.UTC(), CreatedBy: a.UserID, CreatedAt: now, Updates: []warroom.MaintenanceUpdate{}}
	if err := m.Validate(now); err != nil {
		return nil, err
	}
	ids, err := s.resolveComponents(ctx, "components", in.Components)
	if err != nil {
		return nil, err
	}
	m.ComponentIDs = ids
	if err := s.cfg.Store.CreateMaintenance(ctx, m, s.maintenanceJobs(m, now)); err != nil {
		return nil, err
	}
	s.Invalidate()
	return m, nil
}

// maintenanceJobs are a new window's: the notice that it is scheduled,
// and at its start and end a recompute of the statuses and a notice.
func (s *Service) maintenanceJobs(m *warroom.Maintenance, now time.Time) []engine.Job {
	url := s.pageURL("/status#maintenance-" + m.ID)
	when := fmt.Sprintf("%s to %s", m.StartsAt.In(s.cfg.Location).Format("Mon 2 Jan 2006 15:04 MST"),
		m.EndsAt.In(s.cfg.Location).Format("Mon 2 Jan 2006 15:04 MST"))
	mk := func(phase, subject, body string) Notice {
		return Notice{Key: "maintenance:" + m.ID + ":" + phase, Components: m.ComponentIDs, MaintenanceID: m.ID, Phase: phase,
			Subject: subject, Body: body, URL: url}
	}
	sched := mk("scheduled", "Maintenance scheduled: "+m.Title, fmt.Sprintf("%s\n\nWhen: %s\n\n%s", m.Title, when, m.Description))
	start := mk("in_progress", "Maintenance started: "+m.Title, fmt.Sprintf("%s has started (%s).", m.Title, when))
	end := mk("completed", "Maintenance completed: "+m.Title, fmt.Sprintf("%s is completed.", m.Title))
	return []engine.Job{
		newJob(KindFanout, "status-fanout:"+sched.Key, now, sched),
		newJob(KindRecompute, "status-recompute:"+m.ID+":start", m.StartsAt, struct{}{}),
		newJob(KindFanout, "status-fanout:"+start.Key, m.StartsAt, start),
		newJob(KindRecompute, "status-recompute:"+m.ID+":end", m.EndsAt, struct{}{}),
		newJob(KindFanout, "status-fanout:"+end.Key, m.EndsAt, end),
	}
}

// CancelMaintenance cancels a window that is not over: its later notices
// are not sent, subscribers are told it is cancelled.
func (s *Service) CancelMaintenance(ctx context.Context, a warroom.Actor, id string) error {
	if err := requireWriter(a); err != nil {
		return err
	}
	m, err := s.cfg.Store.FindMaintenance(ctx, id)
	if err != nil {
		return err
	}
	now := s.cfg.Now().UTC()
	n := Notice{Key: "maintenance:" + m.ID + ":cancelled", Components: m.ComponentIDs, Subject: "Maintenance cancelled: " + m.Title,
		Body: m.Title + " is cancelled.", URL: s.pageURL("/status")}
	err = s.cfg.Store.CancelMaintenance(ctx, m.ID, now, []engine.Job{
		newJob(KindRecompute, "status-recompute:"+m.ID+":cancel", now, struct{}{}),
		newJob(KindFanout, "status-fanout:"+n.Key, now, n)})
	if err != nil {
		return err
	}
	s.Invalidate()
	return nil
}

// AddMaintenanceUpdate posts a note on a window; subscribers get it.
func (s *Service) AddMaintenanceUpdate(ctx context.Context, a warroom.Actor, id string, in MaintenanceUpdateInput) (*warroom.MaintenanceUpdate, error) {
	if err := requireWriter(a); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Body) == "" || len(in.Body) > 10000 {
		return nil, warroom.Invalid("body", "the update's text is required (at most 10000 characters)")
	}
	m, err := s.cfg.Store.FindMaintenance(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.CancelledAt != nil {
		return nil, warroom.Errorf(warroom.EConflict, "maintenance %s is cancelled", m.ID)
	}
	now := s.cfg.Now().UTC()
	u := warroom.MaintenanceUpdate{ID: newID(), Body: in.Body, At: now}
	n := Notice{Key: "maintenance-update:" + u.ID, Components: m.ComponentIDs, Subject: "Maintenance update: " + m.Title,
		Body: in.Body, URL: s.pageURL("/status#maintenance-" + m.ID)}
	if err := s.cfg.Store.AddMaintenanceUpdate(ctx, m.ID, u, []engine.Job{newJob(KindFanout, "status-fanout:"+n.Key, now, n)}); err != nil {
		return nil, err
	}
	s.Invalidate()
	return &u, nil
}

// Maintenance lists the windows not over before since.
func (s *Service) Maintenance(ctx context.Context, since time.Time) ([]*warroom.Maintenance, error) {
	return s.cfg.Store.ListMaintenance(ctx, since)
}
