package paging_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/internal/smtptest"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/email"
	"github.com/warroom/warroom/paging"
)

// What the sender does with failed deliveries, through the real notifiers
// and receivers that fail: a temporary failure sends the message back to
// pending after a backoff that grows (or the receiver's Retry-After, when
// longer), with each try in its history, until it goes out or its
// attempts run out; a permanent failure fails it at once.

// hookAnswer is how a flakyHook answers one request.
type hookAnswer struct {
	status     int
	retryAfter string // Retry-After header; "" for none
	body       string
}

// flakyHook is a webhook receiver that answers its first requests with
// the given failures, then hands every request to the world's receiver,
// which checks the signature and accepts it.
type flakyHook struct {
	srv     *httptest.Server
	mu      sync.Mutex
	answers []hookAnswer
	tries   []string // the X-Warroom-Delivery of every request, in order
}

func newFlakyHook(t *testing.T, w *world, answers ...hookAnswer) *flakyHook {
	h := &flakyHook{answers: answers}
	h.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.tries = append(h.tries, r.Header.Get("X-Warroom-Delivery"))
		var a *hookAnswer
		if len(h.answers) > 0 {
			a = &h.answers[0]
			h.answers = h.answers[1:]
		}
		h.mu.Unlock()
		if a == nil {
			w.hook.srv.Config.Handler.ServeHTTP(rw, r)
			return
		}
		io.Copy(io.Discard, r.Body)
		if a.retryAfter != "" {
			rw.Header().Set("Retry-After", a.retryAfter)
		}
		http.Error(rw, a.body, a.status)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *flakyHook) url(path string) string { return h.srv.URL + path }

// triesOf returns the deliveries of message id the receiver saw.
func (h *flakyHook) triesOf(id string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, d := range h.tries {
		if d == id {
			n++
		}
	}
	return n
}

func failing(n int, a hookAnswer) []hookAnswer {
	out := make([]hookAnswer, n)
	for i := range out {
		out[i] = a
	}
	return out
}

// smtpSwitch forwards each SMTP connection to the relay it currently
// points at, so that a relay can fail and then recover under a running
// warroom, which dials one address.
type smtpSwitch struct {
	ln net.Listener
	mu sync.Mutex
	to string
}

func newSMTPSwitch(t *testing.T, to string) *smtpSwitch {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSwitch{ln: ln, to: to}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { s.forward(client) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return s
}

func (s *smtpSwitch) forward(client net.Conn) {
	defer client.Close()
	s.mu.Lock()
	to := s.to
	s.mu.Unlock()
	relay, err := net.Dial("tcp", to)
	if err != nil {
		return
	}
	defer relay.Close()
	done := make(chan struct{}, 2)
	go func() { io.Copy(relay, client); done <- struct{}{} }()
	go func() { io.Copy(client, relay); done <- struct{}{} }()
	<-done // either side hung up: close both
}

func (s *smtpSwitch) Addr() string { return s.ln.Addr().String() }

func (s *smtpSwitch) point(to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.to = to
}

// mailVia returns notifiers that send email through the relay at addr.
func mailVia(t *testing.T, w *world, addr string) *notify.Registry {
	t.Helper()
	mailer, err := email.New(email.Config{Addr: addr, From: "Warroom <warroom@example.com>", HelloName: "test"}, w.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := notify.NewRegistry(mailer)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// onlyPage returns the one message about alertID that goes to dest,
// read again from the store.
func onlyPage(t *testing.T, p *proc, alertID, dest string) *notify.Outbox {
	t.Helper()
	var found []*notify.Outbox
	for _, m := range p.messages("", alertID) {
		if m.Destination == dest {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d messages to %s about alert %s, want 1", len(found), dest, alertID)
	}
	return found[0]
}

// history returns a message's delivery attempts.
func history(t *testing.T, p *proc, id string) []notify.Attempt {
	t.Helper()
	as, err := p.store.ListAttempts(p.w.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func outcomes(as []notify.Attempt) string {
	var out []string
	for _, a := range as {
		out = append(out, a.Outcome)
	}
	return strings.Join(out, ",")
}

// A webhook receiver answering 503: the page goes back to pending, due
// after the backoff policy's wait for that attempt (15s, then 30s: it
// grows), or after the receiver's Retry-After when that is longer; it is
// not tried before; every retry is in its history with the receiver's
// answer; it goes out, with the same delivery ID, once the receiver
// recovers.
func TestWebhookRetriedWithGrowingBackoffUntilReceiverRecovers(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		deploying := hookAnswer{status: http.StatusServiceUnavailable, body: "deploying"}
		hook := newFlakyHook(t, w, deploying, deploying,
			hookAnswer{status: http.StatusServiceUnavailable, retryAfter: "300", body: "deploying"})
		const maxAttempts = 6
		p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil; c.MaxAttempts = maxAttempts })
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactWebhook, hook.url("/ada"), 0})
		_, in := p.service("search", p.policy("primary", 0, 2*time.Hour, users(who.ada)))
		alert := p.alert(in, "trigger", "fp-1", "warning", "Index lag")
		p.drain()

		// paging's Config.Backoff is unset: notify's default policy.
		policy := notify.DefaultBackoffPolicy()
		delays := []time.Duration{policy.Backoff(1), policy.Backoff(2), max(policy.Backoff(3), 300*time.Second)}
		if !(delays[0] < delays[1] && delays[1] < policy.Backoff(3)) {
			t.Fatalf("the backoff policy does not grow: %v, %v, %v", delays[0], delays[1], policy.Backoff(3))
		}
		id := onlyPage(t, p, alert, hook.url("/ada")).ID
		for i, delay := range delays {
			attempt := i + 1
			m := onlyPage(t, p, alert, hook.url("/ada"))
			// The receiver's body is kept apart, for admins (LastResponse).
			wantDetail := fmt.Sprintf("HTTP 503 Service Unavailable; attempt %d of %d, next in %s", attempt, maxAttempts, delay)
			if m.State != notify.StatePending || m.Attempts != attempt || !m.DueAt.Equal(w.clock.Now().Add(delay)) ||
				!strings.Contains(m.LastError, wantDetail) || m.LastResponse != "deploying" {
				t.Fatalf("after attempt %d: state %s, attempts %d, due %s (want now+%s), last error %q, last response %q",
					attempt, m.State, m.Attempts, m.DueAt, delay, m.LastError, m.LastResponse)
			}
			as := history(t, p, id)
			if got := outcomes(as); got != strings.TrimSuffix(strings.Repeat("retry,", attempt), ",") {
				t.Fatalf("history after attempt %d: %s", attempt, got)
			}
			if last := as[len(as)-1]; !strings.Contains(last.Detail, wantDetail) || !last.At.Equal(w.clock.Now()) {
				t.Fatalf("retry %d recorded as %+v, want detail %q", attempt, last, wantDetail)
			}
			w.clock.Advance(delay - time.Second)
			p.drain()
			if n := hook.triesOf(id); n != attempt {
				t.Fatalf("%d tries a second before the retry %d was due, want %d", n, attempt, attempt)
			}
			w.clock.Advance(time.Second)
			p.drain()
		}

		m := onlyPage(t, p, alert, hook.url("/ada"))
		if m.State != notify.StateSent || m.Attempts != 4 {
			t.Fatalf("after the receiver recovered: state %s, attempts %d", m.State, m.Attempts)
		}
		if got := outcomes(history(t, p, id)); got != "retry,retry,retry,sent" {
			t.Errorf("history %s, want retry,retry,retry,sent", got)
		}
		if n, got := hook.triesOf(id), len(w.hook.to("/ada")); n != 4 || got != 1 {
			t.Errorf("%d tries with the message's delivery ID and %d delivered, want 4 and 1", n, got)
		}
	})
}

