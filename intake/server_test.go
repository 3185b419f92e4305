package intake

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"
)

// memStore stands in for the durable store: alerts by (integration, source,
// dedup key), merged the way Alert's documentation asks.
type memStore struct {
	mu           sync.Mutex
	integrations map[string]string // integration key -> integration
	alerts       map[string]*stored
}

type stored struct {
	Alert
	State    string // triggered, acknowledged, resolved
	Triggers int
}

func newMemStore(keys ...string) *memStore {
	s := &memStore{integrations: map[string]string{}, alerts: map[string]*stored{}}
	for i, k := range keys {
		s.integrations[k] = "integration-" + strconv.Itoa(i)
	}
	return s
}

// integration returns the first candidate key's integration.
func (s *memStore) integration(candidates ...string) (string, error) {
	for _, k := range candidates {
		if id, ok := s.integrations[k]; ok {
			return id, nil
		}
	}
	return "", ErrUnknownIntegration
}

func (s *memStore) ingest(integration string, alerts ...Alert) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range alerts {
		id := integration + "/" + a.Source + "/" + a.DedupKey
		st, ok := s.alerts[id]
		if !ok {
			st = &stored{Alert: a}
			s.alerts[id] = st
		}
		// Empty means "not said": keep what is known.
		if a.Summary != "" {
			st.Summary = a.Summary
		}
		if a.Severity != "" {
			st.Severity = a.Severity
		}
		if len(a.Details) > 0 {
			st.Details = a.Details
		}
		if !a.StartsAt.IsZero() && st.StartsAt.IsZero() {
			st.StartsAt = a.StartsAt
		}
		switch a.Action {
		case ActionTrigger:
			st.State, st.EndsAt = "triggered", time.Time{}
			st.Triggers++
		case ActionAcknowledge:
			st.State = "acknowledged"
		case ActionResolve:
			st.State, st.EndsAt = "resolved", a.EndsAt
		}
	}
}

// snapshot lists "source/dedupKey=state" sorted.
func (s *memStore) snapshot() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, st := range s.alerts {
		out = append(out, st.Source+"/"+st.DedupKey+"="+st.State)
	}
	sort.Strings(out)
	return out
}

func (s *memStore) get(source, dedupKey string) *stored {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.alerts {
		if st.Source == source && st.DedupKey == dedupKey {
			c := *st
			return &c
		}
	}
	return nil
}

// testHandler is the minimal handler the lead's HTTP package would write
// from the building blocks.
func testHandler(store *memStore, now func() time.Time, newKey func() string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/enqueue", func(w http.ResponseWriter, r *http.Request) {
		body, err := ReadBody(w, r, 0)
		if err != nil {
			WritePagerDuty(w, "", err)
			return
		}
		a, perr := ParsePagerDuty(body, now(), newKey)
		if perr != nil {
			WritePagerDuty(w, "", perr)
			return
		}
		integration, err := store.integration(a.RoutingKey)
		if err != nil {
			WritePagerDuty(w, "", err)
			return
		}
		store.ingest(integration, a)
		WritePagerDuty(w, a.DedupKey, nil)
	})
	webhook := func(parse func([]byte, time.Time) ([]Alert, error)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			integration, err := store.integration(IntegrationKeys(r, r.PathValue("key"))...)
			if err != nil {
				WriteWebhook(w, nil, err)
				return
			}
			body, err := ReadBody(w, r, 0)
			if err != nil {
				WriteWebhook(w, nil, err)
				return
			}
			alerts, err := parse(body, now())
			if err != nil {
				WriteWebhook(w, nil, err)
				return
			}
			store.ingest(integration, alerts...)
			WriteWebhook(w, alerts, nil)
		}
	}
	mux.HandleFunc("POST /webhook/{key}", webhook(ParseAlertmanager))
	mux.HandleFunc("POST /generic/{key}", webhook(ParseGeneric))
	return mux
}

func counter() func() string {
	n := 0
	return func() string { n++; return "generated-" + strconv.Itoa(n) }
}

