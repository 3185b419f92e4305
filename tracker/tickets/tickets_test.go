package tickets_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/internal/githubfake"
	"github.com/warroom/warroom/internal/jirafake"
	"github.com/warroom/warroom/internal/pmtest"
	"github.com/warroom/warroom/sqlstore"
	"github.com/warroom/warroom/tracker"
	"github.com/warroom/warroom/tracker/tickets"
)

func jiraEnv(t *testing.T, st *sqlstore.Store) (*env, *jirafake.Server, *warroom.Service) {
	e := newEnv(t, st)
	fake := jirafake.New("bot@example.com", "jira-token", "OPS")
	t.Cleanup(fake.Close)
	fake.AddUser(jirafake.User{AccountID: "acc-ada", Email: "ada@example.com", Active: true})
	fake.AddUser(jirafake.User{AccountID: "acc-bob", Email: "bob@example.com", Active: true})
	e.secret("jira-ops", "bot@example.com:jira-token")
	svc := e.service("checkout", "")
	e.config(&tracker.Config{Scope: tracker.ScopeService, ScopeID: svc.ID, Kind: tracker.Jira, BaseURL: fake.URL,
		Project: "OPS", Credentials: "jira-ops", WebhookSecret: "jira-hook"})
	return e, fake, svc
}

func moveTo(e *env, ref string, stages ...warroom.Stage) {
	for _, s := range stages {
		e.exec("ada", ref, warroom.ChangeStage{Stage: s})
	}
}

// TestIncidentTicketFollowsTheIncident (seed 000, issue 12 item 9): the
// declared incident of a service with Jira gets a ticket assigned to its
// owner; a new Incident Owner is assigned; the ticket moves To Do → In
// Progress → Done with the stages; the postmortem is linked, known before
// or after the ticket; action items become sub-tasks, done with their
// item.
func TestIncidentTicketFollowsTheIncident(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e, fake, svc := jiraEnv(t, st)
		inc := e.declare("ada", warroom.Declaration{Title: "Checkout is down", Summary: "Payments fail.", Severity: warroom.SEV2,
			Impact: warroom.Impact{ServiceIDs: []string{svc.ID}}})
		// The postmortem is known before the ticket is made.
		if err := e.svc.LinkPostmortem(e.ctx, inc.ID, "https://warroom.example/postmortems/1"); err != nil {
			t.Fatal(err)
		}
		if errs := e.run(); len(errs) != 0 {
			t.Fatal(errs)
		}
		tk := e.ticket(tracker.SubjectIncident, inc.ID)
		if tk.Key != "OPS-1" || tk.State != tracker.StateOpen || tk.Status != "To Do" || tk.URL != fake.URL+"/browse/OPS-1" || !tk.PostmortemLinked {
			t.Fatalf("ticket = %+v", tk)
		}
		issue, _ := fake.Issue("OPS-1")
		if issue.Summary != inc.Ref+": Checkout is down" || issue.Assignee != "acc-ada" || !slices.Contains(issue.Labels, "sev2") ||
			issue.RemoteLinks["warroom:https://warroom.example/postmortems/1"] == "" {
			t.Fatalf("issue = %+v", issue)
		}

		e.exec("ada", inc.Ref, warroom.AssignRole{Role: warroom.RoleIncidentOwner, UserID: e.users["bob"].ID, Reason: "ada goes off shift"})
		moveTo(e, inc.Ref, warroom.StageInvestigating)
		e.run()
		if issue, _ := fake.Issue("OPS-1"); issue.Assignee != "acc-bob" || issue.Status != "In Progress" {
			t.Fatalf("after owner and stage: %+v", issue)
		}

		item := tickets.ActionItem{ID: "ai-1", IncidentID: inc.ID, Title: "Alert on payment errors", Assignee: "bob@example.com",
			Due: time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC)}
		if err := e.svc.SyncActionItem(e.ctx, item); err != nil {
			t.Fatal(err)
		}
		e.run()
		sub := e.ticket(tracker.SubjectActionItem, "ai-1")
		if sub.Key != "OPS-2" || sub.Parent != "OPS-1" {
			t.Fatalf("action item ticket = %+v", sub)
		}
		if issue, _ := fake.Issue("OPS-2"); issue.Parent != "OPS-1" || issue.IssueType != jirafake.TypeSubtask || issue.DueDate != "2026-12-21" || issue.Assignee != "acc-bob" {
			t.Fatalf("sub-task = %+v", issue)
		}
		item.State = tracker.StateDone
		if err := e.svc.SyncActionItem(e.ctx, item); err != nil {
			t.Fatal(err)
		}
		moveTo(e, inc.Ref, warroom.StageRecovered, warroom.StageBaseline, warroom.StageResolved)
		e.run()
		if issue, _ := fake.Issue("OPS-1"); issue.Status != "In Progress" {
			t.Fatalf("resolved: the ticket stays in progress while follow-ups go on: %+v", issue)
		}
		if issue, _ := fake.Issue("OPS-2"); issue.Status != "Done" {
			t.Fatalf("done action item: %+v", issue)
		}
		pmtest.Publish(t, st, inc.Ref, e.clock.Now())                           // the close gate: a major incident's postmortem
		e.exec("bob", inc.Ref, warroom.ChangeStage{Stage: warroom.StageClosed}) // by the Incident Owner
		e.run()
		if tk := e.ticket(tracker.SubjectIncident, inc.ID); tk.State != tracker.StateDone || tk.Status != "Done" || tk.LastError != "" {
			t.Fatalf("closed: %+v", tk)
		}
		if n := fake.Issues(); n != 2 {
			t.Fatalf("%d issues, want 2", n)
		}
		e.mu.Lock()
		made := append([]string(nil), e.made...)
		e.mu.Unlock()
		if !slices.Equal(made, []string{"incident:" + inc.ID + " OPS-1", "action_item:ai-1 OPS-2"}) {
			t.Fatalf("OnMade saw %v", made)
		}
	})
}

