package paging_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/paging"
	"github.com/warroom/warroom/sqlstore"
)

// The races of routing alerts into incidents, each interleaving made on
// purpose: hooks in the store that paging reads through stop one router
// at a chosen read while another runs.

// hookStore is the store paging reads through, with hooks around two of
// its reads.
type hookStore struct {
	*sqlstore.Store
	// afterListIncidents runs after a list of incidents is read (routing
	// reads a service's open incident with it).
	afterListIncidents func(warroom.IncidentFilter)
	// beforeListAlerts runs before alerts are listed (routing lists the
	// alerts of a group with it, before it declares for the group).
	beforeListAlerts func(warroom.AlertFilter)
}

func (h *hookStore) ListIncidents(ctx context.Context, f warroom.IncidentFilter) ([]*warroom.Incident, error) {
	list, err := h.Store.ListIncidents(ctx, f)
	if h.afterListIncidents != nil {
		h.afterListIncidents(f)
	}
	return list, err
}

func (h *hookStore) ListAlerts(ctx context.Context, f warroom.AlertFilter) ([]*warroom.Alert, error) {
	if h.beforeListAlerts != nil {
		h.beforeListAlerts(f)
	}
	return h.Store.ListAlerts(ctx, f)
}

// hooked makes the process's pager read through h.
func hooked(h *hookStore) func(*paging.Config) {
	return func(c *paging.Config) {
		c.Announce = nil
		h.Store = c.Store.(*sqlstore.Store)
		c.Store = h
	}
}

// barrier lets n goroutines through once all n have arrived; later
// arrivals pass at once.
type barrier struct {
	mu   sync.Mutex
	n    int
	done chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, done: make(chan struct{})} }

func (b *barrier) wait(t *testing.T) {
	b.mu.Lock()
	b.n--
	if b.n == 0 {
		close(b.done)
	}
	b.mu.Unlock()
	select {
	case <-b.done:
	case <-time.After(30 * time.Second): // a guard against hanging, not a measure
		t.Error("barrier: the other router never arrived")
	}
}

// openIncidents returns the open incidents.
func (p *proc) openIncidents() []*warroom.Incident {
	p.w.t.Helper()
	open := true
	list, err := p.store.ListIncidents(p.w.ctx, warroom.IncidentFilter{Viewer: system(), Open: &open})
	if err != nil {
		p.w.t.Fatal(err)
	}
	return list
}

func system() warroom.Actor { return warroom.Actor{Handle: "test", Role: warroom.AccountAdmin} }

func slogTo(b *syncBuffer) *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

// wantOneIncident checks that there is one open incident and that every
// alert named is linked to it.
func (p *proc) wantOneIncident(alertIDs ...string) *warroom.Incident {
	p.w.t.Helper()
	list := p.openIncidents()
	if len(list) != 1 {
		var refs []string
		for _, inc := range list {
			refs = append(refs, inc.Ref+" "+inc.Title)
		}
		p.w.t.Fatalf("%d open incidents, want 1: %s", len(list), strings.Join(refs, "; "))
	}
	for _, id := range alertIDs {
		if a := p.findAlert(id); a.IncidentID != list[0].ID {
			p.w.t.Errorf("alert %s (%s) is linked to %q, want %s", id, a.Summary, a.IncidentID, list[0].Ref)
		}
	}
	return list[0]
}

// claimPage claims the due jobs of the page queue as owner.
func (p *proc) claimPage(owner string) []engine.Job {
	p.w.t.Helper()
	jobs, err := p.store.Claim(p.w.ctx, paging.QueuePage, owner, p.w.clock.Now(), time.Minute, 100)
	if err != nil {
		p.w.t.Fatal(err)
	}
	return jobs
}

// runClaimed runs a claimed job's handler and completes it with its
// follow-ups, as the engine would; it reports rather than fails, for
// other goroutines.
func (p *proc) runClaimed(job engine.Job, owner string) error {
	now := p.w.clock.Now()
	follow, err := p.pager.Handlers()[job.Kind](p.w.ctx, job, now)
	if err != nil {
		return err
	}
	return p.store.Complete(p.w.ctx, job.ID, owner, now, follow)
}

func routes(job engine.Job, alertID string) bool {
	var pl paging.RoutePayload
	return json.Unmarshal(job.Payload, &pl) == nil && slices.Contains(pl.AlertIDs, alertID)
}

