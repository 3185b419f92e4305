package paging_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
)

// A process dies with an escalation under way and a page claimed but not
// reported: a new process on the same database continues the escalation,
// and sends the page again, once, with the same message ID, after the
// dead process's lease runs out.
func TestRestartContinuesEscalationAndResendsOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p1 := w.start("proc-1")
		who := p1.people()
		p1.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
		p1.reach(who.bob, contactRule{warroom.ContactWebhook, w.hook.url("/bob"), 0})
		_, in := p1.service("checkout", p1.policy("primary", 1, 5*time.Minute, users(who.ada), users(who.bob)))
		alertID := p1.alert(in, "trigger", "fp-1", "critical", "Checkout down")
		p1.drain()
		if n := len(w.hook.to("/ada")); n != 1 {
			t.Fatalf("ada paged %d times", n)
		}

		// Step 2 falls due; proc-1 runs its jobs, which store bob's page
		// claimed for its sender (state sending, its lease), then dies
		// before sending it.
		w.clock.Advance(5 * time.Minute)
		p1.runJobsUntilIdle()
		var claimed []*notify.Outbox
		for _, m := range p1.messages("", alertID) {
			if m.State == notify.StateSending {
				claimed = append(claimed, m)
			}
		}
		if len(claimed) != 1 || claimed[0].Destination != w.hook.url("/bob") {
			t.Fatalf("messages being sent: %+v", claimed)
		}
		p1.crash()

		p2 := w.start("proc-2")
		p2.drain()
		if n := len(w.hook.to("/bob")); n != 0 {
			t.Fatal("the new process sent a page another process still holds")
		}
		w.clock.Advance(2 * time.Minute)
		p2.drain()
		if got := w.hook.deliveries()[claimed[0].ID]; got != 1 {
			t.Fatalf("bob's page delivered %d times under its ID, want 1", got)
		}
		if got := strings.Join(p2.attempts(claimed[0].ID), ","); got != "retry,sent" {
			t.Errorf("history: %s", got)
		}

		// The escalation goes on in the new process: round 2 pages ada.
		w.clock.Advance(3 * time.Minute)
		p2.drain()
		if n := len(w.hook.to("/ada")); n != 2 {
			t.Fatalf("round 2: ada paged %d times, want 2", n)
		}
		if inc := p2.incident(p2.findAlert(alertID).IncidentID); !containsLine(p2.timeline(inc.ID), "round 2 of 2") {
			t.Errorf("timeline:\n%s", strings.Join(p2.timeline(inc.ID), "\n"))
		}
		for id, n := range w.hook.deliveries() {
			if n != 1 {
				t.Errorf("message %s delivered %d times", id, n)
			}
		}
	})
}

// Two processes (engines and senders with different owners) on one
// PostgreSQL database share the work and send every notification once.
func TestPostgresTwoProcessesSendEachOnce(t *testing.T) {
	w := newWorld(t, true)
	webhookOnly := func(c *paging.Config) {
		c.Announce = []paging.Destination{{Channel: notify.ChannelWebhook, Address: w.hook.url("/announce"), Secret: hookSecret}}
		// Every critical alert here is an incident that pages: the test
		// is about sending, not about the alert incident limit.
		c.Policy.AlertIncidentLimit = warroom.AlertIncidentLimit{}
	}
	pa := w.start("proc-a", webhookOnly)
	pb := w.start("proc-b", webhookOnly)
	who := pa.people()
	pa.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
	pa.reach(who.bob, contactRule{warroom.ContactWebhook, w.hook.url("/bob"), 0})
	_, in := pa.service("checkout", pa.policy("primary", 0, 5*time.Minute, users(who.ada), users(who.bob)))

	const incidents = 6
	for i := range incidents {
		p := []*proc{pa, pb}[i%2]
		p.alert(in, "trigger", fmt.Sprint("fp-", i), "critical", fmt.Sprint("Checkout shard ", i, " down"),
			func(a *warroom.Alert) { a.GroupKey = fmt.Sprint("shard-", i) })
	}
	both := func() {
		var wg sync.WaitGroup
		for _, p := range []*proc{pa, pb} {
			wg.Go(func() {
				for range 3 { // each keeps going while the other may still add work
					if err := p.drainErr(); err != nil {
						t.Errorf("%s: %v", p.owner, err)
					}
				}
			})
		}
		wg.Wait()
	}
	both()
	w.clock.Advance(5 * time.Minute)
	both()

	if n := len(w.hook.to("/announce")); n != incidents {
		t.Errorf("%d announcements, want %d", n, incidents)
	}
	if a, b := len(w.hook.to("/ada")), len(w.hook.to("/bob")); a != incidents || b != incidents {
		t.Errorf("pages: ada %d, bob %d; want %d each", a, b, incidents)
	}
	deliveries := w.hook.deliveries()
	if len(deliveries) != 3*incidents {
		t.Errorf("%d distinct messages delivered, want %d", len(deliveries), 3*incidents)
	}
	for id, n := range deliveries {
		if n != 1 {
			t.Errorf("message %s delivered %d times", id, n)
		}
	}
}

