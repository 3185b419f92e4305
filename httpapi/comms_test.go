package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/comms"
)

// commsSamples creates what the communications routes' sample paths name.
func commsSamples(t *testing.T, e *env) map[string]string {
	t.Helper()
	if r := e.do("root", "POST", "/api/v1/customers", map[string]any{"name": "Acme",
		"contacts": []map[string]string{{"email": "ops@acme.test"}}}); r.Status != http.StatusCreated && r.Status != http.StatusConflict {
		t.Fatalf("create customer: %s", r)
	}
	return map[string]string{"customer": "acme", "audience": "internal"}
}

// TestUpdatesAPI sends updates through the API: the update keeps a
// snapshot, the timeline records it, the list is newest first, a viewer
// and an outsider of a private incident are refused before anything is
// written, and the draft and summary answer.
func TestUpdatesAPI(t *testing.T) {
	e := newEnv(t, nil)
	inc := e.declare("ada", "db down", false)
	path := "/api/v1/incidents/" + inc.Ref
	u1 := ok[warroom.Update](t, e.do("ada", "POST", path+"/updates", map[string]any{"audience": "internal", "body": "first"}), http.StatusCreated)
	if u1.Snapshot.Ref != inc.Ref || u1.Snapshot.Severity != warroom.SEV3 || u1.Subject == "" {
		t.Errorf("update %+v", u1)
	}
	e.clock.Advance(60e9)
	ok[warroom.Update](t, e.do("bob", "POST", path+"/updates", map[string]any{"audience": "customers"}), http.StatusCreated)
	list := ok[struct{ Updates []warroom.Update }](t, e.do("vic", "GET", path+"/updates", nil), http.StatusOK)
	if len(list.Updates) != 2 || list.Updates[0].Audience != warroom.AudienceCustomers || !strings.Contains(list.Updates[0].Body, "Next update") {
		t.Errorf("updates %+v", list.Updates)
	}
	only := ok[struct{ Updates []warroom.Update }](t, e.do("vic", "GET", path+"/updates?audience=internal", nil), http.StatusOK)
	if len(only.Updates) != 1 || only.Updates[0].ID != u1.ID {
		t.Errorf("internal updates %+v", only.Updates)
	}
	tl := ok[map[string][]warroom.Event](t, e.do("ada", "GET", path+"/timeline", nil), http.StatusOK)["events"]
	sent := 0
	for _, ev := range tl {
		if ev.Type == warroom.EventUpdateSent {
			sent++
		}
	}
	if sent != 2 {
		t.Errorf("%d update.sent events", sent)
	}
	if r := e.do("vic", "POST", path+"/updates", map[string]any{"audience": "internal", "body": "x"}); r.Status != http.StatusForbidden {
		t.Errorf("viewer sent an update: %s", r)
	}
	if r := e.do("ada", "POST", path+"/updates", map[string]any{"audience": "press", "body": "x"}); r.Status != http.StatusBadRequest {
		t.Errorf("unknown audience: %s", r)
	}
	priv := e.declare("ada", "secret", true)
	if r := e.do("bob", "POST", "/api/v1/incidents/"+priv.Ref+"/updates", map[string]any{"audience": "internal", "body": "x"}); r.Status != http.StatusNotFound {
		t.Errorf("outsider of a private incident: %s", r)
	}
	if n := len(ok[struct{ Updates []warroom.Update }](t, e.do("ada", "GET", "/api/v1/incidents/"+priv.Ref+"/updates", nil), http.StatusOK).Updates); n != 0 {
		t.Errorf("the refused update was written: %d", n)
	}
	d := ok[comms.Draft](t, e.do("ada", "GET", path+"/updates/draft?audience=customers", nil), http.StatusOK)
	if !strings.Contains(d.Body, "What we are doing") {
		t.Errorf("draft %+v", d)
	}
	sum := ok[comms.Summary](t, e.do("ada", "GET", path+"/summary", nil), http.StatusOK)
	if !strings.Contains(sum.Text, "Last update: customers") || !strings.Contains(sum.Text, "[SEV3] db down") {
		t.Errorf("summary %s", sum.Text)
	}
	cad := ok[comms.CadenceReport](t, e.do("ada", "GET", path+"/cadence", nil), http.StatusOK)
	if len(cad.Audiences) != 2 || cad.Audiences[0].Sent != 1 {
		t.Errorf("cadence %+v", cad)
	}
}

// TestTemplatesAPI: a template that does not render is refused with the
// template's error; a good one is used by the next draft; only admins
// edit templates.
func TestTemplatesAPI(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do("root", "PUT", "/api/v1/update-templates/customers", map[string]any{"body": "Impact: {{.Impcat}}"})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "Impcat") {
		t.Fatalf("bad template: %s", r)
	}
	if r := e.do("root", "PUT", "/api/v1/update-templates/customers", map[string]any{"body": "{{if .Major}"}); r.Status != http.StatusBadRequest {
		t.Fatalf("unparseable template: %s", r)
	}
	if r := e.do("ada", "PUT", "/api/v1/update-templates/customers", map[string]any{"body": "ok"}); r.Status != http.StatusForbidden {
		t.Fatalf("responder edited a template: %s", r)
	}
	ok[warroom.UpdateTemplate](t, e.do("root", "PUT", "/api/v1/update-templates/customers",
		map[string]any{"subject": "{{.Ref}} news", "body": "Dear customer, {{.Impact}}. Next: {{.NextUpdate}}"}), http.StatusOK)
	inc := e.declare("ada", "db down", false)
	d := ok[comms.Draft](t, e.do("ada", "GET", "/api/v1/incidents/"+inc.Ref+"/updates/draft?audience=customers", nil), http.StatusOK)
	if d.Subject != inc.Ref+" news" || !strings.HasPrefix(d.Body, "Dear customer, being assessed.") {
		t.Errorf("draft %+v", d)
	}
	list := ok[struct{ Templates []warroom.UpdateTemplate }](t, e.do("vic", "GET", "/api/v1/update-templates", nil), http.StatusOK)
	if len(list.Templates) != 3 || list.Templates[1].Default || !list.Templates[0].Default {
		t.Errorf("templates %+v", list.Templates)
	}
}

