package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestSchedulePages: the overview says who is on call now; a schedule's
// page shows its 14 days (with the DST change of the end of March), and
// an admin creates an override there, which then decides who is on call;
// a bad one is named next to its field; a responder sees no form and is
// refused.
func TestSchedulePages(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		p := newPagesEnv(t, db)
		// Monday Mar 23 2026 08:00 UTC = 09:00 CET: ada's shift starts.
		p.clock.Set(time.Date(2026, 3, 23, 8, 30, 0, 0, time.UTC))
		root, _ := p.signedIn("root", warroom.AccountAdmin)
		ada, adaU := p.signedIn("ada", warroom.AccountResponder)
		bobU := p.user("bob", warroom.AccountResponder, "")
		carol := p.user("carol", warroom.AccountResponder, "")
		sc := p.schedule("primary", adaU, bobU)

		resp, body := ada.get("/oncall")
		want(t, "overview", resp, body, 200, `href="/oncall/schedules/`+sc.ID+`">primary</a>`, "<strong>Ada</strong>")
		resp, body = ada.get("/oncall/schedules/" + sc.ID)
		want(t, "schedule", resp, body, 200, "On call now:", "<strong>Ada</strong>",
			"Sun Mar 29: clocks go forward 1h (CET to CEST)", // DST, visible
			"Sat Mar 28 09:00 CET</td><td>Sun Mar 29 09:00 CEST</td>\n    <td>23h</td>",
			`aria-label="Final rotation:`)
		wantNot(t, "responder's schedule page", body, "Create an override", `name="start"`)
		resp, _ = ada.post("/oncall/schedules/"+sc.ID+"/overrides", url.Values{"user": {"carol"}, "start": {"2026-03-23T10:00"}, "end": {"2026-03-23T12:00"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("responder creating an override: %d", resp.StatusCode)
		}

		resp, body = root.get("/oncall/schedules/" + sc.ID)
		want(t, "admin's schedule page", resp, body, 200, "Create an override", `<label for="ov-start">From</label>`, `value="2026-03-23T10:00"`)
		resp, body = root.post("/oncall/schedules/"+sc.ID+"/overrides", url.Values{"user": {"carol"}, "start": {"2026-03-23T12:00"}, "end": {"2026-03-23T10:00"}})
		want(t, "end before start", resp, body, 400, `id="ov-end-error"`, "is not after start", `value="2026-03-23T12:00"`)
		resp, body = root.post("/oncall/schedules/"+sc.ID+"/overrides", url.Values{"user": {""}, "start": {"2026-03-23T10:00"}, "end": {"2026-03-23T12:00"}})
		want(t, "nobody", resp, body, 400, `id="ov-user-error"`)
		resp, body = root.post("/oncall/schedules/"+sc.ID+"/overrides", url.Values{"user": {"carol"}, "start": {"tomorrow"}, "end": {"2026-03-23T12:00"}})
		want(t, "bad start", resp, body, 400, `id="ov-start-error"`)

		resp, _ = root.post("/oncall/schedules/"+sc.ID+"/overrides", url.Values{"user": {"carol"}, "replaces": {"ada"},
			"start": {"2026-03-23T09:00"}, "end": {"2026-03-23T12:00"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("override: %d", resp.StatusCode)
		}
		resp, body = root.get(resp.Header.Get("Location"))
		want(t, "after the override", resp, body, 200, "@carol is on call from Mon Mar 23 09:00 CET to Mon Mar 23 12:00 CET.",
			"On call now:\n  <strong>Carol</strong>", ">Overrides</div>")
		stored, err := p.store.FindSchedule(context.Background(), sc.ID)
		if err != nil || len(stored.Overrides) != 1 || stored.Overrides[0].UserID != carol.ID || stored.Overrides[0].Replaces != adaU.ID ||
			!stored.Overrides[0].Start.Equal(time.Date(2026, 3, 23, 8, 0, 0, 0, time.UTC)) {
			t.Fatalf("stored %+v, %v", stored.Overrides, err)
		}
		if ids, _ := stored.OnCallAt(p.clock.Now()); len(ids) != 1 || ids[0] != carol.ID {
			t.Fatalf("on call now: %v, want carol", ids)
		}
	})
}

// TestOverrideAcrossFallBack: an override form's wall-clock times are
// resolved by the schedule's DST rules: in the hour that occurs twice, a
// start is its first occurrence and an end its last.
func TestOverrideAcrossFallBack(t *testing.T) {
	p := newPagesEnv(t, "sqlite")
	p.clock.Set(time.Date(2026, 10, 20, 8, 0, 0, 0, time.UTC))
	root, _ := p.signedIn("root", warroom.AccountAdmin)
	adaU := p.user("ada", warroom.AccountResponder, "")
	sc := p.schedule("primary", adaU)
	resp, body := root.post("/oncall/schedules/"+sc.ID+"/overrides", url.Values{"user": {"root"},
		"start": {"2026-10-25T02:30"}, "end": {"2026-10-25T02:45"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("override: %d %s", resp.StatusCode, body)
	}
	stored, _ := p.store.FindSchedule(context.Background(), sc.ID)
	o := stored.Overrides[0]
	if got := o.End.Sub(o.Start); got != 75*time.Minute {
		t.Fatalf("02:30 to 02:45 on fall-back day lasts %v, want 1h15m (first 02:30 to last 02:45)", got)
	}
}

// TestPolicyAndServicePages: policies name their targets and services;
// services list their integrations; an admin creates one and sees its
// key once, with a working Alertmanager receiver; a responder sees no
// controls and is refused.
func TestPolicyAndServicePages(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		p := newPagesEnv(t, db)
		root, _ := p.signedIn("root", warroom.AccountAdmin)
		ada, adaU := p.signedIn("ada", warroom.AccountResponder)
		sc := p.schedule("primary", adaU)
		ctx := context.Background()
		pol := &warroom.EscalationPolicy{Name: "checkout-oncall", Repeat: 1, Steps: []warroom.EscalationStep{
			{Targets: []warroom.Target{{Type: warroom.TargetSchedule, ID: sc.ID}}, Delay: warroom.Duration(5 * time.Minute)},
			{Targets: []warroom.Target{{Type: warroom.TargetUser, ID: adaU.ID}}, Delay: warroom.Duration(10 * time.Minute)}}}
		if err := p.store.CreateEscalationPolicy(ctx, pol); err != nil {
			t.Fatal(err)
		}
		if err := p.store.SetServicePaging(ctx, warroom.ServicePaging{ServiceID: p.svc.ID, EscalationPolicyID: pol.ID,
			AlertRules: warroom.DefaultAlertRules()}); err != nil {
			t.Fatal(err)
		}
		resp, body := ada.get("/oncall/policies")
		want(t, "policies", resp, body, 200, "checkout-oncall", `<a href="/oncall/schedules/`+sc.ID+`">primary</a>`,
			"then wait 5m.", "Ada (@ada)", "starts over 1 more time(s)", `<a href="/services/checkout">Checkout</a>`)
		resp, body = ada.get("/services")
		want(t, "services", resp, body, 200, `<a href="/services/checkout">Checkout</a>`, "checkout-oncall")
		resp, body = ada.get("/services/checkout")
		want(t, "service", resp, body, 200, "monitoring", "webhook", "critical or worse: declare an incident at SEV2")
		wantNot(t, "responder's service page", body, "Add an integration", "/delete")
		resp, _ = ada.post("/services/checkout/integrations", url.Values{"kind": {"alertmanager"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("responder creating an integration: %d", resp.StatusCode)
		}

		resp, body = root.post("/services/checkout/integrations", url.Values{"kind": {"nagios"}, "name": {"old"}})
		want(t, "bad kind", resp, body, 400, `id="ig-kind-error"`, "kind must be alertmanager, pagerduty or webhook", `value="old"`)
		resp, body = root.post("/services/checkout/integrations", url.Values{"kind": {"alertmanager"}, "name": {"prometheus eu"}})
		want(t, "created", resp, body, http.StatusCreated, "shown only this once", "webhook_configs:", "send_resolved: true")
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("the key's page may be cached: %q", resp.Header.Get("Cache-Control"))
		}
		key := between(body, `id="ig-key" class="secret" value="`, `"`)
		hookURL := between(body, `id="ig-url" class="secret" value="`, `"`)
		if len(key) != 32 || hookURL != p.srv.URL+"/webhook/"+key || !strings.Contains(body, `- url: &#34;`+hookURL+`&#34;`) {
			t.Fatalf("key %q, url %q in\n%s", key, hookURL, body)
		}
		// The key works where the page says, and is never shown again.
		am := `{"version":"4","status":"firing","receiver":"warroom","groupKey":"g","alerts":[{"status":"firing",` +
			`"labels":{"alertname":"HighLatency","severity":"warning"},"annotations":{"summary":"p99 above 2s"},"startsAt":"2026-03-02T08:59:00Z","fingerprint":"f1"}]}`
		hresp, err := http.Post(hookURL, "application/json", strings.NewReader(am))
		if err != nil || hresp.StatusCode/100 != 2 {
			t.Fatalf("sending to %s: %v %v", hookURL, hresp, err)
		}
		resp, body = root.get("/services/checkout")
		want(t, "service after", resp, body, 200, "prometheus eu", "alertmanager")
		wantNot(t, "service after", body, key)

		resp, body = root.post("/services/checkout/integrations", url.Values{"kind": {"pagerduty"}})
		want(t, "pagerduty", resp, body, http.StatusCreated, "pagerduty_configs:", p.srv.URL+"/v2/enqueue", "Events API v2 URL")

		igs, _ := p.store.ListIntegrations(ctx, p.svc.ID)
		resp, _ = root.post("/services/checkout/integrations/"+igs[0].ID+"/delete", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		if after, _ := p.store.ListIntegrations(ctx, p.svc.ID); len(after) != len(igs)-1 {
			t.Fatalf("%d integrations after deleting one of %d", len(after), len(igs))
		}
	})
}

// between returns the text of s between the first from and the next to.
func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}
