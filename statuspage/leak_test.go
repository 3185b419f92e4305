package statuspage

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/sqlstore"
)

// Secrets seeded into incidents: none may reach the public page.
var secrets = []string{
	"INTERNAL-TITLE-db-primary-oom",   // the incident's internal title
	"SECRET-NOTE-rotate-the-root-key", // a timeline note
	"SECRET-SUMMARY-kube-node-17",     // the internal summary
	"Zelda Quartermain",               // responders' names
	"ada@example.com",                 // responders' addresses
	"LABEL-pod-payments-7f9c",         // an alert label's value
	"ALERT-SUMMARY-disk-full-on-db-3", // an alert summary
	"PRIVATE-INCIDENT-payroll-leak",   // a private incident's title
	"INTERNAL-UPDATE-we-broke-it",     // an internal update
	"EXEC-UPDATE-revenue-impact-40k",  // an executive update
	"PRIVATE-CUSTOMER-UPDATE-payroll", // a customer update of the private incident
	"https://bridge.internal/room-17", // the bridge
	"INC-1", "INC-2",                  // internal references
}

// leakEnv seeds the incidents of the leak test and returns what must
// appear: the published title and the one customer update.
func leakEnv(t *testing.T, e *env) (*warroom.Incident, *warroom.PublicIncident) {
	t.Helper()
	db := e.service("database")
	e.service("payroll")
	e.component("API", "Platform", "database")
	e.component("Payroll", "", "payroll")

	inc := e.declare("ada", warroom.Declaration{Title: secrets[0], Severity: warroom.SEV1, Summary: secrets[2],
		BridgeURL: secrets[11], Impact: warroom.Impact{CustomerImpact: true, ServiceIDs: []string{db.ID}}})
	e.exec("ada", inc.Ref, warroom.AddEntry{Type: warroom.EntryNote, Text: secrets[1]})
	e.exec("ada", inc.Ref, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: e.users["bob"].ID})
	// An alert with labels, linked to the incident.
	in := &warroom.Integration{ServiceID: db.ID, Kind: warroom.IntegrationWebhook, Name: "hook", CreatedAt: t0}
	if err := e.store.CreateIntegration(e.ctx, in, warroom.HashTokenSecret("k")); err != nil {
		t.Fatal(err)
	}
	res, err := e.store.IngestAlerts(e.ctx, []warroom.IngestRequest{{Integration: in, ReceivedAt: t0, Updates: []warroom.AlertUpdate{{
		Action: "trigger", Alert: warroom.Alert{Source: "webhook", DedupKey: "d1", Summary: secrets[6],
			Labels: map[string]string{"pod": secrets[5]}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.LinkAlerts(e.ctx, inc.ID, []string{res[0][0].AlertID}, t0); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		a    warroom.Audience
		body string
	}{{warroom.AudienceInternal, secrets[8]}, {warroom.AudienceExecutives, secrets[9]}} {
		if _, err := e.comms.SendUpdate(e.ctx, e.actor("ada"), inc.Ref, commsInput(u.a, u.body), warroom.Idempotency{}); err != nil {
			t.Fatal(err)
		}
	}
	// A private incident, with a customer update of its own.
	priv := e.declare("ada", warroom.Declaration{Title: secrets[7], Severity: warroom.SEV1, Private: true,
		Impact: warroom.Impact{CustomerImpact: true, ServiceIDs: []string{db.ID}}})
	if _, err := e.comms.SendUpdate(e.ctx, e.actor("ada"), priv.Ref, commsInput(warroom.AudienceCustomers, secrets[10]), warroom.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	// It cannot be made public.
	if _, err := e.svc.MakePublic(e.ctx, e.actor("ada"), priv.Ref, warroom.MakePublic{Title: "Payroll issue"}, warroom.Idempotency{}); warroom.ErrorCode(err) != warroom.EConflict {
		t.Fatalf("a private incident made public: %v", err)
	}
	pub := e.publish("ada", inc.Ref, "Elevated API errors")
	e.customerUpdate("ada", inc.Ref, "We are seeing elevated error rates on the API and are working on a fix.")
	return inc, pub
}

// TestLeak: an incident with internal notes, responders, an alert with
// labels, internal and executive updates, and a private incident with a
// customer update; one incident made public with one customer update.
// The page, the incident page, the JSON and both feeds show the
// published title and the customer update, and none of the internal text.
func TestLeak(t *testing.T) {
	dialects(t, func(t *testing.T, open func(*testing.T) *sqlstore.Store) {
		e := newEnv(t, open(t), envOpts{})
		inc, pub := leakEnv(t, e)
		tl, err := e.store.Timeline(e.ctx, inc.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		made := false
		for _, ev := range tl {
			made = made || (ev.Type == warroom.EventMadePublic && ev.Title == "Elevated API errors")
		}
		if !made {
			t.Error("making the incident public is not on its timeline")
		}
		_, page := e.get("/status")
		var api map[string]any
		_, js := e.get("/status/status.json")
		if err := json.Unmarshal([]byte(js), &api); err != nil {
			t.Fatalf("JSON: %v\n%s", err, js)
		}
		comp := ""
		for _, g := range api["groups"].([]any) {
			for _, c := range g.(map[string]any)["components"].([]any) {
				if c.(map[string]any)["name"] == "API" {
					comp = c.(map[string]any)["id"].(string)
				}
			}
		}
		pages := map[string]string{"page": page, "json": js}
		for name, path := range map[string]string{"incident": "/status/incidents/" + pub.Slug, "feed": "/status/feed.atom",
			"component feed": "/status/components/" + comp + "/feed.atom"} {
			code, body := e.get(path)
			if code != 200 {
				t.Fatalf("%s: %d %s", path, code, body)
			}
			pages[name] = body
		}
		for name, body := range pages {
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("%s shows %q", name, s)
				}
			}
			if !strings.Contains(body, "Elevated API errors") || !strings.Contains(body, "elevated error rates on the API") {
				t.Errorf("%s lacks the published title or the customer update:\n%s", name, body)
			}
		}
		for _, want := range []string{"Major outage", "Acme Cloud", "https://acme.test/logo.png", "Support", `rel="alternate" type="application/atom+xml"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if api["status"] != string(warroom.StatusMajorOutage) {
			t.Errorf("overall status %v", api["status"])
		}
		// The internal ID is not in the public URLs either.
		if strings.Contains(page, inc.ID) || strings.Contains(js, inc.ID) {
			t.Error("the internal incident ID is on the page")
		}
	})
}

func commsInput(a warroom.Audience, body string) commsUpdate {
	return commsUpdate{Audience: a, Subject: "s", Body: body}
}
