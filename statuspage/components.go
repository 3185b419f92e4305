package statuspage

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// ComponentInput is a component as an admin writes it: services by ID or
// slug.
type ComponentInput struct {
	Name        string   `json:"name"`
	Group       string   `json:"group"`
	Description string   `json:"description"`
	Position    int      `json:"position"`
	Services    []string `json:"services"`
}

// StatusInput sets a component's status by hand (with a reason), or
// clears it (status ""): the status follows incidents again.
type StatusInput struct {
	Status warroom.ComponentStatus `json:"status"`
	Reason string                  `json:"reason"`
}

func requireAdmin(a warroom.Actor) error {
	if a.Role != warroom.AccountAdmin {
		return warroom.Errorf(warroom.EForbidden, "only admins change the status page")
	}
	return nil
}

func requireWriter(a warroom.Actor) error {
	if !a.Role.CanWrite() {
		return warroom.Errorf(warroom.EForbidden, "viewers can read the status page but change nothing")
	}
	return nil
}

func (s *Service) resolveServices(ctx context.Context, in []string) ([]string, error) {
	out := []string{}
	for _, ref := range in {
		ref = strings.TrimSpace(ref)
		if ref == "" {
			continue
		}
		svc, err := s.cfg.Store.FindService(ctx, ref)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			return nil, warroom.Invalid("services", "unknown service %q", ref)
		}
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, svc.ID) {
			out = append(out, svc.ID)
		}
	}
	return out, nil
}

// CreateComponent adds a component (admins).
func (s *Service) CreateComponent(ctx context.Context, a warroom.Actor, in ComponentInput) (*warroom.StatusComponent, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	c := &warroom.StatusComponent{ID: newID(), Name: in.Name, Group: in.Group, Description: in.Description,
		Position: in.Position, CreatedAt: s.cfg.Now().UTC()}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	ids, err := s.resolveServices(ctx, in.Services)
	if err != nil {
		return nil, err
	}
	c.ServiceIDs = ids
	if err := s.cfg.Store.CreateStatusComponent(ctx, c); err != nil {
		return nil, err
	}
	s.Invalidate()
	return c, s.refreshAll(ctx, a)
}

// UpdateComponent replaces a component's fields (admins).
func (s *Service) UpdateComponent(ctx context.Context, a warroom.Actor, id string, in ComponentInput) (*warroom.StatusComponent, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	c, err := s.Component(ctx, id)
	if err != nil {
		return nil, err
	}
	c.Name, c.Group, c.Description, c.Position = in.Name, in.Group, in.Description, in.Position
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.ServiceIDs, err = s.resolveServices(ctx, in.Services); err != nil {
		return nil, err
	}
	if err := s.cfg.Store.UpdateStatusComponent(ctx, c); err != nil {
		return nil, err
	}
	s.Invalidate()
	return c, s.refreshAll(ctx, a)
}

// DeleteComponent removes a component (admins); its history stays.
func (s *Service) DeleteComponent(ctx context.Context, a warroom.Actor, id string) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	c, err := s.Component(ctx, id)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.DeleteStatusComponent(ctx, c.ID); err != nil {
		return err
	}
	s.Invalidate()
	return nil
}

// Component finds a component by ID or name (any case); ENotFound.
func (s *Service) Component(ctx context.Context, idOrName string) (*warroom.StatusComponent, error) {
	list, err := s.cfg.Store.ListStatusComponents(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		if c.ID == idOrName || strings.EqualFold(c.Name, strings.TrimSpace(idOrName)) {
			return c, nil
		}
	}
	return nil, warroom.Errorf(warroom.ENotFound, "no component %q", idOrName)
}

// Components lists the components in page order.
func (s *Service) Components(ctx context.Context) ([]*warroom.StatusComponent, error) {
	return s.cfg.Store.ListStatusComponents(ctx)
}

