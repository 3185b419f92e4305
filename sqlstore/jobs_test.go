package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// storeTest is a test of one store, run against every dialect.
type storeTest struct {
	name string
	run  func(t *testing.T, s *Store)
}

// runStoreTests runs tests against a fresh store of every dialect; the
// PostgreSQL variants run when WARROOM_TEST_POSTGRES is set.
func runStoreTests(t *testing.T, tests []storeTest) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			if d.name == "postgres" {
				postgresDSN(t) // skips early, with the reason, when unset
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) { tt.run(t, d.open(t)) })
			}
		})
	}
}

func TestJobs(t *testing.T) {
	runStoreTests(t, []storeTest{
		{"EnqueueIdempotentByKey", testEnqueueIdempotentByKey},
		{"EnqueueInvalid", testEnqueueInvalid},
		{"ClaimRespectsDueTimeAndLease", testClaimRespectsDueTimeAndLease},
		{"ClaimConcurrently", testClaimConcurrently},
		{"CompleteByNonOwner", testCompleteByNonOwner},
		{"FollowUpsAtomicWithCompletion", testFollowUpsAtomic},
		{"FailBackoff", testFailBackoff},
		{"NextDue", testNextDue},
		{"EnqueueJobsInCallerTx", testEnqueueJobsInCallerTx},
		{"ListenJobs", testListenJobs},
	})
}

// jobAt returns a job of queue "default" due at due.
func jobAt(id, key string, due time.Time) engine.Job {
	return engine.Job{ID: id, Queue: "default", Kind: "test.kind", Key: key, DueAt: due}
}

func mustEnqueue(t *testing.T, s *Store, jobs ...engine.Job) {
	t.Helper()
	if err := s.Enqueue(context.Background(), jobs...); err != nil {
		t.Fatal(err)
	}
}

