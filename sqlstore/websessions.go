package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/warroom/warroom"
)

var _ warroom.SessionStore = (*Store)(nil)

const sessionColumns = "s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.user_agent, s.address"

// CreateSession stores a session under the hash of its secret; see
// warroom.SessionStore. The user's expired sessions are deleted on the
// way, so that a user's rows do not pile up.
func (s *Store) CreateSession(ctx context.Context, ws *warroom.WebSession, secretHash string) error {
	if err := fillNew(&ws.ID, &ws.CreatedAt); err != nil {
		return err
	}
	ws.LastSeenAt, ws.ExpiresAt = normTime(ws.LastSeenAt), normTime(ws.ExpiresAt)
	if ws.LastSeenAt.IsZero() {
		ws.LastSeenAt = ws.CreatedAt
	}
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, "DELETE FROM web_sessions WHERE user_id = ? AND expires_at <= ?", ws.UserID, s.d.timeArg(ws.CreatedAt)); err != nil {
			return fmt.Errorf("sqlstore: delete expired sessions: %w", err)
		}
		_, err := t.exec(ctx, `INSERT INTO web_sessions (id, id_hash, user_id, created_at, last_seen_at, expires_at, user_agent, address)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ws.ID, secretHash, ws.UserID, s.d.timeArg(ws.CreatedAt),
			s.d.timeArg(ws.LastSeenAt), s.d.timeArg(ws.ExpiresAt), ws.UserAgent, ws.Address)
		if foreignKeyViolation(err) {
			return warroom.Invalid("user_id", "no user %q", ws.UserID)
		}
		if _, ok := uniqueViolation(err); ok {
			return conflict("id", "this session exists")
		}
		if err != nil {
			return fmt.Errorf("sqlstore: create session: %w", err)
		}
		return nil
	})
}

// FindSession returns the unexpired session with this secret hash and its
// user; EUnauthorized.
func (s *Store) FindSession(ctx context.Context, secretHash string, now time.Time) (*warroom.WebSession, *warroom.User, error) {
	row := s.queryRow(ctx, "SELECT "+sessionColumns+", u.id, u.handle, u.name, u.email, u.time_zone, u.team_id, u.role, u.created_at"+
		" FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ? AND s.expires_at > ?", secretHash, s.d.timeArg(now))
	ws := &warroom.WebSession{}
	u := &warroom.User{}
	var team sql.NullString
	var role string
	err := row.Scan(&ws.ID, &ws.UserID, timeCol{&ws.CreatedAt}, timeCol{&ws.LastSeenAt}, timeCol{&ws.ExpiresAt}, &ws.UserAgent, &ws.Address,
		&u.ID, &u.Handle, &u.Name, &u.Email, &u.TimeZone, &team, &role, timeCol{&u.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, warroom.Errorf(warroom.EUnauthorized, "no such session, or it expired: sign in again")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: find session: %w", err)
	}
	u.TeamID, u.Role = team.String, warroom.AccountRole(role)
	return ws, u, nil
}

// TouchSession records a session's use and moves its expiry; ENotFound.
func (s *Store) TouchSession(ctx context.Context, id string, seen, expires time.Time) error {
	res, err := s.exec(ctx, "UPDATE web_sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?", s.d.timeArg(seen), s.d.timeArg(expires), id)
	if err != nil {
		return fmt.Errorf("sqlstore: touch session: %w", err)
	}
	return oneRow(res, "session", id)
}

// DeleteSession ends the session with this secret hash.
func (s *Store) DeleteSession(ctx context.Context, secretHash string) error {
	if _, err := s.exec(ctx, "DELETE FROM web_sessions WHERE id_hash = ?", secretHash); err != nil {
		return fmt.Errorf("sqlstore: delete session: %w", err)
	}
	return nil
}

// RevokeSession ends a user's session by ID; ENotFound.
func (s *Store) RevokeSession(ctx context.Context, userID, id string) error {
	res, err := s.exec(ctx, "DELETE FROM web_sessions WHERE id = ? AND user_id = ?", id, userID)
	if err != nil {
		return fmt.Errorf("sqlstore: revoke session: %w", err)
	}
	return oneRow(res, "session", id)
}

// RevokeUserSessions ends every session of a user but keepID.
func (s *Store) RevokeUserSessions(ctx context.Context, userID, keepID string) (int, error) {
	res, err := s.exec(ctx, "DELETE FROM web_sessions WHERE user_id = ? AND id <> ?", userID, keepID)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: revoke sessions: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// ListSessions returns a user's unexpired sessions, newest first.
func (s *Store) ListSessions(ctx context.Context, userID string, now time.Time) ([]*warroom.WebSession, error) {
	rows, err := s.query(ctx, "SELECT "+sessionColumns+" FROM web_sessions s WHERE s.user_id = ? AND s.expires_at > ? ORDER BY s.created_at DESC, s.id DESC",
		userID, s.d.timeArg(now))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list sessions: %w", err)
	}
	return collect(rows, func(r scanner) (*warroom.WebSession, error) {
		ws := &warroom.WebSession{}
		return ws, r.Scan(&ws.ID, &ws.UserID, timeCol{&ws.CreatedAt}, timeCol{&ws.LastSeenAt}, timeCol{&ws.ExpiresAt}, &ws.UserAgent, &ws.Address)
	})
}

// SetPassword stores the hash of a user's password; EInvalid for an
// unknown user.
func (s *Store) SetPassword(ctx context.Context, userID, hash string, at time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO user_passwords (user_id, hash, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`, userID, hash, s.d.timeArg(at))
	if foreignKeyViolation(err) {
		return warroom.Invalid("user", "no user %q", userID)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: set password: %w", err)
	}
	return nil
}

