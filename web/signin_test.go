package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestSignInWithPassword(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		e.user("ada", warroom.AccountResponder, "correct horse battery")
		b := e.browser()

		// A page needs a session: it sends the browser to sign in and
		// back to the page afterwards.
		resp, _ := b.get("/incidents?stage=open")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?return="+url.QueryEscape("/incidents?stage=open") {
			t.Fatalf("signed out: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body := b.get("/signin?return=" + url.QueryEscape("/incidents?stage=open"))
		if resp.StatusCode != 200 || !strings.Contains(body, `<label for="password">`) {
			t.Fatalf("sign-in page: %d %s", resp.StatusCode, body)
		}

		resp, body = b.post("/signin", url.Values{"login": {"ada"}, "password": {"wrong password!"}, "return": {"/incidents?stage=open"}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, badSignIn) || !strings.Contains(body, `value="ada"`) {
			t.Fatalf("wrong password: %d %s", resp.StatusCode, body)
		}
		if b.cookie(sessionCookie) != "" {
			t.Fatal("a wrong password started a session")
		}

		resp, _ = b.post("/signin", url.Values{"login": {"ada@example.com"}, "password": {"correct horse battery"}, "return": {"/incidents?stage=open"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/incidents?stage=open" {
			t.Fatalf("sign in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		var sc *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == sessionCookie {
				sc = c
			}
		}
		if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Secure {
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP", sc)
		}
		// Only the hash of the secret is stored.
		if _, _, err := e.store.FindSession(t.Context(), sc.Value, e.clock.Now()); warroom.ErrorCode(err) != warroom.EUnauthorized {
			t.Fatalf("the raw secret found a session: %v", err)
		}
	})
}

func TestSignInReturnStaysOnThisServer(t *testing.T) {
	for _, in := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "evil", ""} {
		if got := safeReturn(in); got != "/" {
			t.Errorf("safeReturn(%q) = %q, want /", in, got)
		}
	}
	if got := safeReturn("/incidents/INC-4?x=1"); got != "/incidents/INC-4?x=1" {
		t.Errorf("safeReturn kept %q", got)
	}
}

func TestSecureCookiesBehindHTTPSPublicURL(t *testing.T) {
	st := openStore(t, testDSN(t, "sqlite"))
	e := newEnvOn(t, st, func(c *Config) { c.PublicURL = "https://warroom.example" })
	e.user("ada", warroom.AccountResponder, "correct horse battery")
	b := e.browser()
	resp, _ := b.get("/signin")
	for _, c := range resp.Cookies() {
		if !c.Secure || !c.HttpOnly {
			t.Errorf("cookie %s: Secure=%v HttpOnly=%v behind an https public URL", c.Name, c.Secure, c.HttpOnly)
		}
	}
}

func TestCSRFRefusesForgedAndMissingTokens(t *testing.T) {
	e := newEnv(t, "sqlite")
	b, _ := e.signedIn("ada", warroom.AccountResponder)
	other, _ := e.signedIn("bob", warroom.AccountResponder)
	for name, token := range map[string]string{"missing": "", "forged": "AAAA", "another session's": other.csrf()} {
		resp, body := b.post("/signout", url.Values{"csrf": {token}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "CSRF") {
			t.Errorf("%s token: %d %s", name, resp.StatusCode, body)
		}
	}
	// The session survived the forged sign-outs.
	if _, _, err := e.store.FindSession(t.Context(), warroom.HashTokenSecret(b.cookie(sessionCookie)), e.clock.Now()); err != nil {
		t.Fatalf("session ended by a forged form: %v", err)
	}
	// The sign-in form needs its anonymous token too (login CSRF).
	anon := e.browser()
	anon.get("/signin")
	e.user("eve", warroom.AccountResponder, "correct horse battery")
	resp, _ := anon.post("/signin", url.Values{"csrf": {""}, "login": {"eve"}, "password": {"correct horse battery"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without a token: %d", resp.StatusCode)
	}
}

func TestSignOutDeletesTheSession(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		b, _ := e.signedIn("ada", warroom.AccountResponder)
		secret := b.cookie(sessionCookie)
		resp, _ := b.post("/signout", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out: %d", resp.StatusCode)
		}
		if _, _, err := e.store.FindSession(t.Context(), warroom.HashTokenSecret(secret), e.clock.Now()); warroom.ErrorCode(err) != warroom.EUnauthorized {
			t.Fatalf("session still stored after sign-out: %v", err)
		}
		// A copy of the old cookie signs nobody in.
		thief := e.browser()
		u, _ := url.Parse(e.srv.URL)
		thief.jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: secret}})
		if resp, _ := thief.get("/incidents"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("old cookie after sign-out: %d", resp.StatusCode)
		}
	})
}

func TestStaticAssetsAreHashedAndCached(t *testing.T) {
	e := newEnv(t, "sqlite")
	b := e.browser()
	_, body := b.get("/signin")
	css := e.h.assets.url("app.css")
	if !strings.Contains(body, css) || css == "/static/app.css" {
		t.Fatalf("page does not link the hashed stylesheet %s", css)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+css, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("asset: %d %v", resp.StatusCode, resp.Header)
	}
	if n := e.h.assets.compressedSize(); n > 100*1024 {
		t.Fatalf("JS and CSS are %d bytes compressed, over 100 KB", n)
	}
	t.Logf("JS+CSS compressed: %d bytes", e.h.assets.compressedSize())
}

func TestAPIRoutesPassThrough(t *testing.T) {
	e := newEnv(t, "sqlite")
	resp, body := e.browser().get("/api/v1/incidents")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"error"`) {
		t.Fatalf("API route through the web handler: %d %s", resp.StatusCode, body)
	}
	resp, _ = e.browser().get("/healthz")
	if resp.StatusCode != 200 {
		t.Fatalf("/healthz: %d", resp.StatusCode)
	}
}

func TestSignOutEndsTheLiveStreams(t *testing.T) {
	old := heartbeat
	heartbeat = 20 * time.Millisecond
	t.Cleanup(func() { heartbeat = old })
	e := newEnv(t, "sqlite")
	b, ada := e.signedIn("ada", warroom.AccountResponder)
	inc := e.declare(ada, "Streams outlive sessions?", false)
	s := b.follow("/incidents/" + inc.Ref + "/stream")
	other := e.browser()
	other.signIn("ada", "correct horse battery")
	if resp, _ := b.post("/signout", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatal(resp.StatusCode)
	}
	select {
	case <-s.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream of a signed-out session goes on")
	}
	// Another session of the same user keeps streaming.
	s2 := other.follow("/incidents/" + inc.Ref + "/stream")
	e.exec(ada, inc.Ref, warroom.AddEntry{Type: warroom.EntryNote, Text: "still here"})
	if ev := s2.until(t, "timeline prepend", 10*time.Second); !strings.Contains(ev.HTML, "still here") {
		t.Fatal(ev.HTML)
	}
}
