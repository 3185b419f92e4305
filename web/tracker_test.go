package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/tracker"
	"github.com/warroom/warroom/tracker/tickets"
)

// TestTrackerPages: an admin adds a tracker for a service (a bad one comes
// back with the message next to its field and what was typed), sees the
// webhook to register and removes it; responders may not; an incident's
// tickets page shows its ticket to those who may see the incident only.
func TestTrackerPages(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		st := openStore(t, testDSN(t, db))
		var svc *tickets.Service
		e := newEnvOn(t, st, func(c *Config) {
			var err error
			svc, err = tickets.New(tickets.Config{Store: st, Secrets: tracker.SecretsDir(""), Now: c.Now})
			if err != nil {
				t.Fatal(err)
			}
			c.Tracker = svc
		})
		ctx := context.Background()
		service := &warroom.Service{Slug: "checkout", Name: "Checkout"}
		if err := st.CreateService(ctx, service); err != nil {
			t.Fatal(err)
		}
		root, _ := e.signedIn("root", warroom.AccountAdmin)
		ada, adaUser := e.signedIn("ada", warroom.AccountResponder)
		if res, body := root.get("/trackers"); res.StatusCode != 200 || !strings.Contains(body, "Add a tracker") || !strings.Contains(body, `href="/trackers"`) {
			t.Fatalf("trackers page %d", res.StatusCode)
		}
		if res, _ := ada.get("/trackers"); res.StatusCode != http.StatusForbidden {
			t.Fatalf("responder saw the trackers: %d", res.StatusCode)
		}
		form := url.Values{"for": {"service:checkout"}, "kind": {"jira"}, "base_url": {"not a url"}, "project": {"OPS"},
			"credentials": {"jira-ops"}, "webhook_secret": {"jira-hook"}}
		res, body := root.post("/trackers", form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="t-url-error"`) || !strings.Contains(body, `value="not a url"`) {
			t.Fatalf("bad URL: %d %s", res.StatusCode, body)
		}
		if res, _ := ada.post("/trackers", form); res.StatusCode != http.StatusForbidden {
			t.Fatalf("responder added a tracker: %d", res.StatusCode)
		}
		if n, _ := st.TrackerConfigs(ctx); len(n) != 0 {
			t.Fatalf("a refused tracker was stored: %v", n)
		}
		form.Set("base_url", "https://acme.atlassian.net")
		if res, _ := root.post("/trackers", form); res.StatusCode >= 400 {
			t.Fatalf("add: %d", res.StatusCode)
		}
		cfgs, _ := st.TrackerConfigs(ctx)
		if len(cfgs) != 1 {
			t.Fatalf("configs = %v", cfgs)
		}
		_, body = root.get("/trackers")
		if !strings.Contains(body, "/api/v1/trackers/"+cfgs[0].ID+"/webhook") || !strings.Contains(body, "service Checkout") {
			t.Fatalf("the webhook to register is not shown: %s", body)
		}

		inc := e.declare(adaUser, "private trouble", true)
		tk, err := st.LeaseTicket(ctx, &tracker.Ticket{SubjectKind: tracker.SubjectIncident, SubjectID: inc.ID, ConfigID: cfgs[0].ID,
			Tracker: tracker.Jira}, "x", e.clock.Now(), 0)
		if err != nil {
			t.Fatal(err)
		}
		tk.Key, tk.URL, tk.State, tk.Status, tk.LastError = "OPS-7", "https://acme.atlassian.net/browse/OPS-7", tracker.StateOpen, "To Do", "Jira refused: HTTP 503"
		if err := st.SaveTicket(ctx, tk, "x"); err != nil {
			t.Fatal(err)
		}
		res, body = ada.get("/incidents/" + inc.Ref + "/tickets")
		if res.StatusCode != 200 || !strings.Contains(body, `href="https://acme.atlassian.net/browse/OPS-7"`) || !strings.Contains(body, "HTTP 503") {
			t.Fatalf("tickets page %d: %s", res.StatusCode, body)
		}
		bob, _ := e.signedIn("bob", warroom.AccountResponder)
		if res, body := bob.get("/incidents/" + inc.Ref + "/tickets"); res.StatusCode != http.StatusNotFound || strings.Contains(body, "OPS-7") {
			t.Fatalf("a private incident's tickets shown to another: %d", res.StatusCode)
		}
		if res, _ := root.post("/trackers/"+cfgs[0].ID+"/remove", url.Values{}); res.StatusCode >= 400 {
			t.Fatalf("remove: %d", res.StatusCode)
		}
		if n, _ := st.TrackerConfigs(ctx); len(n) != 0 {
			t.Fatalf("not removed: %v", n)
		}
	})
}
