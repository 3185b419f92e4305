package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/warroom/warroom"
)

// postgresEnv names the PostgreSQL server the PostgreSQL variants run
// against, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const postgresEnv = "WARROOM_TEST_POSTGRES"

// testSQLite opens a store in a fresh file.
func testSQLite(tb testing.TB) *Store {
	tb.Helper()
	s, err := Open(context.Background(), "sqlite:"+filepath.Join(tb.TempDir(), "warroom.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// testPostgres opens a store in a fresh schema of the server named by
// WARROOM_TEST_POSTGRES, dropped again at cleanup; it skips the test if
// the variable is unset.
func testPostgres(tb testing.TB) *Store {
	tb.Helper()
	dsn := postgresDSN(tb)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	schema := "wr_test_" + randomHex(tb, 8)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Error(err)
		}
		admin.Close(ctx)
	})
	s, err := Open(ctx, withParam(tb, dsn, "search_path", schema))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() }) // runs before the schema is dropped
	return s
}

// postgresDSN returns WARROOM_TEST_POSTGRES or skips the test.
func postgresDSN(tb testing.TB) string {
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		tb.Skipf("%s is unset; set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run the PostgreSQL variant", postgresEnv)
	}
	return dsn
}

func withParam(tb testing.TB, dsn, key, value string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(tb testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// dialects lists the ways to open a store that the suites run against.
var dialects = []struct {
	name string
	open func(testing.TB) *Store
}{
	{"sqlite", testSQLite},
	{"postgres", testPostgres},
}

// t0 has nanoseconds on purpose: events must keep them exactly.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)

// fixture is a store with people to act in it.
type fixture struct {
	tb     testing.TB
	s      *Store
	ctx    context.Context
	now    time.Time
	admin  *warroom.User
	ada    *warroom.User // responder
	bob    *warroom.User // responder
	policy warroom.Policy
}

func newFixture(tb testing.TB, s *Store) *fixture {
	f := &fixture{tb: tb, s: s, ctx: context.Background(), now: t0, policy: warroom.DefaultPolicy()}
	f.admin = f.user("root", warroom.AccountAdmin)
	f.ada = f.user("ada", warroom.AccountResponder)
	f.bob = f.user("bob", warroom.AccountResponder)
	return f
}

func (f *fixture) user(handle string, role warroom.AccountRole) *warroom.User {
	f.tb.Helper()
	u := &warroom.User{Handle: handle, Name: handle, Email: handle + "@example.com", TimeZone: "UTC", Role: role}
	if err := f.s.CreateUser(f.ctx, u); err != nil {
		f.tb.Fatal(err)
	}
	return u
}

// tick advances the fixture's clock by a second and a few nanoseconds.
func (f *fixture) tick() time.Time {
	f.now = f.now.Add(time.Second + 7)
	return f.now
}

// testIncidentID returns a new incident ID. Not "inc-" and hex: 16 hex
// digits are all decimal now and then (1 in 1,900), and FindIncident
// takes "inc-2973487236842469" for the ref INC-2973487236842469.
func testIncidentID(tb testing.TB) string { return "incident-" + randomHex(tb, 8) }

// declare declares an incident as a through the domain's rules.
func (f *fixture) declare(a *warroom.User, d warroom.Declaration, idem warroom.Idempotency) (*warroom.CommandResult, error) {
	return f.declareAt(a, d, idem, f.tick())
}

// declareAt declares at a given time; safe for concurrent use.
func (f *fixture) declareAt(a *warroom.User, d warroom.Declaration, idem warroom.Idempotency, now time.Time) (*warroom.CommandResult, error) {
	id := testIncidentID(f.tb)
	return f.s.DeclareIncident(f.ctx, idem, func(number int64) ([]warroom.Event, error) {
		d.Number = number
		return warroom.Declare(id, d, a.Actor(), now, f.policy)
	})
}

// mustDeclare declares a SEV3 incident with the given title.
func (f *fixture) mustDeclare(a *warroom.User, title string, edit ...func(*warroom.Declaration)) *warroom.Incident {
	f.tb.Helper()
	d := warroom.Declaration{Title: title, Severity: warroom.SEV3}
	for _, e := range edit {
		e(&d)
	}
	res, err := f.declare(a, d, warroom.Idempotency{})
	if err != nil {
		f.tb.Fatal(err)
	}
	return res.Incident
}

// exec runs a command on an incident through the domain's rules.
func (f *fixture) exec(a *warroom.User, idOrRef string, cmd warroom.Command, idem warroom.Idempotency) (*warroom.CommandResult, error) {
	now := f.tick()
	return f.s.UpdateIncident(f.ctx, idOrRef, idem, func(inc *warroom.Incident) ([]warroom.Event, error) {
		return warroom.Decide(inc, a.Actor(), cmd, now, f.policy)
	})
}

func (f *fixture) mustExec(a *warroom.User, idOrRef string, cmd warroom.Command) *warroom.CommandResult {
	f.tb.Helper()
	res, err := f.exec(a, idOrRef, cmd, warroom.Idempotency{})
	if err != nil {
		f.tb.Fatal(err)
	}
	return res
}

// appendNotes appends n notes to an incident, batch per transaction.
func (f *fixture) appendNotes(incidentID string, n, batch int) {
	f.tb.Helper()
	for n > 0 {
		k := min(n, batch)
		_, err := f.s.UpdateIncident(f.ctx, incidentID, warroom.Idempotency{}, func(inc *warroom.Incident) ([]warroom.Event, error) {
			events := make([]warroom.Event, k)
			for i := range events {
				events[i] = warroom.Event{IncidentID: inc.ID, Seq: inc.Version + int64(i) + 1, Type: warroom.EntryNote,
					At: f.tick(), ActorID: f.ada.ID, Text: "checked the dashboards; error rate still 12% on the edge proxies"}
			}
			return events, nil
		})
		if err != nil {
			f.tb.Fatal(err)
		}
		n -= k
	}
}

// queryPlan returns the steps of SQLite's plan for query, one line each.
func queryPlan(t *testing.T, s *Store, query string, args ...any) []string {
	t.Helper()
	rows, err := s.db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}
