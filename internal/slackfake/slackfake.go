// Package slackfake is a Slack Web API for tests: an httptest server
// that speaks the methods warroom uses (conversations.create, setTopic,
// setPurpose, invite, archive, chat.postMessage, users.lookupByEmail,
// users.info) with Slack's JSON answers and errors (name_taken,
// already_in_channel, users_not_found, is_archived, and ratelimited as
// HTTP 429 with Retry-After), and response URLs that record what is
// posted to them. Point slack-go at URL() + "/api/".
package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Token is the bot token the fake accepts.
const Token = "xoxb-test-token"

// Call is one Web API call the fake answered (successfully or not).
type Call struct {
	Method string
	Params url.Values
	OK     bool
	Error  string
}

// Channel is a channel the fake holds.
type Channel struct {
	ID, Name, Topic, Purpose string
	Private, Archived        bool
	Members                  []string
	Messages                 []Message
}

// Message is a message posted to a channel.
type Message struct {
	TS, Text, Blocks string
}

// User is a Slack user.
type User struct{ ID, Email, Name string }

// Server is the fake.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	channels  map[string]*Channel // by ID
	order     []string
	users     []User
	calls     []Call
	responses map[string][]json.RawMessage
	down      bool
	limited   int // the next n calls answer 429
	retry     int // Retry-After seconds
	ts        int
	changed   chan struct{} // closed and replaced at every call
}

// New starts a fake Slack; it stops at the end of the test.
func New(t testing.TB) *Server {
	s := &Server{channels: map[string]*Channel{}, responses: map[string][]json.RawMessage{}, changed: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// APIURL is the Web API root for slack-go (slack.OptionAPIURL).
func (s *Server) APIURL() string { return s.URL + "/api/" }

// WaitFor waits until cond holds, checking it after every request the
// fake answers; it fails the test if that takes longer than timeout (a
// real server under test runs on the wall clock).
func (s *Server) WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("slackfake: %s did not happen within %s; calls: %+v", what, timeout, s.Calls())
		}
	}
}

// bump wakes WaitFor; s.mu is held.
func (s *Server) bump() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// ResponseURL is a response URL named id.
func (s *Server) ResponseURL(id string) string { return s.URL + "/response/" + id }

// AddUser adds a Slack user.
func (s *Server) AddUser(id, email, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = append(s.users, User{ID: id, Email: email, Name: name})
}

// AddChannel adds an existing channel (to make a name taken).
func (s *Server) AddChannel(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[id] = &Channel{ID: id, Name: name}
	s.order = append(s.order, id)
}

// SetDown makes every call fail with HTTP 503 (an outage) or not.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// RateLimit makes the next n calls answer 429 ratelimited with
// Retry-After: seconds.
func (s *Server) RateLimit(n, seconds int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limited, s.retry = n, seconds
}

// Calls returns the calls answered so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Channel returns a copy of the channel named name, or nil.
func (s *Server) Channel(name string) *Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.order {
		if c := s.channels[id]; c.Name == name {
			cp := *c
			cp.Members = append([]string(nil), c.Members...)
			cp.Messages = append([]Message(nil), c.Messages...)
			return &cp
		}
	}
	return nil
}

// ChannelByID returns a copy of a channel, or nil.
func (s *Server) ChannelByID(id string) *Channel {
	s.mu.Lock()
	c, ok := s.channels[id]
	s.mu.Unlock()
	if !ok {
		return nil
	}
	return s.Channel(c.Name)
}

// Responses returns the JSON bodies posted to response URL id.
func (s *Server) Responses(id string) []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]json.RawMessage(nil), s.responses[id]...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if id, ok := strings.CutPrefix(r.URL.Path, "/response/"); ok {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.responses[id] = append(s.responses[id], json.RawMessage(b))
		s.bump()
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	_ = r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.bump()
	call := Call{Method: method, Params: r.PostForm}
	switch {
	case s.down:
		call.Error = "503"
		s.calls = append(s.calls, call)
		http.Error(w, "<html>service unavailable</html>", http.StatusServiceUnavailable)
		return
	case s.limited > 0:
		s.limited--
		call.Error = "ratelimited"
		s.calls = append(s.calls, call)
		w.Header().Set("Retry-After", fmt.Sprint(s.retry))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
		return
	case r.Header.Get("Authorization") != "Bearer "+Token && r.PostForm.Get("token") != Token:
		s.answer(w, &call, nil, "invalid_auth")
		return
	}
	body, errCode := s.method(method, r.PostForm)
	s.answer(w, &call, body, errCode)
}

