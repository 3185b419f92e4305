// Package statuspage is warroom's public status page (docs/status-page.md):
// components and their history, incidents made public, scheduled
// maintenance, subscribers by email and webhook, the public page itself
// (HTML without JavaScript, Atom, JSON) and its admin operations.
//
// It is a package of its own, not part of web/, because the public page
// answers anyone on the internet: it has no session, no CSRF cookie, no
// account, and it may be served on a listener of its own where nothing
// else of warroom is reachable (Handler). The admin screens are web/
// pages calling this package's Service, like every other page.
package statuspage

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
	"github.com/warroom/warroom/sqlstore"
)

// Store is what the status page reads and writes; *sqlstore.Store is one.
type Store interface {
	FindIncident(ctx context.Context, idOrRef string) (*warroom.Incident, error)
	ListUpdates(ctx context.Context, incidentID string, audience warroom.Audience) ([]*warroom.Update, error)
	FindUpdate(ctx context.Context, id string) (*warroom.Update, error)
	FindService(ctx context.Context, idOrSlug string) (*warroom.Service, error)
	Enqueue(ctx context.Context, jobs ...engine.Job) error

	CreateStatusComponent(ctx context.Context, c *warroom.StatusComponent) error
	UpdateStatusComponent(ctx context.Context, c *warroom.StatusComponent) error
	DeleteStatusComponent(ctx context.Context, id string) error
	ListStatusComponents(ctx context.Context) ([]*warroom.StatusComponent, error)
	AddComponentChanges(ctx context.Context, changes []warroom.ComponentChange) error
	ListComponentChanges(ctx context.Context, since time.Time) (map[string][]warroom.ComponentChange, error)

	PublishIncident(ctx context.Context, idOrRef string, idem warroom.Idempotency,
		decide func(inc *warroom.Incident) (*warroom.PublicIncident, []warroom.Event, error)) (*warroom.PublicIncident, error)
	PutPublicIncident(ctx context.Context, p *warroom.PublicIncident) error
	FindPublicIncident(ctx context.Context, idOrSlug string) (*warroom.PublicIncident, error)
	ListPublicIncidents(ctx context.Context, since time.Time) ([]*warroom.PublicIncident, error)

	CreateMaintenance(ctx context.Context, m *warroom.Maintenance, jobs []engine.Job) error
	CancelMaintenance(ctx context.Context, id string, at time.Time, jobs []engine.Job) error
	AddMaintenanceUpdate(ctx context.Context, maintenanceID string, u warroom.MaintenanceUpdate, jobs []engine.Job) error
	FindMaintenance(ctx context.Context, id string) (*warroom.Maintenance, error)
	ListMaintenance(ctx context.Context, since time.Time) ([]*warroom.Maintenance, error)

	Subscribe(ctx context.Context, sub *warroom.Subscriber, limits warroom.SubscribeLimits, now time.Time,
		jobsFor func(stored *warroom.Subscriber) []engine.Job) (*warroom.Subscriber, error)
	ConfirmSubscriber(ctx context.Context, id string, at time.Time) error
	DeleteSubscriber(ctx context.Context, id string) error
	FindSubscriber(ctx context.Context, id string) (*warroom.Subscriber, error)
	ListSubscribers(ctx context.Context, confirmed bool) ([]*warroom.Subscriber, error)

	AddStatusDeliveries(ctx context.Context, ds []sqlstore.StatusDelivery, jobs []engine.Job) (int64, error)
	DueStatusDeliveries(ctx context.Context, noticeKey string, now time.Time, limit int) ([]sqlstore.StatusDelivery, error)
	NextStatusDelivery(ctx context.Context, noticeKey string) (time.Time, bool, error)
	RecordStatusAttempt(ctx context.Context, id, state, errText string, next, at time.Time) error
	ListStatusDeliveries(ctx context.Context, subscriberID string) ([]sqlstore.StatusDelivery, error)
}

// Sender delivers one message; *notify.Registry is one (email and webhook).
type Sender interface {
	Send(ctx context.Context, m notify.Message) (string, error)
}

// CommitSource tells of incident commits (sqlstore.Store.ListenIncidents):
// the page's cache is dropped on each.
type CommitSource interface {
	ListenIncidents(ctx context.Context) (<-chan warroom.IncidentCommit, error)
}

// Link is a link shown in the page's header.
type Link struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Config configures the status page. Store, Now and Key are required.
type Config struct {
	Store  Store
	Now    warroom.Clock
	Policy warroom.Policy
	Sender Sender
	// Key signs confirmation and unsubscribe links.
	Key []byte
	// BaseURL is where the public reaches the page's server (links in
	// mails and feeds); the page is at BaseURL + "/status".
	BaseURL string
	Name    string // the organisation's name
	LogoURL string
	Links   []Link
	// Location cuts the history into days; nil: UTC.
	Location *time.Location
	// Limits bounds subscription requests; zero: the defaults.
	Limits warroom.SubscribeLimits
	// CheckURL refuses a webhook subscriber's URL the outbound policy
	// would not reach (outbound.Policy.CheckURL); nil: none refused here
	// (the notifier's guarded client checks again when it dials).
	CheckURL func(string) error
	// MaxAttempts is how often a notice is tried (0: 8).
	MaxAttempts int
	Logger      *slog.Logger
}

// Service is the status page.
type Service struct {
	cfg     Config
	version atomic.Int64 // bumped by every change the page shows
	cache   sync.Map     // cache key -> *cached
	// renderMu lets one request render a missing page while the others
	// wait for it rather than render it too.
	renderMu sync.Mutex
}

