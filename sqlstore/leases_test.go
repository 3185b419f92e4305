package sqlstore

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
)

// Tests of what the engine and the senders use to work in batches, keep
// short leases alive and recover from a crash: CompleteBatch,
// ExtendLeases, ReleaseLeases, EnqueueClaimedMessages, FinishMessages,
// ExtendMessageLeases, ReleaseMessages.
func TestLeases(t *testing.T) {
	runStoreTests(t, []storeTest{
		{"CompleteBatch", testCompleteBatch},
		{"CompleteBatchClaimsFollowUps", testCompleteBatchClaimsFollowUps},
		{"ExtendLeases", testExtendLeases},
		{"ReleaseLeases", testReleaseLeases},
		{"EnqueueClaimedMessages", testEnqueueClaimedMessages},
		{"FinishMessages", testFinishMessages},
		{"ExtendAndReleaseMessages", testExtendAndReleaseMessages},
	})
}

// sameJobs and sameMessages compare IDs in any order: work due at the same
// time comes in no particular order.
func sameJobs(t *testing.T, got []engine.Job, ids ...string) {
	t.Helper()
	g := jobIDs(got)
	slices.Sort(g)
	slices.Sort(ids)
	if !slices.Equal(g, ids) {
		t.Fatalf("jobs %v, want %v", g, ids)
	}
}

func sameMessages(t *testing.T, got []notify.Outbox, ids ...string) {
	t.Helper()
	var g []string
	for _, m := range got {
		g = append(g, m.ID)
	}
	slices.Sort(g)
	slices.Sort(ids)
	if !slices.Equal(g, ids) {
		t.Fatalf("messages %v, want %v", g, ids)
	}
}

// Jobs the owner holds are completed together with their follow-ups; one
// another worker took over is skipped with its follow-ups and reported.
func testCompleteBatch(t *testing.T, s *Store) {
	ctx := context.Background()
	mustEnqueue(t, s, jobAt("c", "", t0), jobAt("a", "", t0.Add(time.Second)), jobAt("b", "", t0.Add(time.Second)))
	wantJobs(t, mustClaim(t, s, "default", "w1", t0, time.Minute, 1), "c")
	sameJobs(t, mustClaim(t, s, "default", "w1", t0.Add(time.Second), time.Hour, 3), "a", "b")
	// c's lease runs out and w2 takes it over.
	wantJobs(t, mustClaim(t, s, "default", "w2", t0.Add(time.Minute), time.Minute, 3), "c")
	claimed, lost, err := s.CompleteBatch(ctx, "w1", t0.Add(time.Minute), []engine.Completion{
		{ID: "a", Follow: []engine.Job{jobAt("a-next", "next:a", t0.Add(time.Hour))}},
		{ID: "b"},
		{ID: "c", Follow: []engine.Job{jobAt("c-next", "next:c", t0.Add(time.Hour))}},
	}, engine.FollowClaim{})
	if err != nil || len(claimed) != 0 || !slices.Equal(lost, []string{"c"}) {
		t.Fatalf("claimed %v, lost %v, %v; want lost [c]", claimed, lost, err)
	}
	for id, done := range map[string]bool{"a": true, "b": true, "c": false} {
		if r := readJob(t, s, id); r.done != done {
			t.Errorf("job %s done = %v, want %v", id, r.done, done)
		}
	}
	if r := readJob(t, s, "c"); r.owner != "w2" {
		t.Errorf("job c is held by %q, want w2", r.owner)
	}
	if n := countRows(t, s, "jobs"); n != 4 {
		t.Errorf("%d jobs, want a, b, c and a's follow-up", n)
	}
}

