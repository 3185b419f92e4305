package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/warroom/warroom"
)

const tokenColumns = "id, user_id, name, created_at, revoked_at, last_used_at"

// CreateToken stores a token with the hash of its secret, giving it an ID
// and a creation time if they are empty. EInvalid if the user does not
// exist; EConflict if the hash is already stored.
func (s *Store) CreateToken(ctx context.Context, t *warroom.Token, secretHash string) error {
	if err := fillNew(&t.ID, &t.CreatedAt); err != nil {
		return err
	}
	_, err := s.exec(ctx, "INSERT INTO tokens ("+tokenColumns+", secret_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
		t.ID, t.UserID, t.Name, s.d.timeArg(t.CreatedAt), s.d.nullTimeArg(t.RevokedAt), s.d.nullTimeArg(t.LastUsedAt), secretHash)
	if c, ok := uniqueViolation(err); ok {
		if c == "tokens_secret_hash_key" {
			return conflict("secret", "a token with this secret exists")
		}
		return conflict("id", "a token with ID %s exists", t.ID)
	}
	if foreignKeyViolation(err) {
		return warroom.Invalid("user_id", "no user %q", t.UserID)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: create token: %w", err)
	}
	normalizeToken(t)
	return nil
}

// normalizeToken leaves the caller's times as the store keeps them.
func normalizeToken(t *warroom.Token) {
	for _, p := range []**time.Time{&t.RevokedAt, &t.LastUsedAt} {
		if *p != nil {
			v := normTime(**p)
			*p = &v
		}
	}
}

// RevokeToken marks a token revoked at the given time; revoking it again
// keeps the first time. ENotFound.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.exec(ctx, "UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", s.d.timeArg(at), id)
	if err != nil {
		return fmt.Errorf("sqlstore: revoke token: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlstore: revoke token: %w", err)
	} else if n == 0 {
		return warroom.Errorf(warroom.ENotFound, "no token %q", id)
	}
	return nil
}

// ListTokens returns the tokens of a user ("" for all users), oldest
// first.
func (s *Store) ListTokens(ctx context.Context, userID string) ([]*warroom.Token, error) {
	q, args := "SELECT "+tokenColumns+" FROM tokens ORDER BY created_at, id", []any(nil)
	if userID != "" {
		q, args = "SELECT "+tokenColumns+" FROM tokens WHERE user_id = ? ORDER BY created_at, id", []any{userID}
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list tokens: %w", err)
	}
	return collect(rows, scanToken)
}

func scanToken(r scanner) (*warroom.Token, error) {
	t := &warroom.Token{}
	return t, r.Scan(&t.ID, &t.UserID, &t.Name, timeCol{&t.CreatedAt}, nullTimeCol{&t.RevokedAt}, nullTimeCol{&t.LastUsedAt})
}

// Authenticate returns the user owning the unrevoked token with this
// secret hash and records the time of its use; EUnauthorized.
func (s *Store) Authenticate(ctx context.Context, secretHash string, at time.Time) (*warroom.User, error) {
	var userID string
	err := s.writeRow(ctx, `UPDATE tokens SET last_used_at = ?
		WHERE secret_hash = ? AND revoked_at IS NULL RETURNING user_id`, s.d.timeArg(at), secretHash).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.EUnauthorized, "invalid or revoked API token")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: authenticate: %w", err)
	}
	u, err := s.FindUser(ctx, userID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, warroom.Errorf(warroom.EUnauthorized, "invalid or revoked API token")
	}
	return u, err
}
