package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// lifecycleTypes is warroom.LifecycleEvents as SQL text, for reading only
// the events a Lifecycle folds.
var lifecycleTypes = func() string {
	quoted := make([]string, len(warroom.LifecycleEvents))
	for i, t := range warroom.LifecycleEvents {
		quoted[i] = "'" + string(t) + "'"
	}
	return strings.Join(quoted, ", ")
}()

// projectLifecycle keeps an incident's row of incident_lifecycles in step
// with its events, inside the transaction that appended them. Only
// commands whose events change a Lifecycle pay for it: the incident's
// lifecycle events are read back (they are few) and folded again.
func (t *tx) projectLifecycle(ctx context.Context, incidentID string, appended []warroom.Event) error {
	if !slices.ContainsFunc(appended, func(e warroom.Event) bool { return slices.Contains(warroom.LifecycleEvents, e.Type) }) {
		return nil
	}
	events := appended
	if appended[0].Seq != 1 {
		var err error
		if events, err = t.lifecycleEvents(ctx, incidentID); err != nil {
			return err
		}
	}
	lc := warroom.FoldLifecycle(events)
	return t.upsertLifecycle(ctx, &lc)
}

// lifecycleEvents reads an incident's events of the types a Lifecycle
// folds, in order.
func (t *tx) lifecycleEvents(ctx context.Context, incidentID string) ([]warroom.Event, error) {
	rows, err := t.tx.QueryContext(ctx, t.d.q("SELECT data FROM incident_events WHERE incident_id = ? AND type IN ("+
		lifecycleTypes+") ORDER BY seq"), incidentID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: lifecycle events: %w", err)
	}
	data, err := collect(rows, func(r scanner) (s string, err error) { return s, r.Scan(textCol{&s}) })
	if err != nil {
		return nil, fmt.Errorf("sqlstore: lifecycle events: %w", err)
	}
	events := make([]warroom.Event, len(data))
	return events, decodeEvents(data, events)
}

const lifecycleColumns = `incident_id, number, severity, stage, detection, private, major, customer_affected,
	services, cluster, declared_at, detected_at, impact_started_at, acknowledged_at, identified_at, fixed_at,
	recovered_at, baseline_at, resolved_at, closed_at, major_at, recovery_point, recovered_before, relapses,
	reopened, version`

func (t *tx) upsertLifecycle(ctx context.Context, lc *warroom.Lifecycle) error {
	d := t.d
	args := []any{lc.IncidentID, lc.Number, string(lc.Severity), string(lc.Stage), string(lc.Detection),
		lc.Private, lc.Major, lc.CustomerAffected, strings.Join(lc.ServiceIDs, " "), lc.Cluster,
		d.timeArg(lc.DeclaredAt), d.timeArg(lc.DetectedAt), d.zeroNullArg(lc.ImpactStartedAt),
		d.zeroNullArg(lc.AcknowledgedAt), d.zeroNullArg(lc.IdentifiedAt), d.zeroNullArg(lc.FixedAt),
		d.zeroNullArg(lc.RecoveredAt), d.zeroNullArg(lc.BaselineAt), d.zeroNullArg(lc.ResolvedAt),
		d.zeroNullArg(lc.ClosedAt), d.zeroNullArg(lc.MajorAt), d.zeroNullArg(lc.RecoveryPoint),
		lc.RecoveredBefore.Microseconds(), lc.Relapses, lc.Reopened, lc.Version}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")
	cols := strings.Fields(strings.ReplaceAll(lifecycleColumns, ",", " "))
	sets := make([]string, 0, len(cols)-1)
	for _, c := range cols[1:] {
		sets = append(sets, c+" = excluded."+c)
	}
	_, err := t.exec(ctx, "INSERT INTO incident_lifecycles ("+lifecycleColumns+") VALUES ("+marks+
		") ON CONFLICT (incident_id) DO UPDATE SET "+strings.Join(sets, ", "), args...)
	if err != nil {
		return fmt.Errorf("sqlstore: store lifecycle: %w", err)
	}
	return nil
}

// backfillBatch is how many incidents one transaction of the backfill
// folds.
const backfillBatch = 500

// backfillLifecycles folds the lifecycle of incidents stored before
// incident_lifecycles existed (or by a binary that did not keep it). It
// costs two counts when there is nothing to do.
func (s *Store) backfillLifecycles(ctx context.Context) error {
	var missing int64
	if err := s.queryRow(ctx, "SELECT (SELECT count(*) FROM incidents) - (SELECT count(*) FROM incident_lifecycles)").Scan(&missing); err != nil {
		return fmt.Errorf("sqlstore: count lifecycles: %w", err)
	}
	for missing > 0 {
		n := 0
		err := s.inTx(ctx, func(t *tx) error {
			rows, err := t.tx.QueryContext(ctx, t.d.q(`SELECT id FROM incidents i WHERE NOT EXISTS
				(SELECT 1 FROM incident_lifecycles l WHERE l.incident_id = i.id) LIMIT ?`), backfillBatch)
			if err != nil {
				return err
			}
			ids, err := collect(rows, func(r scanner) (id string, err error) { return id, r.Scan(&id) })
			if err != nil {
				return err
			}
			for _, id := range ids {
				events, err := t.lifecycleEvents(ctx, id)
				if err != nil {
					return err
				}
				lc := warroom.FoldLifecycle(events)
				if err := t.upsertLifecycle(ctx, &lc); err != nil {
					return err
				}
			}
			n = len(ids)
			return nil
		})
		if err != nil {
			return fmt.Errorf("sqlstore: backfill lifecycles: %w", err)
		}
		if n < backfillBatch {
			return nil
		}
	}
	return nil
}

