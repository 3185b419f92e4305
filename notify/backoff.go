package notify

import "time"

// Default backoff bounds. The first retry comes quickly because most
// failures of a page are blips (a dropped connection, a 503 during a
// deploy); the cap keeps a message that fails for an hour from waiting much
// longer than a few minutes once the provider recovers.
const (
	DefaultBackoffBase = 15 * time.Second
	DefaultBackoffMax  = 10 * time.Minute
)

// BackoffPolicy computes the wait before retrying a failed delivery: Base
// doubled for each failed attempt, capped at Max, optionally shortened by
// jitter. It is a value with no hidden state; the randomness is injected
// through Rand so tests (and the delivery history) are reproducible.
type BackoffPolicy struct {
	// Base is the wait after the first failed attempt; 0 means
	// DefaultBackoffBase.
	Base time.Duration
	// Max caps the wait; 0 means DefaultBackoffMax. A Max below Base is
	// raised to Base.
	Max time.Duration
	// Jitter is the largest fraction (0 to 1) by which a wait is shortened.
	// Jitter spreads the retries of messages that failed together (a
	// provider outage) so they do not hit the recovering provider in one
	// burst. It only shortens, so Max stays a true upper bound.
	Jitter float64
	// Rand returns a number in [0, 1), e.g. (*rand.Rand).Float64. Nil
	// disables jitter.
	Rand func() float64
}

// DefaultBackoffPolicy returns the policy used by Backoff: 15s, 30s, 1m,
// 2m, 4m, 8m, then 10m for every later attempt, without jitter.
func DefaultBackoffPolicy() BackoffPolicy {
	return BackoffPolicy{Base: DefaultBackoffBase, Max: DefaultBackoffMax}
}

// Backoff returns the wait before the next attempt under
// DefaultBackoffPolicy. attempt is the number of attempts made so far,
// all failed (1 after the first failure).
func Backoff(attempt int) time.Duration {
	return DefaultBackoffPolicy().Backoff(attempt)
}

// Backoff returns the wait before the next attempt. attempt is the number
// of attempts made so far, all failed: 1 gives Base, 2 gives 2×Base, and so
// on up to Max. Values below 1 are treated as 1.
func (p BackoffPolicy) Backoff(attempt int) time.Duration {
	base, maxWait := p.Base, p.Max
	if base <= 0 {
		base = DefaultBackoffBase
	}
	if maxWait <= 0 {
		maxWait = DefaultBackoffMax
	}
	if maxWait < base {
		maxWait = base
	}
	d := base
	for i := 1; i < attempt; i++ {
		// Compare before doubling so a large attempt count cannot overflow.
		if d > maxWait/2 {
			d = maxWait
			break
		}
		d *= 2
	}
	if d > maxWait {
		d = maxWait
	}
	if p.Jitter > 0 && p.Rand != nil {
		j := min(p.Jitter, 1)
		r := min(max(p.Rand(), 0), 1)
		d -= time.Duration(float64(d) * j * r)
	}
	return d
}

// RetryDelay returns how long to wait before retrying after the attempt-th
// failed attempt ended with err: the backoff, or the provider's RetryAfter
// when that is longer. Honouring Retry-After matters most for Slack, which
// answers 429 and expects clients to stay away for the time it names.
func (p BackoffPolicy) RetryDelay(attempt int, err error) time.Duration {
	return max(p.Backoff(attempt), RetryAfter(err))
}
