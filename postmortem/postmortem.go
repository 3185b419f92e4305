// Package postmortem serves postmortems and action items (issue 12,
// docs/postmortems.md): the living root-cause document of every incident,
// its review and publication, the blameless lint, Markdown export, and
// the action items with their due and overdue reminders. The rules are
// the domain's (postmortem.go, actionitem.go, blameless.go); this package
// resolves people, checks visibility before any write, and schedules the
// reminders as durable engine jobs.
package postmortem

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// Store is what the service reads and writes; sqlstore.Store implements
// it.
type Store interface {
	warroom.IncidentStore
	FindUser(ctx context.Context, idOrHandle string) (*warroom.User, error)
	ListUsers(ctx context.Context) ([]*warroom.User, error)

	ChangePostmortem(ctx context.Context, idOrRef string, change func(inc *warroom.Incident, pm *warroom.Postmortem, items []*warroom.ActionItem) (
		*warroom.Postmortem, []warroom.PostmortemRevision, []warroom.Event, error)) (*warroom.Postmortem, *warroom.Incident, error)
	FindPostmortem(ctx context.Context, incidentID string) (*warroom.Postmortem, error)
	ListPostmortemRevisions(ctx context.Context, incidentID string, section warroom.Section) ([]warroom.PostmortemRevision, error)

	AddActionItem(ctx context.Context, idOrRef string, build func(inc *warroom.Incident, number int64) (*warroom.ActionItem, error),
		jobs func(it *warroom.ActionItem) ([]engine.Job, error)) (*warroom.ActionItem, error)
	ChangeActionItem(ctx context.Context, id string,
		change func(inc *warroom.Incident, it *warroom.ActionItem) (*warroom.ActionItem, []warroom.Event, error),
		jobs func(it *warroom.ActionItem) ([]engine.Job, error)) (*warroom.ActionItem, error)
	FindActionItem(ctx context.Context, id string) (*warroom.ActionItem, error)
	ListActionItems(ctx context.Context, f warroom.ActionItemFilter) ([]*warroom.ActionItem, error)
}

// Config configures the service. Store is required.
type Config struct {
	Store Store
	Now   func() time.Time
	// Policy is the process's; the events recorded on the timeline are
	// decided under it like any command's. Default warroom.DefaultPolicy.
	Policy warroom.Policy
	// Location is the organisation's time zone: target dates are its
	// days and reminders go out at warroom.ReminderHour in it. Default
	// UTC.
	Location *time.Location
	// BlamePatterns lint the document; nil: warroom.DefaultBlamePatterns.
	BlamePatterns []warroom.BlamePattern
	// BaseURL prefixes the links in reminders; optional.
	BaseURL string
	// ItemJobs, if set, returns more jobs for an action item that was
	// just added or changed (created tells which), scheduled in the same
	// transaction as the item: the hook of a tracker integration that
	// makes and updates the item's ticket. Keyed jobs are scheduled once.
	ItemJobs func(it *warroom.ActionItem, created bool) ([]engine.Job, error)
	Logger   *slog.Logger
}

// Service is the postmortem service.
type Service struct {
	cfg Config
}

// New returns the service for cfg.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("postmortem: Store is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Policy == (warroom.Policy{}) {
		cfg.Policy = warroom.DefaultPolicy()
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.BlamePatterns == nil {
		cfg.BlamePatterns = warroom.DefaultBlamePatterns()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Service{cfg: cfg}, nil
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// find returns the incident idOrRef if a may see it; ENotFound in the same
// words otherwise, so that a private incident's existence does not leak.
func (s *Service) find(ctx context.Context, a warroom.Actor, idOrRef string) (*warroom.Incident, error) {
	inc, err := s.cfg.Store.FindIncident(ctx, idOrRef)
	if err != nil {
		return nil, err
	}
	if !inc.VisibleTo(a) {
		return nil, warroom.Errorf(warroom.ENotFound, "incident %s not found", idOrRef)
	}
	return inc, nil
}

// writable is find for a change: the incident must be visible (checked
// first, so that nothing about a hidden incident is told) and a must be
// allowed to write.
func (s *Service) writable(ctx context.Context, a warroom.Actor, idOrRef string) (*warroom.Incident, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	if !a.Role.CanWrite() {
		return nil, warroom.Errorf(warroom.EForbidden, "viewers can read postmortems and action items but change nothing")
	}
	return inc, nil
}

// people maps user IDs to "@handle", and lists the handles and first
// names the blameless lint treats as people.
func (s *Service) people(ctx context.Context) (map[string]string, []string, error) {
	users, err := s.cfg.Store.ListUsers(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[string]string, len(users))
	var lint []string
	for _, u := range users {
		names[u.ID] = "@" + u.Handle
		lint = append(lint, u.Handle)
		if first, _, _ := strings.Cut(strings.TrimSpace(u.Name), " "); len(first) > 2 {
			lint = append(lint, first)
		}
	}
	return names, lint, nil
}

func nameOf(names map[string]string) func(string) string {
	return func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		if id == "" {
			return "warroom"
		}
		return id
	}
}

// resolveOwner turns a handle or ID into a user ID; an unknown person is
// refused as bad input. On a private incident the owner must take part
// in it (or be an admin): a reminder would otherwise tell them about an
// incident they may not see.
func (s *Service) resolveOwner(ctx context.Context, inc *warroom.Incident, owner *string) error {
	if owner == nil || *owner == "" {
		return nil
	}
	u, err := s.cfg.Store.FindUser(ctx, strings.TrimPrefix(strings.TrimSpace(*owner), "@"))
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return warroom.Invalid("owner", "no user %q: the owner must be someone warroom knows", *owner)
	}
	if err != nil {
		return err
	}
	if !inc.VisibleTo(u.Actor()) {
		return warroom.Invalid("owner", "@%s does not take part in private incident %s; add them to it first", u.Handle, inc.Ref)
	}
	*owner = u.ID
	return nil
}

// SetItemJobs sets Config.ItemJobs, for a server that builds its tracker
// integration after this service. Call it before items are changed.
func (s *Service) SetItemJobs(f func(it *warroom.ActionItem, created bool) ([]engine.Job, error)) {
	s.cfg.ItemJobs = f
}

// Location is the zone action items' target dates end in.
func (s *Service) Location() *time.Location { return s.cfg.Location }
