package paging_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/paging"
)

// serviceIncidents returns the incidents of a service, oldest first.
func (p *proc) serviceIncidents(serviceID string) []*warroom.Incident {
	p.w.t.Helper()
	list, err := p.store.ListIncidents(p.w.ctx, warroom.IncidentFilter{Viewer: system(), ServiceID: serviceID, Limit: 1000})
	if err != nil {
		p.w.t.Fatal(err)
	}
	slices.Reverse(list)
	return list
}

// countLines counts the lines containing every part.
func countLines(lines []string, parts ...string) int {
	n := 0
	for _, l := range lines {
		if containsLine([]string{l}, parts...) {
			n++
		}
	}
	return n
}

// A storm of 50 new alert groups on one service declares the limit's 3
// incidents (3 pages); the 47 other groups join the newest open
// incident, whose timeline says so and why: a note for each of the first
// five groups, then rolled-up notes (10th, 20th), not 47 notes. A person
// splits one group out by declaring from one of its alerts: the group's
// alerts move to the new incident, both timelines say so, declaring again
// is refused, and the group's later alerts follow it.
func TestAlertStormDeclaresAtMostTheLimit(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1")
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
		svc, in := p.service("checkout", p.policy("primary", 0, 5*time.Minute, users(who.ada)))
		var alerts []string
		for i := range 50 {
			alerts = append(alerts, p.alert(in, "trigger", fmt.Sprint("fp-", i), "critical", fmt.Sprintf("Checkout-%d down", i),
				func(a *warroom.Alert) { a.GroupKey = fmt.Sprintf(`{}:{instance="i-%d"}`, i) }))
		}
		p.drain()
		incs := p.serviceIncidents(svc.ID)
		if len(incs) != 3 {
			t.Fatalf("%d incidents, want the limit's 3", len(incs))
		}
		newest := incs[2]
		var into []string
		for _, id := range alerts {
			a := p.findAlert(id)
			if a.IncidentID == "" {
				t.Fatalf("alert %s (%s) joined no incident", id, a.Summary)
			}
			if a.IncidentID == newest.ID {
				into = append(into, id)
			}
		}
		if len(into) != 48 { // its own alert and the 47 folded
			t.Errorf("%d alerts in the newest incident, want 48", len(into))
		}
		if n := len(w.hook.to("/ada")); n != 3 {
			t.Errorf("ada paged %d times, want 3 (one per incident)", n)
		}
		tl := p.timeline(newest.ID)
		if n := countLines(tl, "attached:", "would have declared an incident", "its limit of 3/10m (alert-incident-limit)"); n != 5 {
			t.Errorf("%d notes for single folded groups, want 5:\n%s", n, strings.Join(tl, "\n"))
		}
		for _, n := range []string{"10 new alert groups", "20 new alert groups"} {
			if !containsLine(tl, n, "have joined this incident so far", "alert-incident-limit") {
				t.Errorf("no rolled-up note %q:\n%s", n, strings.Join(tl, "\n"))
			}
		}
		if n := countLines(tl, "alert"); n > 12 {
			t.Errorf("%d timeline entries about alerts for 47 folded groups:\n%s", n, strings.Join(tl, "\n"))
		}

		// Split out a folded group (with a second alert of it).
		folded := into[len(into)-1]
		fa := p.findAlert(folded)
		mate := p.alert(in, "trigger", "fp-mate", "warning", "Checkout mate", func(a *warroom.Alert) { a.GroupKey = fa.GroupKey })
		p.drain()
		if got := p.findAlert(mate).IncidentID; got != newest.ID {
			t.Fatalf("a later alert of a folded group went to %s, want its group's incident %s", got, newest.Ref)
		}
		res, err := p.pager.DeclareFromAlert(w.ctx, who.bob.Actor(), folded, warroom.SEV3)
		if err != nil {
			t.Fatalf("declaring from a folded alert: %v", err)
		}
		split := res.Incident
		for _, id := range []string{folded, mate} {
			if got := p.findAlert(id).IncidentID; got != split.ID {
				t.Errorf("alert %s is in %s after the split, want %s", id, got, split.Ref)
			}
		}
		if got := p.findAlert(alerts[0]).IncidentID; got == split.ID {
			t.Error("the split moved an alert of another group")
		}
		if tl := p.timeline(newest.ID); !containsLine(tl, "split out into "+split.Ref, "with 1 other alert(s) of its group") {
			t.Errorf("the incident it left does not say where it went:\n%s", strings.Join(tl, "\n"))
		}
		if tl := p.timeline(split.ID); !containsLine(tl, "Declared from alert", "split out of "+newest.Ref, "1 other alert(s)") {
			t.Errorf("the new incident does not say where it came from:\n%s", strings.Join(tl, "\n"))
		}
		if _, err := p.pager.DeclareFromAlert(w.ctx, who.bob.Actor(), folded, warroom.SEV3); warroom.ErrorCode(err) != warroom.EConflict {
			t.Errorf("declaring again from the split alert: %v, want a conflict", err)
		}
		// The incident declared for a group is its own: no split.
		own := ""
		for _, id := range alerts {
			if p.findAlert(id).IncidentID == incs[0].ID {
				own = id
			}
		}
		if _, err := p.pager.DeclareFromAlert(w.ctx, who.bob.Actor(), own, warroom.SEV3); warroom.ErrorCode(err) != warroom.EConflict {
			t.Errorf("declaring from the alert an incident was declared for: %v, want a conflict", err)
		}
		later := p.alert(in, "trigger", "fp-later", "critical", "Checkout later", func(a *warroom.Alert) { a.GroupKey = fa.GroupKey })
		p.drain()
		if got := p.findAlert(later).IncidentID; got != split.ID {
			t.Errorf("a later alert of the split group went to %s, want %s", got, split.Ref)
		}
		if n := len(p.serviceIncidents(svc.ID)); n != 4 {
			t.Errorf("%d incidents, want 4", n)
		}

		// Ten minutes on, the service may declare again.
		w.clock.Advance(10*time.Minute + time.Second)
		fresh := p.alert(in, "trigger", "fp-fresh", "critical", "Checkout fresh", func(a *warroom.Alert) { a.GroupKey = "fresh" })
		p.drain()
		if got := p.findAlert(fresh).IncidentID; got == "" || got == newest.ID || got == split.ID {
			t.Errorf("a new group after the window went to %q, want an incident of its own", got)
		}
	})
}

