package paging_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/email"
	"github.com/warroom/warroom/notify/webhook"
	"github.com/warroom/warroom/paging"
)

// duringNotifier delivers webhooks and, during its first send, runs
// during: what the test does there lands between two sends of one batch.
type duringNotifier struct {
	notify.Notifier
	once   sync.Once
	during func(m notify.Message)
}

func (n *duringNotifier) Send(ctx context.Context, m notify.Message) (string, error) {
	n.once.Do(func() { n.during(m) })
	return n.Notifier.Send(ctx, m)
}

// Two pages fall due together and go out in one batch. While the first
// is being sent, the other page's alert resolves: the second page must
// not go out, because the sender reads each page's alert and incident
// right before its send, not once for the batch.
func TestAlertStoppedDuringBatchCancelsItsPage(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		var p *proc
		var alerts []string
		var stopped string // the alert resolved during the batch
		var in *warroom.Integration
		dedupKeys := []string{"fp-1", "fp-2"}
		hooks := &duringNotifier{Notifier: webhook.New(webhook.Config{}, loopbackClient(), w.clock.Now), during: func(m notify.Message) {
			for i, id := range alerts {
				if id != m.AlertID {
					p.alert(in, "resolve", dedupKeys[i], "critical", "resolved")
					stopped = id
				}
			}
		}}
		p = w.startWithWebhooks(hooks)
		who := p.people()
		// Ada's webhook rule waits 2 minutes, so both pages fall due at
		// once and one claim takes them together.
		p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 2 * time.Minute})
		pol := p.policy("primary", 0, 30*time.Minute, users(who.ada))
		_, in = p.service("checkout", pol)
		alerts = []string{
			p.alert(in, "trigger", "fp-1", "critical", "Checkout error rate above 5%", func(a *warroom.Alert) {
				a.GroupKey = "checkout-errors"
			}),
			p.alert(in, "trigger", "fp-2", "critical", "Payments latency above 2s", func(a *warroom.Alert) {
				a.GroupKey = "payments-latency"
			}),
		}
		p.drain()
		if got := w.hook.to("/ada"); len(got) != 0 {
			t.Fatalf("paged before the rule's delay: %+v", got)
		}

		w.clock.Advance(2 * time.Minute)
		if n, err := p.pager.Sender().SendDue(w.ctx, notify.QueuePage); err != nil || n != 2 {
			t.Fatalf("SendDue = %d, %v; want both pages in one batch", n, err)
		}
		got := w.hook.to("/ada")
		if stopped == "" || len(got) != 1 || got[0].AlertID == stopped {
			t.Fatalf("resolved %q during the batch; pages to ada: %+v; want only the other alert's page", stopped, got)
		}
		for _, m := range p.messages("", stopped) {
			if m.Kind == notify.KindPage && (m.State != notify.StateFailed || p.attempts(m.ID)[0] != "cancelled") {
				t.Errorf("page for the resolved alert: state %s, attempts %v; want failed, cancelled", m.State, p.attempts(m.ID))
			}
		}
	})
}

// startWithWebhooks starts a process whose webhooks go through hooks (a
// wrapper of the real webhook notifier that the test steers) and whose
// email goes to the world's SMTP server; nothing is announced.
func (w *world) startWithWebhooks(hooks notify.Notifier) *proc {
	w.t.Helper()
	return w.start("proc-1", func(c *paging.Config) {
		mailer, err := email.New(email.Config{Addr: w.smtp.Addr(), From: "warroom@example.com", HelloName: "test"}, w.clock.Now)
		if err != nil {
			w.t.Fatal(err)
		}
		if c.Notifiers, err = notify.NewRegistry(mailer, hooks); err != nil {
			w.t.Fatal(err)
		}
		c.Announce = nil
	})
}
