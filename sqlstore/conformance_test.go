package sqlstore

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestConformance runs the store's contract against every dialect; the
// PostgreSQL variant runs when WARROOM_TEST_POSTGRES is set.
func TestConformance(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			if d.name == "postgres" {
				testPostgres(t) // skips early, with the reason, when unset
			}
			runConformance(t, func(t *testing.T) *Store { return d.open(t) })
		})
	}
}

// runConformance checks every rule of warroom.Store against stores made
// by open, a fresh, empty store per test.
func runConformance(t *testing.T, open func(t *testing.T) *Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, f *fixture)
	}{
		{"Users", testUsers},
		{"UserConflicts", testUserConflicts},
		{"Teams", testTeams},
		{"Services", testServices},
		{"Tokens", testTokens},
		{"Ping", testPing},
		{"Declare", testDeclare},
		{"DeclareIdempotency", testDeclareIdempotency},
		{"DeclareSameKeyConcurrently", testDeclareSameKeyConcurrently},
		{"DeclareConcurrently", testDeclareConcurrently},
		{"Update", testUpdate},
		{"UpdateNothing", testUpdateNothing},
		{"UpdateErrors", testUpdateErrors},
		{"UpdateIdempotency", testUpdateIdempotency},
		{"UpdateConcurrently", testUpdateConcurrently},
		{"RequestReplays", testRequestReplays},
		{"RequestReplaysConcurrently", testRequestReplaysConcurrently},
		{"ListVisibility", testListVisibility},
		{"ListFilters", testListFilters},
		{"ListPaging", testListPaging},
		{"Timeline", testTimeline},
		{"TimesRoundTrip", testTimesRoundTrip},
		{"PanicReleasesTheWriter", testPanicReleasesTheWriter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newFixture(t, open(t))) })
	}
}

// wantCode fails unless err carries the warroom error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := warroom.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

// wantError fails unless err has the code and the exact message.
func wantError(t *testing.T, err error, code, msg string) {
	t.Helper()
	wantCode(t, err, code)
	if got := warroom.ErrorMessage(err); got != msg {
		t.Fatalf("error message %q, want %q", got, msg)
	}
}

