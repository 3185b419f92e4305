package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/warroom/warroom/internal/testclock"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/sqlstore"
)

// syncBuffer collects the server's log lines from concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a running API over a real SQLite store, with a team "sre", an
// admin "root", responders "ada", "bob" and "carol" and a viewer "vic",
// each with an API token.
type env struct {
	t       *testing.T
	api     *Server
	srv     *httptest.Server
	store   *sqlstore.Store
	clock   *testclock.Clock
	logs    *syncBuffer
	users   map[string]*warroom.User
	secrets map[string]string // handle -> token secret
}

var epoch = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

// newEnv starts the API on a fresh SQLite file; wrap, if given, wraps the
// store the server sees.
func newEnv(t *testing.T, wrap func(warroom.Store) warroom.Store) *env {
	t.Helper()
	return newEnvOn(t, "sqlite:"+filepath.Join(t.TempDir(), "w.db"), wrap)
}

// newEnvOn is newEnv on the store at dsn, SQLite or PostgreSQL: the
// acceptance tests run on both.
func newEnvOn(t *testing.T, dsn string, wrap func(warroom.Store) warroom.Store) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	e := &env{t: t, store: st, clock: testclock.New(epoch), logs: &syncBuffer{},
		users: map[string]*warroom.User{}, secrets: map[string]string{}}
	var store warroom.Store = st
	if wrap != nil {
		store = wrap(st)
	}
	var n atomic.Int64
	inc := &warroom.Incidents{Store: store, Now: e.clock.Now, Policy: warroom.DefaultPolicy(),
		NewID: func() string { return fmt.Sprintf("inc-%04d", n.Add(1)) }}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.api = New(Config{Incidents: inc, Store: store, Now: e.clock.Now, Logger: logger})
	e.srv = httptest.NewServer(e.api)
	t.Cleanup(func() {
		e.srv.Close()
		_ = st.Close()
	})

	team := &warroom.Team{Slug: "sre", Name: "SRE", CreatedAt: epoch}
	if err := st.CreateTeam(ctx, team); err != nil {
		t.Fatalf("create team: %v", err)
	}
	for _, p := range []struct {
		handle string
		role   warroom.AccountRole
	}{{"root", warroom.AccountAdmin}, {"ada", warroom.AccountResponder}, {"bob", warroom.AccountResponder},
		{"carol", warroom.AccountResponder}, {"vic", warroom.AccountViewer}} {
		u := &warroom.User{Handle: p.handle, Name: strings.ToUpper(p.handle[:1]) + p.handle[1:],
			Email: p.handle + "@example.com", TimeZone: "UTC", TeamID: team.ID, Role: p.role, CreatedAt: epoch}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatalf("create user %s: %v", p.handle, err)
		}
		secret, hash, err := warroom.NewTokenSecret()
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateToken(ctx, &warroom.Token{UserID: u.ID, Name: "test", CreatedAt: epoch}, hash); err != nil {
			t.Fatalf("create token: %v", err)
		}
		e.users[p.handle], e.secrets[p.handle] = u, secret
	}
	return e
}

// resp is an answer of the API.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// do sends a request as the user with the given handle ("" for no token).
// body is sent as is if it is a string, else as JSON; a JSON content type
// is set for any body unless headers (name, value pairs) say otherwise.
func (e *env) do(who, method, path string, body any, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		case []byte:
			rd = bytes.NewReader(b)
		default:
			j, err := json.Marshal(b)
			if err != nil {
				e.t.Fatal(err)
			}
			rd = bytes.NewReader(j)
		}
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+e.secrets[who])
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// ok asserts the status and decodes the body into a T.
func ok[T any](t *testing.T, r resp, status int) T {
	t.Helper()
	var v T
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
	return v
}

// wantErr asserts an error answer: status, code and field, in the one
// error format, and returns its message.
func wantErr(t *testing.T, r resp, status int, code, field string) string {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error Content-Type %q, want JSON: %s", ct, r.Body)
	}
	var body struct {
		Error *warroom.Error `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Error == nil {
		t.Fatalf("not the error format (%v): %s", err, r.Body)
	}
	if body.Error.Code != code || body.Error.Field != field {
		t.Fatalf("error code %q field %q, want %q %q: %s", body.Error.Code, body.Error.Field, code, field, r.Body)
	}
	if body.Error.Message == "" {
		t.Fatalf("error without message: %s", r.Body)
	}
	return body.Error.Message
}

// wantMsg asserts an error message exactly.
func wantMsg(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("message %q, want %q", got, want)
	}
}

// wantContains asserts that an error message contains each part.
func wantContains(t *testing.T, got string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(got, p) {
			t.Fatalf("message %q does not contain %q", got, p)
		}
	}
}

// declare declares a SEV3 incident as who and returns it.
func (e *env) declare(who, title string, private bool) *warroom.Incident {
	e.t.Helper()
	res := ok[warroom.CommandResult](e.t, e.do(who, "POST", "/api/v1/incidents",
		map[string]any{"title": title, "severity": "SEV3", "private": private}), http.StatusCreated)
	return res.Incident
}

// timelineLen returns how many events an incident has, read from the store.
func (e *env) timelineLen(id string) int {
	e.t.Helper()
	events, err := e.store.Timeline(context.Background(), id, 0, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(events)
}
