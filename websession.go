package warroom

import (
	"context"
	"strings"
	"time"
)

// WebSession is a browser signed in to the web UI. The cookie carries a
// secret; the store keeps only its hash (IDHash), so sessions can be
// listed and revoked by ID without the secret ever being stored.
type WebSession struct {
	ID         string    `json:"id"`
	UserID     string    `json:"user_id"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	UserAgent  string    `json:"user_agent"`
	Address    string    `json:"address"`
}

// SessionStore keeps web sessions, local passwords, one-time sign-in
// links and failed sign-in counters. Each method is one transaction.
type SessionStore interface {
	// CreateSession stores a session under the hash of its secret, giving
	// it an ID if it has none. EInvalid if the user does not exist.
	CreateSession(ctx context.Context, s *WebSession, secretHash string) error
	// FindSession returns the unexpired session with this secret hash and
	// its user; EUnauthorized if there is none or it expired at now.
	FindSession(ctx context.Context, secretHash string, now time.Time) (*WebSession, *User, error)
	// TouchSession records that a session was used at seen and moves its
	// expiry to expires. ENotFound.
	TouchSession(ctx context.Context, id string, seen, expires time.Time) error
	// DeleteSession ends the session with this secret hash (signing out);
	// deleting one that is gone is not an error.
	DeleteSession(ctx context.Context, secretHash string) error
	// RevokeSession ends a session of a user by its ID; ENotFound if the
	// user has no such session.
	RevokeSession(ctx context.Context, userID, id string) error
	// RevokeUserSessions ends every session of a user except keepID ("":
	// all of them) and returns how many ended.
	RevokeUserSessions(ctx context.Context, userID, keepID string) (int, error)
	// ListSessions returns a user's unexpired sessions at now, newest
	// first.
	ListSessions(ctx context.Context, userID string, now time.Time) ([]*WebSession, error)

	// SetPassword stores the hash of a user's password (a PHC string),
	// replacing any; EInvalid if the user does not exist.
	SetPassword(ctx context.Context, userID, hash string, at time.Time) error
	// PasswordHash returns the hash of a user's password; ENotFound if the
	// user has none.
	PasswordHash(ctx context.Context, userID string) (string, error)

	// CreateSignInLink stores a one-time sign-in link by the hash of its
	// token.
	CreateSignInLink(ctx context.Context, tokenHash, userID string, created, expires time.Time) error
	// UseSignInLink marks the link used at now and returns its user's ID;
	// EUnauthorized if it does not exist, was used or expired.
	UseSignInLink(ctx context.Context, tokenHash string, now time.Time) (string, error)

	// SignInFailures returns the failed sign-ins counted for key in the
	// window that is current at now (windows of length window).
	SignInFailures(ctx context.Context, key string, now time.Time, window time.Duration) (int, error)
	// RecordSignInFailure counts one failed sign-in for key and returns
	// the count of the current window.
	RecordSignInFailure(ctx context.Context, key string, now time.Time, window time.Duration) (int, error)
}

// SignInLinkPath is where the web UI takes one-time sign-in links: the
// token follows it.
const SignInLinkPath = "/signin/link/"

// SignInLinkTTL is how long a one-time sign-in link stays usable.
const SignInLinkTTL = 24 * time.Hour

// CreateSignInLink stores a new one-time sign-in link for a user and
// returns its URL under baseURL (the server's public URL) and when it
// expires. Only the token's hash is stored; the URL is shown once.
func CreateSignInLink(ctx context.Context, s SessionStore, baseURL, userID string, now time.Time) (string, time.Time, error) {
	token, hash, err := NewTokenSecret()
	if err != nil {
		return "", time.Time{}, err
	}
	expires := now.Add(SignInLinkTTL)
	if err := s.CreateSignInLink(ctx, hash, userID, now, expires); err != nil {
		return "", time.Time{}, err
	}
	return strings.TrimRight(baseURL, "/") + SignInLinkPath + token, expires, nil
}