// SetStatus sets a component's status by hand with a reason, or clears
// it (responders and admins); the change is kept in its history.
func (s *Service) SetStatus(ctx context.Context, a warroom.Actor, id string, in StatusInput) (*warroom.StatusComponent, error) {
	if err := requireWriter(a); err != nil {
		return nil, err
	}
	if in.Status != "" && !in.Status.Valid() {
		return nil, warroom.Invalid("status", "status must be operational, under_maintenance, degraded_performance, partial_outage or major_outage (empty: follow incidents)")
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Status != "" && in.Reason == "" {
		return nil, warroom.Invalid("reason", "say why the status is set by hand")
	}
	if len(in.Reason) > 500 {
		return nil, warroom.Invalid("reason", "reason must be at most 500 characters")
	}
	c, err := s.Component(ctx, id)
	if err != nil {
		return nil, err
	}
	c.ManualStatus, c.ManualReason = in.Status, in.Reason
	if err := s.cfg.Store.UpdateStatusComponent(ctx, c); err != nil {
		return nil, err
	}
	s.Invalidate()
	return c, s.recompute(ctx, s.cfg.Now().UTC(), a.UserID, in.Reason)
}

// refreshAll recomputes every status after the components changed.
func (s *Service) refreshAll(ctx context.Context, a warroom.Actor) error {
	return s.recompute(ctx, s.cfg.Now().UTC(), a.UserID, "")
}

// state is what the page's statuses are computed from at a time.
type state struct {
	components []*warroom.StatusComponent
	incidents  []*warroom.PublicIncident // not resolved before the history's start
	windows    []*warroom.Maintenance    // ending after the history's start
	changes    map[string][]warroom.ComponentChange
}

// historyDays is how many days of history the page shows.
const historyDays = 90

func (s *Service) historyStart(now time.Time) time.Time {
	y, m, d := now.In(s.cfg.Location).Date()
	return time.Date(y, m, d-historyDays, 0, 0, 0, 0, s.cfg.Location)
}

func (s *Service) load(ctx context.Context, now time.Time) (*state, error) {
	since := s.historyStart(now)
	st := &state{}
	var err error
	if st.components, err = s.cfg.Store.ListStatusComponents(ctx); err != nil {
		return nil, err
	}
	if st.incidents, err = s.publicIncidents(ctx, since); err != nil {
		return nil, err
	}
	if st.windows, err = s.cfg.Store.ListMaintenance(ctx, since); err != nil {
		return nil, err
	}
	if st.changes, err = s.cfg.Store.ListComponentChanges(ctx, since); err != nil {
		return nil, err
	}
	return st, nil
}

// publicIncidents are the public records of incidents that are still
// public: an incident made private since is left out.
func (s *Service) publicIncidents(ctx context.Context, since time.Time) ([]*warroom.PublicIncident, error) {
	list, err := s.cfg.Store.ListPublicIncidents(ctx, since)
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, p := range list {
		inc, err := s.cfg.Store.FindIncident(ctx, p.IncidentID)
		if err != nil {
			if warroom.ErrorCode(err) == warroom.ENotFound {
				continue
			}
			return nil, err
		}
		if !inc.Private {
			out = append(out, p)
		}
	}
	return out, nil
}

// recompute computes every component's status at now and keeps each
// change in its history.
func (s *Service) recompute(ctx context.Context, now time.Time, actorID, reason string) error {
	st, err := s.load(ctx, now)
	if err != nil {
		return err
	}
	var changes []warroom.ComponentChange
	for _, c := range st.components {
		next := warroom.ComponentStatusAt(c, st.incidents, st.windows, now)
		prev := warroom.StatusOperational
		if h := st.changes[c.ID]; len(h) > 0 {
			prev = h[len(h)-1].Status
		}
		if next == prev {
			continue
		}
		ch := warroom.ComponentChange{ComponentID: c.ID, Status: next, At: now, Source: "auto"}
		switch {
		case c.ManualStatus != "":
			ch.Source, ch.Reason, ch.ActorID = "manual", c.ManualReason, actorID
		case next == warroom.StatusMaintenance:
			ch.Source = "maintenance"
		case next != warroom.StatusOperational:
			ch.Source = "incident"
			for _, p := range st.incidents {
				if p.Active(now) && p.Impact == next && slices.Contains(p.ComponentIDs, c.ID) {
					ch.IncidentID = p.IncidentID
					break
				}
			}
		}
		if ch.Source == "auto" && reason != "" {
			ch.Reason = reason
		}
		changes = append(changes, ch)
	}
	if err := s.cfg.Store.AddComponentChanges(ctx, changes); err != nil {
		return err
	}
	if len(changes) > 0 {
		s.Invalidate()
	}
	return nil
}

// History returns a component's changes since the history's start.
func (s *Service) History(ctx context.Context, id string) ([]warroom.ComponentChange, error) {
	c, err := s.Component(ctx, id)
	if err != nil {
		return nil, err
	}
	all, err := s.cfg.Store.ListComponentChanges(ctx, s.historyStart(s.cfg.Now()))
	if err != nil {
		return nil, err
	}
	out := all[c.ID]
	if out == nil {
		out = []warroom.ComponentChange{}
	}
	return out, nil
}
