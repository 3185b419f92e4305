package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/comms"
	"github.com/warroom/warroom/httpapi"
	"github.com/warroom/warroom/sqlstore"
	"github.com/warroom/warroom/telemetry"
	"github.com/warroom/warroom/web"
)

func (a *app) addServerCommands(root *cobra.Command) {
	root.AddCommand(a.serveCommand(), a.bootstrapCommand())
}

func (a *app) serveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "serve",
		GroupID: "server",
		Short:   "Run the warroom server (HTTP API and background work)",
		Long: "Run the warroom server. Settings come from flags, then WARROOM_* environment variables,\n" +
			"then the --config file, then defaults. Stops gracefully on SIGINT or SIGTERM.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := defaultServeConfig()
			if err := apply(&cfg, serveSettings(), a.sources(cmd.Flags())); err != nil {
				return err
			}
			if err := cfg.validate(); err != nil {
				return err
			}
			return a.serve(cmd.Context(), cfg)
		},
	}
	addFlags(cmd.Flags(), serveSettings(), defaultServeConfig())
	return cmd
}

// serve runs the server until ctx is done (main cancels it on SIGINT or
// SIGTERM), then shuts down gracefully.
func (a *app) serve(ctx context.Context, cfg serveConfig) error {
	store, err := sqlstore.Open(ctx, cfg.Database)
	if err != nil {
		return fmt.Errorf("open database %s: %w", redactDSN(cfg.Database), err)
	}
	defer store.Close()
	users, err := store.CountUsers(ctx)
	if err != nil {
		return fmt.Errorf("read database %s: %w", redactDSN(cfg.Database), err)
	}
	incidents := &warroom.Incidents{Store: store, Now: a.now, Policy: cfg.Policy,
		NewID: newID, BridgeURLTemplate: cfg.BridgeURL}
	logger := slog.New(slog.NewTextHandler(a.stderr, nil))
	// warroom's own /metrics (docs/metrics.md).
	tel := telemetry.New(store, a.now, logger)
	store.ObserveTransactions(tel.ObserveTx)
	tel.Authorize = telemetry.AdminToken(store.Authenticate, a.now)
	// Single sign-on (nil when off): the web UI mounts its start and
	// callback (docs/sso.md).
	oidc, err := a.startSSO(ctx, cfg, store, logger)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another server using it? choose another with --listen)", cfg.Listen, err)
	}
	defer ln.Close()
	baseURL := cfg.PublicURL
	if baseURL == "" {
		baseURL = "http://" + reachableAddr(ln.Addr())
	}
	// Chat and comms need each other: chat posts comms's notices, comms
	// sends the updates typed in chat.
	updates := &lateUpdates{}
	chatRT, err := a.startChat(cfg, store, incidents, logger, updates)
	if err != nil {
		return err
	}
	var noticeHook comms.Hook
	if chatRT != nil {
		noticeHook = chatRT.noticeHook()
	}
	pg, err := a.startPaging(cfg, store, incidents, baseURL, logger, noticeHook)
	if err != nil {
		return err
	}
	// Tickets in issue trackers (docs/trackers.md): their jobs join the
	// reactor before chat wraps it.
	trk, err := a.startTracker(cfg, store, baseURL, logger)
	if err != nil {
		return err
	}
	pg.reactor = trk.reactor(pg.reactor)
	joinTicketsAndPostmortems(trk.svc, pg.postmortems, incidents, baseURL, logger)
	store.SetIncidentReactor(pg.reactor)
	updates.comms = pg.comms
	pg.pager.ObserveDeliveries(tel)
	var chatAPI *httpapi.ChatAPI
	if chatRT != nil {
		store.SetIncidentReactor(chatRT.reactor(pg.reactor))
		chatAPI = chatRT.api
	}
	afterFire := pg.afterFire
	if err := afterFire.CheckDefaultCalendar(ctx); err != nil {
		return usageErrorf("--holiday-calendar: %s", warroom.ErrorMessage(err))
	}
	handler := httpapi.New(httpapi.Config{Incidents: incidents, Store: store, Now: a.now,
		Logger: logger, MaxBodyBytes: cfg.MaxBodyBytes, Paging: pg.pager, Wake: pg.wake, PublicURL: baseURL,
		Outbound: cfg.Paging.outboundPolicy(), Chat: chatAPI, Comms: pg.comms, StatusPage: pg.status,
		AfterFire: afterFire, Postmortems: pg.postmortems})
	// After the HTTP server stopped: commits what senders already
	// submitted (in-flight requests have finished by then).
	defer handler.Close()
	handler.ObserveIntake(tel)
	// The web UI answers browsers at / and passes every API route on.
	webUI := web.New(web.Config{Incidents: incidents, Store: store, Now: a.now, Logger: logger,
		PublicURL: cfg.PublicURL, API: handler, Commits: store, Comms: pg.comms, StatusPage: pg.status, AfterFire: afterFire,
		Pages: web.PagesConfig{Paging: pg.pager, Outbound: cfg.Paging.outboundPolicy()}, SSO: singleSignOn(oidc),
		Postmortems: pg.postmortems})
	defer webUI.Close()
	handler.SetTracker(trk.svc)
	webUI.SetTracker(trk.svc)
	// The public status page: at /status here, and alone on --status-listen.
	statusWorker, err := statusListener(cfg, pg.status, store, logger)
	if err != nil {
		return err
	}
	a.announce(cfg, ln.Addr(), users)
	srv := &http.Server{
		Handler:           cfg.TrustedProxies.Handler(withStatusPage(pg.status, webUI)),
		ReadHeaderTimeout: 10 * time.Second, // slow-header clients cannot hold connections
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	srv.Handler = tel.Middleware(srv.Handler, func(r *http.Request) string {
		if p := handler.RoutePattern(r); p != "" {
			return p
		}
		return webUI.RoutePattern(r)
	})
	srv.RegisterOnShutdown(webUI.Close) // live streams end, so shutdown need not wait for them
	workers := append(pg.workers(), func(ctx context.Context) {
		sweepLoop(ctx, incidents, cfg.SweepInterval, logger)
	}, a.retentionWorker(cfg.Retention, store, logger), statusWorker)
	workers = append(workers, trk.run)
	if chatRT != nil {
		workers = append(workers, chatRT.run)
	}
	workers = append(workers, tel.Run)
	err = runServer(ctx, srv, ln, cfg.ShutdownTimeout, workers...)
	logger.Info("warroom stopped")
	return err
}

