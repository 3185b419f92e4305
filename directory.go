package warroom

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// AccountRole is what a user may do in warroom at all, independent of any
// incident role.
type AccountRole string

// The account roles.
const (
	AccountAdmin     AccountRole = "admin"     // manages people, teams, services, tokens; sees private incidents
	AccountResponder AccountRole = "responder" // declares and runs incidents
	AccountViewer    AccountRole = "viewer"    // reads; changes nothing
)

// Valid reports whether r is a known account role.
func (r AccountRole) Valid() bool {
	return r == AccountAdmin || r == AccountResponder || r == AccountViewer
}

// CanWrite reports whether the account may change anything.
func (r AccountRole) CanWrite() bool { return r == AccountAdmin || r == AccountResponder }

// User is a person who responds to, reads or administers incidents.
type User struct {
	ID        string      `json:"id"`
	Handle    string      `json:"handle"`
	Name      string      `json:"name"`
	Email     string      `json:"email"`
	TimeZone  string      `json:"time_zone"`
	TeamID    string      `json:"team_id,omitempty"`
	Role      AccountRole `json:"role"`
	CreatedAt time.Time   `json:"created_at"`
}

// Actor returns the user as the actor of a command.
func (u *User) Actor() Actor {
	return Actor{UserID: u.ID, Handle: u.Handle, TeamID: u.TeamID, Role: u.Role}
}

// Team is a group of users that owns services.
type Team struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Link is a titled URL: a dashboard, a runbook, a log query, a commit.
type Link struct {
	Title string `json:"title,omitempty"`
	URL   string `json:"url"`
}

// Service is something incidents affect. Integrations, escalation policies
// and status-page components hang off services.
type Service struct {
	ID          string    `json:"id"`
	Slug        string    `json:"slug"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	TeamID      string    `json:"team_id,omitempty"`
	Dashboards  []Link    `json:"dashboards,omitempty"`
	Runbooks    []Link    `json:"runbooks,omitempty"`
	RPO         Duration  `json:"rpo,omitempty"` // recovery point objective: the most data loss accepted
	RTO         Duration  `json:"rto,omitempty"` // recovery time objective: the most downtime accepted
	CreatedAt   time.Time `json:"created_at"`
}

// Token is an API token. Only a hash of its secret is stored; the secret is
// shown once, when it is created.
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidSlug reports whether s is a lowercase slug (letters, digits, dashes).
func ValidSlug(s string) bool { return slugPattern.MatchString(s) }

// Validate checks a user's fields. loadLocation resolves time zones (pass
// time.LoadLocation); it is a parameter so the domain does not depend on
// the host's zone database in tests.
func (u *User) Validate(loadLocation func(string) (*time.Location, error)) error {
	u.Handle = strings.TrimPrefix(strings.TrimSpace(u.Handle), "@")
	switch {
	case !ValidSlug(u.Handle):
		return Invalid("handle", "handle must be 1-63 lowercase letters, digits or dashes, starting with a letter or digit")
	case strings.TrimSpace(u.Name) == "":
		return Invalid("name", "name is required")
	case len(u.Name) > 200:
		return Invalid("name", "name must be at most 200 characters")
	}
	if len(u.Email) > MaxEmailBytes {
		return Invalid("email", "email must be at most %d bytes", MaxEmailBytes)
	}
	if addr, err := mail.ParseAddress(u.Email); err != nil || addr.Address != u.Email {
		return Invalid("email", "email must be a plain address like ada@example.com")
	}
	if u.TimeZone == "" {
		u.TimeZone = "UTC"
	}
	if _, err := loadLocation(u.TimeZone); err != nil {
		return Invalid("time_zone", "unknown time zone %q; use an IANA name like Europe/Berlin", u.TimeZone)
	}
	if u.Role == "" {
		u.Role = AccountResponder
	}
	if !u.Role.Valid() {
		return Invalid("role", "role must be admin, responder or viewer")
	}
	return nil
}

// Validate checks a team's fields.
func (t *Team) Validate() error {
	switch {
	case !ValidSlug(t.Slug):
		return Invalid("slug", "slug must be 1-63 lowercase letters, digits or dashes")
	case strings.TrimSpace(t.Name) == "":
		return Invalid("name", "name is required")
	}
	return nil
}

// Validate checks a service's fields.
func (s *Service) Validate() error {
	switch {
	case !ValidSlug(s.Slug):
		return Invalid("slug", "slug must be 1-63 lowercase letters, digits or dashes")
	case strings.TrimSpace(s.Name) == "":
		return Invalid("name", "name is required")
	case s.RPO < 0:
		return Invalid("rpo", "RPO must not be negative")
	case s.RTO < 0:
		return Invalid("rto", "RTO must not be negative")
	}
	for i, l := range append(append([]Link(nil), s.Dashboards...), s.Runbooks...) {
		if err := validURL(l.URL); err != nil {
			field := "dashboards"
			if i >= len(s.Dashboards) {
				field = "runbooks"
			}
			return Invalid(field, "%s", err.Error())
		}
	}
	return nil
}

// Directory manages people, teams, services and tokens. Each method is one
// transaction.
type Directory interface {
	// CreateUser stores a new user; EConflict if the handle or email is taken.
	CreateUser(ctx context.Context, u *User) error
	// UpdateUser replaces a user's fields; ENotFound, EConflict.
	UpdateUser(ctx context.Context, u *User) error
	// FindUser returns a user by ID or handle; ENotFound.
	FindUser(ctx context.Context, idOrHandle string) (*User, error)
	// ListUsers returns every user, by handle.
	ListUsers(ctx context.Context) ([]*User, error)
	// CountUsers returns how many users exist.
	CountUsers(ctx context.Context) (int, error)

	// CreateTeam stores a new team; EConflict if the slug is taken.
	CreateTeam(ctx context.Context, t *Team) error
	// FindTeam returns a team by ID or slug; ENotFound.
	FindTeam(ctx context.Context, idOrSlug string) (*Team, error)
	// ListTeams returns every team, by slug.
	ListTeams(ctx context.Context) ([]*Team, error)

	// CreateService stores a new service; EConflict if the slug is taken.
	CreateService(ctx context.Context, s *Service) error
	// UpdateService replaces a service's fields; ENotFound, EConflict.
	UpdateService(ctx context.Context, s *Service) error
	// FindService returns a service by ID or slug; ENotFound.
	FindService(ctx context.Context, idOrSlug string) (*Service, error)
	// ListServices returns every service, by slug.
	ListServices(ctx context.Context) ([]*Service, error)

	// CreateToken stores a token with the hash of its secret.
	CreateToken(ctx context.Context, t *Token, secretHash string) error
	// RevokeToken marks a token revoked at the given time; ENotFound.
	RevokeToken(ctx context.Context, id string, at time.Time) error
	// ListTokens returns the tokens of a user ("" for all users).
	ListTokens(ctx context.Context, userID string) ([]*Token, error)
	// Authenticate returns the user owning the unrevoked token with this
	// secret hash and records its use; EUnauthorized.
	Authenticate(ctx context.Context, secretHash string, at time.Time) (*User, error)
}
