package sqlstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/groupcommit"
	"github.com/warroom/warroom/intake"
)

// Intake is the hot path: Alertmanager sends groups of alerts every few
// seconds to minutes, and a storm sends thousands at once. IngestAlerts
// reads the open alerts of every key in the batch with one query, applies
// the rules in Go on what it read (so that the statements stay simple and
// both dialects share them), and writes with few statements: on
// PostgreSQL one per kind of change, over arrays, to save round trips; on
// SQLite, in process, multi-row inserts and a prepared statement per
// changed row.

// alertKey identifies an open alert (warroom.AlertStore): integration,
// source and dedup key, since one integration key could be used at two
// endpoints.
type alertKey struct{ integration, source, dedup string }

// incoming is one AlertUpdate, validated and with its JSON fields encoded
// as they are stored, so that comparing them with a stored alert is a
// string comparison.
type incoming struct {
	key                                 alertKey
	id                                  string // of the alert a trigger creates, made beforehand
	declares                            bool   // its routing will declare an incident (SetRouteQueue)
	join                                string // the incident its group is known to have (SetRouteQueue)
	fold                                bool   // its new group is forecast to be folded (SetRouteQueue)
	action                              string
	summary, severity, groupKey         string
	labels, annotations, details, links string
	startsAt, endsAt                    time.Time // zero: not said
}

// preparedRequest is an IngestRequest validated, with its updates
// encoded: the work that needs no database, done before the writer is
// taken.
type preparedRequest struct {
	integration *warroom.Integration
	at          time.Time // ReceivedAt, normalized
	updates     []incoming
	routeQueue  string                     // of its alert.route job (SetRouteQueue); "": default
	foldLimit   warroom.AlertIncidentLimit // the limit its folds were forecast under
}

// IngestAlerts stores the deliveries of many senders in one transaction
// and schedules, in it, one alert.route job per request that created
// alerts ({"alert_ids": [...]}), and an alert.acknowledged or
// alert.resolved job ({"alert_id": ...}) per alert that a sender
// acknowledged or resolved; see warroom.AlertStore. Updates apply in
// order, so a batch may trigger and resolve the same key.
//
// Empty fields of an update mean "not said" and never erase stored
// values. A trigger of an open alert that changes its summary, severity,
// group key, labels, annotations, details or links is "updated" (an
// acknowledged alert stays acknowledged); one that changes nothing is a
// "duplicate", counted on the alert with the reason. An acknowledge or
// resolve only fills fields the alert lacks. UpdatedAt moves only when
// something changed.
//
// EInvalid if a request has no integration, or an update has no dedup key,
// an unknown action or details that are not JSON: intake never sends
// those, so the whole call fails rather than half of it (IngestBatcher
// fails only the request at fault). On PostgreSQL a batch that races
// another replica's on the same new key is retried.
func (s *Store) IngestAlerts(ctx context.Context, reqs []warroom.IngestRequest) ([][]warroom.IngestResult, error) {
	if len(reqs) == 0 {
		return [][]warroom.IngestResult{}, nil
	}
	prepared, err := prepareIngest(reqs)
	if err != nil {
		return nil, err
	}
	s.chooseRouteQueue(ctx, prepared...)
	return s.ingestPrepared(ctx, prepared)
}

