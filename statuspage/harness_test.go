package statuspage

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/comms"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/internal/storetest"
	"github.com/warroom/warroom/internal/testclock"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/email"
	"github.com/warroom/warroom/notify/webhook"
	"github.com/warroom/warroom/paging"
	"github.com/warroom/warroom/sqlstore"
)

// dialects runs a test on SQLite and, with WARROOM_TEST_POSTGRES, on
// PostgreSQL.
func dialects(t *testing.T, f func(t *testing.T, open storetest.Opener)) {
	storetest.EachOpener(t, "wr_status", f)
}

func openSQLite(t testing.TB) *sqlstore.Store {
	s, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// env is the status page on a real store, with comms (customer updates
// go through it as in the server), a test clock, the public handler on a
// loopback server, and a runner for the engine's due jobs.
type env struct {
	t         testing.TB
	ctx       context.Context
	store     *sqlstore.Store
	clock     *testclock.Clock
	incidents *warroom.Incidents
	comms     *comms.Service
	svc       *Service
	srv       *httptest.Server
	users     map[string]*warroom.User
	admin     warroom.Actor
}

var t0 = time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)

type envOpts struct {
	smtpAddr string
	loc      *time.Location
	start    time.Time
}

func newEnv(t testing.TB, st *sqlstore.Store, o envOpts) *env {
	t.Helper()
	if o.start.IsZero() {
		o.start = t0
	}
	e := &env{t: t, ctx: context.Background(), store: st, clock: testclock.New(o.start), users: map[string]*warroom.User{}}
	pol := warroom.DefaultPolicy()
	e.incidents = &warroom.Incidents{Store: st, Now: e.clock.Now, Policy: pol, NewID: newID}
	notifiers := []notify.Notifier{webhook.New(webhook.Config{}, &http.Client{Timeout: 5 * time.Second}, e.clock.Now)}
	if o.smtpAddr != "" {
		n, err := email.New(email.Config{Addr: o.smtpAddr, From: "Status <status@example.com>", HelloName: "test"}, e.clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		notifiers = append(notifiers, n)
	}
	reg, err := notify.NewRegistry(notifiers...)
	if err != nil {
		t.Fatal(err)
	}
	e.comms, err = comms.New(comms.Config{Store: st, Incidents: e.incidents, Now: e.clock.Now, Policy: pol, Sender: reg})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.svc, err = New(Config{Store: st, Now: e.clock.Now, Policy: pol, Sender: reg, Key: []byte("0123456789abcdef0123"),
		BaseURL: e.srv.URL, Name: "Acme Cloud", LogoURL: "https://acme.test/logo.png",
		Links: []Link{{Name: "Support", URL: "https://acme.test/support"}}, Location: o.loc})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/", e.svc.Handler())
	st.SetIncidentReactor(e.svc.Reactor())
	for _, h := range []string{"ada", "bob"} {
		u := &warroom.User{Handle: h, Name: "Zelda Quartermain " + h, Email: h + "@example.com", TimeZone: "UTC", Role: warroom.AccountResponder}
		if err := st.CreateUser(e.ctx, u); err != nil {
			t.Fatal(err)
		}
		e.users[h] = u
	}
	e.admin = warroom.Actor{UserID: "root", Role: warroom.AccountAdmin}
	return e
}

func (e *env) actor(h string) warroom.Actor { return e.users[h].Actor() }

// run runs every job due at the clock's time, and their follow-ups due
// by then, until none is left; jobs of other services' kinds (paging's)
// are done without running, and a job that fails is retried a second
// later. It returns how many ran.
func (e *env) run() int {
	e.t.Helper()
	handlers := e.svc.Handlers()
	ran, _ := storetest.Jobs{Store: e.store, Queue: paging.QueueDefault, Now: e.clock.Now, RetryAfter: time.Second, Rounds: 1000,
		Handle: func(ctx context.Context, j engine.Job, now time.Time) ([]engine.Job, error) {
			if h := handlers[j.Kind]; h != nil {
				return h(ctx, j, now)
			}
			return nil, nil
		}}.Run(e.ctx, e.t)
	return ran
}

// at moves the clock to t and runs what is due.
func (e *env) at(t time.Time) {
	e.t.Helper()
	e.clock.Set(t)
	e.run()
}

func (e *env) service(slug string) *warroom.Service {
	e.t.Helper()
	svc := &warroom.Service{Slug: slug, Name: slug}
	if err := e.store.CreateService(e.ctx, svc); err != nil {
		e.t.Fatal(err)
	}
	return svc
}

func (e *env) component(name, group string, services ...string) *warroom.StatusComponent {
	e.t.Helper()
	c, err := e.svc.CreateComponent(e.ctx, e.admin, ComponentInput{Name: name, Group: group, Services: services})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) declare(who string, d warroom.Declaration) *warroom.Incident {
	e.t.Helper()
	res, err := e.incidents.Declare(e.ctx, e.actor(who), d, warroom.Idempotency{})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Incident
}

func (e *env) exec(who, ref string, cmd warroom.Command) {
	e.t.Helper()
	if _, err := e.incidents.Execute(e.ctx, e.actor(who), ref, cmd, warroom.Idempotency{}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) publish(who, ref, title string) *warroom.PublicIncident {
	e.t.Helper()
	p, err := e.svc.MakePublic(e.ctx, e.actor(who), ref, warroom.MakePublic{Title: title}, warroom.Idempotency{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.run()
	return p
}

func (e *env) customerUpdate(who, ref, body string) {
	e.t.Helper()
	_, err := e.comms.SendUpdate(e.ctx, e.actor(who), ref, comms.UpdateInput{Audience: warroom.AudienceCustomers,
		Subject: "Customer update", Body: body}, warroom.Idempotency{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.run()
}

// get fetches a public path and returns its status and body.
func (e *env) get(path string) (int, string) {
	e.t.Helper()
	res, err := http.Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// post posts a form to a public path.
func (e *env) post(path string, form url.Values) (int, string) {
	e.t.Helper()
	res, err := http.Post(e.srv.URL+path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

type commsUpdate = comms.UpdateInput

// recorder is a webhook receiver that keeps the subjects it is sent.
type recorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	subj []string
}

func newRecorder(t testing.TB) *recorder {
	r := &recorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var p webhook.Payload
		if err := json.NewDecoder(req.Body).Decode(&p); err != nil {
			w.WriteHeader(400)
			return
		}
		r.mu.Lock()
		r.subj = append(r.subj, p.Subject)
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) subjects() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.subj...)
}
