package paging_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/paging"
	"github.com/warroom/warroom/sqlstore"
)

// killedBeforeStepCompletes is a process's job store that dies between an
// escalation step's pages and the step's completion: the pages are stored
// (claimed) and handed to the sender as the step runs, and the completion
// that would mark the step done and schedule its follow-ups is lost, as
// when SIGKILL lands between the two commits.
type killedBeforeStepCompletes struct {
	*sqlstore.Store
	mu   sync.Mutex
	kind map[string]string // job ID → kind, of the jobs claimed
	lost []string          // escalation steps whose completion was lost
}

func (k *killedBeforeStepCompletes) remember(jobs []engine.Job) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, j := range jobs {
		k.kind[j.ID] = j.Kind
	}
}

func (k *killedBeforeStepCompletes) Claim(ctx context.Context, queue, owner string, now time.Time, lease time.Duration, n int) ([]engine.Job, error) {
	jobs, err := k.Store.Claim(ctx, queue, owner, now, lease, n)
	k.remember(jobs)
	return jobs, err
}

func (k *killedBeforeStepCompletes) CompleteBatch(ctx context.Context, owner string, at time.Time, done []engine.Completion, claim engine.FollowClaim) ([]engine.Job, []string, error) {
	k.mu.Lock()
	var steps []string
	for _, c := range done {
		if k.kind[c.ID] == paging.KindEscalationStep {
			steps = append(steps, c.ID)
		}
	}
	k.lost = append(k.lost, steps...)
	k.mu.Unlock()
	if len(steps) > 0 {
		return nil, nil, errors.New("killed before the completion committed")
	}
	claimed, lost, err := k.Store.CompleteBatch(ctx, owner, at, done, claim)
	k.remember(claimed)
	return claimed, lost, err
}

// A process pages for an escalation step and dies before the step's
// completion commits (the state the crash test finds as "paged, but its
// step-1 job is not done and still claimed by the killed process"). The
// step is legal to run again once its lease ends, and harmless: the
// process that takes it over derives the same message IDs, so it pages
// nobody a second time, and schedules the next step and the timeline note
// once.
func TestStepTakenOverAfterItsPageWentOutPagesOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p1 := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
		dying := &killedBeforeStepCompletes{Store: p1.store, kind: map[string]string{}}
		p1.engine = engine.New(engine.Config{Store: dying, Now: w.clock.Now, Owner: "proc-1", Lease: 30 * time.Second,
			Queues: p1.pager.Queues(), Handlers: p1.pager.Handlers(), BatchHandlers: p1.pager.BatchHandlers()})
		who := p1.people()
		p1.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
		p1.reach(who.bob, contactRule{warroom.ContactWebhook, w.hook.url("/bob"), 0})
		_, in := p1.service("checkout", p1.policy("primary", 0, 5*time.Minute, users(who.ada), users(who.bob)))
		alertID := p1.alert(in, "trigger", "fp-1", "critical", "Checkout down")

		for range 10 {
			_, _ = p1.runJobs() // fails once the step's completion is lost
			p1.sendDue()
			if len(dying.lost) > 0 {
				break
			}
		}
		if len(dying.lost) != 1 {
			t.Fatalf("escalation steps whose completion was lost: %v, want one", dying.lost)
		}
		step1 := dying.lost[0]
		if n := len(w.hook.to("/ada")); n != 1 {
			t.Fatalf("ada was paged %d times before the kill, want 1", n)
		}
		p1.crash()

		p2 := w.start("proc-2", func(c *paging.Config) { c.Announce = nil })
		p2.engine = engine.New(engine.Config{Store: p2.store, Now: w.clock.Now, Owner: "proc-2", Lease: 30 * time.Second,
			Queues: p2.pager.Queues(), Handlers: p2.pager.Handlers(), BatchHandlers: p2.pager.BatchHandlers()})
		p2.drain()
		if err := p2.store.Complete(w.ctx, step1, "probe", w.clock.Now(), nil); !strings.Contains(errText(err), "claimed by proc-1") {
			t.Fatalf("before its lease ends the step is still proc-1's: %v", err)
		}

		// The lease runs out: proc-2 runs the step again.
		w.clock.Advance(31 * time.Second)
		p2.drain()
		if err := p2.store.Complete(w.ctx, step1, "probe", w.clock.Now(), nil); !strings.Contains(errText(err), "already done (by proc-2)") {
			t.Fatalf("after its lease the step was to be run and completed by proc-2: %v", err)
		}
		if n := len(w.hook.to("/ada")); n != 1 {
			t.Errorf("ada was paged %d times for step 1, want once: the step run again paged again", n)
		}
		if n := len(p2.messages("", alertID)); n != 1 {
			t.Errorf("%d messages for the alert after step 1 ran twice, want 1", n)
		}

		// Step 2 was scheduled by the run that completed, once.
		w.clock.Advance(5 * time.Minute)
		p2.drain()
		if a, b := len(w.hook.to("/ada")), len(w.hook.to("/bob")); a != 1 || b != 1 {
			t.Errorf("pages: ada %d, bob %d; want one each", a, b)
		}
		for id, n := range w.hook.deliveries() {
			if n != 1 {
				t.Errorf("message %s delivered %d times", id, n)
			}
		}
		inc := p2.incident(p2.findAlert(alertID).IncidentID)
		notes := 0
		for _, l := range p2.timeline(inc.ID) {
			if strings.Contains(l, "Paged @ada") {
				notes++
			}
		}
		if notes != 1 {
			t.Errorf("%d timeline notes of step 1, want 1:\n%s", notes, strings.Join(p2.timeline(inc.ID), "\n"))
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