// An SMTP relay answering 451 (a temporary failure by RFC 5321) to the
// mail: the page is retried after the backoff, and goes out, with the
// same Message-ID, once the relay takes mail again.
func TestEmailRetriedAfterTemporarySMTPFailure(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		busy := smtptest.New(t, smtptest.Config{DataReply: "451 4.3.0 mailbox busy, try again later"})
		relay := newSMTPSwitch(t, busy.Addr())
		p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil; c.Notifiers = mailVia(t, w, relay.Addr()) })
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactEmail, "ada@example.com", 0})
		_, in := p.service("search", p.policy("primary", 0, 2*time.Hour, users(who.ada)))
		alert := p.alert(in, "trigger", "fp-1", "warning", "Index lag")
		p.drain()

		delay := notify.DefaultBackoffPolicy().Backoff(1)
		m := onlyPage(t, p, alert, "ada@example.com")
		if m.State != notify.StatePending || m.Attempts != 1 || !m.DueAt.Equal(t0.Add(delay)) {
			t.Fatalf("after the 451: state %s, attempts %d, due %s (want t0+%s)", m.State, m.Attempts, m.DueAt, delay)
		}
		as := history(t, p, m.ID)
		if outcomes(as) != "retry" || !strings.Contains(as[0].Detail, "451") || !strings.Contains(as[0].Detail, "mailbox busy") {
			t.Fatalf("history after the 451: %+v", as)
		}
		sessions := busy.Sessions()
		if len(sessions) != 1 || sessions[0].Data == "" || len(busy.Messages()) != 0 {
			t.Fatalf("busy relay: %d sessions, %d accepted; want the mail offered once and refused", len(sessions), len(busy.Messages()))
		}
		refused, err := mail.ReadMessage(strings.NewReader(sessions[0].Data))
		if err != nil {
			t.Fatal(err)
		}

		relay.point(w.smtp.Addr())
		w.clock.Advance(delay)
		p.drain()
		m = onlyPage(t, p, alert, "ada@example.com")
		pages := w.smtp.pages()
		if m.State != notify.StateSent || m.Attempts != 2 || outcomes(history(t, p, m.ID)) != "retry,sent" || len(pages) != 1 {
			t.Fatalf("after the relay recovered: state %s, attempts %d, history %s, %d mails",
				m.State, m.Attempts, outcomes(history(t, p, m.ID)), len(pages))
		}
		if id := refused.Header.Get("Message-ID"); id == "" || pages[0].ID != id {
			t.Errorf("the retry's Message-ID %q differs from the refused one %q", pages[0].ID, id)
		}
	})
}

