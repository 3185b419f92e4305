package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
)

// Retention (Prune) deletes finished work past its period, with the
// period's end exact to the microsecond, in bounded batches, and never
// anything still to run, nor incidents, their timelines or alerts.
func TestRetention(t *testing.T) {
	runStoreTests(t, []storeTest{
		{"DoneJobs", testPruneDoneJobs},
		{"IdempotencyKeys", testPruneIdempotencyKeys},
		{"Messages", testPruneMessages},
		{"NeverLiveWorkNorRecords", testPruneNeverLive},
		{"Batches", testPruneBatches},
		{"ZeroKeepsForever", testPruneZeroKeeps},
		{"Concurrently", testPruneConcurrently},
	})
}

// week is the default job retention the tests prune with.
const week = 7 * 24 * time.Hour

func mustPrune(t *testing.T, s *Store, now time.Time, r Retention) Pruned {
	t.Helper()
	p, err := s.Prune(context.Background(), now, r)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// jobDoneAt stores job id, on a queue of its own, claimed and completed at
// done.
func jobDoneAt(t *testing.T, s *Store, id string, done time.Time) {
	t.Helper()
	j := engine.Job{ID: id, Queue: "q-" + id, Kind: "test.kind", Key: "key:" + id, DueAt: done.Add(-time.Minute)}
	mustEnqueue(t, s, j)
	wantJobs(t, mustClaim(t, s, j.Queue, "w1", j.DueAt, time.Minute, 1), id)
	if err := s.Complete(context.Background(), id, "w1", done, nil); err != nil {
		t.Fatal(err)
	}
}

// exists reports whether table has a row with id.
func exists(t *testing.T, s *Store, table, id string) bool {
	t.Helper()
	var n int
	if err := s.db.QueryRow(s.d.q("SELECT count(*) FROM "+table+" WHERE id = ?"), id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func wantRows(t *testing.T, s *Store, table string, want map[string]bool) {
	t.Helper()
	for id, kept := range want {
		if got := exists(t, s, table, id); got != kept {
			t.Errorf("%s %s kept = %v, want %v", table, id, got, kept)
		}
	}
}

// Done jobs go once done before the cutoff (now minus the period); at the
// cutoff they stay; jobs not done stay whatever their age.
func testPruneDoneJobs(t *testing.T, s *Store) {
	ctx := context.Background()
	now := t0.Add(week)
	cutoff := now.Add(-week)
	jobDoneAt(t, s, "old", cutoff.Add(-time.Microsecond))
	jobDoneAt(t, s, "much-older", cutoff.Add(-400*24*time.Hour))
	jobDoneAt(t, s, "at-cutoff", cutoff)
	jobDoneAt(t, s, "recent", now.Add(-time.Hour))
	long := cutoff.Add(-30 * 24 * time.Hour)
	// Pending, due long ago and never claimed (a server down for a month).
	mustEnqueue(t, s, engine.Job{ID: "pending", Queue: "q-pending", Kind: "test.kind", DueAt: long})
	// Claimed long ago by a process that died: its lease long expired.
	mustEnqueue(t, s, engine.Job{ID: "claimed", Queue: "q-claimed", Kind: "test.kind", DueAt: long})
	wantJobs(t, mustClaim(t, s, "q-claimed", "dead", long, time.Second, 1), "claimed")
	// Failed long ago and waiting for its retry.
	mustEnqueue(t, s, engine.Job{ID: "retrying", Queue: "q-retrying", Kind: "test.kind", DueAt: long})
	wantJobs(t, mustClaim(t, s, "q-retrying", "w1", long, time.Second, 1), "retrying")
	if err := s.Fail(ctx, "retrying", "w1", long.Add(time.Minute), "boom"); err != nil {
		t.Fatal(err)
	}

	if p := mustPrune(t, s, now, Retention{DoneJobs: week}); p != (Pruned{Jobs: 2}) {
		t.Fatalf("pruned %+v, want 2 jobs", p)
	}
	wantRows(t, s, "jobs", map[string]bool{"old": false, "much-older": false, "at-cutoff": true, "recent": true,
		"pending": true, "claimed": true, "retrying": true})
	// A microsecond later the job done at the old cutoff is past it too.
	if p := mustPrune(t, s, now.Add(time.Microsecond), Retention{DoneJobs: week}); p != (Pruned{Jobs: 1}) {
		t.Fatalf("pruned %+v a microsecond later, want the job done at the cutoff", p)
	}
	if exists(t, s, "jobs", "at-cutoff") {
		t.Error("job at-cutoff kept a microsecond after its period")
	}
	// The work still to run is untouched: it is claimed as before.
	if r := readJob(t, s, "retrying"); r.attempts != 1 || r.done {
		t.Errorf("retrying job changed: %+v", r)
	}
	sameJobs(t, mustClaim(t, s, "q-pending", "w2", now, time.Minute, 5), "pending")
	sameJobs(t, mustClaim(t, s, "q-claimed", "w2", now, time.Minute, 5), "claimed")
	// A pruned job's key is free again: that is what the period bounds.
	mustEnqueue(t, s, engine.Job{ID: "old-again", Queue: "q-old", Kind: "test.kind", Key: "key:old", DueAt: now})
	if !exists(t, s, "jobs", "old-again") {
		t.Error("the key of a pruned job still blocks scheduling")
	}
}

// storeKey stores an idempotency key of userID as API requests do, at
// created.
func storeKey(t *testing.T, s *Store, userID, key string, created time.Time) {
	t.Helper()
	_, err := s.exec(context.Background(), "INSERT INTO idempotency_keys (user_id, key, request_hash, result, created_at) VALUES (?, ?, ?, ?, ?)",
		userID, key, "hash-"+key, "{}", s.d.timeArg(created))
	if err != nil {
		t.Fatal(err)
	}
}

func keyStored(t *testing.T, s *Store, userID, key string) bool {
	t.Helper()
	var n int
	err := s.db.QueryRow(s.d.q("SELECT count(*) FROM idempotency_keys WHERE user_id = ? AND key = ?"), userID, key).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// The keys of API requests go after 24 hours, to the microsecond; those
// of paging's system commands (a scope that is no user) stay, since they
// make a command happen once however late its job runs again.
func testPruneIdempotencyKeys(t *testing.T, s *Store) {
	f := newFixture(t, s)
	const day = 24 * time.Hour
	now := t0.Add(30 * day)
	cutoff := now.Add(-day)
	storeKey(t, s, f.ada.ID, "old", cutoff.Add(-time.Microsecond))
	storeKey(t, s, f.bob.ID, "older", cutoff.Add(-90*day))
	storeKey(t, s, f.ada.ID, "at-cutoff", cutoff)
	storeKey(t, s, f.bob.ID, "recent", now.Add(-time.Minute))
	storeKey(t, s, "warroom:paging", "route:alert-1", cutoff.Add(-90*day))

	if p := mustPrune(t, s, now, Retention{IdempotencyKeys: day}); p != (Pruned{IdempotencyKeys: 2}) {
		t.Fatalf("pruned %+v, want 2 keys", p)
	}
	for _, k := range []struct {
		user, key string
		kept      bool
	}{
		{f.ada.ID, "old", false}, {f.bob.ID, "older", false}, {f.ada.ID, "at-cutoff", true},
		{f.bob.ID, "recent", true}, {"warroom:paging", "route:alert-1", true},
	} {
		if got := keyStored(t, s, k.user, k.key); got != k.kept {
			t.Errorf("key %s of %s kept = %v, want %v", k.key, k.user, got, k.kept)
		}
	}

	// Through the API's path: a declaration with a key replays within the
	// period; once the key is pruned the incident and its timeline stay,
	// and the same key is a new request.
	idem := warroom.Idempotency{UserID: f.ada.ID, Key: "declare-1", RequestHash: "h1"}
	first, err := f.declare(f.ada, warroom.Declaration{Title: "checkout down", Severity: warroom.SEV2}, idem)
	if err != nil {
		t.Fatal(err)
	}
	stored := time.Now() // the store stamps keys with the wall clock
	again, err := f.declare(f.ada, warroom.Declaration{Title: "checkout down", Severity: warroom.SEV2}, idem)
	if err != nil || !again.Replayed {
		t.Fatalf("retry within the period: replayed %v, %v", again != nil && again.Replayed, err)
	}
	events := countRows(t, s, "incident_events")
	// A day after the wall clock stored declare-1 (t0 is long past), every
	// key of a user goes.
	if p := mustPrune(t, s, stored.Add(day+time.Minute), Retention{IdempotencyKeys: day}); p.IdempotencyKeys != 3 {
		t.Fatalf("pruned %+v a day later, want declare-1, at-cutoff and recent", p)
	}
	if !keyStored(t, s, "warroom:paging", "route:alert-1") {
		t.Error("paging's system key was pruned")
	}
	if _, err := s.FindIncident(context.Background(), first.Incident.ID); err != nil {
		t.Fatalf("incident after pruning its key: %v", err)
	}
	if n := countRows(t, s, "incident_events"); n != events {
		t.Fatalf("%d timeline events after pruning, want %d", n, events)
	}
	late, err := f.declare(f.ada, warroom.Declaration{Title: "checkout down", Severity: warroom.SEV2}, idem)
	if err != nil || late.Replayed || late.Incident.ID == first.Incident.ID {
		t.Fatalf("the same key after its period: %+v, %v; want a new request", late, err)
	}
}

// msgAt stores a page on a queue of its own, created (and due) at created.
func msgAt(t *testing.T, s *Store, id string, created time.Time) string {
	t.Helper()
	m := pageMsg(id, "ada@example.com", created)
	m.Queue, m.CreatedAt = "q-"+id, created
	mustEnqueueMessages(t, s, m)
	return m.Queue
}

// sendMsg claims message id at at and finishes it at at with outcome.
func sendMsg(t *testing.T, s *Store, id string, at time.Time, state notify.State, due time.Time, outcome string) {
	t.Helper()
	wantMessages(t, mustClaimMessages(t, s, "q-"+id, "w1", at, time.Minute, 1), id)
	mustFinish(t, s, id, "w1", state, due, notify.Attempt{At: at, Outcome: outcome, Detail: outcome})
}

func attemptsOf(t *testing.T, s *Store, id string) int {
	t.Helper()
	as, err := s.ListAttempts(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return len(as)
}

// Sent and failed (cancelled included) messages go with their attempts
// once created and last tried before the cutoff; pending and sending ones
// stay whatever their age.
func testPruneMessages(t *testing.T, s *Store) {
	const days90 = 90 * 24 * time.Hour
	now := t0.Add(days90)
	cutoff := now.Add(-days90)
	long := cutoff.Add(-400 * 24 * time.Hour)
	before := cutoff.Add(-time.Microsecond)

	msgAt(t, s, "sent-old", long)
	sendMsg(t, s, "sent-old", long, notify.StatePending, long.Add(time.Minute), outcomeRetry)
	sendMsg(t, s, "sent-old", before, notify.StateSent, time.Time{}, outcomeSent)
	msgAt(t, s, "cancelled-old", long)
	sendMsg(t, s, "cancelled-old", long, notify.StateFailed, time.Time{}, outcomeCancelled)
	msgAt(t, s, "failed-old", before)
	sendMsg(t, s, "failed-old", before, notify.StateFailed, time.Time{}, outcomeFailed)
	// Sent at the cutoff: kept; and one created long ago but last tried at
	// the cutoff (it retried for a long while): its history is as recent.
	msgAt(t, s, "sent-at-cutoff", long)
	sendMsg(t, s, "sent-at-cutoff", cutoff, notify.StateSent, time.Time{}, outcomeSent)
	msgAt(t, s, "failed-late", long)
	sendMsg(t, s, "failed-late", long, notify.StatePending, cutoff, outcomeRetry)
	sendMsg(t, s, "failed-late", cutoff, notify.StateFailed, time.Time{}, outcomeFailed)
	msgAt(t, s, "sent-recent", now.Add(-time.Hour))
	sendMsg(t, s, "sent-recent", now.Add(-time.Hour), notify.StateSent, time.Time{}, outcomeSent)
	// Still to send, all from long ago: pending and never tried; pending
	// after a retry; sending by a process that died.
	msgAt(t, s, "pending", long)
	msgAt(t, s, "retrying", long)
	sendMsg(t, s, "retrying", long, notify.StatePending, long.Add(time.Hour), outcomeRetry)
	msgAt(t, s, "sending", long)
	wantMessages(t, mustClaimMessages(t, s, "q-sending", "dead", long, time.Second, 1), "sending")

	attempts := countRows(t, s, "message_attempts")
	p := mustPrune(t, s, now, Retention{Messages: days90})
	if p != (Pruned{Messages: 3, Attempts: 4}) {
		t.Fatalf("pruned %+v, want 3 messages and their 4 attempts", p)
	}
	wantRows(t, s, "messages", map[string]bool{"sent-old": false, "cancelled-old": false, "failed-old": false,
		"sent-at-cutoff": true, "failed-late": true, "sent-recent": true, "pending": true, "retrying": true, "sending": true})
	if n := countRows(t, s, "message_attempts"); n != attempts-4 {
		t.Errorf("%d attempts left, want %d", n, attempts-4)
	}
	for id, want := range map[string]int{"sent-old": 0, "failed-late": 2, "retrying": 1, "sent-at-cutoff": 1} {
		if n := attemptsOf(t, s, id); n != want {
			t.Errorf("message %s has %d attempts, want %d", id, n, want)
		}
	}
	// A microsecond later, those last touched at the cutoff go too.
	if p := mustPrune(t, s, now.Add(time.Microsecond), Retention{Messages: days90}); p != (Pruned{Messages: 2, Attempts: 3}) {
		t.Fatalf("pruned %+v a microsecond later, want sent-at-cutoff and failed-late", p)
	}
	// What is still to send is sent as before: the sending one once its
	// lease is found expired.
	got := mustClaimMessages(t, s, "q-sending", "w2", now, time.Minute, 5)
	got = append(got, mustClaimMessages(t, s, "q-pending", "w2", now, time.Minute, 5)...)
	got = append(got, mustClaimMessages(t, s, "q-retrying", "w2", now, time.Minute, 5)...)
	sameMessages(t, got, "sending", "pending", "retrying")
}

// However short the periods and late the clock, Prune takes no work still
// to run and no incident, timeline event or alert.
func testPruneNeverLive(t *testing.T, s *Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	inc := f.mustDeclare(f.ada, "checkout down")
	f.appendNotes(inc.ID, 5, 5)
	svc := &warroom.Service{Slug: "checkout", Name: "Checkout"}
	if err := s.CreateService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	in := &warroom.Integration{ServiceID: svc.ID, Kind: warroom.IntegrationWebhook, Name: "m"}
	if err := s.CreateIntegration(ctx, in, warroom.HashTokenSecret("k")); err != nil {
		t.Fatal(err)
	}
	req := warroom.IngestRequest{Integration: in, ReceivedAt: t0, Updates: []warroom.AlertUpdate{
		{Action: "trigger", Alert: warroom.Alert{DedupKey: "a", Severity: "critical", Summary: "down"}},
		{Action: "trigger", Alert: warroom.Alert{DedupKey: "b", Severity: "critical", Summary: "down"}},
	}}
	if _, err := s.IngestAlerts(ctx, []warroom.IngestRequest{req}); err != nil {
		t.Fatal(err)
	}
	req.ReceivedAt = t0.Add(time.Minute)
	req.Updates = []warroom.AlertUpdate{{Action: "resolve", Alert: warroom.Alert{DedupKey: "a"}}}
	if _, err := s.IngestAlerts(ctx, []warroom.IngestRequest{req}); err != nil {
		t.Fatal(err)
	}
	jobDoneAt(t, s, "done", t0)
	mustEnqueue(t, s, engine.Job{ID: "pending", Queue: "q-pending", Kind: "test.kind", DueAt: t0})
	mustEnqueue(t, s, engine.Job{ID: "claimed", Queue: "q-claimed", Kind: "test.kind", DueAt: t0})
	wantJobs(t, mustClaim(t, s, "q-claimed", "w1", t0, time.Second, 1), "claimed")
	msgAt(t, s, "pending", t0)
	msgAt(t, s, "sending", t0)
	wantMessages(t, mustClaimMessages(t, s, "q-sending", "w1", t0, time.Second, 1), "sending")
	counts := map[string]int{}
	for _, table := range []string{"incidents", "incident_events", "alerts"} {
		counts[table] = countRows(t, s, table)
	}
	jobs := countRows(t, s, "jobs")
	pending := jobs - countDone(t, s)

	tiny := Retention{DoneJobs: time.Nanosecond, IdempotencyKeys: time.Nanosecond, Messages: time.Nanosecond}
	p := mustPrune(t, s, t0.Add(100*365*24*time.Hour), tiny)
	if p.Jobs != 1 || jobs-pending != 1 {
		t.Errorf("pruned %d jobs, want the %d done ones", p.Jobs, jobs-pending)
	}
	for table, want := range counts {
		if n := countRows(t, s, table); n != want || n == 0 {
			t.Errorf("%s: %d rows after pruning, want %d", table, n, want)
		}
	}
	if n := countRows(t, s, "jobs"); n != pending || countDone(t, s) != 0 {
		t.Errorf("%d jobs left, want the %d not done", n, pending)
	}
	wantRows(t, s, "jobs", map[string]bool{"pending": true, "claimed": true})
	wantRows(t, s, "messages", map[string]bool{"pending": true, "sending": true})
}

func countDone(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM jobs WHERE done_at IS NOT NULL").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// One transaction deletes at most Batch rows; Prune goes on until all are
// gone.
func testPruneBatches(t *testing.T, s *Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	now := t0.Add(365 * 24 * time.Hour)
	for _, id := range []string{"j1", "j2", "j3", "j4", "j5"} {
		jobDoneAt(t, s, id, t0)
		storeKey(t, s, f.ada.ID, id, t0)
		msgAt(t, s, "m"+id, t0)
		sendMsg(t, s, "m"+id, t0, notify.StateSent, time.Time{}, outcomeSent)
	}
	cutoff := now.Add(-week)
	if b, err := s.pruneJobs(ctx, cutoff, 2); err != nil || b != (pruneBatch{found: 2, deleted: 2}) {
		t.Fatalf("one batch of 2 jobs: %+v, %v", b, err)
	}
	if b, err := s.pruneIdempotencyKeys(ctx, cutoff, 2); err != nil || b != (pruneBatch{found: 2, deleted: 2}) {
		t.Fatalf("one batch of 2 keys: %+v, %v", b, err)
	}
	if b, err := s.pruneMessages(ctx, cutoff, 2); err != nil || b != (pruneBatch{found: 2, deleted: 2, attempts: 2}) {
		t.Fatalf("one batch of 2 messages: %+v, %v", b, err)
	}
	r := Retention{DoneJobs: week, IdempotencyKeys: week, Messages: week, Batch: 2}
	if p := mustPrune(t, s, now, r); p != (Pruned{Jobs: 3, IdempotencyKeys: 3, Messages: 3, Attempts: 3}) {
		t.Fatalf("pruned %+v in batches of 2, want the 3 left of each", p)
	}
	for _, table := range []string{"jobs", "idempotency_keys", "messages", "message_attempts"} {
		if n := countRows(t, s, table); n != 0 {
			t.Errorf("%s: %d rows left", table, n)
		}
	}
	// A context that ends stops it between batches.
	jobDoneAt(t, s, "j6", t0)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Prune(cancelled, now, r); err == nil {
		t.Error("Prune with a cancelled context succeeded")
	}
}

// A zero period keeps that kind for ever.
func testPruneZeroKeeps(t *testing.T, s *Store) {
	f := newFixture(t, s)
	jobDoneAt(t, s, "j", t0)
	storeKey(t, s, f.ada.ID, "k", t0)
	msgAt(t, s, "m", t0)
	sendMsg(t, s, "m", t0, notify.StateSent, time.Time{}, outcomeSent)
	far := t0.Add(100 * 365 * 24 * time.Hour)
	if p := mustPrune(t, s, far, Retention{}); p != (Pruned{}) {
		t.Fatalf("pruned %+v with no periods", p)
	}
	if p := mustPrune(t, s, far, Retention{Messages: time.Hour}); p != (Pruned{Messages: 1, Attempts: 1}) {
		t.Fatalf("pruned %+v with a message period only", p)
	}
	if !exists(t, s, "jobs", "j") || !keyStored(t, s, f.ada.ID, "k") {
		t.Error("a kind without a period was pruned")
	}
}

// Two processes pruning at once (PostgreSQL replicas; on SQLite, which one
// process owns, two runs of the loop) delete each row once between them,
// and both finish without error.
func testPruneConcurrently(t *testing.T, s *Store) {
	f := newFixture(t, s)
	const n = 30
	for i := range n {
		id := fmt.Sprint("c", i)
		jobDoneAt(t, s, id, t0)
		storeKey(t, s, f.bob.ID, id, t0)
		msgAt(t, s, "m"+id, t0)
		sendMsg(t, s, "m"+id, t0, notify.StateFailed, time.Time{}, outcomeCancelled)
	}
	r := Retention{DoneJobs: week, IdempotencyKeys: week, Messages: week, Batch: 4}
	var wg sync.WaitGroup
	got := make([]Pruned, 2)
	errs := make([]error, 2)
	for i := range got {
		wg.Go(func() { got[i], errs[i] = s.Prune(context.Background(), t0.Add(30*week), r) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sum := Pruned{Jobs: got[0].Jobs + got[1].Jobs, IdempotencyKeys: got[0].IdempotencyKeys + got[1].IdempotencyKeys,
		Messages: got[0].Messages + got[1].Messages, Attempts: got[0].Attempts + got[1].Attempts}
	if sum != (Pruned{Jobs: n, IdempotencyKeys: n, Messages: n, Attempts: n}) {
		t.Fatalf("pruned %+v and %+v: %+v together, want %d of each", got[0], got[1], sum, n)
	}
	for _, table := range []string{"jobs", "idempotency_keys", "messages", "message_attempts"} {
		if k := countRows(t, s, table); k != 0 {
			t.Errorf("%s: %d rows left", table, k)
		}
	}
}

// TestPruneQueryPlans checks that the deletes, which hold SQLite's writer,
// look their rows up by ID: the reads that find them (on the read pool,
// beside the writer) are the only scans.
func TestPruneQueryPlans(t *testing.T) {
	s := testSQLite(t)
	cond, _ := s.d.idsIn("id", nil)
	for _, query := range []string{deleteJobs(cond), deleteAttempts(cond), deleteMessages(cond)} {
		plan := queryPlan(t, s, query, "[]", 1, 1)
		p := strings.Join(plan, "; ")
		for _, table := range []string{"jobs", "messages", "message_attempts", "a"} {
			if slices.Contains(plan, "SCAN "+table) {
				t.Errorf("%s\nplan: %s\nscans %s", query, p, table)
			}
		}
		if !strings.Contains(p, "autoindex") && !strings.Contains(p, "PRIMARY KEY") {
			t.Errorf("%s\nplan: %s\nwant a lookup by ID", query, p)
		}
	}
}