// newID returns a time-sortable incident ID. uuid.NewV7 fails only when
// the system's random source does, which nothing can recover from.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// runServer serves on ln and runs the workers until ctx is done or the
// server fails; then it stops accepting, gives in-flight requests up to
// grace to finish, stops the workers and waits for them.
func runServer(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration, workers ...func(context.Context)) error {
	workCtx, stopWork := context.WithCancel(ctx)
	defer stopWork()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() { w(workCtx) })
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
		err = fmt.Errorf("http server: %w", err)
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if e := srv.Shutdown(shutdownCtx); e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = fmt.Errorf("shutdown: %w", e)
	}
	stopWork()
	wg.Wait()
	return err
}

// sweepLoop applies the major-duration rule to open incidents at start
// (a server that was down may have missed the moment) and then every
// interval: the safety net for "lasted longer than 4h", which no command
// triggers.
func sweepLoop(ctx context.Context, incidents *warroom.Incidents, every time.Duration, log *slog.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		n, err := incidents.SweepMajor(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("major-incident sweep failed; retrying at the next tick", "err", err)
		case n > 0:
			log.Info("incidents became major by duration", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// announce prints the database, on an empty database how to get the
// first admin token, and last the URL: tests and scripts take the
// "listening on" line as the sign that the server accepts requests.
func (a *app) announce(cfg serveConfig, addr net.Addr, users int) {
	listenURL := "http://" + reachableAddr(addr)
	boot := ""
	if users == 0 {
		web := cfg.PublicURL
		if web == "" {
			web = listenURL
		}
		boot = "warroom bootstrap --db " + shellQuote(redactDSN(cfg.Database)) +
			` --handle admin --name "Your Name" --email you@example.com --public-url ` + shellQuote(web)
	}
	if a.jsonMode {
		printJSONValue(a.stdout, map[string]any{"listening": listenURL, "public_url": cfg.PublicURL,
			"database": redactDSN(cfg.Database), "users": users, "bootstrap": boot})
		return
	}
	w := a.stdout
	fmt.Fprintf(w, "database: %s\n", redactDSN(cfg.Database))
	if cfg.PublicURL != "" {
		fmt.Fprintf(w, "public URL: %s\n", cfg.PublicURL)
	}
	if boot != "" {
		fmt.Fprintf(w, "\nNo users yet. Create the first admin: it prints a one-time link to sign in with your browser, and an API token (the server may keep running):\n\n  %s\n\n", boot)
		fmt.Fprintf(w, "From a source checkout, run it as: go run ./cmd/warroom %s\n", strings.TrimPrefix(boot, "warroom "))
		fmt.Fprintf(w, "Then export WARROOM_TOKEN=<the printed token> and WARROOM_SERVER=%s, and try: warroom whoami\n\n", listenURL)
	}
	fmt.Fprintf(w, "warroom listening on %s\n", listenURL)
}

// reachableAddr turns a listen address into one a client can dial: a
// wildcard host (0.0.0.0, ::) becomes the loopback address.
func reachableAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
}

// redactDSN hides a password in a database URL, since the DSN is printed
// and logged.
func redactDSN(dsn string) string {
	if !strings.Contains(dsn, "://") {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable database URL)"
	}
	return u.Redacted()
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`)

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