// TestGitHubTeamTrackerLinksActionItems: a team's GitHub repository serves
// its services; action items are issues linked to the incident's issue
// (GitHub has no sub-tasks); the incident's issue closes with the incident
// and its postmortem, known after the ticket, is commented once.
func TestGitHubTeamTrackerLinksActionItems(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		fake := githubfake.New("gh-token", "acme/ops")
		t.Cleanup(fake.Close)
		fake.AddUser("ada-gh", "ada@example.com")
		e.secret("gh", "gh-token")
		team := &warroom.Team{Slug: "payments", Name: "Payments"}
		if err := st.CreateTeam(e.ctx, team); err != nil {
			t.Fatal(err)
		}
		svc := e.service("checkout", team.ID)
		e.config(&tracker.Config{Scope: tracker.ScopeTeam, ScopeID: team.ID, Kind: tracker.GitHub, BaseURL: fake.URL,
			Project: "acme/ops", Credentials: "gh"})
		inc := e.declare("ada", warroom.Declaration{Title: "Checkout is down", Severity: warroom.SEV1,
			Impact: warroom.Impact{ServiceIDs: []string{svc.ID}}})
		e.run()
		if tk := e.ticket(tracker.SubjectIncident, inc.ID); tk.Key != "acme/ops#1" || tk.URL != "https://github.com/acme/ops/issues/1" {
			t.Fatalf("ticket = %+v", tk)
		}
		if err := e.svc.SyncActionItem(e.ctx, tickets.ActionItem{ID: "ai-1", IncidentID: inc.ID, Title: "Add a canary"}); err != nil {
			t.Fatal(err)
		}
		e.run()
		if err := e.svc.LinkPostmortem(e.ctx, inc.ID, "https://warroom.example/postmortems/1"); err != nil {
			t.Fatal(err)
		}
		e.run()
		moveTo(e, inc.Ref, warroom.StageRecovered, warroom.StageBaseline, warroom.StageResolved)
		pmtest.Publish(t, st, inc.Ref, e.clock.Now()) // the close gate: a major incident's postmortem
		moveTo(e, inc.Ref, warroom.StageClosed)
		e.run()
		issues := fake.Issues("acme/ops")
		if len(issues) != 2 {
			t.Fatalf("%d issues", len(issues))
		}
		parent, child := issues[0], issues[1]
		if parent.Assignees[0] != "ada-gh" || parent.State != "closed" || parent.StateReason != "completed" ||
			!slices.Equal(parent.Comments, []string{"Action item: #2", "Postmortem: https://warroom.example/postmortems/1"}) {
			t.Fatalf("incident issue = %+v", parent)
		}
		if !strings.Contains(child.Body, "Part of #1") || child.State != "open" || !slices.Contains(child.Labels, "action-item") {
			t.Fatalf("action item issue = %+v", child)
		}
	})
}

