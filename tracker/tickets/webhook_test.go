package tickets_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/internal/githubfake"
	"github.com/warroom/warroom/sqlstore"
	"github.com/warroom/warroom/tracker"
	"github.com/warroom/warroom/tracker/tickets"
)

// TestWebhooksSyncTicketsBack: signed Jira and GitHub webhooks record the
// ticket's new state and tell OnChange; a bad, missing or unconfigured
// signature is refused (EUnauthorized) before anything is written; events
// about other tickets change nothing.
func TestWebhooksSyncTicketsBack(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e, fake, svc := jiraEnv(t, st)
		e.secret("jira-hook", "jira-webhook-secret")
		inc := e.declare("ada", warroom.Declaration{Title: "Checkout is down", Severity: warroom.SEV2,
			Impact: warroom.Impact{ServiceIDs: []string{svc.ID}}})
		e.run()
		if err := e.svc.SyncActionItem(e.ctx, tickets.ActionItem{ID: "ai-1", IncidentID: inc.ID, Title: "Add a canary"}); err != nil {
			t.Fatal(err)
		}
		e.run()
		cfg, err := st.TrackerConfigFor(e.ctx, tracker.ScopeService, svc.ID)
		if err != nil {
			t.Fatal(err)
		}
		fake.SetStatus("OPS-2", "Done")
		body := []byte(`{"timestamp":1765112400000,"webhookEvent":"jira:issue_updated","issue_event_type_name":"issue_generic",
			"issue":{"id":"10002","key":"OPS-2","fields":{"status":{"name":"Done","statusCategory":{"key":"done"}}}}}`)
		bad := http.Header{"X-Hub-Signature": {tracker.Sign("wrong", body)}}
		if _, err := e.svc.Webhook(e.ctx, cfg.ID, bad, body); warroom.ErrorCode(err) != warroom.EUnauthorized {
			t.Fatalf("bad signature: %v", err)
		}
		if _, err := e.svc.Webhook(e.ctx, cfg.ID, http.Header{}, body); warroom.ErrorCode(err) != warroom.EUnauthorized {
			t.Fatalf("no signature: %v", err)
		}
		if tk := e.ticket(tracker.SubjectActionItem, "ai-1"); tk.State != tracker.StateOpen {
			t.Fatalf("a refused webhook changed the ticket: %+v", tk)
		}
		good := http.Header{"X-Hub-Signature": {tracker.Sign("jira-webhook-secret", body)}}
		n, err := e.svc.Webhook(e.ctx, cfg.ID, good, body)
		if err != nil || n != 1 {
			t.Fatalf("webhook: %d, %v", n, err)
		}
		if tk := e.ticket(tracker.SubjectActionItem, "ai-1"); tk.State != tracker.StateDone || tk.Status != "Done" {
			t.Fatalf("after webhook: %+v", tk)
		}
		if got := e.changesSeen(); !slices.Equal(got, []string{"OPS-2 done (was open)"}) {
			t.Fatalf("changes = %v", got)
		}
		other := []byte(`{"webhookEvent":"jira:issue_updated","issue":{"key":"OPS-99","fields":{"status":{"name":"Done","statusCategory":{"key":"done"}}}}}`)
		if n, err := e.svc.Webhook(e.ctx, cfg.ID, http.Header{"X-Hub-Signature": {tracker.Sign("jira-webhook-secret", other)}}, other); err != nil || n != 0 {
			t.Fatalf("another issue: %d, %v", n, err)
		}
		if _, err := e.svc.Webhook(e.ctx, "nope", good, body); warroom.ErrorCode(err) != warroom.ENotFound {
			t.Fatalf("unknown settings: %v", err)
		}
	})
}

