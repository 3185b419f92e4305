package httpapi

import (
	"context"
	"sync"

	"github.com/warroom/warroom"
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
	batcher ingester
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
