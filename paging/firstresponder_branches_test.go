package paging_test

import (
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/paging"
)

// The 10-minute rule applies only if "you haven't managed to recover the
// service" (seed 004): an incident recovered before its deadline, still
// without an Incident Commander, is left alone. The check runs at the
// deadline and does nothing: no IC page, nothing told to the first
// responder or the announcement channels, and nothing on the timeline.
func TestFirstResponderProtocolRecoveredInTime(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1")
		who := p.icRuleCast()
		res, err := p.inc.Declare(w.ctx, who.ada.Actor(), warroom.Declaration{Title: "Checkout 5xx", Severity: warroom.SEV3}, warroom.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		inc := res.Incident
		p.drain()
		if n := len(w.hook.to("/announce")); n != 1 {
			t.Fatalf("%d announcements, want 1", n)
		}

		w.clock.Advance(7 * time.Minute)
		if _, err := p.inc.Execute(w.ctx, who.ada.Actor(), inc.Ref, warroom.ChangeStage{Stage: warroom.StageRecovered}, warroom.Idempotency{}); err != nil {
			t.Fatal(err)
		}
		p.drain()

		// The deadline: the check is due, and runs.
		w.clock.Advance(3 * time.Minute)
		if n, err := p.runJobs(); err != nil || n == 0 {
			t.Fatalf("at the deadline %d jobs ran (%v), want the IC check", n, err)
		}
		w.clock.Advance(time.Hour)
		p.drain()

		if got := p.incident(inc.ID); got.Holder(warroom.RoleIncidentCommander) != "" || got.Stage != warroom.StageRecovered {
			t.Fatalf("incident %+v: want recovered, without an IC", got)
		}
		if mails := w.smtp.received(); len(mails) != 0 {
			t.Errorf("IC escalation paged for a recovered incident: %+v", mails)
		}
		if told := w.hook.to("/ada"); len(told) != 0 {
			t.Errorf("the first responder was told %+v", told)
		}
		if n := len(w.hook.to("/announce")); n != 1 {
			t.Errorf("the announcement channel got %d messages, want only the announcement", n)
		}
		if n := len(w.slack.received()); n != 1 {
			t.Errorf("Slack got %d posts, want only the announcement", n)
		}
		for _, l := range p.timeline(inc.ID) {
			if strings.Contains(l, "First responder protocol") || strings.Contains(l, "Incident Commander") {
				t.Errorf("timeline mentions the rule: %s", l)
			}
		}
	})
}

// A non-default first responder timeout (`--first-responder-ic-timeout`,
// paging.Config.Policy.FirstResponderICTimeout) is honoured: nothing
// happens at the default 10 minutes nor a second before the configured
// 25, and at 25 minutes the IC escalation policy is paged and the first
// responder told, both saying 25m.
func TestFirstResponderProtocolConfiguredTimeout(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		const timeout = 25 * time.Minute
		p := w.start("proc-1", func(c *paging.Config) {
			// As serve wires it: one policy for incidents and paging.
			c.Policy.FirstResponderICTimeout = timeout
			c.Incidents.Policy.FirstResponderICTimeout = timeout
		})
		who := p.icRuleCast()
		res, err := p.inc.Declare(w.ctx, who.ada.Actor(), warroom.Declaration{Title: "Search stale", Severity: warroom.SEV3}, warroom.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		inc := res.Incident
		p.drain()

		quiet := func(when string) {
			t.Helper()
			if mails := w.smtp.received(); len(mails) != 0 {
				t.Fatalf("%s: IC escalation paged: %+v", when, mails)
			}
			if told := w.hook.to("/ada"); len(told) != 0 {
				t.Fatalf("%s: the first responder was told %+v", when, told)
			}
			if containsLine(p.timeline(inc.ID), "First responder protocol") {
				t.Fatalf("%s: timeline:\n%s", when, strings.Join(p.timeline(inc.ID), "\n"))
			}
		}
		w.clock.Advance(10 * time.Minute)
		p.drain()
		quiet("at the default 10m")
		w.clock.Advance(timeout - 10*time.Minute - time.Second)
		p.drain()
		quiet("a second before 25m")

		w.clock.Advance(time.Second)
		p.drain()
		mails := w.smtp.received()
		if len(mails) != 1 || mails[0].To != "<lead@example.com>" || !strings.Contains(mails[0].Subject, inc.Ref+" needs an Incident Commander") {
			t.Fatalf("IC page at 25m = %+v", mails)
		}
		policy := warroom.DefaultPolicy()
		policy.FirstResponderICTimeout = timeout
		instruction := warroom.FirstResponderInstruction(policy)
		if !strings.Contains(instruction, "25m") {
			t.Fatalf("instruction %q does not say 25m", instruction)
		}
		told := w.hook.to("/ada")
		if len(told) != 1 || told[0].Text != instruction || told[0].IncidentID != inc.ID {
			t.Fatalf("first responder told %+v", told)
		}
		warned := w.hook.to("/announce")
		if len(warned) != 2 || warned[1].Subject != inc.Ref+" has no Incident Commander after 25m" {
			t.Fatalf("announcement channel got %+v", warned)
		}
		if tl := p.timeline(inc.ID); !containsLine(tl, "First responder protocol: no Incident Commander 25m after the announcement",
			`Paging escalation policy "ic-leads"`, "@ada (first responder) was told: "+instruction) {
			t.Errorf("timeline:\n%s", strings.Join(tl, "\n"))
		}
	})
}