// Follow-ups due at once on the given queue are inserted claimed and
// returned, at most Max; the rest are scheduled as usual; a follow-up
// whose key exists is neither.
func testCompleteBatchClaimsFollowUps(t *testing.T, s *Store) {
	ctx := context.Background()
	mustEnqueue(t, s, jobAt("a", "", t0), engine.Job{ID: "old", Queue: "page", Kind: "test.kind", Key: "taken", DueAt: t0.Add(time.Hour)})
	wantJobs(t, mustClaim(t, s, "default", "w1", t0, time.Minute, 1), "a")
	page := func(id, key string, due time.Time) engine.Job {
		return engine.Job{ID: id, Queue: "page", Kind: "test.kind", Key: key, DueAt: due, Payload: []byte(`{"n":1}`)}
	}
	at := normTime(t0.Add(time.Second))
	claimed, lost, err := s.CompleteBatch(ctx, "w1", at, []engine.Completion{{ID: "a", Follow: []engine.Job{
		page("p1", "k1", at), page("p2", "taken", at), page("later", "k3", at.Add(time.Minute)),
		jobAt("d1", "", at), page("p4", "k4", t0), page("p5", "k5", at),
	}}}, engine.FollowClaim{Queue: "page", Lease: 30 * time.Second, Max: 3})
	if err != nil || len(lost) != 0 {
		t.Fatal(lost, err)
	}
	// p1, p2 (key taken: not inserted) and p4 are the three selected;
	// p5 is past Max.
	if got := jobIDs(claimed); !slices.Equal(got, []string{"p1", "p4"}) {
		t.Fatalf("claimed %v, want [p1 p4]", got)
	}
	if c := claimed[0]; string(c.Payload) != `{"n":1}` || c.Kind != "test.kind" || c.Queue != "page" || c.Key != "k1" || !c.DueAt.Equal(at) {
		t.Errorf("claimed job = %+v", c)
	}
	for id, owner := range map[string]string{"p1": "w1", "p4": "w1", "later": "", "d1": "", "p5": ""} {
		if r := readJob(t, s, id); r.owner != owner || r.done {
			t.Errorf("job %s: owner %q done %v, want owner %q", id, r.owner, r.done, owner)
		}
	}
	// Another worker takes the unclaimed ones, not those claimed.
	wantJobs(t, mustClaim(t, s, "page", "w2", at, time.Minute, 10), "p5")
	// The claimed ones are held until at+lease.
	sameJobs(t, mustClaim(t, s, "page", "w2", at.Add(30*time.Second), time.Minute, 10), "p4", "p1")
}

func testExtendLeases(t *testing.T, s *Store) {
	ctx := context.Background()
	mustEnqueue(t, s, jobAt("a", "", t0), jobAt("b", "", t0), jobAt("c", "", t0))
	sameJobs(t, mustClaim(t, s, "default", "w1", t0, 10*time.Second, 3), "a", "b", "c")
	if err := s.Complete(ctx, "c", "w1", t0, nil); err != nil {
		t.Fatal(err)
	}
	// Extended while running (a, b); not done ones only (c); not those of
	// another owner.
	n, err := s.ExtendLeases(ctx, "w1", []string{"a", "b", "c"}, t0.Add(time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("extended %d, %v; want 2", n, err)
	}
	if n, err := s.ExtendLeases(ctx, "w2", []string{"a"}, t0.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("another owner extended %d, %v", n, err)
	}
	wantJobs(t, mustClaim(t, s, "default", "w2", t0.Add(30*time.Second), time.Minute, 3))
	sameJobs(t, mustClaim(t, s, "default", "w2", t0.Add(time.Minute), time.Minute, 3), "a", "b")
}

// A process died holding jobs and messages: the next one releases them
// and takes them over at once.
func testReleaseLeases(t *testing.T, s *Store) {
	ctx := context.Background()
	mustEnqueue(t, s, jobAt("a", "", t0), jobAt("b", "", t0), jobAt("done", "", t0), jobAt("free", "", t0.Add(time.Hour)))
	sameJobs(t, mustClaim(t, s, "default", "dead", t0, time.Hour, 3), "a", "b", "done")
	if err := s.Complete(ctx, "done", "dead", t0, nil); err != nil {
		t.Fatal(err)
	}
	mustEnqueueMessages(t, s, pageMsg("m1", "ada@example.com", t0), pageMsg("m2", "bob@example.com", t0))
	wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "dead", t0, time.Hour, 1), "m1")

	jobs, msgs, err := s.ReleaseLeases(ctx)
	if err != nil || jobs != 2 || msgs != 1 {
		t.Fatalf("released %d jobs, %d messages, %v; want 2 and 1", jobs, msgs, err)
	}
	if r := readJob(t, s, "a"); r.owner != "" || r.attempts != 0 || r.done {
		t.Errorf("released job = %+v", r)
	}
	// At once, not an hour later.
	sameJobs(t, mustClaim(t, s, "default", "new", t0.Add(time.Second), time.Minute, 10), "a", "b")
	got := mustClaimMessages(t, s, notify.QueuePage, "new", t0.Add(time.Second), time.Minute, 10)
	sameMessages(t, got, "m1", "m2")
	if i := slices.IndexFunc(got, func(m notify.Outbox) bool { return m.ID == "m1" }); got[i].Attempts != 1 {
		t.Errorf("the message the dead process held counts %d attempts, want 1 (it may have gone out)", got[i].Attempts)
	}
	as, err := s.ListAttempts(ctx, "m1")
	if err != nil || len(as) != 1 || as[0].Outcome != outcomeRetry || !strings.Contains(as[0].Detail, "dead stopped") ||
		!strings.Contains(as[0].Detail, "same message ID") {
		t.Fatalf("history %+v, %v", as, err)
	}
	if n, _, err := s.ReleaseLeases(ctx); err != nil {
		t.Fatal(err)
	} else if n != 2 {
		t.Errorf("released %d jobs the second time, want the two just claimed", n)
	}
}

