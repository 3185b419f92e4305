package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/httpapi"
	"github.com/warroom/warroom/internal/pgtest"
	"github.com/warroom/warroom/internal/testclock"
	"github.com/warroom/warroom/password"
	"github.com/warroom/warroom/sqlstore"
)

// cheapPasswords keep tests fast; the format and checks are the same.
var cheapPasswords = password.Params{Memory: 64, Time: 1, Threads: 1}

// env is a warroom server (web UI in front of the API) on a fresh store.
type env struct {
	t         testing.TB
	store     *sqlstore.Store
	clock     *testclock.Clock
	incidents *warroom.Incidents
	h         *Handler
	srv       *httptest.Server
}

// eachDB runs a test on SQLite and, with WARROOM_TEST_POSTGRES set, on
// PostgreSQL.
func eachDB(t *testing.T, test func(t *testing.T, db string)) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			if db == "postgres" && os.Getenv("WARROOM_TEST_POSTGRES") == "" {
				t.Skip("set WARROOM_TEST_POSTGRES to run against PostgreSQL")
			}
			test(t, db)
		})
	}
}

// testDSN is a fresh database of kind db.
func testDSN(t testing.TB, db string) string {
	if db == "postgres" {
		return pgtest.FreshDatabase(t, os.Getenv("WARROOM_TEST_POSTGRES"), "web")
	}
	return "sqlite:" + filepath.Join(t.TempDir(), "w.db")
}

func openStore(t testing.TB, dsn string) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newEnv(t testing.TB, db string) *env {
	return newEnvOn(t, openStore(t, testDSN(t, db)), nil)
}

// newEnvOn starts a server on st; cfg (may be nil) adjusts its config.
func newEnvOn(t testing.TB, st *sqlstore.Store, cfg func(*Config)) *env {
	t.Helper()
	e := &env{t: t, store: st, clock: testclock.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}
	e.incidents = &warroom.Incidents{Store: st, Now: e.clock.Now, Policy: warroom.DefaultPolicy(),
		NewID: func() string { return uuid.Must(uuid.NewV7()).String() }}
	api := httpapi.New(httpapi.Config{Incidents: e.incidents, Store: st, Now: e.clock.Now})
	c := Config{Incidents: e.incidents, Store: st, Now: e.clock.Now, API: api, PasswordParams: cheapPasswords, Commits: st}
	if cfg != nil {
		cfg(&c)
	}
	e.h = New(c)
	e.srv = httptest.NewServer(e.h)
	t.Cleanup(func() {
		e.srv.CloseClientConnections()
		e.srv.Close()
		e.h.Close()
		api.Close()
	})
	return e
}

var userSeq atomic.Int64

// user creates a user with a role and, unless empty, a password.
func (e *env) user(handle string, role warroom.AccountRole, pw string) *warroom.User {
	e.t.Helper()
	u := &warroom.User{Handle: handle, Name: strings.ToUpper(handle[:1]) + handle[1:], Email: handle + "@example.com",
		TimeZone: "Europe/Berlin", Role: role}
	if err := e.store.CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	if pw != "" {
		hash, err := password.Hash(pw, cheapPasswords)
		if err != nil {
			e.t.Fatal(err)
		}
		if err := e.store.SetPassword(context.Background(), u.ID, hash, e.clock.Now()); err != nil {
			e.t.Fatal(err)
		}
	}
	return u
}

// browser is an HTTP client with its own cookies that does not follow
// redirects, so tests see them.
type browser struct {
	e   *env
	c   *http.Client
	jar *cookiejar.Jar
	// form is the CSRF token of the last page fetched, as a real
	// browser's form would carry it.
	form string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, jar: jar, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// cookie returns the value of the browser's cookie name, or "".
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.e.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// csrf is the token the browser's forms carry.
func (b *browser) csrf() string {
	if s := b.cookie(sessionCookie); s != "" {
		return csrfToken(s)
	}
	return csrfToken(b.cookie(anonCookie))
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.e.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.form = ""
	if _, tok, ok := strings.Cut(string(body), `name="csrf" value="`); ok {
		b.form, _, _ = strings.Cut(tok, `"`)
	}
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.e.t.Helper()
	req, _ := http.NewRequest("GET", b.e.srv.URL+path, nil)
	return b.do(req)
}

// post submits a form with the browser's CSRF token (unless the form
// sets csrf itself).
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		tok := b.form
		if tok == "" {
			tok = b.csrf()
		}
		form.Set("csrf", tok)
	}
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn signs the browser in with a password and fails the test if that
// does not work.
func (b *browser) signIn(login, password string) {
	b.e.t.Helper()
	b.get("/signin")
	resp, body := b.post("/signin", url.Values{"login": {login}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		b.e.t.Fatalf("sign in as %s: %d %s", login, resp.StatusCode, body)
	}
}

// signedIn returns a browser signed in as a new user.
func (e *env) signedIn(handle string, role warroom.AccountRole) (*browser, *warroom.User) {
	u := e.user(handle, role, "correct horse battery")
	b := e.browser()
	b.signIn(handle, "correct horse battery")
	return b, u
}

// declare declares an incident as u through the service.
func (e *env) declare(u *warroom.User, title string, private bool) *warroom.Incident {
	e.t.Helper()
	res, err := e.incidents.Declare(context.Background(), u.Actor(),
		warroom.Declaration{Title: title, Severity: warroom.SEV3, Private: private}, warroom.Idempotency{})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Incident
}

// exec runs a command as u through the service.
func (e *env) exec(u *warroom.User, ref string, cmd warroom.Command) {
	e.t.Helper()
	if _, err := e.incidents.Execute(context.Background(), u.Actor(), ref, cmd, warroom.Idempotency{}); err != nil {
		e.t.Fatal(err)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

var getenv = os.Getenv