// Race 1, as it ran: a critical alert is handed to the page queue to
// declare; a warning of the same service, which its rules attach to the
// open incident, is routed in bulk before the page queue has declared.
// It joins the incident being declared instead of waiting with nobody
// paged (the service has no escalation policy).
func TestAttachJoinsIncidentBeingDeclared(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		logs := &syncBuffer{}
		p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil; c.Logger = slogTo(logs) })
		_, in := p.service("checkout", nil)
		a1 := p.alert(in, "trigger", "fp-1", "critical", "Checkout down")
		if n := p.runDue(paging.QueueDefault); n != 1 {
			t.Fatalf("bulk routing ran %d jobs", n)
		}
		a2 := p.alert(in, "trigger", "fp-2", "warning", "Checkout slow")
		p.runDue(paging.QueueDefault) // the page queue has not run
		p.drain()
		inc := p.wantOneIncident(a1, a2)
		if !containsLine(p.timeline(inc.ID), "Checkout slow", "attached") {
			t.Errorf("timeline:\n%s", strings.Join(p.timeline(inc.ID), "\n"))
		}
		if got := logs.lines("nobody is paged"); len(got) != 0 {
			t.Errorf("an alert waited:\n%s", strings.Join(got, "\n"))
		}
	})
}

// Race 1 in the page queue: the attach alert's routing runs before the
// routing of the critical alert handed over first (another worker, or
// another process, claimed it later). It routes the declaration in flight
// first and joins it; the critical alert's own job then finds the same
// incident, and the service's policy pages once, for the incident.
func TestAttachRoutesDeclarationInFlightFirst(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
		_, in := p.service("checkout", p.policy("primary", 0, 5*time.Minute, users(who.ada)))
		a1 := p.alert(in, "trigger", "fp-1", "critical", "Checkout down")
		p.runDue(paging.QueueDefault)
		a2 := p.alert(in, "trigger", "fp-2", "warning", "Checkout slow")
		p.runDue(paging.QueueDefault)
		jobs := p.claimPage("worker-2")
		if len(jobs) != 2 {
			t.Fatalf("%d page jobs, want the two routes", len(jobs))
		}
		// The warning's route first.
		slices.SortStableFunc(jobs, func(x, y engine.Job) int {
			if routes(x, a2) {
				return -1
			}
			if routes(y, a2) {
				return 1
			}
			return 0
		})
		for _, j := range jobs {
			if err := p.runClaimed(j, "worker-2"); err != nil {
				t.Fatal(err)
			}
		}
		p.drain()
		p.wantOneIncident(a1, a2)
		if n := len(w.hook.to("/ada")); n != 1 {
			t.Errorf("ada paged %d times, want once (for the incident)", n)
		}
	})
}

// Race 1 within a batch: bulk routing reads the service's open incident
// (none), and the page queue declares one before the batch decides the
// warning. The warning joins it.
func TestAttachSeesIncidentDeclaredDuringBatch(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		h := &hookStore{}
		p := w.start("proc-1", hooked(h))
		svc, in := p.service("checkout", nil)
		a1 := p.alert(in, "trigger", "fp-1", "critical", "Checkout down")
		p.runDue(paging.QueueDefault)
		a2 := p.alert(in, "trigger", "fp-2", "warning", "Checkout slow")
		var fired atomic.Bool
		h.afterListIncidents = func(f warroom.IncidentFilter) {
			// Once, at bulk routing's read (the page queue's own reads
			// come through here too, while it runs).
			if f.ServiceID != svc.ID || !fired.CompareAndSwap(false, true) {
				return
			}
			if _, err := p.engine.RunDue(w.ctx, paging.QueuePage); err != nil {
				t.Error(err)
			}
			if len(p.openIncidents()) != 1 {
				t.Error("the page queue declared nothing")
			}
		}
		p.runDue(paging.QueueDefault)
		h.afterListIncidents = nil
		p.drain()
		p.wantOneIncident(a1, a2)
	})
}

// declareHook is the store of the incident service, with a hook in its
// service look-up, which a declaration makes before it stores the
// incident.
type declareHook struct {
	warroom.Store
	findService func()
}

