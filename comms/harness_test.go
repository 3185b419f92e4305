package comms

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/internal/storetest"
	"github.com/warroom/warroom/internal/testclock"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/email"
	"github.com/warroom/warroom/paging"
	"github.com/warroom/warroom/sqlstore"
)

// dialects runs a test on SQLite and, with WARROOM_TEST_POSTGRES, on
// PostgreSQL.
func dialects(t *testing.T, f func(t *testing.T, open storetest.Opener)) {
	storetest.EachOpener(t, "wr_comms", f)
}

// env is comms with paging's handlers (notify.user, incident.note) on a
// real store, a test clock and a runner that runs due jobs by hand.
type env struct {
	t         *testing.T
	ctx       context.Context
	store     *sqlstore.Store
	clock     *testclock.Clock
	incidents *warroom.Incidents
	svc       *Service
	handlers  map[string]engine.Handler
	users     map[string]*warroom.User
	hook      *recordingHook
}

var t0 = time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, st *sqlstore.Store, smtpAddr string, extra ...notify.Notifier) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), store: st, clock: testclock.New(t0), users: map[string]*warroom.User{},
		hook: &recordingHook{}}
	pol := warroom.DefaultPolicy()
	e.incidents = &warroom.Incidents{Store: st, Now: e.clock.Now, Policy: pol, NewID: newID}
	var notifiers []notify.Notifier
	if smtpAddr != "" {
		n, err := email.New(email.Config{Addr: smtpAddr, From: "warroom <warroom@example.com>", HelloName: "test"}, e.clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		notifiers = append(notifiers, n)
	}
	reg, err := notify.NewRegistry(append(notifiers, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	pager, err := paging.New(paging.Config{Store: st, Incidents: e.incidents, Now: e.clock.Now, Policy: pol, Notifiers: reg,
		AckSecret: []byte("0123456789abcdef0123"), BaseURL: "http://warroom.test", Owner: "test"})
	if err != nil {
		t.Fatal(err)
	}
	e.svc, err = New(Config{Store: st, Incidents: e.incidents, Now: e.clock.Now, Policy: pol, Sender: reg, Hook: e.hook})
	if err != nil {
		t.Fatal(err)
	}
	pr, cr := pager.Reactor(), e.svc.Reactor()
	st.SetIncidentReactor(func(inc *warroom.Incident, evs []warroom.Event) []engine.Job {
		return append(pr(inc, evs), cr(inc, evs)...)
	})
	e.handlers = pager.Handlers()
	maps.Copy(e.handlers, e.svc.Handlers())
	for _, h := range []string{"ada", "bob", "cy", "dee"} {
		e.user(h, "")
	}
	return e
}

func (e *env) user(handle, teamID string) *warroom.User {
	u := &warroom.User{Handle: handle, Name: handle, Email: handle + "@example.com", TimeZone: "UTC", Role: warroom.AccountResponder, TeamID: teamID}
	if err := e.store.CreateUser(e.ctx, u); err != nil {
		e.t.Fatal(err)
	}
	e.users[handle] = u
	return u
}

func (e *env) actor(handle string) warroom.Actor { return e.users[handle].Actor() }

// run runs every job due at the clock's time, and the follow-ups due by
// then, until none is left; a job that fails is retried a second later.
// It returns how many ran.
func (e *env) run() int {
	e.t.Helper()
	ran, _ := storetest.Jobs{Store: e.store, Queue: paging.QueueDefault, Now: e.clock.Now,
		Handle: storetest.ByKind(e.t, e.handlers), RetryAfter: time.Second}.Run(e.ctx, e.t)
	return ran
}

// at moves the clock to t0+d and runs what is due.
func (e *env) at(d time.Duration) {
	e.t.Helper()
	e.clock.Set(t0.Add(d))
	e.run()
}

func (e *env) declare(who string, d warroom.Declaration) *warroom.Incident {
	e.t.Helper()
	res, err := e.incidents.Declare(e.ctx, e.actor(who), d, warroom.Idempotency{})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Incident
}

func (e *env) exec(who, ref string, cmd warroom.Command) *warroom.Incident {
	e.t.Helper()
	res, err := e.incidents.Execute(e.ctx, e.actor(who), ref, cmd, warroom.Idempotency{})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Incident
}

// messages returns the outbox messages of an incident to a user's
// account email, by subject.
func (e *env) messages(incidentID, handle string) []string {
	e.t.Helper()
	msgs, err := e.store.ListMessages(e.ctx, incidentID, "")
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if m.UserID == e.users[handle].ID {
			out = append(out, m.Subject)
		}
	}
	return out
}

type recordingHook struct{ notices []Notice }

func (h *recordingHook) Notice(_ context.Context, _ string, n Notice) error {
	h.notices = append(h.notices, n)
	return nil
}

func (h *recordingHook) kinds() []string {
	var out []string
	for _, n := range h.notices {
		out = append(out, n.Kind)
	}
	return out
}