func testEnqueueClaimedMessages(t *testing.T, s *Store) {
	ctx := context.Background()
	mustEnqueueMessages(t, s, pageMsg("known", "ada@example.com", t0))
	later := pageMsg("later", "ada@example.com", t0.Add(3*time.Minute))
	claimed, err := s.EnqueueClaimedMessages(ctx, []notify.Outbox{pageMsg("m1", "ada@example.com", t0),
		pageMsg("known", "ada@example.com", t0), later, pageMsg("m2", "bob@example.com", t0.Add(-time.Second))},
		"w1", t0, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	sameMessages(t, claimed, "m1", "m2")
	if m := claimed[slices.IndexFunc(claimed, func(m notify.Outbox) bool { return m.ID == "m1" })]; m.State != notify.StateSending || m.Queue != notify.QueuePage ||
		len(m.Fields) != 2 || m.CreatedAt.IsZero() || m.Attempts != 0 {
		t.Errorf("claimed message = %+v", m)
	}
	if m := mustFind(t, s, "m1"); m.State != notify.StateSending {
		t.Errorf("stored as %s, want sending", m.State)
	}
	if m := mustFind(t, s, "later"); m.State != notify.StatePending {
		t.Errorf("a message due later is %s, want pending", m.State)
	}
	// Nobody else takes them while the lease lasts; then they are sent
	// again, as any message whose sender stopped.
	wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w2", t0, time.Minute, 10), "known")
	sameMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w2", t0.Add(time.Minute), time.Minute, 10), "m2", "m1", "known")
	if _, err := s.EnqueueClaimedMessages(ctx, []notify.Outbox{pageMsg("x", "", t0)}, "w1", t0, time.Minute); warroom.ErrorCode(err) != warroom.EInvalid {
		t.Errorf("an invalid message: %v", err)
	}
}

func testFinishMessages(t *testing.T, s *Store) {
	ctx := context.Background()
	mustEnqueueMessages(t, s, pageMsg("m4", "dan@example.com", t0), pageMsg("m1", "ada@example.com", t0.Add(time.Second)),
		pageMsg("m2", "bob@example.com", t0.Add(time.Second)), pageMsg("m3", "carol@example.com", t0.Add(time.Second)))
	wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w1", t0, 10*time.Second, 1), "m4")
	sameMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w1", t0.Add(time.Second), time.Hour, 10), "m1", "m2", "m3")
	// m4's lease runs out and w2 takes it.
	wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w2", t0.Add(10*time.Second), time.Hour, 10), "m4")
	at := normTime(t0.Add(11 * time.Second))
	err := s.FinishMessages(ctx, "w1",
		[]notify.State{notify.StateSent, notify.StatePending, notify.StateFailed, notify.StateSent},
		[]time.Time{{}, at.Add(time.Minute), {}, {}},
		[]notify.Attempt{
			{MessageID: "m1", At: at, Outcome: outcomeSent, ProviderID: "250 OK"},
			{MessageID: "m2", At: at, Outcome: outcomeRetry, Detail: "421 try later", Response: "relay busy"},
			{MessageID: "m3", At: at, Outcome: outcomeCancelled, Detail: "not sent: alert acknowledged"},
			{MessageID: "m4", At: at, Outcome: outcomeSent},
		})
	if warroom.ErrorCode(err) != warroom.EConflict || !strings.Contains(err.Error(), "m4") {
		t.Fatalf("err = %v, want EConflict naming m4", err)
	}
	if m := mustFind(t, s, "m1"); m.State != notify.StateSent || m.SentAt == nil || !m.SentAt.Equal(at) || m.ProviderID != "250 OK" || m.Attempts != 1 {
		t.Errorf("m1 = %+v", m)
	}
	if m := mustFind(t, s, "m2"); m.State != notify.StatePending || !m.DueAt.Equal(at.Add(time.Minute)) || m.LastError != "421 try later" ||
		m.LastResponse != "relay busy" || m.Attempts != 1 {
		t.Errorf("m2 = %+v", m)
	}
	if m := mustFind(t, s, "m3"); m.State != notify.StateFailed || m.Attempts != 0 {
		t.Errorf("m3 = %+v", m)
	}
	if m := mustFind(t, s, "m4"); m.State != notify.StateSending {
		t.Errorf("m4, which w1 no longer held, = %+v", m)
	}
	// The attempts number on from what a message had.
	wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w1", at.Add(time.Minute), time.Minute, 10), "m2")
	if err := s.FinishMessages(ctx, "w1", []notify.State{notify.StateSent}, []time.Time{{}},
		[]notify.Attempt{{MessageID: "m2", At: at.Add(time.Minute), Outcome: outcomeSent}}); err != nil {
		t.Fatal(err)
	}
	as, err := s.ListAttempts(ctx, "m2")
	if err != nil || len(as) != 2 || as[0].Outcome != outcomeRetry || as[0].Response != "relay busy" || as[1].Outcome != outcomeSent {
		t.Fatalf("m2 history %+v, %v", as, err)
	}
	if got, err := s.RecentSends(ctx, "ada@example.com", t0); err != nil || len(got) != 1 {
		t.Errorf("recent sends %v, %v", got, err)
	}
	if err := s.FinishMessages(ctx, "w1", []notify.State{notify.StateSent}, nil, nil); warroom.ErrorCode(err) != warroom.EInvalid {
		t.Errorf("mismatched slices: %v", err)
	}
}

func testExtendAndReleaseMessages(t *testing.T, s *Store) {
	ctx := context.Background()
	mustEnqueueMessages(t, s, pageMsg("m1", "ada@example.com", t0), pageMsg("m2", "bob@example.com", t0))
	sameMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w1", t0, 10*time.Second, 10), "m1", "m2")
	if n, err := s.ExtendMessageLeases(ctx, "w1", []string{"m1", "m2"}, t0.Add(time.Minute)); err != nil || n != 2 {
		t.Fatalf("extended %d, %v", n, err)
	}
	if n, err := s.ExtendMessageLeases(ctx, "w2", []string{"m1"}, t0.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("another owner extended %d, %v", n, err)
	}
	wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w2", t0.Add(30*time.Second), time.Minute, 10))
	// Given back untried: pending again, no attempt recorded.
	if n, err := s.ReleaseMessages(ctx, "w1", []string{"m2"}); err != nil || n != 1 {
		t.Fatalf("released %d, %v", n, err)
	}
	if m := mustFind(t, s, "m2"); m.State != notify.StatePending || m.Attempts != 0 {
		t.Errorf("released message = %+v", m)
	}
	if as, err := s.ListAttempts(ctx, "m2"); err != nil || len(as) != 0 {
		t.Errorf("released message history %+v, %v", as, err)
	}
	wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w2", t0.Add(30*time.Second), time.Minute, 10), "m2")
	if n, err := s.ReleaseMessages(ctx, "w1", []string{"m2"}); err != nil || n != 0 {
		t.Fatalf("released a message w2 holds: %d, %v", n, err)
	}
}

// TestLeaseQueryPlans checks that the statements that name jobs and
// messages by ID look them up by ID on SQLite, not by scanning the
// indexes of due work.
func TestLeaseQueryPlans(t *testing.T) {
	s := testSQLite(t)
	for _, query := range []string{
		"UPDATE jobs SET done_at = ?, lease_until = NULL WHERE id IN (SELECT value FROM json_each(?)) AND owner = ? AND " + notDone,
		"UPDATE jobs SET lease_until = ? WHERE id IN (SELECT value FROM json_each(?)) AND owner = ? AND " + notDone,
		"UPDATE messages SET lease_until = ? WHERE id IN (SELECT value FROM json_each(?)) AND owner = ? AND " + beingSent,
		"SELECT id, status FROM alerts WHERE id IN (SELECT value FROM json_each(?))",
	} {
		plan := queryPlan(t, s, query, 1, "[]", "o")
		if p := strings.Join(plan, "; "); !strings.Contains(p, "autoindex") && !strings.Contains(p, "PRIMARY KEY") {
			t.Errorf("%s\nplan: %s\nwant a lookup by ID", query, p)
		}
	}
}

// FindAlerts and RoutingAlerts read many alerts at once.
func TestFindAlerts(t *testing.T) {
	runStoreTests(t, []storeTest{{"ManyAtOnce", testFindAlerts}})
}

func testFindAlerts(t *testing.T, s *Store) {
	ctx := context.Background()
	svc := &warroom.Service{Slug: "checkout", Name: "Checkout"}
	if err := s.CreateService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	in := &warroom.Integration{ServiceID: svc.ID, Kind: warroom.IntegrationWebhook, Name: "m"}
	if err := s.CreateIntegration(ctx, in, warroom.HashTokenSecret("k")); err != nil {
		t.Fatal(err)
	}
	req := warroom.IngestRequest{Integration: in, ReceivedAt: t0}
	for _, fp := range []string{"a", "b", "c"} {
		req.Updates = append(req.Updates, warroom.AlertUpdate{Action: "trigger", Alert: warroom.Alert{DedupKey: fp,
			Severity: "critical", Summary: "down " + fp, GroupKey: "g", Labels: map[string]string{"fp": fp}}})
	}
	res, err := s.IngestAlerts(ctx, []warroom.IngestRequest{req})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{res[0][0].AlertID, "no-such-alert", res[0][2].AlertID}
	whole, err := s.FindAlerts(ctx, ids)
	if err != nil || len(whole) != 2 {
		t.Fatalf("FindAlerts = %d alerts, %v", len(whole), err)
	}
	for _, a := range whole {
		want, err := s.FindAlert(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Summary != want.Summary || a.Labels["fp"] != want.Labels["fp"] || !a.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("FindAlerts gave %+v, FindAlert %+v", a, want)
		}
	}
	heads, err := s.RoutingAlerts(ctx, ids)
	if err != nil || len(heads) != 2 {
		t.Fatalf("RoutingAlerts = %d alerts, %v", len(heads), err)
	}
	for _, a := range heads {
		if a.ServiceID != svc.ID || a.Status != warroom.AlertFiring || a.Severity != "critical" || a.GroupKey != "g" || a.Summary != "" {
			t.Errorf("routing view %+v", a)
		}
	}
	if got, err := s.FindAlerts(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("no IDs: %v, %v", got, err)
	}
}