func (s *Server) answer(w http.ResponseWriter, call *Call, body map[string]any, errCode string) {
	if body == nil {
		body = map[string]any{}
	}
	body["ok"] = errCode == ""
	if errCode != "" {
		body["error"] = errCode
	}
	call.OK, call.Error = errCode == "", errCode
	s.calls = append(s.calls, *call)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Server) channelJSON(c *Channel) map[string]any {
	return map[string]any{"id": c.ID, "name": c.Name, "is_channel": !c.Private, "is_group": false, "is_private": c.Private,
		"is_archived": c.Archived, "created": 1700000000, "creator": "UBOT", "is_member": true,
		"topic":   map[string]any{"value": c.Topic, "creator": "UBOT", "last_set": 1700000000},
		"purpose": map[string]any{"value": c.Purpose, "creator": "UBOT", "last_set": 1700000000}}
}

func (s *Server) method(method string, p url.Values) (map[string]any, string) {
	ch := func() (*Channel, string) {
		c, ok := s.channels[p.Get("channel")]
		if !ok {
			return nil, "channel_not_found"
		}
		return c, ""
	}
	switch method {
	case "conversations.create":
		name := p.Get("name")
		if name == "" || len(name) > 80 || strings.ToLower(name) != name || strings.ContainsAny(name, " .#") {
			return nil, "invalid_name_specials"
		}
		for _, c := range s.channels {
			if c.Name == name {
				return nil, "name_taken"
			}
		}
		c := &Channel{ID: fmt.Sprintf("C%08d", len(s.channels)+1), Name: name, Private: p.Get("is_private") == "true"}
		s.channels[c.ID] = c
		s.order = append(s.order, c.ID)
		return map[string]any{"channel": s.channelJSON(c)}, ""
	case "conversations.setTopic", "conversations.setPurpose":
		c, e := ch()
		if e != "" {
			return nil, e
		}
		if c.Archived {
			return nil, "is_archived"
		}
		if method == "conversations.setTopic" {
			if len([]rune(p.Get("topic"))) > 250 {
				return nil, "too_long"
			}
			c.Topic = p.Get("topic")
		} else {
			if len([]rune(p.Get("purpose"))) > 250 {
				return nil, "too_long"
			}
			c.Purpose = p.Get("purpose")
		}
		return map[string]any{"channel": s.channelJSON(c)}, ""
	case "conversations.invite":
		c, e := ch()
		if e != "" {
			return nil, e
		}
		for _, u := range strings.Split(p.Get("users"), ",") {
			for _, m := range c.Members {
				if m == u {
					return nil, "already_in_channel"
				}
			}
			if !s.hasUser(u) {
				return nil, "user_not_found"
			}
			c.Members = append(c.Members, u)
		}
		return map[string]any{"channel": s.channelJSON(c)}, ""
	case "conversations.archive":
		c, e := ch()
		if e != "" {
			return nil, e
		}
		if c.Archived {
			return nil, "already_archived"
		}
		c.Archived = true
		return nil, ""
	case "chat.postMessage":
		c, e := ch()
		if e != "" {
			return nil, e
		}
		if c.Archived {
			return nil, "is_archived"
		}
		s.ts++
		ts := fmt.Sprintf("1700000000.%06d", s.ts)
		c.Messages = append(c.Messages, Message{TS: ts, Text: p.Get("text"), Blocks: p.Get("blocks")})
		return map[string]any{"channel": c.ID, "ts": ts, "message": map[string]any{"type": "message", "text": p.Get("text"), "ts": ts}}, ""
	case "users.lookupByEmail":
		for _, u := range s.users {
			if strings.EqualFold(u.Email, p.Get("email")) {
				return map[string]any{"user": userJSON(u)}, ""
			}
		}
		return nil, "users_not_found"
	case "users.info":
		for _, u := range s.users {
			if u.ID == p.Get("user") {
				return map[string]any{"user": userJSON(u)}, ""
			}
		}
		return nil, "user_not_found"
	}
	return nil, "unknown_method"
}

func (s *Server) hasUser(id string) bool {
	for _, u := range s.users {
		if u.ID == id {
			return true
		}
	}
	return false
}

func userJSON(u User) map[string]any {
	return map[string]any{"id": u.ID, "team_id": "T0001", "name": u.Name, "real_name": u.Name, "deleted": false,
		"profile": map[string]any{"email": u.Email, "real_name": u.Name, "display_name": u.Name}}
}
