// Command warroom-load sends Alertmanager or PagerDuty alerts to a
// warroom server running on this machine, as fast as it takes them, and
// reports what it measured: requests, alerts accepted, errors by status,
// alerts per second and request latency. With --page-latency it also
// measures how long an accepted critical alert takes to page someone.
//
//	go run ./cmd/warroom-load --token wr_... --duration 10s
//	go run ./cmd/warroom-load --key KEY --batch 100 --concurrency 32 --requests 5000
//	go run ./cmd/warroom-load --token wr_... --page-latency --concurrency 0 --duration 30s
//	go run ./cmd/warroom-load --token wr_... --shape one-group --severity critical \
//		--rate 20000 --batch 100 --senders 4 --duration 25s --page-latency --page-wait 90s
//
// docs/load-testing.md explains the shapes and gives the commands of the
// storm table of issue 8.
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
	"math"
	"net/http"
	"os"
	"os/signal"
	"sync"
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
	shape           string
	batch           int
	concurrency     int
	rate            float64 // alerts a second; 0: closed loop (--concurrency)
	senders         int
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
	routeWait       time.Duration
	jsonOut         bool

	batchSet, concurrencySet, sendersSet bool // given on the command line
}

// alertsPerRequest is how many alerts one request carries.
func (c config) alertsPerRequest() int {
	if c.kind == kindPagerDuty {
		return 1
	}
	return c.batch
}

