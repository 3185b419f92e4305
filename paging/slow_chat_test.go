package paging_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
)

// hangingSlack is Slack's chat.postMessage that takes each request and
// answers it only when the test releases it.
type hangingSlack struct {
	srv      *httptest.Server
	arrived  chan struct{} // a value per request taken
	release  chan struct{}
	once     sync.Once
	hanging  atomic.Int32 // requests taken and not answered
	answered atomic.Int32
}

func newHangingSlack(t *testing.T) *hangingSlack {
	h := &hangingSlack{arrived: make(chan struct{}, 100), release: make(chan struct{})}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/chat.postMessage" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		io.Copy(io.Discard, r.Body)
		h.hanging.Add(1)
		defer h.hanging.Add(-1)
		h.arrived <- struct{}{}
		select {
		case <-h.release:
		case <-r.Context().Done():
			return
		}
		h.answered.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"ts":"1.000100"}`)
	}))
	t.Cleanup(h.srv.Close)
	t.Cleanup(h.unblock) // before the server closes, which waits for its requests
	return h
}

func (h *hangingSlack) unblock() { h.once.Do(func() { close(h.release) }) }

// within waits up to a generous deadline for cond, failing the test with
// what if it never holds. It asserts nothing about how fast.
func within(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("30s and still not: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A Slack that hangs on a chat.postMessage holds up no page: with the
// real workers running (Pager.Run), a webhook page and an email page
// enqueued while the chat send hangs are delivered while it still hangs;
// the chat message goes out once Slack answers.
func TestSlowSlackDoesNotDelayEmailOrWebhookPages(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		slow := newHangingSlack(t)
		w.slack = &slackServer{srv: slow.srv}
		// A send may take minutes before it times out: the hang lasts
		// until the test ends it, whatever the machine's speed.
		p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil; c.SendTimeout = 10 * time.Minute })
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactSlack, "U-ADA", 0})
		p.reach(who.bob, contactRule{warroom.ContactWebhook, w.hook.url("/bob"), 0})
		p.reach(who.carol, contactRule{warroom.ContactEmail, "carol@example.com", 0})
		_, chat := p.service("search", p.policy("chat-only", 0, time.Hour, users(who.ada)))
		_, pages := p.service("checkout", p.policy("pages", 0, time.Hour, users(who.bob, who.carol)))

		ctx, cancel := context.WithCancel(w.ctx)
		done := make(chan struct{})
		go func() {
			p.pager.Run(ctx, p.engine)
			close(done)
		}()
		defer func() {
			slow.unblock()
			cancel()
			<-done
		}()

		slackAlert := p.alert(chat, "trigger", "fp-chat", "warning", "Index lag")
		select {
		case <-slow.arrived:
		case <-time.After(30 * time.Second):
			t.Fatal("no chat.postMessage 30s after the alert")
		}
		p.alert(pages, "trigger", "fp-page", "warning", "Checkout errors")
		select {
		case <-w.hook.arrived:
		case <-time.After(30 * time.Second):
			t.Fatalf("no webhook page 30s after the alert, while the chat send hangs (%d hanging)", slow.hanging.Load())
		}
		within(t, "the email page delivered while the chat send hangs", func() bool { return len(w.smtp.pages()) == 1 })
		if n, a := slow.hanging.Load(), slow.answered.Load(); n != 1 || a != 0 {
			t.Fatalf("Slack: %d requests hanging, %d answered; the pages were to arrive while it hangs", n, a)
		}
		if got := len(w.hook.to("/bob")); got != 1 {
			t.Errorf("%d webhook pages to bob, want 1", got)
		}

		slow.unblock()
		within(t, "the chat message recorded as sent once Slack answers", func() bool {
			for _, m := range p.messages("", slackAlert) {
				if m.Channel == notify.ChannelSlack && m.State == notify.StateSent {
					return true
				}
			}
			return false
		})
	})
}
