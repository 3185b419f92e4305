package httpapi

import (
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestAuthMissingAndBadTokens(t *testing.T) {
	e := newEnv(t, nil)

	r := e.do("", "GET", "/api/v1/me", nil)
	wantMsg(t, wantErr(t, r, 401, warroom.EUnauthorized, ""), "missing API token: send Authorization: Bearer <token>")
	if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="warroom"` {
		t.Errorf("WWW-Authenticate %q", got)
	}

	r = e.do("", "GET", "/api/v1/me", nil, "Authorization", "Bearer wr_nottherightsecret")
	wantMsg(t, wantErr(t, r, 401, warroom.EUnauthorized, ""), "invalid or revoked API token")

	r = e.do("", "GET", "/api/v1/me", nil, "Authorization", "Basic "+e.secrets["ada"])
	wantMsg(t, wantErr(t, r, 401, warroom.EUnauthorized, ""), `the Authorization header must be "Bearer <token>"`)

	// Commands are authenticated before their body is looked at.
	wantErr(t, e.do("", "POST", "/api/v1/incidents", "not json"), 401, warroom.EUnauthorized, "")

	me := ok[warroom.User](t, e.do("ada", "GET", "/api/v1/me", nil), 200)
	if me.ID != e.users["ada"].ID || me.Handle != "ada" {
		t.Fatalf("me = %+v", me)
	}
	// The scheme is case-insensitive.
	ok[warroom.User](t, e.do("", "GET", "/api/v1/me", nil, "Authorization", "bearer "+e.secrets["ada"]), 200)
}

func TestAuthRevokedToken(t *testing.T) {
	e := newEnv(t, nil)
	created := ok[newToken](t, e.do("bob", "POST", "/api/v1/tokens", map[string]string{"name": "laptop"}), 201)
	if !strings.HasPrefix(created.Secret, warroom.TokenPrefix) || created.Token.UserID != e.users["bob"].ID || created.Token.Name != "laptop" {
		t.Fatalf("created %+v", created)
	}
	hdr := []string{"Authorization", "Bearer " + created.Secret}
	ok[warroom.User](t, e.do("", "GET", "/api/v1/me", nil, hdr...), 200)

	e.clock.Advance(time.Minute)
	revoked := ok[warroom.Token](t, e.do("bob", "DELETE", "/api/v1/tokens/"+created.Token.ID, nil), 200)
	if revoked.RevokedAt == nil || !revoked.RevokedAt.Equal(epoch.Add(time.Minute)) {
		t.Fatalf("revoked_at = %v", revoked.RevokedAt)
	}
	wantMsg(t, wantErr(t, e.do("", "GET", "/api/v1/me", nil, hdr...), 401, warroom.EUnauthorized, ""), "invalid or revoked API token")
	// bob's other token still works.
	ok[warroom.User](t, e.do("bob", "GET", "/api/v1/me", nil), 200)
}

func TestViewerReadsButChangesNothing(t *testing.T) {
	e := newEnv(t, nil)
	inc := e.declare("ada", "db down", false)

	// Reads work.
	ok[warroom.IncidentView](t, e.do("vic", "GET", "/api/v1/incidents/"+inc.Ref, nil), 200)
	ok[map[string][]warroom.Incident](t, e.do("vic", "GET", "/api/v1/incidents", nil), 200)

	// Every kind of write is 403, with the message, before the body is read.
	for _, c := range []struct{ method, path string }{
		{"POST", "/api/v1/incidents"},
		{"POST", "/api/v1/incidents/" + inc.Ref + "/stage"},
		{"POST", "/api/v1/incidents/" + inc.Ref + "/entries"},
		{"PATCH", "/api/v1/incidents/" + inc.Ref},
		{"POST", "/api/v1/teams"},
	} {
		r := e.do("vic", c.method, c.path, `{"stage":"investigating","title":"x","severity":"SEV3","type":"note","text":"x"}`)
		wantMsg(t, wantErr(t, r, 403, warroom.EForbidden, ""), "viewers can read but change nothing")
	}
	if n := e.timelineLen(inc.ID); n != 4 {
		t.Fatalf("viewer changed the timeline: %d events", n)
	}

	// Viewers manage their own tokens.
	tok := ok[newToken](t, e.do("vic", "POST", "/api/v1/tokens", map[string]string{"name": "phone"}), 201)
	ok[warroom.Token](t, e.do("vic", "DELETE", "/api/v1/tokens/"+tok.Token.ID, nil), 200)
	// ... but nobody else's.
	r := e.do("vic", "POST", "/api/v1/tokens", map[string]string{"name": "x", "user": "ada"})
	wantMsg(t, wantErr(t, r, 403, warroom.EForbidden, ""), "only admins may manage other users' tokens")
}

func TestAdminOnlyRoutes(t *testing.T) {
	e := newEnv(t, nil)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/users", map[string]string{"handle": "dan", "name": "Dan", "email": "dan@example.com"}},
		{"PATCH", "/api/v1/users/bob", map[string]string{"name": "Robert"}},
		{"POST", "/api/v1/teams", map[string]string{"slug": "db", "name": "DB"}},
		{"POST", "/api/v1/services", map[string]string{"slug": "api", "name": "API"}},
		{"PATCH", "/api/v1/services/api", map[string]string{"name": "API"}},
	} {
		r := e.do("ada", c.method, c.path, c.body)
		wantMsg(t, wantErr(t, r, 403, warroom.EForbidden, ""), "only admins may change users, teams and services")
	}
	ok[warroom.Team](t, e.do("root", "POST", "/api/v1/teams", map[string]string{"slug": "db", "name": "DB"}), 201)
}

func TestTokens(t *testing.T) {
	e := newEnv(t, nil)
	ada := ok[newToken](t, e.do("ada", "POST", "/api/v1/tokens", map[string]string{"name": "laptop"}), 201)
	forBob := ok[newToken](t, e.do("root", "POST", "/api/v1/tokens", map[string]string{"name": "ci", "user": "@bob"}), 201)
	if forBob.Token.UserID != e.users["bob"].ID {
		t.Fatalf("admin's token for bob belongs to %s", forBob.Token.UserID)
	}
	if forBob.Token.ID == "" || !forBob.Token.CreatedAt.Equal(epoch) {
		t.Fatalf("token %+v", forBob.Token)
	}

	own := ok[map[string][]warroom.Token](t, e.do("ada", "GET", "/api/v1/tokens", nil), 200)["tokens"]
	if len(own) != 2 || own[0].UserID != e.users["ada"].ID || own[1].ID != ada.Token.ID {
		t.Fatalf("ada's tokens: %+v", own)
	}
	wantErr(t, e.do("ada", "GET", "/api/v1/tokens?user=bob", nil), 403, warroom.EForbidden, "")
	wantErr(t, e.do("ada", "GET", "/api/v1/tokens?user=all", nil), 403, warroom.EForbidden, "")
	if all := ok[map[string][]warroom.Token](t, e.do("root", "GET", "/api/v1/tokens?user=all", nil), 200)["tokens"]; len(all) != 7 {
		t.Fatalf("all tokens: %d, want 7", len(all))
	}
	if bobs := ok[map[string][]warroom.Token](t, e.do("root", "GET", "/api/v1/tokens?user=bob", nil), 200)["tokens"]; len(bobs) != 2 {
		t.Fatalf("bob's tokens: %d, want 2", len(bobs))
	}

	// Someone else's token is not found for a non-admin; an admin revokes any.
	wantErr(t, e.do("ada", "DELETE", "/api/v1/tokens/"+forBob.Token.ID, nil), 404, warroom.ENotFound, "")
	ok[warroom.Token](t, e.do("root", "DELETE", "/api/v1/tokens/"+forBob.Token.ID, nil), 200)
	wantErr(t, e.do("root", "DELETE", "/api/v1/tokens/nope", nil), 404, warroom.ENotFound, "")

	wantErr(t, e.do("ada", "POST", "/api/v1/tokens", map[string]string{"name": " "}), 400, warroom.EInvalid, "name")
	wantErr(t, e.do("root", "POST", "/api/v1/tokens", map[string]string{"name": "x", "user": "nobody"}), 400, warroom.EInvalid, "user")
}
