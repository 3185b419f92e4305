package paging_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/webhook"
	"github.com/warroom/warroom/paging"
)

// slowReceiver is a webhook receiver that takes answerAfter to answer
// each request, as a gateway under load does, and counts what arrives.
type slowReceiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	byID map[string]int // deliveries per X-Warroom-Delivery
	n    int
}

func newSlowReceiver(t *testing.T, answerAfter time.Duration) *slowReceiver {
	r := &slowReceiver{byID: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.n++
		r.byID[req.Header.Get(webhook.HeaderDelivery)]++
		r.mu.Unlock()
		time.Sleep(answerAfter)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *slowReceiver) received() (int, map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	byID := map[string]int{}
	for k, v := range r.byID {
		byID[k] = v
	}
	return r.n, byID
}

// Three processes send pages to one destination that takes 400 ms to
// answer, from one database, each with its own claim of the messages and
// the destination's throttle of 5 a minute, deciding at the same moment
// (the clock stands still): exactly 5 go out in the window, in all, and
// the rest wait with the throttle's reason. Without a throttle decision
// that counts the sends in flight in other processes and is serialized
// per destination, each process sends up to the limit on its own.
func TestThrottleHoldsAcrossProcesses(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		const pages, perProcess, limit = 12, 4, 5
		rcv := newSlowReceiver(t, 400*time.Millisecond)
		configure := func(c *paging.Config) {
			c.Announce = nil
			// Every critical alert here is an incident that pages: the
			// test is about sending, not about the alert incident limit.
			c.Policy.AlertIncidentLimit = warroom.AlertIncidentLimit{}
			c.Batch = perProcess // each process claims its own share
			c.Throttles = map[string]notify.Throttle{notify.ChannelWebhook: {Windows: []notify.Window{{Count: limit, Per: time.Minute}}}}
		}
		procs := []*proc{w.start("proc-a", configure), w.start("proc-b", configure), w.start("proc-c", configure)}
		pa := procs[0]
		who := pa.people()
		// The pages wait a minute (ada's rule), so they are stored pending
		// for any process to claim, not handed to the one that made them.
		pa.reach(who.ada, contactRule{warroom.ContactWebhook, rcv.srv.URL + "/ada", time.Minute})
		_, in := pa.service("checkout", pa.policy("primary", 0, time.Hour, users(who.ada)))
		for i := range pages {
			pa.alert(in, "trigger", fmt.Sprint("fp-", i), "critical", fmt.Sprint("Shard ", i, " down"),
				func(a *warroom.Alert) { a.GroupKey = fmt.Sprint("shard-", i) })
		}
		pa.runJobsUntilIdle()
		w.clock.Advance(time.Minute)

		// sendAtOnce runs one SendDue of the page queue in every process,
		// started together, and returns how many messages each took.
		sendAtOnce := func() []int {
			took := make([]int, len(procs))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, p := range procs {
				wg.Go(func() {
					<-start
					n, err := p.pager.Sender().SendDue(w.ctx, notify.QueuePage)
					if err != nil {
						t.Errorf("%s: %v", p.owner, err)
					}
					took[i] = n
				})
			}
			close(start)
			wg.Wait()
			return took
		}
		took := sendAtOnce()
		for i, n := range took {
			if n == 0 {
				t.Fatalf("%s claimed no message (claims %v): the processes did not share the work", procs[i].owner, took)
			}
		}
		if n, _ := rcv.received(); n != limit {
			t.Fatalf("%d pages reached the destination within one minute from %d processes (claims %v); its throttle allows %d",
				n, len(procs), took, limit)
		}
		sent, waiting := 0, 0
		for _, m := range pageMessages(t, pa, who.admin) {
			switch {
			case m.State == notify.StateSent:
				sent++
			case m.State == notify.StatePending && strings.HasPrefix(m.ThrottleReason, "throttled: 5 per 1m to this destination"):
				waiting++
			default:
				t.Errorf("message %s: state %s, throttle reason %q", m.ID, m.State, m.ThrottleReason)
			}
		}
		if sent != limit || waiting != pages-limit {
			t.Fatalf("%d pages sent and %d waiting for the throttle; want %d and %d", sent, waiting, limit, pages-limit)
		}

		// Each following minute lets 5 more go, until all went once.
		for minute := 2; minute <= 3; minute++ {
			w.clock.Advance(time.Minute)
			sendAtOnce()
			if n, _ := rcv.received(); n != min(pages, minute*limit) {
				t.Fatalf("after %d minutes %d pages reached the destination, want %d", minute, n, min(pages, minute*limit))
			}
		}
		if _, byID := rcv.received(); len(byID) != pages {
			t.Errorf("%d distinct pages arrived, want %d", len(byID), pages)
		} else {
			for id, n := range byID {
				if n != 1 {
					t.Errorf("page %s arrived %d times", id, n)
				}
			}
		}
	})
}

// pageMessages returns the page messages of every open incident.
func pageMessages(t *testing.T, p *proc, viewer *warroom.User) []*notify.Outbox {
	t.Helper()
	open := true
	incs, err := p.store.ListIncidents(p.w.ctx, warroom.IncidentFilter{Viewer: viewer.Actor(), Open: &open})
	if err != nil {
		t.Fatal(err)
	}
	var out []*notify.Outbox
	for _, inc := range incs {
		for _, m := range p.messages(inc.ID, "") {
			if m.Kind == notify.KindPage {
				out = append(out, m)
			}
		}
	}
	return out
}