// TestTrackerFailsThenRecovers: Jira down, then answering a creation it
// made with an error (the answer lost), then rate-limiting: the ticket is
// made once, nothing is lost, the rate limit's Retry-After is kept, and
// the ticket shows the last error until it recovers.
func TestTrackerFailsThenRecovers(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e, fake, svc := jiraEnv(t, st)
		fake.FailNext(http.StatusServiceUnavailable)
		inc := e.declare("ada", warroom.Declaration{Title: "Checkout is down", Severity: warroom.SEV2,
			Impact: warroom.Impact{ServiceIDs: []string{svc.ID}}})
		if errs := e.run(); len(errs) != 1 || warroom.ErrorCode(errs[0]) != warroom.EUnavailable {
			t.Fatalf("errors = %v", errs)
		}
		tk := e.ticket(tracker.SubjectIncident, inc.ID)
		if tk.Key != "" || tk.Attempts != 1 || !strings.Contains(tk.LastError, "HTTP 503") {
			t.Fatalf("after the outage: %+v", tk)
		}
		fake.DropCreateAnswers(1)
		if errs := e.after(time.Second); len(errs) != 1 || !strings.Contains(errs[0].Error(), "HTTP 502") {
			t.Fatalf("lost answer: %v", errs)
		}
		if fake.Issues() != 1 {
			t.Fatal("the creation did not reach Jira")
		}
		fake.RateLimitNext(1, 90*time.Second)
		if errs := e.after(time.Second); len(errs) != 0 {
			t.Fatalf("a rate limit is no failure: %v", errs)
		}
		if tk := e.ticket(tracker.SubjectIncident, inc.ID); tk.Key != "" || !strings.Contains(tk.LastError, "rate limit") {
			t.Fatalf("rate-limited: %+v", tk)
		}
		before := len(fake.Requests())
		e.after(80 * time.Second)
		if len(fake.Requests()) != before {
			t.Fatal("warroom called Jira before its Retry-After")
		}
		e.after(10 * time.Second)
		tk = e.ticket(tracker.SubjectIncident, inc.ID)
		if tk.Key != "OPS-1" || tk.LastError != "" || tk.Attempts != 0 {
			t.Fatalf("recovered: %+v", tk)
		}
		if fake.Issues() != 1 {
			t.Fatalf("%d issues: a retried creation made a duplicate", fake.Issues())
		}
		// Later commands find the ticket made and make no other.
		moveTo(e, inc.Ref, warroom.StageInvestigating)
		e.run()
		if issue, _ := fake.Issue("OPS-1"); issue.Status != "In Progress" || fake.Issues() != 1 {
			t.Fatalf("after recovery: %+v, %d issues", issue, fake.Issues())
		}
	})
}

