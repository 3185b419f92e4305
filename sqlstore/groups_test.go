package sqlstore

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestAlertGroups(t *testing.T) {
	runPagingTests(t, []pagingTest{
		{"DeclareForAlertOncePerOpenGroup", testDeclareForAlertOncePerOpenGroup},
		{"DeclareForAlertConcurrently", testDeclareForAlertConcurrently},
		{"DeclaringMarks", testDeclaringMarks},
		{"AlertIncidentLimitFolds", testAlertIncidentLimitFolds},
		{"AlertIncidentLimitConcurrently", testAlertIncidentLimitConcurrently},
		{"AlertIncidentLimitCountsLaterClocks", testAlertIncidentLimitCountsLaterClocks},
		{"FoldGroups", testFoldGroups},
		{"FoldGroupsConcurrently", testFoldGroupsConcurrently},
	})
}

// declareFor declares an incident for an alert of a group through
// DeclareForAlert, with the alert's idempotency key unless key says
// otherwise.
func (p *pagingFixture) declareFor(group, alertID string, key ...string) (*warroom.CommandResult, bool) {
	p.t.Helper()
	res, joined, err := p.declareForAt(p.tick(), group, alertID, key...)
	if err != nil {
		p.t.Fatal(err)
	}
	return res, joined
}

// declareForAt is declareFor at a given time, reporting the error; safe
// for concurrent use.
func (p *pagingFixture) declareForAt(now time.Time, group, alertID string, key ...string) (*warroom.CommandResult, bool, error) {
	res, out, err := p.declareLimited(now, warroom.AlertIncidentLimit{}, group, alertID, key...)
	return res, out.Joined, err
}

// declareLimited is declareForAt with the service's alert incident
// limit, reporting what DeclareForAlert did.
func (p *pagingFixture) declareLimited(now time.Time, limit warroom.AlertIncidentLimit, group, alertID string, key ...string) (*warroom.CommandResult, warroom.AlertDeclareOutcome, error) {
	k := "route:" + alertID
	if len(key) > 0 {
		k = key[0]
	}
	id := testIncidentID(p.t)
	return p.s.DeclareForAlert(p.ctx, p.svc.ID, group, alertID, limit, now, warroom.Idempotency{UserID: "warroom:paging", Key: k, RequestHash: k},
		func(number int64) ([]warroom.Event, error) {
			return warroom.Declare(id, warroom.Declaration{Number: number, Title: "Alert " + alertID, Severity: warroom.SEV2,
				Impact: warroom.Impact{ServiceIDs: []string{p.svc.ID}}}, warroom.Actor{Handle: "warroom", Role: warroom.AccountAdmin}, now, p.policy)
		})
}

// declareBlocking is declareLimited whose build waits for release: it
// runs inside the declaring transaction, after the limit was decided.
func (p *pagingFixture) declareBlocking(now time.Time, limit warroom.AlertIncidentLimit, group, alertID string, entered chan<- struct{},
	release <-chan struct{}) (*warroom.CommandResult, warroom.AlertDeclareOutcome, error) {
	k := "route:" + alertID
	id := testIncidentID(p.t)
	return p.s.DeclareForAlert(p.ctx, p.svc.ID, group, alertID, limit, now, warroom.Idempotency{UserID: "warroom:paging", Key: k, RequestHash: k},
		func(number int64) ([]warroom.Event, error) {
			entered <- struct{}{}
			<-release
			return warroom.Declare(id, warroom.Declaration{Number: number, Title: "Alert " + alertID, Severity: warroom.SEV2,
				Impact: warroom.Impact{ServiceIDs: []string{p.svc.ID}}}, warroom.Actor{Handle: "warroom", Role: warroom.AccountAdmin}, now, p.policy)
		})
}

func (p *pagingFixture) incidentCount() int {
	p.t.Helper()
	list, err := p.s.ListIncidents(p.ctx, warroom.IncidentFilter{Viewer: p.admin.Actor()})
	if err != nil {
		p.t.Fatal(err)
	}
	return len(list)
}

