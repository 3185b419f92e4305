// Command warroom-load sends Alertmanager or PagerDuty alerts to a
// warroom server running on this machine, as fast as it takes them, and
// reports what it measured: requests, alerts accepted, errors by status,
// alerts per second and request latency. With --page-latency it also
// measures how long an accepted critical alert takes to page someone.
//
//	go run ./cmd/warroom-load --token wr_... --duration 10s
//	go run ./cmd/warroom-load --key KEY --batch 100 --concurrency 32 --requests 5000
//	go run ./cmd/warroom-load --token wr_... --page-latency --concurrency 0 --duration 30s
//
// It only ever targets loopback addresses: this workplace forbids load
// against any other host. Every run stops by itself (--duration, or
// --requests within at most --max-duration).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Intake kinds.
const (
	kindAlertmanager = "alertmanager"
	kindPagerDuty    = "pagerduty"
)

// config is the run's settings, from flags.
type config struct {
	server          string
	key             string
	token           string
	service         string
	kind            string
	batch           int
	concurrency     int
	duration        time.Duration
	requests        int64
	resolveFraction float64
	severity        string
	timeout         time.Duration
	pageLatency     bool
	pageService     string
	pageInterval    time.Duration
	pageWait        time.Duration
	webhookSecret   string
	jsonOut         bool
}

// maxDuration bounds a --requests run that gave no --duration.
const maxDuration = 10 * time.Minute

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("warroom-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: warroom-load [flags]\n\n"+
			"Sends alerts to a warroom server on this machine and reports throughput and latency.\n"+
			"Give --key (an integration key), or --token (an admin API token) to let it create an\n"+
			"integration on --service. Only loopback servers are accepted.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	server := os.Getenv("WARROOM_SERVER")
	if server == "" {
		server = "http://127.0.0.1:8080"
	}
	fs.StringVar(&c.server, "server", server, "warroom server URL (loopback only: 127.0.0.0/8, ::1, localhost); default $WARROOM_SERVER")
	fs.StringVar(&c.key, "key", "", "integration key to send to (of an integration of --kind)")
	fs.StringVar(&c.token, "token", os.Getenv("WARROOM_TOKEN"), "admin API token: creates an integration on --service (and the --page-latency setup); default $WARROOM_TOKEN")
	fs.StringVar(&c.service, "service", "warroom-load", "service (slug) to create the integration on with --token; created if missing")
	fs.StringVar(&c.kind, "kind", kindAlertmanager, "intake: alertmanager (POST /webhook/KEY, --batch alerts per request) or pagerduty (POST /v2/enqueue, one event per request)")
	fs.IntVar(&c.batch, "batch", 100, "alerts per Alertmanager webhook request")
	fs.IntVar(&c.concurrency, "concurrency", 32, "requests in flight at once (0: only --page-latency probes)")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long to send")
	fs.Int64Var(&c.requests, "requests", 0, "stop after this many requests (then --duration, if given, still bounds the run; else at most "+maxDuration.String()+")")
	fs.Float64Var(&c.resolveFraction, "resolve-fraction", 0, "fraction (0-1) of alerts sent as resolutions of alerts this run fired")
	fs.StringVar(&c.severity, "severity", "warning", "severity of the load's alerts: critical, error, warning or info (critical alerts may declare incidents and page)")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "timeout of one request")
	fs.BoolVar(&c.pageLatency, "page-latency", false, "also measure alert accepted → first page (needs --token, and a server started with --webhook-secret and --outbound-allow 127.0.0.0/8)")
	fs.StringVar(&c.pageService, "page-service", "warroom-load-pages", "service (slug) the --page-latency probes go to; its paging is replaced (created if missing)")
	fs.DurationVar(&c.pageInterval, "page-interval", 1500*time.Millisecond, "time between --page-latency probes (webhook pages are throttled to 60 per minute and 600 per hour per destination by default: keep runs under 15 minutes)")
	fs.DurationVar(&c.pageWait, "page-wait", 30*time.Second, "how long to wait for outstanding pages after the load stops")
	fs.StringVar(&c.webhookSecret, "webhook-secret", "", "the server's --webhook-secret, to verify the signature of pages (optional)")
	fs.BoolVar(&c.jsonOut, "json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	durationSet := false
	fs.Visit(func(f *flag.Flag) { durationSet = durationSet || f.Name == "duration" })
	if c.requests > 0 && !durationSet {
		c.duration = maxDuration
	}
	return c, c.validate()
}

