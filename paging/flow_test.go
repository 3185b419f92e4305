package paging_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/oncall"
	"github.com/warroom/warroom/paging"
)

// eachDB runs a test against SQLite and, when WARROOM_TEST_POSTGRES is
// set, PostgreSQL.
func eachDB(t *testing.T, test func(t *testing.T, w *world)) {
	for _, db := range []struct {
		name     string
		postgres bool
	}{{"sqlite", false}, {"postgres", true}} {
		t.Run(db.name, func(t *testing.T) { test(t, newWorld(t, db.postgres)) })
	}
}

// An alert is routed by the service's rules: critical declares an
// incident at once, step 1 is paged, the step delay pages step 2, and an
// acknowledgement stops everything, including a page already pending.
func TestCriticalAlertDeclaresAndEscalatesUntilAcknowledged(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1")
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
		p.reach(who.bob, contactRule{warroom.ContactEmail, "bob@example.com", 0},
			contactRule{warroom.ContactWebhook, w.hook.url("/bob"), 3 * time.Minute})
		pol := p.policy("primary", 1, 5*time.Minute, users(who.ada), users(who.bob))
		_, in := p.service("checkout", pol)

		alertID := p.alert(in, "trigger", "fp-1", "critical", "Checkout error rate above 5%")
		p.drain()

		a := p.findAlert(alertID)
		if a.IncidentID == "" {
			t.Fatal("critical alert did not declare an incident")
		}
		inc := p.incident(a.IncidentID)
		if inc.Severity != warroom.SEV2 || inc.DeclaredByID != "" || inc.AcknowledgedAt != nil || inc.Title != a.Summary {
			t.Fatalf("incident = %+v", inc)
		}
		pages := w.hook.to("/ada")
		if len(pages) != 1 || pages[0].Kind != notify.KindPage || pages[0].AlertID != alertID ||
			pages[0].IncidentID != inc.ID || !strings.HasPrefix(pages[0].AckURL, "https://warroom.example.com/ack/") {
			t.Fatalf("pages to ada = %+v", pages)
		}
		if got := w.smtp.received(); len(got) != 0 {
			t.Fatalf("bob paged before step 2: %+v", got)
		}
		tl := p.timeline(inc.ID)
		if !containsLine(tl, "Declared by warroom for alert") || !containsLine(tl, "Paged @ada", "step 1 of 2") {
			t.Errorf("timeline:\n%s", strings.Join(tl, "\n"))
		}

		w.clock.Advance(5 * time.Minute)
		p.drain()
		mails := w.smtp.received()
		if len(mails) != 1 || !strings.Contains(mails[0].Subject, "[CRITICAL] "+inc.Ref) ||
			!strings.Contains(mails[0].Body, "Acknowledge: https://warroom.example.com/ack/") {
			t.Fatalf("mails = %+v", mails)
		}

		w.clock.Advance(time.Minute) // bob's webhook rule (3m) is still pending
		ackAt := w.clock.Now()
		res, err := p.pager.AcknowledgeAlert(w.ctx, who.bob.Actor(), alertID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Incident == nil || !res.Incident.AcknowledgedAt.Equal(ackAt) || res.Incident.FirstResponderID != who.bob.ID {
			t.Fatalf("incident after ack = %+v", res.Incident)
		}
		if res.Alert.Status != warroom.AlertAcknowledged || !res.Alert.AcknowledgedAt.Equal(ackAt) {
			t.Fatalf("alert after ack = %+v", res.Alert)
		}

		w.clock.Advance(30 * time.Minute) // past bob's rule and the second round
		p.drain()
		if n := len(w.hook.to("/ada")); n != 1 {
			t.Errorf("ada paged %d times after the ack, want 1", n)
		}
		if n := len(w.hook.to("/bob")); n != 0 {
			t.Errorf("bob's webhook got %d pages after the ack", n)
		}
		if n := len(w.smtp.pages()); n != 1 {
			t.Errorf("%d pages by mail, want 1", n)
		}
		var cancelled int
		for _, m := range p.messages("", alertID) {
			if m.Destination == w.hook.url("/bob") {
				cancelled++
				if m.State != notify.StateFailed || strings.Join(p.attempts(m.ID), ",") != "cancelled" {
					t.Errorf("bob's pending page: state %s, attempts %v", m.State, p.attempts(m.ID))
				}
			}
		}
		if cancelled != 1 {
			t.Errorf("found %d pending pages to cancel, want 1", cancelled)
		}
		if !containsLine(p.timeline(inc.ID), "acknowledged by "+who.bob.ID) {
			t.Errorf("timeline has no acknowledgement:\n%s", strings.Join(p.timeline(inc.ID), "\n"))
		}
	})
}

