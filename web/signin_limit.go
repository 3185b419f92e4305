package web

import (
	"context"
	"time"

	"github.com/warroom/warroom"
)

// SignInLimit bounds failed sign-ins. The counters live in the database
// (signin_failures), not in memory: replicas behind a load balancer share
// them, so an attacker cannot multiply the limit by the number of
// replicas or reset it by waiting for a restart.
type SignInLimit struct {
	PerAccount int           // failures per account per window
	PerAddress int           // failures per client address per window
	Window     time.Duration // the fixed window the counts reset after
}

// DefaultSignInLimit: 10 failures an account and 50 an address in 15
// minutes; a person who mistypes a few times is never locked out, a
// guesser gets 40 tries an hour.
var DefaultSignInLimit = SignInLimit{PerAccount: 10, PerAddress: 50, Window: 15 * time.Minute}

func accountKey(userID string) string { return "user:" + userID }
func addressKey(addr string) string   { return "addr:" + addr }

// checkLimit refuses a sign-in when key has used up its failures.
func (h *Handler) checkLimit(ctx context.Context, key string, limit int) error {
	n, err := h.store.SignInFailures(ctx, key, h.now(), h.limit.Window)
	if err != nil {
		return err
	}
	if n >= limit {
		return warroom.Errorf(warroom.ERateLimited, "too many failed sign-ins; wait %s and try again, or ask an admin for a sign-in link",
			warroom.ShortDuration(h.untilNextWindow()))
	}
	return nil
}

// untilNextWindow is how long until the failure counts reset.
func (h *Handler) untilNextWindow() time.Duration {
	now := h.now().UTC()
	return now.Truncate(h.limit.Window).Add(h.limit.Window).Sub(now).Round(time.Minute)
}

// recordFailure counts a failed sign-in for the address and, when the
// account is known, for the account.
func (h *Handler) recordFailure(ctx context.Context, addr, userID string) error {
	if _, err := h.store.RecordSignInFailure(ctx, addressKey(addr), h.now(), h.limit.Window); err != nil {
		return err
	}
	if userID == "" {
		return nil
	}
	_, err := h.store.RecordSignInFailure(ctx, accountKey(userID), h.now(), h.limit.Window)
	return err
}
