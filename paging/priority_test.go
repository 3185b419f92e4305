package paging_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
)

// syncBuffer is a log destination safe for the workers' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines(substr string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range strings.Split(s.b.String(), "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return out
}

// storm ingests n requests of per warning alerts each on in, at once,
// request i's alerts in group prefix-i.
func (p *proc) storm(in *warroom.Integration, prefix string, n, per int) {
	p.w.t.Helper()
	p.ingestStorm(in, prefix, n, per, "warning", "Disk 91% full", func(i int) string { return fmt.Sprintf("%s-%d", prefix, i) })
}

// ingestStorm ingests n requests of per alerts of severity each on in,
// at once, as intake would: request i's alerts in group groupOf(i). It
// returns the IDs of the alerts of each request.
func (p *proc) ingestStorm(in *warroom.Integration, prefix string, n, per int, severity, summary string, groupOf func(i int) string) [][]string {
	p.w.t.Helper()
	var reqs []warroom.IngestRequest
	for i := range n {
		req := warroom.IngestRequest{Integration: in, ReceivedAt: p.w.clock.Now()}
		for j := range per {
			req.Updates = append(req.Updates, warroom.AlertUpdate{Action: "trigger", Alert: warroom.Alert{
				DedupKey: fmt.Sprintf("%s-%d-%d", prefix, i, j), Severity: severity, Summary: summary,
				GroupKey: groupOf(i)}})
		}
		reqs = append(reqs, req)
	}
	res, err := p.store.IngestAlerts(p.w.ctx, reqs)
	if err != nil {
		p.w.t.Fatal(err)
	}
	ids := make([][]string, n)
	for i := range res {
		for _, r := range res[i] {
			ids[i] = append(ids[i], r.AlertID)
		}
	}
	return ids
}

func (p *proc) runDue(queue string) int {
	p.w.t.Helper()
	n, err := p.engine.RunDue(p.w.ctx, queue)
	if err != nil {
		p.w.t.Fatal(err)
	}
	return n
}

func (p *proc) sendDue() {
	p.w.t.Helper()
	if _, err := p.pager.Sender().SendDue(p.w.ctx, notify.QueuePage); err != nil {
		p.w.t.Fatal(err)
	}
}

// Bulk routing of an alert storm on the default queue routes the alerts
// that page nobody with a few queries and one log line per service, and
// hands the critical alert to the page queue, which pages at once; later
// steps run on the page queue while a backlog waits on the default one.
func TestStormDoesNotDelayPages(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		logs := &syncBuffer{}
		p := w.start("proc-1", func(c *paging.Config) {
			c.Announce = nil
			c.Logger = slog.New(slog.NewTextHandler(logs, nil))
		})
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
		p.reach(who.bob, contactRule{warroom.ContactWebhook, w.hook.url("/bob"), 0})
		_, checkout := p.service("checkout", p.policy("primary", 0, 5*time.Minute, users(who.ada), users(who.bob)))
		_, noise := p.service("batch-jobs", nil)

		p.storm(noise, "a", 20, 50)
		alertID := p.alert(checkout, "trigger", "fp-1", "critical", "Checkout down")
		p.storm(noise, "b", 20, 50)

		if n := p.runDue(paging.QueueDefault); n != 41 {
			t.Fatalf("bulk routing ran %d jobs, want the 41 of the storm in one claim", n)
		}
		if got := logs.lines("nobody is paged"); len(got) != 1 || !strings.Contains(got[0], "count=2000") {
			t.Fatalf("log lines about unpaged alerts:\n%s", strings.Join(got, "\n"))
		}
		if a := p.findAlert(alertID); a.IncidentID != "" {
			t.Fatal("bulk routing declared the incident itself")
		}
		// The page queue: routed whole, the escalation and the link run
		// right after (claimed with the completion), the page is handed to
		// the sender.
		if n := p.runDue(paging.QueuePage); n != 3 {
			t.Fatalf("the page queue ran %d jobs, want the route, the escalation step and the link", n)
		}
		p.sendDue()
		if n := len(w.hook.to("/ada")); n != 1 {
			t.Fatalf("ada paged %d times", n)
		}
		inc := p.incident(p.findAlert(alertID).IncidentID)
		if inc.Severity != warroom.SEV2 {
			t.Fatalf("incident %+v", inc)
		}

		// Another storm waits on the default queue; step 2 falls due and
		// runs on the page queue regardless.
		p.storm(noise, "c", 30, 50)
		w.clock.Advance(5 * time.Minute)
		if n := p.runDue(paging.QueuePage); n != 1 {
			t.Fatalf("the page queue ran %d jobs, want step 2", n)
		}
		p.sendDue()
		if n := len(w.hook.to("/bob")); n != 1 {
			t.Fatalf("bob paged %d times while the storm waited", n)
		}
		if _, ok, err := p.store.NextDue(w.ctx, paging.QueueDefault); err != nil || !ok {
			t.Fatalf("the storm's routing is not waiting: %v, %v", ok, err)
		}
		p.drain()
		if tl := p.timeline(inc.ID); !containsLine(tl, "Declared by warroom for alert") || !containsLine(tl, "Paged @ada") ||
			!containsLine(tl, "Paged @bob") {
			t.Errorf("timeline:\n%s", strings.Join(tl, "\n"))
		}
	})
}

