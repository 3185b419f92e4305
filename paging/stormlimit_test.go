package paging_test

import (
	"testing"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/paging"
)

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
