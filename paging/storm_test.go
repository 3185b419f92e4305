package paging_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/paging"
)

// criticalStorm ingests n deliveries of per critical alerts each on in,
// at once, as intake would: each delivery's alerts in group groupOf(i).
// It returns the IDs of the alerts of each delivery.
func (p *proc) criticalStorm(in *warroom.Integration, prefix string, n, per int, groupOf func(i int) string) [][]string {
	p.w.t.Helper()
	return p.ingestStorm(in, prefix, n, per, "critical", "Instance down", groupOf)
}

// serverEngine is an engine configured as the server runs paging's
// (Pager.EngineConfig: batches, the bound per service, workers), on the
// world's clock.
func (p *proc) serverEngine() *engine.Engine {
	cfg := p.pager.EngineConfig(p.store)
	cfg.Now, cfg.Owner = p.w.clock.Now, p.owner+"-server"
	return engine.New(cfg)
}

// linked counts the alerts of a service that are linked to an incident.
func (p *proc) linked(serviceID string) int {
	p.w.t.Helper()
	alerts, err := p.store.ListAlerts(p.w.ctx, warroom.AlertFilter{ServiceID: serviceID, Limit: 100000})
	if err != nil {
		p.w.t.Fatal(err)
	}
	n := 0
	for _, a := range alerts {
		if a.IncidentID != "" {
			n++
		}
	}
	return n
}

// runQueue runs one claim of queue on e and returns how many jobs ran.
func runQueue(t *testing.T, w *world, e *engine.Engine, queue string) int {
	t.Helper()
	n, err := e.RunDue(w.ctx, queue)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Issue 8: a storm of critical alerts on one service whose rules declare
// on critical put thousands of route jobs on the page queue, and the
// route job of another service's page waited behind all of them (one
// first-come queue). The claim takes the services' jobs in turn, a few of
// one service at most: the probe's page goes out with the first claim,
// while the storm's backlog is still there. Both storm shapes: a new
// group per delivery (the first 3 declare, up to the alert incident
// limit; the rest are forecast to fold and go to bulk routing: see
// TestStormOfNewGroupsPutsOnlyTheLimitOnThePageQueue), and one group
// whose declaration has not run yet (every delivery is forecast to
// declare).
func TestStormOnOneServiceDoesNotDelayAnothersPage(t *testing.T) {
	for _, shape := range []struct {
		name    string
		groupOf func(i int) string
		// onPage: how many of the storm's route jobs go to the page queue
		onPage int
	}{
		{"new group per delivery", func(i int) string { return fmt.Sprintf("g-%d", i) }, 3},
		{"one group", func(int) string { return "one-group" }, 400},
	} {
		t.Run(shape.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, w *world) {
				p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
				p.store.SetRouteQueue(p.pager.RouteQueue)
				who := p.people()
				p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
				p.reach(who.bob, contactRule{warroom.ContactWebhook, w.hook.url("/bob"), 0})
				stormSvc, storming := p.service("storming", p.policy("storm-oncall", 0, 5*time.Minute, users(who.bob)))
				_, probed := p.service("probed", p.policy("probe-oncall", 0, 5*time.Minute, users(who.ada)))
				e := p.serverEngine()

				const deliveries = 400 // more than a first-come claim of the page queue takes (250)
				p.criticalStorm(storming, "storm", deliveries, 5, shape.groupOf)
				if n := runQueue(t, w, e, paging.QueueDefault); n > deliveries-shape.onPage {
					t.Fatalf("the default queue ran %d jobs: %d of the storm's route jobs were meant to be on the page queue", n, shape.onPage)
				}
				w.clock.Advance(time.Second)
				probe := p.alert(probed, "trigger", "probe-1", "critical", "Probe")
				w.clock.Advance(time.Millisecond)

				runQueue(t, w, e, paging.QueuePage)
				p.sendDue()
				if a := p.findAlert(probe); a.IncidentID == "" {
					t.Fatal("after one claim of the page queue the probe is not routed")
				}
				if n := len(w.hook.to("/ada")); n != 1 {
					t.Fatalf("the probe's on-call was paged %d times after one claim, want 1", n)
				}
				if n := p.linked(stormSvc.ID); shape.onPage == deliveries && n > deliveries*5/10 {
					t.Fatalf("%d of the storm's alerts were routed before the probe's page; the backlog was meant to be still there", n)
				}
			})
		})
	}
}

