package paging_test

import (
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/paging"
)

// RouteQueue forecasts which deliveries page, by the service's rules.
func TestRouteQueueForecastsPages(t *testing.T) {
	w := newWorld(t, false)
	p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
	who := p.people()
	policy := p.policy("primary", 0, 5*time.Minute, users(who.ada))
	paged, _ := p.service("checkout", policy) // default rules: critical declares, the rest attach
	quiet, _ := p.service("batch-jobs", nil)  // default rules, nobody to page
	waits, _ := p.service("payments", policy) // warnings wait, paging the policy
	sp := warroom.ServicePaging{ServiceID: waits.ID, EscalationPolicyID: policy.ID,
		AlertRules: []warroom.AlertRule{{MinSeverity: "warning", Action: warroom.AlertWait}}}
	if err := p.store.SetServicePaging(w.ctx, sp); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name       string
		service    string
		severities []string
		want       string
	}{
		{"critical declares", paged.ID, []string{"warning", "critical"}, paging.QueuePage},
		{"warnings attach", paged.ID, []string{"warning", "info"}, ""},
		{"critical declares with nobody to page", quiet.ID, []string{"critical"}, paging.QueuePage},
		{"wait with a policy pages", waits.ID, []string{"warning"}, paging.QueuePage},
		{"info matches no rule: waits, pages", waits.ID, []string{"info"}, paging.QueuePage},
		{"unknown service", "no-such-service", []string{"critical"}, ""},
	} {
		if got := p.pager.RouteQueue(w.ctx, c.service, c.severities, nil).Queue; got != c.want {
			t.Errorf("%s: RouteQueue = %q, want %q", c.name, got, c.want)
		}
	}

	// What it read is kept for a moment: a rule change shows after it.
	sp.AlertRules = []warroom.AlertRule{{MinSeverity: "info", Action: warroom.AlertAttach}}
	if err := p.store.SetServicePaging(w.ctx, sp); err != nil {
		t.Fatal(err)
	}
	if got := p.pager.RouteQueue(w.ctx, waits.ID, []string{"warning"}, nil).Queue; got != paging.QueuePage {
		t.Errorf("within the cache's time: %q", got)
	}
	w.clock.Advance(3 * time.Second)
	if got := p.pager.RouteQueue(w.ctx, waits.ID, []string{"warning"}, nil).Queue; got != "" {
		t.Errorf("after the rule changed: %q, want the default queue", got)
	}

	// Paging on the default queue only: everything routes there.
	one := w.start("proc-2", func(c *paging.Config) { c.Announce = nil; c.PageQueue = paging.QueueDefault })
	if got := one.pager.RouteQueue(w.ctx, paged.ID, []string{"critical"}, nil).Queue; got != "" {
		t.Errorf("with no page queue: %q", got)
	}
}

// With the store asking RouteQueue (as the server wires it), a critical
// alert that arrives amid a storm is routed and paged on the page queue
// without the storm's routing running at all.
func TestCriticalAlertSkipsTheStormsRouting(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
		p.store.SetRouteQueue(p.pager.RouteQueue)
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
		_, checkout := p.service("checkout", p.policy("primary", 0, 5*time.Minute, users(who.ada)))
		_, noise := p.service("batch-jobs", nil)

		p.storm(noise, "a", 20, 50)
		alertID := p.alert(checkout, "trigger", "fp-1", "critical", "Checkout down")
		p.storm(noise, "b", 20, 50)

		// The route, the escalation step and the link: the storm's 40
		// route jobs wait on the default queue.
		if n := p.runDue(paging.QueuePage); n != 3 {
			t.Fatalf("the page queue ran %d jobs, want the route, the escalation step and the link", n)
		}
		p.sendDue()
		if n := len(w.hook.to("/ada")); n != 1 {
			t.Fatalf("ada paged %d times", n)
		}
		if a := p.findAlert(alertID); a.IncidentID == "" {
			t.Fatal("the critical alert is not linked to an incident")
		}
		// The storm's 40 route jobs, and the incident's own notes.
		if n := p.runDue(paging.QueueDefault); n < 40 {
			t.Fatalf("the default queue ran %d jobs, want the storm's 40 and more", n)
		}
		p.drain()
		if n := len(w.hook.to("/ada")); n != 1 {
			t.Fatalf("ada paged %d times after the storm was routed", n)
		}
	})
}

// A critical alert whose routing intake put on the page queue is marked
// declaring as it is stored: a warning of the same service that bulk
// routing reaches first, before the incident exists, joins it once it is
// declared, rather than wait unlinked with nobody paged.
func TestAttachWaitsForDeclarationQueuedAtIntake(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
		p.store.SetRouteQueue(p.pager.RouteQueue)
		_, in := p.service("checkout", nil) // default rules: critical declares, the rest attach

		critical := p.alert(in, "trigger", "fp-1", "critical", "Checkout down")
		warning := p.alert(in, "trigger", "fp-2", "warning", "Checkout slow")
		p.runDue(paging.QueueDefault) // bulk routing of the warning, first
		p.drain()
		c, wa := p.findAlert(critical), p.findAlert(warning)
		if c.IncidentID == "" || wa.IncidentID != c.IncidentID {
			t.Fatalf("critical linked to %q, warning to %q: want both on the declared incident", c.IncidentID, wa.IncidentID)
		}
	})
}
