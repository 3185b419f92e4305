package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// statusSamples makes what the status page's GET routes name.
func statusSamples(t *testing.T, e *env) map[string]string {
	t.Helper()
	if r := e.do("root", "POST", "/api/v1/status/components", map[string]any{"name": "API"}); r.Status != http.StatusCreated && r.Status != http.StatusBadRequest {
		t.Fatalf("create component: %s", r)
	}
	return map[string]string{"component": "api"}
}

// TestStatusPageAPI: components (admins only), a status set by hand with
// its reason and kept in the history, an incident made public (viewers
// refused before anything is written, a private incident refused),
// maintenance scheduled and cancelled, webhook subscribers added through
// the outbound policy and removed.
func TestStatusPageAPI(t *testing.T) {
	e := newEnv(t, nil)
	ok[warroom.Service](t, e.do("root", "POST", "/api/v1/services", map[string]string{"slug": "checkout", "name": "Checkout"}), 201)
	if r := e.do("ada", "POST", "/api/v1/status/components", map[string]any{"name": "Checkout"}); r.Status != http.StatusForbidden {
		t.Errorf("responder created a component: %s", r)
	}
	if r := e.do("root", "POST", "/api/v1/status/components", map[string]any{"name": "Checkout", "services": []string{"nope"}}); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "unknown service") {
		t.Errorf("unknown service: %s", r)
	}
	c := ok[warroom.StatusComponent](t, e.do("root", "POST", "/api/v1/status/components",
		map[string]any{"name": "Checkout", "group": "Shop", "services": []string{"checkout"}}), http.StatusCreated)
	if len(c.ServiceIDs) != 1 {
		t.Errorf("component %+v", c)
	}
	if r := e.do("vic", "POST", "/api/v1/status/components/checkout/status", map[string]any{"status": "major_outage", "reason": "x"}); r.Status != http.StatusForbidden {
		t.Errorf("viewer set a status: %s", r)
	}
	if r := e.do("ada", "POST", "/api/v1/status/components/checkout/status", map[string]any{"status": "major_outage"}); r.Status != http.StatusBadRequest {
		t.Errorf("no reason: %s", r)
	}
	ok[warroom.StatusComponent](t, e.do("ada", "POST", "/api/v1/status/components/checkout/status",
		map[string]any{"status": "degraded_performance", "reason": "payment provider slow"}), http.StatusOK)
	h := ok[struct{ Changes []warroom.ComponentChange }](t, e.do("vic", "GET", "/api/v1/status/components/checkout/history", nil), http.StatusOK)
	if len(h.Changes) != 1 || h.Changes[0].Reason != "payment provider slow" {
		t.Errorf("history %+v", h)
	}

	inc := e.declare("ada", "db down", false)
	path := "/api/v1/incidents/" + inc.Ref + "/public"
	if r := e.do("vic", "POST", path, map[string]any{"title": "Checkout errors"}); r.Status != http.StatusForbidden {
		t.Errorf("viewer made an incident public: %s", r)
	}
	if r := e.do("ada", "POST", path, map[string]any{"title": ""}); r.Status != http.StatusBadRequest {
		t.Errorf("no title: %s", r)
	}
	p := ok[warroom.PublicIncident](t, e.do("ada", "POST", path, map[string]any{"title": "Checkout errors"}), http.StatusCreated)
	if p.Title != "Checkout errors" || p.Slug == "" || p.Impact != warroom.StatusDegraded {
		t.Errorf("public %+v", p)
	}
	priv := e.declare("ada", "secret", true)
	if r := e.do("ada", "POST", "/api/v1/incidents/"+priv.Ref+"/public", map[string]any{"title": "x"}); r.Status != http.StatusConflict {
		t.Errorf("private made public: %s", r)
	}
	if r := e.do("bob", "POST", "/api/v1/incidents/"+priv.Ref+"/public", map[string]any{"title": "x"}); r.Status != http.StatusNotFound {
		t.Errorf("outsider of a private incident: %s", r)
	}

	start := e.clock.Now().Add(time.Hour)
	if r := e.do("ada", "POST", "/api/v1/status/maintenance", map[string]any{"title": "DB upgrade", "components": []string{"nope"},
		"starts_at": start, "ends_at": start.Add(time.Hour)}); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "unknown component") {
		t.Errorf("unknown component: %s", r)
	}
	m := ok[warroom.Maintenance](t, e.do("ada", "POST", "/api/v1/status/maintenance", map[string]any{"title": "DB upgrade",
		"components": []string{"Checkout"}, "starts_at": start, "ends_at": start.Add(time.Hour)}), http.StatusCreated)
	ok[warroom.MaintenanceUpdate](t, e.do("ada", "POST", "/api/v1/status/maintenance/"+m.ID+"/updates", map[string]any{"body": "on time"}), http.StatusCreated)
	if r := e.do("ada", "POST", "/api/v1/status/maintenance/"+m.ID+"/cancel", nil); r.Status != http.StatusNoContent {
		t.Errorf("cancel: %s", r)
	}
	if r := e.do("ada", "POST", "/api/v1/status/maintenance/"+m.ID+"/cancel", nil); r.Status != http.StatusConflict {
		t.Errorf("second cancel: %s", r)
	}
	list := ok[struct{ Maintenance []warroom.Maintenance }](t, e.do("vic", "GET", "/api/v1/status/maintenance", nil), http.StatusOK)
	if len(list.Maintenance) != 1 || list.Maintenance[0].CancelledAt == nil || len(list.Maintenance[0].Updates) != 1 {
		t.Errorf("maintenance %+v", list)
	}

	// The outbound policy refuses internal addresses before anything is stored.
	if r := e.do("root", "POST", "/api/v1/status/subscribers", map[string]any{"url": "http://127.0.0.1:9/hook"}); r.Status != http.StatusBadRequest {
		t.Errorf("loopback webhook: %s", r)
	}
	if r := e.do("ada", "GET", "/api/v1/status/subscribers", nil); r.Status != http.StatusForbidden {
		t.Errorf("responder listed subscribers: %s", r)
	}
	w := ok[map[string]any](t, e.do("root", "POST", "/api/v1/status/subscribers", map[string]any{"url": "https://hooks.example.com/status"}), http.StatusCreated)
	if w["secret"] == "" || w["id"] == "" {
		t.Errorf("webhook %+v", w)
	}
	subs := ok[struct{ Subscribers []map[string]any }](t, e.do("root", "GET", "/api/v1/status/subscribers", nil), http.StatusOK)
	if len(subs.Subscribers) != 1 || subs.Subscribers[0]["secret"] != nil {
		t.Errorf("subscribers %+v (the secret is shown once only)", subs)
	}
	if r := e.do("root", "DELETE", "/api/v1/status/subscribers/"+w["id"].(string), nil); r.Status != http.StatusNoContent {
		t.Errorf("remove: %s", r)
	}
	if r := e.do("root", "DELETE", "/api/v1/status/components/checkout", nil); r.Status != http.StatusNoContent {
		t.Errorf("delete component: %s", r)
	}
}

