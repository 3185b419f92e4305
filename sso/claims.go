package sso

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/warroom/warroom"
)

// identity is what warroom takes from a verified ID token.
type identity struct {
	Subject           string
	Email             string
	EmailVerified     bool
	Name              string
	PreferredUsername string
	ZoneInfo          string
	Groups            []string
}

// parseIdentity reads the standard claims and the groups claim from the
// token's payload. email_verified is a boolean, or the string "true" as
// some providers send it; groups a list of strings or one string.
func parseIdentity(payload []byte, groupsClaim string) (identity, error) {
	var c struct {
		Subject           string          `json:"sub"`
		Email             string          `json:"email"`
		EmailVerified     json.RawMessage `json:"email_verified"`
		Name              string          `json:"name"`
		PreferredUsername string          `json:"preferred_username"`
		ZoneInfo          string          `json:"zoneinfo"`
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(payload, &c); err != nil {
		return identity{}, err
	}
	if err := json.Unmarshal(payload, &all); err != nil {
		return identity{}, err
	}
	id := identity{Subject: c.Subject, Email: strings.TrimSpace(c.Email), Name: strings.TrimSpace(c.Name),
		PreferredUsername: c.PreferredUsername, ZoneInfo: c.ZoneInfo}
	var b bool
	var s string
	switch {
	case json.Unmarshal(c.EmailVerified, &b) == nil:
		id.EmailVerified = b
	case json.Unmarshal(c.EmailVerified, &s) == nil:
		id.EmailVerified, _ = strconv.ParseBool(s)
	}
	if g, ok := all[groupsClaim]; ok && string(g) != "null" {
		if json.Unmarshal(g, &id.Groups) != nil {
			var one string
			if err := json.Unmarshal(g, &one); err != nil {
				return identity{}, fmt.Errorf("claim %q is neither a list of strings nor a string", groupsClaim)
			}
			id.Groups = []string{one}
		}
	}
	return id, nil
}

// signIn maps the token's claims to a user: the account with the token's
// verified email, its role set from the groups when a mapping is
// configured; a new account when there is none and signup is allowed.
func (p *Provider) signIn(ctx context.Context, t *oidc.IDToken) (*warroom.User, error) {
	var payload json.RawMessage
	if err := t.Claims(&payload); err != nil {
		return nil, refused(ErrToken, "claims: %v", err)
	}
	id, err := parseIdentity(payload, p.cfg.GroupsClaim)
	if err != nil {
		return nil, refused(ErrToken, "%v", err)
	}
	switch {
	case id.Email == "":
		return nil, refused(ErrNoEmail, "subject %q", id.Subject)
	case !id.EmailVerified:
		return nil, refused(ErrUnverifiedEmail, "subject %q, email %s", id.Subject, id.Email)
	}
	u, err := p.users.FindUserByEmail(ctx, id.Email)
	switch warroom.ErrorCode(err) {
	case "":
		return p.existing(ctx, u, id)
	case warroom.ENotFound:
		if !p.cfg.AllowSignup {
			return nil, refused(ErrSignupNotAllowed, "email %s", id.Email)
		}
		return p.create(ctx, id)
	default:
		return nil, err
	}
}

// roleFor is the role the groups give, when a mapping is configured.
func (p *Provider) roleFor(id identity) warroom.AccountRole {
	return RoleForGroups(p.cfg.GroupRoles, id.Groups, p.cfg.DefaultRole)
}

// existing updates an account's role from the groups when a mapping is
// configured (the provider is then the source of roles: a person removed
// from the admins group is no longer an admin at their next sign-in).
func (p *Provider) existing(ctx context.Context, u *warroom.User, id identity) (*warroom.User, error) {
	if len(p.cfg.GroupRoles) == 0 {
		return u, nil
	}
	if role := p.roleFor(id); role != u.Role {
		u.Role = role
		if err := p.users.UpdateUser(ctx, u); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// maxHandleTries bounds the handles tried for a new account (base,
// base-2, ...) before giving up.
const maxHandleTries = 20

// create makes the account of a first sign-in: its handle from the
// preferred username or the email's local part (base-2, base-3... when
// taken), its name from the name claim, its time zone from zoneinfo.
func (p *Provider) create(ctx context.Context, id identity) (*warroom.User, error) {
	base := handleBase(id)
	u := &warroom.User{Name: truncateRunes(id.Name, 200), Email: id.Email, TimeZone: "UTC", Role: p.roleFor(id),
		CreatedAt: p.now()}
	if u.Name == "" {
		u.Name = base
	}
	// "Local" would be the server's zone, not the person's.
	if _, err := time.LoadLocation(id.ZoneInfo); id.ZoneInfo != "" && id.ZoneInfo != "Local" && err == nil {
		u.TimeZone = id.ZoneInfo
	}
	for i := 1; i <= maxHandleTries; i++ {
		u.Handle = base
		if i > 1 {
			u.Handle = fmt.Sprintf("%s-%d", base, i)
		}
		if err := u.Validate(time.LoadLocation); err != nil {
			return nil, warroom.Errorf(warroom.EForbidden, "warroom cannot make an account from what the identity provider sent: %s", warroom.ErrorMessage(err))
		}
		err := p.users.CreateUser(ctx, u)
		switch {
		case err == nil:
			return u, nil
		case warroom.ErrorCode(err) == warroom.EConflict && warroom.ErrorField(err) == "handle":
			continue
		case warroom.ErrorCode(err) == warroom.EConflict && warroom.ErrorField(err) == "email":
			// A sign-in of the same person in another tab created it.
			found, ferr := p.users.FindUserByEmail(ctx, id.Email)
			if ferr != nil {
				return nil, ferr
			}
			return p.existing(ctx, found, id)
		default:
			return nil, err
		}
	}
	return nil, warroom.Errorf(warroom.EConflict, "the handles %s to %s-%d are all taken; ask an admin to create your account", base, base, maxHandleTries)
}

// maxHandleBase leaves room for a "-NN" suffix in a 63-character handle.
const maxHandleBase = 59

// handleBase turns the preferred username (or the email's local part)
// into a handle: lower case letters, digits and dashes.
func handleBase(id identity) string {
	src := id.PreferredUsername
	if src == "" {
		src = id.Email
	}
	src, _, _ = strings.Cut(src, "@")
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(src) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	h := strings.TrimRight(b.String(), "-")
	if len(h) > maxHandleBase {
		h = strings.TrimRight(h[:maxHandleBase], "-")
	}
	if h == "" {
		h = "user"
	}
	return h
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
