package paging_test

import (
	"encoding/json"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom/internal/smtptest"
	"github.com/warroom/warroom/notify/webhook"
)

// The receivers below are real servers on 127.0.0.1 that the real
// notifiers talk to: an SMTP relay, the Slack Web API, a webhook
// receiver that checks signatures. Each records what it received.

// mailMsg is one message the SMTP server accepted.
type mailMsg struct {
	ID      string // Message-ID, angle brackets included
	To      string
	Subject string
	Kind    string // X-Warroom-Kind
	Body    string // decoded
}

// smtpServer is the shared SMTP relay of internal/smtptest, read as the
// mails paging sent.
type smtpServer struct {
	*smtptest.Server
}

func newSMTPServer(t testing.TB) *smtpServer {
	t.Helper()
	return &smtpServer{smtptest.New(t, smtptest.Config{})}
}

// received returns the mails accepted so far, headers and body decoded;
// a message that is not a mail at all is left out (the notifier's own
// tests hold its format).
func (s *smtpServer) received() []mailMsg {
	var out []mailMsg
	for _, raw := range s.Messages() {
		m, err := mail.ReadMessage(strings.NewReader(raw))
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
		dec := new(mime.WordDecoder)
		subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
		if err != nil {
			subject = m.Header.Get("Subject")
		}
		out = append(out, mailMsg{ID: m.Header.Get("Message-ID"), To: m.Header.Get("To"), Subject: subject, Kind: m.Header.Get("X-Warroom-Kind"),
			Body: strings.ReplaceAll(string(body), "\r\n", "\n")})
	}
	return out
}

// pages returns the mails that are pages.
func (s *smtpServer) pages() []mailMsg {
	var out []mailMsg
	for _, m := range s.received() {
		if m.Kind == "page" {
			out = append(out, m)
		}
	}
	return out
}

// slackPost is one chat.postMessage the fake Slack accepted.
type slackPost struct {
	Channel string
	Text    string
	Raw     string // the whole request body, blocks included
}

// slackServer is the Slack Web API's chat.postMessage. While limited > 0
// it answers 429 with Retry-After, counting down.
type slackServer struct {
	srv        *httptest.Server
	mu         sync.Mutex
	posts      []slackPost
	limited    int
	retryAfter int // seconds
	refused    int // 429s answered
}

func newSlackServer(t testing.TB) *slackServer {
	s := &slackServer{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/chat.postMessage" || r.Header.Get("Authorization") != "Bearer xoxb-test" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.limited > 0 {
			s.limited--
			s.refused++
			w.Header().Set("Retry-After", strconv.Itoa(s.retryAfter))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		var p struct{ Channel, Text string }
		json.Unmarshal(body, &p)
		s.posts = append(s.posts, slackPost{Channel: p.Channel, Text: p.Text, Raw: string(body)})
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"ts":"`+strconv.Itoa(len(s.posts))+`.000100"}`)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *slackServer) rateLimit(n, seconds int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limited, s.retryAfter = n, seconds
}

func (s *slackServer) received() []slackPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]slackPost(nil), s.posts...)
}

// hookReceiver accepts signed webhooks and rejects any whose signature
// does not verify under secret (the test fails then too).
type hookReceiver struct {
	t      testing.TB
	srv    *httptest.Server
	secret string
	now    func() time.Time
	mu     sync.Mutex
	got    []hookDelivery
	byID   map[string]int // deliveries per X-Warroom-Delivery
	// arrived receives a value per webhook accepted, for tests that wait
	// for background workers.
	arrived chan struct{}
}

// hookDelivery is one webhook received, with the path it was sent to.
type hookDelivery struct {
	Path string
	webhook.Payload
}

func newHookReceiver(t testing.TB, secret string, now func() time.Time) *hookReceiver {
	h := &hookReceiver{t: t, secret: secret, now: now, byID: map[string]int{}, arrived: make(chan struct{}, 1000)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := webhook.Verify(h.secret, r.Header.Get(webhook.HeaderTimestamp), string(body),
			r.Header.Get(webhook.HeaderSignature), h.now(), 0)
		if err != nil {
			h.t.Errorf("webhook receiver: %v", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p webhook.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			h.t.Errorf("webhook receiver: %v", err)
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		h.got = append(h.got, hookDelivery{Path: r.URL.Path, Payload: p})
		h.byID[r.Header.Get(webhook.HeaderDelivery)]++
		w.WriteHeader(http.StatusNoContent)
		select {
		case h.arrived <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) url(path string) string { return h.srv.URL + path }

// to returns the webhooks received on path, in order.
func (h *hookReceiver) to(path string) []hookDelivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []hookDelivery
	for _, d := range h.got {
		if d.Path == path {
			out = append(out, d)
		}
	}
	return out
}

func (h *hookReceiver) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.got)
}

// deliveries returns how often each message ID arrived.
func (h *hookReceiver) deliveries() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for k, v := range h.byID {
		out[k] = v
	}
	return out
}
