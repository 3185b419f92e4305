package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

func (t *tx) upsertLifecycle(ctx context.Context, lc *warroom.Lifecycle) error {
	_, err := t.exec(ctx, `INSERT INTO incident_lifecycles (incident_id, declared_at, private, data) VALUES (?, ?, ?, ?)
		ON CONFLICT (incident_id) DO UPDATE SET declared_at = excluded.declared_at, private = excluded.private, data = excluded.data`,
		lc.IncidentID, t.d.timeArg(lc.DeclaredAt), lc.Private, encodeLifecycle(lc))
	if err != nil {
		return fmt.Errorf("sqlstore: store lifecycle: %w", err)
	}
	return nil
}

// Lifecycle flags in the encoded line.
const (
	lcPrivate = 1 << iota
	lcMajor
	lcCustomerAffected
)

// encodeLifecycle writes a lifecycle (all but its ID) as one line of
// tab-separated fields: number, severity, stage, detection, flags,
// services (space-separated), then the times in unix microseconds (0 for
// none), the recovered span in microseconds, relapses, reopened, version,
// and last the cluster, the only free text (its tabs and line breaks
// become spaces: SQLite reads lifecycles a line each, lifecycleChunks).
func encodeLifecycle(lc *warroom.Lifecycle) string {
	flags := 0
	if lc.Private {
		flags |= lcPrivate
	}
	if lc.Major {
		flags |= lcMajor
	}
	if lc.CustomerAffected {
		flags |= lcCustomerAffected
	}
	b := make([]byte, 0, 256)
	b = strconv.AppendInt(b, lc.Number, 10)
	for _, f := range []string{string(lc.Severity), string(lc.Stage), string(lc.Detection)} {
		b = append(append(b, '\t'), f...)
	}
	b = strconv.AppendInt(append(b, '\t'), int64(flags), 10)
	b = append(append(b, '\t'), strings.Join(lc.ServiceIDs, " ")...)
	for _, t := range lifecycleTimes(lc) {
		var us int64
		if !t.IsZero() {
			us = normTime(*t).UnixMicro()
		}
		b = strconv.AppendInt(append(b, '\t'), us, 10)
	}
	for _, n := range []int64{lc.RecoveredBefore.Microseconds(), int64(lc.Relapses), int64(lc.Reopened), lc.Version} {
		b = strconv.AppendInt(append(b, '\t'), n, 10)
	}
	b = append(append(b, '\t'), clusterCleaner.Replace(lc.Cluster)...)
	return string(b)
}

// parseDecimal reads an optionally negative decimal integer: the only
// numbers encodeLifecycle writes. It is strconv.ParseInt without the
// generality (bases, underscores, error values), which a report of
// 100,000 lifecycles with 17 numbers each spent a third of its decoding on.
func parseDecimal(s string, n *int64) bool {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if s == "" || len(s) > 18 {
		return false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return false
		}
		v = v*10 + int64(c)
	}
	if neg {
		v = -v
	}
	*n = v
	return true
}

var clusterCleaner = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")

// lifecycleTimes are the encoded times, in order.
func lifecycleTimes(lc *warroom.Lifecycle) []*time.Time {
	return []*time.Time{&lc.DeclaredAt, &lc.DetectedAt, &lc.ImpactStartedAt, &lc.AcknowledgedAt, &lc.IdentifiedAt,
		&lc.FixedAt, &lc.RecoveredAt, &lc.BaselineAt, &lc.ResolvedAt, &lc.ClosedAt, &lc.MajorAt, &lc.RecoveryPoint}
}

// lifecycleFields is how many fields an encoded lifecycle has.
const lifecycleFields = 6 + 12 + 4 + 1

// decodeLifecycle reads encodeLifecycle's line into lc.
func decodeLifecycle(line string, lc *warroom.Lifecycle) error {
	var fields [lifecycleFields]string
	rest := line
	for i := range lifecycleFields - 1 {
		f, r, ok := strings.Cut(rest, "\t")
		if !ok {
			return fmt.Errorf("sqlstore: lifecycle of %s has %d fields, want %d", lc.IncidentID, i+1, lifecycleFields)
		}
		fields[i], rest = f, r
	}
	fields[lifecycleFields-1] = rest
	var nums [lifecycleFields]int64
	for _, i := range []int{0, 4} {
		if !parseDecimal(fields[i], &nums[i]) {
			return fmt.Errorf("sqlstore: lifecycle of %s: field %d is %q, not a number", lc.IncidentID, i, fields[i])
		}
	}
	lc.Number = nums[0]
	lc.Severity, lc.Stage, lc.Detection = warroom.Severity(fields[1]), warroom.Stage(fields[2]), warroom.Detection(fields[3])
	lc.Private, lc.Major, lc.CustomerAffected = nums[4]&lcPrivate != 0, nums[4]&lcMajor != 0, nums[4]&lcCustomerAffected != 0
	lc.ServiceIDs = strings.Fields(fields[5])
	for i := 6; i < lifecycleFields-1; i++ {
		if !parseDecimal(fields[i], &nums[i]) {
			return fmt.Errorf("sqlstore: lifecycle of %s: field %d is %q, not a number", lc.IncidentID, i, fields[i])
		}
	}
	for i, t := range lifecycleTimes(lc) {
		if us := nums[6+i]; us != 0 {
			*t = time.UnixMicro(us).UTC()
		}
	}
	tail := nums[18:]
	lc.RecoveredBefore = time.Duration(tail[0]) * time.Microsecond
	lc.Relapses, lc.Reopened, lc.Version = int(tail[1]), int(tail[2]), tail[3]
	lc.Cluster = fields[lifecycleFields-1]
	return nil
}