// TestGoPagerDutyClient drives the PagerDuty endpoint with PagerDuty's own
// Go client, v2 events, pointed at the test server.
func TestGoPagerDutyClient(t *testing.T) {
	store := newMemStore(routingKey)
	srv := httptest.NewServer(testHandler(store, func() time.Time { return testNow }, counter()))
	defer srv.Close()
	client := pagerduty.NewClient("", pagerduty.WithV2EventsAPIEndpoint(srv.URL))
	client.SetDebugFlag(pagerduty.DebugCaptureLastResponse)
	ctx := context.Background()

	trigger := &pagerduty.V2Event{
		RoutingKey: routingKey,
		Action:     "trigger",
		Client:     "go-pagerduty test",
		Links:      []any{map[string]string{"href": "https://grafana.example.com/d/1", "text": "Dashboard"}},
		Payload: &pagerduty.V2Payload{
			Summary:  "Checkout 5xx rate above 5%",
			Source:   "checkout.prod",
			Severity: "critical",
			Details:  map[string]any{"error_rate": 0.07},
		},
	}
	resp, err := client.ManageEventWithContext(ctx, trigger)
	if err != nil {
		t.Fatalf("trigger: %v", err)
	}
	if want := (pagerduty.V2EventResponse{Status: "success", Message: "Event processed", DedupKey: "generated-1"}); !reflect.DeepEqual(*resp, want) {
		t.Fatalf("trigger response %+v, want %+v", *resp, want)
	}
	got := store.get(SourcePagerDuty, "generated-1")
	if got == nil || got.State != "triggered" || got.Summary != "Checkout 5xx rate above 5%" || got.Severity != SeverityCritical ||
		string(got.Details) != `{"error_rate":0.07}` || !reflect.DeepEqual(got.Links, []Link{{Href: "https://grafana.example.com/d/1", Text: "Dashboard"}}) {
		t.Fatalf("stored after trigger: %+v", got)
	}

	for _, action := range []string{"acknowledge", "resolve"} {
		resp, err := client.ManageEventWithContext(ctx, &pagerduty.V2Event{RoutingKey: routingKey, Action: action, DedupKey: "generated-1"})
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		if resp.Status != "success" || resp.DedupKey != "generated-1" {
			t.Errorf("%s response %+v", action, resp)
		}
	}
	if got := store.get(SourcePagerDuty, "generated-1"); got.State != "resolved" || got.Summary != "Checkout 5xx rate above 5%" || !got.EndsAt.Equal(testNow) {
		t.Errorf("after acknowledge and resolve: %s %q ends %v", got.State, got.Summary, got.EndsAt)
	}

	invalid := []struct {
		name  string
		event *pagerduty.V2Event
		want  pagerduty.EventsAPIV2ErrorObject
	}{
		{"no source", &pagerduty.V2Event{RoutingKey: routingKey, Action: "trigger", Payload: &pagerduty.V2Payload{Summary: "s", Severity: "critical"}},
			pagerduty.EventsAPIV2ErrorObject{Status: "invalid event", Message: "Event object is invalid", Errors: []string{"'payload.source' is missing or blank"}}},
		{"resolve without dedup key", &pagerduty.V2Event{RoutingKey: routingKey, Action: "resolve"},
			pagerduty.EventsAPIV2ErrorObject{Status: "invalid event", Message: "Event object is invalid", Errors: []string{"'dedup_key' is missing or blank (required for acknowledge and resolve events)"}}},
		{"unknown routing key", &pagerduty.V2Event{RoutingKey: "ffffffffffffffffffffffffffffffff", Action: "resolve", DedupKey: "generated-1"},
			pagerduty.EventsAPIV2ErrorObject{Status: "invalid event", Message: "Event object is invalid", Errors: []string{"Invalid routing key"}}},
	}
	for _, tt := range invalid {
		resp, err := client.ManageEventWithContext(ctx, tt.event)
		var apiErr pagerduty.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: response %+v, error %v, want a 400 APIError", tt.name, resp, err)
		}
		last, ok := client.LastAPIResponse()
		if !ok {
			t.Fatalf("%s: no response captured", tt.name)
		}
		raw, _ := io.ReadAll(last.Body)
		var body pagerduty.EventsAPIV2ErrorObject
		if err := json.Unmarshal(raw, &body); err != nil || !reflect.DeepEqual(body, tt.want) {
			t.Errorf("%s: body %s (%v), want %+v", tt.name, raw, err, tt.want)
		}
	}
	if n := len(store.snapshot()); n != 1 {
		t.Errorf("store holds %d alerts, want 1: invalid events must not be stored", n)
	}
}

