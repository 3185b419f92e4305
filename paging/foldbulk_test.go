package paging_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/paging"
	"github.com/warroom/warroom/sqlstore"
)

// countingStore is the store paging writes through, counting the calls
// that write an alert's routing: a declaring transaction, a fold of
// groups, an alert's update, a link of many alerts.
type countingStore struct {
	*sqlstore.Store
	declares, folds, updates, links atomic.Int64
}

func (c *countingStore) DeclareForAlert(ctx context.Context, serviceID, groupKey, alertID string, limit warroom.AlertIncidentLimit,
	now time.Time, idem warroom.Idempotency, build func(number int64) ([]warroom.Event, error)) (*warroom.CommandResult, warroom.AlertDeclareOutcome, error) {
	c.declares.Add(1)
	return c.Store.DeclareForAlert(ctx, serviceID, groupKey, alertID, limit, now, idem, build)
}

func (c *countingStore) FoldGroups(ctx context.Context, serviceID string, groups []warroom.GroupToFold, limit warroom.AlertIncidentLimit,
	now time.Time) ([]warroom.GroupFold, error) {
	c.folds.Add(1)
	return c.Store.FoldGroups(ctx, serviceID, groups, limit, now)
}

func (c *countingStore) UpdateAlert(ctx context.Context, id string, now time.Time, fn func(*warroom.Alert) error) (*warroom.Alert, error) {
	c.updates.Add(1)
	return c.Store.UpdateAlert(ctx, id, now, fn)
}

func (c *countingStore) LinkAlerts(ctx context.Context, incidentID string, ids []string, at time.Time) (int, error) {
	c.links.Add(1)
	return c.Store.LinkAlerts(ctx, incidentID, ids, at)
}

