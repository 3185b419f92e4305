package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/afterfire"
	"github.com/warroom/warroom/comms"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/email"
	"github.com/warroom/warroom/notify/slack"
	"github.com/warroom/warroom/notify/webhook"
	"github.com/warroom/warroom/paging"
	"github.com/warroom/warroom/postmortem"
	"github.com/warroom/warroom/sqlstore"
	"github.com/warroom/warroom/statuspage"
)

// pagingRuntime is the paging side of a running server: the pager (job
// handlers, reactor, outbox sender) and the engine that runs its jobs.
type pagingRuntime struct {
	pager  *paging.Pager
	comms  *comms.Service
	status *statuspage.Service
	// postmortems: postmortems and action items, whose reminders this
	// runtime's engine runs.
	postmortems *postmortem.Service
	// reactor schedules paging's, comms's and the status page's jobs in
	// the transaction of an incident's events; chat adds its own to it.
	reactor sqlstore.IncidentReactor
	engine  *engine.Engine
	store   *sqlstore.Store
	log     *slog.Logger

	// afterFire is handoffs, the return to baseline and the Post Mortem
	// Review, whose jobs this engine runs too (afterfire_serve.go).
	afterFire *afterfire.Service
}

// startPaging builds paging for the server: notifiers from cfg, the pager,
// the store's incident reactor (so that declaring an incident schedules
// its jobs in the same transaction) and the engine. baseURL is where
// people reach the server; ack links are built on it.
// hook, if not nil, posts comms's notices into incident channels.
func (a *app) startPaging(cfg serveConfig, store *sqlstore.Store, incidents *warroom.Incidents, baseURL string, log *slog.Logger, hook comms.Hook) (*pagingRuntime, error) {
	announce, err := cfg.Paging.announce()
	if err != nil {
		return nil, err
	}
	notifiers, err := a.notifiers(cfg.Paging, announce)
	if err != nil {
		return nil, err
	}
	secret, err := ackSecret(cfg, log)
	if err != nil {
		return nil, err
	}
	owner := a.processOwner()
	pager, err := paging.New(paging.Config{
		// Paging runs on its own engine queue: a storm of alerts to route
		// never delays a page.
		PageQueue: paging.QueuePage,
		// Short claims, kept alive by heartbeats while this process
		// works: the jobs and messages of a process that died are taken
		// over within seconds (PostgreSQL; on SQLite, which one process
		// owns, a restart releases them at once).
		Lease:              claimLease,
		Heartbeat:          claimHeartbeat,
		Store:              store,
		Incidents:          incidents,
		Now:                a.now,
		Policy:             cfg.Policy,
		Notifiers:          notifiers,
		AckSecret:          secret,
		BaseURL:            baseURL,
		Announce:           announce,
		ICEscalationPolicy: cfg.Paging.ICEscalationPolicy,
		WebhookSecret:      cfg.Paging.WebhookSecret,
		Throttles:          cfg.Paging.Throttle,
		Owner:              owner,
		Logger:             log,
	})
	if err != nil {
		return nil, err
	}
	cm, err := a.startComms(cfg, store, incidents, notifiers, log, hook)
	if err != nil {
		return nil, err
	}
	sp, err := a.startStatusPage(cfg, store, notifiers, secret, baseURL, log)
	if err != nil {
		return nil, err
	}
	af, err := afterFireService(cfg, store, incidents, notifiers)
	if err != nil {
		return nil, err
	}
	reactor := bothReactors(bothReactors(pager.Reactor(), cm.Reactor()), sp.Reactor())
	reactor = bothReactors(reactor, af.Reactor())
	store.SetIncidentReactor(reactor)
	// Alerts that will page are routed on the page queue from intake on.
	store.SetRouteQueue(pager.RouteQueue)
	ecfg := pager.EngineConfig(store)
	ecfg.Lease, ecfg.Heartbeat = claimLease, claimHeartbeat
	maps.Copy(ecfg.Handlers, cm.Handlers())
	maps.Copy(ecfg.Handlers, sp.Handlers())
	maps.Copy(ecfg.Handlers, af.Handlers())
	pm, err := a.startPostmortems(cfg, store, baseURL, log)
	if err != nil {
		return nil, err
	}
	maps.Copy(ecfg.Handlers, pm.Handlers())
	eng := engine.New(ecfg)
	return &pagingRuntime{pager: pager, comms: cm, status: sp, postmortems: pm, reactor: reactor, afterFire: af, engine: eng, store: store, log: log}, nil
}

// How long a claim of a job or message lasts, and how often the process
// holding it extends it.
const (
	claimLease     = 10 * time.Second
	claimHeartbeat = 2 * time.Second
)

// workers are the background loops of paging; the server's shutdown
// waits for them.
func (p *pagingRuntime) workers() []func(context.Context) {
	return []func(context.Context){p.run}
}

