package httpapi

import (
	"context"
	"strings"
	"testing"

	"github.com/warroom/warroom"
)

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t, nil)
	if got := ok[map[string]string](t, e.do("", "GET", "/healthz", nil), 200); got["status"] != "ok" {
		t.Fatalf("healthz %v", got)
	}
	if got := ok[map[string]string](t, e.do("", "GET", "/readyz", nil), 200); got["status"] != "ok" {
		t.Fatalf("readyz %v", got)
	}
	// With the database gone the process is alive but not ready.
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	ok[map[string]string](t, e.do("", "GET", "/healthz", nil), 200)
	wantMsg(t, wantErr(t, e.do("", "GET", "/readyz", nil), 503, warroom.EUnavailable, ""), "the database is not answering")
}

// panicStore is the real store with a bug planted in ListTeams.
type panicStore struct{ warroom.Store }

func (panicStore) ListTeams(context.Context) ([]*warroom.Team, error) {
	panic("planted bug: secret detail")
}

func TestPanicIsInternalErrorWithoutDetails(t *testing.T) {
	e := newEnv(t, func(s warroom.Store) warroom.Store { return panicStore{s} })
	r := e.do("ada", "GET", "/api/v1/teams", nil)
	wantMsg(t, wantErr(t, r, 500, warroom.EInternal, ""), "internal error")
	if strings.Contains(string(r.Body), "secret detail") {
		t.Fatalf("panic details leaked: %s", r.Body)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "planted bug") || !strings.Contains(logs, "status=500") {
		t.Fatalf("panic not logged:\n%s", logs)
	}
	// The server keeps serving.
	ok[warroom.User](t, e.do("ada", "GET", "/api/v1/me", nil), 200)
}

func TestRequestLog(t *testing.T) {
	e := newEnv(t, nil)
	e.do("ada", "GET", "/api/v1/me?q=x", nil)
	e.do("", "GET", "/api/v1/me", nil)
	created := ok[newToken](t, e.do("bob", "POST", "/api/v1/tokens", map[string]string{"name": "laptop"}), 201)
	logs := e.logs.String()
	for _, want := range []string{
		`msg="http request" method=GET path=/api/v1/me status=200 duration=`,
		" user=ada\n",
		`method=GET path=/api/v1/me status=401 duration=`,
		`method=POST path=/api/v1/tokens status=201 duration=`,
		" user=bob\n",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	for _, secret := range []string{e.secrets["ada"], e.secrets["bob"], created.Secret, "Bearer", "q=x"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q:\n%s", secret, logs)
		}
	}
}

// Load balancers probe /healthz and /readyz every few seconds: a
// successful probe is a DEBUG line, so that at the default INFO level
// the log shows requests people made; a failing readiness probe stays
// visible.
func TestProbesAreLoggedAtDebug(t *testing.T) {
	e := newEnv(t, nil)
	e.do("", "GET", "/healthz", nil)
	e.do("", "GET", "/readyz", nil)
	e.do("ada", "GET", "/api/v1/me", nil)
	logs := e.logs.String()
	for _, want := range []string{
		`level=DEBUG msg="http request" method=GET path=/healthz status=200`,
		`level=DEBUG msg="http request" method=GET path=/readyz status=200`,
		`level=INFO msg="http request" method=GET path=/api/v1/me status=200`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	e.do("", "GET", "/readyz", nil)
	if want := `level=ERROR msg="http request" method=GET path=/readyz status=503`; !strings.Contains(e.logs.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, e.logs.String())
	}
}