// drainErr is drain for other goroutines: it reports instead of failing.
func (p *proc) drainErr() error {
	for range 100 {
		n, err := p.runJobs()
		if err != nil {
			return err
		}
		for _, q := range paging.Queues {
			k, err := p.pager.Sender().SendDue(p.w.ctx, q)
			if err != nil {
				return err
			}
			n += k
		}
		if n == 0 {
			return nil
		}
	}
	return fmt.Errorf("work keeps coming")
}

// Run starts the engine and the senders; a new alert wakes them at once,
// long before their (here, one-hour) polling would.
func TestRunWakesAtOnce(t *testing.T) {
	w := newWorld(t, false)
	p := w.start("proc-1", func(c *paging.Config) { c.Poll = time.Hour; c.Announce = nil })
	p.engine = engine.New(engine.Config{Store: p.store, Now: w.clock.Now, Owner: "proc-1", Poll: time.Hour,
		Queues: p.pager.Queues(), Handlers: p.pager.Handlers(), BatchHandlers: p.pager.BatchHandlers()})
	who := p.people()
	p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
	_, in := p.service("checkout", p.policy("primary", 0, 5*time.Minute, users(who.ada)))

	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan struct{})
	go func() {
		p.pager.Run(ctx, p.engine)
		close(done)
	}()
	// After the first, the workers are asleep when each alert comes.
	for i := range 3 {
		p.alert(in, "trigger", fmt.Sprint("fp-", i), "warning", "Index lag")
		select {
		case <-w.hook.arrived:
		case <-time.After(10 * time.Second):
			t.Fatal("no page 10s after the alert: the workers were not woken")
		}
	}
	cancel()
	<-done
	if n := len(w.hook.to("/ada")); n != 3 {
		t.Errorf("%d pages, want 3", n)
	}
}

// Every handler may run twice (a lease that ran out mid-job): the second
// run adds nothing.
func TestHandlersSafeToRunTwice(t *testing.T) {
	w := newWorld(t, false)
	p := w.start("proc-1")
	who := p.people()
	p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0}, contactRule{warroom.ContactEmail, "ada@example.com", time.Minute})
	pol := p.policy("primary", 0, 5*time.Minute, users(who.ada))
	_, in := p.service("checkout", pol)
	alertID := p.alert(in, "trigger", "fp-1", "critical", "Checkout down")
	now := w.clock.Now()
	h := p.pager.Handlers()
	twice := func(job engine.Job) []engine.Job {
		t.Helper()
		first, err := h[job.Kind](w.ctx, job, now)
		if err != nil {
			t.Fatal(err)
		}
		second, err := h[job.Kind](w.ctx, job, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != len(second) {
			t.Fatalf("%s: follow-ups %d then %d", job.Kind, len(first), len(second))
		}
		for i := range first {
			if first[i].Key != second[i].Key || first[i].Key == "" {
				t.Errorf("%s: follow-up keys %q then %q", job.Kind, first[i].Key, second[i].Key)
			}
		}
		return first
	}

	// The intake's job hands the alert to the page queue; routing it
	// there declares the incident, and its follow-ups start the
	// escalation (run below as a job of its own) and link the alert.
	handoff := twice(paging.RouteJob(now, alertID))
	if len(handoff) != 1 || handoff[0].Queue != paging.QueuePage || handoff[0].Kind != paging.KindAlertPage {
		t.Fatalf("bulk routing handed over %+v", handoff)
	}
	for _, j := range twice(handoff[0]) {
		if j.Kind == paging.KindAlertLink {
			twice(j)
		}
	}
	open := true
	list, err := p.store.ListIncidents(w.ctx, warroom.IncidentFilter{Viewer: who.admin.Actor(), Open: &open})
	if err != nil || len(list) != 1 {
		t.Fatalf("%d incidents, %v", len(list), err)
	}
	inc := list[0]
	step := twice(escalationJob(t, paging.EscalationPayload{Purpose: paging.PurposeAlert, AlertID: alertID, PolicyID: pol.ID,
		Escalation: warroom.StartEscalation(now)}))
	for _, j := range step {
		if j.Kind == paging.KindIncidentNote {
			twice(j)
		}
	}
	if n := len(p.messages("", alertID)); n != 2 {
		t.Errorf("%d messages for ada's two rules, want 2", n)
	}
	twice(engine.Job{ID: "announce-1", Queue: paging.QueueDefault, Kind: paging.KindIncidentAnnounce,
		Payload: []byte(`{"incident_id":"` + inc.ID + `"}`)})
	notes := 0
	for _, l := range p.timeline(inc.ID) {
		if strings.HasPrefix(l, "note: ") {
			notes++
		}
	}
	if notes != 3 { // declared for the alert, paged, announced
		t.Errorf("%d notes:\n%s", notes, strings.Join(p.timeline(inc.ID), "\n"))
	}
	announcements := 0
	for _, m := range p.messages(inc.ID, "") {
		if m.Kind == notify.KindAnnouncement {
			announcements++
		}
	}
	if announcements != 2 { // Slack and webhook
		t.Errorf("%d announcement messages, want 2", announcements)
	}
}

func escalationJob(t *testing.T, e paging.EscalationPayload) engine.Job {
	data, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return engine.Job{ID: "step-1", Queue: paging.QueueDefault, Kind: paging.KindEscalationStep, DueAt: e.NextAt, Payload: data}
}