// TestPrivateIncidentTicketKeepsItsDetails: the tracker's readers are not
// the incident's; a private incident's ticket names only its reference.
// An incident without a tracker gets no ticket and calls no tracker.
func TestPrivateIncidentTicketKeepsItsDetails(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e, fake, svc := jiraEnv(t, st)
		inc := e.declare("ada", warroom.Declaration{Title: "Leaked keys of Acme", Summary: "secret", Severity: warroom.SEV1,
			Impact: warroom.Impact{ServiceIDs: []string{svc.ID}}, Private: true})
		other := e.service("search", "")
		none := e.declare("ada", warroom.Declaration{Title: "Search is slow", Severity: warroom.SEV3,
			Impact: warroom.Impact{ServiceIDs: []string{other.ID}}})
		e.run()
		issue, _ := fake.Issue("OPS-1")
		if issue.Summary != inc.Ref+" (private incident)" || strings.Contains(jiraText(issue.Description), "Acme") {
			t.Fatalf("private incident's issue = %+v", issue)
		}
		if _, err := e.svc.Ticket(e.ctx, tracker.SubjectIncident, none.ID); warroom.ErrorCode(err) != warroom.ENotFound {
			t.Fatalf("incident without a tracker: %v", err)
		}
		if _, err := e.svc.IncidentTracker(e.ctx, none.ID); warroom.ErrorCode(err) != warroom.ENotFound {
			t.Fatalf("IncidentTracker without one: %v", err)
		}
		if c, err := e.svc.IncidentTracker(e.ctx, inc.ID); err != nil || c.Project != "OPS" {
			t.Fatalf("IncidentTracker = %+v, %v", c, err)
		}
		if req, err := e.svc.TicketsRequired(e.ctx, inc); err != nil || !req {
			t.Fatalf("TicketsRequired with a tracker = %v, %v", req, err)
		}
		if req, err := e.svc.TicketsRequired(e.ctx, none); err != nil || req {
			t.Fatalf("TicketsRequired without = %v, %v", req, err)
		}
		if fake.Issues() != 1 {
			t.Fatalf("%d issues", fake.Issues())
		}

		// A public incident's ticket follows its details, and hides them
		// when the incident becomes private.
		pub := e.declare("ada", warroom.Declaration{Title: "Checkout is slow", Summary: "p99 at 4s", Severity: warroom.SEV3,
			Impact: warroom.Impact{ServiceIDs: []string{svc.ID}}})
		e.run()
		e.exec("ada", pub.Ref, warroom.UpdateDetails{Title: "Checkout is slow for Acme", Summary: "Acme's p99 at 4s"})
		e.run()
		if issue, _ := fake.Issue("OPS-2"); issue.Summary != pub.Ref+": Checkout is slow for Acme" || !strings.Contains(jiraText(issue.Description), "Acme's p99") {
			t.Fatalf("after the details changed: %+v", issue)
		}
		e.exec("ada", pub.Ref, warroom.SetPrivacy{Private: true, Reason: "a customer's data"})
		e.run()
		if issue, _ := fake.Issue("OPS-2"); issue.Summary != pub.Ref+" (private incident)" || strings.Contains(jiraText(issue.Description), "Acme") {
			t.Fatalf("after it became private: %+v", issue)
		}
		edits := 0
		for _, r := range fake.Requests() {
			if strings.HasPrefix(r, "PUT /rest/api/3/issue/OPS-") && !strings.HasSuffix(r, "/assignee") {
				edits++
			}
		}
		if edits != 2 {
			t.Fatalf("%d edits, want 2 (one per change)", edits)
		}
	})
}

func jiraText(doc map[string]any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(n any) {
		m, _ := n.(map[string]any)
		if t, ok := m["text"].(string); ok {
			b.WriteString(t + "\n")
		}
		c, _ := m["content"].([]any)
		for _, x := range c {
			walk(x)
		}
	}
	walk(doc)
	return b.String()
}

// TestDeletedTicketIsLeftAlone: a ticket deleted in the tracker is
// recorded as gone at the next change; warroom neither retries nor makes
// another.
func TestDeletedTicketIsLeftAlone(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e, fake, svc := jiraEnv(t, st)
		inc := e.declare("ada", warroom.Declaration{Title: "Checkout is down", Severity: warroom.SEV2,
			Impact: warroom.Impact{ServiceIDs: []string{svc.ID}}})
		e.run()
		fake.Delete("OPS-1")
		moveTo(e, inc.Ref, warroom.StageInvestigating)
		if errs := e.run(); len(errs) != 0 {
			t.Fatalf("errors = %v", errs)
		}
		tk := e.ticket(tracker.SubjectIncident, inc.ID)
		if tk.Status != tickets.StatusGone || tk.State != tracker.StateDone || !strings.Contains(tk.LastError, "gone from the tracker") {
			t.Fatalf("ticket = %+v", tk)
		}
		before := len(fake.Requests())
		moveTo(e, inc.Ref, warroom.StageMitigated)
		if errs := e.run(); len(errs) != 0 || len(fake.Requests()) != before || fake.Issues() != 0 {
			t.Fatalf("a gone ticket was worked on: %v, %d requests, %d issues", errs, len(fake.Requests())-before, fake.Issues())
		}
	})
}