// Two processes route the declarations of a storm of new groups at the
// same time: together they declare no more than the limit.
func TestAlertStormLimitAcrossProcesses(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		pa := w.start("proc-a")
		pb := w.start("proc-b")
		who := pa.people()
		pa.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
		svc, in := pa.service("checkout", pa.policy("primary", 0, 5*time.Minute, users(who.ada)))
		const n = 24
		for i := range n {
			pa.alert(in, "trigger", fmt.Sprint("fp-", i), "critical", fmt.Sprintf("Checkout-%d down", i),
				func(a *warroom.Alert) { a.GroupKey = fmt.Sprintf("g-%d", i) })
		}
		pa.runDue(paging.QueueDefault) // hands the declarations to the page queue
		var wg sync.WaitGroup
		for _, p := range []*proc{pa, pb} {
			wg.Go(func() {
				for {
					jobs, err := p.store.Claim(w.ctx, paging.QueuePage, p.owner, w.clock.Now(), time.Minute, 1)
					if err != nil {
						t.Error(err)
						return
					}
					if len(jobs) == 0 {
						return
					}
					if err := p.runClaimed(jobs[0], p.owner); err != nil {
						t.Errorf("%s: %v", p.owner, err)
						return
					}
				}
			})
		}
		wg.Wait()
		pa.drain()
		pb.drain()
		incs := pa.serviceIncidents(svc.ID)
		if len(incs) != 3 {
			t.Fatalf("%d incidents, want the limit's 3", len(incs))
		}
		list, err := pa.store.ListAlerts(w.ctx, warroom.AlertFilter{ServiceID: svc.ID, IncidentID: incs[2].ID, Limit: 1000})
		if err != nil || len(list) != n-2 {
			t.Errorf("%d alerts in the newest incident, want %d: %v", len(list), n-2, err)
		}
	})
}

