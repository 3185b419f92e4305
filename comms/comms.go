package comms

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/oncall"
)

// Store is what comms reads and writes; sqlstore.Store implements it.
type Store interface {
	warroom.IncidentStore
	FindUser(ctx context.Context, idOrHandle string) (*warroom.User, error)
	ListUsers(ctx context.Context) ([]*warroom.User, error)
	FindTeam(ctx context.Context, idOrSlug string) (*warroom.Team, error)
	FindService(ctx context.Context, idOrSlug string) (*warroom.Service, error)
	FindEscalationPolicy(ctx context.Context, idOrName string) (*warroom.EscalationPolicy, error)
	FindSchedule(ctx context.Context, idOrName string) (*oncall.Schedule, error)
	Enqueue(ctx context.Context, jobs ...engine.Job) error

	RecordUpdate(ctx context.Context, idOrRef string, idem warroom.Idempotency,
		decide func(inc *warroom.Incident) (*warroom.Update, []warroom.Event, error)) (*warroom.Update, error)
	FindUpdate(ctx context.Context, id string) (*warroom.Update, error)
	ListUpdates(ctx context.Context, incidentID string, audience warroom.Audience) ([]*warroom.Update, error)
	GetUpdateTemplate(ctx context.Context, a warroom.Audience) (*warroom.UpdateTemplate, error)
	PutUpdateTemplate(ctx context.Context, t *warroom.UpdateTemplate) error

	CreateCustomer(ctx context.Context, c *warroom.Customer) error
	UpdateCustomer(ctx context.Context, c *warroom.Customer) error
	DeleteCustomer(ctx context.Context, id string) error
	FindCustomer(ctx context.Context, idOrName string) (*warroom.Customer, error)
	ListCustomers(ctx context.Context) ([]*warroom.Customer, error)

	AddDeliveries(ctx context.Context, ds []warroom.CustomerDelivery, jobs []engine.Job) error
	FindDelivery(ctx context.Context, id string) (*warroom.CustomerDelivery, error)
	ListDeliveries(ctx context.Context, incidentID string) ([]*warroom.CustomerDelivery, error)
	RecordDeliveryAttempt(ctx context.Context, id, state, errText, providerID string, at time.Time) error
}

// Sender delivers one message by its channel; *notify.Registry is one.
type Sender interface {
	Send(ctx context.Context, m notify.Message) (string, error)
}

// Notice kinds: what comms tells the incident's chat channel.
const (
	NoticeUpdateDue  = "update_due"  // an update is due: its owner is reminded
	NoticeUpdateLate = "update_late" // a deadline passed: the IC is told
	NoticeAssess     = "assess"      // the three assessment questions, right after declaration
	NoticeAssessLate = "assess_late" // the assessment is incomplete after assess-target
	NoticeHelp       = "help"        // people were paged for help
)

// Notice is something comms says about an incident for its chat channel.
type Notice struct {
	Kind       string           `json:"kind"`
	IncidentID string           `json:"incident_id"`
	Audience   warroom.Audience `json:"audience,omitempty"`
	UserID     string           `json:"user_id,omitempty"` // whom it is addressed to, if anyone
	Subject    string           `json:"subject"`
	Text       string           `json:"text"`
}

// Hook posts notices to an incident's chat channel (the chat package
// implements it). It runs in its own keyed engine job, so it is called at
// least once per notice: a hook that must post exactly once dedupes by
// the key it is given. An error retries the job.
type Hook interface {
	Notice(ctx context.Context, key string, n Notice) error
}

// Config configures comms. Store, Incidents and Sender are required.
type Config struct {
	Store     Store
	Incidents *warroom.Incidents
	Now       func() time.Time
	Policy    warroom.Policy
	Cadence   warroom.CadencePolicy
	Sender    Sender
	// Hook, if set, gets every notice for the chat channel.
	Hook Hook
	// MaxAttempts bounds the tries of one customer delivery; default 12.
	MaxAttempts int
	Logger      *slog.Logger
}

// Service is comms: the API's operations, the reactor and the job
// handlers.
type Service struct {
	cfg Config
}

// New returns the service for cfg.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Incidents == nil || cfg.Sender == nil {
		return nil, errors.New("comms: Store, Incidents and Sender are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 12
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Cadence.Customer == 0 && cfg.Cadence.MajorInternal == 0 && cfg.Cadence.BySeverity == nil {
		cfg.Cadence = warroom.DefaultCadencePolicy(cfg.Policy)
	}
	if err := cfg.Cadence.Validate(); err != nil {
		return nil, err
	}
	return &Service{cfg: cfg}, nil
}

// newID returns a time-sortable ID.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// derivedID returns an ID that is the same each time it is made from the
// same parts, so that work done twice makes the same rows.
func derivedID(parts ...string) string {
	s := "warroom:comms"
	for _, p := range parts {
		s += ":" + p
	}
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte(s)).String()
}

// find returns an incident a may see; ENotFound otherwise, in the same
// words as for one that does not exist.
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

// name shows a user ID as "@handle".
func (s *Service) name(ctx context.Context) func(string) string {
	cache := map[string]string{}
	return func(id string) string {
		if n, ok := cache[id]; ok {
			return n
		}
		n := id
		if u, err := s.cfg.Store.FindUser(ctx, id); err == nil {
			n = "@" + u.Handle
		}
		cache[id] = n
		return n
	}
}
