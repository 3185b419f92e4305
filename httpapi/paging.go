package httpapi

import (
	"context"
	"sync"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/groupcommit"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/oncall"
	"github.com/warroom/warroom/paging"
)

// ScheduleStore keeps on-call schedules (sqlstore implements it).
type ScheduleStore interface {
	// CreateSchedule stores a new schedule, giving it an ID; EConflict if
	// the name is taken.
	CreateSchedule(ctx context.Context, s *oncall.Schedule) error
	// UpdateSchedule replaces a schedule; ENotFound, EConflict.
	UpdateSchedule(ctx context.Context, s *oncall.Schedule) error
	// FindSchedule returns a schedule by ID or name; ENotFound.
	FindSchedule(ctx context.Context, idOrName string) (*oncall.Schedule, error)
	// ListSchedules returns every schedule.
	ListSchedules(ctx context.Context) ([]*oncall.Schedule, error)
}

// MessageStore reads the outbox: the notifications sent about incidents
// and alerts, with their delivery history (notify.OutboxStore).
type MessageStore interface {
	ListMessages(ctx context.Context, incidentID, alertID string) ([]*notify.Outbox, error)
	ListAttempts(ctx context.Context, id string) ([]notify.Attempt, error)
}

// Group commit of alert intake: one transaction holds up to
// ingestMaxBatch deliveries; under load a partly filled batch waits at
// most ingestMaxDelay for company. An idle server commits at once.
const (
	ingestMaxBatch = 128
	ingestMaxDelay = 2 * time.Millisecond
)

// ingestBatcher commits the deliveries of concurrent senders together.
type ingestBatcher = groupcommit.Batcher[warroom.IngestRequest, []warroom.IngestResult]

// pagingDeps is what the intake, on-call and paging routes use.
type pagingDeps struct {
	alerts      warroom.AlertStore
	escalations warroom.EscalationStore
	schedules   ScheduleStore
	messages    MessageStore
	pager       *paging.Pager
	wake        func()
	publicURL   string

	// The batcher starts with the first alert, so that a server (or a
	// test) that never receives one runs no extra goroutine.
	batchMu sync.Mutex
	batcher *ingestBatcher
	closed  bool
}

// newPagingDeps takes each store from cfg, else from store when it
// implements the interface.
func newPagingDeps(cfg Config, store warroom.Store) *pagingDeps {
	p := &pagingDeps{alerts: cfg.Alerts, escalations: cfg.Escalations, schedules: cfg.Schedules,
		messages: cfg.Messages, pager: cfg.Paging, wake: cfg.Wake, publicURL: cfg.PublicURL}
	if p.alerts == nil {
		p.alerts, _ = store.(warroom.AlertStore)
	}
	if p.escalations == nil {
		p.escalations, _ = store.(warroom.EscalationStore)
	}
	if p.schedules == nil {
		p.schedules, _ = store.(ScheduleStore)
	}
	if p.messages == nil {
		p.messages, _ = store.(MessageStore)
	}
	return p
}

// notConfigured is the answer of a route whose dependency the server was
// built without: 503, as for a database that does not answer.
func notConfigured(what string) error {
	return warroom.Errorf(warroom.EUnavailable, "%s is not configured on this server", what)
}

func (s *Server) alertStore() (warroom.AlertStore, error) {
	if s.paging.alerts == nil {
		return nil, notConfigured("alerting")
	}
	return s.paging.alerts, nil
}

func (s *Server) escalationStore() (warroom.EscalationStore, error) {
	if s.paging.escalations == nil {
		return nil, notConfigured("paging")
	}
	return s.paging.escalations, nil
}

func (s *Server) scheduleStore() (ScheduleStore, error) {
	if s.paging.schedules == nil {
		return nil, notConfigured("on-call scheduling")
	}
	return s.paging.schedules, nil
}

func (s *Server) pager() (*paging.Pager, error) {
	if s.paging.pager == nil {
		return nil, notConfigured("paging")
	}
	return s.paging.pager, nil
}

// ingest commits one delivery through the group-commit batcher and
// returns only once it is durable.
func (s *Server) ingest(ctx context.Context, req warroom.IngestRequest) ([]warroom.IngestResult, error) {
	b, err := s.ingestBatcher()
	if err != nil {
		return nil, err
	}
	return b.Submit(ctx, req)
}

func (s *Server) ingestBatcher() (*ingestBatcher, error) {
	p := s.paging
	if p.alerts == nil {
		return nil, notConfigured("alerting")
	}
	p.batchMu.Lock()
	defer p.batchMu.Unlock()
	if p.closed {
		return nil, groupcommit.ErrClosed
	}
	if p.batcher == nil {
		p.batcher = groupcommit.New(p.alerts.IngestAlerts, ingestMaxBatch, ingestMaxDelay)
	}
	return p.batcher, nil
}

// Close stops the alert intake's group-commit writer after committing
// every delivery already submitted; later deliveries answer 503. Call it
// after the HTTP server has shut down, so in-flight requests finish first.
func (s *Server) Close() error {
	p := s.paging
	p.batchMu.Lock()
	b := p.batcher
	p.closed = true
	p.batchMu.Unlock()
	if b != nil {
		return b.Close()
	}
	return nil
}