// backfillBatch is how many incidents one transaction of the backfill
// folds.
const backfillBatch = 500

// completeFlag records that every incident has its lifecycle row, and
// how many the last report read (the next one's capacity).
type completeFlag struct {
	atomic.Bool
	lastCount atomic.Int64
}

// backfillLifecycles folds the lifecycle of incidents stored before
// incident_lifecycles existed (or by a binary that did not keep it), and
// returns how many lifecycles there are (a capacity hint). Once none is
// missing it costs nothing: every commit keeps them from then on.
func (s *Store) backfillLifecycles(ctx context.Context) (int64, error) {
	if s.lifecyclesComplete.Load() {
		return s.lifecyclesComplete.lastCount.Load(), nil
	}
	var incidents, stored int64
	if err := s.queryRow(ctx, "SELECT (SELECT count(*) FROM incidents), (SELECT count(*) FROM incident_lifecycles)").Scan(&incidents, &stored); err != nil {
		return 0, fmt.Errorf("sqlstore: count lifecycles: %w", err)
	}
	missing := incidents - stored
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
			return 0, fmt.Errorf("sqlstore: backfill lifecycles: %w", err)
		}
		if n < backfillBatch {
			break
		}
	}
	s.lifecyclesComplete.Store(true)
	return incidents, nil
}

// ListLifecycles returns the lifecycle of every incident declared before
// to that viewer may see (nil: all); see warroom.MetricsStore.
func (s *Store) ListLifecycles(ctx context.Context, to time.Time, viewer *warroom.Actor) ([]warroom.Lifecycle, error) {
	stored, err := s.backfillLifecycles(ctx)
	if err != nil {
		return nil, err
	}
	where := "declared_at < ?"
	args := []any{s.d.timeArg(to)}
	if viewer != nil && viewer.Role != warroom.AccountAdmin {
		where += ` AND (NOT private OR EXISTS (SELECT 1 FROM incident_participants p
			WHERE p.incident_id = l.incident_id AND p.user_id = ?))`
		args = append(args, viewer.UserID)
	}
	ids := make([]string, 0, stored)
	lines := make([]string, 0, stored)
	if s.d.dollar {
		ids, lines, err = s.lifecycleRows(ctx, where, args, ids, lines)
	} else {
		ids, lines, err = s.lifecycleChunks(ctx, where, args, ids, lines)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list lifecycles: %w", err)
	}
	s.lifecyclesComplete.lastCount.Store(int64(len(lines)))
	out := make([]warroom.Lifecycle, len(lines))
	return out, decodeLifecycles(ids, lines, out)
}

// lifecycleRows reads the lifecycles a row each.
func (s *Store) lifecycleRows(ctx context.Context, where string, args []any, ids, lines []string) ([]string, []string, error) {
	rows, err := s.query(ctx, "SELECT incident_id, data FROM incident_lifecycles l WHERE "+where, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, line string
		if err := rows.Scan(&id, textCol{&line}); err != nil {
			return nil, nil, err
		}
		ids, lines = append(ids, id), append(lines, line)
	}
	return ids, lines, rows.Err()
}

// lifecycleChunk is how many lifecycles by rowid lifecycleChunks reads
// in one aggregate.
const lifecycleChunk = 4096

// lifecycleChunks reads the lifecycles (SQLite) a range of rowids at a
// time, each range one row of "id<TAB>data" lines: the driver's cost per
// row, not SQLite's work, was most of reading 100,000 of them one a row.
// (A GROUP BY over the rowids would sort them all first.) IDs hold no tab
// or line break, and encodeLifecycle writes none into data.
func (s *Store) lifecycleChunks(ctx context.Context, where string, args []any, ids, lines []string) ([]string, []string, error) {
	var last sql.NullInt64
	if err := s.queryRow(ctx, "SELECT max(rowid) FROM incident_lifecycles").Scan(&last); err != nil {
		return nil, nil, err
	}
	query := `SELECT group_concat(incident_id || char(9) || data, char(10)) FROM incident_lifecycles l
		WHERE l.rowid >= ? AND l.rowid < ? AND ` + where
	for from := int64(0); last.Valid && from <= last.Int64; from += lifecycleChunk {
		var chunk sql.NullString
		if err := s.queryRow(ctx, query, append([]any{from, from + lifecycleChunk}, args...)...).Scan(&chunk); err != nil {
			return nil, nil, err
		}
		rest := chunk.String
		for rest != "" {
			var line string
			line, rest, _ = strings.Cut(rest, "\n")
			id, data, ok := strings.Cut(line, "\t")
			if !ok {
				return nil, nil, fmt.Errorf("a lifecycle line without its ID: %.40q", line)
			}
			ids, lines = append(ids, id), append(lines, data)
		}
	}
	return ids, lines, nil
}

// decodeLifecycles decodes lines into out, spread over the CPUs when there
// are many (as decodeEvents does).
func decodeLifecycles(ids, lines []string, out []warroom.Lifecycle) error {
	workers := min(runtime.GOMAXPROCS(0), len(lines)/parallelDecodeMin)
	if workers <= 1 {
		workers = 1
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	per := (len(lines) + workers - 1) / workers
	for w := range workers {
		from, to := w*per, min((w+1)*per, len(lines))
		wg.Go(func() {
			for i := from; i < to; i++ {
				out[i].IncidentID = ids[i]
				if err := decodeLifecycle(lines[i], &out[i]); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
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