// Item 5 of issue 8: a group of warning alerts (the rule: warning
// attaches) keeps the incident its first alert joined, while other
// groups declare newer incidents of the service; and a group's every
// later alert joins its incident whatever its rule.
func TestAlertGroupKeepsItsIncident(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1")
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
		_, in := p.service("checkout", p.policy("primary", 0, 5*time.Minute, users(who.ada)))
		group := func(key string) func(*warroom.Alert) { return func(a *warroom.Alert) { a.GroupKey = key } }
		first := p.alert(in, "trigger", "c1", "critical", "Checkout down", group("crit-1"))
		p.drain()
		inc1 := p.findAlert(first).IncidentID
		var warnings []string
		for i := range 3 {
			// Another critical group declares a newer incident, then
			// alerts of the warning group arrive: one at a time and
			// several in one batch.
			if i > 0 {
				p.alert(in, "trigger", fmt.Sprint("c-next-", i), "critical", "Payments down", group(fmt.Sprint("crit-next-", i)))
				p.drain()
			}
			warnings = append(warnings, p.alert(in, "trigger", fmt.Sprint("w-", i), "warning", "Latency high", group("warn")))
			warnings = append(warnings, p.alert(in, "trigger", fmt.Sprint("w-b-", i), "warning", "Latency high", group("warn")))
			p.drain()
		}
		// An info alert of the group, which no rule would attach on its own
		// if the rules said so, and a critical one, which would declare.
		warnings = append(warnings, p.alert(in, "trigger", "w-crit", "critical", "Latency very high", group("warn")))
		p.drain()
		for _, id := range warnings {
			if got := p.findAlert(id).IncidentID; got != inc1 {
				t.Errorf("alert %s of the warning group is in %s, want its group's incident %s", id, got, inc1)
			}
		}
		if n := len(p.openIncidents()); n != 3 {
			t.Errorf("%d open incidents, want 3", n)
		}
	})
}

// The timeline of an incident routing declared starts with why it was
// declared, before any alert attached to it: an alert of its group
// routed before the declaration's follow-ups ran is noted after it.
func TestDeclarationNoteComesFirst(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1")
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
		_, in := p.service("checkout", p.policy("primary", 0, 5*time.Minute, users(who.ada)))
		group := func(a *warroom.Alert) { a.GroupKey = "g" }
		first := p.alert(in, "trigger", "c1", "critical", "Checkout down", group)
		p.runDue(paging.QueueDefault) // hands it to the page queue
		job := p.claimOne("proc-1")   // declares; link and escalation follow
		if err := p.runClaimed(job, "proc-1"); err != nil {
			t.Fatal(err)
		}
		second := p.alert(in, "trigger", "c2", "warning", "Checkout slow", group)
		p.runDue(paging.QueueDefault) // attaches before the declaration's follow-ups run
		p.drain()
		inc := p.findAlert(first).IncidentID
		if got := p.findAlert(second).IncidentID; got != inc {
			t.Fatalf("second alert in %q, want %s", got, inc)
		}
		tl := p.timeline(inc)
		declared := slices.IndexFunc(tl, func(l string) bool { return strings.Contains(l, "Declared by warroom for alert") })
		attached := slices.IndexFunc(tl, func(l string) bool { return strings.Contains(l, "Checkout slow") })
		if declared < 0 || attached < 0 || declared > attached {
			t.Errorf("declaration note at %d, attach note at %d:\n%s", declared, attached, strings.Join(tl, "\n"))
		}
	})
}