// run releases, on SQLite, the claims a previous process left (it died,
// or was killed, holding them: one process owns an SQLite file, so nobody
// else holds them), then runs the engine, the senders and the wake-ups
// until ctx is done.
func (p *pagingRuntime) run(ctx context.Context) {
	if p.store.Dialect() == "sqlite" {
		jobs, msgs, err := p.store.ReleaseLeases(ctx)
		switch {
		case err != nil:
			p.log.Error("cannot release the claims of the previous process; its work resumes when their leases end", "err", err)
		case jobs+msgs > 0:
			p.log.Info("released the claims of the previous process: its work resumes now", "jobs", jobs, "messages", msgs)
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { p.engine.Run(ctx) })
	wg.Go(func() { p.pager.Sender().RunSenders(ctx) })
	wg.Go(func() { p.listenJobs(ctx) })
	wg.Wait()
}

// wake runs the engine at once: alerts were just committed.
func (p *pagingRuntime) wake() {
	for _, q := range p.pager.Queues() {
		p.engine.Wake(q)
	}
}

// listenJobs wakes the engine whenever jobs are committed, by this
// process or (PostgreSQL) another replica; polling stays the safety net.
func (p *pagingRuntime) listenJobs(ctx context.Context) {
	ch, err := p.store.Listen(ctx, sqlstore.ChannelJobs)
	if err != nil {
		p.log.Warn("cannot listen for new jobs; the engine polls instead", "err", err)
		return
	}
	for range ch {
		p.wake()
	}
}

// notifiers builds one notifier per configured channel. Slack incoming
// webhooks and signed webhooks need no server-wide settings, so they are
// always there; email and the Slack Web API only when configured (a page
// to an unconfigured channel fails visibly in its message's history).
// Signed webhooks to the destinations users set (contact methods) go
// through the outbound guard (--outbound-allow); those of announce, set
// by the admin, do not.
func (a *app) notifiers(c pagingConfig, announce []paging.Destination) (*notify.Registry, error) {
	var trusted []string
	for _, d := range announce {
		if d.Channel == notify.ChannelWebhook {
			trusted = append(trusted, d.Address)
		}
	}
	list := []notify.Notifier{
		slack.NewWebhook(slack.WebhookConfig{}, nil, a.now),
		webhook.New(webhook.Config{Trusted: trusted}, c.outboundPolicy().Client(30*time.Second), a.now),
	}
	if c.SMTPAddr != "" {
		_, port, _ := net.SplitHostPort(c.SMTPAddr)
		n, err := email.New(email.Config{Addr: c.SMTPAddr, From: c.SMTPFrom, Username: c.SMTPUsername,
			Password: c.SMTPPassword, ImplicitTLS: port == "465"}, a.now)
		if err != nil {
			return nil, usageErrorf("email: %v", err)
		}
		list = append(list, n)
	}
	if c.SlackToken != "" {
		n, err := slack.NewAPI(slack.APIConfig{Token: c.SlackToken, BaseURL: c.SlackAPIURL}, nil, a.now)
		if err != nil {
			return nil, usageErrorf("slack: %v", err)
		}
		list = append(list, n)
	}
	return notify.NewRegistry(list...)
}

// ackSecret returns the key that signs ack links: --ack-secret; else, for
// SQLite, the one kept beside the database (made on first start, so
// links survive restarts); else a random one for this process only.
func ackSecret(cfg serveConfig, log *slog.Logger) ([]byte, error) {
	if cfg.Paging.AckSecret != "" {
		return []byte(cfg.Paging.AckSecret), nil
	}
	if path, ok := sqlitePath(cfg.Database); ok {
		return fileSecret(path + ".ack-secret")
	}
	log.Warn("no --ack-secret: acknowledgement links are signed with a key of this process only; " +
		"they stop working when it restarts and on other replicas. Set --ack-secret (WARROOM_ACK_SECRET).")
	return randomSecret(), nil
}

// sqlitePath returns the file of an SQLite DSN (see sqlstore.Open).
func sqlitePath(dsn string) (string, bool) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return "", false
	}
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "sqlite:")
	return path, path != "" && !strings.HasPrefix(path, ":memory:")
}

// fileSecret reads the secret in path, or makes one there (mode 0600).
func fileSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if s := strings.TrimSpace(string(b)); len(s) >= 16 {
			return []byte(s), nil
		}
		return nil, usageErrorf("%s holds no usable ack secret (16+ characters); delete it to make a new one, or set --ack-secret", path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read the ack secret: %w", err)
	}
	secret := randomSecret()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fileSecret(path) // another process made it first
	} else if err != nil {
		return nil, fmt.Errorf("keep the ack secret in %s: %w (or set --ack-secret)", path, err)
	}
	_, werr := f.Write(append(secret, '\n'))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, fmt.Errorf("keep the ack secret in %s: %w", path, werr)
	}
	return secret, nil
}

// randomSecret is 32 random bytes, hex-encoded.
func randomSecret() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return []byte(hex.EncodeToString(b))
}

// processOwner names this process in job and message claims: unique per
// process, readable in the database.
func (a *app) processOwner() string {
	if a.owner == "" {
		host, _ := os.Hostname()
		a.owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), uuid.NewString()[:8])
	}
	return a.owner
}
