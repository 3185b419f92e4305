package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/password"
)

func TestAdminSetsAPasswordAndEndsTheSessions(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	ada := e.users["ada"]
	if err := e.store.CreateSession(ctx, &warroom.WebSession{UserID: ada.ID, CreatedAt: epoch, ExpiresAt: epoch.Add(time.Hour)}, "h1"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.do("bob", "POST", "/api/v1/users/ada/password", map[string]string{"password": "a long password"}), http.StatusForbidden, warroom.EForbidden, "")
	wantErr(t, e.do("root", "POST", "/api/v1/users/ada/password", map[string]string{"password": "short"}), http.StatusBadRequest, warroom.EInvalid, "password")
	wantErr(t, e.do("root", "POST", "/api/v1/users/nobody/password", map[string]string{"password": "a long password"}), http.StatusNotFound, warroom.ENotFound, "")
	got := ok[struct {
		SessionsEnded int `json:"sessions_ended"`
	}](t, e.do("root", "POST", "/api/v1/users/@ada/password", map[string]string{"password": "a long password"}), http.StatusOK)
	if got.SessionsEnded != 1 {
		t.Fatalf("sessions ended: %d", got.SessionsEnded)
	}
	hash, err := e.store.PasswordHash(ctx, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := password.Verify("a long password", hash); !ok {
		t.Fatal("the stored hash does not verify the password")
	}
	if _, _, err := e.store.FindSession(ctx, "h1", epoch); warroom.ErrorCode(err) != warroom.EUnauthorized {
		t.Fatalf("session survived: %v", err)
	}
}

func TestAdminCreatesASignInLink(t *testing.T) {
	e := newEnv(t, nil)
	wantErr(t, e.do("vic", "POST", "/api/v1/users/vic/signin-link", nil), http.StatusForbidden, warroom.EForbidden, "")
	got := ok[struct {
		URL string `json:"url"`
	}](t, e.do("root", "POST", "/api/v1/users/ada/signin-link", nil), http.StatusCreated)
	token, found := strings.CutPrefix(got.URL, e.srv.URL+warroom.SignInLinkPath)
	if !found {
		t.Fatalf("link %q", got.URL)
	}
	id, err := e.store.UseSignInLink(t.Context(), warroom.HashTokenSecret(token), e.clock.Now())
	if err != nil || id != e.users["ada"].ID {
		t.Fatalf("use link: %q %v", id, err)
	}
}
