package sso

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestLocalPath(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"/", true},
		{"/incidents/42", true},
		{"/incidents?stage=open&q=db#top", true},
		{"/a//b", true},
		{"", false},
		{"incidents", false},
		{"//evil.example", false},
		{"///evil.example", false},
		{"/\\evil.example", false},
		{"/a\\b", false},
		{"https://evil.example/", false},
		{"HTTPS://evil.example/", false},
		{"javascript:alert(1)", false},
		{"/a\r\nSet-Cookie: x=1", false},
		{"/a\tb", false},
		{"/a\x7f", false},
		{"/" + strings.Repeat("a", maxReturnTo), false},
	} {
		if got := LocalPath(tt.in); got != tt.want {
			t.Errorf("LocalPath(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseGroupRoles(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    map[string]warroom.AccountRole
		wantErr string
	}{
		{"", map[string]warroom.AccountRole{}, ""},
		{"sre-admins=admin, sre=responder ,support=viewer,", map[string]warroom.AccountRole{
			"sre-admins": warroom.AccountAdmin, "sre": warroom.AccountResponder, "support": warroom.AccountViewer}, ""},
		{"team=sre=admin", map[string]warroom.AccountRole{"team=sre": warroom.AccountAdmin}, ""},
		{"CN=SRE,OU=Groups=admin", nil, `role "SRE"`},
		{"sre", nil, "write GROUP=ROLE"},
		{"=admin", nil, "write GROUP=ROLE"},
		{"sre=owner", nil, `role "owner" must be admin, responder or viewer`},
		{"sre=admin,sre=viewer", nil, `group "sre" is mapped twice`},
	} {
		got, err := ParseGroupRoles(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseGroupRoles(%q) error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !maps.Equal(got, tt.want) {
			t.Errorf("ParseGroupRoles(%q) = %v, %v", tt.in, got, err)
		}
		if back, _ := ParseGroupRoles(FormatGroupRoles(got)); !maps.Equal(back, got) {
			t.Errorf("FormatGroupRoles(%v) = %q does not parse back", got, FormatGroupRoles(got))
		}
	}
}

func TestRoleForGroups(t *testing.T) {
	m := map[string]warroom.AccountRole{"admins": warroom.AccountAdmin, "sre": warroom.AccountResponder, "readers": warroom.AccountViewer}
	for _, tt := range []struct {
		groups []string
		def    warroom.AccountRole
		want   warroom.AccountRole
	}{
		{nil, warroom.AccountViewer, warroom.AccountViewer},
		{[]string{"eng"}, warroom.AccountResponder, warroom.AccountResponder},
		{[]string{"sre"}, warroom.AccountViewer, warroom.AccountResponder},
		{[]string{"readers"}, warroom.AccountResponder, warroom.AccountViewer}, // a mapped group beats the default
		{[]string{"readers", "admins", "sre"}, warroom.AccountViewer, warroom.AccountAdmin},
		{[]string{"sre", "readers"}, warroom.AccountViewer, warroom.AccountResponder},
		{[]string{"SRE"}, warroom.AccountViewer, warroom.AccountViewer}, // exact names
	} {
		if got := RoleForGroups(m, tt.groups, tt.def); got != tt.want {
			t.Errorf("RoleForGroups(%v, default %s) = %s, want %s", tt.groups, tt.def, got, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{IssuerURL: "https://idp.example.com", ClientID: "warroom", ClientSecret: "s3cret",
		RedirectURL: "https://warroom.example.com/auth/oidc/callback"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		field string
		edit  func(*Config)
	}{
		{"issuer_url", func(c *Config) { c.IssuerURL = "" }},
		{"issuer_url", func(c *Config) { c.IssuerURL = "idp.example.com" }},
		{"client_id", func(c *Config) { c.ClientID = "" }},
		{"client_secret", func(c *Config) { c.ClientSecret = "" }},
		{"redirect_url", func(c *Config) { c.RedirectURL = "/auth/oidc/callback" }},
		{"default_role", func(c *Config) { c.DefaultRole = "owner" }},
		{"scopes", func(c *Config) { c.Scopes = []string{"groups offline_access"} }},
		{"group_roles", func(c *Config) { c.GroupRoles = map[string]warroom.AccountRole{"sre": "root"} }},
	} {
		c := good
		tt.edit(&c)
		if err := c.Validate(); warroom.ErrorField(err) != tt.field {
			t.Errorf("want an error on %s, got %v", tt.field, err)
		}
	}
}

func TestHandleBase(t *testing.T) {
	for _, tt := range []struct {
		id   identity
		want string
	}{
		{identity{PreferredUsername: "jane.doe", Email: "x@example.com"}, "jane-doe"},
		{identity{PreferredUsername: "Jane.Doe@corp.example"}, "jane-doe"},
		{identity{Email: "J_Smith+ops@example.com"}, "j-smith-ops"},
		{identity{Email: "--@example.com"}, "user"},
		{identity{PreferredUsername: "Zoë Ängström"}, "zo-ngstr-m"},
		{identity{PreferredUsername: strings.Repeat("a", 58) + "-bbbb"}, strings.Repeat("a", 58)},
	} {
		got := handleBase(tt.id)
		if got != tt.want || !warroom.ValidSlug(got+"-20") {
			t.Errorf("handleBase(%+v) = %q, want %q (a slug with room for a suffix)", tt.id, got, tt.want)
		}
	}
}

func TestParseIdentity(t *testing.T) {
	for _, tt := range []struct {
		payload  string
		verified bool
		groups   []string
		err      bool
	}{
		{`{"email":"a@b.c","email_verified":true,"groups":["x","y"]}`, true, []string{"x", "y"}, false},
		{`{"email":"a@b.c","email_verified":false}`, false, nil, false},
		{`{"email":"a@b.c","email_verified":"true","groups":"x"}`, true, []string{"x"}, false},
		{`{"email":"a@b.c","email_verified":"no","groups":null}`, false, nil, false},
		{`{"email":"a@b.c"}`, false, nil, false},
		{`{"email":"a@b.c","email_verified":1}`, false, nil, false},
		{`{"email":"a@b.c","groups":{"x":1}}`, false, nil, true},
	} {
		id, err := parseIdentity([]byte(tt.payload), "groups")
		if (err != nil) != tt.err || id.EmailVerified != tt.verified || strings.Join(id.Groups, ",") != strings.Join(tt.groups, ",") {
			t.Errorf("%s: %+v, %v", tt.payload, id, err)
		}
	}
}

func TestFlowCookieRules(t *testing.T) {
	c := cookieSigner{key: cookieKey("secret"), path: "/cb", secure: true}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := flow{State: "state1", Nonce: "n", Verifier: "v", ReturnTo: "/x", Expires: now.Add(flowTTL).Unix()}
	rec := httptest.NewRecorder()
	if err := c.set(rec, f); err != nil {
		t.Fatal(err)
	}
	set := rec.Result().Cookies()[0]
	if !set.Secure || !set.HttpOnly || set.SameSite != http.SameSiteLaxMode || set.Path != "/cb" {
		t.Errorf("cookie %s: want Secure (https callback), HttpOnly, SameSite=Lax, Path=/cb", set)
	}
	req := func(ck *http.Cookie) *http.Request {
		r := httptest.NewRequest("GET", "/cb", nil)
		r.AddCookie(ck)
		return r
	}
	if got, err := c.get(req(set), "state1", now); err != nil || got != f {
		t.Errorf("get = %+v, %v", got, err)
	}
	if _, err := c.get(req(set), "state1", now.Add(flowTTL)); err != errExpiredFlow {
		t.Errorf("after %s: %v, want expired", flowTTL, err)
	}
	other := cookieSigner{key: cookieKey("another secret"), path: "/cb"}
	if _, err := other.get(req(set), "state1", now); err != errBadFlow {
		t.Errorf("checked with another key: %v, want bad", err)
	}
	// A cookie signed for one state, presented under another's name.
	moved := *set
	moved.Name = cookiePrefix + "state2"
	if _, err := c.get(req(&moved), "state2", now); err != errBadFlow {
		t.Errorf("moved cookie: %v, want bad", err)
	}
	if _, err := c.get(req(set), "state1;x", now); err != errNoFlow {
		t.Errorf("odd state: %v", err)
	}
}
