package e2e_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to look into the jobs table
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"

	"github.com/warroom/warroom/notify/webhook"
)

// kill ends the server with SIGKILL (no shutdown, nothing flushed) and
// waits until the process is gone. Its cleanup then does nothing.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("kill the server: %v", err)
	}
	select {
	case <-s.exited:
	case <-time.After(deadline):
		t.Fatalf("the server did not die within %s of SIGKILL", deadline)
	}
}

// logTail is the end of the server's log, for failure messages.
func (s *server) logTail() string {
	l := s.logs.String()
	if len(l) > 16<<10 {
		l = "…" + l[len(l)-16<<10:]
	}
	return l
}

// delivery is one page request the receiver got.
type delivery struct {
	id         string // X-Warroom-Delivery
	alertID    string
	incidentID string
	kind       string
	why        string // a page's "Why you" field: which step of which policy
	step       int    // the escalation step it names, from 1 (0: none)
	// life is the receiver's life count (pageReceiver.life) when the
	// connection it came on was accepted: which server process sent it.
	life int
}

// stepOf reads the escalation step from a page's "Why you" field ("paged
// by step 2 of 2, round 1 of 1 of escalation policy …").
var stepOf = regexp.MustCompile(`\bstep (\d+) of \d+, round \d+ of \d+ of escalation policy\b`)

// pageReceiver is the webhook contact method of the person paged: it
// checks every request's signature, that the delivery header matches the
// payload's ID, and records it. Each connection is tagged with life when
// it is accepted; a test that kills a server and starts the next adds one
// to life in between, so a request the killed server wrote just before it
// died still counts as the killed server's even when it is read later.
type pageReceiver struct {
	srv    *httptest.Server
	secret string
	life   atomic.Int32
	// onPage, if set, runs for each recorded delivery before it is
	// answered: the test kills the server there, mid-send.
	onPage atomic.Pointer[func(delivery)]

	mu         sync.Mutex
	deliveries []delivery
	problems   []string
}

type lifeKey struct{}

func newPageReceiver(t *testing.T, secret string) *pageReceiver {
	r := &pageReceiver{secret: secret}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	r.srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, lifeKey{}, int(r.life.Load()))
	}
	r.srv.Start() // on 127.0.0.1
	t.Cleanup(r.srv.Close)
	return r
}

func (r *pageReceiver) url() string { return r.srv.URL + "/pages/pager" }

func (r *pageReceiver) serve(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return // the sender died mid-request: nothing was delivered
	}
	problem := func(format string, args ...any) {
		r.mu.Lock()
		r.problems = append(r.problems, fmt.Sprintf(format, args...))
		r.mu.Unlock()
		http.Error(w, "refused", http.StatusBadRequest)
	}
	if err := webhook.Verify(r.secret, req.Header.Get(webhook.HeaderTimestamp), string(body),
		req.Header.Get(webhook.HeaderSignature), at, 0); err != nil {
		problem("page with a bad signature (%v): %s", err, body)
		return
	}
	var p webhook.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		problem("page is not a webhook payload (%v): %s", err, body)
		return
	}
	id := req.Header.Get(webhook.HeaderDelivery)
	if id == "" || id != p.ID {
		problem("delivery header %q does not match payload id %q", id, p.ID)
		return
	}
	life, _ := req.Context().Value(lifeKey{}).(int)
	d := delivery{id: id, alertID: p.AlertID, incidentID: p.IncidentID, kind: p.Kind, life: life}
	for _, f := range p.Fields {
		if f.Name == "Why you" {
			d.why = f.Value
		}
	}
	if d.kind == "page" {
		m := stepOf.FindStringSubmatch(d.why)
		if m == nil {
			problem("page %s does not say which escalation step sent it (Why you: %q)", id, d.why)
			return
		}
		d.step, _ = strconv.Atoi(m[1])
	}
	r.mu.Lock()
	r.deliveries = append(r.deliveries, d)
	r.mu.Unlock()
	if f := r.onPage.Load(); f != nil {
		(*f)(d)
	}
	w.WriteHeader(http.StatusOK)
}

// snapshot returns the deliveries and problems so far.
func (r *pageReceiver) snapshot() ([]delivery, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.deliveries...), append([]string(nil), r.problems...)
}

// pagedAlerts returns the alert IDs that got a page so far.
func (r *pageReceiver) pagedAlerts() map[string]bool {
	ds, _ := r.snapshot()
	out := map[string]bool{}
	for _, d := range ds {
		if d.kind == "page" && d.alertID != "" {
			out[d.alertID] = true
		}
	}
	return out
}

// amAlert is one alert of an Alertmanager webhook (payload version 4).
type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// alertmanagerBody is a webhook as Alertmanager sends one group: every
// alert firing, with its own fingerprint, sharing groupKey.
func alertmanagerBody(groupKey, severity string, fingerprints []string) []byte {
	now := time.Now().UTC().Format(time.RFC3339)
	alerts := make([]amAlert, len(fingerprints))
	for i, fp := range fingerprints {
		alerts[i] = amAlert{Status: "firing",
			Labels: map[string]string{"alertname": "CrashTest", "instance": "pod-" + fp, "severity": severity},
			Annotations: map[string]string{"summary": "crash test alert " + fp,
				"description": "posted while the server is killed"},
			StartsAt: now, EndsAt: "0001-01-01T00:00:00Z",
			GeneratorURL: "http://prometheus.example.com/graph?g0.expr=up", Fingerprint: fp}
	}
	b, err := json.Marshal(map[string]any{"receiver": "warroom", "status": "firing", "alerts": alerts,
		"groupLabels": map[string]string{"alertname": "CrashTest"}, "commonLabels": map[string]string{"alertname": "CrashTest"},
		"commonAnnotations": map[string]string{}, "externalURL": "http://alertmanager.example.com:9093",
		"version": "4", "groupKey": groupKey, "truncatedAlerts": 0})
	if err != nil {
		panic(err) // plain maps and strings always marshal
	}
	return b
}