// A webhook answering 410 Gone and a relay answering 550 (no such user):
// both pages fail at once with the receiver's answer, and are never tried
// again.
func TestPermanentFailureFailsAtOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		hook := newFlakyHook(t, w, hookAnswer{status: http.StatusGone, body: "endpoint removed"})
		w.smtp = &smtpServer{smtptest.New(t, smtptest.Config{RcptReply: "550 5.1.1 bob@example.com: no such user"})}
		p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil })
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactWebhook, hook.url("/ada"), 0})
		p.reach(who.bob, contactRule{warroom.ContactEmail, "bob@example.com", 0})
		_, in := p.service("search", p.policy("primary", 0, 2*time.Hour, users(who.ada, who.bob)))
		alert := p.alert(in, "trigger", "fp-1", "warning", "Index lag")
		p.drain()
		check := func() {
			t.Helper()
			for _, c := range []struct{ dest, detail string }{
				{hook.url("/ada"), "permanent delivery failure (status 410): HTTP 410 Gone; attempt 1, giving up"},
				{"bob@example.com", "permanent delivery failure (status 550)"},
			} {
				m := onlyPage(t, p, alert, c.dest)
				as := history(t, p, m.ID)
				if m.State != notify.StateFailed || m.Attempts != 1 || outcomes(as) != "failed" ||
					!strings.Contains(as[0].Detail, c.detail) || !strings.Contains(m.LastError, c.detail) {
					t.Fatalf("%s: state %s, attempts %d, history %+v, last error %q; want failed once with %q",
						c.dest, m.State, m.Attempts, as, m.LastError, c.detail)
				}
			}
			if d := history(t, p, onlyPage(t, p, alert, "bob@example.com").ID)[0].Detail; !strings.Contains(d, "no such user") || !strings.Contains(d, "giving up") {
				t.Fatalf("bob's failure: %q", d)
			}
		}
		check()
		w.clock.Advance(notify.DefaultBackoffMax + time.Minute) // later than any retry
		p.drain()
		check()
		if n := hook.triesOf(onlyPage(t, p, alert, hook.url("/ada")).ID); n != 1 {
			t.Errorf("the webhook was tried %d times, want 1", n)
		}
		if n := len(w.smtp.Sessions()); n != 1 {
			t.Errorf("the relay saw %d sessions, want 1", n)
		}
	})
}

// A receiver that keeps failing temporarily: the page is retried on the
// backoff until it has had Config.MaxAttempts tries, then fails, saying
// so, and is never tried again.
func TestKeepsFailingGivesUpAfterMaxAttempts(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		hook := newFlakyHook(t, w, failing(10, hookAnswer{status: http.StatusBadGateway, body: "no upstream"})...)
		p := w.start("proc-1", func(c *paging.Config) { c.Announce = nil; c.MaxAttempts = 3 })
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactWebhook, hook.url("/ada"), 0})
		_, in := p.service("search", p.policy("primary", 0, 2*time.Hour, users(who.ada)))
		alert := p.alert(in, "trigger", "fp-1", "warning", "Index lag")
		p.drain()
		id := onlyPage(t, p, alert, hook.url("/ada")).ID

		policy := notify.DefaultBackoffPolicy()
		for attempt := 1; attempt <= 2; attempt++ {
			m := onlyPage(t, p, alert, hook.url("/ada"))
			if m.State != notify.StatePending || m.Attempts != attempt || !m.DueAt.Equal(w.clock.Now().Add(policy.Backoff(attempt))) {
				t.Fatalf("after attempt %d: state %s, attempts %d, due %s", attempt, m.State, m.Attempts, m.DueAt)
			}
			w.clock.Advance(policy.Backoff(attempt))
			p.drain()
		}
		m := onlyPage(t, p, alert, hook.url("/ada"))
		as := history(t, p, id)
		const gaveUp = "HTTP 502 Bad Gateway; attempt 3, giving up"
		if m.State != notify.StateFailed || m.Attempts != 3 || outcomes(as) != "retry,retry,failed" ||
			!strings.Contains(as[2].Detail, gaveUp) || !strings.Contains(m.LastError, gaveUp) ||
			as[2].Response != "no upstream" || m.LastResponse != "no upstream" {
			t.Fatalf("after 3 attempts: state %s, attempts %d, history %+v, last error %q", m.State, m.Attempts, as, m.LastError)
		}
		if !strings.Contains(as[0].Detail, "attempt 1 of 3") || !strings.Contains(as[1].Detail, "attempt 2 of 3") {
			t.Errorf("retries do not count the attempts: %q, %q", as[0].Detail, as[1].Detail)
		}
		w.clock.Advance(time.Hour)
		p.drain()
		if n := hook.triesOf(id); n != 3 {
			t.Errorf("%d tries, want 3", n)
		}
		if m := onlyPage(t, p, alert, hook.url("/ada")); m.State != notify.StateFailed {
			t.Errorf("an hour later the page is %s", m.State)
		}
	})
}