// Issue 8: in one Alertmanager group only the first alert declares; the
// rest join its incident, paging nobody new. Once routing declared for
// the group, intake's forecast names the group's incident, and the store
// links each new alert of the group to it as it stores it: no route job,
// no second write per alert, nothing on the page queue. The timeline says
// so once per window of the storm; an incident closed since is not
// joined (the alerts are routed, and declare anew).
func TestOneGroupStormJoinsAtIntake(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
		p.store.SetRouteQueue(p.pager.RouteQueue)
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
		_, in := p.service("checkout", p.policy("primary", 0, 5*time.Minute, users(who.ada)))
		e := p.serverEngine()
		group := func(int) string { return "alertname=InstanceDown" }

		// The group's first delivery declares.
		firstID := p.criticalStorm(in, "first", 1, 1, group)[0][0]
		for runQueue(t, w, e, paging.QueuePage) > 0 {
		}
		first := p.findAlert(firstID)
		if first.IncidentID == "" {
			t.Fatal("the group's first alert declared nothing")
		}

		// The storm: 40 deliveries of 50 alerts of the same group, all
		// linked as they are stored.
		const deliveries, per = 40, 50
		ids := p.criticalStorm(in, "storm", deliveries, per, group)
		for i := range ids {
			for _, id := range ids[i] {
				if a := p.findAlert(id); a.IncidentID != first.IncidentID {
					t.Fatalf("alert %s linked to %q as it was stored, want the group's incident %s", id, a.IncidentID, first.IncidentID)
				}
			}
		}
		if n := runQueue(t, w, e, paging.QueuePage); n != 0 {
			t.Fatalf("the page queue ran %d jobs: the storm pages nobody new", n)
		}
		if n := runQueue(t, w, e, paging.QueueDefault); n >= deliveries {
			t.Fatalf("the default queue ran %d jobs: the storm's deliveries were meant to need no routing", n)
		}
		w.clock.Advance(11 * time.Second) // the window of the timeline note
		p.drain()
		var notes []string
		for _, l := range p.timeline(first.IncidentID) {
			if strings.Contains(l, "attached") {
				notes = append(notes, l)
			}
		}
		// The group's alerts of the window: the storm's and the first.
		if len(notes) != 1 || !strings.Contains(notes[0], fmt.Sprintf("%d alerts of one group received from", deliveries*per+1)) ||
			!strings.Contains(notes[0], "they belong to the same alert group") {
			t.Fatalf("timeline notes of attached alerts: %d, want one for all %d: %q", len(notes), deliveries*per, notes[:min(len(notes), 3)])
		}
		if n := len(w.hook.to("/ada")); n != 1 {
			t.Fatalf("ada paged %d times, want once for the group's incident", n)
		}

		// The incident is resolved: the group's next alert is not linked
		// to it at intake, and routing declares a new one.
		for _, st := range []warroom.Stage{warroom.StageRecovered, warroom.StageBaseline, warroom.StageResolved} {
			if _, err := p.inc.Execute(w.ctx, who.ada.Actor(), first.IncidentID, warroom.ChangeStage{Stage: st}, warroom.Idempotency{}); err != nil {
				t.Fatal(err)
			}
		}
		later := p.criticalStorm(in, "later", 1, 1, group)[0][0]
		if a := p.findAlert(later); a.IncidentID != "" {
			t.Fatalf("an alert of the group joined its resolved incident %s at intake", a.IncidentID)
		}
		p.drain()
		if a := p.findAlert(later); a.IncidentID == "" || a.IncidentID == first.IncidentID {
			t.Fatalf("after its incident was resolved, the group's next alert is in %q, want a new incident", a.IncidentID)
		}
	})
}

