package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"time"

	"github.com/warroom/warroom/notify/webhook"
)

// pageProbe measures "alert accepted → first page": it sends one critical
// alert (a probe, in its own Alertmanager group so that each declares its
// own incident) every interval, and receives the pages as the webhook
// contact method of the person paged. A probe's latency is from the 2xx
// of its alert to the page's arrival at the receiver, matched by the
// probe's fingerprint, which is in the alert's summary and so in the
// page's subject.
type pageProbe struct {
	client   *http.Client
	gen      *generator
	target   string // the probe integration's intake URL
	interval time.Duration
	secret   string // --webhook-secret: verify signatures when set

	mu         sync.Mutex
	sentAt     map[string]time.Time // fingerprint → 2xx received
	pagedAt    map[string]time.Time // fingerprint → first page arrived
	failed     map[string]int64     // probes not accepted, by reason
	unmatched  int                  // pages that name no probe of this run
	repeats    int                  // pages for a probe already paged
	badSig     int                  // pages whose signature did not verify
	anyArrived chan struct{}        // closed by the first page
	closeOnce  sync.Once
}

// probeSummary is how a probe's page is recognised.
var probeSummary = regexp.MustCompile(`warroom-load probe ([0-9a-f]{16})`)

func newPageProbe(client *http.Client, gen *generator, interval time.Duration, secret string) *pageProbe {
	return &pageProbe{client: client, gen: gen, interval: interval, secret: secret,
		sentAt: map[string]time.Time{}, pagedAt: map[string]time.Time{}, failed: map[string]int64{},
		anyArrived: make(chan struct{})}
}

// listen starts the page receiver on 127.0.0.1 and returns its URL and a
// function that stops it.
func (p *pageProbe) listen() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("page receiver: %w", err)
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String() + "/warroom-load/page", stop, nil
}

// ServeHTTP receives one page.
func (p *pageProbe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	if p.secret != "" {
		err := webhook.Verify(p.secret, r.Header.Get(webhook.HeaderTimestamp), string(body),
			r.Header.Get(webhook.HeaderSignature), arrived, 0)
		if err != nil {
			p.mu.Lock()
			p.badSig++
			p.mu.Unlock()
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
	}
	var pl webhook.Payload
	_ = json.Unmarshal(body, &pl)
	m := probeSummary.FindStringSubmatch(pl.Subject + "\n" + pl.Text)
	p.mu.Lock()
	switch {
	case m == nil || pl.Kind != "page":
		p.unmatched++
	case !p.pagedAt[m[1]].IsZero():
		p.repeats++
	default:
		p.pagedAt[m[1]] = arrived
	}
	p.mu.Unlock()
	p.closeOnce.Do(func() { close(p.anyArrived) })
	w.WriteHeader(http.StatusNoContent)
}

// run sends a probe at once and then every interval until stop is
// closed or ctx is done.
func (p *pageProbe) run(ctx context.Context, stop <-chan struct{}) {
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		p.send(ctx)
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// send posts one probe: a single critical alert in its own group.
func (p *pageProbe) send(ctx context.Context) {
	fp := p.gen.fingerprint()
	body := p.gen.alertmanager(requestGroup("probe-"+fp), []amAlert{{fingerprint: fp, severity: "critical",
		summary: "warroom-load probe " + fp}}, time.Now())
	status, err := post(ctx, p.client, p.target, body)
	at := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case err != nil:
		p.failed[errorKind(err)]++
	case status/100 != 2:
		p.failed[fmt.Sprint(status, " ", http.StatusText(status))]++
	default:
		p.sentAt[fp] = at
	}
}

// outstanding is how many accepted probes have no page yet.
func (p *pageProbe) outstanding() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for fp := range p.sentAt {
		if p.pagedAt[fp].IsZero() {
			n++
		}
	}
	return n
}

// wait waits until every accepted probe was paged, at most d.
func (p *pageProbe) wait(ctx context.Context, d time.Duration) {
	deadline := time.Now().Add(d)
	for p.outstanding() > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
}

// report summarises the probes.
func (p *pageProbe) report() *pageReport {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := &pageReport{Probes: len(p.sentAt), Failed: p.failed, Unmatched: p.unmatched, Repeats: p.repeats, BadSignature: p.badSig}
	var lat []time.Duration
	for fp, sent := range p.sentAt {
		got := p.pagedAt[fp]
		if got.IsZero() {
			r.Missing++
			continue
		}
		lat = append(lat, max(got.Sub(sent), 0))
	}
	r.Paged = len(lat)
	r.Latency = summarize(lat)
	return r
}

// intakeURL is the Alertmanager intake URL for key.
func intakeURL(server, key string) string {
	return server + "/webhook/" + url.PathEscape(key)
}
