package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom/engine"
)

func TestFairClaims(t *testing.T) {
	runStoreTests(t, []storeTest{
		{"KeysTakeTurns", testFairClaimKeysTakeTurns},
		{"BacklogDoesNotHoldUpAnotherKey", testFairClaimBacklog},
		{"DueTimeAndLease", testFairClaimDueTimeAndLease},
		{"Concurrently", testFairClaimConcurrently},
		{"FollowUpsKeepTheirKey", testFairKeyStored},
	})
}

// fairJob returns a job of queue "default" with a fairness key, due at due.
func fairJob(id, fairKey string, due time.Time) engine.Job {
	j := jobAt(id, "", due)
	j.FairKey = fairKey
	return j
}

func mustClaimFair(t *testing.T, s *Store, owner string, now time.Time, n, perKey int) []engine.Job {
	t.Helper()
	jobs, err := s.ClaimFair(context.Background(), "default", owner, now, time.Hour, n, perKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

// The oldest of every key, then the second oldest of every key: a claim
// interleaves the keys, each in due order, bounded per key.
func testFairClaimKeysTakeTurns(t *testing.T, s *Store) {
	ms := time.Millisecond
	mustEnqueue(t, s,
		fairJob("a1", "svc-a", t0), fairJob("a2", "svc-a", t0.Add(1*ms)), fairJob("a3", "svc-a", t0.Add(2*ms)),
		fairJob("a4", "svc-a", t0.Add(3*ms)), fairJob("b1", "svc-b", t0.Add(4*ms)), fairJob("b2", "svc-b", t0.Add(6*ms)),
		fairJob("n1", "", t0.Add(5*ms)))
	// Within a turn, the keys with fewer jobs in the claim first.
	wantJobs(t, mustClaimFair(t, s, "w", t0.Add(time.Second), 10, 3), "n1", "b1", "a1", "b2", "a2", "a3")
	// The rest of svc-a's backlog is the next claim's.
	wantJobs(t, mustClaimFair(t, s, "w", t0.Add(time.Second), 10, 3), "a4")
	// n bounds the claim, taken turn by turn.
	mustEnqueue(t, s, fairJob("c1", "svc-c", t0), fairJob("c2", "svc-c", t0.Add(ms)), fairJob("d1", "svc-d", t0.Add(2*ms)))
	wantJobs(t, mustClaimFair(t, s, "w", t0.Add(time.Second), 2, 3), "c1", "d1")
}

// The storm: thousands of one service's jobs queued first, then
// one of another service's: the next claim takes it, first in line.
func testFairClaimBacklog(t *testing.T, s *Store) {
	const storm = 3000
	jobs := make([]engine.Job, 0, storm+1)
	for i := range storm {
		jobs = append(jobs, fairJob(fmt.Sprintf("storm-%04d", i), "svc-a", t0.Add(time.Duration(i)*time.Microsecond)))
	}
	jobs = append(jobs, fairJob("probe", "svc-b", t0.Add(time.Second)))
	mustEnqueue(t, s, jobs...)
	got := mustClaimFair(t, s, "w", t0.Add(2*time.Second), 250, 8)
	wantJobs(t, got, "probe", "storm-0000", "storm-0001", "storm-0002", "storm-0003", "storm-0004", "storm-0005", "storm-0006", "storm-0007")
	// A FIFO claim of the same size would not reach it.
	if c := mustClaim(t, s, "default", "fifo", t0.Add(2*time.Second), time.Hour, 250); len(c) == 0 || c[0].ID != "storm-0008" || c[len(c)-1].ID == "probe" {
		t.Fatalf("FIFO claim took %d jobs from %s", len(c), c[0].ID)
	}
}

// Only due, unleased, undone jobs are claimed; a claimed key's next jobs
// come next.
func testFairClaimDueTimeAndLease(t *testing.T, s *Store) {
	ctx := context.Background()
	mustEnqueue(t, s, fairJob("a1", "svc-a", t0), fairJob("a2", "svc-a", t0.Add(time.Millisecond)),
		fairJob("later", "svc-b", t0.Add(time.Hour)), fairJob("b1", "svc-b", t0))
	now := t0.Add(time.Second)
	first := mustClaimFair(t, s, "w1", now, 1, 1)
	wantJobs(t, first, "a1")
	wantJobs(t, mustClaimFair(t, s, "w2", now, 10, 10), "b1", "a2") // b1's turn 1 is before a2's turn 2
	if err := s.Complete(ctx, "a1", "w1", now, nil); err != nil {
		t.Fatal(err)
	}
	wantJobs(t, mustClaimFair(t, s, "w3", now, 10, 10))
	wantJobs(t, mustClaimFair(t, s, "w3", t0.Add(time.Hour), 10, 10), "later")
	// A lease that ran out makes its job claimable again.
	wantJobs(t, mustClaimFair(t, s, "w4", t0.Add(3*time.Hour), 10, 10), "a2", "b1", "later") // svc-a has fewer jobs in the claim
}

// Concurrent fair claims never take a job twice.
func testFairClaimConcurrently(t *testing.T, s *Store) {
	const total = 300
	jobs := make([]engine.Job, total)
	for i := range jobs {
		jobs[i] = fairJob(fmt.Sprintf("j%03d", i), fmt.Sprintf("svc-%d", i%5), t0.Add(time.Duration(i%10)*time.Millisecond))
	}
	mustEnqueue(t, s, jobs...)
	claimConcurrently(t, total, func(g int) string { return fmt.Sprintf("owner-%d", g) },
		func(owner string) ([]engine.Job, error) {
			return s.ClaimFair(context.Background(), "default", owner, t0.Add(time.Second), time.Hour, 7, 2, nil)
		})
}

// The key is stored with a job, also with a follow-up inserted claimed.
func testFairKeyStored(t *testing.T, s *Store) {
	ctx := context.Background()
	mustEnqueue(t, s, fairJob("a1", "svc-a", t0))
	got := mustClaimFair(t, s, "w", t0, 1, 1)
	if len(got) != 1 || got[0].FairKey != "svc-a" {
		t.Fatalf("claimed %+v", got)
	}
	claimed, _, err := s.CompleteBatch(ctx, "w", t0, []engine.Completion{{ID: "a1", Follow: []engine.Job{fairJob("f1", "svc-a", t0)}}},
		engine.FollowClaim{Queue: "default", Lease: time.Hour, Max: 1})
	if err != nil || len(claimed) != 1 || claimed[0].FairKey != "svc-a" {
		t.Fatalf("follow-up claimed %+v, %v", claimed, err)
	}
	jobs, err := s.Claim(ctx, "default", "x", t0.Add(2*time.Hour), time.Hour, 5)
	if err != nil || len(jobs) != 1 || jobs[0].FairKey != "svc-a" {
		t.Fatalf("claimed %+v, %v", jobs, err)
	}
}

// TestFairClaimPlan checks that the fair claim steps over a backlog by
// index: the keys by a skip scan of jobs_fair, each key's jobs by a
// search of it, no scan of the table.
func TestFairClaimPlan(t *testing.T) {
	s := testSQLite(t)
	plan := strings.Join(queryPlan(t, s, s.d.fairClaim(), "q", "q", "o", 1, "q", 1, 1, 2, `["k"]`, 3), "; ")
	t.Log(plan)
	if !strings.Contains(plan, "USING INDEX jobs_fair") || strings.Contains(plan, "SCAN jobs") {
		t.Errorf("fair claim plan: %s", plan)
	}
}

func TestFairClaimSkipsKeys(t *testing.T) {
	runStoreTests(t, []storeTest{{"SkippedKeysWait", func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustEnqueue(t, s, fairJob("a1", "svc-a", t0), fairJob("a2", "svc-a", t0), fairJob("b1", "svc-b", t0.Add(time.Millisecond)))
		now := t0.Add(time.Second)
		// Only svc-a's jobs are due besides the skipped: nothing.
		got, err := s.ClaimFair(ctx, "default", "w", now, time.Hour, 10, 1, []string{"svc-a", "svc-b"})
		if err != nil || len(got) != 0 {
			t.Fatalf("claimed %v (%v) with every key skipped", jobIDs(got), err)
		}
		got, err = s.ClaimFair(ctx, "default", "w", now, time.Hour, 10, 1, []string{"svc-a"})
		if err != nil {
			t.Fatal(err)
		}
		wantJobs(t, got, "b1")
		wantJobs(t, mustClaimFair(t, s, "w", now, 10, 1), "a1")
	}}})
}

// The look for due work of the keys not skipped probes each key by index
// too: a skipped key's backlog is not walked.
func TestFairProbePlan(t *testing.T) {
	s := testSQLite(t)
	plan := strings.Join(queryPlan(t, s, s.d.fairProbe(), "q", "q", `["k"]`, "q", 1, 1), "; ")
	if !strings.Contains(plan, "USING INDEX jobs_fair") || strings.Contains(plan, "SCAN jobs") {
		t.Errorf("fair probe plan: %s", plan)
	}
}