// New returns the status page of cfg.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Now == nil || len(cfg.Key) == 0 {
		return nil, fmt.Errorf("statuspage: Store, Now and Key are required")
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Limits == (warroom.SubscribeLimits{}) {
		cfg.Limits = warroom.DefaultSubscribeLimits
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Name == "" {
		cfg.Name = "Status"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	// The links' key is derived, so that the key given (the ack secret)
	// signs nothing else of the page's.
	mac := hmac.New(sha256.New, cfg.Key)
	mac.Write([]byte("warroom status page links"))
	cfg.Key = mac.Sum(nil)
	return &Service{cfg: cfg}, nil
}

// Invalidate drops the cached page: the next request renders it again.
func (s *Service) Invalidate() { s.version.Add(1) }

// Follow drops the cache on every incident commit (a customer update, a
// stage change) until ctx ends.
func (s *Service) Follow(ctx context.Context, src CommitSource) error {
	ch, err := src.ListenIncidents(ctx)
	if err != nil {
		return err
	}
	go func() {
		for range ch {
			s.Invalidate()
		}
	}()
	return nil
}

// Job kinds, on the engine's default queue.
const (
	KindRefresh     = "status.refresh"   // an incident changed: refresh its public record and the components' statuses
	KindRecompute   = "status.recompute" // a window started or ended: recompute the components' statuses
	KindFanout      = "status.fanout"    // a notice: one outbox row per subscriber who wants it
	KindDrain       = "status.drain"     // send a notice's due outbox rows
	KindConfirmMail = "status.confirm"   // send a confirmation request
	Queue           = paging.QueueDefault
)

// RefreshPayload names an incident.
type RefreshPayload struct {
	IncidentID string `json:"incident_id"`
}

// Notice is something subscribers are told: an incident made public or a
// customer update, a maintenance window scheduled, started, ended,
// cancelled or updated.
type Notice struct {
	Key        string   `json:"key"`
	Components []string `json:"components"`
	Subject    string   `json:"subject"`
	Body       string   `json:"body"`
	URL        string   `json:"url"`
	// Maintenance, for the phase notices, is checked at the time of the
	// job: a notice of a cancelled window is not sent.
	MaintenanceID string `json:"maintenance_id,omitempty"`
	Phase         string `json:"phase,omitempty"`
	// UpdateID names a customer update whose text is read at fan-out.
	UpdateID string `json:"update_id,omitempty"`
}

// ConfirmPayload names a subscriber to ask for confirmation.
type ConfirmPayload struct {
	SubscriberID string `json:"subscriber_id"`
}

func newJob(kind, key string, due time.Time, payload any) engine.Job {
	data, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("statuspage: marshal %s payload: %v", kind, err))
	}
	return engine.Job{ID: uuid.Must(uuid.NewV7()).String(), Queue: Queue, Kind: kind, Key: key, DueAt: due, Payload: data}
}

func decode(job engine.Job, v any) error {
	if err := json.Unmarshal(job.Payload, v); err != nil {
		return engine.Permanent{Err: fmt.Errorf("%s job %s: bad payload: %w", job.Kind, job.ID, err)}
	}
	return nil
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// Handlers returns the handler of every status page job kind.
func (s *Service) Handlers() map[string]engine.Handler {
	return map[string]engine.Handler{
		KindRefresh:     s.refreshJob,
		KindRecompute:   s.recomputeJob,
		KindFanout:      s.fanoutJob,
		KindDrain:       s.drainJob,
		KindConfirmMail: s.confirmJob,
	}
}

// Reactor returns the jobs an incident command calls for, in its
// transaction: a refresh of the incident's public record after anything
// the page shows may have changed, and the notice of a customer update.
// Both do nothing for an incident that is not public.
func (s *Service) Reactor() func(inc *warroom.Incident, events []warroom.Event) []engine.Job {
	return func(inc *warroom.Incident, events []warroom.Event) []engine.Job {
		var jobs []engine.Job
		refresh := false
		var at time.Time
		for _, e := range events {
			switch e.Type {
			case warroom.EventMadePublic, warroom.EventStageChanged, warroom.EventReopened, warroom.EventImpactChanged,
				warroom.EventImpactStartCorrected, warroom.EventPrivacyChanged:
				refresh = true
			case warroom.EventUpdateSent:
				refresh = true
				if e.Audience == warroom.AudienceCustomers {
					n := Notice{Key: "update:" + e.UpdateID, UpdateID: e.UpdateID}
					jobs = append(jobs, newJob(KindFanout, "status-fanout:"+n.Key, e.At, n))
				}
			}
			at = e.At
		}
		if refresh {
			jobs = append(jobs, newJob(KindRefresh, fmt.Sprintf("status-refresh:%s:v%d", inc.ID, inc.Version), at,
				RefreshPayload{IncidentID: inc.ID}))
		}
		return jobs
	}
}

// pageURL is the address of a page path ("/status/...").
func (s *Service) pageURL(path string) string { return s.cfg.BaseURL + path }

// linkURL is a signed subscriber link.
func (s *Service) linkURL(purpose string, sub *warroom.Subscriber) string {
	q := url.Values{"s": {sub.ID}, "t": {warroom.SubscriberToken(s.cfg.Key, purpose, sub.ID, sub.Address)}}
	return s.pageURL("/status/" + purpose + "?" + q.Encode())
}