// An alert group has one incident while that incident is open; a group
// whose incident is resolved gets a new one, and so does an alert of no
// group every time.
func testDeclareForAlertOncePerOpenGroup(t *testing.T, p *pagingFixture) {
	first, joined := p.declareFor("g1", "a1")
	if joined || len(first.Events) == 0 {
		t.Fatalf("first declaration joined=%v events=%d", joined, len(first.Events))
	}
	inc := first.Incident
	if got, forAlert, err := p.s.GroupIncident(p.ctx, p.svc.ID, "g1"); err != nil || got == nil || got.ID != inc.ID || forAlert != "a1" {
		t.Fatalf("GroupIncident = %v, %q, %v", got, forAlert, err)
	}
	res, joined := p.declareFor("g1", "a2")
	if !joined || res.Incident.ID != inc.ID || len(res.Events) != 0 {
		t.Fatalf("second alert of the group: joined=%v incident %s events %d, want it to join %s", joined, res.Incident.ID, len(res.Events), inc.ID)
	}
	// The same alert under another key (a run that raced the first):
	// its own incident, not a join.
	if res, joined := p.declareFor("g1", "a1", "other-key"); joined || res.Incident.ID != inc.ID {
		t.Fatalf("same alert again: joined=%v incident %s", joined, res.Incident.ID)
	}
	// Replayed by its key: the first result.
	if res, joined := p.declareFor("g1", "a1"); joined || !res.Replayed || res.Incident.ID != inc.ID {
		t.Fatalf("replay: joined=%v replayed=%v incident %s", joined, res.Replayed, res.Incident.ID)
	}
	// Another group, and no group: incidents of their own.
	if res, joined := p.declareFor("g2", "b1"); joined || res.Incident.ID == inc.ID {
		t.Fatalf("other group joined=%v incident %s", joined, res.Incident.ID)
	}
	for _, a := range []string{"c1", "c2"} {
		if res, joined := p.declareFor("", a); joined || res.Incident.ID == inc.ID || len(res.Events) == 0 {
			t.Fatalf("no group: joined=%v", joined)
		}
	}
	if n := p.incidentCount(); n != 4 {
		t.Fatalf("%d incidents, want 4", n)
	}

	for _, st := range []warroom.Stage{warroom.StageRecovered, warroom.StageBaseline, warroom.StageResolved} {
		p.mustExec(p.ada, inc.ID, warroom.ChangeStage{Stage: st})
	}
	next, joined := p.declareFor("g1", "a3")
	if joined || next.Incident.ID == inc.ID || len(next.Events) == 0 {
		t.Fatalf("after the group's incident resolved: joined=%v incident %s", joined, next.Incident.ID)
	}
	if got, forAlert, err := p.s.GroupIncident(p.ctx, p.svc.ID, "g1"); err != nil || got.ID != next.Incident.ID || forAlert != "a3" {
		t.Fatalf("GroupIncident after a new declaration = %v, %q, %v", got, forAlert, err)
	}
	if res, joined := p.declareFor("g1", "a4"); !joined || res.Incident.ID != next.Incident.ID {
		t.Fatalf("joined=%v %s, want the new incident %s", joined, res.Incident.ID, next.Incident.ID)
	}
}

