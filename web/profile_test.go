package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestProfile: a person sets their time zone, adds and tests a contact
// method (the mail arrives), sets notification rules, makes an API token
// and a calendar feed link shown once (both work), and signs out another
// browser. Bad input is named next to its field with what was typed kept.
func TestProfile(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		p := newPagesEnv(t, db)
		ada, adaU := p.signedIn("ada", warroom.AccountViewer) // viewers manage their own profile, as in the API
		other := p.browser()
		other.signIn("ada", "correct horse battery")
		ctx := context.Background()

		resp, body := ada.get("/profile")
		want(t, "profile", resp, body, 200, `<label for="tz">`, `value="Europe/Berlin"`, "pages go to your account email")
		resp, body = ada.post("/profile", url.Values{"time_zone": {"Mars/Olympus"}})
		want(t, "bad zone", resp, body, 400, `id="tz-error"`, "unknown time zone", `value="Mars/Olympus"`)
		resp, body = ada.post("/profile", url.Values{"time_zone": {"  "}})
		want(t, "blank zone", resp, body, 400, `id="tz-error"`, "say which time zone")
		resp, _ = ada.post("/profile", url.Values{"time_zone": {"America/New_York"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("time zone: %d", resp.StatusCode)
		}
		if u, _ := p.store.FindUser(ctx, adaU.ID); u.TimeZone != "America/New_York" {
			t.Fatalf("zone %q", u.TimeZone)
		}

		resp, body = ada.post("/profile/contacts", url.Values{"channel": {"email"}, "address": {"not an address"}})
		want(t, "bad address", resp, body, 400, `id="cm-address-error"`, "plain address", `value="not an address"`)
		resp, body = ada.post("/profile/contacts", url.Values{"channel": {"slack"}, "address": {"U0ADA"}})
		want(t, "no slack here", resp, body, 400, `id="cm-channel-error"`, "slack contact methods need the server&#39;s slack-token setting")
		resp, _ = ada.post("/profile/contacts", url.Values{"channel": {"email"}, "address": {"ada@pager.example.com"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add contact: %d", resp.StatusCode)
		}
		methods, _ := p.store.ListContactMethods(ctx, adaU.ID)
		if len(methods) != 1 {
			t.Fatalf("%d contact methods", len(methods))
		}
		resp, _ = ada.post("/profile/contacts/"+methods[0].ID+"/test", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("test notification: %d", resp.StatusCode)
		}
		for range 100 {
			if len(p.smtp.Messages()) > 0 {
				break
			}
			if _, err := p.pager.Sender().SendDue(ctx, "page"); err != nil {
				t.Fatal(err)
			}
		}
		if msgs := p.smtp.Messages(); len(msgs) != 1 || !strings.Contains(msgs[0], "warroom test notification") || !strings.Contains(msgs[0], "ada@pager.example.com") {
			t.Fatalf("mails: %q", msgs)
		}

		resp, body = ada.post("/profile/rules", url.Values{"contact": {methods[0].ID, ""}, "minutes": {"abc", "0"}})
		want(t, "bad delay", resp, body, 400, "whole number of minutes")
		resp, body = ada.post("/profile/rules", url.Values{"contact": {methods[0].ID}, "minutes": {"2000"}})
		want(t, "long delay", resp, body, 400, "between 0 (at once) and 24h")
		resp, _ = ada.post("/profile/rules", url.Values{"contact": {methods[0].ID, ""}, "minutes": {"2", "0"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("rules: %d", resp.StatusCode)
		}
		rules, _ := p.store.ListNotificationRules(ctx, adaU.ID)
		if len(rules) != 1 || time.Duration(rules[0].Delay) != 2*time.Minute {
			t.Fatalf("rules %+v", rules)
		}
		resp, body = ada.get("/profile")
		want(t, "rules shown", resp, body, 200, `id="nr-minutes-0" name="minutes" type="number" min="0" max="1440" inputmode="numeric" value="2"`)

		resp, body = ada.post("/profile/tokens", url.Values{"name": {"  "}})
		want(t, "no token name", resp, body, 400, `id="tok-name-error"`, "name is required")
		resp, body = ada.post("/profile/tokens", url.Values{"name": {"laptop"}})
		want(t, "token", resp, body, http.StatusCreated, "shown only this once", `Token “laptop”`)
		secret := between(body, `id="new-token" class="secret" value="`, `"`)
		req, _ := http.NewRequest("GET", p.srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 200 {
			t.Fatalf("the new token does not work: %v %v", r, err)
		}
		resp, body = ada.get("/profile")
		wantNot(t, "profile after", body, secret)

		resp, body = ada.post("/profile/calendar", nil)
		want(t, "calendar", resp, body, http.StatusCreated, "Your calendar feed")
		feed := between(body, `id="feed-url" class="secret" value="`, `"`)
		feed = strings.ReplaceAll(feed, "&amp;", "&")
		r, err := http.Get(feed)
		if err != nil {
			t.Fatal(err)
		}
		cal, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != 200 || !strings.HasPrefix(string(cal), "BEGIN:VCALENDAR") || !strings.Contains(string(cal), "On call: @ada") {
			t.Fatalf("feed %s: %d %s", feed, r.StatusCode, cal)
		}

		// Sessions: both browsers are listed; signing out the others ends
		// the second browser's session and keeps this one.
		resp, body = ada.get("/profile")
		if strings.Count(body, `aria-label="Sign out this session"`) != 2 || !strings.Contains(body, "this one") {
			t.Fatalf("sessions listed:\n%s", body)
		}
		resp, _ = ada.post("/profile/sessions/revoke-others", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke others: %d", resp.StatusCode)
		}
		if resp, _ := other.get("/profile"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
			t.Fatalf("the other browser is still signed in: %d", resp.StatusCode)
		}
		if resp, _ := ada.get("/profile"); resp.StatusCode != 200 {
			t.Fatalf("this browser was signed out: %d", resp.StatusCode)
		}
		// Revoking a token from the profile.
		tokens, _ := p.store.ListTokens(ctx, adaU.ID)
		resp, _ = ada.post("/tokens/"+tokens[0].ID+"/revoke", url.Values{"return": {"/profile"}})
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/profile?done=") {
			t.Fatalf("revoke token: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		// Someone else's contact method cannot be removed or tested.
		bobU := p.user("bob", warroom.AccountResponder, "")
		bm := &warroom.ContactMethod{UserID: bobU.ID, Channel: warroom.ContactEmail, Address: "bob@example.com"}
		if err := p.store.CreateContactMethod(ctx, bm); err != nil {
			t.Fatal(err)
		}
		for _, action := range []string{"delete", "test"} {
			if resp, _ := ada.post("/profile/contacts/"+bm.ID+"/"+action, nil); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("ada %s bob's contact: %d", action, resp.StatusCode)
			}
		}
	})
}

// TestPeopleAdmin: admins add people and teams (errors by their
// fields), see a person's sessions and tokens and sign them out; others
// see no forms and are refused.
func TestPeopleAdmin(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		p := newPagesEnv(t, db)
		root, _ := p.signedIn("root", warroom.AccountAdmin)
		ada, adaU := p.signedIn("ada", warroom.AccountResponder)
		ctx := context.Background()

		resp, body := ada.get("/people")
		want(t, "people for ada", resp, body, 200, "@root", "@ada")
		wantNot(t, "people for ada", body, "Add a person", "All API tokens")
		for path, form := range map[string]url.Values{
			"/people/users": {"handle": {"eve"}, "name": {"Eve"}, "email": {"eve@example.com"}},
			"/people/teams": {"slug": {"sre"}, "name": {"SRE"}},
		} {
			if resp, _ := ada.post(path, form); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("ada posting %s: %d", path, resp.StatusCode)
			}
		}
		for _, path := range []string{"/people/ada", "/tokens"} {
			if resp, _ := ada.get(path); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("ada reading %s: %d", path, resp.StatusCode)
			}
		}

		resp, body = root.post("/people/teams", url.Values{"slug": {"Not A Slug"}, "name": {"SRE"}})
		want(t, "bad slug", resp, body, 400, `id="t-slug-error"`, `value="Not A Slug"`)
		resp, _ = root.post("/people/teams", url.Values{"slug": {"sre"}, "name": {"SRE"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("team: %d", resp.StatusCode)
		}
		team, err := p.store.FindTeam(ctx, "sre")
		if err != nil {
			t.Fatal(err)
		}
		resp, body = root.post("/people/users", url.Values{"handle": {"eve"}, "name": {"Eve"}, "email": {"nope"}, "time_zone": {"UTC"}, "role": {"viewer"}})
		want(t, "bad email", resp, body, 400, `id="u-email-error"`, `value="eve"`)
		resp, body = root.post("/people/users", url.Values{"handle": {"ada"}, "name": {"Ada 2"}, "email": {"ada2@example.com"}, "time_zone": {"UTC"}, "role": {"viewer"}})
		want(t, "taken handle", resp, body, 409, `value="Ada 2"`)
		resp, _ = root.post("/people/users", url.Values{"handle": {"eve"}, "name": {"Eve"}, "email": {"eve@example.com"},
			"time_zone": {"Asia/Tokyo"}, "role": {"viewer"}, "team": {team.ID}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("user: %d", resp.StatusCode)
		}
		if eve, err := p.store.FindUser(ctx, "eve"); err != nil || eve.Role != warroom.AccountViewer || eve.TeamID != team.ID || eve.TimeZone != "Asia/Tokyo" {
			t.Fatalf("eve %+v, %v", eve, err)
		}

		// An admin changes a person: a bad email is named; a new role
		// holds at their next request.
		resp, body = root.post("/people/ada", url.Values{"name": {"Ada L."}, "email": {"nope"}, "time_zone": {"UTC"}, "role": {"viewer"}})
		want(t, "bad email", resp, body, 400, `id="e-email-error"`, `value="Ada L."`)
		resp, _ = root.post("/people/ada", url.Values{"name": {"Ada L."}, "email": {"ada@example.com"}, "time_zone": {"UTC"},
			"role": {"viewer"}, "team": {team.ID}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("update: %d", resp.StatusCode)
		}
		if u, _ := p.store.FindUser(ctx, "ada"); u.Role != warroom.AccountViewer || u.Name != "Ada L." || u.TeamID != team.ID {
			t.Fatalf("ada %+v", u)
		}
		if resp, _ := ada.post("/people/teams", url.Values{"slug": {"x"}, "name": {"X"}}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("ada after the change: %d", resp.StatusCode)
		}
		if resp, _ := ada.post("/people/ada", url.Values{"name": {"Me"}, "email": {"ada@example.com"}, "role": {"admin"}}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("ada making herself admin: %d", resp.StatusCode)
		}

		if _, _, err := warroom.IssueToken(ctx, p.store, adaU.ID, "ci", p.clock.Now()); err != nil {
			t.Fatal(err)
		}
		resp, body = root.get("/tokens")
		want(t, "all tokens", resp, body, 200, "ci", "@ada")
		resp, body = root.get("/people/ada")
		want(t, "ada's page", resp, body, 200, "ci", `aria-label="Sign out this session"`)
		resp, _ = root.post("/people/ada/sessions/revoke-all", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke all: %d", resp.StatusCode)
		}
		if resp, _ := ada.get("/alerts"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("ada is still signed in: %d", resp.StatusCode)
		}
		if resp, _ := root.get("/people"); resp.StatusCode != 200 {
			t.Fatalf("the admin was signed out: %d", resp.StatusCode)
		}
	})
}
