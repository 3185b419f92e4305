package paging_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/paging"
)

// stormingService starts a process routing as the server does (the store
// asks RouteQueue for each delivery) and makes the service "storming",
// whose policy pages bob at /bob.
func stormingService(w *world) (*proc, *warroom.Service, *warroom.Integration) {
	p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
	p.store.SetRouteQueue(p.pager.RouteQueue)
	who := p.people()
	p.reach(who.bob, contactRule{warroom.ContactWebhook, w.hook.url("/bob"), 0})
	svc, in := p.service("storming", p.policy("storm-oncall", 0, 5*time.Minute, users(who.bob)))
	return p, svc, in
}

// Issue 8, row 3 (a new group per request, critical): once a service has
// declared its alert incident limit's worth of incidents and has one
// open, every new group folds into it and pages nobody. The forecast
// says so, and the store folds the groups as it stores their alerts: no
// route job, nothing on the page queue, each alert written once; the
// timeline notes follow on the default queue; a folded group's next
// alerts are linked at intake. Once the limit's window has
// passed, a new group is forecast to declare again.
func TestNewGroupsOfServiceAtItsLimitStayOffThePageQueue(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p, svc, in := stormingService(w)
		e := p.serverEngine()

		// The limit's 3 incidents (default 3/10m), 3 pages.
		p.criticalStorm(in, "first", 3, 1, func(i int) string { return fmt.Sprint("first-", i) })
		p.drain()
		if n := len(p.serviceIncidents(svc.ID)); n != 3 {
			t.Fatalf("%d incidents before the storm, want the limit's 3", n)
		}
		w.clock.Advance(3 * time.Second) // past what the forecast read before

		f := p.pager.RouteQueue(w.ctx, svc.ID, []string{"critical"}, []string{"brand-new"})
		if f.Queue != "" || f.Declares != nil || len(f.Folds) != 1 || !f.Folds[0] {
			t.Fatalf("forecast for a new group of a service at its limit: %+v, want the default queue, no declaration, folded", f)
		}

		// Folded as they are stored, before any routing runs: linked to
		// the newest open incident, with no route job.
		const deliveries, per = 50, 5
		ids := p.criticalStorm(in, "storm", deliveries, per, func(i int) string { return fmt.Sprint("new-", i) })
		incs := p.serviceIncidents(svc.ID)
		if len(incs) != 3 {
			t.Fatalf("%d incidents after the storm, want still 3", len(incs))
		}
		newest := incs[2]
		for _, d := range ids {
			for _, id := range d {
				if got := p.findAlert(id).IncidentID; got != newest.ID {
					t.Fatalf("alert %s of a folded group is in %q as stored, want the newest open incident %s", id, got, newest.Ref)
				}
			}
		}
		if n := runQueue(t, w, e, paging.QueuePage); n != 0 {
			t.Fatalf("the page queue ran %d jobs: the storm's new groups were forecast to page nobody", n)
		}
		// The default queue: the folded groups' timeline notes, one job.
		if n := runQueue(t, w, e, paging.QueueDefault); n != 1 {
			t.Fatalf("the default queue ran %d jobs, want the one of the folded groups' notes (no route job)", n)
		}
		tl := p.timeline(newest.ID)
		if n := countLines(tl, "would have declared an incident", "alert-incident-limit"); n != 5 {
			t.Errorf("%d notes of single folded groups, want 5", n)
		}
		p.drain()
		if n := len(w.hook.to("/bob")); n != 3 {
			t.Errorf("bob paged %d times, want 3 (one per incident declared)", n)
		}

		// A folded group keeps its incident: its next alert is linked at
		// intake too.
		solo := func(int) string { return "solo" }
		p.criticalStorm(in, "solo", 1, 1, solo)
		next := p.criticalStorm(in, "next", 1, 1, solo)[0][0]
		if got := p.findAlert(next).IncidentID; got != newest.ID {
			t.Fatalf("the next alert of a folded group is in %q as stored, want %s (linked at intake)", got, newest.Ref)
		}

		// The window passes: a new group declares again, on the page queue.
		w.clock.Advance(11 * time.Minute)
		if f := p.pager.RouteQueue(w.ctx, svc.ID, []string{"critical"}, []string{"later"}); f.Queue != paging.QueuePage {
			t.Fatalf("forecast after the window: %+v, want the page queue", f)
		}
	})
}