// TestCustomersAPI manages customers: validation, services by slug,
// unique names, admin only.
func TestCustomersAPI(t *testing.T) {
	e := newEnv(t, nil)
	ok[warroom.Service](t, e.do("root", "POST", "/api/v1/services", map[string]string{"slug": "checkout", "name": "Checkout"}), 201)
	in := map[string]any{"name": "Acme", "contacts": []map[string]string{{"email": "Ops@Acme.test", "name": "Ops"}},
		"manager_email": "mia@example.com", "slack_channel": "C0ACME0001", "services": []string{"checkout"}}
	if r := e.do("ada", "POST", "/api/v1/customers", in); r.Status != http.StatusForbidden {
		t.Fatalf("responder created a customer: %s", r)
	}
	c := ok[warroom.Customer](t, e.do("root", "POST", "/api/v1/customers", in), http.StatusCreated)
	if c.Contacts[0].Email != "ops@acme.test" || len(c.ServiceIDs) != 1 {
		t.Errorf("customer %+v", c)
	}
	if r := e.do("root", "POST", "/api/v1/customers", map[string]any{"name": "ACME"}); r.Status != http.StatusConflict {
		t.Errorf("duplicate name: %s", r)
	}
	for _, bad := range []map[string]any{{"name": ""}, {"name": "X", "contacts": []map[string]string{{"email": "nope"}}},
		{"name": "X", "slack_channel": "#general"}, {"name": "X", "services": []string{"nope"}}} {
		if r := e.do("root", "POST", "/api/v1/customers", bad); r.Status != http.StatusBadRequest {
			t.Errorf("%v: %s", bad, r)
		}
	}
	got := ok[warroom.Customer](t, e.do("vic", "GET", "/api/v1/customers/acme", nil), http.StatusOK)
	if got.ID != c.ID {
		t.Errorf("by name: %+v", got)
	}
	in["services"] = []string{}
	up := ok[warroom.Customer](t, e.do("root", "PUT", "/api/v1/customers/"+c.ID, in), http.StatusOK)
	if len(up.ServiceIDs) != 0 {
		t.Errorf("services not replaced: %+v", up)
	}
	if r := e.do("root", "DELETE", "/api/v1/customers/acme", nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %s", r)
	}
	if r := e.do("root", "GET", "/api/v1/customers/acme", nil); r.Status != http.StatusNotFound {
		t.Errorf("after delete: %s", r)
	}
}

// TestAssessAndHelpAPI answers the assessment and asks for help.
func TestAssessAndHelpAPI(t *testing.T) {
	e := newEnv(t, nil)
	inc := e.declare("ada", "db down", false)
	path := "/api/v1/incidents/" + inc.Ref
	started := e.clock.Now().Add(-10 * 60e9)
	res := ok[warroom.CommandResult](t, e.do("ada", "POST", path+"/assessment",
		map[string]any{"who_affected": "all EU customers", "started_at": started}), http.StatusOK)
	if res.Incident.Assessment == nil || res.Incident.Assessment.WhoAffected != "all EU customers" ||
		!res.Incident.ImpactStartedAt.Equal(started) || res.Incident.Assessment.AnsweredAt != nil {
		t.Errorf("after a partial assessment: %+v", res.Incident)
	}
	res = ok[warroom.CommandResult](t, e.do("bob", "POST", path+"/assessment", map[string]any{"actual_impact": "logins fail"}), http.StatusOK)
	if a := res.Incident.Assessment; a.WhoAffected != "all EU customers" || a.AnsweredAt == nil {
		t.Errorf("complete assessment %+v", a)
	}
	if r := e.do("ada", "POST", path+"/assessment", map[string]any{}); r.Status != http.StatusBadRequest {
		t.Errorf("empty assessment: %s", r)
	}
	res = ok[warroom.CommandResult](t, e.do("ada", "POST", path+"/help", map[string]any{"team": "sre", "reason": "not sure how to fix it"}), http.StatusOK)
	if ev := res.Events[0]; ev.Type != warroom.EventHelpRequested || ev.HelpTarget == nil || ev.HelpTarget.Name != "sre" || ev.Reason != "not sure how to fix it" {
		t.Errorf("help event %+v", ev)
	}
	for _, bad := range []map[string]any{{"reason": "x"}, {"team": "sre"}, {"team": "nope", "reason": "x"},
		{"team": "sre", "escalation_policy": "p", "reason": "x"}} {
		if r := e.do("ada", "POST", path+"/help", bad); r.Status != http.StatusBadRequest {
			t.Errorf("%v: %s", bad, r)
		}
	}
	if r := e.do("vic", "POST", path+"/help", map[string]any{"team": "sre", "reason": "x"}); r.Status != http.StatusForbidden {
		t.Errorf("viewer asked for help: %s", r)
	}
}
