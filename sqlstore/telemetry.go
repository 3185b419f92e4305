package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/warroom/warroom"
)

// txObserver holds the function told each write transaction's duration,
// if any (warroom's own /metrics).
type txObserver struct {
	fn atomic.Pointer[func(time.Duration)]
}

// time starts timing a transaction; the function it returns ends it.
func (o *txObserver) time() func() {
	fn := o.fn.Load()
	if fn == nil {
		return func() {}
	}
	start := time.Now()
	return func() { (*fn)(time.Since(start)) }
}

// ObserveTransactions makes the store tell observe how long each write
// transaction took, from begin to commit or rollback.
func (s *Store) ObserveTransactions(observe func(time.Duration)) { s.txObserver.fn.Store(&observe) }

// FoldedAlertGroups counts, per service, the alert groups folded into its
// newest open incident (alert_incident_limits: one row per service that
// routing declared or folded for); see telemetry.Source.
func (s *Store) FoldedAlertGroups(ctx context.Context) ([]warroom.FoldedGroupsCount, error) {
	rows, err := s.query(ctx, `SELECT s.slug, l.folded FROM alert_incident_limits AS l
		JOIN incidents AS i ON i.id = l.folded_into JOIN services AS s ON s.id = l.service_id
		WHERE l.folded > 0 AND i.open = ? ORDER BY s.slug`, true)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: count folded alert groups: %w", err)
	}
	return collect(rows, func(r scanner) (c warroom.FoldedGroupsCount, err error) {
		return c, r.Scan(&c.Service, &c.Count)
	})
}

// OpenIncidentCounts counts the open incidents by severity and stage; see
// telemetry.Source. It reads only open incidents (incidents_open_number).
func (s *Store) OpenIncidentCounts(ctx context.Context) ([]warroom.OpenIncidentCount, error) {
	// "open = ?", not "WHERE open": SQLite uses the index only for a
	// comparison, and would otherwise read every incident's row.
	rows, err := s.query(ctx, "SELECT severity, stage, count(*) FROM incidents WHERE open = ? GROUP BY severity, stage", true)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: count open incidents: %w", err)
	}
	return collect(rows, func(r scanner) (c warroom.OpenIncidentCount, err error) {
		return c, r.Scan((*string)(&c.Severity), (*string)(&c.Stage), &c.Count)
	})
}

// EngineLag returns how late each queue's oldest due, unclaimed work is at
// now: jobs by their queue, outbox messages as "outbox:QUEUE"; a queue
// with nothing late is 0. Both read the partial indexes of due work.
func (s *Store) EngineLag(ctx context.Context, now time.Time) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	for _, q := range []struct{ prefix, query string }{
		{"", `SELECT queue, min(due_at) FROM jobs WHERE done_at IS NULL AND due_at <= ?
			AND (lease_until IS NULL OR lease_until < ?) GROUP BY queue`},
		{"outbox:", `SELECT queue, min(due_at) FROM messages WHERE state IN ('pending', 'sending') AND due_at <= ?
			AND (lease_until IS NULL OR lease_until < ?) GROUP BY queue`},
	} {
		rows, err := s.query(ctx, q.query, s.d.timeArg(now), s.d.timeArg(now))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: engine lag: %w", err)
		}
		type lag struct {
			queue string
			due   time.Time
		}
		lags, err := collect(rows, func(r scanner) (l lag, err error) { return l, r.Scan(&l.queue, timeCol{&l.due}) })
		if err != nil {
			return nil, fmt.Errorf("sqlstore: engine lag: %w", err)
		}
		for _, l := range lags {
			out[q.prefix+l.queue] = max(now.Sub(l.due), 0)
		}
	}
	return out, nil
}

// AlertCreatedAt returns when an alert reached warroom; ENotFound.
func (s *Store) AlertCreatedAt(ctx context.Context, alertID string) (time.Time, error) {
	var at time.Time
	err := s.queryRow(ctx, "SELECT created_at FROM alerts WHERE id = ?", alertID).Scan(timeCol{&at})
	if errors.Is(err, sql.ErrNoRows) {
		return at, warroom.Errorf(warroom.ENotFound, "no alert %q", alertID)
	}
	if err != nil {
		return at, fmt.Errorf("sqlstore: alert time: %w", err)
	}
	return at, nil
}