// TestAlertmanagerFixtureReplay posts every captured request, in the order
// Alertmanager sent them, and checks what the store ends up with.
func TestAlertmanagerFixtureReplay(t *testing.T) {
	store := newMemStore("example-integration-key", routingKey)
	srv := httptest.NewServer(testHandler(store, func() time.Time { return testNow }, func() string {
		t.Error("Alertmanager sends dedup keys: none should be generated")
		return "x"
	}))
	defer srv.Close()

	names := append(fixtureBodies(t, "webhook"), fixtureBodies(t, "pagerduty-v2")...)
	sort.Strings(names)
	wantAfter := map[string][]string{
		"001-webhook.json": {"alertmanager/" + fpCheckoutB + "=triggered", "alertmanager/" + fpCheckoutA + "=triggered"},
		"003-pagerduty-v2.json": {
			"alertmanager/" + fpCheckoutB + "=triggered", "alertmanager/" + fpCheckoutA + "=triggered",
			"pagerduty/" + pdCheckoutKey + "=triggered", "pagerduty/" + pdPaymentsKey + "=triggered"},
		"005-webhook.json": {
			"alertmanager/" + fpPayments + "=triggered", "alertmanager/" + fpCheckoutB + "=triggered", "alertmanager/" + fpCheckoutA + "=resolved",
			"pagerduty/" + pdCheckoutKey + "=triggered", "pagerduty/" + pdPaymentsKey + "=triggered"},
		"010-webhook.json": {
			"alertmanager/" + fpPayments + "=resolved", "alertmanager/" + fpCheckoutB + "=resolved", "alertmanager/" + fpCheckoutA + "=resolved",
			"pagerduty/" + pdCheckoutKey + "=resolved", "pagerduty/" + pdPaymentsKey + "=resolved"},
	}
	for _, name := range names {
		resp, err := srv.Client().Do(fixtureRequest(t, name, srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("%s: %d %s", name, resp.StatusCode, body)
		}
		if want, ok := wantAfter[name]; ok {
			if got := store.snapshot(); !reflect.DeepEqual(got, want) {
				t.Errorf("after %s:\n got %v\nwant %v", name, got, want)
			}
		}
	}
	// The checkout group was triggered twice (003, 006) under one dedup_key:
	// one alert updated, not two.
	if pd := store.get(SourcePagerDuty, pdCheckoutKey); pd.Triggers != 2 || pd.Summary != "[RESOLVED] CheckoutHighErrorRate checkout (prod-eu-1 shop critical)" {
		t.Errorf("PagerDuty checkout group: %d triggers, summary %q", pd.Triggers, pd.Summary)
	}
	// Both checkout alerts share a summary and stay two alerts.
	a, b := store.get(SourceAlertmanager, fpCheckoutA), store.get(SourceAlertmanager, fpCheckoutB)
	if a.Summary != b.Summary || !a.EndsAt.Equal(mustTime(t, "2026-11-22T00:09:11Z")) || !b.EndsAt.Equal(mustTime(t, "2026-11-22T00:09:11Z")) {
		t.Errorf("checkout alerts: %q ends %v, %q ends %v", a.Summary, a.EndsAt, b.Summary, b.EndsAt)
	}
}

func TestWebhookIntegrationKeyCandidates(t *testing.T) {
	post := func(store *memStore) (int, string) {
		srv := httptest.NewServer(testHandler(store, func() time.Time { return testNow }, counter()))
		defer srv.Close()
		resp, err := srv.Client().Do(fixtureRequest(t, "004-webhook.json", srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	wantOK := `{"status":"success","message":"Alerts processed","dedup_keys":["` + fpPayments + `"]}` + "\n"
	if code, body := post(newMemStore("example-integration-key")); code != 202 || body != wantOK {
		t.Errorf("bearer key known: %d %s", code, body)
	}
	if code, body := post(newMemStore("warroom-integration-key")); code != 202 || body != wantOK {
		t.Errorf("only the path key known: %d %s", code, body)
	}
	if code, body := post(newMemStore("another-key")); code != 401 || body != `{"status":"error","message":"no integration matches the integration key"}`+"\n" {
		t.Errorf("no key known: %d %s", code, body)
	}
}

func TestGenericWebhookOverHTTP(t *testing.T) {
	store := newMemStore("generic-key")
	srv := httptest.NewServer(testHandler(store, func() time.Time { return testNow }, counter()))
	defer srv.Close()
	post := func(body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/generic/generic-key", strings.NewReader(body))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	derived := Fingerprint(map[string]string{"queue": "emails"})
	if code, body := post(`[{"dedup_key":"disk","title":"Disk full","severity":"critical"},{"title":"Backlog","labels":{"queue":"emails"}}]`); code != 202 ||
		body != `{"status":"success","message":"Alerts processed","dedup_keys":["disk","`+derived+`"]}`+"\n" {
		t.Errorf("batch: %d %s", code, body)
	}
	if code, body := post(`{"dedup_key":"disk","status":"resolved"}`); code != 202 {
		t.Errorf("resolve: %d %s", code, body)
	}
	if got := store.get(SourceWebhook, "disk"); got.State != "resolved" || got.Summary != "Disk full" || got.Severity != SeverityCritical {
		t.Errorf("disk: %+v", got)
	}
	if code, body := post(`{"dedup_key":"disk","title":"t","severity":"sev1"}`); code != 400 ||
		body != `{"status":"error","message":"\"sev1\" is not a severity: want critical, error, warning or info","field":"severity"}`+"\n" {
		t.Errorf("invalid: %d %s", code, body)
	}
	big := `{"dedup_key":"k","title":"t","details":"` + strings.Repeat("a", DefaultMaxBodyBytes) + `"}`
	if code, body := post(big); code != 413 || body != `{"status":"error","message":"request body is larger than the limit of 1048576 bytes"}`+"\n" {
		t.Errorf("oversized: %d %s", code, body)
	}
}

func TestPagerDutyOversizedBody(t *testing.T) {
	srv := httptest.NewServer(testHandler(newMemStore(routingKey), func() time.Time { return testNow }, counter()))
	defer srv.Close()
	body := `{"routing_key":"` + routingKey + `","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info","custom_details":"` +
		strings.Repeat("a", DefaultMaxBodyBytes) + `"}}`
	resp, err := srv.Client().Post(srv.URL+"/v2/enqueue", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	want := `{"status":"invalid event","message":"Event object is invalid","errors":["request body is larger than the limit of 1048576 bytes"]}` + "\n"
	if resp.StatusCode != http.StatusRequestEntityTooLarge || string(b) != want {
		t.Errorf("got %d %s", resp.StatusCode, b)
	}
}
