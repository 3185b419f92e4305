package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/tracker"
	"github.com/warroom/warroom/tracker/tickets"
)

// TestTrackerSettingsAPI: admins add tracker settings for a service or a
// team; bad input is refused naming the field; one tracker per service;
// responders may not touch them.
func TestTrackerSettingsAPI(t *testing.T) {
	e := newEnv(t, nil)
	ok[warroom.Service](t, e.do("root", "POST", "/api/v1/services", map[string]string{"slug": "checkout", "name": "Checkout"}), 201)
	good := map[string]any{"service": "checkout", "kind": "jira", "base_url": "https://acme.atlassian.net", "project": "OPS",
		"credentials": "jira-ops", "webhook_secret": "jira-hook"}
	if r := e.do("ada", "POST", "/api/v1/trackers", good); r.Status != http.StatusForbidden {
		t.Fatalf("responder: %s", r)
	}
	c := ok[tracker.Config](t, e.do("root", "POST", "/api/v1/trackers", good), http.StatusCreated)
	if c.Scope != tracker.ScopeService || c.Project != "OPS" || c.ID == "" {
		t.Fatalf("config = %+v", c)
	}
	for _, tc := range []struct {
		change map[string]any
		status int
		field  string
	}{
		{map[string]any{"kind": "gitlab"}, 400, "kind"},
		{map[string]any{"base_url": "acme.atlassian.net"}, 400, "base_url"},
		{map[string]any{"base_url": "https://user:pw@acme.atlassian.net"}, 400, "base_url"},
		{map[string]any{"project": "ops"}, 400, "project"},
		{map[string]any{"credentials": "../etc/passwd"}, 400, "credentials"},
		{map[string]any{"team": "sre"}, 400, "service"},
		{map[string]any{"service": "nope"}, 404, ""},
		{map[string]any{}, 409, ""},
	} {
		body := map[string]any{}
		for k, v := range good {
			body[k] = v
		}
		for k, v := range tc.change {
			body[k] = v
		}
		r := e.do("root", "POST", "/api/v1/trackers", body)
		var got struct{ Error warroom.Error }
		_ = json.Unmarshal(r.Body, &got)
		if r.Status != tc.status || got.Error.Field != tc.field {
			t.Errorf("%v: %s", tc.change, r)
		}
	}
	team := ok[tracker.Config](t, e.do("root", "POST", "/api/v1/trackers", map[string]any{"team": "sre", "kind": "github",
		"project": "acme/ops", "credentials": "gh"}), http.StatusCreated)
	if team.BaseURL != "https://api.github.com" {
		t.Fatalf("GitHub default: %+v", team)
	}
	list := ok[struct{ Trackers []tracker.Config }](t, e.do("root", "GET", "/api/v1/trackers", nil), 200)
	if len(list.Trackers) != 2 {
		t.Fatalf("list = %+v", list)
	}
	if r := e.do("ada", "GET", "/api/v1/trackers", nil); r.Status != http.StatusForbidden {
		t.Fatalf("responder list: %s", r)
	}
	if r := e.do("root", "DELETE", "/api/v1/trackers/"+team.ID, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %s", r)
	}
	if r := e.do("root", "DELETE", "/api/v1/trackers/"+team.ID, nil); r.Status != http.StatusNotFound {
		t.Fatalf("delete again: %s", r)
	}
}

// TestTrackerWebhookAPI: a webhook without a valid signature is refused
// 401 and changes nothing; a signed one updates the ticket; an incident's
// tickets are shown only to who may see the incident.
func TestTrackerWebhookAPI(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "jira-hook"), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	svc, err := tickets.New(tickets.Config{Store: e.store, Secrets: tracker.SecretsDir(dir), Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	api := New(Config{Incidents: e.api.incidents, Store: e.store, Now: e.clock.Now, Tracker: svc})
	srv := httptest.NewServer(api)
	defer srv.Close()

	cfg := &tracker.Config{Scope: tracker.ScopeTeam, ScopeID: "t", Kind: tracker.Jira, BaseURL: "https://acme.atlassian.net",
		Project: "OPS", Credentials: "jira-ops", WebhookSecret: "jira-hook"}
	if err := e.store.CreateTrackerConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	inc := e.declare("ada", "private trouble", true)
	tk, err := e.store.LeaseTicket(ctx, &tracker.Ticket{SubjectKind: tracker.SubjectIncident, SubjectID: inc.ID, ConfigID: cfg.ID,
		Tracker: tracker.Jira}, "x", e.clock.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	tk.Key, tk.State = "OPS-7", tracker.StateOpen
	if err := e.store.SaveTicket(ctx, tk, "x"); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"webhookEvent":"jira:issue_updated","issue":{"key":"OPS-7","fields":{"status":{"name":"Done","statusCategory":{"key":"done"}}}}}`)
	post := func(sig string) *http.Response {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/trackers/"+cfg.ID+"/webhook", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set("X-Hub-Signature", sig)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for _, sig := range []string{"", "sha256=00", tracker.Sign("wrong", body)} {
		if res := post(sig); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("signature %q: %d", sig, res.StatusCode)
		}
	}
	if got, _ := e.store.TicketFor(ctx, tracker.SubjectIncident, inc.ID); got.State != tracker.StateOpen {
		t.Fatalf("a refused webhook wrote: %+v", got)
	}
	// The default server has no secrets: every webhook is refused.
	if r := e.do("", "POST", "/api/v1/trackers/"+cfg.ID+"/webhook", body, "X-Hub-Signature", tracker.Sign("s3cret", body)); r.Status != http.StatusUnauthorized {
		t.Fatalf("without secrets: %s", r)
	}
	if res := post(tracker.Sign("s3cret", body)); res.StatusCode != http.StatusOK {
		t.Fatalf("signed: %d", res.StatusCode)
	}
	list := ok[struct{ Tickets []tracker.Ticket }](t, e.do("ada", "GET", "/api/v1/incidents/"+inc.Ref+"/tickets", nil), 200)
	if len(list.Tickets) != 1 || list.Tickets[0].State != tracker.StateDone || list.Tickets[0].Key != "OPS-7" {
		t.Fatalf("tickets = %+v", list)
	}
	if r := e.do("bob", "GET", "/api/v1/incidents/"+inc.Ref+"/tickets", nil); r.Status != http.StatusNotFound || strings.Contains(string(r.Body), "OPS-7") {
		t.Fatalf("a private incident's tickets shown to another: %s", r)
	}
	other := e.declare("ada", "public trouble", false)
	if list := ok[struct{ Tickets []tracker.Ticket }](t, e.do("bob", "GET", "/api/v1/incidents/"+other.Ref+"/tickets", nil), 200); len(list.Tickets) != 0 {
		t.Fatalf("tickets = %+v", list)
	}
}
