package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestSignInIsRateLimitedPerAccountAndAddress(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		st := openStore(t, testDSN(t, db))
		e := newEnvOn(t, st, func(c *Config) {
			c.SignInLimit = SignInLimit{PerAccount: 3, PerAddress: 5, Window: 15 * time.Minute}
		})
		e.user("ada", warroom.AccountResponder, "correct horse battery")
		e.user("bob", warroom.AccountResponder, "correct horse battery")
		b := e.browser()
		b.get("/signin")
		try := func(login, pw string) int {
			resp, _ := b.post("/signin", url.Values{"login": {login}, "password": {pw}})
			return resp.StatusCode
		}
		for range 3 {
			if got := try("ada", "wrong wrong wrong"); got != http.StatusUnauthorized {
				t.Fatalf("wrong password: %d", got)
			}
		}
		// The account is locked for this window, the right password too.
		resp, body := b.post("/signin", url.Values{"login": {"ada"}, "password": {"correct horse battery"}})
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "too many failed sign-ins") {
			t.Fatalf("after 3 failures: %d", resp.StatusCode)
		}
		// Another account from the same address still works, until the
		// address has used up its own limit (3 + 2 failures).
		if got := try("bob", "correct horse battery"); got != http.StatusSeeOther {
			t.Fatalf("bob: %d", got)
		}
		b2 := e.browser()
		b2.get("/signin")
		for _, login := range []string{"nobody", "nobody-else"} {
			resp, _ := b2.post("/signin", url.Values{"login": {login}, "password": {"x"}})
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("unknown account: %d", resp.StatusCode)
			}
		}
		resp, _ = b2.post("/signin", url.Values{"login": {"bob"}, "password": {"correct horse battery"}})
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("address over its limit: %d", resp.StatusCode)
		}
		// The next window starts from zero.
		e.clock.Advance(15 * time.Minute)
		if got := try("ada", "correct horse battery"); got != http.StatusSeeOther {
			t.Fatalf("next window: %d", got)
		}
	})
}

func TestExpiredSessionReturnsToThePageAfterSignIn(t *testing.T) {
	e := newEnv(t, "sqlite")
	b, ada := e.signedIn("ada", warroom.AccountResponder)
	inc := e.declare(ada, "DNS flaps", false)
	page := "/incidents/" + inc.Ref + "?type=note"
	if resp, _ := b.get(page); resp.StatusCode != 200 {
		t.Fatalf("page: %d", resp.StatusCode)
	}
	// Used within the idle time, the session lives on...
	e.clock.Advance(6 * 24 * time.Hour)
	if resp, _ := b.get(page); resp.StatusCode != 200 {
		t.Fatalf("after 6 days of idleness: %d", resp.StatusCode)
	}
	// ...unused for longer, it expires.
	e.clock.Advance(7*24*time.Hour + time.Minute)
	resp, _ := b.get(page)
	want := "/signin?return=" + url.QueryEscape(page)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("expired: %d to %q, want %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	_, body := b.get(want)
	if !strings.Contains(body, `name="return" value="`+strings.ReplaceAll(page, "?", "?")) {
		t.Fatalf("the sign-in form does not carry the page: %s", body)
	}
	resp, _ = b.post("/signin", url.Values{"login": {"ada"}, "password": {"correct horse battery"}, "return": {page}})
	if resp.Header.Get("Location") != page {
		t.Fatalf("after signing in again: to %q", resp.Header.Get("Location"))
	}
	// A form posted with an expired session goes back to the page it
	// was on.
	e.clock.Advance(8 * 24 * time.Hour)
	req, _ := http.NewRequest("POST", e.srv.URL+"/incidents/"+inc.Ref+"/entries", strings.NewReader("text=x&csrf="+b.csrf()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", e.srv.URL+page)
	resp, _ = b.do(req)
	if resp.Header.Get("Location") != want {
		t.Fatalf("form with expired session: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestOneTimeSignInLink(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		admin := e.user("root", warroom.AccountAdmin, "")
		link, _, err := warroom.CreateSignInLink(t.Context(), e.store, e.srv.URL, admin.ID, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		path := strings.TrimPrefix(link, e.srv.URL)
		b := e.browser()
		// Opening the link does not use it.
		for range 2 {
			if resp, body := b.get(path); resp.StatusCode != 200 || !strings.Contains(body, "Sign in") {
				t.Fatalf("link page: %d", resp.StatusCode)
			}
		}
		resp, _ := b.post(path, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/profile/password" {
			t.Fatalf("use link: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		// The admin sets a password without a current one.
		resp, _ = b.post("/profile/password", url.Values{"password": {"a long new password"}, "confirm": {"a long new password"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("set password: %d", resp.StatusCode)
		}
		// Used once, the link is worthless.
		other := e.browser()
		other.get(path)
		if resp, _ := other.post(path, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("second use: %d", resp.StatusCode)
		}
		other.signIn("root", "a long new password")
		// An expired link is refused.
		link2, _, _ := warroom.CreateSignInLink(t.Context(), e.store, e.srv.URL, admin.ID, e.clock.Now())
		e.clock.Advance(warroom.SignInLinkTTL + time.Second)
		late := e.browser()
		late.get(strings.TrimPrefix(link2, e.srv.URL))
		if resp, _ := late.post(strings.TrimPrefix(link2, e.srv.URL), nil); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("expired link: %d", resp.StatusCode)
		}
	})
}

func TestPasswordChangeNeedsTheCurrentOneAndEndsOtherSessions(t *testing.T) {
	e := newEnv(t, "sqlite")
	b, _ := e.signedIn("ada", warroom.AccountResponder)
	other := e.browser()
	other.signIn("ada", "correct horse battery")
	resp, body := b.post("/profile/password", url.Values{"current": {"not it at all"}, "password": {"a brand new password"}, "confirm": {"a brand new password"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "not your current password") {
		t.Fatalf("wrong current: %d", resp.StatusCode)
	}
	resp, body = b.post("/profile/password", url.Values{"current": {"correct horse battery"}, "password": {"short"}, "confirm": {"short"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "at least 12 characters") {
		t.Fatalf("short: %d", resp.StatusCode)
	}
	resp, _ = b.post("/profile/password", url.Values{"current": {"correct horse battery"}, "password": {"a brand new password"}, "confirm": {"a brand new password"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/incidents"); resp.StatusCode != 200 {
		t.Fatalf("this session ended: %d", resp.StatusCode)
	}
	if resp, _ := other.get("/incidents"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the other session lives on: %d", resp.StatusCode)
	}
	e.browser().signIn("ada", "a brand new password")
}

func TestAdminResetsAPassword(t *testing.T) {
	e := newEnv(t, "sqlite")
	ab, _ := e.signedIn("root", warroom.AccountAdmin)
	bb, _ := e.signedIn("bob", warroom.AccountResponder)
	if resp, _ := bb.get("/users/root/password"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("responder on the admin page: %d", resp.StatusCode)
	}
	resp, body := ab.post("/users/bob/password", url.Values{"password": {"reset by the admin"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Password set; 1 session of @bob ended") {
		t.Fatalf("reset: %d %s", resp.StatusCode, body)
	}
	if resp, _ := bb.get("/incidents"); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("bob's session survived the reset")
	}
	e.browser().signIn("bob", "reset by the admin")
	_, body = ab.post("/users/bob/signin-link", nil)
	if !strings.Contains(body, e.srv.URL+"/signin/link/wr_") {
		t.Fatalf("no link shown: %s", body)
	}
}