// Personal notification rules: Slack at once, email after 2 minutes; an
// acknowledgement through the one-click link after 1 minute means the
// email is never sent.
func TestNotificationRulesAckLinkStopsLaterEmail(t *testing.T) {
	w := newWorld(t, false)
	p := w.start("proc-1")
	who := p.people()
	p.reach(who.ada, contactRule{warroom.ContactSlack, "U-ADA", 0}, contactRule{warroom.ContactEmail, "ada@example.com", 2 * time.Minute})
	pol := p.policy("primary", 0, 10*time.Minute, users(who.ada))
	_, in := p.service("search", pol)

	alertID := p.alert(in, "trigger", "fp-2", "warning", "Search latency p99 above 2s")
	p.drain()
	if a := p.findAlert(alertID); a.IncidentID != "" {
		t.Fatalf("a warning alert with no open incident declared %s; it should wait", a.IncidentID)
	}
	posts := w.slack.received()
	if len(posts) != 1 || posts[0].Channel != "U-ADA" || !strings.Contains(posts[0].Raw, "https://warroom.example.com/ack/") {
		t.Fatalf("slack posts = %+v", posts)
	}
	ackURL := ackLinkIn(t, posts[0].Raw)

	w.clock.Advance(time.Minute)
	res, err := p.pager.AcknowledgeByToken(w.ctx, ackToken(t, ackURL))
	if err != nil {
		t.Fatal(err)
	}
	if res.Alert.Status != warroom.AlertAcknowledged || !res.Alert.AcknowledgedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("alert = %+v", res.Alert)
	}

	w.clock.Advance(5 * time.Minute)
	p.drain()
	if got := w.smtp.received(); len(got) != 0 {
		t.Fatalf("email sent after the ack: %+v", got)
	}
	for _, m := range p.messages("", alertID) {
		if m.Channel == notify.ChannelEmail && (m.State != notify.StateFailed || p.attempts(m.ID)[0] != "cancelled") {
			t.Errorf("email: state %s, attempts %v", m.State, p.attempts(m.ID))
		}
	}
}

// A schedule target pages whoever is on call when the step fires, and the
// policy repeats its rounds, then stops.
func TestScheduleTargetsResolvedAtFireTimeAndRepeatStops(t *testing.T) {
	w := newWorld(t, false)
	p := w.start("proc-1")
	who := p.people()
	p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
	p.reach(who.bob, contactRule{warroom.ContactWebhook, w.hook.url("/bob"), 0})
	start, _ := oncall.ParseLocalTime("2026-03-02T08:10")
	sched := &oncall.Schedule{Name: "primary-oncall", TimeZone: "UTC", Layers: []oncall.Layer{{
		Name: "base", Start: start, Shift: oncall.Hours(1), Participants: []string{who.ada.ID, who.bob.ID},
	}}}
	if err := p.store.CreateSchedule(w.ctx, sched); err != nil {
		t.Fatal(err)
	}
	// Ada is on call until 09:10, then Bob until 10:10.
	pol := p.policy("oncall", 2, 10*time.Minute, []warroom.Target{{Type: warroom.TargetSchedule, ID: sched.ID}})
	_, in := p.service("storage", pol)
	p.alert(in, "trigger", "fp-3", "warning", "Disk 91% full on db-3")

	counts := func() (int, int) { return len(w.hook.to("/ada")), len(w.hook.to("/bob")) }
	p.drain()
	if a, b := counts(); a != 1 || b != 0 {
		t.Fatalf("09:00: ada %d, bob %d pages; want 1, 0", a, b)
	}
	w.clock.Advance(10 * time.Minute)
	p.drain()
	if a, b := counts(); a != 1 || b != 1 {
		t.Fatalf("09:10 (round 2): ada %d, bob %d; want 1, 1", a, b)
	}
	w.clock.Advance(10 * time.Minute)
	p.drain()
	if a, b := counts(); a != 1 || b != 2 {
		t.Fatalf("09:20 (round 3): ada %d, bob %d; want 1, 2", a, b)
	}
	for range 6 {
		w.clock.Advance(10 * time.Minute)
		p.drain()
	}
	if a, b := counts(); a != 1 || b != 2 {
		t.Fatalf("after the last round: ada %d, bob %d; want 1, 2", a, b)
	}
}

