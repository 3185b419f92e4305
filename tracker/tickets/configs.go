package tickets

import (
	"context"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/tracker"
)

// ConfigInput is a tracker setting as an admin gives it: for a service or
// a team, by ID or slug.
type ConfigInput struct {
	Service       string       `json:"service,omitempty"`
	Team          string       `json:"team,omitempty"`
	Kind          tracker.Kind `json:"kind"`
	BaseURL       string       `json:"base_url,omitempty"`
	Project       string       `json:"project"`
	Credentials   string       `json:"credentials"`
	WebhookSecret string       `json:"webhook_secret,omitempty"`
	IssueType     string       `json:"issue_type,omitempty"`
}

// CreateConfig stores the tracker settings of a service or team. EInvalid
// names the field at fault (unknown kind, bad URL, project, secret name,
// neither or both of service and team); ENotFound an unknown service or
// team; EConflict a service or team that has settings already. Callers
// check that the actor is an admin.
func (s *Service) CreateConfig(ctx context.Context, in ConfigInput) (*tracker.Config, error) {
	c := &tracker.Config{Kind: in.Kind, BaseURL: in.BaseURL, Project: strings.TrimSpace(in.Project),
		Credentials: strings.TrimSpace(in.Credentials), WebhookSecret: strings.TrimSpace(in.WebhookSecret),
		IssueType: strings.TrimSpace(in.IssueType), CreatedAt: s.cfg.Now()}
	switch {
	case in.Service != "" && in.Team != "":
		return nil, warroom.Invalid("service", "name a service or a team, not both")
	case in.Service != "":
		svc, err := s.cfg.Store.FindService(ctx, in.Service)
		if err != nil {
			return nil, err
		}
		c.Scope, c.ScopeID = tracker.ScopeService, svc.ID
	case in.Team != "":
		team, err := s.cfg.Store.FindTeam(ctx, in.Team)
		if err != nil {
			return nil, err
		}
		c.Scope, c.ScopeID = tracker.ScopeTeam, team.ID
	default:
		return nil, warroom.Invalid("service", "name the service or the team whose tickets go to this tracker")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := s.cfg.Store.CreateTrackerConfig(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Configs returns every tracker setting.
func (s *Service) Configs(ctx context.Context) ([]*tracker.Config, error) {
	return s.cfg.Store.TrackerConfigs(ctx)
}

// DeleteConfig removes tracker settings; tickets made stay, and are
// polled no more. ENotFound.
func (s *Service) DeleteConfig(ctx context.Context, id string) error {
	return s.cfg.Store.DeleteTrackerConfig(ctx, id)
}

// IncidentTickets returns an incident's ticket and its action items'
// tickets (those made under it); empty if it has none. Callers check
// first that the actor may see the incident.
func (s *Service) IncidentTickets(ctx context.Context, incidentID string) ([]*tracker.Ticket, error) {
	tk, err := s.cfg.Store.TicketFor(ctx, tracker.SubjectIncident, incidentID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return []*tracker.Ticket{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := []*tracker.Ticket{tk}
	if tk.Key == "" {
		return out, nil
	}
	children, err := s.cfg.Store.TicketsWithParent(ctx, tk.Tracker, tk.Key)
	if err != nil {
		return nil, err
	}
	return append(out, children...), nil
}

// IncidentTracker returns the tracker settings an incident's tickets go
// to (its ticket's, else its services' or their teams'); ENotFound if no
// tracker applies, for the close gate ("every action item has a ticket
// where a tracker is configured").
func (s *Service) IncidentTracker(ctx context.Context, incidentID string) (*tracker.Config, error) {
	inc, err := s.cfg.Store.FindIncident(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	return s.incidentConfig(ctx, inc)
}

// TicketsRequired reports whether an incident's action items must have
// tickets: a tracker applies to it. It is the close gate's ticket policy
// (warroom.TicketPolicy where the postmortem's close gate defines it).
func (s *Service) TicketsRequired(ctx context.Context, inc *warroom.Incident) (bool, error) {
	_, err := s.incidentConfig(ctx, inc)
	switch warroom.ErrorCode(err) {
	case "":
		return true, nil
	case warroom.ENotFound:
		return false, nil
	}
	return false, err
}