// ingestPrepared stores prepared requests in one transaction, retried
// when it raced another one on PostgreSQL.
func (s *Store) ingestPrepared(ctx context.Context, reqs []*preparedRequest) ([][]warroom.IngestResult, error) {
	keys := distinctKeys(reqs)
	for attempt := 1; ; attempt++ {
		var results [][]warroom.IngestResult
		err := s.inTx(ctx, func(t *tx) error {
			var err error
			results, err = s.ingest(ctx, t, reqs, keys)
			return err
		})
		if err != nil && attempt < 4 && retryableIngest(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return results, nil
	}
}

// IngestBatcher is intake's group-commit writer: the deliveries of
// concurrent senders share one IngestAlerts transaction. Each delivery is
// validated and encoded on its sender's goroutine before it joins a
// batch, so the goroutine holding the writer only does database work,
// and a malformed delivery fails alone; one that the database refuses
// fails alone too (flushIngest).
type IngestBatcher struct {
	s *Store
	b *groupcommit.Batcher[*preparedRequest, []warroom.IngestResult]
}

// IngestBatcher runs one intake transaction at a time, on both
// databases. SQLite has one writer. On PostgreSQL, which could run
// several, one is enough: group commit makes each transaction as large as
// the load, and measured on the 2-core machine during a storm, 1, 2 and 4
// at once took the same 35,000-37,000 alerts/s, while a page's
// transactions, which compete with intake's for the database's CPUs,
// reached the receiver at p99 64, 131 and 174 ms.

// sqliteIngestMaxAlerts bounds the alerts of one intake transaction on
// SQLite (a delivery larger than that goes alone). A transaction holds
// the one writer for about 12 µs an alert here, so this one lets each of
// a page's writes, which go first (writerGate), wait about 3 ms at most.
// Measured during a storm on the 2-core machine: 1,024 alerts per
// transaction gave 53,000 alerts/s and pages at p99 50-105 ms; 256 gave
// 48,000 alerts/s and pages at p99 21 ms.
const sqliteIngestMaxAlerts = 256

// pgIngestMaxAlerts is the same bound on PostgreSQL, where an urgent
// write does not wait for intake's transaction but competes with it for
// the database's CPUs and WAL, and intake yields only between
// transactions (writerGate). Measured during a storm: unbounded, pages
// at p99 75-116 ms with 29,000-32,000 alerts/s; 1,024, p99 55-84 ms with
// 29,000-33,000 alerts/s; 256, p50 halved but 22,000-24,000 alerts/s.
const pgIngestMaxAlerts = 1024

// NewIngestBatcher starts a batcher of at most maxBatch deliveries per
// transaction; maxDelay is groupcommit's (0: never wait for company).
// One transaction runs at a time, holding at most sqliteIngestMaxAlerts
// or pgIngestMaxAlerts alerts.
// Close it before closing the store.
func (s *Store) NewIngestBatcher(maxBatch int, maxDelay time.Duration) *IngestBatcher {
	maxAlerts := sqliteIngestMaxAlerts
	if s.pool != nil {
		maxAlerts = pgIngestMaxAlerts
	}
	alerts := func(r *preparedRequest) int { return len(r.updates) }
	return &IngestBatcher{s: s, b: groupcommit.NewWeighted(s.flushIngest, maxBatch, maxAlerts, alerts, maxDelay, 1)}
}

// flushIngest is the batcher's flush: a batch the database refused is
// retried apart by groupcommit, so that a delivery it refuses (which
// intake's checks should have stopped) fails alone and the other
// senders' commit; a database that cannot be reached fails the batch
// at once.
func (s *Store) flushIngest(ctx context.Context, reqs []*preparedRequest) ([][]warroom.IngestResult, error) {
	res, err := s.ingestPrepared(ctx, reqs)
	if Unavailable(err) {
		return nil, groupcommit.WholeBatch(err)
	}
	return res, err
}

// NewIngester is NewIngestBatcher for callers that hold the store as a
// warroom.AlertStore and look for this method (the HTTP API): its result
// type names nothing of this package.
func (s *Store) NewIngester(maxBatch int, maxDelay time.Duration) interface {
	IngestEncoded(ctx context.Context, in *warroom.Integration, updates []intake.EncodedUpdate, receivedAt time.Time) ([]warroom.IngestResult, error)
	Close() error
} {
	return s.NewIngestBatcher(maxBatch, maxDelay)
}

// Ingest stores one delivery with others that arrive meanwhile, and
// returns what became of each of its updates once they are committed.
// Errors as IngestAlerts.
func (b *IngestBatcher) Ingest(ctx context.Context, req warroom.IngestRequest) ([]warroom.IngestResult, error) {
	p, err := prepareRequest(req)
	if err != nil {
		return nil, err
	}
	b.s.chooseRouteQueue(ctx, p)
	return b.b.Submit(ctx, p)
}

// IngestEncoded is Ingest for updates that intake encoded (intake.
// EncodeUpdates, intake.ParseAlertmanagerEncoded): their labels,
// annotations, details and links are stored as they are, without being
// encoded or validated again, so they must be in intake's canonical
// encoding. Errors as Ingest.
func (b *IngestBatcher) IngestEncoded(ctx context.Context, in *warroom.Integration, updates []intake.EncodedUpdate, receivedAt time.Time) ([]warroom.IngestResult, error) {
	p, err := newPreparedRequest(in, receivedAt, len(updates))
	if err != nil {
		return nil, err
	}
	for j := range updates {
		u := &updates[j]
		if p.updates[j], err = prepareFields(in, &u.AlertUpdate); err != nil {
			return nil, err
		}
		p.updates[j].labels, p.updates[j].annotations = u.Labels, u.Annotations
		p.updates[j].details, p.updates[j].links = u.Details, u.Links
	}
	b.s.chooseRouteQueue(ctx, p)
	return b.b.Submit(ctx, p)
}

// Close waits for the deliveries already submitted and stops the batcher.
func (b *IngestBatcher) Close() error { return b.b.Close() }

// parallelPrepare is the number of updates from which prepareIngest
// encodes requests on several goroutines: a batch of thousands of alerts
// would otherwise encode them all while the writer waits.
const parallelPrepare = 256

// prepareIngest prepares every request, or fails with the first error.
func prepareIngest(reqs []warroom.IngestRequest) ([]*preparedRequest, error) {
	total := 0
	for _, r := range reqs {
		total += len(r.Updates)
	}
	workers := 1
	if total >= parallelPrepare && len(reqs) > 1 {
		workers = min(runtime.GOMAXPROCS(0), len(reqs))
	}
	out := make([]*preparedRequest, len(reqs))
	errs := make([]error, len(reqs))
	prepare := func(w int) {
		for i := w; i < len(reqs); i += workers {
			out[i], errs[i] = prepareRequest(reqs[i])
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Go(func() { prepare(w) })
	}
	prepare(0)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("request %d: %w", i, err)
		}
	}
	return out, nil
}

