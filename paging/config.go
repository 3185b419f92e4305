package paging

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/oncall"
)

// Store is what paging reads and writes: incidents and people, alerts,
// escalation policies and contact rules, schedules, jobs and the outbox.
// sqlstore.Store implements it.
type Store interface {
	warroom.IncidentStore
	// FindUser returns a user by ID or handle; ENotFound.
	FindUser(ctx context.Context, idOrHandle string) (*warroom.User, error)
	// FindService returns a service by ID or slug; ENotFound.
	FindService(ctx context.Context, idOrSlug string) (*warroom.Service, error)
	warroom.AlertStore
	warroom.EscalationStore
	notify.OutboxStore
	// Enqueue schedules jobs; a job whose Key exists is skipped.
	Enqueue(ctx context.Context, jobs ...engine.Job) error
	// FindSchedule returns an on-call schedule by ID or name; ENotFound.
	FindSchedule(ctx context.Context, idOrName string) (*oncall.Schedule, error)
	RoutingStore
	// AcknowledgeIncidentAlerts acknowledges at at every firing alert of
	// an incident, without an alert.acknowledged job each, and returns
	// how many it acknowledged.
	AcknowledgeIncidentAlerts(ctx context.Context, incidentID string, at time.Time) (int, error)
	// IncidentAlertsResolved says whether every alert of an incident has
	// resolved, and if so how many it has and the newest one's ID.
	IncidentAlertsResolved(ctx context.Context, incidentID string) (warroom.IncidentAlertsResolved, error)
	// UpdateIncidentEnqueuing runs a command on an incident (as
	// UpdateIncident, without idempotency) and stores messages (as
	// EnqueueClaimedMessages: those due now claimed by owner, returned)
	// in one transaction.
	UpdateIncidentEnqueuing(ctx context.Context, idOrRef string, decide func(inc *warroom.Incident) ([]warroom.Event, error),
		msgs []notify.Outbox, owner string, now time.Time, lease time.Duration) (*warroom.CommandResult, []notify.Outbox, error)
}

// Destination is a place announcements go: a Slack channel, a Slack
// incoming webhook, a mailing list, a signed webhook.
type Destination struct {
	Channel string `json:"channel"` // notify.ChannelSlack, ChannelSlackWebhook, ChannelEmail, ChannelWebhook
	Address string `json:"address"` // channel ID, webhook URL or email address
	Secret  string `json:"-"`       // the HMAC key, for ChannelWebhook only
}

// Config configures paging. Store, Incidents, Notifiers, AckSecret and
// BaseURL are required; the rest have defaults.
type Config struct {
	Store Store
	// Incidents runs the commands paging issues (declare, acknowledge,
	// timeline notes), with the same clock and policy as Now and Policy.
	Incidents *warroom.Incidents
	Now       func() time.Time
	Policy    warroom.Policy
	Notifiers *notify.Registry
	// Throttles limits sends per destination, by channel; nil means
	// notify.DefaultThrottle for every channel. A channel missing from a
	// non-nil map is not throttled.
	Throttles map[string]notify.Throttle
	Backoff   notify.BackoffPolicy
	// MaxAttempts bounds the tries of one message; default 12 (with the
	// default backoff, about an hour and a half of retries).
	MaxAttempts int
	// AckSecret signs one-click acknowledgement links (at least 16 bytes).
	AckSecret []byte
	// AckTTL is how long an acknowledgement link works; default 24h.
	AckTTL time.Duration
	// BaseURL is where people reach warroom, e.g. https://warroom.example.com;
	// ack links are BaseURL + "/ack/" + token.
	BaseURL string
	// Announce lists where incident announcements go.
	Announce []Destination
	// ICEscalationPolicy is the policy (ID or name) paged when no
	// Incident Commander joined in time (region leads, managers).
	ICEscalationPolicy string
	// WebhookSecret signs pages to people's webhook contact methods.
	WebhookSecret string
	// Owner names this process in job and message claims; unique per
	// process.
	Owner string
	// Lease is how long a claimed message is this process's; default 2m.
	// It must outlast SendTimeout.
	Lease time.Duration
	// SendTimeout bounds one delivery; default 30s.
	SendTimeout time.Duration
	// Poll is the sender's safety-net polling interval; default 1s.
	Poll time.Duration
	// Batch is how many messages one claim takes; default 20.
	Batch int
	// SendConcurrency is how many destinations one queue's worker sends
	// to at once; default 8. Messages to one destination go one at a
	// time, in order, so that its throttle counts every send; a slow
	// destination (an SMTP relay taking its 30 s timeout) holds up only
	// its own messages.
	SendConcurrency int
	// Heartbeat is how often the sender extends the leases of the
	// messages it holds, while RunSenders runs, so that Lease may be short
	// (a dead process's messages are sent again soon) without a slow send
	// losing its claim; default Lease/4 when Lease was given, none with
	// the default lease. Negative: none.
	Heartbeat time.Duration
	// PageQueue is the engine queue of the work that pages people
	// (escalation steps, page notifications, routing alerts that page);
	// default QueueDefault, where every job runs. Set it to QueuePage and
	// run the engine with Queues() so that paging never waits behind the
	// routing of an alert storm.
	PageQueue string
	Logger    *slog.Logger
	// Observer is told the outcome of every delivery attempt (warroom's
	// own /metrics); nil: nobody.
	Observer DeliveryObserver
}