// Alerts that an attach rule sends to the service's open incident are
// linked in batches: one claim of bulk routing links a storm of them with
// one timeline note and one statement, not two transactions each.
func TestAttachStormLinkedInBatches(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
		p.store.SetRouteQueue(p.pager.RouteQueue)
		svc, in := p.service("checkout", nil) // default rules: critical declares, warnings attach
		e := p.serverEngine()
		crit := p.alert(in, "trigger", "crit", "critical", "Checkout down")
		p.drain()
		incID := p.findAlert(crit).IncidentID
		if incID == "" {
			t.Fatal("nothing declared")
		}
		const deliveries, per = 40, 50
		var reqs []warroom.IngestRequest
		for i := range deliveries {
			req := warroom.IngestRequest{Integration: in, ReceivedAt: w.clock.Now()}
			for j := range per {
				req.Updates = append(req.Updates, warroom.AlertUpdate{Action: "trigger", Alert: warroom.Alert{
					DedupKey: fmt.Sprintf("warn-%d-%d", i, j), Severity: "warning", Summary: "Slow", GroupKey: fmt.Sprintf("w-%d", i)}})
			}
			reqs = append(reqs, req)
		}
		if _, err := p.store.IngestAlerts(w.ctx, reqs); err != nil {
			t.Fatal(err)
		}
		if n := runQueue(t, w, e, paging.QueueDefault); n < deliveries {
			t.Fatalf("one claim of bulk routing ran %d jobs, want the %d route jobs", n, deliveries)
		}
		if n := p.linked(svc.ID); n != deliveries*per+1 {
			t.Fatalf("%d alerts linked after one claim, want all %d", n, deliveries*per+1)
		}
		attached := 0
		for _, l := range p.timeline(incID) {
			if strings.Contains(l, "attached") {
				attached++
			}
		}
		if attached != 1 {
			t.Fatalf("%d timeline notes of attached alerts, want one for the claim", attached)
		}
	})
}

// Deliveries of one group that reach the page queue before its
// declaration (forecast to declare: nothing knew of an incident yet) are
// routed whole, and their alerts that join are linked with one note per
// delivery, not one each.
func TestGroupJoinsBatchedWhenRoutedWhole(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
		p.store.SetRouteQueue(p.pager.RouteQueue)
		_, in := p.service("checkout", nil)
		const deliveries, per = 6, 30
		ids := p.criticalStorm(in, "storm", deliveries, per, func(int) string { return "g" })
		p.drain()
		inc := p.findAlert(ids[0][0]).IncidentID
		if inc == "" {
			t.Fatal("nothing declared")
		}
		for i := range ids {
			for _, id := range ids[i] {
				if a := p.findAlert(id); a.IncidentID != inc {
					t.Fatalf("alert %s linked to %q, want %s", id, a.IncidentID, inc)
				}
			}
		}
		attached := 0
		for _, l := range p.timeline(inc) {
			if strings.Contains(l, "attached") {
				attached++
			}
		}
		if attached > deliveries {
			t.Fatalf("%d notes of attached alerts for %d deliveries: want at most one per delivery", attached, deliveries)
		}
	})
}

// A delivery of a new group's alerts marks one of them declaring (the
// group declares once; the rest join): marks of every alert of a storm
// made each declaration read and clean up thousands of them, so that
// routing slowed as the storm grew.
func TestStormMarksOneDeclarationPerGroup(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
		p.store.SetRouteQueue(p.pager.RouteQueue)
		svc, in := p.service("checkout", nil)
		p.criticalStorm(in, "storm", 3, 50, func(i int) string { return fmt.Sprintf("g-%d", i%2) })
		marked, err := p.store.Declaring(w.ctx, svc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(marked) != 3 { // one per group and delivery: g-0, g-1, g-0 again
			t.Fatalf("%d alerts marked declaring for 3 deliveries of 50 alerts in 2 groups, want 3", len(marked))
		}
		p.drain()
		if marked, err = p.store.Declaring(w.ctx, svc.ID); err != nil || len(marked) != 0 {
			t.Fatalf("after routing, %d marks left (%v)", len(marked), err)
		}
	})
}