func (c *config) validate() error {
	u, err := parseServer(c.server)
	if err != nil {
		return err
	}
	c.server = u.String()
	switch {
	case c.kind != kindAlertmanager && c.kind != kindPagerDuty:
		return fmt.Errorf("--kind %q: want alertmanager or pagerduty", c.kind)
	case c.key == "" && c.token == "":
		return errors.New("give --key (an integration key) or --token (an admin API token, to create an integration)")
	case c.pageLatency && c.token == "":
		return errors.New("--page-latency needs --token: it creates a person to page, an escalation policy and an integration")
	case c.batch < 1 || c.batch > 10000:
		return fmt.Errorf("--batch %d: want 1 to 10000", c.batch)
	case c.concurrency < 0 || c.concurrency > 4096:
		return fmt.Errorf("--concurrency %d: want 0 to 4096", c.concurrency)
	case c.concurrency == 0 && !c.pageLatency:
		return errors.New("--concurrency 0 sends nothing without --page-latency")
	case c.duration <= 0 || c.duration > 24*time.Hour:
		return fmt.Errorf("--duration %s: want more than 0 and at most 24h", c.duration)
	case c.requests < 0:
		return errors.New("--requests must not be negative")
	case c.resolveFraction < 0 || c.resolveFraction > 1:
		return fmt.Errorf("--resolve-fraction %g: want 0 to 1", c.resolveFraction)
	case c.severity != "critical" && c.severity != "error" && c.severity != "warning" && c.severity != "info":
		return fmt.Errorf("--severity %q: want critical, error, warning or info", c.severity)
	case c.timeout <= 0:
		return errors.New("--timeout must be positive")
	case c.pageInterval < 10*time.Millisecond:
		return errors.New("--page-interval must be at least 10ms")
	case c.pageWait < 0:
		return errors.New("--page-wait must not be negative")
	}
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "warroom-load:", err)
		return 2
	}
	rep, err := execute(ctx, cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "warroom-load:", err)
		return 1
	}
	if cfg.jsonOut {
		_ = rep.writeJSON(stdout)
	} else {
		rep.writeText(stdout)
	}
	switch {
	case cfg.concurrency > 0 && rep.Accepted == 0:
		fmt.Fprintln(stderr, "warroom-load: no request was accepted")
		return 1
	case rep.Pages != nil && rep.Pages.Probes > 0 && rep.Pages.Paged == 0:
		fmt.Fprintln(stderr, "warroom-load: no page arrived; is the server started with --webhook-secret (webhook contact methods need it) "+
			"and --outbound-allow 127.0.0.0/8 (the page receiver listens on 127.0.0.1)?")
		return 1
	}
	return 0
}

// execute sets up what the run needs, sends the load and the probes, and
// returns the report.
func execute(ctx context.Context, cfg config, stderr io.Writer) (*report, error) {
	client := newClient(cfg.concurrency+2, cfg.timeout)
	if err := checkHealth(ctx, client, cfg.server); err != nil {
		return nil, err
	}
	gen := newGenerator(cfg.service)
	admin := &api{base: cfg.server, token: cfg.token, client: client}
	key := cfg.key
	if key == "" && cfg.concurrency > 0 {
		if err := admin.ensureService(ctx, cfg.service, "warroom-load"); err != nil {
			return nil, fmt.Errorf("setting up service %s: %w", cfg.service, err)
		}
		var err error
		if key, err = admin.createIntegration(ctx, cfg.service, cfg.kind, "warroom-load "+gen.run); err != nil {
			return nil, fmt.Errorf("creating a %s integration on %s: %w", cfg.kind, cfg.service, err)
		}
		fmt.Fprintf(stderr, "warroom-load: created an integration (%s) on service %s\n", cfg.kind, cfg.service)
	}

	var probe *pageProbe
	if cfg.pageLatency {
		probe = newPageProbe(client, gen, cfg.pageInterval, cfg.webhookSecret)
		receiver, stopReceiver, err := probe.listen()
		if err != nil {
			return nil, err
		}
		defer stopReceiver()
		probeKey, err := admin.pagingSetup(ctx, cfg.pageService, gen.run, receiver)
		if err != nil {
			return nil, fmt.Errorf("setting up --page-latency on service %s: %w", cfg.pageService, err)
		}
		probe.target = intakeURL(cfg.server, probeKey)
		fmt.Fprintf(stderr, "warroom-load: paging @load-pager-%s (webhook to %s) for critical alerts on service %s\n",
			gen.run, receiver, cfg.pageService)
		if cfg.pageInterval < time.Second {
			fmt.Fprintln(stderr, "warroom-load: warning: --page-interval below 1s exceeds the webhook throttle (60 per minute per destination); later pages measure the throttle")
		}
		if cfg.duration > 0 && cfg.duration/cfg.pageInterval > 600 {
			fmt.Fprintln(stderr, "warroom-load: warning: more than 600 probes exceed the default webhook throttle (600 per hour per destination); later pages measure the throttle unless the server runs with a larger --throttle webhook=...")
		}
	}

	l := newLoader(cfg, client, gen, key)
	stopProbes := make(chan struct{})
	probesDone := make(chan struct{})
	if probe != nil {
		go func() {
			defer close(probesDone)
			probe.run(ctx, stopProbes)
		}()
	} else {
		close(probesDone)
	}
	var elapsed time.Duration
	if cfg.concurrency > 0 {
		elapsed = l.run(ctx)
	} else {
		start := time.Now()
		select {
		case <-ctx.Done():
		case <-time.After(cfg.duration):
		}
		elapsed = time.Since(start)
	}
	close(stopProbes)
	<-probesDone

	rep := &report{Server: cfg.server, Kind: cfg.kind, Batch: cfg.batch, Concurrency: cfg.concurrency, Elapsed: elapsed,
		Requests: l.requests.Load(), Accepted: l.accepted.Load(), AlertsSent: l.alertsSent.Load(),
		AlertsAccepted: l.alertsDone.Load(), Errors: l.errs, Latency: summarize(l.lat)}
	if cfg.kind == kindPagerDuty {
		rep.Batch = 1
	}
	if s := elapsed.Seconds(); s > 0 {
		rep.AlertsPerSec = float64(rep.AlertsAccepted) / s
		rep.RequestsPerSec = float64(rep.Accepted) / s
	}
	if probe != nil {
		if n := probe.outstanding(); n > 0 && cfg.pageWait > 0 {
			fmt.Fprintf(stderr, "warroom-load: waiting up to %s for %d outstanding pages\n", cfg.pageWait, n)
			probe.wait(ctx, cfg.pageWait)
		}
		rep.Pages = probe.report()
	}
	return rep, nil
}

// checkHealth fails fast, with a clear message, when nothing answers.
func checkHealth(ctx context.Context, client *http.Client, server string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, server+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach %s (%s); start it with: go run ./cmd/warroom serve", server, errorKind(err))
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s/healthz answered %d; is it a warroom server?", server, resp.StatusCode)
	}
	return nil
}