func (d *declareHook) FindService(ctx context.Context, idOrSlug string) (*warroom.Service, error) {
	if d.findService != nil {
		d.findService()
	}
	return d.Store.FindService(ctx, idOrSlug)
}

// Race 1 while the page queue declares: the critical alert is routed
// whole (as intake's route job on the page queue is), and bulk routing
// decides the warning while the declaration is being made, before the
// incident is stored. The warning goes after it and joins it.
func TestAttachSeesDeclarationBeingMade(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		hook := &declareHook{}
		p := w.start("proc-1", func(c *paging.Config) {
			c.Announce = nil
			incs := *c.Incidents
			hook.Store = incs.Store
			incs.Store = hook
			c.Incidents = &incs
		})
		_, in := p.service("checkout", nil)
		a1 := p.alert(in, "trigger", "fp-1", "critical", "Checkout down")
		jobs, err := p.store.Claim(w.ctx, paging.QueueDefault, "page-worker", w.clock.Now(), time.Minute, 10)
		if err != nil || len(jobs) != 1 {
			t.Fatalf("claimed %d route jobs, %v", len(jobs), err)
		}
		a2 := p.alert(in, "trigger", "fp-2", "warning", "Checkout slow")
		var fired atomic.Bool
		hook.findService = func() {
			if !fired.CompareAndSwap(false, true) {
				return
			}
			if n, err := p.engine.RunDue(w.ctx, paging.QueueDefault); err != nil || n != 1 {
				t.Errorf("bulk routing ran %d jobs: %v", n, err)
			}
			if len(p.openIncidents()) != 0 {
				t.Error("the incident was stored before bulk routing ran")
			}
		}
		job := jobs[0]
		job.Queue = paging.QueuePage // routed whole, as on the page queue
		if err := p.runClaimed(job, "page-worker"); err != nil {
			t.Fatal(err)
		}
		if !fired.Load() {
			t.Fatal("the declaration looked up no service")
		}
		hook.findService = nil
		p.drain()
		p.wantOneIncident(a1, a2)
	})
}

// Race 2: two processes route a critical alert each of one Alertmanager
// group at the same moment; each looks for the group's incident, finds
// none, and declares. One incident, both alerts in it, one page.
func TestGroupMakesOneIncidentAcrossProcesses(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		b := newBarrier(2)
		beforeGroupRead := func(f warroom.AlertFilter) {
			if f.GroupKey != "" {
				b.wait(t)
			}
		}
		ha, hb := &hookStore{beforeListAlerts: beforeGroupRead}, &hookStore{beforeListAlerts: beforeGroupRead}
		pa := w.start("proc-a", hooked(ha))
		pb := w.start("proc-b", hooked(hb))
		who := pa.people()
		pa.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
		_, in := pa.service("checkout", pa.policy("primary", 0, 5*time.Minute, users(who.ada)))
		group := func(a *warroom.Alert) { a.GroupKey = `{}:{alertname="CheckoutDown"}` }
		a1 := pa.alert(in, "trigger", "fp-1", "critical", "Checkout-1 down", group)
		a2 := pb.alert(in, "trigger", "fp-2", "critical", "Checkout-2 down", group)
		pa.runDue(paging.QueueDefault)
		ja := pa.claimOne("proc-a")
		jb := pb.claimOne("proc-b")
		var wg sync.WaitGroup
		for _, r := range []struct {
			p   *proc
			job engine.Job
		}{{pa, ja}, {pb, jb}} {
			wg.Go(func() {
				if err := r.p.runClaimed(r.job, r.p.owner); err != nil {
					t.Errorf("%s: %v", r.p.owner, err)
				}
			})
		}
		wg.Wait()
		pa.drain()
		pb.drain()
		pa.wantOneIncident(a1, a2)
		if n := len(w.hook.to("/ada")); n != 1 {
			t.Errorf("ada paged %d times, want once", n)
		}
	})
}

// claimOne claims one due job of the page queue as owner.
func (p *proc) claimOne(owner string) engine.Job {
	p.w.t.Helper()
	jobs, err := p.store.Claim(p.w.ctx, paging.QueuePage, owner, p.w.clock.Now(), time.Minute, 1)
	if err != nil || len(jobs) != 1 {
		p.w.t.Fatalf("claimed %d page jobs: %v", len(jobs), err)
	}
	return jobs[0]
}