// storm reports whether the run sends load (besides any probes).
func (c config) storm() bool { return c.rate > 0 || c.concurrency > 0 }

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
			"integration on --service. Only loopback servers are accepted.\n\n"+
			"Closed loop (default): --concurrency workers each send their next request as soon as the\n"+
			"last is answered. Open loop: --rate alerts/s in requests of --batch alerts from --senders\n"+
			"senders, on a timetable; the report says whether the generator fell behind.\n"+
			"--shape one-group puts every alert of the run in one Alertmanager group; group-per-request\n"+
			"makes each request a new group. With --page-latency, critical probes on their own service\n"+
			"measure alert -> page while the load runs. docs/load-testing.md has the storm commands.\n\nFlags:\n")
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
	fs.StringVar(&c.shape, "shape", shapeGroupPerRequest, "how alerts fall into Alertmanager groups: group-per-request (each request a new group: critical alerts declare an incident per request) or one-group (every alert of the run in one group, alertname and job fixed, instance varying); pagerduty events are each their own group")
	fs.IntVar(&c.batch, "batch", 100, "alerts per Alertmanager webhook request (pagerduty: always 1)")
	fs.IntVar(&c.concurrency, "concurrency", 32, "closed loop: requests in flight at once, each sent when the last is answered (0: only --page-latency probes); not with --rate")
	fs.Float64Var(&c.rate, "rate", 0, "open loop: target alerts per second, sent on a timetable by --senders senders in requests of --batch alerts (0: closed loop, see --concurrency)")
	fs.IntVar(&c.senders, "senders", 1, "with --rate: senders, each with one request in flight, taking turns on the timetable (Alertmanager sends one request at a time per group)")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long to send")
	fs.Int64Var(&c.requests, "requests", 0, "stop after this many requests (then --duration, if given, still bounds the run; else at most "+maxDuration.String()+")")
	fs.Float64Var(&c.resolveFraction, "resolve-fraction", 0, "fraction (0-1) of alerts sent as resolutions of alerts this run fired")
	fs.StringVar(&c.severity, "severity", "warning", "severity of the load's alerts: critical, error, warning or info (critical alerts may declare incidents and page)")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "timeout of one request")
	fs.BoolVar(&c.pageLatency, "page-latency", false, "also measure alert accepted → first page (needs --token, and a server started with --webhook-secret)")
	fs.StringVar(&c.pageService, "page-service", "warroom-load-pages", "service (slug) the --page-latency probes go to; its paging is replaced (created if missing)")
	fs.DurationVar(&c.pageInterval, "page-interval", 1500*time.Millisecond, "time between --page-latency probes (webhook pages are throttled to 60 per minute and 600 per hour per destination by default: keep runs under 15 minutes)")
	fs.DurationVar(&c.pageWait, "page-wait", 30*time.Second, "how long to wait for outstanding pages after the load stops")
	fs.StringVar(&c.webhookSecret, "webhook-secret", "", "the server's --webhook-secret, to verify the signature of pages (optional)")
	fs.DurationVar(&c.routeWait, "route-wait", 2*time.Minute, "with --token and alerts the service's rules declare incidents for (critical, by default): after the load, how long to wait for its alerts to be routed, measured from the last 2xx (0: do not check)")
	fs.BoolVar(&c.jsonOut, "json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	durationSet := false
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "duration":
			durationSet = true
		case "batch":
			c.batchSet = true
		case "concurrency":
			c.concurrencySet = true
		case "senders":
			c.sendersSet = true
		}
	})
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
	case c.duration <= 0 || c.duration > 24*time.Hour:
		return fmt.Errorf("--duration %s: want more than 0 and at most 24h", c.duration)
	case c.shape != shapeGroupPerRequest && c.shape != shapeOneGroup:
		return fmt.Errorf("--shape %q: want one-group (every alert in one Alertmanager group) or group-per-request (a new group per request)", c.shape)
	case c.kind == kindPagerDuty && c.shape == shapeOneGroup:
		return errors.New("--shape one-group needs --kind alertmanager: warroom groups PagerDuty events by dedup_key, so each event is its own group")
	case c.kind == kindPagerDuty && c.batchSet && c.batch != 1:
		return fmt.Errorf("--batch %d: a PagerDuty event carries one alert; leave --batch out with --kind pagerduty", c.batch)
	case c.batch < 1 || c.batch > 10000:
		return fmt.Errorf("--batch %d: want 1 to 10000", c.batch)
	case c.concurrency < 0 || c.concurrency > 4096:
		return fmt.Errorf("--concurrency %d: want 0 to 4096", c.concurrency)
	case math.IsNaN(c.rate) || c.rate < 0 || c.rate > 1e6:
		return fmt.Errorf("--rate %g: want alerts per second, more than 0 and at most 1000000 (or 0 for the closed loop of --concurrency)", c.rate)
	case c.rate > 0 && c.concurrencySet:
		return errors.New("--rate and --concurrency exclude each other: --concurrency is the closed loop (as fast as answered); with --rate give --senders")
	case c.rate == 0 && c.sendersSet:
		return errors.New("--senders paces --rate: give --rate ALERTS_PER_SECOND too, or use --concurrency for a closed loop")
	case c.senders < 1 || c.senders > 4096:
		return fmt.Errorf("--senders %d: want 1 to 4096", c.senders)
	case c.rate > 0 && c.rate < float64(c.alertsPerRequest())/c.duration.Seconds():
		return fmt.Errorf("--rate %g with %d alerts a request sends nothing in --duration %s: raise --rate or --duration, or lower --batch",
			c.rate, c.alertsPerRequest(), c.duration)
	case c.concurrency == 0 && c.rate == 0 && !c.pageLatency:
		return errors.New("--concurrency 0 sends nothing without --page-latency")
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
	case c.routeWait < 0:
		return errors.New("--route-wait must not be negative")
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
	case cfg.storm() && rep.Accepted == 0:
		fmt.Fprintln(stderr, "warroom-load: no request was accepted")
		return 1
	case rep.Pages != nil && rep.Pages.Probes > 0 && rep.Pages.Paged == 0:
		fmt.Fprintf(stderr, "warroom-load: no probe was paged within --page-wait %s: the server is behind (see the routing line), or was not started with --webhook-secret (webhook contact methods need it)\n", cfg.pageWait)
		return 1
	}
	return 0
}