// Many declarations for one group at once, as several processes would
// make them: one incident, the others join it.
func testDeclareForAlertConcurrently(t *testing.T, p *pagingFixture) {
	const n = 8
	now := p.tick()
	var wg sync.WaitGroup
	ids := make([]string, n)
	joins := make([]bool, n)
	for i := range n {
		wg.Go(func() {
			res, joined, err := p.declareForAt(now, "storm", fmt.Sprint("a", i))
			if err != nil {
				t.Error(err)
				return
			}
			ids[i], joins[i] = res.Incident.ID, joined
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	declared := 0
	for i := range n {
		if ids[i] != ids[0] {
			t.Errorf("declaration %d made %s, declaration 0 %s", i, ids[i], ids[0])
		}
		if !joins[i] {
			declared++
		}
	}
	if declared != 1 || p.incidentCount() != 1 {
		t.Errorf("%d declared, %d incidents; want one", declared, p.incidentCount())
	}
}

// Marks list the declarations in flight for a service: alerts still
// firing and unlinked, until their declaration deletes the mark. Marks
// that mean nothing any more are deleted with the service's next mark or
// declaration.
func testDeclaringMarks(t *testing.T, p *pagingFixture) {
	res := p.ingest(p.webhook, update(p.webhook, "trigger", "k1", "one"), update(p.webhook, "trigger", "k2", "two"),
		update(p.webhook, "trigger", "k3", "three"), update(p.webhook, "trigger", "k4", "four"))
	a1, a2, a3, a4 := res[0].AlertID, res[1].AlertID, res[2].AlertID, res[3].AlertID
	declaring := func(stored int, want ...string) {
		t.Helper()
		got, err := p.s.Declaring(p.ctx, p.svc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("declaring %v, want %v", got, want)
		}
		var n int
		if err := p.s.db.QueryRow("SELECT count(*) FROM declaring_alerts").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != stored {
			t.Fatalf("%d marks stored, want %d", n, stored)
		}
	}
	mark := func(ids ...string) {
		t.Helper()
		if err := p.s.MarkDeclaring(p.ctx, p.svc.ID, ids...); err != nil {
			t.Fatal(err)
		}
	}
	declaring(0)
	mark(a1, a2, a3)
	mark(a1, a4) // again: nothing new for a1
	declaring(4, a1, a2, a3, a4)
	if other, err := p.s.Declaring(p.ctx, "no-such-service"); err != nil || len(other) != 0 {
		t.Fatalf("another service: %v, %v", other, err)
	}
	// Resolved: no longer a declaration in flight; the next mark deletes it.
	p.ingest(p.webhook, update(p.webhook, "resolve", "k3", "three"))
	declaring(4, a1, a2, a4)
	mark(a4)
	declaring(3, a1, a2, a4)
	if err := p.s.UnmarkDeclaring(p.ctx, p.svc.ID, a4); err != nil {
		t.Fatal(err)
	}
	declaring(2, a1, a2)
	// The declaration for a1 deletes its mark with the incident, and the
	// mark of a2, resolved meanwhile.
	p.ingest(p.webhook, update(p.webhook, "resolve", "k2", "two"))
	p.declareFor("", a1)
	declaring(0)
}

// The limit: three declarations from alerts of the service in ten
// minutes; a fourth new group folds into the newest open incident (its
// later alerts join it), an alert of no group too; the window moving on
// lets the service declare again; with no open incident to join, a new
// group declares whatever the count.
func testAlertIncidentLimitFolds(t *testing.T, p *pagingFixture) {
	limit := warroom.AlertIncidentLimit{Count: 3, Window: 10 * time.Minute}
	now := p.tick()
	declare := func(at time.Time, group, alertID string) (*warroom.CommandResult, warroom.AlertDeclareOutcome) {
		t.Helper()
		res, out, err := p.declareLimited(at, limit, group, alertID)
		if err != nil {
			t.Fatal(err)
		}
		return res, out
	}
	var incs []*warroom.Incident
	for i := range 3 {
		res, out := declare(now.Add(time.Duration(i)*time.Minute), fmt.Sprint("g", i), fmt.Sprint("a", i))
		if out.Joined || out.Folded || len(res.Events) == 0 {
			t.Fatalf("declaration %d under the limit: %+v", i, out)
		}
		incs = append(incs, res.Incident)
	}
	at := now.Add(5 * time.Minute)
	res, out := declare(at, "g3", "a3")
	if !out.Folded || out.Recent != 3 || out.FoldedGroups != 1 || len(res.Events) != 0 || res.Incident.ID != incs[2].ID {
		t.Fatalf("fourth group: %+v into %s, want folded into %s", out, res.Incident.Ref, incs[2].Ref)
	}
	if got, forAlert, err := p.s.GroupIncident(p.ctx, p.svc.ID, "g3"); err != nil || got == nil || got.ID != incs[2].ID || forAlert != "" {
		t.Fatalf("the folded group's incident: %v, %q, %v", got, forAlert, err)
	}
	if res, out := declare(at, "g3", "a3b"); !out.Joined || res.Incident.ID != incs[2].ID {
		t.Fatalf("a later alert of the folded group: %+v into %s", out, res.Incident.Ref)
	}
	if res, out := declare(at, "g3", "a3"); !out.Joined || res.Incident.ID != incs[2].ID {
		t.Fatalf("the folded alert routed again: %+v into %s, want a join", out, res.Incident.Ref)
	}
	if _, out := declare(at, "", "lone"); !out.Folded || out.FoldedGroups != 2 {
		t.Fatalf("an alert of no group: %+v", out)
	}
	if n := p.incidentCount(); n != 3 {
		t.Fatalf("%d incidents, want 3", n)
	}
	// a0 was declared at now: ten minutes later it is out of the window.
	res, out = declare(now.Add(10*time.Minute), "g4", "a4")
	if out.Folded || len(res.Events) == 0 || out.Recent != 2 {
		t.Fatalf("after the window moved: %+v", out)
	}
	incs = append(incs, res.Incident)
	// Nothing open: a new group declares at the limit.
	for _, inc := range incs {
		for _, st := range []warroom.Stage{warroom.StageRecovered, warroom.StageBaseline, warroom.StageResolved} {
			p.mustExec(p.ada, inc.ID, warroom.ChangeStage{Stage: st})
		}
	}
	if res, out := declare(now.Add(10*time.Minute+time.Second), "g5", "a5"); out.Folded || len(res.Events) == 0 {
		t.Fatalf("with no open incident: %+v", out)
	}
}

// Two routers of one service (the page queue and bulk routing) each read
// their clock when they start: a declaration committed by the one that
// read it later is stamped after the other's now. It counts against the
// limit all the same: a storm's first burst declared 4 incidents with a
// limit of 3 when it did not.
func testAlertIncidentLimitCountsLaterClocks(t *testing.T, p *pagingFixture) {
	limit := warroom.AlertIncidentLimit{Count: 3, Window: 10 * time.Minute}
	now := p.tick()
	for i := range 3 {
		_, out, err := p.declareLimited(now.Add(time.Duration(i+1)*time.Millisecond), limit, fmt.Sprint("g", i), fmt.Sprint("a", i))
		if err != nil || out.Folded || out.Joined {
			t.Fatalf("declaration %d under the limit: %+v, %v", i, out, err)
		}
	}
	_, out, err := p.declareLimited(now, limit, "late-clock", "a-late")
	if err != nil {
		t.Fatal(err)
	}
	if !out.Folded || out.Recent != 3 {
		t.Fatalf("a router whose clock was read before the others' declarations: %+v, want folded with 3 recent", out)
	}
	if n := p.incidentCount(); n != 3 {
		t.Fatalf("%d incidents, want the limit's 3", n)
	}
}

// Declarations for many new groups at once, as several processes make
// them: each waits, inside its transaction, until the others have begun
// theirs; together they declare the limit and no more, the others fold.
func testAlertIncidentLimitConcurrently(t *testing.T, p *pagingFixture) {
	const n = 6
	limit := warroom.AlertIncidentLimit{Count: 3, Window: 10 * time.Minute}
	now := p.tick()
	entered, release := make(chan struct{}, n), make(chan struct{})
	go func() {
		// Let the declarations pile up: all of them, or as many as can
		// get past the limit's lock before the first one commits.
		timeout := time.After(300 * time.Millisecond)
		for range n {
			select {
			case <-entered:
			case <-timeout:
				close(release)
				return
			}
		}
		close(release)
	}()
	var wg sync.WaitGroup
	outs := make([]warroom.AlertDeclareOutcome, n)
	for i := range n {
		wg.Go(func() {
			_, out, err := p.declareBlocking(now, limit, fmt.Sprint("g", i), fmt.Sprint("a", i), entered, release)
			if err != nil {
				t.Error(err)
			}
			outs[i] = out
		})
	}
	wg.Wait()
	folded := 0
	for _, out := range outs {
		if out.Folded {
			folded++
		}
	}
	if got := p.incidentCount(); got != 3 || folded != n-3 {
		t.Errorf("%d incidents, %d groups folded; want 3 and %d", got, folded, n-3)
	}
}

// FoldGroups decides for many new groups at once as DeclareForAlert does
// for one: under the limit it folds nothing (each group declares as
// before); at the limit it folds every new group into the newest open
// incident, counting them in order; a group with an open incident joins
// it, unless that incident was declared for the group's own alert.
func testFoldGroups(t *testing.T, p *pagingFixture) {
	limit := warroom.AlertIncidentLimit{Count: 2, Window: 10 * time.Minute}
	now := p.tick()
	first, _, err := p.declareLimited(now, limit, "d1", "a-d1")
	if err != nil {
		t.Fatal(err)
	}
	todo := []warroom.GroupToFold{{GroupKey: "n1", AlertID: "a-n1"}, {GroupKey: "d1", AlertID: "a-d1"}, {GroupKey: "", AlertID: "a-none"}}
	out, err := p.s.FoldGroups(p.ctx, p.svc.ID, todo, limit, now)
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Incident != nil || out[2].Incident != nil {
		t.Fatalf("under the limit: %+v, %+v; want nothing decided (they may declare)", out[0], out[2])
	}
	if out[1].Incident != nil {
		t.Fatalf("a group whose incident was declared for the same alert: %+v, want it left to declare again (a replay)", out[1])
	}
	second, _, err := p.declareLimited(now, limit, "d2", "a-d2")
	if err != nil {
		t.Fatal(err)
	}
	todo = append(todo, warroom.GroupToFold{GroupKey: "n2", AlertID: "a-n2"}, warroom.GroupToFold{GroupKey: "d1", AlertID: "a-d1-later"},
		warroom.GroupToFold{GroupKey: "n1", AlertID: "a-n1-again"})
	if out, err = p.s.FoldGroups(p.ctx, p.svc.ID, todo, limit, now); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		inc            string
		folded, joined bool
		n              int
	}{{second.Incident.ID, true, false, 1}, {"", false, false, 0}, {second.Incident.ID, true, false, 2},
		{second.Incident.ID, true, false, 3}, {first.Incident.ID, false, true, 0}, {second.Incident.ID, false, true, 0}}
	for i, w := range want {
		got := out[i]
		id := ""
		if got.Incident != nil {
			id = got.Incident.ID
		}
		if id != w.inc || got.Folded != w.folded || got.Joined != w.joined || got.FoldedGroups != w.n || (w.folded && got.Recent != 2) {
			t.Errorf("group %d (%q): incident %q folded %v joined %v count %d recent %d; want %q %v %v %d", i, todo[i].GroupKey,
				id, got.Folded, got.Joined, got.FoldedGroups, got.Recent, w.inc, w.folded, w.joined, w.n)
		}
	}
	if inc, _, err := p.s.GroupIncident(p.ctx, p.svc.ID, "n2"); err != nil || inc == nil || inc.ID != second.Incident.ID {
		t.Fatalf("GroupIncident(n2) = %v, %v; want the incident it was folded into", inc, err)
	}
	// The next declaration for a folded group's alert joins it, and the
	// count goes on across calls and with DeclareForAlert.
	if _, o, err := p.declareLimited(now, limit, "n1", "a-n1-later"); err != nil || !o.Joined {
		t.Fatalf("declaring for a folded group: %+v, %v; want a join", o, err)
	}
	if _, o, err := p.declareLimited(now, limit, "n3", "a-n3"); err != nil || !o.Folded || o.FoldedGroups != 4 {
		t.Fatalf("the next new group: %+v, %v; want folded as the 4th", o, err)
	}
	if p.incidentCount() != 2 {
		t.Fatalf("%d incidents, want the limit's 2", p.incidentCount())
	}
}

// Processes folding overlapping sets of new groups at once, in any order
// (a group named more than once, too), and declaring for some of them,
// agree (on PostgreSQL they take the
// groups' rows in key order, then the limit's, never waiting in a cycle):
// no error (no deadlock), no incident past the limit, and every group is
// folded exactly once, numbered 1 to n.
func testFoldGroupsConcurrently(t *testing.T, p *pagingFixture) {
	const groups, folders = 60, 4
	limit := warroom.AlertIncidentLimit{Count: 1, Window: 10 * time.Minute}
	now := p.tick()
	if _, _, err := p.declareLimited(now, limit, "first", "a-first"); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var numbers []int
	var wg sync.WaitGroup
	for f := range folders {
		wg.Go(func() {
			var todo []warroom.GroupToFold
			for i := range groups {
				k := (i*(2*f+1) + 7*f) % groups // each folder in another order
				todo = append(todo, warroom.GroupToFold{GroupKey: fmt.Sprintf("g%02d", k), AlertID: fmt.Sprintf("a%d-%d", f, k)})
			}
			out, err := p.s.FoldGroups(p.ctx, p.svc.ID, todo, limit, now)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, o := range out {
				if o.Folded {
					numbers = append(numbers, o.FoldedGroups)
				}
			}
		})
	}
	for i := range 8 {
		wg.Go(func() {
			_, o, err := p.declareLimited(now, limit, fmt.Sprintf("g%02d", i*7), fmt.Sprintf("d-%d", i))
			if err != nil {
				t.Error(err)
				return
			}
			if o.Folded {
				mu.Lock()
				numbers = append(numbers, o.FoldedGroups)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(numbers)
	if len(numbers) != groups || numbers[0] != 1 || numbers[len(numbers)-1] != groups || len(slices.Compact(slices.Clone(numbers))) != groups {
		t.Errorf("fold numbers %v, want each of 1..%d once", numbers, groups)
	}
	if n := p.incidentCount(); n != 1 {
		t.Errorf("%d incidents, want the limit's 1", n)
	}
}
