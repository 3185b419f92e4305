// Package tickets keeps warroom's tickets in the trackers configured for
// services and teams (package tracker): the incident ticket of seed 000,
// made on declaration, assigned to the Incident Owner, whose state follows
// the incident's stage and which links the postmortem; the tickets of
// action items (sub-tasks in Jira, linked issues in GitHub); and the sync
// of their state back from the trackers (signed webhooks at once, a poll
// as the safety net).
//
// All of it is durable engine work on its own queue (Queue), so that a
// tracker that is down or rate-limits never delays a page, and nothing is
// lost across a crash: each ticket is made under a lease (one run at a
// time), its key stored as soon as the tracker answers, and a creation
// retried after a lost answer finds the ticket by its marker instead of
// making a second.
package tickets

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/tracker"
	"github.com/warroom/warroom/tracker/github"
	"github.com/warroom/warroom/tracker/jira"
)

// Queue is the engine queue of tracker work.
const Queue = "tracker"

// Job kinds.
const (
	KindIncident   = "tracker.incident"    // make or update an incident's ticket
	KindActionItem = "tracker.action_item" // make or update an action item's ticket
	KindPoll       = "tracker.poll"        // read the state of open tickets (the safety net of webhooks)
)

// Store is what the service keeps and reads.
type Store interface {
	tracker.Store
	FindIncident(ctx context.Context, idOrRef string) (*warroom.Incident, error)
	FindUser(ctx context.Context, idOrHandle string) (*warroom.User, error)
	FindService(ctx context.Context, idOrSlug string) (*warroom.Service, error)
	FindTeam(ctx context.Context, idOrSlug string) (*warroom.Team, error)
	Enqueue(ctx context.Context, jobs ...engine.Job) error
}

// Config configures the service.
type Config struct {
	Store   Store
	Secrets tracker.Secrets
	Now     func() time.Time
	Logger  *slog.Logger
	HTTP    *http.Client // for the trackers' APIs; default one with a 30 s timeout
	// BaseURL is where people reach warroom; tickets link to the
	// incident's page on it. Empty: no link.
	BaseURL string
	Owner   string        // this process's name in ticket leases
	Lease   time.Duration // how long a run holds a ticket; its tracker calls end by 3/4 of it; default 5 minutes
	// PollInterval is how often open tickets' states are read; default
	// 5 minutes. PollBatch bounds the tickets read per run; default 100.
	PollInterval time.Duration
	PollBatch    int
	// Wake, if set, runs the engine's queue at once after work is
	// enqueued outside an incident command.
	Wake func()
	// OnChange, if set, is told when a ticket's state read from its
	// tracker (webhook, poll) differs from what was known, with the state
	// before: the keeper of action items marks an item done when its
	// ticket is.
	OnChange func(ctx context.Context, t *tracker.Ticket, previous tracker.State)
	// OnMade, if set, is told once a ticket is made (or found by its
	// marker) and its key stored: the keeper of action items records the
	// item's ticket key and URL.
	OnMade func(ctx context.Context, t *tracker.Ticket)
	// PostmortemURL, if set, is the address of an incident's postmortem,
	// which exists from its declaration (a living document): the
	// incident's ticket links it from the start.
	PostmortemURL func(inc *warroom.Incident) string
	// Dial makes a tracker's client; default Open (tests may count the
	// calls or point it elsewhere).
	Dial func(cfg *tracker.Config, secrets tracker.Secrets, hc *http.Client, now func() time.Time) (tracker.Client, error)
}

// Service is the tracker side of warroom.
type Service struct{ cfg Config }

// New returns a service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Secrets == nil {
		return nil, fmt.Errorf("tickets: Store and Secrets are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Owner == "" {
		cfg.Owner = uuid.NewString()
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 5 * time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 5 * time.Minute
	}
	if cfg.PollBatch <= 0 {
		cfg.PollBatch = 100
	}
	if cfg.Dial == nil {
		cfg.Dial = Open
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Service{cfg: cfg}, nil
}

// Open makes the client of a tracker configuration, with its credentials
// from secrets: a GitHub token, or Jira's EMAIL:API_TOKEN.
func Open(cfg *tracker.Config, secrets tracker.Secrets, hc *http.Client, now func() time.Time) (tracker.Client, error) {
	creds, err := secrets.Secret(cfg.Credentials)
	if err != nil {
		return nil, err
	}
	switch cfg.Kind {
	case tracker.GitHub:
		return github.New(github.Config{BaseURL: cfg.BaseURL, Repo: cfg.Project, Token: creds, HTTP: hc, Now: now})
	case tracker.Jira:
		email, token, ok := strings.Cut(creds, ":")
		if !ok {
			return nil, warroom.Invalid("credentials", "secret %q must hold EMAIL:API_TOKEN for Jira", cfg.Credentials)
		}
		return jira.New(jira.Config{BaseURL: cfg.BaseURL, Project: cfg.Project, Email: email, Token: token,
			IssueType: cfg.IssueType, HTTP: hc, Now: now})
	}
	return nil, warroom.Invalid("kind", "unknown tracker kind %q", cfg.Kind)
}