// Issue 8, row 3 (a new group per delivery, critical, past the alert
// incident limit): bulk routing folded each new group with a declaring
// transaction of its own and an update of its alert, thousands in a row
// (on PostgreSQL each also waited at the writer gate behind pages). A
// claim of bulk routing now folds the new groups of a service in one
// transaction, however many: 200 groups, 400 alerts, one fold, no
// declaring transaction, no alert updated one by one. Every alert is in
// the newest open incident, and its timeline notes the groups as
// NoteFoldedGroup says (each of the first five, then the 10th, 20th,
// 50th, 100th and 200th), the count going on across claims.
func TestBulkRoutingFoldsTheNewGroupsOfAClaimAtOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		cs := &countingStore{}
		p := w.start("proc-1", func(c *paging.Config) {
			c.Announce = nil
			cs.Store = c.Store.(*sqlstore.Store)
			c.Store = cs
		})
		// Bulk routing folds what intake did not (RouteForecast.Folds):
		// alerts of no group, and groups forecast before their service
		// reached its limit. Here intake folds nothing.
		p.store.SetRouteQueue(func(ctx context.Context, serviceID string, severities, groupKeys []string) warroom.RouteForecast {
			f := p.pager.RouteQueue(ctx, serviceID, severities, groupKeys)
			f.Folds = nil
			return f
		})
		who := p.people()
		p.reach(who.bob, contactRule{warroom.ContactWebhook, w.hook.url("/bob"), 0})
		svc, in := p.service("storming", p.policy("storm-oncall", 0, 5*time.Minute, users(who.bob)))
		e := p.serverEngine()

		// The limit's 3 incidents (default 3/10m).
		p.criticalStorm(in, "first", 3, 1, func(i int) string { return fmt.Sprint("first-", i) })
		p.drain()
		incs := p.serviceIncidents(svc.ID)
		if len(incs) != 3 {
			t.Fatalf("%d incidents before the storm, want the limit's 3", len(incs))
		}
		newest := incs[2]
		w.clock.Advance(3 * time.Second) // past what the forecast read before

		// One claim of bulk routing: 50 deliveries (the default queue's
		// claim), each of 4 new groups of 2 alerts.
		storm := func(prefix string, deliveries, groups, per int) []string {
			var reqs []warroom.IngestRequest
			for d := range deliveries {
				req := warroom.IngestRequest{Integration: in, ReceivedAt: w.clock.Now()}
				for g := range groups {
					for k := range per {
						req.Updates = append(req.Updates, warroom.AlertUpdate{Action: "trigger", Alert: warroom.Alert{
							DedupKey: fmt.Sprintf("%s-%d-%d-%d", prefix, d, g, k), Severity: "critical",
							Summary: fmt.Sprintf("Instance %d-%d down", d, g), GroupKey: fmt.Sprintf("%s-%d-%d", prefix, d, g)}})
					}
				}
				reqs = append(reqs, req)
			}
			res, err := p.store.IngestAlerts(w.ctx, reqs)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for i := range res {
				for _, r := range res[i] {
					ids = append(ids, r.AlertID)
				}
			}
			return ids
		}
		ids := storm("storm", 50, 4, 2)
		cs.declares.Store(0)
		cs.updates.Store(0)
		cs.links.Store(0)
		if n := runQueue(t, w, e, paging.QueueDefault); n != 50 {
			t.Fatalf("one claim of bulk routing ran %d jobs, want the storm's 50 route jobs", n)
		}
		if n := cs.declares.Load(); n != 0 {
			t.Errorf("bulk routing made %d declaring transactions for 200 groups to fold, want none", n)
		}
		if n := cs.folds.Load(); n != 1 {
			t.Errorf("bulk routing folded the service's 200 new groups with %d calls, want 1", n)
		}
		if n := cs.updates.Load(); n != 0 {
			t.Errorf("bulk routing updated %d alerts one by one, want none (linked in batches)", n)
		}
		if n := cs.links.Load(); n > 2 {
			t.Errorf("bulk routing linked the alerts with %d statements, want at most 2 (the groups' first alerts, the rest)", n)
		}
		if n := runQueue(t, w, e, paging.QueuePage); n != 0 {
			t.Fatalf("the page queue ran %d jobs: folded groups page nobody", n)
		}
		if n := len(p.serviceIncidents(svc.ID)); n != 3 {
			t.Fatalf("%d incidents after the storm, want still 3", n)
		}
		for _, id := range ids {
			if got := p.findAlert(id).IncidentID; got != newest.ID {
				t.Fatalf("alert %s of a folded group is in %q, want the newest open incident %s", id, got, newest.Ref)
			}
		}
		tl := p.timeline(newest.ID)
		if n := countLines(tl, "would have declared an incident", "alert-incident-limit"); n != 5 {
			t.Errorf("%d notes of single folded groups, want 5:\n%s", n, tl)
		}
		for _, c := range []int{10, 20, 50, 100, 200} {
			if n := countLines(tl, fmt.Sprintf("%d new alert groups of the service have joined this incident so far", c)); n != 1 {
				t.Errorf("%d rolled-up notes at %d groups, want 1", n, c)
			}
		}
		if n := countLines(tl, "new alert groups of the service have joined this incident so far"); n != 5 {
			t.Errorf("%d rolled-up notes for 200 groups, want 5 (10th, 20th, 50th, 100th, 200th)", n)
		}
		if n := countLines(tl, "200 alerts attached: they belong to the same alert group"); n != 1 {
			t.Errorf("%d notes for the groups' other 200 alerts, want 1", n)
		}

		// The next claim counts on: 300 more groups, the 500th noted.
		storm("more", 50, 6, 1)
		if n := runQueue(t, w, e, paging.QueueDefault); n != 50 {
			t.Fatalf("the second claim ran %d jobs, want 50", n)
		}
		if n := cs.folds.Load(); n != 2 {
			t.Errorf("%d folds after two claims, want 2", n)
		}
		tl = p.timeline(newest.ID)
		if n := countLines(tl, "500 new alert groups of the service have joined this incident so far"); n != 1 {
			t.Errorf("%d rolled-up notes at the 500th group, want 1", n)
		}
		if n := countLines(tl, "new alert groups of the service have joined this incident so far"); n != 6 {
			t.Errorf("%d rolled-up notes for 500 groups, want 6", n)
		}
		if n := p.linked(svc.ID); n != 3+400+300 {
			t.Errorf("%d alerts of the service linked, want all %d", n, 3+400+300)
		}
	})
}
