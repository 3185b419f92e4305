package chat_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/chat"
	"github.com/warroom/warroom/chat/slack"
	"github.com/warroom/warroom/comms"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/internal/pgtest"
	"github.com/warroom/warroom/internal/slackfake"
	"github.com/warroom/warroom/internal/testclock"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/sqlstore"
)

// dialects runs a test against SQLite and, when WARROOM_TEST_POSTGRES is
// set, PostgreSQL.
func dialects(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, "sqlite:"+filepath.Join(t.TempDir(), "warroom.db")) })
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("WARROOM_TEST_POSTGRES")
		if base == "" {
			t.Skip("WARROOM_TEST_POSTGRES is unset")
		}
		f(t, pgtest.FreshDatabase(t, base, "wr_chat"))
	})
}

// env is a warroom process with chat on a fake Slack and a test clock.
type env struct {
	t      testing.TB
	ctx    context.Context
	clock  *testclock.Clock
	store  *sqlstore.Store
	fake   *slackfake.Server
	inc    *warroom.Incidents
	syncer *chat.Syncer
	ops    *chat.Ops
	inbox  *slack.Requests
	engine *engine.Engine
	users  map[string]*warroom.User
}

const announceChannel = "CANNOUNCE"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newEnv(t testing.TB, dsn string) *env {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := testclock.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	fake := slackfake.New(t)
	fake.AddChannel(announceChannel, "incidents")
	client := slack.New(slackfake.Token, fake.APIURL(), nil)
	e := &env{t: t, ctx: ctx, clock: clock, store: store, fake: fake, users: map[string]*warroom.User{}}
	e.inc = &warroom.Incidents{Store: store, Now: clock.Now, Policy: warroom.DefaultPolicy(),
		NewID: func() string { return uuid.Must(uuid.NewV7()).String() }, BridgeURLTemplate: "https://meet.example.com/{ref}"}
	e.syncer, err = chat.NewSyncer(chat.SyncConfig{Store: store, Client: client, Now: clock.Now, Announce: []string{announceChannel}, Owner: "test", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	e.inbox = slack.NewRequests("signing-secret", nil, time.Now)
	senders, _ := notify.NewRegistry()
	updates, err := comms.New(comms.Config{Store: store, Incidents: e.inc, Now: clock.Now, Policy: e.inc.Policy, Sender: senders})
	if err != nil {
		t.Fatal(err)
	}
	e.ops, err = chat.NewOps(chat.OpsConfig{Incidents: e.inc, Store: store, Client: client, Responder: e.inbox, Now: clock.Now, Logger: quiet,
		Updates: updates})
	if err != nil {
		t.Fatal(err)
	}
	store.SetIncidentReactor(e.syncer.Reactor)
	e.engine = engine.New(engine.Config{Store: store, Now: clock.Now, Owner: "test", Queues: []string{chat.Queue, chat.OpsQueue},
		Handlers: map[string]engine.Handler{chat.KindSync: e.syncer.Handle, chat.KindCommand: e.ops.HandleJob}})
	for i, h := range []string{"ada", "bob", "vera"} {
		role := warroom.AccountResponder
		if h == "vera" {
			role = warroom.AccountViewer
		}
		u := &warroom.User{Handle: h, Name: h, Email: h + "@example.com", TimeZone: "UTC", Role: role}
		if err := store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		e.users[h] = u
		fake.AddUser("U"+string(rune('A'+i)), h+"@example.com", h)
	}
	return e
}

// run runs the due jobs of both queues until none is left.
func (e *env) run() {
	e.t.Helper()
	for range 100 {
		n1, _ := e.engine.RunDue(e.ctx, chat.Queue)
		n2, _ := e.engine.RunDue(e.ctx, chat.OpsQueue)
		if n1+n2 == 0 {
			return
		}
	}
	e.t.Fatal("jobs keep coming")
}

func (e *env) actor(h string) warroom.Actor { return e.users[h].Actor() }

func (e *env) declare(h string, d warroom.Declaration) *warroom.Incident {
	e.t.Helper()
	res, err := e.inc.Declare(e.ctx, e.actor(h), d, warroom.Idempotency{})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Incident
}

func (e *env) exec(h string, inc *warroom.Incident, cmd warroom.Command) []warroom.Event {
	e.t.Helper()
	res, err := e.inc.Execute(e.ctx, e.actor(h), inc.ID, cmd, warroom.Idempotency{})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Events
}