// prepareRequest validates a request and encodes its updates.
func prepareRequest(r warroom.IngestRequest) (*preparedRequest, error) {
	p, err := newPreparedRequest(r.Integration, r.ReceivedAt, len(r.Updates))
	if err != nil {
		return nil, err
	}
	for j := range r.Updates {
		in, err := prepareUpdate(r.Integration, &r.Updates[j])
		if err != nil {
			return nil, err
		}
		p.updates[j] = in
	}
	return p, nil
}

// newPreparedRequest checks a delivery's integration and makes room for n
// updates.
func newPreparedRequest(integ *warroom.Integration, at time.Time, n int) (*preparedRequest, error) {
	if integ == nil || integ.ID == "" || integ.ServiceID == "" {
		return nil, warroom.Invalid("integration", "an alert delivery needs its integration")
	}
	if at.IsZero() {
		at = time.Now()
	}
	return &preparedRequest{integration: integ, at: normTime(at), updates: make([]incoming, n)}, nil
}

// distinctKeys lists the keys of a batch's updates, each once.
func distinctKeys(reqs []*preparedRequest) []alertKey {
	n := 0
	for _, r := range reqs {
		n += len(r.updates)
	}
	keys := make([]alertKey, 0, n)
	seen := make(map[alertKey]bool, n)
	for _, r := range reqs {
		for j := range r.updates {
			if k := r.updates[j].key; !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	return keys
}

func prepareUpdate(integ *warroom.Integration, u *warroom.AlertUpdate) (incoming, error) {
	in, err := prepareFields(integ, u)
	if err != nil {
		return in, err
	}
	a := &u.Alert
	if in.labels, err = encodeStrings(a.Labels); err != nil {
		return in, err
	}
	if in.annotations, err = encodeStrings(a.Annotations); err != nil {
		return in, err
	}
	if in.details, err = compactJSON(a.Details); err != nil {
		return in, warroom.Invalid("details", "details of alert %q are not JSON: %v", a.DedupKey, err)
	}
	in.links = encodeLinks(a.Links)
	return in, nil
}

// prepareFields validates an update and takes its plain fields; the JSON
// ones are left to the caller.
func prepareFields(integ *warroom.Integration, u *warroom.AlertUpdate) (incoming, error) {
	a := &u.Alert
	source := a.Source
	if source == "" {
		source = string(integ.Kind)
	}
	in := incoming{
		key:     alertKey{integ.ID, source, a.DedupKey},
		action:  u.Action,
		summary: a.Summary, groupKey: a.GroupKey,
		startsAt: a.StartsAt, endsAt: derefTime(a.EndsAt),
	}
	// A severity outside the set is not said: the store keeps only the
	// four it routes on.
	if warroom.ValidAlertSeverity(a.Severity) {
		in.severity = a.Severity
	}
	switch {
	case a.DedupKey == "":
		return in, warroom.Invalid("dedup_key", "an alert update needs a dedup key")
	case u.Action != "trigger" && u.Action != "acknowledge" && u.Action != "resolve":
		return in, warroom.Invalid("action", "alert action %q is not trigger, acknowledge or resolve", u.Action)
	case u.Action == "trigger":
		// The ID of the alert it may create, made here rather than by
		// the writer.
		var err error
		if in.id, err = newID(); err != nil {
			return in, err
		}
	}
	return in, nil
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// ingestChange is how much of a stored alert a batch changed.
type ingestChange int

const (
	unchanged     ingestChange = iota
	countedOnly                // duplicates and duplicate_reason
	statusOnly                 // and status, its times and open_key
	changedFields              // and what the alert says
)

// ingestAlert is an alert the batch reads or creates.
type ingestAlert struct {
	row    alertRow
	change ingestChange // of a stored alert; new ones are inserted whole
}

// ingest applies a batch inside t and returns each update's outcome.
func (s *Store) ingest(ctx context.Context, t *tx, reqs []*preparedRequest, keys []alertKey) ([][]warroom.IngestResult, error) {
	open, err := t.openAlerts(ctx, keys)
	if err != nil {
		return nil, err
	}
	var touched, created []*ingestAlert
	var marks [][2]string // (service, alert) declaring
	joins := joinsAtIntake{}
	folds := foldsAtIntake{}
	routeIDs := make([][]string, len(reqs)) // by request
	for _, a := range open {
		touched = append(touched, a)
	}
	var jobs []engine.Job
	results := make([][]warroom.IngestResult, len(reqs))
	for i, req := range reqs {
		at := req.at
		results[i] = make([]warroom.IngestResult, len(req.updates))
		for j := range req.updates {
			in := &req.updates[j]
			res := &results[i][j]
			res.DedupKey = in.key.dedup
			cur := open[in.key]
			if cur == nil {
				if in.action != "trigger" {
					res.Outcome = warroom.IngestIgnored
					continue
				}
				a, err := newIngestAlert(req.integration, in, at)
				if err != nil {
					return nil, err
				}
				open[in.key] = a
				created = append(created, a)
				res.AlertID, res.Outcome = a.row.id, warroom.IngestCreated
				joined, err := joins.join(ctx, t, a, in.join)
				if err != nil {
					return nil, err
				}
				if joined {
					// Linked to its group's incident already: nothing
					// left to route.
					continue
				}
				if in.fold && a.row.groupKey != "" {
					// Folded with the batch's other new groups of its
					// service, or routed if the limit lets it declare.
					folds.add(i, req.foldLimit, a)
					continue
				}
				if in.declares {
					marks = append(marks, [2]string{req.integration.ServiceID, a.row.id})
				}
				routeIDs[i] = append(routeIDs[i], a.row.id)
				continue
			}
			res.AlertID = cur.row.id
			res.Outcome = cur.apply(in, at)
			switch res.Outcome {
			case warroom.IngestAcknowledged:
				jobs = append(jobs, alertJob(JobAlertAcknowledged, cur.row.id, at))
			case warroom.IngestResolved:
				jobs = append(jobs, alertJob(JobAlertResolved, cur.row.id, at))
				delete(open, in.key) // a later trigger opens a new alert
			}
		}
	}
	// Before the alerts are inserted: it sets the incident of those it
	// links.
	unfolded, notes, err := folds.decide(ctx, t)
	if err != nil {
		return nil, err
	}
	jobs = append(jobs, notes...)
	for i, req := range reqs {
		ids := append(routeIDs[i], unfolded[i]...)
		if len(ids) > 0 {
			jobs = append(jobs, routeJob(ids, req.at, req.routeQueue, req.integration.ServiceID))
		}
	}
	// Existing alerts first: one resolved in this batch gives up its open
	// key before a new alert with the same key is inserted.
	if err := t.writeIngested(ctx, touched); err != nil {
		return nil, err
	}
	if err := t.insertAlerts(ctx, created); err != nil {
		return nil, err
	}
	if err := t.markDeclaring(ctx, marks); err != nil {
		return nil, err
	}
	jobs = append(jobs, joins.notes()...)
	if err := s.enqueueJobs(ctx, t, jobs); err != nil {
		return nil, err
	}
	return results, nil
}

func newIngestAlert(integ *warroom.Integration, in *incoming, at time.Time) (*ingestAlert, error) {
	id := in.id
	if id == "" {
		var err error
		if id, err = newID(); err != nil {
			return nil, err
		}
	}
	r := alertRow{
		id: id, serviceID: integ.ServiceID, integrationID: integ.ID, source: in.key.source, dedupKey: in.key.dedup,
		groupKey: in.groupKey, status: string(warroom.AlertFiring), summary: in.summary, severity: in.severity,
		labels: in.labels, annotations: in.annotations, details: in.details, links: in.links,
		startsAt: at, createdAt: at, updatedAt: at,
	}
	if r.severity == "" {
		r.severity = "warning"
	}
	// A start after warroom received the alert is not a start: Alertmanager
	// sends one when a sender gave only endsAt, and a clock ahead of ours
	// does too. It would show as "firing since" a time still to come, so
	// the alert started, as far as anyone knows, when it arrived.
	if !in.startsAt.IsZero() && !in.startsAt.After(at) {
		r.startsAt = normTime(in.startsAt)
	}
	return &ingestAlert{row: r}, nil
}

// apply applies an update to an open alert and returns the outcome.
func (a *ingestAlert) apply(in *incoming, at time.Time) string {
	r := &a.row
	// An acknowledge or resolve only fills what the alert lacks: PagerDuty
	// senders put "[RESOLVED] ..." in a resolve's summary, which must not
	// replace what the alert was about.
	changed := r.merge(in, in.action != "trigger")
	switch {
	case in.action == "resolve":
		r.status = string(warroom.AlertResolved)
		r.resolvedAt = &at
		end := at
		if !in.endsAt.IsZero() {
			end = normTime(in.endsAt)
		}
		r.endsAt = &end
		a.touch(at, changed)
		return warroom.IngestResolved
	case in.action == "acknowledge" && r.status == string(warroom.AlertFiring):
		r.status = string(warroom.AlertAcknowledged)
		r.acknowledgedAt = &at
		a.touch(at, changed)
		return warroom.IngestAcknowledged
	case changed:
		a.touch(at, true)
		return warroom.IngestUpdated
	}
	// A trigger that changes nothing, or an acknowledge of an
	// acknowledged alert.
	since := r.startsAt
	if r.status == string(warroom.AlertAcknowledged) && r.acknowledgedAt != nil {
		since = *r.acknowledgedAt
	}
	r.duplicates++
	r.duplicateReason = fmt.Sprintf("same dedup key %q already %s since %s", r.dedupKey, r.status, since.Format(time.RFC3339))
	a.change = max(a.change, countedOnly)
	return warroom.IngestDuplicate
}

// touch records a change of status, and of content if content.
func (a *ingestAlert) touch(at time.Time, content bool) {
	a.row.updatedAt = at
	a.change = max(a.change, statusOnly)
	if content {
		a.change = changedFields
	}
}

// merge copies what the update says into the row and reports whether
// that changed anything; with fillOnly, only into empty fields. Empty
// fields of the update are not said: they never erase.
func (r *alertRow) merge(in *incoming, fillOnly bool) bool {
	changed := false
	set := func(dst *string, v string) {
		if v != "" && v != *dst && (!fillOnly || *dst == "") {
			*dst = v
			changed = true
		}
	}
	set(&r.summary, in.summary)
	set(&r.severity, in.severity)
	set(&r.groupKey, in.groupKey)
	set(&r.labels, in.labels)
	set(&r.annotations, in.annotations)
	set(&r.details, in.details)
	set(&r.links, in.links)
	return changed
}

// routeJob asks the engine to route a request's new alerts, on queue
// ("": the default queue). Its fairness key is the alerts' service: a
// claim takes the route jobs of every service in turn (Store.ClaimFair),
// so that a storm on one service never delays routing, and so paging,
// on another; the jobs that follow it (the declaration's escalation, the
// page) inherit the key.
func routeJob(ids []string, at time.Time, queue, serviceID string) engine.Job {
	payload, _ := json.Marshal(struct {
		AlertIDs []string `json:"alert_ids"`
	}{ids}) // strings always encode
	if queue == "" {
		queue = jobQueueDefault
	}
	return engine.Job{Queue: queue, Kind: JobAlertRoute, DueAt: at, Payload: payload, FairKey: serviceID}
}

// retryableIngest reports whether a failed batch may succeed if run
// again: on PostgreSQL, another transaction inserted one of its new keys
// first, or the two deadlocked.
func retryableIngest(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001") {
		return true
	}
	return uniqueOn(err, "alerts_open_key", "alerts.open_key")
}

// ---- statements

// alertInsertColumns are every column of alerts, in the order of
// alertRow.args.
const alertInsertColumns = `id, service_id, integration_id, source, dedup_key, open_key, group_key, status, summary,
	severity, labels, annotations, details, links, starts_at, ends_at, incident_id, duplicates, duplicate_reason,
	created_at, updated_at, acknowledged_at, resolved_at`

const alertInsertWidth = 23

// args returns the row's values for alertInsertColumns (SQLite).
func (r *alertRow) args(d *dialect, dst []any) []any {
	return append(dst, r.id, r.serviceID, r.integrationID, r.source, r.dedupKey, r.openKey(), r.groupKey, r.status,
		r.summary, r.severity, nullText(r.labels), nullText(r.annotations), nullText(r.details), nullText(r.links),
		d.timeArg(r.startsAt), d.nullTimeArg(r.endsAt), nullString(r.incidentID), r.duplicates, r.duplicateReason,
		d.timeArg(r.createdAt), d.timeArg(r.updatedAt), d.nullTimeArg(r.acknowledgedAt), d.nullTimeArg(r.resolvedAt))
}

// ingestColumns are what intake reads of an open alert: what it compares,
// merges and counts. The rest it never writes (updateIngested).
const ingestColumns = `a.id, a.status, a.summary, a.severity, a.group_key, a.labels, a.annotations, a.details, a.links,
	a.starts_at, a.duplicates, a.duplicate_reason, a.acknowledged_at`

// openAlerts reads, and on PostgreSQL locks in ID order, the open alerts
// of keys, with one statement however many keys there are (on SQLite,
// one per integration and source).
func (t *tx) openAlerts(ctx context.Context, keys []alertKey) (map[alertKey]*ingestAlert, error) {
	open := make(map[alertKey]*ingestAlert, len(keys))
	if len(keys) == 0 {
		return open, nil
	}
	if !t.d.dollar {
		return open, t.openAlertsSQLite(ctx, keys, open)
	}
	integ, src, dedup := make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		integ[i], src[i], dedup[i] = k.integration, k.source, k.dedup
	}
	return open, t.scanOpenAlerts(ctx, keys, open, `SELECT k.n - 1, `+ingestColumns+` FROM alerts AS a
		JOIN unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS k(i, s, d, n)
		ON a.integration_id = k.i AND a.source = k.s AND a.open_key = k.d
		WHERE a.open_key IS NOT NULL ORDER BY a.id FOR UPDATE OF a`, integ, src, dedup)
}

// openAlertsSQLite reads the open alerts of keys with one statement per
// integration and source (usually one per batch): SQLite walks a JSON
// array of dedup keys and probes alerts_open_key for each.
func (t *tx) openAlertsSQLite(ctx context.Context, keys []alertKey, open map[alertKey]*ingestAlert) error {
	type group struct {
		integration, source string
		keys                []alertKey
	}
	var groups []*group
	byName := map[[2]string]*group{}
	for _, k := range keys {
		g := byName[[2]string{k.integration, k.source}]
		if g == nil {
			g = &group{integration: k.integration, source: k.source}
			byName[[2]string{k.integration, k.source}] = g
			groups = append(groups, g)
		}
		g.keys = append(g.keys, k)
	}
	for _, g := range groups {
		b := make([]byte, 0, 24*len(g.keys))
		b = append(b, '[')
		for i, k := range g.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k.dedup)
		}
		b = append(b, ']')
		err := t.scanOpenAlerts(ctx, g.keys, open, `SELECT k.key, `+ingestColumns+` FROM json_each(?) AS k CROSS JOIN alerts AS a
			WHERE a.integration_id = ? AND a.source = ? AND a.open_key = k.value AND a.open_key IS NOT NULL`,
			string(b), g.integration, g.source)
		if err != nil {
			return err
		}
	}
	return nil
}

