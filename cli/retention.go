package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/sqlstore"
)

// retentionConfig is how long the server keeps finished work, and how
// often it prunes what is older (sqlstore.Store.Prune). Without it the
// jobs, idempotency keys and outbox tables grow for as long as the server
// runs. Incidents, their timelines and alerts are the record and are
// never pruned.
type retentionConfig struct {
	Jobs            time.Duration // done jobs; 0 keeps them
	IdempotencyKeys time.Duration // Idempotency-Key records of API requests; 0 keeps them
	Messages        time.Duration // sent and failed messages with their delivery attempts; 0 keeps them
	Interval        time.Duration // how often to prune
}

// defaultRetention keeps done jobs a week (time to look into what the
// engine did), Idempotency-Keys a day (the usual promise to clients that
// retry), and delivery history 90 days: who was paged, when, and what the
// provider answered is evidence for postmortems.
func defaultRetention() retentionConfig {
	return retentionConfig{
		Jobs:            7 * 24 * time.Hour,
		IdempotencyKeys: 24 * time.Hour,
		Messages:        90 * 24 * time.Hour,
		Interval:        10 * time.Minute,
	}
}

func retentionSettings() []setting[serveConfig] {
	r := func(f func(*retentionConfig) any) func(*serveConfig) any {
		return func(c *serveConfig) any { return f(&c.Retention) }
	}
	return []setting[serveConfig]{
		{"job-retention", "how long done jobs are kept (at least 1h; 0 keeps them)", r(func(c *retentionConfig) any { return &c.Jobs })},
		{"idempotency-key-retention", "how long the Idempotency-Key of an API request is remembered; a retry after that runs again (at least 1h; 0 keeps them)",
			r(func(c *retentionConfig) any { return &c.IdempotencyKeys })},
		{"message-retention", "how long sent and failed pages and notifications are kept with their delivery attempts (at least 24h; 0 keeps them)",
			r(func(c *retentionConfig) any { return &c.Messages })},
		{"retention-interval", "how often finished work older than its retention is deleted", r(func(c *retentionConfig) any { return &c.Interval })},
	}
}

// The shortest retentions accepted. A done job's key keeps a job from
// being scheduled twice, and a client retries within minutes to hours;
// sends are kept a day at least because the throttles count the recent
// sends to each destination.
const (
	minRetention        = time.Hour
	minMessageRetention = 24 * time.Hour
)

// validate reports the first retention setting that makes no sense.
func (c *retentionConfig) validate() error {
	for _, s := range []struct {
		name     string
		v, least time.Duration
	}{
		{"job-retention", c.Jobs, minRetention},
		{"idempotency-key-retention", c.IdempotencyKeys, minRetention},
		{"message-retention", c.Messages, minMessageRetention},
	} {
		if s.v < 0 || (s.v > 0 && s.v < s.least) {
			return usageErrorf("--%s must be at least %s, or 0 to keep for ever", s.name, warroom.ShortDuration(s.least))
		}
	}
	if c.Interval <= 0 {
		return usageErrorf("--retention-interval must be positive")
	}
	return nil
}

// retention is what the store prunes with.
func (c retentionConfig) retention() sqlstore.Retention {
	return sqlstore.Retention{DoneJobs: c.Jobs, IdempotencyKeys: c.IdempotencyKeys, Messages: c.Messages}
}

// retentionFirstRun is how long after start the first prune runs: soon,
// so that a server restarted often still prunes, but not at once, so that
// the work a restart resumes goes first.
const retentionFirstRun = time.Minute

// retentionWorker returns the server's pruning loop, on the app's clock.
func (a *app) retentionWorker(cfg retentionConfig, store *sqlstore.Store, log *slog.Logger) func(context.Context) {
	return func(ctx context.Context) {
		pruneLoop(ctx, store, cfg.retention(), a.now, retentionFirstRun, cfg.Interval, log)
	}
}

// pruneLoop prunes first after first, then every interval after the end of
// the previous run, until ctx is done. now is the clock the retentions
// count from. A failed run is logged and the next one tries again: what it
// did not delete is still there.
func pruneLoop(ctx context.Context, store *sqlstore.Store, r sqlstore.Retention, now func() time.Time, first, every time.Duration, log *slog.Logger) {
	timer := time.NewTimer(first)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		p, err := store.Prune(ctx, now(), r)
		attrs := []any{"jobs", p.Jobs, "idempotency_keys", p.IdempotencyKeys, "messages", p.Messages, "message_attempts", p.Attempts}
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("pruning finished work failed; retrying at the next run", append(attrs, "err", err)...)
		case p.Total() > 0:
			log.Info("pruned finished work past its retention", attrs...)
		}
		timer.Reset(every)
	}
}
