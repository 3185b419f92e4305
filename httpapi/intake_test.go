package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/sqlstore"
)

// fixtureDir holds what a real Alertmanager sent (see its README.md).
const fixtureDir = "../testdata/alertmanager"

// replayFixture sends one captured request as Alertmanager sent it:
// request line and headers from NNN-kind.headers (minus Content-Length,
// as the bodies were re-indented), body from NNN-kind.json.
func (p *pagingEnv) replayFixture(name string) resp {
	p.t.Helper()
	body, err := os.ReadFile(filepath.Join(fixtureDir, name+".json"))
	if err != nil {
		p.t.Fatalf("fixture %s: %v", name, err)
	}
	head, err := os.ReadFile(filepath.Join(fixtureDir, name+".headers"))
	if err != nil {
		p.t.Fatalf("fixture %s: %v", name, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(head))
	sc.Scan()
	method, target, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
	req, err := http.NewRequest(method, p.srv.URL+target, bytes.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && !strings.EqualFold(k, "Content-Length") {
			req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	return p.send(req)
}

func (p *pagingEnv) send(req *http.Request) resp {
	p.t.Helper()
	res, err := p.srv.Client().Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// post sends body to path with the headers (name, value pairs).
func (p *pagingEnv) post(path, body string, headers ...string) resp {
	p.t.Helper()
	req, err := http.NewRequest("POST", p.srv.URL+path, strings.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return p.send(req)
}

type alertState struct {
	status     warroom.AlertStatus
	duplicates int
}

// wantAlerts checks the alerts of one source by dedup key.
func (p *pagingEnv) wantAlerts(step, source string, want map[string]alertState) map[string]*warroom.Alert {
	p.t.Helper()
	got := map[string]*warroom.Alert{}
	for k, a := range p.alerts("service=checkout") {
		if a.Source == source {
			got[strings.TrimPrefix(k, source+"/")] = a
		}
	}
	if len(got) != len(want) {
		p.t.Fatalf("after %s: %d %s alerts %v, want %d", step, len(got), source, keys(got), len(want))
	}
	for key, w := range want {
		a := got[key]
		if a == nil || a.Status != w.status || a.Duplicates != w.duplicates {
			p.t.Fatalf("after %s: alert %s is %+v, want %+v", step, key, a, w)
		}
	}
	return got
}

func keys[T any](m map[string]T) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestAlertmanagerFixturesReplayed replays every captured request, in
// order, to /webhook/<key> (authenticated by the Bearer credential of the
// unmodified webhook_configs entry, the path key being unknown) and to
// /v2/enqueue, and checks the alerts after each step.
func TestAlertmanagerFixturesReplayed(t *testing.T) {
	p := newPagingEnv(t)
	const (
		checkoutA = "d5d7ec2b0093448a"
		checkoutB = "9e9cf170157b3e0b"
		payments  = "6ae7ed227a34cb4f"
		pdPay     = "8b01510fd8995a859a068092334410f14cbe4ffd4afa3f8bfe1c17acf2e1c2db"
	)
	names, _ := filepath.Glob(filepath.Join(fixtureDir, "[0-9][0-9][0-9]-*.json"))
	if len(names) != 10 {
		t.Fatalf("want the 10 captured requests in %s, found %d", fixtureDir, len(names))
	}
	var pdCheckout string
	for _, n := range names {
		name := strings.TrimSuffix(filepath.Base(n), ".json")
		r := p.replayFixture(name)
		if r.Status != http.StatusAccepted {
			t.Fatalf("%s: %s", name, r)
		}
		var ans map[string]any
		if err := json.Unmarshal(r.Body, &ans); err != nil || ans["status"] != "success" {
			t.Fatalf("%s: answer %s", name, r.Body)
		}
		if strings.HasSuffix(name, "pagerduty-v2") && ans["message"] != "Event processed" {
			t.Fatalf("%s: answer %s", name, r.Body)
		}
		if name == "003-pagerduty-v2" {
			pdCheckout = ans["dedup_key"].(string)
		}
		switch name {
		case "001-webhook":
			got := p.wantAlerts(name, "alertmanager", map[string]alertState{
				checkoutA: {warroom.AlertFiring, 0}, checkoutB: {warroom.AlertFiring, 0}})
			// Two alerts of one group share their summary: deduplicated by
			// fingerprint, never by summary, with the group key kept.
			if got[checkoutA].Summary != got[checkoutB].Summary || got[checkoutA].GroupKey != `{}:{alertname="CheckoutHighErrorRate", service="checkout"}` ||
				got[checkoutA].Severity != "critical" || got[checkoutA].Labels["pod"] != "checkout-7d9f8-abcde" {
				t.Fatalf("after %s: %+v", name, got[checkoutA])
			}
		case "004-webhook":
			p.wantAlerts(name, "alertmanager", map[string]alertState{
				checkoutA: {warroom.AlertFiring, 0}, checkoutB: {warroom.AlertFiring, 0}, payments: {warroom.AlertFiring, 0}})
		case "005-webhook":
			// The group still fires but carries one resolved alert; the
			// other is sent again unchanged: a counted duplicate.
			got := p.wantAlerts(name, "alertmanager", map[string]alertState{
				checkoutA: {warroom.AlertResolved, 0}, checkoutB: {warroom.AlertFiring, 1}, payments: {warroom.AlertFiring, 0}})
			if got[checkoutB].DuplicateReason == "" || got[checkoutA].EndsAt == nil {
				t.Fatalf("after %s: %+v / %+v", name, got[checkoutB], got[checkoutA])
			}
		case "006-pagerduty-v2":
			// Alertmanager re-triggers its group under the same dedup_key:
			// the same alert, updated.
			got := p.wantAlerts(name, "pagerduty", map[string]alertState{
				pdPay: {warroom.AlertFiring, 0}, pdCheckout: {warroom.AlertFiring, 0}})
			if !strings.HasPrefix(got[pdCheckout].Summary, "[FIRING:1]") || got[pdCheckout].GroupKey != pdCheckout {
				t.Fatalf("after %s: %+v", name, got[pdCheckout])
			}
		case "010-webhook":
			p.wantAlerts(name, "alertmanager", map[string]alertState{
				checkoutA: {warroom.AlertResolved, 0}, checkoutB: {warroom.AlertResolved, 1}, payments: {warroom.AlertResolved, 0}})
		}
	}
	p.wantAlerts("all", "pagerduty", map[string]alertState{pdPay: {warroom.AlertResolved, 0}, pdCheckout: {warroom.AlertResolved, 0}})
	if p.woken.get() == 0 {
		t.Error("the engine was never woken after a commit")
	}
}

// TestGoPagerDutyClient drives /v2/enqueue with PagerDuty's own Go
// client: trigger, acknowledge, resolve, and an invalid event.
func TestGoPagerDutyClient(t *testing.T) {
	p := newPagingEnv(t)
	client := pagerduty.NewClient("", pagerduty.WithV2EventsAPIEndpoint(p.srv.URL))
	ctx := context.Background()
	resp, err := client.ManageEventWithContext(ctx, &pagerduty.V2Event{RoutingKey: pdKey, Action: "trigger", DedupKey: "disk-db1",
		Payload: &pagerduty.V2Payload{Summary: "Disk 95% full on db1", Source: "db1", Severity: "error", Component: "postgres",
			Details: map[string]any{"used": 0.95}}})
	if err != nil {
		t.Fatalf("trigger: %v", err)
	}
	if want := (pagerduty.V2EventResponse{Status: "success", Message: "Event processed", DedupKey: "disk-db1"}); !reflect.DeepEqual(*resp, want) {
		t.Fatalf("trigger answer %+v", *resp)
	}
	a := p.alerts("")["pagerduty/disk-db1"]
	if a == nil || a.Status != warroom.AlertFiring || a.Severity != "error" || a.Labels["component"] != "postgres" || a.Labels["source"] != "db1" ||
		string(a.Details) != `{"used":0.95}` {
		t.Fatalf("after trigger: %+v", a)
	}
	for _, step := range []struct {
		action string
		want   warroom.AlertStatus
	}{{"acknowledge", warroom.AlertAcknowledged}, {"resolve", warroom.AlertResolved}} {
		if _, err := client.ManageEventWithContext(ctx, &pagerduty.V2Event{RoutingKey: pdKey, Action: step.action, DedupKey: "disk-db1"}); err != nil {
			t.Fatalf("%s: %v", step.action, err)
		}
		if a := p.alerts("")["pagerduty/disk-db1"]; a.Status != step.want || a.Summary != "Disk 95% full on db1" {
			t.Fatalf("after %s: %+v", step.action, a)
		}
	}

	client.SetDebugFlag(pagerduty.DebugCaptureLastResponse)
	_, err = client.ManageEventWithContext(ctx, &pagerduty.V2Event{RoutingKey: pdKey, Action: "trigger",
		Payload: &pagerduty.V2Payload{Summary: "no source", Severity: "bad"}})
	var apiErr pagerduty.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
		t.Fatalf("invalid event: %v, want a 400", err)
	}
	last, _ := client.LastAPIResponse()
	raw, _ := io.ReadAll(last.Body)
	var body pagerduty.EventsAPIV2ErrorObject
	want := pagerduty.EventsAPIV2ErrorObject{Status: "invalid event", Message: "Event object is invalid", Errors: []string{
		"'payload.source' is missing or blank",
		"'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')"}}
	if err := json.Unmarshal(raw, &body); err != nil || !reflect.DeepEqual(body, want) {
		t.Errorf("invalid event answer %s (%v)", raw, err)
	}
	if n := len(p.alerts("")); n != 1 {
		t.Errorf("%d alerts, want 1: an invalid event is not stored", n)
	}
}

// TestIntakeAuthentication: the key in the path, a bearer token or basic
// auth; an unknown key or one of another kind gets one answer whatever
// the key, revealing nothing.
func TestIntakeAuthentication(t *testing.T) {
	p := newPagingEnv(t)
	alert := `{"dedup_key":"k1","title":"Queue backlog","severity":"warning"}`
	for _, c := range []struct {
		name, path string
		headers    []string
	}{
		{"path", "/api/v1/integrations/webhook/" + genericKey, nil},
		{"bearer", "/api/v1/integrations/webhook/not-the-key", []string{"Authorization", "Bearer " + genericKey}},
		{"basic password", "/api/v1/integrations/webhook/x", []string{"Authorization", basicAuth("warroom", genericKey)}},
		{"basic user", "/api/v1/integrations/webhook/x", []string{"Authorization", basicAuth(genericKey, "")}},
	} {
		if r := p.post(c.path, alert, c.headers...); r.Status != 202 || !strings.Contains(string(r.Body), `"dedup_keys":["k1"]`) {
			t.Errorf("key by %s: %s", c.name, r)
		}
	}
	var first string
	for _, c := range []struct {
		name, path string
		headers    []string
	}{
		{"unknown key", "/api/v1/integrations/webhook/nope", nil},
		{"unknown bearer", "/api/v1/integrations/webhook/nope", []string{"Authorization", "Bearer also-nope"}},
		{"no key", "/api/v1/integrations/webhook/%20", nil},
		{"alertmanager key on the generic endpoint", "/api/v1/integrations/webhook/" + amKey, nil},
		{"pagerduty key on the generic endpoint", "/api/v1/integrations/webhook/x", []string{"Authorization", "Bearer " + pdKey}},
	} {
		r := p.post(c.path, alert, c.headers...)
		if r.Status != 401 {
			t.Fatalf("%s: %s", c.name, r)
		}
		if first == "" {
			first = string(r.Body)
		} else if string(r.Body) != first {
			t.Errorf("%s: answer %s differs from %s", c.name, r.Body, first)
		}
	}
	// The Alertmanager endpoint refuses the generic key the same way.
	am := p.post("/webhook/"+genericKey, `{"version":"4","alerts":[]}`)
	am2 := p.post("/webhook/unknown", `{"version":"4","alerts":[]}`)
	if am.Status != 401 || string(am.Body) != string(am2.Body) {
		t.Errorf("generic key on /webhook: %s vs %s", am, am2)
	}
	// PagerDuty: a key of another kind is an invalid routing key, exactly
	// as an unknown one, in PagerDuty's format.
	ev := func(key string) string {
		return `{"routing_key":"` + key + `","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info"}}`
	}
	const amKey32 = "abcdefabcdefabcdefabcdefabcdefab" // an Alertmanager key a PagerDuty sender could send
	if err := p.store.CreateIntegration(context.Background(), &warroom.Integration{ServiceID: p.service.ID,
		Kind: warroom.IntegrationAlertmanager, Name: "am32", CreatedAt: epoch}, warroom.HashTokenSecret(amKey32)); err != nil {
		t.Fatal(err)
	}
	unknown := p.post("/v2/enqueue", ev("ffffffffffffffffffffffffffffffff"))
	otherKind := p.post("/v2/enqueue", ev(amKey32))
	if unknown.Status != 400 || string(unknown.Body) != string(otherKind.Body) ||
		!strings.Contains(string(unknown.Body), `"errors":["Invalid routing key"]`) {
		t.Errorf("unknown routing key: %s / %s", unknown, otherKind)
	}
	if got := len(p.alerts("")); got != 1 {
		t.Errorf("%d alerts, want only k1", got)
	}
	logs := p.logs.String()
	if strings.Contains(logs, genericKey) || !strings.Contains(logs, `path=/api/v1/integrations/webhook/{key}`) {
		t.Errorf("the request log shows the key, or not the route:\n%s", logs)
	}
}

func basicAuth(user, pass string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, pass)
	return r.Header.Get("Authorization")
}

// TestIntakeBadInput: oversized bodies are refused with 413 and malformed
// ones with 400 naming the problem, in each sender's format, and none of
// it touches the alerts already accepted.
func TestIntakeBadInput(t *testing.T) {
	p := newPagingEnv(t)
	if r := p.replayFixture("001-webhook"); r.Status != 202 {
		t.Fatal(r)
	}
	if r := p.post("/api/v1/integrations/webhook/"+genericKey, `{"dedup_key":"g1","title":"Backlog"}`); r.Status != 202 {
		t.Fatal(r)
	}
	before := p.alerts("")
	big := `{"dedup_key":"big","title":"` + strings.Repeat("x", DefaultMaxBodyBytes) + `"}`
	for _, c := range []struct {
		name, path, body string
		headers          []string
		status           int
		contains         []string
	}{
		{"oversized webhook", "/api/v1/integrations/webhook/" + genericKey, big, nil, 413, []string{`"status":"error"`, "larger than the limit"}},
		{"oversized alertmanager", "/webhook/x", big, []string{"Authorization", "Bearer " + amKey}, 413, []string{"larger than the limit"}},
		{"oversized pagerduty", "/v2/enqueue", big, nil, 413, []string{`"status":"invalid event"`, "larger than the limit"}},
		{"malformed JSON", "/api/v1/integrations/webhook/" + genericKey, `{"dedup_key":`, nil, 400, []string{"invalid JSON"}},
		{"bad generic field", "/api/v1/integrations/webhook/" + genericKey, `[{"dedup_key":"a","title":"t"},{"dedup_key":"b","title":"t","status":"exploded"}]`,
			nil, 400, []string{`"field":"[1].status"`}},
		{"unknown generic field", "/api/v1/integrations/webhook/" + genericKey, `{"dedup_key":"a","titel":"t"}`, nil, 400, []string{`"field":"titel"`}},
		{"alertmanager version", "/api/v1/integrations/alertmanager/" + amKey, `{"version":"3","alerts":[]}`, nil, 400, []string{`"field":"version"`}},
		{"pagerduty missing fields", "/v2/enqueue", `{"routing_key":"` + pdKey + `","event_action":"trigger","payload":{"summary":"s"}}`, nil, 400,
			[]string{`"status":"invalid event"`, `'payload.source' is missing or blank`, `'payload.severity' is missing or blank`}},
		{"pagerduty not an object", "/v2/enqueue", `[1]`, nil, 400, []string{`"status":"Unrecognized object"`}},
	} {
		r := p.post(c.path, c.body, c.headers...)
		if r.Status != c.status {
			t.Fatalf("%s: %s", c.name, truncate(r))
		}
		for _, s := range c.contains {
			if !strings.Contains(string(r.Body), s) {
				t.Errorf("%s: answer %s lacks %s", c.name, truncate(r), s)
			}
		}
	}
	if after := p.alerts(""); !reflect.DeepEqual(after, before) {
		t.Errorf("alerts changed by refused requests:\n%v\n%v", keys(before), keys(after))
	}
}

func truncate(r resp) string {
	s := r.String()
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// failingAlerts is an alert store whose IngestAlerts fails.
type failingAlerts struct{ warroom.AlertStore }

func (failingAlerts) IngestAlerts(context.Context, []warroom.IngestRequest) ([][]warroom.IngestResult, error) {
	return nil, errors.New("disk I/O error")
}

// TestIntakeStoreDown: a delivery that cannot be committed answers 503,
// which senders retry, never 2xx; the engine is not woken.
func TestIntakeStoreDown(t *testing.T) {
	p := newPagingEnv(t)
	p.api.paging.alerts = failingAlerts{p.api.paging.alerts}
	r := p.post("/api/v1/integrations/webhook/"+genericKey, `{"dedup_key":"x","title":"t"}`)
	if r.Status != 503 || !strings.Contains(string(r.Body), "retry later") || strings.Contains(string(r.Body), "disk") {
		t.Errorf("generic: %s", r)
	}
	r = p.post("/v2/enqueue", `{"routing_key":"`+pdKey+`","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info"}}`)
	if r.Status != 503 || !strings.Contains(string(r.Body), "retry later") {
		t.Errorf("pagerduty: %s", r)
	}
	if p.woken.get() != 0 {
		t.Error("the engine was woken without a commit")
	}
}

// TestIntakeConcurrentDeliveries: concurrent senders share group
// commits, and each gets its own answer.
func TestIntakeConcurrentDeliveries(t *testing.T) {
	p := newPagingEnv(t)
	const n = 20
	errs := make(chan string, n)
	for i := range n {
		go func() {
			key := "c" + strings.Repeat("x", i)
			r := p.post("/api/v1/integrations/webhook/"+genericKey, `{"dedup_key":"`+key+`","title":"t"}`)
			if r.Status != 202 || !strings.Contains(string(r.Body), key) {
				errs <- r.String()
				return
			}
			errs <- ""
		}()
	}
	for range n {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
	if got := len(p.alerts("limit=100")); got != n {
		t.Errorf("%d alerts, want %d", got, n)
	}
}

// The SQL store brings its own group-commit writer.
var _ batchingAlertStore = (*sqlstore.Store)(nil)

// gatedAlerts holds IngestAlerts until released.
type gatedAlerts struct {
	warroom.AlertStore
	entered, release chan struct{}
}

func (g gatedAlerts) IngestAlerts(ctx context.Context, reqs []warroom.IngestRequest) ([][]warroom.IngestResult, error) {
	g.entered <- struct{}{}
	<-g.release
	return g.AlertStore.IngestAlerts(ctx, reqs)
}

// TestIntakeAnswersAfterCommit: the 2xx comes only once the store has
// committed the alert, so an answered alert survives the process being
// killed right after.
func TestIntakeAnswersAfterCommit(t *testing.T) {
	p := newPagingEnv(t)
	g := gatedAlerts{AlertStore: p.api.paging.alerts, entered: make(chan struct{}), release: make(chan struct{})}
	p.api.paging.alerts = g
	answered := make(chan resp, 1)
	go func() {
		answered <- p.post("/v2/enqueue", `{"routing_key":"`+pdKey+`","event_action":"trigger","dedup_key":"d1","payload":{"summary":"s","source":"h","severity":"info"}}`)
	}()
	<-g.entered
	select {
	case r := <-answered:
		t.Fatalf("answered before the commit: %s", r)
	case <-time.After(50 * time.Millisecond):
	}
	close(g.release)
	if r := <-answered; r.Status != 202 {
		t.Fatalf("%s", r)
	}
	if a := p.alerts("")["pagerduty/d1"]; a == nil {
		t.Fatal("answered 202 but the alert is not stored")
	}
}