// An alert of a group whose first alert declared an incident joins it,
// even when the first alert is not linked yet (its link is a follow-up
// that has not run).
func TestGroupJoinsBeforeLink(t *testing.T) {
	w := newWorld(t, false)
	p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
	who := p.people()
	p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
	_, in := p.service("checkout", p.policy("primary", 0, 5*time.Minute, users(who.ada)))
	group := func(a *warroom.Alert) { a.GroupKey = "{}:{alertname=\"Down\"}" }
	a1 := p.alert(in, "trigger", "fp-1", "critical", "Checkout-1 down", group)
	a2 := p.alert(in, "trigger", "fp-2", "critical", "Checkout-2 down", group)
	p.runDue(paging.QueueDefault)
	jobs, err := p.store.Claim(w.ctx, paging.QueuePage, "test", w.clock.Now(), time.Minute, 10)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("claimed %d page jobs, %v", len(jobs), err)
	}
	h := p.pager.Handlers()[paging.KindAlertPage]
	var kinds []string
	for _, j := range jobs {
		follow, err := h(w.ctx, j, w.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range follow {
			kinds = append(kinds, f.Kind)
		}
	}
	if strings.Join(kinds, ",") != paging.KindEscalationStep+","+paging.KindAlertLink {
		t.Fatalf("follow-ups %v: want one declaration's escalation and link", kinds)
	}
	open := true
	list, err := p.store.ListIncidents(w.ctx, warroom.IncidentFilter{Viewer: who.admin.Actor(), Open: &open})
	if err != nil || len(list) != 1 {
		t.Fatalf("%d incidents, %v", len(list), err)
	}
	if got := p.findAlert(a2).IncidentID + p.findAlert(a1).IncidentID; got != list[0].ID {
		t.Fatalf("alerts linked to %q, want the second linked to %s and the first not yet", got, list[0].ID)
	}
}

// A server that restarts releases what the dead process held (serve does
// it on SQLite): the page it had claimed goes out at once, with the same
// ID, once.
func TestReleasedPageGoesAtOnce(t *testing.T) {
	w := newWorld(t, false)
	p1 := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
	who := p1.people()
	p1.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
	_, in := p1.service("checkout", p1.policy("primary", 0, 5*time.Minute, users(who.ada)))
	alertID := p1.alert(in, "trigger", "fp-1", "critical", "Checkout down")
	p1.runJobsUntilIdle()
	msgs := p1.messages("", alertID)
	if len(msgs) != 1 || msgs[0].State != notify.StateSending {
		t.Fatalf("messages %+v: want the page claimed by proc-1 for its sender", msgs)
	}
	p1.crash() // before its sender ran

	p2 := w.start("proc-2", func(c *paging.Config) { c.Announce = nil })
	if _, n, err := p2.store.ReleaseLeases(w.ctx); err != nil || n != 1 {
		t.Fatalf("released %d messages, %v", n, err)
	}
	p2.drain()
	if got := w.hook.deliveries()[msgs[0].ID]; got != 1 {
		t.Fatalf("the page went out %d times under its ID, want once, at once", got)
	}
	if got := strings.Join(p2.attempts(msgs[0].ID), ","); got != "retry,sent" {
		t.Errorf("history %s", got)
	}
}