// ListLifecycles returns the lifecycle of every incident declared before
// to that viewer may see (nil: all); see warroom.MetricsStore.
func (s *Store) ListLifecycles(ctx context.Context, to time.Time, viewer *warroom.Actor) ([]warroom.Lifecycle, error) {
	if err := s.backfillLifecycles(ctx); err != nil {
		return nil, err
	}
	q := "SELECT " + lifecycleColumns + " FROM incident_lifecycles l WHERE declared_at < ?"
	args := []any{s.d.timeArg(to)}
	if viewer != nil && viewer.Role != warroom.AccountAdmin {
		q += ` AND (NOT private OR EXISTS (SELECT 1 FROM incident_participants p
			WHERE p.incident_id = l.incident_id AND p.user_id = ?))`
		args = append(args, viewer.UserID)
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list lifecycles: %w", err)
	}
	defer rows.Close()
	var out []warroom.Lifecycle
	var services string
	var recoveredBefore int64
	for rows.Next() {
		out = append(out, warroom.Lifecycle{})
		lc := &out[len(out)-1]
		err := rows.Scan(&lc.IncidentID, &lc.Number, (*string)(&lc.Severity), (*string)(&lc.Stage),
			(*string)(&lc.Detection), &lc.Private, &lc.Major, &lc.CustomerAffected, &services, &lc.Cluster,
			timeCol{&lc.DeclaredAt}, timeCol{&lc.DetectedAt}, zeroTimeCol{&lc.ImpactStartedAt},
			zeroTimeCol{&lc.AcknowledgedAt}, zeroTimeCol{&lc.IdentifiedAt}, zeroTimeCol{&lc.FixedAt},
			zeroTimeCol{&lc.RecoveredAt}, zeroTimeCol{&lc.BaselineAt}, zeroTimeCol{&lc.ResolvedAt},
			zeroTimeCol{&lc.ClosedAt}, zeroTimeCol{&lc.MajorAt}, zeroTimeCol{&lc.RecoveryPoint},
			&recoveredBefore, &lc.Relapses, &lc.Reopened, &lc.Version)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list lifecycles: %w", err)
		}
		lc.ServiceIDs = strings.Fields(services)
		lc.RecoveredBefore = time.Duration(recoveredBefore) * time.Microsecond
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list lifecycles: %w", err)
	}
	return out, nil
}

// ListUpdateTimes returns when updates were sent to each audience of the
// incidents declared in [from, to); see warroom.MetricsStore.
func (s *Store) ListUpdateTimes(ctx context.Context, from, to time.Time) (warroom.UpdateTimes, error) {
	rows, err := s.query(ctx, `SELECT u.incident_id, u.audience, u.at FROM comm_updates u
		JOIN incident_lifecycles l ON l.incident_id = u.incident_id
		WHERE l.declared_at >= ? AND l.declared_at < ?`, s.d.timeArg(from), s.d.timeArg(to))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list update times: %w", err)
	}
	defer rows.Close()
	out := warroom.UpdateTimes{}
	for rows.Next() {
		var id, audience string
		var at time.Time
		if err := rows.Scan(&id, &audience, timeCol{&at}); err != nil {
			return nil, fmt.Errorf("sqlstore: list update times: %w", err)
		}
		if out[id] == nil {
			out[id] = map[warroom.Audience][]time.Time{}
		}
		a := warroom.Audience(audience)
		out[id][a] = append(out[id][a], at)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list update times: %w", err)
	}
	return out, nil
}

// ListPages returns the pages sent to people in [from, to); see
// warroom.MetricsStore.
func (s *Store) ListPages(ctx context.Context, from, to time.Time) ([]warroom.PageRecord, error) {
	rows, err := s.query(ctx, `SELECT user_id, channel, sent_at FROM messages
		WHERE kind = 'page' AND sent_at IS NOT NULL AND sent_at >= ? AND sent_at < ? AND user_id IS NOT NULL
		ORDER BY sent_at`, s.d.timeArg(from), s.d.timeArg(to))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list pages: %w", err)
	}
	return collectPages(rows)
}

func collectPages(rows *sql.Rows) ([]warroom.PageRecord, error) {
	out, err := collect(rows, func(r scanner) (p warroom.PageRecord, err error) {
		return p, r.Scan(&p.UserID, &p.Channel, timeCol{&p.SentAt})
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list pages: %w", err)
	}
	return out, nil
}

// zeroNullArg is timeArg for a time whose zero value means none: NULL.
func (d *dialect) zeroNullArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.timeArg(t)
}

// zeroTimeCol scans an optional time column; NULL leaves the zero time.
type zeroTimeCol struct{ t *time.Time }

// Scan implements sql.Scanner.
func (c zeroTimeCol) Scan(v any) error {
	if v == nil {
		*c.t = time.Time{}
		return nil
	}
	return timeCol(c).Scan(v)
}