// Client returns the client of a tracker configuration, for callers that
// work with tickets directly (tracker.Client takes plain values and
// returns a tracker.Ref).
func (s *Service) Client(ctx context.Context, configID string) (tracker.Client, error) {
	cfg, err := s.cfg.Store.TrackerConfig(ctx, configID)
	if err != nil {
		return nil, err
	}
	return s.cfg.Dial(cfg, s.cfg.Secrets, s.cfg.HTTP, s.cfg.Now)
}

// Handlers returns the handler of every job kind, for the engine.
func (s *Service) Handlers() map[string]engine.Handler {
	return map[string]engine.Handler{
		KindIncident:   s.incidentJob,
		KindActionItem: s.actionItemJob,
		KindPoll:       s.pollJob,
	}
}

// incidentPayload names an incident, and the postmortem URL to link once
// known.
type incidentPayload struct {
	IncidentID    string `json:"incident_id"`
	PostmortemURL string `json:"postmortem_url,omitempty"`
}

func newJob(kind, key, fairKey string, due time.Time, payload any) engine.Job {
	data, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("tickets: marshal %s payload: %v", kind, err)) // payloads are plain structs
	}
	return engine.Job{ID: uuid.Must(uuid.NewV7()).String(), Queue: Queue, Kind: kind, Key: key, FairKey: fairKey, DueAt: due, Payload: data}
}

func decode(job engine.Job, v any) error {
	if err := json.Unmarshal(job.Payload, v); err != nil {
		return engine.Permanent{Err: fmt.Errorf("%s job %s: bad payload: %w", job.Kind, job.ID, err)}
	}
	return nil
}

// Reactor returns the jobs an incident command calls for, for the store
// to schedule in the command's transaction (beside paging's): a look at
// the incident's ticket on declaration, and whenever its stage, impact
// (services: a tracker may now apply), privacy or roles change. The job
// reads the incident as it is when it runs, so one look per version is
// enough and older looks do no harm.
func (s *Service) Reactor(inc *warroom.Incident, events []warroom.Event) []engine.Job {
	look, declared := false, false
	var at time.Time
	for _, e := range events {
		declared = declared || e.Type == warroom.EventDeclared
		switch e.Type {
		case warroom.EventDeclared, warroom.EventStageChanged, warroom.EventReopened, warroom.EventImpactChanged,
			warroom.EventPrivacyChanged, warroom.EventRoleAssigned, warroom.EventDetailsChanged:
			look = true
		}
		at = e.At
	}
	if !look {
		return nil
	}
	payload := incidentPayload{IncidentID: inc.ID}
	if declared && s.cfg.PostmortemURL != nil {
		payload.PostmortemURL = s.cfg.PostmortemURL(inc)
	}
	return []engine.Job{newJob(KindIncident, fmt.Sprintf("tracker-incident:%s:v%d", inc.ID, inc.Version), inc.ID, at, payload)}
}

// SetItemHooks sets OnMade and OnChange, for a server that builds the
// keeper of action items after this service. Call it before the engine
// runs the service's jobs.
func (s *Service) SetItemHooks(onMade func(ctx context.Context, t *tracker.Ticket), onChange func(ctx context.Context, t *tracker.Ticket, previous tracker.State)) {
	s.cfg.OnMade, s.cfg.OnChange = onMade, onChange
}

// LinkPostmortem links an incident's postmortem from its ticket (a Jira
// remote link, a GitHub comment), now or as soon as the ticket exists;
// for the postmortem's owner to call once its URL is known. An incident
// with no tracker configured has no ticket; the call then does nothing.
func (s *Service) LinkPostmortem(ctx context.Context, incidentID, postmortemURL string) error {
	if !strings.HasPrefix(postmortemURL, "https://") && !strings.HasPrefix(postmortemURL, "http://") {
		return warroom.Invalid("postmortem_url", "%q is not an http(s) URL", postmortemURL)
	}
	now := s.cfg.Now()
	job := newJob(KindIncident, "", incidentID, now, incidentPayload{IncidentID: incidentID, PostmortemURL: postmortemURL})
	if err := s.cfg.Store.Enqueue(ctx, job); err != nil {
		return err
	}
	s.wake()
	return nil
}

func (s *Service) wake() {
	if s.cfg.Wake != nil {
		s.cfg.Wake()
	}
}

// Ticket returns the ticket of a subject; ENotFound if it has none (yet).
func (s *Service) Ticket(ctx context.Context, kind tracker.SubjectKind, subjectID string) (*tracker.Ticket, error) {
	return s.cfg.Store.TicketFor(ctx, kind, subjectID)
}

// WantFor is the state an incident's ticket follows its stage into: open
// when declared, in progress while it is worked on (including after
// recovery, while the postmortem and its follow-ups go on), done when the
// incident is closed.
func WantFor(stage warroom.Stage) tracker.State {
	switch stage {
	case warroom.StageDeclared:
		return tracker.StateOpen
	case warroom.StageClosed:
		return tracker.StateDone
	}
	return tracker.StateInProgress
}
