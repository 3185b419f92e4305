package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/sso"
	"github.com/warroom/warroom/web"
)

// ssoConfig is the single sign-on part of the server's configuration
// (docs/sso.md): an OpenID Connect provider and how its users become
// accounts. Empty Issuer: no single sign-on.
type ssoConfig struct {
	Issuer           string
	ClientID         string
	ClientSecret     string
	ClientSecretFile string // read at start, instead of ClientSecret
	RedirectURL      string // empty: PUBLIC-URL + sso.DefaultCallbackPath
	Scopes           string // comma-separated, beside openid, email, profile
	GroupsClaim      string
	GroupRoles       groupRolesSetting
	DefaultRole      string
	AllowSignup      oidcBool
}

func defaultSSOConfig() ssoConfig {
	return ssoConfig{GroupsClaim: sso.DefaultGroupsClaim, DefaultRole: string(sso.DefaultRole)}
}

func ssoSettings() []setting[serveConfig] {
	p := func(f func(*ssoConfig) any) func(*serveConfig) any {
		return func(c *serveConfig) any { return f(&c.SSO) }
	}
	return []setting[serveConfig]{
		{"oidc-issuer", "OpenID Connect issuer URL for single sign-on, e.g. https://idp.example.com (discovery at ISSUER/.well-known/openid-configuration); empty: no single sign-on", p(func(c *ssoConfig) any { return &c.Issuer })},
		{"oidc-client-id", "client ID of warroom at the OIDC provider", p(func(c *ssoConfig) any { return &c.ClientID })},
		{"oidc-client-secret", "client secret of warroom at the OIDC provider (prefer the environment, the config file or oidc-client-secret-file)", p(func(c *ssoConfig) any { return &c.ClientSecret })},
		{"oidc-client-secret-file", "file holding the OIDC client secret (surrounding whitespace ignored), instead of oidc-client-secret", p(func(c *ssoConfig) any { return &c.ClientSecretFile })},
		{"oidc-redirect-url", "this server's OIDC callback URL, registered at the provider; empty: PUBLIC-URL" + sso.DefaultCallbackPath, p(func(c *ssoConfig) any { return &c.RedirectURL })},
		{"oidc-scopes", "OAuth scopes requested beside openid, email and profile, comma-separated, e.g. groups", p(func(c *ssoConfig) any { return &c.Scopes })},
		{"oidc-groups-claim", "ID token claim listing the user's groups", p(func(c *ssoConfig) any { return &c.GroupsClaim })},
		{"oidc-group-roles", "provider groups mapped to account roles, GROUP=ROLE,..., e.g. sre-admins=admin,sre=responder; when set, every sign-in sets the role " +
			"from the groups (the highest mapped role, else oidc-default-role); empty: roles are managed in warroom", p(func(c *ssoConfig) any { return &c.GroupRoles })},
		{"oidc-default-role", "account role of a new single sign-on user whom no group maps: admin, responder or viewer", p(func(c *ssoConfig) any { return &c.DefaultRole })},
		{"oidc-allow-signup", "true: create an account at a person's first single sign-on; false: the account must exist (matched by email)", p(func(c *ssoConfig) any { return &c.AllowSignup })},
	}
}

// ssoFlags names the flag of each sso.Config field, for errors.
var ssoFlags = map[string]string{
	"issuer_url": "oidc-issuer", "client_id": "oidc-client-id", "client_secret": "oidc-client-secret",
	"redirect_url": "oidc-redirect-url", "scopes": "oidc-scopes", "group_roles": "oidc-group-roles",
	"default_role": "oidc-default-role",
}

// enabled reports whether single sign-on is configured.
func (c ssoConfig) enabled() bool { return c.Issuer != "" }