func testUsers(t *testing.T, f *fixture) {
	team := &warroom.Team{Slug: "sre", Name: "SRE"}
	if err := f.s.CreateTeam(f.ctx, team); err != nil {
		t.Fatal(err)
	}
	u := &warroom.User{Handle: "cy", Name: "Cy", Email: "cy@example.com", TimeZone: "Europe/Berlin",
		TeamID: team.ID, Role: warroom.AccountViewer, CreatedAt: t0}
	if err := f.s.CreateUser(f.ctx, u); err != nil {
		t.Fatal(err)
	}
	if u.ID == "" || !u.CreatedAt.Equal(normTime(t0)) {
		t.Fatalf("created %+v: want an ID and the creation time to the microsecond", u)
	}
	for _, key := range []string{u.ID, "cy", "@cy", "CY"} {
		got, err := f.s.FindUser(f.ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, u) {
			t.Fatalf("FindUser(%q) = %+v, want %+v", key, got, u)
		}
	}
	u.Name, u.Handle, u.TeamID = "Cy Young", "cyy", ""
	if err := f.s.UpdateUser(f.ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.FindUser(f.ctx, "cyy")
	if err != nil || !reflect.DeepEqual(got, u) {
		t.Fatalf("after update: %+v, %v; want %+v", got, err, u)
	}
	_, err = f.s.FindUser(f.ctx, "cy")
	wantError(t, err, warroom.ENotFound, `no user "cy"`)
	wantCode(t, f.s.UpdateUser(f.ctx, &warroom.User{ID: "nobody", Handle: "x", Email: "x@example.com"}), warroom.ENotFound)

	list, err := f.s.ListUsers(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var handles []string
	for _, u := range list {
		handles = append(handles, u.Handle)
	}
	if want := []string{"ada", "bob", "cyy", "root"}; !slices.Equal(handles, want) {
		t.Fatalf("ListUsers handles %v, want %v", handles, want)
	}
	if n, err := f.s.CountUsers(f.ctx); err != nil || n != 4 {
		t.Fatalf("CountUsers = %d, %v; want 4", n, err)
	}
}

func testUserConflicts(t *testing.T, f *fixture) {
	dup := &warroom.User{Handle: "ada", Name: "Other", Email: "other@example.com", TimeZone: "UTC", Role: warroom.AccountResponder}
	err := f.s.CreateUser(f.ctx, dup)
	wantError(t, err, warroom.EConflict, "handle @ada is taken")
	if warroom.ErrorField(err) != "handle" {
		t.Fatalf("conflict field %q, want handle", warroom.ErrorField(err))
	}
	dup = &warroom.User{Handle: "ada2", Name: "Other", Email: "ADA@example.com", TimeZone: "UTC", Role: warroom.AccountResponder}
	wantError(t, f.s.CreateUser(f.ctx, dup), warroom.EConflict, "email ADA@example.com is taken")

	bob := *f.bob
	bob.Handle = "ada"
	wantError(t, f.s.UpdateUser(f.ctx, &bob), warroom.EConflict, "handle @ada is taken")

	ghost := &warroom.User{Handle: "ghost", Name: "G", Email: "g@example.com", TimeZone: "UTC", TeamID: "no-such-team", Role: warroom.AccountResponder}
	wantCode(t, f.s.CreateUser(f.ctx, ghost), warroom.EInvalid)
}

func testTeams(t *testing.T, f *fixture) {
	for _, slug := range []string{"sre", "db", "web"} {
		if err := f.s.CreateTeam(f.ctx, &warroom.Team{Slug: slug, Name: slug}); err != nil {
			t.Fatal(err)
		}
	}
	err := f.s.CreateTeam(f.ctx, &warroom.Team{Slug: "db", Name: "again"})
	wantError(t, err, warroom.EConflict, "team slug db is taken")
	db, err := f.s.FindTeam(f.ctx, "db")
	if err != nil {
		t.Fatal(err)
	}
	byID, err := f.s.FindTeam(f.ctx, db.ID)
	if err != nil || !reflect.DeepEqual(byID, db) {
		t.Fatalf("FindTeam by ID = %+v, %v; want %+v", byID, err, db)
	}
	_, err = f.s.FindTeam(f.ctx, "nope")
	wantError(t, err, warroom.ENotFound, `no team "nope"`)
	list, err := f.s.ListTeams(f.ctx)
	if err != nil || len(list) != 3 || list[0].Slug != "db" || list[2].Slug != "web" {
		t.Fatalf("ListTeams = %v, %v; want db, sre, web", list, err)
	}
}

func testServices(t *testing.T, f *fixture) {
	empty, err := f.s.ListServices(f.ctx)
	if err != nil || empty == nil || len(empty) != 0 {
		t.Fatalf("ListServices on an empty store = %#v, %v; want an empty, non-nil list", empty, err)
	}
	svc := &warroom.Service{Slug: "api", Name: "API", Description: "public API",
		Dashboards: []warroom.Link{{Title: "RED", URL: "https://grafana.example.com/d/api"}},
		Runbooks:   []warroom.Link{{URL: "https://wiki.example.com/api"}},
		RPO:        warroom.Duration(5 * time.Minute), RTO: warroom.Duration(time.Hour)}
	if err := f.s.CreateService(f.ctx, svc); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.FindService(f.ctx, "api")
	if err != nil || !reflect.DeepEqual(got, svc) {
		t.Fatalf("FindService = %+v, %v; want %+v", got, err, svc)
	}
	svc.Runbooks, svc.Name = nil, "Public API"
	if err := f.s.UpdateService(f.ctx, svc); err != nil {
		t.Fatal(err)
	}
	got, err = f.s.FindService(f.ctx, svc.ID)
	if err != nil || !reflect.DeepEqual(got, svc) {
		t.Fatalf("after update: %+v, %v; want %+v", got, err, svc)
	}
	other := &warroom.Service{Slug: "db", Name: "DB"}
	if err := f.s.CreateService(f.ctx, other); err != nil {
		t.Fatal(err)
	}
	wantError(t, f.s.CreateService(f.ctx, &warroom.Service{Slug: "api", Name: "x"}), warroom.EConflict, "service slug api is taken")
	other.Slug = "api"
	wantError(t, f.s.UpdateService(f.ctx, other), warroom.EConflict, "service slug api is taken")
	wantCode(t, f.s.UpdateService(f.ctx, &warroom.Service{ID: "nope", Slug: "nope"}), warroom.ENotFound)
	_, err = f.s.FindService(f.ctx, "nope")
	wantError(t, err, warroom.ENotFound, `no service "nope"`)
	list, err := f.s.ListServices(f.ctx)
	if err != nil || len(list) != 2 || list[0].Slug != "api" {
		t.Fatalf("ListServices = %v, %v", list, err)
	}
}

func testTokens(t *testing.T, f *fixture) {
	tok := &warroom.Token{UserID: f.ada.ID, Name: "laptop", CreatedAt: t0}
	if err := f.s.CreateToken(f.ctx, tok, "hash-1"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.CreateToken(f.ctx, &warroom.Token{UserID: f.bob.ID, Name: "ci"}, "hash-2"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.s.CreateToken(f.ctx, &warroom.Token{UserID: f.bob.ID, Name: "dup"}, "hash-1"), warroom.EConflict)
	wantCode(t, f.s.CreateToken(f.ctx, &warroom.Token{UserID: "nobody", Name: "x"}, "hash-3"), warroom.EInvalid)

	used := t0.Add(time.Hour + 123456789)
	u, err := f.s.Authenticate(f.ctx, "hash-1", used)
	if err != nil || u.ID != f.ada.ID {
		t.Fatalf("Authenticate = %+v, %v; want ada", u, err)
	}
	list, err := f.s.ListTokens(f.ctx, f.ada.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("ListTokens(ada) = %v, %v", list, err)
	}
	want := *tok
	want.LastUsedAt = ptr(normTime(used))
	if !reflect.DeepEqual(list[0], &want) {
		t.Fatalf("token %+v, want %+v", list[0], &want)
	}
	if all, err := f.s.ListTokens(f.ctx, ""); err != nil || len(all) != 2 {
		t.Fatalf("ListTokens(all) = %v, %v", all, err)
	}

	_, err = f.s.Authenticate(f.ctx, "no-such-hash", used)
	wantError(t, err, warroom.EUnauthorized, "invalid or revoked API token")
	revoked := t0.Add(2 * time.Hour)
	if err := f.s.RevokeToken(f.ctx, tok.ID, revoked); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RevokeToken(f.ctx, tok.ID, revoked.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Authenticate(f.ctx, "hash-1", used)
	wantError(t, err, warroom.EUnauthorized, "invalid or revoked API token")
	list, _ = f.s.ListTokens(f.ctx, f.ada.ID)
	if list[0].RevokedAt == nil || *list[0].RevokedAt != normTime(revoked) {
		t.Fatalf("revoked at %v, want the first revocation %v", list[0].RevokedAt, revoked)
	}
	wantCode(t, f.s.RevokeToken(f.ctx, "nope", revoked), warroom.ENotFound)
}

func ptr[T any](v T) *T { return &v }

func testPing(t *testing.T, f *fixture) {
	if err := f.s.Ping(f.ctx); err != nil {
		t.Fatal(err)
	}
}

func testDeclare(t *testing.T, f *fixture) {
	for i := int64(1); i <= 3; i++ {
		res, err := f.declare(f.ada, warroom.Declaration{Title: fmt.Sprintf("outage %d", i), Severity: warroom.SEV3}, warroom.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		inc := res.Incident
		if inc.Number != i || inc.Ref != warroom.FormatRef(i) || res.Replayed {
			t.Fatalf("declared %s (number %d, replayed %v), want number %d", inc.Ref, inc.Number, res.Replayed, i)
		}
		if inc.Version != int64(len(res.Events)) {
			t.Fatalf("version %d after %d events", inc.Version, len(res.Events))
		}
		for _, key := range []string{inc.ID, inc.Ref, fmt.Sprint(i), fmt.Sprintf("inc-%d", i)} {
			got, err := f.s.FindIncident(f.ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, inc) {
				t.Fatalf("FindIncident(%q) = %+v\nwant %+v", key, got, inc)
			}
		}
		events, err := f.s.Timeline(f.ctx, inc.ID, 0, 0)
		if err != nil || !reflect.DeepEqual(events, res.Events) {
			t.Fatalf("Timeline = %+v, %v\nwant %+v", events, err, res.Events)
		}
	}
	_, err := f.s.FindIncident(f.ctx, "INC-99")
	wantError(t, err, warroom.ENotFound, "incident INC-99 not found")
	_, err = f.s.FindIncident(f.ctx, "no-such-id")
	wantError(t, err, warroom.ENotFound, "incident no-such-id not found")

	boom := errors.New("boom")
	_, err = f.s.DeclareIncident(f.ctx, warroom.Idempotency{}, func(int64) ([]warroom.Event, error) { return nil, boom })
	if err != boom {
		t.Fatalf("DeclareIncident returned %v, want build's error unchanged", err)
	}
	// A failed declaration must not use up a number.
	res, err := f.declare(f.ada, warroom.Declaration{Title: "next", Severity: warroom.SEV4}, warroom.Idempotency{})
	if err != nil || res.Incident.Number != 4 {
		t.Fatalf("after a failed declaration: %v, %v; want number 4", res, err)
	}
}

func testDeclareIdempotency(t *testing.T, f *fixture) {
	idem := warroom.Idempotency{UserID: f.ada.ID, Key: "k1", RequestHash: "h1"}
	d := warroom.Declaration{Title: "api down", Severity: warroom.SEV2}
	first, err := f.declare(f.ada, d, idem)
	if err != nil || first.Replayed {
		t.Fatalf("first: %v, %v", first, err)
	}
	again, err := f.s.DeclareIncident(f.ctx, idem, func(int64) ([]warroom.Event, error) {
		t.Fatal("build called for a replayed request")
		return nil, nil
	})
	if err != nil || !again.Replayed {
		t.Fatalf("replay: %+v, %v; want Replayed", again, err)
	}
	if !reflect.DeepEqual(again.Incident, first.Incident) || !reflect.DeepEqual(again.Events, first.Events) {
		t.Fatalf("replay returned %+v, want the first result %+v", again, first)
	}
	_, err = f.declare(f.ada, d, warroom.Idempotency{UserID: f.ada.ID, Key: "k1", RequestHash: "h2"})
	wantError(t, err, warroom.EConflict, `Idempotency-Key "k1" was already used for a different request`)

	// Keys belong to their user: bob's k1 is a new request.
	other, err := f.declare(f.bob, d, warroom.Idempotency{UserID: f.bob.ID, Key: "k1", RequestHash: "h2"})
	if err != nil || other.Replayed || other.Incident.Number != 2 {
		t.Fatalf("bob's k1: %+v, %v; want a new incident", other, err)
	}
	list, _ := f.s.ListIncidents(f.ctx, warroom.IncidentFilter{Viewer: f.admin.Actor()})
	if len(list) != 2 {
		t.Fatalf("%d incidents, want 2", len(list))
	}
}

func testDeclareSameKeyConcurrently(t *testing.T, f *fixture) {
	const n = 8
	idem := warroom.Idempotency{UserID: f.ada.ID, Key: "retry", RequestHash: "h"}
	results := make([]*warroom.CommandResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = f.declareAt(f.ada, warroom.Declaration{Title: "same", Severity: warroom.SEV3}, idem, t0)
		})
	}
	wg.Wait()
	fresh := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !results[i].Replayed {
			fresh++
		}
		if results[i].Incident.Number != 1 {
			t.Fatalf("result %d is %s, want INC-1", i, results[i].Incident.Ref)
		}
	}
	if fresh != 1 {
		t.Fatalf("%d requests created an incident, want 1", fresh)
	}
}

func testDeclareConcurrently(t *testing.T, f *fixture) {
	const n = 10
	var wg sync.WaitGroup
	numbers := make([]int64, n)
	for i := range n {
		wg.Go(func() {
			res, err := f.declareAt(f.ada, warroom.Declaration{Title: "parallel", Severity: warroom.SEV3}, warroom.Idempotency{}, t0)
			if err != nil {
				t.Error(err)
				return
			}
			numbers[i] = res.Incident.Number
		})
	}
	wg.Wait()
	slices.Sort(numbers)
	for i, n := range numbers {
		if n != int64(i+1) {
			t.Fatalf("numbers %v, want 1..%d without gaps or repeats", numbers, len(numbers))
		}
	}
}

func testUpdate(t *testing.T, f *fixture) {
	inc := f.mustDeclare(f.ada, "db slow")
	res := f.mustExec(f.ada, inc.Ref, warroom.UpdateDetails{Title: "db very slow", Summary: "p99 > 2s & rising"})
	if len(res.Events) != 1 || res.Incident.Title != "db very slow" || res.Incident.Version != inc.Version+1 {
		t.Fatalf("update: %+v", res)
	}
	res = f.mustExec(f.ada, "inc-1", warroom.ChangeStage{Stage: warroom.StageRecovered})
	got, err := f.s.FindIncident(f.ctx, inc.ID)
	if err != nil || !reflect.DeepEqual(got, res.Incident) {
		t.Fatalf("FindIncident after update = %+v, %v\nwant %+v", got, err, res.Incident)
	}
	events, err := f.s.Timeline(f.ctx, inc.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	folded, err := warroom.Fold(events)
	if err != nil || !reflect.DeepEqual(folded, got) {
		t.Fatalf("fold of the timeline = %+v, %v\nread model %+v", folded, err, got)
	}
}

func testUpdateNothing(t *testing.T, f *fixture) {
	inc := f.mustDeclare(f.ada, "quiet")
	res, err := f.s.UpdateIncident(f.ctx, inc.ID, warroom.Idempotency{UserID: f.ada.ID, Key: "noop", RequestHash: "h"},
		func(*warroom.Incident) ([]warroom.Event, error) { return nil, nil })
	if err != nil || len(res.Events) != 0 || res.Events == nil || !reflect.DeepEqual(res.Incident, inc) {
		t.Fatalf("no-op update: %+v, %v; want the current state and no events", res, err)
	}
	if events, _ := f.s.Timeline(f.ctx, inc.ID, 0, 0); int64(len(events)) != inc.Version {
		t.Fatalf("%d events after a no-op, want %d", len(events), inc.Version)
	}
}

func testUpdateErrors(t *testing.T, f *fixture) {
	inc := f.mustDeclare(f.ada, "errors")
	never := func(*warroom.Incident) ([]warroom.Event, error) {
		t.Fatal("decide called for a missing incident")
		return nil, nil
	}
	for _, ref := range []string{"INC-404", "404", "no-such-id"} {
		_, err := f.s.UpdateIncident(f.ctx, ref, warroom.Idempotency{}, never)
		wantError(t, err, warroom.ENotFound, "incident "+ref+" not found")
	}
	refused := warroom.Errorf(warroom.EConflict, "refused")
	_, err := f.s.UpdateIncident(f.ctx, inc.ID, warroom.Idempotency{}, func(*warroom.Incident) ([]warroom.Event, error) {
		return nil, refused
	})
	if err != refused {
		t.Fatalf("UpdateIncident returned %v, want decide's error unchanged", err)
	}
	// The domain's own refusal, through the real rules.
	_, err = f.exec(f.ada, inc.ID, warroom.ChangeStage{Stage: warroom.StageClosed}, warroom.Idempotency{})
	wantCode(t, err, warroom.EConflict)
	// An event out of sequence is a bug in decide, and nothing is stored.
	_, err = f.s.UpdateIncident(f.ctx, inc.ID, warroom.Idempotency{}, func(cur *warroom.Incident) ([]warroom.Event, error) {
		return []warroom.Event{{IncidentID: cur.ID, Seq: cur.Version + 2, Type: warroom.EntryNote, At: t0}}, nil
	})
	wantCode(t, err, warroom.EInternal)
	if got, _ := f.s.FindIncident(f.ctx, inc.ID); got.Version != inc.Version {
		t.Fatalf("version %d after refused updates, want %d", got.Version, inc.Version)
	}
}

func testUpdateIdempotency(t *testing.T, f *fixture) {
	inc := f.mustDeclare(f.ada, "idem")
	idem := warroom.Idempotency{UserID: f.ada.ID, Key: "note-1", RequestHash: "h1"}
	note := warroom.AddEntry{Type: warroom.EntryNote, Text: "restarted"}
	first, err := f.exec(f.ada, inc.ID, note, idem)
	if err != nil || first.Replayed {
		t.Fatal(first, err)
	}
	again, err := f.exec(f.ada, inc.ID, note, idem)
	if err != nil || !again.Replayed || !reflect.DeepEqual(again.Events, first.Events) || !reflect.DeepEqual(again.Incident, first.Incident) {
		t.Fatalf("replay: %+v, %v; want the first result", again, err)
	}
	_, err = f.exec(f.ada, inc.ID, note, warroom.Idempotency{UserID: f.ada.ID, Key: "note-1", RequestHash: "h2"})
	wantError(t, err, warroom.EConflict, `Idempotency-Key "note-1" was already used for a different request`)
	if got, _ := f.s.FindIncident(f.ctx, inc.ID); got.Version != inc.Version+1 {
		t.Fatalf("version %d, want %d: one note, not three", got.Version, inc.Version+1)
	}
}

func testUpdateConcurrently(t *testing.T, f *fixture) {
	inc := f.mustDeclare(f.ada, "busy")
	const writers, each = 20, 5
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				text := fmt.Sprintf("writer %d note %d", w, i)
				_, err := f.s.UpdateIncident(f.ctx, inc.ID, warroom.Idempotency{}, func(cur *warroom.Incident) ([]warroom.Event, error) {
					return warroom.Decide(cur, f.ada.Actor(), warroom.AddEntry{Type: warroom.EntryNote, Text: text}, t0, f.policy)
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	events, err := f.s.Timeline(f.ctx, inc.ID, inc.Version, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != writers*each {
		t.Fatalf("%d events, want %d", len(events), writers*each)
	}
	seen := map[string]bool{}
	for i, e := range events {
		if e.Seq != inc.Version+int64(i)+1 {
			t.Fatalf("event %d has seq %d: gap or repeat", i, e.Seq)
		}
		seen[e.Text] = true
	}
	if len(seen) != writers*each {
		t.Fatalf("%d distinct notes, want %d: some were lost or doubled", len(seen), writers*each)
	}
	got, _ := f.s.FindIncident(f.ctx, inc.ID)
	if got.Version != inc.Version+writers*each {
		t.Fatalf("version %d, want %d", got.Version, inc.Version+writers*each)
	}
}

func testListVisibility(t *testing.T, f *fixture) {
	public := f.mustDeclare(f.ada, "public")
	secret := f.mustDeclare(f.ada, "secret", func(d *warroom.Declaration) { d.Private = true })
	refs := func(viewer *warroom.User) []string {
		t.Helper()
		list, err := f.s.ListIncidents(f.ctx, warroom.IncidentFilter{Viewer: viewer.Actor()})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, inc := range list {
			out = append(out, inc.Ref)
		}
		return out
	}
	all := []string{secret.Ref, public.Ref}
	if got := refs(f.ada); !slices.Equal(got, all) {
		t.Fatalf("participant sees %v, want %v", got, all)
	}
	if got := refs(f.admin); !slices.Equal(got, all) {
		t.Fatalf("admin sees %v, want %v", got, all)
	}
	if got := refs(f.bob); !slices.Equal(got, []string{public.Ref}) {
		t.Fatalf("non-participant sees %v, want only %s", got, public.Ref)
	}
	f.mustExec(f.ada, secret.ID, warroom.AddParticipant{UserID: f.bob.ID})
	if got := refs(f.bob); !slices.Equal(got, all) {
		t.Fatalf("added participant sees %v, want %v", got, all)
	}
}

func testListFilters(t *testing.T, f *fixture) {
	api := &warroom.Service{Slug: "api", Name: "API"}
	if err := f.s.CreateService(f.ctx, api); err != nil {
		t.Fatal(err)
	}
	a := f.mustDeclare(f.ada, "Checkout 100% broken", func(d *warroom.Declaration) {
		d.Severity, d.Impact.ServiceIDs = warroom.SEV1, []string{api.ID}
	})
	b := f.mustDeclare(f.ada, "Slow search", func(d *warroom.Declaration) { d.Summary = "Ünïcode Straße index rebuild" })
	c := f.mustDeclare(f.ada, "Old disk alert")
	for _, st := range []warroom.Stage{warroom.StageRecovered, warroom.StageBaseline, warroom.StageResolved} {
		f.mustExec(f.ada, c.ID, warroom.ChangeStage{Stage: st})
	}
	yes, no := true, false
	sev1 := warroom.SEV1
	cases := []struct {
		name string
		f    warroom.IncidentFilter
		want []*warroom.Incident
	}{
		{"all", warroom.IncidentFilter{}, []*warroom.Incident{c, b, a}},
		{"open", warroom.IncidentFilter{Open: &yes}, []*warroom.Incident{b, a}},
		{"closed", warroom.IncidentFilter{Open: &no}, []*warroom.Incident{c}},
		{"severity", warroom.IncidentFilter{Severity: sev1}, []*warroom.Incident{a}},
		{"major", warroom.IncidentFilter{Major: &yes}, []*warroom.Incident{a}},
		{"minor", warroom.IncidentFilter{Major: &no}, []*warroom.Incident{c, b}},
		{"service", warroom.IncidentFilter{ServiceID: api.ID}, []*warroom.Incident{a}},
		{"title text", warroom.IncidentFilter{Query: "CHECKOUT"}, []*warroom.Incident{a}},
		{"like is literal", warroom.IncidentFilter{Query: "100%"}, []*warroom.Incident{a}},
		{"no wildcard", warroom.IncidentFilter{Query: "_"}, nil},
		{"summary text", warroom.IncidentFilter{Query: "straße"}, []*warroom.Incident{b}},
		{"unicode case", warroom.IncidentFilter{Query: "ÜNÏCODE"}, []*warroom.Incident{b}},
		{"ref", warroom.IncidentFilter{Query: "inc-2"}, []*warroom.Incident{b}},
		{"combined", warroom.IncidentFilter{Open: &yes, Query: "s"}, []*warroom.Incident{b}},
	}
	for _, tc := range cases {
		tc.f.Viewer = f.ada.Actor()
		list, err := f.s.ListIncidents(f.ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var got, want []int64
		for _, inc := range list {
			got = append(got, inc.Number)
		}
		for _, inc := range tc.want {
			want = append(want, inc.Number)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: numbers %v, want %v", tc.name, got, want)
		}
	}
	// Changing the impact moves the incident off the service.
	f.mustExec(f.ada, a.ID, warroom.ChangeImpact{Impact: warroom.Impact{Description: "fixed elsewhere"}})
	list, err := f.s.ListIncidents(f.ctx, warroom.IncidentFilter{Viewer: f.ada.Actor(), ServiceID: api.ID})
	if err != nil || len(list) != 0 {
		t.Fatalf("service filter after the impact changed: %v, %v; want none", list, err)
	}
}

func testListPaging(t *testing.T, f *fixture) {
	for i := range 5 {
		f.mustDeclare(f.ada, fmt.Sprintf("page %d", i))
	}
	list, err := f.s.ListIncidents(f.ctx, warroom.IncidentFilter{Viewer: f.ada.Actor(), Limit: 2, Offset: 1})
	if err != nil || len(list) != 2 || list[0].Number != 4 || list[1].Number != 3 {
		t.Fatalf("page = %v, %v; want INC-4, INC-3", list, err)
	}
	list, err = f.s.ListIncidents(f.ctx, warroom.IncidentFilter{Viewer: f.ada.Actor(), Offset: 10})
	if err != nil || list == nil || len(list) != 0 {
		t.Fatalf("past the end = %#v, %v; want an empty, non-nil list", list, err)
	}
}

func testTimeline(t *testing.T, f *fixture) {
	inc := f.mustDeclare(f.ada, "long")
	f.appendNotes(inc.ID, 20, 7)
	all, err := f.s.Timeline(f.ctx, inc.ID, 0, 0)
	if err != nil || int64(len(all)) != inc.Version+20 {
		t.Fatalf("timeline: %d events, %v; want %d", len(all), err, inc.Version+20)
	}
	var paged []warroom.Event
	for after := int64(0); ; {
		page, err := f.s.Timeline(f.ctx, inc.ID, after, 6)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 6 {
			t.Fatalf("page of %d events, want at most 6", len(page))
		}
		paged = append(paged, page...)
		after = page[len(page)-1].Seq
	}
	if !reflect.DeepEqual(paged, all) {
		t.Fatal("paging through the timeline does not give the whole timeline in order")
	}
	none, err := f.s.Timeline(f.ctx, "no-such-incident", 0, 0)
	if err != nil || none == nil || len(none) != 0 {
		t.Fatalf("timeline of an unknown incident = %#v, %v; want empty", none, err)
	}
}

func testTimesRoundTrip(t *testing.T, f *fixture) {
	detected := t0.Add(-time.Minute - 1)
	res, err := f.declare(f.ada, warroom.Declaration{Title: "clock", Severity: warroom.SEV4, DetectedAt: &detected}, warroom.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.s.FindIncident(f.ctx, res.Incident.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.DeclaredAt != res.Incident.DeclaredAt || got.DetectedAt != detected || got.DeclaredAt.Nanosecond()%1000 == 0 {
		t.Fatalf("times changed: declared %v detected %v; want %v and %v to the nanosecond",
			got.DeclaredAt, got.DetectedAt, res.Incident.DeclaredAt, detected)
	}
	events, _ := f.s.Timeline(f.ctx, res.Incident.ID, 0, 1)
	if events[0].At != res.Events[0].At || events[0].At.Location() != time.UTC {
		t.Fatalf("event time %v, want %v in UTC", events[0].At, res.Events[0].At)
	}
	// Directory times keep microseconds, as PostgreSQL does, on both.
	team := &warroom.Team{Slug: "t", Name: "T", CreatedAt: t0.In(time.FixedZone("X", 3600))}
	if err := f.s.CreateTeam(f.ctx, team); err != nil {
		t.Fatal(err)
	}
	stored, _ := f.s.FindTeam(f.ctx, "t")
	if stored.CreatedAt != team.CreatedAt || team.CreatedAt != t0.UTC().Truncate(time.Microsecond) {
		t.Fatalf("team created at %v (caller holds %v), want %v", stored.CreatedAt, team.CreatedAt, t0.Truncate(time.Microsecond))
	}
}

// testPanicReleasesTheWriter checks that a panicking callback rolls its
// transaction back, so that later writes still go through.
func testPanicReleasesTheWriter(t *testing.T, f *fixture) {
	inc := f.mustDeclare(f.ada, "panics")
	func() {
		defer func() { _ = recover() }()
		f.s.UpdateIncident(f.ctx, inc.ID, warroom.Idempotency{}, func(*warroom.Incident) ([]warroom.Event, error) {
			panic("bug in decide")
		})
	}()
	f.mustExec(f.ada, inc.ID, warroom.AddEntry{Type: warroom.EntryNote, Text: "still writable"})
}

// testRequestReplays: a key is reserved by its first request, refused
// while that runs, answers the recorded answer once it is done, is
// refused for another request, and is freed by a request that failed; a
// reservation whose request died is taken over after
// warroom.ReplayReservation. A command's key is not a request's.
func testRequestReplays(t *testing.T, f *fixture) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	idem := warroom.Idempotency{UserID: f.ada.ID, Key: "r1", RequestHash: "h1"}
	begin := func(idem warroom.Idempotency, at time.Time) (*warroom.RecordedAnswer, error) {
		t.Helper()
		return f.s.BeginRequest(f.ctx, idem, at)
	}
	if a, err := begin(idem, now); a != nil || err != nil {
		t.Fatalf("first request: %v %v", a, err)
	}
	if _, err := begin(idem, now.Add(time.Second)); warroom.ErrorCode(err) != warroom.EConflict {
		t.Fatalf("while the first runs: %v", err)
	}
	answer := &warroom.RecordedAnswer{Status: 201, Body: []byte(`{"id":"a1"}`)}
	if err := f.s.FinishRequest(f.ctx, idem, answer); err != nil {
		t.Fatal(err)
	}
	got, err := begin(idem, now.Add(time.Hour))
	if err != nil || !reflect.DeepEqual(got, answer) {
		t.Fatalf("retry: %+v %v", got, err)
	}
	other := idem
	other.RequestHash = "h2"
	if _, err := begin(other, now); warroom.ErrorCode(err) != warroom.EConflict {
		t.Fatalf("the key for another request: %v", err)
	}

	failed := warroom.Idempotency{UserID: f.ada.ID, Key: "r2", RequestHash: "h1"}
	if _, err := begin(failed, now); err != nil {
		t.Fatal(err)
	}
	if err := f.s.FinishRequest(f.ctx, failed, nil); err != nil {
		t.Fatal(err)
	}
	if a, err := begin(failed, now); a != nil || err != nil {
		t.Fatalf("after a failed request: %v %v", a, err)
	}

	died := warroom.Idempotency{UserID: f.ada.ID, Key: "r3", RequestHash: "h1"}
	if _, err := begin(died, now); err != nil {
		t.Fatal(err)
	}
	if _, err := begin(died, now.Add(warroom.ReplayReservation-time.Second)); warroom.ErrorCode(err) != warroom.EConflict {
		t.Fatalf("before the reservation lapses: %v", err)
	}
	if a, err := begin(died, now.Add(warroom.ReplayReservation)); a != nil || err != nil {
		t.Fatalf("taking over a dead request's key: %v %v", a, err)
	}

	// The same key as an incident command's, and a command with a
	// request's key: each is another request.
	inc := f.mustDeclare(f.ada, "replays")
	cmdKey := warroom.Idempotency{UserID: f.ada.ID, Key: "c1", RequestHash: "cmd"}
	if _, err := f.exec(f.ada, inc.ID, warroom.AddEntry{Type: warroom.EntryNote, Text: "x"}, cmdKey); err != nil {
		t.Fatal(err)
	}
	if _, err := begin(warroom.Idempotency{UserID: f.ada.ID, Key: "c1", RequestHash: "req"}, now); warroom.ErrorCode(err) != warroom.EConflict {
		t.Fatalf("a command's key for a request: %v", err)
	}
	if _, err := f.exec(f.ada, inc.ID, warroom.AddEntry{Type: warroom.EntryNote, Text: "y"}, warroom.Idempotency{UserID: f.ada.ID, Key: "r1", RequestHash: "cmd"}); warroom.ErrorCode(err) != warroom.EConflict {
		t.Fatalf("a request's key for a command: %v", err)
	}
}

// testRequestReplaysConcurrently: of requests that begin with one key at
// once, exactly one runs.
func testRequestReplaysConcurrently(t *testing.T, f *fixture) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	idem := warroom.Idempotency{UserID: f.ada.ID, Key: "same", RequestHash: "h"}
	var wg sync.WaitGroup
	results := make([]error, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = f.s.BeginRequest(f.ctx, idem, now)
		}()
	}
	wg.Wait()
	ran := 0
	for _, err := range results {
		switch {
		case err == nil:
			ran++
		case warroom.ErrorCode(err) != warroom.EConflict:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ran != 1 {
		t.Fatalf("%d requests ran with one key, want 1", ran)
	}
}