// Pager holds the handlers, the reactor and the sender.
type Pager struct {
	cfg    Config
	sender *Sender

	// routeQueues is what RouteQueue read of services (routequeue.go).
	routeQueues ttlCache[string, cachedPaging]
	// knownGroups is the alert groups routing saw have an open incident
	// (join.go), for RouteQueue.
	knownGroups ttlCache[groupRef, string] // the incident's ID
}

// New checks cfg, fills in defaults and returns a Pager.
func New(cfg Config) (*Pager, error) {
	var problems []string
	if cfg.Store == nil {
		problems = append(problems, "Store is nil")
	}
	if cfg.Incidents == nil {
		problems = append(problems, "Incidents is nil")
	}
	if cfg.Notifiers == nil {
		problems = append(problems, "Notifiers is nil")
	}
	if len(cfg.AckSecret) < 16 {
		problems = append(problems, "AckSecret must have at least 16 bytes")
	}
	if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		problems = append(problems, "BaseURL must be an absolute http(s) URL (ack links are built on it)")
	}
	if cfg.Owner == "" {
		problems = append(problems, "Owner is empty")
	}
	for _, d := range cfg.Announce {
		if notify.Queue(d.Channel) == "" || d.Address == "" {
			problems = append(problems, "announce destination needs a known channel and an address")
		}
		if d.Channel == notify.ChannelWebhook && d.Secret == "" {
			problems = append(problems, "announce webhook needs a secret")
		}
	}
	for ch, t := range cfg.Throttles {
		if err := t.Validate(); err != nil {
			problems = append(problems, "throttle for "+ch+": "+err.Error())
		}
	}
	if len(problems) > 0 {
		return nil, errors.New("paging: " + strings.Join(problems, "; "))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Policy == (warroom.Policy{}) {
		cfg.Policy = warroom.DefaultPolicy()
	}
	if cfg.Throttles == nil {
		cfg.Throttles = map[string]notify.Throttle{}
		for _, ch := range []string{notify.ChannelEmail, notify.ChannelSlack, notify.ChannelSlackWebhook, notify.ChannelWebhook} {
			cfg.Throttles[ch] = notify.DefaultThrottle(ch)
		}
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 12
	}
	if cfg.AckTTL <= 0 {
		cfg.AckTTL = 24 * time.Hour
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 30 * time.Second
	}
	switch {
	case cfg.Lease <= 0:
		cfg.Lease = 2 * time.Minute
	case cfg.Heartbeat == 0:
		cfg.Heartbeat = cfg.Lease / 4
	}
	if cfg.Heartbeat <= 0 || !canExtend(cfg.Store) {
		// Nothing extends a claim: it must outlast a send.
		cfg.Heartbeat = 0
		cfg.Lease = max(cfg.Lease, cfg.SendTimeout+10*time.Second)
	}
	if cfg.PageQueue == "" {
		cfg.PageQueue = QueueDefault
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 20
	}
	if cfg.SendConcurrency <= 0 {
		cfg.SendConcurrency = 8
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	p := &Pager{cfg: cfg}
	p.sender = newSender(p)
	return p, nil
}

// Sender returns the outbox sender.
func (p *Pager) Sender() *Sender { return p.sender }

// system is the actor of what paging does on its own: declaring an
// incident for an alert, timeline notes. It has no user, so the timeline
// shows the system; admin so that it may note on private incidents.
var system = warroom.Actor{Handle: "warroom", Role: warroom.AccountAdmin}

// systemUser scopes the idempotency keys of paging's commands.
const systemUser = "warroom:paging"

// idem returns the idempotency of a system command that must happen once
// however often its job runs.
func idem(key string) warroom.Idempotency {
	return warroom.Idempotency{UserID: systemUser, Key: key, RequestHash: key}
}

// noteHandler handles incident.note: a note that need not delay the work
// that calls for it.
func (p *Pager) noteHandler(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var pl NotePayload
	if err := decode(job, &pl); err != nil {
		return nil, err
	}
	return nil, permanentIfNotFound(p.note(ctx, pl.IncidentID, pl.Key, pl.Text))
}

// note writes a system note on an incident's timeline, once per key.
func (p *Pager) note(ctx context.Context, incidentID, key, text string) error {
	_, err := p.cfg.Incidents.Execute(ctx, system, incidentID, warroom.AddEntry{Type: warroom.EntryNote, Text: text}, idem(key))
	return err
}
