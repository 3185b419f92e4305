package httpapi

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warroom/warroom"
)

// TestIntegrationGivenKey: an admin may give the key of a new integration
// (the one its sender already uses) instead of having one generated. It is
// validated with precise messages, a key any integration already has is a
// conflict that names no service, and the given key then authenticates
// its sender like a generated one.
func TestIntegrationGivenKey(t *testing.T) {
	p := newPagingEnv(t)
	base := "/api/v1/services/checkout/integrations"
	create := func(kind, key string) resp {
		t.Helper()
		return p.do("root", "POST", base, map[string]string{"kind": kind, "key": key})
	}
	for _, c := range []struct{ kind, key, msg string }{
		{"webhook", "", "key is empty: give the key the sender uses, or omit key to have one generated"},
		{"webhook", strings.Repeat("k", 19), "key must be 20 to 128 characters; this one has 19"},
		{"alertmanager", strings.Repeat("k", 129), "key must be 20 to 128 characters; this one has 129"},
		{"webhook", "team key with spaces 2024", `key may contain only letters A-Z and a-z, digits, '-' and '_'; ' ' at position 5 is not allowed`},
		{"alertmanager", "clé-de-l-intégration-1", `key may contain only letters A-Z and a-z, digits, '-' and '_'; 'é' at position 3 is not allowed`},
		{"alertmanager", "a/b-segment-of-the-url", `key may contain only letters A-Z and a-z, digits, '-' and '_'; '/' at position 2 is not allowed`},
		{"pagerduty", strings.Repeat("a", 31), "the key of a pagerduty integration is its routing key, which is exactly 32 characters; this one has 31"},
		{"pagerduty", strings.Repeat("a", 33), "the key of a pagerduty integration is its routing key, which is exactly 32 characters; this one has 33"},
	} {
		wantMsg(t, wantErr(t, create(c.kind, c.key), http.StatusBadRequest, warroom.EInvalid, "key"), c.msg)
	}
	// Only admins, and the kind is checked first.
	wantErr(t, p.do("ada", "POST", base, map[string]string{"kind": "webhook", "key": strings.Repeat("k", 20)}), 403, warroom.EForbidden, "")
	wantErr(t, create("nagios", strings.Repeat("k", 20)), 400, warroom.EInvalid, "kind")

	// Accepted: the bounds, both cases, '-' and '_'; a PagerDuty ruleset
	// routing key (R0…, mixed case) as well as a service one (hex).
	const (
		amGiven = "Prod_EU-1_alertmanager" // 22 characters
		hookMin = "abcdefghij0123456789"   // 20
		pdGiven = "R0ABCDEFGHIJKLMNOPQRSTUVWXYZ0123"
	)
	hookMax := strings.Repeat("Zz_-", 32) // 128
	for _, c := range []struct{ kind, key, url string }{
		{"alertmanager", amGiven, p.srv.URL + "/webhook/" + amGiven},
		{"webhook", hookMin, p.srv.URL + "/api/v1/integrations/webhook/" + hookMin},
		{"webhook", hookMax, p.srv.URL + "/api/v1/integrations/webhook/" + hookMax},
		{"pagerduty", pdGiven, p.srv.URL + "/v2/enqueue"},
	} {
		got := ok[newIntegration](t, create(c.kind, c.key), http.StatusCreated)
		if got.Key != c.key || got.URL != c.url || string(got.Integration.Kind) != c.kind || got.Integration.Name != c.kind {
			t.Fatalf("created with key %q: %+v", c.key, got)
		}
	}
	list := ok[integrationList](t, p.do("vic", "GET", base, nil), 200)
	if len(list.Integrations) != 7 || strings.Contains(mustJSON(t, list), amGiven) || strings.Contains(mustJSON(t, list), pdGiven) {
		t.Fatalf("list (a key must never be listed): %+v", list)
	}

	// A key already used by any integration, of any kind or service,
	// including a generated one: 409, saying nothing of whose it is.
	ok[warroom.Service](t, p.do("root", "POST", "/api/v1/services", map[string]string{"slug": "payments", "name": "Payments"}), 201)
	generated := ok[newIntegration](t, p.do("root", "POST", base, map[string]string{"kind": "webhook"}), 201)
	for _, c := range []struct{ service, kind, key string }{
		{"payments", "pagerduty", pdKey}, // the env's own PagerDuty integration of checkout
		{"payments", "alertmanager", amGiven},
		{"checkout", "webhook", amGiven},
		{"payments", "webhook", generated.Key},
	} {
		msg := wantErr(t, p.do("root", "POST", "/api/v1/services/"+c.service+"/integrations",
			map[string]string{"kind": c.kind, "key": c.key}), http.StatusConflict, warroom.EConflict, "key")
		wantMsg(t, msg, "an integration with this key exists")
	}
	if n := len(ok[integrationList](t, p.do("vic", "GET", "/api/v1/services/payments/integrations", nil), 200).Integrations); n != 0 {
		t.Fatalf("payments has %d integrations after the conflicts, want 0", n)
	}

	// The given keys authenticate their senders.
	am, err := os.ReadFile(filepath.Join(fixtureDir, "004-webhook.json"))
	if err != nil {
		t.Fatal(err)
	}
	if r := p.post("/webhook/"+amGiven, string(am)); r.Status != http.StatusAccepted {
		t.Fatalf("Alertmanager with the given key in the URL: %s", r)
	}
	if r := p.post("/api/v1/integrations/webhook/"+hookMax, `{"dedup_key":"disk","title":"Disk full","severity":"warning"}`); r.Status != http.StatusAccepted {
		t.Fatalf("generic webhook with the given key: %s", r)
	}
	ev := `{"routing_key":"` + pdGiven + `","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info"}}`
	if r := p.post("/v2/enqueue", ev); r.Status != http.StatusAccepted {
		t.Fatalf("PagerDuty event with the given routing key: %s", r)
	}
	// A key of another kind is unknown to that endpoint.
	if r := p.post("/webhook/"+hookMin, string(am)); r.Status != http.StatusUnauthorized {
		t.Fatalf("a webhook key at the Alertmanager endpoint: %s", r)
	}
}
