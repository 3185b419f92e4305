package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/comms"
	"github.com/warroom/warroom/notify"
)

// newCommsEnv is a server whose web UI has comms.
func newCommsEnv(t *testing.T, db string) *env {
	st := openStore(t, testDSN(t, db))
	return newEnvOn(t, st, func(c *Config) {
		reg, _ := notify.NewRegistry()
		svc, err := comms.New(comms.Config{Store: st, Incidents: c.Incidents, Now: c.Now, Policy: c.Incidents.Policy, Sender: reg})
		if err != nil {
			t.Fatal(err)
		}
		c.Comms = svc
	})
}

// TestUpdatesPage: the incident's updates page shows the cadence, the
// summary and a send form prefilled from the template; sending an update
// lists it; a refused update keeps what was typed; a viewer sees no form
// and cannot send; a forged CSRF token is refused.
func TestUpdatesPage(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newCommsEnv(t, db)
		b, ada := e.signedIn("ada", warroom.AccountResponder)
		inc := e.declareSeverity(ada, "checkout down", warroom.SEV2, false) // major: internal updates every 30m
		path := "/incidents/" + inc.Ref + "/updates"
		resp, body := b.get(path + "?audience=customers")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		for _, want := range []string{"Cadence", "<th scope=\"row\">internal</th><td>ok</td><td>30m</td>", "Executive summary",
			"What we are doing", "Service incident " + inc.Ref, "No update sent yet"} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		resp, body = b.post(path, url.Values{"audience": {"internal"}, "subject": {"Rolling back"}, "body": {"We are rolling back the deploy."}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("send: %d %s", resp.StatusCode, body)
		}
		_, body = b.get(path)
		if !strings.Contains(body, "Rolling back") || !strings.Contains(body, "We are rolling back the deploy.") ||
			!strings.Contains(body, "<td>1</td><td>0</td>") {
			t.Errorf("the update is not listed or counted:\n%s", body)
		}
		resp, body = b.post(path, url.Values{"audience": {"internal"}, "subject": {"two\nlines"}, "body": {"kept text"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "kept text") || !strings.Contains(body, "u-subject-error") {
			t.Errorf("refused update: %d", resp.StatusCode)
		}
		if resp, _ := b.post(path, url.Values{"csrf": {"forged"}, "audience": {"internal"}, "body": {"x"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("forged CSRF: %d", resp.StatusCode)
		}
		v, _ := e.signedIn("vic", warroom.AccountViewer)
		_, body = v.get(path)
		if strings.Contains(body, "Send an update") || !strings.Contains(body, "Rolling back") {
			t.Errorf("viewer's page shows the form or lacks the update")
		}
		if resp, _ := v.post(path, url.Values{"audience": {"internal"}, "body": {"x"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("viewer sent an update: %d", resp.StatusCode)
		}
		if _, body := b.get("/incidents/" + inc.Ref); !strings.Contains(body, `href="/incidents/`+inc.Ref+`/updates"`) {
			t.Error("the incident page does not link to its updates")
		}
		private := e.declare(ada, "secret", true)
		if resp, _ := v.get("/incidents/" + private.Ref + "/updates"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a private incident's updates to an outsider: %d", resp.StatusCode)
		}
	})
}

// TestAssessAndHelpForms: the assessment form records answers (and keeps
// what was typed when refused); the help form pages a team and refuses
// a request without a reason.
func TestAssessAndHelpForms(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newCommsEnv(t, db)
		b, ada := e.signedIn("ada", warroom.AccountResponder)
		inc := e.declare(ada, "checkout down", false)
		path := "/incidents/" + inc.Ref
		_, body := b.get(path + "/updates")
		if strings.Count(body, "not answered yet") != 3 {
			t.Errorf("three unanswered questions expected")
		}
		resp, body := b.post(path+"/assessment", url.Values{"who_affected": {"EU customers"}, "actual_impact": {""}, "started_at": {""}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("assess: %d %s", resp.StatusCode, body)
		}
		_, body = b.get(path + "/updates")
		if !strings.Contains(body, "EU customers") || strings.Count(body, "not answered yet") != 2 {
			t.Errorf("answer not shown")
		}
		resp, body = b.post(path+"/assessment", url.Values{"who_affected": {""}, "actual_impact": {"typed"}, "started_at": {"2099-01-01T00:00"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "a-started-error") || !strings.Contains(body, `value="typed"`) {
			t.Errorf("future start: %d", resp.StatusCode)
		}
		team := &warroom.Team{Slug: "dba", Name: "DBA"}
		if err := e.store.CreateTeam(t.Context(), team); err != nil {
			t.Fatal(err)
		}
		resp, body = b.post(path+"/help", url.Values{"target": {"team:dba"}, "reason": {""}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "h-reason-error") {
			t.Errorf("help without a reason: %d", resp.StatusCode)
		}
		if resp, body := b.post(path+"/help", url.Values{"target": {"team:dba"}, "reason": {"lag"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("help: %d %s", resp.StatusCode, body)
		}
		if _, body := b.get(path); !strings.Contains(body, "lag") {
			t.Errorf("the help request is not on the timeline")
		}
	})
}

// TestCustomersPage: admins add customers through the form (a refused one
// keeps what was typed); others see the list without the form and cannot
// post it.
func TestCustomersPage(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newCommsEnv(t, db)
		if err := e.store.CreateService(t.Context(), &warroom.Service{Slug: "checkout", Name: "Checkout"}); err != nil {
			t.Fatal(err)
		}
		root, _ := e.signedIn("root", warroom.AccountAdmin)
		form := url.Values{"name": {"Acme"}, "contacts": {"Wile <wile@acme.test>\nnot-an-address"}, "manager_email": {"mia@example.com"},
			"services": {"checkout"}}
		resp, body := root.post("/customers", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "c-contacts-error") || !strings.Contains(body, "not-an-address") {
			t.Fatalf("bad contact: %d", resp.StatusCode)
		}
		form.Set("contacts", "Wile <wile@acme.test>\nops@acme.test")
		if resp, body := root.post("/customers", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add: %d %s", resp.StatusCode, body)
		}
		_, body = root.get("/customers")
		if !strings.Contains(body, "Wile &lt;wile@acme.test&gt;, &lt;ops@acme.test&gt;") || !strings.Contains(body, "<td>Checkout</td>") {
			t.Errorf("list:\n%s", body)
		}
		ada, _ := e.signedIn("ada", warroom.AccountResponder)
		_, body = ada.get("/customers")
		if strings.Contains(body, "Add a customer") || !strings.Contains(body, "Acme") {
			t.Errorf("a responder's page shows the form or lacks the customer")
		}
		if resp, _ := ada.post("/customers", url.Values{"name": {"Globex"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a responder added a customer: %d", resp.StatusCode)
		}
	})
}

// TestTemplatesPage: an admin's template that does not render comes back
// with the template's error and what was typed; a good one is used by the
// next draft.
func TestTemplatesPage(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newCommsEnv(t, db)
		root, u := e.signedIn("root", warroom.AccountAdmin)
		resp, body := root.post("/update-templates/customers", url.Values{"subject": {"{{.Ref}}"}, "body": {"Hello {{.Impcat}}"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Impcat") || !strings.Contains(body, "t-customers-error") {
			t.Fatalf("bad template: %d", resp.StatusCode)
		}
		if resp, body := root.post("/update-templates/customers", url.Values{"subject": {"{{.Ref}} news"}, "body": {"Hello, {{.Impact}}."}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d %s", resp.StatusCode, body)
		}
		inc := e.declare(u, "checkout down", false)
		_, body = root.get("/incidents/" + inc.Ref + "/updates?audience=customers")
		if !strings.Contains(body, "Hello, being assessed.") || !strings.Contains(body, inc.Ref+" news") {
			t.Errorf("the draft does not use the saved template")
		}
		ada, _ := e.signedIn("ada", warroom.AccountResponder)
		if resp, _ := ada.post("/update-templates/customers", url.Values{"body": {"x"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a responder saved a template: %d", resp.StatusCode)
		}
	})
}
