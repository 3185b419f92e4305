package warroom

import (
	"context"
	"net/url"
	"strconv"
	"strings"
)

// Incidents runs commands on incidents: it resolves people and services
// through the directory, decides with the pure rules, and stores the
// events. Transports (HTTP, CLI through HTTP) call it; it never reads the
// wall clock itself.
type Incidents struct {
	Store  Store
	Now    Clock
	Policy Policy
	// NewID returns a new unique incident ID.
	NewID func() string
	// BridgeURLTemplate makes each incident's bridge link; {number},
	// {ref} and {id} are replaced (URL-escaped). Empty: no bridge link.
	BridgeURLTemplate string
	// Tickets, if set, says whether an incident's action items need
	// tracker tickets before it closes (closegate.go).
	Tickets TicketPolicy
}

// IncidentView is an incident as a reader sees it: its state, who
// effectively holds each role, its timeline, and the handles of everyone
// it mentions.
type IncidentView struct {
	Incident  *Incident         `json:"incident"`
	Holders   []RoleHolder      `json:"role_holders"`
	Timeline  []Event           `json:"timeline"`
	People    map[string]string `json:"people"` // user ID -> handle
	Major     []string          `json:"major_reasons_now,omitempty"`
	NextStage []Stage           `json:"next_stages"`
}

// BridgeURL fills the bridge URL template for an incident.
func BridgeURL(template string, number int64, id string) string {
	if template == "" {
		return ""
	}
	return strings.NewReplacer(
		"{number}", strconv.FormatInt(number, 10),
		"{ref}", url.PathEscape(FormatRef(number)),
		"{id}", url.PathEscape(id),
	).Replace(template)
}

// Declare opens an incident declared by a. ServiceIDs in the impact may be
// given as IDs or slugs. Errors: EForbidden for viewers, EInvalid,
// ENotFound for an unknown service, EConflict for a reused idempotency key.
func (s *Incidents) Declare(ctx context.Context, a Actor, d Declaration, idem Idempotency) (*CommandResult, error) {
	now := s.Now().UTC()
	if !a.Role.CanWrite() {
		return nil, Errorf(EForbidden, "viewers can read incidents but not declare them")
	}
	if err := d.Validate(now); err != nil {
		return nil, err
	}
	ids, err := s.resolveServices(ctx, d.Impact.ServiceIDs)
	if err != nil {
		return nil, err
	}
	d.Impact.ServiceIDs = ids
	id := s.NewID()
	return s.Store.DeclareIncident(ctx, idem, func(number int64) ([]Event, error) {
		d.Number = number
		d.BridgeURL = BridgeURL(s.BridgeURLTemplate, number, id)
		return Declare(id, d, a, now, s.Policy)
	})
}

// Execute runs a command on the incident idOrRef (ID or "INC-42") as a.
// People named in the command may be given by ID or handle. Errors: those
// of Decide, ENotFound for an unknown or hidden incident or person.
func (s *Incidents) Execute(ctx context.Context, a Actor, idOrRef string, cmd Command, idem Idempotency) (*CommandResult, error) {
	cmd, err := s.resolve(ctx, cmd)
	if err != nil {
		return nil, err
	}
	if isClose(cmd) {
		return s.executeClose(ctx, a, idOrRef, cmd, idem)
	}
	return s.Store.UpdateIncident(ctx, idOrRef, idem, func(inc *Incident) ([]Event, error) {
		return Decide(inc, a, cmd, s.Now().UTC(), s.Policy)
	})
}

// Get returns the incident idOrRef as a sees it; ENotFound if it does not
// exist or is private and a does not take part in it.
func (s *Incidents) Get(ctx context.Context, a Actor, idOrRef string) (*IncidentView, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	events, err := s.Store.Timeline(ctx, inc.ID, 0, 0)
	if err != nil {
		return nil, err
	}
	v := &IncidentView{Incident: inc, Holders: EffectiveHolders(inc), Timeline: events,
		NextStage: NextStages(inc.Stage)}
	if !inc.Major {
		v.Major = MajorReasons(inc, s.Now(), s.Policy)
	}
	v.People, err = s.people(ctx, inc, events)
	return v, err
}

// Timeline returns the events of an incident after seq, at most limit.
func (s *Incidents) Timeline(ctx context.Context, a Actor, idOrRef string, after int64, limit int) ([]Event, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	return s.Store.Timeline(ctx, inc.ID, after, limit)
}