func TestGitHubWebhook(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		fake := githubfake.New("gh-token", "acme/ops")
		t.Cleanup(fake.Close)
		e.secret("gh", "gh-token")
		svc := e.service("checkout", "")
		cfg := e.config(&tracker.Config{Scope: tracker.ScopeService, ScopeID: svc.ID, Kind: tracker.GitHub, BaseURL: fake.URL,
			Project: "acme/ops", Credentials: "gh", WebhookSecret: "gh-hook"})
		inc := e.declare("ada", warroom.Declaration{Title: "Checkout is down", Severity: warroom.SEV2,
			Impact: warroom.Impact{ServiceIDs: []string{svc.ID}}})
		e.run()
		body := []byte(`{"action":"closed","issue":{"number":1,"state":"closed","state_reason":"completed","html_url":"https://github.com/acme/ops/issues/1"},
			"repository":{"full_name":"acme/ops"},"sender":{"login":"ada-gh"}}`)
		h := http.Header{"X-Github-Event": {"issues"}, "X-Hub-Signature-256": {tracker.Sign("gh-hook", body)}}
		// No secret file yet: refused, as an unsigned webhook would be.
		if _, err := e.svc.Webhook(e.ctx, cfg.ID, h, body); warroom.ErrorCode(err) != warroom.EUnauthorized {
			t.Fatalf("without the secret: %v", err)
		}
		e.secret("gh-hook", "gh-hook")
		ping := []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`)
		if n, err := e.svc.Webhook(e.ctx, cfg.ID, http.Header{"X-Github-Event": {"ping"}, "X-Hub-Signature-256": {tracker.Sign("gh-hook", ping)}}, ping); err != nil || n != 0 {
			t.Fatalf("ping: %d, %v", n, err)
		}
		if n, err := e.svc.Webhook(e.ctx, cfg.ID, h, body); err != nil || n != 1 {
			t.Fatalf("closed: %d, %v", n, err)
		}
		if tk := e.ticket(tracker.SubjectIncident, inc.ID); tk.State != tracker.StateDone || tk.Status != "closed (completed)" {
			t.Fatalf("ticket = %+v", tk)
		}
	})
}

// TestPollIsTheSafetyNet: with no webhook, the poll reads the states of
// open tickets every interval; a rate limit delays the next poll to the
// tracker's reset; a done ticket is polled no more.
func TestPollIsTheSafetyNet(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e, fake, svc := jiraEnv(t, st)
		inc := e.declare("ada", warroom.Declaration{Title: "Checkout is down", Severity: warroom.SEV2,
			Impact: warroom.Impact{ServiceIDs: []string{svc.ID}}})
		e.run()
		if err := e.svc.StartPolling(e.ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.StartPolling(e.ctx); err != nil { // a second replica starting
			t.Fatal(err)
		}
		fake.SetStatus("OPS-1", "In Progress")
		e.run()
		if tk := e.ticket(tracker.SubjectIncident, inc.ID); tk.State != tracker.StateInProgress {
			t.Fatalf("first poll: %+v", tk)
		}
		gets := func() int {
			n := 0
			for _, r := range fake.Requests() {
				if r == "GET /rest/api/3/issue/OPS-1" {
					n++
				}
			}
			return n
		}
		if n := gets(); n != 2 { // made (one read), polled once: two replicas started one poll chain
			t.Fatalf("%d reads", n)
		}
		fake.RateLimitNext(1, 20*time.Minute)
		e.after(5 * time.Minute) // the poll meets the rate limit
		fake.SetStatus("OPS-1", "Done")
		e.after(10 * time.Minute)
		if tk := e.ticket(tracker.SubjectIncident, inc.ID); tk.State != tracker.StateInProgress {
			t.Fatalf("polled during the rate limit: %+v", tk)
		}
		e.after(11 * time.Minute)
		if tk := e.ticket(tracker.SubjectIncident, inc.ID); tk.State != tracker.StateDone {
			t.Fatalf("after the reset: %+v", tk)
		}
		n := gets()
		e.after(5 * time.Minute)
		if gets() != n {
			t.Fatal("a done ticket was polled")
		}
		if got := e.changesSeen(); !slices.Equal(got, []string{"OPS-1 in_progress (was open)", "OPS-1 done (was in_progress)"}) {
			t.Fatalf("changes = %v", got)
		}
	})
}