// The sender's heartbeat keeps a short lease of a message it holds; the
// outcomes of a batch are recorded together, and its sends count for the
// destination's throttle before they are.
func TestSenderLeasesAndBatchThrottle(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1", func(c *paging.Config) {
			c.Announce = nil
			c.Lease, c.Heartbeat = 10*time.Second, 2*time.Second
			c.Throttles = map[string]notify.Throttle{notify.ChannelWebhook: {Windows: []notify.Window{{Count: 2, Per: time.Minute}}}}
		})
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
		_, in := p.service("checkout", p.policy("primary", 0, 5*time.Minute, users(who.ada)))
		for i := range 3 {
			p.alert(in, "trigger", fmt.Sprint("fp-", i), "critical", fmt.Sprint("Shard ", i, " down"),
				func(a *warroom.Alert) { a.GroupKey = fmt.Sprint("g", i) })
		}
		p.runJobsUntilIdle()
		// The three pages are held by proc-1's sender; its heartbeat keeps
		// them past their 10s lease.
		w.clock.Advance(8 * time.Second)
		if err := p.pager.Sender().ExtendLeases(w.ctx); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(4 * time.Second)
		if got, err := p.store.ClaimMessages(w.ctx, notify.QueuePage, "proc-2", w.clock.Now(), time.Minute, 10); err != nil || len(got) != 0 {
			t.Fatalf("another process claimed %d held messages, %v", len(got), err)
		}
		p.sendDue()
		if n := len(w.hook.to("/ada")); n != 2 {
			t.Fatalf("%d pages to ada in one batch; the throttle allows 2 a minute", n)
		}
		throttled := 0
		open := true
		incs, err := p.store.ListIncidents(w.ctx, warroom.IncidentFilter{Viewer: who.admin.Actor(), Open: &open})
		if err != nil {
			t.Fatal(err)
		}
		for _, inc := range incs {
			for _, m := range p.messages(inc.ID, "") {
				if m.Kind == notify.KindPage && m.State == notify.StatePending && m.ThrottleReason != "" {
					throttled++
				}
			}
		}
		if throttled != 1 {
			t.Fatalf("%d pages throttled, want 1", throttled)
		}
		w.clock.Advance(time.Minute)
		p.drain()
		if n := len(w.hook.to("/ada")); n != 3 {
			t.Fatalf("%d pages to ada after the throttle, want 3", n)
		}
	})
}

// The page queue and the default queue each run on their own workers in
// Run, and intake wakes them: a page goes out although the polling is an
// hour long, while a storm is routed.
func TestRunPagesDuringStorm(t *testing.T) {
	w := newWorld(t, false)
	p := w.start("proc-1", func(c *paging.Config) { c.Poll = time.Hour; c.Announce = nil })
	cfg := p.pager.EngineConfig(p.store)
	cfg.Poll = time.Hour
	p.engine = engine.New(cfg)
	who := p.people()
	p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
	_, checkout := p.service("checkout", p.policy("primary", 0, 5*time.Minute, users(who.ada)))
	_, noise := p.service("batch-jobs", nil)
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan struct{})
	go func() {
		p.pager.Run(ctx, p.engine)
		close(done)
	}()
	p.storm(noise, "a", 50, 100)
	p.alert(checkout, "trigger", "fp-1", "critical", "Checkout down")
	p.storm(noise, "b", 50, 100)
	select {
	case <-w.hook.arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("no page 30s after the alert")
	}
	cancel()
	<-done
}