// execute sets up what the run needs, sends the load and the probes, and
// returns the report.
func execute(ctx context.Context, cfg config, stderr io.Writer) (*report, error) {
	client := newClient(cfg.workers()+2, cfg.timeout)
	if err := checkHealth(ctx, client, cfg.server); err != nil {
		return nil, err
	}
	gen := newGenerator(cfg.service)
	admin := &api{base: cfg.server, token: cfg.token, client: client}
	key := cfg.key
	if key == "" && cfg.storm() {
		if err := admin.ensureService(ctx, cfg.service, "warroom-load"); err != nil {
			return nil, fmt.Errorf("setting up service %s: %w", cfg.service, err)
		}
		var err error
		if key, err = admin.createIntegration(ctx, cfg.service, cfg.kind, "warroom-load "+gen.run); err != nil {
			return nil, fmt.Errorf("creating a %s integration on %s: %w", cfg.kind, cfg.service, err)
		}
		fmt.Fprintf(stderr, "warroom-load: created an integration (%s) on service %s\n", cfg.kind, cfg.service)
	}

	// Whether, after the load, to wait for its alerts to be routed: only
	// on the service the generator set up (a --key may be any service's),
	// and only for alerts whose routing links them to an incident.
	checkRouting := ""
	switch {
	case !cfg.storm() || cfg.routeWait == 0:
	case cfg.key != "":
		checkRouting = "--key given: the generator does not know its service (give --token instead)"
	case cfg.resolveFraction > 0:
		checkRouting = "--resolve-fraction resolves alerts, which are then not routed"
	default:
		rules, err := admin.serviceRules(ctx, cfg.service)
		switch {
		case err != nil:
			checkRouting = err.Error()
		case !declares(rules, cfg.severity):
			checkRouting = fmt.Sprintf("service %s's rules do not declare incidents for %s alerts", cfg.service, cfg.severity)
		}
	}
	if checkRouting != "" {
		fmt.Fprintf(stderr, "warroom-load: not checking that the load's alerts are routed: %s\n", checkRouting)
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
	if cfg.storm() {
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

	rep := &report{Server: cfg.server, Kind: cfg.kind, Shape: cfg.shape, Severity: cfg.severity, Batch: cfg.alertsPerRequest(),
		Concurrency: cfg.concurrency, Elapsed: elapsed,
		Requests: l.requests.Load(), Accepted: l.accepted.Load(), AlertsSent: l.alertsSent.Load(),
		AlertsAccepted: l.alertsDone.Load(), Errors: l.errs, Latency: summarize(l.lat)}
	if cfg.kind == kindPagerDuty {
		rep.Shape = "event-per-request"
	}
	if s := elapsed.Seconds(); s > 0 {
		rep.AlertsPerSec = float64(rep.AlertsAccepted) / s
		rep.RequestsPerSec = float64(rep.Accepted) / s
	}
	if l.pace != nil {
		rep.Concurrency = 0
		rep.Pacing = pacingOutcome(*l.pace, cfg.rate, cfg.duration, cfg.requests, rep.Requests, l.lateness)
	}

	// The probes' grace period and the wait for routing run together:
	// both count from the end of the load.
	var wg sync.WaitGroup
	if cfg.storm() && cfg.routeWait > 0 {
		switch {
		case checkRouting != "":
			rep.Routing = &routingReport{NotChecked: checkRouting}
		case rep.Accepted == 0:
			rep.Routing = &routingReport{NotChecked: "no request was accepted"}
		default:
			last := time.Unix(0, l.last2xx.Load())
			fmt.Fprintf(stderr, "warroom-load: waiting up to %s after the last 2xx for the load's alerts to be routed\n", cfg.routeWait)
			wg.Go(func() {
				r := admin.waitRouted(ctx, cfg.service, gen.job(), last, cfg.routeWait)
				n, err := admin.incidentsDeclaredSince(ctx, cfg.service, l.start)
				r.IncidentsDeclared = n
				if err != nil {
					r.IncidentsError = err.Error()
				}
				rep.Routing = r
			})
		}
	}
	if probe != nil {
		if n := probe.outstanding(); n > 0 && cfg.pageWait > 0 {
			fmt.Fprintf(stderr, "warroom-load: waiting up to %s for %d outstanding pages\n", cfg.pageWait, n)
			probe.wait(ctx, cfg.pageWait)
		}
		rep.Pages = probe.report()
	}
	wg.Wait()
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
