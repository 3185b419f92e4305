package sso

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// DefaultGroupsClaim is the ID token claim that lists the user's groups
// when Config.GroupsClaim is empty.
const DefaultGroupsClaim = "groups"

// DefaultRole is the account role of a user whom no group mapping
// places, when Config.DefaultRole is empty: the least privilege, so that
// anyone the identity provider lets in reads but changes nothing until
// an admin or a group says otherwise.
const DefaultRole = warroom.AccountViewer

// flowTTL is how long a started sign-in may take (the flow cookie's life).
const flowTTL = 10 * time.Minute

// Config is the single sign-on configuration: an OpenID Connect provider
// and how its users become warroom accounts.
type Config struct {
	IssuerURL    string // the provider's issuer; discovery is at ISSUER/.well-known/openid-configuration
	ClientID     string
	ClientSecret string // also keys the HMAC of the flow cookie (see cookie.go)
	RedirectURL  string // this server's callback, registered at the provider; Finish runs there
	// Scopes are requested beside openid, email and profile (e.g. groups).
	Scopes []string
	// GroupsClaim names the ID token claim listing the user's groups
	// (DefaultGroupsClaim when empty).
	GroupsClaim string
	// GroupRoles maps a provider group to an account role. When it is
	// not empty, every sign-in sets the user's role from their groups:
	// the highest role of the groups they are in, DefaultRole if none.
	// When empty, roles are managed in warroom and sign-in leaves them.
	GroupRoles map[string]warroom.AccountRole
	// DefaultRole is the role of a user no group places (the package's
	// DefaultRole when empty).
	DefaultRole warroom.AccountRole
	// AllowSignup creates an account on first sign-in. Otherwise the
	// account must exist, matched by email without regard to case.
	AllowSignup bool
	// HTTPClient makes the requests to the provider (discovery, token,
	// keys); nil for one with HTTPTimeout.
	HTTPClient *http.Client
}

// withDefaults returns c with its empty optional fields filled.
func (c Config) withDefaults() Config {
	if c.GroupsClaim == "" {
		c.GroupsClaim = DefaultGroupsClaim
	}
	if c.DefaultRole == "" {
		c.DefaultRole = DefaultRole
	}
	return c
}

// Validate reports the first field that makes no sense, as an EInvalid
// error naming the field.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case !absoluteHTTPURL(c.IssuerURL):
		return warroom.Invalid("issuer_url", "the OIDC issuer must be an http(s) URL like https://idp.example.com, not %q", c.IssuerURL)
	case c.ClientID == "":
		return warroom.Invalid("client_id", "the OIDC client ID is required")
	case c.ClientSecret == "":
		return warroom.Invalid("client_secret", "the OIDC client secret is required")
	case !absoluteHTTPURL(c.RedirectURL):
		return warroom.Invalid("redirect_url", "the OIDC redirect URL must be an http(s) URL of this server like https://warroom.example.com/auth/oidc/callback, not %q", c.RedirectURL)
	case !c.DefaultRole.Valid():
		return warroom.Invalid("default_role", "the default role must be admin, responder or viewer, not %q", c.DefaultRole)
	}
	for _, s := range c.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n\"\\") {
			return warroom.Invalid("scopes", "scope %q is not a single OAuth scope", s)
		}
	}
	for g, r := range c.GroupRoles {
		if g == "" {
			return warroom.Invalid("group_roles", "a group name is empty")
		}
		if !r.Valid() {
			return warroom.Invalid("group_roles", "group %q maps to %q; the role must be admin, responder or viewer", g, r)
		}
	}
	return nil
}

func absoluteHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}

// ParseGroupRoles parses GROUP=ROLE pairs separated by commas, e.g.
// "sre-admins=admin,sre=responder". A group may be named once; a group
// name may hold "=" but not ",".
func ParseGroupRoles(s string) (map[string]warroom.AccountRole, error) {
	m := map[string]warroom.AccountRole{}
	for pair := range strings.SplitSeq(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		// The last "=": a role has none, a group name may.
		i := strings.LastIndex(pair, "=")
		if i <= 0 {
			return nil, fmt.Errorf("%q: write GROUP=ROLE, e.g. sre-admins=admin", pair)
		}
		group, role := strings.TrimSpace(pair[:i]), strings.TrimSpace(pair[i+1:])
		if group == "" {
			return nil, fmt.Errorf("%q: write GROUP=ROLE, e.g. sre-admins=admin", pair)
		}
		r := warroom.AccountRole(role)
		if !r.Valid() {
			return nil, fmt.Errorf("%q: role %q must be admin, responder or viewer", pair, role)
		}
		if _, dup := m[group]; dup {
			return nil, fmt.Errorf("group %q is mapped twice", group)
		}
		m[group] = r
	}
	return m, nil
}

// FormatGroupRoles is the inverse of ParseGroupRoles, sorted by group.
func FormatGroupRoles(m map[string]warroom.AccountRole) string {
	pairs := make([]string, 0, len(m))
	for g, r := range m {
		pairs = append(pairs, g+"="+string(r))
	}
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}

// rank orders account roles by privilege.
var rank = map[warroom.AccountRole]int{warroom.AccountViewer: 1, warroom.AccountResponder: 2, warroom.AccountAdmin: 3}

// RoleForGroups returns the role a user in groups gets under mapping:
// the highest role of their mapped groups, def if none is mapped. Group
// names are compared exactly, as providers send them.
func RoleForGroups(mapping map[string]warroom.AccountRole, groups []string, def warroom.AccountRole) warroom.AccountRole {
	best := def
	matched := false
	for _, g := range slices.Compact(slices.Sorted(slices.Values(groups))) {
		r, ok := mapping[g]
		if !ok {
			continue
		}
		if !matched || rank[r] > rank[best] {
			best, matched = r, true
		}
	}
	return best
}
