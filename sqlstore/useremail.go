package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/warroom/warroom"
)

// FindUserByEmail returns the user with this email address, compared
// without regard to case (the unique index users_email_key is on
// lower(email), so at most one user matches); ENotFound. Single sign-on
// (package sso) matches the identity provider's verified email with it.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (*warroom.User, error) {
	u, err := scanUser(s.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE lower(email) = lower(?)", strings.TrimSpace(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no user with email %s", email)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find user by email: %w", err)
	}
	return u, nil
}
