package cli

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/sso"
)

func TestSSOSettings(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "oidc-secret")
	if err := os.WriteFile(secretFile, []byte("  from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseServeFlags(t, []string{"--oidc-issuer", "https://idp.example.com", "--oidc-group-roles", "sre-admins=admin,sre=responder",
		"--public-url", "https://warroom.example.com/"},
		map[string]string{"WARROOM_OIDC_CLIENT_ID": "warroom", "WARROOM_OIDC_ALLOW_SIGNUP": "true", "WARROOM_OIDC_SCOPES": "groups, offline_access"},
		`{"oidc_client_secret_file": "`+secretFile+`", "oidc_default_role": "responder", "oidc_groups_claim": "roles"}`)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	got, ok, err := cfg.SSO.config(cfg.PublicURL)
	if err != nil || !ok {
		t.Fatalf("config: %v, %v", ok, err)
	}
	want := sso.Config{IssuerURL: "https://idp.example.com", ClientID: "warroom", ClientSecret: "from-file",
		RedirectURL: "https://warroom.example.com/auth/oidc/callback", Scopes: []string{"groups", "offline_access"},
		GroupsClaim: "roles", DefaultRole: warroom.AccountResponder, AllowSignup: true}
	if !maps.Equal(got.GroupRoles, map[string]warroom.AccountRole{"sre-admins": warroom.AccountAdmin, "sre": warroom.AccountResponder}) {
		t.Errorf("group roles %v", got.GroupRoles)
	}
	got.GroupRoles = nil
	if strings.Join(got.Scopes, " ") != strings.Join(want.Scopes, " ") {
		t.Errorf("scopes %q", got.Scopes)
	}
	got.Scopes, want.Scopes = nil, nil
	if got.IssuerURL != want.IssuerURL || got.ClientID != want.ClientID || got.ClientSecret != want.ClientSecret ||
		got.RedirectURL != want.RedirectURL || got.GroupsClaim != want.GroupsClaim || got.DefaultRole != want.DefaultRole || got.AllowSignup != want.AllowSignup {
		t.Errorf("config %+v\nwant   %+v", got, want)
	}

	// Off by default.
	def := defaultServeConfig()
	if _, ok, err := def.SSO.config(""); ok || err != nil {
		t.Errorf("defaults: on %v, %v", ok, err)
	}
}

func TestSSOSettingsErrors(t *testing.T) {
	base := []string{"--oidc-issuer", "https://idp.example.com", "--oidc-client-id", "warroom", "--oidc-client-secret", "s",
		"--oidc-redirect-url", "https://warroom.example.com/auth/oidc/callback"}
	emptyFile := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"settings without issuer", []string{"--oidc-client-id", "warroom"}, "--oidc-issuer is empty"},
		{"issuer not a URL", append(base, "--oidc-issuer", "idp.example.com"), "(--oidc-issuer)"},
		{"no client ID", append(base, "--oidc-client-id", ""), "(--oidc-client-id)"},
		{"no secret", append(base, "--oidc-client-secret", ""), "(--oidc-client-secret)"},
		{"secret twice", append(base, "--oidc-client-secret-file", emptyFile), "not both"},
		{"empty secret file", append(base, "--oidc-client-secret", "", "--oidc-client-secret-file", emptyFile), "is empty"},
		{"missing secret file", append(base, "--oidc-client-secret", "", "--oidc-client-secret-file", emptyFile+".none"), "--oidc-client-secret-file"},
		{"no redirect and no public URL", append(base, "--oidc-redirect-url", ""), "--oidc-redirect-url is empty and so is --public-url"},
		{"relative redirect", append(base, "--oidc-redirect-url", "/auth/oidc/callback"), "(--oidc-redirect-url)"},
		{"bad default role", append(base, "--oidc-default-role", "owner"), "(--oidc-default-role)"},
		{"bad scope", append(base, "--oidc-scopes", "groups,a b"), "(--oidc-scopes)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseServeFlags(t, tt.args, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			if err := cfg.validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("validate = %v, want an error with %q", err, tt.want)
			} else if _, ok := err.(*usageError); !ok {
				t.Errorf("error %T is not a usage error", err)
			}
		})
	}
	for _, tt := range []struct{ args []string }{
		{[]string{"--oidc-group-roles", "sre=owner"}},
		{[]string{"--oidc-allow-signup", "yes please"}},
	} {
		if _, err := parseServeFlags(t, tt.args, nil, ""); err == nil || !strings.Contains(err.Error(), "flag "+tt.args[0]) {
			t.Errorf("%v: %v, want an error naming the flag", tt.args, err)
		}
	}
}

// TestStartSSO: serve's single sign-on starts even when the provider is
// down (it says so in the log), and is nil when not configured.
func TestStartSSO(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer down.Close()
	a := &app{now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }}
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	cfg := defaultServeConfig()
	if s, err := a.startSSO(context.Background(), cfg, nil, logger); s != nil || err != nil {
		t.Errorf("not configured: %v, %v", s, err)
	}
	cfg.SSO.Issuer, cfg.SSO.ClientID, cfg.SSO.ClientSecret = down.URL, "warroom", "s"
	cfg.PublicURL = "http://127.0.0.1:8080"
	s, err := a.startSSO(context.Background(), cfg, nil, logger)
	if err != nil || s == nil {
		t.Fatalf("provider down: %v, %v", s, err)
	}
	if !strings.Contains(log.String(), "not reachable") || s.CallbackPath() != sso.DefaultCallbackPath {
		t.Errorf("log %q, callback %q", log.String(), s.CallbackPath())
	}
}