// config builds the sso.Config (reading the secret file) and checks it;
// ok false when single sign-on is off. publicURL is --public-url.
func (c ssoConfig) config(publicURL string) (cfg sso.Config, ok bool, err error) {
	if !c.enabled() {
		if c.ClientID != "" || c.ClientSecret != "" || c.ClientSecretFile != "" || c.RedirectURL != "" || len(c.GroupRoles) > 0 {
			return cfg, false, usageErrorf("OIDC settings are given but --oidc-issuer is empty; set it to enable single sign-on")
		}
		return cfg, false, nil
	}
	secret := c.ClientSecret
	if c.ClientSecretFile != "" {
		if secret != "" {
			return cfg, false, usageErrorf("give --oidc-client-secret or --oidc-client-secret-file, not both")
		}
		b, err := os.ReadFile(c.ClientSecretFile)
		if err != nil {
			return cfg, false, usageErrorf("--oidc-client-secret-file: %v", err)
		}
		if secret = strings.TrimSpace(string(b)); secret == "" {
			return cfg, false, usageErrorf("--oidc-client-secret-file %s is empty", c.ClientSecretFile)
		}
	}
	redirect := c.RedirectURL
	if redirect == "" {
		if publicURL == "" {
			return cfg, false, usageErrorf("--oidc-redirect-url is empty and so is --public-url; set one (the callback is then PUBLIC-URL%s)", sso.DefaultCallbackPath)
		}
		redirect = strings.TrimSuffix(publicURL, "/") + sso.DefaultCallbackPath
	}
	var scopes []string
	for s := range strings.SplitSeq(c.Scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			scopes = append(scopes, s)
		}
	}
	cfg = sso.Config{IssuerURL: c.Issuer, ClientID: c.ClientID, ClientSecret: secret, RedirectURL: redirect,
		Scopes: scopes, GroupsClaim: c.GroupsClaim, GroupRoles: c.GroupRoles,
		DefaultRole: warroom.AccountRole(c.DefaultRole), AllowSignup: bool(c.AllowSignup)}
	if err := cfg.Validate(); err != nil {
		return cfg, false, usageErrorf("%s (--%s)", warroom.ErrorMessage(err), ssoFlags[warroom.ErrorField(err)])
	}
	return cfg, true, nil
}

// startSSO makes the single sign-on service of serve (nil when it is
// off) and tries discovery once, so a wrong issuer shows in the log at
// start; sign-ins retry discovery while the provider is unreachable.
func (a *app) startSSO(ctx context.Context, cfg serveConfig, users sso.Users, log *slog.Logger) (*sso.Lazy, error) {
	scfg, ok, err := cfg.SSO.config(cfg.PublicURL)
	if err != nil || !ok {
		return nil, err
	}
	lazy, err := sso.NewLazy(scfg, users, a.now)
	if err != nil {
		return nil, err
	}
	if _, err := lazy.Provider(ctx); err != nil {
		log.Warn("single sign-on: the OIDC provider is not reachable; sign-ins retry discovery", "issuer", scfg.IssuerURL, "err", err)
	} else {
		log.Info("single sign-on ready", "issuer", scfg.IssuerURL, "callback", scfg.RedirectURL)
	}
	return lazy, nil
}

// groupRolesSetting is --oidc-group-roles.
type groupRolesSetting map[string]warroom.AccountRole

func (g *groupRolesSetting) Set(s string) error {
	m, err := sso.ParseGroupRoles(s)
	if err != nil {
		return err
	}
	*g = m
	return nil
}

func (g *groupRolesSetting) String() string { return sso.FormatGroupRoles(*g) }

// oidcBool is a true/false setting.
type oidcBool bool

func (b *oidcBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("%q: write true or false", s)
	}
	*b = oidcBool(v)
	return nil
}

func (b *oidcBool) String() string { return strconv.FormatBool(bool(*b)) }

// singleSignOn is the web UI's single sign-on: nil (none) when lazy is
// nil, never a typed nil in the interface.
func singleSignOn(lazy *sso.Lazy) web.SingleSignOn {
	if lazy == nil {
		return nil
	}
	return lazy
}