// icRuleCast is the cast of the first-responder protocol's tests: ada,
// reached by webhook, declares; the "ic-leads" policy pages the lead by
// email.
func (p *proc) icRuleCast() people {
	p.w.t.Helper()
	who := p.people()
	p.reach(who.ada, contactRule{warroom.ContactWebhook, p.w.hook.url("/ada"), 0})
	p.reach(who.lead, contactRule{warroom.ContactEmail, "lead@example.com", 0})
	p.policy("ic-leads", 0, 5*time.Minute, users(who.lead))
	return who
}

// Announcement content, and the 10-minute rule: without an Incident
// Commander at declared+10m, the IC escalation policy is paged, the first
// responder is told to halt, and the timeline says so; the page's link
// makes the lead Incident Commander.
func TestFirstResponderProtocol(t *testing.T) {
	w := newWorld(t, false)
	p := w.start("proc-1")
	who := p.icRuleCast()

	res, err := p.inc.Declare(w.ctx, who.ada.Actor(), warroom.Declaration{Title: "Payments API failing",
		Summary: "5xx on /charge for every customer in eu-west", Severity: warroom.SEV3,
		Impact: warroom.Impact{Cluster: "eu-west-1"}}, warroom.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	inc := res.Incident
	p.drain()

	posts := w.slack.received()
	if len(posts) != 1 || posts[0].Channel != "C-ANNOUNCE" {
		t.Fatalf("slack posts = %+v", posts)
	}
	for _, want := range []string{"INC-1 declared (SEV3): Payments API failing", "https://meet.example.com/INC-1", "@ada", "5xx on /charge", "eu-west-1"} {
		if !strings.Contains(posts[0].Raw, want) {
			t.Errorf("announcement lacks %q:\n%s", want, posts[0].Raw)
		}
	}
	ann := w.hook.to("/announce")
	if len(ann) != 1 || ann[0].Kind != notify.KindAnnouncement || ann[0].IncidentID != inc.ID {
		t.Fatalf("webhook announcements = %+v", ann)
	}
	fields := map[string]string{}
	for _, f := range ann[0].Fields {
		fields[f.Name] = f.Value
	}
	if fields["Bridge"] != "https://meet.example.com/INC-1" || fields["First responder"] != "@ada" {
		t.Errorf("announcement fields = %v", fields)
	}
	if !containsLine(p.timeline(inc.ID), "Announced (bridge link, short description, first responder's handle) to: Slack channel C-ANNOUNCE, a webhook.") {
		t.Errorf("timeline:\n%s", strings.Join(p.timeline(inc.ID), "\n"))
	}

	w.clock.Advance(10*time.Minute - time.Second)
	p.drain()
	if n := len(w.smtp.received()); n != 0 {
		t.Fatalf("lead paged before the deadline")
	}
	w.clock.Advance(time.Second)
	p.drain()
	mails := w.smtp.received()
	if len(mails) != 1 || mails[0].To != "<lead@example.com>" || !strings.Contains(mails[0].Subject, "INC-1 needs an Incident Commander") {
		t.Fatalf("IC page = %+v", mails)
	}
	halt := w.hook.to("/ada")
	if len(halt) != 1 || halt[0].Kind != notify.KindUpdate || !strings.Contains(halt[0].Text, "halt any further technical work") {
		t.Fatalf("first responder told = %+v", halt)
	}
	if n := len(w.hook.to("/announce")); n != 2 {
		t.Errorf("announce channel got %d messages, want the announcement and the IC warning", n)
	}
	tl := p.timeline(inc.ID)
	if !containsLine(tl, "First responder protocol: no Incident Commander 10m", `Paging escalation policy "ic-leads"`,
		"@ada (first responder) was told", "halt any further technical work") ||
		!containsLine(tl, "Paged @lead for an Incident Commander") {
		t.Errorf("timeline:\n%s", strings.Join(tl, "\n"))
	}

	_, link, _ := strings.Cut(mails[0].Body, "Acknowledge: ")
	ack, err := p.pager.AcknowledgeByToken(w.ctx, ackToken(t, strings.TrimSpace(link)))
	if err != nil {
		t.Fatal(err)
	}
	if ack.Incident.Holder(warroom.RoleIncidentCommander) != who.lead.ID {
		t.Fatalf("after the lead's ack: %+v", ack)
	}
	if _, err := p.pager.AcknowledgeByToken(w.ctx, ackToken(t, strings.TrimSpace(link))); err != nil {
		t.Errorf("acknowledging twice: %v", err)
	}
}

// With an Incident Commander assigned at 9 minutes, the 10-minute rule
// does nothing.
func TestFirstResponderProtocolICInTime(t *testing.T) {
	w := newWorld(t, false)
	p := w.start("proc-1")
	who := p.icRuleCast()
	res, err := p.inc.Declare(w.ctx, who.ada.Actor(), warroom.Declaration{Title: "Queue backlog", Severity: warroom.SEV3}, warroom.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	p.drain()
	w.clock.Advance(9 * time.Minute)
	if _, err := p.inc.Execute(w.ctx, who.ada.Actor(), res.Incident.Ref,
		warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: who.carol.ID}, warroom.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(time.Hour)
	p.drain()
	if n := len(w.smtp.received()); n != 0 {
		t.Errorf("IC policy paged although an IC was assigned")
	}
	if n := len(w.hook.to("/ada")); n != 0 {
		t.Errorf("first responder told to halt although an IC was assigned")
	}
	if tl := p.timeline(res.Incident.ID); containsLine(tl, "First responder protocol") {
		t.Errorf("timeline:\n%s", strings.Join(tl, "\n"))
	}
}

// Alerts of one group make one incident; when all have resolved the
// timeline says so once, and the incident stays open.
func TestAllAlertsResolvedNotesAndKeepsIncidentOpen(t *testing.T) {
	w := newWorld(t, false)
	p := w.start("proc-1")
	who := p.people()
	p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
	_, in := p.service("checkout", p.policy("primary", 0, 5*time.Minute, users(who.ada)))
	group := func(a *warroom.Alert) { a.GroupKey = "{}:{alertname=\"HighErrorRate\"}" }
	a1 := p.alert(in, "trigger", "fp-a", "critical", "Error rate high on checkout-1", group)
	a2 := p.alert(in, "trigger", "fp-b", "critical", "Error rate high on checkout-2", group)
	p.drain()
	incID := p.findAlert(a1).IncidentID
	if incID == "" || p.findAlert(a2).IncidentID != incID {
		t.Fatalf("alerts of one group in incidents %q and %q", incID, p.findAlert(a2).IncidentID)
	}
	// A lesser alert of the service joins its open incident (the rules).
	a3 := p.alert(in, "trigger", "fp-c", "warning", "Checkout p99 latency high")
	p.drain()
	if got := p.findAlert(a3).IncidentID; got != incID {
		t.Fatalf("warning alert attached to %q, want the open incident %q", got, incID)
	}
	p.alert(in, "resolve", "fp-c", "warning", "Checkout p99 latency high")

	w.clock.Advance(time.Minute)
	p.alert(in, "resolve", "fp-a", "critical", "Error rate high on checkout-1")
	p.drain()
	if containsLine(p.timeline(incID), "have resolved") {
		t.Fatal("noted all resolved while one alert still fires")
	}
	p.alert(in, "resolve", "fp-b", "critical", "Error rate high on checkout-2")
	p.drain()
	tl := p.timeline(incID)
	n := 0
	for _, l := range tl {
		if strings.Contains(l, "All 3 alerts of this incident have resolved") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d all-resolved notes, want 1:\n%s", n, strings.Join(tl, "\n"))
	}
	if inc := p.incident(incID); !inc.Stage.Open() {
		t.Errorf("incident is %s; closing is a human decision", inc.Stage)
	}
}

// A throttle delays a message, visibly, and never drops it.
func TestThrottleDelaysWithReason(t *testing.T) {
	w := newWorld(t, false)
	p := w.start("proc-1", func(c *paging.Config) {
		c.Throttles = map[string]notify.Throttle{notify.ChannelEmail: {Windows: []notify.Window{{Count: 1, Per: time.Minute}}}}
	})
	who := p.people()
	p.reach(who.ada, contactRule{warroom.ContactEmail, "ada@example.com", 0})
	_, in := p.service("search", p.policy("primary", 0, 30*time.Minute, users(who.ada)))
	first := p.alert(in, "trigger", "fp-1", "warning", "Index lag")
	second := p.alert(in, "trigger", "fp-2", "warning", "Query errors")
	p.drain()
	if n := len(w.smtp.received()); n != 1 {
		t.Fatalf("%d mails at once, want 1 (1 per 1m)", n)
	}
	var delayed *notify.Outbox
	for _, id := range []string{first, second} {
		for _, m := range p.messages("", id) {
			if m.State == notify.StatePending {
				delayed = m
			}
		}
	}
	if delayed == nil || !strings.Contains(delayed.ThrottleReason, "throttled: 1 per 1m") ||
		!delayed.DueAt.Equal(t0.Add(time.Minute)) || strings.Join(p.attempts(delayed.ID), ",") != "throttled" {
		t.Fatalf("delayed message = %+v", delayed)
	}
	w.clock.Advance(time.Minute)
	p.drain()
	if n := len(w.smtp.received()); n != 2 {
		t.Fatalf("%d mails after the window, want 2", n)
	}
	if m, _ := p.store.FindMessage(w.ctx, delayed.ID); m.State != notify.StateSent || m.ThrottleReason != "" {
		t.Errorf("after sending: %+v", m)
	}
}

// Slack's 429 Retry-After pauses the chat queue; pages by webhook keep
// flowing meanwhile; chat resumes when Slack said.
func TestSlackRateLimitPausesChatNotPages(t *testing.T) {
	w := newWorld(t, false)
	p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
	who := p.people()
	p.reach(who.ada, contactRule{warroom.ContactSlack, "U-ADA", 0})
	p.reach(who.bob, contactRule{warroom.ContactWebhook, w.hook.url("/bob"), 0})
	_, in := p.service("search", p.policy("primary", 0, 30*time.Minute, users(who.ada, who.bob)))
	w.slack.rateLimit(1, 30)

	first := p.alert(in, "trigger", "fp-1", "warning", "Index lag")
	p.drain()
	if got := w.slack.received(); len(got) != 0 || w.slack.refused != 1 {
		t.Fatalf("slack: %d posts, %d refused", len(got), w.slack.refused)
	}
	if n := len(w.hook.to("/bob")); n != 1 {
		t.Fatalf("bob's page waited for Slack: %d delivered", n)
	}
	var chat *notify.Outbox
	for _, m := range p.messages("", first) {
		if m.Channel == notify.ChannelSlack {
			chat = m
		}
	}
	if chat.State != notify.StatePending || !chat.DueAt.Equal(t0.Add(30*time.Second)) || !strings.Contains(chat.LastError, "429") {
		t.Fatalf("rate-limited message = %+v", chat)
	}

	w.clock.Advance(10 * time.Second)
	p.alert(in, "trigger", "fp-2", "warning", "Query errors")
	p.drain()
	if n := len(w.hook.to("/bob")); n != 2 {
		t.Fatalf("page during the Slack pause: %d delivered, want 2", n)
	}
	if n := len(w.slack.received()); n != 0 {
		t.Fatalf("chat sent during the pause")
	}

	w.clock.Advance(20 * time.Second)
	p.drain()
	w.clock.Advance(time.Second) // Slack's own 1-per-second throttle for U-ADA
	p.drain()
	if n := len(w.slack.received()); n != 2 {
		t.Fatalf("%d slack posts after the pause, want 2", n)
	}
	// The other chat message was due earlier, so it went first and this
	// one waited a second for Slack's per-channel limit.
	if got := strings.Join(p.attempts(chat.ID), ","); got != "retry,sent" && got != "retry,throttled,sent" {
		t.Errorf("history of the rate-limited message: %s", got)
	}
}

// An incident of more than 1,000 alerts (a storm in one group) is noted
// as resolved only when every one of them has: the check used to read the
// newest 1,000, and said "All 1000 alerts of this incident have resolved"
// while the oldest still fired.
func TestAllAlertsResolvedCountsEveryAlertOfAStorm(t *testing.T) {
	eachDB(t, testAllAlertsResolvedCountsEveryAlertOfAStorm)
}

func testAllAlertsResolvedCountsEveryAlertOfAStorm(t *testing.T, w *world) {
	p := w.start("proc-1")
	who := p.people()
	p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
	_, in := p.service("checkout", p.policy("primary", 0, 5*time.Minute, users(who.ada)))
	const n = 1001
	send := func(action string, from, to int) []string { return p.stormIn(in, action, from, to) }
	oldest := send("trigger", 0, 1)[0]
	w.clock.Advance(time.Second)
	send("trigger", 1, n)
	p.drain()
	incID := p.findAlert(oldest).IncidentID
	if incID == "" {
		t.Fatal("the storm declared no incident")
	}
	if got, err := p.store.ListAlerts(w.ctx, warroom.AlertFilter{IncidentID: incID, Limit: 2000}); err != nil || len(got) != n {
		t.Fatalf("%d alerts in the incident (%v), want %d", len(got), err, n)
	}
	w.clock.Advance(time.Minute)
	send("resolve", 1, n)
	p.drain()
	for _, l := range p.timeline(incID) {
		if strings.Contains(l, "have resolved") {
			t.Fatalf("noted while the oldest alert still fires: %s", l)
		}
	}
	send("resolve", 0, 1)
	p.drain()
	notes := 0
	for _, l := range p.timeline(incID) {
		if strings.Contains(l, fmt.Sprintf("All %d alerts of this incident have resolved", n)) {
			notes++
		}
	}
	if notes != 1 {
		t.Fatalf("%d all-resolved notes, want 1:\n%s", notes, strings.Join(p.timeline(incID), "\n"))
	}
}

// Acknowledging an incident acknowledges every firing alert of it, a
// storm's too, and says so in one note: it used to acknowledge the newest
// 1,000, with a transaction and a timeline note each, and leave the rest
// firing.
func TestAcknowledgingAStormIncidentAcknowledgesEveryAlert(t *testing.T) {
	eachDB(t, testAcknowledgingAStormIncident)
}

func testAcknowledgingAStormIncident(t *testing.T, w *world) {
	p := w.start("proc-1")
	who := p.people()
	_, in := p.service("checkout", p.policy("primary", 0, 5*time.Minute, users(who.ada)))
	const n = 1100 // more than one transaction's worth
	ids := p.stormIn(in, "trigger", 0, n)
	p.drain()
	incID := p.findAlert(ids[0]).IncidentID
	w.clock.Advance(time.Minute)
	if _, err := p.pager.AcknowledgeIncident(w.ctx, who.bob.Actor(), incID); err != nil {
		t.Fatal(err)
	}
	p.drain()
	firing, err := p.store.ListAlerts(w.ctx, warroom.AlertFilter{IncidentID: incID, Status: warroom.AlertFiring, Limit: 10})
	if err != nil || len(firing) != 0 {
		t.Fatalf("%d alerts still firing (%v)", len(firing), err)
	}
	acked, err := p.store.ListAlerts(w.ctx, warroom.AlertFilter{IncidentID: incID, Status: warroom.AlertAcknowledged, Limit: 2000})
	if err != nil || len(acked) != n || acked[0].AcknowledgedAt == nil || !acked[0].AcknowledgedAt.Equal(w.clock.Now()) {
		t.Fatalf("%d alerts acknowledged (%v), want %d at now", len(acked), err, n)
	}
	var summary, each int
	for _, l := range p.timeline(incID) {
		switch {
		case strings.Contains(l, fmt.Sprintf("%d firing alerts of this incident were acknowledged with it", n)):
			summary++
		case strings.Contains(l, "was acknowledged; paging for it stops"):
			each++
		}
	}
	if summary != 1 || each != 0 {
		t.Fatalf("%d summary notes and %d notes for single alerts, want 1 and 0:\n%s", summary, each, strings.Join(p.timeline(incID), "\n"))
	}
}

// An incident acknowledged by the bare command (chat's /inc ack runs it
// so) has its firing alerts acknowledged too, by incident.ack_alerts:
// they used to stay firing.
func TestIncidentAcknowledgedAnyWayAcknowledgesItsAlerts(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1")
		who := p.people()
		_, in := p.service("checkout", p.policy("primary", 0, 5*time.Minute, users(who.ada)))
		ids := p.stormIn(in, "trigger", 0, 8)
		p.drain()
		incID := p.findAlert(ids[0]).IncidentID
		if _, err := p.inc.Execute(w.ctx, who.bob.Actor(), incID, warroom.Acknowledge{}, warroom.Idempotency{}); err != nil {
			t.Fatal(err)
		}
		p.drain()
		for _, id := range ids {
			if a := p.findAlert(id); a.Status != warroom.AlertAcknowledged {
				t.Fatalf("alert %s is %s after its incident was acknowledged", id, a.Status)
			}
		}
		if !containsLine(p.timeline(incID), "8 firing alerts of this incident were acknowledged with it") {
			t.Fatalf("no note:\n%s", strings.Join(p.timeline(incID), "\n"))
		}
	})
}

// stormIn sends, in one delivery, the alerts from..to-1 of a storm in one
// group of critical alerts (node-N down) with action, and returns their
// IDs.
func (p *proc) stormIn(in *warroom.Integration, action string, from, to int) []string {
	p.w.t.Helper()
	var ups []warroom.AlertUpdate
	for i := from; i < to; i++ {
		ups = append(ups, warroom.AlertUpdate{Action: action, Alert: warroom.Alert{DedupKey: fmt.Sprintf("fp-%04d", i),
			Severity: "critical", Summary: fmt.Sprintf("node-%d down", i), Source: "prometheus",
			GroupKey: "{}:{alertname=\"NodeDown\"}", StartsAt: p.w.clock.Now().Add(-time.Minute)}})
	}
	res, err := p.store.IngestAlerts(p.w.ctx, []warroom.IngestRequest{{Integration: in, ReceivedAt: p.w.clock.Now(), Updates: ups}})
	if err != nil {
		p.w.t.Fatal(err)
	}
	ids := make([]string, len(res[0]))
	for i, r := range res[0] {
		ids[i] = r.AlertID
	}
	return ids
}