// TestMaintenanceRequestsReplayWithTheirKey: a retried maintenance
// window, update or cancel with its Idempotency-Key answers the first
// answer: one window, subscribers told once, and no 409 for the cancel
// that worked.
func TestMaintenanceRequestsReplayWithTheirKey(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		e := newEnvOn(t, storeDSN(t, db), nil)
		ok[warroom.StatusComponent](t, e.do("root", "POST", "/api/v1/status/components", map[string]any{"name": "Checkout"}), http.StatusCreated)
		start := e.clock.Now().Add(time.Hour)
		window := map[string]any{"title": "DB upgrade", "components": []string{"Checkout"}, "starts_at": start, "ends_at": start.Add(time.Hour)}
		m := ok[warroom.Maintenance](t, e.do("ada", "POST", "/api/v1/status/maintenance", window, "Idempotency-Key", "m1"), http.StatusCreated)
		again := e.do("ada", "POST", "/api/v1/status/maintenance", window, "Idempotency-Key", "m1")
		if m2 := ok[warroom.Maintenance](t, again, http.StatusCreated); m2.ID != m.ID || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retried window: %s", again)
		}
		updates := "/api/v1/status/maintenance/" + m.ID + "/updates"
		u := ok[warroom.MaintenanceUpdate](t, e.do("ada", "POST", updates, map[string]any{"body": "on time"}, "Idempotency-Key", "u1"), http.StatusCreated)
		if u2 := ok[warroom.MaintenanceUpdate](t, e.do("ada", "POST", updates, map[string]any{"body": "on time"}, "Idempotency-Key", "u1"), http.StatusCreated); u2.ID != u.ID {
			t.Fatalf("retried update made another: %+v", u2)
		}
		cancel := "/api/v1/status/maintenance/" + m.ID + "/cancel"
		for range 2 {
			if r := e.do("ada", "POST", cancel, nil, "Idempotency-Key", "c1"); r.Status != http.StatusNoContent {
				t.Fatalf("cancel with its key: %s", r)
			}
		}
		if r := e.do("ada", "POST", cancel, nil, "Idempotency-Key", "c2"); r.Status != http.StatusConflict {
			t.Fatalf("another cancel: %s", r)
		}
		list := ok[struct{ Maintenance []warroom.Maintenance }](t, e.do("vic", "GET", "/api/v1/status/maintenance", nil), http.StatusOK)
		if len(list.Maintenance) != 1 || len(list.Maintenance[0].Updates) != 1 || list.Maintenance[0].CancelledAt == nil {
			t.Fatalf("after retries: %+v", list)
		}
	})
}
