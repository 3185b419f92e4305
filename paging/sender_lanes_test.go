package paging_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/webhook"
)

// stuckNotifier holds every send to a destination containing "/slow"
// until release is closed, as a receiver that stopped answering would
// until the send timeout; other sends go through.
type stuckNotifier struct {
	notify.Notifier
	stuck   chan struct{} // closed when a send got stuck
	release chan struct{}
}

func (n *stuckNotifier) Send(ctx context.Context, m notify.Message) (string, error) {
	if strings.Contains(m.Destination, "/slow") {
		close(n.stuck)
		<-n.release
	}
	return n.Notifier.Send(ctx, m)
}

// Two pages in one batch, to two destinations: the first destination
// hangs, and the second page still goes out meanwhile, because the page
// queue's worker sends to several destinations at once
// (Config.SendConcurrency).
func TestSlowDestinationHoldsUpOnlyItsOwnPages(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		hooks := &stuckNotifier{Notifier: webhook.New(webhook.Config{}, loopbackClient(), w.clock.Now),
			stuck: make(chan struct{}), release: make(chan struct{})}
		p := w.startWithWebhooks(hooks)
		who := p.people()
		// Ada's page falls due first, so the batch starts with the
		// destination that hangs.
		p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/slow"), time.Minute})
		p.reach(who.bob, contactRule{warroom.ContactWebhook, w.hook.url("/fast"), 2 * time.Minute})
		pol := p.policy("primary", 0, 30*time.Minute, users(who.ada, who.bob))
		_, in := p.service("checkout", pol)
		p.alert(in, "trigger", "fp-1", "critical", "Checkout error rate above 5%")
		p.drain()

		w.clock.Advance(2 * time.Minute)
		done := make(chan error, 1)
		go func() {
			n, err := p.pager.Sender().SendDue(w.ctx, notify.QueuePage)
			if err == nil && n != 2 {
				t.Errorf("SendDue took %d messages, want both pages in one batch", n)
			}
			done <- err
		}()
		<-hooks.stuck
		deadline := time.After(30 * time.Second)
		for len(w.hook.to("/fast")) == 0 {
			select {
			case <-deadline:
				close(hooks.release)
				t.Fatal("the page to /fast waited behind the stuck destination")
			case <-time.After(5 * time.Millisecond):
			}
		}
		if got := w.hook.to("/slow"); len(got) != 0 {
			t.Fatalf("the stuck destination received %d pages", len(got))
		}
		close(hooks.release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := w.hook.to("/slow"); len(got) != 1 {
			t.Fatalf("after its release the slow destination received %d pages, want 1", len(got))
		}
	})
}
