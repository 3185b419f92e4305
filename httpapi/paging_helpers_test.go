package httpapi

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
)

// Integration keys of the paging env: the Alertmanager one is the bearer
// credential of the shared fixtures' webhook_configs entry, the PagerDuty
// one their routing_key.
const (
	amKey      = "example-integration-key"
	pdKey      = "0123456789abcdef0123456789abcdef"
	genericKey = "generic-integration-key-1"
)

// pagingEnv is the API with paging wired as `warroom serve` wires it (the
// pager, its reactor, an engine run by hand) over the real SQLite store,
// a service "checkout" with one integration of each kind, and recording
// notifiers.
type pagingEnv struct {
	*env
	pager   *paging.Pager
	engine  *engine.Engine
	service *warroom.Service
	sent    *sentLog
	woken   *counter
}

// sentLog records what the notifiers sent.
type sentLog struct {
	mu   sync.Mutex
	msgs []notify.Message
}

func (r *sentLog) messages() []notify.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notify.Message(nil), r.msgs...)
}

// fakeNotifier delivers one channel into a sentLog.
type fakeNotifier struct {
	channel string
	rec     *sentLog
}

func (f fakeNotifier) Channel() string { return f.channel }
func (f fakeNotifier) Send(_ context.Context, m notify.Message) (string, error) {
	f.rec.mu.Lock()
	defer f.rec.mu.Unlock()
	f.rec.msgs = append(f.rec.msgs, m)
	return "provider-" + m.ID, nil
}

type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) inc() { c.mu.Lock(); c.n++; c.mu.Unlock() }
func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// ackSecretForTests signs the ack links of the pagers the tests start.
var ackSecretForTests = []byte("test-ack-secret-0123456789abcdef")

// webhookSecretForTests signs their pages to people's webhook contacts,
// which the acceptance tests' receiver verifies.
const webhookSecretForTests = "webhook-secret"

// newPagingEnv starts the paging env on SQLite.
func newPagingEnv(t *testing.T) *pagingEnv {
	t.Helper()
	return newPagingEnvOn(t, "sqlite")
}

// newPagingEnvOn starts the paging env on db, "sqlite" or "postgres"
// (skipped when WARROOM_TEST_POSTGRES is unset; see eachStore).
func newPagingEnvOn(t *testing.T, db string) *pagingEnv {
	t.Helper()
	return newPagingEnvOnDSN(t, storeDSN(t, db))
}

// newPagingEnvOnDSN is newPagingEnv on the store at dsn.
func newPagingEnvOnDSN(t *testing.T, dsn string) *pagingEnv {
	t.Helper()
	e := newEnvOn(t, dsn, nil)
	sent := &sentLog{}
	p := withPaging(t, e, sent, recorders(sent), nil)
	p.service = &warroom.Service{Slug: "checkout", Name: "Checkout", CreatedAt: epoch}
	if err := e.store.CreateService(context.Background(), p.service); err != nil {
		t.Fatal(err)
	}
	// The integrations are made through the API with the keys their
	// senders already use, as a team switching over from PagerDuty would.
	for _, kk := range []struct {
		kind warroom.IntegrationKind
		key  string
	}{{warroom.IntegrationAlertmanager, amKey}, {warroom.IntegrationPagerDuty, pdKey}, {warroom.IntegrationWebhook, genericKey}} {
		got := ok[newIntegration](t, e.do("root", "POST", "/api/v1/services/checkout/integrations",
			map[string]string{"kind": string(kk.kind), "name": string(kk.kind), "key": kk.key}), 201)
		if got.Key != kk.key || got.Integration.Kind != kk.kind {
			t.Fatalf("integration %s created as %+v", kk.kind, got)
		}
	}
	return p
}

// withPaging wires paging into e as `warroom serve` does: a pager (see
// withPager) and an engine run by hand. sent is what the env reports as
// sent: the log that notifiers record into, if they are recorders.
func withPaging(t *testing.T, e *env, sent *sentLog, notifiers []notify.Notifier, configure func(*paging.Config)) *pagingEnv {
	t.Helper()
	p := &pagingEnv{env: e, sent: sent, woken: &counter{}}
	e.api.paging.wake = p.woken.inc
	t.Cleanup(func() { _ = e.api.Close() })
	p.pager = withPager(t, e, notifiers, configure)
	p.engine = engine.New(engine.Config{Store: e.store, Now: e.clock.Now, Owner: "test", Queues: []string{paging.QueueDefault},
		Handlers: p.pager.Handlers(), Poll: time.Hour})
	return p
}

// recorders are notifiers of every channel that record into rec.
func recorders(rec *sentLog) []notify.Notifier {
	var list []notify.Notifier
	for _, ch := range []string{notify.ChannelEmail, notify.ChannelSlack, notify.ChannelSlackWebhook, notify.ChannelWebhook} {
		list = append(list, fakeNotifier{channel: ch, rec: rec})
	}
	return list
}

// withPager gives e's server a real pager over its store, sending through
// notifiers, with its reactor on the store; configure, if given, changes
// the pager's configuration first.
func withPager(t *testing.T, e *env, notifiers []notify.Notifier, configure func(*paging.Config)) *paging.Pager {
	t.Helper()
	reg, err := notify.NewRegistry(notifiers...)
	if err != nil {
		t.Fatal(err)
	}
	cfg := paging.Config{Store: e.store, Incidents: e.api.incidents, Now: e.clock.Now, Notifiers: reg,
		AckSecret: ackSecretForTests, BaseURL: e.srv.URL, Owner: "test", WebhookSecret: webhookSecretForTests}
	if configure != nil {
		configure(&cfg)
	}
	pg, err := paging.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.store.SetIncidentReactor(pg.Reactor())
	e.api.paging.pager = pg
	return pg
}