// List returns the incidents a may see that match f.
func (s *Incidents) List(ctx context.Context, a Actor, f IncidentFilter) ([]*Incident, error) {
	f.Viewer = a
	if f.Severity != "" && !f.Severity.Valid() {
		return nil, Invalid("severity", "severity must be one of SEV1, SEV2, SEV3, SEV4")
	}
	if f.Stage != "" && !f.Stage.Valid() {
		return nil, Invalid("stage", "unknown stage %q", f.Stage)
	}
	if f.ServiceID != "" {
		svc, err := s.Store.FindService(ctx, f.ServiceID)
		if ErrorCode(err) == ENotFound {
			return nil, Invalid("service", "no service %q", f.ServiceID)
		} else if err != nil {
			return nil, err
		}
		f.ServiceID = svc.ID
	}
	if f.Limit < 0 || f.Limit > 1000 || f.Offset < 0 {
		return nil, Invalid("limit", "limit must be between 0 (the default, 100) and 1000, and offset not negative")
	}
	return s.Store.ListIncidents(ctx, f)
}

// SweepMajor applies the duration rule to every open incident: the safety
// net that records "lasted longer than 4h" when no command did. It returns
// how many incidents became major.
func (s *Incidents) SweepMajor(ctx context.Context) (int, error) {
	open := true
	system := Actor{Role: AccountAdmin}
	var list []*Incident
	for page := 0; ; page++ {
		batch, err := s.Store.ListIncidents(ctx, IncidentFilter{Viewer: system, Open: &open, Limit: 1000, Offset: page * 1000})
		if err != nil {
			return 0, err
		}
		list = append(list, batch...)
		if len(batch) < 1000 {
			break
		}
	}
	n := 0
	for _, inc := range list {
		if inc.Major {
			continue
		}
		if due, ok := MajorDueAt(inc, s.Policy); !ok || s.Now().Before(due) {
			continue
		}
		res, err := s.Store.UpdateIncident(ctx, inc.ID, Idempotency{}, func(cur *Incident) ([]Event, error) {
			return CheckMajor(cur, s.Now().UTC(), s.Policy), nil
		})
		if err != nil {
			return n, err
		}
		if len(res.Events) > 0 {
			n++
		}
	}
	return n, nil
}

func (s *Incidents) find(ctx context.Context, a Actor, idOrRef string) (*Incident, error) {
	inc, err := s.Store.FindIncident(ctx, idOrRef)
	if err != nil {
		return nil, err
	}
	if !inc.VisibleTo(a) {
		return nil, Errorf(ENotFound, "incident %s not found", idOrRef)
	}
	return inc, nil
}

// resolve replaces handles in a command by user IDs and fills in teams.
func (s *Incidents) resolve(ctx context.Context, cmd Command) (Command, error) {
	switch c := cmd.(type) {
	case AssignRole:
		u, err := s.user(ctx, c.UserID)
		if err != nil {
			return nil, err
		}
		c.UserID, c.UserTeamID = u.ID, u.TeamID
		return c, nil
	case ReleaseRole:
		if c.UserID != "" {
			u, err := s.user(ctx, c.UserID)
			if err != nil {
				return nil, err
			}
			c.UserID = u.ID
		}
		return c, nil
	case AddParticipant:
		u, err := s.user(ctx, c.UserID)
		if err != nil {
			return nil, err
		}
		c.UserID, c.UserTeamID = u.ID, u.TeamID
		return c, nil
	case ChangeImpact:
		ids, err := s.resolveServices(ctx, c.Impact.ServiceIDs)
		c.Impact.ServiceIDs = ids
		return c, err
	}
	return cmd, nil
}

func (s *Incidents) user(ctx context.Context, idOrHandle string) (*User, error) {
	if idOrHandle == "" {
		return nil, Invalid("user", "say who: a user ID or handle")
	}
	u, err := s.Store.FindUser(ctx, strings.TrimPrefix(idOrHandle, "@"))
	if ErrorCode(err) == ENotFound {
		return nil, Invalid("user", "no user %q", idOrHandle)
	}
	return u, err
}

func (s *Incidents) resolveServices(ctx context.Context, refs []string) ([]string, error) {
	var ids []string
	for _, r := range refs {
		svc, err := s.Store.FindService(ctx, r)
		if ErrorCode(err) == ENotFound {
			return nil, Invalid("impact.service_ids", "no service %q", r)
		} else if err != nil {
			return nil, err
		}
		ids = append(ids, svc.ID)
	}
	return ids, nil
}

// people maps every user an incident mentions to their handle.
func (s *Incidents) people(ctx context.Context, inc *Incident, events []Event) (map[string]string, error) {
	out := map[string]string{}
	add := func(id string) error {
		if _, ok := out[id]; ok || id == "" {
			return nil
		}
		u, err := s.Store.FindUser(ctx, id)
		if ErrorCode(err) == ENotFound {
			out[id] = id
			return nil
		} else if err != nil {
			return err
		}
		out[id] = "@" + u.Handle
		return nil
	}
	for _, id := range inc.Participants {
		if err := add(id); err != nil {
			return nil, err
		}
	}
	for i := range events {
		for _, id := range []string{events[i].ActorID, events[i].UserID, events[i].PreviousUserID} {
			if err := add(id); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