// Issue 8, item 5 with intake joining: once a group has an open incident,
// its every later alert goes there whatever its rule, so intake links a
// warning of a group that a critical alert declared for, and a warning of
// a group an attach rule recorded on the service's open incident, as it
// stores them: no routing.
func TestAnyAlertOfAGroupWithAnIncidentJoinsAtIntake(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
		p.store.SetRouteQueue(p.pager.RouteQueue)
		_, in := p.service("checkout", nil) // default rules: critical declares, the rest attach
		group := func(g string) func(*warroom.Alert) { return func(a *warroom.Alert) { a.GroupKey = g } }

		crit := p.alert(in, "trigger", "crit-1", "critical", "Checkout down", group("declared"))
		p.drain()
		inc := p.findAlert(crit).IncidentID
		if inc == "" {
			t.Fatal("nothing declared")
		}
		warn := p.alert(in, "trigger", "warn-1", "warning", "Checkout slow", group("declared"))
		if got := p.findAlert(warn).IncidentID; got != inc {
			t.Fatalf("a warning of a group with an incident is in %q as stored, want %s (linked at intake)", got, inc)
		}

		// A group an attach rule sent to the open incident.
		first := p.alert(in, "trigger", "att-1", "warning", "Disk filling", group("attached"))
		if got := p.findAlert(first).IncidentID; got != "" {
			t.Fatalf("the first warning of a new group is in %q as stored, want routing to decide", got)
		}
		p.drain()
		if got := p.findAlert(first).IncidentID; got != inc {
			t.Fatalf("the attach rule put the warning in %q, want %s", got, inc)
		}
		second := p.alert(in, "trigger", "att-2", "info", "Disk filling more", group("attached"))
		if got := p.findAlert(second).IncidentID; got != inc {
			t.Fatalf("the next alert of an attached group is in %q as stored, want %s (linked at intake)", got, inc)
		}
		p.drain()
	})
}

// Issue 8, row 3, at the start of the storm: a service that has declared
// nothing yet gets a storm of a new group per delivery, all stored before
// routing makes its first declaration. Only the limit's worth of them
// (3) may go to the page queue, as declarations on their way; the rest
// are forecast to fold. Before, the forecast read "0 declared" and sent
// every delivery of the next two seconds to the page queue, where they
// were folded one whole delivery at a time, holding the page queue (and
// other services' pages) for the rest of the storm.
func TestStormOfNewGroupsPutsOnlyTheLimitOnThePageQueue(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p, svc, in := stormingService(w)

		const deliveries, per = 40, 5
		ids := p.criticalStorm(in, "storm", deliveries, per, func(i int) string { return fmt.Sprint("group-", i) })
		// A second batch while the first is still unrouted: the read
		// finds the marked declarations in flight.
		w.clock.Advance(3 * time.Second)
		ids = append(ids, p.criticalStorm(in, "later", deliveries, per, func(i int) string { return fmt.Sprint("later-", i) })...)

		queued, err := p.store.Claim(w.ctx, paging.QueuePage, "inspector", w.clock.Now(), time.Second, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(queued); n != 3 {
			t.Fatalf("%d route jobs on the page queue, want the alert incident limit's 3 declarations", n)
		}
		w.clock.Advance(2 * time.Second) // the inspector's claims lapse

		p.drain()
		incs := p.serviceIncidents(svc.ID)
		if len(incs) != 3 {
			t.Fatalf("%d incidents, want the limit's 3", len(incs))
		}
		for _, d := range ids {
			for _, id := range d {
				if p.findAlert(id).IncidentID == "" {
					t.Fatalf("alert %s is linked to no incident", id)
				}
			}
		}
		if n := len(w.hook.to("/bob")); n != 3 {
			t.Errorf("bob paged %d times, want 3 (one per incident declared)", n)
		}
	})
}

// The forecast counts groups on their way to a declaration, not
// deliveries: a storm in one group, whose declaration has not run yet,
// is one declaration however many deliveries it sends, and a second
// group of the service (a problem of its own) still declares and pages
// from the page queue, rather than wait for bulk routing.
func TestForecastCountsGroupsNotDeliveries(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
		who := p.people()
		svc, _ := p.service("storming", p.policy("storm-oncall", 0, 5*time.Minute, users(who.bob)))
		for i := range 10 {
			if f := p.pager.RouteQueue(w.ctx, svc.ID, []string{"critical", "critical"}, []string{"one", "one"}); f.Queue != paging.QueuePage {
				t.Fatalf("delivery %d of the first group: %+v, want the page queue", i, f)
			}
		}
		f := p.pager.RouteQueue(w.ctx, svc.ID, []string{"critical"}, []string{"two"})
		if f.Queue != paging.QueuePage || len(f.Declares) != 1 || !f.Declares[0] {
			t.Fatalf("a second group: %+v, want it on the page queue, declaring", f)
		}
		// The third group is the limit's last declaration; a fourth folds.
		if f := p.pager.RouteQueue(w.ctx, svc.ID, []string{"critical"}, []string{"three"}); f.Queue != paging.QueuePage {
			t.Fatalf("a third group: %+v, want the page queue", f)
		}
		if f := p.pager.RouteQueue(w.ctx, svc.ID, []string{"critical"}, []string{"four"}); f.Queue != "" || f.Declares != nil {
			t.Fatalf("a fourth group: %+v, want it forecast to fold (the default queue, no declaration)", f)
		}
	})
}