// scanOpenAlerts runs a query whose rows are the position of their key in
// keys followed by ingestColumns, and adds the alerts to open.
func (t *tx) scanOpenAlerts(ctx context.Context, keys []alertKey, open map[alertKey]*ingestAlert, q string, args ...any) error {
	rows, err := txRows(ctx, t, q, args...)
	if err != nil {
		return fmt.Errorf("sqlstore: read open alerts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		a := &ingestAlert{}
		r := &a.row
		err := rows.Scan(&i, &r.id, &r.status, &r.summary, &r.severity, &r.groupKey, strCol{&r.labels},
			strCol{&r.annotations}, strCol{&r.details}, strCol{&r.links}, timeCol{&r.startsAt}, &r.duplicates,
			&r.duplicateReason, nullTimeCol{&r.acknowledgedAt})
		if err != nil {
			return fmt.Errorf("sqlstore: read open alerts: %w", err)
		}
		if i < 0 || i >= len(keys) {
			return fmt.Errorf("sqlstore: read open alerts: key %d of %d", i, len(keys))
		}
		k := keys[i]
		r.integrationID, r.source, r.dedupKey = k.integration, k.source, k.dedup
		open[k] = a
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: read open alerts: %w", err)
	}
	return nil
}

// writeIngested stores the changes a batch made to existing alerts, each
// with the smallest statement that covers it: the counters of duplicates
// touch no indexed column, and an acknowledge or resolve need not write
// the alert's content again. PostgreSQL does each kind of change in one
// statement over arrays; SQLite, in process, runs a prepared statement
// per row.
func (t *tx) writeIngested(ctx context.Context, alerts []*ingestAlert) error {
	var counted, status, changed []*alertRow
	for _, a := range alerts {
		switch {
		case a.change == countedOnly:
			counted = append(counted, &a.row)
		case a.change == statusOnly && !t.d.dollar:
			status = append(status, &a.row)
		case a.change >= statusOnly:
			changed = append(changed, &a.row)
		}
	}
	if err := t.countDuplicates(ctx, counted); err != nil {
		return err
	}
	for _, r := range status {
		_, err := t.exec(ctx, `UPDATE alerts SET open_key = ?, status = ?, ends_at = ?, duplicates = ?, duplicate_reason = ?,
			updated_at = ?, acknowledged_at = ?, resolved_at = ? WHERE id = ?`,
			r.openKey(), r.status, t.d.nullTimeArg(r.endsAt), r.duplicates, r.duplicateReason,
			t.d.timeArg(r.updatedAt), t.d.nullTimeArg(r.acknowledgedAt), t.d.nullTimeArg(r.resolvedAt), r.id)
		if err != nil {
			return fmt.Errorf("sqlstore: update alert status: %w", err)
		}
	}
	return t.updateIngested(ctx, changed)
}

// updateIngested writes the columns intake changes (not the incident,
// start or creation) of existing alerts.
func (t *tx) updateIngested(ctx context.Context, rows []*alertRow) error {
	if len(rows) == 0 {
		return nil
	}
	if t.d.dollar {
		_, err := t.exec(ctx, `UPDATE alerts AS a SET open_key = u.open_key, group_key = u.group_key, status = u.status,
			summary = u.summary, severity = u.severity, labels = u.labels, annotations = u.annotations,
			details = u.details, links = u.links, ends_at = u.ends_at, duplicates = u.duplicates,
			duplicate_reason = u.duplicate_reason, updated_at = u.updated_at, acknowledged_at = u.acknowledged_at,
			resolved_at = u.resolved_at
			FROM `+pgAlertsUnnest+` WHERE a.id = u.id`, pgAlertArrays(rows)...)
		if err != nil {
			return fmt.Errorf("sqlstore: update alerts: %w", err)
		}
		return nil
	}
	for _, r := range rows {
		_, err := t.exec(ctx, `UPDATE alerts SET open_key = ?, group_key = ?, status = ?, summary = ?, severity = ?,
			labels = ?, annotations = ?, details = ?, links = ?, ends_at = ?, duplicates = ?, duplicate_reason = ?,
			updated_at = ?, acknowledged_at = ?, resolved_at = ? WHERE id = ?`,
			r.openKey(), r.groupKey, r.status, r.summary, r.severity, nullText(r.labels), nullText(r.annotations),
			nullText(r.details), nullText(r.links), t.d.nullTimeArg(r.endsAt), r.duplicates, r.duplicateReason,
			t.d.timeArg(r.updatedAt), t.d.nullTimeArg(r.acknowledgedAt), t.d.nullTimeArg(r.resolvedAt), r.id)
		if err != nil {
			return fmt.Errorf("sqlstore: update alert: %w", err)
		}
	}
	return nil
}

func (t *tx) countDuplicates(ctx context.Context, rows []*alertRow) error {
	if len(rows) == 0 {
		return nil
	}
	if t.d.dollar {
		ids, reasons, counts := make([]string, len(rows)), make([]string, len(rows)), make([]int64, len(rows))
		for i, r := range rows {
			ids[i], reasons[i], counts[i] = r.id, r.duplicateReason, r.duplicates
		}
		_, err := t.exec(ctx, `UPDATE alerts AS a SET duplicates = u.n, duplicate_reason = u.r
			FROM unnest(?::text[], ?::bigint[], ?::text[]) AS u(id, n, r) WHERE a.id = u.id`, ids, counts, reasons)
		if err != nil {
			return fmt.Errorf("sqlstore: count duplicate alerts: %w", err)
		}
		return nil
	}
	for _, r := range rows {
		if _, err := t.exec(ctx, "UPDATE alerts SET duplicates = ?, duplicate_reason = ? WHERE id = ?",
			r.duplicates, r.duplicateReason, r.id); err != nil {
			return fmt.Errorf("sqlstore: count duplicate alert: %w", err)
		}
	}
	return nil
}

// insertAlerts inserts new alerts: on PostgreSQL with one statement over
// arrays, on SQLite with multi-row INSERTs of 64, 32, ... 1 rows, so that
// a handful of prepared statements serve every batch size.
func (t *tx) insertAlerts(ctx context.Context, alerts []*ingestAlert) error {
	if len(alerts) == 0 {
		return nil
	}
	rows := make([]*alertRow, len(alerts))
	for i, a := range alerts {
		rows[i] = &a.row
	}
	if t.d.dollar {
		// In key order, so that two batches inserting the same new keys
		// wait for each other instead of deadlocking.
		slices.SortFunc(rows, func(a, b *alertRow) int {
			return cmp.Or(strings.Compare(a.integrationID, b.integrationID), strings.Compare(a.source, b.source),
				strings.Compare(a.dedupKey, b.dedupKey))
		})
		_, err := t.exec(ctx, "INSERT INTO alerts ("+alertInsertColumns+`)
			SELECT id, service_id, integration_id, source, dedup_key, open_key, group_key, status, summary, severity,
			labels, annotations, details, links, starts_at, ends_at, incident_id, duplicates,
			duplicate_reason, created_at, updated_at, acknowledged_at, resolved_at FROM `+pgAlertsUnnest, pgAlertArrays(rows)...)
		return insertAlertsError(err)
	}
	// Alerts as intake creates them (firing, counted nowhere yet) bind
	// only what differs between them: binding a value copies it into
	// SQLite's memory, a good part of the insert's cost.
	fresh, other := make([]*alertRow, 0, len(rows)), []*alertRow(nil)
	for _, r := range rows {
		if r.fresh() {
			fresh = append(fresh, r)
		} else {
			other = append(other, r)
		}
	}
	// Runs of fresh alerts of one service, integration, source and
	// incident (a delivery, usually a whole batch) bind those once per
	// statement.
	for len(fresh) > 0 {
		n := 1
		for n < len(fresh) && sameSource(fresh[n], fresh[0]) {
			n++
		}
		r := fresh[0]
		shared := []any{r.serviceID, r.integrationID, r.source, nullString(r.incidentID)}
		if err := t.insertSQLite(ctx, fresh[:n], shared, freshInsertWidth, sqliteFreshAlertInserts(), (*alertRow).freshArgs); err != nil {
			return err
		}
		fresh = fresh[n:]
	}
	return t.insertSQLite(ctx, other, nil, alertInsertWidth, sqliteAlertInserts(), (*alertRow).args)
}

func sameSource(a, b *alertRow) bool {
	return a.serviceID == b.serviceID && a.integrationID == b.integrationID && a.source == b.source && a.incidentID == b.incidentID
}

// insertSQLite inserts rows with the multi-row INSERTs of stmts (by
// number of rows), whose values are shared and then width values of each
// row from args.
func (t *tx) insertSQLite(ctx context.Context, rows []*alertRow, shared []any, width int, stmts map[int]string,
	args func(r *alertRow, d *dialect, dst []any) []any) error {
	if len(rows) == 0 {
		return nil
	}
	values := make([]any, 0, len(shared)+width*min(len(rows), maxInsertRows))
	for len(rows) > 0 {
		n := maxInsertRows
		for n > len(rows) {
			n /= 2
		}
		values = append(values[:0], shared...)
		for _, r := range rows[:n] {
			values = args(r, t.d, values)
		}
		if _, err := t.exec(ctx, stmts[n], values...); err != nil {
			return insertAlertsError(err)
		}
		rows = rows[n:]
	}
	return nil
}

// fresh reports whether the row is as intake creates an alert: firing,
// not ended, counted nowhere, not updated since (in no incident, or in
// the one its group has, joined at intake).
func (r *alertRow) fresh() bool {
	return r.status == string(warroom.AlertFiring) && r.endsAt == nil && r.duplicates == 0 &&
		r.duplicateReason == "" && r.acknowledgedAt == nil && r.resolvedAt == nil && r.createdAt.Equal(r.updatedAt)
}

// freshInsertWidth is the number of values of a fresh row (freshArgs).
const freshInsertWidth = 11

// freshArgs returns the values of a fresh row for sqliteFreshAlertInserts.
func (r *alertRow) freshArgs(d *dialect, dst []any) []any {
	return append(dst, r.id, r.dedupKey, r.groupKey, r.summary, r.severity, nullText(r.labels),
		nullText(r.annotations), nullText(r.details), nullText(r.links), d.timeArg(r.startsAt), d.timeArg(r.createdAt))
}

// sqliteFreshAlertInserts holds the INSERT of n fresh alerts at index n,
// for n a power of two up to maxInsertRows: service, integration,
// source and incident (NULL for none) once, then the values of freshArgs
// for each row. The dedup key
// is also the open key, the creation time also the update time, and the
// rest the constants of a fresh row. (Numbered parameters would do the
// same in a plain VALUES list, but make binding quadratic in
// modernc.org/sqlite.)
var sqliteFreshAlertInserts = sync.OnceValue(func() map[int]string {
	m := map[int]string{}
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", freshInsertWidth), ", ") + ")"
	for n := 1; n <= maxInsertRows; n *= 2 {
		// id, service_id, integration_id, source, dedup_key, open_key,
		// group_key, status, summary, severity, labels, annotations,
		// details, links, starts_at, ends_at, incident_id, duplicates,
		// duplicate_reason, created_at, updated_at, acknowledged_at,
		// resolved_at
		m[n] = "INSERT OR FAIL INTO alerts (" + alertInsertColumns + `) SELECT v.column1, ?, ?, ?, v.column2, v.column2,
			v.column3, 'firing', v.column4, v.column5, v.column6, v.column7, v.column8, v.column9, v.column10, NULL, ?,
			0, '', v.column11, v.column11, NULL, NULL FROM (VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + ") AS v"
	}
	return m
})

func insertAlertsError(err error) error {
	switch {
	case err == nil:
		return nil
	case uniqueOn(err, "alerts_open_key", "alerts.open_key"):
		return err // retryableIngest reads it
	}
	return fmt.Errorf("sqlstore: insert alerts: %w", err)
}

// maxInsertRows is the largest multi-row INSERT of alerts on SQLite:
// 64 rows of 23 values stay well under SQLite's 32766 variables.
const maxInsertRows = 64

// sqliteAlertInserts holds the multi-row INSERT of n alerts at index n,
// for n a power of two up to maxInsertRows.
var sqliteAlertInserts = sync.OnceValue(func() map[int]string {
	m := map[int]string{}
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", alertInsertWidth), ", ") + ")"
	for n := 1; n <= maxInsertRows; n *= 2 {
		m[n] = "INSERT OR FAIL INTO alerts (" + alertInsertColumns + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
	}
	return m
})

// pgAlertsUnnest turns the arrays of pgAlertArrays into rows named like
// the columns.
const pgAlertsUnnest = `unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
	?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::text[],
	?::bigint[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::timestamptz[], ?::timestamptz[])
	AS u(id, service_id, integration_id, source, dedup_key, open_key, group_key, status, summary, severity,
	labels, annotations, details, links, starts_at, ends_at, incident_id, duplicates, duplicate_reason,
	created_at, updated_at, acknowledged_at, resolved_at)`

// pgAlertArrays returns one array per column of alertInsertColumns.
func pgAlertArrays(rows []*alertRow) []any {
	n := len(rows)
	str := func() []string { return make([]string, n) }
	opt := func() []*string { return make([]*string, n) }
	id, svc, integ, src, dedup, group, status, summary, sev, reason := str(), str(), str(), str(), str(), str(), str(), str(), str(), str()
	openKey, labels, ann, details, links, incident := opt(), opt(), opt(), opt(), opt(), opt()
	starts, created, updated := make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	ends, acked, resolved := make([]*time.Time, n), make([]*time.Time, n), make([]*time.Time, n)
	dups := make([]int64, n)
	optStr := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	for i, r := range rows {
		id[i], svc[i], integ[i], src[i], dedup[i], group[i] = r.id, r.serviceID, r.integrationID, r.source, r.dedupKey, r.groupKey
		status[i], summary[i], sev[i], reason[i] = r.status, r.summary, r.severity, r.duplicateReason
		if r.status != string(warroom.AlertResolved) {
			openKey[i] = &r.dedupKey
		}
		labels[i], ann[i], details[i], links[i], incident[i] = optStr(r.labels), optStr(r.annotations), optStr(r.details), optStr(r.links), optStr(r.incidentID)
		starts[i], created[i], updated[i] = r.startsAt, r.createdAt, r.updatedAt
		ends[i], acked[i], resolved[i] = r.endsAt, r.acknowledgedAt, r.resolvedAt
		dups[i] = r.duplicates
	}
	return []any{id, svc, integ, src, dedup, openKey, group, status, summary, sev, labels, ann, details, links,
		starts, ends, incident, dups, reason, created, updated, acked, resolved}
}
