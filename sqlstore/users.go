package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/warroom/warroom"
)

const userColumns = "id, handle, name, email, time_zone, team_id, role, created_at"

// CreateUser stores a new user, giving it an ID (UUIDv7) and a creation
// time (now) if they are empty. EConflict if the handle or email is taken;
// EInvalid if the team does not exist.
func (s *Store) CreateUser(ctx context.Context, u *warroom.User) error {
	if err := fillNew(&u.ID, &u.CreatedAt); err != nil {
		return err
	}
	_, err := s.exec(ctx, "INSERT INTO users ("+userColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		u.ID, u.Handle, u.Name, u.Email, u.TimeZone, nullString(u.TeamID), string(u.Role), s.d.timeArg(u.CreatedAt))
	return userError(err, u)
}

// UpdateUser replaces a user's fields except its creation time, which it
// reads back into u. ENotFound, EConflict, EInvalid for an unknown team.
func (s *Store) UpdateUser(ctx context.Context, u *warroom.User) error {
	err := s.writeRow(ctx, `UPDATE users SET handle = ?, name = ?, email = ?, time_zone = ?, team_id = ?, role = ?
		WHERE id = ? RETURNING created_at`,
		u.Handle, u.Name, u.Email, u.TimeZone, nullString(u.TeamID), string(u.Role), u.ID).Scan(timeCol{&u.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return warroom.Errorf(warroom.ENotFound, "no user %q", u.ID)
	}
	return userError(err, u)
}

// userError turns constraint violations into errors that say which field
// to change.
func userError(err error, u *warroom.User) error {
	if err == nil {
		return nil
	}
	if c, ok := uniqueViolation(err); ok {
		switch c {
		case "users_handle_key":
			return conflict("handle", "handle @%s is taken", u.Handle)
		case "users_email_key":
			return conflict("email", "email %s is taken", u.Email)
		default:
			return conflict("id", "a user with ID %s exists", u.ID)
		}
	}
	if foreignKeyViolation(err) {
		return warroom.Invalid("team_id", "no team %q", u.TeamID)
	}
	return fmt.Errorf("sqlstore: store user: %w", err)
}

// FindUser returns a user by ID or handle (with or without "@");
// ENotFound.
func (s *Store) FindUser(ctx context.Context, idOrHandle string) (*warroom.User, error) {
	handle := strings.ToLower(strings.TrimPrefix(idOrHandle, "@"))
	u, err := scanUser(s.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ? OR handle = ?", idOrHandle, handle))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no user %q", idOrHandle)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find user: %w", err)
	}
	return u, nil
}

// ListUsers returns every user, by handle.
func (s *Store) ListUsers(ctx context.Context) ([]*warroom.User, error) {
	rows, err := s.query(ctx, "SELECT "+userColumns+" FROM users ORDER BY handle")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list users: %w", err)
	}
	return collect(rows, scanUser)
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.queryRow(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: count users: %w", err)
	}
	return n, nil
}

func scanUser(r scanner) (*warroom.User, error) {
	u := &warroom.User{}
	var role string
	err := r.Scan(&u.ID, &u.Handle, &u.Name, &u.Email, &u.TimeZone, strCol{&u.TeamID}, &role, timeCol{&u.CreatedAt})
	u.Role = warroom.AccountRole(role)
	return u, err
}