// PasswordHash returns a user's password hash; ENotFound if none.
func (s *Store) PasswordHash(ctx context.Context, userID string) (string, error) {
	var h string
	err := s.queryRow(ctx, "SELECT hash FROM user_passwords WHERE user_id = ?", userID).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", warroom.Errorf(warroom.ENotFound, "no password is set for this user")
	}
	if err != nil {
		return "", fmt.Errorf("sqlstore: read password: %w", err)
	}
	return h, nil
}

// CreateSignInLink stores a one-time sign-in link.
func (s *Store) CreateSignInLink(ctx context.Context, tokenHash, userID string, created, expires time.Time) error {
	_, err := s.exec(ctx, "INSERT INTO signin_links (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
		tokenHash, userID, s.d.timeArg(created), s.d.timeArg(expires))
	if foreignKeyViolation(err) {
		return warroom.Invalid("user", "no user %q", userID)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: create sign-in link: %w", err)
	}
	return nil
}

// UseSignInLink marks an unused, unexpired link used and returns its
// user; EUnauthorized otherwise. Two concurrent uses: one wins.
func (s *Store) UseSignInLink(ctx context.Context, tokenHash string, now time.Time) (string, error) {
	var userID string
	err := s.writeRow(ctx, `UPDATE signin_links SET used_at = ?
		WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id`,
		s.d.timeArg(now), tokenHash, s.d.timeArg(now)).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", warroom.Errorf(warroom.EUnauthorized, "this sign-in link is unknown, was used already or expired; ask an admin for a new one")
	}
	if err != nil {
		return "", fmt.Errorf("sqlstore: use sign-in link: %w", err)
	}
	return userID, nil
}

// windowStart is the start of the fixed window of length w holding now.
func windowStart(now time.Time, w time.Duration) time.Time {
	return normTime(now).Truncate(w)
}

// SignInFailures returns key's failures in the current window.
func (s *Store) SignInFailures(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	var n int
	err := s.queryRow(ctx, "SELECT failures FROM signin_failures WHERE key = ? AND window_start = ?",
		key, s.d.timeArg(windowStart(now, window))).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sqlstore: read sign-in failures: %w", err)
	}
	return n, nil
}

// RecordSignInFailure counts one failure for key in the current window
// (a new window starts again from one) and returns the window's count.
func (s *Store) RecordSignInFailure(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	start := s.d.timeArg(windowStart(now, window))
	var n int
	err := s.writeRow(ctx, `INSERT INTO signin_failures (key, window_start, failures) VALUES (?, ?, 1)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN signin_failures.window_start = excluded.window_start THEN signin_failures.failures + 1 ELSE 1 END,
			window_start = excluded.window_start
		RETURNING failures`, key, start).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: record sign-in failure: %w", err)
	}
	return n, nil
}

// pruneSignIns deletes, in batches, what no sign-in needs any more (Prune
// calls it whatever the retention settings: nothing here is a record):
// expired sessions, sign-in links that expired (used ones expire too), and
// failure counts of windows that ended a day ago.
func (s *Store) pruneSignIns(ctx context.Context, now time.Time, batch int) (int, error) {
	total := 0
	for _, q := range []struct {
		table, key, cond string
		cutoff           time.Time
	}{
		{"web_sessions", "id", "expires_at <= ?", now},
		{"signin_links", "token_hash", "expires_at <= ?", now},
		{"signin_failures", "key", "window_start < ?", now.Add(-24 * time.Hour)},
	} {
		for {
			rows, err := s.query(ctx, "SELECT "+q.key+" FROM "+q.table+" WHERE "+q.cond+" LIMIT ?", s.d.timeArg(q.cutoff), batch)
			ids, found, err := returnedIDs(rows, err)
			if err != nil || found == 0 {
				if err != nil {
					return total, err
				}
				break
			}
			cond, arg := s.d.idsIn(q.key, ids)
			n, err := s.deleteRows(ctx, "DELETE FROM "+q.table+" WHERE "+cond+" AND "+q.cond, arg, s.d.timeArg(q.cutoff))
			total += n
			if err != nil {
				return total, err
			}
			if int(found) < batch {
				break
			}
		}
	}
	return total, nil
}