func mustClaim(t *testing.T, s *Store, queue, owner string, now time.Time, lease time.Duration, n int) []engine.Job {
	t.Helper()
	jobs, err := s.Claim(context.Background(), queue, owner, now, lease, n)
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

func jobIDs(jobs []engine.Job) []string {
	ids := []string{}
	for _, j := range jobs {
		ids = append(ids, j.ID)
	}
	return ids
}

func wantJobs(t *testing.T, got []engine.Job, ids ...string) {
	t.Helper()
	if g := jobIDs(got); !slices.Equal(g, append([]string{}, ids...)) {
		t.Fatalf("claimed %v, want %v", g, ids)
	}
}

// jobRow is what the store keeps about a job beyond engine.Job.
type jobRow struct {
	attempts  int
	lastError string
	dueAt     time.Time
	owner     string
	done      bool
}

func readJob(t *testing.T, s *Store, id string) jobRow {
	t.Helper()
	var r jobRow
	err := s.db.QueryRow(s.d.q("SELECT attempts, last_error, due_at, owner, done_at IS NOT NULL FROM jobs WHERE id = ?"), id).
		Scan(&r.attempts, &r.lastError, timeCol{&r.dueAt}, strCol{&r.owner}, &r.done)
	if err != nil {
		t.Fatalf("read job %s: %v", id, err)
	}
	return r
}

func countRows(t *testing.T, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func testEnqueueIdempotentByKey(t *testing.T, s *Store) {
	ctx := context.Background()
	a := jobAt("a", "route:alert-1", t0)
	a.Payload = json.RawMessage(`{"alert_ids":["alert-1"]}`)
	// The same key twice in one call, and jobs without a key.
	mustEnqueue(t, s, a, jobAt("a2", "route:alert-1", t0), jobAt("c", "", t0), jobAt("d", "", t0), engine.Job{Queue: "default", Kind: "k", DueAt: t0})
	mustEnqueue(t, s, jobAt("a3", "route:alert-1", t0)) // the same key again
	mustEnqueue(t, s, jobAt("c", "", t0))               // the same ID again
	if n := countRows(t, s, "jobs"); n != 4 {
		t.Fatalf("%d jobs stored, want 4 (one per key, one per keyless job)", n)
	}
	got := mustClaim(t, s, "default", "w1", t0, time.Minute, 10)
	if len(got) != 4 {
		t.Fatalf("claimed %v, want 4 jobs", jobIDs(got))
	}
	i := slices.IndexFunc(got, func(j engine.Job) bool { return j.ID == "a" })
	want := a
	want.DueAt = normTime(t0)
	if i < 0 || !reflect.DeepEqual(got[i], want) {
		t.Fatalf("claimed %+v, want %+v", got, want)
	}
	// A done job keeps its key: scheduling it again is still a no-op.
	if err := s.Complete(ctx, "a", "w1", t0, nil); err != nil {
		t.Fatal(err)
	}
	mustEnqueue(t, s, jobAt("a4", "route:alert-1", t0.Add(time.Hour)))
	if n := countRows(t, s, "jobs"); n != 4 {
		t.Fatalf("%d jobs stored after re-enqueueing a done key, want 4", n)
	}
	if err := s.Enqueue(ctx); err != nil {
		t.Fatal(err)
	}
}

func testEnqueueInvalid(t *testing.T, s *Store) {
	for _, j := range []engine.Job{
		{Kind: "k"},
		{Queue: "q"},
		{Queue: "q", Kind: "k", Payload: json.RawMessage(`{not json`)},
	} {
		// A bad job fails the whole call: nothing of it is stored.
		err := s.Enqueue(context.Background(), jobAt("ok", "", t0), j)
		wantCode(t, err, warroom.EInvalid)
	}
	if n := countRows(t, s, "jobs"); n != 0 {
		t.Fatalf("%d jobs stored by failed calls", n)
	}
}

func testClaimRespectsDueTimeAndLease(t *testing.T, s *Store) {
	ctx := context.Background()
	other := jobAt("other", "", t0)
	other.Queue = "chat"
	mustEnqueue(t, s, jobAt("later", "", t0.Add(time.Minute)), jobAt("now", "", t0), other,
		jobAt("n1", "", t0.Add(2*time.Minute)), jobAt("n2", "", t0.Add(3*time.Minute)), jobAt("n3", "", t0.Add(4*time.Minute)))

	wantJobs(t, mustClaim(t, s, "default", "w1", t0.Add(-time.Microsecond), 30*time.Second, 10))
	wantJobs(t, mustClaim(t, s, "default", "w1", t0, 30*time.Second, 10), "now")
	// Held by w1 until t0+30s: nobody else gets it, nor does w1 again.
	wantJobs(t, mustClaim(t, s, "default", "w2", t0.Add(29*time.Second), 30*time.Second, 10))
	wantJobs(t, mustClaim(t, s, "default", "w1", t0.Add(29*time.Second), 30*time.Second, 10))
	// The lease expired (w1 died): w2 takes it over, with the job due at
	// t0+1m, which falls due in the meantime.
	wantJobs(t, mustClaim(t, s, "default", "w2", t0.Add(time.Minute), 30*time.Second, 10), "now", "later")
	if r := readJob(t, s, "now"); r.owner != "w2" || r.attempts != 0 {
		t.Fatalf("after takeover: %+v, want owner w2 and no attempt counted", r)
	}
	wantCode(t, s.Complete(ctx, "now", "w1", t0.Add(time.Minute), nil), warroom.EConflict)
	for _, id := range []string{"now", "later"} {
		if err := s.Complete(ctx, id, "w2", t0.Add(time.Minute), nil); err != nil {
			t.Fatal(err)
		}
	}
	// n limits the claim, earliest due first.
	wantJobs(t, mustClaim(t, s, "default", "w3", t0.Add(time.Hour), 30*time.Second, 2), "n1", "n2")
	wantJobs(t, mustClaim(t, s, "default", "w3", t0.Add(time.Hour), 30*time.Second, 0))
	// Queues are separate.
	wantJobs(t, mustClaim(t, s, "chat", "w3", t0.Add(time.Hour), 30*time.Second, 10), "other")
	_, err := s.Claim(ctx, "default", "", t0, time.Second, 1)
	wantCode(t, err, warroom.EInvalid)
}

// claimConcurrently runs claim from 8 goroutines (goroutine g as owner(g))
// until it takes nothing, fails the test if a job is claimed twice or not
// every one of total jobs is claimed, and returns who claimed each job.
func claimConcurrently(t *testing.T, total int, owner func(g int) string, claim func(owner string) ([]engine.Job, error)) map[string]string {
	t.Helper()
	var mu sync.Mutex
	claimedBy := map[string]string{}
	var wg sync.WaitGroup
	for g := range 8 {
		owner := owner(g)
		wg.Go(func() {
			for {
				got, err := claim(owner)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, j := range got {
					if prev, ok := claimedBy[j.ID]; ok {
						t.Errorf("job %s claimed twice: by %s and %s", j.ID, prev, owner)
					}
					claimedBy[j.ID] = owner
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(claimedBy) != total {
		t.Fatalf("%d jobs claimed, want %d", len(claimedBy), total)
	}
	return claimedBy
}

// testClaimConcurrently claims from 8 goroutines under two owners at once;
// on PostgreSQL they run on several connections, for real.
func testClaimConcurrently(t *testing.T, s *Store) {
	const total = 200
	jobs := make([]engine.Job, total)
	for i := range jobs {
		jobs[i] = jobAt(fmt.Sprintf("j%03d", i), "", t0.Add(time.Duration(i%10)*time.Millisecond))
	}
	mustEnqueue(t, s, jobs...)
	claimedBy := claimConcurrently(t, total, func(g int) string { return []string{"owner-a", "owner-b"}[g%2] },
		func(owner string) ([]engine.Job, error) {
			return s.Claim(context.Background(), "default", owner, t0.Add(time.Second), time.Hour, 7)
		})
	// Each job is held by the owner that claimed it.
	for id, owner := range claimedBy {
		if r := readJob(t, s, id); r.owner != owner {
			t.Fatalf("job %s is held by %s, claimed by %s", id, r.owner, owner)
		}
	}
}

func testCompleteByNonOwner(t *testing.T, s *Store) {
	ctx := context.Background()
	mustEnqueue(t, s, jobAt("j", "", t0), jobAt("free", "", t0.Add(time.Hour)))
	mustClaim(t, s, "default", "w1", t0, time.Minute, 1)
	follow := []engine.Job{jobAt("f", "", t0)}
	err := s.Complete(ctx, "j", "w2", t0, follow)
	wantError(t, err, warroom.EConflict, "job j is claimed by w1; w2 no longer holds it")
	wantCode(t, s.Fail(ctx, "j", "w2", t0, "boom"), warroom.EConflict)
	wantError(t, s.Complete(ctx, "free", "w1", t0, nil), warroom.EConflict, "job free is not claimed; w1 no longer holds it")
	wantCode(t, s.Complete(ctx, "nope", "w1", t0, nil), warroom.ENotFound)
	if r := readJob(t, s, "j"); r.owner != "w1" || r.done || r.attempts != 0 {
		t.Fatalf("after refused calls: %+v", r)
	}
	if n := countRows(t, s, "jobs"); n != 2 {
		t.Fatalf("a refused Complete scheduled its follow-ups: %d jobs", n)
	}
	if err := s.Complete(ctx, "j", "w1", t0.Add(time.Second), nil); err != nil {
		t.Fatal(err)
	}
	if r := readJob(t, s, "j"); !r.done || r.owner != "w1" {
		t.Fatalf("after Complete: %+v, want done, by w1", r)
	}
	wantError(t, s.Complete(ctx, "j", "w1", t0, nil), warroom.EConflict, "job j is already done (by w1); w1 no longer holds it")
	wantCode(t, s.Fail(ctx, "j", "w1", t0, "late"), warroom.EConflict)
}

func testFollowUpsAtomic(t *testing.T, s *Store) {
	ctx := context.Background()
	mustEnqueue(t, s, jobAt("j", "", t0))
	mustClaim(t, s, "default", "w1", t0, time.Minute, 1)
	// A follow-up that cannot be stored fails the completion as a whole.
	bad := []engine.Job{jobAt("f1", "", t0), {ID: "f2", Queue: "default"}}
	wantCode(t, s.Complete(ctx, "j", "w1", t0, bad), warroom.EInvalid)
	if r := readJob(t, s, "j"); r.done || r.owner != "w1" {
		t.Fatalf("after a failed Complete: %+v, want still claimed by w1", r)
	}
	if n := countRows(t, s, "jobs"); n != 1 {
		t.Fatalf("a failed Complete left %d jobs, want 1", n)
	}
	f1 := jobAt("f1", "step:2", t0.Add(5*time.Minute))
	f1.Queue = "page"
	follow := []engine.Job{f1, jobAt("f2", "", t0.Add(time.Minute))}
	if err := s.Complete(ctx, "j", "w1", t0, follow); err != nil {
		t.Fatal(err)
	}
	if r := readJob(t, s, "j"); !r.done {
		t.Fatal("job not done")
	}
	next, ok, err := s.NextDue(ctx, "page")
	if err != nil || !ok || !next.Equal(normTime(t0.Add(5*time.Minute))) {
		t.Fatalf("NextDue(page) = %v, %v, %v; want the follow-up's due time", next, ok, err)
	}
	wantJobs(t, mustClaim(t, s, "page", "w1", t0.Add(5*time.Minute), time.Minute, 10), "f1")
	wantJobs(t, mustClaim(t, s, "default", "w1", t0.Add(5*time.Minute), time.Minute, 10), "f2")
}

func testFailBackoff(t *testing.T, s *Store) {
	ctx := context.Background()
	mustEnqueue(t, s, jobAt("j", "", t0))
	mustClaim(t, s, "default", "w1", t0, time.Minute, 1)
	if err := s.Fail(ctx, "j", "w1", t0.Add(time.Minute), "smtp: 451 try later"); err != nil {
		t.Fatal(err)
	}
	r := readJob(t, s, "j")
	if want := (jobRow{attempts: 1, lastError: "smtp: 451 try later", dueAt: normTime(t0.Add(time.Minute))}); r != want {
		t.Fatalf("after Fail: %+v, want %+v", r, want)
	}
	// Fail released the claim: the same owner cannot fail it twice.
	wantCode(t, s.Fail(ctx, "j", "w1", t0.Add(time.Minute), "again"), warroom.EConflict)
	wantJobs(t, mustClaim(t, s, "default", "w2", t0.Add(59*time.Second), time.Minute, 1))
	got := mustClaim(t, s, "default", "w2", t0.Add(time.Minute), time.Minute, 1)
	if len(got) != 1 || got[0].Attempts != 1 || !got[0].DueAt.Equal(normTime(t0.Add(time.Minute))) {
		t.Fatalf("claimed after backoff: %+v, want j with 1 attempt", got)
	}
	if err := s.Fail(ctx, "j", "w2", t0.Add(3*time.Minute), "again"); err != nil {
		t.Fatal(err)
	}
	if r := readJob(t, s, "j"); r.attempts != 2 || r.lastError != "again" {
		t.Fatalf("after a second Fail: %+v", r)
	}
}

func testNextDue(t *testing.T, s *Store) {
	ctx := context.Background()
	next := func() (time.Time, bool) {
		t.Helper()
		at, ok, err := s.NextDue(ctx, "default")
		if err != nil {
			t.Fatal(err)
		}
		return at, ok
	}
	if _, ok := next(); ok {
		t.Fatal("NextDue of an empty queue reports a job")
	}
	mustEnqueue(t, s, jobAt("a", "", t0), jobAt("b", "", t0.Add(time.Hour)))
	if at, ok := next(); !ok || !at.Equal(normTime(t0)) {
		t.Fatalf("NextDue = %v, %v; want t0", at, ok)
	}
	mustClaim(t, s, "default", "w1", t0, time.Minute, 1)
	if at, ok := next(); !ok || !at.Equal(normTime(t0.Add(time.Hour))) {
		t.Fatalf("NextDue with a claimed = %v, %v; want t0+1h", at, ok)
	}
	if err := s.Complete(ctx, "a", "w1", t0, nil); err != nil {
		t.Fatal(err)
	}
	mustClaim(t, s, "default", "w1", t0.Add(time.Hour), time.Minute, 1)
	if err := s.Complete(ctx, "b", "w1", t0, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := next(); ok {
		t.Fatal("NextDue reports a done job")
	}
}

// testEnqueueJobsInCallerTx schedules jobs inside another transaction, as
// IngestAlerts does: they are stored and announced only if it commits.
func testEnqueueJobsInCallerTx(t *testing.T, s *Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wake, err := s.Listen(ctx, ChannelJobs)
	if err != nil {
		t.Fatal(err)
	}
	errRollback := errors.New("roll back")
	err = s.inTx(ctx, func(tx *tx) error {
		if err := s.enqueueJobs(ctx, tx, []engine.Job{jobAt("j", "", t0)}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if n := countRows(t, s, "jobs"); n != 0 {
		t.Fatalf("a rolled back transaction stored %d jobs", n)
	}
	if s.d.name == "sqlite" { // PostgreSQL may hear other schemas' NOTIFYs
		select {
		case <-wake:
			t.Fatal("a rolled back transaction woke the listeners")
		case <-time.After(20 * time.Millisecond):
		}
	}
	err = s.inTx(ctx, func(tx *tx) error { return s.enqueueJobs(ctx, tx, []engine.Job{jobAt("j", "", t0)}) })
	if err != nil {
		t.Fatal(err)
	}
	waitWake(t, wake)
	wantJobs(t, mustClaim(t, s, "default", "w1", t0, time.Minute, 1), "j")
}

// waitWake fails unless ch delivers a wake-up soon.
func waitWake(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case _, ok := <-ch:
		if !ok {
			t.Fatal("the listen channel closed")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no wake-up")
	}
}

// drainWakes discards wake-ups already delivered.
func drainWakes(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// openAgain opens another store on the same database, as another replica
// would; on SQLite it returns s (one process owns a file).
func openAgain(t *testing.T, s *Store) *Store {
	t.Helper()
	if s.d.name == "sqlite" {
		return s
	}
	var schema string
	if err := s.db.QueryRow("SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	other, err := Open(context.Background(), withParam(t, postgresDSN(t), "search_path", schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

func testListenJobs(t *testing.T, s *Store) {
	ctx, cancel := context.WithCancel(context.Background())
	local, err := s.Listen(ctx, ChannelJobs)
	if err != nil {
		t.Fatal(err)
	}
	replica := openAgain(t, s)
	remote, err := replica.Listen(ctx, ChannelJobs)
	if err != nil {
		t.Fatal(err)
	}
	messages, err := s.Listen(ctx, ChannelMessages)
	if err != nil {
		t.Fatal(err)
	}
	mustEnqueue(t, s, jobAt("j", "k", t0))
	waitWake(t, local)
	waitWake(t, remote) // another process, on PostgreSQL
	if s.d.name == "sqlite" {
		select {
		case <-messages:
			t.Fatal("enqueueing a job woke the message senders")
		default:
		}
		// Nothing new (the key exists): no wake-up.
		mustEnqueue(t, s, jobAt("j2", "k", t0))
		select {
		case <-local:
			t.Fatal("an enqueue that stored nothing woke the engines")
		default:
		}
	}
	// A completion with follow-ups wakes too.
	mustClaim(t, s, "default", "w1", t0, time.Minute, 1)
	drainWakes(local)
	if err := s.Complete(ctx, "j", "w1", t0, []engine.Job{jobAt("f", "", t0)}); err != nil {
		t.Fatal(err)
	}
	waitWake(t, local)
	cancel()
	for _, ch := range []<-chan struct{}{local, remote, messages} {
		deadline := time.After(10 * time.Second)
	drain:
		for {
			select {
			case _, ok := <-ch:
				if !ok {
					break drain
				}
			case <-deadline:
				t.Fatal("a listen channel stayed open after its context ended")
			}
		}
	}
}

// TestJobQueryPlans checks that the hot job and outbox queries read their
// indexes on SQLite rather than scanning the tables.
func TestJobQueryPlans(t *testing.T) {
	s := testSQLite(t)
	for query, index := range map[string]string{
		"SELECT id FROM jobs WHERE queue = ? AND done_at IS NULL AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY due_at LIMIT ?": "jobs_due",
		"SELECT min(due_at) FROM jobs WHERE queue = ? AND done_at IS NULL AND owner IS NULL":                                                            "jobs_due",
		// mayClaim's probes, run on every wake-up.
		"SELECT 1 FROM jobs WHERE queue = ? AND done_at IS NULL AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?) LIMIT 1":                                           "jobs_due",
		"SELECT 1 FROM messages WHERE queue = ? AND state IN ('pending', 'sending') AND due_at <= ? AND (state = 'pending' OR lease_until <= ?) LIMIT 1":                         "messages_due",
		"SELECT id, owner FROM messages WHERE queue = ? AND state IN ('pending', 'sending') AND due_at <= ? AND (state = 'pending' OR lease_until <= ?) ORDER BY due_at LIMIT ?": "messages_due",
		"SELECT min(due_at) FROM messages WHERE queue = ? AND state IN ('pending', 'sending') AND lease_until IS NULL":                                                           "messages_due",
		"SELECT sent_at FROM messages WHERE destination = ? AND sent_at >= ? ORDER BY sent_at":                                                                                   "messages_sent",
	} {
		plan := queryPlan(t, s, query, "q", 1, 2, 3)
		if p := strings.Join(plan, "; "); !strings.Contains(p, "INDEX "+index) || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%s\nplan: %s\nwant a search of %s with no sort", query, p, index)
		}
	}
}

// BenchmarkEnqueueClaimComplete takes one job through its life: enqueue,
// claim, complete, one transaction each.
func BenchmarkEnqueueClaimComplete(b *testing.B) {
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			s := d.open(b)
			ctx := context.Background()
			payload := json.RawMessage(`{"alert_ids":["0192f0c4-4d7e-7c2a-9a41-5b7e3c2d1f00"]}`)
			for b.Loop() {
				if err := s.Enqueue(ctx, engine.Job{Queue: "default", Kind: "alert.route", DueAt: t0, Payload: payload}); err != nil {
					b.Fatal(err)
				}
				jobs, err := s.Claim(ctx, "default", "bench", t0, time.Minute, 1)
				if err != nil || len(jobs) != 1 {
					b.Fatal(jobs, err)
				}
				if err := s.Complete(ctx, jobs[0].ID, "bench", t0, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