// postAlerts posts an Alertmanager webhook to the integration key and
// returns the status (0 and the error when no answer came).
func postAlerts(client *http.Client, base, key string, body []byte) (int, error) {
	resp, err := client.Post(base+"/webhook/"+key, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

// dbPeek reads the server's database directly, for what the API does not
// show: the escalation jobs waiting for their time, and which process
// holds a claim. Only SELECTs; it never changes anything (the one write,
// makeStepsDue, opens its own connection while no server runs).
type dbPeek struct {
	db       *sql.DB
	postgres bool
}

func openPeek(t *testing.T, dsn string) *dbPeek {
	t.Helper()
	p := openDatabase(t, dsn, true)
	t.Cleanup(func() { p.db.Close() })
	return p
}

// openDatabase opens the server's database with one connection (on
// SQLite, read-only if readOnly).
func openDatabase(t *testing.T, dsn string, readOnly bool) *dbPeek {
	t.Helper()
	p := &dbPeek{postgres: strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")}
	var err error
	if p.postgres {
		p.db, err = sql.Open("pgx", dsn)
	} else {
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "sqlite:")
		opts := "?_pragma=busy_timeout(10000)"
		if readOnly {
			opts += "&_pragma=query_only(1)"
		}
		p.db, err = sql.Open("sqlite", path+opts)
	}
	if err != nil {
		t.Fatalf("open the database to look into it: %v", err)
	}
	p.db.SetMaxOpenConns(1)
	return p
}

// makeStepsDue moves every escalation.step job not yet run to be due at
// at, as if the server had stayed down until the step's time, and returns
// those jobs as they were. It writes to the database, so the test calls
// it only while no server runs on it.
func makeStepsDue(t *testing.T, dsn string, at time.Time) []escalationJob {
	t.Helper()
	w := openDatabase(t, dsn, false)
	defer w.db.Close()
	var moved []escalationJob
	for _, j := range w.escalationJobs(t) {
		if j.done {
			continue
		}
		q, arg := "UPDATE jobs SET due_at = ? WHERE id = ? AND done_at IS NULL", any(at.UTC().UnixMicro())
		if w.postgres {
			q, arg = "UPDATE jobs SET due_at = $1 WHERE id = $2 AND done_at IS NULL", at.UTC()
		}
		if _, err := w.db.Exec(q, arg, j.id); err != nil {
			t.Fatalf("make escalation job %s due: %v", j.id, err)
		}
		moved = append(moved, j)
	}
	return moved
}

// ownerPID is the process ID in a claim's owner ("host/pid/random", as
// the server names itself), or 0.
func ownerPID(owner string) int {
	parts := strings.Split(owner, "/")
	if len(parts) != 3 {
		return 0
	}
	pid, _ := strconv.Atoi(parts[1])
	return pid
}

// messageOwner returns who holds a message's claim now ("" for none).
func (p *dbPeek) messageOwner(id string) (string, error) {
	q := "SELECT COALESCE(owner, '') FROM messages WHERE id = ?"
	if p.postgres {
		q = "SELECT COALESCE(owner, '') FROM messages WHERE id = $1"
	}
	var owner string
	err := p.db.QueryRow(q, id).Scan(&owner)
	return owner, err
}

// owners returns every process that ever claimed a job.
func (p *dbPeek) owners(t *testing.T) map[string]bool {
	t.Helper()
	rows, err := p.db.Query("SELECT DISTINCT owner FROM jobs WHERE owner IS NOT NULL")
	if err != nil {
		t.Fatalf("read job owners: %v", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			t.Fatal(err)
		}
		out[o] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// outboxRow is a message as the database holds it.
type outboxRow struct {
	id, state, owner, alertID string
}

func (p *dbPeek) messages(t *testing.T) []outboxRow {
	t.Helper()
	rows, err := p.db.Query("SELECT id, state, COALESCE(owner, ''), COALESCE(alert_id, '') FROM messages")
	if err != nil {
		t.Fatalf("read messages: %v", err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var m outboxRow
		if err := rows.Scan(&m.id, &m.state, &m.owner, &m.alertID); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// escalationJob is an escalation.step job: its payload and whether it
// has run.
type escalationJob struct {
	AlertID  string    `json:"alert_id"`
	Purpose  string    `json:"purpose"`
	PolicyID string    `json:"policy_id"`
	Step     int       `json:"step"`
	Round    int       `json:"round"`
	NextAt   time.Time `json:"next_at"`
	id       string
	done     bool
	owner    string
}

func (p *dbPeek) escalationJobs(t *testing.T) []escalationJob {
	t.Helper()
	q := "SELECT id, COALESCE(payload, ''), done_at IS NOT NULL, COALESCE(owner, '') FROM jobs WHERE kind = 'escalation.step'"
	if p.postgres {
		q = "SELECT id, COALESCE(payload::text, ''), done_at IS NOT NULL, COALESCE(owner, '') FROM jobs WHERE kind = 'escalation.step'"
	}
	rows, err := p.db.Query(q)
	if err != nil {
		t.Fatalf("read escalation jobs: %v", err)
	}
	defer rows.Close()
	var out []escalationJob
	for rows.Next() {
		var payload string
		var j escalationJob
		if err := rows.Scan(&j.id, &payload, &j.done, &j.owner); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(payload), &j); err != nil {
			t.Fatalf("escalation.step payload %q: %v", payload, err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