// runJobs runs the engine's due jobs until none are left.
func (p *pagingEnv) runJobs() {
	p.t.Helper()
	for range 50 {
		n, err := p.engine.RunDue(context.Background(), paging.QueueDefault)
		if err != nil {
			p.t.Fatalf("engine: %v", err)
		}
		if n == 0 {
			return
		}
	}
	p.t.Fatal("the engine kept finding due jobs")
}

// alerts lists the service's alerts through the API, by dedup key.
func (p *pagingEnv) alerts(query string) map[string]*warroom.Alert {
	p.t.Helper()
	list := ok[alertList](p.t, p.do("ada", "GET", "/api/v1/alerts?"+query, nil), 200)
	out := map[string]*warroom.Alert{}
	for _, a := range list.Alerts {
		if _, dup := out[a.Source+"/"+a.DedupKey]; dup && a.Status == warroom.AlertResolved {
			continue // keep the newest of a key that fired again
		}
		out[a.Source+"/"+a.DedupKey] = a
	}
	return out
}

// ackToken returns the token of a page's ack link.
func ackToken(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/ack/") {
		t.Fatalf("ack link %q", link)
	}
	return strings.TrimPrefix(u.Path, "/ack/")
}

// pagingSamples makes one of every paging resource in e and returns the
// path parameter values that reach them, for the OpenAPI tests; it gives
// e's server a pager so that the ack link pages answer.
func pagingSamples(t *testing.T, e *env) map[string]string {
	t.Helper()
	ctx := context.Background()
	withPager(t, e, recorders(&sentLog{}), nil)
	svc, err := e.store.FindService(ctx, "checkout")
	if err != nil {
		t.Fatal(err)
	}
	in := &warroom.Integration{ServiceID: svc.ID, Kind: warroom.IntegrationWebhook, Name: "w", CreatedAt: epoch}
	if err := e.store.CreateIntegration(ctx, in, warroom.HashTokenSecret("sample-key")); err != nil {
		t.Fatal(err)
	}
	res, err := e.store.IngestAlerts(ctx, []warroom.IngestRequest{{Integration: in, ReceivedAt: epoch,
		Updates: []warroom.AlertUpdate{{Action: "trigger", Alert: warroom.Alert{ServiceID: svc.ID, IntegrationID: in.ID,
			Source: "webhook", DedupKey: "disk", Summary: "disk full", Severity: "warning", StartsAt: epoch}}}}})
	if err != nil {
		t.Fatal(err)
	}
	alertID := res[0][0].AlertID
	pol := &warroom.EscalationPolicy{Name: "default", Steps: []warroom.EscalationStep{{
		Targets: []warroom.Target{{Type: warroom.TargetUser, ID: e.users["ada"].ID}}, Delay: warroom.Duration(5 * time.Minute)}}}
	if err := e.store.CreateEscalationPolicy(ctx, pol); err != nil {
		t.Fatal(err)
	}
	ok[scheduleJSON](t, e.do("root", "POST", "/api/v1/schedules", weeklySchedule("primary", "ada", "bob")), 201)
	cm := &warroom.ContactMethod{UserID: e.users["ada"].ID, Channel: warroom.ContactEmail, Address: "ada@example.com"}
	if err := e.store.CreateContactMethod(ctx, cm); err != nil {
		t.Fatal(err)
	}
	link := e.api.paging.pager.AckLink(alertID, e.users["ada"].ID, e.clock.Now().Add(time.Hour))
	return map[string]string{"alert": alertID, "schedule": "primary", "policy": "default", "integration": in.ID,
		"contact": cm.ID, "key": "sample-key", "token": ackToken(t, link)}
}

// weeklySchedule is a schedule in Europe/Berlin whose participants take
// week-long shifts handed over on Mondays at 09:00, from 24 February 2025.
func weeklySchedule(name string, participants ...string) map[string]any {
	return map[string]any{"name": name, "time_zone": "Europe/Berlin", "layers": []map[string]any{{
		"name": "weekly", "start": "2025-02-24T09:00", "shift": "1w", "participants": participants}}}
}

// senderFormats are the routes that answer errors in another format
// than the API's Error body: the intake endpoints in their sender's, the
// ack link pages in HTML.
var senderFormats = map[string]string{
	"POST /v2/enqueue":                             "PagerDutyResponse",
	"POST /webhook/{key}":                          "WebhookResponse",
	"POST /api/v1/integrations/alertmanager/{key}": "WebhookResponse",
	"POST /api/v1/integrations/webhook/{key}":      "WebhookResponse",
	"GET /ack/{token}":                             "text/html",
	"POST /ack/{token}":                            "text/html",
}

// senderFormatAnswer checks an error answer of a route in senderFormats
// and reports whether it was one.
func senderFormatAnswer(t *testing.T, key, status string, resp map[string]any) bool {
	t.Helper()
	format, ok := senderFormats[key]
	if !ok {
		return false
	}
	content, _ := resp["content"].(map[string]any)
	if format == "text/html" {
		if _, ok := content["text/html"]; !ok {
			t.Errorf("%s: answer %s is not documented as text/html", key, status)
		}
		return true
	}
	js, _ := content["application/json"].(map[string]any)
	schema, _ := js["schema"].(map[string]any)
	if ref, _ := schema["$ref"].(string); ref != "#/components/schemas/"+format {
		t.Errorf("%s: answer %s is %v, want the %s body", key, status, schema, format)
	}
	return true
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
