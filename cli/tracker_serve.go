package cli

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/sqlstore"
	"github.com/warroom/warroom/tracker"
	"github.com/warroom/warroom/tracker/tickets"
)

// trackerConfig is the issue-tracker part of the server's configuration
// (docs/trackers.md). Which tracker a service or team uses is data
// (`warroom tracker add`); the secrets stay in files of SecretsDir.
type trackerConfig struct {
	SecretsDir   string        // one file per secret named in tracker settings
	PollInterval time.Duration // how often open tickets' states are read
}

func defaultTrackerConfig() trackerConfig { return trackerConfig{PollInterval: 5 * time.Minute} }

func trackerSettings() []setting[serveConfig] {
	p := func(f func(*trackerConfig) any) func(*serveConfig) any {
		return func(c *serveConfig) any { return f(&c.Tracker) }
	}
	return []setting[serveConfig]{
		{"tracker-secrets-dir", "directory of the issue trackers' secrets, one file per secret named in `warroom tracker add` " +
			"(a GitHub token, Jira's EMAIL:API_TOKEN, webhook secrets); read at each use. Empty: trackers cannot be reached " +
			"and their webhooks are refused", p(func(c *trackerConfig) any { return &c.SecretsDir })},
		{"tracker-poll-interval", "how often the states of open tickets are read from their trackers (the safety net of webhooks)",
			p(func(c *trackerConfig) any { return &c.PollInterval })},
	}
}

// validate checks the tracker settings.
func (c trackerConfig) validate() error {
	if c.PollInterval < time.Minute {
		return usageErrorf("--tracker-poll-interval must be at least 1m: trackers rate-limit")
	}
	if c.SecretsDir != "" {
		if st, err := os.Stat(c.SecretsDir); err != nil || !st.IsDir() {
			return usageErrorf("--tracker-secrets-dir %q is not a directory", c.SecretsDir)
		}
	}
	return nil
}

// trackerRuntime is the ticket work of a running server on an engine of
// its own (queue tickets.Queue), so that a slow or rate-limiting tracker
// never delays a page.
type trackerRuntime struct {
	svc    *tickets.Service
	engine *engine.Engine
	store  *sqlstore.Store
	log    *slog.Logger
}

// startTracker builds the tickets service; baseURL is where tickets link
// to incidents.
func (a *app) startTracker(cfg serveConfig, store *sqlstore.Store, baseURL string, log *slog.Logger) (*trackerRuntime, error) {
	if err := cfg.Tracker.validate(); err != nil {
		return nil, err
	}
	rt := &trackerRuntime{store: store, log: log}
	owner := a.processOwner()
	svc, err := tickets.New(tickets.Config{Store: store, Secrets: tracker.SecretsDir(cfg.Tracker.SecretsDir), Now: a.now,
		Logger: log, HTTP: &http.Client{Timeout: 30 * time.Second}, BaseURL: baseURL, Owner: owner, PostmortemURL: postmortemURL(baseURL),
		PollInterval: cfg.Tracker.PollInterval, Wake: func() { rt.engine.Wake(tickets.Queue) }})
	if err != nil {
		return nil, err
	}
	rt.svc = svc
	rt.engine = engine.New(engine.Config{Store: store, Now: a.now, Logger: log, Owner: owner, Queues: []string{tickets.Queue},
		Lease: claimLease, Heartbeat: claimHeartbeat, Poll: 5 * time.Second,
		// One incident's tickets at a time (its ticket before its action
		// items'), incidents side by side.
		PerKey: map[string]int{tickets.Queue: 1}, Workers: map[string]int{tickets.Queue: 2},
		Handlers: svc.Handlers()})
	return rt, nil
}

// reactor adds the tickets' jobs to the store's reactor: scheduled in the
// transaction of the incident's events.
func (t *trackerRuntime) reactor(next sqlstore.IncidentReactor) sqlstore.IncidentReactor {
	return bothReactors(next, t.svc.Reactor)
}

// run schedules the poll (once across replicas) and runs the engine,
// woken whenever jobs are committed, until ctx is done.
func (t *trackerRuntime) run(ctx context.Context) {
	if t.store.Dialect() == "sqlite" {
		if n, err := t.store.ReleaseTicketLeases(ctx); err != nil {
			t.log.Error("tracker: cannot release the previous process's ticket leases; its work resumes when they end", "err", err)
		} else if n > 0 {
			t.log.Info("tracker: released the previous process's ticket leases", "tickets", n)
		}
	}
	if err := t.svc.StartPolling(ctx); err != nil {
		t.log.Warn("tracker: cannot schedule the poll of ticket states; webhooks alone sync them until a restart", "err", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { t.engine.Run(ctx) })
	wg.Go(func() {
		ch, err := t.store.Listen(ctx, sqlstore.ChannelJobs)
		if err != nil {
			t.log.Warn("tracker: cannot listen for new jobs; the engine polls instead", "err", err)
			return
		}
		for range ch {
			t.engine.Wake(tickets.Queue)
		}
	})
	wg.Wait()
}
